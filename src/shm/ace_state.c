/*
 * ace_state.c - the AceStream records of the state segment (see
 * ace_state.h): small seqlocked copies in and out, nothing else.
 *
 * Each record has one writer a field group (the supervisor, a stream's
 * fetcher, the engine monitor), so the segment's plain seqlock is enough:
 * readers retry a bounded number of times and give up rather than wait.
 */
#include <stdio.h>
#include <string.h>

#include "ace_state.h"
#include "seqlock.h"
#include "util.h"

const char *
ace_health_name(enum ace_health h)
{
	switch (h) {
	case ACE_HEALTH_UP:	return "up";
	case ACE_HEALTH_DOWN:	return "down";
	case ACE_HEALTH_UNKNOWN:	break;
	}
	return "unknown";
}

const char *
ace_phase_name(enum ace_phase p)
{
	switch (p) {
	case ACE_PHASE_STARTING:	return "starting";
	case ACE_PHASE_READY:		return "ready";
	case ACE_PHASE_UNHEALTHY:	return "unhealthy";
	case ACE_PHASE_STOPPING:	return "stopping";
	case ACE_PHASE_NONE:		break;
	}
	return "unmanaged";
}

int
ace_engine_choosable(const struct ace_engine_view *v)
{
	return !v->draining && (!v->managed || v->phase == ACE_PHASE_READY);
}

enum ace_health
ace_health_after(enum ace_health was, uint32_t fails, uint32_t oks)
{
	if (fails >= ACE_DOWN_AFTER_FAILS)
		return ACE_HEALTH_DOWN;
	if (oks >= ACE_UP_AFTER_OKS)
		return ACE_HEALTH_UP;
	return was;
}

enum ace_health
ace_state_engine_check(struct ace_state *as, int i, const char *url, int ok,
    enum ace_network net, const char *version, const char *error)
{
	struct ace_engine_state *e = &as->engines[i];
	struct ace_engine_view v;
	uint32_t fails, oks;
	enum ace_health h;

	if (ace_state_engine(as, i, &v) == -1 || strcmp(v.url, url) != 0)
		return v.health;
	fails = ok ? 0 : atomic_load(&e->fails) + 1;
	oks = ok ? atomic_load(&e->oks) + 1 : 0;
	h = ace_health_after(v.health, fails, oks);
	atomic_store(&e->fails, fails);
	atomic_store(&e->oks, oks);
	atomic_store(&e->network, net);
	ace_state_engine_health(as, i, url, h, version, error);
	return h;
}

void
ace_state_set_engines(struct ace_state *as, char *const *urls, int n)
{
	struct ace_engine_state *e;
	int i, same;

	for (i = 0; i < ACE_MANAGED_BASE; i++) {
		e = &as->engines[i];
		same = i < n && e->in_use && strcmp(e->url, urls[i]) == 0;
		if (same)
			continue;
		seqlock_write_begin(&e->seq);
		e->in_use = i < n;
		str_copy(e->url, i < n ? urls[i] : "", sizeof(e->url));
		seqlock_write_end(&e->seq);
		atomic_store(&e->draining, 0);	/* another engine now */
		atomic_store(&e->health, ACE_HEALTH_UNKNOWN);
		atomic_store(&e->checked_wall_ms, 0);
		atomic_store(&e->sessions, 0);
		atomic_store(&e->streams, 0);
		atomic_store(&e->fails, 0);
		atomic_store(&e->oks, 0);
		atomic_store(&e->network, ACE_NET_UNKNOWN);
	}
}

/* Reset what the monitor knows of engine E. */
static void
ace_engine_forget(struct ace_engine_state *e)
{
	atomic_store(&e->health, ACE_HEALTH_UNKNOWN);
	atomic_store(&e->checked_wall_ms, 0);
	atomic_store(&e->sessions, 0);
	atomic_store(&e->streams, 0);
	atomic_store(&e->fails, 0);
	atomic_store(&e->oks, 0);
	atomic_store(&e->network, ACE_NET_UNKNOWN);
	seqlock_write_begin(&e->mon_seq);
	e->version[0] = e->error[0] = '\0';
	seqlock_write_end(&e->mon_seq);
}

void
ace_state_managed_put(struct ace_state *as, int i, const char *url,
    unsigned port, int pid, unsigned restarts)
{
	struct ace_engine_state *e = &as->engines[i];

	seqlock_write_begin(&e->seq);
	e->in_use = 1;
	str_copy(e->url, url, sizeof(e->url));
	seqlock_write_end(&e->seq);
	ace_engine_forget(e);
	atomic_store(&e->managed, 1);
	atomic_store(&e->port, port);
	atomic_store(&e->restarts, restarts);
	ace_state_managed_phase(as, i, ACE_PHASE_STARTING, pid);
}

void
ace_state_managed_phase(struct ace_state *as, int i, enum ace_phase p,
    int pid)
{
	atomic_store(&as->engines[i].pid, pid);
	atomic_store(&as->engines[i].phase, p);
}

void
ace_state_managed_clear(struct ace_state *as, int i)
{
	struct ace_engine_state *e = &as->engines[i];

	seqlock_write_begin(&e->seq);
	e->in_use = 0;
	e->url[0] = '\0';
	seqlock_write_end(&e->seq);
	ace_engine_forget(e);
	atomic_store(&e->managed, 0);
	atomic_store(&e->phase, ACE_PHASE_NONE);
	atomic_store(&e->pid, 0);
	atomic_store(&e->port, 0);
	atomic_store(&e->draining, 0);	/* the next engine here is new */
}

void
ace_state_engine_health(struct ace_state *as, int i, const char *url,
    enum ace_health h, const char *version, const char *error)
{
	struct ace_engine_state *e = &as->engines[i];
	struct ace_engine_view v;

	if (ace_state_engine(as, i, &v) == -1 || strcmp(v.url, url) != 0)
		return;
	seqlock_write_begin(&e->mon_seq);
	str_copy(e->version, version, sizeof(e->version));
	str_copy(e->error, error, sizeof(e->error));
	seqlock_write_end(&e->mon_seq);
	atomic_store(&e->health, h);
	atomic_store(&e->checked_wall_ms, wall_ms());
}

int
ace_state_engine(const struct ace_state *as, int i, struct ace_engine_view *v)
{
	const struct ace_engine_state *e = &as->engines[i];
	struct seqlock_reader id = SEQLOCK_READER(&e->seq);
	struct seqlock_reader mon = SEQLOCK_READER(&e->mon_seq);

	memset(v, 0, sizeof(*v));
	while (seqlock_read_next(&id)) {
		v->in_use = (int)e->in_use;
		memcpy(v->url, e->url, sizeof(v->url));
	}
	if (!id.ok || !v->in_use)
		return -1;
	v->url[sizeof(v->url) - 1] = '\0';
	while (seqlock_read_next(&mon)) {
		memcpy(v->version, e->version, sizeof(v->version));
		memcpy(v->error, e->error, sizeof(v->error));
	}
	if (!mon.ok)
		v->version[0] = v->error[0] = '\0';
	v->version[sizeof(v->version) - 1] = '\0';
	v->error[sizeof(v->error) - 1] = '\0';
	v->health = (enum ace_health)atomic_load(&e->health);
	v->streams = atomic_load(&e->streams);
	v->sessions = atomic_load(&e->sessions);
	v->checked_wall_ms = atomic_load(&e->checked_wall_ms);
	v->fails = atomic_load(&e->fails);
	v->network = (enum ace_network)atomic_load(&e->network);
	v->managed = (int)atomic_load(&e->managed);
	v->phase = (enum ace_phase)atomic_load(&e->phase);
	v->pid = atomic_load(&e->pid);
	v->draining = (int)atomic_load(&e->draining);
	v->port = atomic_load(&e->port);
	v->restarts = atomic_load(&e->restarts);
	return 0;
}

void
ace_state_slot_begin(struct ace_state *as, int slot, const char *id,
    const char *param, const char *engine)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->seq);
	a->active = 1;
	str_copy(a->content_id, id, sizeof(a->content_id));
	str_copy(a->param, param, sizeof(a->param));
	str_copy(a->engine, engine, sizeof(a->engine));
	a->infohash[0] = '\0';
	a->opts[0] = '\0';
	a->reported = 0;
	a->replaced = 0;
	a->begun_ms = now_ms();
	seqlock_write_end(&a->seq);
	seqlock_write_begin(&a->stat_seq);
	a->status[0] = '\0';
	seqlock_write_end(&a->stat_seq);
	atomic_store(&a->peers, 0);
	atomic_store(&a->speed_down, 0);
	atomic_store(&a->speed_up, 0);
	atomic_store(&a->downloaded, 0);
	atomic_store(&a->stat_wall_ms, 0);
	atomic_store(&a->sessions, 0);
}

void
ace_state_slot_set_engine(struct ace_state *as, int slot, const char *engine)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->seq);
	str_copy(a->engine, engine, sizeof(a->engine));
	seqlock_write_end(&a->seq);
}

void
ace_state_slot_set_args(struct ace_state *as, int slot, const char *args)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->args_seq);
	str_copy(a->args, args != NULL ? args : "", sizeof(a->args));
	seqlock_write_end(&a->args_seq);
}

void
ace_state_slot_args(const struct ace_state *as, int slot, char *out,
    size_t outsz)
{
	const struct ace_slot_state *a = &as->slots[slot];

	seqlock_read_str(&a->args_seq, out, outsz, a->args, sizeof(a->args));
}

void
ace_state_slot_end(struct ace_state *as, int slot)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->seq);
	a->active = 0;
	a->content_id[0] = '\0';
	a->engine[0] = '\0';
	a->infohash[0] = '\0';
	a->opts[0] = '\0';
	a->reported = 0;
	a->replaced = 0;
	seqlock_write_end(&a->seq);
	ace_state_session_clear(as, slot);
}

void
ace_state_slot_set_broadcast(struct ace_state *as, int slot, const char *opts,
    const char *infohash, int reported)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->seq);
	if (opts != NULL)
		str_copy(a->opts, opts, sizeof(a->opts));
	str_copy(a->infohash, infohash, sizeof(a->infohash));
	a->reported = reported && infohash[0] != '\0';
	seqlock_write_end(&a->seq);
}

int
ace_state_broadcast_pending(const struct ace_state *as, int slot,
    uint64_t now_ms)
{
	struct ace_slot_view me, v;
	int i;

	if (ace_state_slot(as, slot, &me) == -1)
		return 0;
	for (i = 0; i < CONFIG_MAX_STREAMS; i++)
		if (i != slot && ace_state_slot(as, i, &v) == 0 &&
		    !v.reported && !v.replaced &&
		    v.begun_ms + ACE_PENDING_MS > now_ms &&
		    strcmp(v.opts, me.opts) == 0 && (v.infohash[0] == '\0' ||
		    strcmp(v.infohash, me.infohash) == 0))
			return 1;
	return 0;
}

void
ace_state_slot_replaced(struct ace_state *as, int slot)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->seq);
	a->replaced = 1;
	seqlock_write_end(&a->seq);
}

int
ace_state_find_broadcast(const struct ace_state *as, const char *infohash,
    const char *opts, int except, int reported)
{
	struct ace_slot_view v;
	int i;

	if (infohash[0] == '\0')
		return -1;
	for (i = 0; i < CONFIG_MAX_STREAMS; i++)
		if (i != except && ace_state_slot(as, i, &v) == 0 &&
		    strcmp(v.infohash, infohash) == 0 &&
		    strcmp(v.opts, opts) == 0 && !v.replaced &&
		    (!reported || v.reported))
			return i;
	return -1;
}

int
ace_state_slot(const struct ace_state *as, int slot, struct ace_slot_view *v)
{
	const struct ace_slot_state *a = &as->slots[slot];
	struct seqlock_reader id = SEQLOCK_READER(&a->seq);
	struct seqlock_reader sess = SEQLOCK_READER(&a->sess_seq);

	memset(v, 0, sizeof(*v));
	while (seqlock_read_next(&id)) {
		v->active = (int)a->active;
		memcpy(v->content_id, a->content_id, sizeof(v->content_id));
		memcpy(v->param, a->param, sizeof(v->param));
		memcpy(v->engine, a->engine, sizeof(v->engine));
		memcpy(v->infohash, a->infohash, sizeof(v->infohash));
		memcpy(v->opts, a->opts, sizeof(v->opts));
		v->reported = (int)a->reported;
		v->replaced = (int)a->replaced;
		v->begun_ms = a->begun_ms;
	}
	if (!id.ok || !v->active)
		return -1;
	v->infohash[sizeof(v->infohash) - 1] = '\0';
	v->opts[sizeof(v->opts) - 1] = '\0';
	v->content_id[sizeof(v->content_id) - 1] = '\0';
	v->param[sizeof(v->param) - 1] = '\0';
	v->engine[sizeof(v->engine) - 1] = '\0';
	while (seqlock_read_next(&sess)) {
		v->has_session = (int)a->has_session;
		v->owner_pid = a->owner_pid;
		memcpy(v->session_id, a->session_id, sizeof(v->session_id));
		memcpy(v->stat_url, a->stat_url, sizeof(v->stat_url));
		memcpy(v->command_url, a->command_url, sizeof(v->command_url));
	}
	if (!sess.ok)
		v->has_session = 0;
	v->session_id[sizeof(v->session_id) - 1] = '\0';
	v->stat_url[sizeof(v->stat_url) - 1] = '\0';
	v->command_url[sizeof(v->command_url) - 1] = '\0';
	seqlock_read_str(&a->stat_seq, v->status, sizeof(v->status),
	    a->status, sizeof(a->status));
	v->peers = atomic_load(&a->peers);
	v->speed_down = atomic_load(&a->speed_down);
	v->speed_up = atomic_load(&a->speed_up);
	v->downloaded = atomic_load(&a->downloaded);
	v->stat_wall_ms = atomic_load(&a->stat_wall_ms);
	v->sessions = atomic_load(&a->sessions);
	return 0;
}

void
ace_state_session_set(struct ace_state *as, int slot, int pid,
    const char *session_id, const char *stat_url, const char *command_url)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->sess_seq);
	a->has_session = 1;
	a->owner_pid = pid;
	str_copy(a->session_id, session_id, sizeof(a->session_id));
	str_copy(a->stat_url, stat_url, sizeof(a->stat_url));
	str_copy(a->command_url, command_url, sizeof(a->command_url));
	seqlock_write_end(&a->sess_seq);
	atomic_fetch_add(&a->sessions, 1);
}

void
ace_state_session_clear(struct ace_state *as, int slot)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->sess_seq);
	a->has_session = 0;
	a->owner_pid = 0;
	a->session_id[0] = '\0';
	a->stat_url[0] = '\0';
	a->command_url[0] = '\0';
	seqlock_write_end(&a->sess_seq);
}

void
ace_state_stat_set(struct ace_state *as, int slot, const char *status,
    uint32_t peers, uint32_t speed_down, uint32_t speed_up,
    uint64_t downloaded)
{
	struct ace_slot_state *a = &as->slots[slot];

	seqlock_write_begin(&a->stat_seq);
	str_copy(a->status, status, sizeof(a->status));
	seqlock_write_end(&a->stat_seq);
	atomic_store(&a->peers, peers);
	atomic_store(&a->speed_down, speed_down);
	atomic_store(&a->speed_up, speed_up);
	atomic_store(&a->downloaded, downloaded);
	atomic_store(&a->stat_wall_ms, wall_ms());
}

int
ace_state_orphan_push(struct ace_state *as, const char *command_url)
{
	struct ace_orphan *o;
	int i;

	for (i = 0; i < ACE_ORPHANS; i++) {
		o = &as->orphans[i];
		if (atomic_load_explicit(&o->state, memory_order_acquire) != 0)
			continue;
		str_copy(o->command_url, command_url, sizeof(o->command_url));
		atomic_store_explicit(&o->state, 1, memory_order_release);
		return 0;
	}
	atomic_fetch_add(&as->orphans_lost, 1);
	return -1;
}

int
ace_state_orphan_pop(struct ace_state *as, char *url, size_t urlsz)
{
	struct ace_orphan *o;
	int i;

	for (i = 0; i < ACE_ORPHANS; i++) {
		o = &as->orphans[i];
		if (atomic_load_explicit(&o->state, memory_order_acquire) != 1)
			continue;
		snprintf(url, urlsz, "%.*s", (int)sizeof(o->command_url) - 1,
		    o->command_url);
		atomic_store_explicit(&o->state, 0, memory_order_release);
		return 0;
	}
	return -1;
}

/* The entry REFUSAL_PUT writes for KEY (supervisor: the only writer). */
static struct ace_refusal *
ace_refusal_slot(struct ace_state *as, const char *key, uint64_t now)
{
	struct ace_refusal *r, *first = &as->refusals[0], *free = NULL;
	int i;

	for (i = 0; i < ACE_REFUSALS; i++) {
		r = &as->refusals[i];
		if (r->until_ms > now && strcmp(r->key, key) == 0)
			return r;
		if (r->until_ms <= now && free == NULL)
			free = r;
		if (r->until_ms < first->until_ms)
			first = r;
	}
	return free != NULL ? free : first;
}

void
ace_state_refusal_put(struct ace_state *as, const char *key, unsigned status,
    const char *engine, const char *text, uint64_t until_ms, uint64_t now_ms)
{
	struct ace_refusal *r = ace_refusal_slot(as, key, now_ms);

	seqlock_write_begin(&r->seq);
	str_copy(r->key, key, sizeof(r->key));
	r->status = status;
	r->until_ms = until_ms;
	str_copy(r->engine, engine, sizeof(r->engine));
	str_copy(r->text, text, sizeof(r->text));
	seqlock_write_end(&r->seq);
}

int
ace_state_refusal_get(const struct ace_state *as, const char *key,
    uint64_t now_ms, struct ace_refusal_view *v)
{
	const struct ace_refusal *r;
	int i, match;

	for (i = 0; i < ACE_REFUSALS; i++) {
		struct seqlock_reader rd;

		r = &as->refusals[i];
		rd = (struct seqlock_reader)SEQLOCK_READER(&r->seq);
		match = 0;
		while (seqlock_read_next(&rd)) {
			match = r->until_ms > now_ms &&
			    strncmp(r->key, key, sizeof(r->key)) == 0;
			if (!match)
				continue;
			v->status = r->status;
			v->until_ms = r->until_ms;
			memcpy(v->engine, r->engine, sizeof(v->engine));
			memcpy(v->text, r->text, sizeof(v->text));
		}
		if (rd.ok && match) {
			v->engine[sizeof(v->engine) - 1] = '\0';
			v->text[sizeof(v->text) - 1] = '\0';
			return 0;
		}
	}
	return -1;
}

/* The entry RESOLVED_PUT writes for INPUT (supervisor: the only writer):
 * its own, else a free one, else the oldest. */
static struct ace_resolved *
ace_resolved_slot(struct ace_state *as, const char *input)
{
	struct ace_resolved *r, *oldest = &as->resolved[0];
	int i;

	for (i = 0; i < ACE_RESOLVED; i++) {
		r = &as->resolved[i];
		if (r->stamp != 0 && strcmp(r->input, input) == 0)
			return r;
		if (r->stamp < oldest->stamp)
			oldest = r;
	}
	return oldest;
}

void
ace_state_resolved_put(struct ace_state *as, const char *input,
    const char *infohash)
{
	struct ace_resolved *r = ace_resolved_slot(as, input);

	seqlock_write_begin(&r->seq);
	str_copy(r->input, input, sizeof(r->input));
	str_copy(r->infohash, infohash, sizeof(r->infohash));
	r->stamp = ++as->resolved_stamp;
	seqlock_write_end(&r->seq);
}

int
ace_state_resolved_get(const struct ace_state *as, const char *input,
    char out[CONFIG_ACE_ID_LEN + 1])
{
	char in[sizeof(as->resolved[0].input)];
	int i;

	for (i = 0; i < ACE_RESOLVED; i++) {
		const struct ace_resolved *r = &as->resolved[i];
		struct seqlock_reader rd = SEQLOCK_READER(&r->seq);
		uint64_t stamp = 0;

		while (seqlock_read_next(&rd)) {
			stamp = r->stamp;
			memcpy(in, r->input, sizeof(in));
			memcpy(out, r->infohash, sizeof(r->infohash));
		}
		in[sizeof(in) - 1] = '\0';
		out[CONFIG_ACE_ID_LEN] = '\0';
		if (rd.ok && stamp != 0 && out[0] != '\0' &&
		    strcmp(in, input) == 0)
			return 0;
	}
	out[0] = '\0';
	return -1;
}
