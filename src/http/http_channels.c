/*
 * http_channels.c - GET /channels: the lineup of the channel lists
 * (`sources`), as JSON (channels_json.h).
 *
 * Read from STATE_DIR/channels.json (channels_doc.h), which the source
 * process renames over the old one, so a request sees one whole lineup
 * without asking another process; parsed once per version
 * (lineup_cache.h).  ?group=G keeps the channels of group
 * G.  Without sources (or before the first list arrived) the lineup is
 * empty, not an error.
 */
#include <errno.h>
#include <string.h>

#include "channels_json.h"
#include "http.h"
#include "lineup_cache.h"
#include "routes.h"

enum MHD_Result
http_channels_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	const char *group = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "group");
	static const struct channels_doc none;
	struct lineup_snap *snap;
	enum MHD_Result ret;
	struct buf b;

	(void)url;
	(void)method;
	(void)con_cls;
	if ((snap = lineup_snap_get(w->channels_file)) == NULL &&
	    errno != ENOENT)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the lineup cannot be read");
	buf_init(&b);
	if (channels_json(snap != NULL ? &snap->doc : &none, w->st, group,
	    &b) == -1 ||
	    buf_puts(&b, "\n") == -1)
		ret = http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory");
	else
		ret = http_reply(conn, MHD_HTTP_OK, "application/json", b.data,
		    b.len);
	lineup_snap_put(snap);
	buf_free(&b);
	return ret;
}
