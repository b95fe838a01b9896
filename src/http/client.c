/*
 * client.c - the life of a worker's connections that outlive one call of
 * the access handler: the ring mappings they share, waiting suspended
 * for a stream (or the supervisor), and the wake loop that resumes them.
 *
 * A ring generation is mapped once per worker (struct ring_ref) and
 * shared by every connection reading it; the mapping is freed with the
 * last one that used an old generation.  A client that has to wait (for
 * a stream's first data, for the supervisor's answer) is put on the
 * worker's suspended list and its connection suspended; the worker's
 * wake loop (http_wake, under w->lock) resumes the ones that can
 * progress, oldest first, and revives every one now and then so that
 * libmicrohttpd notices a player that went away.  Nothing here blocks a
 * thread.
 *
 * A waiting client whose stream went away gets the stream's last word:
 * an engine's refusal of its content, which the supervisor writes to the
 * state segment (ace_state.h) before it ends the stream, else a 404.
 *
 * Below the routes and the worker (which call it), above http.c (events
 * and requests to the supervisor, the peer's address): it never names a
 * route, the dispatcher or the worker.
 */
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#include "client.h"
#include "clients_view.h"
#include "http.h"
#include "log.h"
#include "util.h"

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

void
http_client_event(struct client *c, const char *event)
{
	struct http_client_ev ev = {
		.event = event, .stream = c->name, .client = c->addr,
		.kind = "ts", .edge = c->edge, .user = c->user,
		.bytes = c->bytes,
		.seconds = (double)(now_ms() - c->started_ms) / 1000.0,
	};

	http_event_client(c->w, &ev);
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
	CLIENT_LIST_REMOVE(w->suspended, w->suspended_tail, c, prev, next);
	c->suspended = 0;
	w->n_suspended--;
}

void
http_client_suspend(struct worker *w, struct client *c)
{
	if (w->suspended == NULL)	/* the wake loop sleeps on its own */
		pthread_cond_signal(&w->first_waiter);
	c->suspended_ms = now_ms();
	suspended_add(w, c);
	MHD_suspend_connection(c->conn);
}

/* 1 when the slot still carries the stream this client asked for. */
int
http_client_stream_alive(struct worker *w, struct client *c)
{
	struct slot_cfg cfg;

	return state_slot_read(w->st, c->slot, &cfg) == 0 && cfg.in_use &&
	    strcmp(cfg.name, c->name) == 0;
}

/* The stream was stopped (ringcastctl stop, idle): end the response. */
int
http_client_stream_stopped(struct worker *w, struct client *c)
{
	return atomic_load(&w->st->streams[c->slot].ring_gen) == 0 &&
	    atomic_load(&w->st->streams[c->slot].state) == STREAM_STOPPED;
}

int
http_client_follow_ring(struct worker *w, struct client *c)
{
	struct ring_ref *rr = ring_ref_get(w, c->slot);
	uint64_t pos;

	if (rr == c->rr)
		return 0;
	if (rr == NULL || http_client_start_pos(c, rr, &pos) == -1)
		return -1;
	rr->refs++;
	ring_ref_put(w, c->rr);
	c->rr = rr;
	c->pos = pos;
	return 0;
}

/* Where a new reader should start in RR: 0 and *POS, or -1 (not yet). */
int
http_client_start_pos(struct client *c, struct ring_ref *rr, uint64_t *pos)
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
	if (head > 0 && now_ms() - c->started_ms >= HTTP_RAP_WAIT_MS) {
		*pos = head;	/* no keyframe found: join at the edge */
		return 0;
	}
	return -1;
}

struct client *
http_client_new(struct worker *w, struct MHD_Connection *conn, int slot,
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
	c->rec = -1;
	c->route = cfg->origin == STREAM_ORIGIN_ACE ? CLIENT_ROUTE_ACE :
	    CLIENT_ROUTE_TS;
	c->started_ms = now_ms();
	c->deadline_ms = c->started_ms + (wait_ms ? wait_ms : HTTP_CLIENT_WAIT_MS);
	http_peer_addr(conn, c->addr, sizeof(c->addr));
	/* the user access control let in: new requests are checked first */
	http_client_user_note(c, conn);
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
	if (!http_client_stream_alive(w, c))
		return -1;
	if ((rr = ring_ref_get(w, c->slot)) != NULL &&
	    http_client_start_pos(c, rr, &pos) == 0) {
		rr->refs++;
		c->rr = rr;
		c->pos = pos;
		return 1;
	}
	if (now_ms() >= c->deadline_ms || atomic_load(&w->stopping))
		return -1;
	return 0;
}

/* Under w->lock: 1 ready, 0 suspended now, -1 gave up. */
int
http_client_wait(struct worker *w, struct client *c)
{
	int rc = client_try_start(w, c);

	if (rc == 0) {
		http_request_fetcher(w, c->slot);
		http_client_suspend(w, c);
	}
	return rc;
}

int
http_client_wait_answer(struct worker *w, struct client *c)
{
	int wait;

	pthread_mutex_lock(&w->lock);
	wait = !c->admin_done && !atomic_load(&w->stopping) &&
	    now_ms() < c->deadline_ms;
	if (wait)
		http_client_suspend(w, c);
	pthread_mutex_unlock(&w->lock);
	return wait;
}

int
http_wait_stream(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, enum client_kind kind, void **con_cls)
{
	struct client *c = *con_cls;
	int rc;

	if (c == NULL) {
		if ((c = http_client_new(w, conn, slot, cfg, kind)) == NULL)
			return -1;
		pthread_mutex_lock(&w->lock);
		w->n_clients++;
		pthread_mutex_unlock(&w->lock);
		*con_cls = c;
	}
	pthread_mutex_lock(&w->lock);
	rc = http_client_wait(w, c);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void
http_client_completed(struct worker *w, struct client *c)
{
	pthread_mutex_lock(&w->lock);
	suspended_del(w, c);
	ring_ref_put(w, c->rr);
	c->rr = NULL;
	w->n_clients--;
	pthread_mutex_unlock(&w->lock);
	if (c->edge[0] != '\0')
		atomic_fetch_sub(&w->st->edges[w->row][c->slot], 1);
	if (c->counted) {
		atomic_fetch_sub(&w->st->clients[w->row][c->slot], 1);
		atomic_fetch_sub(&w->st->workers[w->row].clients, 1);
		if (c->announced)
			http_client_event(c, "client_disconnected");
	}
	client_table_release(&w->st->client_tab, c->rec);
	if (c->done != NULL)
		c->done(w, c);
	free(c);
}

void
http_client_listed(struct worker *w, struct client *c)
{
	const char *ua = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);

	c->fig_ms = now_ms();
	c->rec = client_table_claim(&w->st->client_tab, w->row, c->slot,
	    c->route, wall_ms(), c->addr, ua, c->user);
}

int
http_client_over_limit(struct worker *w, struct client *c)
{
	int oldest;

	if (c->user_max <= 0 || c->user[0] == '\0' || c->rec < 0 ||
	    clients_of_user(w->st, c->user, &oldest) <= c->user_max)
		return 0;
	client_table_release(&w->st->client_tab, c->rec);
	c->rec = -1;
	atomic_fetch_add(&w->st->access_refused[STATE_REFUSED_OVER_LIMIT], 1);
	return 1;
}

int
http_client_closing(struct worker *w, struct client *c)
{
	if (!client_table_closing(&w->st->client_tab, c->rec))
		return 0;
	if (!c->ending)
		log_info("client %s (user %s) of %s closed: its user opened "
		    "more than max_connections", c->addr, c->user, c->name);
	c->ending = 1;
	return 1;
}

/* How many milliseconds of C's stream the LAG bytes behind its head
 * hold, from the newest segment's bytes and duration. */
static uint32_t
client_lag_ms(const struct client *c, uint64_t lag)
{
	struct ring_seg seg;
	uint64_t ms;

	if (lag == 0)
		return 0;
	if (ring_last_segment(&c->rr->ring, &seg) == -1 || seg.len == 0 ||
	    seg.duration_us == 0)
		return CLIENT_LAG_UNKNOWN;
	ms = lag * (seg.duration_us / 1000) / seg.len;
	return ms >= CLIENT_LAG_UNKNOWN ? CLIENT_LAG_UNKNOWN - 1 :
	    (uint32_t)ms;
}

/* Bytes C's socket holds that its player has not had yet (SIOCOUTQ: not
 * acknowledged), which the kernel may have taken megabytes of: 0 when
 * not known (libmicrohttpd holds the socket). */
static uint64_t
client_queued(const struct client *c)
{
	int n = 0;

	if (c->fan != FAN_TAKEN || c->fd < 0 ||
	    ioctl(c->fd, SIOCOUTQ, &n) == -1 || n < 0)
		return 0;
	return (uint64_t)n;
}

void
http_client_figures(struct worker *w, struct client *c, uint64_t now)
{
	uint64_t head, rate, queued, got;

	if (c->rec < 0 || c->rr == NULL || now < c->fig_ms + HTTP_FIGURES_MS)
		return;
	/* what the player has had: what was sent, less what its socket
	 * still holds */
	queued = client_queued(c);
	got = c->bytes > queued ? c->bytes - queued : 0;
	rate = got > c->fig_bytes ? (got - c->fig_bytes) * 8000 /
	    (now - c->fig_ms) : 0;
	head = ring_head(&c->rr->ring);
	client_table_figures(&w->st->client_tab, c->rec, got,
	    rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate,
	    client_lag_ms(c, (head > c->pos ? head - c->pos : 0) + queued));
	c->fig_ms = now;
	if (got > c->fig_bytes)
		c->fig_bytes = got;
}

/* Under w->lock: can this suspended client make progress? */
static int
client_ready(struct worker *w, struct client *c)
{
	uint64_t gen;

	if (c->ending || atomic_load(&w->stopping) || http_client_closing(w, c))
		return 1;
	if (c->ready != NULL)
		return c->ready(w, c);
	if (c->kind == CLIENT_ADMIN || c->kind == CLIENT_CREATE)
		return c->admin_done || now_ms() >= c->deadline_ms;
	if (c->phase == CLIENT_WAIT_START)
		return now_ms() >= c->deadline_ms ||
		    client_try_start(w, c) != 0;
	gen = atomic_load(&w->st->streams[c->slot].ring_gen);
	return gen != c->rr->gen || ring_head(&c->rr->ring) != c->pos ||
	    http_client_stream_stopped(w, c) ||
	    atomic_load(&w->st->streams[c->slot].state) == STREAM_ENDED;
}

int
http_wake(struct worker *w, int max)
{
	struct client *c, *prev;
	uint64_t now = now_ms();
	int n = 0;

	for (c = w->suspended_tail; c != NULL; c = prev) {
		prev = c->prev;
		if (max > 0 && now - c->suspended_ms < HTTP_REVIVE_MS &&
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
http_end_all(struct worker *w)
{
	struct client *c;

	pthread_mutex_lock(&w->lock);
	for (c = w->suspended; c != NULL; c = c->next)
		c->ending = 1;
	http_wake(w, 0);
	pthread_mutex_unlock(&w->lock);
}

int
http_client_refused(struct worker *w, struct MHD_Connection *conn,
    const char *name, enum MHD_Result *ret)
{
	char error[ACE_ERROR_MAX + 16];
	struct ace_refusal_view v;
	struct buf b;

	if (ace_state_refusal_get(&w->st->ace, name, now_ms(), &v) == -1)
		return 0;
	snprintf(error, sizeof(error), "engine: %s", v.text);
	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "error", error);
	json_kv_str(&b, "engine", v.engine);
	json_kv_str(&b, "stream", name);
	buf_puts(&b, "}\n");
	*ret = b.failed ? MHD_NO : http_reply(conn, v.status,
	    "application/json", b.data, b.len);
	buf_free(&b);
	return 1;
}

enum MHD_Result
http_client_gone(struct worker *w, struct MHD_Connection *conn,
    const char *name)
{
	enum MHD_Result ret;

	if (http_client_refused(w, conn, name, &ret))
		return ret;
	return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
}
