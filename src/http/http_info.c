/*
 * http_info.c - the informational routes: /status (JSON), /metrics
 * (Prometheus text), /healthz and /playlist.m3u.
 *
 * Every answer is rendered from shared memory by status.c (and the
 * playlist's channels of the lineup from STATE_DIR/channels.json);
 * nothing here asks another process.  With access = "users" the
 * playlist lists a user only what that user may play, and its URLs
 * carry the request's credential (the path form is in the base URL, so
 * cached per token; the filter and the query form apply to the cached
 * copy per request); /status shows a user only the streams that user
 * may watch, without upstream URLs.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "channels_json.h"
#include "http.h"
#include "lineup_cache.h"
#include "metrics.h"
#include "routes.h"
#include "status.h"

/* http(s)://HOST of the request, for absolute URLs in the playlist. */
static void
http_base_url(struct MHD_Connection *conn, char *out, size_t outsz)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST);
	size_t i;

	if (host == NULL || host[0] == '\0' || strlen(host) > 255)
		host = "localhost";
	for (i = 0; host[i] != '\0'; i++)	/* no header injection */
		if ((unsigned char)host[i] <= ' ' || host[i] == '"' ||
		    host[i] == '/')
			host = "localhost";
	snprintf(out, outsz, "%s://%s", http_request_https(conn) ? "https" :
	    "http", host);
}

/* GET /metrics/performance[?operation=OP][&window=SECONDS] */
static enum MHD_Result
http_performance(struct worker *w, struct MHD_Connection *conn)
{
	const char *op = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "operation");
	const char *win = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "window");
	double window_s = 0;
	struct buf b;

	if (win != NULL && metrics_parse_window(win, &window_s) == -1)
		return http_error(conn, MHD_HTTP_BAD_REQUEST,
		    "window must be a number of seconds");
	if (op != NULL && metrics_op_from_name(op) == -1)
		return http_error(conn, MHD_HTTP_BAD_REQUEST,
		    "unknown operation");
	buf_init(&b);
	if (metrics_json(w->metrics, op, window_s, metrics_now_ms(), &b) == -1)
		buf_free(&b);
	return http_reply_buf(conn, MHD_HTTP_OK, "application/json", &b,
	    b.data != NULL ? buf_puts(&b, "\n") : -1);
}

/* The playlist of K into B: the streams, then the lineup's channels. */
static int
http_playlist_render(struct worker *w, const struct playlist_key *k,
    const char *epg, struct buf *b)
{
	if (status_playlist_m3u_group(w->st, k->base, k->group,
	    k->epg ? epg : NULL, b) == -1)
		return -1;
	if (k->snap != NULL)
		return channels_playlist_m3u(&k->snap->doc, w->st, k->base,
		    k->group, b);
	return 0;
}

/*
 * The cached playlist BLOB (let go of) as a user sees it: only the
 * entries the user may play, their URLs with ?token=TOKEN when the
 * request came with one.
 */
static enum MHD_Result
http_playlist_user(struct worker *w, struct MHD_Connection *conn,
    struct lineup_blob *blob, const char *base)
{
	struct access_play ap = { w, conn };
	const char *token;
	struct buf f, b;
	int rc;

	buf_init(&f);
	buf_init(&b);
	rc = cred_playlist_filter(blob->data, blob->len, base,
	    access_may_play, &ap, &f);
	lineup_blob_put(blob);
	if (rc == 0 && access_form(conn, &token) == CRED_QUERY)
		rc = cred_playlist_rewrite(f.data, f.len, CRED_QUERY, token,
		    base, &b);
	else if (rc == 0)
		buf_append(&b, f.data, f.len);
	buf_free(&f);
	return http_reply_buf(conn, MHD_HTTP_OK, "audio/x-mpegurl", &b, rc);
}

/*
 * GET /playlist.m3u[?group=G]: the streams, then the channels of the
 * lineup (STATE_DIR/channels.json, when there are sources); url-tvg
 * names /epg.xml when the source process has built a guide.  Rendered
 * once per version of what it shows (lineup_cache.h) and served from
 * that copy.
 */
static enum MHD_Result
http_playlist(struct worker *w, struct MHD_Connection *conn, struct buf *b)
{
	struct playlist_key k;
	struct lineup_blob *blob;
	struct MHD_Response *r;
	char base[300 + CONFIG_TOKEN_MAX], epg[320 + CONFIG_TOKEN_MAX];
	const char *hdrs[] = { "Content-Type", "audio/x-mpegurl", NULL };
	const char *token;

	http_base_url(conn, base, sizeof(base));
	if (access_form(conn, &token) == CRED_PATH)
		snprintf(base + strlen(base), sizeof(base) - strlen(base),
		    "/u/%s", token);
	snprintf(epg, sizeof(epg), "%s/epg.xml", base);
	memset(&k, 0, sizeof(k));
	k.base = base;
	k.group = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "group");
	k.slots = state_cfg_fingerprint(w->st);
	k.epg = access(w->epg_file, F_OK) == 0;
	if (atomic_load(&w->st->lineup_mode))
		k.snap = lineup_snap_get(w->channels_file);
	if ((blob = lineup_playlist_find(&k)) == NULL) {
		if (http_playlist_render(w, &k, epg, b) == -1 || b->failed ||
		    (blob = lineup_playlist_store(&k, b->data, b->len)) ==
		    NULL) {
			lineup_snap_put(k.snap);
			return http_reply_buf(conn, MHD_HTTP_OK,
			    "audio/x-mpegurl", b, -1);
		}
	}
	lineup_snap_put(k.snap);
	buf_free(b);
	if (access_on())	/* the admin's too: its query token */
		return http_playlist_user(w, conn, blob, base);
	r = MHD_create_response_from_buffer_with_free_callback_cls(blob->len,
	    blob->data, lineup_blob_put, blob);
	if (r == NULL) {
		lineup_blob_put(blob);
		return MHD_NO;
	}
	return http_send(conn, MHD_HTTP_OK, r, hdrs);
}

/* GET /status: the state segment, and the sources of the lineup. */
static enum MHD_Result
http_status(struct worker *w, struct MHD_Connection *conn, struct buf *b)
{
	struct status_filter f = { access_may_see, conn };
	struct lineup_snap *snap = NULL;
	int admin = access_admin(conn), rc;

	rc = status_json_view(w->st, admin ? NULL : &f, b);
	if (rc == 0 && admin && atomic_load(&w->st->lineup_mode) &&
	    (snap = lineup_snap_get(w->channels_file)) != NULL)
		rc = channels_status_sources(&snap->doc, b);
	lineup_snap_put(snap);
	return http_reply_buf(conn, MHD_HTTP_OK, "application/json", b,
	    rc == 0 ? buf_puts(b, "\n") : -1);
}

static int
http_healthy(struct worker *w)
{
	return kill(w->st->supervisor_pid, 0) == 0 || errno == EPERM;
}

enum MHD_Result
http_info_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	struct buf b;

	buf_init(&b);
	if (strcmp(url, "/status") == 0)
		return http_status(w, conn, &b);
	if (strcmp(url, "/metrics") == 0)
		return http_reply_buf(conn, MHD_HTTP_OK,
		    "text/plain; version=0.0.4; charset=utf-8", &b,
		    status_prometheus(w->st, &b));
	if (strcmp(url, "/metrics/performance") == 0)
		return http_performance(w, conn);
	if (strcmp(url, "/playlist.m3u") == 0 ||
	    strcmp(url, "/playlist.m3u8") == 0)
		return http_playlist(w, conn, &b);
	if (strcmp(url, "/healthz") == 0) {
		if (http_healthy(w))
			return http_reply(conn, MHD_HTTP_OK, "text/plain",
			    "ok\n", 3);
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "supervisor is not running");
	}
	return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}
