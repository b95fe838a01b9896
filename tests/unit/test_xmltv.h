/*
 * test_xmltv.h - what the two XMLTV reducer tests share (test_xmltv.c:
 * guides as sources send them; test_xmltv_hostile.c: broken and hostile
 * documents): the lineup map, the window around a fixed "now", adding a
 * document from an exact-size heap copy with the error in errbuf, the
 * merged guide as a string, and gzip made here with zlib.
 *
 * Included by those two files only, after <cmocka.h>, <stdlib.h>,
 * <string.h>, <zlib.h> and "xmltv.h"; each gets its own copy (static).
 */
#ifndef RINGCAST_TEST_XMLTV_H
#define RINGCAST_TEST_XMLTV_H

/* 2026-11-25T10:00:00Z; the window is 48 h back, 7 days ahead:
 * [2026-11-23T10:00:00Z, 2026-12-02T10:00:00Z). */
#define NOW		1795600800LL
#define SINCE		(NOW - XMLTV_WINDOW_BACK_S)
#define UNTIL		(NOW + XMLTV_WINDOW_AHEAD_S)

/* Three lineup channels; "news" is in both sources under two ids. */
static const struct xmltv_map test_map[] = {
	{ "bbc1.uk", "news.ringcast", "News" },
	{ "one.src2", "news.ringcast", NULL },
	{ "Sport.Example", "sport.ringcast", "Sport & more" },
	{ "kids.example", "kids.ringcast", "Kids" },
};
#define TEST_MAP_N	(sizeof(test_map) / sizeof(test_map[0]))

static char	 errbuf[256];

static __attribute__((unused)) struct xmltv_reduce *
reducer(const struct xmltv_limits *lim)
{
	struct xmltv_reduce *r = xmltv_reduce_new(test_map, TEST_MAP_N,
	    SINCE, UNTIL, lim, errbuf, sizeof(errbuf));

	if (r == NULL)
		fail_msg("xmltv_reduce_new: %s", errbuf);
	return r;
}

/* Add LEN bytes of DOC from an exact-size heap copy (so ASan sees a
 * read past its end). */
static int
add_n(struct xmltv_reduce *r, const void *doc, size_t len, const char *label,
    struct xmltv_counts *c)
{
	char	*copy = malloc(len > 0 ? len : 1);
	int	 rc;

	assert_non_null(copy);
	memcpy(copy, doc, len);
	errbuf[0] = '\0';
	rc = xmltv_reduce_add(r, copy, len, label, c, errbuf, sizeof(errbuf));
	free(copy);
	return rc;
}

static __attribute__((unused)) void
add_ok(struct xmltv_reduce *r, const char *doc, struct xmltv_counts *c)
{
	if (add_n(r, doc, strlen(doc), "doc", c) != 0)
		fail_msg("refused: %s", errbuf);
}

/* Must be refused with a message containing WANT. */
static __attribute__((unused)) void
add_refused(struct xmltv_reduce *r, const void *doc, size_t len,
    const char *want)
{
	struct xmltv_counts	 c;
	const char		*p;

	if (add_n(r, doc, len, "bad", &c) == 0)
		fail_msg("used, expected refusal '%s'", want);
	if (strncmp(errbuf, "bad: ", 5) != 0 || strstr(errbuf, want) == NULL)
		fail_msg("error '%s', expected 'bad: ...%s'", errbuf, want);
	for (p = errbuf; *p != '\0'; p++)	/* one line, for the log */
		if ((unsigned char)*p < 0x20)
			fail_msg("control character in '%s'", errbuf);
	assert_int_equal(c.refused, 1);
	assert_int_equal(c.inputs, 0);
}

/* The merged guide, malloc'ed. */
static __attribute__((unused)) char *
guide(const struct xmltv_reduce *r)
{
	struct buf	 b;
	char		*s;

	buf_init(&b);
	assert_int_equal(xmltv_reduce_finish(r, &b), 0);
	s = strdup(buf_str(&b));
	assert_non_null(s);
	buf_free(&b);
	return s;
}

/* What an empty reduction writes around the channels and programmes. */
#define GUIDE_HEAD	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
			"<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n" \
			"<tv generator-info-name=\"ringcast\">\n"
#define GUIDE_TAIL	"</tv>\n"

/* Deflate LEN bytes at IN onto the gzip stream Z, appending to *OUT
 * (*OUTLEN bytes, *CAP allocated). */
static void
gz_feed(z_stream *z, const void *in, size_t len, int flush,
    unsigned char **out, size_t *outlen, size_t *cap)
{
	z->next_in = (unsigned char *)in;
	z->avail_in = (unsigned)len;
	do {
		if (*cap - *outlen < 65536) {
			*cap = *cap * 2 + 65536;
			*out = realloc(*out, *cap);
			assert_non_null(*out);
		}
		z->next_out = *out + *outlen;
		z->avail_out = (unsigned)(*cap - *outlen);
		assert_true(deflate(z, flush) != Z_STREAM_ERROR);
		*outlen = *cap - z->avail_out;
	} while (z->avail_in > 0 || z->avail_out == 0);
}

/* IN gzipped, malloc'ed. */
static __attribute__((unused)) unsigned char *
gzip_of(const void *in, size_t len, size_t *outlen)
{
	z_stream	 z = { 0 };
	unsigned char	*out = NULL;
	size_t		 cap = 0;

	*outlen = 0;
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	gz_feed(&z, in, len, Z_FINISH, &out, outlen, &cap);
	deflateEnd(&z);
	return out;
}

#endif
