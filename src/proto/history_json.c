/*
 * history_json.c - the JSON of GET /history (see history_json.h).
 *
 * One consistent copy of a stream's history (history_read) is taken,
 * then the window ending now is written out: a sample for every
 * interval, null where the history has none (the supervisor did not
 * sample it: busy, or the stream was not running), so a reader never
 * mistakes a gap for zero.  Rates are null when the sample has none (the
 * first reading after a gap has no previous one to take a difference
 * from).  Times are unix seconds, with milliseconds where they have any.
 */
#include <stdlib.h>
#include <string.h>

#include "history_json.h"
#include "redact.h"
#include "seqlock.h"

/* MS as seconds: "12" or "12.345". */
static void
json_seconds(struct buf *b, uint64_t ms)
{
	if (ms % 1000 == 0)
		buf_printf(b, "%llu", (unsigned long long)(ms / 1000));
	else
		buf_printf(b, "%llu.%03llu", (unsigned long long)(ms / 1000),
		    (unsigned long long)(ms % 1000));
}

static void
json_kv_seconds(struct buf *b, const char *key, uint64_t ms)
{
	json_key(b, key);
	json_seconds(b, ms);
}

static void
history_json_sample(struct buf *b, const struct history_data *d,
    uint64_t index)
{
	struct history_sample s;

	if (!history_sample_at(d, index, &s)) {
		buf_puts(b, "null");
		return;
	}
	buf_puts(b, "{");
	json_kv_seconds(b, "time", index * d->interval_ms);
	json_kv_uint(b, "clients", s.clients);
	if (s.flags & HISTORY_HAS_RATES) {
		json_kv_uint(b, "in", s.in_rate);
		json_kv_uint(b, "out", s.out_rate);
	} else {
		json_key(b, "in");
		buf_puts(b, "null");
		json_key(b, "out");
		buf_puts(b, "null");
	}
	buf_puts(b, "}");
}

/* The marks after FROM_MS, up to TO_MS, oldest first. */
static void
history_json_marks(struct buf *b, const struct history_data *d,
    uint64_t from_ms, uint64_t to_ms)
{
	char hidden[REDACT_URL_MAX];
	const struct history_mark *m;
	uint32_t i, n = history_marks(d);
	int first = 1;

	json_key(b, "marks");
	buf_puts(b, "[");
	for (i = 0; i < n; i++) {
		m = history_mark_at(d, i);
		if (m->time_ms <= from_ms || m->time_ms > to_ms ||
		    m->kind == HISTORY_MARK_NONE || m->kind >= HISTORY_MARK_KINDS)
			continue;
		buf_puts(b, first ? "{" : ",{");
		first = 0;
		json_kv_seconds(b, "time", m->time_ms);
		json_kv_str(b, "kind",
		    history_mark_name((enum history_mark_kind)m->kind));
		json_kv_uint(b, "count", m->count);
		redact_text(m->text, hidden, sizeof(hidden));
		json_kv_str(b, "text", hidden);
		buf_puts(b, "}");
	}
	buf_puts(b, "]");
}

int
history_json(const struct state *st, int slot, uint64_t now_ms,
    struct buf *b)
{
	struct history_data *d;
	struct slot_cfg cfg;
	uint64_t first, last, i;

	if (state_slot_read(st, slot, &cfg) == -1 || !cfg.in_use ||
	    (d = malloc(sizeof(*d))) == NULL)
		return -1;
	if (history_read(&st->history[slot], d) == -1) {
		free(d);
		return -1;
	}
	if (strcmp(d->name, cfg.name) != 0 || d->interval_ms == 0) {
		/* not sampled yet (or the interval changed): empty */
		memset(d, 0, sizeof(*d));
		d->interval_ms = atomic_load(&st->history_interval_ms);
		if (d->interval_ms == 0)	/* the supervisor sets it first */
			d->interval_ms = (uint32_t)(
			    CONFIG_DEFAULT_HISTORY_INTERVAL * 1000.0);
	}
	history_window(d, now_ms, &first, &last);
	buf_puts(b, "{");
	json_kv_str(b, "stream", cfg.name);
	json_kv_seconds(b, "interval", d->interval_ms);
	json_kv_seconds(b, "start", first * d->interval_ms);
	json_kv_seconds(b, "end", last * d->interval_ms);
	json_key(b, "samples");
	buf_puts(b, "[");
	for (i = first; i <= last; i++) {
		if (i > first)
			buf_puts(b, ",");
		history_json_sample(b, d, i);
	}
	buf_puts(b, "]");
	history_json_marks(b, d, first > 0 ? (first - 1) * d->interval_ms : 0,
	    now_ms);
	buf_puts(b, "}");
	free(d);
	return b->failed ? -1 : 0;
}

int
history_list_json(const struct state *st, struct buf *b)
{
	const struct history_slot *h;
	char name[CONFIG_NAME_MAX + 1];
	struct slot_cfg cfg;
	int i, n = 0;

	buf_puts(b, "{");
	json_kv_seconds(b, "interval", atomic_load(&st->history_interval_ms));
	json_key(b, "streams");
	buf_puts(b, "[");
	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		if (!st->streams[i].in_use || state_slot_read(st, i, &cfg) == -1 ||
		    !cfg.in_use)
			continue;
		h = &st->history[i];
		seqlock_read_str(&h->seq, name, sizeof(name), h->d.name,
		    sizeof(h->d.name));
		if (strcmp(name, cfg.name) != 0)
			continue;
		if (n++ > 0)
			buf_puts(b, ",");
		json_str(b, cfg.name);
	}
	buf_puts(b, "]}");
	return b->failed ? -1 : 0;
}
