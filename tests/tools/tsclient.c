/*
 * tsclient.c - a one-connection MPEG-TS player stand-in for the tests.
 *
 *   tsclient [-t SECONDS] [-n MAXBYTES] [-o OUTFILE] [-H "Name: value"]...
 *            [-r RATE_BYTES_PER_S] [-S STOP_AFTER_BYTES] [-b RCVBUF_BYTES] URL
 *
 * It speaks plain HTTP/1.1 over a TCP socket of its own (no libcurl, so
 * what the test sees is exactly what went over the wire), decodes identity
 * and chunked bodies (the HTTP pieces, shared with loadgen, are in
 * tests/lib/httpc.c), and looks at the body the way a player would: is it
 * aligned on 188-byte packets, does it start with a PAT, is the first video
 * frame a keyframe, are there continuity-counter errors, how long did the
 * first byte take and how long was the longest silence.  It ends with one
 * JSON line on stdout, also on failure (then with "error" set).
 *
 * Design: one blocking-style loop with poll() against a single deadline,
 * so the run is always bounded by -t.  -r throttles the reads with a token
 * bucket (a slow player); -S reads that many body bytes and then keeps the
 * connection open without reading until the deadline (a stalled player).
 * Packets go through the project's ts_sync (so a stream that does not start
 * on a packet boundary, as icecast serves it, is still analysed) while the
 * "aligned" verdict is taken from the raw body offsets.
 *
 * Options: -t total run time (default 10 s, connect included); -n stop
 * after that many body bytes; -o save the body; -H add a request header
 * (repeatable; "User-Agent: ringcast-tsclient" unless -H gives one);
 * -r read at most that many body bytes a second; -S see above; -b set
 * SO_RCVBUF so that a slow or stalled reader pushes back on the server
 * sooner.
 *
 * Output fields: status (0 = no response), content_type (null if none),
 * bytes (body), packets (from ts_sync), aligned (every body offset that is
 * a multiple of 188 holds 0x47; false for an empty body), first_pid /
 * first_is_pat (null / false without packets), null_packets, keyframes,
 * first_keyframe_packet (0-based, null if none), first_video_frame_is_
 * keyframe (the first PES start on the video PID found via PAT/PMT),
 * discontinuities (packets with discontinuity_indicator), cc_errors (per
 * PID, payload packets only, PID 0x1FFF skipped, one duplicate allowed,
 * excused after a discontinuity_indicator on that PID), ttfb_ms (connect
 * start to first body byte), headers_ms (to the end of the head), seconds
 * (whole run), rate_bps (body BITS a second, from the first body byte to
 * the end, or to the last read with -S), longest_gap_ms (between two
 * successive reads), eof (the server ended the response or closed), error.
 *
 * Exit status: 0 when a 2xx response was read, 1 on a connection, protocol
 * or HTTP status error (non-2xx included), 2 on a usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strcasestr, POLLRDHUP */
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
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

#define TSC_DEFAULT_SECONDS	10.0
#define TSC_MAX_HEADERS		32
#define TSC_HEAD_MAX_BYTES	65536		/* response head limit */
#define TSC_READ_BYTES		65536		/* one recv() at most */
#define TSC_SYNC_OUT_BYTES	(TS_PACKET_SIZE * 512)
#define TSC_THROTTLE_SLEEP_MS	10
#define TSC_ERR_MAX		256
#define TSC_USER_AGENT		"ringcast-tsclient"

struct tsc_opts {
	double		 seconds;
	long long	 max_bytes;		/* -n, 0 = none */
	const char	*outfile;
	const char	*headers[TSC_MAX_HEADERS];
	int		 nheaders;
	double		 rate;			/* -r bytes/s, 0 = none */
	long long	 stop_after;		/* -S, 0 = none */
	int		 rcvbuf;		/* -b, 0 = kernel default */
	const char	*url;
};

/* What the run observed; printed as the JSON summary. */
struct tsc_result {
	int		 status;
	char		 content_type[HTTPC_CONTENT_TYPE_MAX];
	int		 have_content_type;
	uint64_t	 bytes;
	uint64_t	 packets;
	int		 aligned;
	int		 first_pid;		/* -1 = no packet */
	int		 first_is_pat;
	uint64_t	 null_packets;
	uint64_t	 keyframes;
	int64_t		 first_keyframe_packet;	/* -1 = none */
	int		 first_video_seen;
	int		 first_video_is_keyframe;
	uint64_t	 discontinuities;
	uint64_t	 cc_errors;
	double		 ttfb_ms;		/* < 0 = no body byte */
	double		 headers_ms;		/* < 0 = no head */
	double		 seconds;
	double		 body_seconds;
	double		 longest_gap_ms;
	int		 eof;
	char		 error[TSC_ERR_MAX];
};

/* Per-run analysis state. */
struct tsc_ctx {
	struct tsc_opts		*opts;
	struct tsc_result	*res;
	FILE			*out;
	struct ts_sync		 sync;
	struct tsscan		 scan;
	int8_t			 last_cc[TS_PID_COUNT];	/* -1 = unknown */
	uint8_t			 cc_excused[TS_PID_COUNT];
	uint8_t			*syncbuf;
	double			 start;
	double			 first_byte;
	double			 last_read;
};

static double
tsc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
tsc_seterr(struct tsc_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->error[0] != '\0')
		return;			/* keep the first cause */
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
}

static void
tsc_usage(void)
{
	fprintf(stderr, "usage: tsclient [-t seconds] [-n maxbytes] "
	    "[-o outfile] [-H \"Name: value\"]\n"
	    "                [-r rate_bytes_per_s] [-S stop_after_bytes] "
	    "[-b rcvbuf_bytes] url\n");
	exit(2);
}

static int
tsc_ms_left(double deadline)
{
	double left = deadline - tsc_now();

	if (left <= 0)
		return 0;
	return (int)(left * 1000) + 1;
}

/* Connect to the first address that answers before DEADLINE. */
static int
tsc_connect(const struct httpc_url *u, int rcvbuf, double deadline,
    struct tsc_result *res)
{
	struct addrinfo *ai, *a;
	int fd = -1, rc, err;
	socklen_t len;
	struct pollfd pfd;

	if ((rc = httpc_resolve(u, &ai)) != 0) {
		tsc_seterr(res, "resolve %s: %s", u->host, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (fd == -1)
			continue;
		if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, sizeof(rcvbuf)) == -1) {
			tsc_seterr(res, "SO_RCVBUF: %s", strerror(errno));
			close(fd);
			fd = -1;
			break;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			rc = poll(&pfd, 1, tsc_ms_left(deadline));
			len = sizeof(err);
			if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &err, &len) == 0 && err == 0)
				break;
			errno = rc == 0 ? ETIMEDOUT : (rc == 1 ? err : errno);
		}
		tsc_seterr(res, "connect %s port %s: %s", u->host, u->port,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd != -1)
		res->error[0] = '\0';	/* an earlier address failed, not this */
	return fd;
}

static int
tsc_send_all(int fd, const char *buf, size_t len, double deadline)
{
	struct pollfd pfd;
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, tsc_ms_left(deadline)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

static int
tsc_send_request(int fd, const struct httpc_url *u, const struct tsc_opts *o,
    double deadline)
{
	char req[HTTPC_PATH_MAX + 8192];
	ssize_t len;

	len = httpc_request(req, sizeof(req), u, o->headers, o->nheaders,
	    TSC_USER_AGENT, 1);
	if (len == -1)
		return -1;
	return tsc_send_all(fd, req, len, deadline);
}

/* AF present with discontinuity_indicator set. */
static int
tsc_disc_flag(const uint8_t *pkt)
{
	return ts_has_adaptation(pkt) && pkt[4] > 0 && (pkt[5] & 0x80);
}

static void
tsc_packet(struct tsc_ctx *x, const uint8_t *pkt)
{
	struct tsc_result *r = x->res;
	uint16_t pid = ts_pid(pkt);
	uint64_t pcr;
	int flags, cc, disc;

	flags = tsscan_packet(&x->scan, pkt, &pcr);
	if (r->packets == 0) {
		r->first_pid = pid;
		r->first_is_pat = (flags & TS_F_PAT) != 0;
	}
	if (flags & TS_F_KEYFRAME) {
		r->keyframes++;
		if (r->first_keyframe_packet < 0)
			r->first_keyframe_packet = r->packets;
	}
	if (!r->first_video_seen &&
	    (flags & (TS_F_VIDEO_PES_START | TS_F_KEYFRAME))) {
		r->first_video_seen = 1;
		r->first_video_is_keyframe = (flags & TS_F_KEYFRAME) != 0;
	}
	r->packets++;
	if (pid == TS_PID_NULL) {
		r->null_packets++;
		return;
	}
	disc = tsc_disc_flag(pkt);
	if (disc) {
		r->discontinuities++;
		x->cc_excused[pid] = 1;
	}
	/* Packets without payload do not advance the counter (13818-1). */
	if (!ts_has_payload(pkt))
		return;
	cc = ts_cc(pkt);
	if (x->last_cc[pid] >= 0 && !x->cc_excused[pid] &&
	    cc != ((x->last_cc[pid] + 1) & 0x0f) &&
	    cc != x->last_cc[pid])		/* one duplicate is allowed */
		r->cc_errors++;
	x->last_cc[pid] = cc;
	x->cc_excused[pid] = 0;
}

/* Body bytes, in order, as the player would get them. */
static void
tsc_body(struct tsc_ctx *x, const uint8_t *p, size_t n)
{
	struct tsc_result *r = x->res;
	size_t off, consumed, nout, i;

	if (n == 0)
		return;
	if (r->bytes == 0) {
		x->first_byte = tsc_now();
		r->ttfb_ms = (x->first_byte - x->start) * 1000;
		r->aligned = 1;
	}
	/* Raw alignment: every body offset that is a multiple of 188. */
	off = (TS_PACKET_SIZE - r->bytes % TS_PACKET_SIZE) % TS_PACKET_SIZE;
	for (; off < n && r->aligned; off += TS_PACKET_SIZE)
		if (p[off] != TS_SYNC_BYTE)
			r->aligned = 0;
	r->bytes += n;
	if (x->out != NULL && fwrite(p, 1, n, x->out) != n)
		tsc_seterr(r, "write %s: %s", x->opts->outfile,
		    strerror(errno));
	while (n > 0) {
		nout = ts_sync_feed(&x->sync, p, n, &consumed, x->syncbuf,
		    TSC_SYNC_OUT_BYTES);
		for (i = 0; i + TS_PACKET_SIZE <= nout; i += TS_PACKET_SIZE)
			tsc_packet(x, x->syncbuf + i);
		if (consumed == 0 && nout == 0)
			break;		/* cannot happen with a sane ts_sync */
		p += consumed;
		n -= consumed;
	}
}

static void
tsc_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
tsc_print(const struct tsc_result *r)
{
	double rate = 0;

	if (r->body_seconds > 0)
		rate = r->bytes * 8.0 / r->body_seconds;
	printf("{\"status\":%d,\"content_type\":", r->status);
	if (r->have_content_type)
		tsc_json_str(r->content_type);
	else
		printf("null");
	printf(",\"bytes\":%llu,\"packets\":%llu,\"aligned\":%s",
	    (unsigned long long)r->bytes, (unsigned long long)r->packets,
	    r->aligned ? "true" : "false");
	if (r->first_pid >= 0)
		printf(",\"first_pid\":%d", r->first_pid);
	else
		printf(",\"first_pid\":null");
	printf(",\"first_is_pat\":%s,\"null_packets\":%llu,\"keyframes\":%llu",
	    r->first_is_pat ? "true" : "false",
	    (unsigned long long)r->null_packets,
	    (unsigned long long)r->keyframes);
	if (r->first_keyframe_packet >= 0)
		printf(",\"first_keyframe_packet\":%lld",
		    (long long)r->first_keyframe_packet);
	else
		printf(",\"first_keyframe_packet\":null");
	printf(",\"first_video_frame_is_keyframe\":%s",
	    r->first_video_is_keyframe ? "true" : "false");
	printf(",\"discontinuities\":%llu,\"cc_errors\":%llu",
	    (unsigned long long)r->discontinuities,
	    (unsigned long long)r->cc_errors);
	if (r->ttfb_ms >= 0)
		printf(",\"ttfb_ms\":%.1f", r->ttfb_ms);
	else
		printf(",\"ttfb_ms\":null");
	if (r->headers_ms >= 0)
		printf(",\"headers_ms\":%.1f", r->headers_ms);
	else
		printf(",\"headers_ms\":null");
	printf(",\"seconds\":%.3f,\"rate_bps\":%.0f,\"longest_gap_ms\":%.1f"
	    ",\"eof\":%s,\"error\":", r->seconds, rate, r->longest_gap_ms,
	    r->eof ? "true" : "false");
	if (r->error[0] != '\0')
		tsc_json_str(r->error);
	else
		printf("null");
	printf("}\n");
	fflush(stdout);
}

/* -S: keep the connection, read nothing, notice a close by the peer. */
static void
tsc_stall(int fd, double deadline, struct tsc_result *r)
{
	struct pollfd pfd;
	int rc;

	while (tsc_now() < deadline) {
		pfd.fd = fd;
		pfd.events = POLLRDHUP;
		rc = poll(&pfd, 1, tsc_ms_left(deadline));
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			return;
		if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			r->eof = 1;
			return;
		}
	}
}

/* How many bytes -r allows now; 0 means wait. */
static size_t
tsc_allowance(struct tsc_ctx *x, size_t want)
{
	double allowed;

	if (x->opts->rate <= 0 || x->first_byte == 0)
		return want;
	allowed = x->opts->rate * (tsc_now() - x->first_byte) -
	    (double)x->res->bytes;
	if (allowed < 1)
		return 0;
	return allowed < want ? (size_t)allowed : want;
}

/* Pass the body bytes among P/LEN on.  -1 on malformed framing. */
static int
tsc_feed(struct tsc_ctx *x, struct httpc_framing *f, const uint8_t *p,
    size_t len)
{
	struct tsc_result *r = x->res;
	const uint8_t *span;
	size_t off = 0, spanlen;
	ssize_t step;

	while (off < len) {
		step = httpc_body_step(f, r->bytes, p + off, len - off, &span,
		    &spanlen);
		if (step == -1)
			return -1;
		if (step == 0)
			break;		/* after the last chunk */
		off += step;
		if (x->opts->max_bytes > 0 && (long long)(r->bytes +
		    spanlen) > x->opts->max_bytes)
			spanlen = x->opts->max_bytes - r->bytes;
		tsc_body(x, span, spanlen);
	}
	return 0;
}

/*
 * Read the response head, one recv() worth.  The socket is peeked first so
 * that exactly the head is consumed and every body byte goes through the
 * -n / -S / -r accounting.  Returns 1 when a final (non-1xx) head was
 * taken, 0 when more is needed or the peer closed (*N = 0), -1 on error.
 */
static int
tsc_read_head(int fd, struct tsc_ctx *x, struct httpc_framing *f, char *head,
    size_t *headlen, ssize_t *n)
{
	struct tsc_result *r = x->res;
	struct httpc_head h;
	size_t hend;
	int rc;

	*n = recv(fd, head + *headlen, TSC_HEAD_MAX_BYTES - 1 - *headlen,
	    MSG_PEEK);
	if (*n <= 0)
		return *n == -1 && errno != EAGAIN && errno != EINTR ? -1 : 0;
	hend = httpc_head_end(head, *headlen + *n);
	if (hend != 0)
		*n = hend - *headlen;	/* consume the head, not the body */
	if ((*n = recv(fd, head + *headlen, *n, 0)) <= 0)
		return -1;
	*headlen += *n;
	if (hend == 0) {
		if (*headlen == TSC_HEAD_MAX_BYTES - 1) {
			tsc_seterr(r, "response head too large");
			return -1;
		}
		return 0;
	}
	head[hend] = '\0';
	*headlen = 0;
	rc = httpc_parse_head(head, &h);
	r->status = h.status;
	if (rc == -1) {
		tsc_seterr(r, "malformed response head");
		return -1;
	}
	if (r->status < 200) {
		r->status = 0;		/* 1xx interim: the real head follows */
		return 0;
	}
	r->have_content_type = h.have_content_type;
	memcpy(r->content_type, h.content_type, sizeof(r->content_type));
	httpc_framing_init(f, &h);
	r->headers_ms = (tsc_now() - x->start) * 1000;
	return 1;
}

/* Body bytes that may be read now (-n, -S, -r); 0 = none, -1 = stop. */
static long long
tsc_want(struct tsc_ctx *x, size_t bufsize)
{
	struct tsc_opts *o = x->opts;
	long long limit = 0, want = bufsize;

	if (o->max_bytes > 0)
		limit = o->max_bytes;
	if (o->stop_after > 0 && (limit == 0 || o->stop_after < limit))
		limit = o->stop_after;
	if (limit > 0) {
		if ((long long)x->res->bytes >= limit)
			return -1;
		if (want > limit - (long long)x->res->bytes)
			want = limit - (long long)x->res->bytes;
	}
	return tsc_allowance(x, want);
}

/* Why the connection closed, when that was early. */
static void
tsc_closed(const struct httpc_framing *f, int in_head, struct tsc_result *r)
{
	r->eof = 1;
	if (in_head)
		tsc_seterr(r, "connection closed before the response head");
	else if (f->chunked && f->ch.state != HTTPC_CH_DONE)
		tsc_seterr(r, "connection closed inside the chunked body");
	else if (!f->chunked && f->clen >= 0 && (long long)r->bytes < f->clen)
		tsc_seterr(r, "connection closed after %llu of %lld body "
		    "bytes", (unsigned long long)r->bytes, f->clen);
}

/*
 * Read the response until EOF, the deadline, -n or -S.  Returns 0, or -1
 * with the error recorded.
 */
static int
tsc_read_response(int fd, struct tsc_ctx *x, double deadline)
{
	struct tsc_result *r = x->res;
	struct httpc_framing f;
	static uint8_t buf[TSC_READ_BYTES];
	char *head;
	size_t headlen = 0;
	long long want;
	int in_head = 1, took_head, rc;
	struct pollfd pfd;
	ssize_t n;
	double t;

	memset(&f, 0, sizeof(f));
	f.clen = -1;
	if ((head = malloc(TSC_HEAD_MAX_BYTES)) == NULL) {
		tsc_seterr(r, "malloc: %s", strerror(errno));
		return -1;
	}
	while (tsc_now() < deadline) {
		want = in_head ? (long long)(TSC_HEAD_MAX_BYTES - headlen) :
		    tsc_want(x, sizeof(buf));
		if (want == -1)
			break;
		if (want == 0) {
			usleep(TSC_THROTTLE_SLEEP_MS * 1000);
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, tsc_ms_left(deadline));
		if (rc <= 0)
			continue;	/* EINTR, or the deadline ends it */
		took_head = 0;
		if (in_head) {
			rc = tsc_read_head(fd, x, &f, head, &headlen, &n);
			if (rc == -1) {
				tsc_seterr(r, "recv: %s", strerror(errno));
				break;
			}
			took_head = rc == 1;
			in_head = !took_head;
		} else
			n = recv(fd, buf, want, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1) {
			tsc_seterr(r, "recv: %s", strerror(errno));
			r->eof = 1;
			break;
		}
		if (n == 0) {
			tsc_closed(&f, in_head, r);
			break;
		}
		t = tsc_now();
		if (x->last_read > 0 && (t - x->last_read) * 1000 >
		    r->longest_gap_ms)
			r->longest_gap_ms = (t - x->last_read) * 1000;
		x->last_read = t;
		if (!took_head && !in_head && tsc_feed(x, &f, buf, n) == -1) {
			tsc_seterr(r, "malformed chunked body");
			break;
		}
		if (!in_head && httpc_complete(&f, r->bytes)) {
			r->eof = 1;	/* the whole response was read */
			break;
		}
	}
	if (in_head && r->error[0] == '\0')
		tsc_seterr(r, "timed out waiting for the response head");
	if (!in_head && x->opts->stop_after > 0 && !r->eof &&
	    r->error[0] == '\0' && (long long)r->bytes >= x->opts->stop_after)
		tsc_stall(fd, deadline, r);
	free(head);
	return r->error[0] != '\0' ? -1 : 0;
}

static void
tsc_getopts(int argc, char **argv, struct tsc_opts *o)
{
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->seconds = TSC_DEFAULT_SECONDS;
	while ((ch = getopt(argc, argv, "t:n:o:H:r:S:b:")) != -1) {
		end = NULL;
		switch (ch) {
		case 't':
			o->seconds = strtod(optarg, &end);
			if (o->seconds <= 0)
				tsc_usage();
			break;
		case 'n':
			o->max_bytes = strtoll(optarg, &end, 10);
			if (o->max_bytes <= 0)
				tsc_usage();
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 'H':
			if (o->nheaders == TSC_MAX_HEADERS ||
			    !httpc_header_ok(optarg))
				tsc_usage();
			o->headers[o->nheaders++] = optarg;
			break;
		case 'r':
			o->rate = strtod(optarg, &end);
			if (o->rate <= 0)
				tsc_usage();
			break;
		case 'S':
			o->stop_after = strtoll(optarg, &end, 10);
			if (o->stop_after <= 0)
				tsc_usage();
			break;
		case 'b':
			o->rcvbuf = (int)strtol(optarg, &end, 10);
			if (o->rcvbuf <= 0)
				tsc_usage();
			break;
		default:
			tsc_usage();
		}
		if (end != NULL && *end != '\0')
			tsc_usage();
	}
	if (optind + 1 != argc)
		tsc_usage();
	o->url = argv[optind];
}

int
main(int argc, char **argv)
{
	struct tsc_opts opts;
	struct tsc_result res;
	struct tsc_ctx *x;
	struct httpc_url url;
	double deadline;
	int fd, rc = 1;

	tsc_getopts(argc, argv, &opts);
	signal(SIGPIPE, SIG_IGN);
	memset(&res, 0, sizeof(res));
	res.first_pid = -1;
	res.first_keyframe_packet = -1;
	res.ttfb_ms = -1;
	res.headers_ms = -1;
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->syncbuf = malloc(TSC_SYNC_OUT_BYTES)) == NULL) {
		perror("tsclient: malloc");
		return 1;
	}
	x->opts = &opts;
	x->res = &res;
	memset(x->last_cc, -1, sizeof(x->last_cc));
	tsscan_init(&x->scan);
	ts_sync_reset(&x->sync);
	x->start = tsc_now();
	deadline = x->start + opts.seconds;

	if (httpc_parse_url(opts.url, &url) == -1) {
		tsc_seterr(&res, "bad URL (want http://host[:port]/path): %s",
		    opts.url);
		goto done;
	}
	if (opts.outfile != NULL &&
	    (x->out = fopen(opts.outfile, "wb")) == NULL) {
		tsc_seterr(&res, "%s: %s", opts.outfile, strerror(errno));
		goto done;
	}
	if ((fd = tsc_connect(&url, opts.rcvbuf, deadline, &res)) == -1)
		goto done;
	if (tsc_send_request(fd, &url, &opts, deadline) == -1)
		tsc_seterr(&res, "send: %s", strerror(errno));
	else if (tsc_read_response(fd, x, deadline) == 0) {
		if (res.status < 200 || res.status > 299)
			tsc_seterr(&res, "HTTP status %d", res.status);
		else
			rc = 0;
	}
	close(fd);
 done:
	res.seconds = tsc_now() - x->start;
	/* A stalled (-S) client's rate is over the time it was reading. */
	if (x->first_byte > 0)
		res.body_seconds = (opts.stop_after > 0 ? x->last_read :
		    tsc_now()) - x->first_byte;
	if (x->out != NULL && fclose(x->out) != 0)
		tsc_seterr(&res, "%s: %s", opts.outfile, strerror(errno));
	tsc_print(&res);
	free(x->syncbuf);
	free(x);
	return res.error[0] != '\0' ? 1 : rc;
}
