/*
 * routes.h - the route families (one http_*.c each) and the table that
 * registers them (routes.c), consulted by http_dispatch for the worker.
 *
 * Every handler has the shape of http_handler_fn (http.h).  To add a
 * route: write the handler in its family's file, declare it here, and add
 * a line to the table in routes.c.
 */
#ifndef RINGCAST_ROUTES_H
#define RINGCAST_ROUTES_H

#include "client.h"	/* what the families wait and map rings with */
#include "http.h"
#include "msg.h"

/* The table the worker gives to http_dispatch. */
extern const struct http_routes routes_table;

/* Wake loop, about once a second (HTTP_REVIVE_MS): periodic route work. */
void	 routes_tick(struct worker *);
/* A supervisor message the worker does not handle itself
 * (MSG_ADMIN_REPLY goes to the admin routes; others are ignored). */
void	 routes_message(struct worker *, const struct msg *);

/* http_stream.c: GET /stream/NAME. */
http_handler_fn http_stream_request;
/* Split "/stream/NAME" or "/stream/NAME.ts"; 0 and NAME, or -1. */
int	 http_parse_stream_path(const char *url, char *name, size_t namesz);

/* http_hls.c: /hls/NAME/index.m3u8, /hls/NAME/SEQ.ts, key/N.key. */
http_handler_fn http_hls_request;
/* The playlist of stream NAME with segment URIs PREFIX N.ts, PREFIX
 * "/hls/NAME/" (a route other than /hls/NAME/index.m3u8 serving it, e.g.
 * /ace/manifest.m3u8; any other PREFIX is a 404). */
enum MHD_Result http_hls_playlist(struct worker *, struct MHD_Connection *,
	    const char *name, const char *prefix, void **con_cls);
/* Forget silent HLS clients. */
void	 http_hls_expire(struct worker *);

/* http_admin.c: POST /admin/... */
http_handler_fn http_admin_request;
/* The supervisor answered admin request ID (main thread). */
void	 http_admin_reply(struct worker *, const struct msg *);

/*
 * http_ace.c: /ace/getstream and /ace/manifest.m3u8 (content ids).
 * Checks the id and finds or makes its stream: 1 with KEY (the stream's
 * name) and *HLS when the request is to be served as that stream's TS or
 * playlist, 0 when it was answered or waits (return *RET).
 */
int	 http_ace_resolve(struct worker *, struct MHD_Connection *,
	    const char *url, const char *method, void **con_cls, char *key,
	    size_t keysz, int *hls, enum MHD_Result *ret);

/*
 * http_aceapi.c: the engine's JSON API.  GET /webui/api/service
 * (get_version) and the session routes /ace/stat/KEY/HOLD and
 * /ace/cmd/KEY/HOLD; http_aceapi_json says whether an /ace/ request
 * asks for JSON (format=json), and http_aceapi_session answers it once
 * http_ace_resolve found its stream KEY (a hold, the engine's shape).
 */
http_handler_fn http_aceapi_request;
int	 http_aceapi_json(struct MHD_Connection *);
enum MHD_Result http_aceapi_session(struct worker *, struct MHD_Connection *,
	    const char *key, int hls);

/* http_info.c: /status, /metrics, /metrics/performance, /healthz,
 * /playlist.m3u. */
http_handler_fn http_info_request;

/*
 * http_hdhr.c: the HDHomeRun tuner's documents (/discover.json,
 * /lineup.json, /lineup_status.json, /lineup.post, /device.xml; 404 when
 * hdhomerun.enabled is false) and its tuners.  A lineup URL /tuner/NAME
 * is served as /stream/NAME between http_hdhr_tuner_take (0 with a tuner
 * taken, or -1 when answered: 404, or 503 with every tuner in use) and
 * http_hdhr_tuner_attach (the stream family's *CON_CLS: its client holds
 * the tuner until it completes, or the tuner goes back at once).
 */
http_handler_fn http_hdhr_request;
int	 http_hdhr_tuner_path(const char *url, char *name, size_t namesz);
int	 http_hdhr_tuner_take(struct worker *, struct MHD_Connection *,
	    const char *name, enum MHD_Result *ret);
void	 http_hdhr_tuner_attach(struct worker *, void *con_cls);

/* http_history.c: GET /history[?stream=NAME], the last hour of a
 * stream. */
http_handler_fn http_history_request;
/* http_channels.c: GET /channels, the lineup of `sources`. */
http_handler_fn http_channels_request;

/* http_epg.c: GET /epg.xml and /epg.xml.gz, the lineup's guide. */
http_handler_fn http_epg_request;

/* http_events.c: GET /events (Server-Sent Events from the event ring). */
http_handler_fn http_events_request;

/* http_ui.c: GET /, /ui and /ui/FILE, the status page (404 when
 * ui = false). */
http_handler_fn http_ui_request;

#endif
