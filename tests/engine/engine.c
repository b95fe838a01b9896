/*
 * engine.c - the test AceStream engine: a stand-in for the real engine's
 * HTTP API, for ringcast's AceStream-mode tests and for users without an
 * engine who want to try that mode.
 *
 * It speaks the subset of the engine API a proxy uses (the shapes follow
 * the real engine's JSON answers):
 *
 *   GET /ace/getstream?format=json&id=ID (or content_id= / infohash=)
 *	starts a session and answers its playback, stat and command URLs;
 *   GET /ace/r/ID/SESS		the session's live MPEG-TS;
 *   GET /ace/stat/ID/SESS		peers, speeds, bytes;
 *   GET /ace/cmd/ID/SESS?method=stop	ends the session and its playbacks;
 *   GET /webui/api/service?method=get_version	the health check;
 *   GET /stats, /fault?..., /fault/clear	counters and fault injection.
 *
 * The contract with the tests is tests/engine/README.  Every content id
 * plays the same media (tests/media/sample.ts unless -m): looped forever,
 * each loop's PCR, PTS, DTS and continuity counters shifted so the stream
 * stays continuous (the test origin's technique), starting at the
 * sample's first PAT, paced at real time by the pacer of pace.c.
 *
 * Design.  Unlike the daemon and the test origin, which suspend MHD
 * connections and resume them from a ticker, the engine runs one thread
 * per connection (MHD_USE_THREAD_PER_CONNECTION) and simply sleeps in it:
 * a slow getstream sleeps in its request handler, a playback sleeps in its
 * content reader until its next packet is due, a stalled one sleeps in
 * short steps.  Nothing one connection does can delay another, and the
 * code stays short, which matters more here than the cost of a thread
 * (connections are capped at ENGINE_MAX_CONNECTIONS).  Every sleep is cut
 * into steps of at most ENGINE_CHECK_MS, after which the thread looks at
 * the shutdown flag, its session (stopped?), the faults and whether its
 * client has gone.
 *
 * State is a handful of counters, a list of live sessions (at most
 * ENGINE_MAX_SESSIONS), a per-content-id table (at most ENGINE_MAX_IDS),
 * and a ring of the last ENGINE_TOMBSTONES stopped sessions, so a second
 * stop of a session is recognised after its memory was freed.  One mutex
 * guards it all and is never held across a sleep, a copy or an MHD call.
 * A session is freed on stop once its last playback has ended (each
 * playback holds a reference).  SIGTERM/SIGINT: the flag is set, every
 * sleeping thread notices within ENGINE_CHECK_MS, MHD_stop_daemon joins
 * them, everything is freed.
 */

#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "json.h"
#include "pace.h"
#include "../lib/tsloop.h"
#include "tsscan.h"
#include "util.h"

/* Limits and tunables, with their units. */
#define ENGINE_CHECK_MS			20	/* longest uninterrupted sleep */
#define ENGINE_MIN_WRITE_BYTES		(7 * TS_PACKET_SIZE)	/* per write */
#define ENGINE_BLOCK_BYTES		(32 * 1024)	/* MHD response block */
#define ENGINE_MAX_CONNECTIONS		512
#define ENGINE_THREAD_STACK_BYTES	(256 * 1024)
#define ENGINE_MAX_SESSIONS		1024	/* live ones */
#define ENGINE_MAX_IDS			1024	/* content ids in /stats */
#define ENGINE_TOMBSTONES		1024	/* stopped sessions remembered */
#define ENGINE_MAX_SLOW_S		600.0	/* /fault?slow= ceiling */
#define ENGINE_MAX_DIE_BYTES		(1ULL << 40)
#define ENGINE_MAX_URL_BYTES		1024
#define ENGINE_STAT_PEERS		8	/* the pretend swarm */
#define ENGINE_ID_HEX			40	/* content id (infohash) */
#define ENGINE_SESS_HEX			32	/* playback_session_id */
#define ENGINE_VERSION_CODE		3015000
#define ENGINE_VERSION			"3.1.75"
#define ENGINE_DEFAULT_MEDIA		"tests/media/sample.ts"


/* ------------------------------------------------------------------ */
/* The media: one TS file, looped with continuous timestamps.          */

struct media {
	uint8_t		*data;
	uint64_t	 size;			/* multiple of 188 */
	uint64_t	 loop_27m;		/* loop duration, multiple of 300 */
	uint64_t	 first_pat;		/* playbacks start here */
	uint64_t	 rate_bps;		/* bytes a second, for stat */
	uint8_t		 cc_step[TS_PID_COUNT];	/* payload packets per loop */
};

static struct media media;

/* Packet at absolute position POS (a multiple of 188) of the loop, patched. */
static void
media_packet(uint8_t *out, uint64_t pos)
{
	memcpy(out, media.data + pos % media.size, TS_PACKET_SIZE);
	tsloop_patch_packet(out, pos / media.size, media.loop_27m,
	    media.cc_step);
}

static int
media_read(const char *path)
{
	return tsloop_read_file(path, "engine", &media.data, &media.size);
}

/*
 * Find the first PAT, count payload packets per PID (continuity across a
 * loop) and the loop's duration from the first and last PCR, extended by
 * the bytes before and after them at the same rate.
 */
static int
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

static void
media_free(void)
{
	free(media.data);
	memset(&media, 0, sizeof(media));
}

/* ------------------------------------------------------------------ */
/* Sessions, counters and faults (all under mtx).                      */

struct idstat {
	char		 id[ENGINE_ID_HEX + 1];
	uint64_t	 starts, stops, pulls;
};

struct session {
	struct session	*next;
	char		 id[ENGINE_SESS_HEX + 1];
	char		 cid[ENGINE_ID_HEX + 1];
	struct idstat	*ids;		/* its content id's counters */
	int		 stopped;	/* off the list, freed at refs 0 */
	unsigned	 refs;		/* playbacks holding it */
	uint64_t	 downloaded;	/* bytes sent to its playbacks */
};

struct tombstone {
	char		 id[ENGINE_SESS_HEX + 1];
	char		 cid[ENGINE_ID_HEX + 1];
};

struct faults {
	int		 error;		/* getstream answers an error */
	double		 slow_s;	/* getstream answers this late */
	uint64_t	 die_bytes;	/* playbacks close after this */
	int		 stall;		/* playbacks send nothing */
	int		 down;		/* getstream, get_version: 500 */
};

struct counters {
	uint64_t	 starts, stops, stops_repeated, pulls, stat_polls;
	uint64_t	 version_checks;
	uint64_t	 active_sessions, active_pulls;
};

static pthread_mutex_t	 mtx = PTHREAD_MUTEX_INITIALIZER;
static struct session	*sessions;
static struct idstat	*idstats;	/* ENGINE_MAX_IDS slots */
static size_t		 nids;
static struct tombstone	*tombs;		/* ENGINE_TOMBSTONES slots */
static size_t		 ntombs, tomb_next;
static struct faults	 faults;
static struct counters	 cnt;
static int		 stopping;
static int		 quiet;
static unsigned		 engine_port;

static int
engine_stopping(void)
{
	pthread_mutex_lock(&mtx);
	int s = stopping;
	pthread_mutex_unlock(&mtx);
	return s;
}

static struct idstat *
idstat_get(const char *cid)
{
	for (size_t i = 0; i < nids; i++)
		if (strcmp(idstats[i].id, cid) == 0)
			return &idstats[i];
	if (nids == ENGINE_MAX_IDS)
		return NULL;
	struct idstat *s = &idstats[nids++];
	memset(s, 0, sizeof(*s));
	str_copy(s->id, cid, sizeof(s->id));
	return s;
}

static struct session *
session_find(const char *sid)
{
	for (struct session *s = sessions; s != NULL; s = s->next)
		if (strcmp(s->id, sid) == 0)
			return s;
	return NULL;
}

static const struct tombstone *
tomb_find(const char *sid)
{
	for (size_t i = 0; i < ntombs; i++)
		if (strcmp(tombs[i].id, sid) == 0)
			return &tombs[i];
	return NULL;
}

static void
session_unlink(struct session *s)
{
	for (struct session **pp = &sessions; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

/* Stop S: off the list, remembered, freed when no playback holds it. */
static void
session_stop(struct session *s)
{
	struct tombstone *t = &tombs[tomb_next];

	session_unlink(s);
	s->stopped = 1;
	str_copy(t->id, s->id, sizeof(t->id));
	str_copy(t->cid, s->cid, sizeof(t->cid));
	tomb_next = (tomb_next + 1) % ENGINE_TOMBSTONES;
	if (ntombs < ENGINE_TOMBSTONES)
		ntombs++;
	cnt.active_sessions--;
	if (s->refs == 0)
		free(s);
}

static int
session_new_id(char out[ENGINE_SESS_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[ENGINE_SESS_HEX / 2];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 0x0f];
	}
	out[ENGINE_SESS_HEX] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ */
/* Replies.                                                            */

static void
log_request(const char *url, unsigned status)
{
	if (!quiet)
		fprintf(stderr, "engine: GET %s %u\n", url, status);
}

static enum MHD_Result
reply_buf(struct MHD_Connection *conn, unsigned status, struct buf *b)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (b->failed || buf_puts(b, "\n") == -1) {
		buf_free(b);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(b->len, b->data,
	    MHD_RESPMEM_MUST_COPY);
	buf_free(b);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json") == MHD_NO ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-cache") == MHD_NO) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* {"KEY": null, "error": MSG}; KEY NULL gives {"error": MSG}. */
static enum MHD_Result
reply_error(struct MHD_Connection *conn, const char *url, unsigned status,
    const char *key, const char *msg)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	if (key != NULL) {
		json_key(&b, key);
		buf_puts(&b, "null");
	}
	json_kv_str(&b, "error", msg);
	buf_puts(&b, "}");
	log_request(url, status);
	return reply_buf(conn, status, &b);
}

static enum MHD_Result
reply_ok(struct MHD_Connection *conn, const char *url, struct buf *b)
{
	log_request(url, MHD_HTTP_OK);
	return reply_buf(conn, MHD_HTTP_OK, b);
}

/* ------------------------------------------------------------------ */
/* Input checks.                                                       */

static int
is_hex(const char *s, size_t len)
{
	if (s == NULL || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static const char *
arg(struct MHD_Connection *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* format= absent or "json". */
static int
format_ok(struct MHD_Connection *conn)
{
	const char *f = arg(conn, "format");

	return f == NULL || strcmp(f, "json") == 0;
}

/*
 * Split "/ace/KIND/ID/SESS" after PREFIX ("/ace/r/"...) into CID and SID.
 * 0 when both are well formed, -1 otherwise.
 */
static int
split_session_path(const char *rest, char cid[ENGINE_ID_HEX + 1],
    char sid[ENGINE_SESS_HEX + 1])
{
	const char *slash = strchr(rest, '/');

	if (slash == NULL || (size_t)(slash - rest) != ENGINE_ID_HEX)
		return -1;
	memcpy(cid, rest, ENGINE_ID_HEX);
	cid[ENGINE_ID_HEX] = '\0';
	if (!is_hex(cid, ENGINE_ID_HEX) || !is_hex(slash + 1, ENGINE_SESS_HEX))
		return -1;
	memcpy(sid, slash + 1, ENGINE_SESS_HEX + 1);
	return 0;
}

/* Has the client closed its end (or the socket failed)? */
static int
client_gone(int fd)
{
	char c;

	if (fd < 0)
		return 0;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

static int
conn_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci == NULL ? -1 : ci->connect_fd;
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

enum play_state { PLAY_SEND, PLAY_STALL, PLAY_END, PLAY_ABORT };

/* What P may do now; *CAP is lowered to the bytes left before a die. */
static enum play_state
play_state(struct play *p, size_t *cap)
{
	enum play_state st = PLAY_SEND;

	pthread_mutex_lock(&mtx);
	if (stopping)
		st = PLAY_ABORT;
	else if (p->s->stopped)
		st = PLAY_END;
	else if (faults.die_bytes > 0 && p->sent >= faults.die_bytes)
		st = PLAY_ABORT;
	else if (faults.stall)
		st = PLAY_STALL;
	else if (faults.die_bytes > 0 && faults.die_bytes - p->sent < *cap)
		*cap = (size_t)(faults.die_bytes - p->sent);
	pthread_mutex_unlock(&mtx);
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
			sleep_ms(ENGINE_CHECK_MS);
			continue;
		}
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
	pthread_mutex_lock(&mtx);
	p->sent += n;
	p->s->downloaded += n;
	pthread_mutex_unlock(&mtx);
	return (ssize_t)n;
}

static void
play_free(void *cls)
{
	struct play *p = cls;

	pthread_mutex_lock(&mtx);
	cnt.active_pulls--;
	if (--p->s->refs == 0 && p->s->stopped)
		free(p->s);
	pthread_mutex_unlock(&mtx);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Routes.                                                             */

static void
put_url(struct buf *b, const char *key, const char *kind,
    const struct session *s)
{
	char url[256];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/ace/%s/%s/%s",
	    engine_port, kind, s->cid, s->id);
	json_kv_str(b, key, url);
}

/* Wait SECONDS (a slow start), unless the engine stops or the client
 * leaves: 0 when the wait is over, -1 to give up. */
static int
slow_wait(struct MHD_Connection *conn, double seconds)
{
	uint64_t until = now_ms() + (uint64_t)(seconds * 1000.0);
	int fd = conn_fd(conn);

	while (now_ms() < until) {
		if (engine_stopping() || client_gone(fd))
			return -1;
		uint64_t left = until - now_ms();
		sleep_ms(left < ENGINE_CHECK_MS ? left : ENGINE_CHECK_MS);
	}
	return 0;
}

static enum MHD_Result
route_getstream(struct MHD_Connection *conn, const char *url)
{
	const char *cid = arg(conn, "id");
	struct faults f;
	struct session *s;
	struct buf b;

	if (cid == NULL)
		cid = arg(conn, "content_id");
	if (cid == NULL)
		cid = arg(conn, "infohash");
	if (!format_ok(conn))
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "response",
		    "only format=json is supported");
	pthread_mutex_lock(&mtx);
	f = faults;
	pthread_mutex_unlock(&mtx);
	if (f.down)
		return reply_error(conn, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "response", "engine is down (fault)");
	if (f.slow_s > 0 && slow_wait(conn, f.slow_s) == -1)
		return MHD_NO;
	if (cid == NULL)
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "missing content id (id=, content_id= or infohash=)");
	if (!is_hex(cid, ENGINE_ID_HEX))
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "bad content id: not 40 hex digits");
	if (f.error)
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "failed to start the stream (fault)");

	if ((s = calloc(1, sizeof(*s))) == NULL || session_new_id(s->id) == -1) {
		free(s);
		return reply_error(conn, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "response", "out of resources");
	}
	str_copy(s->cid, cid, sizeof(s->cid));
	pthread_mutex_lock(&mtx);
	if (cnt.active_sessions >= ENGINE_MAX_SESSIONS ||
	    (s->ids = idstat_get(cid)) == NULL) {
		pthread_mutex_unlock(&mtx);
		free(s);
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "too many sessions or content ids");
	}
	s->next = sessions;
	sessions = s;
	cnt.active_sessions++;
	cnt.starts++;
	s->ids->starts++;

	buf_init(&b);
	buf_puts(&b, "{\"response\":{");
	put_url(&b, "playback_url", "r", s);
	put_url(&b, "stat_url", "stat", s);
	put_url(&b, "command_url", "cmd", s);
	json_kv_str(&b, "playback_session_id", s->id);
	json_kv_str(&b, "infohash", s->cid);
	json_kv_int(&b, "is_live", 1);
	json_kv_int(&b, "is_encrypted", 0);
	json_kv_int(&b, "client_session_id", -1);
	buf_puts(&b, "},\"error\":null}");
	pthread_mutex_unlock(&mtx);
	return reply_ok(conn, url, &b);
}

static enum MHD_Result
route_playback(struct MHD_Connection *conn, const char *url, const char *cid,
    const char *sid)
{
	struct MHD_Response *resp;
	struct session *s;
	struct play *p;
	enum MHD_Result ret;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return MHD_NO;
	pthread_mutex_lock(&mtx);
	s = session_find(sid);
	if (s == NULL || strcmp(s->cid, cid) != 0) {
		pthread_mutex_unlock(&mtx);
		free(p);
		return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
		    "unknown or stopped playback session");
	}
	s->refs++;
	cnt.active_pulls++;
	cnt.pulls++;
	s->ids->pulls++;
	pthread_mutex_unlock(&mtx);

	p->s = s;
	p->fd = conn_fd(conn);
	p->pos = media.first_pat;
	tsscan_init(&p->scan);
	pacer_init(&p->pacer, 0, pace_now_us());
	play_load(p);
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
	log_request(url, MHD_HTTP_OK);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
route_stat(struct MHD_Connection *conn, const char *url, const char *cid,
    const char *sid)
{
	struct session *s;
	struct buf b;

	pthread_mutex_lock(&mtx);
	s = session_find(sid);
	if (s == NULL || strcmp(s->cid, cid) != 0) {
		pthread_mutex_unlock(&mtx);
		return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
		    "unknown or stopped playback session");
	}
	cnt.stat_polls++;
	buf_init(&b);
	buf_puts(&b, "{\"response\":{");
	json_kv_str(&b, "status", "dl");
	json_kv_int(&b, "peers", ENGINE_STAT_PEERS);
	json_kv_uint(&b, "speed_down", s->refs > 0 ?
	    (unsigned long long)(media.rate_bps / 1024) : 0);
	json_kv_uint(&b, "speed_up", 0);
	json_kv_uint(&b, "downloaded", s->downloaded);
	json_kv_uint(&b, "uploaded", 0);
	json_kv_int(&b, "total_progress", 0);
	buf_puts(&b, "},\"error\":null}");
	pthread_mutex_unlock(&mtx);
	return reply_ok(conn, url, &b);
}

static enum MHD_Result
route_command(struct MHD_Connection *conn, const char *url, const char *cid,
    const char *sid)
{
	const char *method = arg(conn, "method");
	const struct tombstone *t;
	struct session *s;
	struct buf b;

	if (method == NULL || strcmp(method, "stop") != 0)
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "response",
		    method == NULL ? "missing method" : "unknown method");
	pthread_mutex_lock(&mtx);
	s = session_find(sid);
	if (s != NULL && strcmp(s->cid, cid) == 0) {
		cnt.stops++;
		s->ids->stops++;
		session_stop(s);
		pthread_mutex_unlock(&mtx);
		buf_init(&b);
		buf_puts(&b, "{\"response\":\"ok\",\"error\":null}");
		return reply_ok(conn, url, &b);
	}
	if ((t = tomb_find(sid)) != NULL && strcmp(t->cid, cid) == 0) {
		cnt.stops_repeated++;
		pthread_mutex_unlock(&mtx);
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "session already stopped");
	}
	pthread_mutex_unlock(&mtx);
	return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
	    "unknown playback session");
}

static enum MHD_Result
route_service(struct MHD_Connection *conn, const char *url)
{
	const char *method = arg(conn, "method");
	struct buf b;
	int down;

	if (!format_ok(conn))
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "result",
		    "only format=json is supported");
	if (method == NULL || strcmp(method, "get_version") != 0)
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "result",
		    method == NULL ? "missing method" : "unknown method");
	pthread_mutex_lock(&mtx);
	cnt.version_checks++;
	down = faults.down;
	pthread_mutex_unlock(&mtx);
	if (down)
		return reply_error(conn, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "result", "engine is down (fault)");
	buf_init(&b);
	buf_puts(&b, "{\"result\":{");
	json_kv_int(&b, "code", ENGINE_VERSION_CODE);
	json_kv_str(&b, "platform", "linux");
	json_kv_str(&b, "version", ENGINE_VERSION);
	buf_puts(&b, "},\"error\":null}");
	return reply_ok(conn, url, &b);
}

static enum MHD_Result
route_stats(struct MHD_Connection *conn, const char *url)
{
	struct buf b;

	buf_init(&b);
	pthread_mutex_lock(&mtx);
	buf_puts(&b, "{");
	json_kv_uint(&b, "starts", cnt.starts);
	json_kv_uint(&b, "stops", cnt.stops);
	json_kv_uint(&b, "stops_repeated", cnt.stops_repeated);
	json_kv_uint(&b, "active_sessions", cnt.active_sessions);
	json_kv_uint(&b, "playback_pulls", cnt.pulls);
	json_kv_uint(&b, "active_pulls", cnt.active_pulls);
	json_kv_uint(&b, "stat_polls", cnt.stat_polls);
	json_kv_uint(&b, "version_checks", cnt.version_checks);
	json_key(&b, "ids");
	buf_puts(&b, "{");
	for (size_t i = 0; i < nids; i++) {
		json_key(&b, idstats[i].id);
		buf_puts(&b, "{");
		json_kv_uint(&b, "starts", idstats[i].starts);
		json_kv_uint(&b, "stops", idstats[i].stops);
		json_kv_uint(&b, "pulls", idstats[i].pulls);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "}}");
	pthread_mutex_unlock(&mtx);
	return reply_ok(conn, url, &b);
}

/* Parse a /fault value: 0 or 1 (FLAG), seconds, or bytes. */
struct fault_parse {
	struct faults	 f;
	const char	*bad;		/* first problem, or NULL */
	unsigned	 n;		/* parameters seen */
};

static int
parse_flag(const char *v, int *out)
{
	if (v == NULL || (strcmp(v, "0") != 0 && strcmp(v, "1") != 0))
		return -1;
	*out = v[0] == '1';
	return 0;
}

static enum MHD_Result
fault_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct fault_parse *fp = cls;
	char *end;

	fp->n++;
	if (strcmp(key, "error") == 0) {
		if (parse_flag(value, &fp->f.error) == -1)
			fp->bad = "error: 0 or 1";
	} else if (strcmp(key, "stall") == 0) {
		if (parse_flag(value, &fp->f.stall) == -1)
			fp->bad = "stall: 0 or 1";
	} else if (strcmp(key, "down") == 0) {
		if (parse_flag(value, &fp->f.down) == -1)
			fp->bad = "down: 0 or 1";
	} else if (strcmp(key, "slow") == 0) {
		double d;
		errno = 0;
		if (value == NULL || *value < '0' || *value > '9' ||
		    (d = strtod(value, &end), errno != 0) || *end != '\0' ||
		    !isfinite(d) || d > ENGINE_MAX_SLOW_S)
			fp->bad = "slow: seconds, 0 to 600";
		else
			fp->f.slow_s = d;
	} else if (strcmp(key, "die") == 0) {
		unsigned long long u;
		errno = 0;
		if (value == NULL || *value < '0' || *value > '9' ||
		    (u = strtoull(value, &end, 10), errno != 0) ||
		    *end != '\0' || u > ENGINE_MAX_DIE_BYTES)
			fp->bad = "die: bytes, 0 to 2^40";
		else
			fp->f.die_bytes = u;
	} else
		fp->bad = "unknown fault (error, slow, die, stall, down)";
	return fp->bad == NULL ? MHD_YES : MHD_NO;
}

static enum MHD_Result
route_fault(struct MHD_Connection *conn, const char *url)
{
	struct fault_parse fp;
	struct buf b;

	memset(&fp, 0, sizeof(fp));
	pthread_mutex_lock(&mtx);
	fp.f = faults;
	pthread_mutex_unlock(&mtx);
	(void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, fault_arg,
	    &fp);
	if (fp.bad == NULL && fp.n == 0)
		fp.bad = "no fault given (error, slow, die, stall, down)";
	if (fp.bad != NULL)
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, NULL, fp.bad);
	pthread_mutex_lock(&mtx);
	faults = fp.f;
	pthread_mutex_unlock(&mtx);
	buf_init(&b);
	buf_puts(&b, "{\"ok\":true}");
	return reply_ok(conn, url, &b);
}

static enum MHD_Result
route_fault_clear(struct MHD_Connection *conn, const char *url)
{
	struct buf b;

	pthread_mutex_lock(&mtx);
	memset(&faults, 0, sizeof(faults));
	pthread_mutex_unlock(&mtx);
	buf_init(&b);
	buf_puts(&b, "{\"ok\":true}");
	return reply_ok(conn, url, &b);
}

/* Routes of one session: /ace/{r,stat,cmd}/ID/SESS. */
static enum MHD_Result
route_session(struct MHD_Connection *conn, const char *url)
{
	static const struct {
		const char	*prefix;
		enum MHD_Result	(*fn)(struct MHD_Connection *, const char *,
				    const char *, const char *);
	} routes[] = {
		{ "/ace/r/", route_playback },
		{ "/ace/stat/", route_stat },
		{ "/ace/cmd/", route_command },
	};
	char cid[ENGINE_ID_HEX + 1], sid[ENGINE_SESS_HEX + 1];

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t len = strlen(routes[i].prefix);
		if (strncmp(url, routes[i].prefix, len) != 0)
			continue;
		if (split_session_path(url + len, cid, sid) == -1)
			return reply_error(conn, url, MHD_HTTP_BAD_REQUEST,
			    "response", "bad session path: want "
			    "ID (40 hex digits)/SESSION (32 hex digits)");
		return routes[i].fn(conn, url, cid, sid);
	}
	return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
	    "not found");
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	static int seen;

	/* Answer on the second call, once the headers are all read (an
	 * answer queued on the first one closes the connection). */
	if (*con_cls == NULL) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return reply_error(conn, url, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
		    "only GET is supported");
	if (*upload_data_size != 0) {
		*upload_data_size = 0;		/* ignore any body */
		return MHD_YES;
	}
	if (strlen(url) > ENGINE_MAX_URL_BYTES)
		return reply_error(conn, "(long url)", MHD_HTTP_NOT_FOUND, NULL,
		    "not found");
	if (strcmp(url, "/ace/getstream") == 0)
		return route_getstream(conn, url);
	if (strncmp(url, "/ace/", 5) == 0)
		return route_session(conn, url);
	if (strcmp(url, "/webui/api/service") == 0)
		return route_service(conn, url);
	if (strcmp(url, "/stats") == 0)
		return route_stats(conn, url);
	if (strcmp(url, "/fault") == 0)
		return route_fault(conn, url);
	if (strcmp(url, "/fault/clear") == 0)
		return route_fault_clear(conn, url);
	return reply_error(conn, url, MHD_HTTP_NOT_FOUND, NULL, "not found");
}

/* ------------------------------------------------------------------ */
/* Start-up.                                                           */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: engine [-hq] [-m media.ts] [-p port]\n"
"\n"
"The ringcast test AceStream engine: the engine's HTTP API (getstream,\n"
"playback, stat, stop, get_version) on 127.0.0.1, every content id playing\n"
"MEDIA (default " ENGINE_DEFAULT_MEDIA ") looped at real time, with fault\n"
"injection.  Prints \"port N\" on stdout once listening; stops on SIGTERM,\n"
"SIGINT or the death of its parent.  See tests/engine/README.\n"
"\n"
"  -h          print this help and exit\n"
"  -m file     the MPEG-TS media to play\n"
"  -p port     TCP port; 0 (default) picks a free one\n"
"  -q          no request log on stderr\n");
}

/* Find the media next to the executable when not in the cwd. */
static const char *
default_media(char *buf, size_t bufsz)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (access(ENGINE_DEFAULT_MEDIA, R_OK) == 0)
		return ENGINE_DEFAULT_MEDIA;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return ENGINE_DEFAULT_MEDIA;
	exe[n] = '\0';
	snprintf(buf, bufsz, "%s/../../" ENGINE_DEFAULT_MEDIA, dirname(exe));
	return access(buf, R_OK) == 0 ? buf : ENGINE_DEFAULT_MEDIA;
}

static struct MHD_Daemon *
engine_start(int port)
{
	struct sockaddr_in sin;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (!quiet)
		flags |= MHD_USE_ERROR_LOG;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return MHD_start_daemon(flags, 0, NULL, NULL, on_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&sin,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)ENGINE_MAX_CONNECTIONS,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)ENGINE_THREAD_STACK_BYTES,
	    MHD_OPTION_END);
}

static int
engine_alloc(void)
{
	idstats = calloc(ENGINE_MAX_IDS, sizeof(*idstats));
	tombs = calloc(ENGINE_TOMBSTONES, sizeof(*tombs));
	return idstats == NULL || tombs == NULL ? -1 : 0;
}

static void
engine_free(void)
{
	struct session *s, *next;

	for (s = sessions; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	sessions = NULL;
	free(idstats);
	free(tombs);
	media_free();
}

int
main(int argc, char *argv[])
{
	const char *file = NULL;
	char pathbuf[PATH_MAX + 64];
	struct MHD_Daemon *d;
	sigset_t sigs;
	pid_t parent = getppid();
	int ch, port = 0, sig;
	char *end;

	while ((ch = getopt(argc, argv, "hm:p:q")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'm':
			file = optarg;
			break;
		case 'p':
			errno = 0;
			long l = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    l < 0 || l > 65535) {
				fprintf(stderr, "engine: bad port %s\n", optarg);
				return 1;
			}
			port = (int)l;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		return 1;
	if (file == NULL)
		file = default_media(pathbuf, sizeof(pathbuf));
	if (engine_alloc() == -1 || media_read(file) == -1 ||
	    media_scan(file) == -1) {
		engine_free();
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "engine: %s: %" PRIu64 " bytes, loop %.3f s, "
		    "%" PRIu64 " bytes/s\n", file, media.size,
		    (double)media.loop_27m / 27e6, media.rate_bps);

	/* Threads inherit the mask: only sigwait() below sees these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((d = engine_start(port)) == NULL) {
		fprintf(stderr, "engine: cannot listen on 127.0.0.1 port %d\n",
		    port);
		engine_free();
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_BIND_PORT);
	pthread_mutex_lock(&mtx);
	engine_port = di != NULL ? di->port : (unsigned)port;
	pthread_mutex_unlock(&mtx);
	printf("port %u\n", engine_port);
	fflush(stdout);

	while (sigwait(&sigs, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	if (!quiet)
		fprintf(stderr, "engine: signal %d, stopping\n", sig);
	pthread_mutex_lock(&mtx);
	stopping = 1;
	pthread_mutex_unlock(&mtx);
	MHD_stop_daemon(d);
	engine_free();
	return 0;
}
