/*
 * ace_api.h - the AceStream engine's JSON API as ringcast answers it
 * (the server side; ace_client.h is the client side): the answers of
 * get_version, getstream?format=json, stat_url and command_url, built
 * from ringcast's own URLs and shared memory, and the paths of the
 * session routes.  Pure except ace_api_stat_read, which only reads the
 * state segment.
 *
 * What an engine client sees: the engine's shapes, {"result": ...,
 * "error": null} for get_version and {"response": ..., "error": null}
 * elsewhere; playback_url is the shared stream on ringcast, stat_url and
 * command_url name the stream and a hold (a playback session of
 * ringcast's, STATE_HOLD_ID_BYTES random bytes in hex).
 */
#ifndef RINGCAST_ACE_API_H
#define RINGCAST_ACE_API_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "state.h"

/* The engine version ringcast answers get_version with: the engine's
 * API that ringcast's routes are compatible with (clients such as
 * python-acestream compare it with the versions they know). */
#define ACE_API_ENGINE_VERSION	"3.2.3"
#define ACE_API_ENGINE_CODE	3020300
#define ACE_API_HOLD_HEX	(STATE_HOLD_ID_BYTES * 2)
#define ACE_API_STAT_PREFIX	"/ace/stat/"
#define ACE_API_CMD_PREFIX	"/ace/cmd/"
/* The engine's answer to a session it does not know (any more). */
#define ACE_API_UNKNOWN_SESSION	"unknown playback session id"

/* get_version: the version object; another method: its error. */
int	 ace_api_version(struct buf *);
int	 ace_api_version_error(struct buf *, const char *error);
/* {"response": null, "error": ERROR} and {"response": "ok", ...}. */
int	 ace_api_error(struct buf *, const char *error);
int	 ace_api_ok(struct buf *);

/* A getstream answer: the stream KEY on ringcast at BASE (http://HOST),
 * played as TS or (HLS) its playlist, held by HOLD. */
struct ace_api_session {
	const char	*base;
	const char	*key;
	const char	*hold;		/* ACE_API_HOLD_HEX hex digits */
	const char	*infohash;	/* "" when unknown */
	int		 hls;
};
int	 ace_api_getstream(struct buf *, const struct ace_api_session *);

/* What a stat answer says. */
struct ace_api_stat {
	char		 status[ACE_STATUS_MAX];
	uint32_t	 peers, speed_down, speed_up, clients;
	uint64_t	 downloaded;
};
int	 ace_api_stat(struct buf *, const struct ace_api_stat *);
/*
 * The status word of a stream: what the engine said last (RECORD, ""
 * when there is no stat of its session yet), else from the stream's
 * STATE: "dl" when it flows, "prebuf" while it starts or reconnects,
 * else "idle".
 */
const char *ace_api_status(const char *record, enum stream_state);
/* SLOT's figures from the state segment (engine record and stream). */
void	 ace_api_stat_read(const struct state *, int slot,
	    struct ace_api_stat *);

/* "/ace/stat/KEY/HOLD" (PREFIX and the rest): 0 with KEY and the hold's
 * bytes in ID, or -1 when it is no such path. */
int	 ace_api_hold_path(const char *url, const char *prefix, char *key,
	    size_t keysz, uint8_t id[STATE_HOLD_ID_BYTES]);
/* ID in hex (OUT: ACE_API_HOLD_HEX + 1 bytes). */
void	 ace_api_hold_hex(const uint8_t id[STATE_HOLD_ID_BYTES], char *out);
/*
 * "http://HOST" from a Host header (NULL, empty or unfit: localhost),
 * with ":PORT" added when HOST names none and PORT is not 0: clients
 * such as python-acestream find their own base URL in the URLs we give
 * (an engine always names its port).
 */
void	 ace_api_base_url(const char *host, unsigned port, char *out,
	    size_t outsz);

#endif
