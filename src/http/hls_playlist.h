/*
 * hls_playlist.h - HLS media playlists served from the shared playlist
 * cache through a worker's own copy (hls_playlist.c).
 */
#ifndef RINGCAST_HLS_PLAYLIST_H
#define RINGCAST_HLS_PLAYLIST_H

#include "hls_cache.h"
#include "http.h"

/*
 * Answer a request for the playlist of SLOT (configured as CFG) in
 * VARIANT: at once when the stream has a segment, else suspended until
 * its first one (503 when none comes in time, 404 when the stream went
 * away).  *CON_CLS is the request's, as the route got it.
 */
enum MHD_Result hls_playlist_serve(struct worker *, struct MHD_Connection *,
	    int slot, const struct slot_cfg *, enum hls_cache_variant,
	    void **con_cls);
/* Let go of the copies (and ring mappings) of rings no longer current:
 * a stopped stream's ring is unmapped here, not kept until its next
 * playlist request. */
void	 hls_playlist_expire(struct worker *);

#endif
