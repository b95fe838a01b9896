/*
 * acestream.h - AceStream engine mode: content-id streams through a pool
 * of engines (the `acestream` group of ringcast.conf).
 *
 * A content-id stream is a dynamic stream (origin.h) of origin
 * STREAM_ORIGIN_ACE: its name is its key, the 40 hex digits of the id
 * (or "infohash-" and 40 hex digits for an infohash), its url is the
 * engine it runs on.  The supervisor picks the engine (acestream.c), the
 * fetcher talks to it (fetch_ace.c), and the engine monitor, an origin
 * helper process, checks engines' health, polls each session's stat_url
 * and stops sessions whose fetcher died before it could.
 */
#ifndef RINGCAST_ACESTREAM_H
#define RINGCAST_ACESTREAM_H

#include <stddef.h>

#include "ace_client.h"
#include "ace_state.h"
#include "config.h"
#include "origin.h"

#define ACE_RETRY_AFTER_S	10	/* 503: no engine with room */
#define ACE_HEALTH_EVERY_MS	3000	/* get_version of every engine */
#define ACE_STAT_EVERY_MS	2000	/* stat_url of every session */
#define ACE_MONITOR_TICK_MS	200
#define ACE_HTTP_TIMEOUT_MS	2000	/* health, stat and stop requests */
#define ACE_REFUSAL_MIN_MS	2000	/* an engine's refusal is kept at least
					 * this long (error_cache = 0 too), so
					 * the players waiting for it get it */

extern const struct origin_ops ace_origin;

#endif
