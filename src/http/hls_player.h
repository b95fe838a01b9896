/*
 * hls_player.h - the HLS players of every stream, known by address and
 * User-Agent in a table in shared memory (hls_player.c).
 */
#ifndef RINGCAST_HLS_PLAYER_H
#define RINGCAST_HLS_PLAYER_H

#include "http.h"

#define HLS_REFUSE_FULL		1	/* no room: 503 */
#define HLS_REFUSE_REMOVED	2	/* a removed channel: 404 */
#define HLS_REFUSE_USER		3	/* its user has max_connections: 429 */

/*
 * Record a request of the player on CONN for SLOT (configured as CFG) in
 * the shared table, and the stream's activity.  A new player is admitted
 * (counted, client_connected) if the stream and the server have room and
 * the stream is not a removed channel; when not, NULL and *FULL set to
 * HLS_REFUSE_FULL or HLS_REFUSE_REMOVED (hls_player_refused answers).
 * NULL with *FULL untouched when the table has no free entry near the
 * player's key (served, not counted).
 */
struct hls_player *hls_player_touch(struct worker *, struct MHD_Connection *,
	    int slot, const struct slot_cfg *, int *full);
/* Whether CONN's player of SLOT (address and User-Agent) is known. */
int	 hls_player_known(struct worker *, struct MHD_Connection *, int slot);
/* Whether USER has an HLS player at CONN's address and User-Agent, of
 * any stream (a playlist asked under another name than its stream's). */
int	 hls_player_of_user(struct worker *, struct MHD_Connection *,
	    const char *user);
/* Forget player I now (client_disconnected): 0, or -1 when another
 * worker forgot it first. */
int	 hls_player_drop(struct worker *, size_t i);
/* The answer to a player hls_player_touch refused for WHY (*FULL). */
enum MHD_Result hls_player_refused(struct MHD_Connection *, int why);
/* Forget the players silent longer than their timeout
 * (client_disconnected); any worker may, each player once. */
void	 hls_player_expire(struct worker *);

#endif
