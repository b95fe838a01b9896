/*
 * state.h - the daemon-wide shared-memory state segment.
 *
 * The supervisor creates it (shm "/ringcast.<supervisor pid>.state", mode
 * 0600) before forking anything; every child maps it.  It holds one slot a
 * stream (name, limits, which ring generation is current, counters written
 * by fetchers and workers), client counts per worker and stream (so a
 * dead worker's clients are forgotten by zeroing its row), the last
 * hour of every stream that the supervisor samples (history.h), and a
 * futex word that fetchers bump after every publish so that workers can
 * sleep until data arrives instead of polling.
 *
 * Concurrency: no locks.  Static slot fields are written only by the
 * supervisor inside a seqlock (cfg_seq odd while writing); text fields a
 * fetcher reports (url in use, last error) sit behind their own seqlock
 * (info_seq); counters are atomics.  A process killed at any instant
 * leaves at worst an odd sequence, which the supervisor repairs when it
 * reaps that process (state_slot_repair); readers retry a bounded number
 * of times and never block.
 */
#ifndef RINGCAST_STATE_H
#define RINGCAST_STATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ace_state.h"
#include "client_table.h"
#include "config.h"
#include "history.h"
#include "hls_cache.h"

#define STATE_MAGIC		0x52435354u	/* "RCST" */
#define STATE_VERSION		17u	/* 2: acestream records, 3: cors_origins, 4: edges,
				   5: ui_enabled, 6: hls_cache, 7: holds,
				   8: engine refusals, 9: infohashes,
				   10: history, 11: hdhomerun,
				   12: lineup_mode, 13: removed,
				   14: client_tab, HLS players' user agent,
				   15: managed engines, 16: draining,
				   17: players' users, access_refused */
#define STATE_MAX_STREAMS	CONFIG_MAX_STREAMS
#define STATE_MAX_WORKERS	CONFIG_MAX_WORKERS
#define STATE_URL_MAX		512
#define STATE_ERROR_MAX		160
#define STATE_TITLE_MAX		128
#define STATE_SHM_NAME_MAX	96
#define STATE_CACHELINE		64
#define STATE_TOKEN_MAX		256
/* cors_origins joined by "\n", with its NUL */
#define STATE_CORS_MAX		(CONFIG_MAX_CORS_ORIGINS * (CONFIG_ORIGIN_MAX + 1))
#define STATE_IP_BUCKETS	4096	/* per-address connection counts */
#define STATE_HLS_CLIENTS	8192	/* HLS players known at once */
#define STATE_HOLDS		1024	/* engine-API playback sessions */
#define STATE_HOLD_ID_BYTES	20	/* a hold's id: 40 hex digits */
#define STATE_HOLD_PROBES	16	/* entries tried from its hash */
#define STATE_HOLD_TTL_MS	60000	/* a hold nobody renews lapses */
#define STATE_NUMBER_MAX	(CONFIG_NUMBER_MAX + 1)	/* GuideNumber + NUL */
#define STATE_HDHR_NAME_MAX	128	/* friendly_name + NUL */
#define STATE_PUBLIC_URL_MAX	256	/* public_url + NUL */
#if CONFIG_HDHR_NAME_MAX >= STATE_HDHR_NAME_MAX || \
    CONFIG_PUBLIC_URL_MAX >= STATE_PUBLIC_URL_MAX
#error "the hdhomerun fields of the state segment are too small"
#endif

enum stream_state {
	STREAM_STOPPED = 0,	/* on demand, no fetcher */
	STREAM_STARTING,	/* fetcher forked, no data yet */
	STREAM_RUNNING,		/* data flowing */
	STREAM_RETRYING,	/* upstream lost, reconnecting */
	STREAM_ENDED,		/* upstream ended (eof), not restarted */
};

/* CPU and memory of a process, sampled by the supervisor from /proc. */
struct proc_stats {
	_Atomic uint64_t	 cpu_ms;		/* user + system */
	_Atomic uint64_t	 rss_bytes;
	_Atomic uint32_t	 restarts;
};

struct stream_slot {
	/* Supervisor-written, under cfg_seq. */
	_Atomic uint32_t	 cfg_seq;
	uint32_t		 in_use;
	char			 name[CONFIG_NAME_MAX + 1];
	char			 title[STATE_TITLE_MAX];
	char			 group[STATE_TITLE_MAX];
	char			 number[STATE_NUMBER_MAX];	/* "": none */
	uint32_t		 type;			/* enum stream_type */
	uint32_t		 origin;		/* enum stream_origin */
	uint32_t		 on_demand;
	uint32_t		 max_clients;
	uint32_t		 buffer_ready_timeout_ms;
	uint64_t		 ring_size;
	uint32_t		 hls_window_size;
	uint32_t		 hls_initial_segments;
	uint32_t		 hls_max_segments;
	uint32_t		 hls_first_segment_timeout_ms;
	uint32_t		 hls_client_timeout_permille;	/* factor x 1000 */

	/* Live values: atomics. */
	_Atomic uint64_t	 ring_gen;		/* 0: no ring */
	_Atomic int32_t		 fetcher_pid;
	_Atomic uint32_t	 state;			/* enum stream_state */
	_Atomic uint32_t	 healthy;
	_Atomic uint32_t	 want_start;		/* a worker asked */
	/* 1: a lineup channel the lineup no longer plays: new players are
	 * refused (404), those playing stay until the stream ends */
	_Atomic uint32_t	 removed;
	_Atomic uint64_t	 started_wall_ms;
	_Atomic uint64_t	 last_data_ms;		/* monotonic */
	_Atomic uint64_t	 bytes_in;
	_Atomic uint64_t	 bytes_out;
	_Atomic uint64_t	 reconnects;
	_Atomic uint64_t	 failovers;
	_Atomic uint64_t	 skipped_clients;
	_Atomic uint64_t	 clients_served;
	_Atomic uint64_t	 fetcher_restarts;
	_Atomic uint64_t	 hls_active_ms;		/* monotonic, last request */
	_Atomic uint32_t	 hls_target_ms;		/* target duration */
	_Atomic uint32_t	 ended;			/* upstream sent ENDLIST */
	_Atomic uint32_t	 encrypted;		/* AES-128 segments */
	_Atomic uint32_t	 hls_clients;		/* players in hls_players */
	_Atomic uint64_t	 segments_fetched;
	_Atomic uint64_t	 segments_failed;
	struct proc_stats	 fetcher_stats;

	/* Fetcher-written text, under info_seq. */
	_Atomic uint32_t	 info_seq;
	char			 url[STATE_URL_MAX];
	char			 last_error[STATE_ERROR_MAX];
} __attribute__((aligned(STATE_CACHELINE)));

/*
 * An HLS player (address + User-Agent + stream), shared by all workers.
 * Claimed by CAS on key (0 = free); fields are valid once ready == 1;
 * removed by whoever wins the CAS of ready 1 -> 0, then key is cleared.
 */
struct hls_player {
	_Atomic uint64_t	 key;
	_Atomic uint32_t	 ready;
	uint32_t		 slot;
	_Atomic uint64_t	 first_ms;
	_Atomic uint64_t	 last_ms;
	_Atomic uint64_t	 bytes;
	_Atomic uint32_t	 timeout_ms;
	_Atomic uint32_t	 lag_ms;	/* behind the newest segment */
	char			 addr[48];
	char			 user_agent[CLIENT_UA_MAX];	/* set once,
						   before ready */
	char			 user[CLIENT_USER_MAX];	/* likewise; "": none */
};

/* Why access control refused a request (access.c), counted in
 * access_refused and shown by /metrics (reason="..."). */
enum state_refusal {
	STATE_REFUSED_NO_CREDENTIAL = 0,
	STATE_REFUSED_BAD_TOKEN,
	STATE_REFUSED_NOT_ALLOWED,
	STATE_REFUSED_OVER_LIMIT,
	STATE_REFUSED_BAD_SIGNATURE,
	STATE_REFUSED_EXPIRED,
	STATE_REFUSED_N
};

/*
 * A hold: a client of the engine's JSON API (http_aceapi.c) that asked
 * for stream NAME and polls it by ID.  Any worker claims a free or lapsed
 * entry by CAS on last_ms (0: free), then writes id and name under seq;
 * a renewal or a drop is a CAS of the last_ms it saw while fresh, so a
 * dead worker leaves at most an entry that lapses after
 * STATE_HOLD_TTL_MS.
 */
struct state_hold {
	_Atomic uint64_t	 last_ms;		/* monotonic; 0: free */
	_Atomic uint32_t	 seq;			/* id, name */
	uint8_t			 id[STATE_HOLD_ID_BYTES];
	char			 name[CONFIG_NAME_MAX + 1];
};

/*
 * The HDHomeRun tuner (hdhomerun group, public_url): written by the
 * supervisor under seq at start and reload, copied by the workers.
 */
struct state_hdhr {
	_Atomic uint32_t	 seq;
	uint32_t		 enabled;
	uint32_t		 tuner_count;
	uint32_t		 device_id;
	char			 friendly_name[STATE_HDHR_NAME_MAX];
	char			 public_url[STATE_PUBLIC_URL_MAX];	/* "": Host */
};

struct state_worker {
	_Atomic int32_t		 pid;
	_Atomic uint32_t	 clients;		/* all streams */
	_Atomic uint64_t	 requests;
	_Atomic uint64_t	 refused_per_ip;
	struct proc_stats	 stats;
} __attribute__((aligned(STATE_CACHELINE)));

struct state {
	uint32_t		 magic;
	uint32_t		 version;
	int32_t			 supervisor_pid;
	uint32_t		 max_clients;		/* whole daemon */
	_Atomic uint64_t	 started_wall_ms;
	_Atomic uint64_t	 config_generation;
	_Atomic uint64_t	 events_dropped;
	/* requests refused by access control, by reason, all workers */
	_Atomic uint64_t	 access_refused[STATE_REFUSED_N];
	struct proc_stats	 supervisor_stats;

	/* "" = admin API off; written by the supervisor under admin_seq */
	_Atomic uint32_t	 admin_seq;
	char			 admin_token[STATE_TOKEN_MAX];
	_Atomic uint32_t	 ui_enabled;		/* GET / and /ui served */
	_Atomic uint32_t	 history_interval_ms;	/* history_interval */
	/* cors_origins, "\n"-separated ("" = no CORS); under cors_seq */
	_Atomic uint32_t	 cors_seq;
	char			 cors_origins[STATE_CORS_MAX];

	_Atomic uint32_t	 notify_seq __attribute__((aligned(STATE_CACHELINE)));
	_Atomic uint32_t	 notify_waiters;

	struct state_worker	 workers[STATE_MAX_WORKERS];
	struct stream_slot	 streams[STATE_MAX_STREAMS];
	uint32_t		 max_clients_per_ip;	/* 0: no limit */
	/* 1: unknown names may be asked of the parents (edge.c) */
	_Atomic uint32_t	 edge_mode;
	/* 1: content ids too (an edge without engines of its own) */
	_Atomic uint32_t	 edge_content_ids;
	/* 1: unknown names may be channels of the lineup (channels.c) */
	_Atomic uint32_t	 lineup_mode;
	/* Connections by client address hash, per worker row. */
	_Atomic uint16_t	 ip_conns[STATE_MAX_WORKERS][STATE_IP_BUCKETS];
	struct hls_player	 hls_players[STATE_HLS_CLIENTS];
	/* Clients of stream s on worker w: clients[w][s]. */
	_Atomic uint32_t	 clients[STATE_MAX_WORKERS][STATE_MAX_STREAMS];
	/* Of those, the edge ringcasts (X-Ringcast-Edge): edges[w][s]. */
	_Atomic uint16_t	 edges[STATE_MAX_WORKERS][STATE_MAX_STREAMS];
	/* The HDHomeRun tuner, and the tuners each worker's players of
	 * lineup URLs hold: tuners[w]. */
	struct state_hdhr	 hdhr;
	_Atomic uint32_t	 tuners[STATE_MAX_WORKERS];
	/* Engines and content-id streams (ace_state.h). */
	struct ace_state	 ace;
	/* Engine-API playback sessions (struct state_hold). */
	struct state_hold	 holds[STATE_HOLDS];
	/* The last hour of every stream (history.h), supervisor-written. */
	struct history_slot	 history[STATE_MAX_STREAMS];
	/* Every TS player, for the per-client views (client_table.h). */
	struct client_table	 client_tab;
	/* Built HLS playlists, per stream and variant (hls_cache.h); last:
	 * most of it is never touched, so never backed by memory. */
	struct hls_cache_slot	 hls_cache[STATE_MAX_STREAMS];
};

/* Snapshot of a slot's static fields, taken consistently. */
struct slot_cfg {
	int		 in_use;
	char		 name[CONFIG_NAME_MAX + 1];
	char		 title[STATE_TITLE_MAX];
	char		 group[STATE_TITLE_MAX];
	char		 number[STATE_NUMBER_MAX];
	enum stream_type type;
	enum stream_origin origin;
	int		 on_demand;
	uint32_t	 max_clients;
	uint32_t	 buffer_ready_timeout_ms;
	uint32_t	 hls_window_size;
	uint32_t	 hls_initial_segments;
	uint32_t	 hls_max_segments;
	uint32_t	 hls_first_segment_timeout_ms;
	uint32_t	 hls_client_timeout_permille;
};

/* Supervisor: create, size and map; unlink when done. */
struct state	*state_create(const char *shm_name);
/* Children: map an existing segment (checks magic and version). */
struct state	*state_attach(const char *shm_name);
void		 state_detach(struct state *);
int		 state_unlink(const char *shm_name);
void		 state_shm_name(char *out, size_t outsz, pid_t supervisor);
void		 ring_shm_name(char *out, size_t outsz, pid_t supervisor,
		    int slot, uint64_t gen);

/* Supervisor: write a slot's static fields from a stream definition. */
void		 state_slot_configure(struct state *, int slot,
		    const struct stream_conf *);
void		 state_slot_clear(struct state *, int slot);
/* Read the static fields consistently; -1 if the slot is being rewritten
 * for too long (caller treats it as absent). */
int		 state_slot_read(const struct state *, int slot,
		    struct slot_cfg *);
/* Find a stream by name; its slot index or -1. */
int		 state_find(const struct state *, const char *name);
/* A number that changes whenever any slot's configuration is written
 * (the sum of the slots' cfg_seq): for caches of what slots list. */
uint64_t	 state_cfg_fingerprint(const struct state *);

/* Fetcher: report the URL in use and the last error (NULL leaves it). */
void		 state_slot_set_info(struct state *, int slot,
		    const char *url, const char *error);
void		 state_slot_get_info(const struct state *, int slot,
		    char *url, size_t urlsz, char *err, size_t errsz);
/* Supervisor, after reaping a writer: make a torn seqlock even again. */
void		 state_slot_repair(struct state *, int slot);

/* The admin API's bearer token ("" when the API is off). */
void		 state_set_admin_token(struct state *, const char *);
void		 state_get_admin_token(const struct state *, char *out,
		    size_t outsz);

/* Supervisor: publish cors_origins (start and reload).  Readers: copy
 * the "\n"-separated list into OUT (STATE_CORS_MAX bytes is enough);
 * "" when it cannot be read consistently. */
void		 state_set_cors_origins(struct state *, char *const *origins,
		    int n);
void		 state_get_cors_origins(const struct state *, char *out,
		    size_t outsz);

/* Clients of a stream over all workers; of all streams of a worker. */
uint32_t	 state_stream_clients(const struct state *, int slot);
uint32_t	 state_total_clients(const struct state *);
/* Edge ringcasts among a stream's clients, over all workers. */
uint32_t	 state_stream_edges(const struct state *, int slot);
/* Bucket of a client address (IPv4/IPv6 sockaddr). */
uint32_t	 state_ip_bucket(const void *sockaddr);
uint32_t	 state_ip_conns(const struct state *, uint32_t bucket);
/*
 * The HDHomeRun settings: the supervisor publishes them, a worker copies
 * them (-1 when they cannot be read consistently: treat as off).
 */
void		 state_set_hdhr(struct state *, const struct state_hdhr *);
int		 state_get_hdhr(const struct state *, struct state_hdhr *out);
/*
 * Take one of the tuner_count tuners for a player of worker row W: 0, or
 * -1 when all are in use (nothing taken).  Two workers taking the last
 * tuner at once may both be refused, never both admitted.  Release with
 * state_tuner_release; a dead worker's tuners go with state_worker_reset.
 */
int		 state_tuner_take(struct state *, int w, uint32_t tuner_count);
void		 state_tuner_release(struct state *, int w);
uint32_t	 state_tuners_in_use(const struct state *);
/* Supervisor: forget a dead worker's clients. */
void		 state_worker_reset(struct state *, int worker);

/*
 * Holds (NOW: monotonic ms).  state_hold_add claims an entry for ID and
 * stream NAME: 0, or -1 when the entries its hash may use are all held.
 * state_hold_renew and state_hold_drop find the live hold ID of NAME and
 * renew it (last_ms = NOW) or free it: 0, or -1 when there is none
 * (never made, dropped, or lapsed).
 */
int		 state_hold_add(struct state *, const uint8_t *id,
		    const char *name, uint64_t now);
int		 state_hold_renew(struct state *, const uint8_t *id,
		    const char *name, uint64_t now);
int		 state_hold_drop(struct state *, const uint8_t *id,
		    const char *name, uint64_t now);

/* Wake-ups: writers notify after publishing, readers wait. */
void		 state_notify(struct state *);
uint32_t	 state_notify_seq(const struct state *);
/* Sleep until notify_seq differs from SEQ or TIMEOUT_MS passes. */
void		 state_wait(struct state *, uint32_t seq, int timeout_ms);

const char	*stream_state_name(enum stream_state);

#endif
