/*
 * xmltv.h - the XMLTV reducer: the guides (EPG) of several sources in,
 * one guide out, reduced to a lineup's channels and a time window, with
 * the channel ids of the lineup.  Valid against the XMLTV DTD
 * (tests/xmltv/xmltv.dtd) when the kept parts of the inputs are.
 *
 *	r = xmltv_reduce_new(map, n, from, to, NULL, err, sizeof(err));
 *	xmltv_reduce_add(r, doc1, len1, "src1", &c, err, sizeof(err));
 *	xmltv_reduce_add(r, doc2, len2, "src2", &c, err, sizeof(err));
 *	xmltv_reduce_finish(r, &out);	(struct buf, json.h)
 *	xmltv_reduce_free(r);
 *
 * Pure (memory in, memory out); reads documents with libxml2 through
 * xmltv_doc.h.  A reducer is used by one thread at a time; separate
 * reducers may run in separate threads.
 */
#ifndef RINGCAST_XMLTV_H
#define RINGCAST_XMLTV_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* The default window, around the time the guide is built. */
#define XMLTV_WINDOW_BACK_S	(48 * 3600)
#define XMLTV_WINDOW_AHEAD_S	(7 * 86400)

/* The default limits (struct xmltv_limits). */
#define XMLTV_INPUT_MAX_BYTES	((size_t)256 << 20)	/* a document,
							   inflated */
#define XMLTV_NODE_MAX_BYTES	((size_t)128 << 10)	/* input without a
							   node out of it */
#define XMLTV_ELEMENT_MAX_BYTES	((size_t)64 << 10)	/* a channel's or
							   programme's
							   children */
#define XMLTV_OUTPUT_MAX_BYTES	((size_t)256 << 20)	/* all kept
							   elements */
#define XMLTV_DEPTH_MAX		32	/* element nesting (XMLTV needs 5:
					   tv programme credits actor image) */

struct xmltv_limits {
	size_t	input_max_bytes;	/* over it: the input is refused */
	size_t	node_max_bytes;		/* a node over it: refused */
	size_t	element_max_bytes;	/* over it: the element is skipped
					   (skip_malformed) */
	size_t	output_max_bytes;	/* past it: programmes are skipped
					   (skip_full) */
	int	depth_max;		/* deeper: the input is refused */
};

/*
 * One line of the channel map: the programmes and channel of input id
 * FROM go out as lineup id TO.  Several FROMs may share a TO (the same
 * channel in several sources); NAME (may be NULL: TO) is the display
 * name given to a channel no input describes.
 */
struct xmltv_map {
	const char	*from;
	const char	*to;
	const char	*name;
};

/* What an input gave (xmltv_reduce_add) or all used inputs together
 * (xmltv_reduce_totals). */
struct xmltv_counts {
	size_t	inputs;			/* documents used */
	size_t	refused;		/* documents refused */
	size_t	channels;		/* <channel> kept */
	size_t	channels_skipped;	/* not in the map, a later one of a
					   lineup id, or over the limit */
	size_t	programmes;		/* <programme> kept */
	size_t	skip_channel;		/* programme: channel not in the map */
	size_t	skip_window;		/* programme: outside the window */
	size_t	skip_time;		/* programme: start missing or not a
					   time, stop not a time or before
					   start */
	size_t	skip_duplicate;		/* programme: one kept before on its
					   lineup channel at its start */
	size_t	skip_malformed;		/* programme: no channel attribute,
					   no title, over element_max_bytes */
	size_t	skip_full;		/* programme: past output_max_bytes */
	size_t	dropped_nodes;		/* inside kept elements: entity
					   references, comments, elements the
					   DTD does not allow there or with a
					   namespace prefix, ... */
};

struct xmltv_reduce;

/* Fill *LIM with the XMLTV_*_MAX defaults. */
void	 xmltv_limits_default(struct xmltv_limits *lim);

/*
 * A reducer for the N lines of MAP (copied), the window [SINCE, UNTIL)
 * in Unix seconds, and LIM (NULL: the defaults).  Channels go out in
 * the order of their first line in MAP.  NULL with the reason in ERR
 * when a line's from or to is missing or empty, a from is given twice,
 * SINCE > UNTIL or memory runs out.
 *
 * Input ids are looked up exactly, then, when that fails, ignoring ASCII
 * case (the first line of MAP that matches so wins): sources disagree on
 * "BBC1.uk" and "bbc1.uk" more often than they mean two channels.
 */
struct xmltv_reduce *xmltv_reduce_new(const struct xmltv_map *map, size_t n,
	    int64_t since, int64_t until, const struct xmltv_limits *lim,
	    char *err, size_t errsz);
void	 xmltv_reduce_free(struct xmltv_reduce *r);

/*
 * Add the XMLTV document BUF (LEN bytes, plain or gzip), LABEL naming it
 * in ERR.  Kept: each <channel> whose id is in the map (id rewritten;
 * display-name, icon and url children; the first one of a lineup id
 * wins), and each <programme> whose channel is in the map, with a start
 * time, a title and [start, stop) overlapping the window (a programme
 * without stop: its start in the window), channel rewritten, its other
 * attributes the DTD knows and its children kept.  A programme on the
 * lineup channel and at the start of one an earlier input (or earlier
 * in this one, with the same clumpidx) gave is a duplicate: the first
 * wins.
 *
 * 0 when the document was used; -1 when it was refused ("LABEL: why" in
 * ERR: not XML, not <tv>, a DOCTYPE with declarations, too deep, too
 * large, a broken gzip stream): then nothing of it is kept, and the
 * other inputs are not affected.  *COUNTS (may be NULL) gets what this
 * input gave, or had given when it was refused.
 */
int	 xmltv_reduce_add(struct xmltv_reduce *r, const void *buf, size_t len,
	    const char *label, struct xmltv_counts *counts, char *err,
	    size_t errsz);

/* The counts of all inputs added so far (refused ones: only counted). */
void	 xmltv_reduce_totals(const struct xmltv_reduce *r,
	    struct xmltv_counts *counts);

/*
 * Append the merged guide to OUT: the XML declaration (UTF-8), <!DOCTYPE
 * tv SYSTEM "xmltv.dtd">, <tv generator-info-name="ringcast">, the
 * channels in map order (a lineup channel with programmes but no
 * <channel> in any input gets one with its NAME), then the programmes by
 * channel (map order), start time and clumpidx.  0, or -1 when memory
 * ran out.  The reducer is unchanged: more inputs may follow.
 */
int	 xmltv_reduce_finish(const struct xmltv_reduce *r, struct buf *out);

/*
 * An XMLTV time ("YYYYMMDDhhmmss +zzzz"; the fields may stop after the
 * year, month, day, hour or minute; the zone is +hhmm, -hhmm, +hh,
 * +hh:mm, Z, UTC or GMT, and UTC when missing) in Unix seconds.  0, or
 * -1 when malformed, out of range or before 1970.
 */
int	 xmltv_time_parse(const char *s, int64_t *sec);

#endif
