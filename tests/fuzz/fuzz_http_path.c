/*
 * fuzz_http_path.c - libFuzzer target for the HTTP path routers and URL
 * resolution.
 *
 * The input, as a C string, is a request path as libmicrohttpd hands it
 * to the worker.  http_parse_stream_path() (src/http/http_stream.c) must accept
 * exactly "/stream/NAME" and "/stream/NAME.ts" with NAME a valid stream
 * name that fits the caller's buffer (given one of exactly that size, so
 * ASan sees an overflow).  The HLS path routers of src/parse/hls_path.c
 * (hls_path_split, hls_path_seq, hls_path_key) are linked from the
 * library, as the worker links them.  The input is also a Range header
 * for hls_path_range(): a range it accepts lies inside the body, for
 * bodies of several sizes, and its Content-Range fits the documented
 * buffer.
 *
 * The input is also a raw request target for src/parse/uri.c: uri_check() must
 * agree with a plain re-implementation of its rules here (decode the path
 * once, as libmicrohttpd does, and look for a control byte; count the
 * query's "&"-parts; the limits first), and uri_line_dropped() with a
 * re-implementation of the first-line rule libmicrohttpd drops by.
 *
 * Then the input is split at its first newline into a base URL and a
 * reference for url_resolve(): the documented buffer size
 * (strlen(base) + strlen(ref) + 2) must always be enough, a bigger buffer
 * must give the same answer, an absolute reference must not depend on
 * the base, and a result with an authority must resolve to itself (when
 * the base had no dot segments).
 *
 * http_stream.c, http_edge.c, http_dynamic.c (which http_stream.c asks
 * for a stream it does not know), http.c and client.c (the helpers the
 * routes share) are linked in; nothing here reaches a function that
 * needs a running worker.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "config.h"
#include "hls_path.h"
#include "url.h"
#include "http.h"
#include "routes.h"
#include "uri.h"


/* ---- /stream/NAME ---- */

/* The spec: "/stream/NAME" or "/stream/NAME.ts", NAME [A-Za-z0-9_-]{1,64}. */
static int
stream_path_spec(const char *url, size_t namesz, char *name)
{
	size_t len;

	if (strncmp(url, "/stream/", 8) != 0)
		return -1;
	url += 8;
	len = strlen(url);
	if (len > 3 && strcmp(url + len - 3, ".ts") == 0)
		len -= 3;
	if (len == 0 || len > CONFIG_NAME_MAX || len >= namesz ||
	    strspn(url, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") != len)
		return -1;
	memcpy(name, url, len);
	name[len] = '\0';
	return 0;
}

static void
stream_path_check(const char *url, size_t namesz)
{
	char	*name = malloc(namesz), want[CONFIG_NAME_MAX + 2];
	int	 r, w;

	CHECK(name != NULL);
	r = http_parse_stream_path(url, name, namesz);
	w = stream_path_spec(url, namesz, want);
	CHECK(r == w);
	if (r == 0) {
		CHECK(strcmp(name, want) == 0);
		CHECK(config_name_valid(name));
	}
	free(name);
}

/* ---- /hls/NAME/FILE ---- */

static void
hls_path_check(const char *url)
{
	char		 name[CONFIG_NAME_MAX + 1], *tight;
	const char	*file;
	uint64_t	 seq;
	size_t		 len;

	if (strncmp(url, "/hls/", 5) != 0)	/* the route table checks this */
		return;
	if (hls_path_split(url, name, sizeof(name), &file) == 0) {
		len = strlen(name);
		CHECK(config_name_valid(name));
		CHECK(strncmp(url + 5, name, len) == 0 && url[5 + len] == '/');
		CHECK(file == url + 5 + len + 1);
		/* One level, or "key/FILE" (AES keys) */
		CHECK(strchr(strncmp(file, "key/", 4) == 0 ? file + 4 : file,
		    '/') == NULL);
		/* Exactly big enough, then one byte short. */
		CHECK((tight = malloc(len + 1)) != NULL);
		CHECK(hls_path_split(url, tight, len + 1, &file) == 0);
		CHECK(strcmp(tight, name) == 0);
		CHECK(hls_path_split(url, tight, len, &file) == -1);
		free(tight);
		if (hls_path_seq(file, &seq) == 0) {
			CHECK(file[0] >= '0' && file[0] <= '9');
			CHECK(strlen(file) > 3 &&
			    strcmp(file + strlen(file) - 3, ".ts") == 0);
		}
		if (hls_path_key(file, &seq) == 0) {
			CHECK(strncmp(file, "key/", 4) == 0);
			CHECK(file[4] >= '0' && file[4] <= '9');
			CHECK(strcmp(file + strlen(file) - 4, ".key") == 0);
		}
	}
}

/* ---- Range: bytes=... ---- */

/* The range of a LEN-byte body that a Range header HDR selects lies
 * inside it, and its Content-Range fits the documented buffer. */
static void
hls_range_check(const char *hdr, uint64_t len)
{
	char crange[HLS_CONTENT_RANGE_MAX];
	uint64_t from = 0, count = 0;
	int r = hls_path_range(hdr, len, &from, &count);

	CHECK(r >= -1 && r <= 1);
	if (r != 1)
		return;
	CHECK(strncmp(hdr, "bytes=", 6) == 0 && strchr(hdr, ',') == NULL);
	CHECK(from <= len && count <= len - from);
	CHECK(count > 0 || len == 0);
	CHECK(hls_path_content_range(crange, sizeof(crange), from, count,
	    len) == 0);
}

/* ---- uri_check ---- */

/* The rules of uri.h, written out again without sharing code. */
static enum uri_verdict
uri_spec(const char *raw)
{
	const char *q = strchr(raw, '?');
	size_t plen = q ? (size_t)(q - raw) : strlen(raw), i, n = 0;

	if (strlen(raw) > URI_MAX_BYTES)
		return URI_TOO_LONG;
	if (q != NULL && q[1] != '\0') {
		for (i = 1; q[i] != '\0'; i++)
			n += q[i] == '&';
		n += q[i - 1] != '&';
		if (n > URI_MAX_ARGS)
			return URI_TOO_MANY_ARGS;
	}
	for (i = 0; i < plen; i++) {
		unsigned c = (unsigned char)raw[i];

		if (c == '%' && i + 2 < plen && isxdigit((unsigned char)raw[i + 1])
		    && isxdigit((unsigned char)raw[i + 2])) {
			c = (unsigned)strtoul((char[]){ raw[i + 1], raw[i + 2],
			    '\0' }, NULL, 16);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return URI_BAD_PATH;
	}
	return URI_OK;
}

static void
uri_check_check(const char *raw)
{
	enum uri_verdict v = uri_check(raw);

	CHECK(v == uri_spec(raw));
	CHECK(uri_verdict_text(v) != NULL);
	if (v == URI_OK)	/* the routes then see no control byte */
		CHECK(!uri_path_has_ctrl(raw));
}

/* uri_line_dropped, written out again: the first line that is not
 * empty (nor NUL-led) after the CRLF/LF splits, whole, without a method
 * and a target. */
static int
line_dropped_spec(const uint8_t *d, size_t n)
{
	size_t i = 0, j, len;

	while (i < n) {
		for (j = i; j < n && d[j] != '\n'; j++)
			;
		if (j == n)
			return 0;
		len = j - i - (j > i && d[j - 1] == '\r');
		if (len > 0 && d[i] != '\0') {
			if (d[i] == ' ')
				return 1;
			for (j = i; j < i + len; j++)
				if (d[j] == ' ')
					return 0;
			return 1;
		}
		i = j + 1;
	}
	return 0;
}

/* ---- url_resolve ---- */

static char *
resolve(const char *base, const char *ref, size_t extra, int *r)
{
	size_t	 sz = (base ? strlen(base) : 0) + strlen(ref) + 2 + extra;
	char	*out = malloc(sz);

	CHECK(out != NULL);
	*r = url_resolve(base, ref, out, sz);
	if (*r == 0)
		CHECK(strlen(out) < sz);
	return out;
}

static void
resolve_check(const char *base, const char *ref)
{
	char	*a, *b, *c, *d, *colon;
	int	 ra, rb, rc, rd;

	a = resolve(base, ref, 0, &ra);
	b = resolve(base, ref, 100, &rb);
	CHECK(ra == rb);
	if (ra == 0)
		CHECK(strcmp(a, b) == 0);
	c = resolve(NULL, ref, 0, &rc);
	if (rc == 0) {			/* REF is absolute */
		CHECK(ra == 0 && strcmp(a, c) == 0);
	}
	/* Idempotent, unless the base has dot segments: an empty reference
	 * path takes the base path as it is (RFC 3986 5.2.2). */
	if (ra == 0 && (colon = strchr(a, ':')) != NULL &&
	    strncmp(colon, "://", 3) == 0 && strstr(base, "/.") == NULL) {
		d = resolve(base, a, 0, &rd);
		CHECK(rd == 0 && strcmp(d, a) == 0);
		free(d);
	}
	free(a);
	free(b);
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, *nl;

	s = fuzz_cstring(data, size);

	stream_path_check(s, CONFIG_NAME_MAX + 1);
	stream_path_check(s, 1 + (size > 0 ? data[0] % 16 : 0));
	hls_path_check(s);
	hls_range_check(s, 0);
	hls_range_check(s, 1);
	hls_range_check(s, 1316 * (size > 0 ? data[size - 1] : 1));
	hls_range_check(s, UINT64_MAX);
	uri_check_check(s);
	CHECK(uri_line_dropped((const char *)data, size) ==
	    line_dropped_spec(data, size));

	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		resolve_check(s, nl + 1);
	} else {
		resolve_check("http://origin.example/live/index.m3u8?tok=1",
		    s);
		resolve_check(s, "../seg/./1.ts?x=y#z");
	}
	free(s);
	return 0;
}
