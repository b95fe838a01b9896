/*
 * worker.h - a worker process: libmicrohttpd on the shared listening
 * sockets, serving players from the rings.
 */
#ifndef RINGCAST_WORKER_H
#define RINGCAST_WORKER_H

#include "proc.h"

#define WORKER_WAKE_MS		100	/* longest sleep of the wake loop */
#define WORKER_DRAIN_MS		2000	/* shutdown: time for clients to end */
#define WORKER_RETIRE_MS	(10 * 60 * 1000)	/* reload: old generation */
/*
 * The wake loop resumes ready clients a slice at a time, with a pause
 * between slices: libmicrohttpd serves what was resumed in one event-loop
 * iteration and accepts new connections only between iterations, and
 * feeding every player at once would hold both cores for the whole round.
 * Spread over a few tens of milliseconds, a round leaves room for a new
 * player's first byte.  A slice is WORKER_WAKE_SLICE clients, or more when
 * there are so many suspended that a round would take more than
 * WORKER_WAKE_SLICES slices.
 */
#define WORKER_WAKE_SLICE	24
#define WORKER_WAKE_SLICES	20
#define WORKER_SLICE_GAP_US	2000
#define WORKER_CONN_TIMEOUT_S	30	/* idle keep-alive / slow headers */

/* Never returns. */
void	 worker_main(struct proc *, void *supervisor);

#endif
