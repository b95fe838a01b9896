/*
 * channels_json.h - the lineup as GET /channels and `ringcastctl
 * channels` show it: every channel with its URLs, its sources' URLs
 * with credentials hidden and its state from the state segment.
 */
#ifndef RINGCAST_CHANNELS_JSON_H
#define RINGCAST_CHANNELS_JSON_H

#include "channels_doc.h"
#include "json.h"
#include "state.h"

/* "running" (its stream has a fetcher), "idle", or "shadowed" (a stream
 * of another origin, a configured one, has NAME). */
const char *channels_state(const struct state *, const char *name);
/* The state of channel C: "disabled" (enabled = false in `channels`),
 * else channels_state's, an AceStream channel's being that of the
 * content-id stream it plays as. */
const char *channels_entry_state(const struct state *,
	    const struct channels_entry *c);
/* The AceStream input of channel C: the stream key and the engine
 * arguments /ace/getstream would give it (ace_input.h; a magnet plays
 * as its infohash).  0, or -1 when C is not a readable AceStream
 * link. */
int	 channels_ace_input(const struct channels_entry *c, char *to,
	    size_t tosz, char *args, size_t argssz);
/* Append {"sources":{...},"channels":[...]} of DOC to B, only the
 * channels of GROUP when not NULL.  -1 when B failed. */
int	 channels_json(const struct channels_doc *doc, const struct state *st,
	    const char *group, struct buf *b);

/* Append DOC's channels (of GROUP when not NULL) as extended-M3U
 * entries pointing at BASE_URL/stream/NAME, after the #EXTM3U line;
 * channels shadowed by a configured stream and disabled ones are left
 * out. */
int	 channels_playlist_m3u(const struct channels_doc *doc,
	    const struct state *st, const char *base_url, const char *group,
	    struct buf *b);

/* B holds a JSON object (status_json): add "sources":{...} of DOC to
 * it, each source's last refresh, channels, skipped and error.  -1 when
 * B failed. */
int	 channels_status_sources(const struct channels_doc *doc,
	    struct buf *b);

/* The LEN bytes of JSON at JSON (what channels_json made) as a table
 * for people into B: each source's last refresh, then a line a channel
 * (number, name, state, group, source, title).  -1 when JSON is not
 * such a document or B failed. */
int	 channels_text(const char *json, size_t len, struct buf *b);

#endif
