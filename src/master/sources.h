/*
 * sources.h - channel lists: the source process, which fetches every
 * `sources` list, and the "lineup" origin, which plays their channels.
 *
 * The source process (sources.c, the lineup origin's helper) fetches each
 * provider's extended M3U at start and every `refresh`, parses it
 * (m3u_list.h), filters and merges all of them (lineup.h) and writes the
 * lineup to STATE_DIR/lineup.json, atomically (rename over).  The
 * supervisor (channels.c) and the workers (http_channels.c) read that
 * file; it is the one copy of the lineup and it survives restarts.
 */
#ifndef RINGCAST_SOURCES_H
#define RINGCAST_SOURCES_H

#include "origin.h"

extern const struct origin_ops lineup_origin;

/* The source process: lineup_origin's helper_main. */
void	 sources_main(struct proc *self, const struct child_ctx *ctx);

#endif
