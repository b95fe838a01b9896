/*
 * xmltv_doc.h - one XMLTV document read with libxml2, whatever its
 * sender made of it: plain or gzip, streamed (never a whole tree), with
 * limits on its size, its nesting and each of its nodes.  Each top-level
 * <channel> and <programme> is handed to the caller: its attributes
 * first (copy it or skip it), then, for one copied, its children written
 * again as well-formed, escaped UTF-8 in the order the XMLTV DTD wants.
 *
 * Pure: no file, no socket, no network (libxml2 runs with NONET and
 * never loads a DTD or an external entity).  The reducer (xmltv.h) is
 * its one user.
 */
#ifndef RINGCAST_XMLTV_DOC_H
#define RINGCAST_XMLTV_DOC_H

#include <stddef.h>

struct xmltv_doc_limits {
	size_t	input_max_bytes;	/* the document, inflated */
	size_t	node_max_bytes;		/* input read without a node coming
					   out of it (a tag, a text, a comment,
					   a DOCTYPE) */
	size_t	element_max_bytes;	/* a copied element's children, as
					   written */
	int	depth_max;		/* element nesting; <tv> is 1 */
};

enum xmltv_doc_kind {
	XMLTV_DOC_CHANNEL,
	XMLTV_DOC_PROGRAMME
};

/* The attributes of a top-level element, namespace declarations and
 * prefixed names left out; past XMLTV_DOC_ATTRS_MAX the rest too. */
#define XMLTV_DOC_ATTRS_MAX	16
struct xmltv_doc_attrs {
	size_t		 n;
	const char	*name[XMLTV_DOC_ATTRS_MAX];
	const char	*value[XMLTV_DOC_ATTRS_MAX];
};

/* A copied element, its start and end tags left to the caller. */
struct xmltv_doc_elem {
	enum xmltv_doc_kind	 kind;
	/* Its children, each on a line of its own indented by 4 spaces
	 * (a "\n" before each): the elements the DTD allows there, in the
	 * DTD's order (stable: a document's order among equals), those the
	 * DTD allows once kept once; deeper nodes as they came.  Whitespace
	 * between elements, comments, processing instructions, entity
	 * references and elements or attributes with a namespace prefix are
	 * left out.  NUL-terminated. */
	const char		*children;
	size_t			 len;
	int			 required;	/* has a title (programme) or a
						   display-name (channel) */
	int			 too_large;	/* over element_max_bytes:
						   CHILDREN is incomplete */
	size_t			 dropped;	/* nodes left out, whitespace
						   not counted */
};

struct xmltv_doc_ops {
	/* A top-level <channel> or <programme> starts: 1 to copy it (END
	 * follows, with the element's children), 0 to skip it. */
	int	(*start)(void *arg, enum xmltv_doc_kind,
		    const struct xmltv_doc_attrs *);
	void	(*end)(void *arg, const struct xmltv_doc_elem *);
};

struct buf;

/* The value of attribute NAME, or NULL. */
const char	*xmltv_doc_attr(const struct xmltv_doc_attrs *, const char *name);

/* Append S (UTF-8) to B escaped for XML: &, <, > and CR as references,
 * and for an attribute value (QUOTE) also ", tab and LF. */
void		 xmltv_doc_escape(struct buf *b, const char *s, int quote);

/*
 * Read the XMLTV document BUF (LEN bytes, gzip when it starts with the
 * gzip magic, else XML in any encoding libxml2 knows) and call OPS with
 * ARG for each top-level channel and programme.  0 when the whole
 * document was read; -1 when it was refused part way (not XML, not
 * well-formed, a root other than <tv>, a DOCTYPE with declarations,
 * nesting, a node or the inflated size over LIM, a broken gzip stream),
 * with the reason in ERR (NUL-terminated, cut to ERRSZ).  The callbacks
 * may already have run for the elements before the refusal.
 *
 * Calls xmlInitParser() (once is enough; Debian's libxml2 is built
 * thread-safe and initializes under a lock).  libxml2's error handlers
 * of the calling thread (per-thread in that build) are replaced for the
 * call and restored: nothing is printed.  Threads may read documents at
 * once, each its own; the external entity loader, libxml2's one global
 * hook, is never touched (and never called: no DTD or entity is loaded).
 */
int	 xmltv_doc_read(const void *buf, size_t len,
	    const struct xmltv_doc_limits *lim, const struct xmltv_doc_ops *ops,
	    void *arg, char *err, size_t errsz);

#endif
