/*
 * cors.c - Cross-Origin Resource Sharing decisions.
 *
 * Players in web pages (hls.js, video.js, Shaka) fetch playlists and
 * segments from another origin than the page, so every player route
 * answers with Access-Control-Allow-Origin from cors_origins: "*" when the
 * list holds "*", else the request's Origin when it is listed (and then
 * "Vary: Origin", so that a cache never hands one origin's answer to
 * another), else nothing.  Admin routes never answer "*": a page may
 * drive /admin only from an origin the operator named.
 *
 * Nothing here needs credentials (cookies, HTTP auth): ringcast never
 * sends Access-Control-Allow-Credentials, so a page that calls an admin
 * route must hold the bearer token itself.
 *
 * Pure: string work only, unit-tested in tests/unit/test_cors.c.
 */
#include <string.h>
#include <strings.h>

#include "cors.h"

/*
 * Request headers a preflight may ask for on player routes: they only
 * choose a part or a representation of what GET returns anyway (Range,
 * conditionals, caching), resume an event stream (Last-Event-ID), or
 * carry the optional bearer token of /events (no ambient credential is
 * ever accepted cross-origin, so allowing it gives a page nothing it did
 * not already hold).
 */
static const char *const cors_player_safe[] = {
	"range", "accept", "accept-language", "content-language",
	"cache-control", "pragma", "if-none-match", "if-modified-since",
	"if-range", "last-event-id", "authorization",
};
static const char *const cors_admin_safe[] = {
	"authorization", "content-type", "accept",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* 1 when ORIGIN (LEN bytes) is one of LIST's lines (ASCII case aside). */
static int
cors_listed(const char *list, const char *origin, size_t len, int *any)
{
	const char *p = list, *nl;
	size_t n;
	int found = 0;

	*any = 0;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n == 1 && p[0] == '*')
			*any = 1;
		else if (origin != NULL && n == len &&
		    strncasecmp(p, origin, n) == 0)
			found = 1;
		p += n;
		if (*p == '\n')
			p++;
	}
	return found;
}

void
cors_decide(const char *list, const char *origin, enum cors_class cls,
    struct cors_decision *d)
{
	size_t len = origin != NULL ? strlen(origin) : 0;
	int any, listed;

	d->allow_origin = NULL;
	d->vary = 0;
	if (list == NULL || list[0] == '\0')
		return;				/* CORS off */
	listed = cors_listed(list, origin, len, &any);
	if (cls == CORS_PLAYER && any) {
		d->allow_origin = "*";
		return;
	}
	d->vary = 1;
	/* only a listed origin is echoed: it passed config's checks, so it
	 * is safe in a header (no CR, LF or control byte) */
	if (listed && len > 0)
		d->allow_origin = origin;
}

static int
cors_is_safe(const char *name, size_t len, enum cors_class cls)
{
	const char *const *set = cls == CORS_ADMIN ? cors_admin_safe :
	    cors_player_safe;
	size_t i, n = cls == CORS_ADMIN ? NELEM(cors_admin_safe) :
	    NELEM(cors_player_safe);

	for (i = 0; i < n; i++)
		if (strlen(set[i]) == len && strncasecmp(set[i], name, len) == 0)
			return 1;
	return 0;
}

/* Append NAME (LEN bytes) to OUT unless there or it does not fit. */
static void
cors_append(char *out, size_t outsz, const char *name, size_t len)
{
	size_t used = strlen(out), i;
	const char *p = out;

	while (*p != '\0') {		/* already listed? */
		size_t n = strcspn(p, ",");

		if (n == len && strncasecmp(p, name, len) == 0)
			return;
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
	if (used + (used ? 2 : 0) + len + 1 > outsz)
		return;
	if (used > 0) {
		out[used++] = ',';
		out[used++] = ' ';
	}
	for (i = 0; i < len; i++) {
		char ch = name[i];

		out[used++] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
	}
	out[used] = '\0';
}

void
cors_allow_headers(const char *requested, enum cors_class cls, char *out,
    size_t outsz)
{
	const char *p = requested;
	size_t n;

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (cls == CORS_ADMIN) {
		cors_append(out, outsz, "authorization", 13);
		cors_append(out, outsz, "content-type", 12);
	} else
		cors_append(out, outsz, "range", 5);
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ", \t");
		if (n > 0 && cors_is_safe(p, n, cls))
			cors_append(out, outsz, p, n);
		p += n;
	}
}
