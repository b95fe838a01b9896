/*
 * hls_segment.h - HLS segments served from the stream's ring, whole or
 * the range a Range header asks for (hls_segment.c).
 */
#ifndef RINGCAST_HLS_SEGMENT_H
#define RINGCAST_HLS_SEGMENT_H

#include <stdint.h>

#include "http.h"

/*
 * Answer a request for segment SEQ of SLOT: 200 with the segment, 206
 * with the range its Range header asks for, 416 when that range is not
 * in it, 404 when the ring does not hold it or it is MAX_SEGMENTS or
 * more behind the newest.  WHO (NULL: not counted) is the player, whose
 * byte count grows by what is sent.
 */
enum MHD_Result hls_segment_serve(struct worker *, struct MHD_Connection *,
	    int slot, uint64_t seq, struct hls_player *who,
	    uint32_t max_segments);
/* Drop the kept responses of segments of rings no longer current. */
void	 hls_segment_expire(struct worker *);

#endif
