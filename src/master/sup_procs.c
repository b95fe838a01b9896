/*
 * sup_procs.c - the supervisor's child processes: spawning, worker
 * generations and the helper processes (see sup_private.h).
 *
 * Every child starts here through one proc_child_fn with a struct
 * child_ctx (proc.h): workers (one per row of the state segment),
 * fetchers (one per stream slot), the events webhook and the origins'
 * helpers.  Which of them should run follows the configuration: workers
 * are added or retired (a retiring worker finishes its clients first),
 * the webhook and helpers are started or stopped to match it.  Reaping
 * and respawning dead children is the loop's (supervisor.c); stream
 * lifecycle (sup_stream.c) calls sup_spawn() for its fetchers.  It calls
 * no other file of the supervisor.
 */
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "log.h"
#include "msg.h"
#include "origins.h"
#include "sup_private.h"
#include "util.h"
#include "webhook.h"
#include "worker.h"

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

int
sup_spawn(struct supervisor *sv, struct proc *p)
{
	proc_child_fn fn = p->role == ROLE_WORKER ? worker_main :
	    p->role == ROLE_FETCHER ? fetcher_main :
	    p->role == ROLE_HELPER ? sup_helper_child : sup_webhook_child;
	struct child_ctx ctx = {
		.cfg = sv->cfg, .st = sv->st, .metrics = sv->metrics,
		.start_dir = sv->start_dir, .listen_fds = sv->listen_fds,
		.n_listen = sv->n_listen, .n_listen_tls = sv->n_listen_tls,
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

void
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
void
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

/* ---- the webhook and the origins' helpers ---- */

/* Start, stop or restart the webhook process to match the config. */
void
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
void
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

/*
 * After a reload from OLD: a source process that runs the old `sources`
 * stops, and a fresh one starts with the new list once it is gone
 * (sup_child_exited).
 */
void
sup_sources_apply(struct supervisor *sv, struct config *old)
{
	struct proc *p;

	if (!config_sources_differ(old, sv->cfg) ||
	    (p = proc_find(&sv->procs, ROLE_HELPER, STREAM_ORIGIN_LINEUP)) ==
	    NULL || p->exiting)
		return;
	log_info("sources changed: restarting the source process");
	if (p->pid > 0)
		proc_stop(p, SUP_STOP_GRACE_MS, now_ms());
	else
		proc_free(p);
}

/* Shutdown: helpers go once the last fetcher is gone (they may have to
 * clean up after a fetcher that had to be killed). */
void
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
