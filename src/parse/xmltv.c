/*
 * xmltv.c - the XMLTV reducer: several sources' guides merged into one,
 * reduced to a lineup's channels and a time window (xmltv.h).
 *
 * Documents are read one at a time by xmltv_doc.c (libxml2, streamed);
 * this file decides what to keep from each element's attributes before
 * its children are copied, so the programmes of other channels or
 * outside the window cost a walk over their nodes and nothing more.
 *
 * The map is two sorted arrays searched with bsearch: the input ids as
 * they are, and the same ids ignoring ASCII case for the fallback (no
 * hash table: the ids come from outside, and a sorted array has no
 * worst case to steer into).  An input's programmes are collected aside,
 * sorted, and merged into the kept ones only once the whole document was
 * read, so a document refused half way leaves nothing behind; the merge
 * is where duplicates go (the kept one, from an earlier input, wins).
 * The kept programmes stay sorted by lineup channel, start and clumpidx,
 * which is the output's order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iso8601.h"
#include "xmltv.h"
#include "xmltv_doc.h"

#define XMLTV_REASON_MAX	256
#define XMLTV_HEAD		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
				"<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n" \
				"<tv generator-info-name=\"ringcast\">\n"
#define XMLTV_TAIL		"</tv>\n"

/* A lineup channel: a distinct TO of the map. */
struct rchan {
	char	*id;
	char	*name;		/* for a <channel> made up: NULL = id */
	char	*xml;		/* its <channel>, from an input, or NULL */
	size_t	 input;		/* the input it came from */
};

/* A line of the map. */
struct rkey {
	char		*from;
	size_t		 chan;
	size_t		 line;
};

/* A kept programme, its element written out. */
struct rprog {
	size_t		 chan;
	int64_t		 start;
	char		*clump;		/* clumpidx; NULL: "0/1" */
	char		*xml;
	size_t		 len;
	size_t		 seq;		/* its place in its document */
};

struct xmltv_reduce {
	struct xmltv_limits	 lim;
	int64_t			 since, until;
	struct rchan		*chan;
	size_t			 nchan;
	struct rkey		*exact, *fold;	/* the map, sorted twice */
	size_t			 nkey;
	struct rprog		*prog;		/* kept, sorted */
	size_t			 nprog;
	struct rprog		*stage;		/* the input being read */
	size_t			 nstage, capstage;
	size_t			 kept_bytes;
	size_t			 input;		/* inputs added so far */
	struct xmltv_counts	 total, cur;
	int			 oom;

	/* The element being copied (between the start and end calls). */
	struct buf		 tag;
	size_t			 pchan;
	int64_t			 pstart;
	const char		*pclump;
	struct buf		 clump;
};

void
xmltv_limits_default(struct xmltv_limits *lim)
{
	lim->input_max_bytes = XMLTV_INPUT_MAX_BYTES;
	lim->node_max_bytes = XMLTV_NODE_MAX_BYTES;
	lim->element_max_bytes = XMLTV_ELEMENT_MAX_BYTES;
	lim->output_max_bytes = XMLTV_OUTPUT_MAX_BYTES;
	lim->depth_max = XMLTV_DEPTH_MAX;
}

/* ---- times --------------------------------------------------------------- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
ascii_casecmp(const char *a, const char *b)
{
	int	 ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
	} while (ca == cb && ca != '\0');
	return ca - cb;
}

int
xmltv_time_parse(const char *s, int64_t *sec)
{
	char		 d[15] = "00000101000000", zone[8], iso[40];
	size_t		 nd = 0, nz = 0;
	int64_t		 ms;

	while (is_digit((unsigned char)s[nd]))
		nd++;
	if (nd < 4 || nd > 14 || nd % 2 != 0)
		return -1;
	memcpy(d, s, nd);
	s += nd;
	while (*s == ' ' || *s == '\t')
		s++;
	while (s[nz] != '\0' && s[nz] != ' ' && s[nz] != '\t')
		nz++;
	if (nz >= sizeof(zone))
		return -1;
	memcpy(zone, s, nz);
	zone[nz] = '\0';
	for (s += nz; *s == ' ' || *s == '\t'; s++)
		;
	if (*s != '\0')
		return -1;
	if (nz == 0 || ascii_casecmp(zone, "Z") == 0 ||
	    ascii_casecmp(zone, "UTC") == 0 || ascii_casecmp(zone, "GMT") == 0)
		snprintf(zone, sizeof(zone), "Z");
	else if (zone[0] != '+' && zone[0] != '-')
		return -1;	/* a zone name (BST, CET...): ambiguous */
	snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%s",
	    d, d + 4, d + 6, d + 8, d + 10, d + 12, zone);
	if (iso8601_parse(iso, &ms) == -1)
		return -1;
	*sec = ms / 1000;
	return 0;
}

/* ---- the map --------------------------------------------------------- */

static int
key_cmp_exact(const void *a, const void *b)
{
	return strcmp(((const struct rkey *)a)->from,
	    ((const struct rkey *)b)->from);
}

static int
key_cmp_fold(const void *a, const void *b)
{
	const struct rkey *ka = a, *kb = b;
	int c = ascii_casecmp(ka->from, kb->from);

	if (c != 0)
		return c;
	return ka->line < kb->line ? -1 : ka->line > kb->line;
}

/* The lineup channel of input id ID: 0, or -1 when it has none. */
static int
map_lookup(const struct xmltv_reduce *r, const char *id, size_t *chan)
{
	struct rkey	 k = { .from = (char *)id };
	struct rkey	*hit;
	size_t		 lo = 0, hi = r->nkey, mid;

	hit = bsearch(&k, r->exact, r->nkey, sizeof(k), key_cmp_exact);
	if (hit != NULL) {
		*chan = hit->chan;
		return 0;
	}
	while (lo < hi) {	/* the first line equal ignoring case */
		mid = lo + (hi - lo) / 2;
		if (ascii_casecmp(r->fold[mid].from, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->nkey && ascii_casecmp(r->fold[lo].from, id) == 0) {
		*chan = r->fold[lo].chan;
		return 0;
	}
	return -1;
}

/* A line of the map by its TO, for numbering the lineup channels. */
struct byto {
	const char	*to;
	size_t		 line;
};

static int
byto_cmp(const void *a, const void *b)
{
	const struct byto *x = a, *y = b;
	int c = strcmp(x->to, y->to);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The lineup channels: one a distinct TO, numbered in the order of its
 * first line; r->exact[LINE].chan is each line's.  Sorted by TO, not
 * searched: a lineup may have thousands of channels. */
static int
map_channels(struct xmltv_reduce *r, const struct xmltv_map *map, size_t n)
{
	struct byto	*s = calloc(n + 1, sizeof(*s));
	size_t		*first = calloc(n + 1, sizeof(*first));
	size_t		 i, c;
	int		 rc = -1;

	if (s == NULL || first == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		s[i].to = map[i].to;
		s[i].line = i;
	}
	qsort(s, n, sizeof(*s), byto_cmp);
	for (i = 0; i < n; i++)	/* each line's first line of its TO */
		first[s[i].line] = i > 0 && strcmp(s[i - 1].to, s[i].to) == 0 ?
		    first[s[i - 1].line] : s[i].line;
	for (i = 0; i < n; i++) {
		if (first[i] == i) {
			c = r->nchan++;
			if ((r->chan[c].id = strdup(map[i].to)) == NULL)
				goto out;
		} else
			c = r->exact[first[i]].chan;
		r->exact[i].chan = c;
		if (r->chan[c].name == NULL && map[i].name != NULL &&
		    (r->chan[c].name = strdup(map[i].name)) == NULL)
			goto out;
	}
	rc = 0;
out:
	free(s);
	free(first);
	return rc;
}

static int
map_build(struct xmltv_reduce *r, const struct xmltv_map *map, size_t n,
    char *why, size_t whysz)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (map[i].from == NULL || map[i].from[0] == '\0' ||
		    map[i].to == NULL || map[i].to[0] == '\0') {
			snprintf(why, whysz, "map line %zu: an empty id", i + 1);
			return -1;
		}
	r->chan = calloc(n + 1, sizeof(*r->chan));
	r->exact = calloc(n + 1, sizeof(*r->exact));
	r->fold = calloc(n + 1, sizeof(*r->fold));
	if (r->chan == NULL || r->exact == NULL || r->fold == NULL ||
	    map_channels(r, map, n) == -1)
		goto oom;
	for (i = 0; i < n; i++) {
		r->exact[i].line = i;
		if ((r->exact[i].from = strdup(map[i].from)) == NULL)
			goto oom;
		r->nkey++;
	}
	qsort(r->exact, n, sizeof(*r->exact), key_cmp_exact);
	for (i = 1; i < n; i++)
		if (strcmp(r->exact[i - 1].from, r->exact[i].from) == 0) {
			snprintf(why, whysz, "map: input id \"%.64s\" given "
			    "twice", r->exact[i].from);
			return -1;
		}
	memcpy(r->fold, r->exact, n * sizeof(*r->exact));
	qsort(r->fold, n, sizeof(*r->fold), key_cmp_fold);
	return 0;
oom:
	snprintf(why, whysz, "out of memory");
	return -1;
}

struct xmltv_reduce *
xmltv_reduce_new(const struct xmltv_map *map, size_t n, int64_t since,
    int64_t until, const struct xmltv_limits *lim, char *err, size_t errsz)
{
	struct xmltv_reduce	*r;
	char			 why[XMLTV_REASON_MAX] = "out of memory";

	if (since > until) {
		snprintf(err, errsz, "window ends before it starts");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errsz, "%s", why);
		return NULL;
	}
	if (lim != NULL)
		r->lim = *lim;
	else
		xmltv_limits_default(&r->lim);
	r->since = since;
	r->until = until;
	buf_init(&r->tag);
	buf_init(&r->clump);
	if (map_build(r, map, n, why, sizeof(why)) == -1) {
		snprintf(err, errsz, "%s", why);
		xmltv_reduce_free(r);
		return NULL;
	}
	return r;
}

static void
prog_free(struct rprog *p)
{
	free(p->clump);
	free(p->xml);
}

void
xmltv_reduce_free(struct xmltv_reduce *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nchan; i++) {
		free(r->chan[i].id);
		free(r->chan[i].name);
		free(r->chan[i].xml);
	}
	for (i = 0; i < r->nkey; i++)
		free(r->exact[i].from);
	for (i = 0; i < r->nprog; i++)
		prog_free(&r->prog[i]);
	for (i = 0; i < r->nstage; i++)
		prog_free(&r->stage[i]);
	free(r->chan);
	free(r->exact);
	free(r->fold);
	free(r->prog);
	free(r->stage);
	buf_free(&r->tag);
	buf_free(&r->clump);
	free(r);
}

/* ---- elements, as xmltv_doc.c reads them ------------------------------ */

/* Append attribute NAME="VALUE" (escaped) to the tag being written. */
static void
tag_attr(struct xmltv_reduce *r, const char *name, const char *value)
{
	buf_printf(&r->tag, " %s=\"", name);
	xmltv_doc_escape(&r->tag, value, 1);
	buf_puts(&r->tag, "\"");
}

static int
channel_start(struct xmltv_reduce *r, const struct xmltv_doc_attrs *a)
{
	const char	*id = xmltv_doc_attr(a, "id");
	size_t		 c;

	if (id == NULL || map_lookup(r, id, &c) == -1 ||
	    r->chan[c].xml != NULL) {
		r->cur.channels_skipped++;
		return 0;
	}
	r->pchan = c;
	buf_reset(&r->tag);
	buf_puts(&r->tag, "  <channel");
	tag_attr(r, "id", r->chan[c].id);
	buf_puts(&r->tag, ">");
	return 1;
}

/* The programme's attributes the DTD knows, in its order; channel is
 * the lineup's. */
static const char *const prog_attrs[] = {
	"start", "stop", "pdc-start", "vps-start", "showview", "videoplus",
	"channel", "clumpidx", NULL
};

/* Whether [START, STOP) meets the window; STOP == START: an instant. */
static int
in_window(const struct xmltv_reduce *r, int64_t start, int64_t stop)
{
	if (stop <= start)
		stop = start + 1;
	return start < r->until && stop > r->since;
}

static int
programme_start(struct xmltv_reduce *r, const struct xmltv_doc_attrs *a)
{
	const char	*ch = xmltv_doc_attr(a, "channel");
	const char	*start = xmltv_doc_attr(a, "start");
	const char	*stop = xmltv_doc_attr(a, "stop");
	const char	*v;
	int64_t		 t0, t1;
	size_t		 c, i;

	if (ch == NULL) {
		r->cur.skip_malformed++;
		return 0;
	}
	if (map_lookup(r, ch, &c) == -1) {
		r->cur.skip_channel++;
		return 0;
	}
	if (start == NULL || xmltv_time_parse(start, &t0) == -1 ||
	    (stop != NULL && (xmltv_time_parse(stop, &t1) == -1 ||
	    t1 < t0))) {
		r->cur.skip_time++;
		return 0;
	}
	if (!in_window(r, t0, stop != NULL ? t1 : t0)) {
		r->cur.skip_window++;
		return 0;
	}
	if (r->kept_bytes >= r->lim.output_max_bytes) {
		r->cur.skip_full++;
		return 0;
	}
	buf_reset(&r->tag);
	buf_puts(&r->tag, "  <programme");
	for (i = 0; prog_attrs[i] != NULL; i++) {
		v = strcmp(prog_attrs[i], "channel") == 0 ? r->chan[c].id :
		    xmltv_doc_attr(a, prog_attrs[i]);
		if (v != NULL)
			tag_attr(r, prog_attrs[i], v);
	}
	buf_puts(&r->tag, ">");
	r->pchan = c;
	r->pstart = t0;
	r->pclump = NULL;
	buf_reset(&r->clump);
	if ((v = xmltv_doc_attr(a, "clumpidx")) != NULL) {
		buf_puts(&r->clump, v);
		r->pclump = buf_str(&r->clump);
	}
	return 1;
}

static int
doc_start(void *arg, enum xmltv_doc_kind kind,
    const struct xmltv_doc_attrs *a)
{
	struct xmltv_reduce *r = arg;

	if (r->oom)
		return 0;
	return kind == XMLTV_DOC_CHANNEL ? channel_start(r, a) :
	    programme_start(r, a);
}

/* The tag, the children and the end tag, in one malloc'ed string. */
static char *
element_join(struct xmltv_reduce *r, const char *extra,
    const struct xmltv_doc_elem *e, const char *end, size_t *len)
{
	size_t	 n1 = r->tag.len, n2 = strlen(extra), n3 = strlen(end);
	char	*s;

	if (r->tag.failed || (s = malloc(n1 + n2 + e->len + n3 + 1)) == NULL)
		return NULL;
	memcpy(s, r->tag.data, n1);
	memcpy(s + n1, extra, n2);
	memcpy(s + n1 + n2, e->children, e->len);
	memcpy(s + n1 + n2 + e->len, end, n3 + 1);
	*len = n1 + n2 + e->len + n3;
	return s;
}

static void
channel_end(struct xmltv_reduce *r, const struct xmltv_doc_elem *e)
{
	struct rchan	*ch = &r->chan[r->pchan];
	struct buf	 name;
	size_t		 len;

	if (e->too_large) {
		r->cur.channels_skipped++;
		return;
	}
	buf_init(&name);
	if (!e->required) {	/* the DTD wants a display-name */
		buf_puts(&name, "\n    <display-name>");
		xmltv_doc_escape(&name, ch->name != NULL ? ch->name : ch->id,
		    0);
		buf_puts(&name, "</display-name>");
	}
	ch->xml = name.failed ? NULL :
	    element_join(r, buf_str(&name), e, "\n  </channel>\n", &len);
	buf_free(&name);
	if (ch->xml == NULL) {
		r->oom = 1;
		return;
	}
	ch->input = r->input;
	r->cur.channels++;
	r->cur.dropped_nodes += e->dropped;
}

static void
programme_end(struct xmltv_reduce *r, const struct xmltv_doc_elem *e)
{
	struct rprog	*p;

	if (e->too_large || !e->required) {
		r->cur.skip_malformed++;
		return;
	}
	if (r->nstage == r->capstage) {
		size_t n = r->capstage ? r->capstage * 2 : 256;

		if ((p = realloc(r->stage, n * sizeof(*p))) == NULL) {
			r->oom = 1;
			return;
		}
		r->stage = p;
		r->capstage = n;
	}
	p = &r->stage[r->nstage];
	memset(p, 0, sizeof(*p));
	p->chan = r->pchan;
	p->start = r->pstart;
	p->seq = r->nstage;
	p->xml = element_join(r, "", e, "\n  </programme>\n", &p->len);
	if (r->pclump != NULL)
		p->clump = strdup(r->pclump);
	if (p->xml == NULL || (r->pclump != NULL && p->clump == NULL)) {
		prog_free(p);
		r->oom = 1;
		return;
	}
	r->nstage++;
	r->kept_bytes += p->len;
	r->cur.dropped_nodes += e->dropped;
}

static void
doc_end(void *arg, const struct xmltv_doc_elem *e)
{
	struct xmltv_reduce *r = arg;

	if (e->kind == XMLTV_DOC_CHANNEL)
		channel_end(r, e);
	else
		programme_end(r, e);
}

/* ---- merging an input ------------------------------------------------- */

static int
clump_cmp(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "0/1", b != NULL ? b : "0/1");
}

/* Output order: lineup channel, start, clumpidx. */
static int
prog_cmp(const struct rprog *a, const struct rprog *b)
{
	if (a->chan != b->chan)
		return a->chan < b->chan ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return clump_cmp(a->clump, b->clump);
}

/* The same order, the earlier of two equal ones in the document first. */
static int
stage_cmp(const void *a, const void *b)
{
	const struct rprog	*pa = a, *pb = b;
	int			 c = prog_cmp(pa, pb);

	if (c != 0)
		return c;
	return pa->seq < pb->seq ? -1 : pa->seq > pb->seq;
}

static int
same_slot(const struct rprog *a, const struct rprog *b)
{
	return a->chan == b->chan && a->start == b->start;
}

/* The stage into the kept programmes: a staged one whose slot (channel
 * and start) is taken by a kept one, or that repeats the staged one
 * before it (clumpidx too), is a duplicate. */
static int
reduce_merge(struct xmltv_reduce *r)
{
	struct rprog	*m, *s;
	size_t		 i = 0, j = 0, k = 0;

	if (r->nstage > 0)	/* (r->stage may be NULL) */
		qsort(r->stage, r->nstage, sizeof(*r->stage), stage_cmp);
	m = malloc((r->nprog + r->nstage + 1) * sizeof(*m));
	if (m == NULL)
		return -1;
	while (i < r->nprog || j < r->nstage) {
		if (j == r->nstage || (i < r->nprog &&
		    prog_cmp(&r->prog[i], &r->stage[j]) <= 0)) {
			m[k++] = r->prog[i++];
			continue;
		}
		s = &r->stage[j++];
		if ((i < r->nprog && same_slot(&r->prog[i], s)) ||
		    (i > 0 && same_slot(&r->prog[i - 1], s)) ||
		    (j > 1 && prog_cmp(&r->stage[j - 2], s) == 0)) {
			r->kept_bytes -= s->len;
			r->cur.skip_duplicate++;
			/* Freed below: a later duplicate compares to it. */
			continue;
		}
		m[k++] = *s;
		s->xml = NULL;		/* now m's (its clump too) */
		r->cur.programmes++;
	}
	for (j = 0; j < r->nstage; j++)
		if (r->stage[j].xml != NULL)
			prog_free(&r->stage[j]);
	free(r->prog);
	r->prog = m;
	r->nprog = k;
	r->nstage = 0;
	return 0;
}

/* A refused input: nothing of it stays. */
static void
reduce_rollback(struct xmltv_reduce *r)
{
	size_t	 i;

	for (i = 0; i < r->nstage; i++) {
		r->kept_bytes -= r->stage[i].len;
		prog_free(&r->stage[i]);
	}
	r->nstage = 0;
	for (i = 0; i < r->nchan; i++)
		if (r->chan[i].xml != NULL && r->chan[i].input == r->input) {
			free(r->chan[i].xml);
			r->chan[i].xml = NULL;
		}
}

static void
counts_add(struct xmltv_counts *t, const struct xmltv_counts *c)
{
	t->inputs += c->inputs;
	t->refused += c->refused;
	t->channels += c->channels;
	t->channels_skipped += c->channels_skipped;
	t->programmes += c->programmes;
	t->skip_channel += c->skip_channel;
	t->skip_window += c->skip_window;
	t->skip_time += c->skip_time;
	t->skip_duplicate += c->skip_duplicate;
	t->skip_malformed += c->skip_malformed;
	t->skip_full += c->skip_full;
	t->dropped_nodes += c->dropped_nodes;
}

int
xmltv_reduce_add(struct xmltv_reduce *r, const void *buf, size_t len,
    const char *label, struct xmltv_counts *counts, char *err, size_t errsz)
{
	static const struct xmltv_doc_ops ops = { doc_start, doc_end };
	struct xmltv_doc_limits	 lim = {
		.input_max_bytes = r->lim.input_max_bytes,
		.node_max_bytes = r->lim.node_max_bytes,
		.element_max_bytes = r->lim.element_max_bytes,
		.depth_max = r->lim.depth_max,
	};
	char			 why[XMLTV_REASON_MAX] = "";
	int			 rc;

	memset(&r->cur, 0, sizeof(r->cur));
	r->input++;
	r->oom = 0;
	rc = xmltv_doc_read(buf, len, &lim, &ops, r, why, sizeof(why));
	if (rc == 0 && (r->oom || reduce_merge(r) == -1)) {
		snprintf(why, sizeof(why), "out of memory");
		rc = -1;
	}
	if (rc == -1) {
		reduce_rollback(r);
		r->cur.refused = 1;
		r->total.refused++;
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "%s: %s",
			    label != NULL ? label : "input", why);
	} else {
		r->cur.inputs = 1;
		counts_add(&r->total, &r->cur);
	}
	if (counts != NULL)
		*counts = r->cur;
	return rc;
}

void
xmltv_reduce_totals(const struct xmltv_reduce *r,
    struct xmltv_counts *counts)
{
	*counts = r->total;
}

/* ---- the guide -------------------------------------------------------- */

int
xmltv_reduce_finish(const struct xmltv_reduce *r, struct buf *out)
{
	size_t	 i, p = 0;

	buf_puts(out, XMLTV_HEAD);
	for (i = 0; i < r->nchan; i++) {
		const struct rchan *ch = &r->chan[i];

		while (p < r->nprog && r->prog[p].chan < i)
			p++;
		if (ch->xml != NULL)
			buf_puts(out, ch->xml);
		else if (p < r->nprog && r->prog[p].chan == i) {
			/* Programmes but no <channel>: one made up. */
			buf_puts(out, "  <channel id=\"");
			xmltv_doc_escape(out, ch->id, 1);
			buf_puts(out, "\">\n    <display-name>");
			xmltv_doc_escape(out, ch->name != NULL ? ch->name :
			    ch->id, 0);
			buf_puts(out, "</display-name>\n  </channel>\n");
		}
	}
	for (i = 0; i < r->nprog; i++)
		buf_append(out, r->prog[i].xml, r->prog[i].len);
	buf_puts(out, XMLTV_TAIL);
	return out->failed ? -1 : 0;
}
