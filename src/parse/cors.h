/*
 * cors.h - Cross-Origin Resource Sharing decisions for the HTTP routes.
 *
 * Pure logic (no I/O): the HTTP helper layer asks what to answer and adds
 * the headers.  LIST is cors_origins as the state segment holds it: the
 * origins joined by "\n", "*" meaning any origin, "" meaning CORS off.
 */
#ifndef RINGCAST_CORS_H
#define RINGCAST_CORS_H

#include <stddef.h>

enum cors_class {
	CORS_PLAYER = 0,	/* streams, playlists, status: "*" allowed */
	CORS_ADMIN,		/* /admin/...: only origins listed by name */
};

#define CORS_MAX_AGE_S		"7200"	/* preflight cache (Chromium's cap) */
/* Response headers a page may read beyond the CORS-safelisted ones. */
#define CORS_EXPOSE_HEADERS	"Content-Length, Content-Range, " \
				"Accept-Ranges, Retry-After"
#define CORS_PLAYER_METHODS	"GET, HEAD, OPTIONS"
#define CORS_ADMIN_METHODS	"POST, OPTIONS"
#define CORS_ALLOW_HEADERS_MAX	512	/* bytes of the answer, NUL included */

struct cors_decision {
	/* Access-Control-Allow-Origin: "*", the request's ORIGIN, or NULL
	 * (no header: the browser keeps the answer from the page). */
	const char	*allow_origin;
	/* 1: the answer depends on Origin (add "Vary: Origin"). */
	int		 vary;
};

/* What to answer a request from ORIGIN (NULL: no Origin header). */
void	 cors_decide(const char *list, const char *origin, enum cors_class,
	    struct cors_decision *);
/*
 * Access-Control-Allow-Headers for a preflight whose
 * Access-Control-Request-Headers was REQUESTED (NULL: none): the headers
 * the class always allows (Range for players, Authorization and
 * Content-Type for admin) and those of REQUESTED that are harmless to
 * allow, lower-case, comma-separated, into OUT (cut to whole names).
 */
void	 cors_allow_headers(const char *requested, enum cors_class,
	    char *out, size_t outsz);

#endif
