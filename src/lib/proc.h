/*
 * proc.h - the supervisor's table of child processes.
 *
 * One slot a child: role, pid, channel to the supervisor, what it serves
 * (worker row or stream slot), respawn backoff and whether the supervisor
 * asked it to exit.  Spawning closes every descriptor the child must not
 * keep, so a child holds only its channel, the listening sockets (workers)
 * and the log.
 */
#ifndef RINGCAST_PROC_H
#define RINGCAST_PROC_H

#include <stdint.h>
#include <sys/types.h>

#define PROC_MAX		(64 + 256 + 8)
#define PROC_BACKOFF_MIN_MS	250
#define PROC_BACKOFF_MAX_MS	10000
#define PROC_STABLE_MS		10000	/* lived this long: reset backoff */
#define PROC_KEEP_FDS		32	/* listening sockets, at most */

enum proc_role {
	ROLE_NONE = 0,
	ROLE_WORKER,
	ROLE_FETCHER,
	ROLE_WEBHOOK,
	ROLE_HELPER,		/* an origin's helper process (origin.h) */
};

struct proc {
	enum proc_role	 role;
	pid_t		 pid;		/* 0: not running */
	int		 fd;		/* channel, -1 when none */
	int		 index;		/* worker row or stream slot */
	uint64_t	 started_ms;
	uint64_t	 backoff_ms;
	uint64_t	 respawn_at_ms;	/* 0: no respawn pending */
	uint64_t	 kill_at_ms;	/* SIGKILL if still alive then */
	int		 exiting;	/* supervisor asked it to stop */
	int		 restarts;
	int		 end_reason;	/* stream end reason, fetchers */
};

struct config;
struct metrics_shm;
struct state;
struct stream_conf;

/*
 * What the supervisor hands a child at fork: the configuration, the
 * shared objects it has mapped and what this child serves.  A child
 * keeps what it needs of these; it never sees the supervisor's own
 * struct, so the supervisor's layout is no child's business.
 */
struct child_ctx {
	const struct config	 *cfg;
	struct state		 *st;
	struct metrics_shm	 *metrics;
	const char		 *start_dir;	/* base of relative file:// */
	const int		 *listen_fds;	/* workers: the sockets, */
	int			  n_listen;
	int			  n_listen_tls;	/* the last ones HTTPS */
	const struct stream_conf *stream;	/* fetcher: its stream */
	uint64_t		  ring_gen;	/* fetcher: its ring */
};

/* A child process's entry: runs in the child, never returns. */
typedef void (*proc_child_fn)(struct proc *, const struct child_ctx *);

struct proctab {
	struct proc	 procs[PROC_MAX];
	int		 keep_fds[PROC_KEEP_FDS];	/* every child inherits */
	int		 n_keep;
};

void		 proctab_init(struct proctab *);
struct proc	*proc_alloc(struct proctab *, enum proc_role, int index);
void		 proc_free(struct proc *);
struct proc	*proc_by_pid(struct proctab *, pid_t);
struct proc	*proc_find(struct proctab *, enum proc_role, int index);
/*
 * Fork P's process.  The child closes every descriptor but its channel
 * and the table's keep_fds, then runs FN (which must not return: it
 * exits).  0 in the parent, -1 on failure.
 */
int		 proc_spawn(struct proctab *, struct proc *, proc_child_fn,
		    const struct child_ctx *);
/*
 * A child's first step: its process title "ringcastd: ROLE", ROLE in
 * its log lines, and ON_STOP for SIGTERM and SIGINT (no SA_RESTART, so
 * a blocking call returns EINTR and the child's loop sees the flag
 * ON_STOP sets).
 */
void		 proc_child_init(void (*on_stop)(int), const char *role_fmt,
		    ...) __attribute__((format(printf, 2, 3)));
/* P died unasked at NOW: set respawn_at_ms after its backoff, which
 * starts at PROC_BACKOFF_MIN_MS, doubles at each further death up to
 * PROC_BACKOFF_MAX_MS, and starts over once P ran PROC_STABLE_MS. */
void		 proc_schedule_respawn(struct proc *, uint64_t now);
/* Ask P to stop: SIGTERM now, SIGKILL after GRACE_MS. */
void		 proc_stop(struct proc *, uint64_t grace_ms, uint64_t now);
const char	*proc_role_name(enum proc_role);
/* Human-readable exit status ("exit 1", "signal 9"). */
void		 proc_status_str(int status, char *out, size_t outsz);

#endif
