/*
 * pace.c - real-time pacing of MPEG-TS from its PCR (no I/O).
 *
 * The PCR is the encoder's own clock, so a packet carrying one is due at
 * anchor_us + (PCR - first PCR) / 27; the pacer keeps that difference as a
 * running tick count (wrap-safe, no rounding drift).  Bytes between PCRs
 * are spread by the bitrate measured over the last ~100 ms of PCRs, which
 * is also what carries the timeline across a jump: when the PCR goes
 * backwards or leaps forward (a loop of the file, a splice), the new
 * timeline starts exactly when the bytes before it were due, so the output
 * rate does not notice.  The caller passes the time in and does the
 * sleeping; this file only does arithmetic, all of it overflow-checked in
 * 64 bits.
 */
#include "pace.h"

#define PACE_US_HZ		1000000ULL
#define PACE_TICKS_PER_US	(PACE_PCR_HZ / PACE_US_HZ)	/* 27 */
#define PACE_RATE_WINDOW_TICKS	(PACE_PCR_HZ / 10)	/* measure >= 100 ms */

/* Time LEN bytes take at RATE bits/s, in microseconds. */
static uint64_t
pace_bytes_to_us(uint64_t bytes, uint64_t rate_bps)
{
	uint64_t	 bits = bytes * 8;

	return bits / rate_bps * PACE_US_HZ +
	    bits % rate_bps * PACE_US_HZ / rate_bps;
}

/* BYTES over TICKS of PCR, in bits/s, clamped to sane bounds. */
static uint64_t
pace_rate(uint64_t bytes, uint64_t ticks)
{
	uint64_t	 bits = bytes * 8, whole, rate;

	whole = bits / ticks;
	if (whole > PACE_MAX_BITRATE_BPS / PACE_PCR_HZ)
		return PACE_MAX_BITRATE_BPS;
	rate = whole * PACE_PCR_HZ + bits % ticks * PACE_PCR_HZ / ticks;
	if (rate < PACE_MIN_BITRATE_BPS)
		return PACE_MIN_BITRATE_BPS;
	if (rate > PACE_MAX_BITRATE_BPS)
		return PACE_MAX_BITRATE_BPS;
	return rate;
}

void
pacer_init(struct pacer *p, uint64_t default_bps, uint64_t now_us)
{
	if (default_bps == 0)
		default_bps = PACE_DEFAULT_BITRATE_BPS;
	if (default_bps < PACE_MIN_BITRATE_BPS)
		default_bps = PACE_MIN_BITRATE_BPS;
	if (default_bps > PACE_MAX_BITRATE_BPS)
		default_bps = PACE_MAX_BITRATE_BPS;
	*p = (struct pacer){
		.default_bps = default_bps,
		.rate_bps = default_bps,
		.ref_us = now_us,
		.anchor_us = now_us,
		.last_due_us = now_us,
	};
}

/* When the next byte is due by the rate estimate alone. */
static uint64_t
pacer_interp(const struct pacer *p)
{
	return p->ref_us + pace_bytes_to_us(p->ref_bytes, p->rate_bps);
}

/* Common tail: keep due times monotonic, cap the lag, account LEN bytes. */
static uint64_t
pacer_finish(struct pacer *p, uint64_t due, size_t len, uint64_t now_us)
{
	uint64_t	 shift;

	if (due < p->last_due_us)
		due = p->last_due_us;
	if (now_us > due && now_us - due > PACE_MAX_LAG_US) {
		shift = now_us - due;
		p->ref_us += shift;
		p->anchor_us += shift;
		due = now_us;
		p->lag_skips++;
	}
	p->last_due_us = due;
	p->ref_bytes += len;
	return due;
}

/* Start a new PCR timeline at the time the next byte is due anyway. */
static uint64_t
pacer_new_timeline(struct pacer *p)
{
	uint64_t	 due = pacer_interp(p);

	if (due < p->last_due_us)
		due = p->last_due_us;
	if (p->have_pcr)
		p->rebases++;
	p->have_pcr = 1;
	p->rebase_pending = 0;
	p->anchor_us = due;
	p->anchor_ticks = 0;
	p->rate_bytes = 0;
	p->rate_ticks = 0;
	return due;
}

uint64_t
pacer_pcr(struct pacer *p, uint64_t pcr, size_t len, uint64_t now_us)
{
	uint64_t	 delta = 0, due;

	pcr %= PACE_PCR_WRAP;
	if (p->have_pcr && !p->rebase_pending)
		delta = (pcr + PACE_PCR_WRAP - p->last_pcr) % PACE_PCR_WRAP;
	if (!p->have_pcr || p->rebase_pending ||
	    delta > PACE_MAX_JUMP_US * PACE_TICKS_PER_US)
		due = pacer_new_timeline(p);
	else {
		p->rate_bytes += p->ref_bytes;
		p->rate_ticks += delta;
		/* The first interval replaces the default rate at once. */
		if (p->rate_ticks >= PACE_RATE_WINDOW_TICKS ||
		    (!p->have_rate && p->rate_ticks > 0)) {
			p->have_rate = 1;
			p->rate_bps = pace_rate(p->rate_bytes, p->rate_ticks);
			p->rate_bytes = 0;
			p->rate_ticks = 0;
		}
		p->anchor_ticks += delta;
		due = p->anchor_us + p->anchor_ticks / PACE_TICKS_PER_US;
	}
	p->last_pcr = pcr;
	p->ref_us = due;
	p->ref_bytes = 0;
	return pacer_finish(p, due, len, now_us);
}

uint64_t
pacer_bytes(struct pacer *p, size_t len, uint64_t now_us)
{
	return pacer_finish(p, pacer_interp(p), len, now_us);
}

void
pacer_rebase(struct pacer *p)
{
	p->rebase_pending = 1;
}
