/*
 * access.h - who may watch, in the worker (access.c): the credential of
 * each request checked before its route runs, the users of the
 * configuration and of users_file (reloaded when it changes), and what
 * the routes that write URLs need to know of the credential.
 */
#ifndef RINGCAST_ACCESS_H
#define RINGCAST_ACCESS_H

#include "cred.h"
#include "http.h"

/* At the worker's start, from its configuration and its listening
 * sockets FDS (in the order of the configuration's listen): 0, or -1. */
int	 access_start(struct worker *, const struct config *, const int *fds,
	    int n_fds);
/* About once a second (routes_tick): reread users_file if it changed. */
void	 access_tick(struct worker *);
/* 1 when access = "users". */
int	 access_on(void);
/*
 * Every call of the access handler, before anything else: note the
 * request's credential form for the URL writers and, with access =
 * "users", return URL without a /u/TOKEN prefix (URL itself otherwise).
 * *BAD is set when the prefix is malformed (answer 404).
 */
const char *access_begin(struct MHD_Connection *, const char *url, int *bad);
/*
 * A new request for URL on a route with FLAGS (HTTP_ROUTE_*): 0 when it
 * may go on; -1 when it was answered (*RET): 401 without a credential or
 * with a wrong one, 403 for a user whose allow excludes what URL plays
 * (or a route only the admin and internal addresses reach).  Nothing has
 * started a stream or asked an engine by then.
 */
int	 access_check(struct worker *, struct MHD_Connection *,
	    const char *url, int flags, enum MHD_Result *ret);
/* The current request's credential form and token (*TOKEN: NULL with
 * CRED_NONE, always CRED_NONE with access = "open"). */
/* Whether a request for URL of USER (limit MAX, 0: none) may make a new
 * player (access_limit.c): 0, or -1 at the limit (CLOSE_OLDEST: when
 * the user's oldest could not be closed). */
int	 access_limit_admit(struct worker *, struct MHD_Connection *,
	    const char *url, const char *user, int max, int close_oldest);
enum cred_form access_form(struct MHD_Connection *, const char **token);
/* /status: whether the current request sees everything (the admin, or
 * access = "open"), else whether it may see stream NAME of ORIGIN. */
int	 access_admin(struct MHD_Connection *);
int	 access_may_see(void *conn, const char *name, int origin);
/* /playlist.m3u (cred_playlist_filter): whether the current request may
 * play PATH ("/stream/NAME", "/ace/getstream?id=..."; anything else:
 * yes).  ARG is a struct access_play. */
struct access_play {
	struct worker		*w;
	struct MHD_Connection	*conn;
};
int	 access_may_play(void *arg, const char *path);

#endif
