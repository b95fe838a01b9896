/*
 * http_hls.c - HLS for every stream: /hls/NAME/index.m3u8 and
 * /hls/NAME/SEQ.ts.
 *
 * Both are answered from the stream's ring: the playlist is rebuilt from
 * a copy of the segment index on each request (manifest.c, memory only,
 * timed as hls_manifest_generation), and a segment is streamed straight
 * out of the ring with its Content-Length, so a hundred players fetching
 * the same segment cost the upstream nothing and copy nothing extra.  A
 * playlist request for a stream that has no segment yet waits suspended
 * (never blocking a thread) for the first one.
 *
 * HLS players make no lasting connection, so a player is known by its
 * address and User-Agent, in a table in shared memory so that every
 * worker agrees: the first request makes it a client of the stream
 * (counted, client_connected), each request refreshes it, and one silent
 * for client_timeout_factor x target duration is gone
 * (client_disconnected).  Any request also keeps an on-demand stream
 * alive through the slot's hls_active_ms.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
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

struct seg_reader {
	struct worker	*w;
	struct ring_ref	*rr;
	uint64_t	 start, len;
	int		 slot;
	struct hls_player *who;
};

/* "/hls/NAME/FILE": NAME and FILE, or -1. */
static int
hls_parse_path(const char *url, char *name, size_t namesz, const char **file)
{
	const char *p = url + strlen("/hls/"), *slash = strchr(p, '/');
	size_t len;

	if (slash == NULL)
		return -1;
	len = (size_t)(slash - p);
	if (len == 0 || len >= namesz)
		return -1;
	memcpy(name, p, len);
	name[len] = '\0';
	*file = slash + 1;
	if (strncmp(*file, "key/", 4) == 0)	/* key/N.key */
		return config_name_valid(name) &&
		    strchr(*file + 4, '/') == NULL ? 0 : -1;
	return config_name_valid(name) && strchr(*file, '/') == NULL ? 0 : -1;
}

static int
hls_parse_seq(const char *file, uint64_t *seq)
{
	char *end;

	if (file[0] < '0' || file[0] > '9')
		return -1;
	*seq = strtoull(file, &end, 10);
	return strcmp(end, ".ts") == 0 ? 0 : -1;
}

/* ".../key/N.key": N. */
static int
hls_parse_key(const char *url, uint64_t *n)
{
	const char *p = strrchr(url, '/');
	char *end;

	if (p == NULL || p[1] < '0' || p[1] > '9')
		return -1;
	*n = strtoull(p + 1, &end, 10);
	return strcmp(end, ".key") == 0 ? 0 : -1;
}

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
	uint64_t key, zero;
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
	atomic_store(&w->st->streams[slot].hls_active_ms, now_ms());
	for (k = 0; k < 64; k++) {	/* known already? */
		p = &w->st->hls_players[(key + k) % STATE_HLS_CLIENTS];
		if (atomic_load(&p->key) == key) {
			atomic_store(&p->last_ms, now_ms());
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
		atomic_store(&p->first_ms, now_ms());
		atomic_store(&p->last_ms, now_ms());
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

void
http_hls_expire(struct worker *w)
{
	struct slot_cfg cfg;
	uint64_t now = now_ms();
	uint32_t one;
	size_t i;

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

static enum MHD_Result
hls_playlist(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, const char *prefix, void **con_cls)
{
	struct ring_seg segs[HLS_PLAYLIST_SEGS];
	char keyp[CONFIG_NAME_MAX + 32];
	struct manifest_opts o;
	struct client *c;
	enum MHD_Result ret;
	uint64_t start;
	struct buf b;
	int rc, n;

	start = metrics_start();
	n = 0;
	if (*con_cls == NULL) {	/* fast path: the stream has segments */
		struct ring_ref *rr;

		pthread_mutex_lock(&w->lock);
		if ((rr = ring_ref_get(w, slot)) != NULL)
			n = ring_segments(&rr->ring, segs, hls_kept(cfg));
		pthread_mutex_unlock(&w->lock);
	}
	if (n == 0) {	/* wait, suspended, for the first segment */
		rc = http_wait_stream(w, conn, slot, cfg, CLIENT_HLS, con_cls);
		if (rc == 0)
			return MHD_YES;
		if (rc == -1 && state_find(w->st, cfg->name) != slot)
			return http_error(conn, MHD_HTTP_NOT_FOUND,
			    "no such stream");
		if (rc == -1)
			return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "stream not ready in time");
		c = *con_cls;
		start = metrics_start();
		pthread_mutex_lock(&w->lock);
		n = ring_segments(&c->rr->ring, segs, hls_kept(cfg));
		pthread_mutex_unlock(&w->lock);
	}
	memset(&o, 0, sizeof(o));
	o.window_size = (int)cfg->hls_window_size;
	o.initial_segments = (int)cfg->hls_initial_segments;
	o.endlist = atomic_load(&w->st->streams[slot].ended) != 0;
	if (prefix != NULL) {	/* served away from /hls/NAME/ */
		snprintf(keyp, sizeof(keyp), "%skey/", prefix);
		o.seg_prefix = prefix;
		o.key_prefix = keyp;
	} else
		o.key_prefix = "key/";
	buf_init(&b);
	rc = manifest_build(segs, n, &o, &b);
	metrics_end(w->metrics, w->mslot, METRICS_HLS_MANIFEST_GENERATION, start,
	    rc != -1);
	if (rc == -1)
		ret = http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "no segment available");
	else
		ret = http_reply(conn, MHD_HTTP_OK,
		    "application/vnd.apple.mpegurl", b.data, b.len);
	buf_free(&b);
	return ret;
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

/*
 * A single "bytes=A-B", "bytes=A-" or "bytes=-N" range of a LEN-byte
 * body: 1 with [*FROM, *FROM + *COUNT), 0 when there is no usable Range
 * header (whole body), -1 when it cannot be satisfied (416).
 */
static int
hls_range(const char *h, uint64_t len, uint64_t *from, uint64_t *count)
{
	unsigned long long a, b;
	char *end;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return 0;	/* absent, other unit or multipart: ignore */
	h += 6;
	if (*h == '-') {	/* suffix: the last N bytes */
		b = strtoull(h + 1, &end, 10);
		if (end == h + 1 || *end != '\0' || b == 0)
			return -1;
		*count = b < len ? b : len;
		*from = len - *count;
		return 1;
	}
	if (*h < '0' || *h > '9')
		return -1;
	a = strtoull(h, &end, 10);
	if (*end != '-')
		return -1;
	h = end + 1;
	if (*h == '\0')
		b = len - 1;
	else {
		b = strtoull(h, &end, 10);
		if (*end != '\0' || b < a)
			return -1;
		if (b >= len)
			b = len - 1;
	}
	if (a >= len)
		return -1;
	*from = a;
	*count = b - a + 1;
	return 1;
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

static enum MHD_Result
hls_segment(struct worker *w, struct MHD_Connection *conn, int slot,
    uint64_t seq, struct hls_player *who, uint32_t max_segments)
{
	struct ring_seg last;
	uint64_t from = 0, count, fileoff;
	char crange[96];
	int ranged, fd;
	struct MHD_Response *r;
	struct seg_reader *sr;
	struct ring_ref *rr;
	struct ring_seg seg;
	
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
	ranged = hls_range(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_RANGE), seg.len, &from, &count);
	if (ranged == -1) {
		pthread_mutex_unlock(&w->lock);
		snprintf(crange, sizeof(crange), "bytes */%llu",
		    (unsigned long long)seg.len);
		return hls_not_satisfiable(conn, crange);
	}
	if (who != NULL)
		atomic_fetch_add(&who->bytes, count);
	/* Far from the writer: let the kernel send it (sendfile), no copy. */
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
	struct slot_cfg cfg;
	int slot, full = 0;

	if ((slot = state_find(w->st, name)) == -1 ||
	    state_slot_read(w->st, slot, &cfg) == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	if (*con_cls == NULL &&
	    hls_player_touch(w, conn, slot, &cfg, &full) == NULL && full)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "client limit reached");
	return hls_playlist(w, conn, slot, &cfg, prefix, con_cls);
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

	if (hls_parse_path(url, name, sizeof(name), &file) == -1)
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
		return hls_playlist(w, conn, slot, &cfg, NULL, con_cls);
	if (strncmp(file, "key", 3) == 0 && hls_parse_key(url, &seq) == 0)
		return hls_serve_key(w, conn, slot, seq);
	if (hls_parse_seq(file, &seq) == 0) {
		http_request_fetcher(w, slot);
		return hls_segment(w, conn, slot, seq, who,
		    cfg.hls_max_segments ? cfg.hls_max_segments : 1000);
	}
	return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}
