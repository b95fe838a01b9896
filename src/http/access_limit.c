/*
 * access_limit.c - a user's max_connections, counted across every
 * worker.
 *
 * Nothing is counted apart: a user's players are the records that
 * already list every player in the state segment, a TS record of the
 * client table (a /stream/, /tuner/ or /ace/getstream connection) and an
 * HLS entry of hls_players (one address and User-Agent, however many
 * requests it makes), each naming its user.  So the count cannot leak
 * or drift: a player that leaves frees its record, the supervisor frees
 * a dead worker's records (client_table_reset) and an HLS player that
 * falls silent expires.  Counting walks both tables (16384 entries);
 * only a request that would start a new player of a user with a limit
 * pays it.
 *
 * At the limit, users_over_limit decides: "refuse" answers 429 with
 * Retry-After; "close_oldest" closes the user's oldest player and lets
 * the new one in, as an IPTV app that zaps expects.  Closing a TS
 * player sets its record's closing flag, which the worker holding it
 * sees within about a second (its sender's check, its content reader
 * or its wake loop) and ends the response; an HLS player's entry is
 * dropped at once, so its next request is a new player, counted anew.
 *
 * An HLS request is of a known player when its stream's entry for its
 * address and User-Agent exists, or, at the limit, when the user has an
 * entry of that address and User-Agent on any stream (a lineup channel
 * asked by its name, played as a stream of another).
 *
 * The check comes before the route runs, while a TS record is claimed
 * once the stream answers: requests of one user that came together, or
 * waited together for a stream to start, can all pass it.  So the count
 * is taken again once a new player is listed (http_client_over_limit,
 * hls_player_over_limit): over the limit, it is refused (429) and its
 * record freed.  Claim first, count second: never a player too many;
 * in a close race every racer may count the others and be refused.
 *
 * Calls: the client table and hls_players (state segment),
 * clients_view.c (the count), hls_player.c, hls_path.c, hdhr.h (paths).
 */
#include <string.h>

#include "access.h"
#include "clients_view.h"
#include "hdhr.h"
#include "hls_path.h"
#include "hls_player.h"
#include "log.h"
#include "util.h"

#define LIMIT_CLOSE_TRIES	4	/* oldest players closed at most, per
					   new one (more: others raced in) */

enum limit_route {
	LIMIT_NONE = 0,	/* not a player: a list, a page, a document */
	LIMIT_TS,
	LIMIT_HLS,
};

static enum limit_route
limit_route(const char *url)
{
	if (strncmp(url, "/stream/", 8) == 0 ||
	    strncmp(url, HDHR_STREAM_PATH, strlen(HDHR_STREAM_PATH)) == 0 ||
	    strcmp(url, "/ace/getstream") == 0 ||
	    strcmp(url, "/ace/getstream/") == 0)
		return LIMIT_TS;
	if (strncmp(url, HLS_PATH_PREFIX, strlen(HLS_PATH_PREFIX)) == 0)
		return LIMIT_HLS;
	return LIMIT_NONE;
}

/* Whether URL is a request of an HLS player already counted. */
static int
limit_hls_known(struct worker *w, struct MHD_Connection *conn,
    const char *url)
{
	char name[CONFIG_NAME_MAX + 1];
	const char *file;
	int slot;

	return hls_path_split(url, name, sizeof(name), &file) == 0 &&
	    (slot = state_find(w->st, name)) != -1 &&
	    hls_player_known(w, conn, slot);
}

/* Close candidate I of clients_of_user: 0, or -1 when it was gone. */
static int
limit_close(struct worker *w, const char *user, int i)
{
	struct client_view v;

	if (i < CLIENT_TABLE_SIZE) {
		/* still the user's: not a record freed and claimed again */
		if (!client_table_read(&w->st->client_tab, i, &v) ||
		    strcmp(v.user, user) != 0)
			return -1;
		client_table_close(&w->st->client_tab, i);
		return 0;
	}
	if (strcmp(w->st->hls_players[i - CLIENT_TABLE_SIZE].user, user) != 0 ||
	    hls_player_drop(w, (size_t)(i - CLIENT_TABLE_SIZE)) == -1)
		return -1;
	log_info("an HLS player of user %s forgotten: its user opened more "
	    "than max_connections", user);
	return 0;
}

int
access_limit_admit(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *user, int max, int close_oldest)
{
	enum limit_route route = limit_route(url);
	int n, oldest, tries;

	if (max <= 0 || user[0] == '\0' || route == LIMIT_NONE ||
	    (route == LIMIT_HLS && limit_hls_known(w, conn, url)))
		return 0;
	n = clients_of_user(w->st, user, &oldest);
	/* a playlist asked by a name its stream does not have (a channel
	 * played as a content id): the player, if known, is known by its
	 * address and User-Agent */
	if (n >= max && route == LIMIT_HLS && hls_player_of_user(w, conn, user))
		return 0;
	for (tries = 0; close_oldest && n >= max && oldest != -1 &&
	    tries < LIMIT_CLOSE_TRIES; tries++) {
		(void)limit_close(w, user, oldest);
		n = clients_of_user(w->st, user, &oldest);
	}
	return n < max ? 0 : -1;
}
