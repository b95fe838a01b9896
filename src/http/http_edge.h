/*
 * http_edge.h - edge mode, the workers' half (http_edge.c): which
 * requests make a stream of the parent (see edge.h).  A mechanism below
 * the route families, next to http_dynamic.c.
 */
#ifndef RINGCAST_HTTP_EDGE_H
#define RINGCAST_HTTP_EDGE_H

#include "http.h"

/*
 * On an edge, make NAME a stream of the parent when it is unknown
 * (http_dynamic_resolve with the parent origin).  0: go on with NAME as a
 * named stream (*CON_CLS untouched, or NULL again); -1: return *RET
 * (waiting for the supervisor, or refused).
 */
int	 http_edge_resolve(struct worker *, struct MHD_Connection *,
	    const char *name, void **con_cls, enum MHD_Result *ret);

#endif
