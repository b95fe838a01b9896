/*
 * lineup_tab.h - the string table lineup.c and lineup_override.c share
 * (private to them): open addressing over FNV-1a (util.h), keys that the
 * caller keeps alive, never removed.  Nothing is steered by a secret; a
 * provider who makes its own keys collide only slows its own refresh
 * (the lists are bounded, M3U_LIST_MAX_*).
 */
#ifndef RINGCAST_LINEUP_TAB_H
#define RINGCAST_LINEUP_TAB_H

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct lt_slot {
	const char	*key;		/* NULL: empty */
	size_t		 val;
};

struct ltab {
	struct lt_slot	*slot;
	size_t		 mask;
};

/* A table for at most N keys.  0, or -1 when out of memory. */
static inline int
lt_init(struct ltab *t, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	t->mask = cap - 1;
	return (t->slot = calloc(cap, sizeof(*t->slot))) == NULL ? -1 : 0;
}

/* The slot of KEY: its own, or the empty one where it would go. */
static inline struct lt_slot *
lt_find(struct ltab *t, const char *key)
{
	size_t i = (size_t)fnv1a64(FNV1A64_BASIS, key, strlen(key)) & t->mask;

	while (t->slot[i].key != NULL && strcmp(t->slot[i].key, key) != 0)
		i = (i + 1) & t->mask;
	return &t->slot[i];
}

#endif
