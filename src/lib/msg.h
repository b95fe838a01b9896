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
	MSG_ADMIN,		/* worker -> sup: struct msg_admin, command */
	MSG_ADMIN_REPLY,	/* sup -> worker: struct msg_admin_reply, text */
	MSG_STREAM_NOT_FOUND,	/* fetcher -> sup: every URL answered 404 */
	MSG_STREAM_CREATE,	/* worker -> sup: struct msg_create, key */
	MSG_STREAM_CREATE_REPLY,	/* sup -> worker: struct msg_create_reply,
				 * reason */
	MSG_ORIGIN,		/* fetcher -> sup: to its stream's origin */
	MSG_ORIGIN_REPLY,	/* sup -> fetcher: the origin's answer */
	MSG_SOURCES_REFRESH,	/* sup -> source process: refresh the source
				 * named by the payload, all when empty */
	MSG_TYPE_MAX,
};

/*
 * A message with a text is a fixed part (one of the structs below) and
 * the text after it, without a NUL: msg_send_text() sends one and
 * msg_get_text() splits one, so both sides use the same struct.
 */

/* MSG_ADMIN: the fixed part; the command follows (no NUL): "reload",
 * "stop NAME" or "start NAME", 1 to MSG_ADMIN_CMD_MAX bytes. */
#define MSG_ADMIN_CMD_MAX	127
struct msg_admin {
	uint32_t	id;		/* the worker's request id */
};

/* MSG_ADMIN_REPLY: the fixed part; why not (no NUL) follows, at most
 * MSG_ADMIN_TEXT_MAX bytes, empty when ok. */
#define MSG_ADMIN_TEXT_MAX	512
struct msg_admin_reply {
	uint32_t	id;		/* the request's */
	uint32_t	ok;		/* 1: done, 0: refused */
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
/* Send FIXED (FIXEDSZ bytes: a struct msg_*) with TEXT (LEN bytes, no
 * NUL) after it, as msg_send(). */
int	 msg_send_text(int fd, enum msg_type, const void *fixed,
	    size_t fixedsz, const char *text, size_t len);
/*
 * Split M into its fixed part, copied to FIXED (FIXEDSZ bytes), and the
 * text after it: *TEXT points into M (NUL-terminated), *LEN bytes.  -1
 * when M is shorter than the fixed part (pure, unit-tested).
 */
int	 msg_get_text(const struct msg *m, void *fixed, size_t fixedsz,
	    const char **text, size_t *len);
/* Payload as an int32 (MSG_STREAM_WANT); -1 when the size is wrong. */
int	 msg_get_int(const struct msg *, int32_t *);

#endif
