/*
 * sup_drain.c - `ringcastctl drain ENGINE` and `undrain ENGINE`: an
 * engine taken out of the choice, its streams moved to others.
 *
 * Draining sets the engine's flag in the state segment (the engine
 * choice, ace_engine_choosable, then never picks it).  Each tick, every
 * content-id stream still on a drained engine is moved: the choice picks
 * another engine with room, the stream's conf and record name it, and
 * its fetcher is ended, so that the supervisor starts it again on the
 * new engine in the same ring, as after any fetcher's death: its players
 * keep their connections and get null packets meanwhile, and the old
 * session is stopped by the engine monitor (the orphan queue).  A stream
 * that finds no engine with room stays where it is until one has room;
 * sup_engines_tick counts those as waiting, so a managed pool starts an
 * engine for them.  A managed engine that is drained and empty is
 * stopped (sup_engines.c); a configured one stays unused until undrain.
 * An engine that is down (failed ACE_DOWN_AFTER_FAILS health checks in
 * a row) has its streams moved the same way, at once rather than when
 * each fetcher gives up on it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ace_client.h"
#include "json.h"
#include "log.h"
#include "sup_private.h"
#include "util.h"

/* The engines with their load as the choice sees them; how many.
 * PLACE[k]: the state segment's index of the k-th. */
static int
drain_engines(struct supervisor *sv, struct ace_engine_view *v,
    struct ace_pick *pick, int *place)
{
	struct ace_slot_view sl;
	int i, j, n = 0;

	for (i = 0; i < ACE_MAX_ENGINES; i++) {
		if (ace_state_engine(&sv->st->ace, i, &v[n]) == -1)
			continue;
		pick[n].usable = v[n].health != ACE_HEALTH_DOWN &&
		    ace_engine_choosable(&v[n]);
		pick[n].streams = 0;
		place[n++] = i;
	}
	for (j = 0; j < CONFIG_MAX_STREAMS; j++) {
		if (ace_state_slot(&sv->st->ace, j, &sl) == -1)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(sl.engine, v[i].url) == 0)
				pick[i].streams++;
	}
	return n;
}

/* The state segment's index of ENGINE: its URL, or its place (from 0)
 * in /status's engines; -1 when there is none. */
static int
drain_find(struct supervisor *sv, const char *engine)
{
	struct ace_engine_view v[ACE_MAX_ENGINES];
	struct ace_pick pick[ACE_MAX_ENGINES];
	int place[ACE_MAX_ENGINES], i, n;
	char *end;
	long k;

	n = drain_engines(sv, v, pick, place);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].url, engine) == 0)
			return place[i];
	k = strtol(engine, &end, 10);
	if (engine[0] != '\0' && *end == '\0' && k >= 0 && k < n)
		return place[k];
	return -1;
}

int
sup_drain(struct supervisor *sv, const char *engine, int on, char *err,
    size_t errsz)
{
	struct ace_engine_view v;
	int i;

	if (engine == NULL || (i = drain_find(sv, engine)) == -1 ||
	    ace_state_engine(&sv->st->ace, i, &v) == -1) {
		snprintf(err, errsz, "no engine %s (give its URL, or its place "
		    "in /status acestream.engines from 0)", engine ? engine :
		    "named");
		return -1;
	}
	atomic_store(&sv->st->ace.engines[i].draining, on ? 1u : 0u);
	log_info("engine %s: %s", v.url, on ? "drained: its streams move to "
	    "other engines, it takes no new one" : "undrained: it takes "
	    "streams again");
	if (on)
		sup_drain_tick(sv);
	return 0;
}

static void
drain_event(struct supervisor *sv, int slot, const char *from, const char *to,
    const char *reason)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", "stream_moved");
	json_kv_str(&b, "stream", sv->streams[slot].name);
	json_kv_str(&b, "from", from);
	json_kv_str(&b, "to", to);
	json_kv_str(&b, "reason", reason);
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

/* Move the stream of SLOT, on engine CUR (of the N in V and PICK), to
 * another with room: 1 moved, 0 none has room. */
static int
drain_move(struct supervisor *sv, int slot, int cur,
    const struct ace_engine_view *v, struct ace_pick *pick, int n)
{
	struct stream_conf *sc = sv->streams[slot].dyn;
	struct proc *p;
	char *url;
	int i;

	if (sc == NULL || (i = ace_pick_engine(pick, n,
	    sv->cfg->ace.max_streams_per_engine, cur)) == -1 ||
	    (url = strdup(v[i].url)) == NULL)
		return 0;
	log_info("content id %s: engine %s %s; moving to %s", sc->name,
	    v[cur].url, v[cur].draining ? "drained" : "down", url);
	free(sc->url);
	sc->url = url;
	ace_state_slot_set_engine(&sv->st->ace, slot, url);
	pick[i].streams++;
	pick[cur].streams--;
	drain_event(sv, slot, v[cur].url, url, v[cur].draining ? "drain" :
	    "engine_down");
	/* its fetcher starts again on the new engine, in the same ring */
	if ((p = proc_find(&sv->procs, ROLE_FETCHER, slot)) != NULL &&
	    p->pid > 0 && !p->exiting)
		kill(p->pid, SIGTERM);
	return 1;
}

/* 1 when the streams on V are to move: it is drained, or down (failed
 * its health checks), so its streams do not wait for their fetchers to
 * give up on it. */
static int
drain_leave(const struct ace_engine_view *v)
{
	return v->draining || v->health == ACE_HEALTH_DOWN;
}

int
sup_drain_tick(struct supervisor *sv)
{
	struct ace_engine_view v[ACE_MAX_ENGINES];
	struct ace_pick pick[ACE_MAX_ENGINES];
	struct ace_slot_view sl;
	int place[ACE_MAX_ENGINES], i, j, n, stranded = 0;

	n = drain_engines(sv, v, pick, place);
	for (i = 0; i < n && !drain_leave(&v[i]); i++)
		;
	if (i == n)
		return 0;		/* nothing to leave */
	for (j = 0; j < CONFIG_MAX_STREAMS; j++) {
		if (ace_state_slot(&sv->st->ace, j, &sl) == -1)
			continue;
		for (i = 0; i < n; i++)
			if (drain_leave(&v[i]) && strcmp(sl.engine, v[i].url) ==
			    0)
				break;
		if (i < n && !drain_move(sv, j, i, v, pick, n))
			stranded++;
	}
	for (i = 0; i < n; i++)
		atomic_store(&sv->st->ace.engines[place[i]].streams,
		    (uint32_t)pick[i].streams);
	return stranded;
}
