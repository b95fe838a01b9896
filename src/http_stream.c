/*
 * http_stream.c - GET /stream/NAME: continuous MPEG-TS from the ring.
 *
 * Each client has its own 64-bit position in the stream's ring and starts
 * at the newest random-access point (a PAT before a keyframe), so the
 * player gets a burst it can decode at once.  When a client has caught up
 * its connection is suspended (MHD_suspend_connection) and put on the
 * worker's list; the worker's wake loop resumes it when the fetcher
 * publishes more.  A client that falls more than a ring behind jumps to
 * the newest random-access point and is counted: a slow reader never
 * holds anything the fetcher or another client waits for.
 *
 * A client of a stream whose fetcher is not running asks the supervisor
 * to start it and waits suspended (no worker thread blocks) until the
 * first random-access point arrives or buffer_ready_timeout passes (503).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "util.h"
#include "worker.h"

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

/* ---- ring mappings (under w->lock) ---- */

void
ring_ref_put(struct worker *w, struct ring_ref *rr)
{
	if (rr == NULL || --rr->refs > 0 || rr->current)
		return;
	ring_close(&rr->ring);
	free(rr);
}

/* The slot's current ring generation, mapped; NULL when it has none. */
struct ring_ref *
ring_ref_get(struct worker *w, int slot)
{
	uint64_t gen = atomic_load(&w->st->streams[slot].ring_gen);
	struct ring_ref *rr = w->rings[slot];
	char name[STATE_SHM_NAME_MAX];

	if (rr != NULL && rr->gen == gen)
		return rr;
	if (rr != NULL) {
		w->rings[slot] = NULL;
		rr->current = 0;
		rr->refs++;
		ring_ref_put(w, rr);
	}
	if (gen == 0)
		return NULL;
	if ((rr = calloc(1, sizeof(*rr))) == NULL)
		return NULL;
	ring_shm_name(name, sizeof(name), w->st->supervisor_pid, slot, gen);
	if (ring_open(&rr->ring, name, 0) == -1) {
		free(rr);
		return NULL;
	}
	rr->gen = gen;
	rr->slot = slot;
	rr->current = 1;
	w->rings[slot] = rr;
	return rr;
}

/* ---- client bookkeeping ---- */

static void
client_event(struct client *c, const char *event)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", event);
	json_kv_str(&b, "stream", c->name);
	json_kv_str(&b, "client", c->addr);
	json_kv_str(&b, "kind", "ts");
	if (strcmp(event, "client_disconnected") == 0) {
		json_kv_uint(&b, "bytes", c->bytes);
		json_kv_double(&b, "seconds",
		    (double)(now_ms() - c->started_ms) / 1000.0);
	}
	buf_puts(&b, "}");
	if (!b.failed)
		worker_event(c->w, b.data);
	buf_free(&b);
}

void
http_peer_addr(struct MHD_Connection *conn, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	str_copy(out, "unknown", outsz);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    out, (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		    (socklen_t)outsz);
}

static void
suspended_add(struct worker *w, struct client *c)
{
	c->suspended = 1;
	c->prev = NULL;
	c->next = w->suspended;
	if (w->suspended != NULL)
		w->suspended->prev = c;
	else
		w->suspended_tail = c;
	w->suspended = c;
	w->n_suspended++;
}

static void
suspended_del(struct worker *w, struct client *c)
{
	if (!c->suspended)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->suspended = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		w->suspended_tail = c->prev;
	c->prev = c->next = NULL;
	c->suspended = 0;
	w->n_suspended--;
}

static void
client_suspend(struct worker *w, struct client *c)
{
	if (w->suspended == NULL)	/* the wake loop sleeps on its own */
		pthread_cond_signal(&w->first_waiter);
	c->suspended_ms = now_ms();
	suspended_add(w, c);
	MHD_suspend_connection(c->conn);
}

void
http_client_suspend(struct worker *w, struct client *c)
{
	client_suspend(w, c);
}

/* 1 when the slot still carries the stream this client asked for. */
static int
client_stream_alive(struct worker *w, struct client *c)
{
	struct slot_cfg cfg;

	return state_slot_read(w->st, c->slot, &cfg) == 0 && cfg.in_use &&
	    strcmp(cfg.name, c->name) == 0;
}

/* The stream was stopped (ringcastctl stop, idle): end the response. */
static int
client_stream_stopped(struct worker *w, struct client *c)
{
	return atomic_load(&w->st->streams[c->slot].ring_gen) == 0 &&
	    atomic_load(&w->st->streams[c->slot].state) == STREAM_STOPPED;
}

/* Where a new reader should start in RR: 0 and *POS, or -1 (not yet). */
static int
client_start_pos(struct client *c, struct ring_ref *rr, uint64_t *pos)
{
	struct ring_seg seg;
	uint64_t head;

	if (c->kind == CLIENT_HLS) {
		*pos = 0;
		return ring_segments(&rr->ring, &seg, 1) > 0 ? 0 : -1;
	}
	if (ring_latest_rap(&rr->ring, pos) == 0)
		return 0;
	head = ring_head(&rr->ring);
	if (head > 0 && now_ms() - c->started_ms >= WORKER_RAP_WAIT_MS) {
		*pos = head;	/* no keyframe found: join at the edge */
		return 0;
	}
	return -1;
}

/* ---- the streaming response ---- */

/* Move to the slot's newest ring if it changed (fetcher restarted). */
static int
client_follow_ring(struct worker *w, struct client *c)
{
	struct ring_ref *rr = ring_ref_get(w, c->slot);
	uint64_t pos;

	if (rr == c->rr)
		return 0;
	if (rr == NULL || client_start_pos(c, rr, &pos) == -1)
		return -1;
	rr->refs++;
	ring_ref_put(w, c->rr);
	c->rr = rr;
	c->pos = pos;
	return 0;
}

static ssize_t
client_fill(struct worker *w, struct client *c, char *buf, size_t max)
{
	ssize_t n;
	uint64_t pos;

	if (c->ending || atomic_load(&w->stopping) ||
	    !client_stream_alive(w, c) || client_stream_stopped(w, c))
		return MHD_CONTENT_READER_END_OF_STREAM;
	client_follow_ring(w, c);
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
	pthread_mutex_lock(&w->lock);
	n = client_fill(w, c, buf, max);
	if (n == 0)
		client_suspend(w, c);
	pthread_mutex_unlock(&w->lock);
	if (n > 0) {
		c->bytes += (uint64_t)n;
		atomic_fetch_add_explicit(&w->st->streams[c->slot].bytes_out,
		    (uint64_t)n, memory_order_relaxed);
	}
	return n;
}

static enum MHD_Result
stream_respond(struct worker *w, struct client *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    WORKER_BLOCK_BYTES, stream_reader, c, NULL);
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
	client_event(c, "client_connected");
	ret = http_queue(c->conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
stream_busy(struct MHD_Connection *conn, const char *msg)
{
	struct MHD_Response *r;
	struct buf b;
	enum MHD_Result ret;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "error", msg);
	buf_puts(&b, "}\n");
	r = MHD_create_response_from_buffer(b.len, b.data,
	    MHD_RESPMEM_MUST_COPY);
	buf_free(&b);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Retry-After", "5");
	ret = http_queue(conn, MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return ret;
}

static struct client *
client_new(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, enum client_kind kind)
{
	struct client *c;
	uint32_t wait_ms = cfg->buffer_ready_timeout_ms;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (kind == CLIENT_HLS && cfg->hls_first_segment_timeout_ms > wait_ms)
		wait_ms = cfg->hls_first_segment_timeout_ms;
	c->w = w;
	c->conn = conn;
	c->slot = slot;
	c->kind = kind;
	str_copy(c->name, cfg->name, sizeof(c->name));
	c->started_ms = now_ms();
	c->deadline_ms = c->started_ms + (wait_ms ? wait_ms : 30000);
	http_peer_addr(conn, c->addr, sizeof(c->addr));
	return c;
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
	if ((c = client_new(w, conn, slot, cfg, CLIENT_TS)) == NULL) {
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

/* Try to begin streaming: 1 started, 0 keep waiting, -1 give up. */
static int
client_try_start(struct worker *w, struct client *c)
{
	struct ring_ref *rr;
	uint64_t pos;

	if (c->rr != NULL)
		return 1;
	if (!client_stream_alive(w, c))
		return -1;
	if ((rr = ring_ref_get(w, c->slot)) != NULL &&
	    client_start_pos(c, rr, &pos) == 0) {
		rr->refs++;
		c->rr = rr;
		c->pos = pos;
		return 1;
	}
	if (now_ms() >= c->deadline_ms || atomic_load(&w->stopping))
		return -1;
	return 0;
}

void
http_request_fetcher(struct worker *w, int slot)
{
	int32_t v = slot;

	atomic_store(&w->st->streams[slot].want_start, 1);
	if (atomic_load(&w->st->streams[slot].fetcher_pid) == 0 &&
	    msg_send(w->chan, MSG_STREAM_WANT, &v, sizeof(v)) == -1)
		log_warn("cannot ask the supervisor to start slot %d", slot);
}

/* Under w->lock: 1 ready, 0 suspended now, -1 gave up. */
static int
client_wait(struct worker *w, struct client *c)
{
	int rc = client_try_start(w, c);

	if (rc == 0) {
		http_request_fetcher(w, c->slot);
		client_suspend(w, c);
	}
	return rc;
}

int
http_wait_stream(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, enum client_kind kind, void **con_cls)
{
	struct client *c = *con_cls;
	int rc;

	if (c == NULL) {
		if ((c = client_new(w, conn, slot, cfg, kind)) == NULL)
			return -1;
		pthread_mutex_lock(&w->lock);
		w->n_clients++;
		pthread_mutex_unlock(&w->lock);
		*con_cls = c;
	}
	pthread_mutex_lock(&w->lock);
	rc = client_wait(w, c);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

enum MHD_Result
http_stream_request(struct worker *w, struct MHD_Connection *conn,
    const char *name, int head_only, void **con_cls)
{
	struct client *c = *con_cls;
	struct slot_cfg cfg;
	const char *why = NULL;
	int slot, rc;

	if (c == NULL) {
		if ((slot = state_find(w->st, name)) == -1 ||
		    state_slot_read(w->st, slot, &cfg) == -1)
			return http_error(conn, MHD_HTTP_NOT_FOUND,
			    "no such stream");
		if (atomic_load(&w->st->streams[slot].encrypted))
			return http_error(conn, MHD_HTTP_CONFLICT, "the stream"
			    " is encrypted (AES-128): play /hls/NAME/index.m3u8");
		if (head_only)
			return http_reply(conn, MHD_HTTP_OK, "video/mp2t", "", 0);
		if ((c = client_admit(w, conn, slot, &cfg, &why)) == NULL)
			return stream_busy(conn, why);
		*con_cls = c;
	}
	pthread_mutex_lock(&w->lock);
	rc = client_wait(w, c);
	pthread_mutex_unlock(&w->lock);
	if (rc == 1)
		return stream_respond(w, c);
	if (rc == 0)
		return MHD_YES;
	if (!client_stream_alive(w, c))
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	return stream_busy(conn, "upstream not ready in time");
}

void
http_stream_completed(struct worker *w, struct client *c)
{
	pthread_mutex_lock(&w->lock);
	suspended_del(w, c);
	ring_ref_put(w, c->rr);
	c->rr = NULL;
	w->n_clients--;
	pthread_mutex_unlock(&w->lock);
	if (c->counted) {
		atomic_fetch_sub(&w->st->clients[w->row][c->slot], 1);
		atomic_fetch_sub(&w->st->workers[w->row].clients, 1);
		if (c->announced)
			client_event(c, "client_disconnected");
	}
	if (c->done != NULL)
		c->done(w, c);
	free(c);
}

/* Under w->lock: can this suspended client make progress? */
static int
client_ready(struct worker *w, struct client *c)
{
	uint64_t gen;

	if (c->ending || atomic_load(&w->stopping))
		return 1;
	if (c->ready != NULL)
		return c->ready(w, c);
	if (c->kind == CLIENT_ADMIN)
		return c->admin_done || now_ms() >= c->deadline_ms;
	if (c->phase == CLIENT_WAIT_START)
		return now_ms() >= c->deadline_ms ||
		    client_try_start(w, c) != 0;
	gen = atomic_load(&w->st->streams[c->slot].ring_gen);
	return gen != c->rr->gen || ring_head(&c->rr->ring) != c->pos ||
	    client_stream_stopped(w, c) ||
	    atomic_load(&w->st->streams[c->slot].state) == STREAM_ENDED;
}

int
http_stream_wake(struct worker *w, int max)
{
	struct client *c, *prev;
	uint64_t now = now_ms();
	int n = 0;

	for (c = w->suspended_tail; c != NULL; c = prev) {
		prev = c->prev;
		if (max > 0 && now - c->suspended_ms < WORKER_REVIVE_MS &&
		    !client_ready(w, c))
			continue;
		if (max > 0 && n == max)
			return 1;
		suspended_del(w, c);
		MHD_resume_connection(c->conn);
		n++;
	}
	return 0;
}

void
http_stream_end_all(struct worker *w)
{
	struct client *c;

	pthread_mutex_lock(&w->lock);
	for (c = w->suspended; c != NULL; c = c->next)
		c->ending = 1;
	http_stream_wake(w, 0);
	pthread_mutex_unlock(&w->lock);
}
