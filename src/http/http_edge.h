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
 * (http_dynamic_resolve with the parent origin), and with `sources` a
 * channel of the lineup.  0: go on with NAME as a named stream (*CON_CLS
 * untouched, or NULL again); NAME (NAMESZ bytes) is then the name of the
 * stream the supervisor answered with, which may differ (a lineup
 * channel that is an AceStream id is that id's stream).  -1: return *RET
 * (waiting for the supervisor, or refused).
 */
int	 http_edge_resolve(struct worker *, struct MHD_Connection *,
	    char *name, size_t namesz, void **con_cls, enum MHD_Result *ret);

#endif
