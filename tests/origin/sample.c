/*
 * sample.c - the sample file and its timeline, and the channel clocks
 * that map wall time onto it.
 *
 * Design.  Nothing is buffered per channel.  Each channel (a TS path, or
 * an HLS NAME) has a clock: wall time since the origin started, plus a
 * pre-roll (so HLS playlists are full at once) plus a phase taken from a
 * hash of its name (so two channels do not carry the same bytes at the
 * same moment).  At load time the sample's PCRs give a table of (byte
 * offset, time); from it, the channel time maps to an absolute position
 * in the endlessly looped sample (loop number * file size + offset).
 * The loop is also cut into HLS segments at keyframes.  Bytes of loop N
 * are copied with their PCR, PTS, DTS shifted by N loop durations and
 * their continuity counters shifted by N times the PID's packet count
 * (tests/lib/tsloop.c), so the stream stays continuous across the loop.
 *
 * Pure arithmetic on the loaded file, no locking; calls util.c, tsloop.c
 * and src/ tsscan.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/tsloop.h"
#include "origin.h"

struct sample	 sample;
uint64_t	 start_us;		/* CLOCK_MONOTONIC at start */

/*
 * Interpolate in the (offset, time) table: X on the FROM column (one of
 * pt_off, pt_t27m) gives the value on the TO column.  Where the two points
 * around X have the same FROM, the lower point's TO, or the upper one's
 * when FLAT_HI is set.
 */
static uint64_t
sample_interpolate(const uint64_t *from, const uint64_t *to, uint64_t x,
    int flat_hi)
{
	size_t lo = 0, hi = sample.npts - 1;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (from[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	uint64_t dfrom = from[hi] - from[lo];
	uint64_t dto = to[hi] - to[lo];
	if (dfrom == 0)
		return flat_hi ? to[hi] : to[lo];
	return to[lo] + (uint64_t)((double)dto *
	    (double)(x - from[lo]) / (double)dfrom);
}

/* Time (27 MHz ticks into the loop) of byte OFF, 0 <= OFF <= size. */
uint64_t
sample_time_at(uint64_t off)
{
	return sample_interpolate(sample.pt_off, sample.pt_t27m, off, 0);
}

/* Byte offset reached at time T (27 MHz ticks into the loop, < loop). */
static uint64_t
sample_offset_at(uint64_t t)
{
	return sample_interpolate(sample.pt_t27m, sample.pt_off, t, 1);
}

/* Absolute position in the looped stream reached at channel time T. */
static uint64_t
sample_position_at(uint64_t t)
{
	uint64_t loop = t / sample.loop_27m;

	return loop * sample.size + sample_offset_at(t % sample.loop_27m);
}

/*
 * Copy N bytes of the looped stream from absolute position POS into OUT,
 * with each packet patched for its loop.
 */
void
sample_copy(uint8_t *out, uint64_t pos, size_t n)
{
	uint8_t pkt[TS_PACKET_SIZE];

	while (n > 0) {
		uint64_t loop = pos / sample.size;
		uint64_t off = pos % sample.size;
		uint64_t pstart = off - off % TS_PACKET_SIZE;
		size_t skip = (size_t)(off - pstart);
		size_t take = TS_PACKET_SIZE - skip;

		if (take > n)
			take = n;
		memcpy(pkt, sample.data + pstart, TS_PACKET_SIZE);
		tsloop_patch_packet(pkt, loop, sample.loop_27m, sample.cc_step);
		memcpy(out, pkt + skip, take);
		out += take;
		pos += take;
		n -= take;
	}
}

void
sample_free(void)
{
	free(sample.data);
	free(sample.pt_off);
	free(sample.pt_t27m);
	free(sample.cut);
	memset(&sample, 0, sizeof(sample));
}

static int
sample_read_file(const char *path)
{
	return tsloop_read_file(path, "origin", &sample.data, &sample.size);
}

struct scan_result {
	uint64_t	*pcr_off, *pcr_val;
	size_t		 npcr;
	uint64_t	*key_off;	/* cut candidate for each keyframe */
	size_t		 nkey;
};

static int
sample_scan(struct scan_result *r)
{
	struct tsscan sc;
	size_t npkt = sample.size / TS_PACKET_SIZE;
	uint64_t last_pat = UINT64_MAX;
	uint32_t cc_count[TS_PID_COUNT];

	memset(cc_count, 0, sizeof(cc_count));
	r->pcr_off = calloc(npkt, sizeof(uint64_t));
	r->pcr_val = calloc(npkt, sizeof(uint64_t));
	r->key_off = calloc(npkt, sizeof(uint64_t));
	if (r->pcr_off == NULL || r->pcr_val == NULL || r->key_off == NULL)
		return -1;
	tsscan_init(&sc);
	for (uint64_t off = 0; off < sample.size; off += TS_PACKET_SIZE) {
		const uint8_t *p = sample.data + off;
		uint64_t pcr = 0;
		int fl = tsscan_packet(&sc, p, &pcr);

		if (ts_has_payload(p))
			cc_count[ts_pid(p)]++;
		if (fl & TS_F_PAT)
			last_pat = off;
		if (fl & TS_F_PCR) {
			/* Keep a strictly increasing series only. */
			if (r->npcr == 0 || pcr > r->pcr_val[r->npcr - 1]) {
				r->pcr_off[r->npcr] = off;
				r->pcr_val[r->npcr++] = pcr;
			}
		}
		if (fl & TS_F_KEYFRAME) {
			uint64_t cut = off;
			if (last_pat != UINT64_MAX && off - last_pat <=
			    ORIGIN_PAT_LOOKBACK_PACKETS * TS_PACKET_SIZE)
				cut = last_pat;
			if (r->nkey == 0 || cut > r->key_off[r->nkey - 1])
				r->key_off[r->nkey++] = cut;
		}
	}
	for (size_t pid = 0; pid < TS_PID_COUNT; pid++)
		sample.cc_step[pid] = (uint8_t)(cc_count[pid] & 0x0f);
	return 0;
}

/* Build the (offset, time) table from the PCRs and the loop duration. */
static int
sample_build_timeline(const struct scan_result *r)
{
	if (r->npcr < 2) {
		fprintf(stderr, "origin: sample has fewer than 2 PCRs\n");
		return -1;
	}
	uint64_t first_off = r->pcr_off[0], last_off = r->pcr_off[r->npcr - 1];
	uint64_t span_t = r->pcr_val[r->npcr - 1] - r->pcr_val[0];
	double bytes_per_tick = (double)(last_off - first_off) / (double)span_t;
	uint64_t head = (uint64_t)((double)first_off / bytes_per_tick);
	uint64_t tail = (uint64_t)((double)(sample.size - last_off) /
	    bytes_per_tick);

	sample.loop_27m = head + span_t + tail;
	sample.loop_27m -= sample.loop_27m % 300;
	sample.npts = r->npcr + 2;
	sample.pt_off = calloc(sample.npts, sizeof(uint64_t));
	sample.pt_t27m = calloc(sample.npts, sizeof(uint64_t));
	if (sample.pt_off == NULL || sample.pt_t27m == NULL)
		return -1;
	sample.pt_off[0] = 0;
	sample.pt_t27m[0] = 0;
	for (size_t i = 0; i < r->npcr; i++) {
		sample.pt_off[i + 1] = r->pcr_off[i];
		sample.pt_t27m[i + 1] = head + (r->pcr_val[i] - r->pcr_val[0]);
	}
	sample.pt_off[sample.npts - 1] = sample.size;
	sample.pt_t27m[sample.npts - 1] = sample.loop_27m;
	/* Keep the table monotonic whatever rounding did. */
	for (size_t i = 1; i < sample.npts; i++)
		if (sample.pt_t27m[i] < sample.pt_t27m[i - 1])
			sample.pt_t27m[i] = sample.pt_t27m[i - 1];
	return 0;
}

/* Cut the loop into HLS segments at keyframes, about the target length. */
static int
sample_build_segments(const struct scan_result *r)
{
	double target_27m = ORIGIN_SEGMENT_TARGET_S * 27e6;
	double slack_27m = ORIGIN_SEGMENT_SLACK_S * 27e6;

	if ((sample.cut = calloc(r->nkey + 2, sizeof(uint64_t))) == NULL)
		return -1;
	sample.cut[0] = 0;
	sample.nseg = 1;
	for (size_t i = 0; i < r->nkey; i++) {
		uint64_t off = r->key_off[i];
		double since = (double)(sample_time_at(off) -
		    sample_time_at(sample.cut[sample.nseg - 1]));
		double left = (double)(sample.loop_27m - sample_time_at(off));
		if (off == 0 || since < target_27m - slack_27m ||
		    left < target_27m / 2)
			continue;
		sample.cut[sample.nseg++] = off;
	}
	sample.cut[sample.nseg] = sample.size;
	sample.target_s = 0;
	for (size_t i = 0; i < sample.nseg; i++) {
		double d = (double)(sample_time_at(sample.cut[i + 1]) -
		    sample_time_at(sample.cut[i])) / 27e6;
		if (d > sample.target_s)
			sample.target_s = d;
	}
	if (r->nkey == 0)
		fprintf(stderr, "origin: warning: no keyframe found, "
		    "one segment per loop\n");
	return 0;
}

int
sample_load(const char *path)
{
	struct scan_result r;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (sample_read_file(path) == 0 && sample_scan(&r) == 0 &&
	    sample_build_timeline(&r) == 0 && sample_build_segments(&r) == 0)
		rc = 0;
	free(r.pcr_off);
	free(r.pcr_val);
	free(r.key_off);
	return rc;
}

/* Segment I of the loop: its duration in seconds. */
double
sample_segment_seconds(size_t i)
{
	return (double)(sample_time_at(sample.cut[i + 1]) -
	    sample_time_at(sample.cut[i])) / 27e6;
}

/* Channel time (27 MHz ticks) of channel KEY now. */
uint64_t
channel_time(const char *key)
{
	uint64_t phase = fnv1a(key) % sample.loop_27m;

	return (mono_us() - start_us) * US_TO_27M +
	    (uint64_t)ORIGIN_PREROLL_S * 27000000ULL + phase;
}

/* Live position (absolute, packet-aligned) of channel KEY now. */
uint64_t
channel_live_position(const char *key)
{
	return sample_position_at(channel_time(key));
}
