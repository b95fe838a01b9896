/*
 * http_history.c - GET /history: the last hour of a stream (samples and
 * marks, history.h), for the status page's graphs and for dashboards.
 *
 * The supervisor samples; this route only reads the state segment
 * (history_json.c builds the answer), so it costs the supervisor
 * nothing, works while the supervisor is busy (the missing samples
 * show as null) and answers the same from any worker, a restarted one
 * too.  `?stream=NAME` is that stream's history (404 for an unknown
 * stream); without it, the interval and the names of the streams that
 * have one.  CORS as every player route: http_reply goes through
 * http_queue.
 */
#include "history_json.h"
#include "http.h"
#include "routes.h"
#include "util.h"

static enum MHD_Result
http_history_reply(struct MHD_Connection *conn, struct buf *b, int rc)
{
	enum MHD_Result ret;

	if (rc == -1 || buf_puts(b, "\n") == -1 || b->failed)
		ret = http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "cannot read the history");
	else
		ret = http_reply(conn, MHD_HTTP_OK, "application/json",
		    b->data, b->len);
	buf_free(b);
	return ret;
}

enum MHD_Result
http_history_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	const char *name = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "stream");
	struct buf b;
	int slot;

	(void)url;
	(void)method;
	(void)con_cls;
	buf_init(&b);
	if (name == NULL)
		return http_history_reply(conn, &b,
		    history_list_json(w->st, &b));
	if ((slot = state_find(w->st, name)) == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	return http_history_reply(conn, &b,
	    history_json(w->st, slot, wall_ms(), &b));
}
