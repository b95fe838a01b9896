/*
 * hls_playlist.c - HLS media playlists as the worker serves them: from
 * the shared playlist cache, one copy per worker, one response per CORS
 * header set.
 *
 * A playlist changes only when its stream publishes a segment (or ends,
 * gets a new ring, is reconfigured), so it is built once per version
 * (struct hls_cache_key: ring generation, segments published,
 * configuration, variant) from a copy of the segment index (manifest.c,
 * timed as hls_manifest_generation) by the first worker that needs it,
 * and kept in the state segment for the other workers (hls_cache.c).
 * Each worker keeps, per stream and variant, the bytes of the version it
 * serves and one libmicrohttpd response made of them per fixed CORS
 * header set (http.h), queued as it is for every request until the
 * version changes: a request costs a comparison of the version, no
 * allocation and no formatting.  A request whose answer must echo its
 * Origin gets a response of its own made of the same bytes.  A playlist
 * request for a stream that has no segment yet waits suspended (never
 * blocking a thread) for the first one.
 *
 * A request that came with its token in the URL (access = "users",
 * access.h) gets a copy of its own with the token on every URI (a
 * query token) or on the absolute ones (a path prefix); the shared
 * copies never hold a token.
 *
 * Called by the HLS routes (http_hls.c); calls http.c and client.c
 * (answers, waiting, ring mappings), access.c, manifest.c and
 * hls_cache.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "client.h"
#include "hls_cache.h"
#include "hls_playlist.h"
#include "http.h"
#include "manifest.h"

#define HLS_PLAYLIST_SEGS	64	/* index entries copied a request */
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
	http_cors_drop_fixed(l->resp);
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

void
hls_playlist_expire(struct worker *w)
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
	static const char *const hdrs[] = {
		"Content-Type", HLS_PLAYLIST_TYPE, "Cache-Control", "no-cache",
		NULL
	};

	return http_response_headers(MHD_create_response_from_buffer(l->len,
	    l->body, MHD_RESPMEM_MUST_COPY), hdrs, f);
}

/* L's bytes with the request's TOKEN on its URIs (FORM), queued. */
static enum MHD_Result
hls_local_token(struct MHD_Connection *conn, const struct hls_local *l,
    enum cred_form form, const char *token)
{
	struct buf b;
	int rc;

	buf_init(&b);
	rc = cred_playlist_rewrite(l->body, l->len, form, token, "", &b);
	return http_reply_buf(conn, MHD_HTTP_OK, HLS_PLAYLIST_TYPE, &b, rc);
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
	enum cred_form form;
	const char *token;
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
	else if ((form = access_form(conn, &token)) == CRED_QUERY ||
	    form == CRED_PATH || form == CRED_SIGNED)
		*ret = hls_local_token(conn, l, form, token);
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

enum MHD_Result
hls_playlist_serve(struct worker *w, struct MHD_Connection *conn, int slot,
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
		return http_client_gone(w, conn, cfg->name);
	if (rc == -1)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "stream not ready in time");
	if (hls_playlist_answer(w, conn, slot, cfg, variant, &ret) == 0)
		return ret;
	return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
	    "no segment available");
}
