/*
 * origin.c - the table of dynamic-stream origins (see origin.h).
 *
 * One entry an origin; the supervisor and the workers find an origin's
 * hooks here and nowhere else, so adding one is its file plus a line.
 */
#include <stddef.h>

#include "origin.h"

const struct origin_ops *const origin_table[STREAM_ORIGIN_MAX] = {
	[STREAM_ORIGIN_CONFIG] = NULL,
	[STREAM_ORIGIN_PARENT] = &edge_origin,
};

const struct origin_ops *
origin_get(unsigned origin)
{
	if (origin >= STREAM_ORIGIN_MAX)
		return NULL;
	return origin_table[origin];
}
