/*
 * origins.c - the table of dynamic-stream origins (see origin.h).
 *
 * One entry an origin; the supervisor finds an origin's hooks here and
 * nowhere else, so adding one is its file plus a line.
 */
#include <stddef.h>

#include "acestream.h"
#include "edge.h"
#include "origins.h"
#include "sources.h"

static const struct origin_ops *const origins[STREAM_ORIGIN_MAX] = {
	[STREAM_ORIGIN_CONFIG] = NULL,
	[STREAM_ORIGIN_ACE] = &ace_origin,
	[STREAM_ORIGIN_PARENT] = &edge_origin,
	[STREAM_ORIGIN_PARENT_ACE] = &edge_ace_origin,
	[STREAM_ORIGIN_LINEUP] = &lineup_origin,
};

const struct origin_ops *
origin_get(unsigned origin)
{
	if (origin >= STREAM_ORIGIN_MAX)
		return NULL;
	return origins[origin];
}
