/*
 * pace.h - real-time pacing of MPEG-TS read from a file (no I/O).
 *
 * A file source (or a looped sample) is read packet by packet and must go
 * out at the speed it was encoded at.  For every packet the reader asks the
 * pacer when it is due, sleeps until then, then publishes it:
 *
 *	struct pacer	 p;
 *	pacer_init(&p, PACE_DEFAULT_BITRATE_BPS, pace_now_us());
 *	for each 188-byte packet PKT:
 *		if (tsscan_packet(&scan, PKT, &pcr) & TS_F_PCR)
 *			due = pacer_pcr(&p, pcr, 188, pace_now_us());
 *		else
 *			due = pacer_bytes(&p, 188, pace_now_us());
 *		pace_sleep_until(due);
 *		publish PKT;
 *	at end of file, before reading it again:
 *		pacer_rebase(&p);
 *
 * Times are absolute CLOCK_MONOTONIC microseconds, the caller's clock,
 * which it passes in so the module stays pure and testable.  A packet with
 * a PCR is due at the PCR's time on a timeline anchored at the first PCR;
 * bytes in between are spread at the rate measured between the last two
 * PCRs (or the default bitrate before that, or forever when the stream has
 * no PCR at all).  Due times never go backwards.
 *
 * Rebasing: a PCR that wraps (2^33 * 300) just continues.  A PCR that goes
 * backwards, or forward by more than PACE_MAX_JUMP_US (file loop,
 * discontinuity, encoder restart), or the first PCR after pacer_rebase(),
 * starts a new timeline at the time the bytes before it were due, so output
 * continues at the same rate with neither a burst nor a pause.  A reader
 * that fell more than PACE_MAX_LAG_US behind (stalled writer, suspended
 * process) is moved to "now" instead of bursting to catch up.
 */
#ifndef RINGCAST_PACE_H
#define RINGCAST_PACE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PACE_DEFAULT_BITRATE_BPS	2000000ULL	/* no-PCR streams */
#define PACE_MIN_BITRATE_BPS		8000ULL		/* clamp of estimates */
#define PACE_MAX_BITRATE_BPS		10000000000ULL
#define PACE_MAX_JUMP_US		2000000ULL	/* larger PCR step: rebase */
#define PACE_MAX_LAG_US			1000000ULL	/* further behind: skip */
#define PACE_PCR_HZ			27000000ULL
#define PACE_PCR_WRAP			((1ULL << 33) * 300)	/* PCR modulus */

struct pacer {
	uint64_t	 default_bps;	/* rate used until PCRs give one */
	uint64_t	 rate_bps;	/* current rate estimate, bits/s */
	uint64_t	 ref_us;	/* due time of the reference point */
	uint64_t	 ref_bytes;	/* bytes accounted since ref_us */
	uint64_t	 anchor_us;	/* time of the timeline's first PCR */
	uint64_t	 anchor_ticks;	/* PCR ticks elapsed since the anchor */
	uint64_t	 last_pcr;	/* previous PCR, 0..PACE_PCR_WRAP-1 */
	uint64_t	 last_due_us;	/* last value returned */
	int		 have_pcr;	/* a timeline exists */
	int		 rebase_pending;	/* next PCR starts a new one */
	int		 have_rate;	/* rate_bps was measured */
	uint64_t	 rate_bytes;	/* bytes and PCR ticks measured */
	uint64_t	 rate_ticks;	/*   towards the next estimate */
	uint64_t	 rebases;	/* timelines started after the first */
	uint64_t	 lag_skips;	/* times the reader was moved to now */
};

/* Start pacing at NOW_US; DEFAULT_BPS 0 means PACE_DEFAULT_BITRATE_BPS. */
void	 pacer_init(struct pacer *, uint64_t default_bps, uint64_t now_us);
/*
 * A packet (or chunk) of LEN bytes whose first packet carries PCR (27 MHz,
 * as tsscan_packet() returns it): returns the monotonic time in
 * microseconds at which it is due.
 */
uint64_t pacer_pcr(struct pacer *, uint64_t pcr, size_t len,
	    uint64_t now_us);
/* LEN bytes without a PCR: their due time, by the current rate estimate. */
uint64_t pacer_bytes(struct pacer *, size_t len, uint64_t now_us);
/* Make the next PCR start a new timeline (file loop, known splice). */
void	 pacer_rebase(struct pacer *);

/* CLOCK_MONOTONIC now, in microseconds. */
static inline uint64_t
pace_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Sleep until CLOCK_MONOTONIC reaches DUE_US.  Returns 0, or EINTR when a
 * signal arrived first (the caller checks its flags and calls again).
 */
static inline int
pace_sleep_until(uint64_t due_us)
{
	struct timespec	 ts;

	ts.tv_sec = (time_t)(due_us / 1000000ULL);
	ts.tv_nsec = (long)(due_us % 1000000ULL) * 1000;
	return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

#endif
