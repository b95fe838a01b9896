/*
 * uri.h - checks of a request's target before any route sees it.
 *
 * Pure: RAW is the request target as the client sent it (the path, then
 * "?" and the query), before any percent-decoding; libmicrohttpd hands it
 * to its URI callback (MHD_OPTION_URI_LOG_CALLBACK) before it decodes the
 * path or parses a single query argument.
 */
#ifndef RINGCAST_URI_H
#define RINGCAST_URI_H

#include <stddef.h>

/*
 * Limits that keep libmicrohttpd 0.9.75 from running out of its
 * per-connection memory pool while it parses the request line (see
 * dispatch.c for why that would stall the connection): a target of at
 * most URI_MAX_BYTES fits the pool's first read buffer, and URI_MAX_ARGS
 * argument records (64 bytes each) fit what that leaves.  No route uses
 * more than a few arguments.
 */
#define URI_MAX_BYTES	8192
#define URI_MAX_ARGS	128

enum uri_verdict {
	URI_OK = 0,
	URI_TOO_LONG,		/* longer than URI_MAX_BYTES: 414 */
	URI_TOO_MANY_ARGS,	/* more than URI_MAX_ARGS arguments: 414 */
	URI_BAD_PATH,		/* a control byte in the path, raw or %XX: 400 */
};

/* The verdict on RAW (NULL: no target, URI_OK); the first of the
 * verdicts above that applies. */
enum uri_verdict uri_check(const char *raw);
/* How many arguments libmicrohttpd makes of QUERY (after the "?"): one
 * per "&"-separated part, a trailing empty part not counted. */
size_t		 uri_count_args(const char *query);
/* 1 when the path part of RAW (up to "?"), once percent-decoded as
 * libmicrohttpd does, holds a byte below 0x20 (NUL included) or 0x7f. */
int		 uri_path_has_ctrl(const char *raw);
/*
 * 1 when BUF (LEN bytes, the first a client sent) holds a whole first
 * line that libmicrohttpd would drop without any answer: once the empty
 * lines it skips are past, a line with no space in it or starting with
 * one (no method and target: a bare word, a TLS handshake, binary).  0
 * when it is, or may still become, a request line.
 */
int		 uri_line_dropped(const char *buf, size_t len);
/* A short reason for a verdict, for the JSON error. */
const char	*uri_verdict_text(enum uri_verdict);

#endif
