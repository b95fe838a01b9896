/*
 * metrics.c - per-process performance samples in shared memory, and the
 * statistics (count, mean, nearest-rank percentiles, success rate) served
 * on /metrics/performance.
 *
 * Design: every process owns one block of rings (single writer), so
 * recording is a handful of relaxed stores and no lock exists that a
 * SIGKILLed process could leave held.  Each 16-byte sample carries its own
 * sequence word (a per-sample seqlock, after Linux's seqcount and Boehm's
 * "Can seqlocks get along with programming language memory models?"): a
 * reader copies a sample, re-reads the word and drops the copy unless it is
 * unchanged and marks a finished write.  A per-sample check rather than a
 * per-ring one means a reader racing the writer loses at most the sample
 * being overwritten, not its whole copy, and a reset by the supervisor
 * needs nothing more than zeroing those words.  Readers copy, then do the
 * maths on private memory: a request never holds anything a writer waits
 * for.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "metrics.h"
#include "shm.h"
#include "util.h"

_Static_assert(sizeof(struct metrics_sample) == 16, "16-byte samples");
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
    "shared-memory atomics must be lock-free");

#define DUR_OK_BIT	0x80000000u
#define DUR_US_MASK	0x7fffffffu

static const char *const op_names[METRICS_OPS] = {
	[METRICS_HLS_SEGMENT_FETCH] = "hls_segment_fetch",
	[METRICS_HLS_PLAYLIST_FETCH] = "hls_playlist_fetch",
	[METRICS_HLS_MANIFEST_GENERATION] = "hls_manifest_generation",
	[METRICS_TS_INGEST] = "ts_ingest",
	[METRICS_EVENT_DISPATCH] = "event_dispatch",
	[METRICS_PROCESS_STATS_COLLECTION] = "process_stats_collection",
};

const char *
metrics_op_name(enum metrics_op op)
{
	if ((unsigned)op >= METRICS_OPS)
		return NULL;
	return op_names[op];
}

int
metrics_op_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < METRICS_OPS; i++)
		if (strcmp(name, op_names[i]) == 0)
			return i;
	return -1;
}

void
metrics_init(struct metrics_shm *m)
{
	m->magic = METRICS_MAGIC;
	m->version = METRICS_VERSION;
	m->max_procs = METRICS_MAX_PROCS;
	m->ops = METRICS_OPS;
	m->samples = METRICS_SAMPLES;
	m->sample_bytes = sizeof(struct metrics_sample);
}

struct metrics_shm *
metrics_create(const char *shm_name)
{
	struct metrics_shm *m;

	if ((m = shm_create(shm_name, sizeof(*m), sizeof(*m))) == NULL)
		return NULL;
	metrics_init(m);	/* header only: the rest stays sparse */
	return m;
}

void
metrics_shm_name(char *out, size_t outsz, pid_t supervisor)
{
	shm_name(out, outsz, supervisor, "metrics");
}

int
metrics_check(const struct metrics_shm *m)
{
	if (m == NULL || m->magic != METRICS_MAGIC ||
	    m->version != METRICS_VERSION ||
	    m->max_procs != METRICS_MAX_PROCS || m->ops != METRICS_OPS ||
	    m->samples != METRICS_SAMPLES ||
	    m->sample_bytes != sizeof(struct metrics_sample))
		return -1;
	return 0;
}

uint64_t
metrics_now_ms(void)
{
	return now_ms();
}

uint64_t
metrics_start(void)
{
	return now_us();
}

static int
slot_valid(int slot, enum metrics_op op)
{
	return slot >= 0 && slot < METRICS_MAX_PROCS &&
	    (unsigned)op < METRICS_OPS;
}

static uint32_t
encode_dur(double duration_ms, int success)
{
	double us = duration_ms * 1000.0;
	uint32_t v;

	if (!(us > 0.0))		/* negative, zero or NaN */
		v = 0;
	else if (us >= (double)METRICS_MAX_DURATION_US)
		v = METRICS_MAX_DURATION_US;
	else
		v = (uint32_t)lround(us);
	return v | (success ? DUR_OK_BIT : 0);
}

static uint32_t
seq_tag(uint64_t index)
{
	return ((uint32_t)index << 1) | 1u;
}

void
metrics_record(struct metrics_shm *m, int slot, enum metrics_op op,
    uint64_t now_ms, double duration_ms, int success)
{
	struct metrics_sample *s;
	_Atomic uint64_t *headp;
	uint64_t i;

	if (m == NULL || !slot_valid(slot, op))
		return;
	headp = &m->procs[slot].head[op];
	/* claim the sample first: a worker records from several threads
	 * (one per listening socket), which must never fill the same one */
	i = atomic_fetch_add_explicit(headp, 1, memory_order_acq_rel);
	s = &m->rings[slot][op].samples[i % METRICS_SAMPLES];

	atomic_store_explicit(&s->seq, 0, memory_order_relaxed);
	/* seq = 0 is visible before any field changes */
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->t_ms, now_ms, memory_order_relaxed);
	atomic_store_explicit(&s->dur, encode_dur(duration_ms, success),
	    memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq_tag(i), memory_order_release);
}

void
metrics_end(struct metrics_shm *m, int slot, enum metrics_op op,
    uint64_t start_us, int success)
{
	uint64_t t;

	if (m == NULL || !slot_valid(slot, op))
		return;
	t = now_us();
	metrics_record(m, slot, op, t / 1000u,
	    t > start_us ? (double)(t - start_us) / 1000.0 : 0.0, success);
}

/* Rings beyond a writer's head were never touched: do not fault them in. */
static size_t
ring_used(const struct metrics_shm *m, int slot, enum metrics_op op)
{
	uint64_t head;

	head = atomic_load_explicit(&m->procs[slot].head[op],
	    memory_order_acquire);
	return head < METRICS_SAMPLES ? (size_t)head : METRICS_SAMPLES;
}

void
metrics_proc_reset(struct metrics_shm *m, int slot)
{
	struct metrics_ring *r;
	size_t i, n;
	int op;

	if (m == NULL || !slot_valid(slot, 0))
		return;
	for (op = 0; op < METRICS_OPS; op++) {
		n = ring_used(m, slot, op);
		r = &m->rings[slot][op];
		for (i = 0; i < n; i++)
			atomic_store_explicit(&r->samples[i].seq, 0,
			    memory_order_release);
	}
}

/* Seqlock read of one sample: 0 and a whole copy, or -1. */
static int
sample_load(const struct metrics_sample *s, struct metrics_point *p)
{
	uint32_t s1, s2, dur;

	s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
	if ((s1 & 1u) == 0)
		return -1;
	p->t_ms = atomic_load_explicit(&s->t_ms, memory_order_relaxed);
	dur = atomic_load_explicit(&s->dur, memory_order_relaxed);
	/* the field loads happen before the second look at seq */
	atomic_thread_fence(memory_order_acquire);
	s2 = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if (s1 != s2)
		return -1;
	p->dur_us = dur & DUR_US_MASK;
	p->ok = (dur & DUR_OK_BIT) != 0;
	return 0;
}

size_t
metrics_read_ring(const struct metrics_shm *m, int slot, enum metrics_op op,
    struct metrics_point *out)
{
	const struct metrics_ring *r;
	size_t i, n, c = 0;

	if (m == NULL || !slot_valid(slot, op))
		return 0;
	n = ring_used(m, slot, op);
	r = &m->rings[slot][op];
	for (i = 0; i < n; i++)
		if (sample_load(&r->samples[i], &out[c]) == 0)
			c++;
	return c;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
swap_double(double *a, long i, long j)
{
	double t = a[i];

	a[i] = a[j];
	a[j] = t;
}

/*
 * Introselect: rearrange A[0..N) so that A[K] holds the value of rank K
 * (0-based), nothing greater before it, nothing smaller after it.  Hoare
 * partitioning around a median of three, linear on average; should the
 * pivots go bad for too long, sort the rest instead (n log n bound).
 * Cheaper than sorting: a full answer is 100k+ samples and a worker
 * computes it between two client callbacks.
 */
static void
select_rank(double *a, long n, long k)
{
	long lo = 0, hi = n - 1, i, j, mid;
	int budget = 8;
	double pivot;

	for (i = n; i > 1; i >>= 1)
		budget += 2;
	while (hi > lo) {
		if (budget-- == 0) {
			qsort(a + lo, (size_t)(hi - lo + 1), sizeof(*a),
			    cmp_double);
			return;
		}
		mid = lo + (hi - lo) / 2;
		if (a[mid] < a[lo])
			swap_double(a, lo, mid);
		if (a[hi] < a[lo])
			swap_double(a, lo, hi);
		if (a[hi] < a[mid])
			swap_double(a, mid, hi);
		pivot = a[mid];
		i = lo;
		j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j)
				swap_double(a, i++, j--);
		}
		/* now A[lo..j] <= pivot, A[i..hi] >= pivot, between: == */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* Nearest rank: the ceil(P * n / 100)-th smallest, as a 0-based index. */
static long
rank_index(size_t n, unsigned pct)
{
	size_t rank = (pct * n + 99) / 100;

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (long)rank - 1;
}

/* MS holds N finite durations; reordered in place. */
static void
summarize_inplace(double *ms, size_t n, uint64_t successes,
    struct metrics_summary *out)
{
	static const unsigned pcts[3] = { 50, 95, 99 };
	double *dst[3] = { &out->p50_ms, &out->p95_ms, &out->p99_ms };
	double sum = 0.0, lo, hi;
	long base = 0, k;
	size_t i;
	int p;

	out->count = n;
	out->successes = successes;
	if (n == 0) {
		out->avg_ms = out->p50_ms = out->p95_ms = out->p99_ms = NAN;
		out->min_ms = out->max_ms = out->success_rate = NAN;
		return;
	}
	lo = hi = ms[0];
	for (i = 0; i < n; i++) {
		sum += ms[i];
		if (ms[i] < lo)
			lo = ms[i];
		if (ms[i] > hi)
			hi = ms[i];
	}
	/* each rank lies at or above the previous one: select in what is left */
	for (p = 0; p < 3; p++) {
		k = rank_index(n, pcts[p]);
		select_rank(ms + base, (long)n - base, k - base);
		*dst[p] = ms[k];
		base = k;
	}
	out->avg_ms = sum / (double)n;
	out->min_ms = lo;
	out->max_ms = hi;
	out->success_rate = (double)successes / (double)n;
}

int
metrics_summarize(const double *ms, const uint8_t *ok, size_t n,
    struct metrics_summary *out)
{
	uint64_t successes = 0;
	double *copy = NULL;
	size_t i, c = 0;

	if (n > 0 && (copy = calloc(n, sizeof(*copy))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isfinite(ms[i]))
			continue;
		copy[c++] = ms[i];
		if (ok == NULL || ok[i])
			successes++;
	}
	summarize_inplace(copy, c, successes, out);
	free(copy);
	return 0;
}

static int
in_window(uint64_t t_ms, uint64_t now_ms, double window_s)
{
	uint64_t age = now_ms > t_ms ? now_ms - t_ms : 0;

	return window_s <= 0.0 || (double)age <= window_s * 1000.0;
}

int
metrics_collect(const struct metrics_shm *m, enum metrics_op op,
    uint64_t now_ms, double window_s, struct metrics_summary *out)
{
	uint16_t used[METRICS_MAX_PROCS];	/* ring_used snapshot */
	struct metrics_point pt;
	const struct metrics_ring *r;
	uint64_t successes = 0;
	size_t bound = 0, n = 0, i;
	double *ms = NULL;
	int p;

	_Static_assert(METRICS_SAMPLES <= UINT16_MAX, "used[] is uint16_t");
	if (m == NULL || (unsigned)op >= METRICS_OPS) {
		errno = EINVAL;
		return -1;
	}
	/* Bound the copy by each ring's fill now; rings only ever grow. */
	for (p = 0; p < METRICS_MAX_PROCS; p++) {
		used[p] = (uint16_t)ring_used(m, p, op);
		bound += used[p];
	}
	if (bound > 0 && (ms = calloc(bound, sizeof(*ms))) == NULL)
		return -1;
	for (p = 0; p < METRICS_MAX_PROCS; p++) {
		r = &m->rings[p][op];
		for (i = 0; i < used[p]; i++) {
			if (sample_load(&r->samples[i], &pt) == -1 ||
			    !in_window(pt.t_ms, now_ms, window_s))
				continue;
			ms[n++] = (double)pt.dur_us / 1000.0;
			successes += pt.ok;
		}
	}
	summarize_inplace(ms, n, successes, out);
	free(ms);
	return 0;
}

static void
json_op(struct buf *out, const char *name, const struct metrics_summary *s)
{
	json_key(out, name);
	buf_puts(out, "{");
	json_kv_uint(out, "count", (unsigned long long)s->count);
	json_kv_double(out, "avg_ms", s->avg_ms);
	json_kv_double(out, "p50_ms", s->p50_ms);
	json_kv_double(out, "p95_ms", s->p95_ms);
	json_kv_double(out, "p99_ms", s->p99_ms);
	json_kv_double(out, "min_ms", s->min_ms);
	json_kv_double(out, "max_ms", s->max_ms);
	/* more than 3 decimals: 1 failure in 10000 must not print as 1.000 */
	json_key(out, "success_rate");
	if (s->count == 0)
		buf_puts(out, "null");
	else
		buf_printf(out, "%.6g", s->success_rate);
	buf_puts(out, "}");
}

int
metrics_json(const struct metrics_shm *m, const char *operation,
    double window_s, uint64_t now_ms, struct buf *out)
{
	struct metrics_summary s;
	int op, first = 0, last = METRICS_OPS - 1;

	if (m == NULL || !isfinite(window_s) || window_s < 0.0) {
		errno = EINVAL;
		return -1;
	}
	if (operation != NULL) {
		if ((first = last = metrics_op_from_name(operation)) == -1) {
			errno = EINVAL;
			return -1;
		}
	}
	buf_puts(out, "{");
	json_key(out, "window");
	buf_printf(out, "%.10g", window_s);
	json_key(out, "operations");
	buf_puts(out, "{");
	for (op = first; op <= last; op++) {
		if (metrics_collect(m, op, now_ms, window_s, &s) == -1)
			return -1;
		json_op(out, op_names[op], &s);
	}
	buf_puts(out, "}}");
	if (out->failed) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
metrics_parse_window(const char *s, double *window_s)
{
	const char *p;
	char *end;
	double v;
	int dots = 0, digits = 0;

	if (s == NULL || *s == '\0')
		return -1;
	/* plain decimals only: no sign, exponent, hex, "inf" or "nan" */
	for (p = s; *p != '\0'; p++) {
		if (*p == '.')
			dots++;
		else if (*p >= '0' && *p <= '9')
			digits++;
		else
			return -1;
	}
	if (dots > 1 || digits == 0)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v >= 0.0) ||
	    v > METRICS_MAX_WINDOW_S)
		return -1;
	*window_s = v;
	return 0;
}
