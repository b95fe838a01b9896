/*
 * history_json.h - GET /history as JSON, built from the history kept in
 * the state segment (history.h), so that any worker answers it from
 * shared memory alone.
 */
#ifndef RINGCAST_HISTORY_JSON_H
#define RINGCAST_HISTORY_JSON_H

#include <stdint.h>

#include "json.h"
#include "state.h"

/*
 * The history of the stream in SLOT as the window a reader sees at
 * NOW_MS (wall clock): interval, start and end (unix seconds), the
 * samples oldest first (null where missing) and the marks in the
 * window.  A stream not sampled yet has every sample null.  0, or -1
 * when out of memory or when no consistent copy could be made.
 */
int	 history_json(const struct state *, int slot, uint64_t now_ms,
	    struct buf *);
/* {"interval":S,"streams":[NAME,...]}: the streams that have a history. */
int	 history_list_json(const struct state *, struct buf *);

#endif
