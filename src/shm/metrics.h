/*
 * metrics.h - performance samples of every process, in shared memory, and
 * the percentile maths behind GET /metrics/performance.
 *
 * Layout: one block a process (struct metrics_proc + its rings), one ring
 * of the METRICS_SAMPLES most recent samples an operation inside it.  Each
 * process writes only its own block (single writer, no lock); any process
 * reads every block.  The supervisor hands out block indexes ("proc
 * slots"), e.g. 0 supervisor, 1..128 workers (two generations overlap
 * during a reload), then one a fetcher.  A slot of -1 (or a NULL shm)
 * turns recording into a no-op, so code may always call metrics_end().
 *
 * Crash safety: nothing is locked.  A sample is 16 bytes with its own
 * sequence word, written seqlock-style: seq = 0 ("being written"), fields,
 * seq = (index << 1) | 1.  A reader loads seq, the fields, then seq again
 * and keeps the sample only if both loads agree and are odd, so it can
 * never accept a torn sample, and a writer killed mid-write leaves seq = 0
 * (the sample is simply absent).  `head` (samples ever written) is never
 * rewound, not even by a reset, so a sequence word is never reused and the
 * check cannot be fooled by an old value coming back.
 *
 * Clock: timestamps are CLOCK_MONOTONIC milliseconds (metrics_now_ms()),
 * which is one clock for every process on the host and does not jump when
 * the wall clock is stepped, so a `window` never hides or keeps samples
 * wrongly.  Writers and the reader must use the same clock.
 *
 * Memory: sizeof(struct metrics_shm) is about 37 MB of address space (385
 * slots x 96 KB), but the segment is created by ftruncate (zero-filled,
 * sparse) and only the pages of rings a process actually records into are
 * ever touched: about 16 KB an (process, operation) pair in use.  Never memset the segment;
 * metrics_init() writes the header only.
 */
#ifndef RINGCAST_METRICS_H
#define RINGCAST_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

struct buf;

#define METRICS_MAGIC		0x5243504du	/* "RCPM" */
#define METRICS_VERSION		1u
#define METRICS_SAMPLES		1000		/* kept per process and op */
/* supervisor + two overlapping worker generations + one fetcher a stream */
#define METRICS_MAX_PROCS	(1 + 2 * CONFIG_MAX_WORKERS + CONFIG_MAX_STREAMS)
/* Which block a process writes: one a process. */
#define METRICS_SLOT_SUPERVISOR		0
#define METRICS_SLOT_WORKER(row)	(1 + (row))
#define METRICS_SLOT_FETCHER(slot)	(1 + 2 * CONFIG_MAX_WORKERS + (slot))
#define METRICS_MAX_DURATION_US	0x7fffffffu	/* longer ones are clamped */
#define METRICS_MAX_WINDOW_S	CONFIG_MAX_SECONDS
#define METRICS_CACHELINE	64

enum metrics_op {
	METRICS_HLS_SEGMENT_FETCH = 0,
	METRICS_HLS_PLAYLIST_FETCH,
	METRICS_HLS_MANIFEST_GENERATION,
	METRICS_TS_INGEST,
	METRICS_EVENT_DISPATCH,
	METRICS_PROCESS_STATS_COLLECTION,
	METRICS_OPS
};

/* One sample, 16 bytes; every field is accessed atomically (relaxed). */
struct metrics_sample {
	_Atomic uint32_t	 seq;	/* 0: empty / being written;
					   else (index << 1) | 1 */
	_Atomic uint32_t	 dur;	/* bit 31: success; 0..30: microseconds */
	_Atomic uint64_t	 t_ms;	/* CLOCK_MONOTONIC ms at the end */
};

struct metrics_ring {
	struct metrics_sample	 samples[METRICS_SAMPLES];
};

/* Per-process header: samples ever written, per operation (never rewound). */
struct metrics_proc {
	_Atomic uint64_t	 head[METRICS_OPS];
} __attribute__((aligned(METRICS_CACHELINE)));

struct metrics_shm {
	uint32_t		 magic;
	uint32_t		 version;
	uint32_t		 max_procs;	/* layout self-description */
	uint32_t		 ops;
	uint32_t		 samples;
	uint32_t		 sample_bytes;
	/* Headers together, so a reader scanning every head touches few pages. */
	struct metrics_proc	 procs[METRICS_MAX_PROCS]
	    __attribute__((aligned(METRICS_CACHELINE)));
	struct metrics_ring	 rings[METRICS_MAX_PROCS][METRICS_OPS]
	    __attribute__((aligned(4096)));
};

/* A validated copy of one sample. */
struct metrics_point {
	uint64_t	 t_ms;
	uint32_t	 dur_us;
	uint8_t		 ok;
};

/*
 * Statistics over a set of samples.  Percentiles are nearest-rank: sort the
 * n durations ascending, pP = sorted[ceil(P * n / 100) - 1] (computed in
 * integers), so a percentile is always an observed value; for 1..100,
 * p50 = 50, p95 = 95, p99 = 99; for one sample all are that sample.
 * success_rate = successes / count.  With count == 0 every double is NAN
 * (rendered as JSON null: "no data" is not "0 ms" nor "100 % success").
 */
struct metrics_summary {
	uint64_t	 count;
	uint64_t	 successes;
	double		 avg_ms;
	double		 p50_ms;
	double		 p95_ms;
	double		 p99_ms;
	double		 min_ms;
	double		 max_ms;
	double		 success_rate;
};

/* "hls_segment_fetch", ...; NULL for an invalid op. */
const char	*metrics_op_name(enum metrics_op);
/* The op of NAME, or -1 when unknown. */
int		 metrics_op_from_name(const char *name);

/* Supervisor: create the segment NAME (O_EXCL, 0600, zero-filled and
 * sparse) and stamp its header; NULL with errno.  Removed with shm.h's
 * shm_detach() and shm_remove(). */
struct metrics_shm *metrics_create(const char *shm_name);
void		 metrics_shm_name(char *out, size_t outsz, pid_t supervisor);
/* Supervisor: stamp the header of a zero-filled (ftruncate'd) segment. */
void		 metrics_init(struct metrics_shm *);
/* Children: 0 when magic, version and layout match, else -1. */
int		 metrics_check(const struct metrics_shm *);

/* Clocks: CLOCK_MONOTONIC in ms (sample timestamps, `now`) and in µs. */
uint64_t	 metrics_now_ms(void);
uint64_t	 metrics_start(void);

/*
 * Writer, only ever called by the process owning SLOT: O(1), lock-free,
 * never blocks.  Negative or NaN durations count as 0, longer than
 * METRICS_MAX_DURATION_US as that.  No-op when m is NULL or slot/op is
 * out of range.
 */
void		 metrics_record(struct metrics_shm *m, int slot,
		    enum metrics_op op, uint64_t now_ms, double duration_ms,
		    int success);
/* Record the time since START_US (from metrics_start()), stamped now. */
void		 metrics_end(struct metrics_shm *m, int slot,
		    enum metrics_op op, uint64_t start_us, int success);

/*
 * Supervisor, after reaping the slot's process and before the slot's next
 * owner starts: forget its samples.  Readers copying concurrently stay
 * safe (they see each sample whole or not at all).  Optional: a slot that
 * is not reset keeps the dead process's samples and the new owner simply
 * continues its rings.
 */
void		 metrics_proc_reset(struct metrics_shm *m, int slot);

/* Reader: validated copies of one ring, in slot order (not time order);
 * OUT holds METRICS_SAMPLES points.  Returns how many were copied. */
size_t		 metrics_read_ring(const struct metrics_shm *m, int slot,
		    enum metrics_op op, struct metrics_point *out);

/* Pure maths: N durations in ms (non-finite ones are ignored) and their
 * success flags (OK NULL: all succeeded).  0, or -1 (ENOMEM). */
int		 metrics_summarize(const double *ms, const uint8_t *ok,
		    size_t n, struct metrics_summary *out);

/*
 * Every process's samples of OP whose age (now_ms - t_ms, 0 for samples
 * stamped after now_ms) is at most WINDOW_S seconds (0: all held).
 * 0, or -1 (EINVAL bad op, ENOMEM).
 */
int		 metrics_collect(const struct metrics_shm *m,
		    enum metrics_op op, uint64_t now_ms, double window_s,
		    struct metrics_summary *out);

/*
 * Append the /metrics/performance body:
 * {"window":60,"operations":{"hls_segment_fetch":{"count":3,"avg_ms":1.500,
 *  "p50_ms":...,"p95_ms":...,"p99_ms":...,"min_ms":...,"max_ms":...,
 *  "success_rate":0.666667},...}}
 * OPERATION NULL: every operation, in enum order; else only that one.
 * "window" echoes WINDOW_S (0: all samples held).  ms fields have three
 * decimals; with count 0 they and success_rate are null.
 * 0, or -1 with errno EINVAL (unknown operation or bad window, nothing
 * appended: answer 400) or ENOMEM (OUT holds a partial body: answer 500).
 */
int		 metrics_json(const struct metrics_shm *m,
		    const char *operation, double window_s, uint64_t now_ms,
		    struct buf *out);

/* Parse a `window` query value: decimal seconds, 0..METRICS_MAX_WINDOW_S.
 * 0, or -1 when malformed or out of range (answer 400). */
int		 metrics_parse_window(const char *s, double *window_s);

#endif
