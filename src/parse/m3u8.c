/*
 * m3u8.c - HLS playlist (M3U8) parser and variant choice.
 *
 * One pass over the lines.  Tags that describe the next segment (EXTINF,
 * EXT-X-DISCONTINUITY, -PROGRAM-DATE-TIME, -BYTERANGE) fill a pending
 * record that the next URI line turns into a segment; EXT-X-STREAM-INF
 * does the same for a variant.  EXT-X-KEY changes the key that applies to
 * every later segment.  Sequence numbers are assigned at the end, so an
 * EXT-X-MEDIA-SEQUENCE placed late still counts.
 *
 * The input comes from the network and will be fuzzed, so the parser owns
 * its bounds: the playlist is checked for size and NUL bytes first, every
 * line is copied (at most M3U8_MAX_LINE_BYTES) into a NUL-terminated
 * scratch buffer before it is looked at, numbers are parsed by hand with
 * overflow checks (no strtod: no locale, no "nan", no "1e999"), and
 * segments, variants and keys are capped.  Anything the fetcher relies on
 * (durations, sequence numbers, byte ranges, keys, dates) is an error when
 * malformed; purely descriptive attributes (RESOLUTION) are dropped
 * instead, and unknown tags are ignored, as the HLS spec asks.
 *
 * Pure: besides libc it calls only its neighbours in src/parse, url.c
 * (every URI is resolved against the playlist's URL) and iso8601.c
 * (EXT-X-PROGRAM-DATE-TIME).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iso8601.h"
#include "m3u8.h"
#include "url.h"

#define M3U8_INT_PART_MAX	100000000000ULL	/* > any sane duration */
#define M3U8_FRAC_DIGITS_MAX	9
#define M3U8_IV_HEX_MAX		32

struct ctx {
	struct m3u8	*pl;
	const char	*base;
	char		*err;
	size_t		 errsz;
	size_t		 lineno;
	size_t		 segcap, varcap, keycap;
	int		 cur_key;	/* -1 = clear */
	int		 key_since_seg;	/* a KEY tag since the last segment */
	int		 have_last_br;	/* last_br is a byterange segment */
	size_t		 last_br;

	/* what the next URI line becomes */
	int		 have_inf;
	size_t		 inf_line;
	double		 duration;
	char		*title;
	int		 discontinuity;
	int64_t		 pdt_ms;
	char		*pdt;
	int		 have_br;
	int64_t		 br_len, br_off;
	int		 br_has_off;
	int		 have_stream_inf;
	size_t		 stream_inf_line;
	struct m3u8_variant var;
};

static int perr(struct ctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct ctx *c, const char *fmt, ...)
{
	va_list	 ap;
	int	 n = 0;

	if (c->err == NULL || c->errsz == 0)
		return -1;
	if (c->lineno > 0)
		n = snprintf(c->err, c->errsz, "line %zu: ", c->lineno);
	if (n < 0 || (size_t)n >= c->errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t';
}

static char *
dup_n(const char *s, size_t n)
{
	char	*p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* ------------------------------------------------------------------ */
/* Numbers */

/* All of S[0..N) as a decimal integer of at most MAX. */
static int
parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t	 i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * A non-negative decimal ("10", "9.009", ".5", "6.") up to
 * M3U8_MAX_DURATION_S.  Digits after the ninth decimal are ignored.
 */
static int
parse_duration(const char *s, size_t n, double *out)
{
	uint64_t ip = 0, frac = 0, scale = 1;
	size_t	 i = 0, ndigits = 0, nfrac = 0;
	double	 v;

	for (; i < n && is_digit(s[i]); i++, ndigits++) {
		if (ip > M3U8_INT_PART_MAX)
			return -1;
		ip = ip * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++, ndigits++) {
			if (nfrac++ >= M3U8_FRAC_DIGITS_MAX)
				continue;
			frac = frac * 10 + (uint64_t)(s[i] - '0');
			scale *= 10;
		}
	}
	if (i != n || ndigits == 0)
		return -1;
	v = (double)ip + (double)frac / (double)scale;
	if (v > M3U8_MAX_DURATION_S)
		return -1;
	*out = v;
	return 0;
}

/* Trim spaces and tabs around S[0..*N): returns the new start. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && is_space(s[0])) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_space(s[*n - 1]))
		(*n)--;
	return s;
}

/* ------------------------------------------------------------------ */
/* Attribute lists: NAME=VALUE,NAME="quoted, value",... */

struct attr {
	const char	*name, *val;
	size_t		 name_len, val_len;
	int		 quoted;
};

/* Next attribute at *PP: 1, 0 at the end, -1 if malformed. */
static int
attr_next(const char **pp, struct attr *a)
{
	const char	*p = *pp, *q;

	while (is_space(*p) || *p == ',')
		p++;
	if (*p == '\0')
		return 0;
	a->name = p;
	p += strcspn(p, "=,");
	a->name_len = (size_t)(p - a->name);
	a->name = trim(a->name, &a->name_len);
	if (*p != '=' || a->name_len == 0)
		return -1;
	for (p++; is_space(*p); p++)
		;
	a->quoted = *p == '"';
	if (a->quoted) {
		if ((q = strchr(p + 1, '"')) == NULL)
			return -1;
		a->val = p + 1;
		a->val_len = (size_t)(q - a->val);
		for (p = q + 1; is_space(*p); p++)
			;
		if (*p != ',' && *p != '\0')
			return -1;
	} else {
		a->val = p;
		p += strcspn(p, ",");
		a->val_len = (size_t)(p - a->val);
		a->val = trim(a->val, &a->val_len);
	}
	*pp = p;
	return 1;
}

static int
attr_is(const struct attr *a, const char *name)
{
	return strlen(name) == a->name_len &&
	    memcmp(a->name, name, a->name_len) == 0;
}

static int
val_is(const struct attr *a, const char *v)
{
	return strlen(v) == a->val_len && memcmp(a->val, v, a->val_len) == 0;
}

/* ------------------------------------------------------------------ */
/* Parser */

static int
grow(void **arr, size_t *cap, size_t n, size_t elsz, size_t max)
{
	size_t	 ncap;
	void	*p;

	if (n < *cap)
		return 0;
	if (n >= max)
		return -1;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if (ncap > max)
		ncap = max;
	if ((p = realloc(*arr, ncap * elsz)) == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* REF resolved against the base URL, allocated. */
static char *
resolve(struct ctx *c, const char *ref, size_t ref_len)
{
	char	*r, *out;
	size_t	 sz;

	if ((r = dup_n(ref, ref_len)) == NULL) {
		perr(c, "out of memory");
		return NULL;
	}
	if (c->base == NULL)
		return r;
	sz = strlen(c->base) + ref_len + 2;
	if ((out = malloc(sz)) == NULL)
		perr(c, "out of memory");
	else if (url_resolve(c->base, r, out, sz) == -1) {
		perr(c, "cannot resolve URI against the playlist URL");
		free(out);
		out = NULL;
	}
	free(r);
	return out;
}

static void
pending_clear(struct ctx *c)
{
	free(c->title);
	free(c->pdt);
	free(c->var.uri);
	free(c->var.codecs);
	c->have_inf = 0;
	c->title = NULL;
	c->discontinuity = 0;
	c->pdt_ms = -1;
	c->pdt = NULL;
	c->have_br = 0;
	c->have_stream_inf = 0;
	memset(&c->var, 0, sizeof(c->var));
}

static int
tag_extinf(struct ctx *c, const char *v)
{
	const char	*comma = strchr(v, ',');
	size_t		 n = comma != NULL ? (size_t)(comma - v) : strlen(v);

	if (c->have_inf) {
		c->lineno = c->inf_line;
		return perr(c, "EXTINF without a URI");
	}
	if (c->have_stream_inf)
		return perr(c, "EXTINF after EXT-X-STREAM-INF");
	v = trim(v, &n);
	if (parse_duration(v, n, &c->duration) == -1)
		return perr(c, "bad EXTINF duration (a decimal number of "
		    "seconds from 0 to %.0f)", M3U8_MAX_DURATION_S);
	if (comma != NULL && comma[1] != '\0' &&
	    (c->title = strdup(comma + 1)) == NULL)
		return perr(c, "out of memory");
	c->have_inf = 1;
	c->inf_line = c->lineno;
	return 0;
}

static int
tag_version(struct ctx *c, const char *v)
{
	uint64_t n;

	if (parse_u64(v, strlen(v), M3U8_MAX_VERSION, &n) == -1 || n < 1)
		return perr(c, "bad EXT-X-VERSION");
	c->pl->version = (int)n;
	return 0;
}

static int
tag_targetduration(struct ctx *c, const char *v)
{
	if (parse_duration(v, strlen(v), &c->pl->target_duration) == -1)
		return perr(c, "bad EXT-X-TARGETDURATION");
	return 0;
}

static int
tag_media_sequence(struct ctx *c, const char *v)
{
	if (parse_u64(v, strlen(v), UINT64_MAX, &c->pl->media_sequence) == -1)
		return perr(c, "bad EXT-X-MEDIA-SEQUENCE (an integer from 0 "
		    "to 2^64-1)");
	return 0;
}

static int
tag_disc_sequence(struct ctx *c, const char *v)
{
	if (parse_u64(v, strlen(v), UINT64_MAX,
	    &c->pl->discontinuity_sequence) == -1)
		return perr(c, "bad EXT-X-DISCONTINUITY-SEQUENCE");
	return 0;
}

static int
tag_discontinuity(struct ctx *c, const char *v)
{
	c->discontinuity = 1;
	return 0;
}

static int
tag_endlist(struct ctx *c, const char *v)
{
	c->pl->endlist = 1;
	return 0;
}

static int
tag_pdt(struct ctx *c, const char *v)
{
	int64_t	 ms;

	if (iso8601_parse(v, &ms) == -1)
		return perr(c, "bad EXT-X-PROGRAM-DATE-TIME (ISO 8601 date "
		    "and time, 1970 or later)");
	free(c->pdt);
	if ((c->pdt = strdup(v)) == NULL)
		return perr(c, "out of memory");
	c->pdt_ms = ms;
	return 0;
}

static int
tag_byterange(struct ctx *c, const char *v)
{
	const char	*at = strchr(v, '@');
	size_t		 n = at != NULL ? (size_t)(at - v) : strlen(v);
	uint64_t	 len, off = 0;

	if (parse_u64(v, n, INT64_MAX, &len) == -1 || len == 0)
		return perr(c, "bad EXT-X-BYTERANGE length");
	if (at != NULL && (parse_u64(at + 1, strlen(at + 1), INT64_MAX,
	    &off) == -1 || off > INT64_MAX - len))
		return perr(c, "bad EXT-X-BYTERANGE offset");
	c->br_len = (int64_t)len;
	c->br_off = (int64_t)off;
	c->br_has_off = at != NULL;
	c->have_br = 1;
	return 0;
}

static int
key_iv(struct m3u8_key *k, const struct attr *a)
{
	size_t	 i, ndig;
	int	 h;

	if (a->val_len < 3 || a->val[0] != '0' ||
	    (a->val[1] != 'x' && a->val[1] != 'X'))
		return -1;
	ndig = a->val_len - 2;
	if (ndig > M3U8_IV_HEX_MAX)
		return -1;
	memset(k->iv, 0, sizeof(k->iv));
	/* right-aligned: digit i from the end goes to nibble i */
	for (i = 0; i < ndig; i++) {
		if ((h = url_hex_digit(a->val[a->val_len - 1 - i])) == -1)
			return -1;
		k->iv[15 - i / 2] |= (uint8_t)(i % 2 ? h << 4 : h);
	}
	k->has_iv = 1;
	return 0;
}

/* Attributes of EXT-X-KEY into K; URI left in *URI. */
static int
key_attrs(struct ctx *c, const char *v, struct m3u8_key *k,
    struct attr *uri)
{
	struct attr	 a;
	int		 r, have_method = 0, other_format = 0;

	while ((r = attr_next(&v, &a)) == 1) {
		if (attr_is(&a, "METHOD")) {
			have_method = 1;
			snprintf(k->method_name, sizeof(k->method_name),
			    "%.*s", (int)a.val_len, a.val);
			k->method = val_is(&a, "NONE") ? M3U8_KEY_NONE :
			    val_is(&a, "AES-128") ? M3U8_KEY_AES128 :
			    M3U8_KEY_UNSUPPORTED;
		} else if (attr_is(&a, "URI"))
			*uri = a;
		else if (attr_is(&a, "IV") && key_iv(k, &a) == -1)
			return perr(c, "bad EXT-X-KEY IV (0x and up to 32 "
			    "hex digits)");
		else if (attr_is(&a, "KEYFORMAT"))
			other_format = !val_is(&a, "identity");
	}
	if (r == -1)
		return perr(c, "malformed EXT-X-KEY attribute list");
	if (!have_method)
		return perr(c, "EXT-X-KEY without METHOD");
	if (k->method == M3U8_KEY_AES128 && other_format)
		k->method = M3U8_KEY_UNSUPPORTED;
	return 0;
}

/*
 * The key for the following segments.  Of several KEY tags in a row (one
 * per KEYFORMAT, for players with different DRMs) an AES-128 one we can
 * use is kept over unsupported ones.
 */
static int
tag_key(struct ctx *c, const char *v)
{
	struct m3u8_key	 k;
	struct attr	 uri = { NULL, NULL, 0, 0, 0 };
	struct m3u8	*pl = c->pl;
	int		 keep;

	memset(&k, 0, sizeof(k));
	if (key_attrs(c, v, &k, &uri) == -1)
		return -1;
	if (k.method == M3U8_KEY_NONE) {
		c->cur_key = -1;
		c->key_since_seg = 1;
		return 0;
	}
	if (k.method == M3U8_KEY_AES128 && uri.val_len == 0)
		return perr(c, "EXT-X-KEY METHOD=AES-128 without a URI");
	if (uri.val != NULL && (k.uri = resolve(c, uri.val, uri.val_len)) ==
	    NULL)
		return -1;
	if (grow((void **)&pl->keys, &c->keycap, pl->nkeys, sizeof(k),
	    M3U8_MAX_KEYS) == -1) {
		free(k.uri);
		return perr(c, "more than %d EXT-X-KEY tags", M3U8_MAX_KEYS);
	}
	keep = c->key_since_seg && c->cur_key >= 0 &&
	    pl->keys[c->cur_key].method == M3U8_KEY_AES128 &&
	    k.method != M3U8_KEY_AES128;
	pl->keys[pl->nkeys] = k;
	if (!keep)
		c->cur_key = (int)pl->nkeys;
	pl->nkeys++;
	c->key_since_seg = 1;
	return 0;
}

/* "1280x720" */
static int
is_resolution(const char *s, size_t n)
{
	size_t	 i = 0, w, h;

	for (w = 0; i < n && is_digit(s[i]); i++)
		w++;
	if (w == 0 || i == n || (s[i] != 'x' && s[i] != 'X'))
		return 0;
	for (i++, h = 0; i < n && is_digit(s[i]); i++)
		h++;
	return h > 0 && i == n;
}

static int
variant_attr(struct ctx *c, const struct attr *a)
{
	struct m3u8_variant *var = &c->var;
	uint64_t	 bw;

	if (attr_is(a, "BANDWIDTH")) {
		if (parse_u64(a->val, a->val_len, LONG_MAX, &bw) == -1)
			return perr(c, "bad BANDWIDTH");
		var->bandwidth = (long)bw;
	} else if (attr_is(a, "AVERAGE-BANDWIDTH")) {
		if (parse_u64(a->val, a->val_len, LONG_MAX, &bw) == -1)
			return perr(c, "bad AVERAGE-BANDWIDTH");
		var->avg_bandwidth = (long)bw;
	} else if (attr_is(a, "RESOLUTION")) {
		/* descriptive only: kept when well-formed, else dropped */
		if (is_resolution(a->val, a->val_len) &&
		    a->val_len < sizeof(var->resolution))
			snprintf(var->resolution, sizeof(var->resolution),
			    "%.*s", (int)a->val_len, a->val);
	} else if (attr_is(a, "CODECS")) {
		free(var->codecs);
		if ((var->codecs = dup_n(a->val, a->val_len)) == NULL)
			return perr(c, "out of memory");
	}
	return 0;
}

static int
tag_stream_inf(struct ctx *c, const char *v)
{
	struct attr	 a;
	int		 r;

	if (c->have_stream_inf) {
		c->lineno = c->stream_inf_line;
		return perr(c, "EXT-X-STREAM-INF without a URI");
	}
	if (c->have_inf)
		return perr(c, "EXT-X-STREAM-INF after EXTINF");
	while ((r = attr_next(&v, &a)) == 1)
		if (variant_attr(c, &a) == -1)
			return -1;
	if (r == -1)
		return perr(c, "malformed EXT-X-STREAM-INF attribute list");
	c->have_stream_inf = 1;
	c->stream_inf_line = c->lineno;
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(struct ctx *, const char *);
} tags[] = {
	{ "EXTINF",				tag_extinf },
	{ "EXT-X-VERSION",			tag_version },
	{ "EXT-X-TARGETDURATION",		tag_targetduration },
	{ "EXT-X-MEDIA-SEQUENCE",		tag_media_sequence },
	{ "EXT-X-DISCONTINUITY-SEQUENCE",	tag_disc_sequence },
	{ "EXT-X-DISCONTINUITY",		tag_discontinuity },
	{ "EXT-X-PROGRAM-DATE-TIME",		tag_pdt },
	{ "EXT-X-ENDLIST",			tag_endlist },
	{ "EXT-X-BYTERANGE",			tag_byterange },
	{ "EXT-X-KEY",				tag_key },
	{ "EXT-X-STREAM-INF",			tag_stream_inf },
};

/* LINE starts with "#EXT": run its handler, if it is a tag we know. */
static int
tag(struct ctx *c, const char *line)
{
	const char	*name = line + 1, *v;
	size_t		 n = strcspn(name, ":"), i, vlen;

	v = name[n] == ':' ? name + n + 1 : name + n;
	vlen = strlen(v);
	v = trim(v, &vlen);	/* the line is trimmed: only the start moves */
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strlen(tags[i].name) == n &&
		    memcmp(tags[i].name, name, n) == 0)
			return tags[i].fn(c, v);
	return 0;
}

static int
add_segment(struct ctx *c, const char *line, size_t len)
{
	struct m3u8		*pl = c->pl;
	struct m3u8_segment	*s, *prev;

	if (pl->nvariants > 0)
		return perr(c, "media segment in a master playlist");
	if (grow((void **)&pl->segs, &c->segcap, pl->nsegs, sizeof(*s),
	    M3U8_MAX_SEGMENTS) == -1)
		return perr(c, "more than %d segments", M3U8_MAX_SEGMENTS);
	s = &pl->segs[pl->nsegs];
	memset(s, 0, sizeof(*s));
	if ((s->uri = resolve(c, line, len)) == NULL)
		return -1;
	pl->nsegs++;
	s->duration = c->duration;
	s->title = c->title;
	s->discontinuity = c->discontinuity;
	s->pdt_ms = c->pdt_ms;
	s->pdt = c->pdt;
	c->title = c->pdt = NULL;
	s->key_index = c->cur_key;
	s->byterange_len = -1;
	if (c->have_br) {
		s->byterange_len = c->br_len;
		s->byterange_off = c->br_off;
		prev = c->have_last_br ? &pl->segs[c->last_br] : NULL;
		if (!c->br_has_off && prev != NULL &&
		    strcmp(prev->uri, s->uri) == 0) {
			if (prev->byterange_off + prev->byterange_len >
			    INT64_MAX - s->byterange_len)
				return perr(c, "EXT-X-BYTERANGE offset "
				    "overflows");
			s->byterange_off = prev->byterange_off +
			    prev->byterange_len;
		}
		c->have_last_br = 1;
		c->last_br = pl->nsegs - 1;
	}
	c->key_since_seg = 0;
	pending_clear(c);
	return 0;
}

static int
add_variant(struct ctx *c, const char *line, size_t len)
{
	struct m3u8	*pl = c->pl;

	if (pl->nsegs > 0)
		return perr(c, "EXT-X-STREAM-INF in a media playlist");
	if (grow((void **)&pl->variants, &c->varcap, pl->nvariants,
	    sizeof(c->var), M3U8_MAX_VARIANTS) == -1)
		return perr(c, "more than %d variants", M3U8_MAX_VARIANTS);
	if ((c->var.uri = resolve(c, line, len)) == NULL)
		return -1;
	pl->variants[pl->nvariants++] = c->var;
	memset(&c->var, 0, sizeof(c->var));
	pl->is_master = 1;
	pending_clear(c);
	return 0;
}

/* One trimmed, non-empty line after the header. */
static int
line(struct ctx *c, const char *s, size_t len)
{
	if (s[0] == '#')
		return strncmp(s, "#EXT", 4) == 0 ? tag(c, s) : 0;
	if (c->have_inf)
		return add_segment(c, s, len);
	if (c->have_stream_inf)
		return add_variant(c, s, len);
	return perr(c, "URI without EXTINF or EXT-X-STREAM-INF");
}

static int
is_header(const char *s)
{
	return strncmp(s, "#EXTM3U", 7) == 0 && (s[7] == '\0' ||
	    is_space(s[7]));
}

/* Sequence numbers, now that EXT-X-MEDIA-SEQUENCE is known. */
static int
number_segments(struct ctx *c)
{
	struct m3u8	*pl = c->pl;
	size_t		 i;

	if (pl->nsegs > 0 && pl->media_sequence > UINT64_MAX - (pl->nsegs - 1))
		return perr(c, "media sequence overflows");
	for (i = 0; i < pl->nsegs; i++)
		pl->segs[i].seq = pl->media_sequence + i;
	return 0;
}

static int
parse_lines(struct ctx *c, const char *text, size_t len, char *buf)
{
	size_t		 pos = 0, end, n;
	const char	*s;
	int		 header = 0;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		c->lineno++;
		for (end = pos; end < len && text[end] != '\n' &&
		    text[end] != '\r'; end++)
			;
		if (end - pos > M3U8_MAX_LINE_BYTES)
			return perr(c, "line longer than %d bytes",
			    M3U8_MAX_LINE_BYTES);
		n = end - pos;
		s = trim(text + pos, &n);
		memcpy(buf, s, n);
		buf[n] = '\0';
		pos = end + 1;
		if (end + 1 < len && text[end] == '\r' && text[end + 1] == '\n')
			pos++;
		if (n == 0)
			continue;
		if (!header) {
			if (!is_header(buf))
				return perr(c, "not an HLS playlist (no "
				    "#EXTM3U)");
			header = 1;
		} else if (line(c, buf, n) == -1)
			return -1;
	}
	if (!header) {
		c->lineno = 0;
		return perr(c, "empty playlist");
	}
	if (c->have_inf) {
		c->lineno = c->inf_line;
		return perr(c, "EXTINF without a URI");
	}
	if (c->have_stream_inf) {
		c->lineno = c->stream_inf_line;
		return perr(c, "EXT-X-STREAM-INF without a URI");
	}
	c->lineno = 0;
	return number_segments(c);
}

int
m3u8_parse(const char *text, size_t len, const char *base_url,
    struct m3u8 *out, char *err, size_t errsz)
{
	struct ctx	 c;
	const char	*nul;
	char		*buf;
	int		 r;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.pl = out;
	c.base = base_url;
	c.err = err;
	c.errsz = errsz;
	c.cur_key = -1;
	c.pdt_ms = -1;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (text == NULL || len == 0)
		return perr(&c, "empty playlist");
	if (len > M3U8_MAX_PLAYLIST_BYTES)
		return perr(&c, "playlist larger than %d bytes",
		    M3U8_MAX_PLAYLIST_BYTES);
	if ((nul = memchr(text, '\0', len)) != NULL)
		return perr(&c, "not an HLS playlist (NUL byte at offset "
		    "%zu)", (size_t)(nul - text));
	if ((buf = malloc(M3U8_MAX_LINE_BYTES + 1)) == NULL)
		return perr(&c, "out of memory");
	out->version = 1;
	r = parse_lines(&c, text, len, buf);
	free(buf);
	pending_clear(&c);
	if (r == -1)
		m3u8_free(out);
	return r;
}

void
m3u8_free(struct m3u8 *pl)
{
	size_t	 i;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->nsegs; i++) {
		free(pl->segs[i].title);
		free(pl->segs[i].uri);
		free(pl->segs[i].pdt);
	}
	for (i = 0; i < pl->nvariants; i++) {
		free(pl->variants[i].uri);
		free(pl->variants[i].codecs);
	}
	for (i = 0; i < pl->nkeys; i++)
		free(pl->keys[i].uri);
	free(pl->segs);
	free(pl->variants);
	free(pl->keys);
	memset(pl, 0, sizeof(*pl));
}

/* ------------------------------------------------------------------ */
/* Variant choice */

const struct m3u8_variant *
m3u8_choose_variant(const struct m3u8 *pl, int choice, long bandwidth)
{
	const struct m3u8_variant *v, *best = NULL, *low = NULL;
	size_t	 i;

	if (pl == NULL || pl->nvariants == 0)
		return NULL;
	for (i = 0; i < pl->nvariants; i++) {
		v = &pl->variants[i];
		if (low == NULL || v->bandwidth < low->bandwidth)
			low = v;
		if (choice == M3U8_CHOOSE_LOWEST)
			continue;
		if (choice == M3U8_CHOOSE_BANDWIDTH && v->bandwidth > bandwidth)
			continue;
		if (best == NULL || v->bandwidth > best->bandwidth)
			best = v;
	}
	if (choice == M3U8_CHOOSE_LOWEST || best == NULL)
		return low;
	return best;
}
