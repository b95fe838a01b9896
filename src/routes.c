/*
 * routes.c - the route table: which family answers which URL, the one
 * place that names them.
 *
 * http_dispatch (http.c) walks the table in order and calls the first
 * match; a suspended client resumes in its kind's handler.  The worker
 * gives this table to http.c and calls routes_tick and routes_message
 * from its wake loop, so neither the worker nor http.c names a route.
 */
#include <stddef.h>

#include "routes.h"

static const struct http_route routes[] = {
	{ "/admin/",		HTTP_ROUTE_PREFIX | HTTP_ROUTE_ANY_METHOD,
	    http_admin_request },
	{ "/stream/",		HTTP_ROUTE_PREFIX,	http_stream_request },
	{ "/hls/",		HTTP_ROUTE_PREFIX,	http_hls_request },
	{ "/status",		0,			http_info_request },
	{ "/metrics",		0,			http_info_request },
	{ "/metrics/performance", 0,			http_info_request },
	{ "/playlist.m3u",	0,			http_info_request },
	{ "/playlist.m3u8",	0,			http_info_request },
	{ "/healthz",		0,			http_info_request },
	{ "/events",		0,			http_events_request },
	{ "/",			0,			http_ui_request },
	{ "/ui",		HTTP_ROUTE_PREFIX,	http_ui_request },
	{ NULL,			0,			NULL },
};

const struct http_routes routes_table = {
	.routes = routes,
	.resume = {
		[CLIENT_TS] = http_stream_request,
		[CLIENT_HLS] = http_hls_request,
		[CLIENT_ADMIN] = http_admin_request,
		[CLIENT_EVENTS] = http_events_request,
	},
};

void
routes_tick(struct worker *w)
{
	http_hls_expire(w);
}

void
routes_message(struct worker *w, const struct msg *m)
{
	if (m->type == MSG_ADMIN_REPLY)
		http_admin_reply(w, m);
}
