/*
 * worker.c - a worker process: libmicrohttpd on the shared listening
 * sockets (one MHD daemon per socket, each with its own epoll thread).
 *
 * Request threads never block: a client with nothing to read is
 * suspended, and this process's main thread is the wake loop.  It sleeps
 * on the state segment's futex, which every fetcher bumps after a publish,
 * and resumes the suspended clients that can progress, a slice at a time
 * (see WORKER_WAKE_SLICE); it also resumes any client suspended for a
 * second so that MHD notices clients that went away, and it watches the
 * supervisor channel (a closed channel means the supervisor died: the
 * worker finishes).
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cors.h"
#include "log.h"
#include "msg.h"
#include "proctitle.h"
#include "supervisor.h"
#include "util.h"
#include "worker.h"

static volatile sig_atomic_t worker_sigterm;
static uint64_t worker_retire_at;	/* 0: not retiring */
/* *con_cls of a request seen once: libmicrohttpd closes the connection
 * when a response is queued on the first call, so we answer on the
 * second (keep-alive for playlists and segments). */
static char request_seen;

static void
worker_on_sigterm(int sig)
{
	(void)sig;
	worker_sigterm = 1;
}

void
worker_event(struct worker *w, const char *obj)
{
	if (msg_send(w->chan, MSG_EVENT, obj, strlen(obj)) == -1)
		atomic_fetch_add(&w->st->events_dropped, 1);
}

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
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, "Retry-After", "5");
	ret = http_queue(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * The request this thread is answering.  libmicrohttpd runs every
 * callback of a connection on its daemon's thread, and a response can
 * only be queued from the access handler, so the dispatcher notes here
 * what http_queue() needs (the route class, for CORS) before any route
 * runs, and every route gets CORS without passing anything along.
 */
static __thread struct {
	struct MHD_Connection	*conn;
	const struct state	*st;
	enum cors_class		 cls;
} http_cur;

void
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

/* CORS headers for the current request (a preflight gets the
 * Access-Control-Allow-* set, any other answer Expose-Headers). */
static int
http_cors_headers(struct MHD_Connection *conn, struct MHD_Response *r,
    int preflight)
{
	char list[STATE_CORS_MAX], allow[CORS_ALLOW_HEADERS_MAX];
	const char *origin = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, "Origin");
	struct cors_decision d;
	enum cors_class cls = CORS_ADMIN;	/* unknown: the strict rule */
	int rc = 0;

	list[0] = '\0';
	if (http_cur.conn == conn) {
		cls = http_cur.cls;
		state_get_cors_origins(http_cur.st, list, sizeof(list));
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

static enum MHD_Result
worker_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct worker *w = cls;
	char name[CONFIG_NAME_MAX + 1];
	int head, handled;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	http_request_begin(w->st, conn, url);
	if (*con_cls == NULL) {
		*con_cls = &request_seen;
		return MHD_YES;
	}
	if (*con_cls != &request_seen) {	/* a resumed, waiting client */
		struct client *c = *con_cls;

		if (c->kind == CLIENT_HLS)
			return http_hls_request(w, conn, url, con_cls);
		if (c->kind == CLIENT_ADMIN)
			return http_admin_request(w, conn, url, method,
			    con_cls);
		return http_stream_request(w, conn, NULL, 0, con_cls);
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;	/* bodies are not used: discard */
		return MHD_YES;
	}
	*con_cls = NULL;
	atomic_fetch_add(&w->st->workers[w->row].requests, 1);
	if (strncmp(url, "/admin/", 7) == 0)
		return http_admin_request(w, conn, url, method, con_cls);
	if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0)
		return http_preflight(conn);	/* CORS, any player route */
	head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (!head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return http_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed");
	if (strncmp(url, "/stream/", 8) == 0) {
		if (http_parse_stream_path(url, name, sizeof(name)) == -1)
			return http_error(conn, MHD_HTTP_NOT_FOUND,
			    "no such stream");
		return http_stream_request(w, conn, name, head, con_cls);
	}
	if (strncmp(url, "/hls/", 5) == 0)
		return http_hls_request(w, conn, url, con_cls);
	if (strcmp(url, "/events") == 0)
		return http_events_request(w, conn, head, con_cls);
	ret = http_ui_request(w, conn, url, head, &handled);
	if (handled)
		return ret;
	ret = http_info_request(w, conn, url, &handled);
	if (handled)
		return ret;
	return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}

static void
worker_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct worker *w = cls;

	(void)conn;
	(void)toe;
	if (*con_cls != NULL && *con_cls != &request_seen) {
		http_stream_completed(w, *con_cls);
		*con_cls = NULL;
	}
}

static void
worker_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}

/* Accept policy: at most max_clients_per_ip connections an address,
 * counted over every worker through the state segment. */
static enum MHD_Result
worker_accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct worker *w = cls;
	uint32_t limit = w->st->max_clients_per_ip;

	(void)len;
	if (limit == 0 || addr == NULL)
		return MHD_YES;
	if (state_ip_conns(w->st, state_ip_bucket(addr)) >= limit) {
		atomic_fetch_add(&w->st->workers[w->row].refused_per_ip, 1);
		return MHD_NO;
	}
	return MHD_YES;
}

static void
worker_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct worker *w = cls;
	const union MHD_ConnectionInfo *ci;
	uint32_t b;

	(void)socket_ctx;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	b = state_ip_bucket(ci->client_addr);
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&w->st->ip_conns[w->row][b], 1);
	else if (atomic_load(&w->st->ip_conns[w->row][b]) > 0)
		atomic_fetch_sub(&w->st->ip_conns[w->row][b], 1);
}

static int
worker_start_daemons(struct worker *w, const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		w->daemons[i] = MHD_start_daemon(
		    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
		    0, worker_accept_policy, w, worker_access, w,
		    MHD_OPTION_EXTERNAL_LOGGER, worker_mhd_log, w,
		    MHD_OPTION_NOTIFY_CONNECTION, worker_connection, w,
		    MHD_OPTION_LISTEN_SOCKET, fds[i],
		    MHD_OPTION_NOTIFY_COMPLETED, worker_completed, w,
		    MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned int)WORKER_CONN_TIMEOUT_S,
		    MHD_OPTION_END);
		if (w->daemons[i] == NULL)
			return -1;
		w->n_daemons++;
	}
	return 0;
}

/* A reload replaced us: accept nothing new, finish what we serve. */
static void
worker_retire(struct worker *w)
{
	int i;

	for (i = 0; i < w->n_daemons; i++) {
		int fd = MHD_quiesce_daemon(w->daemons[i]);

		if (fd != -1)
			close(fd);	/* the old address must stop answering */
	}
	worker_retire_at = now_ms() + WORKER_RETIRE_MS;
	atomic_store(&w->retiring, 1);	/* /events subscribers reconnect */
	proctitle_set("ringcastd: worker %d (retiring)", w->row + 1);
	log_info("retiring: no new connections, %d clients to finish",
	    w->n_clients);
}

static int
worker_retired(struct worker *w)
{
	int left;

	if (worker_retire_at == 0)
		return 0;
	pthread_mutex_lock(&w->lock);
	left = w->n_clients;
	pthread_mutex_unlock(&w->lock);
	return left == 0 || now_ms() >= worker_retire_at;
}

static void
worker_check_channel(struct worker *w)
{
	struct pollfd pfd = { w->chan, POLLIN, 0 };
	struct msg m;
	int n;

	if (poll(&pfd, 1, 0) <= 0)
		return;
	while ((n = msg_recv(w->chan, &m)) == 1) {
		if (m.type == MSG_SHUTDOWN)
			worker_sigterm = 1;
		else if (m.type == MSG_ADMIN_REPLY)
			http_admin_reply(w, &m);
		else if (m.type == MSG_QUIESCE && worker_retire_at == 0)
			worker_retire(w);
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EBADMSG))
		worker_sigterm = 1;
}

/* Under w->lock: sleep until a client is suspended or WORKER_WAKE_MS. */
static void
worker_idle_wait(struct worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)WORKER_WAKE_MS * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&w->first_waiter, &w->lock, &ts);
}

/* Under w->lock: how many clients one pass of the wake loop resumes. */
static int
worker_slice(const struct worker *w)
{
	int n = w->n_suspended / WORKER_WAKE_SLICES + 1;

	return n > WORKER_WAKE_SLICE ? n : WORKER_WAKE_SLICE;
}

static void
worker_loop(struct worker *w)
{
	uint64_t last_expire = now_ms();
	uint32_t seq;
	int idle, more;

	while (!worker_sigterm && !worker_retired(w)) {
		seq = state_notify_seq(w->st);
		pthread_mutex_lock(&w->lock);
		more = http_stream_wake(w, worker_slice(w));
		idle = w->suspended == NULL;
		if (idle)	/* nobody waits for data: no futex, no wake-ups */
			worker_idle_wait(w);
		pthread_mutex_unlock(&w->lock);
		if (now_ms() - last_expire >= WORKER_REVIVE_MS) {
			last_expire = now_ms();
			http_hls_expire(w);
		}
		if (worker_sigterm)
			break;
		if (more)	/* let libmicrohttpd serve this slice first */
			sleep_us(WORKER_SLICE_GAP_US);
		else if (!idle)
			state_wait(w->st, seq, WORKER_WAKE_MS);
		worker_check_channel(w);
	}
}

static void
worker_shutdown(struct worker *w)
{
	uint64_t until = now_ms() + WORKER_DRAIN_MS;
	int i, left;

	if (worker_retire_at == 0)
		for (i = 0; i < w->n_daemons; i++)
			MHD_quiesce_daemon(w->daemons[i]);
	atomic_store(&w->stopping, 1);
	do {
		http_stream_end_all(w);
		pthread_mutex_lock(&w->lock);
		left = w->n_clients;
		pthread_mutex_unlock(&w->lock);
		if (left > 0)
			sleep_ms(20);
	} while (left > 0 && now_ms() < until);
	pthread_mutex_lock(&w->lock);
	http_stream_wake(w, 0);	/* MHD_stop_daemon wants none suspended */
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < w->n_daemons; i++)
		MHD_stop_daemon(w->daemons[i]);
}

void
worker_main(struct proc *self, void *arg)
{
	struct supervisor *sv = arg;
	static struct worker w;
	struct sigaction sa;

	memset(&w, 0, sizeof(w));
	w.st = sv->st;
	w.metrics = sv->metrics;
	w.row = self->index;
	w.mslot = METRICS_SLOT_WORKER(w.row);
	w.chan = self->fd;
	pthread_mutex_init(&w.lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w.first_waiter, &ca);
		pthread_condattr_destroy(&ca);
	}
	proctitle_set("ringcastd: worker %d", w.row + 1);
	log_set_role("worker %d", w.row + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	atomic_store(&w.st->workers[w.row].pid, (int32_t)getpid());
	{
		char name[STATE_SHM_NAME_MAX];

		evring_shm_name(name, sizeof(name), w.st->supervisor_pid);
		if (evring_open(&w.events, name) == -1)
			log_warn("cannot map %s: /events is off", name);
	}
	if (worker_start_daemons(&w, sv->listen_fds, sv->n_listen) == -1)
		fatalx("cannot start the HTTP server");
	log_debug("serving");
	worker_loop(&w);
	worker_shutdown(&w);
	_exit(0);
}
