/*
 * http.c - the answers every route family gives, and what they tell the
 * supervisor; below the routes, the dispatcher and the worker process.
 *
 * Every response leaves through http_queue, which adds the CORS headers
 * (cors.h) for the current request, so a route gets them without doing
 * anything: scripts/check-layers lets only this file call
 * MHD_queue_response.  A response made once and queued for many requests
 * carries one of a few fixed CORS header sets instead (http_cors_fixed).
 * The current request (its class, for CORS) is noted per thread by the
 * dispatcher (dispatch.c) before any route runs.
 *
 * What the routes need from the worker process (its channel to the
 * supervisor, its row in the state segment) is data in struct worker, so
 * this file never calls the worker, the dispatcher or a route by name.
 * Waiting clients and ring mappings are client.c's.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string.h>
#include <strings.h>

#include "cors.h"
#include "http.h"
#include "log.h"
#include "msg.h"
#include "util.h"

enum MHD_Result
http_reply(struct MHD_Connection *conn, unsigned status,
    const char *content_type, const void *body, size_t len)
{
	return http_reply_hdr(conn, status, content_type, body, len, NULL,
	    NULL);
}

enum MHD_Result
http_reply_buf(struct MHD_Connection *conn, unsigned status,
    const char *content_type, struct buf *b, int rc)
{
	enum MHD_Result ret;

	if (rc == -1 || b->failed)
		ret = http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory");
	else
		ret = http_reply(conn, status, content_type, b->data, b->len);
	buf_free(b);
	return ret;
}

enum MHD_Result
http_reply_hdr(struct MHD_Connection *conn, unsigned status,
    const char *content_type, const void *body, size_t len,
    const char *hname, const char *hvalue)
{
	const char *hdrs[11], **h = hdrs;

	*h++ = "Content-Type";
	*h++ = content_type;
	if (hname != NULL) {
		*h++ = hname;
		*h++ = hvalue;
	}
	*h++ = "Cache-Control";
	*h++ = "no-cache";
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED && (hname == NULL ||
	    strcmp(hname, "Allow") != 0)) {
		*h++ = "Allow";
		*h++ = CORS_PLAYER_METHODS;
	}
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE &&
	    (hname == NULL || strcasecmp(hname, "Retry-After") != 0)) {
		*h++ = "Retry-After";
		*h++ = TUNING_STR(RETRY_AFTER_S);
	}
	*h = NULL;
	return http_send(conn, status, MHD_create_response_from_buffer(len,
	    (void *)body, MHD_RESPMEM_MUST_COPY), hdrs);
}

enum MHD_Result
http_unauthorized(struct MHD_Connection *conn)
{
	return http_error_hdr(conn, MHD_HTTP_UNAUTHORIZED,
	    "missing or wrong bearer token", "WWW-Authenticate", "Bearer");
}

int
http_error_json(struct buf *b, const char *message)
{
	buf_puts(b, "{");
	json_kv_str(b, "error", message);
	buf_puts(b, "}\n");
	return b->failed ? -1 : 0;
}

enum MHD_Result
http_error(struct MHD_Connection *conn, unsigned status, const char *message)
{
	return http_error_hdr(conn, status, message, NULL, NULL);
}

enum MHD_Result
http_error_hdr(struct MHD_Connection *conn, unsigned status,
    const char *message, const char *hname, const char *hvalue)
{
	enum MHD_Result ret = MHD_NO;
	struct buf b;

	buf_init(&b);
	if (http_error_json(&b, message) == 0)
		ret = http_reply_hdr(conn, status, "application/json", b.data,
		    b.len, hname, hvalue);
	buf_free(&b);
	return ret;
}

struct MHD_Response *
http_response_headers(struct MHD_Response *r, const char *const *hdrs,
    int f)
{
	if (r == NULL)
		return NULL;
	for (; hdrs != NULL && hdrs[0] != NULL; hdrs += 2)
		if (MHD_add_response_header(r, hdrs[0], hdrs[1]) != MHD_YES) {
			MHD_destroy_response(r);
			return NULL;
		}
	if (f >= 0 && http_cors_add_fixed(r, f) == -1) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

/*
 * The request this thread is answering.  libmicrohttpd runs every
 * callback of a connection on its daemon's thread, and a response can
 * only be queued from the access handler, so http_dispatch notes here
 * what http_queue() needs (the route class, for CORS) before any route
 * runs, and every route gets CORS without passing anything along; and
 * the user access control let the request in as (access.c), which the
 * player records name.
 */
static __thread struct {
	struct MHD_Connection	*conn;
	const struct state	*st;
	enum cors_class		 cls;
	char			 user[CLIENT_USER_MAX];	/* let in as */
	int			 user_max;	/* its max_connections */
} http_cur;

void
http_request_begin(const struct state *st, struct MHD_Connection *conn,
    const char *url)
{
	http_cur.conn = conn;
	http_cur.st = st;
	http_cur.cls = strncmp(url, "/admin", 6) == 0 ? CORS_ADMIN :
	    CORS_PLAYER;
	http_cur.user[0] = '\0';
	http_cur.user_max = 0;
}

void
http_request_user_set(struct MHD_Connection *conn, const char *user,
    int max)
{
	if (http_cur.conn != conn)
		return;
	str_copy(http_cur.user, user, sizeof(http_cur.user));
	http_cur.user_max = max;
}

const char *
http_request_user(struct MHD_Connection *conn)
{
	return http_cur.conn == conn ? http_cur.user : "";
}

int
http_request_user_max(struct MHD_Connection *conn)
{
	return http_cur.conn == conn ? http_cur.user_max : 0;
}

void
http_client_user_note(struct client *c, struct MHD_Connection *conn)
{
	str_copy(c->user, http_request_user(conn), sizeof(c->user));
	c->user_max = http_request_user_max(conn);
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

void
http_cors_drop_fixed(struct MHD_Response *resp[HTTP_CORS_SETS])
{
	int f;

	for (f = 0; f < HTTP_CORS_SETS; f++)
		if (resp[f] != NULL) {
			MHD_destroy_response(resp[f]);
			resp[f] = NULL;
		}
}

enum MHD_Result
http_queue_shared(struct MHD_Connection *conn, unsigned status,
    struct MHD_Response *r)
{
	return MHD_queue_response(conn, status, r);
}

enum MHD_Result
http_send(struct MHD_Connection *conn, unsigned status,
    struct MHD_Response *r, const char *const *hdrs)
{
	enum MHD_Result ret;

	if ((r = http_response_headers(r, hdrs, -1)) == NULL)
		return MHD_NO;
	ret = http_queue(conn, status, r);
	MHD_destroy_response(r);
	return ret;
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

int
http_conn_tls(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_DAEMON);
	const union MHD_DaemonInfo *di;

	if (ci == NULL || ci->daemon == NULL ||
	    (di = MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_FLAGS)) ==
	    NULL)
		return 0;
	return (di->flags & MHD_USE_TLS) != 0;
}

int
http_request_https(struct MHD_Connection *conn)
{
	const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-Forwarded-Proto");

	return http_conn_tls(conn) ||
	    (proto != NULL && strcasecmp(proto, "https") == 0);
}

void
http_url_scheme(struct MHD_Connection *conn, char *url, size_t urlsz)
{
	size_t len = strlen(url);

	if (strncmp(url, "http://", 7) != 0 || len + 2 > urlsz ||
	    !http_request_https(conn))
		return;
	memmove(url + 5, url + 4, len - 4 + 1);
	url[4] = 's';
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
http_event_client(struct worker *w, const struct http_client_ev *ev)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", ev->event);
	json_kv_str(&b, "stream", ev->stream);
	json_kv_str(&b, "client", ev->client);
	json_kv_str(&b, "kind", ev->kind);
	if (ev->edge != NULL && ev->edge[0] != '\0')
		json_kv_str(&b, "edge", ev->edge);
	if (ev->user != NULL && ev->user[0] != '\0')
		json_kv_str(&b, "user", ev->user);
	if (strcmp(ev->event, "client_disconnected") == 0) {
		json_kv_uint(&b, "bytes", ev->bytes);
		json_kv_double(&b, "seconds", ev->seconds);
	}
	buf_puts(&b, "}");
	if (!b.failed)
		http_event(w, b.data);
	buf_free(&b);
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

/* 1 when If-None-Match lists ETAG (or is "*"). */
int
http_not_modified(struct MHD_Connection *conn, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *p;
	size_t len = strlen(etag);

	if (inm == NULL)
		return 0;
	if (strcmp(inm, "*") == 0)
		return 1;
	for (p = inm; (p = strstr(p, etag)) != NULL; p += len)
		if ((p == inm || p[-1] == ' ' || p[-1] == ',' ||
		    (p - inm >= 2 && p[-2] == 'W' && p[-1] == '/')) &&
		    (p[len] == '\0' || p[len] == ',' || p[len] == ' '))
			return 1;
	return 0;
}
