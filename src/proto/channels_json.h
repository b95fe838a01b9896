/*
 * channels_json.h - the lineup as GET /channels and `ringcastctl
 * channels` show it: every channel with its URLs, its sources' URLs
 * with credentials hidden and its state from the state segment.
 */
#ifndef RINGCAST_CHANNELS_JSON_H
#define RINGCAST_CHANNELS_JSON_H

#include "channels_doc.h"
#include "json.h"
#include "state.h"

/* "running" (its stream has a fetcher), "idle", or "shadowed" (a stream
 * of another origin, a configured one, has NAME). */
const char *channels_state(const struct state *, const char *name);
/* Append {"sources":{...},"channels":[...]} of DOC to B, only the
 * channels of GROUP when not NULL.  -1 when B failed. */
int	 channels_json(const struct channels_doc *doc, const struct state *st,
	    const char *group, struct buf *b);

#endif
