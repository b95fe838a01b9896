/*
 * suspend.c - connections waiting for their time: the wait list, the
 * ticker thread that resumes them, and the drain at stop.
 *
 * libmicrohttpd runs its own epoll threads.  A content reader with
 * nothing due suspends its connection and puts it on the wait list with
 * a wake-up time; the ticker resumes due connections every few
 * milliseconds.  MHD functions are never called under the mutex.  A
 * "hang" fault suspends the request before any response exists; the
 * ticker resumes it twice a second so it can notice the client leaving.
 * On SIGTERM every suspended connection is resumed and refuses to
 * suspend again, then the daemon stops.
 *
 * Calls util.c and libmicrohttpd only.
 */

#include <time.h>

#include "origin.h"

static struct req	*wait_head;
static size_t		 nsuspended;

/* Called with mtx held. */
static void
wait_add(struct req *r, uint64_t wake_ms)
{
	r->wake_ms = wake_ms;
	r->waiting = 1;
	r->wprev = NULL;
	r->wnext = wait_head;
	if (wait_head != NULL)
		wait_head->wprev = r;
	wait_head = r;
}

/* Called with mtx held. */
void
wait_remove(struct req *r)
{
	if (!r->waiting)
		return;
	if (r->wprev != NULL)
		r->wprev->wnext = r->wnext;
	else
		wait_head = r->wnext;
	if (r->wnext != NULL)
		r->wnext->wprev = r->wprev;
	r->wnext = r->wprev = NULL;
	r->waiting = 0;
}


/*
 * Suspend R's connection until WAKE_MS.  Called from an MHD callback
 * without mtx; the request joins the wait list only once it is suspended,
 * so the ticker never resumes a connection that is not.
 */
void
req_suspend(struct req *r, uint64_t wake_ms)
{
	MHD_suspend_connection(r->conn);
	pthread_mutex_lock(&mtx);
	r->suspended = 1;
	nsuspended++;
	wait_add(r, wake_ms);
	pthread_mutex_unlock(&mtx);
}

/* Called with mtx held, at the start of every callback for R. */
void
req_awake(struct req *r)
{
	if (r->suspended) {
		r->suspended = 0;
		nsuspended--;
	}
}

/* ------------------------------------------------------------------ */
/* Ticker: resumes connections whose time has come.                    */

#define TICK_BATCH	256

void *
ticker_main(void *arg)
{
	struct MHD_Connection *batch[TICK_BATCH];
	volatile int *quit = arg;

	while (!*quit) {
		struct timespec ts = { 0, ORIGIN_TICK_MS * 1000000L };
		nanosleep(&ts, NULL);
		for (;;) {
			size_t n = 0;
			uint64_t now = mono_ms();

			pthread_mutex_lock(&mtx);
			struct req *r = wait_head, *next;
			for (; r != NULL && n < TICK_BATCH; r = next) {
				next = r->wnext;
				if (stopping || r->wake_ms <= now) {
					wait_remove(r);
					batch[n++] = r->conn;
				}
			}
			pthread_mutex_unlock(&mtx);
			/* Still suspended: nothing can free them meanwhile. */
			for (size_t i = 0; i < n; i++)
				MHD_resume_connection(batch[i]);
			if (n < TICK_BATCH)
				break;
		}
	}
	return NULL;
}


/*
 * Resume every suspended connection (the ticker does, once stopping is
 * set) and wait until none has been suspended for a while: a callback
 * that checked the flag just before it was set may still suspend once.
 */
void
origin_drain(void)
{
	uint64_t deadline = mono_ms() + ORIGIN_STOP_WAIT_MS;
	uint64_t quiet_since = mono_ms();

	while (mono_ms() < deadline) {
		pthread_mutex_lock(&mtx);
		size_t n = nsuspended;
		pthread_mutex_unlock(&mtx);
		if (n != 0)
			quiet_since = mono_ms();
		else if (mono_ms() - quiet_since >= ORIGIN_DRAIN_QUIET_MS)
			break;
		struct timespec ts = { 0, 2 * 1000000L };
		nanosleep(&ts, NULL);
	}
}
