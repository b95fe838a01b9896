/*
 * test_xmltv_hostile.c - the XMLTV reducer (src/parse/xmltv.c,
 * xmltv_doc.c) on broken and hostile documents.
 *
 * What a user relies on: a source that sends something else than a
 * guide (HTML, garbage, a truncated or corrupt gzip), or an attack (an
 * entity bomb, external entities, deep nesting, a gzip bomb, a huge
 * text, a tag libxml2 2.9 takes quadratic time over) costs a refusal
 * with a reason, quickly and in bounded memory; nothing of it is kept,
 * no file is read, nothing is printed, and the other sources still make
 * the guide.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <zlib.h>

#include "xmltv.h"
#include "test_xmltv.h"

/* A hostile document must be refused within this (ASan included). */
#define FAST_MS		2000
/* ... and cost at most this much more peak memory. */
#define SMALL_RSS_KB	(64 * 1024)

static const char good[] =
    "<tv><programme start=\"20261125100000\" channel=\"bbc1.uk\">"
    "<title>Good</title></programme></tv>";

static double
ms_since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static long
peak_rss_kb(void)
{
	struct rusage	 ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

/* DOC must be refused with WANT in the reason, within FAST_MS and
 * SMALL_RSS_KB, leaving the guide empty; then a good document is still
 * used. */
static void
refused_fast(const struct xmltv_limits *lim, const void *doc, size_t len,
    const char *want)
{
	struct xmltv_reduce	*r = reducer(lim);
	struct xmltv_counts	 t;
	struct timespec		 t0;
	long			 rss0 = peak_rss_kb();
	double			 ms;
	char			*out;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	add_refused(r, doc, len, want);
	ms = ms_since(&t0);
	if (ms > FAST_MS)
		fail_msg("refused after %.0f ms: %s", ms, errbuf);
	if (peak_rss_kb() - rss0 > SMALL_RSS_KB)
		fail_msg("peak memory grew by %ld KB", peak_rss_kb() - rss0);
	out = guide(r);
	assert_string_equal(out, GUIDE_HEAD GUIDE_TAIL);
	free(out);
	add_ok(r, good, NULL);
	xmltv_reduce_totals(r, &t);
	assert_int_equal(t.inputs, 1);
	assert_int_equal(t.refused, 1);
	assert_int_equal(t.programmes, 1);
	xmltv_reduce_free(r);
}

static void
refused_str(const char *doc, const char *want)
{
	refused_fast(NULL, doc, strlen(doc), want);
}

static void
test_not_a_guide(void **state)
{
	static const unsigned char garbage[] = {
		0x00, 0xff, 0x13, 0x37, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a,
	};

	refused_fast(NULL, "", 0, "bad: empty");
	refused_str("not XML at all", "not well-formed XML: ");
	refused_fast(NULL, garbage, sizeof(garbage), "not well-formed XML");
	refused_str("<html><body>502 Bad Gateway</body></html>",
	    "root element <html>, not <tv>");
	refused_str("<!DOCTYPE html><html></html>",
	    "DOCTYPE of <html>, not <tv>");
	refused_str("<tv><programme start=\"20261125100000\"",
	    "not well-formed XML");
	refused_str("<tv>\n<programme start=\"20261125100000\" channel="
	    "\"bbc1.uk\"><title>x</titel></programme></tv>",
	    "(line 2)");
	refused_str("<tv><programme start=\"20261125100000\" channel="
	    "\"bbc1.uk\"><title>\xff\xfe</title></programme></tv>",
	    "Input is not proper UTF-8, indicate encoding ! Bytes: 0xFF");
	refused_fast(NULL, "<tv>\0</tv>", 10, "not well-formed XML");
	refused_str("<?xml version=\"1.0\"?><!-- nothing -->",
	    "not well-formed XML");
}

/* A document refused at its end leaves nothing of what it had given. */
static void
test_refused_keeps_nothing(void **state)
{
	static const char cut[] =
	    "<tv><channel id=\"bbc1.uk\"><display-name>Cut</display-name>"
	    "</channel><programme start=\"20261125100000\" channel=\"bbc1.uk\">"
	    "<title>Cut</title></programme><programme start=\"2026112511\"";
	struct xmltv_reduce	*r = reducer(NULL);
	struct xmltv_counts	 c;
	char			*out;

	assert_int_equal(add_n(r, cut, strlen(cut), "cut", &c), -1);
	assert_int_equal(c.refused, 1);
	assert_int_equal(c.channels, 1);	/* what it had given */
	add_ok(r, good, &c);
	assert_int_equal(c.channels + c.programmes, 1);
	out = guide(r);
	assert_null(strstr(out, "Cut"));
	assert_non_null(strstr(out, "Good"));
	free(out);
	xmltv_reduce_free(r);
}

/* Billion laughs: 10^9 "lol"s if expanded.  libxml2 2.9.14 stops it
 * itself (its entity amplification check: "Detected an entity
 * reference loop") before the DOCTYPE reaches us. */
static void
test_billion_laughs(void **state)
{
	struct buf	 doc;
	int		 i, j;

	buf_init(&doc);
	buf_puts(&doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE tv [\n"
	    " <!ENTITY lol0 \"lol\">\n");
	for (i = 1; i <= 9; i++) {
		buf_printf(&doc, " <!ENTITY lol%d \"", i);
		for (j = 0; j < 10; j++)
			buf_printf(&doc, "&lol%d;", i - 1);
		buf_puts(&doc, "\">\n");
	}
	buf_puts(&doc, "]>\n<tv><programme start=\"20261125100000\" "
	    "channel=\"bbc1.uk\"><title>&lol9;</title></programme></tv>\n");
	refused_fast(NULL, doc.data, doc.len, "entity");
	buf_free(&doc);
}

/* Quadratic blowup: one 64 KB entity, referenced 20000 times (1.3 GB
 * if expanded): refused for its declarations. */
static void
test_quadratic_entity(void **state)
{
	struct buf	 doc;
	int		 i;

	buf_init(&doc);
	buf_puts(&doc, "<!DOCTYPE tv [<!ENTITY a \"");
	for (i = 0; i < 64 * 1024; i++)
		buf_puts(&doc, "a");
	buf_puts(&doc, "\">]><tv><programme start=\"20261125100000\" "
	    "channel=\"bbc1.uk\"><title>");
	for (i = 0; i < 20000; i++)
		buf_puts(&doc, "&a;");
	buf_puts(&doc, "</title></programme></tv>");
	refused_fast(NULL, doc.data, doc.len, "DOCTYPE with declarations");
	buf_free(&doc);
}

static int	 loader_calls;

static xmlParserInputPtr
spy_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	loader_calls++;
	return NULL;
}

/* External entities and DTDs are never loaded: not through a SYSTEM
 * entity, a parameter entity, the DOCTYPE's own identifier or XInclude
 * (the spy entity loader would see any attempt). */
static void
test_external_entities(void **state)
{
	static const char xxe[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE tv [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
	    "<tv><programme start=\"20261125100000\" channel=\"bbc1.uk\">"
	    "<title>&xxe;</title></programme></tv>";
	static const char pe[] =
	    "<!DOCTYPE tv [<!ENTITY % pe SYSTEM \"file:///etc/passwd\"> %pe;]>"
	    "<tv/>";
	static const char net[] =
	    "<!DOCTYPE tv [<!ENTITY n SYSTEM \"http://127.0.0.1:9/x\">]>"
	    "<tv>&n;</tv>";
	/* Accepted: the DOCTYPE's identifier is never loaded, &xxe; is an
	 * undeclared reference (dropped), XInclude is not done. */
	static const char sys[] =
	    "<!DOCTYPE tv SYSTEM \"file:///etc/passwd\">\n"
	    "<tv xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
	    "<programme start=\"20261125100000\" channel=\"bbc1.uk\">"
	    "<title>T&xxe;</title><desc>D<xi:include href=\"file:///etc/passwd\""
	    " parse=\"text\"/></desc></programme></tv>";
	xmlExternalEntityLoader	 old = xmlGetExternalEntityLoader();
	struct xmltv_reduce	*r;
	struct xmltv_counts	 c;
	char			*out;

	loader_calls = 0;
	xmlSetExternalEntityLoader(spy_loader);
	refused_str(xxe, "DOCTYPE with declarations");
	refused_str(pe, "DOCTYPE with declarations");
	refused_str(net, "DOCTYPE with declarations");
	r = reducer(NULL);
	add_ok(r, sys, &c);
	assert_int_equal(c.programmes, 1);
	assert_int_equal(c.dropped_nodes, 2);
	out = guide(r);
	assert_non_null(strstr(out, "<title>T</title>"));
	assert_non_null(strstr(out, "<desc>D</desc>"));
	assert_null(strstr(out, "root:"));
	free(out);
	xmltv_reduce_free(r);
	xmlSetExternalEntityLoader(old);
	assert_int_equal(loader_calls, 0);
}

/* <tv> + N nested elements inside a top-level one, closed. */
static char *
nested(const char *top, int n)
{
	struct buf	 b;
	int		 i;

	buf_init(&b);
	buf_printf(&b, "<tv>%s", top);
	for (i = 0; i < n; i++)
		buf_puts(&b, "<a>");
	for (i = 0; i < n; i++)
		buf_puts(&b, "</a>");
	buf_puts(&b, strncmp(top, "<prog", 5) == 0 ? "</programme></tv>" :
	    "</foo></tv>");
	assert_false(b.failed);
	return b.data;
}

static void
test_deep_nesting(void **state)
{
	static const char prog[] = "<programme start=\"20261125100000\" "
	    "channel=\"bbc1.uk\"><title>t</title>";
	static const char skipped[] = "<programme start=\"20201125100000\" "
	    "channel=\"bbc1.uk\"><title>t</title>";
	struct xmltv_reduce	*r = reducer(NULL);
	char			*doc;

	/* <tv> <foo> and 30 more: 32 levels, the limit. */
	doc = nested("<foo>", XMLTV_DEPTH_MAX - 2);
	add_ok(r, doc, NULL);
	free(doc);
	xmltv_reduce_free(r);
	doc = nested("<foo>", XMLTV_DEPTH_MAX - 1);
	refused_str(doc, "elements nested deeper than 32");
	free(doc);
	/* In a kept programme, in one outside the window, and past
	 * libxml2's own limit (256). */
	doc = nested(prog, XMLTV_DEPTH_MAX);
	refused_str(doc, "elements nested deeper than 32");
	free(doc);
	doc = nested(skipped, XMLTV_DEPTH_MAX);
	refused_str(doc, "elements nested deeper than 32");
	free(doc);
	doc = nested("<foo>", 100000);
	refused_str(doc, "elements nested deeper than 32");
	free(doc);
}

/*
 * A gzip stream of PREFIX then COUNT times CHUNK, made without deflating
 * all of it: each part is deflated (raw) with a full flush, which leaves
 * the compressor as it started, so the bytes of one chunk serve for all.
 * The trailer's CRC is combined arithmetically.
 */
static unsigned char *
gz_bomb(const char *prefix, const void *chunk, size_t chunklen, size_t count,
    size_t *outlen)
{
	static const unsigned char head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
	    0, 3 };
	z_stream	 z = { 0 };
	unsigned char	*pre = NULL, *one = NULL, *fin = NULL, *out, *p;
	size_t		 prelen = 0, onelen = 0, finlen = 0, cap, i;
	size_t		 precap = 0, onecap = 0, fincap = 0;
	uLong		 crc, crc1;
	uint64_t	 total = strlen(prefix) + (uint64_t)chunklen * count;

	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 9,
	    Z_DEFAULT_STRATEGY), Z_OK);
	gz_feed(&z, prefix, strlen(prefix), Z_FULL_FLUSH, &pre, &prelen,
	    &precap);
	gz_feed(&z, chunk, chunklen, Z_FULL_FLUSH, &one, &onelen, &onecap);
	gz_feed(&z, "", 0, Z_FINISH, &fin, &finlen, &fincap);
	deflateEnd(&z);
	crc = crc32(0, (const Bytef *)prefix, (uInt)strlen(prefix));
	crc1 = crc32(0, chunk, (uInt)chunklen);
	for (i = 0; i < count; i++)
		crc = crc32_combine(crc, crc1, (z_off_t)chunklen);
	cap = sizeof(head) + prelen + onelen * count + finlen + 8;
	assert_non_null(out = malloc(cap));
	p = out;
	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	memcpy(p, pre, prelen);
	p += prelen;
	for (i = 0; i < count; i++, p += onelen)
		memcpy(p, one, onelen);
	memcpy(p, fin, finlen);
	p += finlen;
	for (i = 0; i < 4; i++)
		*p++ = (unsigned char)(crc >> (8 * i));
	for (i = 0; i < 4; i++)
		*p++ = (unsigned char)(total >> (8 * i));
	*outlen = (size_t)(p - out);
	free(pre);
	free(one);
	free(fin);
	return out;
}

/* Bytes inflated from BUF (a whole gzip stream), for checking gz_bomb. */
static uint64_t
inflated_size(const unsigned char *buf, size_t len)
{
	z_stream	 z = { 0 };
	unsigned char	 out[1 << 16];
	int		 rc;

	assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
	z.next_in = (unsigned char *)buf;
	z.avail_in = (unsigned)len;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		rc = inflate(&z, Z_NO_FLUSH);
	} while (rc == Z_OK);
	assert_int_equal(rc, Z_STREAM_END);
	inflateEnd(&z);
	return z.total_out;
}

static void
test_gzip_bomb(void **state)
{
	static unsigned char	 zeros[1 << 20];
	char			*tags;
	unsigned char		*gz;
	size_t			 gzlen, i;
	struct xmltv_limits	 lim;

	/* 1 GiB of zeros in about 1 MB: not XML from its first byte, so
	 * a few kilobytes of it are ever inflated. */
	gz = gz_bomb("", zeros, sizeof(zeros), 1024, &gzlen);
	assert_true(gzlen < 2 * 1024 * 1024);
	refused_fast(NULL, gz, gzlen, "not well-formed XML");
	free(gz);

	/* 1 GiB of well-formed <x/> elements: refused at the input limit
	 * (4 MiB here, so the test parses little). */
	assert_non_null(tags = malloc(sizeof(zeros)));
	for (i = 0; i + 4 <= sizeof(zeros); i += 4)
		memcpy(tags + i, "<x/>", 4);
	gz = gz_bomb("<tv>", tags, sizeof(zeros), 1024, &gzlen);
	free(tags);
	assert_true(gzlen < 2 * 1024 * 1024);
	xmltv_limits_default(&lim);
	lim.input_max_bytes = 4 << 20;
	refused_fast(&lim, gz, gzlen, "over 4194304 bytes inflated");
	free(gz);

	/* gz_bomb makes what it says (checked on a small one). */
	gz = gz_bomb("<tv>", "<x/>", 4, 1000, &gzlen);
	assert_int_equal(inflated_size(gz, gzlen), 4004);
	free(gz);
}

static void
test_gzip_broken(void **state)
{
	struct xmltv_reduce	*r = reducer(NULL);
	struct xmltv_counts	 c;
	unsigned char		*gz, *a, *b, *two;
	size_t			 gzlen, alen, blen, half = strlen(good) / 2;

	gz = gzip_of(good, strlen(good), &gzlen);
	refused_fast(NULL, gz, gzlen / 2, "gzip: truncated");
	refused_fast(NULL, gz, gzlen - 4, "gzip: truncated");
	gz[gzlen - 5] ^= 0x55;		/* the CRC */
	refused_fast(NULL, gz, gzlen, "gzip: incorrect data check");
	gz[gzlen / 2] ^= 0x55;
	refused_fast(NULL, gz, gzlen, "gzip: ");
	free(gz);

	/* Two members make one stream (as gzip -d sees them); bytes after
	 * the last member are ignored. */
	a = gzip_of(good, half, &alen);
	b = gzip_of(good + half, strlen(good) - half, &blen);
	assert_non_null(two = malloc(alen + blen + 3));
	memcpy(two, a, alen);
	memcpy(two + alen, b, blen);
	memcpy(two + alen + blen, "\0\0\0", 3);
	if (add_n(r, two, alen + blen + 3, "two", &c) != 0)
		fail_msg("refused: %s", errbuf);
	assert_int_equal(c.programmes, 1);
	free(a);
	free(b);
	free(two);
	xmltv_reduce_free(r);
}

/* A programme whose text is TEXTLEN bytes, then a good one. */
static char *
big_text(size_t textlen)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	buf_puts(&b, "<tv><programme start=\"20261125090000\" "
	    "channel=\"bbc1.uk\"><title>Big</title><desc>");
	for (i = 0; i < textlen; i++)
		buf_puts(&b, "x");
	buf_puts(&b, "</desc></programme><programme start=\"20261125100000\" "
	    "channel=\"bbc1.uk\"><title>Good</title></programme></tv>");
	assert_false(b.failed);
	return b.data;
}

static void
test_huge_text(void **state)
{
	struct xmltv_reduce	*r = reducer(NULL);
	struct xmltv_counts	 c;
	char			*doc;

	/* Over the element limit, under the node limit: that programme
	 * is skipped, the document used. */
	doc = big_text(XMLTV_ELEMENT_MAX_BYTES + 1);
	add_ok(r, doc, &c);
	free(doc);
	assert_int_equal(c.programmes, 1);
	assert_int_equal(c.skip_malformed, 1);
	xmltv_reduce_free(r);
	/* Over the node limit (and over libxml2's own 10 MB one). */
	doc = big_text(1 << 20);
	refused_str(doc, "a node over 131072 bytes");
	free(doc);
	doc = big_text(12 << 20);
	refused_str(doc, "a node over 131072 bytes");
	free(doc);
}

/* libxml2 2.9 checks each attribute of a tag against all before it
 * (1 MB of attributes: 18 s), and parses a tag again at each '>' in its
 * attribute values (4 MB: 10 s).  The node limit cuts both short. */
static void
test_quadratic_tags(void **state)
{
	struct buf	 b;
	int		 i;

	buf_init(&b);
	buf_puts(&b, "<tv><programme");
	for (i = 0; i < 100000; i++)
		buf_printf(&b, " a%d=\"1\"", i);
	buf_puts(&b, "/></tv>");
	refused_fast(NULL, b.data, b.len, "a node over 131072 bytes");
	buf_reset(&b);
	buf_puts(&b, "<tv><programme title=\"");
	for (i = 0; i < 2000000; i++)
		buf_puts(&b, ">y");
	buf_puts(&b, "\"/></tv>");
	refused_fast(NULL, b.data, b.len, "a node over 131072 bytes");
	buf_free(&b);
}

static void
test_input_limit(void **state)
{
	struct xmltv_limits	 lim;
	char			*doc = big_text(2000);

	xmltv_limits_default(&lim);
	lim.input_max_bytes = 1000;
	refused_fast(&lim, doc, strlen(doc), "bad: over 1000 bytes");
	lim.input_max_bytes = strlen(doc);
	{
		struct xmltv_reduce *r = reducer(&lim);

		add_ok(r, doc, NULL);
		xmltv_reduce_free(r);
	}
	free(doc);
}

/* libxml2 prints nothing of its own (its messages are the reasons). */
static void
test_nothing_printed(void **state)
{
	char			 path[] = "/tmp/ringcast-xmltv-err.XXXXXX";
	int			 fd = mkstemp(path), saved;
	struct xmltv_reduce	*r = reducer(NULL);
	static const char *docs[] = {
		"<tv><a></b></tv>", "<tv>&nbsp;</tv>", "<?xml version=\"9\"?>",
		"<!DOCTYPE tv SYSTEM \"x.dtd\"><tv><programme start=\"2026\" "
		"channel=\"bbc1.uk\"><title>&undeclared;</title></programme>"
		"</tv>",
		"<?xml version=\"1.0\" encoding=\"NO-SUCH-CHARSET\"?><tv/>",
		"<tv xmlns:a=\"u\"><b:c/></tv>",
	};
	size_t			 i;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		(void)add_n(r, docs[i], strlen(docs[i]), "doc", NULL);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	close(fd);
	unlink(path);
	xmltv_reduce_free(r);
}

static int
cleanup(void **state)
{
	xmlCleanupParser();	/* libxml2's globals, for LeakSanitizer */
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_a_guide),
		cmocka_unit_test(test_refused_keeps_nothing),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_quadratic_entity),
		cmocka_unit_test(test_external_entities),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_gzip_broken),
		cmocka_unit_test(test_huge_text),
		cmocka_unit_test(test_quadratic_tags),
		cmocka_unit_test(test_input_limit),
		cmocka_unit_test(test_nothing_printed),
	};

	return cmocka_run_group_tests(tests, NULL, cleanup);
}
