/*
 * hls_segment.c - HLS segments (/hls/NAME/SEQ.ts), whole or a byte
 * range of one, straight out of the stream's ring.
 *
 * A segment is sent with its Content-Length, so a hundred players
 * fetching the same segment cost the upstream nothing and copy nothing
 * extra: while the fetcher is far from its bytes (HLS_SENDFILE_MARGIN)
 * the kernel sends them from the ring's file (sendfile), and the newest
 * whole segments of each stream are kept as ready responses; bytes the
 * writer comes near are copied out under the ring's seqlock check, and
 * a segment overwritten while being sent ends its response.
 *
 * Called by the HLS routes (http_hls.c); calls http.c and client.c
 * (answers, ring mappings) and hls_path.c (Range and Content-Range).
 */
#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "hls_path.h"
#include "hls_segment.h"
#include "http.h"
#include "log.h"

/* sendfile only while the writer is this far from the bytes: it would
 * have to write eight more such segments and 8 MiB to reach them */
#define HLS_SENDFILE_MARGIN(len)	((len) * 8 + 8 * 1024 * 1024)
/* what every segment answer says */
#define HLS_SEG_HEADERS	"Content-Type", "video/mp2t", \
			"Cache-Control", "max-age=" TUNING_STR(HLS_SEGMENT_MAX_AGE_S), \
			"Accept-Ranges", "bytes"

/*
 * A whole segment sent with sendfile, as a response made once: players
 * fetch the same few newest segments, so a worker keeps the last
 * HLS_SEG_CACHED of each stream (a dup of the ring's fd each) and queues
 * them as they are while the writer stays HLS_SENDFILE_MARGIN away (a
 * segment it comes near is copied instead, as any); a new ring
 * generation drops them.  Under w->lock.
 */
#define HLS_SEG_CACHED	4
struct hls_seg_local {
	uint64_t		 gen, seq, fileoff, len;
	struct MHD_Response	*resp[HTTP_CORS_SETS];
};
static struct hls_seg_local hls_segs[STATE_MAX_STREAMS][HLS_SEG_CACHED];
static unsigned hls_segs_next[STATE_MAX_STREAMS];	/* the one to replace */

struct seg_reader {
	struct worker	*w;
	struct ring_ref	*rr;
	uint64_t	 start, len;
	int		 slot;
	struct hls_player *who;
};

static ssize_t
seg_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct seg_reader *sr = cls;
	size_t n;
	int rc;

	if (pos >= sr->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = sr->len - pos < max ? (size_t)(sr->len - pos) : max;
	rc = ring_copy(&sr->rr->ring, sr->start + pos, (uint8_t *)buf, n);
	if (rc == -1) {
		log_debug("segment overwritten while being sent");
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	atomic_fetch_add_explicit(&sr->w->st->streams[sr->slot].bytes_out, n,
	    memory_order_relaxed);
	return (ssize_t)n;
}

static void
seg_free(void *cls)
{
	struct seg_reader *sr = cls;

	pthread_mutex_lock(&sr->w->lock);
	ring_ref_put(sr->w, sr->rr);
	pthread_mutex_unlock(&sr->w->lock);
	free(sr);
}

/* Queue R, a segment's bytes [FROM, FROM + COUNT) of TOTAL, whole or
 * RANGED (206). */
static enum MHD_Result
hls_segment_respond(struct MHD_Connection *conn, struct MHD_Response *r,
    int ranged, uint64_t from, uint64_t count, uint64_t total)
{
	char crange[HLS_CONTENT_RANGE_MAX];
	const char *const hdrs[] = {
		HLS_SEG_HEADERS, ranged ? "Content-Range" : NULL, crange, NULL
	};

	if (ranged && hls_path_content_range(crange, sizeof(crange), from,
	    count, total) == -1) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	return http_send(conn, ranged ? MHD_HTTP_PARTIAL_CONTENT :
	    MHD_HTTP_OK, r, hdrs);
}

static void
hls_seg_clear(struct hls_seg_local *e)
{
	http_cors_drop_fixed(e->resp);
	e->gen = 0;
}

/* Under w->lock: drop the kept segments of SLOT not of ring GEN. */
static void
hls_seg_expire(int slot, uint64_t gen)
{
	int i;

	for (i = 0; i < HLS_SEG_CACHED; i++)
		if (hls_segs[slot][i].gen != 0 && hls_segs[slot][i].gen != gen)
			hls_seg_clear(&hls_segs[slot][i]);
}

void
hls_segment_expire(struct worker *w)
{
	int slot;

	pthread_mutex_lock(&w->lock);
	for (slot = 0; slot < STATE_MAX_STREAMS; slot++)
		hls_seg_expire(slot, atomic_load(&w->st->streams[slot].ring_gen));
	pthread_mutex_unlock(&w->lock);
}

/*
 * Under w->lock: the kept response of segment SEG (whole, at FILEOFF in
 * RR's file, far from the writer) with CORS set F, made now if need be;
 * NULL when it cannot be made.
 */
static struct MHD_Response *
hls_seg_response(struct ring_ref *rr, int slot, const struct ring_seg *seg,
    uint64_t fileoff, int f)
{
	static const char *const hdrs[] = { HLS_SEG_HEADERS, NULL };
	struct hls_seg_local *e = NULL;
	struct MHD_Response *r;
	int i, fd;

	for (i = 0; i < HLS_SEG_CACHED && e == NULL; i++)
		if (hls_segs[slot][i].gen == rr->gen &&
		    hls_segs[slot][i].seq == seg->seq)
			e = &hls_segs[slot][i];
	if (e != NULL && (e->fileoff != fileoff || e->len != seg->len))
		hls_seg_clear(e);	/* another segment of that number */
	if (e == NULL || e->gen == 0) {
		if (e == NULL) {
			e = &hls_segs[slot][hls_segs_next[slot]];
			hls_segs_next[slot] = (hls_segs_next[slot] + 1) %
			    HLS_SEG_CACHED;
			hls_seg_clear(e);
		}
		e->gen = rr->gen;
		e->seq = seg->seq;
		e->fileoff = fileoff;
		e->len = seg->len;
	}
	if (e->resp[f] != NULL)
		return e->resp[f];
	if ((fd = dup(rr->ring.fd)) == -1)
		return NULL;
	if ((r = MHD_create_response_from_fd_at_offset64(seg->len, fd,
	    fileoff)) == NULL) {
		close(fd);
		return NULL;
	}
	return e->resp[f] = http_response_headers(r, hdrs, f);
}

enum MHD_Result
hls_segment_serve(struct worker *w, struct MHD_Connection *conn, int slot,
    uint64_t seq, struct hls_player *who, uint32_t max_segments)
{
	struct ring_seg last;
	uint64_t from = 0, count, fileoff;
	char crange[HLS_CONTENT_RANGE_MAX];
	int ranged, fd, f = http_cors_fixed(conn);
	struct MHD_Response *r;
	struct seg_reader *sr;
	struct ring_ref *rr;
	struct ring_seg seg;
	enum MHD_Result ret;

	pthread_mutex_lock(&w->lock);
	rr = ring_ref_get(w, slot);
	if (rr == NULL || ring_find_segment(&rr->ring, seq, &seg) == -1 ||
	    (ring_last_segment(&rr->ring, &last) == 0 &&
	    last.seq >= seq + max_segments)) {
		pthread_mutex_unlock(&w->lock);
		return http_error(conn, MHD_HTTP_NOT_FOUND,
		    "segment not available");
	}
	count = seg.len;
	ranged = hls_path_range(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_RANGE), seg.len, &from, &count);
	if (ranged == -1) {
		pthread_mutex_unlock(&w->lock);
		if (hls_path_content_range(crange, sizeof(crange), 0, 0,
		    seg.len) == -1)
			return MHD_NO;
		return http_error_hdr(conn, MHD_HTTP_RANGE_NOT_SATISFIABLE,
		    "range not satisfiable", "Content-Range", crange);
	}
	if (who != NULL) {
		atomic_fetch_add(&who->bytes, count);
		/* how far behind the newest segment this one's end is */
		if (ring_last_segment(&rr->ring, &last) == 0)
			atomic_store(&who->lag_ms, (uint32_t)((last.seq - seq) *
			    (last.duration_us / 1000)));
	}
	hls_seg_expire(slot, rr->gen);
	/* Far from the writer: let the kernel send it (sendfile), no copy;
	 * a whole one from the response kept for it. */
	if (ring_file_range(&rr->ring, seg.start + from, count,
	    HLS_SENDFILE_MARGIN(count), &fileoff) == 0 && !ranged &&
	    f >= 0 && (r = hls_seg_response(rr, slot, &seg, fileoff, f)) !=
	    NULL) {
		atomic_fetch_add_explicit(&w->st->streams[slot].bytes_out, count,
		    memory_order_relaxed);
		ret = http_queue_shared(conn, MHD_HTTP_OK, r);
		pthread_mutex_unlock(&w->lock);
		return ret;
	}
	if (ring_file_range(&rr->ring, seg.start + from, count,
	    HLS_SENDFILE_MARGIN(count), &fileoff) == 0 &&
	    (fd = dup(rr->ring.fd)) != -1) {
		pthread_mutex_unlock(&w->lock);
		atomic_fetch_add_explicit(&w->st->streams[slot].bytes_out, count,
		    memory_order_relaxed);
		r = MHD_create_response_from_fd_at_offset64(count, fd,
		    fileoff);
		if (r == NULL) {
			close(fd);
			return MHD_NO;
		}
		return hls_segment_respond(conn, r, ranged, from, count,
		    seg.len);
	}
	rr->refs++;
	pthread_mutex_unlock(&w->lock);
	if ((sr = calloc(1, sizeof(*sr))) == NULL) {
		seg_free(&(struct seg_reader){ .w = w, .rr = rr });
		return MHD_NO;
	}
	*sr = (struct seg_reader){ w, rr, seg.start + from, count, slot, NULL };
	r = MHD_create_response_from_callback(count, HTTP_BLOCK_BYTES,
	    seg_read, sr, seg_free);
	if (r == NULL) {
		seg_free(sr);
		return MHD_NO;
	}
	return hls_segment_respond(conn, r, ranged, from, count, seg.len);
}
