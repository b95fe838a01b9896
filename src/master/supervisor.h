/*
 * supervisor.h - ringcastd's master process.
 *
 * It reads the configuration, owns the listening sockets, the control
 * socket and every shared-memory object, forks workers and fetchers,
 * respawns them, routes events and applies reloads.  It never touches
 * stream bytes.
 */
#ifndef RINGCAST_SUPERVISOR_H
#define RINGCAST_SUPERVISOR_H

#include <stdint.h>

#include "config.h"
#include "control.h"
#include "evring.h"
#include "metrics.h"
#include "proc.h"
#include "state.h"

#define SUP_TICK_MS		200
#define SUP_STOP_GRACE_MS	3000	/* SIGTERM -> SIGKILL */
#define SUP_SHUTDOWN_MAX_MS	5000
#define SUP_HLS_ACTIVE_MS	2000	/* an HLS request keeps a stream up */
#define SUP_LISTEN_BACKLOG	1024

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
	struct stream_conf *dyn;		/* a dynamic stream's own conf */
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
	int		 listen_fds[CONFIG_MAX_LISTEN];
	int		 n_listen;
	int		 sigfd;
	struct proctab	 procs;
	struct control	 ctl;
	struct sup_stream streams[STATE_MAX_STREAMS];
	uint64_t	 next_gen;
	uint64_t	 started_ms;
	int		 stopping;
	uint64_t	 stop_deadline_ms;
	int		 workers_wanted;
};

/* Run the daemon; returns the process exit code. */
int	 supervisor_run(struct supervisor *);

/* Used by the control socket and the HTTP admin API (via messages). */
int	 supervisor_reload(struct supervisor *, char *err, size_t errsz);
int	 supervisor_stream_start(struct supervisor *, const char *name,
	    char *err, size_t errsz);
int	 supervisor_stream_stop(struct supervisor *, const char *name,
	    char *err, size_t errsz);
/* Timestamp, encode and fan out an event (JSON object without "time"). */
void	 supervisor_event(struct supervisor *, const char *json_obj);

const char *end_reason_name(enum end_reason);

/* Child entry points (never return). */

#endif
