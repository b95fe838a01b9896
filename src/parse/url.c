/*
 * url.c - URL reference resolution (RFC 3986 section 5.2), for the HLS
 * parser (m3u8.c), which resolves the URIs of a playlist against its URL.
 *
 * The reference and the base are split into their five parts without
 * copying; the target is written part by part into the caller's buffer,
 * and dot segments are removed in place there (the output never outgrows
 * what it consumed), so resolution needs no allocation.  A target that
 * does not fit is refused, never cut.
 *
 * Pure: string work only, calls nothing outside libc; unit-tested
 * (tests/unit/test_url.c) and fuzzed (tests/fuzz/fuzz_m3u8.c,
 * fuzz_http_path.c).
 */
#include <string.h>

#include "url.h"

int
url_hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

struct url_parts {
	const char	*scheme, *auth, *path, *query, *frag;
	size_t		 scheme_len, auth_len, path_len, query_len, frag_len;
	int		 has_scheme, has_auth, has_query, has_frag;
};

static void
url_split(const char *s, struct url_parts *u)
{
	const char	*p = s, *q = s;

	memset(u, 0, sizeof(*u));
	if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) {
		while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' ||
		    *q == '.')
			q++;
		if (*q == ':') {
			u->has_scheme = 1;
			u->scheme = s;
			u->scheme_len = (size_t)(q - s);
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/') {
		u->has_auth = 1;
		u->auth = p += 2;
		p += strcspn(p, "/?#");
		u->auth_len = (size_t)(p - u->auth);
	}
	u->path = p;
	p += strcspn(p, "?#");
	u->path_len = (size_t)(p - u->path);
	if (*p == '?') {
		u->has_query = 1;
		u->query = ++p;
		p += strcspn(p, "#");
		u->query_len = (size_t)(p - u->query);
	}
	if (*p == '#') {
		u->has_frag = 1;
		u->frag = ++p;
		u->frag_len = strlen(p);
	}
}

struct obuf {
	char	*p;
	size_t	 sz, n;
	int	 full;
};

static void
put(struct obuf *o, const char *s, size_t n)
{
	if (o->full || n >= o->sz - o->n) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

/* SEP, then S[0..N): "//" and an authority, "?" and a query, ... */
static void
put_part(struct obuf *o, const char *sep, const char *s, size_t n)
{
	put(o, sep, strlen(sep));
	put(o, s, n);
}

/*
 * RFC 3986 5.2.4 on BUF[0..LEN) in place; returns the new length.  The
 * output cursor O never passes the input cursor I, so the writes below
 * only touch bytes already consumed.
 */
static size_t
remove_dots(char *buf, size_t len)
{
	size_t	 i = 0, o = 0, j, rem;
	char	*c;

	while (i < len) {
		rem = len - i;
		c = buf + i;
		if (rem >= 3 && memcmp(c, "../", 3) == 0)
			i += 3;
		else if (rem >= 2 && memcmp(c, "./", 2) == 0)
			i += 2;
		else if (rem >= 3 && memcmp(c, "/./", 3) == 0)
			i += 2;
		else if (rem == 2 && memcmp(c, "/.", 2) == 0)
			buf[++i] = '/';
		else if ((rem >= 4 && memcmp(c, "/../", 4) == 0) ||
		    (rem == 3 && memcmp(c, "/..", 3) == 0)) {
			if (rem == 3)
				buf[i + 2] = '/';
			i += (rem == 3) ? 2 : 3;
			while (o > 0 && buf[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if ((rem == 1 && c[0] == '.') ||
		    (rem == 2 && memcmp(c, "..", 2) == 0))
			i = len;
		else {
			j = i + (buf[i] == '/');
			while (j < len && buf[j] != '/')
				j++;
			memmove(buf + o, buf + i, j - i);
			o += j - i;
			i = j;
		}
	}
	return o;
}

/* Remove dot segments from the path just written at O->p[START..]. */
static void
finish_path(struct obuf *o, size_t start)
{
	if (!o->full)
		o->n = start + remove_dots(o->p + start, o->n - start);
}

/* Target path and query for a reference without scheme or authority. */
static void
merge_relative(struct obuf *o, const struct url_parts *b,
    const struct url_parts *r)
{
	size_t	 start = o->n, dir;

	if (r->path_len == 0) {
		put(o, b->path, b->path_len);
		if (r->has_query)
			put_part(o, "?", r->query, r->query_len);
		else if (b->has_query)
			put_part(o, "?", b->query, b->query_len);
		return;
	}
	if (r->path[0] != '/') {
		if (b->has_auth && b->path_len == 0)
			put(o, "/", 1);
		for (dir = b->path_len; dir > 0 && b->path[dir - 1] != '/';
		    dir--)
			;
		put(o, b->path, dir);
	}
	put(o, r->path, r->path_len);
	finish_path(o, start);
	if (r->has_query)
		put_part(o, "?", r->query, r->query_len);
}

int
url_resolve(const char *base, const char *ref, char *out, size_t outsz)
{
	struct url_parts b, r;
	struct obuf	 o = { out, outsz, 0, 0 };
	size_t		 start;

	memset(&b, 0, sizeof(b));
	if (ref == NULL || out == NULL || outsz == 0)
		return -1;
	url_split(ref, &r);
	if (!r.has_scheme) {
		if (base == NULL)
			return -1;
		url_split(base, &b);
		if (!b.has_scheme)
			return -1;
	}
	put(&o, r.has_scheme ? r.scheme : b.scheme,
	    r.has_scheme ? r.scheme_len : b.scheme_len);
	put(&o, ":", 1);
	if (r.has_scheme || r.has_auth) {
		if (r.has_auth)
			put_part(&o, "//", r.auth, r.auth_len);
		start = o.n;
		put(&o, r.path, r.path_len);
		finish_path(&o, start);
		if (r.has_query)
			put_part(&o, "?", r.query, r.query_len);
	} else {
		if (b.has_auth)
			put_part(&o, "//", b.auth, b.auth_len);
		merge_relative(&o, &b, &r);
	}
	if (r.has_frag)
		put_part(&o, "#", r.frag, r.frag_len);
	if (o.full)
		return -1;
	out[o.n] = '\0';
	return 0;
}

