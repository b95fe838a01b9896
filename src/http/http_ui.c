/*
 * http_ui.c - the built-in status page: GET / and /ui (the HTML), and
 * /ui/app.css, /ui/app.js, /ui/graph.js.
 *
 * The files live in src/http/ui/ and are compiled into the binary
 * (uifiles.h), so the page needs no build step, no CDN and no file on
 * disk.  The page itself reads /status and /history and follows
 * /events; everything it loads comes from this origin, which lets it run
 * under a strict Content-Security-Policy (no inline script or style,
 * nothing from elsewhere).  Answers
 * carry a strong ETag (a hash of the file) and "Cache-Control: no-cache",
 * so a browser revalidates and gets 304 until the binary changes.
 * `ui = false;` turns the routes off (404, like any unknown path).
 * Registered in routes.c for "/" and every path under "/ui".
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "uifiles.h"
#include "http.h"
#include "routes.h"
#include "util.h"

#define UI_CSP	"default-src 'none'; script-src 'self'; style-src 'self'; " \
		"img-src 'self' data:; connect-src 'self'; media-src 'self'; " \
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
#define UI_ETAG_MAX	24

static const struct {
	const char	*url;
	const char	*file;
	const char	*type;
} ui_routes[] = {
	{ "/",			"index.html",	"text/html; charset=utf-8" },
	{ "/ui",		"index.html",	"text/html; charset=utf-8" },
	{ "/ui/",		"index.html",	"text/html; charset=utf-8" },
	{ "/ui/app.css",	"app.css",	"text/css; charset=utf-8" },
	{ "/ui/app.js",		"app.js",	"text/javascript; charset=utf-8" },
	{ "/ui/graph.js",	"graph.js",	"text/javascript; charset=utf-8" },
};

static const struct ui_file *
ui_file_find(const char *name)
{
	size_t i;

	for (i = 0; i < ui_files_count; i++)
		if (strcmp(ui_files[i].name, name) == 0)
			return &ui_files[i];
	return NULL;
}

/* "\"<FNV-1a 64 of the file>\"": the same for the same bytes. */
static void
ui_etag(const struct ui_file *f, char out[UI_ETAG_MAX])
{
	uint64_t h = fnv1a64(FNV1A64_BASIS, f->data, f->len);

	snprintf(out, UI_ETAG_MAX, "\"%016llx\"", (unsigned long long)h);
}

static enum MHD_Result
ui_send(struct MHD_Connection *conn, const struct ui_file *f,
    const char *type)
{
	char etag[UI_ETAG_MAX];
	const char *const hdrs[] = {
		"Content-Type", type, "ETag", etag, "Cache-Control", "no-cache",
		"Content-Security-Policy", UI_CSP,
		"X-Content-Type-Options", "nosniff",
		"Referrer-Policy", "no-referrer", "X-Frame-Options", "DENY",
		NULL
	};
	struct MHD_Response *r;
	unsigned status = MHD_HTTP_OK;

	ui_etag(f, etag);
	if (http_not_modified(conn, etag))
		status = MHD_HTTP_NOT_MODIFIED;
	/* HEAD: libmicrohttpd sends the headers (length included) only */
	if (status == MHD_HTTP_NOT_MODIFIED)
		r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(f->len, (void *)f->data,
		    MHD_RESPMEM_PERSISTENT);
	/* a 304 has no Content-Type: the list starts after it */
	return http_send(conn, status, r, status == MHD_HTTP_OK ? hdrs :
	    hdrs + 2);
}

/* GET or HEAD (libmicrohttpd drops the body of a HEAD itself). */
enum MHD_Result
http_ui_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	const struct ui_file *f;
	size_t i;

	(void)method;
	(void)con_cls;
	if (!atomic_load(&w->st->ui_enabled))
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	for (i = 0; i < sizeof(ui_routes) / sizeof(ui_routes[0]); i++) {
		if (strcmp(url, ui_routes[i].url) != 0 ||
		    (f = ui_file_find(ui_routes[i].file)) == NULL)
			continue;
		return ui_send(conn, f, ui_routes[i].type);
	}
	return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}
