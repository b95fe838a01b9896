/*
 * test_xmltv.c - the XMLTV reducer (src/parse/xmltv.c, xmltv_doc.c) on
 * guides as sources send them.
 *
 * What a user relies on: the guide ringcast serves has the lineup's
 * channels under the lineup's ids, each programme once (the first
 * source wins), in order, within the window (one running at an edge of
 * it included), text kept exactly (escaping, UTF-8, other encodings
 * converted), and it is valid XMLTV: libxml2, xmllint and the XMLTV
 * project's own tv_validate_file check it against the DTD pinned in
 * tests/xmltv/.  Broken and hostile documents: test_xmltv_hostile.c.
 * Run from the repository root (the DTD's path is relative).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/valid.h>
#include <zlib.h>

#include "xmltv.h"
#include "test_xmltv.h"

#define DTD_PATH	"tests/xmltv/xmltv.dtd"

static void
test_time_parse(void **state)
{
	static const struct { const char *s; int64_t t; } good[] = {
		{ "20261125100000 +0000", NOW },
		{ "20261125100000", NOW },
		{ "20261125110000 +0100", NOW },
		{ "20261125053000 -0430", NOW },
		{ "20261125100000+0000", NOW },
		{ "20261125100000 Z", NOW },
		{ "20261125100000 UTC", NOW },
		{ "20261125100000 gmt", NOW },
		{ "20261125120000 +02", NOW },
		{ "20261125120000 +02:00", NOW },
		{ "20261125100000   +0000  ", NOW },
		{ "202611251000", NOW },
		{ "2026112510", NOW },
		{ "20261125", NOW - 10 * 3600 },
		{ "202611", NOW - (24 * 86400 + 10 * 3600) },
		{ "2026", 1767225600LL },
		{ "19700101000000 +0000", 0 },
		{ "20240229235959 +0000", 1709251199LL },
	};
	static const char *bad[] = {
		"", "x", "202", "20261", "2026112", "202611251000001",
		"20261125100000 BST", "20261125100000 +2500",
		"20261125100000 +0000 junk", "20261131100000", "20261125240000",
		"20250229000000", "19691231235959 +0000",
		"19700101000000 +0100", "2026-11-25T10:00:00Z",
		"20261125100000 +00000000",
	};
	int64_t	 t;
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (xmltv_time_parse(good[i].s, &t) != 0)
			fail_msg("refused '%s'", good[i].s);
		if (t != good[i].t)
			fail_msg("'%s': %lld, wanted %lld", good[i].s,
			    (long long)t, (long long)good[i].t);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (xmltv_time_parse(bad[i], &t) != -1)
			fail_msg("accepted '%s'", bad[i]);
}

static void
test_map_errors(void **state)
{
	static const struct xmltv_map empty[] = { { "a", "", NULL } };
	static const struct xmltv_map twice[] = {
		{ "a.x", "one", NULL }, { "b.x", "two", NULL },
		{ "a.x", "three", NULL },
	};
	static const struct xmltv_map cases[] = {
		{ "a.x", "one", NULL }, { "A.X", "two", NULL },
	};
	struct xmltv_reduce	*r;
	char			 err[128];

	assert_null(xmltv_reduce_new(empty, 1, 0, 1, NULL, err, sizeof(err)));
	assert_string_equal(err, "map line 1: an empty id");
	assert_null(xmltv_reduce_new(twice, 3, 0, 1, NULL, err, sizeof(err)));
	assert_string_equal(err, "map: input id \"a.x\" given twice");
	assert_null(xmltv_reduce_new(cases, 2, 2, 1, NULL, err, sizeof(err)));
	assert_string_equal(err, "window ends before it starts");
	/* Ids equal but for case are two ids; an empty map is a map. */
	r = xmltv_reduce_new(cases, 2, 0, 1, NULL, err, sizeof(err));
	assert_non_null(r);
	xmltv_reduce_free(r);
	r = xmltv_reduce_new(NULL, 0, 0, 1, NULL, err, sizeof(err));
	assert_non_null(r);
	xmltv_reduce_free(r);
}

/* Channels go out in the order of their first line in the map, each
 * once, whichever source names them first. */
static void
test_lineup_order(void **state)
{
	static const struct xmltv_map map[] = {
		{ "z.src", "zed.lineup", NULL }, { "a.src", "aye.lineup", NULL },
		{ "z2.src", "zed.lineup", "Zed" }, { "m.src", "em.lineup", NULL },
	};
	static const char doc[] =
	    "<tv><channel id=\"m.src\"><display-name>M</display-name>"
	    "</channel><channel id=\"z2.src\"><display-name>Z2</display-name>"
	    "</channel><channel id=\"a.src\"><display-name>A</display-name>"
	    "</channel><channel id=\"z.src\"><display-name>Z</display-name>"
	    "</channel></tv>";
	struct xmltv_reduce	*r;
	struct xmltv_counts	 c;
	char			*out, *z, *a, *m;

	r = xmltv_reduce_new(map, 4, SINCE, UNTIL, NULL, errbuf,
	    sizeof(errbuf));
	assert_non_null(r);
	add_ok(r, doc, &c);
	assert_int_equal(c.channels, 3);
	assert_int_equal(c.channels_skipped, 1);
	out = guide(r);
	assert_non_null(z = strstr(out, "<channel id=\"zed.lineup\">\n"
	    "    <display-name>Z2</display-name>"));
	assert_non_null(a = strstr(out, "<channel id=\"aye.lineup\">"));
	assert_non_null(m = strstr(out, "<channel id=\"em.lineup\">"));
	assert_true(z < a && a < m);
	free(out);
	xmltv_reduce_free(r);
}

/* Source 1: plain.  Unsorted, programmes at both edges of the window,
 * a channel not in the lineup, an id in other case. */
static const char src1[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n"
    "<tv generator-info-name=\"src1\">\n"
    "  <channel id=\"bbc1.uk\">\n"
    "    <display-name>BBC One</display-name>\n"
    "    <icon src=\"http://i.example/1.png\" />\n"
    "  </channel>\n"
    "  <channel id=\"other.uk\"><display-name>Other</display-name></channel>\n"
    "  <programme start=\"20261125120000 +0000\" stop=\"20261125130000 +0000\""
    " channel=\"bbc1.uk\"><title>Noon</title></programme>\n"
    "  <programme start=\"20261125100000 +0000\" stop=\"20261125120000 +0000\""
    " channel=\"bbc1.uk\"><title lang=\"en\">Morning</title>"
    "<desc lang=\"en\">News.</desc></programme>\n"
    "  <programme start=\"20261123093000 +0000\" stop=\"20261123103000 +0000\""
    " channel=\"bbc1.uk\"><title>Straddles the start</title></programme>\n"
    "  <programme start=\"20261123080000 +0000\" stop=\"20261123100000 +0000\""
    " channel=\"bbc1.uk\"><title>Ends at the start</title></programme>\n"
    "  <programme start=\"20261202093000 +0000\" stop=\"20261202110000 +0000\""
    " channel=\"bbc1.uk\"><title>Straddles the end</title></programme>\n"
    "  <programme start=\"20261202100000 +0000\" stop=\"20261202110000 +0000\""
    " channel=\"bbc1.uk\"><title>Starts at the end</title></programme>\n"
    "  <programme start=\"20261125100000 +0000\" channel=\"other.uk\">"
    "<title>Other</title></programme>\n"
    "  <programme start=\"20261125110000 +0100\" stop=\"20261125120000 +0100\""
    " channel=\"sport.example\"><title>Match</title></programme>\n"
    "</tv>\n";

/* Source 2: gzipped.  The news channel again under its own id (its
 * <channel> and its 10:00 programme lose to source 1's), a programme
 * without stop, one long gone. */
static const char src2[] =
    "<?xml version=\"1.0\"?>\n"
    "<tv>\n"
    "  <channel id=\"one.src2\"><display-name>One</display-name></channel>\n"
    "  <channel id=\"kids.example\"><display-name>Kids TV</display-name>"
    "</channel>\n"
    "  <programme start=\"20261125100000\" stop=\"20261125113000\""
    " channel=\"one.src2\"><title>Morning (src2)</title></programme>\n"
    "  <programme start=\"20261125130000 +0000\" stop=\"20261125140000 +0000\""
    " channel=\"one.src2\"><title>Afternoon</title></programme>\n"
    "  <programme start=\"20261126000000 +0000\" channel=\"kids.example\">"
    "<title>Kids</title></programme>\n"
    "  <programme start=\"20261120000000 +0000\" channel=\"kids.example\">"
    "<title>Old</title></programme>\n"
    "</tv>\n";

static const char merged[] = GUIDE_HEAD
    "  <channel id=\"news.ringcast\">\n"
    "    <display-name>BBC One</display-name>\n"
    "    <icon src=\"http://i.example/1.png\"/>\n"
    "  </channel>\n"
    "  <channel id=\"sport.ringcast\">\n"
    "    <display-name>Sport &amp; more</display-name>\n"
    "  </channel>\n"
    "  <channel id=\"kids.ringcast\">\n"
    "    <display-name>Kids TV</display-name>\n"
    "  </channel>\n"
    "  <programme start=\"20261123093000 +0000\" stop=\"20261123103000 +0000\""
    " channel=\"news.ringcast\">\n"
    "    <title>Straddles the start</title>\n"
    "  </programme>\n"
    "  <programme start=\"20261125100000 +0000\" stop=\"20261125120000 +0000\""
    " channel=\"news.ringcast\">\n"
    "    <title lang=\"en\">Morning</title>\n"
    "    <desc lang=\"en\">News.</desc>\n"
    "  </programme>\n"
    "  <programme start=\"20261125120000 +0000\" stop=\"20261125130000 +0000\""
    " channel=\"news.ringcast\">\n"
    "    <title>Noon</title>\n"
    "  </programme>\n"
    "  <programme start=\"20261125130000 +0000\" stop=\"20261125140000 +0000\""
    " channel=\"news.ringcast\">\n"
    "    <title>Afternoon</title>\n"
    "  </programme>\n"
    "  <programme start=\"20261202093000 +0000\" stop=\"20261202110000 +0000\""
    " channel=\"news.ringcast\">\n"
    "    <title>Straddles the end</title>\n"
    "  </programme>\n"
    "  <programme start=\"20261125110000 +0100\" stop=\"20261125120000 +0100\""
    " channel=\"sport.ringcast\">\n"
    "    <title>Match</title>\n"
    "  </programme>\n"
    "  <programme start=\"20261126000000 +0000\" channel=\"kids.ringcast\">\n"
    "    <title>Kids</title>\n"
    "  </programme>\n"
    GUIDE_TAIL;

static void
test_two_sources_merged(void **state)
{
	struct xmltv_reduce	*r = reducer(NULL);
	struct xmltv_counts	 c, t;
	unsigned char		*gz;
	size_t			 gzlen;
	char			*out;

	add_ok(r, src1, &c);
	assert_int_equal(c.inputs, 1);
	assert_int_equal(c.channels, 1);
	assert_int_equal(c.channels_skipped, 1);
	assert_int_equal(c.programmes, 5);
	assert_int_equal(c.skip_window, 2);
	assert_int_equal(c.skip_channel, 1);
	assert_int_equal(c.skip_duplicate + c.skip_time + c.skip_malformed +
	    c.skip_full + c.dropped_nodes, 0);

	gz = gzip_of(src2, strlen(src2), &gzlen);
	assert_true(gz[0] == 0x1f && gz[1] == 0x8b);
	if (add_n(r, gz, gzlen, "src2.gz", &c) != 0)
		fail_msg("refused: %s", errbuf);
	free(gz);
	assert_int_equal(c.channels, 1);
	assert_int_equal(c.channels_skipped, 1);
	assert_int_equal(c.programmes, 2);
	assert_int_equal(c.skip_duplicate, 1);
	assert_int_equal(c.skip_window, 1);

	xmltv_reduce_totals(r, &t);
	assert_int_equal(t.inputs, 2);
	assert_int_equal(t.refused, 0);
	assert_int_equal(t.channels, 2);
	assert_int_equal(t.programmes, 7);
	assert_int_equal(t.skip_window, 3);
	assert_int_equal(t.skip_duplicate, 1);

	out = guide(r);
	assert_string_equal(out, merged);
	free(out);
	/* Finishing leaves the reducer as it was. */
	out = guide(r);
	assert_string_equal(out, merged);
	free(out);
	xmltv_reduce_free(r);
}

/* The guide of no input at all is a valid, empty one. */
static void
test_no_input(void **state)
{
	struct xmltv_reduce	*r = reducer(NULL);
	char			*out = guide(r);

	assert_string_equal(out, GUIDE_HEAD GUIDE_TAIL);
	free(out);
	xmltv_reduce_free(r);
}

/* Text and attribute values come out as they went in: escaped where
 * XML needs it, UTF-8 kept, other encodings converted to UTF-8. */
static void
test_escaping_and_encodings(void **state)
{
	static const char doc[] =
	    "<tv><programme start=\"20261125100000\" channel=\"bbc1.uk\""
	    " clumpidx=\"0/1\">"
	    "<title lang='a\"b&lt;&amp;&#9;c'>Tom &amp; Jerry &lt;3 "
	    "&gt; ]]&gt; &#13;&#x1F4FA; \xc3\xa9t\xc3\xa9 \xe6\x97\xa5</title>"
	    "<desc><![CDATA[a <b> & c]]> \"q\" 'a'</desc>"
	    "</programme></tv>";
	/* ISO-8859-1: "Caf\xe9" */
	static const char latin1[] =
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	    "<tv><programme start=\"20261125110000\" channel=\"bbc1.uk\">"
	    "<title>Caf\xe9</title></programme></tv>";
	static const char want[] = GUIDE_HEAD
	    "  <channel id=\"news.ringcast\">\n"
	    "    <display-name>News</display-name>\n"
	    "  </channel>\n"
	    "  <programme start=\"20261125100000\" channel=\"news.ringcast\""
	    " clumpidx=\"0/1\">\n"
	    "    <title lang=\"a&quot;b&lt;&amp;&#9;c\">Tom &amp; Jerry &lt;3 "
	    "&gt; ]]&gt; &#13;\xf0\x9f\x93\xba \xc3\xa9t\xc3\xa9 \xe6\x97\xa5"
	    "</title>\n"
	    "    <desc>a &lt;b&gt; &amp; c \"q\" 'a'</desc>\n"
	    "  </programme>\n"
	    "  <programme start=\"20261125110000\" channel=\"news.ringcast\">\n"
	    "    <title>Caf\xc3\xa9</title>\n"
	    "  </programme>\n"
	    GUIDE_TAIL;
	struct xmltv_reduce	*r = reducer(NULL);
	char			*out;

	add_ok(r, doc, NULL);
	add_ok(r, latin1, NULL);
	out = guide(r);
	assert_string_equal(out, want);
	free(out);
	xmltv_reduce_free(r);
}

/* Children go out in the DTD's order, once where it allows one; what it
 * does not allow, namespaced elements and attributes, comments and
 * entity references are left out and counted; a channel without a
 * display-name gets the lineup's name; a programme without a title is
 * skipped. */
static void
test_children_dtd_order(void **state)
{
	static const char doc[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n"
	    "<tv xmlns:x=\"urn:x\">"
	    "<channel id=\"kids.example\"><url>http://k</url>"
	    "<icon src=\"k.png\"/><x:logo/></channel>"
	    "<programme start=\"20261125100000\" channel=\"kids.example\""
	    " x:id=\"7\" foo=\"bar\">"
	    "<!-- c --><?pi x?>"
	    "<date>2001</date><category>Cartoon</category><date>2002</date>"
	    "<x:rating/><unknown>u</unknown>"
	    "<desc>A&nbsp;B</desc><title>Toons</title>"
	    "<credits><actor role=\"r\" x:a=\"1\">Bugs<x:image/></actor>"
	    "</credits></programme>"
	    "<programme start=\"20261125110000\" channel=\"kids.example\">"
	    "<desc>No title</desc></programme>"
	    "<programme start=\"20261125120000\"><title>No channel</title>"
	    "</programme>"
	    "</tv>";
	static const char want[] = GUIDE_HEAD
	    "  <channel id=\"kids.ringcast\">\n"
	    "    <display-name>Kids</display-name>\n"
	    "    <icon src=\"k.png\"/>\n"
	    "    <url>http://k</url>\n"
	    "  </channel>\n"
	    "  <programme start=\"20261125100000\" channel=\"kids.ringcast\">\n"
	    "    <title>Toons</title>\n"
	    "    <desc>AB</desc>\n"
	    "    <credits><actor role=\"r\">Bugs</actor></credits>\n"
	    "    <date>2001</date>\n"
	    "    <category>Cartoon</category>\n"
	    "  </programme>\n"
	    GUIDE_TAIL;
	struct xmltv_reduce	*r = reducer(NULL);
	struct xmltv_counts	 c;
	char			*out;

	add_ok(r, doc, &c);
	assert_int_equal(c.channels, 1);
	assert_int_equal(c.programmes, 1);
	assert_int_equal(c.skip_malformed, 2);
	/* x:logo; comment, PI, 2nd date, x:rating, unknown, &nbsp;,
	 * x:a, x:image (x:id on the programme is not copied either way) */
	assert_int_equal(c.dropped_nodes, 1 + 8);
	out = guide(r);
	assert_string_equal(out, want);
	free(out);
	xmltv_reduce_free(r);
}

static void
test_bad_times(void **state)
{
	static const char doc[] =
	    "<tv>"
	    "<programme channel=\"bbc1.uk\"><title>No start</title></programme>"
	    "<programme start=\"tomorrow\" channel=\"bbc1.uk\"><title>t"
	    "</title></programme>"
	    "<programme start=\"20261125100000 CET\" channel=\"bbc1.uk\">"
	    "<title>t</title></programme>"
	    "<programme start=\"20261125100000\" stop=\"soon\""
	    " channel=\"bbc1.uk\"><title>t</title></programme>"
	    "<programme start=\"20261125100000\" stop=\"20261125090000\""
	    " channel=\"bbc1.uk\"><title>Ends before it starts</title>"
	    "</programme>"
	    "<programme start=\"20261131100000\" channel=\"bbc1.uk\">"
	    "<title>November 31st</title></programme>"
	    "<programme start=\"20261125100000\" stop=\"20261125100000\""
	    " channel=\"bbc1.uk\"><title>An instant</title></programme>"
	    "</tv>";
	struct xmltv_reduce	*r = reducer(NULL);
	struct xmltv_counts	 c;

	add_ok(r, doc, &c);
	assert_int_equal(c.skip_time, 6);
	assert_int_equal(c.programmes, 1);
	xmltv_reduce_free(r);
}

/* The same programme twice in one source goes out once; a clump (two
 * programmes in one slot, clumpidx 0/2 and 1/2) goes out whole; a later
 * source's programme in a slot taken is dropped, clump or not. */
static void
test_duplicates(void **state)
{
	static const char doc1[] =
	    "<tv>"
	    "<programme start=\"20261125100000\" channel=\"bbc1.uk\""
	    " clumpidx=\"1/2\"><title>Weather</title></programme>"
	    "<programme start=\"20261125100000\" channel=\"bbc1.uk\""
	    " clumpidx=\"0/2\"><title>News</title></programme>"
	    "<programme start=\"20261125100000\" channel=\"BBC1.UK\""
	    " clumpidx=\"0/2\"><title>News again</title></programme>"
	    "<programme start=\"20261125110000\" channel=\"bbc1.uk\">"
	    "<title>Film</title></programme>"
	    "<programme start=\"20261125110000 +0000\" channel=\"bbc1.uk\">"
	    "<title>Film again</title></programme>"
	    "</tv>";
	static const char doc2[] =
	    "<tv>"
	    "<programme start=\"20261125100000\" channel=\"one.src2\">"
	    "<title>Other news</title></programme>"
	    "<programme start=\"20261125110000\" channel=\"one.src2\""
	    " clumpidx=\"1/2\"><title>Other film</title></programme>"
	    "<programme start=\"20261125120000\" channel=\"one.src2\">"
	    "<title>Noon</title></programme>"
	    "</tv>";
	struct xmltv_reduce	*r = reducer(NULL);
	struct xmltv_counts	 c;
	char			*out, *a, *b, *n;

	add_ok(r, doc1, &c);
	assert_int_equal(c.programmes, 3);
	assert_int_equal(c.skip_duplicate, 2);
	add_ok(r, doc2, &c);
	assert_int_equal(c.programmes, 1);
	assert_int_equal(c.skip_duplicate, 2);
	out = guide(r);
	assert_non_null(a = strstr(out, "<title>News</title>"));
	assert_non_null(b = strstr(out, "<title>Weather</title>"));
	assert_non_null(n = strstr(out, "<title>Film</title>"));
	assert_true(a < b && b < n);
	assert_non_null(strstr(n, "<title>Noon</title>"));
	assert_null(strstr(out, "again"));
	assert_null(strstr(out, "Other"));
	free(out);
	xmltv_reduce_free(r);
}

/* Past output_max_bytes, programmes are skipped and counted. */
static void
test_output_limit(void **state)
{
	struct xmltv_limits	 lim;
	struct xmltv_reduce	*r;
	struct xmltv_counts	 c;
	struct buf		 doc;
	int			 i;

	xmltv_limits_default(&lim);
	lim.output_max_bytes = 1000;
	r = reducer(&lim);
	buf_init(&doc);
	buf_puts(&doc, "<tv>");
	for (i = 0; i < 100; i++)
		buf_printf(&doc, "<programme start=\"20261125%02d%02d\""
		    " channel=\"bbc1.uk\"><title>P%d</title></programme>",
		    10 + i / 60, i % 60, i);
	buf_puts(&doc, "</tv>");
	add_ok(r, buf_str(&doc), &c);
	buf_free(&doc);
	assert_true(c.programmes > 5 && c.programmes < 20);
	assert_int_equal(c.programmes + c.skip_full, 100);
	xmltv_reduce_free(r);
}

/* ---- the output is valid XMLTV ---------------------------------------- */

/* A source using most of the DTD, sloppily ordered. */
static const char rich[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<tv source-info-name=\"rich\">\n"
    "<channel id=\"bbc1.uk\"><icon src=\"http://i/1.png\" width=\"10\"/>"
    "<display-name lang=\"en\">BBC One</display-name>"
    "<display-name>1</display-name><url>http://bbc</url></channel>\n"
    "<channel id=\"Sport.Example\"><display-name>Sport</display-name>"
    "</channel>\n"
    "<channel id=\"kids.example\"><display-name>Kids</display-name>"
    "</channel>\n"
    "<programme start=\"20261125100000 +0000\" stop=\"20261125113000 +0000\""
    " channel=\"bbc1.uk\" pdc-start=\"20261125100000 +0000\""
    " showview=\"12345\">"
    "<episode-num system=\"xmltv_ns\">2 . 9 . 0/1</episode-num>"
    "<title lang=\"en\">Doctor &lt;Who&gt;</title>"
    "<sub-title>The \"Day\"</sub-title>"
    "<desc lang=\"en\">Fish &amp; chips \xe2\x80\x94 caf\xc3\xa9.</desc>"
    "<credits><director>D</director><actor role=\"The Doctor\">A"
    "<image type=\"person\">http://i/a.jpg</image></actor>"
    "<writer>W</writer></credits>"
    "<date>2026</date><category lang=\"en\">Drama</category>"
    "<keyword>space</keyword><language>en</language>"
    "<length units=\"minutes\">90</length>"
    "<icon src=\"http://i/p.png\"/><url system=\"x\">http://p</url>"
    "<country>GB</country>"
    "<video><present>yes</present><aspect>16:9</aspect></video>"
    "<audio><stereo>stereo</stereo></audio>"
    "<previously-shown start=\"20200101\"/><premiere>First</premiere>"
    "<new/><subtitles type=\"teletext\"><language>en</language></subtitles>"
    "<rating system=\"BBFC\"><value>12</value></rating>"
    "<star-rating><value>4/5</value></star-rating>"
    "<review type=\"text\">Good</review>"
    "<image type=\"poster\" size=\"2\">http://i/poster.jpg</image>"
    "</programme>\n"
    "<programme start=\"20261125113000 +0000\" channel=\"Sport.Example\">"
    "<title>Match</title></programme>\n"
    "<programme start=\"20261125113000 +0000\" channel=\"kids.example\">"
    "<title>Cartoons</title></programme>\n"
    "</tv>\n";

/* The merged guide of rich and src1 (src1 adds an unsorted channel). */
static char *
rich_guide(void)
{
	struct xmltv_reduce	*r = reducer(NULL);
	char			*out;

	add_ok(r, rich, NULL);
	add_ok(r, src1, NULL);
	out = guide(r);
	xmltv_reduce_free(r);
	return out;
}

static void
test_valid_against_dtd(void **state)
{
	char		*out = rich_guide();
	xmlDtdPtr	 dtd;
	xmlDocPtr	 doc;
	xmlValidCtxtPtr	 vc;

	if (access(DTD_PATH, R_OK) != 0)
		fail_msg("no %s (run from the repository root)", DTD_PATH);
	assert_non_null(strstr(out, "<title lang=\"en\">Doctor &lt;Who&gt;"
	    "</title>\n    <sub-title>"));
	assert_non_null(dtd = xmlParseDTD(NULL, (const xmlChar *)DTD_PATH));
	doc = xmlReadMemory(out, (int)strlen(out), "guide.xml", NULL,
	    XML_PARSE_NONET);
	assert_non_null(doc);
	assert_non_null(vc = xmlNewValidCtxt());
	if (!xmlValidateDtd(vc, doc, dtd))
		fail_msg("not valid against %s:\n%s", DTD_PATH, out);
	xmlFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	xmlFreeDtd(dtd);
	free(out);
}

/* OUT and a copy of the DTD (the DOCTYPE names it) in a new directory:
 * its path in DIR. */
static void
write_guide(const char *out, char *dir, size_t dirsz)
{
	char	 path[512], cmd[1024];
	FILE	*f;

	snprintf(dir, dirsz, "/tmp/ringcast-xmltv.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/guide.xml", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(out, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "cp %s %s/xmltv.dtd", DTD_PATH, dir);
	assert_int_equal(system(cmd), 0);
}

static void
remove_guide(const char *dir)
{
	char	 cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Run the shell command CMD (about DIR's files); fail with its output. */
static void
run_check(const char *dir, const char *cmd)
{
	char	 full[1024], log[600], line[256];
	FILE	*f;
	int	 rc;

	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(full, sizeof(full), "cd %s && %s >log 2>&1", dir, cmd);
	rc = system(full);
	if (rc == 0)
		return;
	if ((f = fopen(log, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			print_message("%s", line);
		fclose(f);
	}
	fail_msg("'%s' failed (status %d)", cmd, rc);
}

static int
have(const char *cmd)
{
	char	 s[256];

	snprintf(s, sizeof(s), "command -v %s >/dev/null 2>&1", cmd);
	return system(s) == 0;
}

static void
test_valid_xmllint(void **state)
{
	char	*out, dir[64];

	if (!have("xmllint")) {
		print_message("xmllint not installed (libxml2-utils, "
		    "make deps-test): skipped\n");
		skip();
	}
	out = rich_guide();
	write_guide(out, dir, sizeof(dir));
	run_check(dir, "xmllint --nonet --noout --dtdvalid xmltv.dtd "
	    "guide.xml");
	remove_guide(dir);
	free(out);
}

/* The XMLTV project's own checker: the DTD and more (every programme's
 * channel has a <channel>, every channel programmes, ids look like
 * DNS names, times are whole). */
static void
test_valid_tv_validate_file(void **state)
{
	char	*out, dir[64];

	if (!have("tv_validate_file")) {
		print_message("tv_validate_file not installed (xmltv-util, "
		    "make deps-test): skipped\n");
		skip();
	}
	out = rich_guide();
	write_guide(out, dir, sizeof(dir));
	run_check(dir, "tv_validate_file --dtd-file xmltv.dtd guide.xml");
	remove_guide(dir);
	free(out);
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
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_lineup_order),
		cmocka_unit_test(test_two_sources_merged),
		cmocka_unit_test(test_no_input),
		cmocka_unit_test(test_escaping_and_encodings),
		cmocka_unit_test(test_children_dtd_order),
		cmocka_unit_test(test_bad_times),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_output_limit),
		cmocka_unit_test(test_valid_against_dtd),
		cmocka_unit_test(test_valid_xmllint),
		cmocka_unit_test(test_valid_tv_validate_file),
	};

	return cmocka_run_group_tests(tests, NULL, cleanup);
}
