/*
 * cred.c - where a player's credential is in a request, and the
 * playlists that hand it on.
 *
 * Players differ in what they can send: a URL with ?token= survives
 * most, a path prefix /u/TOKEN/ survives those that drop query strings
 * (and is what HDHomeRun and M3U clients are given), browsers and
 * curl send Basic, scripts Bearer.  A signed URL's arguments
 * (signed_url.h) are handed on like ?token=.  Whatever form a list or a playlist
 * was fetched with, the URLs in it are rewritten to repeat it, so a
 * player that got in once never meets a 401 further down; the header
 * forms need nothing, players send their headers again.
 *
 * Only URLs of ringcast itself are rewritten: a token must never leave
 * for another host inside a URL that points there.
 *
 * Calls: libc, json.h (struct buf).
 */
#include <string.h>
#include <strings.h>

#include "cred.h"

#define CRED_PATH_MAX	4096	/* a URL's path and query, kept */

int
cred_path_split(const char *url, char *tok, size_t toksz, const char **rest)
{
	size_t pl = strlen(CRED_PATH_PREFIX), n;
	const char *t, *slash;

	if (strncmp(url, CRED_PATH_PREFIX, pl) != 0)
		return 0;
	t = url + pl;
	slash = strchr(t, '/');
	n = slash != NULL ? (size_t)(slash - t) : strlen(t);
	if (n == 0 || n >= toksz)
		return -1;
	memcpy(tok, t, n);
	tok[n] = '\0';
	*rest = slash != NULL ? slash : "/";
	return 1;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 IN into OUT (NUL-terminated): its length, or -1. */
static int
b64_decode(const char *in, char *out, size_t outsz)
{
	size_t len = strlen(in), i, o = 0;
	unsigned acc = 0;
	int bits = 0, v, pad = 0;

	while (len > 0 && in[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if ((len + (size_t)pad) % 4 != 0 && pad > 0)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64_value(in[i])) == -1)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return (int)o;
}

int
cred_basic_parse(const char *hdr, char *user, size_t usersz, char *tok,
    size_t toksz)
{
	char plain[CRED_NAME_MAX + 512], *colon;
	size_t ul;
	int n;

	if (strncasecmp(hdr, "Basic ", 6) != 0)
		return -1;
	hdr += 6;
	while (*hdr == ' ')
		hdr++;
	if ((n = b64_decode(hdr, plain, sizeof(plain))) == -1 ||
	    memchr(plain, '\0', (size_t)n) != NULL ||
	    (colon = strchr(plain, ':')) == NULL)
		return -1;
	ul = (size_t)(colon - plain);
	if (ul >= usersz || strlen(colon + 1) >= toksz)
		return -1;
	memcpy(user, plain, ul);
	user[ul] = '\0';
	memcpy(tok, colon + 1, strlen(colon + 1) + 1);
	return 0;
}

int
cred_bearer_parse(const char *hdr, char *tok, size_t toksz)
{
	size_t n;

	if (strncasecmp(hdr, "Bearer ", 7) != 0)
		return -1;
	hdr += 7;
	while (*hdr == ' ')
		hdr++;
	n = strlen(hdr);
	while (n > 0 && hdr[n - 1] == ' ')
		n--;
	if (n == 0 || n >= toksz)
		return -1;
	memcpy(tok, hdr, n);
	tok[n] = '\0';
	return 0;
}

/* Whether the URL of LEN bytes at U is ringcast's own (see cred.h). */
static int
cred_own_url(const char *u, size_t len, enum cred_form form,
    const char *base)
{
	size_t bl = strlen(base), i;

	if (bl > 0 && len > bl && strncmp(u, base, bl) == 0 && u[bl] == '/')
		return 1;
	if (len > 0 && u[0] == '/')
		return len < 2 || u[1] != '/';	/* not //host/ */
	if ((form != CRED_QUERY && form != CRED_SIGNED) || len == 0)
		return 0;
	/* relative: no scheme (a ':' before the first '/', '?' or '#') */
	for (i = 0; i < len; i++)
		if (u[i] == ':')
			return 0;
		else if (u[i] == '/' || u[i] == '?' || u[i] == '#')
			return 1;
	return 1;
}

/* The URL of LEN bytes at U into OUT, carrying the credential. */
static void
cred_url(const char *u, size_t len, enum cred_form form, const char *token,
    const char *base, struct buf *out)
{
	size_t bl = strlen(base), at;

	if (!cred_own_url(u, len, form, base)) {
		buf_append(out, u, len);
		return;
	}
	if (form == CRED_QUERY || form == CRED_SIGNED) {
		buf_append(out, u, len);
		buf_puts(out, memchr(u, '?', len) != NULL ? "&" : "?");
		if (form == CRED_QUERY)
			buf_puts(out, CRED_QUERY_ARG "=");
		buf_puts(out, token);
		return;
	}
	if (u[0] != '/' && bl > 0 && len > bl && strncmp(u, base, bl) == 0)
		at = bl;
	else if (u[0] == '/')
		at = 0;
	else {
		buf_append(out, u, len);	/* relative: already under it */
		return;
	}
	buf_append(out, u, at);
	buf_puts(out, "/u/");
	buf_puts(out, token);
	buf_append(out, u + at, len - at);
}

/* A comment line: its URI="..." (and list) attributes rewritten. */
static void
cred_comment(const char *l, size_t len, enum cred_form form,
    const char *token, const char *base, struct buf *out)
{
	static const char *const attrs[] = { "URI=\"", "url-tvg=\"",
	    "x-tvg-url=\"" };
	const char *p = l, *end = l + len, *hit, *q;
	size_t i, best_i = 0;

	for (;;) {
		hit = NULL;
		for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			q = memmem(p, (size_t)(end - p), attrs[i],
			    strlen(attrs[i]));
			if (q != NULL && (hit == NULL || q < hit)) {
				hit = q;
				best_i = i;
			}
		}
		if (hit == NULL ||
		    (q = memchr(hit + strlen(attrs[best_i]), '"', (size_t)(end -
		    hit - strlen(attrs[best_i])))) == NULL)
			break;
		hit += strlen(attrs[best_i]);
		buf_append(out, p, (size_t)(hit - p));
		cred_url(hit, (size_t)(q - hit), form, token, base, out);
		p = q;
	}
	buf_append(out, p, (size_t)(end - p));
}

int
cred_playlist_rewrite(const char *text, size_t len, enum cred_form form,
    const char *token, const char *base, struct buf *out)
{
	const char *p = text, *end = text + len, *nl;
	size_t ll, cr;

	if (form != CRED_PATH && form != CRED_QUERY && form != CRED_SIGNED) {
		buf_append(out, text, len);
		return out->failed ? -1 : 0;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		cr = ll > 0 && p[ll - 1] == '\r';
		if (ll - cr > 0 && p[0] == '#')
			cred_comment(p, ll - cr, form, token, base, out);
		else if (ll - cr > 0)
			cred_url(p, ll - cr, form, token, base, out);
		buf_append(out, p + ll - cr, cr + (nl != NULL));
		p += ll + (nl != NULL);
	}
	return out->failed ? -1 : 0;
}

/* Whether the URL line of LEN bytes at U is kept (see cred.h). */
static int
cred_keep(const char *u, size_t len, const char *base,
    int (*keep)(void *, const char *), void *arg)
{
	char path[CRED_PATH_MAX];
	size_t bl = strlen(base);

	if (len <= bl || strncmp(u, base, bl) != 0 || u[bl] != '/')
		return 1;
	if (len - bl >= sizeof(path))
		return 0;	/* none of ours is that long */
	memcpy(path, u + bl, len - bl);
	path[len - bl] = '\0';
	return keep(arg, path);
}

int
cred_playlist_filter(const char *text, size_t len, const char *base,
    int (*keep)(void *arg, const char *path), void *arg, struct buf *out)
{
	const char *p = text, *end = text + len, *nl, *entry = text;
	size_t ll, cr;
	int first = 1;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		cr = ll > 0 && p[ll - 1] == '\r';
		if (first || ll - cr == 0 || p[0] == '#') {
			if (first)	/* #EXTM3U and its attributes */
				buf_append(out, p, ll + (nl != NULL));
			p += ll + (nl != NULL);
			if (first)
				entry = p;
			first = 0;
			continue;
		}
		p += ll + (nl != NULL);
		if (cred_keep(p - ll - (nl != NULL), ll - cr, base, keep, arg))
			buf_append(out, entry, (size_t)(p - entry));
		entry = p;
	}
	buf_append(out, entry, (size_t)(end - entry));	/* trailing lines */
	return out->failed ? -1 : 0;
}
