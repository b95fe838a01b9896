/*
 * ace_client.h - the AceStream engine's HTTP API, client side.
 *
 * The engine answers JSON ({"response": ..., "error": ...}); these are
 * its parsers (pure, json-c, unit-tested: a real parser instead of
 * string scanning, since engine answers are outside input), the URLs we
 * ask it, and one bounded GET used by the fetcher and the engine monitor.
 */
#ifndef RINGCAST_ACE_CLIENT_H
#define RINGCAST_ACE_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ace_state.h"
#include "json.h"

#define ACE_ANSWER_MAX		(64 * 1024)	/* longest answer we read */
#define ACE_INFOHASH_PREFIX	"infohash-"	/* stream key of an infohash */
#define ACE_NEXT_ENGINE		"next-engine"	/* fetcher -> supervisor:
						 * my engine failed */
#define ACE_JSON_DEPTH		16
#define ACE_INFOHASH_MSG	"infohash"	/* fetcher -> supervisor:
						 * "infohash HASH", what the
						 * engine resolved the input
						 * to (ace_infohash_msg) */
#define ACE_REFUSED		"engine-error"	/* fetcher -> supervisor:
						 * the engine refused the
						 * content (ace_refusal_msg) */
/* A stop gets this long: engines under load take seconds to answer. */
#define ACE_STOP_TIMEOUT_MS	5000
/* The engine's answer to the stop of a session it no longer has (it
 * dropped it: idle, superseded): as good as stopped. */
#define ACE_UNKNOWN_SESSION	"unknown playback session id"

/* A started engine session (getstream?format=json). */
struct ace_session {
	char	 playback_url[ACE_URL_MAX];
	char	 stat_url[ACE_URL_MAX];		/* "" when absent */
	char	 command_url[ACE_URL_MAX];
	char	 session_id[ACE_SESSION_ID_MAX];	/* "" when absent */
	int	 is_live;			/* -1 when absent */
	/* the broadcast, 40 lower-case hex; "" when absent or malformed */
	char	 infohash[CONFIG_ACE_ID_LEN + 1];
};

/* What stat_url says. */
struct ace_stat {
	char		 status[ACE_STATUS_MAX];	/* "dl", "prebuf", ... */
	uint32_t	 peers;
	uint32_t	 speed_down;	/* KB/s */
	uint32_t	 speed_up;
	uint64_t	 downloaded;	/* bytes */
	uint64_t	 uploaded;
};

/* 1 when S is exactly 40 hex digits. */
int	 ace_id_valid(const char *s);
/* Why S is not a content id ("too short: 39 characters, ..."), or NULL. */
const char *ace_id_problem(const char *s, size_t len);
/* The 40 hex digits of a valid S in lower case. */
void	 ace_id_normalize(const char *s, char out[CONFIG_ACE_ID_LEN + 1]);

/*
 * Parsers: 0 and *OUT filled, or -1 with ERR saying why (the engine's
 * own error text, "not JSON", "no playback_url", ...).  BODY need not be
 * NUL-terminated; more than ACE_ANSWER_MAX bytes is refused.
 */
int	 ace_parse_getstream(const char *body, size_t len,
	    struct ace_session *out, char *err, size_t errsz);
int	 ace_parse_stat(const char *body, size_t len, struct ace_stat *out,
	    char *err, size_t errsz);
/* get_version: the version text ("" when the engine gives none). */
int	 ace_parse_version(const char *body, size_t len, char *version,
	    size_t versionsz, char *err, size_t errsz);
/* command_url?method=...: 0 when the engine said ok. */
int	 ace_parse_command(const char *body, size_t len, char *err,
	    size_t errsz);
/* command_url?method=stop: 0 stopped, 1 the engine had no such session
 * any more (ACE_UNKNOWN_SESSION: already stopped, ERR says so), -1 with
 * ERR. */
int	 ace_parse_stop(const char *body, size_t len, char *err,
	    size_t errsz);
/* get_network_connection_status: 0 and *CONNECTED (0 or 1), or -1. */
int	 ace_parse_network(const char *body, size_t len, int *connected,
	    char *err, size_t errsz);

/*
 * The engine's refusal of the content: a getstream answer
 * {"response": null, "error": TEXT} (HTTP 200).  1 with TEXT (the
 * engine's words, control characters replaced), 0 when BODY is anything
 * else: a session, or a malformed answer (an engine failure).
 */
int	 ace_getstream_refusal(const char *body, size_t len, char *text,
	    size_t textsz);
/*
 * The HTTP status a player gets for the refusal TEXT: 404 when the text
 * says the content is unknown or dead ("failed to load transport file",
 * "not found", "invalid", ...: ACE_DEAD_WORDS in ace_client.c), else 502.
 */
unsigned ace_refusal_status(const char *text);
/* The fetcher's message: "engine-error STATUS ENGINE\nTEXT"; its parse
 * (0, or -1 when MSG is not one). */
int	 ace_refusal_msg(char *out, size_t outsz, unsigned status,
	    const char *engine, const char *text);
int	 ace_refusal_msg_parse(const char *msg, size_t len, unsigned *status,
	    char *engine, size_t enginesz, char *text, size_t textsz);

/* The fetcher's message "infohash HASH" (HASH: 40 hex, written in lower
 * case); its parse: 0 and OUT, or -1 when MSG is not one. */
int	 ace_infohash_msg(char *out, size_t outsz, const char *infohash);
int	 ace_infohash_msg_parse(const char *msg, size_t len,
	    char out[CONFIG_ACE_ID_LEN + 1]);

/* One engine as the choice sees it. */
struct ace_pick {
	int	 usable;	/* configured and not failing its health check */
	int	 streams;	/* content-id streams on it now */
};

/*
 * The engine for a new stream: the least loaded usable engine with room
 * (fewer than MAX_PER streams), the first of equals; never EXCLUDE
 * (-1: none).  Its index, or -1 when none has room (pure).
 */
int	 ace_pick_engine(const struct ace_pick *, int n, int max_per,
	    int exclude);

/* The stream key for a content id (PARAM "id") or infohash; -1 if the
 * id is not 40 hex digits. */
int	 ace_stream_key(const char *param, const char *id, char *key,
	    size_t keysz);
/* Split a key into the engine parameter and the 40 hex digits. */
int	 ace_key_split(const char *key, const char **param, const char **id);

/* URLs; -1 when they do not fit in OUTSZ. */
int	 ace_url_getstream(char *out, size_t outsz, const char *engine,
	    const char *param, const char *id, const char *pid);
int	 ace_url_version(char *out, size_t outsz, const char *engine);
int	 ace_url_network(char *out, size_t outsz, const char *engine);
int	 ace_url_command(char *out, size_t outsz, const char *command_url,
	    const char *method);

/*
 * URL moved onto ENGINE, an engine's base URL: ENGINE's scheme, userinfo,
 * host and port, then ENGINE's path without its trailing slashes (the
 * prefix of a reverse proxy, under which getstream was asked too), then
 * URL's own path, query and fragment.  An engine writes its own idea of
 * its address into the URLs it answers (127.0.0.1:6878 inside a
 * container, whatever port is published), so they are rebased onto the
 * address ringcast reaches it at.  -1 when either is not
 * scheme://authority[...] or the result does not fit OUTSZ (pure).
 */
int	 ace_url_rebase(char *out, size_t outsz, const char *url,
	    const char *engine);
/* The playback, stat and command URLs of S rebased onto ENGINE; on -1
 * (one does not fit) S is left as it was. */
int	 ace_session_rebase(struct ace_session *s, const char *engine);

/*
 * GET URL into BODY (at most ACE_ANSWER_MAX bytes), within TIMEOUT_MS;
 * given up early when *ABORT becomes nonzero (NULL: never).  0 on a 2xx
 * answer, else -1 with ERR.
 */
int	 ace_http_get(const char *url, const char *user_agent,
	    long timeout_ms, volatile sig_atomic_t *abort, struct buf *body,
	    char *err, size_t errsz);

#endif
