/*
 * play.c - the test engine's media and playbacks.  Every content id plays
 * the same media (tests/media/sample.ts unless -m): looped forever, each
 * loop's PCR, PTS, DTS and continuity counters shifted so the stream
 * stays continuous (tsloop.c, the test origin's technique), starting at
 * the sample's first PAT, paced at real time by the pacer of pace.c.
 *
 * A playback (GET /ace/r/ID/SESS) holds a reference on its session and
 * sleeps in its content reader, on its own connection thread, until its
 * next packet is due, in steps of at most ENGINE_CHECK_MS; after each it
 * looks at the exit flag, its session (stopped? prebuffering?), the
 * faults (die, stall, starve) and whether its client has gone.  A VOD
 * session's playback sends the media once, from its first PAT to its
 * end, then ends its body.
 *
 * Calls session.c, reply.c, pace.c, tsloop.c and tsscan.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "pace.h"
#include "../lib/tsloop.h"
#include "util.h"

struct media	 media;

/* Packet at absolute position POS (a multiple of 188) of the loop, patched. */
static void
media_packet(uint8_t *out, uint64_t pos)
{
	memcpy(out, media.data + pos % media.size, TS_PACKET_SIZE);
	tsloop_patch_packet(out, pos / media.size, media.loop_27m,
	    media.cc_step);
}

int
media_read(const char *path)
{
	return tsloop_read_file(path, "engine", &media.data, &media.size);
}

/*
 * Find the first PAT, count payload packets per PID (continuity across a
 * loop) and the loop's duration from the first and last PCR, extended by
 * the bytes before and after them at the same rate.
 */
int
media_scan(const char *path)
{
	struct tsscan sc;
	uint64_t first_pcr = 0, last_pcr = 0, first_off = 0, last_off = 0;
	uint32_t *cc_count;
	int have_pat = 0, npcr = 0;

	if ((cc_count = calloc(TS_PID_COUNT, sizeof(*cc_count))) == NULL)
		return -1;
	tsscan_init(&sc);
	for (uint64_t off = 0; off < media.size; off += TS_PACKET_SIZE) {
		const uint8_t *p = media.data + off;
		uint64_t pcr = 0;
		int fl = tsscan_packet(&sc, p, &pcr);

		if (ts_has_payload(p))
			cc_count[ts_pid(p)]++;
		if ((fl & TS_F_PAT) && !have_pat) {
			media.first_pat = off;
			have_pat = 1;
		}
		if (fl & TS_F_PCR) {
			if (npcr == 0) {
				first_pcr = pcr;
				first_off = off;
			}
			if (pcr > last_pcr) {
				last_pcr = pcr;
				last_off = off;
				npcr++;
			}
		}
	}
	for (size_t pid = 0; pid < TS_PID_COUNT; pid++)
		media.cc_step[pid] = (uint8_t)(cc_count[pid] & 0x0f);
	free(cc_count);
	if (!have_pat || npcr < 2 || last_off <= first_off) {
		fprintf(stderr, "engine: %s: needs a PAT and two increasing "
		    "PCRs\n", path);
		return -1;
	}
	double bytes_per_tick = (double)(last_off - first_off) /
	    (double)(last_pcr - first_pcr);
	media.loop_27m = (uint64_t)((double)media.size / bytes_per_tick);
	media.loop_27m -= media.loop_27m % 300;
	if (media.loop_27m == 0)
		return -1;
	media.rate_bps = (uint64_t)(bytes_per_tick * (double)TS_PCR_HZ);
	return 0;
}

void
media_free(void)
{
	free(media.data);
	memset(&media, 0, sizeof(media));
}

/* ------------------------------------------------------------------ */
/* Playback: the content reader.                                       */

struct play {
	struct session	*s;
	int		 fd;		/* the client, to notice it leaving */
	struct pacer	 pacer;
	struct tsscan	 scan;
	uint64_t	 pos;		/* absolute position of pkt */
	uint8_t		 pkt[TS_PACKET_SIZE];	/* next packet, patched */
	size_t		 pkt_off;	/* bytes of pkt already sent */
	uint64_t	 due_us;	/* when pkt is due */
	uint64_t	 sent;
	int		 waited;	/* was silent (prebuf, stall...) */
};

/* Load the packet at p->pos and work out when it is due. */
static void
play_load(struct play *p)
{
	uint64_t pcr = 0, now = pace_now_us();

	media_packet(p->pkt, p->pos);
	p->pkt_off = 0;
	if (tsscan_packet(&p->scan, p->pkt, &pcr) & TS_F_PCR)
		p->due_us = pacer_pcr(&p->pacer, pcr, TS_PACKET_SIZE, now);
	else
		p->due_us = pacer_bytes(&p->pacer, TS_PACKET_SIZE, now);
}

/* Start P's media from its first PAT, paced from now. */
static void
play_restart(struct play *p)
{
	p->waited = 0;
	p->pos = media.first_pat;
	tsscan_init(&p->scan);
	pacer_init(&p->pacer, 0, pace_now_us());
	play_load(p);
}

enum play_state { PLAY_SEND, PLAY_STALL, PLAY_END, PLAY_ABORT };

/* The wall clock in microseconds (first_byte_us, compared by tests with
 * what a player saw). */
static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * What P may do now; *CAP is lowered to the bytes left before a die or
 * the end of a VOD.  Stalled, starved and prebuffering playbacks wait.
 */
static enum play_state
play_state(struct play *p, size_t *cap)
{
	enum play_state st = PLAY_SEND;
	uint64_t now = now_ms(), vod = media.size - media.first_pat;
	struct faults f;

	pthread_mutex_lock(&engine_mtx);
	fault_get(p->s->cid, p->s->hash, &f);
	if (engine_exiting)
		st = PLAY_ABORT;
	else if (p->s->stopped)
		st = PLAY_END;
	else if (f.die_bytes > 0 && p->sent >= f.die_bytes)
		st = PLAY_ABORT;
	else if (p->s->vod && p->sent >= vod)
		st = PLAY_END;
	else if (f.stall || now < f.starve_until_ms ||
	    now < p->s->prebuf_until_ms)
		st = PLAY_STALL;
	else if (f.die_bytes > 0 && f.die_bytes - p->sent < *cap)
		*cap = (size_t)(f.die_bytes - p->sent);
	if (st == PLAY_SEND && p->s->vod && vod - p->sent < *cap)
		*cap = (size_t)(vod - p->sent);
	pthread_mutex_unlock(&engine_mtx);
	return st;
}

static ssize_t
play_reader(void *cls, uint64_t unused_pos, char *buf, size_t max)
{
	struct play *p = cls;
	size_t n = 0;

	for (;;) {
		size_t cap = max;
		enum play_state st = play_state(p, &cap);

		if (st == PLAY_ABORT || (st != PLAY_SEND && n == 0 &&
		    client_gone(p->fd)))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (st == PLAY_END)
			return n > 0 ? (ssize_t)n :
			    MHD_CONTENT_READER_END_OF_STREAM;
		if (st == PLAY_STALL) {
			if (n > 0)
				break;
			p->waited = 1;
			sleep_ms(ENGINE_CHECK_MS);
			continue;
		}
		if (p->waited && p->sent == 0 && n == 0)
			play_restart(p);	/* after a prebuffer: from now */
		uint64_t now = pace_now_us();
		while (n < cap && p->due_us <= now) {
			size_t take = TS_PACKET_SIZE - p->pkt_off;
			if (take > cap - n)
				take = cap - n;
			memcpy(buf + n, p->pkt + p->pkt_off, take);
			n += take;
			p->pkt_off += take;
			if (p->pkt_off == TS_PACKET_SIZE) {
				p->pos += TS_PACKET_SIZE;
				play_load(p);
			}
		}
		if (n >= cap || n >= ENGINE_MIN_WRITE_BYTES)
			break;
		if (n == 0 && client_gone(p->fd))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		uint64_t until = now + ENGINE_CHECK_MS * 1000ULL;
		if (p->due_us < until)
			until = p->due_us;
		(void)pace_sleep_until(until);
	}
	pthread_mutex_lock(&engine_mtx);
	if (p->sent == 0 && n > 0)
		p->s->ids->first_byte_us = wall_us();
	p->sent += n;
	p->s->downloaded += n;
	pthread_mutex_unlock(&engine_mtx);
	return (ssize_t)n;
}

static void
play_free(void *cls)
{
	struct play *p = cls;

	pthread_mutex_lock(&engine_mtx);
	engine_cnt.active_pulls--;
	session_unref(p->s);
	pthread_mutex_unlock(&engine_mtx);
	free(p);
}

enum MHD_Result
route_playback(struct MHD_Connection *conn, const char *url, const char *hash,
    const char *sid)
{
	struct MHD_Response *resp;
	struct session *s;
	struct play *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return MHD_NO;
	pthread_mutex_lock(&engine_mtx);
	s = session_find(sid);
	if (s == NULL || strcmp(s->hash, hash) != 0) {
		pthread_mutex_unlock(&engine_mtx);
		free(p);
		return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
		    "unknown or stopped playback session");
	}
	s->refs++;
	engine_cnt.active_pulls++;
	engine_cnt.pulls++;
	s->ids->pulls++;
	pthread_mutex_unlock(&engine_mtx);

	p->s = s;
	p->fd = conn_fd(conn);
	play_restart(p);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    ENGINE_BLOCK_BYTES, play_reader, p, play_free);
	if (resp == NULL) {
		play_free(p);
		return MHD_NO;
	}
	/* No chunked encoding, and the connection closes when the stream
	 * ends: a stopped session's player sees its connection closed. */
	if (MHD_set_response_options(resp, MHD_RF_HTTP_1_0_COMPATIBLE_STRICT,
	    MHD_RO_END) == MHD_NO ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "video/mp2t") == MHD_NO) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	return reply_queue(conn, url, MHD_HTTP_OK, resp);
}
