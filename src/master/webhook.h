/*
 * webhook.h - the events webhook process (events_webhook = URL).
 *
 * The supervisor forwards every timestamped event object to this process
 * as MSG_EVENT; the process POSTs each one, in order, one a request, to
 * the URL over one kept-alive connection.  Undeliverable events are
 * retried with backoff while new ones wait in a bounded queue; when the
 * queue is full the oldest waiting event is dropped and counted in
 * state->events_dropped.
 *
 * The queue, the backoff schedule and the classification of answers are
 * pure (no I/O) and unit-tested; webhook_main() is the process.
 */
#ifndef RINGCAST_WEBHOOK_H
#define RINGCAST_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

struct state;

#define WEBHOOK_QUEUE_MAX_EVENTS	4096
#define WEBHOOK_QUEUE_MAX_BYTES		(4u * 1024 * 1024)
#define WEBHOOK_BACKOFF_MIN_MS		500	/* first retry */
#define WEBHOOK_BACKOFF_MAX_MS		30000
#define WEBHOOK_CONNECT_TIMEOUT_MS	5000
#define WEBHOOK_TIMEOUT_MS		10000	/* whole request */
#define WEBHOOK_FLUSH_MS		2000	/* at exit, at most */
#define WEBHOOK_LOG_EVERY_MS		60000	/* rate limit */
#define WEBHOOK_POLL_MS			500

/* One queued event: LEN bytes of JSON, NUL-terminated. */
struct webhook_event {
	size_t		 len;
	char		 data[];
};

/*
 * FIFO of events bounded in count and in bytes (payload bytes).  The head
 * may be "in flight" (being POSTed): it is then never evicted, so its
 * bytes stay valid for libcurl until webhook_queue_end().
 */
struct webhook_queue {
	struct webhook_event	**items;	/* ring of max_events */
	size_t			 max_events;
	size_t			 max_bytes;
	size_t			 head;		/* the oldest */
	size_t			 count;
	size_t			 bytes;
	int			 head_busy;	/* head is in flight */
};

enum webhook_outcome {
	WEBHOOK_DELIVERED = 0,	/* 2xx */
	WEBHOOK_RETRY,		/* no answer, timeout, 5xx, 408, 429 */
	WEBHOOK_REJECTED,	/* other answers: retrying cannot help */
};

/* 0, or -1 (ENOMEM, or EINVAL for a zero limit). */
int	 webhook_queue_init(struct webhook_queue *, size_t max_events,
	    size_t max_bytes);
/* Frees every queued event and the ring. */
void	 webhook_queue_free(struct webhook_queue *);
/*
 * Append a copy of DATA (LEN bytes).  When that would exceed a limit,
 * the oldest events that are not in flight are evicted first.  Returns
 * how many were evicted (the caller counts them as dropped), or -1 when
 * DATA itself is not queued (errno EMSGSIZE: larger than the byte limit
 * or no room beside the in-flight head; ENOMEM) - the caller counts one
 * drop.
 */
int	 webhook_queue_push(struct webhook_queue *, const char *data,
	    size_t len);
/* The oldest event, NULL when empty. */
const struct webhook_event *webhook_queue_peek(const struct webhook_queue *);
/* Remove the oldest event (no-op when empty); clears in-flight. */
void	 webhook_queue_pop(struct webhook_queue *);
/* Mark the head in flight and return it (NULL when empty). */
const struct webhook_event *webhook_queue_begin(struct webhook_queue *);
/* The head's request ended: REMOVE it (delivered or rejected) or keep
 * it for a retry. */
void	 webhook_queue_end(struct webhook_queue *, int remove);
size_t	 webhook_queue_count(const struct webhook_queue *);
size_t	 webhook_queue_bytes(const struct webhook_queue *);

/*
 * Wait before the next attempt after FAILURES consecutive failed
 * requests: 0 for none, then 500 ms doubling up to 30 s.
 */
uint64_t webhook_backoff_ms(unsigned failures);
/* What a finished request means: TRANSFER_OK is 0 when no HTTP answer
 * arrived (connect error, timeout); STATUS is the HTTP status. */
enum webhook_outcome webhook_classify(int transfer_ok, long status);

/*
 * The process.  Reads MSG_EVENT messages (one JSON object each, no
 * newline) from CHAN_FD and POSTs them to URL with Content-Type
 * application/json and USER_AGENT (NULL: libcurl's none).  ST may be NULL
 * (drops are then only logged).  When the channel closes, MSG_SHUTDOWN
 * arrives, or on SIGTERM/SIGINT it delivers what it can for at most
 * WEBHOOK_FLUSH_MS, counts the rest as dropped and calls _exit(0).
 */
void	 webhook_main(int chan_fd, const char *url, const char *user_agent,
	    struct state *st) __attribute__((noreturn));

#endif
