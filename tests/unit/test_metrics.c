/*
 * test_metrics.c - performance samples: nearest-rank percentile maths,
 * success rate, time windows, ring wrap, merging of process blocks, slot
 * reset, the /metrics/performance JSON, and the guarantee that a writer
 * SIGKILLed at any instant (or a reset racing a reader) never shows a
 * reader a torn sample.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "metrics.h"

#define OP	METRICS_HLS_SEGMENT_FETCH

static int
setup_shm(void **state)
{
	struct metrics_shm *m;

	/* like the daemon's segment: shared, zero-filled, lazily backed */
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	metrics_init(m);
	*state = m;
	return 0;
}

static int
teardown_shm(void **state)
{
	munmap(*state, sizeof(struct metrics_shm));
	return 0;
}

static void
summarize(const double *ms, const uint8_t *ok, size_t n,
    struct metrics_summary *s)
{
	assert_int_equal(metrics_summarize(ms, ok, n, s), 0);
}

static void
test_op_names(void **state)
{
	int op;

	(void)state;
	for (op = 0; op < METRICS_OPS; op++)
		assert_int_equal(metrics_op_from_name(metrics_op_name(op)), op);
	assert_string_equal(metrics_op_name(METRICS_HLS_SEGMENT_FETCH),
	    "hls_segment_fetch");
	assert_string_equal(metrics_op_name(METRICS_PROCESS_STATS_COLLECTION),
	    "process_stats_collection");
	assert_int_equal(metrics_op_from_name("ts_ingest"), METRICS_TS_INGEST);
	assert_int_equal(metrics_op_from_name("event_dispatch"),
	    METRICS_EVENT_DISPATCH);
	assert_int_equal(metrics_op_from_name("bogus"), -1);
	assert_int_equal(metrics_op_from_name(""), -1);
	assert_int_equal(metrics_op_from_name("TS_INGEST"), -1);
	assert_int_equal(metrics_op_from_name(NULL), -1);
	assert_null(metrics_op_name(METRICS_OPS));
}

static void
test_check_layout(void **state)
{
	struct metrics_shm *m = *state;

	assert_int_equal(metrics_check(m), 0);
	m->magic = 0;
	assert_int_equal(metrics_check(m), -1);
	metrics_init(m);
	m->version++;
	assert_int_equal(metrics_check(m), -1);
	metrics_init(m);
	assert_int_equal(metrics_check(NULL), -1);
	assert_int_equal(sizeof(struct metrics_sample), 16);
}

static void
test_summarize_one(void **state)
{
	double ms[] = { 7.5 };
	struct metrics_summary s;

	(void)state;
	summarize(ms, NULL, 1, &s);
	assert_int_equal(s.count, 1);
	assert_float_equal(s.avg_ms, 7.5, 1e-12);
	assert_float_equal(s.min_ms, 7.5, 1e-12);
	assert_float_equal(s.max_ms, 7.5, 1e-12);
	assert_float_equal(s.p50_ms, 7.5, 1e-12);
	assert_float_equal(s.p95_ms, 7.5, 1e-12);
	assert_float_equal(s.p99_ms, 7.5, 1e-12);
	assert_float_equal(s.success_rate, 1.0, 1e-12);
}

static void
test_summarize_two(void **state)
{
	double ms[] = { 20.0, 10.0 };
	struct metrics_summary s;

	(void)state;
	summarize(ms, NULL, 2, &s);
	assert_int_equal(s.count, 2);
	assert_float_equal(s.avg_ms, 15.0, 1e-12);
	assert_float_equal(s.min_ms, 10.0, 1e-12);
	assert_float_equal(s.max_ms, 20.0, 1e-12);
	/* ranks ceil(1.0) = 1, ceil(1.9) = 2, ceil(1.98) = 2 */
	assert_float_equal(s.p50_ms, 10.0, 1e-12);
	assert_float_equal(s.p95_ms, 20.0, 1e-12);
	assert_float_equal(s.p99_ms, 20.0, 1e-12);
}

static void
test_summarize_hundred_unsorted(void **state)
{
	double ms[100], orig[100];
	struct metrics_summary s;
	int i;

	(void)state;
	/* 1..100 in a scrambled order (37 is coprime with 100) */
	for (i = 0; i < 100; i++)
		ms[i] = (double)((i * 37) % 100 + 1);
	memcpy(orig, ms, sizeof(ms));
	summarize(ms, NULL, 100, &s);
	assert_int_equal(s.count, 100);
	assert_float_equal(s.p50_ms, 50.0, 1e-12);
	assert_float_equal(s.p95_ms, 95.0, 1e-12);
	assert_float_equal(s.p99_ms, 99.0, 1e-12);
	assert_float_equal(s.min_ms, 1.0, 1e-12);
	assert_float_equal(s.max_ms, 100.0, 1e-12);
	assert_float_equal(s.avg_ms, 50.5, 1e-12);
	/* the input is left alone */
	assert_memory_equal(ms, orig, sizeof(ms));
}

static void
test_summarize_other_sizes(void **state)
{
	double ms[200];
	struct metrics_summary s;
	int i;

	(void)state;
	for (i = 0; i < 200; i++)
		ms[i] = (double)(200 - i);
	summarize(ms, NULL, 10, &s);		/* 200..191 */
	/* ranks 5, ceil(9.5) = 10, ceil(9.9) = 10 of 191..200 */
	assert_float_equal(s.p50_ms, 195.0, 1e-12);
	assert_float_equal(s.p95_ms, 200.0, 1e-12);
	assert_float_equal(s.p99_ms, 200.0, 1e-12);
	summarize(ms, NULL, 200, &s);		/* 1..200 */
	assert_float_equal(s.p50_ms, 100.0, 1e-12);
	assert_float_equal(s.p95_ms, 190.0, 1e-12);
	assert_float_equal(s.p99_ms, 198.0, 1e-12);
	summarize(ms + 199, NULL, 1, &s);
	assert_float_equal(s.p99_ms, 1.0, 1e-12);
	/* 1000 values: ranks 500, 950, 990 */
	{
		double big[1000];

		for (i = 0; i < 1000; i++)
			big[i] = (double)(1000 - i) / 4.0;
		summarize(big, NULL, 1000, &s);
		assert_float_equal(s.p50_ms, 125.0, 1e-12);
		assert_float_equal(s.p95_ms, 237.5, 1e-12);
		assert_float_equal(s.p99_ms, 247.5, 1e-12);
	}
}

static void
test_summarize_duplicates(void **state)
{
	double ms[] = { 5.0, 5.0, 9.0, 5.0, 1.0 };
	double same[] = { 3.0, 3.0, 3.0, 3.0 };
	struct metrics_summary s;

	(void)state;
	summarize(ms, NULL, 5, &s);		/* 1 5 5 5 9 */
	assert_float_equal(s.avg_ms, 5.0, 1e-12);
	assert_float_equal(s.p50_ms, 5.0, 1e-12);	/* rank 3 */
	assert_float_equal(s.p95_ms, 9.0, 1e-12);	/* rank 5 */
	assert_float_equal(s.p99_ms, 9.0, 1e-12);
	assert_float_equal(s.min_ms, 1.0, 1e-12);
	summarize(same, NULL, 4, &s);
	assert_float_equal(s.min_ms, 3.0, 1e-12);
	assert_float_equal(s.p50_ms, 3.0, 1e-12);
	assert_float_equal(s.p99_ms, 3.0, 1e-12);
	assert_float_equal(s.max_ms, 3.0, 1e-12);
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The textbook definition: sort, take element ceil(P * n / 100). */
static double
reference_rank(const double *sorted, size_t n, unsigned pct)
{
	size_t rank = (size_t)ceil((double)pct * (double)n / 100.0 - 1e-9);

	return sorted[(rank < 1 ? 1 : rank) - 1];
}

/*
 * Percentiles come from a selection algorithm, not a sort: check them
 * against sort-then-index on many shapes (random, few distinct values,
 * all equal, ascending, descending, organ pipe) and sizes.
 */
static void
test_summarize_matches_sorting(void **state)
{
	static double ms[5000], sorted[5000];
	struct metrics_summary s;
	unsigned seed = 12345;
	size_t n, i;
	int shape, iter;

	(void)state;
	for (iter = 0; iter < 600; iter++) {
		n = 1 + (size_t)(rand_r(&seed) % (iter < 500 ? 300 : 5000));
		shape = iter % 6;
		for (i = 0; i < n; i++) {
			switch (shape) {
			case 0: ms[i] = (double)(rand_r(&seed) % 100000) / 1e3;
				break;
			case 1: ms[i] = (double)(rand_r(&seed) % 4); break;
			case 2: ms[i] = 2.5; break;
			case 3: ms[i] = (double)i; break;
			case 4: ms[i] = (double)(n - i); break;
			default: ms[i] = (double)(i < n / 2 ? i : n - i); break;
			}
		}
		memcpy(sorted, ms, n * sizeof(*ms));
		qsort(sorted, n, sizeof(*sorted), cmp_dbl);
		summarize(ms, NULL, n, &s);
		assert_int_equal(s.count, n);
		assert_true(s.p50_ms == reference_rank(sorted, n, 50));
		assert_true(s.p95_ms == reference_rank(sorted, n, 95));
		assert_true(s.p99_ms == reference_rank(sorted, n, 99));
		assert_true(s.min_ms == sorted[0]);
		assert_true(s.max_ms == sorted[n - 1]);
	}
}

static void
test_summarize_empty(void **state)
{
	struct metrics_summary s;

	(void)state;
	summarize(NULL, NULL, 0, &s);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.successes, 0);
	assert_true(isnan(s.avg_ms) && isnan(s.p50_ms) && isnan(s.p95_ms) &&
	    isnan(s.p99_ms) && isnan(s.min_ms) && isnan(s.max_ms));
	assert_true(isnan(s.success_rate));
}

static void
test_success_rate(void **state)
{
	double ms[] = { 1.0, 2.0, 3.0 };
	double odd[] = { 1.0, NAN, 3.0, INFINITY };
	uint8_t ok[] = { 1, 0, 1, 0 };
	uint8_t none[] = { 0, 0, 0 };
	struct metrics_summary s;

	(void)state;
	summarize(ms, ok, 3, &s);
	assert_int_equal(s.successes, 2);
	assert_float_equal(s.success_rate, 2.0 / 3.0, 1e-12);
	summarize(ms, none, 3, &s);
	assert_float_equal(s.success_rate, 0.0, 1e-12);
	summarize(ms, NULL, 3, &s);
	assert_float_equal(s.success_rate, 1.0, 1e-12);
	/* non-finite durations are not samples */
	summarize(odd, ok, 4, &s);
	assert_int_equal(s.count, 2);
	assert_float_equal(s.avg_ms, 2.0, 1e-12);
	assert_float_equal(s.success_rate, 1.0, 1e-12);
}

static void
test_record_and_collect(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_summary s;
	int op;

	metrics_record(m, 0, OP, 1000, 1.0, 1);
	metrics_record(m, 0, OP, 1001, 2.0, 1);
	metrics_record(m, 0, OP, 1002, 3.0, 0);
	assert_int_equal(metrics_collect(m, OP, 1002, 0, &s), 0);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.successes, 2);
	assert_float_equal(s.avg_ms, 2.0, 1e-9);
	assert_float_equal(s.p50_ms, 2.0, 1e-9);
	assert_float_equal(s.p95_ms, 3.0, 1e-9);
	assert_float_equal(s.min_ms, 1.0, 1e-9);
	assert_float_equal(s.max_ms, 3.0, 1e-9);
	assert_float_equal(s.success_rate, 2.0 / 3.0, 1e-9);
	/* the other operations saw nothing */
	for (op = 0; op < METRICS_OPS; op++) {
		if (op == OP)
			continue;
		assert_int_equal(metrics_collect(m, op, 1002, 0, &s), 0);
		assert_int_equal(s.count, 0);
	}
	assert_int_equal(metrics_collect(m, METRICS_OPS, 0, 0, &s), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_duration_encoding(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_point pt[METRICS_SAMPLES];
	size_t n;

	metrics_record(m, 1, OP, 1, 1.25, 1);
	metrics_record(m, 1, OP, 2, -4.0, 0);
	metrics_record(m, 1, OP, 3, NAN, 1);
	metrics_record(m, 1, OP, 4, 1e12, 1);
	metrics_record(m, 1, OP, 5, 0.0004, 1);	/* rounds to 0 us */
	metrics_record(m, 1, OP, 6, 0.0006, 0);	/* rounds to 1 us */
	n = metrics_read_ring(m, 1, OP, pt);
	assert_int_equal(n, 6);
	assert_int_equal(pt[0].t_ms, 1);
	assert_int_equal(pt[0].dur_us, 1250);
	assert_int_equal(pt[0].ok, 1);
	assert_int_equal(pt[1].dur_us, 0);
	assert_int_equal(pt[1].ok, 0);
	assert_int_equal(pt[2].dur_us, 0);
	assert_int_equal(pt[3].dur_us, METRICS_MAX_DURATION_US);
	assert_int_equal(pt[3].ok, 1);
	assert_int_equal(pt[4].dur_us, 0);
	assert_int_equal(pt[5].dur_us, 1);
	assert_int_equal(pt[5].ok, 0);
}

static void
test_bad_slots_are_ignored(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_point pt[METRICS_SAMPLES];
	struct metrics_summary s;

	metrics_record(m, -1, OP, 1, 1.0, 1);
	metrics_record(m, METRICS_MAX_PROCS, OP, 1, 1.0, 1);
	metrics_record(m, 0, METRICS_OPS, 1, 1.0, 1);
	metrics_record(NULL, 0, OP, 1, 1.0, 1);
	metrics_end(NULL, 0, OP, metrics_start(), 1);
	metrics_end(m, -1, OP, metrics_start(), 1);
	metrics_proc_reset(m, -1);
	metrics_proc_reset(m, METRICS_MAX_PROCS);
	assert_int_equal(metrics_read_ring(m, -1, OP, pt), 0);
	assert_int_equal(metrics_read_ring(m, METRICS_MAX_PROCS, OP, pt), 0);
	assert_int_equal(metrics_collect(m, OP, 10, 0, &s), 0);
	assert_int_equal(s.count, 0);
}

static void
test_window(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_summary s;
	uint64_t now = 100000;

	metrics_record(m, 0, OP, now, 1.0, 1);		/* age 0 */
	metrics_record(m, 0, OP, now - 5000, 2.0, 1);	/* 5 s */
	metrics_record(m, 0, OP, now - 60000, 3.0, 0);	/* exactly 60 s */
	metrics_record(m, 0, OP, now - 60001, 4.0, 1);	/* just older */
	metrics_record(m, 2, OP, now + 500, 5.0, 1);	/* stamped after now */

	assert_int_equal(metrics_collect(m, OP, now, 0, &s), 0);
	assert_int_equal(s.count, 5);
	assert_int_equal(metrics_collect(m, OP, now, 60, &s), 0);
	assert_int_equal(s.count, 4);
	assert_float_equal(s.max_ms, 5.0, 1e-9);
	assert_float_equal(s.avg_ms, (1.0 + 2.0 + 3.0 + 5.0) / 4, 1e-9);
	assert_float_equal(s.success_rate, 0.75, 1e-9);
	assert_int_equal(metrics_collect(m, OP, now, 5, &s), 0);
	assert_int_equal(s.count, 3);
	assert_int_equal(metrics_collect(m, OP, now, 0.5, &s), 0);
	assert_int_equal(s.count, 2);
	assert_float_equal(s.min_ms, 1.0, 1e-9);
	assert_float_equal(s.max_ms, 5.0, 1e-9);
	/* a later `now` ages everything out */
	assert_int_equal(metrics_collect(m, OP, now + 3600000, 60, &s), 0);
	assert_int_equal(s.count, 0);
	assert_true(isnan(s.success_rate));
}

static void
test_ring_wrap_keeps_most_recent(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_point pt[METRICS_SAMPLES];
	struct metrics_summary s;
	size_t n, i;
	int k;

	for (k = 1; k <= 2500; k++)
		metrics_record(m, 3, OP, (uint64_t)k, (double)k, k % 2);
	n = metrics_read_ring(m, 3, OP, pt);
	assert_int_equal(n, METRICS_SAMPLES);
	for (i = 0; i < n; i++) {
		assert_true(pt[i].t_ms > 1500 && pt[i].t_ms <= 2500);
		assert_int_equal(pt[i].dur_us, pt[i].t_ms * 1000);
	}
	assert_int_equal(metrics_collect(m, OP, 2500, 0, &s), 0);
	assert_int_equal(s.count, 1000);
	assert_float_equal(s.min_ms, 1501.0, 1e-9);
	assert_float_equal(s.max_ms, 2500.0, 1e-9);
	assert_float_equal(s.p50_ms, 2000.0, 1e-9);	/* rank 500 */
	assert_float_equal(s.p95_ms, 2450.0, 1e-9);	/* rank 950 */
	assert_float_equal(s.p99_ms, 2490.0, 1e-9);	/* rank 990 */
	assert_float_equal(s.avg_ms, 2000.5, 1e-9);
	assert_float_equal(s.success_rate, 0.5, 1e-9);
	/* the window still applies after the wrap: ages 0..99 */
	assert_int_equal(metrics_collect(m, OP, 2500, 0.099, &s), 0);
	assert_int_equal(s.count, 100);
	assert_float_equal(s.min_ms, 2401.0, 1e-9);
}

static void
test_slots_are_merged(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_summary s;
	int k;

	for (k = 1; k <= 10; k++) {
		metrics_record(m, 0, OP, 50, (double)k, 1);
		metrics_record(m, 5, OP, 50, (double)(k + 10), 1);
		metrics_record(m, METRICS_MAX_PROCS - 1, OP, 50,
		    (double)(k + 20), k != 1);
	}
	assert_int_equal(metrics_collect(m, OP, 50, 0, &s), 0);
	assert_int_equal(s.count, 30);
	assert_int_equal(s.successes, 29);
	assert_float_equal(s.min_ms, 1.0, 1e-9);
	assert_float_equal(s.max_ms, 30.0, 1e-9);
	assert_float_equal(s.p50_ms, 15.0, 1e-9);
	assert_float_equal(s.p95_ms, 29.0, 1e-9);	/* ceil(28.5) */
	assert_float_equal(s.p99_ms, 30.0, 1e-9);
	assert_float_equal(s.avg_ms, 15.5, 1e-9);
}

static void
test_reset_slot(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_point pt[METRICS_SAMPLES];
	struct metrics_summary s;
	uint64_t head;
	int k;

	for (k = 0; k < 1200; k++) {
		metrics_record(m, 1, OP, 10, 100.0, 0);
		metrics_record(m, 1, METRICS_TS_INGEST, 10, 100.0, 0);
	}
	metrics_record(m, 2, OP, 10, 1.0, 1);
	head = atomic_load(&m->procs[1].head[OP]);
	metrics_proc_reset(m, 1);
	assert_int_equal(metrics_read_ring(m, 1, OP, pt), 0);
	assert_int_equal(metrics_collect(m, OP, 10, 0, &s), 0);
	assert_int_equal(s.count, 1);
	assert_float_equal(s.max_ms, 1.0, 1e-9);
	assert_int_equal(metrics_collect(m, METRICS_TS_INGEST, 10, 0, &s), 0);
	assert_int_equal(s.count, 0);
	/* the slot's next owner continues, the counter is never rewound */
	metrics_record(m, 1, OP, 11, 2.0, 1);
	assert_int_equal(atomic_load(&m->procs[1].head[OP]), head + 1);
	assert_int_equal(metrics_read_ring(m, 1, OP, pt), 1);
	assert_int_equal(pt[0].dur_us, 2000);
	assert_int_equal(metrics_collect(m, OP, 11, 0, &s), 0);
	assert_int_equal(s.count, 2);
	assert_float_equal(s.success_rate, 1.0, 1e-9);
}

static void
test_unfinished_sample_is_skipped(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_sample *smp = m->rings[4][OP].samples;
	struct metrics_summary s;

	metrics_record(m, 4, OP, 10, 1.0, 1);
	metrics_record(m, 4, OP, 10, 2.0, 1);
	metrics_record(m, 4, OP, 10, 3.0, 1);
	/* what a writer killed between "seq = 0" and the final seq leaves */
	atomic_store(&smp[1].seq, 0);
	atomic_store(&smp[1].dur, 0x12345u);
	assert_int_equal(metrics_collect(m, OP, 10, 0, &s), 0);
	assert_int_equal(s.count, 2);
	assert_float_equal(s.avg_ms, 2.0, 1e-9);
	/* the next owner of the slot overwrites it in turn */
	metrics_record(m, 4, OP, 10, 5.0, 1);
	assert_int_equal(metrics_collect(m, OP, 10, 0, &s), 0);
	assert_int_equal(s.count, 3);
}

static void
test_metrics_end(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_point pt[METRICS_SAMPLES];
	struct timespec ts = { 0, 3 * 1000 * 1000 };
	uint64_t start, before, after;

	before = metrics_now_ms();
	start = metrics_start();
	nanosleep(&ts, NULL);
	metrics_end(m, 7, METRICS_EVENT_DISPATCH, start, 0);
	after = metrics_now_ms();
	assert_int_equal(metrics_read_ring(m, 7, METRICS_EVENT_DISPATCH, pt),
	    1);
	assert_true(pt[0].dur_us >= 3000 && pt[0].dur_us < 10 * 1000 * 1000);
	assert_true(pt[0].t_ms >= before && pt[0].t_ms <= after);
	assert_int_equal(pt[0].ok, 0);
	/* a start in the future (bogus) records 0, not a huge value */
	metrics_end(m, 7, METRICS_EVENT_DISPATCH, metrics_start() + 10000000,
	    1);
	assert_int_equal(metrics_read_ring(m, 7, METRICS_EVENT_DISPATCH, pt),
	    2);
	assert_int_equal(pt[1].dur_us, 0);
}

static const char *
json_of(struct metrics_shm *m, const char *op, double window, uint64_t now,
    struct buf *b)
{
	buf_reset(b);
	assert_int_equal(metrics_json(m, op, window, now, b), 0);
	return buf_str(b);
}

#define EMPTY_OP	"{\"count\":0,\"avg_ms\":null,\"p50_ms\":null," \
			"\"p95_ms\":null,\"p99_ms\":null,\"min_ms\":null," \
			"\"max_ms\":null,\"success_rate\":null}"

static void
test_json_output(void **state)
{
	struct metrics_shm *m = *state;
	struct buf b;

	buf_init(&b);
	metrics_record(m, 0, OP, 1000, 1.0, 1);
	metrics_record(m, 9, OP, 1000, 2.0, 1);
	metrics_record(m, 9, OP, 1000, 3.5, 0);
	metrics_record(m, 9, METRICS_TS_INGEST, 1000, 0.25, 1);
	metrics_record(m, 9, METRICS_TS_INGEST, 1, 9.0, 1);	/* too old */

	assert_string_equal(json_of(m, "hls_segment_fetch", 60, 1000, &b),
	    "{\"window\":60,\"operations\":{\"hls_segment_fetch\":"
	    "{\"count\":3,\"avg_ms\":2.167,\"p50_ms\":2.000,"
	    "\"p95_ms\":3.500,\"p99_ms\":3.500,\"min_ms\":1.000,"
	    "\"max_ms\":3.500,\"success_rate\":0.666667}}}");

	assert_string_equal(json_of(m, NULL, 0.5, 1000, &b),
	    "{\"window\":0.5,\"operations\":{"
	    "\"hls_segment_fetch\":"
	    "{\"count\":3,\"avg_ms\":2.167,\"p50_ms\":2.000,"
	    "\"p95_ms\":3.500,\"p99_ms\":3.500,\"min_ms\":1.000,"
	    "\"max_ms\":3.500,\"success_rate\":0.666667},"
	    "\"hls_playlist_fetch\":" EMPTY_OP ","
	    "\"hls_manifest_generation\":" EMPTY_OP ","
	    "\"ts_ingest\":"
	    "{\"count\":1,\"avg_ms\":0.250,\"p50_ms\":0.250,"
	    "\"p95_ms\":0.250,\"p99_ms\":0.250,\"min_ms\":0.250,"
	    "\"max_ms\":0.250,\"success_rate\":1},"
	    "\"event_dispatch\":" EMPTY_OP ","
	    "\"process_stats_collection\":" EMPTY_OP "}}");

	/* window 0: every sample held, the old one included */
	json_of(m, "ts_ingest", 0, 1000, &b);
	assert_non_null(strstr(buf_str(&b), "{\"window\":0,"));
	assert_non_null(strstr(buf_str(&b), "\"count\":2,"));
	assert_non_null(strstr(buf_str(&b), "\"max_ms\":9.000,"));
	buf_free(&b);
}

static void
test_json_rejects_bad_input(void **state)
{
	struct metrics_shm *m = *state;
	struct buf b;

	buf_init(&b);
	errno = 0;
	assert_int_equal(metrics_json(m, "nonexistent", 60, 1, &b), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(metrics_json(m, "", 60, 1, &b), -1);
	assert_int_equal(metrics_json(m, "hls_segment_fetch ", 60, 1, &b), -1);
	assert_int_equal(metrics_json(m, NULL, -1, 1, &b), -1);
	assert_int_equal(metrics_json(m, NULL, NAN, 1, &b), -1);
	assert_int_equal(b.len, 0);		/* nothing half-written */
	buf_free(&b);
}

static void
test_parse_window(void **state)
{
	static const char *bad[] = { "", "-1", "abc", "1e3", "inf", "nan",
	    "0x10", "1.2.3", ".", "999999999", " 5", "5 ", "+5", "60s" };
	double w = -1;
	size_t i;

	(void)state;
	assert_int_equal(metrics_parse_window("60", &w), 0);
	assert_float_equal(w, 60.0, 1e-12);
	assert_int_equal(metrics_parse_window("0", &w), 0);
	assert_float_equal(w, 0.0, 1e-12);
	assert_int_equal(metrics_parse_window("0.5", &w), 0);
	assert_float_equal(w, 0.5, 1e-12);
	assert_int_equal(metrics_parse_window(".25", &w), 0);
	assert_float_equal(w, 0.25, 1e-12);
	assert_int_equal(metrics_parse_window("604800", &w), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(metrics_parse_window(bad[i], &w), -1);
	assert_int_equal(metrics_parse_window(NULL, &w), -1);
}

/* Reading never faults in rings nobody wrote to (the segment is sparse). */
static void
test_unused_rings_stay_untouched(void **state)
{
	struct metrics_shm *m = *state;
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char vec;
	uintptr_t a;
	struct buf b;

	buf_init(&b);
	metrics_record(m, 0, OP, 1, 1.0, 1);
	metrics_proc_reset(m, 200);
	assert_int_equal(metrics_json(m, NULL, 0, 1, &b), 0);
	a = (uintptr_t)&m->rings[200][METRICS_TS_INGEST].samples[500];
	a &= ~(uintptr_t)(pg - 1);
	assert_int_equal(mincore((void *)a, (size_t)pg, &vec), 0);
	assert_int_equal(vec & 1, 0);
	a = (uintptr_t)&m->rings[0][OP].samples[0];
	a &= ~(uintptr_t)(pg - 1);
	assert_int_equal(mincore((void *)a, (size_t)pg, &vec), 0);
	assert_int_equal(vec & 1, 1);
	buf_free(&b);
}

/* Duration a sample at index T must carry; any tear breaks the relation. */
static uint32_t
expected_us(uint64_t t)
{
	return (uint32_t)((t * 2654435761u) % 2000000u);
}

/* Every accepted sample is whole; returns how many were not. */
static int
count_torn(const struct metrics_point *pt, size_t n)
{
	int torn = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (pt[i].dur_us != expected_us(pt[i].t_ms) ||
		    pt[i].ok != (pt[i].t_ms & 1))
			torn++;
	return torn;
}

static void
write_forever(struct metrics_shm *m, int slot)
{
	uint64_t t;

	for (t = 0;; t++)
		metrics_record(m, slot, OP, t, expected_us(t) / 1000.0,
		    (int)(t & 1));
}

/*
 * A writer in another process records as fast as it can while this one
 * reads, then is SIGKILLed at an arbitrary instant: every sample read,
 * during and after, is one the writer wrote whole, and at most the one
 * sample being written when it died is missing.
 */
static void
test_killed_writer_leaves_no_torn_samples(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_point pt[METRICS_SAMPLES];
	struct metrics_summary s;
	struct timespec t0, t1;
	uint64_t head;
	size_t n, i, total, reads = 0;
	int round, slot, torn = 0;
	long ns;
	pid_t pid;

	for (round = 0; round < 6; round++) {
		slot = 10 + round;
		if ((pid = fork()) == 0)
			write_forever(m, slot);
		assert_true(pid > 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		/* read for a while, and until the writer wrapped (slow CI) */
		do {
			n = metrics_read_ring(m, slot, OP, pt);
			torn += count_torn(pt, n);
			reads++;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ns = (t1.tv_sec - t0.tv_sec) * 1000000000L +
			    (t1.tv_nsec - t0.tv_nsec);
			head = atomic_load(&m->procs[slot].head[OP]);
		} while (ns < 10000000000L && (ns < (20 + 9 * round) *
		    1000000L || head <= 2 * METRICS_SAMPLES));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		head = atomic_load(&m->procs[slot].head[OP]);
		assert_true(head > 2 * METRICS_SAMPLES);
		n = metrics_read_ring(m, slot, OP, pt);
		assert_int_equal(count_torn(pt, n), 0);
		assert_true(n >= METRICS_SAMPLES - 1);
		/* the writer claims a sample before filling it: killed in
		 * between, it leaves that slot's sample from one lap before */
		for (i = 0; i < n; i++)
			assert_true(pt[i].t_ms + METRICS_SAMPLES + 1 >= head &&
			    pt[i].t_ms < head);
		/* the merged view holds exactly what every dead writer left */
		for (i = 0, total = 0; i <= (size_t)round; i++)
			total += metrics_read_ring(m, 10 + (int)i, OP, pt);
		assert_int_equal(metrics_collect(m, OP, head, 0, &s), 0);
		assert_int_equal(s.count, total);
	}
	assert_int_equal(torn, 0);
	print_message("      %zu concurrent ring reads, none torn\n", reads);
}

/*
 * The supervisor resets a slot and its next owner writes again while
 * another process keeps reading: the reader never accepts a torn sample.
 */
static void
test_reset_while_reading(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_point pt[METRICS_SAMPLES];
	_Atomic int *stop;
	uint64_t t = 0;
	int round, k, status;
	pid_t pid;

	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(stop != MAP_FAILED);
	atomic_store(stop, 0);
	if ((pid = fork()) == 0) {
		int torn = 0;

		while (!atomic_load(stop))
			torn += count_torn(pt, metrics_read_ring(m, 20, OP, pt));
		_exit(torn == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	for (round = 0; round < 300; round++) {
		for (k = 0; k < 1500; k++, t++)
			metrics_record(m, 20, OP, t, expected_us(t) / 1000.0,
			    (int)(t & 1));
		metrics_proc_reset(m, 20);
	}
	atomic_store(stop, 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	munmap((void *)stop, sizeof(*stop));
}

/* Cost of the largest answer a worker computes: 128 full rings, one op. */
static void
test_collect_cost(void **state)
{
	struct metrics_shm *m = *state;
	struct metrics_summary s;
	struct timespec t0, t1;
	int slot, k;
	double ms;

	for (slot = 0; slot < 128; slot++)
		for (k = 0; k < METRICS_SAMPLES; k++)
			metrics_record(m, slot, OP, 5, (double)(k % 977) / 7.0,
			    1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(metrics_collect(m, OP, 5, 0, &s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(s.count, 128 * METRICS_SAMPLES);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("      collect over %d samples: %.2f ms\n",
	    128 * METRICS_SAMPLES, ms);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup_shm, teardown_shm)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_op_names),
		T(test_check_layout),
		cmocka_unit_test(test_summarize_one),
		cmocka_unit_test(test_summarize_two),
		cmocka_unit_test(test_summarize_hundred_unsorted),
		cmocka_unit_test(test_summarize_other_sizes),
		cmocka_unit_test(test_summarize_duplicates),
		cmocka_unit_test(test_summarize_matches_sorting),
		cmocka_unit_test(test_summarize_empty),
		cmocka_unit_test(test_success_rate),
		T(test_record_and_collect),
		T(test_duration_encoding),
		T(test_bad_slots_are_ignored),
		T(test_window),
		T(test_ring_wrap_keeps_most_recent),
		T(test_slots_are_merged),
		T(test_reset_slot),
		T(test_unfinished_sample_is_skipped),
		T(test_metrics_end),
		T(test_json_output),
		T(test_json_rejects_bad_input),
		cmocka_unit_test(test_parse_window),
		T(test_unused_rings_stay_untouched),
		T(test_killed_writer_leaves_no_torn_samples),
		T(test_reset_while_reading),
		T(test_collect_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
