/*
 * supervisor.c - ringcastd's master process (see supervisor.h).
 *
 * Design: one poll(2) loop, nginx-style.  Signals arrive through a
 * signalfd, so handlers never run arbitrary code; children talk to us over
 * SOCK_SEQPACKET channels; the control socket is served from the same
 * loop.  Per-stream lifecycle lives here: a fetcher is started at start-up
 * (on_demand = false) or when a worker asks, stopped after idle_timeout
 * without clients, respawned with backoff when it dies (its ring survives,
 * so clients carry on), and its ring is unlinked when the stream stops.
 * Reloads are transactional: a new file is parsed and validated in full
 * before anything changes, then streams are diffed and only added,
 * removed and changed ones are touched.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <sys/mman.h>

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "json.h"
#include "log.h"
#include "msg.h"
#include "origins.h"
#include "proctitle.h"
#include "ring.h"
#include "status.h"
#include "supervisor.h"
#include "util.h"
#include "webhook.h"
#include "worker.h"

#define SUP_POLL_MAX	(PROC_MAX + CONTROL_MAX_CLIENTS + 4)

static void	 sup_stream_finish(struct supervisor *, int slot,
		    enum end_reason);
static int	 sup_stream_begin(struct supervisor *, int slot);
static void	 sup_child_message(struct supervisor *, struct proc *);
static void	 sup_collect_stats(struct supervisor *, uint64_t);
static void	 sup_drop_ring(struct supervisor *, int slot);
static int	 sup_spawn(struct supervisor *, struct proc *);
static void	 sup_retire_worker(struct proc *);
static void	 sup_dynamic_free(struct supervisor *, int slot);
static void	 sup_helpers_apply(struct supervisor *);
static int	 sup_slot_by_name(struct supervisor *, const char *name);
static int	 sup_free_slot(struct supervisor *);
static void	 sup_stream_want(struct supervisor *, int32_t slot);
static void	 sup_stream_set_conf(struct supervisor *, int slot,
		    const struct stream_conf *);

const char *
end_reason_name(enum end_reason r)
{
	switch (r) {
	case END_IDLE:		return "idle";
	case END_EOF:		return "eof";
	case END_ERROR:		return "error";
	case END_STOPPED:	return "stopped";
	case END_RELOAD:	return "reload";
	case END_SHUTDOWN:	return "shutdown";
	case END_NOT_FOUND:	return "not_found";
	case END_NONE:		break;
	}
	return "error";
}

/* Hand an event to the webhook process, if any (never blocks). */
static void
sup_webhook_forward(struct supervisor *sv, const char *obj, size_t len)
{
	struct proc *p = proc_find(&sv->procs, ROLE_WEBHOOK, 0);

	if (p == NULL || p->fd == -1 || p->pid <= 0)
		return;
	if (msg_send(p->fd, MSG_EVENT, obj, len) == -1)
		atomic_fetch_add(&sv->st->events_dropped, 1);
}

/* Start, stop or restart the webhook process to match the config. */
static void
sup_webhook_apply(struct supervisor *sv, const char *old_url)
{
	struct proc *p = proc_find(&sv->procs, ROLE_WEBHOOK, 0);
	const char *url = sv->cfg->events_webhook;
	int want = url != NULL && url[0] != '\0';

	if (p != NULL && (!want || old_url == NULL ||
	    strcmp(old_url, url) != 0)) {
		if (p->pid > 0)
			proc_stop(p, SUP_STOP_GRACE_MS, now_ms());
		else
			proc_free(p);
		p = NULL;
	}
	if (want && p == NULL && !sv->stopping &&
	    (p = proc_alloc(&sv->procs, ROLE_WEBHOOK, 0)) != NULL) {
		sup_spawn(sv, p);
		log_info("events webhook: posting to %s", url);
	}
}

/* Append an event line (without its newline) to the /events backlog and
 * wake the workers that serve it (never blocks). */
static void
sup_events_publish(struct supervisor *sv, const char *line, size_t len)
{
	char name[EVRING_NAME_MAX];

	if (sv->events.hdr == NULL)
		return;
	evring_event_name(line, name, sizeof(name));
	if (evring_publish(&sv->events, name, line, len) == 0) {
		log_warnx("event %s (%zu bytes) too long for /events", name,
		    len);
		atomic_fetch_add(&sv->st->events_dropped, 1);
		return;
	}
	state_notify(sv->st);
}

void
supervisor_event(struct supervisor *sv, const char *obj)
{
	uint64_t start = metrics_start();
	char ts[UTIL_RFC3339_MAX];
	struct buf line;
	int ok;
	size_t n = strlen(obj);

	if (n < 2 || obj[0] != '{' || obj[n - 1] != '}') {
		log_warnx("malformed event dropped");
		return;
	}
	format_rfc3339_ms(wall_ms(), ts);
	buf_init(&line);
	buf_puts(&line, "{\"time\":\"");
	buf_puts(&line, ts);
	buf_puts(&line, "\"");
	if (n > 2)
		buf_puts(&line, ",");
	buf_append(&line, obj + 1, n - 1);
	buf_puts(&line, "\n");
	if (!line.failed) {
		log_debug("event %.*s", (int)line.len - 1, line.data);
		control_broadcast(&sv->ctl, line.data, line.len);
		sup_webhook_forward(sv, line.data, line.len - 1);
		line.data[line.len - 1] = '\0';
		sup_events_publish(sv, line.data, line.len - 1);
	}
	ok = !line.failed;
	buf_free(&line);
	metrics_end(sv->metrics, METRICS_SLOT_SUPERVISOR,
	    METRICS_EVENT_DISPATCH, start, ok);
}

static void
sup_event_stream(struct supervisor *sv, const char *event, int slot,
    const char *reason)
{
	const struct sup_stream *ss = &sv->streams[slot];
	struct buf b;

	if (ss->name[0] == '\0')
		return;
	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", event);
	json_kv_str(&b, "stream", ss->name);
	json_kv_str(&b, "type", config_stream_type_name(ss->type));
	json_kv_str(&b, "url", ss->url);
	json_kv_int(&b, "pid", atomic_load(&sv->st->streams[slot].fetcher_pid));
	if (reason != NULL)
		json_kv_str(&b, "reason", reason);
	if (ss->dyn != NULL) {
		const struct origin_ops *o = origin_get(ss->dyn->origin);

		if (o != NULL && o->event_fields != NULL)
			o->event_fields(sv->st, slot, ss->dyn, &b);
	}
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

/* ---- workers ---- */

static int
sup_free_worker_row(struct supervisor *sv)
{
	int w;

	for (w = 0; w < STATE_MAX_WORKERS; w++)
		if (proc_find(&sv->procs, ROLE_WORKER, w) == NULL &&
		    atomic_load(&sv->st->workers[w].pid) == 0)
			return w;
	return -1;
}

static void
sup_webhook_child(struct proc *self, const struct child_ctx *ctx)
{
	webhook_main(self->fd, ctx->cfg->events_webhook,
	    ctx->cfg->defaults.user_agent, ctx->st);
}

/* An origin's helper process (origin.h); p->index is the origin. */
static void
sup_helper_child(struct proc *self, const struct child_ctx *ctx)
{
	const struct origin_ops *o = origin_get((unsigned)self->index);

	if (o == NULL || o->helper_main == NULL)
		_exit(1);
	o->helper_main(self, ctx);
	_exit(0);
}

/* Streams of ORIGIN that are still there (running or ending). */
static int
sup_origin_streams(struct supervisor *sv, unsigned origin)
{
	int i, n = 0;

	for (i = 0; i < STATE_MAX_STREAMS; i++)
		if (sv->streams[i].dyn != NULL &&
		    sv->streams[i].dyn->origin == (enum stream_origin)origin)
			n++;
	return n;
}

/*
 * Start or stop the origins' helper processes to match the config; a
 * helper the config no longer wants stays until its origin's last stream
 * is gone (it may have to clean up after a fetcher that was killed).
 */
static void
sup_helpers_apply(struct supervisor *sv)
{
	const struct origin_ops *o;
	struct proc *p;
	unsigned i;
	int want;

	for (i = 0; i < STREAM_ORIGIN_MAX; i++) {
		o = origin_get(i);
		want = o != NULL && o->helper_main != NULL &&
		    o->helper_wanted != NULL && !sv->stopping &&
		    (o->helper_wanted(sv->cfg) || sup_origin_streams(sv, i) > 0);
		p = proc_find(&sv->procs, ROLE_HELPER, (int)i);
		if (p != NULL && !want && !p->exiting) {
			if (p->pid > 0)
				proc_stop(p, SUP_STOP_GRACE_MS, now_ms());
			else
				proc_free(p);
		} else if (p == NULL && want &&
		    (p = proc_alloc(&sv->procs, ROLE_HELPER, (int)i)) != NULL) {
			sup_spawn(sv, p);
			log_info("%s helper process started", o->name);
		}
	}
}

/* Shutdown: helpers go once the last fetcher is gone (they may have to
 * clean up after a fetcher that had to be killed). */
static void
sup_helpers_shutdown(struct supervisor *sv)
{
	int i;

	for (i = 0; i < PROC_MAX; i++)
		if (sv->procs.procs[i].role == ROLE_FETCHER)
			return;
	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role != ROLE_HELPER || p->exiting)
			continue;
		if (p->pid > 0)
			proc_stop(p, SUP_STOP_GRACE_MS, now_ms());
		else
			proc_free(p);
	}
}

static int
sup_spawn(struct supervisor *sv, struct proc *p)
{
	proc_child_fn fn = p->role == ROLE_WORKER ? worker_main :
	    p->role == ROLE_FETCHER ? fetcher_main :
	    p->role == ROLE_HELPER ? sup_helper_child : sup_webhook_child;
	struct child_ctx ctx = {
		.cfg = sv->cfg, .st = sv->st, .metrics = sv->metrics,
		.start_dir = sv->start_dir, .listen_fds = sv->listen_fds,
		.n_listen = sv->n_listen,
	};

	if (p->role == ROLE_FETCHER) {
		ctx.stream = sv->streams[p->index].conf;
		ctx.ring_gen = sv->streams[p->index].ring_gen;
	}

	if (p->role == ROLE_WEBHOOK || p->role == ROLE_HELPER) {
		if (proc_spawn(&sv->procs, p, fn, &ctx) == -1) {
			log_warn("cannot fork the %s process",
			    proc_role_name(p->role));
			p->respawn_at_ms = now_ms() + p->backoff_ms;
			return -1;
		}
		return 0;
	}

	metrics_proc_reset(sv->metrics, p->role == ROLE_WORKER ?
	    METRICS_SLOT_WORKER(p->index) : METRICS_SLOT_FETCHER(p->index));

	if (proc_spawn(&sv->procs, p, fn, &ctx) == -1) {
		log_warn("cannot fork %s", proc_role_name(p->role));
		p->respawn_at_ms = now_ms() + p->backoff_ms;
		return -1;
	}
	if (p->role == ROLE_WORKER)
		atomic_store(&sv->st->workers[p->index].pid, (int32_t)p->pid);
	else
		atomic_store(&sv->st->streams[p->index].fetcher_pid,
		    (int32_t)p->pid);
	log_debug("%s %d started, pid %d", proc_role_name(p->role), p->index,
	    (int)p->pid);
	return 0;
}

static int
sup_start_worker(struct supervisor *sv)
{
	int row = sup_free_worker_row(sv);
	struct proc *p;

	if (row == -1 || (p = proc_alloc(&sv->procs, ROLE_WORKER, row)) == NULL) {
		log_warnx("no room for another worker");
		return -1;
	}
	state_worker_reset(sv->st, row);
	return sup_spawn(sv, p);
}

static int
sup_count_workers(struct supervisor *sv, int include_exiting)
{
	int i, n = 0;

	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_WORKER && (include_exiting || !p->exiting))
			n++;
	}
	return n;
}

static void
sup_adjust_workers(struct supervisor *sv)
{
	int i, n = sup_count_workers(sv, 0);

	for (; n < sv->workers_wanted; n++)
		if (sup_start_worker(sv) == -1)
			break;
	for (i = PROC_MAX - 1; i >= 0 && n > sv->workers_wanted; i--) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_WORKER && !p->exiting) {
			sup_retire_worker(p);
			n--;
		}
	}
}

/* Let a worker finish its clients: it stops accepting and exits when
 * they are gone (or after WORKER_RETIRE_MS); it is not respawned. */
static void
sup_retire_worker(struct proc *p)
{
	p->exiting = 1;
	if (p->pid <= 0 || p->fd == -1 ||
	    msg_send(p->fd, MSG_QUIESCE, NULL, 0) == -1)
		proc_stop(p, SUP_STOP_GRACE_MS, now_ms());
	else
		log_info("worker %d (pid %d) retiring after its clients",
		    p->index + 1, (int)p->pid);
}

/* Open the new listening sockets, start a worker generation on them and
 * retire the old one.  -1 (nothing changed) when one cannot be opened. */
static int
sup_relisten(struct supervisor *sv, const struct config *cfg)
{
	int fds[CONFIG_MAX_LISTEN], i, n;

	for (n = 0; n < cfg->n_listen; n++) {
		if ((fds[n] = listen_open(cfg->listen[n], SUP_LISTEN_BACKLOG))
		    == -1) {
			log_warn("reload: cannot listen on %s; keeping the"
			    " current addresses", cfg->listen[n]);
			while (n-- > 0)
				close(fds[n]);
			return -1;
		}
	}
	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_WORKER && !p->exiting)
			sup_retire_worker(p);
	}
	for (i = 0; i < sv->n_listen; i++)
		close(sv->listen_fds[i]);	/* the retiring keep theirs */
	sv->procs.n_keep = 0;
	for (i = 0; i < n; i++) {
		sv->listen_fds[i] = fds[i];
		sv->procs.keep_fds[sv->procs.n_keep++] = fds[i];
	}
	sv->n_listen = n;
	log_info("reload: now listening on %d new address(es)", n);
	return 0;
}

/* ---- streams ---- */

static int
sup_stream_running(struct supervisor *sv, int slot)
{
	return proc_find(&sv->procs, ROLE_FETCHER, slot) != NULL;
}

static int
sup_stream_begin(struct supervisor *sv, int slot)
{
	struct sup_stream *ss = &sv->streams[slot];
	struct stream_slot *s = &sv->st->streams[slot];
	char name[STATE_SHM_NAME_MAX];
	struct proc *p;
	uint64_t gen;

	if (ss->conf == NULL || sup_stream_running(sv, slot))
		return 0;
	if (ss->ring_gen == 0) {
		gen = ++sv->next_gen;
		ring_shm_name(name, sizeof(name), getpid(), slot, gen);
		if (ring_create(name, (uint64_t)ss->conf->opts.ring_size,
		    gen) == -1) {
			log_warn("stream %s: cannot create ring %s",
			    ss->conf->name, name);
			return -1;
		}
		ss->ring_gen = gen;
		atomic_store(&s->ring_gen, gen);
	}
	if ((p = proc_alloc(&sv->procs, ROLE_FETCHER, slot)) == NULL) {
		log_warnx("stream %s: no room for a fetcher", ss->conf->name);
		return -1;
	}
	ss->ended = 0;
	ss->not_found = 0;
	ss->idle_since_ms = 0;
	atomic_store(&s->state, STREAM_STARTING);
	atomic_store(&s->healthy, 0);
	atomic_store(&s->want_start, 0);
	atomic_store(&s->started_wall_ms, wall_ms());
	state_slot_set_info(sv->st, slot, ss->conf->url, "");
	if (sup_spawn(sv, p) == -1)
		return -1;
	log_info("stream %s: started fetcher pid %d", ss->conf->name,
	    (int)p->pid);
	sup_event_stream(sv, "stream_started", slot, NULL);
	return 0;
}

/* Ask the stream's fetcher to stop; the stream finishes when it is reaped. */
static void
sup_stream_end(struct supervisor *sv, int slot, enum end_reason reason)
{
	struct proc *p = proc_find(&sv->procs, ROLE_FETCHER, slot);

	if (p == NULL) {
		if (sv->streams[slot].ring_gen != 0)
			sup_stream_finish(sv, slot, reason);
		return;
	}
	p->end_reason = reason;
	if (p->pid > 0)
		proc_stop(p, SUP_STOP_GRACE_MS, now_ms());
	else
		proc_free(p);	/* waiting for a respawn: just drop it */
	if (p->role == ROLE_NONE)
		sup_stream_finish(sv, slot, reason);
}

static void
sup_drop_ring(struct supervisor *sv, int slot)
{
	struct sup_stream *ss = &sv->streams[slot];
	char name[STATE_SHM_NAME_MAX];

	if (ss->ring_gen == 0)
		return;
	ring_shm_name(name, sizeof(name), getpid(), slot, ss->ring_gen);
	if (ring_unlink(name) == -1 && errno != ENOENT)
		log_warn("shm_unlink %s", name);
	ss->ring_gen = 0;
	atomic_store(&sv->st->streams[slot].ring_gen, 0);
	atomic_store(&sv->st->streams[slot].ended, 0);
}

/* ---- dynamic streams (origin.h) ---- */

/* A dynamic stream ended: its origin lets go, its conf and slot go. */
static void
sup_dynamic_free(struct supervisor *sv, int slot)
{
	struct sup_stream *ss = &sv->streams[slot];
	const struct origin_ops *o = origin_get(ss->dyn->origin);

	if (o != NULL && o->ended != NULL)
		o->ended(sv->st, slot, ss->dyn);
	if (ss->ring_gen != 0)
		sup_drop_ring(sv, slot);
	config_stream_destroy(ss->dyn);
	ss->dyn = NULL;
	ss->conf = NULL;
	ss->manual_stop = 0;
	ss->pending_start = 0;
	sup_helpers_apply(sv);	/* the last stream of a removed origin */
}

static void
sup_create_reply(struct supervisor *sv, struct proc *p, uint32_t id,
    int slot, const struct origin_refusal *r)
{
	uint8_t buf[sizeof(struct msg_create_reply) + ORIGIN_REASON_MAX];
	struct msg_create_reply h;
	size_t n = 0;

	h.id = id;
	h.slot = slot;
	h.status = r != NULL ? r->status : 200;
	h.retry_after_s = r != NULL ? r->retry_after_s : 0;
	memcpy(buf, &h, sizeof(h));
	if (r != NULL) {
		n = strnlen(r->reason, sizeof(r->reason) - 1);
		memcpy(buf + sizeof(h), r->reason, n);
	}
	if (p->fd != -1 && msg_send(p->fd, MSG_STREAM_CREATE_REPLY, buf,
	    sizeof(h) + n) == -1)
		log_warn("cannot answer a stream request of worker %d",
		    p->index + 1);
}

static void
sup_refuse(struct origin_refusal *r, unsigned status, unsigned retry,
    const char *reason)
{
	r->status = status;
	r->retry_after_s = retry;
	str_copy(r->reason, reason, sizeof(r->reason));
}

/*
 * Find or make the stream for (ORIGIN, KEY): its slot, running or
 * starting, or -1 with *R filled.  A key that already has a stream joins
 * it: one stream a key however many players ask at once.
 */
static int
sup_stream_create(struct supervisor *sv, unsigned origin, const char *key,
    struct origin_refusal *r)
{
	const struct origin_ops *o = origin_get(origin);
	struct stream_conf *sc;
	int slot;

	if (o == NULL || o->create == NULL) {
		sup_refuse(r, 404, 0, "no such stream");
		return -1;
	}
	if ((o->key_valid != NULL && !o->key_valid(key)) ||
	    !config_name_valid(key)) {
		sup_refuse(r, 400, 0, "malformed stream key");
		return -1;
	}
	if (sv->stopping) {
		sup_refuse(r, 503, 5, "the server is shutting down");
		return -1;
	}
	if ((slot = sup_slot_by_name(sv, key)) != -1) {
		struct proc *p = proc_find(&sv->procs, ROLE_FETCHER, slot);

		if (sv->streams[slot].dyn == NULL ||
		    sv->streams[slot].dyn->origin != origin) {
			sup_refuse(r, 409, 0, "a configured stream has this"
			    " name");
			return -1;
		}
		/* ending for want of players: a new one restarts it */
		if (p != NULL && p->exiting && p->end_reason == END_IDLE)
			sv->streams[slot].pending_start = 1;
		sup_stream_want(sv, slot);
		return slot;
	}
	if ((slot = sup_free_slot(sv)) == -1) {
		sup_refuse(r, 503, 10, "no free stream slot");
		return -1;
	}
	memset(r, 0, sizeof(*r));
	if ((sc = o->create(sv->st, sv->cfg, key, slot, r)) == NULL) {
		if (r->status == 0)
			sup_refuse(r, 503, 5, "cannot create the stream");
		return -1;
	}
	sc->origin = (enum stream_origin)origin;
	memset(&sv->streams[slot], 0, sizeof(sv->streams[slot]));
	state_slot_clear(sv->st, slot);
	sv->streams[slot].dyn = sc;
	sup_stream_set_conf(sv, slot, sc);
	log_info("stream %s: created (%s)", sc->name, o->name);
	if (sup_stream_begin(sv, slot) == -1) {
		sup_stream_finish(sv, slot, END_ERROR);
		sup_refuse(r, 503, 5, "cannot start the stream");
		return -1;
	}
	return slot;
}

/* MSG_STREAM_CREATE from worker P: answer it at once. */
static void
sup_create_request(struct supervisor *sv, struct proc *p, const struct msg *m)
{
	char key[CONFIG_NAME_MAX + 1];
	struct origin_refusal r;
	struct msg_create h;
	size_t klen;
	int slot;

	if (m->len < sizeof(h) || (klen = m->len - sizeof(h)) == 0 ||
	    klen > CONFIG_NAME_MAX) {
		log_warnx("worker %d sent a malformed stream request",
		    p->index + 1);
		if (m->len >= sizeof(h)) {
			memcpy(&h, m->payload, sizeof(h));
			sup_refuse(&r, 400, 0, "malformed stream key");
			sup_create_reply(sv, p, h.id, -1, &r);
		}
		return;
	}
	memcpy(&h, m->payload, sizeof(h));
	memcpy(key, m->payload + sizeof(h), klen);
	key[klen] = '\0';
	memset(&r, 0, sizeof(r));
	slot = sup_stream_create(sv, h.origin, key, &r);
	if (slot == -1)
		log_info("stream %s refused: %u %s", key, r.status, r.reason);
	sup_create_reply(sv, p, h.id, slot, slot == -1 ? &r : NULL);
}

/* SLOT's fetcher found its stream nowhere: it ends, its origin knows. */
static void
sup_stream_not_found(struct supervisor *sv, int slot)
{
	struct sup_stream *ss = &sv->streams[slot];
	const struct origin_ops *o;

	if (ss->conf == NULL || !ss->conf->not_found_ends)
		return;
	ss->ended = 1;
	ss->not_found = 1;
	if (ss->dyn != NULL && (o = origin_get(ss->dyn->origin)) != NULL &&
	    o->not_found != NULL)
		o->not_found(sv->st, slot, ss->dyn);
}

/* MSG_ORIGIN from the fetcher P of a dynamic stream: its origin answers. */
static void
sup_origin_message(struct supervisor *sv, struct proc *p, const struct msg *m)
{
	struct sup_stream *ss = &sv->streams[p->index];
	const struct origin_ops *o;
	char reply[MSG_MAX_PAYLOAD];
	int n;

	if (ss->dyn == NULL || (o = origin_get(ss->dyn->origin)) == NULL ||
	    o->fetcher_message == NULL) {
		log_warnx("fetcher %d sent a message for no origin", p->index);
		return;
	}
	n = o->fetcher_message(sv->st, sv->cfg, p->index, ss->dyn, m->payload,
	    m->len, reply, sizeof(reply));
	if (ss->conf == ss->dyn)
		str_copy(ss->url, ss->dyn->url, sizeof(ss->url));
	if (n >= 0 && p->fd != -1 &&
	    msg_send(p->fd, MSG_ORIGIN_REPLY, reply, (size_t)n) == -1)
		log_warn("cannot answer fetcher %d", p->index);
}

/* A reload or start-up installed sv->cfg: tell every origin. */
static void
sup_origins_configure(struct supervisor *sv)
{
	const struct origin_ops *o;
	unsigned i;

	for (i = 0; i < STREAM_ORIGIN_MAX; i++)
		if ((o = origin_get(i)) != NULL && o->configure != NULL)
			o->configure(sv->st, sv->cfg);
}

/* After a reload: end the dynamic streams their origin no longer serves. */
static void
sup_dynamic_reload(struct supervisor *sv, const struct config *cfg)
{
	const struct origin_ops *o;
	int i;

	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		struct sup_stream *ss = &sv->streams[i];

		if (ss->dyn == NULL || (o = origin_get(ss->dyn->origin)) ==
		    NULL || o->stale == NULL || !o->stale(sv->st, cfg, i,
		    ss->dyn))
			continue;
		log_info("stream %s: its %s origin changed; ending it",
		    ss->name, o->name);
		sup_stream_end(sv, i, END_RELOAD);
	}
}

/* The fetcher is gone for good: drop the ring, report, maybe restart. */
static void
sup_stream_finish(struct supervisor *sv, int slot, enum end_reason reason)
{
	struct sup_stream *ss = &sv->streams[slot];
	struct stream_slot *s = &sv->st->streams[slot];

	/* an ended stream keeps its ring: players still get the last
	 * playlist (with ENDLIST) until it is restarted or removed; a
	 * dynamic stream is gone with its end */
	if (ss->ring_gen != 0 && (reason != END_EOF || ss->conf == NULL ||
	    ss->dyn != NULL || sv->stopping))
		sup_drop_ring(sv, slot);
	if (ss->name[0] != '\0') {
		log_info("stream %s: ended (%s)", ss->name,
		    end_reason_name(reason));
		sup_event_stream(sv, "stream_ended", slot,
		    end_reason_name(reason));
	}
	atomic_store(&s->fetcher_pid, 0);
	atomic_store(&s->healthy, 0);
	atomic_store(&s->state, reason == END_EOF ? STREAM_ENDED :
	    STREAM_STOPPED);
	ss->ended = reason == END_EOF;
	ss->idle_since_ms = 0;
	if (ss->dyn != NULL && !(ss->pending_start && reason == END_IDLE &&
	    !sv->stopping))
		sup_dynamic_free(sv, slot);
	if (ss->conf == NULL) {
		state_slot_clear(sv->st, slot);
		ss->name[0] = '\0';
		return;
	}
	if (ss->pending_start || (!ss->conf->opts.on_demand &&
	    !ss->manual_stop && !ss->ended && !sv->stopping &&
	    reason != END_ERROR)) {
		ss->pending_start = 0;
		sup_stream_begin(sv, slot);
	}
}

static int
sup_slot_by_name(struct supervisor *sv, const char *name)
{
	int i;

	for (i = 0; i < STATE_MAX_STREAMS; i++)
		if (sv->streams[i].conf != NULL &&
		    strcmp(sv->streams[i].conf->name, name) == 0)
			return i;
	return -1;
}

static int
sup_free_slot(struct supervisor *sv)
{
	int i;

	for (i = 0; i < STATE_MAX_STREAMS; i++)
		if (sv->streams[i].conf == NULL &&
		    sv->streams[i].dyn == NULL &&
		    sv->streams[i].ring_gen == 0 &&
		    !sup_stream_running(sv, i))
			return i;
	return -1;
}

int
supervisor_stream_start(struct supervisor *sv, const char *name, char *err,
    size_t errsz)
{
	int slot = sup_slot_by_name(sv, name);

	if (slot == -1) {
		snprintf(err, errsz, "no stream named '%s'", name);
		return -1;
	}
	sv->streams[slot].manual_stop = 0;
	if (sup_stream_running(sv, slot)) {
		snprintf(err, errsz, "stream '%s' is already running", name);
		return -1;
	}
	if (sv->streams[slot].ended)
		sup_drop_ring(sv, slot);	/* start over with a fresh ring */
	if (sup_stream_begin(sv, slot) == -1) {
		snprintf(err, errsz, "cannot start stream '%s'", name);
		return -1;
	}
	return 0;
}

int
supervisor_stream_stop(struct supervisor *sv, const char *name, char *err,
    size_t errsz)
{
	int slot = sup_slot_by_name(sv, name);

	if (slot == -1) {
		snprintf(err, errsz, "no stream named '%s'", name);
		return -1;
	}
	if (!sup_stream_running(sv, slot)) {
		snprintf(err, errsz, "stream '%s' is not running", name);
		return -1;
	}
	sv->streams[slot].manual_stop = 1;
	sup_stream_end(sv, slot, END_STOPPED);
	return 0;
}

/* A worker has a client for SLOT: start its fetcher if it is not running. */
static void
sup_stream_want(struct supervisor *sv, int32_t slot)
{
	if (slot < 0 || slot >= STATE_MAX_STREAMS ||
	    sv->streams[slot].conf == NULL) {
		log_warnx("ignoring a start request for slot %d", (int)slot);
		return;
	}
	sv->streams[slot].manual_stop = 0;
	if (!sup_stream_running(sv, slot) && !sv->stopping &&
	    !sv->streams[slot].ended)
		sup_stream_begin(sv, slot);
}

static void
sup_idle_check(struct supervisor *sv, uint64_t now)
{
	int i;

	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		struct sup_stream *ss = &sv->streams[i];
		struct proc *p;

		if (ss->conf == NULL || !ss->conf->opts.on_demand ||
		    (p = proc_find(&sv->procs, ROLE_FETCHER, i)) == NULL ||
		    p->exiting)
			continue;
		if (atomic_load(&sv->st->streams[i].want_start) ||
		    state_stream_clients(sv->st, i) > 0 ||
		    now - atomic_load(&sv->st->streams[i].hls_active_ms) <
		    SUP_HLS_ACTIVE_MS) {
			atomic_store(&sv->st->streams[i].want_start, 0);
			ss->idle_since_ms = 0;
			continue;
		}
		if (ss->idle_since_ms == 0)
			ss->idle_since_ms = now;
		else if (now - ss->idle_since_ms >=
		    (uint64_t)(ss->conf->opts.idle_timeout * 1000.0))
			sup_stream_end(sv, i, END_IDLE);
	}
}

/* ---- children ---- */

static void
sup_event_exit(struct supervisor *sv, struct proc *p, int status,
    int restarting)
{
	char st[32];
	struct buf b;

	proc_status_str(status, st, sizeof(st));
	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", "process_exited");
	json_kv_str(&b, "role", proc_role_name(p->role));
	if (p->role == ROLE_FETCHER && sv->streams[p->index].conf)
		json_kv_str(&b, "stream", sv->streams[p->index].conf->name);
	json_kv_int(&b, "pid", p->pid);
	json_kv_str(&b, "status", st);
	json_kv_bool(&b, "restarting", restarting);
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

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
	}
}

static void
sup_reap(struct supervisor *sv)
{
	struct proc *p;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((p = proc_by_pid(&sv->procs, pid)) == NULL)
			continue;
		sup_child_exited(sv, p, status);
	}
}

/* An admin API request relayed by a worker: run it, answer by id. */
static void
sup_admin(struct supervisor *sv, struct proc *p, const struct msg *m)
{
	uint8_t reply[8 + 512];
	char cmd[128], err[8192];
	uint32_t id, ok;
	int rc = -1;
	size_t n;

	if (m->len < 5 || m->len - 4 >= sizeof(cmd))
		return;
	memcpy(&id, m->payload, 4);
	memcpy(cmd, m->payload + 4, m->len - 4);
	cmd[m->len - 4] = '\0';
	err[0] = '\0';
	if (strcmp(cmd, "reload") == 0)
		rc = supervisor_reload(sv, err, sizeof(err));
	else if (strncmp(cmd, "stop ", 5) == 0)
		rc = supervisor_stream_stop(sv, cmd + 5, err, sizeof(err));
	else if (strncmp(cmd, "start ", 6) == 0)
		rc = supervisor_stream_start(sv, cmd + 6, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "unknown admin command");
	ok = rc == 0;
	n = strlen(err) < 512 ? strlen(err) : 512;
	memcpy(reply, &id, 4);
	memcpy(reply + 4, &ok, 4);
	memcpy(reply + 8, err, n);
	if (p->fd != -1 && msg_send(p->fd, MSG_ADMIN_REPLY, reply, 8 + n) == -1)
		log_warn("cannot answer an admin request");
}

static void
sup_child_message(struct supervisor *sv, struct proc *p)
{
	struct msg m;
	int32_t v;
	int n, i;

	for (i = 0; i < 64; i++) {
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
	if (!sv->stopping) {
		sup_idle_check(sv, now);
		sup_collect_stats(sv, now);
	} else
		sup_helpers_shutdown(sv);
}

/* ---- configuration ---- */

static void
sup_apply_daemon_settings(struct supervisor *sv)
{
	state_set_admin_token(sv->st, sv->cfg->admin_token);
	atomic_store(&sv->st->ui_enabled, (uint32_t)sv->cfg->ui);
	if (sv->events.hdr != NULL) {
		evring_set_settings(&sv->events, sv->cfg->events_token,
		    (uint32_t)(sv->cfg->events_heartbeat * 1000.0));
		if ((uint32_t)sv->cfg->events_backlog != sv->events.hdr->slots)
			log_warnx("events_backlog = %d takes effect at the next"
			    " start (now %u)", sv->cfg->events_backlog,
			    sv->events.hdr->slots);
	}
	state_set_cors_origins(sv->st, sv->cfg->cors_origins,
	    sv->cfg->n_cors_origins);
	sv->st->max_clients = (uint32_t)sv->cfg->max_clients;
	sv->st->max_clients_per_ip = (uint32_t)sv->cfg->max_clients_per_ip;
	sv->workers_wanted = sv->cfg->workers;
	if (!sv->debug)
		log_set_level(sv->cfg->log_level);
}

static void
sup_stream_set_conf(struct supervisor *sv, int slot,
    const struct stream_conf *sc)
{
	struct sup_stream *ss = &sv->streams[slot];

	ss->conf = sc;
	str_copy(ss->name, sc->name, sizeof(ss->name));
	ss->type = sc->type;
	str_copy(ss->url, sc->url, sizeof(ss->url));
	state_slot_configure(sv->st, slot, sc);
}

static void
sup_add_stream(struct supervisor *sv, const struct stream_conf *sc)
{
	int slot = sup_free_slot(sv);

	if (slot == -1) {
		log_warnx("stream %s: no free slot", sc->name);
		return;
	}
	memset(&sv->streams[slot], 0, sizeof(sv->streams[slot]));
	state_slot_clear(sv->st, slot);
	sup_stream_set_conf(sv, slot, sc);
	if (!sc->opts.on_demand)
		sup_stream_begin(sv, slot);
}

static void
json_name_list(struct buf *b, const char *key, char names[][CONFIG_NAME_MAX + 1],
    int n)
{
	int i;

	json_key(b, key);
	buf_puts(b, "[");
	for (i = 0; i < n; i++) {
		if (i)
			buf_puts(b, ",");
		json_str(b, names[i]);
	}
	buf_puts(b, "]");
}

static void
sup_event_reloaded(struct supervisor *sv,
    char added[][CONFIG_NAME_MAX + 1], int na,
    char removed[][CONFIG_NAME_MAX + 1], int nr,
    char changed[][CONFIG_NAME_MAX + 1], int nc)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", "config_reloaded");
	json_name_list(&b, "added", added, na);
	json_name_list(&b, "removed", removed, nr);
	json_name_list(&b, "changed", changed, nc);
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

static void
sup_event_rejected(struct supervisor *sv, const char *errs)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", "config_rejected");
	json_kv_str(&b, "error", errs);
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

static int
sup_listen_changed(const struct config *a, const struct config *b)
{
	int i;

	if (a->n_listen != b->n_listen)
		return 1;
	for (i = 0; i < a->n_listen; i++)
		if (strcmp(a->listen[i], b->listen[i]) != 0)
			return 1;
	return 0;
}

int
supervisor_reload(struct supervisor *sv, char *err, size_t errsz)
{
	static char names[3][CONFIG_MAX_STREAMS][CONFIG_NAME_MAX + 1];
	int n[3] = { 0, 0, 0 };
	struct config *old = sv->cfg, *cfg;
	char errs[8192];
	int i, relisten;

	if (config_load(sv->config_path, &cfg, errs, sizeof(errs)) == -1) {
		size_t len = strlen(errs);

		while (len > 0 && errs[len - 1] == '\n')
			errs[--len] = '\0';
		log_warnx("reload rejected, keeping the running configuration:"
		    " %s", errs);
		sup_event_rejected(sv, errs);
		snprintf(err, errsz, "%s", errs);
		return -1;
	}
	relisten = sup_listen_changed(old, cfg) && sup_relisten(sv, cfg) == 0;
	/* removed and changed streams */
	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		struct sup_stream *ss = &sv->streams[i];
		const struct stream_conf *nsc;

		if (ss->conf == NULL || ss->dyn != NULL)
			continue;
		nsc = config_find_stream(cfg, ss->conf->name);
		if (nsc == NULL) {
			str_copy(names[1][n[1]++], ss->conf->name,
			    CONFIG_NAME_MAX + 1);
			state_slot_clear(sv->st, i);
			if (sup_stream_running(sv, i))
				sup_stream_end(sv, i, END_RELOAD);
			else if (ss->ring_gen)
				sup_stream_finish(sv, i, END_RELOAD);
			ss->conf = NULL;
			continue;
		}
		if (config_stream_changed(ss->conf, nsc)) {
			int was = sup_stream_running(sv, i);

			str_copy(names[2][n[2]++], nsc->name,
			    CONFIG_NAME_MAX + 1);
			sup_stream_set_conf(sv, i, nsc);
			ss->pending_start = was || !nsc->opts.on_demand;
			if (was)
				sup_stream_end(sv, i, END_RELOAD);
			else
				sup_drop_ring(sv, i);
			ss->ended = 0;
			if (!was && ss->pending_start) {
				ss->pending_start = 0;
				sup_stream_begin(sv, i);
			}
			continue;
		}
		sup_stream_set_conf(sv, i, nsc);
	}
	sup_dynamic_reload(sv, cfg);
	sv->cfg = cfg;
	sup_origins_configure(sv);
	for (i = 0; i < cfg->n_streams; i++) {
		if (sup_slot_by_name(sv, cfg->streams[i].name) != -1)
			continue;
		str_copy(names[0][n[0]++], cfg->streams[i].name,
		    CONFIG_NAME_MAX + 1);
		sup_add_stream(sv, &cfg->streams[i]);
	}
	if (!relisten && sup_listen_changed(old, cfg)) {
		/* could not bind: the config keeps saying what we listen on */
		for (i = 0; i < cfg->n_listen; i++)
			free(cfg->listen[i]);
		for (i = 0; i < old->n_listen; i++)
			cfg->listen[i] = strdup(old->listen[i]);
		cfg->n_listen = old->n_listen;
	}
	sup_apply_daemon_settings(sv);
	sup_adjust_workers(sv);
	sup_webhook_apply(sv, old->events_webhook);
	sup_helpers_apply(sv);
	config_free(old);
	atomic_fetch_add(&sv->st->config_generation, 1);
	log_info("configuration reloaded: %d added, %d removed, %d changed",
	    n[0], n[1], n[2]);
	sup_event_reloaded(sv, names[0], n[0], names[1], n[1], names[2], n[2]);
	return 0;
}

/* ---- main loop ---- */

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
	return 0;
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
		munmap(sv->metrics, sizeof(struct metrics_shm));
		shm_unlink(sv->metrics_name);
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

	return status_json(sv->st, b);
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

static const struct control_ops sup_control_ops = {
	.reload = sup_ctl_reload,
	.start = sup_ctl_start,
	.stop = sup_ctl_stop,
	.status_json = sup_ctl_status_json,
	.status_text = sup_ctl_status_text,
	.metrics_json = sup_ctl_metrics_json,
};

static void
sup_poll_once(struct supervisor *sv)
{
	struct pollfd pfd[SUP_POLL_MAX];
	struct proc *who[PROC_MAX];
	int i, n = 0, nproc = 0, nctl;

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
	if (pfd[0].revents)
		sup_handle_signals(sv);
	control_handle(&sv->ctl, &sup_control_ops, sv, pfd + n, nctl);
	sup_timers(sv);
}

static int
sup_metrics_create(struct supervisor *sv)
{
	void *mem;
	int fd;

	snprintf(sv->metrics_name, sizeof(sv->metrics_name),
	    "/ringcast.%d.metrics", (int)getpid());
	shm_unlink(sv->metrics_name);
	fd = shm_open(sv->metrics_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return -1;
	if (ftruncate(fd, sizeof(struct metrics_shm)) == -1 ||
	    (mem = mmap(NULL, sizeof(struct metrics_shm), PROT_READ |
	    PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		close(fd);
		shm_unlink(sv->metrics_name);
		return -1;
	}
	close(fd);
	sv->metrics = mem;
	metrics_init(sv->metrics);	/* header only: the rest stays sparse */
	return 0;
}

/* Read utime+stime and RSS of PID from /proc; -1 when it is gone. */
static int
sup_read_proc(pid_t pid, uint64_t *cpu_ms, uint64_t *rss_bytes)
{
	static long tick, page;
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long rss;
	ssize_t n;
	int fd;

	if (tick == 0) {
		tick = sysconf(_SC_CLK_TCK);
		page = sysconf(_SC_PAGESIZE);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || (buf[n] = '\0', p = strrchr(buf, ')')) == NULL)
		return -1;
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime prio nice threads
	 * itrealvalue starttime vsize rss */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu"
	    " %llu %*d %*d %*d %*d %*d %*d %*u %*u %ld", &ut, &st, &rss) != 3)
		return -1;
	*cpu_ms = (ut + st) * 1000ULL / (unsigned long long)tick;
	*rss_bytes = (uint64_t)rss * (uint64_t)page;
	return 0;
}

static void
sup_store_stats(struct proc_stats *ps, pid_t pid)
{
	uint64_t cpu, rss;

	if (sup_read_proc(pid, &cpu, &rss) == 0) {
		atomic_store(&ps->cpu_ms, cpu);
		atomic_store(&ps->rss_bytes, rss);
	}
}

/* Sample every process, at an interval that follows the load. */
static void
sup_collect_stats(struct supervisor *sv, uint64_t now)
{
	uint64_t start = metrics_start();
	int i, fetchers = 0;

	if (now < sv->next_stats_ms)
		return;
	sup_store_stats(&sv->st->supervisor_stats, getpid());
	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_NONE || p->pid <= 0)
			continue;
		if (p->role == ROLE_WORKER) {
			sup_store_stats(&sv->st->workers[p->index].stats, p->pid);
			atomic_store(&sv->st->workers[p->index].stats.restarts,
			    (uint32_t)p->restarts);
		} else if (p->role == ROLE_FETCHER) {
			fetchers++;
			sup_store_stats(&sv->st->streams[p->index].fetcher_stats,
			    p->pid);
			atomic_store(&sv->st->streams[p->index].fetcher_stats.
			    restarts, (uint32_t)p->restarts);
		}
	}
	sv->next_stats_ms = now + (fetchers == 0 ? SUP_STATS_IDLE_MS :
	    fetchers <= 5 ? SUP_STATS_FEW_MS : SUP_STATS_MANY_MS);
	metrics_end(sv->metrics, METRICS_SLOT_SUPERVISOR,
	    METRICS_PROCESS_STATS_COLLECTION, start, 1);
}

/* Remove shared memory left by supervisors that died without cleaning. */
static void
sup_sweep_shm(void)
{
	struct dirent *de;
	char name[300];
	DIR *d;
	long pid;

	if ((d = opendir("/dev/shm")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, "ringcast.%ld.", &pid) != 1 || pid <= 0 ||
		    (kill((pid_t)pid, 0) == -1 && errno == EPERM))
			continue;
		if (pid != getpid() && kill((pid_t)pid, 0) == 0)
			continue;
		snprintf(name, sizeof(name), "/%s", de->d_name);
		if (shm_unlink(name) == 0)
			log_info("removed stale shared memory %s", name);
	}
	closedir(d);
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
	sup_sweep_shm();
	state_shm_name(sv->state_name, sizeof(sv->state_name), getpid());
	state_unlink(sv->state_name);	/* stale, from a reused pid */
	if ((sv->st = state_create(sv->state_name)) == NULL) {
		log_warn("cannot create shared memory %s", sv->state_name);
		return 1;
	}
	if (sup_metrics_create(sv) == -1) {
		log_warn("cannot create shared memory %s", sv->metrics_name);
		return 1;
	}
	evring_shm_name(sv->events_name, sizeof(sv->events_name), getpid());
	evring_unlink(sv->events_name);		/* stale, from a reused pid */
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
