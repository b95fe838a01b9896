/*
 * manifest.c - the live media playlist served on /hls/NAME/index.m3u8.
 *
 * It is generated from a copy of the segment index, once per version of
 * the playlist (http_hls.c keeps the result, hls_cache.c shares it): a
 * memory-only operation (microseconds), so playlist requests never wait
 * on a timer or a lock as the Python proxy's 100 ms polling did.  While
 * a stream is starting and has no more than `initial_segments`, every
 * segment is listed; afterwards the newest `window_size`.  Media sequence
 * numbers come from the index, so they never go back while a stream
 * lives; discontinuities keep their tags and EXT-X-DISCONTINUITY-SEQUENCE
 * is derived from the per-segment running count, so it too is monotonic.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "manifest.h"
#include "util.h"

int
manifest_target_duration(const struct ring_seg *segs, int n)
{
	uint64_t longest = 0;
	int i, secs;

	for (i = 0; i < n; i++)
		if (segs[i].duration_us > longest)
			longest = segs[i].duration_us;
	/* round a hair down first: 2.0001 s encodes as 2, as players do */
	secs = (int)((longest + 999999 - 1000) / 1000000);
	return secs < 1 ? 1 : secs;
}

static void
manifest_pdt(struct buf *out, int64_t ms)
{
	char ts[UTIL_RFC3339_MAX];

	format_rfc3339_ms((uint64_t)ms, ts);
	buf_printf(out, "#EXT-X-PROGRAM-DATE-TIME:%s\n", ts);
}

/* 1 when segment I needs an EXT-X-KEY line (first listed or changed). */
static int
manifest_key_changes(const struct ring_seg *segs, int from, int i)
{
	if (i == from)
		return segs[i].key != 0;
	return segs[i].key != segs[i - 1].key ||
	    (segs[i].key != 0 && memcmp(segs[i].iv, segs[i - 1].iv, 16) != 0);
}

static void
manifest_key(struct buf *out, const struct ring_seg *s,
    const struct manifest_opts *o)
{
	int k;

	if (s->key == 0) {
		buf_puts(out, "#EXT-X-KEY:METHOD=NONE\n");
		return;
	}
	buf_printf(out, "#EXT-X-KEY:METHOD=AES-128,URI=\"%s%u.key\",IV=0x",
	    o->key_prefix ? o->key_prefix : "", s->key - 1);
	for (k = 0; k < 16; k++)
		buf_printf(out, "%02x", s->iv[k]);
	buf_puts(out, "\n");
}

int
manifest_build(const struct ring_seg *segs, int n,
    const struct manifest_opts *o, struct buf *out)
{
	const struct ring_seg *first;
	uint64_t disc_seq;
	int i, from = 0;

	if (n <= 0)
		return -1;
	if (n > o->initial_segments && n > o->window_size)
		from = n - o->window_size;
	first = &segs[from];
	disc_seq = first->disc_seq -
	    ((first->flags & RING_SEG_DISCONTINUITY) ? 1 : 0);
	buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:%d\n"
	    "#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:%llu\n",
	    MANIFEST_VERSION, manifest_target_duration(segs + from, n - from),
	    (unsigned long long)first->seq);
	if (disc_seq > 0)
		buf_printf(out, "#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n",
		    (unsigned long long)disc_seq);
	for (i = from; i < n; i++) {
		const struct ring_seg *s = &segs[i];

		if (s->flags & RING_SEG_DISCONTINUITY)
			buf_puts(out, "#EXT-X-DISCONTINUITY\n");
		if (s->pdt_ms >= 0 && (i == from ||
		    (s->flags & RING_SEG_DISCONTINUITY)))
			manifest_pdt(out, s->pdt_ms);
		if (manifest_key_changes(segs, from, i))
			manifest_key(out, s, o);
		buf_printf(out, "#EXTINF:%.3f,\n%s%llu.ts\n",
		    (double)s->duration_us / 1e6,
		    o->seg_prefix ? o->seg_prefix : "",
		    (unsigned long long)s->seq);
	}
	if (o->endlist)
		buf_puts(out, "#EXT-X-ENDLIST\n");
	return out->failed ? -1 : n - from;
}
