/*
 * routes.c - the route table: which family answers which URL, the one
 * place that names them.
 *
 * http_dispatch (dispatch.c) walks the table in order and calls the
 * first match; a suspended client resumes in its kind's handler.  The
 * worker gives this table to dispatch.c and calls routes_tick and
 * routes_message from its wake loop, so neither the worker nor
 * dispatch.c names a route.
 */
#include <stddef.h>
#include <stdio.h>

#include "access.h"
#include "http_dynamic.h"
#include "routes.h"

/*
 * /ace/...: the content-id family finds (or makes) the stream, then the
 * request is served as the stream's own /stream/NAME or its playlist,
 * by those families: one answer for named and content-id streams alike.
 * With format=json the engine API family answers instead, once the
 * stream is there: the engine's JSON, which names those same routes.
 */
static enum MHD_Result
routes_ace(struct worker *w, struct MHD_Connection *conn, const char *url,
    const char *method, void **con_cls)
{
	char key[CONFIG_NAME_MAX + 1], path[CONFIG_NAME_MAX + 16];
	enum MHD_Result ret;
	int hls;

	if (http_ace_resolve(w, conn, url, method, con_cls, key, sizeof(key),
	    &hls, &ret) == 0)
		return ret;
	if (http_aceapi_json(conn))
		return http_aceapi_session(w, conn, key, hls);
	if (hls) {
		snprintf(path, sizeof(path), "/hls/%s/", key);
		return http_hls_playlist(w, conn, key, path, con_cls);
	}
	snprintf(path, sizeof(path), "/stream/%s", key);
	return http_stream_request(w, conn, path, method, con_cls);
}

/*
 * /tuner/NAME, an HDHomeRun lineup URL: the stream family serves it as
 * /stream/NAME while the tuner family holds one of its tuners for it.
 */
static enum MHD_Result
routes_tuner(struct worker *w, struct MHD_Connection *conn, const char *url,
    const char *method, void **con_cls)
{
	char name[CONFIG_NAME_MAX + 1], path[CONFIG_NAME_MAX + 16];
	enum MHD_Result ret;

	if (http_hdhr_tuner_path(url, name, sizeof(name)) == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	if (http_hdhr_tuner_take(w, conn, name, &ret) == -1)
		return ret;
	snprintf(path, sizeof(path), "/stream/%s", name);
	ret = http_stream_request(w, conn, path, method, con_cls);
	http_hdhr_tuner_attach(w, *con_cls);
	return ret;
}

static const struct http_route routes[] = {
	/* with access = "users" (access.c) every route needs a credential
	 * but the admin API (its own token) and /metrics, /healthz (the
	 * admin token or an internal listen address) */
	{ "/admin/",		HTTP_ROUTE_PREFIX | HTTP_ROUTE_ANY_METHOD |
	    HTTP_ROUTE_OPEN,	http_admin_request },
	{ "/stream/",		HTTP_ROUTE_PREFIX,	http_stream_request },
	{ "/hls/",		HTTP_ROUTE_PREFIX,	http_hls_request },
	{ "/ace/stat/",		HTTP_ROUTE_PREFIX,	http_aceapi_request },
	{ "/ace/cmd/",		HTTP_ROUTE_PREFIX,	http_aceapi_request },
	{ "/ace/",		HTTP_ROUTE_PREFIX,	routes_ace },
	{ "/webui/api/service",	0,			http_aceapi_request },
	{ "/status",		0,			http_info_request },
	{ "/metrics",		HTTP_ROUTE_INTERNAL,	http_info_request },
	{ "/metrics/performance", HTTP_ROUTE_INTERNAL,	http_info_request },
	{ "/playlist.m3u",	0,			http_info_request },
	{ "/playlist.m3u8",	0,			http_info_request },
	{ "/healthz",		HTTP_ROUTE_INTERNAL,	http_info_request },
	{ "/history",		0,			http_history_request },
	/* HDHomeRun tuner (http_hdhr.c) */
	{ "/discover.json",	0,			http_hdhr_request },
	{ "/lineup.json",	0,			http_hdhr_request },
	{ "/lineup_status.json", 0,			http_hdhr_request },
	{ "/lineup.post",	HTTP_ROUTE_ANY_METHOD,	http_hdhr_request },
	{ "/device.xml",	0,			http_hdhr_request },
	{ "/tuner/",		HTTP_ROUTE_PREFIX,	routes_tuner },
	{ "/channels",		0,			http_channels_request },
	/* the lineup's guide (http_epg.c) */
	{ "/epg.xml",		0,			http_epg_request },
	{ "/epg.xml.gz",	0,			http_epg_request },
	{ "/events",		0,			http_events_request },
	{ "/",			0,			http_ui_request },
	{ "/ui",		HTTP_ROUTE_PREFIX,	http_ui_request },
	{ NULL,			0,			NULL },
};

const struct http_routes routes_table = {
	.routes = routes,
	.resume = {
		[CLIENT_TS] = http_stream_request,
		/* HLS playlists wait on /hls/ and /ace/ routes, a stream
		 * request on any route that makes streams: by their URL */
		[CLIENT_HLS] = NULL,
		[CLIENT_ADMIN] = http_admin_request,
		[CLIENT_EVENTS] = http_events_request,
		[CLIENT_CREATE] = NULL,
	},
};

void
routes_tick(struct worker *w)
{
	http_hls_expire(w);
	access_tick(w);
}

void
routes_message(struct worker *w, const struct msg *m)
{
	if (m->type == MSG_ADMIN_REPLY)
		http_admin_reply(w, m);
	else if (m->type == MSG_STREAM_CREATE_REPLY)
		http_dynamic_reply(w, m);
}
