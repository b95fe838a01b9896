/*
 * http_stream.c - GET /stream/NAME: continuous MPEG-TS from the ring.
 *
 * Each client has its own 64-bit position in the stream's ring and starts
 * at the newest random-access point (a PAT before a keyframe), so the
 * player gets a burst it can decode at once.  libmicrohttpd sends the
 * response head; at the content reader's first call the socket goes to
 * the worker's sender thread (fanout.c), which sends the body from the
 * ring from then on.  Without a sender (it could not start) the reader
 * serves the body itself: when a client has caught up its connection is
 * suspended (MHD_suspend_connection) and put on the worker's list, and
 * the wake loop resumes it when the fetcher publishes more.  Either way a
 * client that falls more than a ring behind jumps to the newest
 * random-access point and is counted: a slow reader never holds anything
 * the fetcher or another client waits for.
 *
 * A client of a stream whose fetcher is not running asks the supervisor
 * to start it and waits suspended (no worker thread blocks) until the
 * first random-access point arrives or buffer_ready_timeout passes (503).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "http.h"
#include "http_edge.h"
#include "log.h"
#include "routes.h"
#include "util.h"

int
http_parse_stream_path(const char *url, char *name, size_t namesz)
{
	const char *p;
	size_t len;

	if (strncmp(url, "/stream/", 8) != 0)
		return -1;
	p = url + 8;
	len = strlen(p);
	if (len > 3 && strcmp(p + len - 3, ".ts") == 0)
		len -= 3;
	if (len == 0 || len >= namesz)
		return -1;
	memcpy(name, p, len);
	name[len] = '\0';
	return config_name_valid(name) ? 0 : -1;
}

static ssize_t
client_fill(struct worker *w, struct client *c, char *buf, size_t max)
{
	ssize_t n;
	uint64_t pos;

	if (c->ending || atomic_load(&w->stopping) ||
	    http_client_closing(w, c) ||
	    !http_client_stream_alive(w, c) || http_client_stream_stopped(w, c))
		return MHD_CONTENT_READER_END_OF_STREAM;
	http_client_follow_ring(w, c);
	n = ring_read(&c->rr->ring, &c->pos, (uint8_t *)buf, max);
	if (n == 0 && atomic_load(&w->st->streams[c->slot].state) ==
	    STREAM_ENDED && c->rr->gen ==
	    atomic_load(&w->st->streams[c->slot].ring_gen))
		return MHD_CONTENT_READER_END_OF_STREAM;	/* upstream ended */
	if (n >= 0)
		return n;
	/* Fell out of the ring: jump to the newest start point. */
	if (ring_latest_rap(&c->rr->ring, &pos) == -1)
		pos = ring_head(&c->rr->ring);
	c->pos = pos;
	atomic_fetch_add(&w->st->streams[c->slot].skipped_clients, 1);
	log_debug("client %s of %s fell behind; skipped ahead", c->addr,
	    c->name);
	n = ring_read(&c->rr->ring, &c->pos, (uint8_t *)buf, max);
	return n > 0 ? n : 0;
}

static ssize_t
stream_reader(void *cls, uint64_t off, char *buf, size_t max)
{
	struct client *c = cls;
	struct worker *w = c->w;
	ssize_t n;

	(void)off;
	if (c->fan == FAN_RETURNED)	/* the sender gave it back */
		return MHD_CONTENT_READER_END_OF_STREAM;
	pthread_mutex_lock(&w->lock);
	if (c->fan == FAN_NONE && fanout_take(w, c) == 0) {
		pthread_mutex_unlock(&w->lock);
		return 0;	/* the head is out: the sender has it */
	}
	n = client_fill(w, c, buf, max);
	if (n == 0)
		http_client_suspend(w, c);
	pthread_mutex_unlock(&w->lock);
	if (n > 0) {
		c->bytes += (uint64_t)n;
		atomic_fetch_add_explicit(&w->st->streams[c->slot].bytes_out,
		    (uint64_t)n, memory_order_relaxed);
		http_client_figures(w, c, now_ms());
	}
	return n;
}

static enum MHD_Result
stream_respond(struct worker *w, struct client *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	/* listed first: another request of its user that passed the check
	 * in the same instant is counted now */
	http_client_listed(w, c);
	if (http_client_over_limit(w, c))
		return http_error_hdr(c->conn, MHD_HTTP_TOO_MANY_REQUESTS,
		    HTTP_OVER_LIMIT_MSG, "Retry-After", HTTP_OVER_LIMIT_RETRY_S);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    HTTP_BLOCK_BYTES, stream_reader, c, NULL);
	if (r == NULL)
		return MHD_NO;
	/* no chunked encoding: players get the raw stream, ended by close */
	MHD_set_response_options(r, MHD_RF_HTTP_1_0_COMPATIBLE_STRICT,
	    MHD_RO_END);
	MHD_add_response_header(r, "Content-Type", "video/mp2t");
	MHD_add_response_header(r, "Cache-Control", "no-cache, no-store");
	c->phase = CLIENT_STREAMING;
	c->announced = 1;
	atomic_fetch_add(&w->st->streams[c->slot].clients_served, 1);
	http_client_event(c, "client_connected");
	ret = http_queue(c->conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Admit a new client; NULL with *WHY set when refused. */
static struct client *
client_admit(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, const char **why)
{
	struct client *c;

	if (state_stream_clients(w->st, slot) >= cfg->max_clients) {
		*why = "stream client limit reached";
		return NULL;
	}
	if (state_total_clients(w->st) >= w->st->max_clients) {
		*why = "server client limit reached";
		return NULL;
	}
	if ((c = http_client_new(w, conn, slot, cfg, CLIENT_TS)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	c->counted = 1;
	atomic_fetch_add(&w->st->clients[w->row][slot], 1);
	atomic_fetch_add(&w->st->workers[w->row].clients, 1);
	pthread_mutex_lock(&w->lock);
	w->n_clients++;
	pthread_mutex_unlock(&w->lock);
	return c;
}

/*
 * An edge ringcast pulling this stream says who it is: remember it, so
 * that events and /status tell edges from players.  An identity that is
 * too long or holds control bytes is ignored (the client stays a player).
 */
static void
client_note_edge(struct worker *w, struct client *c)
{
	const char *id = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
	    CONFIG_EDGE_HEADER);
	size_t i, n;

	if (id == NULL || (n = strlen(id)) == 0 || n >= sizeof(c->edge))
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
			return;
	memcpy(c->edge, id, n + 1);
	atomic_fetch_add(&w->st->edges[w->row][c->slot], 1);
	log_info("edge %s (%s) pulls %s", c->edge, c->addr, c->name);
}

enum MHD_Result
http_stream_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	char name[CONFIG_NAME_MAX + 1];
	struct client *c = *con_cls;
	struct slot_cfg cfg;
	const char *why = NULL;
	enum MHD_Result ret;
	int slot, rc, resolved = 0;

	if ((c == NULL || c->kind == CLIENT_CREATE) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		if (http_parse_stream_path(url, name, sizeof(name)) == -1)
			return http_error(conn, MHD_HTTP_NOT_FOUND,
			    "no such stream");
		/* NAME becomes the stream's (a channel's AceStream id) */
		if (http_edge_resolve(w, conn, name, sizeof(name), con_cls,
		    &ret) == -1)
			return ret;
		c = *con_cls;
		resolved = 1;
	}
	if (c == NULL) {
		if (!resolved && http_parse_stream_path(url, name,
		    sizeof(name)) == -1)
			return http_error(conn, MHD_HTTP_NOT_FOUND,
			    "no such stream");
		/* gone since it was made: an engine's refusal, if it was */
		if ((slot = state_find(w->st, name)) == -1 ||
		    state_slot_read(w->st, slot, &cfg) == -1)
			return http_client_gone(w, conn, name);
		/* a channel the lineup dropped: its players stay, no more */
		if (atomic_load(&w->st->streams[slot].removed))
			return http_error(conn, MHD_HTTP_NOT_FOUND, "the "
			    "channel was removed from the lineup");
		if (atomic_load(&w->st->streams[slot].encrypted))
			return http_error(conn, MHD_HTTP_CONFLICT, "the stream"
			    " is encrypted (AES-128): play /hls/NAME/index.m3u8");
		if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
			return http_reply(conn, MHD_HTTP_OK, "video/mp2t", "", 0);
		if ((c = client_admit(w, conn, slot, &cfg, &why)) == NULL)
			return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    why);
		client_note_edge(w, c);
		*con_cls = c;
	}
	pthread_mutex_lock(&w->lock);
	rc = http_client_wait(w, c);
	pthread_mutex_unlock(&w->lock);
	if (rc == 1)
		return stream_respond(w, c);
	if (rc == 0)
		return MHD_YES;
	if (!http_client_stream_alive(w, c))
		return http_client_gone(w, conn, c->name);
	return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
	    "upstream not ready in time");
}

