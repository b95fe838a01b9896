/*
 * hls_player.h - the HLS players of every stream, known by address and
 * User-Agent in a table in shared memory (hls_player.c).
 */
#ifndef RINGCAST_HLS_PLAYER_H
#define RINGCAST_HLS_PLAYER_H

#include "http.h"

/*
 * Record a request of the player on CONN for SLOT (configured as CFG) in
 * the shared table, and the stream's activity.  A new player is admitted
 * (counted, client_connected) if the stream and the server have room;
 * when not, NULL and *FULL set (answer 503).  NULL with *FULL untouched
 * when the table has no free entry near the player's key (served, not
 * counted).
 */
struct hls_player *hls_player_touch(struct worker *, struct MHD_Connection *,
	    int slot, const struct slot_cfg *, int *full);
/* Forget the players silent longer than their timeout
 * (client_disconnected); any worker may, each player once. */
void	 hls_player_expire(struct worker *);

#endif
