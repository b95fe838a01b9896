/*
 * lineup_override.h - the `channels` overrides of the configuration
 * (struct channel_override, config.h) applied to a lineup: a channel's
 * URL name, number, group, logo and enabled flag.  Pure and
 * deterministic, like lineup_merge().
 */
#ifndef RINGCAST_LINEUP_OVERRIDE_H
#define RINGCAST_LINEUP_OVERRIDE_H

#include <stddef.h>

#include "config.h"
#include "lineup.h"

/*
 * Apply the N overrides O to L, whose channels lineup_merge() made.
 * Each override picks at most one channel, the first in lineup order
 * whose tvg-id equals its match in any ASCII case, else whose URL name
 * (as lineup_merge gave it), else whose title does; a channel an earlier
 * override picked is not picked again.  The override's strings (O must
 * outlive L) replace the channel's: name, number (into number[]), group,
 * logo; enabled when not -1.
 *
 * Names stay unique and an override's name wins: a channel whose merged
 * name an override gave another channel is renamed to the first free
 * "-2", "-3", ... after its name (cut to LINEUP_SLUG_MAX); so is a
 * channel given a name an earlier channel already got from an override.
 * Every other channel keeps its name.  The count of channels that an
 * override picked, or -1 when out of memory (L is then as it was, but
 * for the fields already set).
 */
int	 lineup_override(struct lineup *l, const struct channel_override *o,
	    size_t n);

#endif
