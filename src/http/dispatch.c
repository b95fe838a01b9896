/*
 * dispatch.c - a request's way in: from the worker's libmicrohttpd
 * callbacks to the first route of the table (routes.c) whose path
 * matches, or a 404/405.
 *
 * libmicrohttpd closes the connection when a response is queued on the
 * first call, so the first call only marks the request seen and the
 * route answers on the second (keep-alive for playlists and segments).
 * A client that waited suspended is resumed into its kind's handler.
 *
 * Before any of that, libmicrohttpd hands each request's raw target to
 * http_uri_check (uri.h: a control byte in the path is a 400, a target
 * beyond the limits a 414 written at once), and a connection's first
 * bytes to http_first_bytes; those two early answers go straight to the
 * socket, the only ones that do not leave through http_queue (http.c),
 * because libmicrohttpd cannot be asked to send them.
 *
 * With access = "users" every call first gives access.c the request
 * (a /u/TOKEN/ prefix is cut off there, so each route sees its own
 * path), and a new request on a route that needs a credential is let
 * through only by access_check, before its route runs.
 *
 * Calls http.c (answers, the current request for CORS), access.c and
 * client.c (a completed client); the routes only through the table in
 * struct worker, so it never names a route or the worker.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "client.h"
#include "cors.h"
#include "dispatch.h"
#include "http.h"
#include "log.h"

/* *con_cls of a request seen once (see above). */
static char request_seen;
/* *con_cls that http_uri_check gives a request before any other call:
 * its path holds a control byte (answered 400 at once), or it was
 * already answered on the socket (the connection is dropped). */
static char request_bad_path;
static char request_answered;

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
	if (!http_conn_tls(conn))	/* no clear text inside TLS */
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
	(void)http_error_json(&b, message);	/* b.failed: checked below */
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
 * On a listen_tls address the first byte must open a TLS handshake;
 * anything else (plain HTTP, binary) gets the 400 in clear text before
 * GnuTLS fails the handshake and libmicrohttpd closes.
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
	if (n > 0 && http_conn_tls(conn)) {
		/* not a TLS handshake record: GnuTLS will drop it, but a
		 * plain-HTTP client is told why first (nothing of TLS has
		 * been sent yet, so clear text cannot confuse anyone) */
		if ((unsigned char)buf[0] != HTTP_TLS_HANDSHAKE)
			http_answer_early(w, conn, NULL, "400 Bad Request",
			    "this address speaks HTTPS: use https://");
		return;
	}
	if (n > 0 && uri_line_dropped(buf, (size_t)n))
		http_answer_early(w, conn, NULL, "400 Bad Request",
		    "not an HTTP request");
}

enum MHD_Result
http_dispatch(struct worker *w, struct MHD_Connection *conn, const char *url,
    const char *method, size_t *upload_data_size, void **con_cls)
{
	const struct http_route *r;
	enum MHD_Result ret;
	int get, bad;

	url = access_begin(conn, url, &bad);
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

		/* the user it was let in as (noted when it was made: its
		 * resumed calls are not checked again), for the player it
		 * becomes */
		http_request_user_set(conn, c->user, c->user_max);
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
	if (bad)	/* "/u//..." or a token too long for any */
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
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
	if (access_check(w, conn, url, r->flags, &ret) == -1)
		return ret;
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
