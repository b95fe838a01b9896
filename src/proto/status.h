/*
 * status.h - the daemon's status, built from shared memory only, so the
 * supervisor (control socket) and every worker (/status, /metrics) give
 * the same answer without asking anyone.
 */
#ifndef RINGCAST_STATUS_H
#define RINGCAST_STATUS_H

/* Players listed in /status ("players"; the rest counted in
 * "players_not_shown"; `ringcastctl clients` lists every one). */
#define STATUS_CLIENTS_MAX	1000

#include "json.h"
#include "state.h"

int	 status_json(const struct state *, struct buf *);
/*
 * /status as a user sees it (access = "users", not the admin): only the
 * streams MAY_SEE accepts (by name and origin), and nothing that names
 * an upstream (url, parent, last_error, the engines).  F NULL: the
 * admin's view, status_json.
 */
struct status_filter {
	int	(*may_see)(void *arg, const char *name, int origin);
	void	*arg;
};
int	 status_json_view(const struct state *, const struct status_filter *f,
	    struct buf *);
int	 status_text(const struct state *, struct buf *);
int	 status_prometheus(const struct state *, struct buf *);
int	 status_playlist_m3u(const struct state *, const char *base_url,
	    struct buf *);
/* The same, only the streams of GROUP when not NULL; the channels of
 * the lineup are not in it (channels_playlist_m3u adds them).  EPG_URL
 * (NULL: none) is the guide's URL, given as url-tvg on #EXTM3U. */
int	 status_playlist_m3u_group(const struct state *, const char *base_url,
	    const char *group, const char *epg_url, struct buf *);

#endif
