/*
 * manifest.h - builds the live HLS media playlist served to players from
 * a stream's segment index (pure: no I/O, unit-tested).
 */
#ifndef RINGCAST_MANIFEST_H
#define RINGCAST_MANIFEST_H

#include <stddef.h>

#include "json.h"
#include "ring.h"

#define MANIFEST_VERSION	3

struct manifest_opts {
	int	 window_size;		/* segments listed once past initial */
	int	 initial_segments;	/* list all while no more than this */
	int	 endlist;		/* the upstream ended */
	const char *key_prefix;		/* URI prefix of key N: PREFIX N.key */
	const char *seg_prefix;		/* URI prefix of segment N: PREFIX N.ts
					 * (NULL: relative, "N.ts") */
};

/*
 * Append the playlist for SEGS (N entries, oldest first, consecutive in
 * the index) to OUT.  Returns the number of segments listed, or -1 when
 * there is none (no playlist can be served yet).
 */
int	 manifest_build(const struct ring_seg *segs, int n,
	    const struct manifest_opts *, struct buf *out);
/* Ceiling of the longest listed duration, in whole seconds (>= 1). */
int	 manifest_target_duration(const struct ring_seg *segs, int n);

#endif
