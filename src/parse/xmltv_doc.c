/*
 * xmltv_doc.c - one XMLTV document read with libxml2's xmlTextReader,
 * streamed from memory through an input callback (xmlReaderForIO) that
 * inflates gzip with zlib on the way, so a 200 MB guide is never a tree
 * and a gzip bomb is never inflated past the input limit.
 *
 * XML is not parsed by hand here: entities, CDATA, character references,
 * encodings and namespaces are where hand-written parsers let bombs and
 * injections in.  libxml2 (2.9.14 in Debian 12) is run with NONET and
 * without NOENT, DTDLOAD, DTDVALID or HUGE, which gives:
 *   - no entity is substituted, no DTD and no external entity is ever
 *     loaded (file:///etc/passwd stays unread; test_xmltv_hostile.c
 *     checks with a spy entity loader);
 *   - its own limits: 256 levels of nesting, 10 MB text nodes and
 *     attribute values, 10 MB of names, and the entity amplification
 *     check that stops a billion-laughs document at once ("Detected an
 *     entity reference loop"; 2.9 has no xmlCtxtSetMaxAmplification).
 * On top of that this file refuses a DOCTYPE that declares anything
 * (an internal subset) or names another root, a root other than <tv>,
 * nesting over depth_max, an inflated size over input_max_bytes, and
 * node_max_bytes of input without a node coming out of it.  That last
 * one bounds what libxml2 2.9 does in quadratic time: a start tag with
 * many attributes (each checked against all before it: 1 MB of them
 * took 18 s) or with '>' in its attribute values (the push parser that
 * xmlTextReader drives parses the tag again at each '>': 4 MB, 10 s).
 *
 * Kept elements are written again by walking the reader's nodes, never
 * with xmlNodeDump: entity reference nodes (an undeclared &nbsp; is one
 * when the document names an external DTD) would come out as references
 * nobody declares.  Text and attribute values are escaped here; libxml2
 * has already checked that every character is one XML allows and
 * converted the document to UTF-8.
 *
 * Errors: libxml2's messages go to a handler that keeps the worst first
 * one for the refusal's reason, never to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <zlib.h>

#include "json.h"
#include "xmltv_doc.h"

/* Parser options: see the top of the file for what is left out. */
#define DOC_XML_OPTIONS		XML_PARSE_NONET
#define DOC_REASON_MAX		256
#define DOC_INDENT		"\n    "
/* zlib takes at most this much input a call (avail_in is 32 bits). */
#define DOC_ZCHUNK_BYTES	(1u << 30)

/* A child the DTD allows in a channel or a programme, in its order. */
struct dtd_child {
	const char	*name;
	int		 once;		/* '?' (or required once) */
};

static const struct dtd_child channel_children[] = {
	{ "display-name", 0 }, { "icon", 0 }, { "url", 0 },
	{ NULL, 0 }
};

/* xmltv.dtd: <!ELEMENT programme (title+, sub-title*, ...)> */
static const struct dtd_child programme_children[] = {
	{ "title", 0 }, { "sub-title", 0 }, { "desc", 0 }, { "credits", 1 },
	{ "date", 1 }, { "category", 0 }, { "keyword", 0 },
	{ "language", 1 }, { "orig-language", 1 }, { "length", 1 },
	{ "icon", 0 }, { "url", 0 }, { "country", 0 }, { "episode-num", 0 },
	{ "video", 1 }, { "audio", 1 }, { "previously-shown", 1 },
	{ "premiere", 1 }, { "last-chance", 1 }, { "new", 1 },
	{ "subtitles", 0 }, { "rating", 0 }, { "star-rating", 0 },
	{ "review", 0 }, { "image", 0 },
	{ NULL, 0 }
};
#define DOC_SLOTS_MAX	32	/* > the longest table above */

/* A child of the element being copied, in d->child. */
struct doc_child {
	int	 slot;
	size_t	 off, len;
};

struct doc {
	xmlTextReaderPtr		 reader;
	const struct xmltv_doc_limits	*lim;
	const struct xmltv_doc_ops	*ops;
	void				*arg;

	/* The input, and what of it libxml2 has had. */
	const unsigned char		*in;
	size_t				 inlen, inpos;
	int				 gzip, zinit, zend;
	z_stream			 z;
	size_t				 fed;		/* bytes given */
	size_t				 fed_at_node;	/* fed at the last node */

	/* Why the document is refused: ours, else libxml2's worst first. */
	char				 reason[DOC_REASON_MAX];
	char				 xmlerr[DOC_REASON_MAX];
	int				 xmlerr_level;

	/* The element being copied. */
	struct buf			 attrs;		/* name\0value\0... */
	struct buf			 child;		/* its children */
	struct buf			 out;		/* in DTD order */
	struct doc_child		*kids;
	size_t				 nkids, capkids;
	size_t				 dropped;
};

static void
doc_refuse(struct doc *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
doc_refuse(struct doc *d, const char *fmt, ...)
{
	va_list	 ap;

	if (d->reason[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* ---- libxml2's errors ------------------------------------------------ */

/* Keep the first message of the worst level seen, with its line. */
static void
doc_xml_error(void *arg, xmlErrorPtr e)
{
	struct doc	*d = arg;
	size_t		 n;

	if (e == NULL || (int)e->level <= d->xmlerr_level)
		return;
	d->xmlerr_level = e->level;
	snprintf(d->xmlerr, sizeof(d->xmlerr), "%s",
	    e->message != NULL ? e->message : "error");
	/* One line ("...indicate encoding !\nBytes: 0xFF ..."). */
	for (n = 0; d->xmlerr[n] != '\0'; n++)
		if ((unsigned char)d->xmlerr[n] < 0x20)
			d->xmlerr[n] = ' ';
	while (n > 0 && d->xmlerr[n - 1] == ' ')
		d->xmlerr[--n] = '\0';
	if (e->line > 0)
		snprintf(d->xmlerr + n, sizeof(d->xmlerr) - n, " (line %d)",
		    e->line);
}

/* What libxml2 says without a parser context (rare): dropped. */
static void
doc_generic_error(void *arg, const char *fmt, ...)
{
}

/* ---- input: plain or gzip, counted ------------------------------------ */

static int
doc_inflate(struct doc *d, char *out, size_t len, size_t *got)
{
	int	 rc;

	d->z.next_out = (unsigned char *)out;
	d->z.avail_out = (unsigned)len;
	while (d->z.avail_out > 0 && !d->zend) {
		if (d->z.avail_in == 0) {
			if (d->inpos == d->inlen) {
				doc_refuse(d, "gzip: truncated");
				return -1;
			}
			d->z.next_in = (unsigned char *)d->in + d->inpos;
			d->z.avail_in = d->inlen - d->inpos > DOC_ZCHUNK_BYTES ?
			    DOC_ZCHUNK_BYTES : (unsigned)(d->inlen - d->inpos);
			d->inpos += d->z.avail_in;
		}
		rc = inflate(&d->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			/* Another gzip member follows, or the end (any
			 * bytes after the last member are ignored, as
			 * gzip -d does). */
			if (d->z.avail_in >= 2 && d->z.next_in[0] == 0x1f &&
			    d->z.next_in[1] == 0x8b)
				rc = inflateReset(&d->z);
			else
				d->zend = 1;
		}
		if (rc != Z_OK && rc != Z_STREAM_END) {
			doc_refuse(d, "gzip: %s", d->z.msg != NULL ?
			    d->z.msg : "corrupt stream");
			return -1;
		}
	}
	*got = len - d->z.avail_out;
	return 0;
}

/* libxml2's xmlInputReadCallback: up to LEN bytes of the document. */
static int
doc_io_read(void *ctx, char *out, int len)
{
	struct doc	*d = ctx;
	size_t		 want, got;

	if (d->reason[0] != '\0' || len <= 0)
		return -1;
	if (d->fed - d->fed_at_node > d->lim->node_max_bytes) {
		doc_refuse(d, "a node over %zu bytes", d->lim->node_max_bytes);
		return -1;
	}
	/* One byte past the limit tells a document at the limit from one
	 * over it. */
	want = d->lim->input_max_bytes + 1 - d->fed;
	if (want > (size_t)len)
		want = (size_t)len;
	if (d->gzip) {
		if (doc_inflate(d, out, want, &got) == -1)
			return -1;
	} else {
		got = d->inlen - d->inpos < want ? d->inlen - d->inpos : want;
		memcpy(out, d->in + d->inpos, got);
		d->inpos += got;
	}
	d->fed += got;
	if (d->fed > d->lim->input_max_bytes) {
		doc_refuse(d, "over %zu bytes%s", d->lim->input_max_bytes,
		    d->gzip ? " inflated" : "");
		return -1;
	}
	return (int)got;
}

static int
doc_io_close(void *ctx)
{
	return 0;
}

/* ---- the walk --------------------------------------------------------- */

/* The next node: 1, 0 at the end, -1 when refused or not well-formed. */
static int
doc_next(struct doc *d)
{
	int	 rc;

	rc = xmlTextReaderRead(d->reader);
	if (rc != 1)
		return rc == 0 && d->reason[0] == '\0' ? 0 : -1;
	d->fed_at_node = d->fed;
	if (xmlTextReaderNodeType(d->reader) == XML_READER_TYPE_ELEMENT &&
	    xmlTextReaderDepth(d->reader) + 1 > d->lim->depth_max) {
		doc_refuse(d, "elements nested deeper than %d",
		    d->lim->depth_max);
		return -1;
	}
	return 1;
}

static int
doc_type(struct doc *d)
{
	return xmlTextReaderNodeType(d->reader);
}

static const char *
doc_name(struct doc *d)
{
	const xmlChar *n = xmlTextReaderConstName(d->reader);

	return n != NULL ? (const char *)n : "";
}

/* Past the end of the element just read at DEPTH (nothing to do for an
 * empty one). */
static int
doc_skip(struct doc *d, int depth)
{
	int	 rc;

	if (xmlTextReaderIsEmptyElement(d->reader))
		return 0;
	while ((rc = doc_next(d)) == 1)
		if (doc_type(d) == XML_READER_TYPE_END_ELEMENT &&
		    xmlTextReaderDepth(d->reader) == depth)
			return 0;
	if (rc == 0)
		doc_refuse(d, "document ends inside an element");
	return -1;
}

void
xmltv_doc_escape(struct buf *b, const char *s, int quote)
{
	const char	*run = s;

	for (; *s != '\0'; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '\r':	rep = "&#13;"; break;
		case '"':	rep = quote ? "&quot;" : NULL; break;
		case '\t':	rep = quote ? "&#9;" : NULL; break;
		case '\n':	rep = quote ? "&#10;" : NULL; break;
		}
		if (rep == NULL)
			continue;
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, rep);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

static int
doc_foreign(const char *name)
{
	return strchr(name, ':') != NULL || strncmp(name, "xmlns", 5) == 0;
}

/* The current element's start tag into B, without the foreign
 * attributes (counted). */
static void
doc_start_tag(struct doc *d, struct buf *b)
{
	int	 empty = xmlTextReaderIsEmptyElement(d->reader);

	buf_printf(b, "<%s", doc_name(d));
	while (xmlTextReaderMoveToNextAttribute(d->reader) == 1) {
		const char *v = (const char *)xmlTextReaderConstValue(d->reader);

		if (doc_foreign(doc_name(d))) {
			if (!xmlTextReaderIsNamespaceDecl(d->reader))
				d->dropped++;
			continue;
		}
		buf_printf(b, " %s=\"", doc_name(d));
		xmltv_doc_escape(b, v != NULL ? v : "", 1);
		buf_puts(b, "\"");
	}
	xmlTextReaderMoveToElement(d->reader);
	buf_puts(b, empty ? "/>" : ">");
}

/* Copy the node just read inside a kept child (at depth 2 or more) into
 * d->child.  0, or -1 when refused. */
static int
doc_copy_node(struct doc *d)
{
	const xmlChar	*v;

	switch (doc_type(d)) {
	case XML_READER_TYPE_ELEMENT:
		if (doc_foreign(doc_name(d))) {
			d->dropped++;
			return doc_skip(d, xmlTextReaderDepth(d->reader));
		}
		doc_start_tag(d, &d->child);
		return 0;
	case XML_READER_TYPE_END_ELEMENT:
		buf_printf(&d->child, "</%s>", doc_name(d));
		return 0;
	case XML_READER_TYPE_TEXT:
	case XML_READER_TYPE_CDATA:
		v = xmlTextReaderConstValue(d->reader);
		xmltv_doc_escape(&d->child, v != NULL ? (const char *)v : "",
		    0);
		return 0;
	case XML_READER_TYPE_WHITESPACE:
	case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		return 0;
	default:	/* entity references, comments, PIs */
		d->dropped++;
		return 0;
	}
}

static int
doc_slot(const struct dtd_child *tab, const char *name)
{
	int	 i;

	for (i = 0; tab[i].name != NULL; i++)
		if (strcmp(tab[i].name, name) == 0)
			return i;
	return -1;
}

/* A child element of the copied element starts (depth 2): its slot in
 * the DTD's order, or -1 when it is left out (and skipped). */
static int
doc_child_start(struct doc *d, const struct dtd_child *tab, int *seen,
    int too_large)
{
	int	 slot = doc_slot(tab, doc_name(d));

	if (slot >= 0 && !too_large && !(tab[slot].once && seen[slot])) {
		struct doc_child *k;

		if (d->nkids == d->capkids) {
			size_t n = d->capkids ? d->capkids * 2 : 16;

			k = realloc(d->kids, n * sizeof(*k));
			if (k == NULL)
				return -2;
			d->kids = k;
			d->capkids = n;
		}
		k = &d->kids[d->nkids++];
		k->slot = slot;
		k->off = d->child.len;
		seen[slot] = 1;
		return slot;
	}
	if (!too_large)
		d->dropped++;
	return -1;
}

/* The children of the element in d->child, in the DTD's order, into
 * d->out. */
static void
doc_sort_children(struct doc *d)
{
	int	 slot;
	size_t	 i;

	buf_reset(&d->out);
	for (slot = 0; slot < DOC_SLOTS_MAX; slot++)
		for (i = 0; i < d->nkids; i++) {
			if (d->kids[i].slot != slot)
				continue;
			buf_puts(&d->out, DOC_INDENT);
			buf_append(&d->out, d->child.data + d->kids[i].off,
			    d->kids[i].len);
		}
}

/* Copy the top-level element just started (its attributes read) up to
 * its end, then hand it over. */
static int
doc_copy(struct doc *d, enum xmltv_doc_kind kind)
{
	const struct dtd_child	*tab = kind == XMLTV_DOC_CHANNEL ?
	    channel_children : programme_children;
	struct xmltv_doc_elem	 e = { .kind = kind };
	int			 seen[DOC_SLOTS_MAX] = { 0 };
	int			 rc = 1, depth, in_kid = 0;

	buf_reset(&d->child);
	d->nkids = 0;
	d->dropped = 0;
	if (xmlTextReaderIsEmptyElement(d->reader))
		rc = 2;		/* no children, no end */
	while (rc == 1 && (rc = doc_next(d)) == 1) {
		depth = xmlTextReaderDepth(d->reader);
		if (depth == 1)		/* the element's end */
			break;
		if (depth == 2 && doc_type(d) == XML_READER_TYPE_ELEMENT) {
			in_kid = doc_child_start(d, tab, seen, e.too_large);
			if (in_kid == -2) {
				doc_refuse(d, "out of memory");
				return -1;
			}
			in_kid = in_kid >= 0;
			if (!in_kid) {
				if (doc_skip(d, 2) == -1)
					return -1;
				continue;
			}
		} else if (depth == 2 &&
		    doc_type(d) != XML_READER_TYPE_END_ELEMENT) {
			/* between the children */
			if (doc_type(d) != XML_READER_TYPE_WHITESPACE &&
			    doc_type(d) != XML_READER_TYPE_SIGNIFICANT_WHITESPACE)
				d->dropped++;
			continue;
		}
		if (!in_kid)
			continue;
		if (doc_copy_node(d) == -1)
			return -1;
		if (depth == 2 && (doc_type(d) == XML_READER_TYPE_END_ELEMENT ||
		    xmlTextReaderIsEmptyElement(d->reader))) {
			struct doc_child *k = &d->kids[d->nkids - 1];

			k->len = d->child.len - k->off;
			in_kid = 0;
		}
		if (d->child.len > d->lim->element_max_bytes) {
			/* Read on to its end, copying nothing more. */
			e.too_large = 1;
			d->nkids = 0;
			in_kid = 0;
		}
	}
	if (rc == -1)
		return -1;
	if (rc == 0) {
		doc_refuse(d, "document ends inside an element");
		return -1;
	}
	if (d->child.failed) {
		doc_refuse(d, "out of memory");
		return -1;
	}
	doc_sort_children(d);
	if (d->out.failed) {
		doc_refuse(d, "out of memory");
		return -1;
	}
	e.children = buf_str(&d->out);
	e.len = d->out.len;
	e.required = seen[0];
	e.dropped = d->dropped;
	d->ops->end(d->arg, &e);
	return 0;
}

/* The attributes of the top-level element just read, into *A (pointing
 * into d->attrs). */
static int
doc_attrs(struct doc *d, struct xmltv_doc_attrs *a)
{
	size_t	 off[XMLTV_DOC_ATTRS_MAX * 2], i, n = 0;

	buf_reset(&d->attrs);
	while (xmlTextReaderMoveToNextAttribute(d->reader) == 1) {
		const xmlChar *v = xmlTextReaderConstValue(d->reader);

		if (doc_foreign(doc_name(d)) || n == XMLTV_DOC_ATTRS_MAX)
			continue;
		off[2 * n] = d->attrs.len;
		buf_append(&d->attrs, doc_name(d), strlen(doc_name(d)) + 1);
		off[2 * n + 1] = d->attrs.len;
		v = v != NULL ? v : (const xmlChar *)"";
		buf_append(&d->attrs, v, strlen((const char *)v) + 1);
		n++;
	}
	xmlTextReaderMoveToElement(d->reader);
	if (d->attrs.failed) {
		doc_refuse(d, "out of memory");
		return -1;
	}
	a->n = n;
	for (i = 0; i < n; i++) {
		a->name[i] = d->attrs.data + off[2 * i];
		a->value[i] = d->attrs.data + off[2 * i + 1];
	}
	return 0;
}

/* A child of <tv> starts: a channel or programme is offered to the
 * caller, anything else skipped. */
static int
doc_top_element(struct doc *d)
{
	struct xmltv_doc_attrs	 a;
	enum xmltv_doc_kind	 kind;

	if (strcmp(doc_name(d), "channel") == 0)
		kind = XMLTV_DOC_CHANNEL;
	else if (strcmp(doc_name(d), "programme") == 0)
		kind = XMLTV_DOC_PROGRAMME;
	else
		return doc_skip(d, 1);
	if (doc_attrs(d, &a) == -1)
		return -1;
	if (!d->ops->start(d->arg, kind, &a))
		return doc_skip(d, 1);
	return doc_copy(d, kind);
}

/* <!DOCTYPE tv SYSTEM "xmltv.dtd"> (any system or public identifier: it
 * is never loaded) and nothing else. */
static int
doc_doctype(struct doc *d)
{
	xmlNodePtr	 n = xmlTextReaderCurrentNode(d->reader);
	xmlDtdPtr	 dtd = (xmlDtdPtr)n;

	if (n == NULL || n->type != XML_DTD_NODE) {
		doc_refuse(d, "unreadable DOCTYPE");
		return -1;
	}
	if (dtd->name == NULL || strcmp((const char *)dtd->name, "tv") != 0) {
		doc_refuse(d, "DOCTYPE of <%.64s>, not <tv>",
		    dtd->name != NULL ? (const char *)dtd->name : "");
		return -1;
	}
	if (dtd->children != NULL) {
		doc_refuse(d, "DOCTYPE with declarations (an internal "
		    "subset): refused");
		return -1;
	}
	return 0;
}

static int
doc_walk(struct doc *d)
{
	int	 rc, depth, root = 0;

	while ((rc = doc_next(d)) == 1) {
		depth = xmlTextReaderDepth(d->reader);
		if (doc_type(d) == XML_READER_TYPE_DOCUMENT_TYPE) {
			if (doc_doctype(d) == -1)
				return -1;
		} else if (doc_type(d) != XML_READER_TYPE_ELEMENT)
			continue;
		else if (depth == 0) {
			if (strcmp(doc_name(d), "tv") != 0) {
				doc_refuse(d, "root element <%.64s>, not <tv>",
				    doc_name(d));
				return -1;
			}
			root = 1;
		} else if (depth == 1 && doc_top_element(d) == -1)
			return -1;
	}
	if (rc == 0 && !root)
		doc_refuse(d, "no <tv> element");
	return rc == 0 && root ? 0 : -1;
}

/* ---- the call ---------------------------------------------------------- */

static int
doc_open(struct doc *d)
{
	if (d->inlen >= 2 && d->in[0] == 0x1f && d->in[1] == 0x8b) {
		d->gzip = 1;
		/* 16 + MAX_WBITS: a gzip header and trailer, checked. */
		if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK) {
			doc_refuse(d, "gzip: cannot start zlib");
			return -1;
		}
		d->zinit = 1;
	} else if (d->inlen > d->lim->input_max_bytes) {
		doc_refuse(d, "over %zu bytes", d->lim->input_max_bytes);
		return -1;
	} else if (d->inlen == 0) {
		doc_refuse(d, "empty");
		return -1;
	}
	d->reader = xmlReaderForIO(doc_io_read, doc_io_close, d, NULL, NULL,
	    DOC_XML_OPTIONS);
	if (d->reader == NULL) {
		doc_refuse(d, "cannot start libxml2's reader");
		return -1;
	}
	xmlTextReaderSetStructuredErrorHandler(d->reader, doc_xml_error, d);
	return 0;
}

static void
doc_close(struct doc *d)
{
	if (d->reader != NULL)
		xmlFreeTextReader(d->reader);
	if (d->zinit)
		inflateEnd(&d->z);
	buf_free(&d->attrs);
	buf_free(&d->child);
	buf_free(&d->out);
	free(d->kids);
}

int
xmltv_doc_read(const void *buf, size_t len,
    const struct xmltv_doc_limits *lim, const struct xmltv_doc_ops *ops,
    void *arg, char *err, size_t errsz)
{
	struct doc			 d = {
		.lim = lim, .ops = ops, .arg = arg, .in = buf, .inlen = len,
		.xmlerr_level = XML_ERR_NONE,
	};
	xmlGenericErrorFunc		 old_generic;
	void				*old_generic_ctx;
	xmlStructuredErrorFunc		 old_structured;
	void				*old_structured_ctx;
	int				 rc;

	xmlInitParser();
	old_generic = xmlGenericError;
	old_generic_ctx = xmlGenericErrorContext;
	old_structured = xmlStructuredError;
	old_structured_ctx = xmlStructuredErrorContext;
	xmlSetGenericErrorFunc(&d, doc_generic_error);
	xmlSetStructuredErrorFunc(&d, doc_xml_error);
	buf_init(&d.attrs);
	buf_init(&d.child);
	buf_init(&d.out);

	rc = doc_open(&d) == 0 ? doc_walk(&d) : -1;
	if (rc == -1 && err != NULL && errsz > 0) {
		if (d.reason[0] != '\0')
			snprintf(err, errsz, "%s", d.reason);
		else if (d.xmlerr[0] != '\0')
			snprintf(err, errsz, "not well-formed XML: %s",
			    d.xmlerr);
		else
			snprintf(err, errsz, "not well-formed XML");
	}
	doc_close(&d);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
	return rc;
}

const char *
xmltv_doc_attr(const struct xmltv_doc_attrs *a, const char *name)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->name[i], name) == 0)
			return a->value[i];
	return NULL;
}
