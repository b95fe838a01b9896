/*
 * http_channels.c - GET /channels: the lineup of the channel lists
 * (`sources`), as JSON (channels_json.h).
 *
 * Read from STATE_DIR/channels.json (channels_doc.h), which the source
 * process renames over the old one, so a request sees one whole lineup
 * without asking another process.  ?group=G keeps the channels of group
 * G.  Without sources (or before the first list arrived) the lineup is
 * empty, not an error.
 */
#include <errno.h>
#include <string.h>

#include "channels_json.h"
#include "http.h"
#include "routes.h"

enum MHD_Result
http_channels_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	const char *group = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "group");
	struct channels_doc doc;
	enum MHD_Result ret;
	char err[256];
	struct buf b;

	(void)url;
	(void)method;
	(void)con_cls;
	if (channels_doc_load(w->channels_file, &doc, err, sizeof(err)) == -1 &&
	    errno != ENOENT)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the lineup cannot be read");
	buf_init(&b);
	if (channels_json(&doc, w->st, group, &b) == -1 ||
	    buf_puts(&b, "\n") == -1)
		ret = http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory");
	else
		ret = http_reply(conn, MHD_HTTP_OK, "application/json", b.data,
		    b.len);
	channels_doc_free(&doc);
	buf_free(&b);
	return ret;
}
