/*
 * uri.c - checks of a request target before routing.
 *
 * libmicrohttpd percent-decodes the path in place into a C string, so a
 * "%00" ends it early: "/stream/NAME%00.ts" reached the routes as
 * "/stream/NAME" and played NAME.  The routes cannot see what was cut
 * off; this module looks at the target as sent, before decoding, and
 * refuses a control byte in the path, raw or encoded.  It also bounds
 * the target's size and argument count before libmicrohttpd parses the
 * arguments (see uri.h).
 *
 * Pure: string work only (hex digits of an escape read by url.c),
 * unit-tested (tests/unit/test_uri.c) and fuzzed
 * (tests/fuzz/fuzz_http_path.c).
 */
#include <string.h>

#include "uri.h"
#include "url.h"

#define URI_STR_(x)	#x
#define URI_STR(x)	URI_STR_(x)

static int
uri_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int
uri_path_has_ctrl(const char *raw)
{
	const char *p;
	int hi, lo;

	for (p = raw; *p != '\0' && *p != '?'; p++) {
		if (uri_ctrl((unsigned char)*p))
			return 1;
		/* decoded once, as MHD_http_unescape does: "%2500" is "%00" */
		if (*p == '%' && (hi = url_hex_digit(p[1])) >= 0 &&
		    (lo = url_hex_digit(p[2])) >= 0) {
			if (uri_ctrl((unsigned char)(hi * 16 + lo)))
				return 1;
			p += 2;
		}
	}
	return 0;
}

size_t
uri_count_args(const char *query)
{
	size_t n = 0;
	const char *amp;

	/* MHD_parse_arguments_: one record a part, while any is left */
	while (*query != '\0') {
		n++;
		if ((amp = strchr(query, '&')) == NULL)
			break;
		query = amp + 1;
	}
	return n;
}

enum uri_verdict
uri_check(const char *raw)
{
	const char *q;

	if (raw == NULL)
		return URI_OK;
	if (strnlen(raw, URI_MAX_BYTES + 1) > URI_MAX_BYTES)
		return URI_TOO_LONG;
	if ((q = strchr(raw, '?')) != NULL &&
	    uri_count_args(q + 1) > URI_MAX_ARGS)
		return URI_TOO_MANY_ARGS;
	if (uri_path_has_ctrl(raw))
		return URI_BAD_PATH;
	return URI_OK;
}

int
uri_line_dropped(const char *buf, size_t len)
{
	const char *nl;
	size_t start = 0, end, llen;

	/* as get_next_header_line and parse_initial_message_line do */
	while ((nl = memchr(buf + start, '\n', len - start)) != NULL) {
		end = (size_t)(nl - buf);
		llen = end - start;
		if (llen > 0 && buf[end - 1] == '\r')
			llen--;
		if (llen == 0 || buf[start] == '\0') {	/* skipped as empty */
			start = end + 1;
			continue;
		}
		return buf[start] == ' ' || memchr(buf + start, ' ', llen) ==
		    NULL;
	}
	return 0;			/* no whole line yet */
}

const char *
uri_verdict_text(enum uri_verdict v)
{
	switch (v) {
	case URI_OK:
		return "ok";
	case URI_TOO_LONG:
		return "request target too long (at most "
		    URI_STR(URI_MAX_BYTES) " bytes)";
	case URI_TOO_MANY_ARGS:
		return "too many query arguments (at most "
		    URI_STR(URI_MAX_ARGS) ")";
	case URI_BAD_PATH:
		return "control character in the path";
	}
	return "bad request target";
}
