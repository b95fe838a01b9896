/*
 * http_ace.c - content-id routes, compatible with the AceStream engine's
 * own and its proxies' URLs: GET /ace/getstream?id=ID (also content_id=
 * and infohash=) answers continuous MPEG-TS, GET /ace/manifest.m3u8?id=ID
 * answers HLS from the same ring (segments under /hls/KEY/).
 *
 * The id is checked here (exactly 40 hex digits, else a JSON 400 naming
 * the problem, and nothing is started); then the stream is found or made
 * through the dynamic-stream mechanism (http_dynamic.c), and served by
 * the same code as a named stream.  A player of an id that already has a
 * stream joins its ring: one engine session however many players.
 */
#include <stdio.h>
#include <string.h>

#include "ace_client.h"
#include "acestream.h"
#include "util.h"
#include "worker.h"

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

enum MHD_Result
http_ace_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, int head_only, void **con_cls)
{
	char key[CONFIG_NAME_MAX + 1], prefix[CONFIG_NAME_MAX + 16];
	struct client *c = *con_cls;
	const char *id, *param, *why;
	enum MHD_Result ret;
	int hls, slot;

	if (strcmp(url, "/ace/getstream") == 0)
		hls = 0;
	else if (strcmp(url, "/ace/manifest.m3u8") == 0)
		hls = 1;
	else
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	id = ace_request_id(conn, &param);
	if ((why = ace_id_problem(id, id ? strlen(id) : 0)) != NULL)
		return http_error(conn, MHD_HTTP_BAD_REQUEST, why);
	if (ace_stream_key(param, id, key, sizeof(key)) == -1)
		return http_error(conn, MHD_HTTP_BAD_REQUEST,
		    "the id must be 40 hex digits");
	if (head_only && c == NULL)	/* nothing is started for a HEAD */
		return http_reply(conn, MHD_HTTP_OK, hls ?
		    "application/vnd.apple.mpegurl" : "video/mp2t", "", 0);
	if (c == NULL || c->kind == CLIENT_CREATE) {
		slot = http_dynamic_resolve(w, conn, STREAM_ORIGIN_ACE, key,
		    con_cls, &ret);
		if (slot < 0)
			return ret;
	}
	if (!hls)
		return http_stream_request(w, conn, key, 0, con_cls);
	snprintf(prefix, sizeof(prefix), "/hls/%s/", key);
	return http_hls_playlist(w, conn, key, prefix, con_cls);
}
