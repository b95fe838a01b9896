/*
 * http_hls.c - HLS for every stream: /hls/NAME/index.m3u8 and
 * /hls/NAME/SEQ.ts.
 *
 * Both are answered from the stream's ring.  A playlist changes only
 * when its stream publishes a segment (or ends, gets a new ring, is
 * reconfigured), so it is built once per version (struct hls_cache_key:
 * ring generation, segments published, configuration, variant) from a
 * copy of the segment index (manifest.c, timed as hls_manifest_generation)
 * by the first worker that needs it, and kept in the state segment for
 * the other workers (hls_cache.c).  Each worker keeps, per stream and
 * variant, the bytes of the version it serves and one libmicrohttpd
 * response made of them per fixed CORS header set (http.h), queued as it
 * is for every request until the version changes: a request costs a
 * comparison of the version, no allocation and no formatting.  A request
 * whose answer must echo its Origin gets a response of its own made of
 * the same bytes.  A playlist request for a stream that has no segment
 * yet waits suspended (never blocking a thread) for the first one.
 *
 * A segment is streamed straight out of the ring with its Content-Length,
 * so a hundred players fetching the same segment cost the upstream
 * nothing and copy nothing extra.
 *
 * HLS players make no lasting connection, so a player is known by its
 * address and User-Agent, in a table in shared memory so that every
 * worker agrees: the first request makes it a client of the stream
 * (counted, client_connected), each request refreshes it, and one silent
 * for client_timeout_factor x target duration is gone
 * (client_disconnected).  Any request also keeps an on-demand stream
 * alive through the slot's hls_active_ms.  Both times are stored only
 * when HLS_TOUCH_STEP_MS old, so that workers on other cores do not
 * fight over those cache lines on every request.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "hls_cache.h"
#include "hls_path.h"
#include "http_edge.h"
#include "log.h"
#include "manifest.h"
#include "routes.h"
#include "util.h"

#define HLS_PLAYLIST_SEGS	64	/* index entries copied a request */
#define HLS_DEFAULT_TARGET_MS	6000
/* sendfile only while the writer is this far from the bytes: it would
 * have to write eight more such segments and 8 MiB to reach them */
#define HLS_SENDFILE_MARGIN(len)	((len) * 8 + 8 * 1024 * 1024)
/* a player's and a stream's last-request times are this coarse */
#define HLS_TOUCH_STEP_MS	250
#define HLS_PLAYLIST_TYPE	"application/vnd.apple.mpegurl"

/*
 * A worker's copy of one playlist version (a stream and variant): its
 * bytes and the responses made of them, one per fixed CORS set, made
 * when first needed.  The ring the version was built from stays mapped
 * (a reference held) so that checking the version needs no lock but
 * this table's.
 */
struct hls_local {
	struct ring_ref		*rr;
	struct hls_cache_key	 key;
	uint64_t		 first_start;	/* oldest listed segment */
	char			*body;
	size_t			 len;
	struct MHD_Response	*resp[HTTP_CORS_SETS];
};

/*
 * The worker's table (a worker is a process; its daemon threads share
 * it, under lock, taken before w->lock when both are).  scratch holds a
 * copy out of the shared cache.
 */
static struct {
	pthread_mutex_t		 lock;
	struct hls_local	 pl[STATE_MAX_STREAMS][HLS_CACHE_VARIANTS];
	char			 scratch[HLS_CACHE_BODY_MAX];
} hls_local = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void	hls_local_release(struct worker *, struct hls_local *);

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

static void	hls_seg_expire(int slot, uint64_t gen);

struct seg_reader {
	struct worker	*w;
	struct ring_ref	*rr;
	uint64_t	 start, len;
	int		 slot;
	struct hls_player *who;
};

static enum MHD_Result
hls_serve_key(struct worker *w, struct MHD_Connection *conn, int slot,
    uint64_t n)
{
	struct MHD_Response *r;
	struct ring_ref *rr;
	enum MHD_Result ret;
	uint8_t key[16];
	int rc = -1;

	pthread_mutex_lock(&w->lock);
	if ((rr = ring_ref_get(w, slot)) != NULL)
		rc = ring_get_key(&rr->ring, n, key);
	pthread_mutex_unlock(&w->lock);
	if (rc == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such key");
	r = MHD_create_response_from_buffer(sizeof(key), key,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/octet-stream");
	MHD_add_response_header(r, "Cache-Control", "private, max-age=60");
	ret = http_queue(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static uint64_t
hls_hash(const char *a, const char *b, int slot)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)slot;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h ? h : 1;
}

static void
hls_player_event(struct worker *w, struct hls_player *p, const char *event,
    const char *name)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", event);
	json_kv_str(&b, "stream", name);
	json_kv_str(&b, "client", p->addr);
	json_kv_str(&b, "kind", "hls");
	if (strcmp(event, "client_disconnected") == 0) {
		json_kv_uint(&b, "bytes", atomic_load(&p->bytes));
		json_kv_double(&b, "seconds", (double)(atomic_load(&p->last_ms) -
		    atomic_load(&p->first_ms)) / 1000.0);
	}
	buf_puts(&b, "}");
	if (!b.failed)
		http_event(w, b.data);
	buf_free(&b);
}

static uint32_t
hls_timeout_ms(struct worker *w, int slot, const struct slot_cfg *cfg)
{
	uint32_t target = atomic_load(&w->st->streams[slot].hls_target_ms);

	if (target == 0)
		target = HLS_DEFAULT_TARGET_MS;
	return (uint32_t)((uint64_t)target *
	    (cfg->hls_client_timeout_permille ?
	    cfg->hls_client_timeout_permille : 3000) / 1000);
}

/* Store NOW into *AT unless it holds a time less than a step older. */
static void
hls_stamp(_Atomic uint64_t *at, uint64_t now)
{
	if (now >= atomic_load_explicit(at, memory_order_relaxed) +
	    HLS_TOUCH_STEP_MS)
		atomic_store_explicit(at, now, memory_order_relaxed);
}

/*
 * Record activity of this player in the shared table.  A new player is
 * admitted if the stream and the server have room (*FULL otherwise).
 * NULL when the table is full (served, not counted).
 */
static struct hls_player *
hls_player_touch(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, int *full)
{
	const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	const union MHD_ConnectionInfo *ci;
	struct hls_player *p;
	char addr[48], raw[17] = "";
	uint64_t key, zero, now;
	size_t i, k;

	/* key from the raw address bytes: no formatting per request */
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		if (ci->client_addr->sa_family == AF_INET6)
			memcpy(raw, &((const struct sockaddr_in6 *)
			    ci->client_addr)->sin6_addr, 16);
		else if (ci->client_addr->sa_family == AF_INET)
			memcpy(raw, &((const struct sockaddr_in *)
			    ci->client_addr)->sin_addr, 4);
		for (i = 0; i < 16; i++)	/* no NUL inside the hash input */
			raw[i] = (char)((unsigned char)raw[i] | 0x80);
	}
	key = hls_hash(raw, ua ? ua : "", slot);
	now = now_ms();
	hls_stamp(&w->st->streams[slot].hls_active_ms, now);
	for (k = 0; k < 64; k++) {	/* known already? */
		p = &w->st->hls_players[(key + k) % STATE_HLS_CLIENTS];
		if (atomic_load_explicit(&p->key, memory_order_relaxed) ==
		    key) {
			hls_stamp(&p->last_ms, now);
			return p;
		}
	}
	if (state_stream_clients(w->st, slot) >= cfg->max_clients ||
	    state_total_clients(w->st) >= w->st->max_clients) {
		*full = 1;
		return NULL;
	}
	http_peer_addr(conn, addr, sizeof(addr));
	for (k = 0; k < 64; k++) {	/* claim a free entry */
		i = (key + k) % STATE_HLS_CLIENTS;
		p = &w->st->hls_players[i];
		zero = 0;
		if (!atomic_compare_exchange_strong(&p->key, &zero, key))
			continue;
		p->slot = (uint32_t)slot;
		str_copy(p->addr, addr, sizeof(p->addr));
		atomic_store(&p->first_ms, now);
		atomic_store(&p->last_ms, now);
		atomic_store(&p->bytes, 0);
		atomic_store(&p->timeout_ms, hls_timeout_ms(w, slot, cfg));
		atomic_store(&p->ready, 1);
		atomic_fetch_add(&w->st->streams[slot].hls_clients, 1);
		atomic_fetch_add(&w->st->streams[slot].clients_served, 1);
		hls_player_event(w, p, "client_connected", cfg->name);
		return p;
	}
	return NULL;
}

/* Let go of the playlists (and rings) of rings no longer current: a
 * stopped stream's ring is unmapped here, not kept until its next
 * playlist request. */
static void
hls_local_expire(struct worker *w)
{
	struct hls_local *l;
	int slot, v;

	pthread_mutex_lock(&hls_local.lock);
	for (slot = 0; slot < STATE_MAX_STREAMS; slot++)
		for (v = 0; v < HLS_CACHE_VARIANTS; v++) {
			l = &hls_local.pl[slot][v];
			if (l->rr != NULL && l->rr->gen !=
			    atomic_load(&w->st->streams[slot].ring_gen))
				hls_local_release(w, l);
		}
	pthread_mutex_unlock(&hls_local.lock);
	pthread_mutex_lock(&w->lock);
	for (slot = 0; slot < STATE_MAX_STREAMS; slot++)
		hls_seg_expire(slot, atomic_load(&w->st->streams[slot].ring_gen));
	pthread_mutex_unlock(&w->lock);
}

void
http_hls_expire(struct worker *w)
{
	struct slot_cfg cfg;
	uint64_t now = now_ms();
	uint32_t one;
	size_t i;

	hls_local_expire(w);

	for (i = 0; i < STATE_HLS_CLIENTS; i++) {
		struct hls_player *p = &w->st->hls_players[i];

		if (!atomic_load(&p->ready) ||
		    now - atomic_load(&p->last_ms) < atomic_load(&p->timeout_ms))
			continue;
		one = 1;
		if (!atomic_compare_exchange_strong(&p->ready, &one, 0))
			continue;	/* another worker took it */
		if (atomic_load(&w->st->streams[p->slot].hls_clients) > 0)
			atomic_fetch_sub(&w->st->streams[p->slot].hls_clients, 1);
		if (state_slot_read(w->st, (int)p->slot, &cfg) == 0 &&
		    cfg.in_use)
			hls_player_event(w, p, "client_disconnected", cfg.name);
		atomic_store(&p->key, 0);
	}
}

/* Segments a stream keeps (max_segments), within what one copy holds. */
static int
hls_kept(const struct slot_cfg *cfg)
{
	uint32_t n = cfg->hls_max_segments ? cfg->hls_max_segments :
	    HLS_PLAYLIST_SEGS;

	return n < HLS_PLAYLIST_SEGS ? (int)n : HLS_PLAYLIST_SEGS;
}

/* Drop L's version and its responses (held by connections: they finish). */
static void
hls_local_clear(struct hls_local *l)
{
	int f;

	for (f = 0; f < HTTP_CORS_SETS; f++)
		if (l->resp[f] != NULL) {
			MHD_destroy_response(l->resp[f]);
			l->resp[f] = NULL;
		}
	free(l->body);
	l->body = NULL;
	l->len = 0;
}

/* Let go of L's ring too (under hls_local.lock). */
static void
hls_local_release(struct worker *w, struct hls_local *l)
{
	hls_local_clear(l);
	if (l->rr != NULL) {
		pthread_mutex_lock(&w->lock);
		ring_ref_put(w, l->rr);
		pthread_mutex_unlock(&w->lock);
		l->rr = NULL;
	}
}

/* L holds the slot's current ring: 0, or -1 when it has none. */
static int
hls_local_ring(struct worker *w, int slot, struct hls_local *l)
{
	uint64_t gen = atomic_load(&w->st->streams[slot].ring_gen);
	struct ring_ref *rr;

	if (l->rr != NULL && l->rr->gen == gen)
		return 0;
	hls_local_release(w, l);
	if (gen == 0)
		return -1;
	pthread_mutex_lock(&w->lock);
	if ((rr = ring_ref_get(w, slot)) != NULL)
		rr->refs++;
	pthread_mutex_unlock(&w->lock);
	l->rr = rr;
	return rr != NULL ? 0 : -1;
}

/* Build the playlist of KEY from L's ring into B: 0 and *FIRST_START, or
 * -1 when the ring has no whole segment. */
static int
hls_build(struct worker *w, const struct hls_local *l,
    const struct hls_cache_key *key, const char *name, struct buf *b,
    uint64_t *first_start)
{
	struct ring_seg segs[HLS_PLAYLIST_SEGS];
	char segp[CONFIG_NAME_MAX + 8], keyp[CONFIG_NAME_MAX + 16];
	struct manifest_opts o;
	uint64_t start = metrics_start();
	int n, listed;

	n = ring_segments(&l->rr->ring, segs, (int)key->kept);
	memset(&o, 0, sizeof(o));
	o.window_size = (int)key->window_size;
	o.initial_segments = (int)key->initial_segments;
	o.endlist = (int)key->endlist;
	o.key_prefix = "key/";
	if (key->variant == HLS_CACHE_PREFIXED) {	/* away from /hls/NAME/ */
		snprintf(segp, sizeof(segp), "/hls/%s/", name);
		snprintf(keyp, sizeof(keyp), "/hls/%s/key/", name);
		o.seg_prefix = segp;
		o.key_prefix = keyp;
	}
	listed = n > 0 ? manifest_build(segs, n, &o, b) : -1;
	if (n > 0)
		metrics_end(w->metrics, w->mslot,
		    METRICS_HLS_MANIFEST_GENERATION, start, listed != -1);
	if (listed <= 0)
		return -1;
	*first_start = segs[n - listed].start;
	return 0;
}

/*
 * Make L hold version KEY: from the shared cache when another worker
 * built it, else built here and offered to the others.  0, or -1 when
 * there is no segment yet (or no memory).
 */
static int
hls_local_update(struct worker *w, int slot, const char *name,
    const struct hls_cache_key *key, struct hls_local *l)
{
	struct hls_cache_entry *e = &w->st->hls_cache[slot].v[key->variant];
	uint64_t first_start;
	const char *src;
	size_t len;
	struct buf b;
	int rc = 0;

	buf_init(&b);
	if (hls_cache_get(e, key, hls_local.scratch, sizeof(hls_local.scratch),
	    &len, &first_start) == 0)
		src = hls_local.scratch;
	else if (hls_build(w, l, key, name, &b, &first_start) == 0) {
		src = b.data;
		len = b.len;
		/* held by another worker, or too long: served anyway */
		(void)hls_cache_put(e, key, b.data, b.len, first_start);
	} else
		rc = -1;
	hls_local_clear(l);
	if (rc == 0 && (l->body = malloc(len)) == NULL)
		rc = -1;
	if (rc == 0) {
		memcpy(l->body, src, len);
		l->len = len;
		l->key = *key;
		l->first_start = first_start;
	}
	buf_free(&b);
	return rc;
}

/* A response of L's bytes with CORS set F (-1: none, http_queue adds). */
static struct MHD_Response *
hls_local_response(const struct hls_local *l, int f)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(l->len, l->body,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return NULL;
	if (MHD_add_response_header(r, "Content-Type", HLS_PLAYLIST_TYPE) !=
	    MHD_YES || MHD_add_response_header(r, "Cache-Control",
	    "no-cache") != MHD_YES ||
	    (f >= 0 && http_cors_add_fixed(r, f) == -1)) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

/*
 * Answer a playlist request from the worker's copy of the current
 * version: 0 and *RET, or -1 when the stream has no segment yet.
 */
static int
hls_playlist_answer(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, enum hls_cache_variant variant,
    enum MHD_Result *ret)
{
	struct hls_local *l = &hls_local.pl[slot][variant];
	struct stream_slot *ss = &w->st->streams[slot];
	struct hls_cache_key key;
	struct MHD_Response *r;
	uint8_t none;
	int f = http_cors_fixed(conn), rc = 0;

	pthread_mutex_lock(&hls_local.lock);
	if (hls_local_ring(w, slot, l) == -1) {
		pthread_mutex_unlock(&hls_local.lock);
		return -1;
	}
	memset(&key, 0, sizeof(key));
	key.ring_gen = l->rr->gen;
	key.seg_count = atomic_load_explicit(&l->rr->ring.hdr->seg_count,
	    memory_order_acquire);
	key.cfg_seq = atomic_load_explicit(&ss->cfg_seq, memory_order_relaxed);
	key.window_size = cfg->hls_window_size;
	key.initial_segments = cfg->hls_initial_segments;
	key.kept = (uint32_t)hls_kept(cfg);
	key.endlist = atomic_load_explicit(&ss->ended,
	    memory_order_relaxed) != 0;
	key.variant = variant;
	/* a new version, or the oldest listed segment overwritten since */
	if ((l->body == NULL || !hls_cache_key_equal(&l->key, &key) ||
	    ring_copy(&l->rr->ring, l->first_start, &none, 0) == -1) &&
	    hls_local_update(w, slot, cfg->name, &key, l) == -1)
		rc = -1;
	else if (f >= 0) {	/* the response shared by the requests */
		if (l->resp[f] == NULL)
			l->resp[f] = hls_local_response(l, f);
		*ret = l->resp[f] == NULL ? MHD_NO :
		    http_queue_shared(conn, MHD_HTTP_OK, l->resp[f]);
	} else if ((r = hls_local_response(l, -1)) != NULL) {
		*ret = http_queue(conn, MHD_HTTP_OK, r);	/* echoes Origin */
		MHD_destroy_response(r);
	} else
		*ret = MHD_NO;
	pthread_mutex_unlock(&hls_local.lock);
	return rc;
}

static enum MHD_Result
hls_playlist(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, enum hls_cache_variant variant,
    void **con_cls)
{
	enum MHD_Result ret;
	int rc;

	/* fast path: the stream has segments */
	if (*con_cls == NULL &&
	    hls_playlist_answer(w, conn, slot, cfg, variant, &ret) == 0)
		return ret;
	/* wait, suspended, for the first segment */
	rc = http_wait_stream(w, conn, slot, cfg, CLIENT_HLS, con_cls);
	if (rc == 0)
		return MHD_YES;
	if (rc == -1 && state_find(w->st, cfg->name) != slot)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	if (rc == -1)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "stream not ready in time");
	if (hls_playlist_answer(w, conn, slot, cfg, variant, &ret) == 0)
		return ret;
	return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
	    "no segment available");
}

static enum MHD_Result
hls_not_satisfiable(struct MHD_Connection *conn, const char *crange)
{
	static const char body[] = "{\"error\":\"range not satisfiable\"}\n";

	return http_reply_hdr(conn, MHD_HTTP_RANGE_NOT_SATISFIABLE,
	    "application/json", body, sizeof(body) - 1, "Content-Range", crange);
}

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

static enum MHD_Result
hls_segment_respond(struct MHD_Connection *conn, struct MHD_Response *r,
    int ranged, uint64_t from, uint64_t count, uint64_t total)
{
	enum MHD_Result ret;
	char crange[96];

	MHD_add_response_header(r, "Content-Type", "video/mp2t");
	MHD_add_response_header(r, "Cache-Control", "max-age=60");
	MHD_add_response_header(r, "Accept-Ranges", "bytes");
	if (ranged) {
		snprintf(crange, sizeof(crange), "bytes %llu-%llu/%llu",
		    (unsigned long long)from,
		    (unsigned long long)(from + count - 1),
		    (unsigned long long)total);
		MHD_add_response_header(r, "Content-Range", crange);
	}
	ret = http_queue(conn, ranged ? MHD_HTTP_PARTIAL_CONTENT :
	    MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void
hls_seg_clear(struct hls_seg_local *e)
{
	int f;

	for (f = 0; f < HTTP_CORS_SETS; f++)
		if (e->resp[f] != NULL) {
			MHD_destroy_response(e->resp[f]);
			e->resp[f] = NULL;
		}
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

/*
 * Under w->lock: the kept response of segment SEG (whole, at FILEOFF in
 * RR's file, far from the writer) with CORS set F, made now if need be;
 * NULL when it cannot be made.
 */
static struct MHD_Response *
hls_seg_response(struct ring_ref *rr, int slot, const struct ring_seg *seg,
    uint64_t fileoff, int f)
{
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
	if (MHD_add_response_header(r, "Content-Type", "video/mp2t") !=
	    MHD_YES || MHD_add_response_header(r, "Cache-Control",
	    "max-age=60") != MHD_YES || MHD_add_response_header(r,
	    "Accept-Ranges", "bytes") != MHD_YES ||
	    http_cors_add_fixed(r, f) == -1) {
		MHD_destroy_response(r);
		return NULL;
	}
	return e->resp[f] = r;
}

static enum MHD_Result
hls_segment(struct worker *w, struct MHD_Connection *conn, int slot,
    uint64_t seq, struct hls_player *who, uint32_t max_segments)
{
	struct ring_seg last;
	uint64_t from = 0, count, fileoff;
	char crange[96];
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
		snprintf(crange, sizeof(crange), "bytes */%llu",
		    (unsigned long long)seg.len);
		return hls_not_satisfiable(conn, crange);
	}
	if (who != NULL)
		atomic_fetch_add(&who->bytes, count);
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

enum MHD_Result
http_hls_playlist(struct worker *w, struct MHD_Connection *conn,
    const char *name, const char *prefix, void **con_cls)
{
	char own[CONFIG_NAME_MAX + 8];
	struct slot_cfg cfg;
	int slot, full = 0;

	if ((slot = state_find(w->st, name)) == -1 ||
	    state_slot_read(w->st, slot, &cfg) == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	if (*con_cls == NULL &&
	    hls_player_touch(w, conn, slot, &cfg, &full) == NULL && full)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "client limit reached");
	if (prefix == NULL)
		return hls_playlist(w, conn, slot, &cfg, HLS_CACHE_RELATIVE,
		    con_cls);
	/* the one prefix served: the stream's own /hls/NAME/ */
	snprintf(own, sizeof(own), "/hls/%s/", cfg.name);
	if (strcmp(prefix, own) != 0)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	return hls_playlist(w, conn, slot, &cfg, HLS_CACHE_PREFIXED, con_cls);
}

enum MHD_Result
http_hls_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	char name[CONFIG_NAME_MAX + 1];
	struct hls_player *who;
	struct slot_cfg cfg;
	const char *file;
	enum MHD_Result ret;
	uint64_t seq;
	int slot;

	if (hls_path_split(url, name, sizeof(name), &file) == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	if (strcmp(file, "index.m3u8") == 0 &&
	    http_edge_resolve(w, conn, name, con_cls, &ret) == -1)
		return ret;
	if ((slot = state_find(w->st, name)) == -1 ||
	    state_slot_read(w->st, slot, &cfg) == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	who = NULL;
	if (*con_cls == NULL) {
		int full = 0;

		who = hls_player_touch(w, conn, slot, &cfg, &full);
		if (full)
			return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "client limit reached");
	}
	if (strcmp(file, "index.m3u8") == 0)
		return hls_playlist(w, conn, slot, &cfg, HLS_CACHE_RELATIVE,
		    con_cls);
	if (strncmp(file, "key", 3) == 0 && hls_path_key(url, &seq) == 0)
		return hls_serve_key(w, conn, slot, seq);
	if (hls_path_seq(file, &seq) == 0) {
		http_request_fetcher(w, slot);
		return hls_segment(w, conn, slot, seq, who,
		    cfg.hls_max_segments ? cfg.hls_max_segments : 1000);
	}
	return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}
