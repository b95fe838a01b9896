/*
 * m3u_url.c - what the URL of a channel-list entry is.
 *
 * A provider's list says little about its links: the kind is read from
 * the URL alone (the path's extension, an Xtream-style output= argument,
 * an AceStream engine's paths), and "auto" is an honest answer that the
 * source playing it settles from the response.  Only http, https and
 * AceStream links (acestream://, magnet:) are kept: rtmp, rtsp, udp and
 * rtp are not what ringcast pulls, and a list from the network must
 * never make the daemon read a local file (file:).
 *
 * AceStream ids are recognised by form only, 40 hex digits.  The checks
 * of the /ace/ routes (ace_id_problem, ace_magnet_infohash) live in
 * src/proto, a layer above; the source that plays an entry goes through
 * them anyway.  Pure: libc and url.c's hex digits.
 */
#include <string.h>
#include <strings.h>

#include "m3u_url.h"
#include "url.h"

/* Bytes kept in a URL as they are (with the printable ASCII). */
#define M3U_URL_UNSAFE		"\"<>\\^`{}|"
#define M3U_BTIH		"xt=urn:btih:"
#define M3U_BASE32_LEN		32	/* a btih in base32 */
#define M3U_BASE32		"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
				"abcdefghijklmnopqrstuvwxyz234567"

static const char *const skip_reasons[M3U_SKIP_N] = {
	[M3U_SKIP_NO_URL] = "no URL after #EXTINF",
	[M3U_SKIP_BINARY] = "control or NUL byte in the line",
	[M3U_SKIP_LINE_TOO_LONG] = "line too long",
	[M3U_SKIP_BAD_URL] = "malformed or too long URL",
	[M3U_SKIP_RELATIVE] = "relative URL and no list URL",
	[M3U_SKIP_UNSUPPORTED_SCHEME] = "unsupported scheme",
	[M3U_SKIP_BAD_ACE_ID] = "AceStream link without a 40-hex-digit id",
	[M3U_SKIP_TOO_MANY] = "too many entries",
	[M3U_SKIP_TOO_BIG] = "too much text in the entries",
};

const char *
m3u_skip_reason(enum m3u_skip r)
{
	return (unsigned)r < M3U_SKIP_N ? skip_reasons[r] : "?";
}

const char *
m3u_kind_name(enum m3u_kind k)
{
	switch (k) {
	case M3U_KIND_TS:	return "ts";
	case M3U_KIND_HLS:	return "hls";
	case M3U_KIND_ACE:	return "acestream";
	default:		return "auto";
	}
}

int
m3u_url_escape(const char *s, size_t n, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if (b > 0x20 && b < 0x7f && strchr(M3U_URL_UNSAFE, b) == NULL) {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)b;
			continue;
		}
		if (o + 3 >= outsz)
			return -1;
		out[o++] = '%';
		out[o++] = hex[b >> 4];
		out[o++] = hex[b & 15];
	}
	if (o >= outsz)
		return -1;
	out[o] = '\0';
	return 0;
}

size_t
m3u_url_scheme_len(const char *s)
{
	size_t n;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	return s[n] == ':' ? n : 0;
}

static int
scheme_is(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(s, name, n) == 0;
}

/* 1 when S[0..N) is exactly 40 hex digits: then (only then) they are
 * copied into OUT, in lower case. */
static int
ace_hex(const char *s, size_t n, char out[M3U_ACE_ID_LEN + 1])
{
	size_t i;

	if (n != M3U_ACE_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (url_hex_digit((unsigned char)s[i]) < 0)
			return 0;
	for (i = 0; i < n; i++)
		out[i] = "0123456789abcdef"[url_hex_digit((unsigned char)s[i])];
	out[n] = '\0';
	return 1;
}

/* The value of argument KEY (any case) of query Q[0..N), or NULL. */
static const char *
query_get(const char *q, size_t n, const char *key, size_t *vlen)
{
	size_t klen = strlen(key), i = 0, end;

	while (i < n) {
		for (end = i; end < n && q[end] != '&'; end++)
			;
		if (end - i > klen && q[i + klen] == '=' &&
		    strncasecmp(q + i, key, klen) == 0) {
			*vlen = end - i - klen - 1;
			return q + i + klen + 1;
		}
		i = end + 1;
	}
	return NULL;
}

/* 1 when S[0..N) ends with SUFFIX, in any case. */
static int
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

/* 1 when V[0..N) is one of the words of LIST (NULL-terminated). */
static int
value_in(const char *v, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (n == strlen(*list) && strncasecmp(v, *list, n) == 0)
			return 1;
	return 0;
}

/* An AceStream engine's getstream or manifest.m3u8 PATH with QUERY. */
static void
engine_kind(const char *q, size_t qlen, int getstream, struct m3u_url *out)
{
	static const char *const ids[] = { "id", "content_id", "infohash" };
	const char *v;
	size_t vlen, i;

	out->kind = getstream ? M3U_KIND_TS : M3U_KIND_HLS;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if ((v = query_get(q, qlen, ids[i], &vlen)) != NULL &&
		    ace_hex(v, vlen, out->ace_id)) {
			out->kind = M3U_KIND_ACE;
			out->ace = i == 2 ? M3U_ACE_INFOHASH :
			    M3U_ACE_CONTENT_ID;
			return;
		}
}

/* The kind of http(s) URL U, whose authority starts at AUTH. */
static void
http_kind(const char *auth, struct m3u_url *out)
{
	static const char *const ts[] = { "ts", "mpegts", NULL };
	static const char *const hls[] = { "m3u8", "hls", NULL };
	const char *path, *q = "", *v;
	size_t plen, qlen = 0, vlen;

	path = auth + strcspn(auth, "/?#");
	plen = strcspn(path, "?#");
	if (path[plen] == '?') {
		q = path + plen + 1;
		qlen = strcspn(q, "#");
	}
	if (ends_with(path, plen, "/ace/getstream") ||
	    ends_with(path, plen, "/ace/getstream/"))
		engine_kind(q, qlen, 1, out);
	else if (ends_with(path, plen, "/ace/manifest.m3u8"))
		engine_kind(q, qlen, 0, out);
	else if (ends_with(path, plen, ".m3u8"))
		out->kind = M3U_KIND_HLS;
	else if (ends_with(path, plen, ".ts") ||
	    ends_with(path, plen, ".mpegts"))
		out->kind = M3U_KIND_TS;
	else if ((v = query_get(q, qlen, "output", &vlen)) != NULL)
		out->kind = value_in(v, vlen, ts) ? M3U_KIND_TS :
		    value_in(v, vlen, hls) ? M3U_KIND_HLS : M3U_KIND_AUTO;
}

/* acestream://ID or magnet:?xt=urn:btih:HASH (U, scheme SLEN bytes). */
static int
ace_link(const char *u, size_t slen, struct m3u_url *out)
{
	const char *h;
	size_t n;

	out->kind = M3U_KIND_ACE;
	if (scheme_is(u, slen, "acestream")) {
		h = u + slen + 1;
		h += strspn(h, "/");
		if (!ace_hex(h, strcspn(h, "/?#"), out->ace_id))
			return -1;
		out->ace = M3U_ACE_CONTENT_ID;
		return 0;
	}
	if ((h = strcasestr(u, M3U_BTIH)) == NULL)
		return -1;
	h += strlen(M3U_BTIH);
	n = strcspn(h, "&#");
	if (ace_hex(h, n, out->ace_id)) {
		out->ace = M3U_ACE_INFOHASH;
		return 0;
	}
	if (n != M3U_BASE32_LEN || strspn(h, M3U_BASE32) < n)
		return -1;
	out->ace = M3U_ACE_MAGNET;
	return 0;
}

int
m3u_url_classify(const char *u, struct m3u_url *out, enum m3u_skip *why)
{
	size_t slen = m3u_url_scheme_len(u);
	const char *h = u + slen + 1;

	memset(out, 0, sizeof(*out));
	if (slen == 0) {
		*why = M3U_SKIP_RELATIVE;
		return -1;
	}
	if (scheme_is(u, slen, "http") || scheme_is(u, slen, "https")) {
		if (strncmp(h, "//", 2) != 0 || strcspn(h + 2, "/?#") == 0) {
			*why = M3U_SKIP_BAD_URL;
			return -1;
		}
		http_kind(h + 2, out);
		return 0;
	}
	if (scheme_is(u, slen, "acestream") || scheme_is(u, slen, "magnet")) {
		if (ace_link(u, slen, out) == 0)
			return 0;
		memset(out, 0, sizeof(*out));
		*why = M3U_SKIP_BAD_ACE_ID;
		return -1;
	}
	*why = M3U_SKIP_UNSUPPORTED_SCHEME;
	return -1;
}
