/*
 * test_webhook.c - the events webhook: its bounded queue (order, limits
 * in events and bytes, drop-oldest while the head is in flight), the
 * backoff schedule and answer classification, and the process end to end
 * against a tiny HTTP server on 127.0.0.1: every event arrives once, in
 * order, over one kept-alive connection, through failed attempts;
 * rejected and undeliverable events are counted as dropped; the process
 * exits when its channel closes or on SIGTERM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "msg.h"
#include "state.h"
#include "util.h"
#include "webhook.h"

/* ---- queue ---- */

static void
push_str(struct webhook_queue *q, const char *s, int want)
{
	assert_int_equal(webhook_queue_push(q, s, strlen(s)), want);
}

static void
expect_head(struct webhook_queue *q, const char *s)
{
	const struct webhook_event *ev = webhook_queue_peek(q);

	assert_non_null(ev);
	assert_int_equal(ev->len, strlen(s));
	assert_string_equal(ev->data, s);
}

static void
test_queue_order(void **unused)
{
	struct webhook_queue q;
	char s[32];
	int i, round;

	(void)unused;
	assert_int_equal(webhook_queue_init(&q, 4, 1024), 0);
	assert_null(webhook_queue_peek(&q));
	/* Several rounds so the ring wraps around. */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 4; i++) {
			snprintf(s, sizeof(s), "{\"n\":%d}", round * 10 + i);
			push_str(&q, s, 0);
		}
		assert_int_equal(webhook_queue_count(&q), 4);
		assert_int_equal(webhook_queue_bytes(&q), 4 * strlen(s));
		for (i = 0; i < 4; i++) {
			snprintf(s, sizeof(s), "{\"n\":%d}", round * 10 + i);
			expect_head(&q, s);
			webhook_queue_pop(&q);
		}
		assert_null(webhook_queue_peek(&q));
		assert_int_equal(webhook_queue_bytes(&q), 0);
	}
	webhook_queue_pop(&q);		/* empty: no-op */
	assert_int_equal(webhook_queue_count(&q), 0);
	webhook_queue_free(&q);
}

static void
test_queue_capacity_events(void **unused)
{
	struct webhook_queue q;

	(void)unused;
	assert_int_equal(webhook_queue_init(&q, 3, 1024), 0);
	push_str(&q, "a", 0);
	push_str(&q, "b", 0);
	push_str(&q, "c", 0);
	push_str(&q, "d", 1);		/* "a", the oldest, goes */
	assert_int_equal(webhook_queue_count(&q), 3);
	expect_head(&q, "b");
	webhook_queue_pop(&q);
	expect_head(&q, "c");
	webhook_queue_pop(&q);
	expect_head(&q, "d");
	webhook_queue_free(&q);
}

static void
test_queue_capacity_bytes(void **unused)
{
	struct webhook_queue q;

	(void)unused;
	assert_int_equal(webhook_queue_init(&q, 100, 10), 0);
	push_str(&q, "aaaa", 0);
	push_str(&q, "bbbb", 0);
	push_str(&q, "cccc", 1);	/* 12 > 10: "aaaa" goes */
	assert_int_equal(webhook_queue_bytes(&q), 8);
	expect_head(&q, "bbbb");
	/* Larger than the whole limit: refused, nothing evicted. */
	errno = 0;
	assert_int_equal(webhook_queue_push(&q, "0123456789x", 11), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(webhook_queue_count(&q), 2);
	/* Exactly the limit: everything else goes. */
	push_str(&q, "0123456789", 2);
	assert_int_equal(webhook_queue_count(&q), 1);
	assert_int_equal(webhook_queue_bytes(&q), 10);
	expect_head(&q, "0123456789");
	webhook_queue_free(&q);
}

static void
test_queue_in_flight_head_kept(void **unused)
{
	struct webhook_queue q;
	const struct webhook_event *ev;

	(void)unused;
	assert_int_equal(webhook_queue_init(&q, 3, 1024), 0);
	push_str(&q, "a", 0);
	push_str(&q, "b", 0);
	push_str(&q, "c", 0);
	ev = webhook_queue_begin(&q);
	assert_non_null(ev);
	assert_string_equal(ev->data, "a");
	push_str(&q, "d", 1);		/* "b" goes, "a" is in flight */
	push_str(&q, "e", 1);		/* then "c" */
	assert_ptr_equal(webhook_queue_peek(&q), ev);
	assert_string_equal(ev->data, "a");	/* still valid */
	webhook_queue_end(&q, 0);	/* failed: "a" stays for a retry */
	expect_head(&q, "a");
	push_str(&q, "f", 1);		/* no longer in flight: "a" goes */
	expect_head(&q, "d");
	webhook_queue_begin(&q);
	webhook_queue_end(&q, 1);	/* delivered */
	expect_head(&q, "e");
	webhook_queue_pop(&q);
	expect_head(&q, "f");
	webhook_queue_pop(&q);
	assert_null(webhook_queue_begin(&q));
	webhook_queue_free(&q);

	/* A byte limit with only the in-flight head: the new one is
	 * refused, not the head. */
	assert_int_equal(webhook_queue_init(&q, 10, 8), 0);
	push_str(&q, "aaaaaa", 0);
	webhook_queue_begin(&q);
	errno = 0;
	assert_int_equal(webhook_queue_push(&q, "bbbb", 4), -1);
	assert_int_equal(errno, EMSGSIZE);
	expect_head(&q, "aaaaaa");
	webhook_queue_end(&q, 0);
	push_str(&q, "bbbb", 1);
	expect_head(&q, "bbbb");
	webhook_queue_free(&q);
}

static void
test_queue_free_with_items(void **unused)
{
	struct webhook_queue q;
	int i;

	(void)unused;
	assert_int_equal(webhook_queue_init(&q, WEBHOOK_QUEUE_MAX_EVENTS,
	    WEBHOOK_QUEUE_MAX_BYTES), 0);
	for (i = 0; i < 1000; i++)
		push_str(&q, "{\"event\":\"x\"}", 0);
	webhook_queue_begin(&q);	/* even with one in flight */
	webhook_queue_free(&q);		/* LeakSanitizer checks */
	assert_null(q.items);
	assert_int_equal(webhook_queue_count(&q), 0);
}

static void
test_queue_init_limits(void **unused)
{
	struct webhook_queue q;

	(void)unused;
	errno = 0;
	assert_int_equal(webhook_queue_init(&q, 0, 10), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(webhook_queue_init(&q, 10, 0), -1);
}

/* ---- retry policy ---- */

static void
test_backoff(void **unused)
{
	(void)unused;
	assert_int_equal(webhook_backoff_ms(0), 0);
	assert_int_equal(webhook_backoff_ms(1), 500);
	assert_int_equal(webhook_backoff_ms(2), 1000);
	assert_int_equal(webhook_backoff_ms(3), 2000);
	assert_int_equal(webhook_backoff_ms(4), 4000);
	assert_int_equal(webhook_backoff_ms(5), 8000);
	assert_int_equal(webhook_backoff_ms(6), 16000);
	assert_int_equal(webhook_backoff_ms(7), 30000);
	assert_int_equal(webhook_backoff_ms(8), 30000);
	assert_int_equal(webhook_backoff_ms(1000), 30000);
	assert_int_equal(webhook_backoff_ms(~0u), 30000);
}

static void
test_classify(void **unused)
{
	(void)unused;
	assert_int_equal(webhook_classify(1, 200), WEBHOOK_DELIVERED);
	assert_int_equal(webhook_classify(1, 204), WEBHOOK_DELIVERED);
	assert_int_equal(webhook_classify(1, 500), WEBHOOK_RETRY);
	assert_int_equal(webhook_classify(1, 503), WEBHOOK_RETRY);
	assert_int_equal(webhook_classify(1, 408), WEBHOOK_RETRY);
	assert_int_equal(webhook_classify(1, 429), WEBHOOK_RETRY);
	assert_int_equal(webhook_classify(0, 0), WEBHOOK_RETRY);
	assert_int_equal(webhook_classify(0, 200), WEBHOOK_RETRY);
	assert_int_equal(webhook_classify(1, 400), WEBHOOK_REJECTED);
	assert_int_equal(webhook_classify(1, 404), WEBHOOK_REJECTED);
	assert_int_equal(webhook_classify(1, 301), WEBHOOK_REJECTED);
}

/* ---- the process against a tiny HTTP server ---- */

#define SRV_CONNS	8
#define SRV_BODIES	64

struct srv_conn {
	int	 fd;
	char	 buf[16384];
	size_t	 len;
};

struct srv {
	int		 lfd;
	int		 port;
	int		 fail_first;	/* answer 500 to this many */
	int		 status;	/* then this */
	int		 accepted;
	int		 requests;
	int		 bad_requests;	/* not a JSON POST */
	int		 n_bodies;
	char		*bodies[SRV_BODIES];
	struct srv_conn	 conns[SRV_CONNS];
};

static void
srv_open(struct srv *s, int fail_first, int status)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int i;

	memset(s, 0, sizeof(*s));
	s->fail_first = fail_first;
	s->status = status;
	for (i = 0; i < SRV_CONNS; i++)
		s->conns[i].fd = -1;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(listen(s->lfd, 16), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sin, &sl),
	    0);
	s->port = ntohs(sin.sin_port);
}

static void
srv_close(struct srv *s)
{
	int i;

	for (i = 0; i < SRV_CONNS; i++)
		if (s->conns[i].fd != -1)
			close(s->conns[i].fd);
	for (i = 0; i < s->n_bodies; i++)
		free(s->bodies[i]);
	if (s->lfd != -1)
		close(s->lfd);
}

static void
srv_answer(struct srv *s, struct srv_conn *c, const char *req, size_t hlen,
    size_t blen)
{
	char resp[128], *body;
	int status, n;

	s->requests++;
	if (strncmp(req, "POST ", 5) != 0 ||
	    strcasestr(req, "\r\nContent-Type: application/json") == NULL ||
	    strcasestr(req, "\r\nUser-Agent: ringcast-test") == NULL)
		s->bad_requests++;
	status = s->requests <= s->fail_first ? 500 : s->status;
	if (status / 100 == 2 && s->n_bodies < SRV_BODIES) {
		body = malloc(blen + 1);
		assert_non_null(body);
		memcpy(body, req + hlen, blen);
		body[blen] = '\0';
		s->bodies[s->n_bodies++] = body;
	}
	n = snprintf(resp, sizeof(resp),
	    "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", status);
	assert_int_equal(write(c->fd, resp, (size_t)n), n);
}

/* Answer every complete request buffered on C. */
static void
srv_parse(struct srv *s, struct srv_conn *c)
{
	char *end, *cl;
	size_t hlen, blen, total;

	for (;;) {
		c->buf[c->len] = '\0';
		if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
			return;
		hlen = (size_t)(end - c->buf) + 4;
		blen = 0;
		if ((cl = strcasestr(c->buf, "\r\nContent-Length:")) != NULL &&
		    cl < end)
			blen = strtoul(cl + 17, NULL, 10);
		total = hlen + blen;
		if (c->len < total)
			return;
		srv_answer(s, c, c->buf, hlen, blen);
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
	}
}

/* Serve for at most TIMEOUT_MS. */
static void
srv_step(struct srv *s, int timeout_ms)
{
	struct pollfd pfd[SRV_CONNS + 1];
	struct srv_conn *c;
	ssize_t n;
	int i, fd;

	pfd[0].fd = s->lfd;
	pfd[0].events = POLLIN;
	for (i = 0; i < SRV_CONNS; i++) {
		pfd[i + 1].fd = s->conns[i].fd;
		pfd[i + 1].events = POLLIN;
	}
	if (poll(pfd, SRV_CONNS + 1, timeout_ms) <= 0)
		return;
	if (pfd[0].revents & POLLIN) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		for (i = 0; fd != -1 && i < SRV_CONNS; i++)
			if (s->conns[i].fd == -1) {
				s->conns[i].fd = fd;
				s->conns[i].len = 0;
				s->accepted++;
				fd = -1;
			}
		if (fd != -1)
			close(fd);
	}
	for (i = 0; i < SRV_CONNS; i++) {
		c = &s->conns[i];
		if (c->fd == -1 || pfd[i + 1].revents == 0)
			continue;
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		if (n <= 0) {
			close(c->fd);
			c->fd = -1;
			continue;
		}
		c->len += (size_t)n;
		srv_parse(s, c);
	}
}

static struct state *
shared_state(void)
{
	struct state *st;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(st != MAP_FAILED);
	return st;
}

/* Fork webhook_main on a fresh channel; *CHAN is the supervisor's end. */
static pid_t
spawn_webhook(struct srv *s, int port, struct state *st, int *chan)
{
	char url[64];
	int sv[2];
	pid_t pid;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", port);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (s != NULL)
			close(s->lfd);
		close(sv[0]);
		webhook_main(sv[1], url, "ringcast-test", st);
	}
	close(sv[1]);
	*chan = sv[0];
	return pid;
}

static void
send_events(int chan, int first, int n)
{
	char obj[128];
	int i;

	for (i = first; i < first + n; i++) {
		snprintf(obj, sizeof(obj),
		    "{\"time\":\"2026-01-01T00:00:00.000Z\",\"event\":\"test\","
		    "\"n\":%d}", i);
		assert_int_equal(msg_send(chan, MSG_EVENT, obj, strlen(obj)),
		    0);
	}
}

/* Wait up to MS for PID to exit (serving S meanwhile); its status or -1. */
static int
wait_exit(struct srv *s, pid_t pid, int ms)
{
	uint64_t until = now_ms() + (uint64_t)ms;
	int status;

	while (now_ms() < until) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		if (s != NULL)
			srv_step(s, 10);
		else
			sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void
test_process_delivers_in_order(void **unused)
{
	struct state *st = shared_state();
	struct srv s;
	char want[128];
	uint64_t until;
	int chan, i, status;
	pid_t pid;

	(void)unused;
	srv_open(&s, 2, 200);
	pid = spawn_webhook(&s, s.port, st, &chan);
	send_events(chan, 0, 20);
	until = now_ms() + 15000;
	while (s.n_bodies < 20 && now_ms() < until)
		srv_step(&s, 50);
	/* Nothing more arrives (no duplicates). */
	until = now_ms() + 300;
	while (now_ms() < until)
		srv_step(&s, 50);
	assert_int_equal(s.n_bodies, 20);
	for (i = 0; i < 20; i++) {
		snprintf(want, sizeof(want),
		    "{\"time\":\"2026-01-01T00:00:00.000Z\",\"event\":\"test\","
		    "\"n\":%d}", i);
		assert_string_equal(s.bodies[i], want);
	}
	assert_int_equal(s.requests, 22);	/* two 500s, retried */
	assert_int_equal(s.bad_requests, 0);
	assert_int_equal(s.accepted, 1);	/* one kept-alive connection */
	assert_int_equal(atomic_load(&st->events_dropped), 0);

	close(chan);			/* the supervisor is gone */
	status = wait_exit(&s, pid, 3000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	srv_close(&s);
	munmap(st, sizeof(*st));
}

static void
test_process_rejected_dropped(void **unused)
{
	struct state *st = shared_state();
	struct srv s;
	uint64_t until;
	int chan, status;
	pid_t pid;

	(void)unused;
	srv_open(&s, 0, 400);
	pid = spawn_webhook(&s, s.port, st, &chan);
	send_events(chan, 0, 3);
	until = now_ms() + 5000;
	while (atomic_load(&st->events_dropped) < 3 && now_ms() < until)
		srv_step(&s, 20);
	assert_int_equal(atomic_load(&st->events_dropped), 3);
	assert_int_equal(s.requests, 3);	/* 4xx: never retried */
	assert_int_equal(s.n_bodies, 0);

	kill(pid, SIGTERM);
	status = wait_exit(&s, pid, 3000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(chan);
	srv_close(&s);
	munmap(st, sizeof(*st));
}

static void
test_process_unreachable_flush_bounded(void **unused)
{
	struct state *st = shared_state();
	struct srv s;
	uint64_t started;
	int chan, status, port;
	pid_t pid;

	(void)unused;
	srv_open(&s, 0, 200);		/* a free port, then closed */
	port = s.port;
	srv_close(&s);
	pid = spawn_webhook(NULL, port, st, &chan);
	send_events(chan, 0, 5);
	sleep_ms(700);			/* a refused attempt or two */
	started = now_ms();
	kill(pid, SIGTERM);
	status = wait_exit(NULL, pid, WEBHOOK_FLUSH_MS + 2000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(now_ms() - started <= WEBHOOK_FLUSH_MS + 1000);
	assert_int_equal(atomic_load(&st->events_dropped), 5);
	close(chan);
	munmap(st, sizeof(*st));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_order),
		cmocka_unit_test(test_queue_capacity_events),
		cmocka_unit_test(test_queue_capacity_bytes),
		cmocka_unit_test(test_queue_in_flight_head_kept),
		cmocka_unit_test(test_queue_free_with_items),
		cmocka_unit_test(test_queue_init_limits),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_process_delivers_in_order),
		cmocka_unit_test(test_process_rejected_dropped),
		cmocka_unit_test(test_process_unreachable_flush_bounded),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
