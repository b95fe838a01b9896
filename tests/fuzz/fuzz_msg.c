/*
 * fuzz_msg.c - libFuzzer target for the internal message framing
 * (src/lib/msg.c).
 *
 * The input is one datagram as a child (or something pretending to be
 * one) could send on its channel.  msg_decode() must accept exactly the
 * well-formed ones (known type, payload length in the header equal to
 * what follows and at most MSG_MAX_PAYLOAD) and copy the payload with a
 * NUL after it, which msg_get_text() splits into a fixed part and a
 * NUL-terminated text.  The same datagram is then sent on a
 * SOCK_SEQPACKET pair: msg_recv() must agree with msg_decode(), and an
 * accepted message sent again with msg_send() must come back unchanged.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "msg.h"

static int
well_formed(const uint8_t *data, size_t size)
{
	struct msg_hdr h;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	return h.type >= MSG_EVENT && h.type < MSG_TYPE_MAX &&
	    h.len <= MSG_MAX_PAYLOAD && h.len == size - sizeof(h);
}

/* The fixed part and the text of a typed message (msg_get_text). */
static void
check_text(const struct msg *m)
{
	struct msg_create_reply fixed;
	const char *text;
	size_t len;

	if (msg_get_text(m, &fixed, sizeof(fixed), &text, &len) == 0)
		CHECK(m->len >= sizeof(fixed) &&
		    memcmp(&fixed, m->payload, sizeof(fixed)) == 0 &&
		    text == (const char *)m->payload + sizeof(fixed) &&
		    len == m->len - sizeof(fixed) && text[len] == '\0');
	else
		CHECK(m->len < sizeof(fixed));
}

static void
check_msg(const struct msg *m, const uint8_t *data, size_t size)
{
	int32_t v;

	CHECK(m->len == size - sizeof(struct msg_hdr));
	CHECK(memcmp(&m->type, data, sizeof(m->type)) == 0);
	CHECK(memcmp(m->payload, data + sizeof(struct msg_hdr), m->len) == 0);
	CHECK(m->payload[m->len] == '\0');
	if (msg_get_int(m, &v) == 0)
		CHECK(m->len == sizeof(v) &&
		    memcmp(&v, m->payload, sizeof(v)) == 0);
	else
		CHECK(m->len != sizeof(v));
	check_text(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct msg m, m2;
	int	 ok, r, sp[2];

	/* DATA exactly SIZE bytes: ASan sees any read beyond it. */
	memset(&m, 0xA5, sizeof(m));
	ok = msg_decode(data, size, &m) == 0;
	CHECK(ok == well_formed(data, size));
	if (ok)
		check_msg(&m, data, size);

	if (size == 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
	    0, sp) == -1)
		return 0;
	if (send(sp[1], data, size, MSG_DONTWAIT) == (ssize_t)size) {
		memset(&m2, 0x5A, sizeof(m2));
		r = msg_recv(sp[0], &m2);
		if (ok) {
			CHECK(r == 1);
			check_msg(&m2, data, size);
		} else
			CHECK(r == -1 && errno == EBADMSG);
	}
	if (ok) {
		CHECK(msg_send(sp[1], (enum msg_type)m.type, m.payload,
		    m.len) == 0);
		memset(&m2, 0, sizeof(m2));
		CHECK(msg_recv(sp[0], &m2) == 1);
		check_msg(&m2, data, size);
	} else if (size > sizeof(struct msg_hdr) + MSG_MAX_PAYLOAD) {
		errno = 0;
		CHECK(msg_send(sp[1], MSG_EVENT, data,
		    size - sizeof(struct msg_hdr)) == -1 && errno == EMSGSIZE);
	}
	CHECK(msg_recv(sp[0], &m2) == -1 && errno == EAGAIN);
	close(sp[1]);
	CHECK(msg_recv(sp[0], &m2) == 0);
	close(sp[0]);
	return 0;
}
