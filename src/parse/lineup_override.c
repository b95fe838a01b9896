/*
 * lineup_override.c - `channels` overrides on a lineup (lineup_override.h).
 *
 * Finding an override's channel is three lookups in tables built once
 * per lineup (lineup_tab.h): tvg-ids and titles in lower case, and the
 * merged names (lower case already), each to its first channel; so 4096
 * overrides on 100000 channels cost a few hundred thousand probes, not
 * a pass over the lineup each.
 *
 * Renaming keeps every name it can: the overrides' names are taken
 * first, then every other channel's merged name that is still free, and
 * only then do the channels left without one get a "-N"; so an override
 * moves one channel's name, never the names of the channels after it.
 *
 * Pure: libc, lineup_tab.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineup_override.h"
#include "lineup_tab.h"

_Static_assert(CONFIG_NUMBER_MAX <= LINEUP_NUMBER_MAX,
    "an override's number fits a channel's");

/* The three tables, with the lower-case strings they point into. */
struct ovr_index {
	struct ltab	 by_id, by_name, by_title;
	char		*pool;
};

/* S in ASCII lower case onto P; the copy. */
static char *
ovr_lower(const char *s, char **p)
{
	char *out = *p;
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') :
		    s[i];
	out[i] = '\0';
	*p += i + 1;
	return out;
}

/* Add KEY for channel I unless it is empty or an earlier one has it. */
static void
ovr_add(struct ltab *t, const char *key, size_t i)
{
	struct lt_slot *s;

	if (key[0] == '\0' || (s = lt_find(t, key))->key != NULL)
		return;
	s->key = key;
	s->val = i;
}

static void
ovr_index_free(struct ovr_index *x)
{
	free(x->by_id.slot);
	free(x->by_name.slot);
	free(x->by_title.slot);
	free(x->pool);
}

static int
ovr_index(const struct lineup *l, struct ovr_index *x)
{
	const struct lineup_channel *c;
	size_t i, bytes = 1;
	char *p;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < l->n; i++)
		bytes += strlen(l->channels[i].tvg_id) +
		    strlen(l->channels[i].title) + 2;
	if ((x->pool = malloc(bytes)) == NULL ||
	    lt_init(&x->by_id, l->n) == -1 ||
	    lt_init(&x->by_name, l->n) == -1 ||
	    lt_init(&x->by_title, l->n) == -1) {
		ovr_index_free(x);
		return -1;
	}
	p = x->pool;
	for (i = 0; i < l->n; i++) {
		c = &l->channels[i];
		ovr_add(&x->by_id, ovr_lower(c->tvg_id, &p), i);
		ovr_add(&x->by_name, c->merged_name, i);
		ovr_add(&x->by_title, ovr_lower(c->title, &p), i);
	}
	return 0;
}

/* The channel MATCH picks into *I: 1, 0 when none, -1 when out of
 * memory. */
static int
ovr_pick(struct ovr_index *x, const char *match, size_t *i)
{
	struct lt_slot *s;
	char *low, *p;
	int rc = 0;

	if ((low = malloc(strlen(match) + 1)) == NULL)
		return -1;
	p = low;
	ovr_lower(match, &p);
	if ((s = lt_find(&x->by_id, low))->key != NULL ||
	    (s = lt_find(&x->by_name, low))->key != NULL ||
	    (s = lt_find(&x->by_title, low))->key != NULL) {
		*i = s->val;
		rc = 1;
	}
	free(low);
	return rc;
}

/* Set the fields O gives on C. */
static void
ovr_apply(struct lineup_channel *c, const struct channel_override *o)
{
	if (o->name != NULL)
		str_copy(c->name, o->name, sizeof(c->name));
	if (o->number != NULL)
		str_copy(c->number, o->number, sizeof(c->number));
	if (o->group != NULL)
		c->group = o->group;
	if (o->logo != NULL)
		c->logo = o->logo;
	if (o->enabled != -1)
		c->enabled = o->enabled != 0;
}

/* C's name, taken in USED when free: 0, or -1 when it is not. */
static int
ovr_take(struct ltab *used, struct lineup_channel *c)
{
	struct lt_slot *s = lt_find(used, c->name);

	if (s->key != NULL)
		return -1;
	s->key = c->name;
	return 0;
}

/* C's name made free with the first "-N" that is. */
static void
ovr_suffix(struct ltab *used, struct lineup_channel *c)
{
	char base[LINEUP_SLUG_MAX + 1];
	size_t k = 2;

	str_copy(base, c->name, sizeof(base));
	do
		snprintf(c->name, sizeof(c->name), "%s-%zu", base, k++);
	while (ovr_take(used, c) == -1);
}

/*
 * Unique names: the names overrides gave (NAMED[i] 1), then the other
 * channels' merged names, then "-N" for the channels whose name was
 * taken.
 */
static int
ovr_names(struct lineup *l, const unsigned char *named)
{
	struct ltab used;
	unsigned char *clash;
	size_t i;
	int pass;

	if ((clash = calloc(l->n + 1, 1)) == NULL)
		return -1;
	if (lt_init(&used, l->n) == -1) {
		free(clash);
		return -1;
	}
	for (pass = 1; pass >= 0; pass--)
		for (i = 0; i < l->n; i++)
			if (named[i] == pass &&
			    ovr_take(&used, &l->channels[i]) == -1)
				clash[i] = 1;
	for (i = 0; i < l->n; i++)
		if (clash[i])
			ovr_suffix(&used, &l->channels[i]);
	free(used.slot);
	free(clash);
	return 0;
}

int
lineup_override(struct lineup *l, const struct channel_override *o,
    size_t n)
{
	struct ovr_index x;
	unsigned char *picked, *named;
	size_t i, k;
	int count = 0, renamed = 0, rc;

	if (n == 0 || l->n == 0)
		return 0;
	if ((picked = calloc(2 * l->n, 1)) == NULL)
		return -1;
	named = picked + l->n;
	if (ovr_index(l, &x) == -1) {
		free(picked);
		return -1;
	}
	for (i = 0; i < n && count != -1; i++) {
		if ((rc = ovr_pick(&x, o[i].match, &k)) == -1)
			count = -1;
		if (rc != 1 || picked[k])
			continue;
		picked[k] = 1;
		named[k] = o[i].name != NULL;
		renamed |= named[k];
		ovr_apply(&l->channels[k], &o[i]);
		count++;
	}
	ovr_index_free(&x);
	if (count != -1 && renamed && ovr_names(l, named) == -1)
		count = -1;
	free(picked);
	return count;
}
