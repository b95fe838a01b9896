/*
 * http.c - what every route family shares, below the routes and the
 * worker process.
 *
 * A request is handed here by the worker's access callback and goes to
 * the first route of the table (routes.c) whose path matches; libmicro-
 * httpd closes the connection when a response is queued on the first
 * call, so the first call only marks the request seen and the route
 * answers on the second (keep-alive for playlists and segments).  A
 * client that has to wait (for a stream's first data, for the
 * supervisor) is suspended on the worker's list and resumed by the wake
 * loop (http_wake) into its kind's handler; nothing here blocks a thread.
 * Ring mappings are shared by a worker's connections and freed with the
 * last one that used an old generation.
 *
 * Before any of that, libmicrohttpd hands each request's raw target to
 * http_uri_check (uri.h: a control byte in the path is a 400, a target
 * beyond the limits a 414 written at once); and every response leaves
 * through http_queue, which adds the CORS headers (cors.h), so a route
 * gets them without doing anything.
 *
 * What the routes need from the worker process (its channel to the
 * supervisor, its row in the state segment) is data in struct worker, so
 * this file never calls the worker or a route by name.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cors.h"
#include "http.h"
#include "log.h"
#include "msg.h"
#include "util.h"

/* *con_cls of a request seen once (see above). */
static char request_seen;
/* *con_cls that http_uri_check gives a request before any other call:
 * its path holds a control byte (answered 400 at once), or it was
 * already answered on the socket (the connection is dropped). */
static char request_bad_path;
static char request_answered;

enum MHD_Result
http_reply(struct MHD_Connection *conn, unsigned status,
    const char *content_type, const void *body, size_t len)
{
	return http_reply_hdr(conn, status, content_type, body, len, NULL,
	    NULL);
}

enum MHD_Result
http_reply_hdr(struct MHD_Connection *conn, unsigned status,
    const char *content_type, const void *body, size_t len,
    const char *hname, const char *hvalue)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", content_type);
	if (hname != NULL)
		MHD_add_response_header(r, hname, hvalue);
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED && (hname == NULL ||
	    strcmp(hname, "Allow") != 0))
		MHD_add_response_header(r, "Allow", CORS_PLAYER_METHODS);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE &&
	    (hname == NULL || strcasecmp(hname, "Retry-After") != 0))
		MHD_add_response_header(r, "Retry-After", "5");
	ret = http_queue(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
http_unauthorized(struct MHD_Connection *conn)
{
	static const char body[] = "{\"error\":\"missing or wrong bearer"
	    " token\"}\n";

	return http_reply_hdr(conn, MHD_HTTP_UNAUTHORIZED, "application/json",
	    body, sizeof(body) - 1, "WWW-Authenticate", "Bearer");
}

/*
 * The request this thread is answering.  libmicrohttpd runs every
 * callback of a connection on its daemon's thread, and a response can
 * only be queued from the access handler, so http_dispatch notes here
 * what http_queue() needs (the route class, for CORS) before any route
 * runs, and every route gets CORS without passing anything along.
 */
static __thread struct {
	struct MHD_Connection	*conn;
	const struct state	*st;
	enum cors_class		 cls;
} http_cur;

static void
http_request_begin(const struct state *st, struct MHD_Connection *conn,
    const char *url)
{
	http_cur.conn = conn;
	http_cur.st = st;
	http_cur.cls = strncmp(url, "/admin", 6) == 0 ? CORS_ADMIN :
	    CORS_PLAYER;
}

/* Add H: V; 0, or -1 when libmicrohttpd could not (out of memory). */
static int
http_hdr(struct MHD_Response *r, const char *h, const char *v)
{
	return MHD_add_response_header(r, h, v) == MHD_YES ? 0 : -1;
}

/*
 * cors_origins as of the current request: a copy per thread, taken again
 * only when the supervisor has published another list since (cors_seq
 * moved), not on every answer.
 */
static __thread struct {
	int		 valid;
	uint32_t	 seq;
	char		 list[STATE_CORS_MAX];
} http_cors_copy;

static const char *
http_cors_list(void)
{
	_Atomic uint32_t *seq;
	uint32_t s;

	if (http_cur.st == NULL)
		return "";
	seq = (_Atomic uint32_t *)&http_cur.st->cors_seq;
	s = atomic_load_explicit(seq, memory_order_acquire);
	if (http_cors_copy.valid && http_cors_copy.seq == s)
		return http_cors_copy.list;
	state_get_cors_origins(http_cur.st, http_cors_copy.list,
	    sizeof(http_cors_copy.list));
	/* keep it only if it is the list of the even sequence S */
	http_cors_copy.valid = (s & 1u) == 0 &&
	    atomic_load_explicit(seq, memory_order_acquire) == s;
	http_cors_copy.seq = s;
	return http_cors_copy.list;
}

/* CORS headers for the current request (a preflight gets the
 * Access-Control-Allow-* set, any other answer Expose-Headers). */
static int
http_cors_headers(struct MHD_Connection *conn, struct MHD_Response *r,
    int preflight)
{
	char allow[CORS_ALLOW_HEADERS_MAX];
	const char *origin = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, "Origin");
	struct cors_decision d;
	enum cors_class cls = CORS_ADMIN;	/* unknown: the strict rule */
	const char *list = "";
	int rc = 0;

	if (http_cur.conn == conn) {
		cls = http_cur.cls;
		list = http_cors_list();
	}
	cors_decide(list, origin, cls, &d);
	if (preflight)	/* Allow-Headers echoes the requested ones */
		rc |= http_hdr(r, "Vary", d.vary ?
		    "Origin, Access-Control-Request-Headers" :
		    "Access-Control-Request-Headers");
	else if (d.vary)
		rc |= http_hdr(r, "Vary", "Origin");
	if (d.allow_origin == NULL)
		return rc;
	rc |= http_hdr(r, "Access-Control-Allow-Origin", d.allow_origin);
	if (!preflight)
		return rc | http_hdr(r, "Access-Control-Expose-Headers",
		    CORS_EXPOSE_HEADERS);
	cors_allow_headers(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Access-Control-Request-Headers"), cls, allow, sizeof(allow));
	rc |= http_hdr(r, "Access-Control-Allow-Methods", cls == CORS_ADMIN ?
	    CORS_ADMIN_METHODS : CORS_PLAYER_METHODS);
	rc |= http_hdr(r, "Access-Control-Allow-Headers", allow);
	return rc | http_hdr(r, "Access-Control-Max-Age", CORS_MAX_AGE_S);
}

enum MHD_Result
http_queue(struct MHD_Connection *conn, unsigned status,
    struct MHD_Response *r)
{
	if (http_cors_headers(conn, r, 0) == -1)
		return MHD_NO;
	return MHD_queue_response(conn, status, r);
}

int
http_cors_fixed(struct MHD_Connection *conn)
{
	struct cors_decision d;
	const char *list;

	if (http_cur.conn != conn)
		return -1;
	list = http_cors_list();
	cors_decide(list, NULL, http_cur.cls, &d);	/* Origin aside */
	if (d.allow_origin != NULL)
		return HTTP_CORS_ANY;
	if (!d.vary)
		return HTTP_CORS_NONE;
	cors_decide(list, MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Origin"), http_cur.cls, &d);
	return d.allow_origin == NULL ? HTTP_CORS_VARY : -1;
}

int
http_cors_add_fixed(struct MHD_Response *r, int f)
{
	if (f == HTTP_CORS_VARY)
		return http_hdr(r, "Vary", "Origin");
	if (f == HTTP_CORS_ANY)
		return http_hdr(r, "Access-Control-Allow-Origin", "*") |
		    http_hdr(r, "Access-Control-Expose-Headers",
		    CORS_EXPOSE_HEADERS);
	return f == HTTP_CORS_NONE ? 0 : -1;
}

enum MHD_Result
http_queue_shared(struct MHD_Connection *conn, unsigned status,
    struct MHD_Response *r)
{
	return MHD_queue_response(conn, status, r);
}

enum MHD_Result
http_preflight(struct MHD_Connection *conn)
{
	struct MHD_Response *r;
	enum MHD_Result ret = MHD_NO;

	r = MHD_create_response_from_buffer(0, (void *)"",
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	if (http_hdr(r, "Allow", http_cur.conn == conn &&
	    http_cur.cls == CORS_PLAYER ? CORS_PLAYER_METHODS :
	    CORS_ADMIN_METHODS) == 0 && http_cors_headers(conn, r, 1) == 0)
		ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
http_error(struct MHD_Connection *conn, unsigned status, const char *message)
{
	enum MHD_Result ret;
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "error", message);
	buf_puts(&b, "}\n");
	ret = b.failed ? MHD_NO :
	    http_reply(conn, status, "application/json", b.data, b.len);
	buf_free(&b);
	return ret;
}

void
http_peer_addr(struct MHD_Connection *conn, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	str_copy(out, "unknown", outsz);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    out, (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		    (socklen_t)outsz);
}

void
http_event(struct worker *w, const char *obj)
{
	if (msg_send(w->chan, MSG_EVENT, obj, strlen(obj)) == -1)
		atomic_fetch_add(&w->st->events_dropped, 1);
}

void
http_request_fetcher(struct worker *w, int slot)
{
	int32_t v = slot;

	atomic_store(&w->st->streams[slot].want_start, 1);
	if (atomic_load(&w->st->streams[slot].fetcher_pid) == 0 &&
	    msg_send(w->chan, MSG_STREAM_WANT, &v, sizeof(v)) == -1)
		log_warn("cannot ask the supervisor to start slot %d", slot);
}

void
ring_ref_put(struct worker *w, struct ring_ref *rr)
{
	if (rr == NULL || --rr->refs > 0 || rr->current)
		return;
	ring_close(&rr->ring);
	free(rr);
}

/* The slot's current ring generation, mapped; NULL when it has none. */
struct ring_ref *
ring_ref_get(struct worker *w, int slot)
{
	uint64_t gen = atomic_load(&w->st->streams[slot].ring_gen);
	struct ring_ref *rr = w->rings[slot];
	char name[STATE_SHM_NAME_MAX];

	if (rr != NULL && rr->gen == gen)
		return rr;
	if (rr != NULL) {
		w->rings[slot] = NULL;
		rr->current = 0;
		rr->refs++;
		ring_ref_put(w, rr);
	}
	if (gen == 0)
		return NULL;
	if ((rr = calloc(1, sizeof(*rr))) == NULL)
		return NULL;
	ring_shm_name(name, sizeof(name), w->st->supervisor_pid, slot, gen);
	if (ring_open(&rr->ring, name, 0) == -1) {
		free(rr);
		return NULL;
	}
	rr->gen = gen;
	rr->slot = slot;
	rr->current = 1;
	w->rings[slot] = rr;
	return rr;
}

void
http_client_event(struct client *c, const char *event)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", event);
	json_kv_str(&b, "stream", c->name);
	json_kv_str(&b, "client", c->addr);
	json_kv_str(&b, "kind", "ts");
	if (c->edge[0] != '\0')
		json_kv_str(&b, "edge", c->edge);
	if (strcmp(event, "client_disconnected") == 0) {
		json_kv_uint(&b, "bytes", c->bytes);
		json_kv_double(&b, "seconds",
		    (double)(now_ms() - c->started_ms) / 1000.0);
	}
	buf_puts(&b, "}");
	if (!b.failed)
		http_event(c->w, b.data);
	buf_free(&b);
}

static void
suspended_add(struct worker *w, struct client *c)
{
	c->suspended = 1;
	c->prev = NULL;
	c->next = w->suspended;
	if (w->suspended != NULL)
		w->suspended->prev = c;
	else
		w->suspended_tail = c;
	w->suspended = c;
	w->n_suspended++;
}

static void
suspended_del(struct worker *w, struct client *c)
{
	if (!c->suspended)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->suspended = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		w->suspended_tail = c->prev;
	c->prev = c->next = NULL;
	c->suspended = 0;
	w->n_suspended--;
}

void
http_client_suspend(struct worker *w, struct client *c)
{
	if (w->suspended == NULL)	/* the wake loop sleeps on its own */
		pthread_cond_signal(&w->first_waiter);
	c->suspended_ms = now_ms();
	suspended_add(w, c);
	MHD_suspend_connection(c->conn);
}

/* 1 when the slot still carries the stream this client asked for. */
int
http_client_stream_alive(struct worker *w, struct client *c)
{
	struct slot_cfg cfg;

	return state_slot_read(w->st, c->slot, &cfg) == 0 && cfg.in_use &&
	    strcmp(cfg.name, c->name) == 0;
}

/* The stream was stopped (ringcastctl stop, idle): end the response. */
int
http_client_stream_stopped(struct worker *w, struct client *c)
{
	return atomic_load(&w->st->streams[c->slot].ring_gen) == 0 &&
	    atomic_load(&w->st->streams[c->slot].state) == STREAM_STOPPED;
}

int
http_client_follow_ring(struct worker *w, struct client *c)
{
	struct ring_ref *rr = ring_ref_get(w, c->slot);
	uint64_t pos;

	if (rr == c->rr)
		return 0;
	if (rr == NULL || http_client_start_pos(c, rr, &pos) == -1)
		return -1;
	rr->refs++;
	ring_ref_put(w, c->rr);
	c->rr = rr;
	c->pos = pos;
	return 0;
}

/* Where a new reader should start in RR: 0 and *POS, or -1 (not yet). */
int
http_client_start_pos(struct client *c, struct ring_ref *rr, uint64_t *pos)
{
	struct ring_seg seg;
	uint64_t head;

	if (c->kind == CLIENT_HLS) {
		*pos = 0;
		return ring_segments(&rr->ring, &seg, 1) > 0 ? 0 : -1;
	}
	if (ring_latest_rap(&rr->ring, pos) == 0)
		return 0;
	head = ring_head(&rr->ring);
	if (head > 0 && now_ms() - c->started_ms >= HTTP_RAP_WAIT_MS) {
		*pos = head;	/* no keyframe found: join at the edge */
		return 0;
	}
	return -1;
}

struct client *
http_client_new(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, enum client_kind kind)
{
	struct client *c;
	uint32_t wait_ms = cfg->buffer_ready_timeout_ms;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (kind == CLIENT_HLS && cfg->hls_first_segment_timeout_ms > wait_ms)
		wait_ms = cfg->hls_first_segment_timeout_ms;
	c->w = w;
	c->conn = conn;
	c->slot = slot;
	c->kind = kind;
	str_copy(c->name, cfg->name, sizeof(c->name));
	c->started_ms = now_ms();
	c->deadline_ms = c->started_ms + (wait_ms ? wait_ms : 30000);
	http_peer_addr(conn, c->addr, sizeof(c->addr));
	return c;
}

/* Try to begin streaming: 1 started, 0 keep waiting, -1 give up. */
static int
client_try_start(struct worker *w, struct client *c)
{
	struct ring_ref *rr;
	uint64_t pos;

	if (c->rr != NULL)
		return 1;
	if (!http_client_stream_alive(w, c))
		return -1;
	if ((rr = ring_ref_get(w, c->slot)) != NULL &&
	    http_client_start_pos(c, rr, &pos) == 0) {
		rr->refs++;
		c->rr = rr;
		c->pos = pos;
		return 1;
	}
	if (now_ms() >= c->deadline_ms || atomic_load(&w->stopping))
		return -1;
	return 0;
}

/* Under w->lock: 1 ready, 0 suspended now, -1 gave up. */
int
http_client_wait(struct worker *w, struct client *c)
{
	int rc = client_try_start(w, c);

	if (rc == 0) {
		http_request_fetcher(w, c->slot);
		http_client_suspend(w, c);
	}
	return rc;
}

int
http_wait_stream(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, enum client_kind kind, void **con_cls)
{
	struct client *c = *con_cls;
	int rc;

	if (c == NULL) {
		if ((c = http_client_new(w, conn, slot, cfg, kind)) == NULL)
			return -1;
		pthread_mutex_lock(&w->lock);
		w->n_clients++;
		pthread_mutex_unlock(&w->lock);
		*con_cls = c;
	}
	pthread_mutex_lock(&w->lock);
	rc = http_client_wait(w, c);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

static void
http_client_completed(struct worker *w, struct client *c)
{
	pthread_mutex_lock(&w->lock);
	suspended_del(w, c);
	ring_ref_put(w, c->rr);
	c->rr = NULL;
	w->n_clients--;
	pthread_mutex_unlock(&w->lock);
	if (c->edge[0] != '\0')
		atomic_fetch_sub(&w->st->edges[w->row][c->slot], 1);
	if (c->counted) {
		atomic_fetch_sub(&w->st->clients[w->row][c->slot], 1);
		atomic_fetch_sub(&w->st->workers[w->row].clients, 1);
		if (c->announced)
			http_client_event(c, "client_disconnected");
	}
	if (c->done != NULL)
		c->done(w, c);
	free(c);
}

/* Under w->lock: can this suspended client make progress? */
static int
client_ready(struct worker *w, struct client *c)
{
	uint64_t gen;

	if (c->ending || atomic_load(&w->stopping))
		return 1;
	if (c->ready != NULL)
		return c->ready(w, c);
	if (c->kind == CLIENT_ADMIN || c->kind == CLIENT_CREATE)
		return c->admin_done || now_ms() >= c->deadline_ms;
	if (c->phase == CLIENT_WAIT_START)
		return now_ms() >= c->deadline_ms ||
		    client_try_start(w, c) != 0;
	gen = atomic_load(&w->st->streams[c->slot].ring_gen);
	return gen != c->rr->gen || ring_head(&c->rr->ring) != c->pos ||
	    http_client_stream_stopped(w, c) ||
	    atomic_load(&w->st->streams[c->slot].state) == STREAM_ENDED;
}

int
http_wake(struct worker *w, int max)
{
	struct client *c, *prev;
	uint64_t now = now_ms();
	int n = 0;

	for (c = w->suspended_tail; c != NULL; c = prev) {
		prev = c->prev;
		if (max > 0 && now - c->suspended_ms < HTTP_REVIVE_MS &&
		    !client_ready(w, c))
			continue;
		if (max > 0 && n == max)
			return 1;
		suspended_del(w, c);
		MHD_resume_connection(c->conn);
		n++;
	}
	return 0;
}

void
http_end_all(struct worker *w)
{
	struct client *c;

	pthread_mutex_lock(&w->lock);
	for (c = w->suspended; c != NULL; c = c->next)
		c->ending = 1;
	http_wake(w, 0);
	pthread_mutex_unlock(&w->lock);
}

/* The route for URL in TABLE (first match), or NULL. */
static const struct http_route *
http_route_find(const struct http_route *r, const char *url)
{
	for (; r->path != NULL; r++)
		if ((r->flags & HTTP_ROUTE_PREFIX) ?
		    strncmp(url, r->path, strlen(r->path)) == 0 :
		    strcmp(url, r->path) == 0)
			return r;
	return NULL;
}

static void	http_answer_early(struct worker *, struct MHD_Connection *,
		    const char *, const char *, const char *);

/*
 * Why a query of ~500 arguments used to get no answer at all, and the
 * connection sat idle until the 30 s connection timeout:
 *
 * libmicrohttpd (0.9.75, Debian 12; 0.9.77 is the same) parses the query
 * while it parses the request line (parse_initial_message_line), storing
 * each argument as a 64-byte record (struct MHD_HTTP_Header, aligned)
 * in the connection's memory pool, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
 * 32 KiB, that also holds the read buffer.  About 480 arguments exhaust
 * it.  The failing record add queues a 431 and moves the connection to
 * "sending headers", but parse_initial_message_line ignores the failure
 * (MHD_parse_arguments_'s result is not checked) and its caller then
 * sets the state to "URL received", overwriting it: the 431 is never
 * sent, the request is marked to be discarded, so libmicrohttpd neither
 * reads nor writes that connection again until it times out.  A larger
 * pool only moves the threshold: a request line that fits the read
 * buffer can always carry more one-byte arguments ("&&&...") than the
 * rest of the pool has records for.
 *
 * The cure is to look at the target before libmicrohttpd parses a single
 * argument: its URI callback (MHD_OPTION_URI_LOG_CALLBACK, this
 * function) is called with the raw target just before.  A target within
 * URI_MAX_BYTES and URI_MAX_ARGS (uri.h) always leaves the pool room for
 * its records.  One beyond cannot be answered through libmicrohttpd
 * (it accepts a response only once the headers are in, and may never
 * get there), so it is answered here, directly on the socket - nothing
 * has been sent on this connection since its previous response was
 * complete - and libmicrohttpd is left to drop the connection: at the
 * first call of the access handler when it survives the parse, or after
 * a 1 s timeout when it stalls.  The raw target is also where a "%00"
 * is still visible, before libmicrohttpd decodes the path into a C
 * string that it would cut short.
 */
void *
http_uri_check(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct worker *w = cls;
	enum uri_verdict v = uri_check(uri);

	if (v == URI_OK)
		return NULL;
	if (v == URI_BAD_PATH)
		return &request_bad_path;
	/* stalled or not, libmicrohttpd lets the connection go within 1 s */
	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, 1u);
	http_answer_early(w, conn, uri, "414 URI Too Long",
	    uri_verdict_text(v));
	return &request_answered;
}

/*
 * An answer written straight to the socket, for a request libmicrohttpd
 * cannot be asked to answer (see http_uri_check and http_first_bytes):
 * nothing else is in flight on the connection, libmicrohttpd drops it
 * afterwards.  JSON like every error; CORS as far as it can be decided
 * without the request's headers (PATH: its target, or NULL).
 */
static void
http_answer_early(struct worker *w, struct MHD_Connection *conn,
    const char *path, const char *status_line, const char *message)
{
	const union MHD_ConnectionInfo *ci;
	char list[STATE_CORS_MAX], head[512];
	struct cors_decision d;
	struct buf b;
	int n;

	if ((ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) == NULL)
		return;
	state_get_cors_origins(w->st, list, sizeof(list));
	cors_decide(list, NULL, path != NULL && strncmp(path, "/admin", 6) ==
	    0 ? CORS_ADMIN : CORS_PLAYER, &d);
	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "error", message);
	buf_puts(&b, "}\n");
	n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-cache\r\nConnection: close\r\n%s%s%s\r\n",
	    status_line, b.len,
	    d.allow_origin ? "Access-Control-Allow-Origin: " : "",
	    d.allow_origin ? d.allow_origin : "", d.allow_origin ? "\r\n" : "");
	if (!b.failed && n > 0 && (size_t)n < sizeof(head) &&
	    (send(ci->connect_fd, head, (size_t)n, MSG_NOSIGNAL |
	    MSG_DONTWAIT) != n || send(ci->connect_fd, b.data, b.len,
	    MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)b.len))
		log_debug("could not send \"%s\": %s", status_line,
		    strerror(errno));
	buf_free(&b);
}

/*
 * A first line with no method and target (no space in it, or a space
 * first: a bare word, a TLS handshake, binary) makes libmicrohttpd close
 * the connection before it calls anything of ours, without an answer
 * (0.9.75; 1.0 does the same on purpose for a line that does not start
 * with a known method).  So when a connection starts, its first bytes are
 * peeked at (they are usually there: the listening sockets defer accept
 * until data arrives, see listen_open) and, in exactly the case
 * libmicrohttpd would drop, a 400 goes out first.  Peeking takes nothing
 * from libmicrohttpd, which then reads the line and closes as before.
 */
void
http_first_bytes(struct worker *w, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	char buf[HTTP_PEEK_BYTES];
	ssize_t n;

	if ((ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) == NULL)
		return;
	n = recv(ci->connect_fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (n > 0 && uri_line_dropped(buf, (size_t)n))
		http_answer_early(w, conn, NULL, "400 Bad Request",
		    "not an HTTP request");
}

enum MHD_Result
http_dispatch(struct worker *w, struct MHD_Connection *conn, const char *url,
    const char *method, size_t *upload_data_size, void **con_cls)
{
	const struct http_route *r;
	int get;

	http_request_begin(w->st, conn, url);
	if (*con_cls == &request_answered)	/* see http_uri_check */
		return MHD_NO;
	if (*con_cls == &request_bad_path) {
		*con_cls = NULL;
		return http_error(conn, MHD_HTTP_BAD_REQUEST,
		    uri_verdict_text(URI_BAD_PATH));
	}
	if (*con_cls == NULL) {
		*con_cls = &request_seen;
		return MHD_YES;
	}
	if (*con_cls != &request_seen) {	/* a resumed, waiting client */
		struct client *c = *con_cls;

		if (w->routes->resume[c->kind] != NULL)
			return w->routes->resume[c->kind](w, conn, url, method,
			    con_cls);
		if ((r = http_route_find(w->routes->routes, url)) == NULL)
			return http_error(conn, MHD_HTTP_NOT_FOUND,
			    "not found");
		return r->handler(w, conn, url, method, con_cls);
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;	/* bodies are not used: discard */
		return MHD_YES;
	}
	*con_cls = NULL;
	atomic_fetch_add(&w->st->workers[w->row].requests, 1);
	r = http_route_find(w->routes->routes, url);
	get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	/* CORS preflight of a GET route (a route taking any method, the
	 * admin API, answers OPTIONS itself) */
	if (r != NULL && !(r->flags & HTTP_ROUTE_ANY_METHOD) &&
	    strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0)
		return http_preflight(conn);
	if (r == NULL && strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	if (!get && (r == NULL || !(r->flags & HTTP_ROUTE_ANY_METHOD)))
		return http_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed");
	if (r == NULL)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	return r->handler(w, conn, url, method, con_cls);
}

void
http_completed(struct worker *w, void **con_cls)
{
	if (*con_cls != NULL && *con_cls != &request_seen &&
	    *con_cls != &request_answered && *con_cls != &request_bad_path) {
		http_client_completed(w, *con_cls);
		*con_cls = NULL;
	}
}
