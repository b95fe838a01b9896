/*
 * test_msg.c - internal message framing: round trip over a real
 * SOCK_SEQPACKET pair, and rejection of every malformed shape.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rejects_malformed),
		cmocka_unit_test(test_oversize_send_refused),
	};

	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
