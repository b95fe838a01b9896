/*
 * test_history.c - the last hour of a stream (src/shm/history.c) and the
 * JSON of GET /history (src/proto/history_json.c).
 *
 * What the graphs rely on: a sample is found by its interval and by
 * nothing else, so after more than HISTORY_SAMPLES samples the oldest are
 * gone, and an interval that was not sampled reads as missing (never as
 * zero, never as the sample that once sat in its place); marks of one
 * kind within one interval are counted in one mark, the newest
 * HISTORY_MARKS are kept in order, and their text is cut at a character
 * boundary; a wall clock that goes back starts afresh; the window a
 * reader shows ends with the current interval once it is sampled; a
 * reader never takes a torn copy, with a writer in another process
 * writing all the time, and gives up on a slot a dead writer left odd.
 * The JSON is checked with json-c: nulls where samples are missing,
 * rates null where unknown, marks of the window only, 404's condition
 * (no stream) left to the route.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <sys/wait.h>

#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "history_json.h"
#include "seqlock.h"
#include "state.h"
#include "util.h"

#define T_INTERVAL_MS	10000u
#define T_BASE		170000000ull	/* an index: 2023-11 at 10 s */

static struct history_slot *
slot_new(void)
{
	struct history_slot *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	history_reset(h, "news", T_INTERVAL_MS);
	return h;
}

static void
put(struct history_slot *h, uint64_t index, uint32_t clients, int rates)
{
	struct history_sample s;

	memset(&s, 0, sizeof(s));
	s.index = index;
	s.clients = clients;
	s.in_rate = index * 3;
	s.out_rate = index * 5;
	s.flags = rates ? HISTORY_HAS_RATES : 0;
	history_put(h, &s);
}

static struct history_data *
copy_of(const struct history_slot *h)
{
	struct history_data *d = malloc(sizeof(*d));

	assert_non_null(d);
	assert_int_equal(history_read(h, d), 0);
	return d;
}

static void
test_empty_history(void **state)
{
	struct history_slot *h = slot_new();
	struct history_data *d = copy_of(h);
	struct history_sample s;
	uint64_t first, last, i;

	(void)state;
	assert_string_equal(d->name, "news");
	assert_int_equal(d->interval_ms, T_INTERVAL_MS);
	assert_int_equal(history_window(d, T_BASE * T_INTERVAL_MS + 1,
	    &first, &last), 0);
	/* the current interval is not sampled: the window ends before it */
	assert_true(last == T_BASE - 1);
	assert_true(last - first + 1 == HISTORY_SAMPLES);
	for (i = first; i <= last; i++)
		assert_int_equal(history_sample_at(d, i, &s), 0);
	assert_int_equal(history_marks(d), 0);
	/* a slot without an interval has no window */
	history_reset(h, "", 0);
	free(d);
	d = copy_of(h);
	assert_int_equal(history_window(d, 1000, &first, &last), -1);
	free(d);
	free(h);
}

static void
test_samples_by_interval(void **state)
{
	struct history_slot *h = slot_new();
	struct history_data *d;
	struct history_sample s;
	uint64_t first, last;

	(void)state;
	put(h, T_BASE, 2, 0);
	put(h, T_BASE + 1, 3, 1);
	put(h, T_BASE + 3, 5, 1);	/* T_BASE + 2 was not sampled */
	d = copy_of(h);
	assert_true(d->last_index == T_BASE + 3);
	assert_int_equal(history_sample_at(d, T_BASE, &s), 1);
	assert_int_equal(s.clients, 2);
	assert_int_equal(s.flags & HISTORY_HAS_RATES, 0);
	assert_int_equal(history_sample_at(d, T_BASE + 1, &s), 1);
	assert_int_equal(s.clients, 3);
	assert_true(s.in_rate == (T_BASE + 1) * 3);
	assert_true(s.out_rate == (T_BASE + 1) * 5);
	assert_int_equal(history_sample_at(d, T_BASE + 2, &s), 0);
	assert_int_equal(history_sample_at(d, T_BASE - 1, &s), 0);
	assert_int_equal(history_sample_at(d, 0, &s), 0);
	/* sampled now: the window ends with the current interval */
	history_window(d, (T_BASE + 3) * T_INTERVAL_MS + 9999, &first, &last);
	assert_true(last == T_BASE + 3);
	assert_true(first == T_BASE + 3 - (HISTORY_SAMPLES - 1));
	/* later, the supervisor not sampling: the window moves on anyway,
	 * and the intervals it did not sample are missing */
	history_window(d, (T_BASE + 10) * T_INTERVAL_MS, &first, &last);
	assert_true(last == T_BASE + 9);
	assert_int_equal(history_sample_at(d, T_BASE + 9, &s), 0);
	/* the same index again replaces its sample */
	put(h, T_BASE + 3, 7, 1);
	free(d);
	d = copy_of(h);
	assert_int_equal(history_sample_at(d, T_BASE + 3, &s), 1);
	assert_int_equal(s.clients, 7);
	free(d);
	free(h);
}

static void
test_wraps_after_an_hour(void **state)
{
	struct history_slot *h = slot_new();
	struct history_data *d;
	struct history_sample s;
	uint64_t i, n = HISTORY_SAMPLES + 140;

	(void)state;
	for (i = 0; i < n; i++)
		put(h, T_BASE + i, (uint32_t)i, 1);
	d = copy_of(h);
	/* the newest HISTORY_SAMPLES are there, the older ones gone */
	for (i = 0; i < n; i++) {
		int kept = i >= n - HISTORY_SAMPLES;

		assert_int_equal(history_sample_at(d, T_BASE + i, &s), kept);
		if (kept)
			assert_int_equal(s.clients, (uint32_t)i);
	}
	free(d);
	/* a gap after the wrap: the places of the intervals skipped still
	 * hold samples of an hour ago, which must read as missing */
	put(h, T_BASE + n + 5, 1, 1);
	d = copy_of(h);
	for (i = n; i < n + 5; i++)
		assert_int_equal(history_sample_at(d, T_BASE + i, &s), 0);
	assert_int_equal(history_sample_at(d, T_BASE + n + 5, &s), 1);
	assert_int_equal(history_sample_at(d, T_BASE + n - 1, &s), 1);
	free(d);
	free(h);
}

static void
test_clock_going_back_starts_afresh(void **state)
{
	struct history_slot *h = slot_new();
	struct history_data *d;
	struct history_sample s;

	(void)state;
	put(h, T_BASE + 100, 4, 1);
	history_mark(h, (T_BASE + 100) * T_INTERVAL_MS, HISTORY_MARK_ERROR,
	    "x");
	put(h, T_BASE + 50, 1, 0);
	d = copy_of(h);
	assert_int_equal(history_sample_at(d, T_BASE + 100, &s), 0);
	assert_int_equal(history_sample_at(d, T_BASE + 50, &s), 1);
	assert_true(d->last_index == T_BASE + 50);
	assert_int_equal(history_marks(d), 0);
	assert_string_equal(d->name, "news");
	free(d);
	free(h);
}

static void
test_marks(void **state)
{
	struct history_slot *h = slot_new();
	const struct history_mark *m;
	struct history_data *d;
	uint64_t t = T_BASE * T_INTERVAL_MS;
	uint32_t i;

	(void)state;
	history_mark(h, t + 100, HISTORY_MARK_ERROR, "HTTP 503");
	history_mark(h, t + 200, HISTORY_MARK_RECONNECT, "http://a/");
	history_mark(h, t + 300, HISTORY_MARK_ERROR, "HTTP 500");
	history_mark(h, t + T_INTERVAL_MS, HISTORY_MARK_ERROR, "timeout");
	history_mark(h, t + T_INTERVAL_MS + 1, HISTORY_MARK_FAILOVER, NULL);
	d = copy_of(h);
	assert_int_equal(history_marks(d), 4);
	/* two errors of one interval: one mark, counted, newest text */
	m = history_mark_at(d, 0);
	assert_int_equal(m->kind, HISTORY_MARK_ERROR);
	assert_true(m->time_ms == t + 100);
	assert_int_equal(m->count, 2);
	assert_string_equal(m->text, "HTTP 500");
	m = history_mark_at(d, 1);
	assert_int_equal(m->kind, HISTORY_MARK_RECONNECT);
	assert_int_equal(m->count, 1);
	m = history_mark_at(d, 2);	/* the next interval: a new mark */
	assert_int_equal(m->kind, HISTORY_MARK_ERROR);
	assert_string_equal(m->text, "timeout");
	m = history_mark_at(d, 3);
	assert_string_equal(history_mark_name(m->kind), "failover");
	assert_string_equal(m->text, "");
	free(d);
	/* more than HISTORY_MARKS: the newest are kept, oldest first */
	for (i = 0; i < HISTORY_MARKS + 10; i++)
		history_mark(h, t + (uint64_t)(i + 5) * T_INTERVAL_MS,
		    HISTORY_MARK_STOP, "idle");
	d = copy_of(h);
	assert_int_equal(history_marks(d), HISTORY_MARKS);
	for (i = 0; i < HISTORY_MARKS; i++)
		assert_true(history_mark_at(d, i)->time_ms == t +
		    (uint64_t)(i + 15) * T_INTERVAL_MS);
	free(d);
	free(h);
}

static void
test_mark_text_cut_at_a_character(void **state)
{
	struct history_slot *h = slot_new();
	char text[200];
	struct history_data *d;
	size_t n;

	(void)state;
	/* 77 ASCII bytes then "é" (2 bytes): 79 fit exactly */
	memset(text, 'a', 77);
	strcpy(text + 77, "\xc3\xa9tail");
	history_mark(h, 1000, HISTORY_MARK_ERROR, text);
	/* 78 ASCII bytes then "é": its second byte would not fit */
	memset(text, 'a', 78);
	strcpy(text + 78, "\xc3\xa9tail");
	history_mark(h, 1000 + T_INTERVAL_MS, HISTORY_MARK_ERROR, text);
	/* 77 then a 4-byte character, cut after its second byte */
	memset(text, 'a', 77);
	strcpy(text + 77, "\xf0\x9f\x93\xbatail");
	history_mark(h, 1000 + 2 * T_INTERVAL_MS, HISTORY_MARK_ERROR, text);
	d = copy_of(h);
	n = strlen(history_mark_at(d, 0)->text);
	assert_int_equal(n, 79);
	assert_memory_equal(history_mark_at(d, 0)->text + 77, "\xc3\xa9", 2);
	assert_int_equal(strlen(history_mark_at(d, 1)->text), 78);
	assert_int_equal(strlen(history_mark_at(d, 2)->text), 77);
	free(d);
	free(h);
}

/* A writer that died mid-write leaves the slot unreadable, not torn;
 * the next write heals it. */
static void
test_dead_writer(void **state)
{
	struct history_slot *h = slot_new();
	struct history_data *d = malloc(sizeof(*d));

	(void)state;
	assert_non_null(d);
	put(h, T_BASE, 1, 1);
	seqlock_write_begin(&h->seq);		/* the writer dies here */
	h->d.samples[T_BASE % HISTORY_SAMPLES].clients = 99;
	assert_int_equal(history_read(h, d), -1);
	put(h, T_BASE + 1, 2, 1);
	assert_int_equal(history_read(h, d), 0);
	assert_true(d->last_index == T_BASE + 1);
	free(d);
	free(h);
}

/* Every sample of a copy belongs to the copy's moment: the window before
 * last_index is whole and each sample says what its writer wrote. */
static int
copy_consistent(const struct history_data *d)
{
	struct history_sample s;
	uint64_t i, from, t;

	if (d->last_index < T_BASE)
		return 1;		/* nothing written yet */
	from = d->last_index - (HISTORY_SAMPLES - 1);
	for (i = from < T_BASE ? T_BASE : from; i <= d->last_index; i++)
		if (!history_sample_at(d, i, &s) || s.in_rate != i * 3 ||
		    s.out_rate != i * 5 || s.clients != (uint32_t)(i % 1000))
			return 0;
	if (history_marks(d) == 0)
		return 1;
	/* the writer marks after each sample: the copy may fall between */
	t = history_mark_at(d, history_marks(d) - 1)->time_ms;
	return t == d->last_index * T_INTERVAL_MS ||
	    t == (d->last_index - 1) * T_INTERVAL_MS;
}

static void
test_reader_never_sees_a_torn_copy(void **state)
{
	struct history_slot *h;
	struct history_data *d = malloc(sizeof(*d));
	int copies = 0, torn = 0, status;
	uint64_t i, deadline = now_ms() + 20000;
	pid_t pid;

	(void)state;
	assert_non_null(d);
	h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(h != MAP_FAILED);
	history_reset(h, "news", T_INTERVAL_MS);
	if ((pid = fork()) == 0) {
		for (i = T_BASE; ; i++) {	/* until killed */
			put(h, i, (uint32_t)(i % 1000), 1);
			history_mark(h, i * T_INTERVAL_MS, HISTORY_MARK_ERROR,
			    "e");
			usleep(5);	/* a busy writer, readers get through */
		}
	}
	assert_true(pid > 0);
	/* until the writer has gone round the ring a few times */
	while (now_ms() < deadline && (copies < 2000 ||
	    d->last_index < T_BASE + 4 * HISTORY_SAMPLES)) {
		if (history_read(h, d) == -1)
			continue;	/* gave up: the writer is that busy */
		copies++;
		if (!copy_consistent(d)) {
			torn++;
			break;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	assert_int_equal(torn, 0);
	assert_true(d->last_index >= T_BASE + 4 * HISTORY_SAMPLES);
	munmap(h, sizeof(*h));
	free(d);
}

/* ---- the JSON of GET /history ---- */

static struct state *
state_new(void)
{
	struct state *st = calloc(1, sizeof(*st));
	struct stream_conf sc;

	assert_non_null(st);
	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "news");
	state_slot_configure(st, 3, &sc);
	snprintf(sc.name, sizeof(sc.name), "sports");
	state_slot_configure(st, 5, &sc);
	atomic_store(&st->history_interval_ms, T_INTERVAL_MS);
	return st;
}

static json_object *
history_doc(const struct state *st, int slot, uint64_t now)
{
	struct buf b;
	json_object *j;

	buf_init(&b);
	assert_int_equal(history_json(st, slot, now, &b), 0);
	j = json_tokener_parse(buf_str(&b));
	assert_non_null(j);
	buf_free(&b);
	return j;
}

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static void
test_json(void **state)
{
	struct state *st = state_new();
	struct history_slot *h = &st->history[3];
	uint64_t now = (T_BASE + 2) * T_INTERVAL_MS + 300;
	json_object *j, *samples, *s, *marks, *m;

	(void)state;
	history_reset(h, "news", T_INTERVAL_MS);
	put(h, T_BASE, 2, 0);
	put(h, T_BASE + 2, 3, 1);
	/* in the window, and one too old for it */
	history_mark(h, (T_BASE - 400) * T_INTERVAL_MS, HISTORY_MARK_START,
	    "old");
	history_mark(h, T_BASE * T_INTERVAL_MS + 1234, HISTORY_MARK_ERROR,
	    "HTTP \"503\"");
	j = history_doc(st, 3, now);
	assert_string_equal(json_object_get_string(get(j, "stream")), "news");
	assert_int_equal(json_object_get_int(get(j, "interval")), 10);
	assert_true((uint64_t)json_object_get_int64(get(j, "end")) ==
	    (T_BASE + 2) * 10);
	assert_true((uint64_t)json_object_get_int64(get(j, "start")) ==
	    (T_BASE + 2 - (HISTORY_SAMPLES - 1)) * 10);
	samples = get(j, "samples");
	assert_int_equal(json_object_array_length(samples), HISTORY_SAMPLES);
	/* oldest first: ..., T_BASE, (missing), T_BASE + 2 */
	assert_null(json_object_array_get_idx(samples, HISTORY_SAMPLES - 2));
	assert_null(json_object_array_get_idx(samples, 0));
	s = json_object_array_get_idx(samples, HISTORY_SAMPLES - 3);
	assert_true((uint64_t)json_object_get_int64(get(s, "time")) ==
	    T_BASE * 10);
	assert_int_equal(json_object_get_int(get(s, "clients")), 2);
	assert_null(get(s, "in"));		/* no rates: null, not 0 */
	assert_null(get(s, "out"));
	s = json_object_array_get_idx(samples, HISTORY_SAMPLES - 1);
	assert_int_equal(json_object_get_int(get(s, "clients")), 3);
	assert_true((uint64_t)json_object_get_int64(get(s, "in")) ==
	    (T_BASE + 2) * 3);
	assert_true((uint64_t)json_object_get_int64(get(s, "out")) ==
	    (T_BASE + 2) * 5);
	marks = get(j, "marks");
	assert_int_equal(json_object_array_length(marks), 1);
	m = json_object_array_get_idx(marks, 0);
	assert_string_equal(json_object_get_string(get(m, "kind")), "error");
	assert_string_equal(json_object_get_string(get(m, "text")),
	    "HTTP \"503\"");
	assert_int_equal(json_object_get_int(get(m, "count")), 1);
	assert_true(fabs(json_object_get_double(get(m, "time")) -
	    ((double)(T_BASE * 10) + 1.234)) < 1e-6);
	json_object_put(j);
	/* sports has no history yet: every sample null, no marks */
	j = history_doc(st, 5, now);
	samples = get(j, "samples");
	assert_int_equal(json_object_array_length(samples), HISTORY_SAMPLES);
	assert_null(json_object_array_get_idx(samples, HISTORY_SAMPLES - 1));
	assert_int_equal(json_object_array_length(get(j, "marks")), 0);
	json_object_put(j);
	free(st);
}

static void
test_json_list(void **state)
{
	struct state *st = state_new();
	struct buf b;

	(void)state;
	history_reset(&st->history[3], "news", T_INTERVAL_MS);
	/* a slot whose history is another stream's is not listed */
	history_reset(&st->history[5], "old", T_INTERVAL_MS);
	buf_init(&b);
	assert_int_equal(history_list_json(st, &b), 0);
	assert_string_equal(buf_str(&b),
	    "{\"interval\":10,\"streams\":[\"news\"]}");
	buf_free(&b);
	/* an unused slot answers nothing */
	buf_init(&b);
	assert_int_equal(history_json(st, 7, T_BASE * T_INTERVAL_MS, &b), -1);
	buf_free(&b);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_history),
		cmocka_unit_test(test_samples_by_interval),
		cmocka_unit_test(test_wraps_after_an_hour),
		cmocka_unit_test(test_clock_going_back_starts_afresh),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_mark_text_cut_at_a_character),
		cmocka_unit_test(test_dead_writer),
		cmocka_unit_test(test_reader_never_sees_a_torn_copy),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
