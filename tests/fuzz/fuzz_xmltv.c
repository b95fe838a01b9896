/*
 * fuzz_xmltv.c - libFuzzer target for the XMLTV reducer (src/parse/
 * xmltv.c, xmltv_doc.c: libxml2's reader, zlib).
 *
 * The input is a byte of flags then an XMLTV document as a source would
 * send it: bit 0 gzips the document first (so the fuzzer's XML goes
 * through the inflating path too), bit 1 gives tiny limits (depth,
 * node, element, input and output sizes all hit), bit 2 adds the
 * document twice (duplicates, the merge).  What xmltv.h promises:
 *   - a refusal says "LABEL: why" on one line;
 *   - the guide written is well-formed XML (libxml2 reads it back,
 *     without entities, and finds <tv> and only channels and
 *     programmes, the channels first) with the lineup's ids only;
 *   - the guide is a fixed point: reduced again (identity map, the same
 *     window, no limits in the way) it comes out byte for byte the same,
 *     which means it was accepted whole, nothing in it was dropped,
 *     reordered, duplicated or escaped differently.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zlib.h>

#include "fuzz.h"
#include "json.h"
#include "xmltv.h"

#define FUZZ_SINCE	1767225600LL	/* 2026-01-01 */
#define FUZZ_UNTIL	1798761600LL	/* 2027-01-01 */

static const struct xmltv_map fuzz_map[] = {
	{ "a", "one.lineup", "One" },
	{ "b.x", "two.lineup", NULL },
	{ "C.Y", "two.lineup", "Two" },
	{ "d", "three.lineup", "<&\"3\">" },
};
#define FUZZ_MAP_N	(sizeof(fuzz_map) / sizeof(fuzz_map[0]))

/* The lineup ids mapped to themselves, for the second round. */
static const struct xmltv_map ident_map[] = {
	{ "one.lineup", "one.lineup", NULL },
	{ "two.lineup", "two.lineup", NULL },
	{ "three.lineup", "three.lineup", NULL },
};

static int
is_lineup_id(const char *s)
{
	return s != NULL && (strcmp(s, "one.lineup") == 0 ||
	    strcmp(s, "two.lineup") == 0 || strcmp(s, "three.lineup") == 0);
}

static unsigned char *
gzip_of(const uint8_t *in, size_t len, size_t *outlen)
{
	z_stream	 z = { 0 };
	size_t		 cap = len + len / 100 + 64;
	unsigned char	*out = malloc(cap);

	CHECK(out != NULL);
	CHECK(deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = (unsigned char *)in;
	z.avail_in = (unsigned)len;
	z.next_out = out;
	z.avail_out = (unsigned)cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Add one input and check what a refusal says. */
static void
add_checked(struct xmltv_reduce *r, const void *doc, size_t len)
{
	struct xmltv_counts	 c;
	char			 err[256] = "";
	const char		*p;

	if (xmltv_reduce_add(r, doc, len, "in", &c, err, sizeof(err)) == 0) {
		CHECK(c.inputs == 1 && c.refused == 0);
		return;
	}
	CHECK(c.inputs == 0 && c.refused == 1);
	CHECK(strncmp(err, "in: ", 4) == 0 && err[4] != '\0');
	for (p = err; *p != '\0'; p++)
		CHECK((unsigned char)*p >= 0x20);
}

/* The guide is well-formed, <tv> of channels then programmes, all on
 * lineup ids. */
static void
check_guide(const struct buf *g)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 n;
	int		 programmes = 0;

	doc = xmlReadMemory(g->data, (int)g->len, "guide.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	CHECK(doc != NULL);
	n = xmlDocGetRootElement(doc);
	CHECK(n != NULL && xmlStrcmp(n->name, BAD_CAST "tv") == 0);
	for (n = n->children; n != NULL; n = n->next) {
		xmlChar *id;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(n->name, BAD_CAST "channel") == 0) {
			CHECK(!programmes);
			id = xmlGetProp(n, BAD_CAST "id");
		} else {
			CHECK(xmlStrcmp(n->name, BAD_CAST "programme") == 0);
			programmes = 1;
			id = xmlGetProp(n, BAD_CAST "channel");
		}
		CHECK(is_lineup_id((const char *)id));
		xmlFree(id);
	}
	xmlFreeDoc(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xmltv_limits	 lim, *limp = NULL;
	struct xmltv_reduce	*r, *r2;
	struct buf		 g1, g2;
	unsigned char		*gz = NULL;
	const void		*doc;
	size_t			 len;
	char			 err[256];
	int			 flags;

	if (size < 1)
		return 0;
	flags = data[0];
	doc = data + 1;
	len = size - 1;
	if (flags & 1)
		doc = gz = gzip_of(data + 1, size - 1, &len);
	if (flags & 2) {
		lim.input_max_bytes = 4096;
		lim.node_max_bytes = 512;
		lim.element_max_bytes = 160;
		lim.output_max_bytes = 1024;
		lim.depth_max = 4;
		limp = &lim;
	}
	r = xmltv_reduce_new(fuzz_map, FUZZ_MAP_N, FUZZ_SINCE, FUZZ_UNTIL,
	    limp, err, sizeof(err));
	CHECK(r != NULL);
	add_checked(r, doc, len);
	if (flags & 4)
		add_checked(r, doc, len);
	buf_init(&g1);
	CHECK(xmltv_reduce_finish(r, &g1) == 0);
	xmltv_reduce_free(r);
	free(gz);
	check_guide(&g1);

	/* Round two: the guide is its own reduction. */
	xmltv_limits_default(&lim);
	lim.node_max_bytes = lim.input_max_bytes;
	r2 = xmltv_reduce_new(ident_map, 3, FUZZ_SINCE, FUZZ_UNTIL, &lim, err,
	    sizeof(err));
	CHECK(r2 != NULL);
	if (xmltv_reduce_add(r2, g1.data, g1.len, "guide", NULL, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "guide refused: %s\n%s", err, buf_str(&g1));
		CHECK(0);
	}
	buf_init(&g2);
	CHECK(xmltv_reduce_finish(r2, &g2) == 0);
	if (g1.len != g2.len || memcmp(g1.data, g2.data, g1.len) != 0) {
		fprintf(stderr, "guide:\n%s\nagain:\n%s", buf_str(&g1),
		    buf_str(&g2));
		CHECK(0);
	}
	xmltv_reduce_free(r2);
	buf_free(&g1);
	buf_free(&g2);
	return 0;
}
