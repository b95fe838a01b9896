/*
 * http_info.c - the informational routes: /status (JSON), /metrics
 * (Prometheus text), /healthz and /playlist.m3u.
 *
 * Every answer is rendered from shared memory by status.c (and the
 * playlist's channels of the lineup from STATE_DIR/channels.json);
 * nothing here asks another process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channels_json.h"
#include "http.h"
#include "metrics.h"
#include "routes.h"
#include "status.h"

/* http://HOST of the request, for absolute URLs in the playlist. */
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
	snprintf(out, outsz, "http://%s", host);
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

/*
 * GET /playlist.m3u[?group=G]: the streams, then the channels of the
 * lineup (STATE_DIR/channels.json, when there are sources); url-tvg
 * names /epg.xml when the source process has built a guide.
 */
static enum MHD_Result
http_playlist(struct worker *w, struct MHD_Connection *conn, struct buf *b)
{
	const char *group = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "group");
	struct channels_doc doc;
	char base[300], err[256], epg[320];
	int rc;

	http_base_url(conn, base, sizeof(base));
	snprintf(epg, sizeof(epg), "%s/epg.xml", base);
	rc = status_playlist_m3u_group(w->st, base, group,
	    access(w->epg_file, F_OK) == 0 ? epg : NULL, b);
	if (rc == 0 && atomic_load(&w->st->lineup_mode) &&
	    channels_doc_load(w->channels_file, &doc, err, sizeof(err)) == 0) {
		rc = channels_playlist_m3u(&doc, w->st, base, group, b);
		channels_doc_free(&doc);
	}
	return http_reply_buf(conn, MHD_HTTP_OK, "audio/x-mpegurl", b, rc);
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
		return http_reply_buf(conn, MHD_HTTP_OK, "application/json", &b,
		    status_json(w->st, &b) == 0 && (!atomic_load(
		    &w->st->lineup_mode) || channels_status_sources(
		    w->channels_file, &b) == 0) ? buf_puts(&b, "\n") : -1);
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
