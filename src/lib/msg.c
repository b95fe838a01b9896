/*
 * msg.c - framing of internal messages (see msg.h).
 *
 * SOCK_SEQPACKET keeps message boundaries, so framing is a fixed header
 * checked against the datagram size.  Sends never block: a child that
 * cannot reach the supervisor drops the message (the caller counts it)
 * rather than stall the data path.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "msg.h"

/* Send the header and the N parts of IOV (at most 2) as one datagram. */
static int
msg_sendv(int fd, enum msg_type type, const struct iovec *parts, int n)
{
	struct iovec iov[3];
	struct msghdr mh;
	struct msg_hdr h;
	size_t len = 0;
	int i, used = 1;

	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	for (i = 0; i < n; i++) {
		len += parts[i].iov_len;
		if (parts[i].iov_len > 0)
			iov[used++] = parts[i];
	}
	if (len > MSG_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	h.type = (uint32_t)type;
	h.len = (uint32_t)len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)used;
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		return -1;
	return 0;
}

int
msg_send(int fd, enum msg_type type, const void *payload, size_t len)
{
	struct iovec part = { (void *)payload, len };

	return msg_sendv(fd, type, &part, 1);
}

int
msg_send_text(int fd, enum msg_type type, const void *fixed, size_t fixedsz,
    const char *text, size_t len)
{
	struct iovec parts[2] = {
		{ (void *)fixed, fixedsz }, { (void *)text, len },
	};

	return msg_sendv(fd, type, parts, 2);
}

int
msg_decode(const uint8_t *buf, size_t len, struct msg *m)
{
	struct msg_hdr h;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (h.type == 0 || h.type >= MSG_TYPE_MAX || h.len > MSG_MAX_PAYLOAD ||
	    h.len != len - sizeof(h))
		return -1;
	m->type = h.type;
	m->len = h.len;
	memcpy(m->payload, buf + sizeof(h), h.len);
	m->payload[h.len] = '\0';
	return 0;
}

int
msg_recv(int fd, struct msg *m)
{
	uint8_t buf[sizeof(struct msg_hdr) + MSG_MAX_PAYLOAD + 1];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1)
		return -1;
	if (n == 0)
		return 0;
	if ((size_t)n > sizeof(buf) - 1 || msg_decode(buf, (size_t)n, m) == -1) {
		errno = EBADMSG;
		return -1;
	}
	return 1;
}

int
msg_get_int(const struct msg *m, int32_t *v)
{
	if (m->len != sizeof(*v))
		return -1;
	memcpy(v, m->payload, sizeof(*v));
	return 0;
}

int
msg_get_text(const struct msg *m, void *fixed, size_t fixedsz,
    const char **text, size_t *len)
{
	if (m->len < fixedsz)
		return -1;
	memcpy(fixed, m->payload, fixedsz);
	*text = (const char *)m->payload + fixedsz;
	*len = m->len - fixedsz;
	return 0;
}
