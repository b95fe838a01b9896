/*
 * webhook.c - the events webhook process: POST every event to a URL.
 *
 * The supervisor forwards each timestamped event object over the channel;
 * this process queues it and POSTs the queue in order, one event a
 * request, through one libcurl easy handle kept in a multi handle, so the
 * connection is reused (keep-alive) and the channel is polled together
 * with the transfer: events keep arriving while a POST is in flight.
 *
 * Design choice - the head is retried, the oldest is dropped.  A failed
 * request (no answer, timeout, 5xx, 408, 429) is retried after a backoff
 * that grows with the endpoint's consecutive failures (0.5 s doubling to
 * 30 s, reset by any answer); the event stays at the head so order is
 * kept.  Meanwhile new events queue up; when the queue is full (4096
 * events or 4 MiB) the oldest event that is not in flight is dropped and
 * counted, so an outage keeps the newest events, memory stays bounded and
 * an event the endpoint will never take cannot block the queue for good:
 * once the queue is full it is evicted like any other old event.  Other
 * answers (4xx, 3xx) mean retrying cannot help: the event is dropped and
 * counted at once.  Failures and drops are logged at most once a minute.
 *
 * On SIGTERM, MSG_SHUTDOWN or when the channel closes the process keeps
 * delivering for at most two seconds, counts what is left as dropped and
 * exits.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "proc.h"
#include "state.h"
#include "util.h"
#include "webhook.h"

/* ---- the queue (pure) ---- */

int
webhook_queue_init(struct webhook_queue *q, size_t max_events,
    size_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	if (max_events == 0 || max_bytes == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((q->items = calloc(max_events, sizeof(*q->items))) == NULL)
		return -1;
	q->max_events = max_events;
	q->max_bytes = max_bytes;
	return 0;
}

void
webhook_queue_free(struct webhook_queue *q)
{
	while (q->count > 0) {
		q->head_busy = 0;
		webhook_queue_pop(q);
	}
	free(q->items);
	memset(q, 0, sizeof(*q));
}

static size_t
webhook_queue_index(const struct webhook_queue *q, size_t i)
{
	return (q->head + i) % q->max_events;
}

/* Drop the oldest event that is not in flight; -1 when there is none. */
static int
webhook_queue_evict(struct webhook_queue *q)
{
	size_t victim;

	if (q->count == 0 || (q->head_busy && q->count == 1))
		return -1;
	if (!q->head_busy) {
		webhook_queue_pop(q);
		return 0;
	}
	/* Keep the in-flight head: move it into the second's place. */
	victim = webhook_queue_index(q, 1);
	q->bytes -= q->items[victim]->len;
	free(q->items[victim]);
	q->items[victim] = q->items[q->head];
	q->items[q->head] = NULL;
	q->head = victim;
	q->count--;
	return 0;
}

int
webhook_queue_push(struct webhook_queue *q, const char *data, size_t len)
{
	struct webhook_event *ev;
	int evicted = 0;

	if (len > q->max_bytes) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((ev = malloc(sizeof(*ev) + len + 1)) == NULL)
		return -1;
	ev->len = len;
	memcpy(ev->data, data, len);
	ev->data[len] = '\0';
	while (q->count >= q->max_events || q->bytes + len > q->max_bytes) {
		if (webhook_queue_evict(q) == -1) {
			free(ev);
			errno = EMSGSIZE;
			return -1;
		}
		evicted++;
	}
	q->items[webhook_queue_index(q, q->count)] = ev;
	q->count++;
	q->bytes += len;
	return evicted;
}

const struct webhook_event *
webhook_queue_peek(const struct webhook_queue *q)
{
	return q->count > 0 ? q->items[q->head] : NULL;
}

void
webhook_queue_pop(struct webhook_queue *q)
{
	if (q->count == 0)
		return;
	q->bytes -= q->items[q->head]->len;
	free(q->items[q->head]);
	q->items[q->head] = NULL;
	q->head = webhook_queue_index(q, 1);
	q->count--;
	q->head_busy = 0;
}

const struct webhook_event *
webhook_queue_begin(struct webhook_queue *q)
{
	if (q->count == 0)
		return NULL;
	q->head_busy = 1;
	return q->items[q->head];
}

void
webhook_queue_end(struct webhook_queue *q, int remove)
{
	if (remove)
		webhook_queue_pop(q);
	q->head_busy = 0;
}

size_t
webhook_queue_count(const struct webhook_queue *q)
{
	return q->count;
}

size_t
webhook_queue_bytes(const struct webhook_queue *q)
{
	return q->bytes;
}

/* ---- retry policy (pure) ---- */

uint64_t
webhook_backoff_ms(unsigned failures)
{
	uint64_t ms = WEBHOOK_BACKOFF_MIN_MS;

	if (failures == 0)
		return 0;
	while (--failures > 0 && ms < WEBHOOK_BACKOFF_MAX_MS)
		ms *= 2;
	return ms < WEBHOOK_BACKOFF_MAX_MS ? ms : WEBHOOK_BACKOFF_MAX_MS;
}

enum webhook_outcome
webhook_classify(int transfer_ok, long status)
{
	if (!transfer_ok || status >= 500 || status == 408 || status == 429 ||
	    status < 100)
		return WEBHOOK_RETRY;
	if (status >= 200 && status < 300)
		return WEBHOOK_DELIVERED;
	return WEBHOOK_REJECTED;
}

/* ---- the process ---- */

struct webhook {
	int			 chan;		/* -1 once closed */
	struct state		*st;
	struct webhook_queue	 q;
	CURLM			*multi;
	CURL			*h;
	struct curl_slist	*hdrs;
	char			 errbuf[CURL_ERROR_SIZE];
	int			 in_flight;
	int			 closing;
	uint64_t		 flush_deadline_ms;
	unsigned		 failures;	/* consecutive, endpoint */
	uint64_t		 next_try_ms;
	uint64_t		 fail_logged_ms;
	unsigned long		 fails_unlogged;
	uint64_t		 drop_logged_ms;
	unsigned long		 drops_unlogged;
};

static volatile sig_atomic_t webhook_stopping;

static void
webhook_on_sigterm(int sig)
{
	(void)sig;
	webhook_stopping = 1;
}

/* Count N drops; say so at most once a WEBHOOK_LOG_EVERY_MS. */
static void
webhook_drop(struct webhook *w, unsigned long n, const char *why)
{
	uint64_t now = now_ms();

	if (n == 0)
		return;
	if (w->st != NULL)
		atomic_fetch_add(&w->st->events_dropped, n);
	w->drops_unlogged += n;
	if (w->drop_logged_ms != 0 &&
	    now - w->drop_logged_ms < WEBHOOK_LOG_EVERY_MS)
		return;
	log_warnx("dropped %lu event%s (%s)", w->drops_unlogged,
	    w->drops_unlogged == 1 ? "" : "s", why);
	w->drops_unlogged = 0;
	w->drop_logged_ms = now;
}

static void
webhook_log_failure(struct webhook *w, const char *what)
{
	uint64_t now = now_ms();

	w->fails_unlogged++;
	if (w->fail_logged_ms != 0 &&
	    now - w->fail_logged_ms < WEBHOOK_LOG_EVERY_MS)
		return;
	log_warnx("POST failed: %s (%lu failure%s since last report, "
	    "%zu queued, retrying in %llu ms)", what, w->fails_unlogged,
	    w->fails_unlogged == 1 ? "" : "s", webhook_queue_count(&w->q),
	    (unsigned long long)webhook_backoff_ms(w->failures));
	w->fails_unlogged = 0;
	w->fail_logged_ms = now;
}

static void
webhook_enqueue(struct webhook *w, const char *obj, size_t len)
{
	int n;

	if (len == 0)
		return;
	if ((n = webhook_queue_push(&w->q, obj, len)) == -1)
		webhook_drop(w, 1, errno == ENOMEM ? "out of memory" :
		    "event too large");
	else
		webhook_drop(w, (unsigned long)n, "queue full");
}

static void
webhook_begin_closing(struct webhook *w)
{
	if (w->closing)
		return;
	w->closing = 1;
	w->flush_deadline_ms = now_ms() + WEBHOOK_FLUSH_MS;
	if (webhook_queue_count(&w->q) > 0)
		log_info("stopping: flushing %zu event%s",
		    webhook_queue_count(&w->q),
		    webhook_queue_count(&w->q) == 1 ? "" : "s");
}

static void
webhook_read_channel(struct webhook *w)
{
	struct msg m;
	int n;

	while (w->chan != -1) {
		n = msg_recv(w->chan, &m);
		if (n == 1) {
			if (m.type == MSG_EVENT)
				webhook_enqueue(w, (const char *)m.payload,
				    m.len);
			else if (m.type == MSG_SHUTDOWN)
				webhook_begin_closing(w);
			continue;
		}
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1 && (errno == EINTR || errno == EBADMSG))
			continue;	/* a malformed datagram is consumed */
		/* EOF or a broken channel: the supervisor is gone. */
		close(w->chan);
		w->chan = -1;
		webhook_begin_closing(w);
	}
}

static size_t
webhook_discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

static int
webhook_setup(struct webhook *w, const char *url, const char *user_agent)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (w->multi = curl_multi_init()) == NULL ||
	    (w->h = curl_easy_init()) == NULL)
		return -1;
	w->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (w->hdrs != NULL)
		w->hdrs = curl_slist_append(w->hdrs, "Expect:");
	if (w->hdrs == NULL)
		return -1;
	if (curl_easy_setopt(w->h, CURLOPT_URL, url) != CURLE_OK)
		return -1;
	if (user_agent != NULL)
		curl_easy_setopt(w->h, CURLOPT_USERAGENT, user_agent);
	curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, w->hdrs);
	curl_easy_setopt(w->h, CURLOPT_POST, 1L);
	curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, webhook_discard);
	curl_easy_setopt(w->h, CURLOPT_ERRORBUFFER, w->errbuf);
	curl_easy_setopt(w->h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)WEBHOOK_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(w->h, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
	curl_easy_setopt(w->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(w->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->h, CURLOPT_TCP_KEEPALIVE, 1L);
	return 0;
}

/* POST the head of the queue. */
static void
webhook_start(struct webhook *w)
{
	const struct webhook_event *ev;
	const char *body;

	if ((ev = webhook_queue_begin(&w->q)) == NULL)
		return;
	body = ev->data;	/* stays valid: an in-flight head is kept */
	w->errbuf[0] = '\0';
	curl_easy_setopt(w->h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(w->h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)ev->len);
	if (curl_multi_add_handle(w->multi, w->h) != CURLM_OK) {
		webhook_queue_end(&w->q, 0);
		w->failures++;
		w->next_try_ms = now_ms() + webhook_backoff_ms(w->failures);
		webhook_log_failure(w, "cannot start a transfer");
		return;
	}
	w->in_flight = 1;
}

/* The request for the head ended with RES. */
static void
webhook_finish(struct webhook *w, CURLcode res)
{
	char what[CURL_ERROR_SIZE + 32];
	long status = 0;

	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(w->multi, w->h);
	w->in_flight = 0;
	if (res != CURLE_OK)
		str_copy(what, w->errbuf[0] != '\0' ? w->errbuf :
		    curl_easy_strerror(res), sizeof(what));
	else
		snprintf(what, sizeof(what), "HTTP %ld", status);
	switch (webhook_classify(res == CURLE_OK, status)) {
	case WEBHOOK_DELIVERED:
		webhook_queue_end(&w->q, 1);
		if (w->failures > 0)
			log_info("delivering again after %u failed attempt%s",
			    w->failures, w->failures == 1 ? "" : "s");
		w->failures = 0;
		w->next_try_ms = 0;
		w->fail_logged_ms = 0;
		w->fails_unlogged = 0;
		break;
	case WEBHOOK_REJECTED:
		webhook_queue_end(&w->q, 1);
		w->failures = 0;	/* the endpoint answers */
		w->next_try_ms = 0;
		webhook_drop(w, 1, what);
		break;
	case WEBHOOK_RETRY:
		webhook_queue_end(&w->q, 0);
		w->failures++;
		w->next_try_ms = now_ms() + webhook_backoff_ms(w->failures);
		webhook_log_failure(w, what);
		break;
	}
}

static void
webhook_collect(struct webhook *w)
{
	CURLMsg *cm;
	int left;

	while ((cm = curl_multi_info_read(w->multi, &left)) != NULL)
		if (cm->msg == CURLMSG_DONE && cm->easy_handle == w->h)
			webhook_finish(w, cm->data.result);
}

static int
webhook_poll_timeout(struct webhook *w, uint64_t now)
{
	uint64_t t = WEBHOOK_POLL_MS;

	if (!w->in_flight && webhook_queue_count(&w->q) > 0)
		t = w->next_try_ms > now ? w->next_try_ms - now : 0;
	if (w->closing && w->flush_deadline_ms - now < t)
		t = w->flush_deadline_ms - now;
	return t < WEBHOOK_POLL_MS ? (int)t : WEBHOOK_POLL_MS;
}

static void
webhook_loop(struct webhook *w)
{
	struct curl_waitfd extra;
	uint64_t now;
	int running;

	for (;;) {
		curl_multi_perform(w->multi, &running);
		webhook_collect(w);
		if (webhook_stopping)
			webhook_begin_closing(w);
		now = now_ms();
		if (w->closing && (now >= w->flush_deadline_ms ||
		    (!w->in_flight && webhook_queue_count(&w->q) == 0)))
			return;
		if (!w->in_flight && webhook_queue_count(&w->q) > 0 &&
		    now >= w->next_try_ms) {
			webhook_start(w);
			if (w->in_flight)
				continue;	/* let curl start it */
		}
		extra.fd = w->chan;
		extra.events = CURL_WAIT_POLLIN;
		extra.revents = 0;
		curl_multi_poll(w->multi, &extra, w->chan != -1 ? 1 : 0,
		    webhook_poll_timeout(w, now), NULL);
		if (w->chan != -1 && extra.revents != 0)
			webhook_read_channel(w);
	}
}

void
webhook_main(int chan_fd, const char *url, const char *user_agent,
    struct state *st)
{
	static struct webhook w;
	size_t left;

	memset(&w, 0, sizeof(w));
	w.chan = chan_fd;
	w.st = st;
	proc_child_init(webhook_on_sigterm, "webhook");
	signal(SIGPIPE, SIG_IGN);
	fd_set_nonblock(chan_fd);
	if (webhook_queue_init(&w.q, WEBHOOK_QUEUE_MAX_EVENTS,
	    WEBHOOK_QUEUE_MAX_BYTES) == -1)
		fatal("webhook queue");
	if (webhook_setup(&w, url, user_agent) == -1)
		fatalx("cannot set up libcurl for %s", url);
	log_debug("posting events to %s", url);
	webhook_loop(&w);
	if (w.in_flight) {
		curl_multi_remove_handle(w.multi, w.h);
		webhook_queue_end(&w.q, 0);
	}
	if ((left = webhook_queue_count(&w.q)) > 0) {
		if (st != NULL)
			atomic_fetch_add(&st->events_dropped, left);
		log_warnx("exiting with %zu undelivered event%s (dropped)",
		    left, left == 1 ? "" : "s");
	}
	curl_easy_cleanup(w.h);
	curl_multi_cleanup(w.multi);
	curl_slist_free_all(w.hdrs);
	curl_global_cleanup();
	webhook_queue_free(&w.q);
	if (w.chan != -1)
		close(w.chan);
	_exit(0);
}
