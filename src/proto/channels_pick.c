/*
 * channels_pick.c - per-source limits of the lineup (channels_pick.h).
 *
 * A provider allows an account so many connections at once; a source's
 * max_streams says how many.  A channel made of several lists' entries
 * has a URL of each, in source order, so when the first URL's source is
 * full the channel can still play from the next source with room, and
 * its backups are the later URLs of sources with room then: a backup
 * of a full source would be a connection the provider refuses.  The
 * counts are the caller's (the supervisor knows its streams); this
 * file is pure, so the choice is unit-tested alone.
 */
#include <stdio.h>
#include <string.h>

#include "channels_pick.h"

/* The room of SOURCE in ROOMS, or NULL (no limit). */
static const struct channels_room *
channels_room_of(const struct channels_room *rooms, size_t n_rooms,
    const char *source)
{
	size_t i;

	if (source == NULL)
		return NULL;
	for (i = 0; i < n_rooms; i++)
		if (rooms[i].source != NULL &&
		    strcmp(rooms[i].source, source) == 0)
			return &rooms[i];
	return NULL;
}

static int
channels_room_full(const struct channels_room *r)
{
	return r != NULL && r->max > 0 && r->running >= r->max;
}

size_t
channels_pick(const struct channels_entry *c,
    const struct channels_room *rooms, size_t n_rooms, size_t *pick)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_urls && i < CHANNELS_MAX_URLS; i++)
		if (!channels_room_full(channels_room_of(rooms, n_rooms,
		    c->url_sources[i])))
			pick[n++] = i;
	return n;
}

/* 1 when URL I's source is also that of an earlier URL of C. */
static int
channels_source_seen(const struct channels_entry *c, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (c->url_sources[j] != NULL && c->url_sources[i] != NULL &&
		    strcmp(c->url_sources[j], c->url_sources[i]) == 0)
			return 1;
	return 0;
}

void
channels_pick_refusal(const struct channels_entry *c,
    const struct channels_room *rooms, size_t n_rooms, char *out,
    size_t outsz)
{
	const struct channels_room *r;
	size_t i, len;
	int n;

	if (outsz == 0)
		return;
	n = snprintf(out, outsz, "channel %s: every source of its URLs is at "
	    "its max_streams:", c->name);
	for (i = 0; i < c->n_urls && i < CHANNELS_MAX_URLS && n >= 0; i++) {
		if (channels_source_seen(c, i) || (r = channels_room_of(rooms,
		    n_rooms, c->url_sources[i])) == NULL)
			continue;
		len = strlen(out);
		if (len + 1 >= outsz)
			break;
		n = snprintf(out + len, outsz - len, "%s %s (%u)",
		    out[len - 1] == ':' ? "" : ",", r->source, r->max);
	}
}
