/*
 * msg.h - typed messages between the supervisor and its children.
 *
 * Every child has one SOCK_SEQPACKET socketpair to the supervisor, so a
 * message is one datagram: an 8-byte header (type, payload length) and the
 * payload.  Receivers size-check every message; a child exits when its
 * channel closes.
 */
#ifndef RINGCAST_MSG_H
#define RINGCAST_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MSG_MAX_PAYLOAD	4096

enum msg_type {
	MSG_EVENT = 1,		/* child -> sup: event JSON object, no time */
	MSG_STREAM_WANT,	/* worker -> sup: int32 slot needs its fetcher */
	MSG_STREAM_EOF,		/* fetcher -> sup: upstream ended, don't restart */
	MSG_SHUTDOWN,		/* sup -> child: finish and exit */
	MSG_QUIESCE,		/* sup -> worker: stop accepting, drain, exit */
	MSG_ADMIN,		/* worker -> sup: uint32 id, command text */
	MSG_ADMIN_REPLY,	/* sup -> worker: uint32 id, uint32 ok, text */
	MSG_STREAM_NOT_FOUND,	/* fetcher -> sup: every URL answered 404 */
	MSG_STREAM_CREATE,	/* worker -> sup: struct msg_create, key */
	MSG_STREAM_CREATE_REPLY,	/* sup -> worker: struct msg_create_reply,
				 * reason */
	MSG_ORIGIN,		/* fetcher -> sup: to its stream's origin */
	MSG_ORIGIN_REPLY,	/* sup -> fetcher: the origin's answer */
	MSG_TYPE_MAX,
};

/* MSG_STREAM_CREATE: the fixed part; the key follows (no NUL). */
struct msg_create {
	uint32_t	id;		/* the worker's request id */
	uint32_t	origin;		/* enum stream_origin */
};

/* MSG_STREAM_CREATE_REPLY: the fixed part; a reason text follows. */
struct msg_create_reply {
	uint32_t	id;
	int32_t		slot;		/* -1: refused */
	uint32_t	status;		/* HTTP status when refused */
	uint32_t	retry_after_s;	/* 0: none */
};

struct msg_hdr {
	uint32_t	type;
	uint32_t	len;
};

struct msg {
	uint32_t	type;
	uint32_t	len;
	uint8_t		payload[MSG_MAX_PAYLOAD + 1];	/* NUL-terminated */
};

/* Non-blocking send; -1 with errno (EAGAIN: the channel is full). */
int	 msg_send(int fd, enum msg_type, const void *payload, size_t len);
/*
 * Receive one message.  Returns 1 with *M filled, 0 on EOF, -1 with errno
 * (EAGAIN when none pending, EBADMSG on a malformed message).
 */
int	 msg_recv(int fd, struct msg *m);
/* Validate a raw datagram; 0 and *M filled, or -1 (pure, unit-tested). */
int	 msg_decode(const uint8_t *buf, size_t len, struct msg *m);
/* Payload as an int32 (MSG_STREAM_WANT); -1 when the size is wrong. */
int	 msg_get_int(const struct msg *, int32_t *);

#endif
