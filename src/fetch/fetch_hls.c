/*
 * fetch_hls.c - the HLS source: a live playlist and its segments, pulled
 * once, appended to the stream's ring and indexed as segments.
 *
 * This replaces a Python loop that fetched only the newest segment of
 * each refresh, so it lost segments whenever two appeared at once.  Here
 * every segment newer than the last one written is downloaded, in order,
 * identified by its media sequence number; a sequence that jumps or goes
 * back (an encoder restart) becomes a discontinuity.  A segment that
 * still fails after FETCH_HLS_RETRIES tries is skipped and the next one
 * is marked discontinuous: the stream never stalls on one bad segment.
 *
 * One libcurl easy handle serves the playlist and every segment, so the
 * origin sees one keep-alive connection per stream.  Transfers run under
 * the multi interface so that, as in fetch.c, the process keeps
 * feeding null packets to TS clients and noticing stop requests while it
 * waits.
 */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "json.h"
#include "log.h"
#include "m3u8.h"
#include "util.h"

/*
 * The upstream's progress, kept across reconnects in one fetcher: the
 * source's own state (f->src_state, fetch_source.state_size).
 */
struct hls_state {
	int		 have_last;	/* last_seq is set */
	uint64_t	 last_seq;	/* media sequence of the last segment
					 * written or skipped */
	char		*key_uri;	/* the key last fetched */
	uint64_t	 key_num;	/* its number in the ring */
};

struct hls_get {
	struct buf	 body;
	size_t		 limit;
	int		 too_big;
};

static size_t
hls_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct hls_get *g = arg;
	size_t n = size * nmemb;

	if (g->body.len + n > g->limit) {
		g->too_big = 1;
		return 0;	/* aborts the transfer */
	}
	if (buf_append(&g->body, data, n) == -1)
		return 0;
	return n;
}

/* GET URL into G with handle H; 0, or -1 with f->error set. */
static int
hls_get(struct fetcher *f, CURLM *multi, CURL *h, const char *url,
    struct hls_get *g)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_waitfd extra = { f->chan, CURL_WAIT_POLLIN, 0 };
	CURLcode result = CURLE_OK;
	uint64_t started = now_ms();
	uint64_t limit_ms = (uint64_t)(f->sc->opts.data_timeout * 1000.0);
	CURLMsg *cm;
	int running = 1, left;
	long status = 0;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hls_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_multi_add_handle(multi, h);
	while (running && !fetch_stopping) {
		size_t before = g->body.len;

		curl_multi_perform(multi, &running);
		while ((cm = curl_multi_info_read(multi, &left)) != NULL)
			if (cm->msg == CURLMSG_DONE) {
				result = cm->data.result;
				running = 0;
			}
		if (g->body.len != before)
			started = now_ms();	/* data: not silent */
		if (!running)
			break;
		fetch_keepalive(f);
		if (now_ms() - started >= limit_ms) {
			snprintf(f->error, sizeof(f->error),
			    "%.100s: no data for %.1f s", url,
			    (double)(now_ms() - started) / 1000.0);
			curl_multi_remove_handle(multi, h);
			return -1;
		}
		extra.revents = 0;
		curl_multi_poll(multi, &extra, 1, FETCH_POLL_MS, NULL);
		if (extra.revents)
			fetch_check_channel(f);
	}
	curl_multi_remove_handle(multi, h);
	if (fetch_stopping) {
		snprintf(f->error, sizeof(f->error), "stopping");
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (g->too_big)
		snprintf(f->error, sizeof(f->error),
		    "%.100s: larger than %zu bytes", url, g->limit);
	else if (result != CURLE_OK)
		snprintf(f->error, sizeof(f->error), "%.80s: %.70s", url,
		    errbuf[0] ? errbuf : curl_easy_strerror(result));
	else if (g->body.failed)
		snprintf(f->error, sizeof(f->error), "out of memory");
	else
		return 0;
	(void)status;
	return -1;
}

static CURL *
hls_handle(struct fetcher *f)
{
	CURL *h;

	if ((h = fetch_curl_handle(f, "http,https,file")) == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");	/* playlists */
	return h;
}

/* Fetch and parse the media playlist (following a master once). */
static int
hls_playlist(struct fetcher *f, CURLM *multi, CURL *h, const char *url,
    struct m3u8 *pl)
{
	char perr[256], variant_url[CONFIG_URL_MAX * 2];
	const struct m3u8_variant *v;
	struct hls_get g = { .limit = M3U8_MAX_PLAYLIST_BYTES };
	uint64_t start = metrics_start();
	char *final = NULL;
	int rc = -1;

	buf_init(&g.body);
	if (hls_get(f, multi, h, url, &g) == -1)
		goto done;
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &final);
	if (m3u8_parse(buf_str(&g.body), g.body.len, final ? final : url, pl,
	    perr, sizeof(perr)) == -1) {
		snprintf(f->error, sizeof(f->error), "bad playlist: %.140s", perr);
		goto done;
	}
	if (pl->is_master) {
		v = m3u8_choose_variant(pl, (int)f->sc->variant,
		    f->sc->variant_bandwidth);
		if (v == NULL) {
			snprintf(f->error, sizeof(f->error),
			    "master playlist without a usable variant");
			m3u8_free(pl);
			goto done;
		}
		str_copy(variant_url, v->uri, sizeof(variant_url));
		m3u8_free(pl);
		buf_free(&g.body);
		metrics_end(f->metrics, f->mslot, METRICS_HLS_PLAYLIST_FETCH,
		    start, 1);
		log_debug("master playlist: variant %s", variant_url);
		return hls_playlist(f, multi, h, variant_url, pl);
	}
	rc = 0;
done:
	buf_free(&g.body);
	metrics_end(f->metrics, f->mslot, METRICS_HLS_PLAYLIST_FETCH, start,
	    rc == 0);
	return rc;
}

/* Download one segment, retrying; 0 with G filled, or -1. */
static int
hls_segment_get(struct fetcher *f, CURLM *multi, CURL *h,
    const struct m3u8_segment *seg, struct hls_get *g)
{
	uint64_t start;
	int try;

	for (try = 1; try <= FETCH_HLS_RETRIES && !fetch_stopping; try++) {
		start = metrics_start();
		buf_reset(&g->body);
		g->too_big = 0;
		if (seg->byterange_len >= 0) {
			char range[64];

			snprintf(range, sizeof(range), "%lld-%lld",
			    (long long)seg->byterange_off,
			    (long long)(seg->byterange_off +
			    seg->byterange_len - 1));
			curl_easy_setopt(h, CURLOPT_RANGE, range);
		}
		if (hls_get(f, multi, h, seg->uri, g) == 0) {
			curl_easy_setopt(h, CURLOPT_RANGE, NULL);
			metrics_end(f->metrics, f->mslot,
			    METRICS_HLS_SEGMENT_FETCH, start, 1);
			return 0;
		}
		curl_easy_setopt(h, CURLOPT_RANGE, NULL);
		metrics_end(f->metrics, f->mslot, METRICS_HLS_SEGMENT_FETCH,
		    start, 0);
		log_warnx("segment %llu: %s (try %d of %d)",
		    (unsigned long long)seg->seq, f->error, try,
		    FETCH_HLS_RETRIES);
		if (try < FETCH_HLS_RETRIES)
			fetch_idle(f, (uint64_t)FETCH_HLS_RETRY_PAUSE_MS <<
			    (try - 1));
	}
	return -1;
}

/* Encrypted bytes go in as they are: no packet alignment to find. */
static void
hls_write_raw(struct fetcher *f, const uint8_t *p, size_t len)
{
	size_t n;

	fetch_note_data(f, len);
	while (len > 0) {
		n = len < RING_MAX_WRITE_BYTES ? len : RING_MAX_WRITE_BYTES;
		if (ring_write_raw(&f->ring, p, n) == -1)
			log_warn("ring write");
		p += n;
		len -= n;
	}
	state_notify(f->st);
}

/*
 * The key of an AES-128 segment, fetched once per key URI and kept in the
 * ring so that players get it from ringcast (key/N.key), never from the
 * origin.  Fills *NUM; -1 with f->error on failure.
 */
static int
hls_key(struct fetcher *f, CURLM *multi, CURL *h, const struct m3u8_key *k,
    uint64_t *num)
{
	struct hls_state *hs = f->src_state;
	struct hls_get g = { .limit = FETCH_HLS_KEY_MAX_BYTES };

	if (k->method != M3U8_KEY_AES128 || k->uri == NULL) {
		snprintf(f->error, sizeof(f->error),
		    "unsupported encryption METHOD=%.32s", k->method_name);
		return -1;
	}
	if (hs->key_uri != NULL && strcmp(hs->key_uri, k->uri) == 0) {
		*num = hs->key_num;
		return 0;
	}
	buf_init(&g.body);
	if (hls_get(f, multi, h, k->uri, &g) == -1 ||
	    g.body.len != FETCH_HLS_KEY_BYTES) {
		if (g.body.len != FETCH_HLS_KEY_BYTES && f->error[0] == '\0')
			snprintf(f->error, sizeof(f->error),
			    "key is %zu bytes, not %d", g.body.len,
			    FETCH_HLS_KEY_BYTES);
		buf_free(&g.body);
		return -1;
	}
	free(hs->key_uri);
	hs->key_uri = strdup(k->uri);
	hs->key_num = *num = ring_add_key(&f->ring,
	    (const uint8_t *)g.body.data);
	buf_free(&g.body);
	atomic_store(&f->st->streams[f->slot].encrypted, 1);
	return 0;
}

/* IV of SEG: the tag's, or its upstream media sequence number. */
static void
hls_iv(const struct m3u8_key *k, uint64_t seq,
    uint8_t iv[FETCH_HLS_KEY_BYTES])
{
	int i;

	if (k->has_iv) {
		memcpy(iv, k->iv, FETCH_HLS_KEY_BYTES);
		return;
	}
	memset(iv, 0, FETCH_HLS_KEY_BYTES);
	for (i = 0; i < (int)sizeof(seq); i++)
		iv[FETCH_HLS_KEY_BYTES - 1 - i] = (uint8_t)(seq >> (8 * i));
}

/* Append a downloaded segment to the ring and index it. */
static void
hls_publish(struct fetcher *f, const struct m3u8_segment *seg,
    const struct buf *data, const struct m3u8_key *key, uint64_t keynum)
{
	uint64_t pos;

	fetch_flush(f);
	ts_sync_reset(&f->sync);	/* a segment starts on a packet */
	if (seg->discontinuity)
		f->seg_disc = 1;
	pos = fetch_position(f);
	fetch_segment_begin(f, pos);
	f->seg.pdt_ms = seg->pdt_ms;
	if (key != NULL) {
		f->seg.key = (uint32_t)keynum + 1;
		hls_iv(key, seg->seq, f->seg.iv);
		hls_write_raw(f, (const uint8_t *)data->data, data->len);
	} else {
		fetch_add_rap(f, pos);	/* TS clients start at a segment */
		fetch_ingest(f, (const uint8_t *)data->data, data->len);
	}
	fetch_flush(f);
	fetch_segment_end(f, fetch_position(f),
	    (uint64_t)(seg->duration * 1e6));
	fetch_flush(f);
	atomic_fetch_add(&f->st->streams[f->slot].segments_fetched, 1);
}

/* Index of the first segment to download from PL. */
static size_t
hls_first_new(struct fetcher *f, const struct m3u8 *pl)
{
	const struct hls_conf *hc = &f->sc->opts.hls;
	const struct hls_state *hs = f->src_state;
	double secs = 0;
	size_t i, n = 0;

	if (hs->have_last) {
		uint64_t first = pl->segs[0].seq;
		uint64_t last = pl->segs[pl->nsegs - 1].seq;

		if (last >= hs->last_seq && first <= hs->last_seq + 1)
			return (size_t)(hs->last_seq + 1 - first);
		/* a jump forward, or a reset: splice at the live edge */
		log_warnx("media sequence moved from %llu to %llu..%llu",
		    (unsigned long long)hs->last_seq,
		    (unsigned long long)first, (unsigned long long)last);
		f->seg_disc = 1;
		if (first > hs->last_seq)
			return 0;	/* missed some: take all we can */
	}
	/* initial buffer: from the end, up to the configured amount */
	for (i = pl->nsegs; i > 0; i--) {
		if (n >= (size_t)hc->max_initial_segments ||
		    (n > 0 && secs >= hc->initial_buffer_seconds))
			break;
		secs += pl->segs[i - 1].duration;
		n++;
	}
	return pl->nsegs - n;
}

static int
hls_refresh(struct fetcher *f, CURLM *multi, CURL *h, const char *url,
    int *endlist, double *target)
{
	struct hls_get g = { .limit = (size_t)f->sc->opts.max_segment_bytes };
	struct hls_state *hs = f->src_state;
	struct m3u8 pl;
	size_t i;

	memset(&pl, 0, sizeof(pl));
	if (hls_playlist(f, multi, h, url, &pl) == -1)
		return -1;
	*endlist = pl.endlist;
	*target = pl.target_duration > 0 ? pl.target_duration :
	    FETCH_HLS_TARGET_S;
	atomic_store(&f->st->streams[f->slot].hls_target_ms,
	    (uint32_t)(*target * 1000.0));
	buf_init(&g.body);
	for (i = pl.nsegs ? hls_first_new(f, &pl) : 0; i < pl.nsegs &&
	    !fetch_stopping; i++) {
		const struct m3u8_segment *seg = &pl.segs[i];
		const struct m3u8_key *key = seg->key_index >= 0 &&
		    (size_t)seg->key_index < pl.nkeys ?
		    &pl.keys[seg->key_index] : NULL;
		uint64_t keynum = 0;
		int ok = key == NULL || hls_key(f, multi, h, key, &keynum) == 0;

		if (ok && hls_segment_get(f, multi, h, seg, &g) == 0)
			hls_publish(f, seg, &g.body, key, keynum);
		else if (!fetch_stopping) {
			state_slot_set_info(f->st, f->slot, NULL, f->error);
			log_warnx("segment %llu skipped", (unsigned long long)
			    seg->seq);
			atomic_fetch_add(&f->st->streams[f->slot].
			    segments_failed, 1);
			f->seg_disc = 1;	/* the next one follows a gap */
		}
		if (fetch_stopping)
			break;
		hs->last_seq = seg->seq;
		hs->have_last = 1;
	}
	buf_free(&g.body);
	m3u8_free(&pl);
	return 0;
}

static enum fetch_result
hls_run(struct fetcher *f, const char *url)
{
	enum fetch_result res = FETCH_ERROR;
	const struct hls_state *hs = f->src_state;
	double target = FETCH_HLS_TARGET_S;
	CURLM *multi;
	CURL *h;
	int endlist = 0;

	if ((multi = curl_multi_init()) == NULL ||
	    (h = hls_handle(f)) == NULL) {
		snprintf(f->error, sizeof(f->error), "cannot set up libcurl");
		if (multi != NULL)
			curl_multi_cleanup(multi);
		return FETCH_ERROR;
	}
	if (hs->have_last)
		f->seg_disc = 1;	/* reconnected: players resync */
	while (!fetch_stopping) {
		uint64_t began = now_ms(), every;

		if (hls_refresh(f, multi, h, url, &endlist, &target) == -1)
			break;
		if (endlist) {
			atomic_store(&f->st->streams[f->slot].ended, 1);
			res = FETCH_EOF;
			break;
		}
		every = (uint64_t)(f->sc->opts.hls.fetch_interval * target *
		    1000.0);
		if (now_ms() - began < every)
			fetch_idle(f, every - (now_ms() - began));
	}
	if (fetch_stopping)
		res = FETCH_STOP;
	curl_easy_cleanup(h);
	curl_multi_cleanup(multi);
	return res;
}

static int
hls_accepts(const struct stream_conf *sc, const char *url)
{
	(void)url;
	return sc->type == STREAM_HLS;
}

static void
hls_done(struct fetcher *f)
{
	struct hls_state *hs = f->src_state;

	free(hs->key_uri);
	hs->key_uri = NULL;
}

const struct fetch_source fetch_hls_source = {
	.name = "hls",
	.accepts = hls_accepts,
	.run = hls_run,
	.done = hls_done,
	.state_size = sizeof(struct hls_state),
};
