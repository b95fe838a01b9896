/*
 * http_edge.c - edge mode, the workers' half (see edge.h): which requests
 * make a stream of the parent.
 *
 * /stream/NAME and /hls/NAME/index.m3u8 for a NAME the state segment does
 * not hold, on an edge (the supervisor sets edge_mode), are relayed to
 * the supervisor as a dynamic stream of the "parent" origin; it decides
 * with the current configuration (parent_streams, the names the parents
 * lacked a moment ago) and the request then goes on as for a named
 * stream.  A segment or key of an unknown stream is not: a player asks
 * for the playlist first, and a segment of a stream that just started
 * elsewhere would not be there anyway.
 */
#include "http_dynamic.h"
#include "http_edge.h"

int
http_edge_resolve(struct worker *w, struct MHD_Connection *conn,
    const char *name, void **con_cls, enum MHD_Result *ret)
{
	struct client *c = *con_cls;

	if (c != NULL && c->kind != CLIENT_CREATE)
		return 0;		/* a player of a known stream */
	if (c == NULL && (!atomic_load(&w->st->edge_mode) ||
	    state_find(w->st, name) != -1))
		return 0;
	if (http_dynamic_resolve(w, conn, STREAM_ORIGIN_PARENT, name, con_cls,
	    ret) == -1)
		return -1;
	return 0;
}
