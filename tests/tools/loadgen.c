/*
 * loadgen.c - many HTTP clients in one process, for the benchmarks.
 *
 *   loadgen -c N -d SECONDS [-r RAMP_PER_S] [-m stream|playlist]
 *           [-k SCAN_BYTES] [-H "Name: value"]... URL
 *
 * stream mode (default): N clients connect to URL, ramped at RAMP_PER_S
 * (default 200/s); each reads as fast as it can for SECONDS from its own
 * start, then closes.  One JSON line reports how many connected, the
 * per-client throughput distribution (bytes/s), the clients below 90% of
 * the median ("starved"), time to first body byte, total bytes and
 * Gbit/s, and the fraction of clients whose first video frame was a
 * keyframe (what a player needs to show a picture at once).
 *
 * playlist mode: N keep-alive connections each GET the URL (an HLS
 * playlist, or a segment: any answer with a Content-Length or chunked
 * body) again as soon as the previous answer is complete, for SECONDS
 * after the ramp.  Rates and latency percentiles are taken over the
 * measuring window, from the start of the last client to the common end,
 * so the ramp does not dilute them: requests/s, body bytes/s and Gbit/s
 * of the answers completed in the window.  The next request goes out at
 * once on the socket (it is almost always writable), so a request costs
 * loadgen a send and a recv, not epoll_ctl calls too.
 *
 * Time to first byte runs from connect() to the moment the kernel
 * received the first body byte (SO_TIMESTAMPNS on the socket), and the
 * request is sent as soon as connect() returns when the handshake is
 * already done (it is, on loopback): this client's own event loop, busy
 * reading a thousand other streams, is not counted against the server.
 *
 * Design: a single thread, epoll (level-triggered), non-blocking sockets,
 * one shared read buffer, one small struct per client.  Clients start in
 * order and all run for the same time, so their end times are sorted and
 * closing them is a walk along the array.  Body bytes go through tsscan
 * only until the first video PES start (at most SCAN_BYTES, default 1 MB,
 * per client) to keep the client cheap next to the server it measures.
 * Every run is bounded: ramp time + SECONDS + a grace period, and results
 * are printed even when clients failed (or on SIGINT/SIGTERM).
 *
 * The HTTP pieces (URL, request, head, chunked framing) are shared with
 * tsclient: tests/lib/httpc.c.  The percentiles and the JSON line are
 * loadgen_report.c; loadgen.h holds the structs both files read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strcasestr, POLLRDHUP */
#endif
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tsscan.h"
#include "../lib/httpc.h"
#include "loadgen.h"

#define LG_DEFAULT_RAMP_PER_S	200.0
#define LG_DEFAULT_SCAN_BYTES	(1024 * 1024)
#define LG_MAX_CLIENTS		100000
#define LG_HEAD_MAX_BYTES	8192
#define LG_READ_BYTES		(256 * 1024)
#define LG_SYNC_OUT_BYTES	(TS_PACKET_SIZE * 1024)
#define LG_EVENTS		512
#define LG_TICK_MS		5
#define LG_GRACE_SECONDS	5.0	/* after the last client's end */
#define LG_FD_SLACK		64
#define LG_REQUEST_BYTES	(HTTPC_PATH_MAX + 4096)
#define LG_USER_AGENT		"ringcast-loadgen"

static volatile sig_atomic_t lg_interrupted;

static double
lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
lg_now_rt(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
lg_on_signal(int sig)
{
	lg_interrupted = 1;
}

static void
lg_usage(void)
{
	fprintf(stderr, "usage: loadgen -c clients -d seconds "
	    "[-r ramp_per_second] [-m stream|playlist]\n"
	    "               [-k scan_bytes] [-H \"Name: value\"] url\n");
	exit(2);
}

static void
lg_fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void
lg_build_request(struct lg *g)
{
	ssize_t len;

	if ((g->req = malloc(LG_REQUEST_BYTES)) == NULL)
		lg_fatal("malloc: %s", strerror(errno));
	len = httpc_request(g->req, LG_REQUEST_BYTES, &g->u, g->o.headers,
	    g->o.nheaders, LG_USER_AGENT, g->o.mode == LG_STREAM);
	if (len == -1)
		lg_fatal("request too long");
	g->reqlen = len;
}

/* Raise RLIMIT_NOFILE so N sockets fit; as root also the hard limit. */
static void
lg_raise_nofile(int clients)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)clients + LG_FD_SLACK;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want) {
		rl.rlim_max = want;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return;
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		fprintf(stderr, "loadgen: open files limited to %llu, some "
		    "clients will fail\n", (unsigned long long)rl.rlim_cur);
}

static void
lg_close(struct lg *g, struct lg_conn *c)
{
	if (c->fd != -1) {
		close(c->fd);	/* also leaves the epoll set */
		c->fd = -1;
	}
	free(c->head);
	c->head = NULL;
	free(c->probe);
	c->probe = NULL;
}

static void
lg_fail(struct lg *g, struct lg_conn *c, enum lg_fail why)
{
	if (!c->connected && c->fail == F_NONE) {
		c->fail = why;
		g->fails[why]++;
	}
	if (c->connected && g->o.mode == LG_STREAM)
		c->closed_early = 1;
	if (c->connected && g->o.mode == LG_PLAYLIST)
		g->req_errors++;
	lg_close(g, c);
	c->state = ST_DONE;
}

/*
 * The epoll tag of C's current socket: its index and a generation, so an
 * event still queued for a socket closed in the same batch is ignored.
 */
static uint64_t
lg_tag(const struct lg *g, const struct lg_conn *c)
{
	return (uint64_t)c->gen << 32 | (uint64_t)(c - g->conns);
}

static void	lg_send(struct lg *, struct lg_conn *);

/* Start (or, in playlist mode, restart) the connection of C. */
static int
lg_connect(struct lg *g, struct lg_conn *c)
{
	struct epoll_event ev;
	struct addrinfo *a = g->ai;

	int on = 1;

	c->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, a->ai_protocol);
	if (c->fd == -1)
		return -1;
	if (g->o.mode == LG_STREAM)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
		    sizeof(on));
	c->t_start_rt = lg_now_rt();
	if (connect(c->fd, a->ai_addr, a->ai_addrlen) == -1 &&
	    errno != EINPROGRESS)
		return -1;
	c->state = ST_CONNECTING;
	c->sent = 0;
	c->gen++;
	c->events = EPOLLOUT;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT;
	ev.data.u64 = lg_tag(g, c);
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		return -1;
	if (g->o.mode == LG_STREAM)
		lg_send(g, c);	/* EAGAIN while connecting: EPOLLOUT later */
	return 0;
}

static void
lg_start_clients(struct lg *g, double now)
{
	struct lg_conn *c;
	int target;

	target = (int)((now - g->t0) * g->o.ramp) + 1;
	if (target > g->o.clients)
		target = g->o.clients;
	while (g->started < target) {
		c = &g->conns[g->started++];
		c->t_start = now;
		c->t_end = now + g->o.seconds;
		if (g->o.mode == LG_PLAYLIST)	/* all measure one window */
			c->t_end = g->t_win1;
		if (lg_connect(g, c) == -1)
			lg_fail(g, c, F_CONNECT);
	}
}

/* recv() that also keeps the kernel's receive time stamp in c->rx_rt. */
static ssize_t
lg_recv(struct lg_conn *c, void *buf, size_t len)
{
	union {
		char		buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr	align;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr mh;
	struct cmsghdr *cm;
	struct timespec ts;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	c->rx_rt = 0;
	if ((n = recvmsg(c->fd, &mh, 0)) <= 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			c->rx_rt = ts.tv_sec + ts.tv_nsec / 1e9;
		}
	return n;
}

static void
lg_set_events(struct lg *g, struct lg_conn *c, uint32_t events)
{
	struct epoll_event ev;

	if (c->events == events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = lg_tag(g, c);
	if (epoll_ctl(g->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		lg_fail(g, c, F_CONNECT);
	else
		c->events = events;
}

static void
lg_send(struct lg *g, struct lg_conn *c)
{
	ssize_t n;

	if (c->state == ST_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) ==
		    -1 || err != 0) {
			lg_fail(g, c, F_CONNECT);
			return;
		}
		c->state = ST_SENDING;
	}
	n = send(c->fd, g->req + c->sent, g->reqlen - c->sent, MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		lg_set_events(g, c, EPOLLOUT);
		return;
	}
	if (n == -1) {
		lg_fail(g, c, c->connected ? F_CLOSED : F_CONNECT);
		return;
	}
	c->sent += n;
	if (c->sent < g->reqlen) {
		lg_set_events(g, c, EPOLLOUT);
		return;
	}
	c->t_request = lg_now();
	c->state = ST_HEAD;
	c->headlen = 0;
	lg_set_events(g, c, EPOLLIN);
}

/* Stream mode: watch the first body bytes until the first video PES. */
static void
lg_probe(struct lg *g, struct lg_conn *c, const uint8_t *p, size_t n)
{
	struct lg_probe *pr = c->probe;
	size_t consumed, nout, i;
	uint64_t pcr;
	int flags;

	if (pr->scanned + n > g->o.scan_bytes)
		n = g->o.scan_bytes - pr->scanned;
	pr->scanned += n;
	while (n > 0 && c->first_video == -1) {
		nout = ts_sync_feed(&pr->sync, p, n, &consumed, g->syncbuf,
		    LG_SYNC_OUT_BYTES);
		for (i = 0; i + TS_PACKET_SIZE <= nout; i += TS_PACKET_SIZE) {
			flags = tsscan_packet(&pr->scan, g->syncbuf + i, &pcr);
			if (flags & (TS_F_VIDEO_PES_START | TS_F_KEYFRAME)) {
				c->first_video = (flags & TS_F_KEYFRAME) != 0;
				break;
			}
		}
		if (consumed == 0 && nout == 0)
			break;
		p += consumed;
		n -= consumed;
	}
	if (c->first_video != -1 || pr->scanned >= g->o.scan_bytes) {
		free(c->probe);
		c->probe = NULL;
	}
}

static void
lg_body(struct lg *g, struct lg_conn *c, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (c->t_first_byte == 0) {
		c->t_first_byte = lg_now();
		c->ttfb_ms = c->rx_rt > 0 ? (c->rx_rt - c->t_start_rt) * 1000 :
		    (c->t_first_byte - c->t_start) * 1000;
	}
	c->bytes += n;
	g->total_bytes += n;
	if (c->probe != NULL)
		lg_probe(g, c, p, n);
}

/* Playlist mode: count an answer of BODY bytes completed at NOW. */
static void
lg_count_answer(struct lg *g, struct lg_conn *c, double now, uint64_t body)
{
	g->requests++;
	if (now < g->t_win0 || now > g->t_win1)
		return;
	g->win_requests++;
	g->win_bytes += body;
	if (g->win_requests == 1 || body < g->resp_min)
		g->resp_min = body;
	if (body > g->resp_max)
		g->resp_max = body;
	lg_hist_add(g, now - c->t_request);
}

/* Playlist mode: a response is complete; send the next request now. */
static void
lg_next_request(struct lg *g, struct lg_conn *c)
{
	double now = lg_now();

	lg_count_answer(g, c, now, c->resp_bytes);
	if (now >= c->t_end) {
		lg_close(g, c);
		c->state = ST_DONE;
		return;
	}
	c->state = ST_SENDING;
	c->sent = 0;
	lg_send(g, c);
}

/* Body bytes in P; -1 on malformed framing. */
static int
lg_feed(struct lg *g, struct lg_conn *c, const uint8_t *p, size_t n,
    uint64_t *resp_bytes)
{
	const uint8_t *span;
	size_t off = 0, spanlen;
	ssize_t step;

	while (off < n) {
		step = httpc_body_step(&c->fr, *resp_bytes, p + off, n - off,
		    &span, &spanlen);
		if (step == -1)
			return -1;
		if (step == 0)
			break;
		off += step;
		*resp_bytes += spanlen;
		lg_body(g, c, span, spanlen);
	}
	return 0;
}

/* A head arrived in full: returns 1 to go on with the body, 0 if failed. */
static int
lg_take_head(struct lg *g, struct lg_conn *c, size_t hend)
{
	struct httpc_head h;
	char save = c->head[hend];
	int rc;

	c->head[hend] = '\0';
	rc = httpc_parse_head(c->head, &h);
	c->status = h.status;
	if (rc == -1) {
		lg_fail(g, c, F_PROTOCOL);
		return 0;
	}
	c->head[hend] = save;
	if (c->status < 200) {		/* 1xx: drop it, the real head follows */
		memmove(c->head, c->head + hend, c->headlen - hend);
		c->headlen -= hend;
		return 1;
	}
	if (c->status > 299) {
		lg_fail(g, c, F_HTTP);
		return 0;
	}
	if (!c->connected) {
		c->connected = 1;
		if (g->o.mode == LG_STREAM &&
		    (c->probe = calloc(1, sizeof(*c->probe))) != NULL) {
			ts_sync_reset(&c->probe->sync);
			tsscan_init(&c->probe->scan);
		}
	}
	httpc_framing_init(&c->fr, &h);
	c->resp_bytes = 0;
	c->state = ST_BODY;
	return 1;
}

/* Playlist mode: the server closed the keep-alive connection. */
static void
lg_reconnect(struct lg *g, struct lg_conn *c)
{
	lg_close(g, c);
	g->reconnects++;
	if (lg_now() >= c->t_end)
		c->state = ST_DONE;
	else if (lg_connect(g, c) == -1)
		lg_fail(g, c, F_CONNECT);
}

/* Read the head; returns 1 when a body follows in c->head, else 0. */
static int
lg_read_head(struct lg *g, struct lg_conn *c, size_t *hend)
{
	ssize_t n;

	if (c->head == NULL &&
	    (c->head = malloc(LG_HEAD_MAX_BYTES)) == NULL) {
		lg_fail(g, c, F_PROTOCOL);
		return 0;
	}
	n = lg_recv(c, c->head + c->headlen, LG_HEAD_MAX_BYTES - c->headlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		if (g->o.mode == LG_PLAYLIST && c->connected &&
		    c->headlen == 0)
			lg_reconnect(g, c);	/* closed between requests */
		else
			lg_fail(g, c, F_CLOSED);
		return 0;
	}
	c->headlen += n;
	while (c->state == ST_HEAD &&
	    (*hend = httpc_head_end(c->head, c->headlen)) != 0)
		if (!lg_take_head(g, c, *hend))
			return 0;
	if (c->state == ST_HEAD) {
		if (c->headlen == LG_HEAD_MAX_BYTES)
			lg_fail(g, c, F_PROTOCOL);
		return 0;
	}
	return 1;
}

static void
lg_read(struct lg *g, struct lg_conn *c)
{
	size_t hend = 0;
	ssize_t n;

	if (c->state == ST_HEAD) {
		if (!lg_read_head(g, c, &hend))
			return;
		/* what followed the head is body */
		if (lg_feed(g, c, (uint8_t *)c->head + hend,
		    c->headlen - hend, &c->resp_bytes) == -1) {
			lg_fail(g, c, F_PROTOCOL);
			return;
		}
		if (g->o.mode == LG_STREAM) {
			free(c->head);
			c->head = NULL;
		}
	} else {
		n = lg_recv(c, g->buf, LG_READ_BYTES);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 && g->o.mode == LG_PLAYLIST && !c->fr.chunked &&
		    c->fr.clen < 0) {
			/* a close-delimited answer is complete */
			lg_count_answer(g, c, lg_now(), c->resp_bytes);
			lg_reconnect(g, c);
			return;
		}
		if (n <= 0) {
			lg_fail(g, c, F_CLOSED);
			return;
		}
		if (lg_feed(g, c, g->buf, n, &c->resp_bytes) == -1) {
			lg_fail(g, c, F_PROTOCOL);
			return;
		}
	}
	if (!httpc_complete(&c->fr, c->resp_bytes))
		return;
	if (g->o.mode == LG_PLAYLIST)
		lg_next_request(g, c);
	else
		lg_fail(g, c, F_CLOSED);	/* a finite answer: it ended */
}

/* Close every client whose time is up; the array is sorted by t_end. */
static void
lg_end_clients(struct lg *g, double now)
{
	struct lg_conn *c;

	while (g->next_end < g->started &&
	    g->conns[g->next_end].t_end <= now) {
		c = &g->conns[g->next_end++];
		if (c->state != ST_DONE) {
			if (!c->connected)
				lg_fail(g, c, F_TIMEOUT);
			lg_close(g, c);
			c->state = ST_DONE;
		}
	}
}

static void
lg_run(struct lg *g)
{
	struct epoll_event evs[LG_EVENTS];
	struct lg_conn *c;
	double now;
	int i, n;

	g->t0 = lg_now();
	g->t_win0 = g->t0 + (g->o.clients - 1) / g->o.ramp;
	g->t_win1 = g->t_win0 + g->o.seconds;
	g->t_stop = g->t_win1 + LG_GRACE_SECONDS;
	for (;;) {
		now = lg_now();
		if (lg_interrupted || now >= g->t_stop)
			break;
		lg_start_clients(g, now);
		lg_end_clients(g, now);
		if (g->next_end >= g->o.clients)
			break;
		n = epoll_wait(g->ep, evs, LG_EVENTS, LG_TICK_MS);
		if (n == -1 && errno != EINTR)
			lg_fatal("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			c = &g->conns[(uint32_t)evs[i].data.u64];
			if (c->fd == -1 || c->state == ST_DONE ||
			    c->gen != (uint32_t)(evs[i].data.u64 >> 32))
				continue;
			if (c->state == ST_CONNECTING ||
			    c->state == ST_SENDING)
				lg_send(g, c);
			else
				lg_read(g, c);
		}
	}
	g->t_finish = lg_now();
	for (i = 0; i < g->started; i++) {
		c = &g->conns[i];
		if (c->state != ST_DONE && !c->connected)
			lg_fail(g, c, F_TIMEOUT);
		lg_close(g, c);
		c->state = ST_DONE;
	}
}

static void
lg_getopts(int argc, char **argv, struct lg_opts *o)
{
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->ramp = LG_DEFAULT_RAMP_PER_S;
	o->scan_bytes = LG_DEFAULT_SCAN_BYTES;
	while ((ch = getopt(argc, argv, "c:d:r:m:k:H:")) != -1) {
		end = NULL;
		switch (ch) {
		case 'c':
			o->clients = (int)strtol(optarg, &end, 10);
			break;
		case 'd':
			o->seconds = strtod(optarg, &end);
			break;
		case 'r':
			o->ramp = strtod(optarg, &end);
			break;
		case 'k':
			o->scan_bytes = strtoull(optarg, &end, 10);
			break;
		case 'm':
			if (strcmp(optarg, "stream") == 0)
				o->mode = LG_STREAM;
			else if (strcmp(optarg, "playlist") == 0)
				o->mode = LG_PLAYLIST;
			else
				lg_usage();
			break;
		case 'H':
			if (o->nheaders == LG_MAX_HEADERS ||
			    !httpc_header_ok(optarg))
				lg_usage();
			o->headers[o->nheaders++] = optarg;
			break;
		default:
			lg_usage();
		}
		if (end != NULL && *end != '\0')
			lg_usage();
	}
	if (optind + 1 != argc || o->clients < 1 ||
	    o->clients > LG_MAX_CLIENTS || o->seconds <= 0 || o->ramp <= 0)
		lg_usage();
	o->url = argv[optind];
}

int
main(int argc, char **argv)
{
	struct lg g;
	struct sigaction sa;
	int rc;

	memset(&g, 0, sizeof(g));
	lg_getopts(argc, argv, &g.o);
	if (httpc_parse_url(g.o.url, &g.u) == -1)
		lg_fatal("bad URL (want http://host[:port]/path): %s", g.o.url);
	if ((rc = httpc_resolve(&g.u, &g.ai)) != 0)
		lg_fatal("%s: %s", g.u.host, gai_strerror(rc));
	lg_raise_nofile(g.o.clients);
	lg_build_request(&g);

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lg_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if ((g.conns = calloc(g.o.clients, sizeof(*g.conns))) == NULL ||
	    (g.buf = malloc(LG_READ_BYTES)) == NULL ||
	    (g.syncbuf = malloc(LG_SYNC_OUT_BYTES)) == NULL)
		lg_fatal("malloc: %s", strerror(errno));
	if (g.o.mode == LG_PLAYLIST &&
	    (g.hist = calloc(LG_HIST_BUCKETS, sizeof(*g.hist))) == NULL)
		lg_fatal("calloc: %s", strerror(errno));
	for (rc = 0; rc < g.o.clients; rc++) {
		g.conns[rc].fd = -1;
		g.conns[rc].first_video = -1;
	}
	if ((g.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		lg_fatal("epoll_create1: %s", strerror(errno));

	lg_run(&g);
	if (lg_report(&g, lg_now() - g.t0, lg_interrupted) == -1)
		lg_fatal("calloc: %s", strerror(errno));
	fflush(stdout);
	freeaddrinfo(g.ai);
	free(g.conns);
	free(g.buf);
	free(g.syncbuf);
	free(g.hist);
	free(g.req);
	close(g.ep);
	return 0;
}
