/*
 * worker.h - a worker process: libmicrohttpd on the shared listening
 * sockets, serving players from the rings.
 */
#ifndef RINGCAST_WORKER_H
#define RINGCAST_WORKER_H

#include "proc.h"
#include "tuning.h"

/* The wake loop's slices and sleeps: tuning.h. */
#define WORKER_DRAIN_MS		2000	/* shutdown: time for clients to end */
#define WORKER_RETIRE_MS	(10 * 60 * 1000)	/* reload: old generation */
#define WORKER_CONN_TIMEOUT_S	30	/* idle keep-alive / slow headers */
/* connections a daemon takes: the open-files limit less this reserve
 * (logs, rings, sockets of the process), at most WORKER_CONN_LIMIT_MAX */
#define WORKER_FD_RESERVE	256
#define WORKER_CONN_LIMIT_MAX	200000
/* libmicrohttpd's own connection limit (FD_SETSIZE - 4, even with
 * epoll): what a worker keeps when the open-files limit is that low. */
#define WORKER_MHD_CONN_LIMIT	1020
/* Draining at exit: how often the worker looks whether clients are left. */
#define WORKER_DRAIN_POLL_MS	20

/* Never returns. */
void	 worker_main(struct proc *, const struct child_ctx *);

#endif
