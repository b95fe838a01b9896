/*
 * http_edge.c - edge mode, the workers' half (see edge.h): which requests
 * make a stream of the parent.
 *
 * /stream/NAME and /hls/NAME/index.m3u8 for a NAME the state segment does
 * not hold, on an edge (the supervisor sets edge_mode), are relayed to
 * the supervisor as a dynamic stream of the "parent" origin; it decides
 * with the current configuration (parent_streams, the names the parents
 * lacked a moment ago) and the request then goes on as for a named
 * stream.  Without parents, when the configuration has `sources`
 * (lineup_mode), the same requests ask the "lineup" origin (channels.c)
 * for a channel of that name; the stream the answer names may have
 * another name (a channel that is an AceStream id is that id's stream),
 * which the request then serves.  A segment or key of an unknown stream is not: a player asks
 * for the playlist first, and a segment of a stream that just started
 * elsewhere would not be there anyway.
 */
#include "http_dynamic.h"
#include "http_edge.h"
#include "util.h"

int
http_edge_resolve(struct worker *w, struct MHD_Connection *conn,
    char *name, size_t namesz, void **con_cls, enum MHD_Result *ret)
{
	struct client *c = *con_cls;
	struct slot_cfg cfg;
	int slot;
	int edge = atomic_load(&w->st->edge_mode) != 0;
	int lineup = atomic_load(&w->st->lineup_mode) != 0;

	if (c != NULL && c->kind != CLIENT_CREATE)
		return 0;		/* a player of a known stream */
	if (c == NULL && ((!edge && !lineup) ||
	    state_find(w->st, name) != -1))
		return 0;
	/* an edge asks its parents first; else a channel of the lineup */
	if ((slot = http_dynamic_resolve(w, conn, edge ? STREAM_ORIGIN_PARENT :
	    STREAM_ORIGIN_LINEUP, name, con_cls, ret)) == -1)
		return -1;
	/* the stream the supervisor named may be another key's (a lineup
	 * channel that is an AceStream id plays as that id's stream) */
	if (state_slot_read(w->st, slot, &cfg) == 0 && cfg.in_use)
		str_copy(name, cfg.name, namesz);
	return 0;
}
