/*
 * http_ace.c - content-id routes, compatible with the AceStream engine's
 * own and its proxies' URLs: GET /ace/getstream?id=ID (also content_id=
 * and infohash=) answers continuous MPEG-TS, GET /ace/manifest.m3u8?id=ID
 * answers HLS from the same ring (segments under /hls/KEY/).
 *
 * This family only finds the stream: it checks the id (exactly 40 hex
 * digits, else a JSON 400 naming the problem, and nothing is started)
 * and finds or makes the stream through the dynamic-stream mechanism
 * (http_dynamic.c).  Serving it is the TS and HLS families' job, as for
 * a named stream; routes.c, the table, hands the request over to them.
 * A player of an id that already has a stream joins its ring: one
 * engine session however many players.  An id the engine refused within
 * acestream.error_cache gets the engine's answer again at once (404 or
 * 502, JSON), without a stream or an engine request.
 */
#include <stdio.h>
#include <string.h>

#include "ace_client.h"
#include "http_dynamic.h"
#include "routes.h"
#include "util.h"

/* The id a request names, with the engine parameter it goes by. */
static const char *
ace_request_id(struct MHD_Connection *conn, const char **param)
{
	static const char *const keys[][2] = {
		{ "id", "id" }, { "content_id", "id" },
		{ "infohash", "infohash" },
	};
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((v = MHD_lookup_connection_value(conn,
		    MHD_GET_ARGUMENT_KIND, keys[i][0])) != NULL) {
			*param = keys[i][1];
			return v;
		}
	*param = "id";
	return NULL;
}

int
http_ace_resolve(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls, char *key,
    size_t keysz, int *hls, enum MHD_Result *ret)
{
	struct client *c = *con_cls;
	const char *id, *param, *why;

	if (strcmp(url, "/ace/getstream") == 0)
		*hls = 0;
	else if (strcmp(url, "/ace/manifest.m3u8") == 0)
		*hls = 1;
	else {
		*ret = http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
		return 0;
	}
	id = ace_request_id(conn, &param);
	if ((why = ace_id_problem(id, id ? strlen(id) : 0)) != NULL ||
	    ace_stream_key(param, id, key, keysz) == -1) {
		*ret = http_error(conn, MHD_HTTP_BAD_REQUEST, why ? why :
		    "the id must be 40 hex digits");
		return 0;
	}
	/* refused by the engine a moment ago (or while a playlist waited) */
	if ((c == NULL || c->kind != CLIENT_CREATE) &&
	    http_client_refused(w, conn, key, ret))
		return 0;
	if (c != NULL && c->kind != CLIENT_CREATE)
		return 1;	/* a player resumed: its family goes on */
	if (c == NULL && strcmp(method, MHD_HTTP_METHOD_HEAD) == 0) {
		/* a HEAD starts nothing */
		*ret = http_reply(conn, MHD_HTTP_OK, *hls ?
		    "application/vnd.apple.mpegurl" : "video/mp2t", "", 0);
		return 0;
	}
	/* an edge without engines asks its parent (edge.h) */
	return http_dynamic_resolve(w, conn,
	    atomic_load(&w->st->edge_content_ids) ? STREAM_ORIGIN_PARENT_ACE :
	    STREAM_ORIGIN_ACE, key, con_cls, ret) >= 0;
}
