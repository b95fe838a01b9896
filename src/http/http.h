/*
 * http.h - what every route family shares: the per-connection client,
 * the worker's HTTP state, the route table's shape, the answers and
 * events to the supervisor (http.c).  Waiting clients and ring mappings
 * are client.h's, the way in from libmicrohttpd dispatch.h's.
 *
 * http.c is a mechanism below the routes (http_stream.c, http_hls.c,
 * http_admin.c, http_info.c, ...), below client.c and dispatch.c and
 * below the worker process (worker.c): it never names any of them.  The
 * worker hands requests to dispatch.c with the table that routes.c
 * registers, and runs client.c's wake loop.
 */
#ifndef RINGCAST_HTTP_H
#define RINGCAST_HTTP_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "evring.h"
#include "json.h"
#include "metrics.h"
#include "msg.h"
#include "ring.h"
#include "state.h"
#include "tuning.h"
#include "uri.h"

/* HTTP_REVIVE_MS, HTTP_BLOCK_BYTES: tuning.h. */
#define HTTP_FIGURES_MS		1000	/* a player's rate and lag, this often */
#define HTTP_RAP_WAIT_MS	3000	/* no keyframe seen: start at head */
/* libmicrohttpd's per-connection memory pool (its default, set so that
 * uri.h's limits hold whatever a later version defaults to) */
#define HTTP_CONN_MEMORY_BYTES	(32 * 1024)
#define HTTP_PEEK_BYTES		4096	/* first bytes looked at */
#define HTTP_TLS_HANDSHAKE	0x16	/* a TLS handshake record's first byte */

/* A mapping of one generation of a stream's ring, shared by clients. */
struct ring_ref {
	struct ring	 ring;
	uint64_t	 gen;
	int		 slot;
	int		 refs;
	int		 current;	/* still the slot's generation */
};

enum client_kind {
	CLIENT_TS = 0,		/* continuous /stream/NAME */
	CLIENT_HLS,		/* a playlist request waiting for segments */
	CLIENT_ADMIN,		/* an admin request waiting for the supervisor */
	CLIENT_EVENTS,		/* GET /events, Server-Sent Events */
	CLIENT_CREATE,		/* a dynamic stream asked of the supervisor
				 * (http_dynamic.h) */
	CLIENT_KINDS
};

enum client_phase {
	CLIENT_WAIT_START = 0,	/* suspended until the stream has data */
	CLIENT_STREAMING,
};

/* A TS client's body: who sends it (fanout.h). */
enum client_fan {
	FAN_NONE = 0,		/* libmicrohttpd, through the content reader */
	FAN_TAKEN,		/* the worker's sender thread (fanout.c) */
	FAN_RETURNED		/* given back: the response ends */
};

struct worker;
struct fanout;

/* A connection that outlives one call of the request handler. */
struct client {
	struct worker		*w;
	struct MHD_Connection	*conn;
	enum client_kind	 kind;
	enum client_phase	 phase;
	int			 slot;
	char			 name[CONFIG_NAME_MAX + 1];
	struct ring_ref		*rr;
	uint64_t		 pos;
	uint64_t		 started_ms;
	uint64_t		 deadline_ms;	/* WAIT_START: 503 after */
	uint64_t		 bytes;
	/* the player's record in the state segment's client table
	 * (client_table.h; -1: none) and its last figures' time and bytes */
	int			 rec;
	enum client_route	 route;
	uint64_t		 fig_ms;
	uint64_t		 fig_bytes;
	char			 addr[64];
	char			 edge[CONFIG_EDGE_ID_MAX + 1];	/* "": a player */
	char			 user[CLIENT_USER_MAX];	/* its user; "": none */
	int			 user_max;	/* the user's max_connections */
	int			 counted;
	int			 announced;	/* client_connected sent */
	int			 suspended;
	int			 ending;	/* finish the response */
	struct client		*prev, *next;	/* suspended list */
	uint64_t		 suspended_ms;	/* when last suspended */
	/* CLIENT_TS sent by the worker's sender (fanout.c, its thread only
	 * once taken): the socket, list links, blocked since (0: not) */
	enum client_fan		 fan;
	int			 fd;
	int			 fan_where;
	struct client		*fan_prev, *fan_next;
	uint64_t		 fan_blocked_ms;
	/* CLIENT_ADMIN and CLIENT_CREATE: request id, answered, text */
	uint32_t		 admin_id;
	int			 admin_done;
	int			 admin_ok;
	char			 admin_msg[512];
	/*
	 * Route hooks (NULL for TS, HLS and admin clients): READY says
	 * whether the suspended client can progress (wake loop, under
	 * w->lock); DONE releases PRIV when the request completes.
	 */
	int			(*ready)(struct worker *, struct client *);
	void			(*done)(struct worker *, struct client *);
	void			*priv;
	/* CLIENT_CREATE: the supervisor's answer */
	int			 create_slot;	/* -1: refused */
	unsigned		 create_status;
	unsigned		 create_retry_s;
};

/* A route handler: a new request, or a client of its kind resumed
 * (*CON_CLS is then that client).  METHOD is GET or HEAD unless the route
 * takes any method. */
typedef enum MHD_Result http_handler_fn(struct worker *,
	    struct MHD_Connection *, const char *url, const char *method,
	    void **con_cls);

#define HTTP_ROUTE_PREFIX	0x1	/* PATH is a prefix of the URL */
#define HTTP_ROUTE_ANY_METHOD	0x2	/* else GET and HEAD only (405) */
/* With access = "users" (access.h) a route needs a credential unless: */
#define HTTP_ROUTE_OPEN		0x4	/* it checks its own (admin API) */
#define HTTP_ROUTE_INTERNAL	0x8	/* the admin token, or a listen
					 * address marked internal */

struct http_route {
	const char	*path;		/* NULL ends the table */
	int		 flags;
	http_handler_fn	*handler;
};

/* The route table (routes.c): the routes, first match wins, and the
 * handler a suspended client of each kind resumes in (NULL: the handler
 * of its URL's route, as when it was new). */
struct http_routes {
	const struct http_route	*routes;
	http_handler_fn		*resume[CLIENT_KINDS];
};

/* A worker's HTTP state, shared by its daemons' threads and its wake
 * loop.  chan is the worker's channel to the supervisor. */
struct worker {
	struct state		*st;
	struct metrics_shm	*metrics;
	int			 mslot;
	int			 row;
	int			 chan;
	const struct http_routes *routes;
	struct MHD_Daemon	*daemons[CONFIG_MAX_LISTEN_ALL];
	int			 n_daemons;
	pthread_mutex_t		 lock;		/* clients and rings */
	pthread_cond_t		 first_waiter;	/* suspended list not empty */
	struct client		*suspended;	/* newest first */
	struct client		*suspended_tail;	/* oldest */
	int			 n_suspended;
	int			 n_clients;	/* streaming responses */
	struct ring_ref		*rings[STATE_MAX_STREAMS];
	_Atomic int		 stopping;
	uint32_t		 admin_next_id;
	char			 admin_token[256];
	struct evring		 events;	/* read-only; hdr NULL if absent */
	int			 n_events;	/* /events clients (w->lock) */
	_Atomic int		 retiring;	/* a reload replaced us */
	struct fanout		*fan;		/* TS sender; NULL: none */
	char			 channels_file[512];	/* the lineup
							 * (channels_doc.h) */
	char			 epg_file[512];		/* the guide (its
							 * .gz beside it) */
};

/* ---- answers ---- */
enum MHD_Result http_reply(struct MHD_Connection *, unsigned status,
	    const char *content_type, const void *body, size_t len);
/* B, built with result RC (-1: failed), with STATUS; 500 "out of
 * memory" when RC is -1 or B ran out of memory.  Frees B. */
enum MHD_Result http_reply_buf(struct MHD_Connection *, unsigned status,
	    const char *content_type, struct buf *b, int rc);
/* The same with one extra header (HNAME: HVALUE). */
enum MHD_Result http_reply_hdr(struct MHD_Connection *, unsigned status,
	    const char *content_type, const void *body, size_t len,
	    const char *hname, const char *hvalue);
/* {"error":MESSAGE} with STATUS. */
enum MHD_Result http_error(struct MHD_Connection *, unsigned status,
	    const char *message);
/* The same with one extra header (HNAME: HVALUE). */
enum MHD_Result http_error_hdr(struct MHD_Connection *, unsigned status,
	    const char *message, const char *hname, const char *hvalue);
/* Append the body of an error answer, {"error":MESSAGE} and a newline,
 * to B: 0, or -1 when B failed (out of memory). */
int	 http_error_json(struct buf *, const char *message);
/* 401 with WWW-Authenticate: Bearer (admin API, /events). */
enum MHD_Result http_unauthorized(struct MHD_Connection *);
/*
 * Every response goes out through http_queue(), which adds the CORS
 * headers cors_origins asks for (see cors.c) to R and queues it: the
 * answers above use it, and a route that builds its own response (a
 * stream, a segment) must too.  http_dispatch notes the route's class
 * (admin or player) before any route runs.
 */
enum MHD_Result http_queue(struct MHD_Connection *, unsigned status,
	    struct MHD_Response *);
/*
 * A response made once and queued for many requests (a cached playlist)
 * cannot get headers per request, so it carries one of the fixed CORS
 * header sets, and serves only the requests that need exactly that set:
 * HTTP_CORS_NONE (CORS off), HTTP_CORS_ANY (cors_origins holds "*"),
 * HTTP_CORS_VARY (origins are listed, this request's is not or it has
 * none: "Vary: Origin" only).  http_cors_fixed says which set the
 * current request needs, or -1 when its answer must echo its Origin
 * (queue a response of its own with http_queue).
 */
enum http_cors_set {
	HTTP_CORS_NONE = 0,
	HTTP_CORS_ANY,
	HTTP_CORS_VARY,
	HTTP_CORS_SETS
};
int	 http_cors_fixed(struct MHD_Connection *);
/* Add set F's headers to R (once, when R is made): 0, or -1. */
int	 http_cors_add_fixed(struct MHD_Response *, int f);
/* Destroy the responses kept one per set (connections that queued one
 * keep it until they finish) and set them NULL. */
void	 http_cors_drop_fixed(struct MHD_Response *resp[HTTP_CORS_SETS]);
/* Queue R as it is (it carries the set http_cors_fixed gave). */
enum MHD_Result http_queue_shared(struct MHD_Connection *, unsigned status,
	    struct MHD_Response *);
/*
 * R with the headers HDRS (name, value, name, value, ..., NULL; NULL: none)
 * and, when F >= 0, CORS set F added; NULL, R destroyed, when R is NULL
 * or a header cannot be added.  A route finishes the responses it makes
 * with it (F -1: http_queue adds CORS).
 */
struct MHD_Response *http_response_headers(struct MHD_Response *r,
	    const char *const *hdrs, int f);
/* Add HDRS to R (as http_response_headers), queue it with STATUS
 * through http_queue and let go of it; MHD_NO when R is NULL or a header
 * cannot be added. */
enum MHD_Result http_send(struct MHD_Connection *, unsigned status,
	    struct MHD_Response *r, const char *const *hdrs);
/* 1 when the request's If-None-Match lists ETAG (or is "*"): answer
 * 304. */
int	 http_not_modified(struct MHD_Connection *, const char *etag);
/* OPTIONS: the CORS preflight answer, 204 (http_dispatch answers it for
 * GET routes; a route taking any method calls it itself). */
enum MHD_Result http_preflight(struct MHD_Connection *);
/* The client's address as text ("unknown" if MHD has none). */
void	 http_peer_addr(struct MHD_Connection *, char *out, size_t outsz);
/* 1 when the connection came to a listen_tls address. */
int	 http_conn_tls(struct MHD_Connection *);
/* 1 when the player asked over HTTPS: a listen_tls address, or a TLS
 * proxy in front that says so (X-Forwarded-Proto: https). */
int	 http_request_https(struct MHD_Connection *);
/* URL "http://..." made "https://..." when the player asked over HTTPS. */
void	 http_url_scheme(struct MHD_Connection *, char *url, size_t urlsz);

/* ---- the supervisor ---- */
/* Send an event object (JSON without "time") to the supervisor. */
void	 http_event(struct worker *, const char *json_obj);
/* What a client_connected or client_disconnected event says. */
struct http_client_ev {
	const char	*event;		/* client_connected, ..._disconnected */
	const char	*stream;
	const char	*client;	/* its address */
	const char	*kind;		/* "ts", "hls" */
	const char	*edge;		/* an edge's identity; NULL, "": none */
	const char	*user;		/* access = "users"; NULL, "": none */
	uint64_t	 bytes;		/* client_disconnected: sent, */
	double		 seconds;	/* and for how long */
};
/* Send a client event to the supervisor. */
void	 http_event_client(struct worker *, const struct http_client_ev *);
/* Tell the supervisor that SLOT has a client (starts on-demand streams). */
void	 http_request_fetcher(struct worker *, int slot);

/* ---- the current request ---- */
/* Note the request this thread answers now (its class, for CORS): the
 * dispatcher calls it before any route runs. */
void	 http_request_begin(const struct state *, struct MHD_Connection *,
	    const char *url);
/* The user access control let the current request in as ("": none, the
 * admin token, a signed URL, open access) and its max_connections (0:
 * none): set by access.c before the route runs, read by the routes
 * (player records, events, the limit checked again once a player is
 * listed). */
void	 http_request_user_set(struct MHD_Connection *, const char *user,
	    int max);
const char *http_request_user(struct MHD_Connection *);
int	 http_request_user_max(struct MHD_Connection *);
/* Note them in C, a client made for the request (its resumed calls are
 * not checked again). */
void	 http_client_user_note(struct client *c, struct MHD_Connection *);
/* A user's new player beyond max_connections: 429, this, Retry-After. */
#define HTTP_OVER_LIMIT_MSG	"this user has max_connections players already"
#define HTTP_OVER_LIMIT_RETRY_S	"5"	/* Retry-After, seconds */

#endif
