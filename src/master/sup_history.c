/*
 * sup_history.c - the last hour of every stream, sampled by the
 * supervisor into the state segment (history.h; see sup_private.h).
 *
 * Once every history_interval the supervisor reads each stream's
 * counters, which fetchers and workers keep in the state segment anyway
 * (bytes in, bytes out, clients), and stores a sample: clients as they
 * are, and bytes a second as the difference from the previous reading
 * over the time between the two.  A stream without a fetcher gets no
 * sample for that interval (missing, not zero), and a reading with no
 * reading in the interval before it (a stream just configured, a
 * supervisor that was busy) gets no rates: a difference over a longer
 * gap would pass an average off as one interval's rate.  Marks come from
 * the events the supervisor routes anyway (sup_events.c calls in here):
 * stream_started and stream_ended, upstream_error, and
 * upstream_connected after errors (a reconnect) or on another URL than
 * the one before (a failover).  It calls no other file of the
 * supervisor.
 */
#include <string.h>

#include "json.h"
#include "sup_private.h"
#include "util.h"

static uint32_t
sup_history_interval_ms(const struct supervisor *sv)
{
	return (uint32_t)(sv->cfg->history_interval * 1000.0 + 0.5);
}

/* SLOT's history, made the history of the stream in SLOT now (a slot
 * that changed stream or interval starts afresh; an unused one is
 * emptied). */
static struct history_slot *
sup_history_slot(struct supervisor *sv, int slot)
{
	struct history_slot *h = &sv->st->history[slot];
	const char *name = sv->streams[slot].name;
	uint32_t interval = name[0] != '\0' ? sup_history_interval_ms(sv) : 0;

	/* the supervisor is the only writer: it reads its own data as is */
	if (strcmp(h->d.name, name) != 0 || h->d.interval_ms != interval) {
		history_reset(h, name, interval);
		memset(&sv->history[slot], 0, sizeof(sv->history[slot]));
	}
	return h;
}

/* The rate of a counter that went from BEFORE to NOW in MS, bytes a
 * second. */
static uint64_t
sup_history_rate(uint64_t before, uint64_t now, uint64_t ms)
{
	return (now - before) * 1000 / ms;
}

static void
sup_history_sample(struct supervisor *sv, int slot, uint64_t index,
    uint64_t mono)
{
	struct stream_slot *s = &sv->st->streams[slot];
	struct sup_history *sh = &sv->history[slot];
	struct history_sample smp;
	struct history_slot *h;
	uint64_t in, out;

	if (sv->streams[slot].name[0] == '\0') {
		if (sv->st->history[slot].d.name[0] != '\0')
			sup_history_slot(sv, slot);
		return;
	}
	h = sup_history_slot(sv, slot);
	in = atomic_load(&s->bytes_in);
	out = atomic_load(&s->bytes_out);
	if (atomic_load(&s->fetcher_pid) > 0) {
		memset(&smp, 0, sizeof(smp));
		smp.index = index;
		smp.clients = state_stream_clients(sv->st, slot);
		if (sh->index != 0 && sh->index + 1 == index &&
		    in >= sh->bytes_in && out >= sh->bytes_out &&
		    mono > sh->at_ms) {
			smp.in_rate = sup_history_rate(sh->bytes_in, in,
			    mono - sh->at_ms);
			smp.out_rate = sup_history_rate(sh->bytes_out, out,
			    mono - sh->at_ms);
			smp.flags = HISTORY_HAS_RATES;
		}
		history_put(h, &smp);
	}
	sh->index = index;
	sh->at_ms = mono;
	sh->bytes_in = in;
	sh->bytes_out = out;
}

void
sup_history_tick(struct supervisor *sv, uint64_t wall)
{
	uint64_t index = wall / sup_history_interval_ms(sv), mono = now_ms();
	int i;

	if (index == sv->history_index)
		return;		/* this interval is sampled */
	sv->history_index = index;
	for (i = 0; i < STATE_MAX_STREAMS; i++)
		sup_history_sample(sv, i, index, mono);
}

/* The slot of the stream called NAME (kept until its end is sent), or
 * -1. */
static int
sup_history_find(const struct supervisor *sv, const char *name)
{
	int i;

	for (i = 0; i < STATE_MAX_STREAMS; i++)
		if (sv->streams[i].name[0] != '\0' &&
		    strcmp(sv->streams[i].name, name) == 0)
			return i;
	return -1;
}

/* An upstream event naming URL: a failover mark when the stream's
 * upstream was another URL until now. */
static void
sup_history_url(struct sup_history *sh, struct history_slot *h,
    uint64_t wall, const char *url, int *moved)
{
	*moved = sh->url[0] != '\0' && url[0] != '\0' &&
	    strcmp(sh->url, url) != 0;
	if (*moved)
		history_mark(h, wall, HISTORY_MARK_FAILOVER, url);
	if (url[0] != '\0')
		str_copy(sh->url, url, sizeof(sh->url));
}

void
sup_history_event(struct supervisor *sv, const char *obj)
{
	char event[32], name[CONFIG_NAME_MAX + 1], url[STATE_URL_MAX];
	char text[STATE_ERROR_MAX];
	struct history_slot *h;
	struct sup_history *sh;
	uint64_t wall = wall_ms();
	int slot, moved;

	if (json_get_str(obj, "event", event, sizeof(event)) == -1 ||
	    (strncmp(event, "stream_", 7) != 0 &&
	    strncmp(event, "upstream_", 9) != 0) ||
	    json_get_str(obj, "stream", name, sizeof(name)) == -1 ||
	    (slot = sup_history_find(sv, name)) == -1)
		return;
	h = sup_history_slot(sv, slot);
	sh = &sv->history[slot];
	if (json_get_str(obj, "url", url, sizeof(url)) == -1)
		url[0] = '\0';
	if (strcmp(event, "stream_started") == 0) {
		sh->url[0] = '\0';
		sh->failed = 0;
		history_mark(h, wall, HISTORY_MARK_START, url);
	} else if (strcmp(event, "stream_ended") == 0) {
		if (json_get_str(obj, "reason", text, sizeof(text)) == -1)
			text[0] = '\0';
		history_mark(h, wall, HISTORY_MARK_STOP, text);
	} else if (strcmp(event, "upstream_error") == 0) {
		sup_history_url(sh, h, wall, url, &moved);
		if (json_get_str(obj, "error", text, sizeof(text)) == -1)
			text[0] = '\0';
		history_mark(h, wall, HISTORY_MARK_ERROR, text);
		sh->failed = 1;
	} else if (strcmp(event, "upstream_connected") == 0) {
		sup_history_url(sh, h, wall, url, &moved);
		if (sh->failed && !moved)
			history_mark(h, wall, HISTORY_MARK_RECONNECT, url);
		sh->failed = 0;
	}
}
