/*
 * ace_input.h - what a player may give /ace/getstream and
 * /ace/manifest.m3u8 (ace_input.c): the inputs the engine documents
 * (content_id or its alias id, infohash, url, magnet) and the options
 * passed through to it, checked, turned into a stream key and into the
 * getstream arguments the fetcher sends.  Pure, unit-tested (but for
 * ace_broadcast_slot, which reads the state segment's records).
 */
#ifndef RINGCAST_ACE_INPUT_H
#define RINGCAST_ACE_INPUT_H

#include <stddef.h>

#include "ace_state.h"

#define ACE_URL_KEY_PREFIX	"url-"		/* stream key of a url= input */
#define ACE_URL_HASH_LEN	16		/* hex digits of its hash */
#define ACE_OPTIONS_MARK	"-o"		/* key suffix: options */
#define ACE_OPTIONS_HASH_LEN	12		/* hex digits of their hash */
#define ACE_OPTION_MAX		64		/* longest option value */
#define ACE_N_OPTIONS		4
/* getstream URL with ACE_ARGS_MAX bytes of arguments, all escaped */
#define ACE_GETSTREAM_URL_MAX	(ACE_URL_MAX + 3 * ACE_ARGS_MAX + 128)

/*
 * What a player asked /ace/ for.  PARAM is the input given ("id",
 * "content_id", "infohash", "url", "magnet"; NULL: none) and VALUE its
 * decoded value; OPTIONS[i] the value of ace_option_names[i] passed
 * through to the engine (NULL or "": not given).
 */
struct ace_request {
	const char	*param;
	const char	*value;
	const char	*options[ACE_N_OPTIONS];
};

/* transcode_audio, transcode_ac3, preferred_audio_language,
 * file_indexes; and the inputs, in the order they are looked for. */
extern const char *const ace_option_names[ACE_N_OPTIONS];
extern const char *const ace_input_names[5];

/* Why REQ cannot be played (a sentence for a 400), or NULL. */
const char *ace_request_problem(const struct ace_request *);
/* 1 when REQ makes the engine fetch what the player named (url=,
 * magnet=: acestream.allow_url_input). */
int	 ace_request_fetches_url(const struct ace_request *);
/*
 * The stream key of a valid REQ: the content id (40 lower-case hex),
 * "infohash-" and the infohash (infohash=, and the btih of magnet=), or
 * "url-" and 16 hex digits of a hash of the URL; then, with options,
 * "-o" and 12 hex digits of a hash of them (at most 63 characters).
 * The getstream arguments: "NAME=VALUE" lines, the input first (the
 * engine's name for it: id, infohash, url or magnet; ids in lower case),
 * then the options.  -1 when they do not fit.
 */
int	 ace_request_key(const struct ace_request *, char *key, size_t keysz);
int	 ace_request_args(const struct ace_request *, char *out,
	    size_t outsz);
/* The btih infohash of a magnet URI (40 hex digits, or 32 base32) in
 * lower-case hex; -1 when it has none. */
int	 ace_magnet_infohash(const char *magnet,
	    char out[CONFIG_ACE_ID_LEN + 1]);

/* A stream key of any form, read back. */
struct ace_key {
	char	 param[16];		/* "id", "infohash" or "url" */
	char	 id[CONFIG_ACE_ID_LEN + 1];	/* its hex digits */
	int	 options;		/* 1: the key has an options hash */
	char	 base[CONFIG_NAME_MAX + 1];	/* the key without options */
	char	 opts[ACE_OPTS_MAX];	/* "-o" and the hash, or "" */
};
int	 ace_key_parse(const char *key, struct ace_key *);

/*
 * The broadcast of stream key KEY: 0 with its infohash in OUT when it is
 * known without an engine (an infohash key is its own; a content id or
 * url key's is the engine's earlier answer, remembered in AS), else -1.
 */
int	 ace_key_infohash(const struct ace_state *as, const struct ace_key *,
	    char out[CONFIG_ACE_ID_LEN + 1]);
/*
 * The content-id stream a request for KEY joins: the slot of a stream of
 * the same broadcast (ace_key_infohash) with the same options, whatever
 * key it was started under; -1 when there is none (or KEY's broadcast
 * is not known).  Reads the state segment (workers and supervisor).
 */
int	 ace_broadcast_slot(const struct ace_state *as, const char *key);

/* ENGINE/ace/getstream?format=json&ARGS&pid=PID, ARGS the lines of
 * ace_request_args() joined by '&', each value percent-encoded. */
int	 ace_url_getstream_args(char *out, size_t outsz, const char *engine,
	    const char *args, const char *pid);

#endif
