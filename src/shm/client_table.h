/*
 * client_table.h - every TS player of every worker, one record each in
 * the state segment, for the per-client views (/status "clients",
 * `ringcastctl clients`, the status page): address, User-Agent, route,
 * since when, bytes, current rate and how far behind the live edge it
 * reads.  HLS players are in hls_players (state.h) with the same
 * figures.
 *
 * A worker claims a free record by compare-and-swap on owner (its row +
 * 1), writes the fixed fields under seq and then updates the figures
 * (atomics, about once a second); it frees the record when the player
 * leaves, and the supervisor frees a dead worker's records
 * (client_table_reset).  A player that finds the table full is served,
 * only not listed (counted in unlisted).
 *
 * A record also names the player's user (access = "users"; "" else), so
 * that any worker can count a user's players (access_limit.c), and
 * carries a closing flag: a worker that lets a user in over the limit in
 * close_oldest mode sets it on the user's oldest record, and the worker
 * holding that player ends it at its next check (about once a second).
 */
#ifndef RINGCAST_CLIENT_TABLE_H
#define RINGCAST_CLIENT_TABLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENT_TABLE_SIZE	8192	/* TS players listed at once */
#define CLIENT_ADDR_MAX		48
#define CLIENT_UA_MAX		128	/* a User-Agent, cut */
#define CLIENT_LAG_UNKNOWN	UINT32_MAX
#define CLIENT_USER_MAX		65	/* a user's name (CONFIG_NAME_MAX + 1) */

enum client_route {
	CLIENT_ROUTE_TS = 0,	/* /stream/NAME, /tuner/NAME */
	CLIENT_ROUTE_HLS,
	CLIENT_ROUTE_ACE,	/* a content id's stream */
};

struct client_rec {
	_Atomic uint32_t	 owner;		/* 0: free, else worker row + 1 */
	_Atomic uint32_t	 seq;		/* seqlock of slot..user_agent */
	uint32_t		 slot;
	uint32_t		 route;		/* enum client_route */
	uint64_t		 since_wall_ms;
	char			 addr[CLIENT_ADDR_MAX];
	char			 user_agent[CLIENT_UA_MAX];
	char			 user[CLIENT_USER_MAX];	/* "": nobody's */
	_Atomic uint32_t	 closing;	/* 1: its worker is to end it */
	_Atomic uint64_t	 bytes;
	_Atomic uint32_t	 rate_bps;	/* bits a second, last second */
	_Atomic uint32_t	 lag_ms;	/* CLIENT_LAG_UNKNOWN: not known */
};

struct client_table {
	struct client_rec	 recs[CLIENT_TABLE_SIZE];
	_Atomic uint32_t	 hint;		/* where the next claim looks */
	_Atomic uint64_t	 unlisted;	/* players the table had no room
						   for */
};

/* A consistent copy of a record's fixed fields and its figures. */
struct client_view {
	int		 slot;
	enum client_route route;
	uint64_t	 since_wall_ms;
	char		 addr[CLIENT_ADDR_MAX];
	char		 user_agent[CLIENT_UA_MAX];
	char		 user[CLIENT_USER_MAX];
	int		 closing;
	uint64_t	 bytes;
	uint32_t	 rate_bps;
	uint32_t	 lag_ms;
};

/* Claim a record for worker ROW's new player of SLOT: its index, or -1
 * (full: counted as unlisted).  UA and USER may be NULL. */
int	 client_table_claim(struct client_table *, int row, int slot,
	    enum client_route route, uint64_t since_wall_ms, const char *addr,
	    const char *ua, const char *user);
/* Ask the worker holding record I to end its player; whether record I
 * was asked to. */
void	 client_table_close(struct client_table *, int i);
int	 client_table_closing(const struct client_table *, int i);
/* The player of record I (claimed) sent BYTES in all; RATE_BPS and
 * LAG_MS as measured by its worker. */
void	 client_table_figures(struct client_table *, int i, uint64_t bytes,
	    uint32_t rate_bps, uint32_t lag_ms);
void	 client_table_release(struct client_table *, int i);
/* Free every record of worker ROW (it died). */
void	 client_table_reset(struct client_table *, int row);
/* Record I into *V: 1 when it holds a player, 0 when free or being
 * rewritten. */
int	 client_table_read(const struct client_table *, int i,
	    struct client_view *v);
const char *client_route_name(enum client_route);

#endif
