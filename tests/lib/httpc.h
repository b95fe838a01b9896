/*
 * httpc.h - the plain HTTP/1.1 client pieces the test tools share
 * (tests/tools/tsclient.c, one checking player; tests/tools/loadgen.c,
 * many clients in one epoll loop): the URL, the request, the response
 * head and the body framing (chunked, Content-Length or close).
 *
 * The tools speak HTTP over sockets of their own, not libcurl, so that
 * what a test sees is exactly what went over the wire.  Nothing here
 * does I/O except httpc_resolve() (getaddrinfo): each tool keeps its own
 * socket loop (blocking-style poll in tsclient, epoll in loadgen).
 */
#ifndef RINGCAST_TEST_HTTPC_H
#define RINGCAST_TEST_HTTPC_H

#include <sys/types.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPC_HOST_MAX		256
#define HTTPC_PORT_MAX		8
#define HTTPC_PATH_MAX		4096
#define HTTPC_CONTENT_TYPE_MAX	128
#define HTTPC_CHUNK_DIGITS_MAX	15	/* hex digits of a chunk size */

/* http://HOST[:PORT][/PATH] taken apart; HOST may be [v6]. */
struct httpc_url {
	char	 host[HTTPC_HOST_MAX];		/* without brackets */
	char	 port[HTTPC_PORT_MAX];
	char	 path[HTTPC_PATH_MAX];		/* "/" at least */
	char	 hosthdr[HTTPC_HOST_MAX + 16];	/* value of Host: */
};

/* What a response head says about its body. */
struct httpc_head {
	int		 status;		/* of the status line */
	int		 chunked;		/* Transfer-Encoding: chunked */
	long long	 clen;			/* Content-Length, -1 = none */
	int		 have_content_type;
	char		 content_type[HTTPC_CONTENT_TYPE_MAX];
};

/* Chunked transfer decoding, one state machine byte by byte (framing only). */
enum httpc_chunk_state {
	HTTPC_CH_SIZE = 0,
	HTTPC_CH_EXT,
	HTTPC_CH_SIZE_LF,
	HTTPC_CH_DATA,
	HTTPC_CH_DATA_CR,
	HTTPC_CH_DATA_LF,
	HTTPC_CH_TRAILER,
	HTTPC_CH_DONE,
};

struct httpc_chunked {
	enum httpc_chunk_state	 state;
	uint64_t		 size;		/* of the chunk being read */
	int			 ndigits;
	size_t			 linelen;	/* in the trailer */
};

/* How one response's body is delimited; all zero but clen = -1 to start. */
struct httpc_framing {
	int			 chunked;
	long long		 clen;		/* -1 = none: until close */
	struct httpc_chunked	 ch;
};

/* Parse S (http://HOST[:PORT][/PATH][?QUERY]) into U.  0, or -1. */
int	 httpc_parse_url(const char *s, struct httpc_url *u);
/* getaddrinfo() for U's host and numeric port, TCP: its return value. */
int	 httpc_resolve(const struct httpc_url *u, struct addrinfo **ai);
/* A -H argument a tool accepts: "Name: value" without CR or LF. */
int	 httpc_header_ok(const char *header);
/*
 * "GET" request for U into BUF (CAPACITY bytes): Host, the NHEADERS
 * HEADERS, "User-Agent: USER_AGENT" unless HEADERS has one, and
 * "Connection: close" when CONN_CLOSE.  Its length, or -1 (errno E2BIG)
 * when it does not fit.
 */
ssize_t	 httpc_request(char *buf, size_t capacity, const struct httpc_url *u,
	    const char *const *headers, int nheaders, const char *user_agent,
	    int conn_close);
/* The end of the head in BUF (index past the blank line), or 0. */
size_t	 httpc_head_end(const char *buf, size_t len);
/*
 * Parse a complete head, NUL-terminated, lines split on LF (HEAD is
 * written into).  H->status is set as soon as the status line is read.
 * 0, or -1 on a malformed head.
 */
int	 httpc_parse_head(char *head, struct httpc_head *h);
/*
 * Consume chunked framing and data from BUF.  Returns the number of bytes
 * taken; *SPAN / *SPANLEN give the body bytes among them (a run at the
 * end of what was taken).  0 after the last chunk, -1 on malformed
 * framing.
 */
ssize_t	 httpc_chunked_step(struct httpc_chunked *c, const uint8_t *buf,
	    size_t len, const uint8_t **span, size_t *spanlen);
/* Framing F for the response head H (a fresh chunk decoder). */
void	 httpc_framing_init(struct httpc_framing *f,
	    const struct httpc_head *h);
/*
 * The next run of body bytes in BUF/LEN, BODY_BYTES of this response's
 * body being read already: *SPAN and *SPANLEN (cut at Content-Length).
 * Returns the bytes taken from BUF, 0 after the last chunk, -1 on
 * malformed chunked framing.
 */
ssize_t	 httpc_body_step(struct httpc_framing *f, uint64_t body_bytes,
	    const uint8_t *buf, size_t len, const uint8_t **span,
	    size_t *spanlen);
/* 1 when the response ended within its framing after BODY_BYTES. */
int	 httpc_complete(const struct httpc_framing *f, uint64_t body_bytes);

#endif
