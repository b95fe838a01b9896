/*
 * http_events.c - GET /events: the event bus as Server-Sent Events.
 *
 * The supervisor appends every timestamped event to the event ring in
 * shared memory (evring.c) and bumps the state futex; a subscriber here
 * is a streaming response with its own position (the next event id) that
 * reads the ring and, when it has caught up, is suspended like a TS
 * player until the wake loop sees a newer event or its heartbeat is due.
 * Nothing is ever sent to a worker, so no subscriber can slow the
 * supervisor, and each one reads at its own pace: one whose next event
 * has left the backlog (it read too slowly) is cut off, and resumes with
 * Last-Event-ID when it reconnects.
 *
 * Each event is one block: "id: N", "event: NAME", "data: JSON" (the
 * object control-socket subscribers get) and a blank line.  A comment
 * line is sent every heartbeat interval without events, so proxies and
 * browsers keep the connection.  Last-Event-ID (the header a browser's
 * EventSource sends when it reconnects) resumes after that id; when
 * events after it are no longer kept, an "events_missed" event (without
 * an id) comes first, then everything kept.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"
#include "http.h"
#include "routes.h"

#define EVENTS_FILL_BYTES	HTTP_BLOCK_BYTES	/* formatted ahead */
#define EVENTS_RETRY_MS		2000	/* EventSource reconnect delay */
#define EVENTS_MAX_PER_WORKER	1024	/* subscribers a worker serves */
#define EVENTS_BUF_KEEP_BYTES	(64 * 1024)	/* idle buffer kept */
#define EVENTS_RESUME_TRIES	8	/* backlog moving while we join */
/*
 * The kernel's send buffer of a subscriber's socket, fixed (no
 * autotuning): events are small, and a subscriber that stops reading
 * should pin little memory and fall out of the backlog soon, instead of
 * having megabytes queued for it.
 */
#define EVENTS_SNDBUF_BYTES	(64 * 1024)

/* A subscriber's state, the client's priv. */
struct sse {
	uint64_t	 next_id;	/* the next event to send */
	uint64_t	 last_write_ms;	/* for the heartbeat */
	uint64_t	 after_id;	/* Last-Event-ID, for events_missed */
	uint64_t	 sent;		/* events sent */
	int		 missed;	/* send events_missed first */
	int		 closing;	/* end once out is drained */
	struct buf	 out;		/* formatted, not yet sent */
	size_t		 out_off;
};

/* Event JSON copied out of the ring; used under w->lock only. */
static char events_scratch[EVRING_EVENT_MAX];

static void
sse_missed(struct sse *e)
{
	char ts[UTIL_RFC3339_MAX];

	format_rfc3339_ms(wall_ms(), ts);
	buf_puts(&e->out, "event: events_missed\ndata: {");
	json_kv_str(&e->out, "time", ts);
	json_kv_str(&e->out, "event", "events_missed");
	json_kv_uint(&e->out, "after", e->after_id);
	json_kv_uint(&e->out, "next", e->next_id);
	buf_puts(&e->out, "}\n\n");
}

/* One event block; a line break in the data (never in ringcast's own
 * JSON) would end the field, so every line gets its own "data:". */
static void
sse_event(struct sse *e, uint64_t id, const char *name, const char *data,
    size_t len)
{
	size_t i, start = 0;

	buf_printf(&e->out, "id: %llu\nevent: %s\n", (unsigned long long)id,
	    name);
	for (i = 0; i <= len; i++) {
		if (i < len && data[i] != '\n' && data[i] != '\r')
			continue;
		buf_puts(&e->out, "data: ");
		buf_append(&e->out, data + start, i - start);
		buf_puts(&e->out, "\n");
		if (i + 1 < len && data[i] == '\r' && data[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	buf_puts(&e->out, "\n");
}

/* Under w->lock: format what is due into e->out. */
static void
sse_fill(struct worker *w, struct sse *e)
{
	char name[EVRING_NAME_MAX];
	uint32_t hb;
	size_t len;
	int rc, tries = 0;

	if (e->missed) {
		sse_missed(e);
		e->missed = 0;
	}
	while (e->out.len < EVENTS_FILL_BYTES && !e->out.failed) {
		rc = evring_read(&w->events, e->next_id, name, sizeof(name),
		    events_scratch, sizeof(events_scratch), &len);
		if (rc == 0)
			break;
		if (rc == 1) {
			sse_event(e, e->next_id, name, events_scratch, len);
			e->next_id++;
			e->sent++;
			continue;
		}
		if (e->sent == 0 && tries++ < EVENTS_RESUME_TRIES) {
			/* the backlog moved while we joined: rejoin */
			int missed;

			e->next_id = evring_resume_id(&w->events,
			    e->next_id - 1, &missed);
			if (missed)
				sse_missed(e);
			continue;
		}
		/* fell more than the backlog behind: cut off */
		buf_printf(&e->out, ": too slow: events after id %llu are no"
		    " longer kept; reconnect with Last-Event-ID\n\n",
		    (unsigned long long)(e->next_id - 1));
		e->closing = 1;
		log_debug("events: cut off a subscriber at id %llu",
		    (unsigned long long)e->next_id);
		break;
	}
	if (e->out.len == 0) {
		hb = evring_heartbeat_ms(&w->events);
		if (hb == 0)
			hb = EVRING_DEFAULT_HEARTBEAT_MS;
		if (now_ms() - e->last_write_ms >= hb)
			buf_puts(&e->out, ": heartbeat\n\n");
	}
	if (e->out.len > 0)
		e->last_write_ms = now_ms();
}

static ssize_t
events_reader(void *cls, uint64_t off, char *buf, size_t max)
{
	struct client *c = cls;
	struct worker *w = c->w;
	struct sse *e = c->priv;
	ssize_t n;

	(void)off;
	pthread_mutex_lock(&w->lock);
	if (c->ending || atomic_load(&w->stopping) ||
	    atomic_load(&w->retiring)) {
		pthread_mutex_unlock(&w->lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (e->out_off == e->out.len) {
		if (e->out.cap > EVENTS_BUF_KEEP_BYTES)
			buf_free(&e->out);
		buf_reset(&e->out);
		e->out_off = 0;
		if (!e->closing)
			sse_fill(w, e);
	}
	if (e->out.failed) {
		n = MHD_CONTENT_READER_END_WITH_ERROR;
	} else if (e->out_off < e->out.len) {
		n = (ssize_t)(e->out.len - e->out_off);
		if ((size_t)n > max)
			n = (ssize_t)max;
		memcpy(buf, e->out.data + e->out_off, (size_t)n);
		e->out_off += (size_t)n;
	} else if (e->closing) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		http_client_suspend(w, c);
		n = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* Wake loop, under w->lock: a newer event, a heartbeat due, or retiring. */
static int
events_ready(struct worker *w, struct client *c)
{
	struct sse *e = c->priv;
	uint32_t hb;

	if (atomic_load(&w->retiring) || e->closing ||
	    evring_last_id(&w->events) >= e->next_id)
		return 1;
	hb = evring_heartbeat_ms(&w->events);
	if (hb == 0)
		hb = EVRING_DEFAULT_HEARTBEAT_MS;
	return now_ms() - e->last_write_ms >= hb;
}

static void
events_done(struct worker *w, struct client *c)
{
	struct sse *e = c->priv;

	pthread_mutex_lock(&w->lock);
	w->n_events--;
	pthread_mutex_unlock(&w->lock);
	buf_free(&e->out);
	free(e);
	c->priv = NULL;
}

/* The bearer token of the request: the Authorization header, else the
 * access_token query argument (RFC 6750; a browser's EventSource cannot
 * send headers).  NULL when there is none. */
static const char *
events_given_token(struct MHD_Connection *conn)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);

	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		for (auth += 7; *auth == ' '; auth++)
			;
		return auth;
	}
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "access_token");
}

/* Last-Event-ID: 1 and *ID, 0 when absent, -1 when malformed. */
static int
events_last_id(struct MHD_Connection *conn, uint64_t *id)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Last-Event-ID");
	unsigned long long n;
	char *end;

	if (v == NULL)
		return 0;
	while (*v == ' ')
		v++;
	if (*v == '\0')
		return 0;	/* EventSource sends "" before any id */
	if (*v < '0' || *v > '9' || strlen(v) > 20)
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	while (*end == ' ')
		end++;
	if (errno != 0 || *end != '\0')
		return -1;
	*id = n;
	return 1;
}

static void
events_limit_sndbuf(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	int size = EVENTS_SNDBUF_BYTES;

	if (ci != NULL && setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF,
	    &size, sizeof(size)) == -1)
		log_debug("events: SO_SNDBUF: %s", strerror(errno));
}

static struct client *
events_client_new(struct worker *w, struct MHD_Connection *conn,
    int have_id, uint64_t last_seen)
{
	struct client *c;
	struct sse *e;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		free(c);
		return NULL;
	}
	buf_init(&e->out);
	c->w = w;
	c->conn = conn;
	c->kind = CLIENT_EVENTS;
	c->phase = CLIENT_STREAMING;
	c->slot = -1;
	c->started_ms = now_ms();
	http_peer_addr(conn, c->addr, sizeof(c->addr));
	c->ready = events_ready;
	c->done = events_done;
	c->priv = e;
	if (have_id) {
		e->after_id = last_seen;
		e->next_id = evring_resume_id(&w->events, last_seen,
		    &e->missed);
	} else {
		e->next_id = evring_last_id(&w->events) + 1;
	}
	/* a comment and the reconnect delay: the browser opens at once */
	buf_printf(&e->out, ": ringcast events\nretry: %d\n\n",
	    EVENTS_RETRY_MS);
	e->last_write_ms = now_ms();
	return c;
}

enum MHD_Result
http_events_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	struct MHD_Response *r;
	struct client *c;
	uint64_t last_seen = 0;
	enum MHD_Result ret;
	int have_id, full;
	int head_only = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	(void)url;
	if (*con_cls != NULL)	/* never suspended before its response */
		return MHD_NO;
	if (w->events.hdr == NULL)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "events are not available");
	if (evring_token_required(&w->events) &&
	    !evring_token_ok(&w->events, events_given_token(conn)))
		return http_unauthorized(conn);
	if ((have_id = events_last_id(conn, &last_seen)) == -1)
		return http_error(conn, MHD_HTTP_BAD_REQUEST,
		    "Last-Event-ID must be an event id (a number)");
	if (head_only)
		return http_reply(conn, MHD_HTTP_OK, "text/event-stream", "", 0);
	pthread_mutex_lock(&w->lock);
	full = w->n_events >= EVENTS_MAX_PER_WORKER;
	pthread_mutex_unlock(&w->lock);
	if (full)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "too many event subscribers");
	if ((c = events_client_new(w, conn, have_id, last_seen)) == NULL)
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory");
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    HTTP_BLOCK_BYTES, events_reader, c, NULL);
	if (r == NULL) {
		c->done = NULL;
		buf_free(&((struct sse *)c->priv)->out);
		free(c->priv);
		free(c);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-cache, no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	events_limit_sndbuf(conn);
	pthread_mutex_lock(&w->lock);
	w->n_clients++;
	w->n_events++;
	pthread_mutex_unlock(&w->lock);
	*con_cls = c;		/* freed by http_stream_completed */
	ret = http_queue(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}
