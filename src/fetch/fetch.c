/*
 * fetch.c - the fetcher core: upstream bytes -> shared-memory ring.
 *
 * A fetcher process (fetcher.c) is the single writer of its stream's
 * ring.  Whatever the source (fetch_ts.c, fetch_hls.c, fetch_file.c),
 * upstream bytes come here: packet alignment (garbage is dropped and sync
 * regained), the scanner (which finds PATs and keyframes: a PAT followed
 * by a keyframe is indexed as a random-access point where new clients
 * start), and publishing in batches so that readers are woken at most
 * once a batch.  While the upstream is silent, null packets keep players
 * connected; after a reconnect, failover or file loop, the first packet
 * of every PID carries the discontinuity indicator so players
 * resynchronise.
 *
 * fetch_run() is the source loop: it asks the sources it is given, in
 * order, which one reads the current URL, runs it, and on failure reports
 * the error, backs off and fails over to the next URL.  The core never
 * names a source: the table comes from its caller.  What a source keeps
 * across its runs (HLS: the last media sequence written, the key in use)
 * is a block of its own that fetch_run allocates and hands it in
 * f->src_state; the core never looks inside.
 *
 * fetch_read_http() reads an HTTP(S) URL as a continuous TS stream; it is
 * the TS source's whole transfer and any source that ends up with such a
 * URL (one resolved from an engine, say) calls it.  libcurl's multi
 * interface serves only to poll the transfer and the supervisor channel
 * together: the fetcher never sleeps where it cannot notice a stop
 * request or a silent upstream.
 */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "json.h"
#include "log.h"
#include "msg.h"
#include "util.h"

volatile sig_atomic_t fetch_stopping;

void
fetch_event(struct fetcher *f, const char *obj)
{
	if (msg_send(f->chan, MSG_EVENT, obj, strlen(obj)) == -1)
		atomic_fetch_add(&f->st->events_dropped, 1);
}

static void
fetch_event_url(struct fetcher *f, const char *event, const char *extra_key,
    const char *extra, const char *num_key, double num)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", event);
	json_kv_str(&b, "stream", f->sc->name);
	json_kv_str(&b, "url", f->url);
	if (extra_key != NULL)
		json_kv_str(&b, extra_key, extra);
	if (num_key != NULL)
		json_kv_double(&b, num_key, num);
	buf_puts(&b, "}");
	if (!b.failed)
		fetch_event(f, b.data);
	buf_free(&b);
}

void
fetch_event_connected(struct fetcher *f)
{
	log_info("connected to %s", f->url);
	fetch_event_url(f, "upstream_connected", NULL, NULL, NULL, 0);
}

void
fetch_check_channel(struct fetcher *f)
{
	struct msg m;
	int n;

	while ((n = msg_recv(f->chan, &m)) == 1)
		if (m.type == MSG_SHUTDOWN)
			fetch_stopping = 1;
		else if (f->src != NULL && f->src->message != NULL)
			f->src->message(f, &m);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EBADMSG))
		fetch_stopping = 1;	/* the supervisor is gone */
}

uint64_t
fetch_position(struct fetcher *f)
{
	return ring_head(&f->ring) + f->batch_len;
}

void
fetch_segment_begin(struct fetcher *f, uint64_t pos)
{
	memset(&f->seg, 0, sizeof(f->seg));
	f->seg.seq = f->next_seq++;
	f->seg.start = pos;
	f->seg.pdt_ms = (int64_t)wall_ms();
	if (f->seg_disc) {
		f->seg.flags |= RING_SEG_DISCONTINUITY;
		f->disc_count++;
		f->seg_disc = 0;
	}
	f->seg.disc_seq = f->disc_count;
	f->seg_begin_us = now_us();
	f->seg_begin_pcr = f->last_pcr;
	f->seg_have_pcr = f->have_pcr;
	f->seg_open = 1;
}

void
fetch_segment_end(struct fetcher *f, uint64_t pos, uint64_t duration_us)
{
	if (!f->seg_open)
		return;
	f->seg_open = 0;
	if (pos <= f->seg.start)
		return;
	f->seg.len = pos - f->seg.start;
	f->seg.duration_us = duration_us;
	if (f->n_seg_pending == (int)(sizeof(f->seg_pending) /
	    sizeof(f->seg_pending[0])))
		fetch_flush(f);
	f->seg_pending[f->n_seg_pending++] = f->seg;
}

/* How long the open segment has run: by PCR when it is sane. */
static uint64_t
fetch_segment_elapsed_us(struct fetcher *f)
{
	uint64_t wall = now_us() - f->seg_begin_us, pcr_us;

	if (!f->seg_have_pcr || !f->have_pcr)
		return wall;
	pcr_us = ((f->last_pcr - f->seg_begin_pcr) % (TS_PCR_WRAP)) / 27;
	return pcr_us < FETCH_PCR_SPAN_MAX_US ? pcr_us : wall;
}

/* TS upstreams: cut at a random-access point near segment_duration. */
static void
fetch_segment_at_rap(struct fetcher *f, uint64_t rap_pos)
{
	uint64_t want = (uint64_t)(f->sc->segment_duration * 1e6);
	uint64_t elapsed;

	if (!f->cut_segments)
		return;
	if (!f->seg_open) {
		fetch_segment_begin(f, rap_pos);
		return;
	}
	elapsed = fetch_segment_elapsed_us(f);
	if (elapsed + FETCH_SEGMENT_SLACK_US < want)
		return;
	fetch_segment_end(f, rap_pos, elapsed);
	fetch_segment_begin(f, rap_pos);
}

void
fetch_mark_splice(struct fetcher *f)
{
	if (f->cut_segments && f->seg_open)
		fetch_segment_end(f, fetch_position(f),
		    fetch_segment_elapsed_us(f));
	f->seg_disc = 1;
	ts_sync_reset(&f->sync);
	memset(f->disc_pending, 0xff, sizeof(f->disc_pending));
	f->splice = 1;
	atomic_fetch_add(&f->ring.hdr->splices, 1);
}

void
fetch_flush(struct fetcher *f)
{
	int i;

	if (f->batch_len == 0 && f->n_seg_pending == 0)
		return;
	if (f->batch_len > 0 && ring_write(&f->ring, f->batch, f->batch_len) == -1)
		log_warn("ring write");
	for (i = 0; i < f->n_raps; i++)
		ring_add_rap(&f->ring, f->raps[i]);
	if (f->n_raps > 0)
		f->rap_published = 1;
	for (i = 0; i < f->n_seg_pending; i++)
		ring_add_segment(&f->ring, &f->seg_pending[i]);
	f->batch_len = 0;
	f->n_raps = 0;
	f->n_seg_pending = 0;
	state_notify(f->st);
}

int
fetch_flush_due(struct fetcher *f)
{
	uint64_t waited;

	if (f->batch_len == 0 && f->n_seg_pending == 0)
		return FETCH_POLL_MS;
	waited = now_us() - f->batch_since_us;
	/* the stream's first random-access point goes out at once: players
	 * waiting to join start on it, and nobody reads the ring before */
	if (f->batch_len >= FETCH_BATCH_MIN_BYTES || f->n_seg_pending > 0 ||
	    waited >= FETCH_BATCH_MAX_US ||
	    (f->n_raps > 0 && !f->rap_published)) {
		fetch_flush(f);
		return FETCH_POLL_MS;
	}
	return (int)((FETCH_BATCH_MAX_US - waited) / 1000) + 1;
}

static void
fetch_append(struct fetcher *f, const uint8_t *pkt)
{
	if (f->batch_len + TS_PACKET_SIZE > sizeof(f->batch))
		fetch_flush(f);
	if (f->batch_len == 0)
		f->batch_since_us = now_us();
	memcpy(f->batch + f->batch_len, pkt, TS_PACKET_SIZE);
	f->batch_len += TS_PACKET_SIZE;
}

void
fetch_add_rap(struct fetcher *f, uint64_t pos)
{
	if (f->n_raps == (int)(sizeof(f->raps) / sizeof(f->raps[0])))
		fetch_flush(f);
	f->raps[f->n_raps++] = pos;
}

/* First packet of a PID after a splice: flag the discontinuity. */
static void
fetch_splice_packet(struct fetcher *f, uint8_t *pkt)
{
	uint16_t pid = ts_pid(pkt);
	uint8_t disc[TS_PACKET_SIZE];

	if (pid == TS_PID_NULL ||
	    !(f->disc_pending[pid / 8] & (1u << (pid % 8))))
		return;
	f->disc_pending[pid / 8] &= (uint8_t)~(1u << (pid % 8));
	if (ts_set_discontinuity(pkt))
		return;
	/* No adaptation field to flag: an AF-only packet goes first; it
	 * does not advance the counter, so it takes the previous value. */
	ts_make_discontinuity(disc, pid, (ts_cc(pkt) + 15) % 16);
	fetch_append(f, disc);
}

static void
fetch_packet(struct fetcher *f, uint8_t *pkt)
{
	uint64_t pcr, pos;
	int flags;

	if (f->splice)
		fetch_splice_packet(f, pkt);
	pos = ring_head(&f->ring) + f->batch_len;
	flags = tsscan_packet(&f->scan, pkt, &pcr);
	if ((flags & TS_F_PCR) && (!f->scan.have_pcr_pid ||
	    ts_pid(pkt) == f->scan.pcr_pid)) {
		f->last_pcr = pcr;
		f->have_pcr = 1;
	}
	if (flags & TS_F_PAT) {
		f->last_pat_pos = pos;
		f->pat_since_rap = 1;
		/* audio-only programmes: every PAT is a start point */
		if (f->scan.have_pmt_pid && !f->scan.have_video &&
		    f->scan.packets > FETCH_AUDIO_ONLY_PACKETS)
			fetch_add_rap(f, pos);
	}
	if ((flags & TS_F_KEYFRAME) && f->pat_since_rap) {
		fetch_add_rap(f, f->last_pat_pos);
		fetch_segment_at_rap(f, f->last_pat_pos);
		f->pat_since_rap = 0;
	}
	fetch_append(f, pkt);
}

static void
fetch_healthy(struct fetcher *f)
{
	struct stream_slot *s = &f->st->streams[f->slot];

	if (f->unhealthy) {
		double silent = (double)(now_ms() - f->last_data_ms) / 1000.0;

		f->unhealthy = 0;
		log_info("upstream healthy again after %.1f s", silent);
		fetch_event_url(f, "upstream_healthy", NULL, NULL, "silent_for",
		    silent);
	}
	atomic_store(&s->healthy, 1);
	atomic_store(&s->state, STREAM_RUNNING);
}

void
fetch_note_data(struct fetcher *f, size_t len)
{
	atomic_fetch_add(&f->st->streams[f->slot].bytes_in, len);
	if (f->attempt_bytes == 0)
		fetch_event_connected(f);
	f->attempt_bytes += len;
	if (f->unhealthy || !atomic_load(&f->st->streams[f->slot].healthy) ||
	    atomic_load(&f->st->streams[f->slot].state) != STREAM_RUNNING)
		fetch_healthy(f);
	f->last_data_ms = now_ms();
}

void
fetch_ingest(struct fetcher *f, const uint8_t *buf, size_t len)
{
	uint8_t out[TS_PACKET_SIZE * FETCH_INGEST_PACKETS];
	uint64_t start = metrics_start();
	size_t consumed, n, i;

	if (len == 0)
		return;
	fetch_note_data(f, len);
	while (len > 0) {
		n = ts_sync_feed(&f->sync, buf, len, &consumed, out,
		    sizeof(out));
		for (i = 0; i < n; i += TS_PACKET_SIZE)
			fetch_packet(f, out + i);
		buf += consumed;
		len -= consumed;
		if (consumed == 0 && n == 0)
			break;
	}
	fetch_flush_due(f);	/* small reads are coalesced: fewer wake-ups */
	metrics_end(f->metrics, f->mslot, METRICS_TS_INGEST, start, 1);
}

void
fetch_keepalive(struct fetcher *f)
{
	uint8_t nulls[TS_PACKET_SIZE * FETCH_NULL_PACKETS];
	uint64_t now = now_ms();
	int i;

	if (now - f->last_data_ms < FETCH_NULL_AFTER_MS ||
	    now - f->last_null_ms < FETCH_NULL_EVERY_MS)
		return;
	if (atomic_load(&f->st->streams[f->slot].healthy)) {
		atomic_store(&f->st->streams[f->slot].healthy, 0);
		log_debug("upstream silent; sending null packets to clients");
	}
	for (i = 0; i < FETCH_NULL_PACKETS; i++)
		ts_make_null(nulls + i * TS_PACKET_SIZE);
	fetch_flush(f);
	if (ring_write(&f->ring, nulls, sizeof(nulls)) == 0)
		state_notify(f->st);
	f->last_null_ms = now;
}

/* ---- reading an HTTP(S) TS stream ---- */

static size_t
fetch_http_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetcher *f = arg;

	fetch_ingest(f, (const uint8_t *)data, size * nmemb);
	return size * nmemb;
}

void *
fetch_curl_handle(struct fetcher *f, const char *protocols)
{
	const struct stream_opts *o = &f->sc->opts;
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_USERAGENT, o->user_agent);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(o->connect_timeout * 1000.0));
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->tls_verify ? 2L : 0L);
	if (o->ca_file != NULL && o->ca_file[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
	if (f->headers != NULL)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, f->headers);
	return h;
}

static CURL *
fetch_http_handle(struct fetcher *f, const char *url, char *errbuf)
{
	CURL *h;

	if ((h = fetch_curl_handle(f, "http,https")) == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_http_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)FETCH_READ_BUFFER_BYTES);
	return h;
}

/* 1 when the upstream has been silent for data_timeout. */
static int
fetch_silent_too_long(struct fetcher *f, uint64_t since_ms)
{
	uint64_t last = f->last_data_ms > since_ms ? f->last_data_ms : since_ms;
	uint64_t limit = (uint64_t)((f->attempt_bytes == 0 &&
	    f->sc->start_timeout > 0 ? f->sc->start_timeout :
	    f->sc->opts.data_timeout) * 1000.0);
	double silent;

	if (now_ms() - last < limit)
		return 0;
	silent = (double)(now_ms() - last) / 1000.0;
	snprintf(f->error, sizeof(f->error), "no data for %.1f s", silent);
	if (!f->unhealthy) {
		f->unhealthy = 1;
		atomic_store(&f->st->streams[f->slot].healthy, 0);
		log_warnx("upstream %s unhealthy: silent for %.1f s", f->url,
		    silent);
		fetch_event_url(f, "upstream_unhealthy", NULL, NULL,
		    "silent_for", silent);
	}
	return 1;
}

/*
 * Wait for upstream data, a supervisor message or the publish deadline.
 * While a batch is pending, the upstream socket is left alone until the
 * deadline: its bytes gather in the kernel and are read in one go, so
 * the fetcher wakes once or twice a batch instead of once an upstream
 * write (hundreds a second for a paced source).
 */
static void
fetch_wait(struct fetcher *f, CURLM *multi, struct curl_waitfd *chan)
{
	struct pollfd pfd = { f->chan, POLLIN, 0 };
	int wait_ms = fetch_flush_due(f);

	chan->revents = 0;
	if (f->batch_len > 0) {
		if (poll(&pfd, 1, wait_ms) > 0)
			fetch_check_channel(f);
		return;
	}
	curl_multi_poll(multi, chan, 1, wait_ms, NULL);
	if (chan->revents)
		fetch_check_channel(f);
}

enum fetch_result
fetch_read_http(struct fetcher *f, const char *url)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_waitfd extra = { f->chan, CURL_WAIT_POLLIN, 0 };
	enum fetch_result res = FETCH_ERROR;
	uint64_t started = now_ms();
	CURLM *multi;
	CURLMsg *cm;
	CURL *h;
	int running = 1, left;

	if ((multi = curl_multi_init()) == NULL ||
	    (h = fetch_http_handle(f, url, errbuf)) == NULL) {
		snprintf(f->error, sizeof(f->error), "cannot set up libcurl");
		if (multi != NULL)
			curl_multi_cleanup(multi);
		return FETCH_ERROR;
	}
	curl_multi_add_handle(multi, h);
	f->http_ended = 0;
	while (running && !fetch_stopping) {
		curl_multi_perform(multi, &running);
		while ((cm = curl_multi_info_read(multi, &left)) != NULL) {
			if (cm->msg != CURLMSG_DONE)
				continue;
			if (cm->data.result == CURLE_HTTP_RETURNED_ERROR)
				curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE,
				    &f->http_status);
			f->http_ended = cm->data.result == CURLE_OK;
			if (cm->data.result == CURLE_OK)
				snprintf(f->error, sizeof(f->error),
				    "upstream closed the connection");
			else
				str_copy(f->error, errbuf[0] ? errbuf :
				    curl_easy_strerror(cm->data.result),
				    sizeof(f->error));
			running = 0;
		}
		if (!running)
			break;
		fetch_keepalive(f);
		if (fetch_silent_too_long(f, started))
			break;
		fetch_wait(f, multi, &extra);
	}
	if (fetch_stopping)
		res = FETCH_STOP;
	curl_multi_remove_handle(multi, h);
	curl_easy_cleanup(h);
	curl_multi_cleanup(multi);
	return res;
}

/* ---- the source loop ---- */

static int
fetch_url_count(const struct stream_conf *sc)
{
	return 1 + sc->n_backup_urls;
}

static const char *
fetch_url_at(const struct stream_conf *sc, int i)
{
	return i == 0 ? sc->url : sc->backup_urls[i - 1];
}

void
fetch_idle(struct fetcher *f, uint64_t ms)
{
	uint64_t until = now_ms() + ms;
	struct pollfd pfd = { f->chan, POLLIN, 0 };

	while (!fetch_stopping && now_ms() < until) {
		uint64_t left = until - now_ms();

		fetch_keepalive(f);
		if (poll(&pfd, 1, (int)(left < FETCH_POLL_MS ? left :
		    FETCH_POLL_MS)) > 0)
			fetch_check_channel(f);
	}
}

static void
fetch_report_error(struct fetcher *f, double retry_in)
{
	struct stream_slot *s = &f->st->streams[f->slot];

	log_warnx("upstream %s: %s; retrying in %.1f s", f->url, f->error,
	    retry_in);
	state_slot_set_info(f->st, f->slot, NULL, f->error);
	atomic_fetch_add(&s->reconnects, 1);
	atomic_store(&s->healthy, 0);
	atomic_store(&s->state, STREAM_RETRYING);
	fetch_event_url(f, "upstream_error", "error", f->error, "retry_in",
	    retry_in);
}

/* The index in SOURCES of the first source that reads URL, or -1. */
static int
fetch_source_for(struct fetcher *f, const struct fetch_source *const *sources,
    const char *url)
{
	int i;

	for (i = 0; sources[i] != NULL; i++)
		if (sources[i]->accepts(f->sc, url))
			return i;
	return -1;
}

static void
fetch_states_free(void **states, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(states[i]);
	free(states);
}

/* A zeroed block of state_size bytes for each source of SOURCES that
 * keeps state (NULL for the others), in table order; NULL when out of
 * memory. */
static void **
fetch_states_new(const struct fetch_source *const *sources)
{
	void **states;
	size_t n, i;

	for (n = 0; sources[n] != NULL; n++)
		;
	if ((states = calloc(n + 1, sizeof(*states))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (sources[i]->state_size > 0 && (states[i] =
		    calloc(1, sources[i]->state_size)) == NULL) {
			fetch_states_free(states, n);
			return NULL;
		}
	return states;
}

/* fetch_run ends: every source's done(), with its state; then the
 * states go. */
static void
fetch_sources_done(struct fetcher *f, const struct fetch_source *const *sources,
    void **states)
{
	size_t i;

	for (i = 0; sources[i] != NULL; i++)
		if (sources[i]->done != NULL) {
			f->src = sources[i];
			f->src_state = states[i];
			sources[i]->done(f);
		}
	fetch_states_free(states, i);
	f->src = NULL;
	f->src_state = NULL;
}

/*
 * With not_found_ends (streams pulled from a parent ringcast): a 404 is
 * an answer, not a failure.  The next URL is tried at once, and when
 * every URL said 404 in a row before this stream got a byte, the stream
 * does not exist upstream: 1.
 */
static int
fetch_not_found(struct fetcher *f, int *streak, int *skip_wait)
{
	*skip_wait = 0;
	if (!f->sc->not_found_ends || f->http_status != 404 ||
	    atomic_load(&f->st->streams[f->slot].bytes_in) > 0) {
		*streak = 0;
		return 0;
	}
	*skip_wait = 1;
	return ++*streak >= fetch_url_count(f->sc);
}

enum fetch_result
fetch_run(struct fetcher *f, const struct fetch_source *const *sources)
{
	const struct stream_conf *sc = f->sc;
	double backoff = sc->opts.retry_min;
	int idx = 0, failed_in_cycle = 0, streak404 = 0, skip_wait;
	int src_index;
	enum fetch_result res = FETCH_STOP;
	void **states;

	if ((states = fetch_states_new(sources)) == NULL) {
		log_warn("cannot allocate the sources' state");
		return FETCH_STOP;
	}
	while (!fetch_stopping) {
		f->url = fetch_url_at(sc, idx);
		f->attempt_bytes = 0;
		f->http_status = 0;
		f->error[0] = '\0';
		state_slot_set_info(f->st, f->slot, f->url, NULL);
		if ((src_index = fetch_source_for(f, sources, f->url)) != -1) {
			f->src = sources[src_index];
			f->src_state = states[src_index];
			res = f->src->run(f, f->url);
		} else {
			snprintf(f->error, sizeof(f->error),
			    "no source reads %s", f->url);
			res = FETCH_ERROR;
		}
		fetch_flush(f);
		if (res != FETCH_ERROR || fetch_stopping)
			break;
		if (f->attempt_bytes > 0) {
			backoff = sc->opts.retry_min;
			failed_in_cycle = 0;
		} else
			failed_in_cycle++;
		if (fetch_not_found(f, &streak404, &skip_wait)) {
			log_info("no stream %s upstream (404)", sc->name);
			state_slot_set_info(f->st, f->slot, NULL, f->error);
			if (msg_send(f->chan, MSG_STREAM_NOT_FOUND, NULL, 0) == -1)
				log_warn("cannot tell the supervisor");
			res = FETCH_STOP;
			break;
		}
		fetch_report_error(f, skip_wait ? 0.0 : backoff);
		fetch_mark_splice(f);
		if (!skip_wait)
			fetch_idle(f, (uint64_t)(backoff * 1000.0));
		if (fetch_url_count(sc) > 1) {
			idx = (idx + 1) % fetch_url_count(sc);
			atomic_fetch_add(&f->st->streams[f->slot].failovers, 1);
		}
		if (failed_in_cycle >= fetch_url_count(sc)) {
			failed_in_cycle = 0;
			backoff *= 2;
			if (backoff > sc->opts.retry_max)
				backoff = sc->opts.retry_max;
		}
	}
	fetch_sources_done(f, sources, states);
	return res;
}

int
fetch_open(struct fetcher *f, const char *ring_name)
{
	if (ring_open(&f->ring, ring_name, 1) == -1)
		return -1;
	atomic_store(&f->ring.hdr->writer_pid, (int32_t)getpid());
	tsscan_init(&f->scan);
	f->last_data_ms = now_ms();
	f->cut_segments = f->sc->type == STREAM_TS;
	if (f->cut_segments)
		atomic_store(&f->st->streams[f->slot].hls_target_ms,
		    (uint32_t)(f->sc->segment_duration * 1000.0 + 999) /
		    1000 * 1000);
	if (ring_last_segment(&f->ring, &f->seg) == 0) {
		f->next_seq = f->seg.seq + 1;	/* continue its numbering */
		f->disc_count = f->seg.disc_seq;
	}
	if (ring_head(&f->ring) > 0)	/* a predecessor wrote here */
		fetch_mark_splice(f);
	if (f->sc->request_header != NULL && (f->headers =
	    curl_slist_append(NULL, f->sc->request_header)) == NULL) {
		ring_close(&f->ring);
		return -1;
	}
	return 0;
}

void
fetch_close(struct fetcher *f, enum fetch_result res)
{
	fetch_flush(f);
	if (res == FETCH_EOF) {
		ring_mark_ended(&f->ring);	/* after the last bytes */
		log_info("upstream ended");
		if (msg_send(f->chan, MSG_STREAM_EOF, NULL, 0) == -1)
			log_warn("cannot tell the supervisor the stream ended");
	}
	curl_slist_free_all(f->headers);
	f->headers = NULL;
	ring_close(&f->ring);
}
