/*
 * history.c - the last hour of every stream: samples and marks in the
 * state segment (see history.h).
 *
 * Design: one writer, the supervisor, and a seqlock a stream, as the
 * state segment's other records (seqlock.h); a reader copies the whole
 * slot (about 36 KB, a few microseconds) and then reads its copy at
 * leisure, so the JSON of GET /history is built from one consistent
 * moment.  The writer touches a slot once an interval and once an
 * event, so a reader almost never retries.  Samples are found by their
 * index rather than by a head and a count: what was not written for an
 * interval is simply absent, which is what a missing sample must read
 * as.
 */
#include <string.h>

#include "history.h"
#include "seqlock.h"
#include "util.h"

void
history_reset(struct history_slot *h, const char *name, uint32_t interval_ms)
{
	seqlock_write_begin(&h->seq);
	memset(&h->d, 0, sizeof(h->d));
	h->d.interval_ms = interval_ms;
	str_copy(h->d.name, name, sizeof(h->d.name));
	seqlock_write_end(&h->seq);
}

void
history_put(struct history_slot *h, const struct history_sample *s)
{
	struct history_data *d = &h->d;

	if (s->index == 0)
		return;
	seqlock_write_begin(&h->seq);
	if (s->index < d->last_index) {	/* the clock went back */
		memset(d->samples, 0, sizeof(d->samples));
		memset(d->marks, 0, sizeof(d->marks));
		d->n_marks = 0;
	}
	d->samples[s->index % HISTORY_SAMPLES] = *s;
	d->last_index = s->index;
	seqlock_write_end(&h->seq);
}

/* The newest mark of KIND in the interval of TIME_MS, or NULL. */
static struct history_mark *
history_mark_same(struct history_data *d, uint64_t time_ms,
    enum history_mark_kind kind)
{
	uint64_t interval = d->interval_ms ? d->interval_ms : 1;
	uint32_t i, kept = history_marks(d);
	struct history_mark *m;

	for (i = 0; i < kept; i++) {
		m = &d->marks[(d->n_marks - 1 - i) % HISTORY_MARKS];
		if (m->time_ms / interval != time_ms / interval)
			return NULL;	/* older marks are older still */
		if (m->kind == (uint32_t)kind)
			return m;
	}
	return NULL;
}

/* TEXT into a mark, cut to fit at a character boundary (UTF-8), so that
 * the JSON made of it stays valid UTF-8. */
static void
history_text(char out[HISTORY_MARK_TEXT], const char *text)
{
	size_t n = strlen(text), start, len;
	unsigned char lead;

	if (n < HISTORY_MARK_TEXT) {
		memcpy(out, text, n + 1);
		return;
	}
	n = HISTORY_MARK_TEXT - 1;
	memcpy(out, text, n);
	for (start = n; start > 0 &&
	    ((unsigned char)out[start - 1] & 0xc0) == 0x80; start--)
		;
	if (start > 0 && (lead = (unsigned char)out[start - 1]) >= 0xc0) {
		len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
		if (start - 1 + len > n)	/* its last bytes were cut */
			n = start - 1;
	}
	out[n] = '\0';
}

void
history_mark(struct history_slot *h, uint64_t time_ms,
    enum history_mark_kind kind, const char *text)
{
	struct history_data *d = &h->d;
	struct history_mark *m;

	seqlock_write_begin(&h->seq);
	if ((m = history_mark_same(d, time_ms, kind)) != NULL)
		m->count++;
	else {
		m = &d->marks[d->n_marks % HISTORY_MARKS];
		d->n_marks++;
		m->time_ms = time_ms;
		m->kind = (uint32_t)kind;
		m->count = 1;
	}
	history_text(m->text, text ? text : "");
	seqlock_write_end(&h->seq);
}

int
history_read(const struct history_slot *h, struct history_data *out)
{
	struct seqlock_reader rd = SEQLOCK_READER(&h->seq);

	while (seqlock_read_next(&rd))
		memcpy(out, &h->d, sizeof(*out));
	if (!rd.ok)
		return -1;
	out->name[sizeof(out->name) - 1] = '\0';
	return 0;
}

int
history_window(const struct history_data *d, uint64_t now_ms,
    uint64_t *first, uint64_t *last)
{
	uint64_t cur;

	if (d->interval_ms == 0)
		return -1;
	cur = now_ms / d->interval_ms;
	*last = d->last_index == cur || cur == 0 ? cur : cur - 1;
	*first = *last >= HISTORY_SAMPLES ? *last - (HISTORY_SAMPLES - 1) : 0;
	return 0;
}

int
history_sample_at(const struct history_data *d, uint64_t index,
    struct history_sample *out)
{
	const struct history_sample *s = &d->samples[index % HISTORY_SAMPLES];

	if (index == 0 || s->index != index)
		return 0;
	*out = *s;
	return 1;
}

uint32_t
history_marks(const struct history_data *d)
{
	return d->n_marks < HISTORY_MARKS ? d->n_marks : HISTORY_MARKS;
}

const struct history_mark *
history_mark_at(const struct history_data *d, uint32_t i)
{
	return &d->marks[(d->n_marks - history_marks(d) + i) % HISTORY_MARKS];
}

const char *
history_mark_name(enum history_mark_kind kind)
{
	switch (kind) {
	case HISTORY_MARK_START:	return "start";
	case HISTORY_MARK_STOP:		return "stop";
	case HISTORY_MARK_ERROR:	return "error";
	case HISTORY_MARK_RECONNECT:	return "reconnect";
	case HISTORY_MARK_FAILOVER:	return "failover";
	case HISTORY_MARK_NONE:
	case HISTORY_MARK_KINDS:	break;
	}
	return "";
}
