/*
 * sup_create.c - a worker's request for a dynamic stream (origin.h),
 * answered at once or, while what it needs is on its way, later.
 *
 * The worker relays MSG_STREAM_CREATE and suspends its connection until
 * MSG_STREAM_CREATE_REPLY (http_dynamic.c); no thread of it waits.  An
 * origin whose create() refuses with wait_s set (acestream.c: every
 * engine is full, and engines are managed: one may start, a stream may
 * end) has the request kept here instead: a waiter, asked again every
 * tick, oldest first, and before any new request (which must not take
 * the room a waiter waited for), answered with its stream as soon as
 * create() makes one, or with the origin's refusal (a 503 with
 * Retry-After) once wait_s has passed.  At most wait_max requests wait;
 * the next one gets the refusal at once.  A waiter whose worker died is
 * dropped; one whose player left is not known here (the worker notices
 * when it resumes the connection), so its stream is made and ends on
 * idle.  It calls sup_stream.c (the stream's creation); the loop calls
 * it.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "sup_private.h"
#include "util.h"

static void
sup_create_reply(struct proc *p, uint32_t id, int slot,
    const struct origin_refusal *r)
{
	struct msg_create_reply h;
	size_t n = 0;

	h.id = id;
	h.slot = slot;
	h.status = r != NULL ? r->status : 200;
	h.retry_after_s = r != NULL ? r->retry_after_s : 0;
	if (r != NULL)
		n = strnlen(r->reason, sizeof(r->reason) - 1);
	if (p->fd != -1 && msg_send_text(p->fd, MSG_STREAM_CREATE_REPLY, &h,
	    sizeof(h), r != NULL ? r->reason : NULL, n) == -1)
		log_warn("cannot answer a stream request of worker %d",
		    p->index + 1);
}

/* Keep worker P's request ID for (ORIGIN, KEY, ARGS) while R allows:
 * 0, or -1 (too many wait, or out of memory). */
static int
sup_wait_add(struct supervisor *sv, struct proc *p, uint32_t id,
    unsigned origin, const char *key, const char *args,
    const struct origin_refusal *r)
{
	struct sup_waiter *w, **tail = &sv->waiters;

	if (sv->n_waiters >= r->wait_max || (w = calloc(1, sizeof(*w))) ==
	    NULL || (w->args = strdup(args)) == NULL) {
		if (sv->n_waiters >= r->wait_max)
			log_info("stream %s: %d request(s) wait already "
			    "(max_waiting): refused", key, sv->n_waiters);
		else
			free(w);
		return -1;
	}
	w->worker_row = p->index;
	w->worker_pid = p->pid;
	w->id = id;
	w->origin = origin;
	w->since_ms = now_ms();
	w->deadline_ms = w->since_ms + (uint64_t)(r->wait_s * 1000.0);
	str_copy(w->key, key, sizeof(w->key));
	while (*tail != NULL)	/* the oldest is asked for first */
		tail = &(*tail)->next;
	*tail = w;
	sv->n_waiters++;
	return 0;
}

/* MSG_STREAM_CREATE from worker P ("KEY" or "KEY\nARGS"). */
void
sup_create_request(struct supervisor *sv, struct proc *p, const struct msg *m)
{
	char key[CONFIG_NAME_MAX + 1];
	struct origin_refusal r;
	struct msg_create h;
	const char *text = "", *args;
	size_t klen = 0;
	int slot;

	if (msg_get_text(m, &h, sizeof(h), &text, &klen) == 0 &&
	    (args = memchr(text, '\n', klen)) != NULL)
		klen = (size_t)(args++ - text);
	else
		args = "";
	if (m->len < sizeof(h) || klen == 0 || klen > CONFIG_NAME_MAX) {
		log_warnx("worker %d sent a malformed stream request",
		    p->index + 1);
		if (m->len >= sizeof(h)) {
			origin_refuse(&r, 400, 0, "malformed stream key");
			sup_create_reply(p, h.id, -1, &r);
		}
		return;
	}
	memcpy(key, text, klen);
	key[klen] = '\0';
	sup_create_tick(sv, now_ms());	/* the waiting go first */
	memset(&r, 0, sizeof(r));
	slot = sup_stream_create(sv, h.origin, key, args, &r);
	if (slot == -1 && r.wait_s > 0 && !sv->stopping) {
		if (sup_wait_add(sv, p, h.id, h.origin, key, args, &r) == 0) {
			log_info("stream %s: waiting up to %.0f s for an "
			    "engine", key, r.wait_s);
			return;
		}
		if (r.count_after_wait != NULL)	/* max_waiting: at once */
			atomic_fetch_add(r.count_after_wait, 1);
	}
	if (slot == -1)
		log_info("stream %s refused: %u %s", key, r.status, r.reason);
	sup_create_reply(p, h.id, slot, slot == -1 ? &r : NULL);
}

/* Waiter W once more: 1 when it was answered (or its worker is gone). */
static int
sup_wait_retry(struct supervisor *sv, struct sup_waiter *w, uint64_t now)
{
	struct proc *p = proc_find(&sv->procs, ROLE_WORKER, w->worker_row);
	struct origin_refusal r;
	int slot;

	if (p == NULL || p->pid != w->worker_pid || p->fd == -1)
		return 1;
	memset(&r, 0, sizeof(r));
	slot = sup_stream_create(sv, w->origin, w->key, w->args, &r);
	if (slot == -1 && r.wait_s > 0 && now < w->deadline_ms &&
	    !sv->stopping)
		return 0;
	if (slot == -1 && r.count_after_wait != NULL)
		atomic_fetch_add(r.count_after_wait, 1);
	if (slot == -1)
		log_info("stream %s refused after waiting: %u %s", w->key,
		    r.status, r.reason);
	else
		log_info("stream %s: made after waiting %.1f s", w->key,
		    (double)(now - w->since_ms) / 1000.0);
	sup_create_reply(p, w->id, slot, slot == -1 ? &r : NULL);
	return 1;
}

void
sup_create_tick(struct supervisor *sv, uint64_t now)
{
	struct sup_waiter **pp = &sv->waiters, *w;

	while ((w = *pp) != NULL) {
		if (!sup_wait_retry(sv, w, now)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		free(w->args);
		free(w);
		sv->n_waiters--;
	}
}

int
sup_create_waiting(const struct supervisor *sv, int *keys)
{
	const struct sup_waiter *w, *u;

	*keys = 0;
	for (w = sv->waiters; w != NULL; w = w->next) {
		for (u = sv->waiters; u != w; u = u->next)
			if (strcmp(u->key, w->key) == 0)
				break;
		*keys += u == w;
	}
	return sv->n_waiters;
}

void
sup_create_free(struct supervisor *sv)
{
	struct sup_waiter *w;

	while ((w = sv->waiters) != NULL) {
		sv->waiters = w->next;
		free(w->args);
		free(w);
	}
	sv->n_waiters = 0;
}
