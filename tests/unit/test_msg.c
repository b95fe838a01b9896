/*
 * test_msg.c - internal message framing: round trip over a real
 * SOCK_SEQPACKET pair, and rejection of every malformed shape; typed
 * messages with a text (MSG_ADMIN and its reply) on both sides.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msg.h"

static void
test_round_trip(void **state)
{
	int sv[2];
	struct msg m;
	int32_t v = 42, got;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(msg_send(sv[0], MSG_EVENT, "{\"a\":1}", 7), 0);
	assert_int_equal(msg_send(sv[0], MSG_STREAM_WANT, &v, sizeof(v)), 0);
	assert_int_equal(msg_send(sv[0], MSG_SHUTDOWN, NULL, 0), 0);
	assert_int_equal(msg_recv(sv[1], &m), 1);
	assert_int_equal(m.type, MSG_EVENT);
	assert_string_equal((char *)m.payload, "{\"a\":1}");
	assert_int_equal(msg_recv(sv[1], &m), 1);
	assert_int_equal(msg_get_int(&m, &got), 0);
	assert_int_equal(got, 42);
	assert_int_equal(msg_recv(sv[1], &m), 1);
	assert_int_equal(m.type, MSG_SHUTDOWN);
	assert_int_equal(m.len, 0);
	assert_int_equal(msg_recv(sv[1], &m), -1);
	assert_int_equal(errno, EAGAIN);
	close(sv[0]);
	assert_int_equal(msg_recv(sv[1], &m), 0);
	close(sv[1]);
}

static void
test_rejects_malformed(void **state)
{
	uint8_t raw[64] = { 0 };
	struct msg_hdr h;
	struct msg m;

	(void)state;
	assert_int_equal(msg_decode(raw, 3, &m), -1);	/* short header */
	h.type = 0;
	h.len = 0;
	memcpy(raw, &h, sizeof(h));
	assert_int_equal(msg_decode(raw, sizeof(h), &m), -1);	/* type 0 */
	h.type = MSG_TYPE_MAX;
	memcpy(raw, &h, sizeof(h));
	assert_int_equal(msg_decode(raw, sizeof(h), &m), -1);
	h.type = MSG_EVENT;
	h.len = 10;	/* says 10, carries 4 */
	memcpy(raw, &h, sizeof(h));
	assert_int_equal(msg_decode(raw, sizeof(h) + 4, &m), -1);
	h.len = MSG_MAX_PAYLOAD + 1;
	memcpy(raw, &h, sizeof(h));
	assert_int_equal(msg_decode(raw, sizeof(raw), &m), -1);
	h.len = 4;
	memcpy(raw, &h, sizeof(h));
	memcpy(raw + sizeof(h), "abcd", 4);
	assert_int_equal(msg_decode(raw, sizeof(h) + 4, &m), 0);
	assert_string_equal((char *)m.payload, "abcd");
	assert_int_equal(msg_get_int(&m, &(int32_t){ 0 }), 0);
	m.len = 3;
	assert_int_equal(msg_get_int(&m, &(int32_t){ 0 }), -1);
}

static void
test_oversize_send_refused(void **state)
{
	static char big[MSG_MAX_PAYLOAD + 1];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(msg_send(sv[0], MSG_EVENT, big, sizeof(big)), -1);
	assert_int_equal(errno, EMSGSIZE);
	close(sv[0]);
	close(sv[1]);
}

/* MSG_ADMIN and its reply: the struct and the text, as both sides see
 * them. */
static void
test_admin_round_trip(void **state)
{
	struct msg_admin req = { 7 }, got;
	struct msg_admin_reply reply = { 7, 0 }, got_reply;
	const char *text;
	size_t len;
	int sv[2];
	struct msg m;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(msg_send_text(sv[0], MSG_ADMIN, &req, sizeof(req),
	    "stop news", 9), 0);
	assert_int_equal(msg_recv(sv[1], &m), 1);
	assert_int_equal(m.type, MSG_ADMIN);
	assert_int_equal(m.len, sizeof(req) + 9);
	assert_int_equal(msg_get_text(&m, &got, sizeof(got), &text, &len), 0);
	assert_int_equal(got.id, 7);
	assert_int_equal(len, 9);
	assert_string_equal(text, "stop news");	/* NUL-terminated */
	assert_int_equal(msg_send_text(sv[1], MSG_ADMIN_REPLY, &reply,
	    sizeof(reply), "no stream named 'news'", 22), 0);
	assert_int_equal(msg_recv(sv[0], &m), 1);
	assert_int_equal(m.type, MSG_ADMIN_REPLY);
	assert_int_equal(msg_get_text(&m, &got_reply, sizeof(got_reply),
	    &text, &len), 0);
	assert_int_equal(got_reply.id, 7);
	assert_int_equal(got_reply.ok, 0);
	assert_int_equal(len, 22);
	assert_string_equal(text, "no stream named 'news'");
	/* ok, and no text at all */
	reply.ok = 1;
	assert_int_equal(msg_send_text(sv[1], MSG_ADMIN_REPLY, &reply,
	    sizeof(reply), NULL, 0), 0);
	assert_int_equal(msg_recv(sv[0], &m), 1);
	assert_int_equal(m.len, sizeof(reply));
	assert_int_equal(msg_get_text(&m, &got_reply, sizeof(got_reply),
	    &text, &len), 0);
	assert_int_equal(got_reply.ok, 1);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	close(sv[0]);
	close(sv[1]);
}

/* A message shorter than its fixed part is refused; a text that does not
 * fit is not sent. */
static void
test_text_malformed(void **state)
{
	static char big[MSG_MAX_PAYLOAD];
	struct msg_create_reply h = { 1, -1, 503, 5 };
	struct msg_admin_reply reply;
	const char *text = NULL;
	size_t len = 99;
	struct msg m;
	int sv[2];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = MSG_ADMIN_REPLY;
	m.len = sizeof(reply) - 1;
	assert_int_equal(msg_get_text(&m, &reply, sizeof(reply), &text, &len),
	    -1);
	assert_null(text);
	assert_int_equal(len, 99);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(msg_send_text(sv[0], MSG_STREAM_CREATE_REPLY, &h,
	    sizeof(h), big, sizeof(big) - sizeof(h) + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(msg_send_text(sv[0], MSG_STREAM_CREATE_REPLY, &h,
	    sizeof(h), big, sizeof(big) - sizeof(h)), 0);
	assert_int_equal(msg_recv(sv[1], &m), 1);
	assert_int_equal(m.len, MSG_MAX_PAYLOAD);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rejects_malformed),
		cmocka_unit_test(test_oversize_send_refused),
		cmocka_unit_test(test_admin_round_trip),
		cmocka_unit_test(test_text_malformed),
	};

	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
