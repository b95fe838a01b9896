/*
 * lineup.c - providers' entries into channels: filters, merging, names.
 *
 * Merging is one pass over the entries that pass their source's filter:
 * each gets a key ("i:" and its tvg-id in lower case, or "n:" and its
 * name with only letters and digits kept, lower case), a hash table maps
 * keys to channels in order of first appearance, and a counting pass
 * lays every channel's sources out in one array, in source order.  Names
 * are given in channel order with two more tables: the names taken, and
 * for each base the next suffix to try, so that a thousand channels
 * called "news" cost a thousand probes, not half a million.
 *
 * The tables are lineup_tab.h's.  Pure: libc (fnmatch), util.h's hash,
 * utf8.c.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lineup.h"
#include "lineup_tab.h"
#include "utf8.h"
#include "util.h"

_Static_assert(LINEUP_NAME_MAX == CONFIG_NAME_MAX,
    "a channel's name is a stream name");
/* "-N" with N up to 15 digits: more channels than memory could hold. */
_Static_assert(LINEUP_SLUG_MAX + 1 + 15 <= LINEUP_NAME_MAX,
    "a slug and its -N suffix fit a name");

/* ---- names -------------------------------------------------------------- */

/*
 * ASCII for U+00C0..U+017F, one letter each; '*' marks the letters of
 * two ("ae", "th", "ss", "ij", "oe": latin2()), ' ' what is no letter
 * (multiplication and division signs).
 */
static const char latin1[] =
    "aaaaaa*ceeeeiiiidnooooo ouuuuy**aaaaaa*ceeeeiiiidnooooo ouuuuy*y";
static const char latin_a[] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkk"
    "llllllllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuu"
    "wwyyyzzzzzzs";
_Static_assert(sizeof(latin1) == 0x100 - 0xC0 + 1, "U+00C0..U+00FF");
_Static_assert(sizeof(latin_a) == 0x180 - 0x100 + 1, "U+0100..U+017F");

/* Russian (U+0410..U+042F, and the same in lower case 0x20 above). */
static const char *const cyrillic[32] = {
	"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m",
	"n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh",
	"shch", "", "y", "", "e", "yu", "ya",
};

static const char *
latin2(uint32_t cp)
{
	switch (cp) {
	case 0xC6: case 0xE6:	return "ae";
	case 0xDE: case 0xFE:	return "th";
	case 0xDF:		return "ss";
	case 0x132: case 0x133:	return "ij";
	default:		return "oe";	/* U+0152, U+0153 */
	}
}

/* The ASCII letters for CP ("" for a letter that has none, NULL when CP
 * is no letter known here: a separator). */
static const char *
translit(uint32_t cp, char one[2])
{
	char c = 0;

	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
		c = (char)cp;
	else if (cp >= 'A' && cp <= 'Z')
		c = (char)(cp - 'A' + 'a');
	else if (cp >= 0xC0 && cp < 0x100)
		c = latin1[cp - 0xC0];
	else if (cp >= 0x100 && cp < 0x180)
		c = latin_a[cp - 0x100];
	else if (cp >= 0x410 && cp < 0x450)
		return cyrillic[(cp - 0x410) % 32];
	else if (cp == 0x401 || cp == 0x451)		/* Ё ё */
		return "e";
	else if (cp == 0x404 || cp == 0x454)		/* Є є */
		return "ye";
	else if (cp == 0x406 || cp == 0x456)		/* І і */
		return "i";
	else if (cp == 0x407 || cp == 0x457)		/* Ї ї */
		return "yi";
	else if (cp == 0x490 || cp == 0x491)		/* Ґ ґ */
		return "g";
	if (c == 0 || c == ' ')
		return NULL;
	if (c == '*')
		return latin2(cp);
	one[0] = c;
	one[1] = '\0';
	return one;
}

size_t
lineup_slug(const char *s, char *out, size_t outsz)
{
	size_t len = strlen(s), i = 0, o = 0, d, max;
	const char *t;
	uint32_t cp;
	char one[2], sep = 0;

	if (outsz == 0)
		return 0;
	max = outsz - 1 < LINEUP_SLUG_MAX ? outsz - 1 : LINEUP_SLUG_MAX;
	while (i < len) {
		if ((d = utf8_decode(s + i, len - i, &cp)) == 0) {
			cp = 0xFFFD;		/* not UTF-8: a separator */
			d = 1;
		}
		i += d;
		if (cp == '_') {
			sep = sep == 0 || sep == '_' ? '_' : '-';
			continue;
		}
		if ((t = translit(cp, one)) == NULL) {
			sep = '-';
			continue;
		}
		for (; *t != '\0'; t++) {
			if (o + (sep && o > 0) + 1 > max)
				goto full;
			if (sep && o > 0)
				out[o++] = sep;
			sep = 0;
			out[o++] = *t;
		}
	}
full:
	out[o] = '\0';
	return o;
}

/* ---- filters ------------------------------------------------------------ */

static int
glob_any(const char *const *globs, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fnmatch(globs[i], s, FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}

int
lineup_filter_pass(const struct lineup_filter *f, const char *group,
    const char *name)
{
	if (f == NULL)
		return 1;
	if (f->n_include_groups > 0 &&
	    !glob_any(f->include_groups, f->n_include_groups, group))
		return 0;
	if (f->n_include_names > 0 &&
	    !glob_any(f->include_names, f->n_include_names, name))
		return 0;
	return !glob_any(f->exclude_groups, f->n_exclude_groups, group) &&
	    !glob_any(f->exclude_names, f->n_exclude_names, name);
}

/* ---- merging ------------------------------------------------------------ */

void
lineup_free(struct lineup *l)
{
	free(l->channels);
	free(l->srcs);
	memset(l, 0, sizeof(*l));
}

/* The merge key of E into OUT (strlen(name or tvg_id) + 3 bytes): "i:"
 * and the tvg-id in lower case, or "n:" and the name's letters and
 * digits in lower case (bytes past ASCII kept), or "" (never merged). */
static void
merge_key(const struct m3u_entry *e, char *out)
{
	const char *s = e->tvg_id[0] != '\0' ? e->tvg_id : e->name;
	size_t o = 2;

	out[0] = e->tvg_id[0] != '\0' ? 'i' : 'n';
	out[1] = ':';
	for (; *s != '\0'; s++) {
		unsigned char b = (unsigned char)*s;

		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		else if (out[0] == 'n' && b < 0x80 &&
		    !((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')))
			continue;
		out[o++] = (char)b;
	}
	out[o] = '\0';
	if (o == 2)
		out[0] = '\0';
}

/* What merging works on: the entries kept, in order, with their keys and
 * channels. */
struct merge {
	const struct m3u_entry	**ents;
	char			**keys;
	size_t			*chan;
	size_t			 n, nchan;
	char			*pool;
};

static void
merge_free(struct merge *m)
{
	free(m->ents);
	free(m->keys);
	free(m->chan);
	free(m->pool);
}

/* The entries of LISTS that pass their filters, with their keys. */
static int
merge_collect(const struct m3u_list *const lists[],
    const struct lineup_filter *const filters[], size_t nl, struct merge *m)
{
	const struct m3u_entry *e;
	size_t i, j, total = 0, bytes = 0, off = 0;

	for (i = 0; i < nl; i++)
		total += lists[i] != NULL ? lists[i]->n : 0;
	if ((m->ents = calloc(total + 1, sizeof(*m->ents))) == NULL ||
	    (m->keys = calloc(total + 1, sizeof(*m->keys))) == NULL ||
	    (m->chan = calloc(total + 1, sizeof(*m->chan))) == NULL)
		return -1;
	for (i = 0; i < nl; i++)
		for (j = 0; lists[i] != NULL && j < lists[i]->n; j++) {
			e = &lists[i]->entries[j];
			if (!lineup_filter_pass(filters ? filters[i] : NULL,
			    e->group, e->name))
				continue;
			m->ents[m->n++] = e;
			bytes += strlen(e->tvg_id[0] ? e->tvg_id : e->name) +
			    3;
		}
	if ((m->pool = malloc(bytes + 1)) == NULL)
		return -1;
	for (i = 0; i < m->n; i++) {
		e = m->ents[i];
		m->keys[i] = m->pool + off;
		merge_key(e, m->keys[i]);
		off += strlen(e->tvg_id[0] ? e->tvg_id : e->name) + 3;
	}
	return 0;
}

/* Every kept entry's channel, numbered by first appearance. */
static int
merge_group(struct merge *m)
{
	struct ltab t;
	struct lt_slot *s;
	size_t i;

	if (lt_init(&t, m->n) == -1)
		return -1;
	for (i = 0; i < m->n; i++) {
		if (m->keys[i][0] == '\0') {
			m->chan[i] = m->nchan++;
			continue;
		}
		s = lt_find(&t, m->keys[i]);
		if (s->key == NULL) {
			s->key = m->keys[i];
			s->val = m->nchan++;
		}
		m->chan[i] = s->val;
	}
	free(t.slot);
	return 0;
}

/* FIELD of the first of C's sources that has it, else "". */
#define FIRST_OF(c, field) first_of((c), offsetof(struct m3u_entry, field))

static const char *
first_of(const struct lineup_channel *c, size_t off)
{
	const char *v;
	size_t i;

	for (i = 0; i < c->nsources; i++) {
		memcpy(&v, (const char *)c->sources[i] + off, sizeof(v));
		if (v[0] != '\0')
			return v;
	}
	return "";
}

/* Channels with their sources laid out in OUT->srcs, in source order. */
static int
merge_layout(struct merge *m, struct lineup *out)
{
	struct lineup_channel *c;
	size_t i, k, *next;

	if ((out->channels = calloc(m->nchan + 1, sizeof(*c))) == NULL ||
	    (out->srcs = calloc(m->n + 1, sizeof(*out->srcs))) == NULL ||
	    (next = calloc(m->nchan + 1, sizeof(*next))) == NULL)
		return -1;
	out->n = m->nchan;
	for (i = 0; i < m->n; i++)
		out->channels[m->chan[i]].nsources++;
	for (i = 1; i < m->nchan; i++)
		next[i] = next[i - 1] + out->channels[i - 1].nsources;
	for (i = 0; i < m->nchan; i++)
		out->channels[i].sources = out->srcs + next[i];
	for (i = 0; i < m->n; i++)
		out->srcs[next[m->chan[i]]++] = m->ents[i];
	free(next);
	for (i = 0; i < m->nchan; i++) {
		c = &out->channels[i];
		c->title = c->sources[0]->name;
		c->tvg_id = FIRST_OF(c, tvg_id);
		c->logo = FIRST_OF(c, logo);
		c->group = FIRST_OF(c, group);
		c->chno = "";
		c->chno_num = -1;
		c->enabled = 1;
		for (k = 0; k < c->nsources && c->chno[0] == '\0'; k++) {
			c->chno = c->sources[k]->chno;
			c->chno_num = c->sources[k]->chno_num;
		}
	}
	return 0;
}

/*
 * The base of C's name into BASE: its tvg-id's slug, its title's, or
 * "ch-" and a hash of the title (a title in a script not transliterated
 * here): made of the channel alone, not of its place, so that it stays
 * when the list gains or loses channels before it.
 */
static void
name_base(const struct lineup_channel *c, char base[LINEUP_SLUG_MAX + 1])
{
	if (lineup_slug(c->tvg_id, base, LINEUP_SLUG_MAX + 1) > 0 ||
	    lineup_slug(c->title, base, LINEUP_SLUG_MAX + 1) > 0)
		return;
	snprintf(base, LINEUP_SLUG_MAX + 1, "%s%08x", LINEUP_FALLBACK_PREFIX,
	    (unsigned)fnv1a32(FNV1A32_BASIS, c->title, strlen(c->title)));
}

/* Every channel's unique name, in channel order. */
static int
merge_names(struct lineup *out)
{
	char (*bases)[LINEUP_SLUG_MAX + 1] = NULL;
	struct ltab used = { 0 }, next = { 0 };
	struct lt_slot *s, *b;
	struct lineup_channel *c;
	size_t i, k;
	int rc = -1;

	if ((bases = calloc(out->n + 1, sizeof(*bases))) == NULL ||
	    lt_init(&used, out->n) == -1 || lt_init(&next, out->n) == -1)
		goto done;
	for (i = 0; i < out->n; i++) {
		c = &out->channels[i];
		name_base(c, bases[i]);
		b = lt_find(&next, bases[i]);
		k = b->key != NULL ? b->val : 2;
		str_copy(c->name, bases[i], sizeof(c->name));
		while ((s = lt_find(&used, c->name))->key != NULL)
			snprintf(c->name, sizeof(c->name), "%s-%zu", bases[i],
			    k++);
		s->key = c->name;
		memcpy(c->merged_name, c->name, sizeof(c->name));
		if (b->key == NULL)
			b->key = bases[i];
		b->val = k;
	}
	rc = 0;
done:
	free(used.slot);
	free(next.slot);
	free(bases);
	return rc;
}

int
lineup_merge(const struct m3u_list *const lists[],
    const struct lineup_filter *const filters[], size_t n,
    struct lineup *out)
{
	struct merge m;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (merge_collect(lists, filters, n, &m) == 0 &&
	    merge_group(&m) == 0 && merge_layout(&m, out) == 0 &&
	    merge_names(out) == 0)
		rc = 0;
	merge_free(&m);
	if (rc == -1)
		lineup_free(out);
	return rc;
}

struct lineup_map_line {
	struct xmltv_map	 m;
	size_t			 idx;
};

static int
lineup_map_by_from(const void *a, const void *b)
{
	const struct lineup_map_line *x = a, *y = b;
	int c = strcmp(x->m.from, y->m.from);

	return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int
lineup_map_by_idx(const void *a, const void *b)
{
	const struct lineup_map_line *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* lineup.h */
int
lineup_xmltv_map(const struct lineup *l, struct xmltv_map **map, size_t *n)
{
	const struct lineup_channel *c;
	struct lineup_map_line *t;
	size_t i, j, k = 0, total = 0;

	for (i = 0; i < l->n; i++)
		total += l->channels[i].nsources;
	if ((t = calloc(total + 1, sizeof(*t))) == NULL ||
	    (*map = calloc(total + 1, sizeof(**map))) == NULL) {
		free(t);
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		c = &l->channels[i];
		for (j = 0; j < c->nsources && c->enabled; j++)
			if (c->sources[j]->tvg_id[0] != '\0') {
				t[k].m.from = c->sources[j]->tvg_id;
				t[k].m.to = c->tvg_id[0] ? c->tvg_id : c->name;
				t[k].m.name = c->title;
				t[k].idx = k;
				k++;
			}
	}
	qsort(t, k, sizeof(*t), lineup_map_by_from);
	for (i = j = 0; i < k; i++)	/* the first of each from stays */
		if (j == 0 || strcmp(t[j - 1].m.from, t[i].m.from) != 0)
			t[j++] = t[i];
	qsort(t, j, sizeof(*t), lineup_map_by_idx);
	for (i = 0; i < j; i++)
		(*map)[i] = t[i].m;
	*n = j;
	free(t);
	return 0;
}
