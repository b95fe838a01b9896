/*
 * hls.c - the HLS side of the origin: live and VOD media playlists, the
 * master playlist, and which segment numbers may be served.
 *
 * A live segment number SEQ is segment SEQ % nseg of loop SEQ / nseg of
 * the channel's timeline; it is published once the channel clock passes
 * its end and kept ORIGIN_HLS_KEEP_SEGMENTS segments.  The bytes are sent
 * by ts.c.  Calls util.c and sample.c.
 */

#include <inttypes.h>

#include "origin.h"

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

enum MHD_Result
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

enum MHD_Result
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
int
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

