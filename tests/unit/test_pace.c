/*
 * test_pace.c - real-time pacing from PCR: steady streams, PCR wrap, file
 * loops and other jumps, lagging readers, streams without PCR.
 *
 * Streams are simulated as constant-bitrate packet sequences with a PCR
 * every few packets; the "reader" sleeps perfectly, so the time it passes
 * in is the due time it was last given.  The sample file, when present, is
 * replayed three times in a row the way a looping file source does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"
#include "../lib/sample.h"

#define PKT		188
#define START_US	5000000ULL	/* an arbitrary monotonic start */

/* A simulated CBR stream: packet K's PCR at RATE bits/s from PCR0. */
struct sim {
	struct pacer	 p;
	uint64_t	 rate_bps;
	uint64_t	 pcr0;
	int		 pcr_every;	/* packets; 0 = never */
	uint64_t	 k;		/* next packet of the stream */
	uint64_t	 now_us;	/* the reader's clock */
	uint64_t	 last_due_us;
	uint64_t	 max_gap_us;	/* largest step between due times */
	int		 started;
};

static uint64_t
sim_pcr(const struct sim *s, uint64_t k)
{
	return (s->pcr0 + k * PKT * 8 * PACE_PCR_HZ / s->rate_bps) %
	    PACE_PCR_WRAP;
}

/* Send N packets; every due time must be monotonic. */
static void
sim_run(struct sim *s, uint64_t n)
{
	uint64_t	 i, due;

	for (i = 0; i < n; i++, s->k++) {
		if (s->pcr_every > 0 && s->k % (uint64_t)s->pcr_every == 0)
			due = pacer_pcr(&s->p, sim_pcr(s, s->k), PKT,
			    s->now_us);
		else
			due = pacer_bytes(&s->p, PKT, s->now_us);
		if (s->started) {
			assert_true(due >= s->last_due_us);
			if (due - s->last_due_us > s->max_gap_us)
				s->max_gap_us = due - s->last_due_us;
		}
		s->started = 1;
		s->last_due_us = due;
		if (due > s->now_us)
			s->now_us = due;	/* the reader sleeps */
	}
}

static void
sim_init(struct sim *s, uint64_t rate_bps, uint64_t pcr0, int pcr_every)
{
	memset(s, 0, sizeof(*s));
	s->rate_bps = rate_bps;
	s->pcr0 = pcr0;
	s->pcr_every = pcr_every;
	s->now_us = START_US;
	pacer_init(&s->p, 0, START_US);
}

/* Microseconds N packets take at RATE. */
static uint64_t
pkt_us(uint64_t n, uint64_t rate_bps)
{
	return n * PKT * 8 * 1000000ULL / rate_bps;
}

static void
assert_near(uint64_t a, uint64_t b, uint64_t tolerance)
{
	uint64_t	 d = a > b ? a - b : b - a;

	if (d > tolerance)
		fail_msg("%llu and %llu differ by %llu > %llu",
		    (unsigned long long)a, (unsigned long long)b,
		    (unsigned long long)d, (unsigned long long)tolerance);
}

static void
test_no_pcr_default_rate(void **state)
{
	struct pacer	 p;
	uint64_t	 k, due;

	/* 0 = the 2 Mbit/s default: a packet every 752 us */
	pacer_init(&p, 0, START_US);
	for (k = 0; k < 10000; k++) {
		due = pacer_bytes(&p, PKT, START_US);
		assert_true(due == START_US + k * 752);
	}
	/* an explicit rate */
	pacer_init(&p, 1000000, START_US);
	assert_true(pacer_bytes(&p, PKT, 0) == START_US);
	assert_true(pacer_bytes(&p, PKT, 0) == START_US + 1504);
	/* chunks are fine too, and huge counts do not overflow */
	pacer_init(&p, 0, 0);
	assert_true(pacer_bytes(&p, (size_t)1 << 40, 0) == 0);
	assert_true(pacer_bytes(&p, 0, 0) == 4398046511104ULL);
	assert_int_equal(p.rebases, 0);
	assert_int_equal(p.lag_skips, 0);
}

static void
test_steady_pcr(void **state)
{
	struct sim	 s;
	uint64_t	 k, due, pcr_due_prev = 0;
	uint64_t	 pcr0 = 1000000000000ULL;	/* large first PCR */

	sim_init(&s, 3000000, pcr0, 10);
	for (k = 0; k < 20000; k++) {
		sim_run(&s, 1);
		due = s.last_due_us;
		/* before the 2nd PCR the rate is a guess (the default) */
		if (k < 20) {
			s.max_gap_us = 0;
			continue;
		}
		if (k % 10 == 0) {
			/* on the PCR's own timeline, exactly */
			assert_true(due ==
			    START_US + (sim_pcr(&s, k) - pcr0) / 27);
			pcr_due_prev = due;
		} else {
			/* between its PCRs, never past the next one */
			assert_true(due >= pcr_due_prev);
			assert_true(due <= START_US +
			    (sim_pcr(&s, k - k % 10 + 10) - pcr0) / 27);
		}
	}
	/* about 10 s at 3 Mbit/s, and the rate was measured */
	assert_near(s.last_due_us - START_US, pkt_us(19999, 3000000), 1);
	assert_near(s.p.rate_bps, 3000000, 30000);
	assert_true(s.max_gap_us <= pkt_us(1, 3000000) + 2);
	assert_int_equal(s.p.rebases, 0);
	assert_int_equal(s.p.lag_skips, 0);
}

static void
test_bytes_before_first_pcr(void **state)
{
	struct pacer	 p;
	uint64_t	 due;
	int		 i;

	pacer_init(&p, 0, START_US);
	for (i = 0; i < 10; i++)
		pacer_bytes(&p, PKT, START_US);
	/* the first PCR continues where the default rate got to */
	due = pacer_pcr(&p, 123456789, PKT, START_US);
	assert_true(due == START_US + 10 * 752);
	/* 40 ms of PCR later, 40 ms later */
	due = pacer_pcr(&p, 123456789 + 27000 * 40, PKT, START_US);
	assert_true(due == START_US + 10 * 752 + 40000);
	assert_int_equal(p.rebases, 0);
}

static void
test_pcr_wrap(void **state)
{
	struct sim	 s;

	/* first PCR 1 s before the 2^33 * 300 wrap, run 3 s across it */
	sim_init(&s, 2000000, PACE_PCR_WRAP - PACE_PCR_HZ, 5);
	sim_run(&s, 3 * 2000000 / 8 / PKT);
	assert_int_equal(s.p.rebases, 0);
	assert_near(s.last_due_us - START_US, pkt_us(s.k - 1, 2000000), 1);
	assert_true(s.max_gap_us <= pkt_us(1, 2000000) + 2);
}

/* Play N packets, then loop to packet 0 (PCR jumps back). */
static void
loop_once(struct sim *s, uint64_t n, int announce)
{
	sim_run(s, n);
	s->k = 0;
	if (announce)
		pacer_rebase(&s->p);
}

static void
test_loop_jump_back(void **state)
{
	struct sim	 s;
	uint64_t	 n = 2 * 2000000 / 8 / PKT, gap = pkt_us(1, 2000000);
	int		 announce;

	for (announce = 0; announce < 2; announce++) {
		/* packets 0..2 carry no PCR, as in many files */
		sim_init(&s, 2000000, 500 * PACE_PCR_HZ, 0);
		sim_run(&s, 3);
		s.pcr_every = 7;
		loop_once(&s, n - 3, announce);
		loop_once(&s, n, announce);
		sim_run(&s, n);
		assert_int_equal(s.p.rebases, 2);
		/* three loops of 2 s: no pause and no burst at the loops */
		assert_near(s.last_due_us - START_US, (3 * n - 1) * gap, 3 * 3);
		assert_true(s.max_gap_us <= gap + 2);
		assert_int_equal(s.p.lag_skips, 0);
	}
}

static void
test_forward_jumps(void **state)
{
	struct sim	 s;
	uint64_t	 before, gap = pkt_us(1, 2000000);

	/* more than 2 s forward: a splice, continue smoothly */
	sim_init(&s, 2000000, 0, 4);
	sim_run(&s, 1000);
	before = s.last_due_us;
	s.pcr0 += 10 * PACE_PCR_HZ;
	sim_run(&s, 1000);
	assert_int_equal(s.p.rebases, 1);
	assert_true(s.max_gap_us <= gap + 2);
	assert_near(s.last_due_us - before, pkt_us(1000, 2000000), 2);

	/* 1 s forward is within what a stream may do: followed */
	sim_init(&s, 2000000, 0, 4);
	sim_run(&s, 1000);
	before = s.last_due_us;
	s.pcr0 += PACE_PCR_HZ;
	sim_run(&s, 1000);
	assert_int_equal(s.p.rebases, 0);
	assert_near(s.last_due_us - before,
	    pkt_us(1000, 2000000) + 1000000, 2);

	/* ... unless the reader announced a splice: then it is smooth */
	sim_init(&s, 2000000, 0, 4);
	sim_run(&s, 1000);
	before = s.last_due_us;
	s.pcr0 += PACE_PCR_HZ;
	pacer_rebase(&s.p);
	sim_run(&s, 1000);
	assert_int_equal(s.p.rebases, 1);
	assert_true(s.max_gap_us <= gap + 2);
	assert_near(s.last_due_us - before, pkt_us(1000, 2000000), 2);

	/* a small step back (PCR jitter, another PID): no step back in time */
	sim_init(&s, 2000000, PACE_PCR_HZ, 4);
	sim_run(&s, 1000);
	before = s.last_due_us;
	s.pcr0 -= PACE_PCR_HZ / 100;		/* 10 ms: more than a PCR gap */
	sim_run(&s, 1000);
	assert_int_equal(s.p.rebases, 1);
	assert_true(s.max_gap_us <= gap + 2);
}

static void
test_lagging_reader(void **state)
{
	struct sim	 s;
	uint64_t	 late, gap = pkt_us(1, 2000000);

	/* behind by less than the limit: catch up (due in the past) */
	sim_init(&s, 2000000, 0, 4);
	sim_run(&s, 100);
	s.now_us = s.last_due_us + 500000;
	late = s.now_us;
	sim_run(&s, 1);
	assert_true(s.last_due_us < late);
	assert_int_equal(s.p.lag_skips, 0);

	/* stalled for 5 s: moved to now, then the normal rate again */
	sim_init(&s, 2000000, 0, 4);
	sim_run(&s, 100);
	s.now_us = s.last_due_us + 5000000;
	late = s.now_us;
	sim_run(&s, 1);
	assert_true(s.last_due_us == late);
	assert_int_equal(s.p.lag_skips, 1);
	s.max_gap_us = 0;
	sim_run(&s, 1000);
	assert_true(s.max_gap_us <= gap + 2);
	assert_near(s.last_due_us - late, pkt_us(1000, 2000000), 2);
	assert_int_equal(s.p.rebases, 0);

	/* same without PCR */
	sim_init(&s, 2000000, 0, 0);
	sim_run(&s, 100);
	s.now_us = s.last_due_us + 5000000;
	late = s.now_us;
	sim_run(&s, 1001);
	assert_int_equal(s.p.lag_skips, 1);
	assert_near(s.last_due_us - late, 1000 * 752, 0);
}

/* ------------------------------------------------------------------ */
/* The sample file, looped */

/* The PCR of an aligned packet, or -1 (a few lines instead of tsscan). */
static int
packet_pcr(const uint8_t *pkt, uint64_t *pcr)
{
	uint64_t	 base;

	if (pkt[0] != 0x47 || !(pkt[3] & 0x20) || pkt[4] < 7 ||
	    pkt[4] > 183 || !(pkt[5] & 0x10))
		return -1;
	base = ((uint64_t)pkt[6] << 25) | ((uint64_t)pkt[7] << 17) |
	    ((uint64_t)pkt[8] << 9) | ((uint64_t)pkt[9] << 1) | (pkt[10] >> 7);
	*pcr = base * 300 + (((uint64_t)(pkt[10] & 1) << 8) | pkt[11]);
	return 0;
}

static void
test_sample_looped(void **state)
{
	FILE		*fp = sample_open();
	uint8_t		*file;
	long		 size;
	size_t		 npkt, i;
	uint64_t	 pcr, first = 0, last = 0, span_us, now, due, prev = 0;
	uint64_t	 max_gap = 0, loop_gap, total;
	struct pacer	 p;
	int		 loop, announce, have = 0;

	if (fp == NULL)
		fail_msg("no tests/media/sample.ts (run from the repository "
		    "root, or set its path in the environment)");
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	rewind(fp);
	assert_true(size >= PKT * 100);
	file = malloc((size_t)size);
	assert_int_equal(fread(file, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	npkt = (size_t)size / PKT;
	for (i = 0; i < npkt; i++)
		if (packet_pcr(file + i * PKT, &pcr) == 0) {
			if (!have)
				first = pcr;
			have = 1;
			last = pcr;
		}
	assert_true(have);
	span_us = (last - first) / 27;

	for (announce = 0; announce < 2; announce++) {
		pacer_init(&p, 0, START_US);
		now = START_US;
		max_gap = loop_gap = 0;
		for (loop = 0; loop < 3; loop++) {
			for (i = 0; i < npkt; i++) {
				if (packet_pcr(file + i * PKT, &pcr) == 0)
					due = pacer_pcr(&p, pcr, PKT, now);
				else
					due = pacer_bytes(&p, PKT, now);
				if (loop > 0 || i > 0) {
					assert_true(due >= prev);
					if (due - prev > max_gap)
						max_gap = due - prev;
					if (i == 0 && due - prev > loop_gap)
						loop_gap = due - prev;
				}
				prev = due;
				if (due > now)
					now = due;
			}
			if (announce)
				pacer_rebase(&p);
		}
		total = prev - START_US;
		print_message("sample: PCR span %.3f s, 3 loops paced over "
		    "%.3f s, largest step %.1f ms (%.1f ms at a loop), "
		    "%llu rebases\n", span_us / 1e6, total / 1e6,
		    max_gap / 1e3, loop_gap / 1e3,
		    (unsigned long long)p.rebases);
		/* real time: three times the file, give or take a PCR gap */
		assert_true(total >= 3 * span_us);
		assert_true(total <= 3 * span_us + 3 * 200000);
		/* no pause anywhere, the loop points included */
		assert_true(max_gap < 100000);
		assert_int_equal(p.rebases, 2);
		assert_int_equal(p.lag_skips, 0);
	}
	free(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_pcr_default_rate),
		cmocka_unit_test(test_steady_pcr),
		cmocka_unit_test(test_bytes_before_first_pcr),
		cmocka_unit_test(test_pcr_wrap),
		cmocka_unit_test(test_loop_jump_back),
		cmocka_unit_test(test_forward_jumps),
		cmocka_unit_test(test_lagging_reader),
		cmocka_unit_test(test_sample_looped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
