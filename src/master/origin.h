/*
 * origin.h - dynamic streams: streams made on a player's request.
 *
 * A stream the configuration file does not name can still be served when
 * an origin knows how to make it from a key: an AceStream content id
 * (acestream.c) or, on an edge, a stream of the parent.  The worker that
 * got the request asks the supervisor (MSG_STREAM_CREATE); the supervisor
 * looks the origin up in origin_table[] and calls its create(), which
 * builds a stream_conf (url, options) or refuses with an HTTP status, a
 * reason and a Retry-After.  From then on the stream lives like an
 * on-demand named stream (its name is its key, so /status, events and
 * `ringcastctl stop KEY` work unchanged) until it ends for any reason;
 * then ended() is called and the supervisor frees the conf, clears the
 * slot and unlinks the ring: nothing of it survives its end.
 *
 * A new origin is one file with a `const struct origin_ops` and one entry
 * in the table of origins.c (origins.h).  Every hook but create is
 * optional.  Hooks run in the supervisor and must never block.  What the
 * origins share (origin_refuse) is in origin.c.
 */
#ifndef RINGCAST_ORIGIN_H
#define RINGCAST_ORIGIN_H

#include "config.h"
#include "json.h"
#include "proc.h"
#include "state.h"
#include "tuning.h"

#define ORIGIN_REASON_MAX	200
#define ORIGIN_END_REFUSED	(-2)	/* fetcher_message: end the stream */

/* Why create() said no: what the player gets. */
struct origin_refusal {
	unsigned	 status;		/* 404, 503, ... */
	unsigned	 retry_after_s;		/* 0: no Retry-After */
	char		 reason[ORIGIN_REASON_MAX];
	/* > 0: what is missing may come (acestream.c: room on an engine,
	 * managed engines starting as needed): the supervisor keeps the
	 * request (sup_create.c) up to WAIT_S seconds,
	 * at most WAIT_MAX such requests at once, asking create() again
	 * meanwhile; the refusal above is the answer when it gives up. */
	double		 wait_s;
	int		 wait_max;
	/* Not NULL: bumped when the player gets this refusal in the end,
	 * after its wait or at once beyond wait_max (acestream.c: the
	 * refused count of /status). */
	_Atomic uint64_t *count_after_wait;
};

/* Fill *R: STATUS, RETRY_AFTER_S (0: none) and the reason, printf-style
 * (cut to ORIGIN_REASON_MAX - 1 bytes). */
void	 origin_refuse(struct origin_refusal *r, unsigned status,
	    unsigned retry_after_s, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

struct origin_ops {
	const char	*name;			/* "acestream", "parent" */
	/* 1 when KEY is well-formed for this origin (workers check too). */
	int		(*key_valid)(const char *key);
	/*
	 * Make the stream for KEY, to run in SLOT: a conf from
	 * config_stream_make() (the supervisor owns it from then on), or
	 * NULL with *R filled.  ARGS: what the worker's request added for
	 * the origin ("" when nothing; acestream.c: the engine arguments).
	 */
	struct stream_conf *(*create)(struct state *, const struct config *,
			    const char *key, const char *args, int slot,
			    struct origin_refusal *r);
	/*
	 * Before anything else: KEY names content another origin plays
	 * under its own key (channels.c: a lineup channel that is an
	 * AceStream id is that id's content-id stream).  1 with *ORIGIN,
	 * TO (TOSZ bytes) and ARGS (ARGSSZ bytes) set: the request is that
	 * origin's for TO, and joins its stream; 0: KEY is this origin's;
	 * -1 with *R filled.
	 */
	int		(*alias)(struct state *, const struct config *,
			    const char *key, unsigned *origin, char *to,
			    size_t tosz, char *args, size_t argssz,
			    struct origin_refusal *r);
	/*
	 * Before create() (and before KEY's own stream is looked for): the
	 * slot of a running stream of this origin that serves the same
	 * content under another key, which the request joins; -1 for none
	 * (acestream.c: a content id and its infohash are one broadcast).
	 */
	int		(*find)(struct state *, const char *key);
	/*
	 * After SLOT's fetcher sent MSG_ORIGIN (and it was answered): the
	 * slot of another stream that SLOT's has made redundant, which the
	 * supervisor ends at once (reason "duplicate"; its players are
	 * disconnected and join SLOT's when they ask again), or -1.
	 * acestream.c: two streams of one broadcast, the older of which the
	 * engine has already ended.
	 */
	int		(*duplicate)(struct state *, int slot);
	/* SLOT's fetcher found the stream nowhere (every URL answered 404,
	 * with not_found_ends); it ends next, reason "not_found". */
	void		(*not_found)(struct state *, int slot,
			    const struct stream_conf *sc);
	/* SLOT's stream ended for good; SC is freed right after. */
	void		(*ended)(struct state *, int slot,
			    const struct stream_conf *sc);
	/* A reload installed CFG (and at start-up). */
	void		(*configure)(struct state *, const struct config *);
	/* After a reload to CFG: 1 when SC must end (reason "reload"). */
	int		(*stale)(struct state *, const struct config *,
			    int slot, const struct stream_conf *sc);
	/* Extra fields of stream_started/stream_ended ("key": value, ...). */
	void		(*event_fields)(struct state *, int slot,
			    const struct stream_conf *, struct buf *);
	/* SLOT's fetcher process exited (any way): tidy what it left. */
	void		(*fetcher_exited)(struct state *, int slot,
			    const struct stream_conf *);
	/*
	 * SLOT's fetcher sent MSG_ORIGIN (LEN bytes of MSG): answer in REPLY
	 * (MSG_ORIGIN_REPLY) and return its length, or -1 for no answer.
	 * SC may be changed (its url: what a respawned fetcher uses).
	 * ORIGIN_END_REFUSED: no answer, and the stream ends now (reason
	 * "engine_error": its upstream refused the content).
	 */
	int		(*fetcher_message)(struct state *, const struct config *,
			    int slot, struct stream_conf *sc, const void *msg,
			    size_t len, char *reply, size_t replysz);
	/*
	 * A helper process the origin needs while helper_wanted(cfg) (health
	 * checks, clean-up that must not block the supervisor).  It is
	 * respawned when it dies, and stopped after the last fetcher at
	 * shutdown.  helper_main never returns; it exits when its channel
	 * (the proc's fd) closes or on SIGTERM.
	 */
	int		(*helper_wanted)(const struct config *);
	proc_child_fn	 helper_main;
};

#endif
