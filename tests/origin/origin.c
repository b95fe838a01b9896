/*
 * origin.c - the test origin: a live MPEG-TS and HLS source with fault
 * injection, for ringcast's integration tests and benchmarks.
 *
 * It loads one sample file (tests/media/sample.ts) and plays it as if it
 * were an endless live source:
 *
 *   GET /NAME.ts (any path ending in .ts outside /hls and /vod)
 *	continuous TS, paced at real time;
 *   GET /hls/NAME/index.m3u8, /hls/NAME/SEQ.ts, /hls/NAME/master.m3u8
 *	a live HLS stream cut from the same timeline at keyframes;
 *   GET /vod/NAME/index.m3u8, /vod/NAME/N.ts
 *	the sample's segments as an ENDLIST playlist;
 *   GET /stats, /stats/reset, /fault?..., /fault/clear
 *	counters and fault injection for the tests.
 *
 * Design.  Nothing is buffered per channel.  Each channel (a TS path, or
 * an HLS NAME) has a clock: wall time since the origin started, plus a
 * pre-roll (so HLS playlists are full at once) plus a phase taken from a
 * hash of its name (so two channels do not carry the same bytes at the
 * same moment).  At load time the sample's PCRs give a table of (byte
 * offset, time); from it, the channel time maps to an absolute position
 * in the endlessly looped sample (loop number * file size + offset).
 * A live client starts at the current position rounded down to a packet
 * and its content reader sends whatever the clock has made due, so every
 * client of one path at one moment receives the same bytes, like viewers
 * of a real live source.  An HLS segment number maps to a byte range of
 * that same looped timeline, and is published once the clock passes its
 * end.  Bytes of loop N are copied with their PCR, PTS, DTS shifted by N
 * loop durations and their continuity counters shifted by N times the
 * PID's packet count, so the stream stays continuous across the loop.
 *
 * libmicrohttpd runs its own epoll threads.  A content reader with
 * nothing due suspends its connection and puts it on a wait list with a
 * wake-up time; a ticker thread resumes due connections every few
 * milliseconds.  MHD functions are never called under our mutex.  A
 * "hang" fault suspends the request before any response exists; the
 * ticker resumes it twice a second so it can notice the client leaving.
 * On SIGTERM every suspended connection is resumed and refuses to
 * suspend again, then the daemon stops.
 */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "../lib/tsloop.h"
#include "tsscan.h"

/* Limits and tunables, with their units. */
#define ORIGIN_TICK_MS			10	/* ticker period */
#define ORIGIN_HANG_CHECK_MS		500	/* hung request: check client */
#define ORIGIN_STALL_CHECK_MS		250	/* stalled stream: re-check */
#define ORIGIN_BLOCK_BYTES		(32 * 1024)	/* MHD response block */
#define ORIGIN_PREROLL_S		60	/* channel clock head start */
#define ORIGIN_SEGMENT_TARGET_S		2.0	/* HLS segment length */
#define ORIGIN_SEGMENT_SLACK_S		0.25	/* cut up to this early */
#define ORIGIN_HLS_WINDOW_SEGMENTS	6	/* segments in a live playlist */
#define ORIGIN_HLS_KEEP_SEGMENTS	30	/* older ones answer 404 */
#define ORIGIN_PAT_LOOKBACK_PACKETS	32	/* cut at a PAT this close */
#define ORIGIN_MAX_PATHS		8192	/* distinct paths in /stats */
#define ORIGIN_PATH_BUCKETS		1024
#define ORIGIN_PATH_MAX_BYTES		512
#define ORIGIN_NAME_MAX_BYTES		128	/* NAME in /hls/NAME/ */
#define ORIGIN_UA_MAX_BYTES		256
#define ORIGIN_MAX_FAULTS		256
#define ORIGIN_CONNECTION_LIMIT		16384
#define ORIGIN_DEFAULT_THREADS		4
#define ORIGIN_STOP_WAIT_MS		3000	/* for suspended ones to wake */
#define ORIGIN_LIVE_MIN_BYTES		(7 * TS_PACKET_SIZE)	/* per live write */
#define ORIGIN_DRAIN_QUIET_MS		50	/* none suspended for this long */
#define ORIGIN_DEFAULT_SAMPLE		"tests/media/sample.ts"

#define US_TO_27M	27ULL

/* ------------------------------------------------------------------ */
/* The sample and its timeline.                                        */

struct sample {
	uint8_t		*data;
	uint64_t	 size;			/* multiple of 188 */
	uint64_t	 loop_27m;		/* loop duration, multiple of 300 */
	/* (offset, time) points from the PCRs; first (0, 0), last (size, loop). */
	uint64_t	*pt_off;
	uint64_t	*pt_t27m;
	size_t		 npts;
	/* HLS cuts: cut[i] is the first byte of segment i; cut[nseg] = size. */
	uint64_t	*cut;
	size_t		 nseg;
	double		 target_s;		/* longest segment */
	uint8_t		 cc_step[TS_PID_COUNT];	/* payload packets per loop, mod 16 */
};

static struct sample sample;

/* Time (27 MHz ticks into the loop) of byte OFF, 0 <= OFF <= size. */
static uint64_t
sample_time_at(uint64_t off)
{
	size_t lo = 0, hi = sample.npts - 1;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (sample.pt_off[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	uint64_t doff = sample.pt_off[hi] - sample.pt_off[lo];
	uint64_t dt = sample.pt_t27m[hi] - sample.pt_t27m[lo];
	if (doff == 0)
		return sample.pt_t27m[lo];
	return sample.pt_t27m[lo] + (uint64_t)((double)dt *
	    (double)(off - sample.pt_off[lo]) / (double)doff);
}

/* Byte offset reached at time T (27 MHz ticks into the loop, < loop). */
static uint64_t
sample_offset_at(uint64_t t)
{
	size_t lo = 0, hi = sample.npts - 1;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (sample.pt_t27m[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	uint64_t doff = sample.pt_off[hi] - sample.pt_off[lo];
	uint64_t dt = sample.pt_t27m[hi] - sample.pt_t27m[lo];
	if (dt == 0)
		return sample.pt_off[hi];
	return sample.pt_off[lo] + (uint64_t)((double)doff *
	    (double)(t - sample.pt_t27m[lo]) / (double)dt);
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
static void
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

static void
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

static int
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
static double
sample_segment_seconds(size_t i)
{
	return (double)(sample_time_at(sample.cut[i + 1]) -
	    sample_time_at(sample.cut[i])) / 27e6;
}

/* ------------------------------------------------------------------ */
/* Channels: clocks derived from the path.                             */

static uint64_t start_us;		/* CLOCK_MONOTONIC at start */

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t
mono_ms(void)
{
	return mono_us() / 1000;
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Channel time (27 MHz ticks) of channel KEY now. */
static uint64_t
channel_time(const char *key)
{
	uint64_t phase = fnv1a(key) % sample.loop_27m;

	return (mono_us() - start_us) * US_TO_27M +
	    (uint64_t)ORIGIN_PREROLL_S * 27000000ULL + phase;
}

/* Live position (absolute, packet-aligned) of channel KEY now. */
static uint64_t
channel_live_position(const char *key)
{
	return sample_position_at(channel_time(key));
}

/* End time (channel ticks) of live segment SEQ. */
static uint64_t
hls_segment_end(uint64_t seq)
{
	uint64_t loop = seq / sample.nseg;
	size_t idx = (size_t)(seq % sample.nseg);

	return loop * sample.loop_27m + sample_time_at(sample.cut[idx + 1]);
}

/* Newest published segment of HLS channel KEY; -1 when none. */
static int64_t
hls_last_segment(const char *key)
{
	uint64_t t = channel_time(key);
	uint64_t loop = t / sample.loop_27m;
	int64_t seq = (int64_t)(loop * sample.nseg) - 1;

	while (hls_segment_end((uint64_t)(seq + 1)) <= t)
		seq++;
	return seq;
}

/* ------------------------------------------------------------------ */
/* Shared state: stats, faults, requests.  All under one mutex.        */

struct path_stat {
	struct path_stat *next;
	uint64_t	 requests;
	uint64_t	 bytes;
	char		 user_agent[ORIGIN_UA_MAX_BYTES];
	char		 path[];
};

enum fault_type {
	FAULT_STATUS,
	FAULT_HANG,
	FAULT_CLOSE,
	FAULT_STALL,
	FAULT_GARBAGE,
	FAULT_SLOW,
};

static const char *fault_names[] = {
	"status", "hang", "close", "stall", "garbage", "slow",
};

struct fault {
	enum fault_type	 type;
	char		 path[ORIGIN_PATH_MAX_BYTES];
	uint64_t	 value;		/* status, bytes, ms, bytes/s */
	int64_t		 remaining;	/* -1 = until cleared */
};

enum req_kind {
	REQ_NONE = 0,
	REQ_LIVE,		/* continuous TS */
	REQ_SEGMENT,		/* one HLS segment, known length */
	REQ_HANG,		/* suspended in the access handler */
};

struct req {
	struct req	*wnext, *wprev;		/* wait list */
	struct req	*anext, *aprev;		/* active data requests */
	struct MHD_Connection *conn;
	struct path_stat *stat;
	enum req_kind	 kind;
	int		 waiting;		/* on the wait list */
	int		 suspended;		/* suspended, not yet re-entered */
	int		 active;		/* on the active list */
	uint64_t	 wake_ms;
	char		 path[ORIGIN_PATH_MAX_BYTES];
	char		 channel[ORIGIN_PATH_MAX_BYTES];
	/* Data position: absolute in the looped stream. */
	uint64_t	 pos;
	uint64_t	 end;			/* REQ_SEGMENT: last byte + 1 */
	uint64_t	 sent;			/* bytes handed to MHD */
	/* Faults in force. */
	int64_t		 close_left;		/* -1 = none */
	uint64_t	 stall_until_ms;
	int		 resync;		/* jump to live after a stall */
	uint64_t	 garbage_left;
	uint64_t	 slow_rate;		/* bytes/s, 0 = none */
	uint64_t	 slow_start_ms;
	uint64_t	 slow_sent;
	uint32_t	 rng;
};

struct conn_info {
	unsigned	 requests;
	int		 control;	/* only /stats or /fault: not counted */
};

static pthread_mutex_t	 mtx = PTHREAD_MUTEX_INITIALIZER;
static struct path_stat	*path_table[ORIGIN_PATH_BUCKETS];
static size_t		 npaths;
static uint64_t		 stat_connections;
static int64_t		 stat_open;
static struct fault	 faults[ORIGIN_MAX_FAULTS];
static size_t		 nfaults;
static struct req	*wait_head;
static struct req	*active_head;
static size_t		 nsuspended;
static volatile sig_atomic_t stopping;
static int		 quiet;

/* Called with mtx held.  NULL when the table is full. */
static struct path_stat *
path_stat_get(const char *path)
{
	size_t b = fnv1a(path) % ORIGIN_PATH_BUCKETS;
	struct path_stat *ps;

	for (ps = path_table[b]; ps != NULL; ps = ps->next)
		if (strcmp(ps->path, path) == 0)
			return ps;
	if (npaths >= ORIGIN_MAX_PATHS)
		return NULL;
	if ((ps = calloc(1, sizeof(*ps) + strlen(path) + 1)) == NULL)
		return NULL;
	strcpy(ps->path, path);
	ps->next = path_table[b];
	path_table[b] = ps;
	npaths++;
	return ps;
}

static void
path_stats_free(void)
{
	for (size_t b = 0; b < ORIGIN_PATH_BUCKETS; b++) {
		while (path_table[b] != NULL) {
			struct path_stat *ps = path_table[b];
			path_table[b] = ps->next;
			free(ps);
		}
	}
	npaths = 0;
}

/* Called with mtx held. */
static void
wait_add(struct req *r, uint64_t wake_ms)
{
	r->wake_ms = wake_ms;
	r->waiting = 1;
	r->wprev = NULL;
	r->wnext = wait_head;
	if (wait_head != NULL)
		wait_head->wprev = r;
	wait_head = r;
}

/* Called with mtx held. */
static void
wait_remove(struct req *r)
{
	if (!r->waiting)
		return;
	if (r->wprev != NULL)
		r->wprev->wnext = r->wnext;
	else
		wait_head = r->wnext;
	if (r->wnext != NULL)
		r->wnext->wprev = r->wprev;
	r->wnext = r->wprev = NULL;
	r->waiting = 0;
}

/* Called with mtx held. */
static void
active_add(struct req *r)
{
	r->active = 1;
	r->aprev = NULL;
	r->anext = active_head;
	if (active_head != NULL)
		active_head->aprev = r;
	active_head = r;
}

/* Called with mtx held. */
static void
active_remove(struct req *r)
{
	if (!r->active)
		return;
	if (r->aprev != NULL)
		r->aprev->anext = r->anext;
	else
		active_head = r->anext;
	if (r->anext != NULL)
		r->anext->aprev = r->aprev;
	r->active = 0;
}

/*
 * Suspend R's connection until WAKE_MS.  Called from an MHD callback
 * without mtx; the request joins the wait list only once it is suspended,
 * so the ticker never resumes a connection that is not.
 */
static void
req_suspend(struct req *r, uint64_t wake_ms)
{
	MHD_suspend_connection(r->conn);
	pthread_mutex_lock(&mtx);
	r->suspended = 1;
	nsuspended++;
	wait_add(r, wake_ms);
	pthread_mutex_unlock(&mtx);
}

/* Called with mtx held, at the start of every callback for R. */
static void
req_awake(struct req *r)
{
	if (r->suspended) {
		r->suspended = 0;
		nsuspended--;
	}
}

/* Does the fault path FP cover request path PATH? ("/x/" is a prefix.) */
static int
fault_matches(const char *fp, const char *path)
{
	size_t n = strlen(fp);

	if (n > 0 && fp[n - 1] == '/')
		return strncmp(fp, path, n) == 0;
	return strcmp(fp, path) == 0;
}

/* Called with mtx held: apply a data fault to a request. */
static void
fault_apply(struct req *r, const struct fault *f, uint64_t now)
{
	switch (f->type) {
	case FAULT_CLOSE:
		r->close_left = (int64_t)f->value;
		break;
	case FAULT_STALL:
		r->stall_until_ms = now + f->value;
		r->resync = r->kind == REQ_LIVE;
		break;
	case FAULT_GARBAGE:
		r->garbage_left += f->value;
		break;
	case FAULT_SLOW:
		r->slow_rate = f->value;
		r->slow_start_ms = now;
		r->slow_sent = 0;
		break;
	default:
		break;
	}
}

/* Called with mtx held: drop faults whose count ran out. */
static void
faults_compact(void)
{
	size_t j = 0;

	for (size_t i = 0; i < nfaults; i++)
		if (faults[i].remaining != 0)
			faults[j++] = faults[i];
	nfaults = j;
}

/*
 * Called with mtx held for a new request on PATH.  Returns the status
 * fault to answer with (0 = none) and sets *HANG; data faults are taken
 * only when DATA is set and then applied to R.
 */
static unsigned
faults_take(struct req *r, const char *path, int data, int *hang)
{
	unsigned status = 0;
	uint64_t now = mono_ms();
	size_t i;

	*hang = 0;
	/* Status and hang first: they replace the whole answer. */
	for (i = 0; i < nfaults && status == 0 && !*hang; i++) {
		struct fault *f = &faults[i];
		if (f->remaining == 0 || !fault_matches(f->path, path))
			continue;
		if (f->type == FAULT_STATUS)
			status = (unsigned)f->value;
		else if (f->type == FAULT_HANG)
			*hang = 1;
		else
			continue;
		if (f->remaining > 0)
			f->remaining--;
	}
	for (i = 0; i < nfaults && data && status == 0 && !*hang; i++) {
		struct fault *f = &faults[i];
		if (f->remaining == 0 || !fault_matches(f->path, path) ||
		    f->type == FAULT_STATUS || f->type == FAULT_HANG)
			continue;
		fault_apply(r, f, now);
		if (f->remaining > 0)
			f->remaining--;
	}
	faults_compact();
	return status;
}

/* ------------------------------------------------------------------ */
/* Small helpers for responses.                                        */

struct sbuf {
	char	*s;
	size_t	 len, cap;
	int	 failed;
};

static void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s == NULL ? NULL : b->s + b->len,
		    b->s == NULL ? 0 : b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if (b->s != NULL && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap == 0 ? 1024 : b->cap * 2) + (size_t)n;
		char *ns = realloc(b->s, ncap);
		if (ns == NULL) {
			b->failed = 1;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
}

static void
sbuf_json_string(struct sbuf *b, const char *s)
{
	sbuf_printf(b, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sbuf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sbuf_printf(b, "\\u%04x", c);
		else
			sbuf_printf(b, "%c", c);
	}
	sbuf_printf(b, "\"");
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type,
    struct sbuf *b)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (b->failed) {
		free(b->s);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(b->len, b->s == NULL ? "" : b->s,
	    MHD_RESPMEM_MUST_COPY);
	free(b->s);
	b->s = NULL;
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *conn, struct req *r, unsigned status,
    const char *type, struct sbuf *b)
{
	if (r->stat != NULL && !b->failed) {
		pthread_mutex_lock(&mtx);
		r->stat->bytes += b->len;
		pthread_mutex_unlock(&mtx);
	}
	return reply(conn, status, type, b);
}

static enum MHD_Result
reply_error(struct MHD_Connection *conn, struct req *r, unsigned status,
    const char *msg)
{
	struct sbuf b = { 0 };

	sbuf_printf(&b, "{\"error\":");
	sbuf_json_string(&b, msg);
	sbuf_printf(&b, "}\n");
	return reply_text(conn, r, status, "application/json", &b);
}

static void
log_request(const char *method, const char *url, unsigned status)
{
	if (!quiet)
		fprintf(stderr, "origin: %s %s %u\n", method, url, status);
}

/* ------------------------------------------------------------------ */
/* Content readers.                                                    */

static void
garbage_fill(struct req *r, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		r->rng ^= r->rng << 13;
		r->rng ^= r->rng >> 17;
		r->rng ^= r->rng << 5;
		buf[i] = (uint8_t)r->rng;
		if (buf[i] == TS_SYNC_BYTE)
			buf[i] = 0xb8;
	}
}

/*
 * How many stream bytes R may send now (at most MAX), or 0 with *WAKE set
 * to when to look again.  Called with mtx held.
 */
static size_t
reader_budget(struct req *r, size_t max, uint64_t now, uint64_t *wake)
{
	uint64_t due;

	*wake = now + ORIGIN_TICK_MS;
	if (r->kind == REQ_LIVE) {
		uint64_t live = channel_live_position(r->channel);
		if (r->resync && r->pos % TS_PACKET_SIZE == 0) {
			uint64_t aligned = live - live % TS_PACKET_SIZE;
			if (aligned > r->pos)
				r->pos = aligned;
			r->resync = 0;
		}
		due = live > r->pos ? live - r->pos : 0;
		/* Send whole packets, several at a time, like a real encoder
		 * or relay: a few bytes per write would cost every consumer a
		 * read per write. */
		if (due < ORIGIN_LIVE_MIN_BYTES && r->pos % TS_PACKET_SIZE == 0)
			due = 0;
		else if (r->pos % TS_PACKET_SIZE == 0)
			due -= due % TS_PACKET_SIZE;
		/* Finish a packet cut by a short buffer at once. */
		if (due == 0 && r->pos % TS_PACKET_SIZE != 0)
			due = TS_PACKET_SIZE - r->pos % TS_PACKET_SIZE;
	} else
		due = r->end - r->pos;
	if (r->slow_rate > 0) {
		uint64_t allowed = r->slow_rate * (now - r->slow_start_ms) /
		    1000;
		uint64_t left = allowed > r->slow_sent ? allowed - r->slow_sent :
		    0;
		if (left < due)
			due = left;
		if (due == 0) {
			uint64_t ms = 1000 * (r->slow_sent + 1) / r->slow_rate;
			*wake = r->slow_start_ms + ms;
		}
	}
	if (r->close_left >= 0 && (uint64_t)r->close_left < due)
		due = (uint64_t)r->close_left;
	if (due > max)
		due = max;
	return (size_t)due;
}

static ssize_t
data_reader(void *cls, uint64_t unused_pos, char *buf, size_t max)
{
	struct req *r = cls;
	uint64_t now = mono_ms(), wake;
	size_t n, g = 0;

	pthread_mutex_lock(&mtx);
	req_awake(r);
	if (stopping || r->close_left == 0) {
		pthread_mutex_unlock(&mtx);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (r->kind == REQ_SEGMENT && r->pos >= r->end) {
		pthread_mutex_unlock(&mtx);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (r->stall_until_ms > now) {
		wake = r->stall_until_ms;
		if (wake > now + ORIGIN_STALL_CHECK_MS)
			wake = now + ORIGIN_STALL_CHECK_MS;
		pthread_mutex_unlock(&mtx);
		req_suspend(r, wake);
		return 0;
	}
	if (r->garbage_left > 0 && r->kind == REQ_LIVE &&
	    r->pos % TS_PACKET_SIZE == 0) {
		/* Injected between packets: the stream does not advance. */
		g = r->garbage_left < max ? (size_t)r->garbage_left : max;
		if (r->close_left >= 0 && (uint64_t)r->close_left < g)
			g = (size_t)r->close_left;
		garbage_fill(r, (uint8_t *)buf, g);
		r->garbage_left -= g;
		if (r->close_left >= 0)
			r->close_left -= (int64_t)g;
		r->sent += g;
		if (r->stat != NULL)
			r->stat->bytes += g;
		pthread_mutex_unlock(&mtx);
		return (ssize_t)g;
	}
	n = reader_budget(r, max, now, &wake);
	if (n == 0) {
		pthread_mutex_unlock(&mtx);
		req_suspend(r, wake);
		return 0;
	}
	uint64_t pos = r->pos;
	pthread_mutex_unlock(&mtx);

	sample_copy((uint8_t *)buf, pos, n);

	pthread_mutex_lock(&mtx);
	if (r->kind == REQ_SEGMENT && r->garbage_left > 0) {
		/* A segment keeps its length: garbage overwrites. */
		g = r->garbage_left < n ? (size_t)r->garbage_left : n;
		garbage_fill(r, (uint8_t *)buf, g);
		r->garbage_left -= g;
	}
	r->pos += n;
	r->sent += n;
	if (r->slow_rate > 0)
		r->slow_sent += n;
	if (r->close_left >= 0)
		r->close_left -= (int64_t)n;
	if (r->stat != NULL)
		r->stat->bytes += n;
	pthread_mutex_unlock(&mtx);
	return (ssize_t)n;
}

/* ------------------------------------------------------------------ */
/* Routes.                                                             */

/* Parse a decimal number that fills all of S; -1 when it does not. */
static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* A path component: non-empty, no '/', no "..". */
static int
valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= ORIGIN_NAME_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/')
			return 0;
	return !(len == 2 && s[0] == '.' && s[1] == '.');
}

static enum MHD_Result
route_stats(struct MHD_Connection *conn, struct req *r)
{
	struct sbuf b = { 0 };
	int first = 1;

	pthread_mutex_lock(&mtx);
	sbuf_printf(&b, "{\"connections\":%" PRIu64 ",\"open\":%" PRId64
	    ",\"paths\":{", stat_connections, stat_open);
	for (size_t i = 0; i < ORIGIN_PATH_BUCKETS; i++) {
		for (struct path_stat *ps = path_table[i]; ps != NULL;
		    ps = ps->next) {
			if (ps->requests == 0 && ps->bytes == 0)
				continue;
			sbuf_printf(&b, "%s", first ? "" : ",");
			first = 0;
			sbuf_json_string(&b, ps->path);
			sbuf_printf(&b, ":{\"requests\":%" PRIu64 ",\"bytes\":%"
			    PRIu64 ",\"user_agent\":", ps->requests, ps->bytes);
			sbuf_json_string(&b, ps->user_agent);
			sbuf_printf(&b, "}");
		}
	}
	sbuf_printf(&b, "}}\n");
	pthread_mutex_unlock(&mtx);
	return reply(conn, MHD_HTTP_OK, "application/json", &b);
}

static enum MHD_Result
route_stats_reset(struct MHD_Connection *conn)
{
	struct sbuf b = { 0 };

	pthread_mutex_lock(&mtx);
	for (size_t i = 0; i < ORIGIN_PATH_BUCKETS; i++) {
		for (struct path_stat *ps = path_table[i]; ps != NULL;
		    ps = ps->next) {
			ps->requests = 0;
			ps->bytes = 0;
			ps->user_agent[0] = '\0';
		}
	}
	stat_connections = 0;
	pthread_mutex_unlock(&mtx);
	sbuf_printf(&b, "{\"ok\":true}\n");
	return reply(conn, MHD_HTTP_OK, "application/json", &b);
}

static enum MHD_Result
fault_bad(struct MHD_Connection *conn, const char *msg)
{
	struct sbuf b = { 0 };

	sbuf_printf(&b, "{\"error\":");
	sbuf_json_string(&b, msg);
	sbuf_printf(&b, "}\n");
	return reply(conn, MHD_HTTP_BAD_REQUEST, "application/json", &b);
}

/* Check VALUE for fault type T; the stored value goes to *OUT. */
static const char *
fault_check_value(enum fault_type t, const char *value, uint64_t *out)
{
	uint64_t v = 0;
	char *end;

	if (t == FAULT_HANG)
		return value == NULL ? NULL : "hang takes no value";
	if (value == NULL)
		return "value required";
	if (t == FAULT_STALL) {
		errno = 0;
		double s = strtod(value, &end);
		if (errno != 0 || *end != '\0' || end == value || !(s > 0) ||
		    s > 86400)
			return "stall value: seconds, > 0";
		*out = (uint64_t)(s * 1000 + 0.5);
		return NULL;
	}
	if (parse_u64(value, &v) == -1)
		return "value: a decimal number";
	if (t == FAULT_STATUS && v != 404 && v != 500 && v != 503)
		return "status value: 404, 500 or 503";
	if ((t == FAULT_GARBAGE || t == FAULT_SLOW) && v == 0)
		return "value must be > 0";
	*out = v;
	return NULL;
}

static enum MHD_Result
route_fault(struct MHD_Connection *conn)
{
	const char *path, *type, *value, *count;
	struct fault f;
	uint64_t c = 1;
	const char *err;
	size_t i;

	memset(&f, 0, sizeof(f));
	path = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "path");
	type = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "type");
	value = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "value");
	count = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "count");
	if (path == NULL || path[0] != '/' ||
	    strlen(path) >= ORIGIN_PATH_MAX_BYTES)
		return fault_bad(conn, "path required, starting with /");
	if (type == NULL)
		return fault_bad(conn, "type required");
	for (i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++)
		if (strcmp(type, fault_names[i]) == 0)
			break;
	if (i == sizeof(fault_names) / sizeof(fault_names[0]))
		return fault_bad(conn, "unknown type");
	f.type = (enum fault_type)i;
	if ((err = fault_check_value(f.type, value, &f.value)) != NULL)
		return fault_bad(conn, err);
	if (count != NULL && parse_u64(count, &c) == -1)
		return fault_bad(conn, "count: a decimal number");
	if (c > INT64_MAX)
		return fault_bad(conn, "count too large");
	f.remaining = c == 0 ? -1 : (int64_t)c;
	strcpy(f.path, path);

	pthread_mutex_lock(&mtx);
	if (nfaults == ORIGIN_MAX_FAULTS) {
		pthread_mutex_unlock(&mtx);
		return fault_bad(conn, "too many faults");
	}
	faults[nfaults++] = f;
	if (f.type == FAULT_CLOSE || f.type == FAULT_STALL ||
	    f.type == FAULT_GARBAGE) {
		uint64_t now = mono_ms();
		for (struct req *r = active_head; r != NULL; r = r->anext)
			if (fault_matches(f.path, r->path))
				fault_apply(r, &f, now);
	}
	pthread_mutex_unlock(&mtx);

	struct sbuf b = { 0 };
	sbuf_printf(&b, "{\"ok\":true}\n");
	return reply(conn, MHD_HTTP_OK, "application/json", &b);
}

static enum MHD_Result
route_fault_clear(struct MHD_Connection *conn)
{
	struct sbuf b = { 0 };

	pthread_mutex_lock(&mtx);
	nfaults = 0;
	for (struct req *r = active_head; r != NULL; r = r->anext) {
		r->close_left = -1;
		r->stall_until_ms = 0;
		r->garbage_left = 0;
		r->slow_rate = 0;
	}
	pthread_mutex_unlock(&mtx);
	sbuf_printf(&b, "{\"ok\":true}\n");
	return reply(conn, MHD_HTTP_OK, "application/json", &b);
}

/* Start streaming R (kind and position set) as video/mp2t. */
static enum MHD_Result
reply_data(struct MHD_Connection *conn, struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	uint64_t size = r->kind == REQ_LIVE ? MHD_SIZE_UNKNOWN :
	    r->end - r->pos;

	resp = MHD_create_response_from_callback(size, ORIGIN_BLOCK_BYTES,
	    data_reader, r, NULL);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "video/mp2t");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
hls_playlist(struct sbuf *b, uint64_t first, uint64_t last, int vod)
{
	sbuf_printf(b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n",
	    (int)(sample.target_s + 0.5) < 1 ? 1 : (int)(sample.target_s + 0.5));
	if (vod)
		sbuf_printf(b, "#EXT-X-PLAYLIST-TYPE:VOD\n");
	sbuf_printf(b, "#EXT-X-MEDIA-SEQUENCE:%" PRIu64 "\n", first);
	for (uint64_t s = first; s <= last; s++)
		sbuf_printf(b, "#EXTINF:%.3f,\n%" PRIu64 ".ts\n",
		    sample_segment_seconds((size_t)(s % sample.nseg)), s);
	if (vod)
		sbuf_printf(b, "#EXT-X-ENDLIST\n");
}

/*
 * Work out what URL asks for.  Fills R's kind, channel and data range for
 * TS data; for playlists fills *BODY.  Returns the HTTP status.
 */
enum route {
	ROUTE_NOT_FOUND,
	ROUTE_LIVE_TS,
	ROUTE_HLS_MEDIA,
	ROUTE_HLS_MASTER,
	ROUTE_HLS_SEGMENT,
	ROUTE_VOD_MEDIA,
	ROUTE_VOD_SEGMENT,
};

static enum route
route_classify(const char *url, char *name, size_t namesz, uint64_t *seq)
{
	const char *rest, *slash;
	int vod;
	size_t len = strlen(url);

	if (strncmp(url, "/hls/", 5) == 0 || strncmp(url, "/vod/", 5) == 0) {
		vod = url[1] == 'v';
		rest = url + 5;
		if ((slash = strchr(rest, '/')) == NULL ||
		    !valid_name(rest, (size_t)(slash - rest)) ||
		    (size_t)(slash - rest) >= namesz)
			return ROUTE_NOT_FOUND;
		memcpy(name, rest, (size_t)(slash - rest));
		name[slash - rest] = '\0';
		rest = slash + 1;
		if (strcmp(rest, "index.m3u8") == 0)
			return vod ? ROUTE_VOD_MEDIA : ROUTE_HLS_MEDIA;
		if (!vod && strcmp(rest, "master.m3u8") == 0)
			return ROUTE_HLS_MASTER;
		size_t rl = strlen(rest);
		char digits[32];
		if (rl > 3 && rl - 3 < sizeof(digits) &&
		    strcmp(rest + rl - 3, ".ts") == 0) {
			memcpy(digits, rest, rl - 3);
			digits[rl - 3] = '\0';
			if (parse_u64(digits, seq) == 0)
				return vod ? ROUTE_VOD_SEGMENT :
				    ROUTE_HLS_SEGMENT;
		}
		return ROUTE_NOT_FOUND;
	}
	if (len > 4 && strcmp(url + len - 3, ".ts") == 0 &&
	    strstr(url, "/../") == NULL)
		return ROUTE_LIVE_TS;
	return ROUTE_NOT_FOUND;
}

static enum MHD_Result
route_hls_master(struct MHD_Connection *conn, struct req *r)
{
	struct sbuf b = { 0 };

	sbuf_printf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n"
	    "index.m3u8?v=low\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=640x360\n"
	    "index.m3u8?v=high\n");
	return reply_text(conn, r, MHD_HTTP_OK,
	    "application/vnd.apple.mpegurl", &b);
}

static enum MHD_Result
route_hls_media(struct MHD_Connection *conn, struct req *r, int vod)
{
	struct sbuf b = { 0 };
	uint64_t first, last;

	if (vod) {
		first = 0;
		last = sample.nseg - 1;
	} else {
		int64_t l = hls_last_segment(r->channel);
		last = (uint64_t)l;
		first = last + 1 >= ORIGIN_HLS_WINDOW_SEGMENTS ?
		    last + 1 - ORIGIN_HLS_WINDOW_SEGMENTS : 0;
	}
	hls_playlist(&b, first, last, vod);
	return reply_text(conn, r, MHD_HTTP_OK,
	    "application/vnd.apple.mpegurl", &b);
}

/* Is segment SEQ of R's channel servable?  Sets R's range if so. */
static int
hls_segment_range(struct req *r, uint64_t seq, int vod)
{
	if (vod) {
		if (seq >= sample.nseg)
			return 0;
	} else {
		int64_t last = hls_last_segment(r->channel);
		if ((int64_t)seq > last ||
		    last - (int64_t)seq >= ORIGIN_HLS_KEEP_SEGMENTS)
			return 0;
	}
	uint64_t base = (seq / sample.nseg) * sample.size;
	size_t idx = (size_t)(seq % sample.nseg);
	r->pos = base + sample.cut[idx];
	r->end = base + sample.cut[idx + 1];
	return 1;
}

/* First call for a request: count it, take faults, answer or stream. */
static enum MHD_Result
handle_request(struct MHD_Connection *conn, struct req *r, const char *url,
    const char *method)
{
	char name[ORIGIN_NAME_MAX_BYTES];
	uint64_t seq = 0;
	const char *ua;
	unsigned status;
	int hang, data;
	enum route rt;

	rt = route_classify(url, name, sizeof(name), &seq);
	switch (rt) {
	case ROUTE_LIVE_TS:
		snprintf(r->channel, sizeof(r->channel), "%s", url);
		break;
	case ROUTE_HLS_MEDIA: case ROUTE_HLS_SEGMENT: case ROUTE_HLS_MASTER:
		snprintf(r->channel, sizeof(r->channel), "/hls/%s/", name);
		break;
	default:
		break;
	}
	data = rt == ROUTE_LIVE_TS || rt == ROUTE_HLS_SEGMENT ||
	    rt == ROUTE_VOD_SEGMENT;
	if (rt == ROUTE_HLS_SEGMENT || rt == ROUTE_VOD_SEGMENT) {
		if (!hls_segment_range(r, seq, rt == ROUTE_VOD_SEGMENT)) {
			data = 0;
			rt = ROUTE_NOT_FOUND;
		} else
			r->kind = REQ_SEGMENT;
	} else if (rt == ROUTE_LIVE_TS) {
		uint64_t live = channel_live_position(r->channel);
		r->pos = live - live % TS_PACKET_SIZE;
		r->kind = REQ_LIVE;
	}

	ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	pthread_mutex_lock(&mtx);
	if ((r->stat = path_stat_get(url)) != NULL) {
		r->stat->requests++;
		snprintf(r->stat->user_agent, sizeof(r->stat->user_agent),
		    "%s", ua == NULL ? "" : ua);
	}
	status = faults_take(r, url, data, &hang);
	if (data && status == 0 && !hang)
		active_add(r);
	pthread_mutex_unlock(&mtx);

	if (hang) {
		log_request(method, url, 0);	/* 0: hung, no answer */
		r->kind = REQ_HANG;
		req_suspend(r, mono_ms() + ORIGIN_HANG_CHECK_MS);
		return MHD_YES;
	}
	if (status != 0) {
		log_request(method, url, status);
		return reply_error(conn, r, status, "injected fault");
	}
	log_request(method, url, rt == ROUTE_NOT_FOUND ? 404 : 200);
	switch (rt) {
	case ROUTE_LIVE_TS: case ROUTE_HLS_SEGMENT: case ROUTE_VOD_SEGMENT:
		return reply_data(conn, r);
	case ROUTE_HLS_MEDIA:
		return route_hls_media(conn, r, 0);
	case ROUTE_VOD_MEDIA:
		return route_hls_media(conn, r, 1);
	case ROUTE_HLS_MASTER:
		return route_hls_master(conn, r);
	default:
		return reply_error(conn, r, MHD_HTTP_NOT_FOUND, "not found");
	}
}

/* A hung request was resumed: has the client gone? */
static int
client_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	char c;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return 1;
	ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

/* A control request counts no connection and no path. */
static void
mark_control(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct conn_info *c;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (c = ci->socket_context) == NULL)
		return;
	pthread_mutex_lock(&mtx);
	if (c->requests == 0 && !c->control) {
		c->control = 1;
		if (stat_connections > 0)
			stat_connections--;
		stat_open--;
	}
	pthread_mutex_unlock(&mtx);
}

static void
count_request(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct conn_info *c;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (c = ci->socket_context) == NULL)
		return;
	pthread_mutex_lock(&mtx);
	if (c->control) {
		/* A control connection reused for a real request. */
		c->control = 0;
		stat_connections++;
		stat_open++;
	}
	c->requests++;
	pthread_mutex_unlock(&mtx);
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;

	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->conn = conn;
		r->close_left = -1;
		r->rng = (uint32_t)(uintptr_t)r ^ 0x9e3779b9u;
		if (r->rng == 0)
			r->rng = 1;
		snprintf(r->path, sizeof(r->path), "%s", url);
		*con_cls = r;
		return MHD_YES;
	}
	if (r->kind == REQ_HANG) {
		pthread_mutex_lock(&mtx);
		req_awake(r);
		int stop = stopping;
		pthread_mutex_unlock(&mtx);
		if (stop || client_gone(conn))
			return MHD_NO;
		req_suspend(r, mono_ms() + ORIGIN_HANG_CHECK_MS);
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;		/* ignore any body */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		log_request(method, url, 405);
		return reply_error(conn, r, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed");
	}
	if (strlen(url) >= ORIGIN_PATH_MAX_BYTES)
		return reply_error(conn, r, MHD_HTTP_NOT_FOUND, "not found");
	if (strcmp(url, "/stats") == 0 || strcmp(url, "/stats/reset") == 0 ||
	    strcmp(url, "/fault") == 0 || strcmp(url, "/fault/clear") == 0) {
		mark_control(conn);
		if (strcmp(url, "/stats") == 0)
			return route_stats(conn, r);
		if (strcmp(url, "/stats/reset") == 0)
			return route_stats_reset(conn);
		if (strcmp(url, "/fault") == 0)
			return route_fault(conn);
		return route_fault_clear(conn);
	}
	count_request(conn);
	return handle_request(conn, r, url, method);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	if (r == NULL)
		return;
	pthread_mutex_lock(&mtx);
	req_awake(r);
	wait_remove(r);
	active_remove(r);
	pthread_mutex_unlock(&mtx);
	free(r);
	*con_cls = NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct conn_info *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		c = calloc(1, sizeof(*c));
		*socket_context = c;
		pthread_mutex_lock(&mtx);
		stat_connections++;
		stat_open++;
		pthread_mutex_unlock(&mtx);
		return;
	}
	pthread_mutex_lock(&mtx);
	if (c == NULL || !c->control)
		stat_open--;
	pthread_mutex_unlock(&mtx);
	free(c);
	*socket_context = NULL;
}

/* ------------------------------------------------------------------ */
/* Ticker: resumes connections whose time has come.                    */

#define TICK_BATCH	256

static void *
ticker_main(void *arg)
{
	struct MHD_Connection *batch[TICK_BATCH];
	volatile int *quit = arg;

	while (!*quit) {
		struct timespec ts = { 0, ORIGIN_TICK_MS * 1000000L };
		nanosleep(&ts, NULL);
		for (;;) {
			size_t n = 0;
			uint64_t now = mono_ms();

			pthread_mutex_lock(&mtx);
			struct req *r = wait_head, *next;
			for (; r != NULL && n < TICK_BATCH; r = next) {
				next = r->wnext;
				if (stopping || r->wake_ms <= now) {
					wait_remove(r);
					batch[n++] = r->conn;
				}
			}
			pthread_mutex_unlock(&mtx);
			/* Still suspended: nothing can free them meanwhile. */
			for (size_t i = 0; i < n; i++)
				MHD_resume_connection(batch[i]);
			if (n < TICK_BATCH)
				break;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Start-up.                                                           */

static void
usage(void)
{
	printf(
"usage: origin [-hq] [-b address] [-f file] [-p port] [-t threads]\n"
"\n"
"The ringcast test origin: plays FILE (an MPEG-TS sample, default\n"
ORIGIN_DEFAULT_SAMPLE ") as endless live sources paced at real time\n"
"from its PCR, with HLS cut at keyframes and fault injection.\n"
"\n"
"  -b address  listen on this IPv4 or IPv6 address (default 127.0.0.1)\n"
"  -f file     the sample (default " ORIGIN_DEFAULT_SAMPLE ", also looked\n"
"              up relative to the executable's ../..)\n"
"  -h          print this help and exit\n"
"  -p port     TCP port; 0 (default) picks a free one\n"
"  -q          quiet: no request log on stderr\n"
"  -t threads  libmicrohttpd threads (default %d)\n"
"\n"
"When listening it prints \"port N\" on stdout.  It stops on SIGTERM or\n"
"SIGINT, and when its parent process dies.\n"
"\n"
"ENDPOINTS\n"
"  GET /NAME.ts                 live TS (any path ending .ts outside /hls\n"
"                               and /vod); each path is its own channel;\n"
"                               a client starts at the live position\n"
"  GET /hls/NAME/index.m3u8     live playlist, %d segments, ~%.0f s each\n"
"  GET /hls/NAME/master.m3u8    two variants (800000, 1500000) of it\n"
"  GET /hls/NAME/SEQ.ts         segment SEQ; 404 before it is published\n"
"                               or %d segments after\n"
"  GET /vod/NAME/index.m3u8     every segment of one loop, ENDLIST\n"
"  GET /vod/NAME/N.ts           segment N of the loop\n"
"  GET /stats                   {\"connections\":N,\"open\":N,\"paths\":{PATH:\n"
"                               {\"requests\":N,\"bytes\":N,\"user_agent\":S}}}\n"
"  GET /stats/reset             zero the counters\n"
"  GET /fault?path=P&type=T[&value=V][&count=K]\n"
"                               inject a fault (below); {\"ok\":true} or 400\n"
"  GET /fault/clear             remove every fault\n"
"\n"
"FAULTS\n"
"  P is a request path; a P ending in / matches every path under it.\n"
"  K requests to P take the fault (default 1; 0 = until cleared).\n"
"  status  V=404|500|503  answer with that status\n"
"  hang                   accept, never answer, keep the connection\n"
"  close   V=bytes        abort the response after V more bytes\n"
"  stall   V=seconds      send nothing for V s, then resume (live TS\n"
"                         jumps to the live position)\n"
"  garbage V=bytes        V bytes of non-TS data between two packets\n"
"                         (segments: overwrite their first V bytes)\n"
"  slow    V=bytes/s      throttle the response to V bytes a second\n"
"  close, stall and garbage also hit the responses of P streaming now.\n"
"  close, stall, garbage and slow apply to TS data only (live TS,\n"
"  segments); status and hang to any request.\n"
"\n"
"Requests to /stats and /fault are not counted; nor are connections\n"
"whose first request is one of them.\n",
	    ORIGIN_DEFAULT_THREADS, ORIGIN_HLS_WINDOW_SEGMENTS,
	    ORIGIN_SEGMENT_TARGET_S, ORIGIN_HLS_KEEP_SEGMENTS);
}

static void
usage_short(void)
{
	fprintf(stderr, "usage: origin [-hq] [-b address] [-f file] "
	    "[-p port] [-t threads]\n");
}

/* Find the sample next to the executable when not in the cwd. */
static const char *
default_sample(char *buf, size_t bufsz)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (access(ORIGIN_DEFAULT_SAMPLE, R_OK) == 0)
		return ORIGIN_DEFAULT_SAMPLE;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return ORIGIN_DEFAULT_SAMPLE;
	exe[n] = '\0';
	snprintf(buf, bufsz, "%s/../../" ORIGIN_DEFAULT_SAMPLE, dirname(exe));
	return access(buf, R_OK) == 0 ? buf : ORIGIN_DEFAULT_SAMPLE;
}

static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

struct listen_addr {
	struct sockaddr_storage ss;
	int		 v6;
};

static int
parse_bind(const char *host, int port, struct listen_addr *la)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&la->ss;

	memset(la, 0, sizeof(*la));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		la->v6 = 1;
		return 0;
	}
	return -1;
}

static struct MHD_Daemon *
origin_start(const struct listen_addr *la, unsigned threads)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME;

	if (!quiet)
		flags |= MHD_USE_ERROR_LOG;
	if (la->v6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&la->ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)ORIGIN_CONNECTION_LIMIT,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_END);
}

/*
 * Resume every suspended connection (the ticker does, once stopping is
 * set) and wait until none has been suspended for a while: a callback
 * that checked the flag just before it was set may still suspend once.
 */
static void
origin_drain(void)
{
	uint64_t deadline = mono_ms() + ORIGIN_STOP_WAIT_MS;
	uint64_t quiet_since = mono_ms();

	while (mono_ms() < deadline) {
		pthread_mutex_lock(&mtx);
		size_t n = nsuspended;
		pthread_mutex_unlock(&mtx);
		if (n != 0)
			quiet_since = mono_ms();
		else if (mono_ms() - quiet_since >= ORIGIN_DRAIN_QUIET_MS)
			break;
		struct timespec ts = { 0, 2 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

int
main(int argc, char *argv[])
{
	const char *bind_host = "127.0.0.1", *file = NULL;
	char pathbuf[PATH_MAX + 64];
	unsigned threads = ORIGIN_DEFAULT_THREADS;
	struct listen_addr la;
	struct MHD_Daemon *d;
	pthread_t ticker;
	volatile int ticker_quit = 0;
	sigset_t sigs;
	pid_t parent = getppid();
	int ch, port = 0, sig;

	while ((ch = getopt(argc, argv, "b:f:hp:qt:")) != -1) {
		switch (ch) {
		case 'b':
			bind_host = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage();
			return 0;
		case 'p':
			port = atoi(optarg);
			if (port < 0 || port > 65535) {
				fprintf(stderr, "origin: bad port %s\n", optarg);
				return 1;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 't':
			threads = (unsigned)atoi(optarg);
			if (threads < 1 || threads > 64) {
				fprintf(stderr, "origin: threads: 1..64\n");
				return 1;
			}
			break;
		default:
			usage_short();
			return 1;
		}
	}
	if (optind != argc) {
		usage_short();
		return 1;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		return 1;
	if (parse_bind(bind_host, port, &la) == -1) {
		fprintf(stderr, "origin: bad address %s\n", bind_host);
		return 1;
	}
	if (file == NULL)
		file = default_sample(pathbuf, sizeof(pathbuf));
	if (sample_load(file) == -1) {
		sample_free();
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "origin: %s: %" PRIu64 " bytes, loop %.3f s, "
		    "%zu PCR points, %zu segments (max %.3f s)\n", file,
		    sample.size, (double)sample.loop_27m / 27e6,
		    sample.npts - 2, sample.nseg, sample.target_s);

	/* Threads inherit the mask: only sigwait() below sees these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	start_us = mono_us();

	if ((d = origin_start(&la, threads)) == NULL) {
		fprintf(stderr, "origin: cannot listen on %s port %d\n",
		    bind_host, port);
		sample_free();
		return 1;
	}
	if (pthread_create(&ticker, NULL, ticker_main,
	    (void *)&ticker_quit) != 0) {
		fprintf(stderr, "origin: pthread_create failed\n");
		MHD_stop_daemon(d);
		sample_free();
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_BIND_PORT);
	printf("port %u\n", di != NULL ? (unsigned)di->port : (unsigned)port);
	fflush(stdout);

	while (sigwait(&sigs, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	if (!quiet)
		fprintf(stderr, "origin: signal %d, stopping\n", sig);
	pthread_mutex_lock(&mtx);
	stopping = 1;
	pthread_mutex_unlock(&mtx);
	origin_drain();
	ticker_quit = 1;
	pthread_join(ticker, NULL);
	MHD_stop_daemon(d);
	path_stats_free();
	sample_free();
	return 0;
}
