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
 *
 * A listen_tls socket gets a daemon with MHD_USE_TLS (GnuTLS) and the
 * certificate and key the supervisor read with the configuration (the
 * worker inherits the bytes at fork and never opens the files, so a key
 * only root may read serves after the privileges are dropped).  A reload
 * with another certificate starts a new worker generation, as a change of
 * addresses does (sup_reload.c).  Its clients' bodies go through
 * libmicrohttpd, which encrypts them, not through the TS sender.
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

#include "access.h"
#include "channels_doc.h"
#include "client.h"
#include "dispatch.h"
#include "fanout.h"
#include "http.h"
#include "log.h"
#include "msg.h"
#include "proctitle.h"
#include "proc.h"
#include "routes.h"
#include "util.h"
#include "worker.h"

static volatile sig_atomic_t worker_sigterm;
static uint64_t worker_retire_at;	/* 0: not retiring */

static void
worker_on_sigterm(int sig)
{
	(void)sig;
	worker_sigterm = 1;
}

static enum MHD_Result
worker_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	return http_dispatch(cls, conn, url, method, upload_data_size,
	    con_cls);
}

static void
worker_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	(void)toe;
	http_completed(cls, con_cls);
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
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		http_first_bytes(w, conn);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	b = state_ip_bucket(ci->client_addr);
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&w->st->ip_conns[w->row][b], 1);
	else if (atomic_load(&w->st->ip_conns[w->row][b]) > 0)
		atomic_fetch_sub(&w->st->ip_conns[w->row][b], 1);
}

/* What every daemon of a worker is given (W, its socket FD, LIMIT). */
#define WORKER_MHD_OPTIONS(w, fd, limit)				\
	MHD_OPTION_EXTERNAL_LOGGER, worker_mhd_log, (w),		\
	MHD_OPTION_NOTIFY_CONNECTION, worker_connection, (w),		\
	MHD_OPTION_LISTEN_SOCKET, (fd),					\
	MHD_OPTION_NOTIFY_COMPLETED, worker_completed, (w),		\
	MHD_OPTION_URI_LOG_CALLBACK, http_uri_check, (w),		\
	MHD_OPTION_CONNECTION_MEMORY_LIMIT,				\
	(size_t)HTTP_CONN_MEMORY_BYTES,					\
	MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)WORKER_CONN_TIMEOUT_S, \
	MHD_OPTION_CONNECTION_LIMIT, (limit)

/*
 * Connections one daemon takes: libmicrohttpd's default is FD_SETSIZE - 4
 * (1020) even with epoll, which would cap a worker far below max_clients;
 * the open-files limit, less what the process needs besides, is the real
 * bound.
 */
static unsigned int
worker_conn_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return WORKER_CONN_LIMIT_MAX;
	if (rl.rlim_cur <= WORKER_FD_RESERVE + WORKER_MHD_CONN_LIMIT)
		return WORKER_MHD_CONN_LIMIT;
	return rl.rlim_cur - WORKER_FD_RESERVE > WORKER_CONN_LIMIT_MAX ?
	    WORKER_CONN_LIMIT_MAX : (unsigned int)(rl.rlim_cur -
	    WORKER_FD_RESERVE);
}

/* One daemon on socket FD: HTTPS with CFG's certificate when TLS. */
static struct MHD_Daemon *
worker_start_daemon(struct worker *w, int fd, int tls,
    const struct config *cfg, unsigned int limit)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	if (!tls)
		return MHD_start_daemon(flags, 0, worker_accept_policy, w,
		    worker_access, w, WORKER_MHD_OPTIONS(w, fd, limit),
		    MHD_OPTION_END);
	return MHD_start_daemon(flags | MHD_USE_TLS, 0, worker_accept_policy,
	    w, worker_access, w, WORKER_MHD_OPTIONS(w, fd, limit),
	    MHD_OPTION_HTTPS_MEM_CERT, cfg->tls_cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key_pem,
	    MHD_OPTION_END);
}

/* A daemon a socket: CTX's last n_listen_tls sockets serve HTTPS. */
static int
worker_start_daemons(struct worker *w, const struct child_ctx *ctx)
{
	unsigned int limit = worker_conn_limit();
	int i, tls;

	for (i = 0; i < ctx->n_listen; i++) {
		tls = i >= ctx->n_listen - ctx->n_listen_tls;
		if (tls && (ctx->cfg->tls_cert_pem == NULL ||
		    ctx->cfg->tls_key_pem == NULL)) {
			log_warnx("HTTPS socket without a certificate");
			return -1;
		}
		w->daemons[i] = worker_start_daemon(w, ctx->listen_fds[i], tls,
		    ctx->cfg, limit);
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
		else if (m.type == MSG_QUIESCE) {
			if (worker_retire_at == 0)
				worker_retire(w);
		} else
			routes_message(w, &m);
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
		more = http_wake(w, worker_slice(w));
		idle = w->suspended == NULL;
		if (idle)	/* nobody waits for data: no futex, no wake-ups */
			worker_idle_wait(w);
		pthread_mutex_unlock(&w->lock);
		if (now_ms() - last_expire >= HTTP_REVIVE_MS) {
			last_expire = now_ms();
			routes_tick(w);
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

	/* Our copy of a listening socket goes at once: when the supervisor
	 * died, the last worker to close it makes new connections fail
	 * fast (a load balancer moves them) instead of queueing unserved. */
	if (worker_retire_at == 0)
		for (i = 0; i < w->n_daemons; i++) {
			int fd = MHD_quiesce_daemon(w->daemons[i]);

			if (fd != -1)
				close(fd);
		}
	atomic_store(&w->stopping, 1);
	do {
		http_end_all(w);
		pthread_mutex_lock(&w->lock);
		left = w->n_clients;
		pthread_mutex_unlock(&w->lock);
		if (left > 0)
			sleep_ms(WORKER_DRAIN_POLL_MS);
	} while (left > 0 && now_ms() < until);
	fanout_stop(w);		/* hands back the clients it still has */
	pthread_mutex_lock(&w->lock);
	http_wake(w, 0);	/* MHD_stop_daemon wants none suspended */
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < w->n_daemons; i++)
		MHD_stop_daemon(w->daemons[i]);
}

/* Map the supervisor's event backlog read-only for GET /events. */
static void
worker_open_events(struct worker *w)
{
	char name[STATE_SHM_NAME_MAX];

	evring_shm_name(name, sizeof(name), w->st->supervisor_pid);
	if (evring_open(&w->events, name) == -1)
		log_warn("cannot map %s: /events is off", name);
}

void
worker_main(struct proc *self, const struct child_ctx *ctx)
{
	static struct worker w;

	memset(&w, 0, sizeof(w));
	w.st = ctx->st;
	w.metrics = ctx->metrics;
	w.row = self->index;
	w.mslot = METRICS_SLOT_WORKER(w.row);
	w.chan = self->fd;
	w.routes = &routes_table;
	snprintf(w.channels_file, sizeof(w.channels_file), "%s/%s",
	    ctx->cfg->state_dir, CHANNELS_DOC_FILE);
	snprintf(w.epg_file, sizeof(w.epg_file), "%s/epg.xml",
	    ctx->cfg->state_dir);
	pthread_mutex_init(&w.lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w.first_waiter, &ca);
		pthread_condattr_destroy(&ca);
	}
	proc_child_init(worker_on_sigterm, "worker %d", w.row + 1);
	atomic_store(&w.st->workers[w.row].pid, (int32_t)getpid());
	if (access_start(&w, ctx->cfg, ctx->listen_fds, ctx->n_listen) == -1)
		fatalx("users_file: path too long");
	worker_open_events(&w);
	if (fanout_start(&w) == -1)
		log_warnx("TS bodies go through libmicrohttpd");
	if (worker_start_daemons(&w, ctx) == -1)
		fatalx("cannot start the HTTP server");
	log_debug("serving");
	worker_loop(&w);
	worker_shutdown(&w);
	_exit(0);
}
