/*
 * edge.h - edge mode: streams pulled from a parent ringcast.
 *
 * With `parent` set, a stream name the configuration does not define but
 * `parent_streams` allows is made on request (a dynamic stream, origin.h)
 * as a TS stream of PARENT/stream/NAME, the other parents being its
 * backup URLs.  edge.c is the supervisor's half (the origin's hooks, the
 * short memory of names the parents do not have); http_edge.c is the
 * workers' half (which requests make such a stream).
 */
#ifndef RINGCAST_EDGE_H
#define RINGCAST_EDGE_H

#include <stddef.h>

#include "config.h"
#include "origin.h"

#define EDGE_HEADER		CONFIG_EDGE_HEADER	/* the edge's identity */
#define EDGE_NOT_FOUND_TTL_MS	5000	/* a 404 of the parents is kept */
#define EDGE_NOT_FOUND_MAX	256	/* names kept at once */

extern const struct origin_ops edge_origin;	/* names */
extern const struct origin_ops edge_ace_origin;	/* content ids */

/* The identity CFG gives its parents: edge_id, or "HOSTNAME:PORT" of the
 * first listen address. */
void	 edge_identity(const struct config *, char *out, size_t outsz);

#endif
