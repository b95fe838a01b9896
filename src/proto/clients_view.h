/*
 * clients_view.h - every player of every stream as people see it:
 * /status "players", `ringcastctl clients [STREAM]` and the status page.
 * Each player: its stream, route (ts, hls, ace), address, User-Agent,
 * since when, bytes, current rate and how far behind the live edge it
 * reads (lag, seconds; null when not known yet).
 */
#ifndef RINGCAST_CLIENTS_VIEW_H
#define RINGCAST_CLIENTS_VIEW_H

#include <stddef.h>

#include "json.h"
#include "state.h"

/* Call FN for each player (of STREAM when not NULL; FN's -1 stops):
 * how many it was called for, -1 when out of memory. */
int	 clients_each(const struct state *, const char *stream,
	    int (*fn)(void *arg, const char *stream,
	    const struct client_view *v), void *arg);
/*
 * The players of USER (a TS record or an HLS entry each; not those
 * asked to close): how many, and in *OLDEST the one that came first
 * (-1: none): a record of the client table below CLIENT_TABLE_SIZE,
 * else HLS entry *OLDEST - CLIENT_TABLE_SIZE.
 */
int	 clients_of_user(const struct state *, const char *user, int *oldest);
/* Append "players":[...] (at most MAX) and "players_not_shown":N (past
 * MAX, or with no room in the table) to the object B is writing. */
int	 clients_json(const struct state *, const char *stream, size_t max,
	    struct buf *b);
/* The players as a table for people, with their count. */
int	 clients_text(const struct state *, const char *stream,
	    struct buf *b);

#endif
