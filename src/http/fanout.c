/*
 * fanout.c - a worker's TS sender: the bodies of /stream/NAME responses,
 * sent straight from the ring by one thread on its own epoll set.
 *
 * libmicrohttpd parses the request and sends the response head; the first
 * time it asks the TS content reader for body bytes (the head is then
 * wholly sent), the reader suspends the connection and gives its socket
 * here (fanout_take).  From then on this thread writes the stream with one
 * send() per client and batch, taken from the ring's shared mapping: the
 * bytes are copied once, by the kernel, instead of ring -> libmicrohttpd's
 * buffer -> kernel in 16 KiB blocks, with a suspend, a resume and an
 * event-loop round per block.  A send takes whatever the client has not
 * had yet, up to FANOUT_SEND_MAX_BYTES, so a player that is behind gets
 * larger batches, not more calls.
 *
 * Bytes are sent straight from the mapping only while the writer is at
 * least FANOUT_DIRECT_MARGIN_BYTES from overwriting them, and rechecked
 * after the call (the ring's seqlock rule, ring.c): a reader near the tail
 * copies into a buffer first, which ring_read validates, so what a client
 * gets is never a torn write.  A fetcher that dies mid-write leaves its
 * half-written packets past head, never sent.
 *
 * Clients move between three lists: ready (writable, may have data),
 * waiting (caught up: woken when a fetcher publishes, through the state
 * segment's futex, which a small thread turns into an eventfd kick) and
 * blocked (the socket is full: woken by EPOLLOUT).  A pass sends one batch
 * to each ready client in turn; new clients are adopted between batches,
 * so a new player's first bytes never wait for a whole round.  Every
 * FANOUT_CHECK_MS the clients are checked against their stream (ended,
 * stopped, removed, restarted with a new ring) and for a socket that took
 * nothing for FANOUT_STALL_MS; a client to end is handed back to
 * libmicrohttpd (resumed, its reader ends the response, libmicrohttpd
 * closes the connection and runs the completion callback as before).  A
 * player that hangs up is seen at once (EPOLLRDHUP, EPOLLERR).
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "fanout.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define FANOUT_EVENTS		256	/* epoll events taken a call */
#define FANOUT_ADOPT_EVERY	32	/* batches between looks for new ones */

enum fan_where { FAN_NOWHERE = 0, FAN_READY, FAN_WAITING, FAN_BLOCKED };

enum fan_sent {
	FAN_SENT_MORE,		/* sent, more to send */
	FAN_SENT_IDLE,		/* caught up */
	FAN_SENT_BLOCKED,	/* the socket is full */
	FAN_SENT_GONE		/* the client is to be handed back */
};

struct fan_list {
	struct client	*head, *tail;
	int		 n;
};

struct fanout {
	struct worker	*w;
	int		 ep;		/* epoll set: clients and kick */
	int		 kick;		/* eventfd: published, adopted, quit */
	pthread_t	 sender, waker;
	_Atomic int	 quit;
	_Atomic int	 n;		/* clients held */
	pthread_mutex_t	 mu;		/* incoming */
	struct client	*incoming;	/* taken, not yet adopted */
	_Atomic int	 pending;	/* incoming != NULL */
	struct fan_list	 lists[4];	/* by enum fan_where */
	uint64_t	 last_check_ms;
	uint64_t	 out[STATE_MAX_STREAMS];	/* bytes not yet counted */
	/* fan_check: each slot's stream name, read once a check */
	char		 names[STATE_MAX_STREAMS][CONFIG_NAME_MAX + 1];
	char		 named[STATE_MAX_STREAMS];
	uint8_t		 bounce[FANOUT_SEND_MAX_BYTES];
};

/* ---- lists ---- */

static void
fan_list_del(struct fanout *f, struct client *c)
{
	struct fan_list *l;

	if (c->fan_where == FAN_NOWHERE)
		return;
	l = &f->lists[c->fan_where];
	CLIENT_LIST_REMOVE(l->head, l->tail, c, fan_prev, fan_next);
	c->fan_where = FAN_NOWHERE;
	l->n--;
}

/* Move C into list WHERE, before NEXT (NULL: at the tail). */
static void
fan_list_link(struct fanout *f, struct client *c, enum fan_where where,
    struct client *next)
{
	struct fan_list *l = &f->lists[where];

	c->fan_next = next;
	c->fan_prev = next != NULL ? next->fan_prev : l->tail;
	if (c->fan_prev != NULL)
		c->fan_prev->fan_next = c;
	else
		l->head = c;
	if (next != NULL)
		next->fan_prev = c;
	else
		l->tail = c;
	l->n++;
	c->fan_where = where;
}

/* Move C to the tail of list WHERE. */
static void
fan_list_put(struct fanout *f, struct client *c, enum fan_where where)
{
	fan_list_del(f, c);
	fan_list_link(f, c, where, NULL);
}

/* Put C first on the ready list (a new client: its first bytes go out
 * before the next batch of anyone else). */
static void
fan_list_put_first(struct fanout *f, struct client *c)
{
	fan_list_del(f, c);
	fan_list_link(f, c, FAN_READY, f->lists[FAN_READY].head);
}

/* ---- taking and giving back ---- */

static void
fan_kick(struct fanout *f)
{
	uint64_t one = 1;

	if (write(f->kick, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("fanout: kick");
}

/* Give C back to libmicrohttpd, which ends its response. */
static void
fan_hand_back(struct fanout *f, struct client *c)
{
	if (epoll_ctl(f->ep, EPOLL_CTL_DEL, c->fd, NULL) == -1)
		log_warn("fanout: epoll_ctl del %d", c->fd);
	fan_list_del(f, c);
	if (f->out[c->slot] > 0) {
		atomic_fetch_add_explicit(&f->w->st->streams[c->slot].bytes_out,
		    f->out[c->slot], memory_order_relaxed);
		f->out[c->slot] = 0;
	}
	atomic_fetch_sub(&f->n, 1);
	c->fan = FAN_RETURNED;
	MHD_resume_connection(c->conn);	/* c is libmicrohttpd's now */
}

int
fanout_take(struct worker *w, struct client *c)
{
	const union MHD_ConnectionInfo *ci;
	struct fanout *f = w->fan;

	if (f == NULL || atomic_load(&w->stopping) ||
	    http_conn_tls(c->conn) ||	/* GnuTLS must write it */
	    (ci = MHD_get_connection_info(c->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) == NULL)
		return -1;
	c->fd = ci->connect_fd;
	c->fan = FAN_TAKEN;
	MHD_suspend_connection(c->conn);
	pthread_mutex_lock(&f->mu);
	c->fan_next = f->incoming;
	f->incoming = c;
	atomic_store(&f->pending, 1);
	pthread_mutex_unlock(&f->mu);
	atomic_fetch_add(&f->n, 1);
	fan_kick(f);
	return 0;
}

int
fanout_clients(struct worker *w)
{
	return w->fan != NULL ? atomic_load(&w->fan->n) : 0;
}

/*
 * A taken socket: libmicrohttpd may have left the head corked (it sends
 * a head "more to follow"); uncork it, no Nagle delay for the stream.
 */
static int
fan_adopt_one(struct fanout *f, struct client *c)
{
	struct epoll_event ev;
	int off = 0, on = 1;

	if (setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off)) == -1 ||
	    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		log_debug("fanout: socket options of %s: %s", c->addr,
		    strerror(errno));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = c;
	if (epoll_ctl(f->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		log_warn("fanout: epoll_ctl add");
		return -1;
	}
	c->fan_blocked_ms = 0;
	fan_list_put_first(f, c);
	return 0;
}

static void
fan_adopt(struct fanout *f)
{
	struct client *c, *next;

	if (!atomic_load(&f->pending))
		return;
	pthread_mutex_lock(&f->mu);
	c = f->incoming;
	f->incoming = NULL;
	atomic_store(&f->pending, 0);
	pthread_mutex_unlock(&f->mu);
	for (; c != NULL; c = next) {
		next = c->fan_next;
		c->fan_next = NULL;
		if (fan_adopt_one(f, c) == -1) {
			atomic_fetch_sub(&f->n, 1);
			c->fan = FAN_RETURNED;
			MHD_resume_connection(c->conn);
		}
	}
}

/* ---- sending ---- */

/* C fell out of the ring: on at its newest random-access point. */
static void
fan_skip(struct fanout *f, struct client *c)
{
	uint64_t pos;

	if (ring_latest_rap(&c->rr->ring, &pos) == -1)
		pos = ring_head(&c->rr->ring);
	c->pos = pos;
	atomic_fetch_add(&f->w->st->streams[c->slot].skipped_clients, 1);
	log_debug("client %s of %s fell behind; skipped ahead", c->addr,
	    c->name);
}

/* How far the writer must be from bytes sent in place: a quarter of a
 * small ring (a writer publishes RING_MAX_WRITE_BYTES at most at once). */
static uint64_t
fan_margin(const struct ring *r)
{
	return r->capacity / 4 < FANOUT_DIRECT_MARGIN_BYTES ?
	    r->capacity / 4 : FANOUT_DIRECT_MARGIN_BYTES;
}

/* The bytes to send next: *BUF, *LEN; 1 straight from the mapping,
 * 0 copied into the bounce buffer, -1 none (caught up). */
static int
fan_next_bytes(struct fanout *f, struct client *c, const uint8_t **buf,
    size_t *len)
{
	const struct ring *r = &c->rr->ring;
	uint64_t head = ring_head(r);
	size_t want;
	ssize_t n;

	if (c->pos > head || !ring_holds(r, c->pos)) {
		fan_skip(f, c);
		head = ring_head(r);
	}
	if (c->pos >= head)
		return -1;
	want = head - c->pos < FANOUT_SEND_MAX_BYTES ?
	    (size_t)(head - c->pos) : FANOUT_SEND_MAX_BYTES;
	if ((*buf = ring_span(r, c->pos, want, fan_margin(r), len)) != NULL)
		return 1;
	n = ring_read(r, &(uint64_t){ c->pos }, f->bounce, want);
	if (n == -1) {	/* overtaken while copying */
		fan_skip(f, c);
		n = ring_read(r, &(uint64_t){ c->pos }, f->bounce, want);
	}
	if (n <= 0)
		return -1;
	*buf = f->bounce;
	*len = (size_t)n;
	return 0;
}

static enum fan_sent
fan_send(struct fanout *f, struct client *c)
{
	const uint8_t *buf;
	size_t len;
	ssize_t n;
	int direct;

	if ((direct = fan_next_bytes(f, c, &buf, &len)) == -1)
		return FAN_SENT_IDLE;
	n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? FAN_SENT_BLOCKED : FAN_SENT_GONE;
	if (direct && !ring_holds(&c->rr->ring, c->pos)) {
		/* the writer reached bytes while the kernel copied them */
		log_warnx("client %s of %s: ring overtaken mid-send; closed",
		    c->addr, c->name);
		return FAN_SENT_GONE;
	}
	c->pos += (uint64_t)n;
	c->bytes += (uint64_t)n;
	f->out[c->slot] += (uint64_t)n;
	c->fan_blocked_ms = 0;
	if ((size_t)n < len)
		return FAN_SENT_BLOCKED;
	return c->pos < ring_head(&c->rr->ring) ? FAN_SENT_MORE :
	    FAN_SENT_IDLE;
}

static void
fan_sent(struct fanout *f, struct client *c, enum fan_sent s)
{
	switch (s) {
	case FAN_SENT_MORE:
		fan_list_put(f, c, FAN_READY);
		break;
	case FAN_SENT_IDLE:
		fan_list_put(f, c, FAN_WAITING);
		break;
	case FAN_SENT_BLOCKED:
		if (c->fan_blocked_ms == 0)
			c->fan_blocked_ms = now_ms();
		fan_list_put(f, c, FAN_BLOCKED);
		break;
	case FAN_SENT_GONE:
		fan_hand_back(f, c);
		break;
	}
}

/* One batch to each client ready now, new clients first. */
static void
fan_pass(struct fanout *f)
{
	int n = f->lists[FAN_READY].n, i;
	struct client *c;

	for (i = 0; i < n && (c = f->lists[FAN_READY].head) != NULL; i++) {
		if (i % FANOUT_ADOPT_EVERY == 0)
			fan_adopt(f);
		fan_sent(f, c, fan_send(f, c));
	}
}

/* ---- the clients' streams ---- */

/* 1 while C's slot still carries the stream C asked for. */
static int
fan_stream_alive(struct fanout *f, struct client *c)
{
	struct slot_cfg cfg;
	int slot = c->slot;

	if (!f->named[slot]) {	/* once a slot and check */
		f->named[slot] = 1;
		f->names[slot][0] = '\0';
		if (state_slot_read(f->w->st, slot, &cfg) == 0 && cfg.in_use)
			str_copy(f->names[slot], cfg.name,
			    sizeof(f->names[slot]));
	}
	return strcmp(f->names[slot], c->name) == 0;
}

/* 1 when C's response is to end now. */
static int
fan_must_end(struct fanout *f, struct client *c, uint64_t now)
{
	struct worker *w = f->w;
	int slot = c->slot;

	if (c->ending || atomic_load(&w->stopping) || http_client_closing(w, c))
		return 1;
	/* the upstream ended: what the ring holds goes out, then the end,
	 * also once a stream made on request has lost its slot with it */
	if (ring_ended(&c->rr->ring))
		return c->pos == ring_head(&c->rr->ring);
	if (!fan_stream_alive(f, c) || http_client_stream_stopped(w, c))
		return 1;
	if (c->fan_where == FAN_BLOCKED && c->fan_blocked_ms != 0 &&
	    now - c->fan_blocked_ms >= FANOUT_STALL_MS) {
		log_info("client %s of %s took nothing for %d ms; closed",
		    c->addr, c->name, FANOUT_STALL_MS);
		return 1;
	}
	/* upstream ended and everything sent */
	return c->pos == ring_head(&c->rr->ring) &&
	    atomic_load(&w->st->streams[slot].state) == STREAM_ENDED &&
	    c->rr->gen == atomic_load(&w->st->streams[slot].ring_gen);
}

/* Every FANOUT_CHECK_MS: each client against its stream. */
static void
fan_check(struct fanout *f)
{
	struct worker *w = f->w;
	uint64_t now = now_ms();
	struct client *c, *next;
	int k, slot;

	memset(f->named, 0, sizeof(f->named));
	for (k = FAN_READY; k <= FAN_BLOCKED; k++)
		for (c = f->lists[k].head; c != NULL; c = next) {
			next = c->fan_next;
			slot = c->slot;
			if (fan_must_end(f, c, now)) {
				fan_hand_back(f, c);
				continue;
			}
			http_client_figures(w, c, now);
			/* an ended ring is drained, never followed: its
			 * slot may carry another stream by now */
			if (ring_ended(&c->rr->ring) || c->rr->gen ==
			    atomic_load(&w->st->streams[slot].ring_gen))
				continue;
			pthread_mutex_lock(&w->lock);	/* a new ring */
			http_client_follow_ring(w, c);
			pthread_mutex_unlock(&w->lock);
			if (k == FAN_WAITING)
				fan_list_put(f, c, FAN_READY);
		}
	for (slot = 0; slot < STATE_MAX_STREAMS; slot++)
		if (f->out[slot] > 0) {
			atomic_fetch_add_explicit(
			    &w->st->streams[slot].bytes_out, f->out[slot],
			    memory_order_relaxed);
			f->out[slot] = 0;
		}
	f->last_check_ms = now;
}

/* A fetcher published: the caught-up clients may have more. */
static void
fan_wake_waiting(struct fanout *f)
{
	struct fan_list *l = &f->lists[FAN_READY], *wl = &f->lists[FAN_WAITING];
	struct client *c;

	if (wl->head == NULL)
		return;
	for (c = wl->head; c != NULL; c = c->fan_next)
		c->fan_where = FAN_READY;
	if (l->tail != NULL) {
		l->tail->fan_next = wl->head;
		wl->head->fan_prev = l->tail;
	} else
		l->head = wl->head;
	l->tail = wl->tail;
	l->n += wl->n;
	wl->head = wl->tail = NULL;
	wl->n = 0;
}

static void
fan_event(struct fanout *f, const struct epoll_event *ev)
{
	struct client *c = ev->data.ptr;
	uint64_t v;

	if (c == NULL) {	/* the kick */
		if (read(f->kick, &v, sizeof(v)) == -1 && errno != EAGAIN)
			log_warn("fanout: kick read");
		fan_wake_waiting(f);
		return;
	}
	if (ev->events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))
		fan_hand_back(f, c);	/* the player went away */
	else if ((ev->events & EPOLLOUT) && c->fan_where == FAN_BLOCKED)
		fan_list_put(f, c, FAN_READY);
}

static void
fan_release_all(struct fanout *f)
{
	int k;

	fan_adopt(f);
	for (k = FAN_READY; k <= FAN_BLOCKED; k++)
		while (f->lists[k].head != NULL)
			fan_hand_back(f, f->lists[k].head);
}

static void *
fan_sender_main(void *arg)
{
	struct epoll_event evs[FANOUT_EVENTS];
	struct fanout *f = arg;
	int i, n, timeout;

	while (!atomic_load(&f->quit)) {
		timeout = f->lists[FAN_READY].n > 0 ? 0 : FANOUT_CHECK_MS;
		n = epoll_wait(f->ep, evs, FANOUT_EVENTS, timeout);
		if (n == -1 && errno != EINTR) {
			log_warn("fanout: epoll_wait");
			sleep_ms(FANOUT_CHECK_MS);
		}
		for (i = 0; i < n; i++)
			fan_event(f, &evs[i]);
		fan_adopt(f);
		if (now_ms() - f->last_check_ms >= FANOUT_CHECK_MS)
			fan_check(f);
		fan_pass(f);
	}
	fan_release_all(f);
	return NULL;
}

/* Turns the state segment's publish futex into kicks of the sender. */
static void *
fan_waker_main(void *arg)
{
	struct fanout *f = arg;
	struct state *st = f->w->st;
	uint32_t seq = state_notify_seq(st);

	uint64_t last = 0, now;

	while (!atomic_load(&f->quit)) {
		state_wait(st, seq, FANOUT_CHECK_MS);
		if (state_notify_seq(st) == seq)
			continue;
		now = now_ms();
		if (now - last < FANOUT_BATCH_MS) {
			sleep_ms(FANOUT_BATCH_MS - (now - last));
			now = now_ms();
		}
		seq = state_notify_seq(st);
		last = now;
		if (atomic_load(&f->n) > 0)
			fan_kick(f);
	}
	return NULL;
}

/* ---- start and stop ---- */

static void
fan_free(struct fanout *f)
{
	if (f->ep != -1)
		close(f->ep);
	if (f->kick != -1)
		close(f->kick);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

int
fanout_start(struct worker *w)
{
	struct epoll_event ev;
	struct fanout *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	f->w = w;
	f->ep = f->kick = -1;
	pthread_mutex_init(&f->mu, NULL);
	f->last_check_ms = now_ms();
	if ((f->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (f->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(f->ep, EPOLL_CTL_ADD, f->kick, &ev) == -1)
		goto fail;
	if (pthread_create(&f->sender, NULL, fan_sender_main, f) != 0)
		goto fail;
	if (pthread_create(&f->waker, NULL, fan_waker_main, f) != 0) {
		atomic_store(&f->quit, 1);
		fan_kick(f);
		pthread_join(f->sender, NULL);
		goto fail;
	}
	w->fan = f;
	return 0;
fail:
	log_warn("fanout: cannot start; libmicrohttpd sends the streams");
	fan_free(f);
	return -1;
}

void
fanout_stop(struct worker *w)
{
	struct fanout *f = w->fan;

	pthread_mutex_lock(&w->lock);	/* no take after this */
	w->fan = NULL;
	pthread_mutex_unlock(&w->lock);
	if (f == NULL)
		return;
	atomic_store(&f->quit, 1);
	fan_kick(f);
	pthread_join(f->sender, NULL);	/* it hands back every client */
	pthread_join(f->waker, NULL);
	fan_free(f);
}
