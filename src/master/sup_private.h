/*
 * sup_private.h - what the files of the supervisor share.
 *
 * The master process is one loop (supervisor.c) and the subsystems it
 * drives, one file each: stream lifecycle (sup_stream.c), spawning and
 * worker generations (sup_procs.c), reload (sup_reload.c), events
 * (sup_events.c), process stats (sup_stats.c) and the streams' history
 * (sup_history.c).  They share struct
 * supervisor and the functions below; nothing outside src/master/ but
 * ringcastd.c (which fills struct supervisor before supervisor_run(),
 * through supervisor.h) sees them.
 *
 * The calls go one way, so the layer check finds no cycle: supervisor.c
 * calls them all; sup_reload.c calls sup_stream.c, sup_procs.c and
 * sup_events.c; sup_create.c (a worker's request for a dynamic stream)
 * calls sup_stream.c; sup_engines.c (managed AceStream engines) calls
 * sup_create.c and sup_events.c; sup_stream.c calls sup_procs.c and
 * sup_events.c;
 * sup_events.c calls sup_history.c; sup_procs.c, sup_stats.c and
 * sup_history.c call none of them.
 */
#ifndef RINGCAST_SUP_PRIVATE_H
#define RINGCAST_SUP_PRIVATE_H

#include <stdint.h>

#include <poll.h>

#include "ace_state.h"
#include "config.h"
#include "control.h"
#include "evring.h"
#include "metrics.h"
#include "msg.h"
#include "origin.h"
#include "proc.h"
#include "state.h"

#define SUP_TICK_MS		200
#define SUP_STOP_GRACE_MS	3000	/* SIGTERM -> SIGKILL */
#define SUP_SHUTDOWN_MAX_MS	5000
#define SUP_HLS_ACTIVE_MS	2000	/* an HLS request keeps a stream up */
#define SUP_LISTEN_BACKLOG	1024
#define SUP_CHILD_MSGS_MAX	64	/* read from one child a poll round */
_Static_assert(CONFIG_MAX_LISTEN_ALL <= PROC_KEEP_FDS,
    "every listening socket is kept open in the children");

/* Process-stats sampling interval by running fetchers (issue: adaptive). */
#define SUP_STATS_IDLE_MS	10000	/* no fetcher */
#define SUP_STATS_FEW_MS	3000	/* 1-5 fetchers */
#define SUP_STATS_MANY_MS	2000	/* 6 or more */

enum end_reason {
	END_NONE = 0,
	END_IDLE,
	END_EOF,
	END_ERROR,
	END_STOPPED,
	END_RELOAD,
	END_SHUTDOWN,
	END_NOT_FOUND,		/* every URL answered 404 (not_found_ends) */
	END_ENGINE_ERROR,	/* the origin's upstream refused the content
				 * (ORIGIN_END_REFUSED) */
	END_DUPLICATE,		/* another stream of the same content
				 * replaced it (origin hook duplicate) */
	END_REMOVED,		/* its lineup channel is gone or disabled
				 * (removed_channels) */
};

/* Supervisor-side view of one stream slot. */
struct sup_stream {
	const struct stream_conf *conf;		/* NULL: slot unused */
	char		 name[CONFIG_NAME_MAX + 1];	/* kept until it ends */
	enum stream_type type;
	char		 url[STATE_URL_MAX];
	uint64_t	 ring_gen;		/* 0: no ring */
	uint64_t	 idle_since_ms;		/* 0: has clients */
	int		 ended;			/* eof: not restarted */
	int		 manual_stop;		/* `ringcastctl stop` */
	int		 pending_start;		/* start after old fetcher exits */
	int		 not_found;		/* its fetcher said: 404 everywhere */
	int		 removed;		/* its lineup channel is gone */
	struct stream_conf *dyn;		/* a dynamic stream's own conf */
};

/* A worker's request for a dynamic stream kept until what it needs
 * comes (sup_create.c). */
struct sup_waiter {
	struct sup_waiter *next;
	int		 worker_row;
	pid_t		 worker_pid;
	uint32_t	 id;			/* the worker's request id */
	unsigned	 origin;
	uint64_t	 since_ms, deadline_ms;
	char		 key[CONFIG_NAME_MAX + 1];
	char		*args;
};

/* A managed AceStream engine (sup_engines.c); engine K runs on port
 * engine_port_lo + K in engine_dir/K. */
struct sup_engine {
	int		 used;			/* 0: free */
	pid_t		 pid;			/* its process group; 0: none */
	int		 out_fd;		/* its stdout and stderr */
	char		 line[256];		/* a partial line of it */
	size_t		 line_len;
	int		 port;
	enum ace_phase	 phase;
	char		*command;		/* the template it runs */
	char		*dir;			/* engine_dir/K */
	char		 base[CONFIG_ENGINE_DIR_MAX + 1];	/* engine_dir (its K.pid) */
	uint64_t	 started_ms, idle_since_ms;
	uint64_t	 kill_at_ms;		/* SIGKILL the group then */
	uint64_t	 restart_at_ms;		/* 0: none pending */
	uint64_t	 backoff_ms;
	unsigned	 restarts;
	int		 stop;			/* stopping for good */
};

/* Supervisor-side view of a stream's history (sup_history.c): its last
 * reading of the counters and what its upstream events said. */
struct sup_history {
	uint64_t	 index;			/* interval of the last reading;
						 * 0: none */
	uint64_t	 at_ms;			/* monotonic, of that reading */
	uint64_t	 bytes_in, bytes_out;	/* the counters then */
	char		 url[STATE_URL_MAX];	/* the upstream its last
						 * upstream event named */
	int		 failed;		/* upstream_error since it last
						 * connected */
};

struct supervisor {
	struct config	*cfg;
	const char	*config_path;
	char		 start_dir[4096];	/* base of relative file:// */
	char		*pid_file;		/* -p or the config's, a copy */
	int		 pid_fd;
	int		 foreground;
	int		 debug;
	struct state	*st;
	char		 state_name[STATE_SHM_NAME_MAX];
	struct metrics_shm *metrics;
	char		 metrics_name[STATE_SHM_NAME_MAX];
	struct evring	 events;		/* backlog for GET /events */
	char		 events_name[STATE_SHM_NAME_MAX];
	uint64_t	 next_stats_ms;
	int		 listen_fds[CONFIG_MAX_LISTEN_ALL];	/* listen, */
	int		 n_listen;		/* then listen_tls: */
	int		 n_listen_tls;		/* the last n_listen_tls */
	int		 sigfd;
	struct proctab	 procs;
	struct control	 ctl;
	struct sup_stream streams[STATE_MAX_STREAMS];
	struct sup_history history[STATE_MAX_STREAMS];
	uint64_t	 history_index;		/* the interval last sampled */
	uint64_t	 lineup_gen;		/* the lineup last checked */
	uint64_t	 next_gen;
	uint64_t	 started_ms;
	int		 stopping;
	uint64_t	 stop_deadline_ms;
	int		 workers_wanted;
	struct sup_waiter *waiters;		/* sup_create.c */
	int		 n_waiters;
	struct sup_engine engines[CONFIG_MAX_MANAGED_ENGINES];
	int		 engines_swept;
};

/* ---- sup_stream.c: stream lifecycle, named and dynamic ---- */

const char *end_reason_name(enum end_reason);
/* The slot of the stream called NAME, or -1. */
int	 sup_slot_by_name(struct supervisor *, const char *name);
int	 sup_stream_running(struct supervisor *, int slot);
/* Install SC as SLOT's conf (name, type, url kept until it ends). */
void	 sup_stream_set_conf(struct supervisor *, int slot,
	    const struct stream_conf *sc);
/* A configured stream: a free slot, started unless on_demand. */
void	 sup_add_stream(struct supervisor *, const struct stream_conf *sc);
/* Create SLOT's ring if it has none and spawn its fetcher. */
int	 sup_stream_begin(struct supervisor *, int slot);
/* Ask SLOT's fetcher to stop; the stream finishes when it is reaped. */
void	 sup_stream_end(struct supervisor *, int slot, enum end_reason);
/* SLOT's fetcher is gone for good: drop the ring, report, maybe restart. */
void	 sup_stream_finish(struct supervisor *, int slot, enum end_reason);
void	 sup_drop_ring(struct supervisor *, int slot);
int	 supervisor_stream_start(struct supervisor *, const char *name,
	    char *err, size_t errsz);
int	 supervisor_stream_stop(struct supervisor *, const char *name,
	    char *err, size_t errsz);
/* A worker has a client for SLOT (MSG_STREAM_WANT). */
void	 sup_stream_want(struct supervisor *, int32_t slot);
/* End on-demand streams idle for their idle_timeout, and removed
 * channels as removed_channels says. */
void	 sup_idle_check(struct supervisor *, uint64_t now);
/* Once a tick: when channels.json changed, mark the lineup streams
 * whose channel is gone or disabled removed (and unmark the returned). */
void	 sup_lineup_check(struct supervisor *);
/* Dynamic streams (origin.h): the stream for (ORIGIN, KEY), running or
 * made now, or -1 with *R filled. */
int	 sup_stream_create(struct supervisor *, unsigned origin,
	    const char *key, const char *args, struct origin_refusal *r);
void	 sup_dynamic_free(struct supervisor *, int slot);
void	 sup_stream_not_found(struct supervisor *, int slot);
void	 sup_origin_message(struct supervisor *, struct proc *,
	    const struct msg *);
void	 sup_origins_configure(struct supervisor *);
void	 sup_dynamic_reload(struct supervisor *, const struct config *);

/* ---- sup_create.c: a worker's request for a dynamic stream ---- */

void	 sup_create_request(struct supervisor *, struct proc *,
	    const struct msg *);
/* Once a tick: ask again for the waiting requests; answer them. */
void	 sup_create_tick(struct supervisor *, uint64_t now);
/* Requests waiting; *KEYS: for how many different keys. */
int	 sup_create_waiting(const struct supervisor *, int *keys);
void	 sup_create_free(struct supervisor *);

/* ---- sup_engines.c: managed AceStream engines ---- */

/* At start-up: kill the engine groups a killed supervisor left. */
void	 sup_engines_sweep(struct supervisor *);
/* Once a tick: start, ready, scale, restart and stop engines. */
void	 sup_engines_tick(struct supervisor *, uint64_t now);
/* PID was reaped: 1 when it was an engine's. */
int	 sup_engines_reaped(struct supervisor *, pid_t pid, int status);
/* The engines' output pipes into PFD (MAX room): how many. */
int	 sup_engines_pollfds(struct supervisor *, struct pollfd *pfd, int max);
void	 sup_engines_output(struct supervisor *, const struct pollfd *pfd,
	    int n);
/* 1 while an engine process runs. */
int	 sup_engines_running(struct supervisor *);
/* Exit: SIGKILL every engine group left, reap it, forget its file. */
void	 sup_engines_cleanup(struct supervisor *);

/* ---- sup_drain.c: engines drained and undrained ---- */

/* Drain (ON) or undrain the engine named ENGINE (its URL, or its place
 * in /status's engines from 0): 0, or -1 with ERR. */
int	 sup_drain(struct supervisor *, const char *engine, int on,
	    char *err, size_t errsz);
/* Move the streams of drained engines to others with room: how many
 * found none. */
int	 sup_drain_tick(struct supervisor *);

/* ---- sup_procs.c: spawning, workers, webhook and helpers ---- */

int	 sup_spawn(struct supervisor *, struct proc *);
/* Start or retire workers until workers_wanted run. */
void	 sup_adjust_workers(struct supervisor *);
void	 sup_retire_worker(struct proc *);
/* Start, stop or restart the webhook process to match the config. */
void	 sup_webhook_apply(struct supervisor *, const char *old_url);
void	 sup_helpers_apply(struct supervisor *);
void	 sup_sources_apply(struct supervisor *, struct config *old);
void	 sup_helpers_shutdown(struct supervisor *);

/* ---- sup_reload.c ---- */

int	 supervisor_reload(struct supervisor *, char *err, size_t errsz);
/* 1 (and why in ERR) when CFG has listen_tls and libmicrohttpd no TLS. */
int	 sup_tls_unsupported(const struct config *cfg, char *err,
	    size_t errsz);
/* The daemon-wide settings of sv->cfg into the state segment. */
void	 sup_apply_daemon_settings(struct supervisor *);

/* ---- sup_events.c ---- */

/* Timestamp, encode and fan out an event (JSON object without "time"). */
void	 supervisor_event(struct supervisor *, const char *json_obj);
void	 sup_event_stream(struct supervisor *, const char *event, int slot,
	    const char *reason);
void	 sup_event_exit(struct supervisor *, struct proc *, int status,
	    int restarting);
void	 sup_event_reloaded(struct supervisor *,
	    char added[][CONFIG_NAME_MAX + 1], int na,
	    char removed[][CONFIG_NAME_MAX + 1], int nr,
	    char changed[][CONFIG_NAME_MAX + 1], int nc);
void	 sup_event_rejected(struct supervisor *, const char *errs);

/* ---- sup_history.c ---- */

/* Once every history_interval (WALL: wall-clock ms): a sample of every
 * stream into its history. */
void	 sup_history_tick(struct supervisor *, uint64_t wall);
/* An event (a JSON object) that may mark a stream's history. */
void	 sup_history_event(struct supervisor *, const char *obj);

/* ---- sup_stats.c ---- */

/* Sample every process's CPU and RSS, at an interval that follows the
 * load. */
void	 sup_collect_stats(struct supervisor *, uint64_t now);

#endif
