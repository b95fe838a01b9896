/*
 * channels_pick.h - which URLs of a lineup channel play when its sources
 * bound how many of their channels play at once (a source's
 * max_streams), and the reason given when none can (channels_pick.c).
 */
#ifndef RINGCAST_CHANNELS_PICK_H
#define RINGCAST_CHANNELS_PICK_H

#include <stddef.h>

#include "channels_doc.h"

/* A source's room: its lineup streams now and its limit. */
struct channels_room {
	const char	*source;	/* the source's name */
	unsigned	 running;	/* streams started from its URLs */
	unsigned	 max;		/* its max_streams; 0: no limit */
};

/*
 * Into PICK (CHANNELS_MAX_URLS entries) the indices of C's URLs whose
 * source has room, in source order: the first is played, the others
 * are its backups.  A source not in ROOMS (N_ROOMS) has no limit.
 * Returns how many; 0 when no URL's source has room.
 */
size_t	 channels_pick(const struct channels_entry *c,
	    const struct channels_room *rooms, size_t n_rooms, size_t *pick);
/*
 * Why C cannot play (channels_pick() gave 0), into OUT (OUTSZ bytes, cut
 * when longer): "channel NAME: every source of its URLs is at its
 * max_streams: A (1), B (2)", each source once, with its limit.
 */
void	 channels_pick_refusal(const struct channels_entry *c,
	    const struct channels_room *rooms, size_t n_rooms, char *out,
	    size_t outsz);

#endif
