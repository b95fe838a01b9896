/*
 * lineup_numbers.c - channel numbers that stay (lineup_numbers.h).
 *
 * Design choice: numbers are given once and remembered, not computed
 * from the lineup's order each time.  Computing them is simpler but a
 * channel added at the top of a provider's list would renumber every
 * channel after it, and media servers (HDHomeRun GuideNumber) and
 * players key their guides and favourites by number.  So a number,
 * once given, belongs to its channel: "highest" only grows, and a
 * channel that leaves and comes back finds its number in the map.
 *
 * One assignment is a few passes over the lineup: the numbers in use
 * into a sorted array (binary search for "is it taken?"), the map's
 * keys into a hash table (lineup_tab.h), then each channel without a
 * number of its own looks its key up.  The map is bounded
 * (LINEUP_NUMBERS_MAX): the channels of the current lineup come first,
 * so the ones forgotten are those gone longest.
 *
 * Pure: libc, json-c (parse), json.h (build), lineup_tab.h.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineup_numbers.h"
#include "lineup_tab.h"

#define NUM_NONE	SIZE_MAX

/* What one assignment works with. */
struct num_run {
	char			**keys;		/* each channel's */
	size_t			 *entry;	/* its index in M, or NUM_NONE */
	unsigned long long	 *used;		/* whole numbers in use, sorted */
	size_t			  nused;
	unsigned long long	  top;		/* the highest in use */
	struct ltab		  tab;		/* M's keys to their index */
};

int
lineup_number_valid(const char *s)
{
	size_t n = strspn(s, "0123456789"), m;

	if (n == 0 || n > LINEUP_GUIDE_DIGITS_MAX)
		return 0;
	if (s[n] == '\0')
		return 1;
	m = strspn(s + n + 1, "0123456789");
	return s[n] == '.' && m > 0 && m <= LINEUP_GUIDE_DIGITS_MAX &&
	    s[n + 1 + m] == '\0';
}

/* The whole part of S (its leading digits), at most LINEUP_NUMBER_TOP;
 * *WHOLE 1 when S is nothing but those digits. */
static unsigned long long
num_value(const char *s, int *whole)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
		if (v <= LINEUP_NUMBER_TOP)
			v = v * 10 + (unsigned long long)(s[i] - '0');
	*whole = i > 0 && s[i] == '\0';
	return v > LINEUP_NUMBER_TOP ? LINEUP_NUMBER_TOP : v;
}

static int
num_cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

/* Add the number S to R's numbers in use. */
static void
num_use(struct num_run *r, const char *s)
{
	unsigned long long v;
	int whole;

	if (s == NULL || s[0] == '\0')
		return;
	v = num_value(s, &whole);
	if (whole)
		r->used[r->nused++] = v;
	if (v > r->top)
		r->top = v;
}

/* C's key in M: "i:" and its tvg-id in lower case, or "n:" and its
 * merged name; NULL when out of memory. */
static char *
num_key(const struct lineup_channel *c)
{
	const char *s = c->tvg_id[0] != '\0' ? c->tvg_id : c->merged_name;
	size_t i, len = strlen(s);
	char *k;

	if ((k = malloc(len + 3)) == NULL)
		return NULL;
	k[0] = c->tvg_id[0] != '\0' ? 'i' : 'n';
	k[1] = ':';
	for (i = 0; i <= len; i++)
		k[i + 2] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' +
		    'a') : s[i];
	return k;
}

static void
num_run_free(struct num_run *r, size_t n)
{
	size_t i;

	for (i = 0; r->keys != NULL && i < n; i++)
		free(r->keys[i]);
	free(r->keys);
	free(r->entry);
	free(r->used);
	free(r->tab.slot);
}

/* Own numbers (override, else a valid tvg-chno), the numbers in use and
 * M's keys indexed.  0, or -1 when out of memory. */
static int
num_prepare(struct lineup *l, const char *const *taken, size_t ntaken,
    struct lineup_numbers *m, struct num_run *r)
{
	struct lineup_channel *c;
	struct lt_slot *s;
	size_t i;

	if ((r->keys = calloc(l->n + 1, sizeof(*r->keys))) == NULL ||
	    (r->entry = calloc(l->n + 1, sizeof(*r->entry))) == NULL ||
	    (r->used = calloc(l->n + ntaken + 1, sizeof(*r->used))) == NULL ||
	    lt_init(&r->tab, m->n + l->n) == -1)
		return -1;
	r->top = m->highest;
	for (i = 0; i < ntaken; i++)
		num_use(r, taken[i]);
	for (i = 0; i < l->n; i++) {
		c = &l->channels[i];
		if (c->number[0] == '\0' && lineup_number_valid(c->chno))
			str_copy(c->number, c->chno, sizeof(c->number));
		num_use(r, c->number);
		if ((r->keys[i] = num_key(c)) == NULL)
			return -1;
	}
	qsort(r->used, r->nused, sizeof(*r->used), num_cmp);
	for (i = 0; i < m->n; i++) {
		if (m->v[i].number > r->top)
			r->top = m->v[i].number;
		if ((s = lt_find(&r->tab, m->v[i].key))->key == NULL) {
			s->key = m->v[i].key;
			s->val = i;
		}
	}
	return 0;
}

/* Channel I's number: its remembered one when still free, else the
 * next; M remembers it (M has room for every channel of L). */
static int
num_give(struct lineup_channel *c, size_t i, struct lineup_numbers *m,
    struct num_run *r)
{
	struct lt_slot *s = lt_find(&r->tab, r->keys[i]);
	struct lineup_number *e;

	r->entry[i] = s->key != NULL ? s->val : NUM_NONE;
	if (c->number[0] != '\0')
		return 0;
	if (s->key != NULL && bsearch(&m->v[s->val].number, r->used,
	    r->nused, sizeof(*r->used), num_cmp) == NULL) {
		snprintf(c->number, sizeof(c->number), "%llu",
		    m->v[s->val].number);
		return 0;
	}
	if (r->top >= LINEUP_NUMBER_TOP)
		return 0;		/* none left: no number */
	if (s->key == NULL) {
		e = &m->v[m->n];
		if ((e->key = strdup(r->keys[i])) == NULL)
			return -1;
		s->key = e->key;
		s->val = r->entry[i] = m->n++;
	}
	m->v[s->val].number = ++r->top;
	if (r->top > m->highest)
		m->highest = r->top;
	snprintf(c->number, sizeof(c->number), "%llu", r->top);
	return 0;
}

/* M's entries reordered: L's channels first (R->entry), the others
 * after them as they were; the ones past LINEUP_NUMBERS_MAX dropped. */
static int
num_reorder(const struct lineup *l, struct lineup_numbers *m,
    struct num_run *r)
{
	struct lineup_number *v;
	unsigned char *moved;
	size_t i, j = 0;

	if ((v = calloc(m->n + 1, sizeof(*v))) == NULL ||
	    (moved = calloc(m->n + 1, 1)) == NULL) {
		free(v);
		return -1;
	}
	for (i = 0; i < l->n; i++)
		if (r->entry[i] != NUM_NONE && !moved[r->entry[i]]) {
			moved[r->entry[i]] = 1;
			v[j++] = m->v[r->entry[i]];
		}
	for (i = 0; i < m->n; i++)
		if (!moved[i])
			v[j++] = m->v[i];
	for (i = LINEUP_NUMBERS_MAX; i < j; i++)
		free(v[i].key);
	free(m->v);
	free(moved);
	m->v = v;
	m->n = j < LINEUP_NUMBERS_MAX ? j : LINEUP_NUMBERS_MAX;
	return 0;
}

int
lineup_numbers_assign(struct lineup *l, const char *const *taken,
    size_t ntaken, struct lineup_numbers *m)
{
	struct num_run r;
	struct lineup_number *v;
	size_t i;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if ((v = realloc(m->v, (m->n + l->n + 1) * sizeof(*v))) == NULL)
		return -1;
	m->v = v;
	if (num_prepare(l, taken, ntaken, m, &r) == -1)
		goto done;
	for (i = 0; i < l->n; i++)
		if (num_give(&l->channels[i], i, m, &r) == -1)
			goto done;
	rc = num_reorder(l, m, &r);
done:
	num_run_free(&r, l->n);
	return rc;
}

/* ---- numbers.json ------------------------------------------------------- */

int
lineup_numbers_build(struct buf *b, const struct lineup_numbers *m)
{
	size_t i;

	buf_puts(b, "{");
	json_kv_int(b, "version", LINEUP_NUMBERS_VERSION);
	json_kv_uint(b, "highest", m->highest);
	json_key(b, "channels");
	buf_puts(b, "[");
	for (i = 0; i < m->n; i++) {
		buf_puts(b, i > 0 ? ",\n{" : "\n{");
		json_kv_str(b, m->v[i].key[0] == 'i' ? "tvg_id" : "name",
		    m->v[i].key + 2);
		json_kv_uint(b, "number", m->v[i].number);
		buf_puts(b, "}");
	}
	buf_puts(b, "]}\n");
	return b->failed ? -1 : 0;
}

void
lineup_numbers_free(struct lineup_numbers *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* The whole number member KEY of O (1..LINEUP_NUMBER_TOP, or 0.. with
 * ZERO) into *V: 0, or -1. */
static int
num_json_uint(json_object *o, const char *key, int zero,
    unsigned long long *v)
{
	json_object *j;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &j) ||
	    !json_object_is_type(j, json_type_int))
		return -1;
	x = json_object_get_int64(j);
	if (x < (zero ? 0 : 1) || (unsigned long long)x > LINEUP_NUMBER_TOP)
		return -1;
	*v = (unsigned long long)x;
	return 0;
}

/* One element of "channels" into E: 0, or -1. */
static int
num_json_entry(json_object *o, struct lineup_number *e)
{
	json_object *id = NULL, *name = NULL, *s;
	const char *t;
	size_t i, len;

	if (!json_object_is_type(o, json_type_object) ||
	    num_json_uint(o, "number", 0, &e->number) == -1)
		return -1;
	if (json_object_object_get_ex(o, "tvg_id", &id) ==
	    json_object_object_get_ex(o, "name", &name))
		return -1;		/* one of the two, not both */
	s = id != NULL ? id : name;
	if (!json_object_is_type(s, json_type_string) ||
	    (len = strlen(t = json_object_get_string(s))) == 0 ||
	    len != (size_t)json_object_get_string_len(s) ||
	    (e->key = malloc(len + 3)) == NULL)
		return -1;
	e->key[0] = id != NULL ? 'i' : 'n';
	e->key[1] = ':';
	for (i = 0; i <= len; i++)	/* as num_key() makes them */
		e->key[i + 2] = t[i] >= 'A' && t[i] <= 'Z' ? (char)(t[i] -
		    'A' + 'a') : t[i];
	return 0;
}

static int
num_by_key(const void *a, const void *b)
{
	const struct lineup_number *x = *(const struct lineup_number *const *)a;
	const struct lineup_number *y = *(const struct lineup_number *const *)b;

	return strcmp(x->key, y->key);
}

static int
num_by_number(const void *a, const void *b)
{
	const struct lineup_number *x = *(const struct lineup_number *const *)a;
	const struct lineup_number *y = *(const struct lineup_number *const *)b;

	return (x->number > y->number) - (x->number < y->number);
}

/* 1 when two of M's entries share a key or a number; -1 out of memory. */
static int
num_twice(const struct lineup_numbers *m)
{
	const struct lineup_number **p;
	size_t i;
	int twice = 0;

	if ((p = calloc(m->n + 1, sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < m->n; i++)
		p[i] = &m->v[i];
	qsort(p, m->n, sizeof(*p), num_by_key);
	for (i = 1; i < m->n && !twice; i++)
		twice = strcmp(p[i - 1]->key, p[i]->key) == 0;
	qsort(p, m->n, sizeof(*p), num_by_number);
	for (i = 1; i < m->n && !twice; i++)
		twice = p[i - 1]->number == p[i]->number;
	free(p);
	return twice;
}

/* The tree ROOT into M: 0, or -1 with ERR. */
static int
num_json_tree(json_object *root, struct lineup_numbers *m, char *err,
    size_t errsz)
{
	json_object *v, *a;
	unsigned long long version;
	size_t i, n;

	if (!json_object_is_type(root, json_type_object) ||
	    num_json_uint(root, "version", 1, &version) == -1 ||
	    version != LINEUP_NUMBERS_VERSION ||
	    num_json_uint(root, "highest", 1, &m->highest) == -1 ||
	    !json_object_object_get_ex(root, "channels", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) > LINEUP_NUMBERS_MAX) {
		snprintf(err, errsz, "not a version %d numbers document, or "
		    "more than %d channels", LINEUP_NUMBERS_VERSION,
		    LINEUP_NUMBERS_MAX);
		return -1;
	}
	if ((m->v = calloc(n + 1, sizeof(*m->v))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (num_json_entry(v, &m->v[m->n]) == -1) {
			snprintf(err, errsz, "channel %zu: not a tvg_id or a "
			    "name with a number from 1 to %llu", i + 1,
			    LINEUP_NUMBER_TOP);
			return -1;
		}
		if (m->v[m->n++].number > m->highest)
			m->highest = m->v[m->n - 1].number;
	}
	if (num_twice(m) != 0) {
		snprintf(err, errsz, "a channel or a number given twice");
		return -1;
	}
	return 0;
}

int
lineup_numbers_parse(const char *text, size_t len, struct lineup_numbers *m,
    char *err, size_t errsz)
{
	struct json_tokener *tok;
	json_object *root;
	int rc;

	memset(m, 0, sizeof(*m));
	if (len > LINEUP_NUMBERS_MAX_BYTES) {
		snprintf(err, errsz, "larger than %d bytes",
		    LINEUP_NUMBERS_MAX_BYTES);
		return -1;
	}
	if ((tok = json_tokener_new()) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (root == NULL) {
		snprintf(err, errsz, "not JSON");
		return -1;
	}
	rc = num_json_tree(root, m, err, errsz);
	json_object_put(root);
	if (rc == -1)
		lineup_numbers_free(m);
	return rc;
}
