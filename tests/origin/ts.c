/*
 * ts.c - the bytes of TS responses: live TS (endless, from the live
 * position of the channel) and HLS/VOD segments (a known byte range),
 * with the data faults (close, stall, garbage, slow) acting on them.
 *
 * A content reader sends what the channel clock has made due, in whole
 * packets, and suspends its connection when nothing is (suspend.c).
 * Copying runs outside the mutex.  Calls util.c, sample.c, suspend.c.
 */

#include <stdlib.h>

#include "origin.h"

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

/* Start streaming R (kind and position set) as video/mp2t. */
enum MHD_Result
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
