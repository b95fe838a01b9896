/*
 * sup_stream.c - stream lifecycle in the supervisor, for named and
 * dynamic streams (see sup_private.h).
 *
 * A stream slot gets a ring (created here, unlinked here) and a fetcher:
 * at start-up (on_demand = false), when a worker has a client for it, or
 * on `ringcastctl start`.  An on-demand stream ends after idle_timeout
 * without clients; a stream whose fetcher is reaped for good is finished
 * here: its ring dropped (an ended stream keeps it, so players get the
 * last playlist), an event sent, and maybe started again.  Dynamic
 * streams (origin.h) are made here on a worker's MSG_STREAM_CREATE: one
 * stream a key however many players ask, and nothing of one survives its
 * end.  A lineup channel that a refresh removed or disabled
 * (sup_lineup_check, channels.h) is flagged in its shared slot, so that
 * workers refuse it new players, and ends (reason "removed") when its
 * last player leaves or at once (removed_channels).
 * It calls the processes file (sup_procs.c) to spawn fetchers and
 * the events file (sup_events.c); the loop, the reload and the admin API
 * call it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channels.h"
#include "log.h"
#include "msg.h"
#include "origins.h"
#include "ring.h"
#include "sup_private.h"
#include "util.h"

#define SUP_ALIAS_ARGS_MAX	1024	/* an alias's arguments (origin.h) */

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
	case END_ENGINE_ERROR:	return "engine_error";
	case END_DUPLICATE:	return "duplicate";
	case END_REMOVED:	return "removed";
	case END_NONE:		break;
	}
	return "error";
}

int
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
sup_stream_running(struct supervisor *sv, int slot)
{
	return proc_find(&sv->procs, ROLE_FETCHER, slot) != NULL;
}

void
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

void
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

int
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
void
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

void
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

/* The fetcher is gone for good: drop the ring, report, maybe restart. */
void
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

/* ---- start, stop, want, idle ---- */

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
void
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

/* 1 when SLOT has players: TS clients, HLS players or requests, or a
 * worker's start request. */
static int
sup_stream_watched(struct supervisor *sv, int slot, uint64_t now)
{
	struct stream_slot *s = &sv->st->streams[slot];

	return atomic_load(&s->want_start) ||
	    state_stream_clients(sv->st, slot) > 0 ||
	    now - atomic_load(&s->hls_active_ms) < SUP_HLS_ACTIVE_MS;
}

void
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
		/* a removed channel: at once, or when its last player left */
		if (ss->removed && (sv->cfg->removed_channels ==
		    REMOVED_STOP || !sup_stream_watched(sv, i, now))) {
			sup_stream_end(sv, i, END_REMOVED);
			continue;
		}
		if (sup_stream_watched(sv, i, now)) {
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

void
sup_lineup_check(struct supervisor *sv)
{
	uint64_t gen = lineup_poll();
	int i, gone;

	if (gen == sv->lineup_gen)
		return;
	sv->lineup_gen = gen;
	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		struct sup_stream *ss = &sv->streams[i];

		if (ss->dyn == NULL || ss->dyn->origin != STREAM_ORIGIN_LINEUP ||
		    (gone = lineup_gone(ss->name)) == ss->removed)
			continue;
		ss->removed = gone;
		atomic_store(&sv->st->streams[i].removed, (uint32_t)gone);
		if (gone)
			log_info("stream %s: its channel left the lineup; new "
			    "players are refused (removed_channels %s)",
			    ss->name, sv->cfg->removed_channels ==
			    REMOVED_STOP ? "stop" : "drain");
		else
			log_info("stream %s: its channel is back in the lineup",
			    ss->name);
	}
}

/* ---- dynamic streams (origin.h) ---- */

/* A dynamic stream ended: its origin lets go, its conf and slot go. */
void
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

/* The stream KEY joins: the dynamic stream its origin finds (the same
 * content under another key), else KEY's own; -1 when none. */
static int
sup_stream_find(struct supervisor *sv, const struct origin_ops *o,
    const char *key)
{
	int slot;

	if (o->find != NULL && (slot = o->find(sv->st, key)) >= 0 &&
	    slot < STATE_MAX_STREAMS && sv->streams[slot].dyn != NULL)
		return slot;
	return sup_slot_by_name(sv, key);
}

/*
 * Find or make the stream for (ORIGIN, KEY): its slot, running or
 * starting, or -1 with *R filled.  A key that already has a stream joins
 * it: one stream a key however many players ask at once; so does a key
 * whose origin finds it another stream of the same content (find).
 */
int
sup_stream_create(struct supervisor *sv, unsigned origin, const char *key,
    const char *args, struct origin_refusal *r)
{
	const struct origin_ops *o = origin_get(origin);
	char to[CONFIG_NAME_MAX + 1], to_args[SUP_ALIAS_ARGS_MAX];
	struct stream_conf *sc;
	unsigned to_origin;
	int slot;

	if (o == NULL || o->create == NULL) {
		origin_refuse(r, 404, 0, "no such stream");
		return -1;
	}
	if (o->alias != NULL && (o->key_valid == NULL || o->key_valid(key))) {
		switch (o->alias(sv->st, sv->cfg, key, &to_origin, to,
		    sizeof(to), to_args, sizeof(to_args), r)) {
		case -1:
			return -1;
		case 1:	/* one step: an alias's origin has none itself */
			if (to_origin == origin || (origin_get(to_origin) !=
			    NULL && origin_get(to_origin)->alias != NULL)) {
				origin_refuse(r, 500, 0, "alias loop");
				return -1;
			}
			return sup_stream_create(sv, to_origin, to, to_args, r);
		}
	}
	if ((o->key_valid != NULL && !o->key_valid(key)) ||
	    !config_name_valid(key)) {
		origin_refuse(r, 400, 0, "malformed stream key");
		return -1;
	}
	if (sv->stopping) {
		origin_refuse(r, 503, RETRY_AFTER_S,
		    "the server is shutting down");
		return -1;
	}
	if ((slot = sup_stream_find(sv, o, key)) != -1) {
		struct proc *p = proc_find(&sv->procs, ROLE_FETCHER, slot);

		if (sv->streams[slot].dyn == NULL ||
		    sv->streams[slot].dyn->origin != origin) {
			origin_refuse(r, 409, 0, "a configured stream has this"
			    " name");
			return -1;
		}
		if (sv->streams[slot].removed) {
			origin_refuse(r, 404, 0, "channel %s was removed from "
			    "the lineup", key);
			return -1;
		}
		/* ending for want of players: a new one restarts it */
		if (p != NULL && p->exiting && p->end_reason == END_IDLE)
			sv->streams[slot].pending_start = 1;
		sup_stream_want(sv, slot);
		return slot;
	}
	if ((slot = sup_free_slot(sv)) == -1) {
		origin_refuse(r, 503, RETRY_AFTER_NO_SLOT_S,
		    "no free stream slot");
		return -1;
	}
	memset(r, 0, sizeof(*r));
	if ((sc = o->create(sv->st, sv->cfg, key, args, slot, r)) == NULL) {
		if (r->status == 0)
			origin_refuse(r, 503, RETRY_AFTER_S,
			    "cannot create the stream");
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
		origin_refuse(r, 503, RETRY_AFTER_S,
		    "cannot start the stream");
		return -1;
	}
	return slot;
}

/* SLOT's fetcher found its stream nowhere: it ends, its origin knows. */
void
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
void
sup_origin_message(struct supervisor *sv, struct proc *p, const struct msg *m)
{
	struct sup_stream *ss = &sv->streams[p->index];
	const struct origin_ops *o;
	char reply[MSG_MAX_PAYLOAD];
	int n, other;

	if (ss->dyn == NULL || (o = origin_get(ss->dyn->origin)) == NULL ||
	    o->fetcher_message == NULL) {
		log_warnx("fetcher %d sent a message for no origin", p->index);
		return;
	}
	n = o->fetcher_message(sv->st, sv->cfg, p->index, ss->dyn, m->payload,
	    m->len, reply, sizeof(reply));
	if (n == ORIGIN_END_REFUSED) {
		sup_stream_end(sv, p->index, END_ENGINE_ERROR);
		return;
	}
	/* the message made another stream redundant: it ends at once */
	if (!p->exiting && o->duplicate != NULL &&
	    (other = o->duplicate(sv->st, p->index)) >= 0 &&
	    other < STATE_MAX_STREAMS && other != p->index &&
	    sv->streams[other].dyn != NULL) {
		log_info("stream %s: the same content as %s, which replaces "
		    "it; ending it", sv->streams[other].name, ss->name);
		sup_stream_end(sv, other, END_DUPLICATE);
	}
	if (ss->conf == ss->dyn)
		str_copy(ss->url, ss->dyn->url, sizeof(ss->url));
	if (n >= 0 && p->fd != -1 &&
	    msg_send(p->fd, MSG_ORIGIN_REPLY, reply, (size_t)n) == -1)
		log_warn("cannot answer fetcher %d", p->index);
}

/* A reload or start-up installed sv->cfg: tell every origin. */
void
sup_origins_configure(struct supervisor *sv)
{
	const struct origin_ops *o;
	unsigned i;

	for (i = 0; i < STREAM_ORIGIN_MAX; i++)
		if ((o = origin_get(i)) != NULL && o->configure != NULL)
			o->configure(sv->st, sv->cfg);
}

/* After a reload: end the dynamic streams their origin no longer serves. */
void
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
