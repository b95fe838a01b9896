/*
 * ace_state.h - the AceStream part of the state segment: the engines
 * with their health, one record a content-id stream (its engine, the
 * engine session its fetcher holds, the engine's figures for it), and
 * a queue of sessions whose fetcher died before it could stop them, and
 * the engines' refusals of content remembered for acestream.error_cache,
 * and the infohashes the engines resolved inputs to (a bounded cache:
 * a known content id joins its broadcast without asking an engine).
 *
 * Writers: the supervisor (engine list, which engine a stream uses,
 * the orphan queue), a stream's fetcher (its session), the engine
 * monitor process (health, figures).  Text sits behind seqlocks, numbers
 * are atomics, so a writer killed at any instant blocks no reader.
 */
#ifndef RINGCAST_ACE_STATE_H
#define RINGCAST_ACE_STATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Configured engines in [0, CONFIG_MAX_ENGINES), managed engine K at
 * ACE_MANAGED_BASE + K. */
#define ACE_MANAGED_BASE	CONFIG_MAX_ENGINES
#define ACE_MAX_ENGINES		(CONFIG_MAX_ENGINES + CONFIG_MAX_MANAGED_ENGINES)
#define ACE_URL_MAX		512
#define ACE_SESSION_ID_MAX	64
#define ACE_VERSION_MAX		32
#define ACE_STATUS_MAX		16
#define ACE_ERROR_MAX		160
#define ACE_ORPHANS		64	/* sessions waiting for their stop */
#define ACE_REFUSALS		64	/* engine refusals remembered */
#define ACE_RESOLVED		256	/* input -> infohash answers
					 * remembered (the oldest goes) */
#define ACE_OPTS_MAX		16	/* a key's "-o" suffix, with NUL */
/* A stream that has not heard from its engine this long after it began
 * is failing, not racing: new streams do not wait for it. */
#define ACE_PENDING_MS		10000
#define ACE_INPUT_MAX		2048	/* longest url= or magnet= */
#define ACE_ARGS_MAX		(ACE_INPUT_MAX + 512)	/* a stream's engine
						 * arguments (ace_client.h) */
/* Health: an engine is down after this many failed checks in a row, and
 * up again after this many good ones (a single failed request is a
 * blip, not an outage). */
#define ACE_DOWN_AFTER_FAILS	3
#define ACE_UP_AFTER_OKS	1

enum ace_health {
	ACE_HEALTH_UNKNOWN = 0,		/* not checked yet: usable */
	ACE_HEALTH_UP,
	ACE_HEALTH_DOWN,		/* skipped by the engine choice */
};

/* What get_network_connection_status said last. */
enum ace_network {
	ACE_NET_UNKNOWN = 0,		/* not asked, or no usable answer */
	ACE_NET_CONNECTED,
	ACE_NET_OFFLINE,		/* "connected": false: a failed check */
};

/* Where a managed engine is in its life (configured ones: NONE). */
enum ace_phase {
	ACE_PHASE_NONE = 0,		/* not managed: always chosen by health */
	ACE_PHASE_STARTING,		/* started (or to restart), not ready */
	ACE_PHASE_READY,		/* answered get_version: chosen */
	ACE_PHASE_UNHEALTHY,		/* down: being killed to restart */
	ACE_PHASE_STOPPING,		/* idle or shutdown: being stopped */
};

struct ace_engine_state {
	_Atomic uint32_t	 seq;		/* supervisor: in_use, url */
	uint32_t		 in_use;
	char			 url[ACE_URL_MAX];
	_Atomic uint32_t	 mon_seq;	/* engine monitor: the rest */
	char			 version[ACE_VERSION_MAX];
	char			 error[ACE_ERROR_MAX];
	_Atomic uint32_t	 health;	/* enum ace_health */
	_Atomic uint64_t	 checked_wall_ms;
	_Atomic uint32_t	 streams;	/* content-id streams on it */
	_Atomic uint64_t	 sessions;	/* sessions started on it */
	_Atomic uint32_t	 fails;		/* failed checks in a row */
	_Atomic uint32_t	 oks;		/* good checks in a row */
	_Atomic uint32_t	 network;	/* enum ace_network */
	/* Supervisor: a managed engine's process. */
	_Atomic uint32_t	 managed;	/* 1: ringcast runs it */
	_Atomic uint32_t	 phase;		/* enum ace_phase */
	_Atomic int32_t		 pid;		/* 0: none running */
	_Atomic uint32_t	 port;
	_Atomic uint32_t	 restarts;
	/* Supervisor: 1 while drained (ringcastctl drain): no new stream,
	 * its streams moved off it. */
	_Atomic uint32_t	 draining;
};

struct ace_slot_state {
	/* Supervisor: the stream and its engine. */
	_Atomic uint32_t	 seq;
	uint32_t		 active;
	char			 content_id[CONFIG_ACE_ID_LEN + 1];
	char			 param[16];	/* "id" or "infohash" */
	char			 engine[ACE_URL_MAX];
	/* Supervisor: the broadcast: the infohash the engine resolved the
	 * input to ("" : not known yet) and the key's options ("-o..."). */
	char			 infohash[CONFIG_ACE_ID_LEN + 1];
	char			 opts[ACE_OPTS_MAX];
	uint32_t		 reported;	/* 1: its session said so */
	uint32_t		 replaced;	/* 1: ending, another stream
						 * plays its broadcast */
	uint64_t		 begun_ms;	/* monotonic */
	/* Supervisor: the getstream arguments ("" : from the key). */
	_Atomic uint32_t	 args_seq;
	char			 args[ACE_ARGS_MAX];
	/* Fetcher: the engine session it holds. */
	_Atomic uint32_t	 sess_seq;
	uint32_t		 has_session;
	int32_t			 owner_pid;
	char			 session_id[ACE_SESSION_ID_MAX];
	char			 stat_url[ACE_URL_MAX];
	char			 command_url[ACE_URL_MAX];
	/* Engine monitor: what stat_url said last. */
	_Atomic uint32_t	 stat_seq;
	char			 status[ACE_STATUS_MAX];
	_Atomic uint32_t	 peers;
	_Atomic uint32_t	 speed_down;	/* KB/s */
	_Atomic uint32_t	 speed_up;
	_Atomic uint64_t	 downloaded;	/* bytes */
	_Atomic uint64_t	 stat_wall_ms;	/* 0: none yet */
	_Atomic uint64_t	 sessions;	/* started for this stream */
};

/* Supervisor -> engine monitor: a session to stop (single producer,
 * single consumer; state 0 free, 1 ready). */
struct ace_orphan {
	_Atomic uint32_t	 state;
	char			 command_url[ACE_URL_MAX];
};

/* Supervisor -> everyone: the engine refused the content of stream KEY
 * ({"response": null, "error": TEXT}); players of KEY get STATUS until
 * UNTIL_MS (monotonic; 0: a free entry). */
struct ace_refusal {
	_Atomic uint32_t	 seq;
	char			 key[CONFIG_NAME_MAX + 1];
	uint32_t		 status;		/* 404 or 502 */
	uint64_t		 until_ms;
	char			 engine[ACE_URL_MAX];
	char			 text[ACE_ERROR_MAX];
};

/* Supervisor -> everyone: the engine resolved INPUT (a stream key
 * without its options: a content id or "url-...") to INFOHASH.  STAMP
 * orders the entries by writing (0: free); the oldest is replaced. */
struct ace_resolved {
	_Atomic uint32_t	 seq;
	char			 input[CONFIG_NAME_MAX + 1];
	char			 infohash[CONFIG_ACE_ID_LEN + 1];
	uint64_t		 stamp;
};

struct ace_state {
	struct ace_engine_state	 engines[ACE_MAX_ENGINES];
	struct ace_slot_state	 slots[CONFIG_MAX_STREAMS];
	struct ace_orphan	 orphans[ACE_ORPHANS];
	struct ace_refusal	 refusals[ACE_REFUSALS];
	struct ace_resolved	 resolved[ACE_RESOLVED];
	uint64_t		 resolved_stamp;	/* supervisor: last */
	_Atomic uint64_t	 refused;	/* 503: no engine with room */
	_Atomic uint64_t	 orphans_lost;	/* queue full */
	_Atomic uint32_t	 monitor_pid;
	_Atomic uint32_t	 allow_url_input;	/* supervisor: the key */
	_Atomic uint32_t	 managed_max;	/* supervisor: max_engines when
						 * engines are managed, else 0 */
	_Atomic uint32_t	 waiting;	/* supervisor: players waiting
						 * for an engine */
	_Atomic uint32_t	 wait_limit_ms;	/* supervisor: how long the
						 * supervisor may keep a
						 * content-id request waiting
						 * (0: it answers at once) */
};

/* Consistent copies for readers. */
struct ace_engine_view {
	int		 in_use;
	char		 url[ACE_URL_MAX];
	char		 version[ACE_VERSION_MAX];
	char		 error[ACE_ERROR_MAX];
	enum ace_health	 health;
	uint32_t	 streams;
	uint64_t	 sessions;
	uint64_t	 checked_wall_ms;
	uint32_t	 fails;		/* failed checks in a row */
	enum ace_network network;
	int		 managed;
	enum ace_phase	 phase;
	int		 pid;
	unsigned	 port, restarts;
	int		 draining;
};

struct ace_slot_view {
	int		 active;
	char		 content_id[CONFIG_ACE_ID_LEN + 1];
	char		 param[16];
	char		 engine[ACE_URL_MAX];
	char		 infohash[CONFIG_ACE_ID_LEN + 1];	/* "": unknown */
	char		 opts[ACE_OPTS_MAX];
	int		 reported;	/* the infohash is its session's */
	int		 replaced;	/* another stream plays it now */
	uint64_t	 begun_ms;	/* monotonic */
	int		 has_session;
	int		 owner_pid;
	char		 session_id[ACE_SESSION_ID_MAX];
	char		 stat_url[ACE_URL_MAX];
	char		 command_url[ACE_URL_MAX];
	char		 status[ACE_STATUS_MAX];
	uint32_t	 peers, speed_down, speed_up;
	uint64_t	 downloaded, stat_wall_ms, sessions;
};

/* Supervisor: the engine list (what is known of an engine is kept while
 * its place and URL stay the same). */
void	 ace_state_set_engines(struct ace_state *, char *const *urls, int n);
/* Engine monitor: the outcome of a health check of engine I, which had
 * URL when it was checked (nothing is written if it changed since). */
void	 ace_state_engine_health(struct ace_state *, int i, const char *url,
	    enum ace_health, const char *version, const char *error);
int	 ace_state_engine(const struct ace_state *, int i,
	    struct ace_engine_view *);
const char *ace_health_name(enum ace_health);
const char *ace_phase_name(enum ace_phase);
/* 1 when the engine choice may send a new stream to V (not a drained
 * engine, nor a managed one that is starting, unhealthy or stopping). */
int	 ace_engine_choosable(const struct ace_engine_view *v);
/* Supervisor: managed engine I at URL (PORT, process PID) starts: what
 * was known of the place is reset; its phase, pid and restarts. */
void	 ace_state_managed_put(struct ace_state *, int i, const char *url,
	    unsigned port, int pid, unsigned restarts);
void	 ace_state_managed_phase(struct ace_state *, int i, enum ace_phase,
	    int pid);
/* Supervisor: managed engine I is gone. */
void	 ace_state_managed_clear(struct ace_state *, int i);
/* The health after a check, from the one before and the checks in a row
 * that failed (FAILS) or went well (OKS): ACE_DOWN_AFTER_FAILS and
 * ACE_UP_AFTER_OKS (pure). */
enum ace_health ace_health_after(enum ace_health was, uint32_t fails,
	    uint32_t oks);
/* Engine monitor: one health check of engine I (URL when checked) went
 * well (OK) or not; NET is what its network status said.  The counts in
 * a row, the network and the health that follows are written (nothing
 * if the engine changed since); the new health is returned. */
enum ace_health ace_state_engine_check(struct ace_state *, int i,
	    const char *url, int ok, enum ace_network net,
	    const char *version, const char *error);

/* Supervisor: a content-id stream in SLOT, on ENGINE; its end. */
void	 ace_state_slot_begin(struct ace_state *, int slot, const char *id,
	    const char *param, const char *engine);
void	 ace_state_slot_set_engine(struct ace_state *, int slot,
	    const char *engine);
/* Supervisor: SLOT's getstream arguments (NULL: none); anyone: a copy. */
void	 ace_state_slot_set_args(struct ace_state *, int slot,
	    const char *args);
void	 ace_state_slot_args(const struct ace_state *, int slot, char *out,
	    size_t outsz);
void	 ace_state_slot_end(struct ace_state *, int slot);
/* Supervisor: SLOT's broadcast: its key's options suffix (OPTS, "" for
 * none; NULL: as it is) and its INFOHASH ("": not known, or no longer
 * the slot's), REPORTED when its own engine session named it (else it
 * came from the key or the cache of answers). */
void	 ace_state_slot_set_broadcast(struct ace_state *, int slot,
	    const char *opts, const char *infohash, int reported);
/* Anyone: 1 while another content-id stream with SLOT's options whose
 * session has not named its broadcast yet may turn out to be SLOT's (its
 * infohash unknown or the same), and began less than ACE_PENDING_MS
 * before NOW_MS: until it has, SLOT may be replaced. */
int	 ace_state_broadcast_pending(const struct ace_state *, int slot,
	    uint64_t now_ms);
/* Supervisor: SLOT ends because another stream plays its broadcast. */
void	 ace_state_slot_replaced(struct ace_state *, int slot);
/* Anyone: the slot of a content-id stream of broadcast INFOHASH with the
 * options OPTS (only one whose session REPORTED it, when asked), not
 * replaced, other than EXCEPT (-1: none); -1 when there is none. */
int	 ace_state_find_broadcast(const struct ace_state *,
	    const char *infohash, const char *opts, int except, int reported);
/* Anyone: a consistent copy; -1 when SLOT has no content-id stream. */
int	 ace_state_slot(const struct ace_state *, int slot,
	    struct ace_slot_view *);

/* Fetcher: the session it holds (PID: its own), or none. */
void	 ace_state_session_set(struct ace_state *, int slot, int pid,
	    const char *session_id, const char *stat_url,
	    const char *command_url);
void	 ace_state_session_clear(struct ace_state *, int slot);

/* Engine monitor: what the engine says about SLOT's session. */
void	 ace_state_stat_set(struct ace_state *, int slot, const char *status,
	    uint32_t peers, uint32_t speed_down, uint32_t speed_up,
	    uint64_t downloaded);

/* A refusal as readers copy it. */
struct ace_refusal_view {
	unsigned	 status;
	uint64_t	 until_ms;
	char		 engine[ACE_URL_MAX];
	char		 text[ACE_ERROR_MAX];
};

/*
 * Supervisor: remember the engine's refusal of KEY until UNTIL_MS (it
 * replaces KEY's own entry, else a free or lapsed one, else the one that
 * lapses first).  Anyone: KEY's refusal, 0 while it holds at NOW_MS.
 */
void	 ace_state_refusal_put(struct ace_state *, const char *key,
	    unsigned status, const char *engine, const char *text,
	    uint64_t until_ms, uint64_t now_ms);
int	 ace_state_refusal_get(const struct ace_state *, const char *key,
	    uint64_t now_ms, struct ace_refusal_view *);

/*
 * Supervisor: remember that the engine resolved INPUT (a content id or
 * "url-...": a stream key without options) to INFOHASH: INPUT's own
 * entry, else a free one, else the oldest is written.  Anyone: INPUT's
 * infohash, 0 and OUT, or -1 when it is not known.
 */
void	 ace_state_resolved_put(struct ace_state *, const char *input,
	    const char *infohash);
int	 ace_state_resolved_get(const struct ace_state *, const char *input,
	    char out[CONFIG_ACE_ID_LEN + 1]);

/* Supervisor: queue a stop; engine monitor: take one (0 and URL). */
int	 ace_state_orphan_push(struct ace_state *, const char *command_url);
int	 ace_state_orphan_pop(struct ace_state *, char *url, size_t urlsz);

#endif
