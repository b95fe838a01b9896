/*
 * supervisor.c - ringcastd's master process (see supervisor.h).
 *
 * Design: one poll(2) loop, nginx-style.  Signals arrive through a
 * signalfd, so handlers never run arbitrary code; children talk to us over
 * SOCK_SEQPACKET channels; the control socket is served from the same
 * loop.  This file is the loop: signals, the children's messages, reaping
 * (a dead child is respawned with backoff, and its stream's ring survives,
 * so clients carry on), timers, shutdown and the shared memory's creation
 * and removal (shm.c).  What the loop drives lives beside it (sup_private.h):
 * stream lifecycle (sup_stream.c), spawning and worker generations
 * (sup_procs.c), reload (sup_reload.c), events (sup_events.c), process
 * stats (sup_stats.c), the streams' history (sup_history.c), the
 * requests that wait for a dynamic stream (sup_create.c) and the managed
 * AceStream engines, children of this process too (sup_engines.c); none
 * of them calls back into this file.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channels_json.h"
#include "clients_view.h"
#include "log.h"
#include "msg.h"
#include "origins.h"
#include "proctitle.h"
#include "shm.h"
#include "status.h"
#include "supervisor.h"
#include "util.h"

#define SUP_POLL_MAX	(PROC_MAX + CONTROL_MAX_CLIENTS + \
			 CONFIG_MAX_MANAGED_ENGINES + 4)

static void	 sup_child_message(struct supervisor *, struct proc *);

/* ---- children ---- */

static void
sup_child_exited(struct supervisor *sv, struct proc *p, int status)
{
	uint64_t now = now_ms();
	int restart, index = p->index;
	enum proc_role role = p->role;
	char st[32];

	proc_status_str(status, st, sizeof(st));
	if (p->fd != -1)
		sup_child_message(sv, p);	/* what it said before dying */
	restart = !p->exiting && !sv->stopping;
	if (role == ROLE_FETCHER && sv->streams[index].ended)
		restart = 0;
	if (role == ROLE_FETCHER && sv->streams[index].conf == NULL)
		restart = 0;
	if (restart)
		log_warnx("%s %d (pid %d) died: %s; restarting",
		    proc_role_name(role), index, (int)p->pid, st);
	else
		log_debug("%s %d (pid %d) exited: %s", proc_role_name(role),
		    index, (int)p->pid, st);
	sup_event_exit(sv, p, status, restart);
	if (role == ROLE_WORKER)
		state_worker_reset(sv->st, index);
	else if (role == ROLE_FETCHER) {
		struct stream_conf *dyn = sv->streams[index].dyn;
		const struct origin_ops *o = dyn ? origin_get(dyn->origin) :
		    NULL;

		state_slot_repair(sv->st, index);
		if (o != NULL && o->fetcher_exited != NULL)
			o->fetcher_exited(sv->st, index, dyn);
	}
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
	}
	if (restart) {
		proc_schedule_respawn(p, now);
		p->restarts++;
		p->pid = 0;
		if (role == ROLE_FETCHER) {
			atomic_fetch_add(&sv->st->streams[index].fetcher_restarts,
			    1);
			atomic_store(&sv->st->streams[index].fetcher_pid, 0);
			atomic_store(&sv->st->streams[index].state,
			    STREAM_RETRYING);
		}
		return;
	}
	{
		enum end_reason reason = p->end_reason;

		if (role == ROLE_FETCHER && sv->streams[index].not_found)
			reason = END_NOT_FOUND;
		else if (role == ROLE_FETCHER && sv->streams[index].ended)
			reason = END_EOF;
		else if (reason == END_NONE)
			reason = sv->stopping ? END_SHUTDOWN : END_ERROR;
		proc_free(p);
		if (role == ROLE_FETCHER)
			sup_stream_finish(sv, index, reason);
		else if (role == ROLE_WORKER && !sv->stopping)
			sup_adjust_workers(sv);
		else if (role == ROLE_HELPER && !sv->stopping)
			sup_helpers_apply(sv);	/* one stopped to restart */
	}
}

static void
sup_reap(struct supervisor *sv)
{
	struct proc *p;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((p = proc_by_pid(&sv->procs, pid)) == NULL) {
			sup_engines_reaped(sv, pid, status);
			continue;
		}
		sup_child_exited(sv, p, status);
	}
}

/* An admin API request relayed by a worker: run it, answer by id. */
static void
sup_admin(struct supervisor *sv, struct proc *p, const struct msg *m)
{
	struct msg_admin req;
	struct msg_admin_reply reply;
	const char *cmd;
	char err[8192];
	size_t len;
	int rc = -1;

	if (msg_get_text(m, &req, sizeof(req), &cmd, &len) == -1 ||
	    len == 0 || len > MSG_ADMIN_CMD_MAX)
		return;
	err[0] = '\0';
	if (strcmp(cmd, "reload") == 0)
		rc = supervisor_reload(sv, err, sizeof(err));
	else if (strncmp(cmd, "stop ", 5) == 0)
		rc = supervisor_stream_stop(sv, cmd + 5, err, sizeof(err));
	else if (strncmp(cmd, "start ", 6) == 0)
		rc = supervisor_stream_start(sv, cmd + 6, err, sizeof(err));
	else if (strncmp(cmd, "drain ", 6) == 0)
		rc = sup_drain(sv, cmd + 6, 1, err, sizeof(err));
	else if (strncmp(cmd, "undrain ", 8) == 0)
		rc = sup_drain(sv, cmd + 8, 0, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "unknown admin command");
	reply.id = req.id;
	reply.ok = rc == 0;
	len = strnlen(err, MSG_ADMIN_TEXT_MAX);
	if (p->fd != -1 && msg_send_text(p->fd, MSG_ADMIN_REPLY, &reply,
	    sizeof(reply), err, len) == -1)
		log_warn("cannot answer an admin request");
}

static void
sup_child_message(struct supervisor *sv, struct proc *p)
{
	struct msg m;
	int32_t v;
	int n, i;

	for (i = 0; i < SUP_CHILD_MSGS_MAX; i++) {
		n = msg_recv(p->fd, &m);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EBADMSG)) {
			close(p->fd);	/* child closed; reaped via SIGCHLD */
			p->fd = -1;
			return;
		}
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			log_warnx("%s %d sent a malformed message",
			    proc_role_name(p->role), p->index);
			continue;
		}
		switch (m.type) {
		case MSG_EVENT:
			supervisor_event(sv, (const char *)m.payload);
			break;
		case MSG_STREAM_WANT:
			if (p->role == ROLE_WORKER && msg_get_int(&m, &v) == 0)
				sup_stream_want(sv, v);
			break;
		case MSG_STREAM_EOF:
			if (p->role == ROLE_FETCHER)
				sv->streams[p->index].ended = 1;
			break;
		case MSG_STREAM_NOT_FOUND:
			if (p->role == ROLE_FETCHER)
				sup_stream_not_found(sv, p->index);
			break;
		case MSG_ADMIN:
			if (p->role == ROLE_WORKER)
				sup_admin(sv, p, &m);
			break;
		case MSG_STREAM_CREATE:
			if (p->role == ROLE_WORKER)
				sup_create_request(sv, p, &m);
			break;
		case MSG_ORIGIN:
			if (p->role == ROLE_FETCHER)
				sup_origin_message(sv, p, &m);
			break;
		default:
			log_warnx("%s %d sent message type %u",
			    proc_role_name(p->role), p->index, m.type);
			break;
		}
	}
}

static void
sup_timers(struct supervisor *sv)
{
	uint64_t now = now_ms();
	int i;

	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_NONE)
			continue;
		if (p->pid == 0 && p->respawn_at_ms && now >= p->respawn_at_ms &&
		    !sv->stopping) {
			if (p->role == ROLE_WORKER)
				state_worker_reset(sv->st, p->index);
			sup_spawn(sv, p);
		}
		if (p->pid > 0 && p->kill_at_ms && now >= p->kill_at_ms) {
			log_warnx("%s %d (pid %d) did not stop; killing it",
			    proc_role_name(p->role), p->index, (int)p->pid);
			kill(p->pid, SIGKILL);
			p->kill_at_ms = 0;
		}
	}
	sup_create_tick(sv, now);
	sup_engines_tick(sv, now);
	if (!sv->stopping) {
		sup_lineup_check(sv);
		sup_idle_check(sv, now);
		sup_collect_stats(sv, now);
		sup_history_tick(sv, wall_ms());
	} else
		sup_helpers_shutdown(sv);
}

/* ---- signals and shutdown ---- */

static int
sup_signals(struct supervisor *sv)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	sv->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return sv->sigfd == -1 ? -1 : 0;
}

static void
sup_begin_shutdown(struct supervisor *sv)
{
	uint64_t now = now_ms();
	int i;

	if (sv->stopping)
		return;
	log_info("shutting down");
	sv->stopping = 1;
	sv->stop_deadline_ms = now + SUP_SHUTDOWN_MAX_MS;
	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_NONE || p->role == ROLE_HELPER)
			continue;	/* helpers: after the fetchers */
		if (p->role == ROLE_FETCHER)
			p->end_reason = END_SHUTDOWN;
		if (p->pid > 0)
			proc_stop(p, SUP_STOP_GRACE_MS, now);
		else {
			int slot = p->index;
			enum proc_role role = p->role;

			proc_free(p);
			if (role == ROLE_FETCHER)
				sup_stream_finish(sv, slot, END_SHUTDOWN);
		}
	}
}

static void
sup_signal_children(struct supervisor *sv, int sig)
{
	int i;

	for (i = 0; i < PROC_MAX; i++)
		if (sv->procs.procs[i].role != ROLE_NONE &&
		    sv->procs.procs[i].pid > 0)
			kill(sv->procs.procs[i].pid, sig);
}

static void
sup_handle_signals(struct supervisor *sv)
{
	struct signalfd_siginfo si;
	char err[256];

	while (read(sv->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			sup_reap(sv);
			break;
		case SIGHUP:
			log_info("SIGHUP: reloading %s", sv->config_path);
			if (!sv->stopping)
				supervisor_reload(sv, err, sizeof(err));
			break;
		case SIGTERM:
		case SIGINT:
			sup_begin_shutdown(sv);
			break;
		case SIGUSR1:
			if (log_reopen() == -1)
				log_warn("cannot reopen the log file");
			else
				log_info("log file reopened");
			sup_signal_children(sv, SIGUSR1);
			break;
		}
	}
}

static int
sup_children_left(struct supervisor *sv)
{
	int i;

	for (i = 0; i < PROC_MAX; i++)
		if (sv->procs.procs[i].role != ROLE_NONE &&
		    sv->procs.procs[i].pid > 0)
			return 1;
	return sup_engines_running(sv);
}

static void
sup_cleanup(struct supervisor *sv)
{
	int i;

	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role != ROLE_NONE && p->pid > 0) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, NULL, 0);
		}
	}
	sup_engines_cleanup(sv);
	sup_create_free(sv);
	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		if (sv->streams[i].ring_gen != 0)
			sup_stream_finish(sv, i, END_SHUTDOWN);
		if (sv->streams[i].dyn != NULL)
			sup_dynamic_free(sv, i);
	}
	control_close(&sv->ctl);
	state_detach(sv->st);
	state_unlink(sv->state_name);
	if (sv->events.hdr != NULL) {
		evring_close(&sv->events);
		evring_unlink(sv->events_name);
	}
	if (sv->metrics != NULL) {
		shm_detach(sv->metrics, sizeof(*sv->metrics));
		shm_remove(sv->metrics_name);
	}
	if (sv->pid_fd != -1) {
		unlink(sv->pid_file);
		close(sv->pid_fd);
	}
}

/* ---- the control socket's commands (control.c calls these) ---- */

static int
sup_ctl_reload(void *arg, char *err, size_t errsz)
{
	return supervisor_reload(arg, err, errsz);
}

static int
sup_ctl_start(void *arg, const char *name, char *err, size_t errsz)
{
	return supervisor_stream_start(arg, name, err, errsz);
}

static int
sup_ctl_stop(void *arg, const char *name, char *err, size_t errsz)
{
	return supervisor_stream_stop(arg, name, err, errsz);
}

static int
sup_ctl_status_json(void *arg, struct buf *b)
{
	const struct supervisor *sv = arg;
	struct channels_doc doc;
	char path[PATH_MAX], err[256];
	int rc;

	if (status_json(sv->st, b) == -1)
		return -1;
	if (sv->cfg->n_sources == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", sv->cfg->state_dir,
	    CHANNELS_DOC_FILE);
	if (channels_doc_load(path, &doc, err, sizeof(err)) == -1)
		return 0;	/* no lineup yet: no sources to show */
	rc = channels_status_sources(&doc, b);
	channels_doc_free(&doc);
	return rc;
}

static int
sup_ctl_status_text(void *arg, struct buf *b)
{
	const struct supervisor *sv = arg;

	return status_text(sv->st, b);
}

static int
sup_ctl_metrics_json(void *arg, const char *op, double window_s,
    struct buf *b)
{
	const struct supervisor *sv = arg;

	return metrics_json(sv->metrics, op, window_s, metrics_now_ms(), b);
}

/* `ringcastctl channels`: the lineup as GET /channels shows it. */
static int
sup_ctl_channels(void *arg, struct buf *b)
{
	const struct supervisor *sv = arg;
	struct channels_doc doc;
	char path[PATH_MAX], err[256];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", sv->cfg->state_dir,
	    CHANNELS_DOC_FILE);
	if (channels_doc_load(path, &doc, err, sizeof(err)) == -1 &&
	    errno != ENOENT) {
		log_warnx("lineup: %s", err);
		return -1;
	}
	rc = channels_json(&doc, sv->st, NULL, b);
	channels_doc_free(&doc);
	return rc;
}

static int
sup_ctl_drain(void *arg, const char *engine, int on, char *err, size_t errsz)
{
	return sup_drain(arg, engine, on, err, errsz);
}

/* `ringcastctl clients [STREAM]`: every player, from the state segment. */
static int
sup_ctl_clients(void *arg, const char *stream, int json, struct buf *b)
{
	const struct supervisor *sv = arg;

	if (!json)
		return clients_text(sv->st, stream, b);
	buf_puts(b, "{");
	if (clients_json(sv->st, stream, SIZE_MAX, b) == -1)
		return -1;
	buf_puts(b, "}");
	return b->failed ? -1 : 0;
}

/* `ringcastctl refresh [SOURCE]`: asks the source process. */
static int
sup_ctl_refresh(void *arg, const char *name, char *err, size_t errsz)
{
	struct supervisor *sv = arg;
	struct proc *p;
	int i;

	if (sv->cfg->n_sources == 0) {
		snprintf(err, errsz, "no sources are configured");
		return -1;
	}
	for (i = 0; name != NULL && i < sv->cfg->n_sources; i++)
		if (strcmp(sv->cfg->sources[i].name, name) == 0)
			break;
	if (name != NULL && i == sv->cfg->n_sources) {
		snprintf(err, errsz, "no source named %s", name);
		return -1;
	}
	p = proc_find(&sv->procs, ROLE_HELPER, STREAM_ORIGIN_LINEUP);
	if (p == NULL || p->fd == -1 || p->pid <= 0 ||
	    msg_send(p->fd, MSG_SOURCES_REFRESH, name ? name : "",
	    name ? strlen(name) : 0) == -1) {
		snprintf(err, errsz, "the source process is not running");
		return -1;
	}
	return 0;
}

static const char *
sup_ctl_signing_key(void *arg)
{
	const struct supervisor *sv = arg;

	return sv->cfg->url_signing_key != NULL ? sv->cfg->url_signing_key :
	    "";
}

static const struct control_ops sup_control_ops = {
	.reload = sup_ctl_reload,
	.start = sup_ctl_start,
	.stop = sup_ctl_stop,
	.status_json = sup_ctl_status_json,
	.status_text = sup_ctl_status_text,
	.metrics_json = sup_ctl_metrics_json,
	.channels_json = sup_ctl_channels,
	.refresh = sup_ctl_refresh,
	.clients = sup_ctl_clients,
	.drain = sup_ctl_drain,
	.signing_key = sup_ctl_signing_key,
};

/* ---- main loop ---- */

static void
sup_poll_once(struct supervisor *sv)
{
	struct pollfd pfd[SUP_POLL_MAX];
	struct proc *who[PROC_MAX];
	int i, n = 0, nproc = 0, nctl, neng, eng;

	pfd[n].fd = sv->sigfd;
	pfd[n++].events = POLLIN;
	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_NONE || p->fd == -1)
			continue;
		who[nproc++] = p;
		pfd[n].fd = p->fd;
		pfd[n++].events = POLLIN;
	}
	eng = n;
	neng = sup_engines_pollfds(sv, pfd + eng, SUP_POLL_MAX - eng);
	n += neng;
	nctl = control_pollfds(&sv->ctl, pfd + n, SUP_POLL_MAX - n);
	if (poll(pfd, (nfds_t)(n + nctl), SUP_TICK_MS) == -1) {
		if (errno != EINTR)
			log_warn("poll");
		return;
	}
	/* messages first: a fetcher's "ended" must be read before its exit */
	for (i = 0; i < nproc; i++)
		if (pfd[1 + i].revents && who[i]->fd == pfd[1 + i].fd)
			sup_child_message(sv, who[i]);
	sup_engines_output(sv, pfd + eng, neng);
	if (pfd[0].revents)
		sup_handle_signals(sv);
	control_handle(&sv->ctl, &sup_control_ops, sv, pfd + n, nctl);
	sup_timers(sv);
}

int
supervisor_run(struct supervisor *sv)
{
	int i;

	proctitle_set("ringcastd: supervisor");
	log_set_role("supervisor");
	if (sup_signals(sv) == -1) {
		log_warn("signalfd");
		return 1;
	}
	/* what dead supervisors left, and an earlier process of our pid */
	shm_sweep(SHM_PREFIX, getpid());
	state_shm_name(sv->state_name, sizeof(sv->state_name), getpid());
	if ((sv->st = state_create(sv->state_name)) == NULL) {
		log_warn("cannot create shared memory %s", sv->state_name);
		return 1;
	}
	metrics_shm_name(sv->metrics_name, sizeof(sv->metrics_name), getpid());
	if ((sv->metrics = metrics_create(sv->metrics_name)) == NULL) {
		log_warn("cannot create shared memory %s", sv->metrics_name);
		return 1;
	}
	evring_shm_name(sv->events_name, sizeof(sv->events_name), getpid());
	if (evring_create(&sv->events, sv->events_name,
	    (uint32_t)sv->cfg->events_backlog) == -1) {
		log_warn("cannot create shared memory %s", sv->events_name);
		return 1;
	}
	sv->started_ms = now_ms();
	for (i = 0; i < sv->n_listen; i++)
		sv->procs.keep_fds[sv->procs.n_keep++] = sv->listen_fds[i];
	sup_apply_daemon_settings(sv);
	sup_origins_configure(sv);
	sup_engines_sweep(sv);
	atomic_store(&sv->st->config_generation, 1);
	sup_webhook_apply(sv, NULL);
	sup_helpers_apply(sv);
	for (i = 0; i < sv->cfg->n_streams; i++)
		sup_add_stream(sv, &sv->cfg->streams[i]);
	sup_adjust_workers(sv);
	log_info("ringcastd %s started: %d workers, %d streams",
	    RINGCAST_VERSION, sv->workers_wanted, sv->cfg->n_streams);
	while (!sv->stopping || (sup_children_left(sv) &&
	    now_ms() < sv->stop_deadline_ms))
		sup_poll_once(sv);
	sup_cleanup(sv);
	log_info("stopped");
	return 0;
}
