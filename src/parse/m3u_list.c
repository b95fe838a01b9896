/*
 * m3u_list.c - a provider's channel list (extended M3U) into entries.
 *
 * One pass over the lines.  An #EXTINF line is kept as it came (in a
 * scratch buffer) with the #EXTGRP and #EXTVLCOPT lines after it, and
 * read only when its URL line arrives: an entry that is skipped costs no
 * memory.  An entry's strings go into an arena of 64 KiB blocks that
 * never move, so entries hold plain pointers and one call frees them
 * all; the entry array grows by doubling.
 *
 * The list is hostile, so the parser owns its bounds: the whole input is
 * capped (M3U_LIST_MAX_BYTES), every line is measured before it is
 * copied, control bytes make a line unreadable (a binary file fails the
 * #EXTM3U check first), every attribute, name and URL has a maximum, and
 * the entries' text has one too.  Nothing in an entry is fatal to the
 * list: a bad one is skipped and counted under its reason.  What the
 * lists in the wild do is tolerated: a byte-order mark, CRLF, quotes
 * missing or unbalanced, unquoted values, duplicate attributes (the first
 * wins), no comma before the name, Latin-1 names, spaces in URLs, Kodi's
 * "URL|User-Agent=..." headers.  A line with a control byte is not read
 * at all, rather than repaired: the list is otherwise text, and a NUL
 * in the middle of a line is a broken file, not a name.
 *
 * What an entry's URL is (and whether ringcast plays it) is m3u_url.c's
 * to say.  Pure: libc, url.c (relative URLs), m3u_url.c and utf8.c.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "m3u_list.h"
#include "url.h"
#include "utf8.h"

_Static_assert(M3U_LIST_URL_MAX == CONFIG_URL_MAX,
    "an entry's URL must fit a stream's url");

#define M3U_BLOCK_BYTES		(64 * 1024)
#define M3U_ENTRIES_FIRST	64
#define M3U_BOM			"\xEF\xBB\xBF"
#define M3U_ATTR_KEY_CHARS	"abcdefghijklmnopqrstuvwxyz" \
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"
#define M3U_CHNO_DIGITS_MAX	9
/* What adding an entry came to, besides a skip reason. */
#define M3U_ADDED		(-1)
#define M3U_NOMEM		(-2)	/* the arena refused: see ctx */

struct m3u_block {
	struct m3u_block	*next;
	size_t			 used, cap;
	char			 data[];
};

struct m3u_arena {
	struct m3u_block	*head;
	size_t			 total;		/* bytes handed out */
};

/* An attribute as written: pointers into the line. */
struct m3u_attr {
	const char	*key, *val;
	size_t		 klen, vlen;
};

/* A string of the waiting entry, as written (in its own buffer). */
struct m3u_raw {
	char	 text[M3U_LIST_MAX_LINE_BYTES + 1];
	size_t	 len;
	int	 set;
};

struct ctx {
	struct m3u_list	*l;
	const char	*text, *base;
	size_t		 len, pos, lineno, entcap;
	int		 oom, too_big;	/* the arena refused: why */

	/* the entry waiting for its URL line */
	int		 have_inf;	/* an EXTINF came */
	int		 broken;	/* -1, or why it will be skipped */
	struct m3u_raw	 inf, grp, ua, ref;

	char		 line[M3U_LIST_MAX_LINE_BYTES + 1];
	char		 tmp[2 * M3U_LIST_MAX_LINE_BYTES + UTF8_SEQ_MAX];
	char		 url[M3U_LIST_URL_MAX];	/* escaped */
	char		 abs[M3U_LIST_URL_MAX];	/* resolved */
	char		 hdr[M3U_LIST_MAX_LINE_BYTES + 1];	/* Kodi's */
};

size_t
m3u_list_skipped(const struct m3u_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < M3U_SKIP_N; i++)
		n += l->skipped[i];
	return n;
}

static int m3u_err(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
m3u_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsz > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- the arena ---------------------------------------------------------- */

/* A copy of S[0..N) with a NUL, or NULL with C->too_big or C->oom set. */
static const char *
arena_put(struct ctx *c, const char *s, size_t n)
{
	struct m3u_arena *a = c->l->arena;
	struct m3u_block *b = a->head;
	size_t cap;
	char *p;

	if (n == 0)
		return "";
	if (a->total + n + 1 > M3U_LIST_MAX_TEXT_BYTES) {
		c->too_big = 1;
		return NULL;
	}
	if (b == NULL || b->cap - b->used < n + 1) {
		cap = n + 1 > M3U_BLOCK_BYTES ? n + 1 : M3U_BLOCK_BYTES;
		if ((b = malloc(sizeof(*b) + cap)) == NULL) {
			c->oom = 1;
			return NULL;
		}
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	a->total += n + 1;
	return p;
}

void
m3u_list_free(struct m3u_list *l)
{
	struct m3u_block *b, *next;

	if (l->arena != NULL)
		for (b = l->arena->head; b != NULL; b = next) {
			next = b->next;
			free(b);
		}
	free(l->arena);
	free(l->entries);
	memset(l, 0, sizeof(*l));
}

/* ---- text --------------------------------------------------------------- */

/* Windows-1252 at 0x80-0x9F (Latin-1 has control codes there); what
 * it leaves undefined becomes U+FFFD. */
static const uint16_t cp1252[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

/*
 * S[0..N) as valid UTF-8 in the arena, spaces around it trimmed: a byte
 * that starts no character is read as Windows-1252 (Latin-1), a tab
 * becomes a space.  At most MAX bytes: with CUT, the text is cut at a
 * character boundary; without, a longer one is refused (*OUT = NULL,
 * return 1).  0, or -1 when the arena refused.
 */
static int
text_put(struct ctx *c, const char *s, size_t n, size_t max, int cut,
    const char **out)
{
	size_t i = 0, o = 0, d, e;
	uint32_t cp;
	char enc[UTF8_SEQ_MAX];

	*out = "";
	if (max > sizeof(c->tmp))
		max = sizeof(c->tmp);
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < n) {
		if ((d = utf8_decode(s + i, n - i, &cp)) == 0) {
			cp = (unsigned char)s[i];
			if (cp >= 0x80 && cp < 0xA0)
				cp = cp1252[cp - 0x80];
			d = 1;
		}
		if (cp == '\t')
			cp = ' ';
		e = utf8_encode(cp, enc);
		if (o + e > max) {
			if (!cut) {
				*out = NULL;
				return 1;
			}
			break;
		}
		memcpy(c->tmp + o, enc, e);
		o += e;
		i += d;
	}
	while (o > 0 && c->tmp[o - 1] == ' ')
		o--;
	if ((*out = arena_put(c, c->tmp, o)) == NULL)
		return -1;
	return 0;
}

/* ---- lines -------------------------------------------------------------- */

/* The next line of the input into *S and *N (ends not included, spaces
 * around it trimmed); 0 at the end.  LF, CRLF and CR end lines. */
static int
line_next(struct ctx *c, const char **s, size_t *n)
{
	const char *p = c->text + c->pos, *end = c->text + c->len, *q;

	if (p >= end)
		return 0;
	for (q = p; q < end && *q != '\n' && *q != '\r'; q++)
		;
	c->pos = (size_t)(q - c->text) + (q < end);
	if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n')
		c->pos++;
	c->lineno++;
	while (p < q && (*p == ' ' || *p == '\t'))
		p++;
	while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	*s = p;
	*n = (size_t)(q - p);
	return 1;
}

/* 1 when S[0..N) holds a NUL or another control byte (a tab is text). */
static int
line_binary(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b < 0x20 && b != '\t') || b == 0x7f)
			return 1;
	}
	return 0;
}

/* 1 when S[0..N) starts with TAG, in any case. */
static int
has_tag(const char *s, size_t n, const char *tag)
{
	size_t t = strlen(tag);

	return n >= t && strncasecmp(s, tag, t) == 0;
}

/* ---- attributes --------------------------------------------------------- */

/*
 * The next KEY=VALUE (or KEY="VALUE", KEY='VALUE', a bare KEY) at *PP:
 * 1 and *A, 0 at the end of the list (*PP at the NUL or, with
 * COMMA_ENDS, at the comma before the name), -1 when malformed (a quote
 * not closed, a byte that starts no key).
 */
static int
attr_next(const char **pp, int comma_ends, struct m3u_attr *a)
{
	const char *p = *pp, *q;

	for (;;) {
		p += strspn(p, " \t");
		if (*p == ',' && !comma_ends) {
			p++;
			continue;
		}
		break;
	}
	*pp = p;
	if (*p == '\0' || *p == ',')
		return 0;
	if ((a->klen = strspn(p, M3U_ATTR_KEY_CHARS)) == 0)
		return -1;
	a->key = p;
	p += a->klen;
	a->val = p;
	a->vlen = 0;
	if (*p == '=') {
		p++;
		if (*p == '"' || *p == '\'') {
			if ((q = strchr(p + 1, *p)) == NULL)
				return -1;
			a->val = p + 1;
			a->vlen = (size_t)(q - p - 1);
			p = q + 1;
		} else {
			a->val = p;
			a->vlen = strcspn(p, comma_ends ? " \t," : " \t");
			p += a->vlen;
		}
	}
	*pp = p;
	return 1;
}

static int
attr_is(const struct m3u_attr *a, const char *key)
{
	return a->klen == strlen(key) && strncasecmp(a->key, key, a->klen) == 0;
}

/* ---- URLs --------------------------------------------------------------- */

/*
 * The URL S[0..N) of a URL line into E's url, kind, ace and ace_id:
 * M3U_ADDED, or the skip reason, or M3U_NOMEM when the arena refused.
 */
static int
url_take(struct ctx *c, const char *s, size_t n, struct m3u_entry *e)
{
	const char *u = c->url;
	struct m3u_url cls;
	enum m3u_skip why;

	if (m3u_url_escape(s, n, c->url, sizeof(c->url)) == -1)
		return M3U_SKIP_BAD_URL;
	if (m3u_url_scheme_len(u) == 0) {
		if (c->base == NULL)
			return M3U_SKIP_RELATIVE;
		if (url_resolve(c->base, c->url, c->abs, sizeof(c->abs)) == -1)
			return M3U_SKIP_BAD_URL;
		u = c->abs;
	}
	if (m3u_url_classify(u, &cls, &why) == -1)
		return (int)why;
	e->kind = cls.kind;
	e->ace = cls.ace;
	if ((e->url = arena_put(c, u, strlen(u))) == NULL ||
	    (e->ace_id = arena_put(c, cls.ace_id, strlen(cls.ace_id))) == NULL)
		return M3U_NOMEM;
	return M3U_ADDED;
}

/* ---- the rest of an entry ----------------------------------------------- */

/* Value V[0..N) of an attribute or option into *OUT ("" when too long). */
static int
attr_put(struct ctx *c, const char *v, size_t n, const char **out)
{
	int r = text_put(c, v, n, M3U_LIST_MAX_ATTR_BYTES, 0, out);

	if (r == 1) {
		c->l->dropped_attrs++;
		*out = "";
		return 0;
	}
	return r;
}

/* Where an EXTINF attribute goes; NULL for the ones not kept. */
static const char **
extinf_field(struct m3u_entry *e, const struct m3u_attr *a)
{
	if (attr_is(a, "tvg-id"))
		return &e->tvg_id;
	if (attr_is(a, "tvg-name"))
		return &e->tvg_name;
	if (attr_is(a, "tvg-logo"))
		return &e->logo;
	if (attr_is(a, "tvg-chno") || attr_is(a, "channel-number"))
		return &e->chno;
	if (attr_is(a, "group-title"))
		return &e->group;
	return NULL;
}

/*
 * The waiting EXTINF line into E's attributes and *TITLE (the name after
 * the comma, as written; NULL when there is none).  Attributes are read
 * up to the comma that ends them; when they are malformed (a quote never
 * closed) the name is what follows the line's last comma.
 */
static int
extinf_read(struct ctx *c, struct m3u_entry *e, const char **title)
{
	const char *p = c->inf.text, **f;
	struct m3u_attr a;
	int r;

	*title = NULL;
	if (!c->have_inf)
		return 0;
	p += strlen("#EXTINF");
	p += *p == ':';
	p += strspn(p, " \t");
	p += strcspn(p, " \t,");		/* the duration */
	while ((r = attr_next(&p, 1, &a)) == 1) {
		if ((f = extinf_field(e, &a)) == NULL || **f != '\0')
			continue;		/* not kept, or a duplicate */
		if (attr_put(c, a.val, a.vlen, f) == -1)
			return -1;
	}
	if (r == 0 && *p == ',')
		*title = p + 1;
	else if (r == -1 && (p = strrchr(c->inf.text, ',')) != NULL)
		*title = p + 1;
	return 0;
}

/* The last part of URL's path (else URL itself): a name of last resort. */
static void
url_tail(const char *url, const char **s, size_t *n)
{
	size_t len = strcspn(url, "?#"), i;

	while (len > 0 && url[len - 1] == '/')
		len--;
	for (i = len; i > 0 && url[i - 1] != '/'; i--)
		;
	*s = url + i;
	*n = len - i;
	if (*n == 0) {
		*s = url;
		*n = strlen(url);
	}
}

static int
entry_name(struct ctx *c, struct m3u_entry *e, const char *title)
{
	const char *s;
	size_t n;

	if (title != NULL) {
		title += strspn(title, " \t");
		if (*title != '\0')
			return text_put(c, title, strlen(title),
			    M3U_LIST_MAX_NAME_BYTES, 1, &e->name);
	}
	if (e->tvg_name[0] != '\0')
		s = e->tvg_name;
	else if (e->tvg_id[0] != '\0')
		s = e->tvg_id;
	else {
		url_tail(e->url, &s, &n);
		return text_put(c, s, n, M3U_LIST_MAX_NAME_BYTES, 1,
		    &e->name);
	}
	return text_put(c, s, strlen(s), M3U_LIST_MAX_NAME_BYTES, 1,
	    &e->name);
}

/* The channel number of CHNO when it is 1 to 9 digits, else -1. */
static long
chno_number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > M3U_CHNO_DIGITS_MAX || s[n] != '\0')
		return -1;
	return strtol(s, NULL, 10);
}

/* Percent-decode S[0..N) into OUT; -1 when it holds a control byte
 * (a header must never carry a line end). */
static int
pct_decode(const char *s, size_t n, char *out, size_t *outn)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if (b == '%' && i + 2 < n &&
		    (hi = url_hex_digit((unsigned char)s[i + 1])) >= 0 &&
		    (lo = url_hex_digit((unsigned char)s[i + 2])) >= 0) {
			b = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if ((b < 0x20 && b != '\t') || b == 0x7f)
			return -1;
		out[o++] = (char)b;
	}
	*outn = o;
	return 0;
}

/* Kodi's "URL|User-Agent=...&Referer=..." headers, where E has none. */
static int
pipe_headers(struct ctx *c, const char *h, size_t n, struct m3u_entry *e)
{
	size_t i = 0, end, k, vn;
	const char **f;

	while (i < n) {
		for (end = i; end < n && h[end] != '&'; end++)
			;
		while (i < end && (h[i] == ' ' || h[i] == '\t'))
			i++;
		k = strcspn(h + i, "=&");
		f = NULL;
		if (i + k < end) {
			if (k == 10 && strncasecmp(h + i, "user-agent", k) == 0)
				f = &e->user_agent;
			else if ((k == 7 && strncasecmp(h + i, "referer", k) ==
			    0) || (k == 8 && strncasecmp(h + i, "referrer",
			    k) == 0))
				f = &e->referrer;
		}
		if (f != NULL && **f == '\0' &&
		    pct_decode(h + i + k + 1, end - i - k - 1, c->hdr, &vn) ==
		    0 && attr_put(c, c->hdr, vn, f) == -1)
			return -1;
		i = end + 1;
	}
	return 0;
}

static void
entry_clear(struct m3u_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->name = e->tvg_id = e->tvg_name = e->logo = e->chno = e->group =
	    e->url = e->user_agent = e->referrer = e->ace_id = "";
	e->chno_num = -1;
}

static int
entries_grow(struct ctx *c)
{
	struct m3u_list *l = c->l;
	struct m3u_entry *p;
	size_t cap;

	if (l->n < c->entcap)
		return 0;
	cap = c->entcap ? c->entcap * 2 : M3U_ENTRIES_FIRST;
	if (cap > M3U_LIST_MAX_ENTRIES)
		cap = M3U_LIST_MAX_ENTRIES;
	if ((p = realloc(l->entries, cap * sizeof(*p))) == NULL) {
		c->oom = 1;
		return -1;
	}
	l->entries = p;
	c->entcap = cap;
	return 0;
}

/*
 * The URL line S[0..N) (in C->line) and what waited for it, into a new
 * entry: M3U_ADDED, a skip reason, or M3U_NOMEM.  An entry whose text
 * the arena cannot take is skipped as M3U_SKIP_TOO_BIG.
 */
static int
entry_add(struct ctx *c, char *s, size_t n)
{
	struct m3u_entry e;
	const char *title, *bar;
	size_t un = n;
	int r;

	entry_clear(&e);
	e.line = c->lineno;
	if ((bar = memchr(s, '|', n)) != NULL &&
	    memchr(bar, '=', n - (size_t)(bar - s)) != NULL) {
		un = (size_t)(bar - s);
		while (un > 0 && (s[un - 1] == ' ' || s[un - 1] == '\t'))
			un--;
	}
	if ((r = url_take(c, s, un, &e)) != M3U_ADDED)
		return r == M3U_NOMEM && !c->oom ? M3U_SKIP_TOO_BIG : r;
	if (extinf_read(c, &e, &title) == -1 ||
	    (c->grp.set && e.group[0] == '\0' &&
	    attr_put(c, c->grp.text, c->grp.len, &e.group) == -1) ||
	    (c->ua.set && attr_put(c, c->ua.text, c->ua.len,
	    &e.user_agent) == -1) ||
	    (c->ref.set && attr_put(c, c->ref.text, c->ref.len,
	    &e.referrer) == -1) ||
	    (un < n && pipe_headers(c, bar + 1, n - (size_t)(bar - s) - 1,
	    &e) == -1) ||
	    entry_name(c, &e, title) == -1 || entries_grow(c) == -1)
		return c->oom ? M3U_NOMEM : M3U_SKIP_TOO_BIG;
	e.chno_num = chno_number(e.chno);
	c->l->entries[c->l->n++] = e;
	return M3U_ADDED;
}

/* ---- lines to entries --------------------------------------------------- */

static void
raw_keep(struct m3u_raw *r, const char *s, size_t n)
{
	memcpy(r->text, s, n);
	r->text[n] = '\0';
	r->len = n;
	r->set = 1;
}

/* Forget the waiting entry, counting it as skipped for REASON (or not:
 * M3U_ADDED). */
static void
pending_end(struct ctx *c, int reason)
{
	if (reason >= 0)
		c->l->skipped[reason]++;
	c->have_inf = 0;
	c->broken = -1;
	c->inf.set = c->grp.set = c->ua.set = c->ref.set = 0;
}

/* #EXTVLCOPT:http-user-agent=UA (or http-referrer, http-referer), the
 * value quoted or not. */
static void
vlcopt(struct ctx *c, const char *s, size_t n)
{
	static const char *const opts[] = { "http-user-agent=",
	    "http-referrer=", "http-referer=" };
	size_t i, k;

	s += strlen("#EXTVLCOPT:");
	n -= strlen("#EXTVLCOPT:");
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (!has_tag(s, n, opts[i]))
			continue;
		k = strlen(opts[i]);
		s += k;
		n -= k;
		if (n >= 2 && (s[0] == '"' || s[0] == '\'') &&
		    s[n - 1] == s[0]) {
			s++;
			n -= 2;
		}
		raw_keep(i == 0 ? &c->ua : &c->ref, s, n);
		return;
	}
}

/* The EPG URLs of an #EXTM3U line (url-tvg="A,B", x-tvg-url, tvg-url). */
static int
header_attrs(struct ctx *c, const char *s)
{
	struct m3u_list *l = c->l;
	struct m3u_attr a;
	const char *p = s + strlen("#EXTM3U"), *v, *u;
	size_t i, vn, n;

	while (attr_next(&p, 0, &a) == 1) {
		if (!attr_is(&a, "url-tvg") && !attr_is(&a, "x-tvg-url") &&
		    !attr_is(&a, "tvg-url"))
			continue;
		for (v = a.val; v < a.val + a.vlen; v += vn + 1) {
			vn = strcspn(v, ",");
			if (v + vn > a.val + a.vlen)
				vn = (size_t)(a.val + a.vlen - v);
			for (n = vn; n > 0 && strchr(" \t", v[n - 1]); n--)
				;
			for (; n > 0 && strchr(" \t", *v); v++, n--, vn--)
				;
			if (n == 0 || l->nepg == M3U_LIST_MAX_EPG_URLS ||
			    m3u_url_escape(v, n, c->url,
			    sizeof(c->url)) == -1)
				continue;
			u = c->url;
			if (m3u_url_scheme_len(u) == 0) {
				if (c->base == NULL || url_resolve(c->base,
				    c->url, c->abs, sizeof(c->abs)) == -1)
					continue;
				u = c->abs;
			}
			if (strncasecmp(u, "http://", 7) != 0 &&
			    strncasecmp(u, "https://", 8) != 0)
				continue;
			for (i = 0; i < l->nepg && strcmp(l->epg_urls[i], u);
			    i++)
				;
			if (i < l->nepg)
				continue;
			if ((l->epg_urls[l->nepg] = arena_put(c, u,
			    strlen(u))) == NULL)
				return c->oom ? -1 : 0;
			l->nepg++;
		}
	}
	return 0;
}

/* A line starting with '#': 0, or -1 when out of memory. */
static int
tag_line(struct ctx *c, const char *s, size_t n)
{
	int bad = n > M3U_LIST_MAX_LINE_BYTES ? M3U_SKIP_LINE_TOO_LONG :
	    line_binary(s, n) ? M3U_SKIP_BINARY : -1;

	if (has_tag(s, n, "#EXTINF") && (n == 7 || s[7] == ':' ||
	    s[7] == ' ' || s[7] == '\t')) {
		if (c->have_inf)
			pending_end(c, c->broken >= 0 ? c->broken :
			    M3U_SKIP_NO_URL);
		c->have_inf = 1;
		c->broken = bad;
		if (bad < 0)
			raw_keep(&c->inf, s, n);
		return 0;
	}
	if (bad >= 0) {
		c->l->dropped_lines++;
		return 0;
	}
	if (has_tag(s, n, "#EXTGRP:"))
		raw_keep(&c->grp, s + 8, n - 8);
	else if (has_tag(s, n, "#EXTVLCOPT:"))
		vlcopt(c, s, n);
	else if (has_tag(s, n, "#EXTM3U")) {
		memcpy(c->line, s, n);
		c->line[n] = '\0';
		return header_attrs(c, c->line);
	}
	return 0;
}

/* A URL line: the waiting entry gets it, or is skipped.  0, or -1 when
 * out of memory. */
static int
url_line(struct ctx *c, const char *s, size_t n)
{
	int r;

	if (c->l->n >= M3U_LIST_MAX_ENTRIES)
		r = M3U_SKIP_TOO_MANY;
	else if (c->broken >= 0)
		r = c->broken;
	else if (n > M3U_LIST_MAX_LINE_BYTES)
		r = M3U_SKIP_LINE_TOO_LONG;
	else if (line_binary(s, n))
		r = M3U_SKIP_BINARY;
	else {
		memcpy(c->line, s, n);
		c->line[n] = '\0';
		if ((r = entry_add(c, c->line, n)) == M3U_NOMEM)
			return -1;
	}
	pending_end(c, r);
	return 0;
}

/* The first line that is not blank: #EXTM3U and its attributes. */
static int
header(struct ctx *c, char *err, size_t errsz)
{
	const char *s;
	size_t n;

	if (c->len >= 3 && memcmp(c->text, M3U_BOM, 3) == 0)
		c->pos = 3;
	do {
		if (!line_next(c, &s, &n))
			return m3u_err(err, errsz, "empty list");
	} while (n == 0);
	if (!has_tag(s, n, "#EXTM3U") || (n > 7 && s[7] != ' ' &&
	    s[7] != '\t'))
		return m3u_err(err, errsz, "line %zu: not an M3U list (no "
		    "#EXTM3U)", c->lineno);
	if (n > M3U_LIST_MAX_LINE_BYTES || line_binary(s, n)) {
		c->l->dropped_lines++;
		return 0;
	}
	memcpy(c->line, s, n);
	c->line[n] = '\0';
	if (header_attrs(c, c->line) == -1)
		return m3u_err(err, errsz, "out of memory");
	return 0;
}

int
m3u_list_parse(const char *text, size_t len, const char *base_url,
    struct m3u_list *out, char *err, size_t errsz)
{
	struct ctx *c;
	const char *s;
	size_t n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (text == NULL && len > 0)
		return m3u_err(err, errsz, "no list");
	if (len > M3U_LIST_MAX_BYTES)
		return m3u_err(err, errsz, "the list is %zu bytes, more than "
		    "the %d allowed", len, M3U_LIST_MAX_BYTES);
	if (base_url != NULL && m3u_url_scheme_len(base_url) == 0)
		return m3u_err(err, errsz, "the list's URL is not absolute");
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (out->arena = calloc(1, sizeof(*out->arena))) == NULL) {
		free(c);
		return m3u_err(err, errsz, "out of memory");
	}
	c->l = out;
	c->text = text;
	c->len = len;
	c->base = base_url;
	c->broken = -1;
	if (header(c, err, errsz) == -1)
		goto done;
	while (line_next(c, &s, &n)) {
		if (n == 0)
			continue;
		if ((s[0] == '#' ? tag_line(c, s, n) : url_line(c, s, n)) ==
		    -1) {
			m3u_err(err, errsz, "out of memory");
			goto done;
		}
	}
	if (c->have_inf)
		pending_end(c, c->broken >= 0 ? c->broken : M3U_SKIP_NO_URL);
	rc = 0;
done:
	out->lines = c->lineno;
	free(c);
	if (rc == -1)
		m3u_list_free(out);
	return rc;
}
