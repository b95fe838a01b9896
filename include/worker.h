/*
 * worker.h - a worker process: libmicrohttpd on the shared listening
 * sockets, serving players from the rings.
 */
#ifndef RINGCAST_WORKER_H
#define RINGCAST_WORKER_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "evring.h"
#include "json.h"
#include "metrics.h"
#include "msg.h"
#include "proc.h"
#include "ring.h"
#include "state.h"

#define WORKER_WAKE_MS		100	/* longest sleep of the wake loop */
#define WORKER_REVIVE_MS	1000	/* resume every idle client this often */
#define WORKER_RAP_WAIT_MS	3000	/* no keyframe seen: start at head */
#define WORKER_DRAIN_MS		2000	/* shutdown: time for clients to end */
#define WORKER_RETIRE_MS	(10 * 60 * 1000)	/* reload: old generation */
#define WORKER_BLOCK_BYTES	(16 * 1024)	/* per streaming response */
/*
 * The wake loop resumes ready clients a slice at a time, with a pause
 * between slices: libmicrohttpd serves what was resumed in one event-loop
 * iteration and accepts new connections only between iterations, and
 * feeding every player at once would hold both cores for the whole round.
 * Spread over a few tens of milliseconds, a round leaves room for a new
 * player's first byte.  A slice is WORKER_WAKE_SLICE clients, or more when
 * there are so many suspended that a round would take more than
 * WORKER_WAKE_SLICES slices.
 */
#define WORKER_WAKE_SLICE	24
#define WORKER_WAKE_SLICES	20
#define WORKER_SLICE_GAP_US	2000
#define WORKER_CONN_TIMEOUT_S	30	/* idle keep-alive / slow headers */

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
};

enum client_phase {
	CLIENT_WAIT_START = 0,	/* suspended until the stream has data */
	CLIENT_STREAMING,
};

struct worker;

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
	char			 addr[64];
	int			 counted;
	int			 announced;	/* client_connected sent */
	int			 suspended;
	int			 ending;	/* finish the response */
	struct client		*prev, *next;	/* suspended list */
	uint64_t		 suspended_ms;	/* when last suspended */
	/* CLIENT_ADMIN */
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
};

struct worker {
	struct state		*st;
	struct metrics_shm	*metrics;
	int			 mslot;
	int			 row;
	int			 chan;
	struct MHD_Daemon	*daemons[CONFIG_MAX_LISTEN];
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
};

/* Never returns. */
void	 worker_main(struct proc *, void *supervisor);

/* Helpers shared by the http_* route files. */
enum MHD_Result http_reply(struct MHD_Connection *, unsigned status,
	    const char *content_type, const void *body, size_t len);
/* The same with one extra header (HNAME: HVALUE). */
enum MHD_Result http_reply_hdr(struct MHD_Connection *, unsigned status,
	    const char *content_type, const void *body, size_t len,
	    const char *hname, const char *hvalue);
enum MHD_Result http_error(struct MHD_Connection *, unsigned status,
	    const char *message);
/*
 * Every response goes out through http_queue(), which adds the CORS
 * headers cors_origins asks for (see cors.c) to R and queues it.  The
 * dispatcher calls http_request_begin() before any route runs, so that
 * http_queue() knows the route's class (admin or player).
 */
void	 http_request_begin(const struct state *, struct MHD_Connection *,
	    const char *url);
enum MHD_Result http_queue(struct MHD_Connection *, unsigned status,
	    struct MHD_Response *);
/* OPTIONS: the CORS preflight answer, 204. */
enum MHD_Result http_preflight(struct MHD_Connection *);
void	 worker_event(struct worker *, const char *json_obj);

/* http_stream.c: GET /stream/NAME. */
enum MHD_Result http_stream_request(struct worker *, struct MHD_Connection *,
	    const char *name, int head_only, void **con_cls);
void	 http_stream_completed(struct worker *, struct client *);
/*
 * Under w->lock: resume suspended clients that can progress, oldest
 * first, and those suspended for WORKER_REVIVE_MS (so that libmicrohttpd
 * notices a player that went away); at most MAX of them (0: no limit,
 * and every client).  Returns 1 when MAX was reached before the end.
 */
int	 http_stream_wake(struct worker *, int max);
/* Shutdown: end every streaming response. */
void	 http_stream_end_all(struct worker *);

/*
 * Wait, suspended, until SLOT's stream can serve KIND: 1 ready (the
 * client in *CON_CLS holds a ring reference), 0 suspended (return
 * MHD_YES), -1 gave up (answer 503 or 404).  *CON_CLS is created on the
 * first call.
 */
int	 http_wait_stream(struct worker *, struct MHD_Connection *, int slot,
	    const struct slot_cfg *, enum client_kind, void **con_cls);
/* Ring mappings shared by the connections of a worker (under w->lock). */
struct ring_ref *ring_ref_get(struct worker *, int slot);
void	 ring_ref_put(struct worker *, struct ring_ref *);
/* The client's address as text ("unknown" if MHD has none). */
void	 http_peer_addr(struct MHD_Connection *, char *out, size_t outsz);
/* Tell the supervisor that SLOT has a client (starts on-demand streams). */
void	 http_request_fetcher(struct worker *, int slot);

/* http_hls.c: /hls/NAME/index.m3u8, /hls/NAME/SEQ.ts. */
enum MHD_Result http_hls_request(struct worker *, struct MHD_Connection *,
	    const char *url, void **con_cls);
/* Wake loop, about once a second: forget silent HLS clients. */
void	 http_hls_expire(struct worker *);

/* http_admin.c: POST /admin/... */
enum MHD_Result http_admin_request(struct worker *, struct MHD_Connection *,
	    const char *url, const char *method, void **con_cls);
/* The supervisor answered admin request ID (main thread). */
void	 http_admin_reply(struct worker *, const struct msg *);
/* Under w->lock: add a client to / find one in the suspended list. */
void	 http_client_suspend(struct worker *, struct client *);
void	 http_client_free(struct worker *, struct client *);

/* http_info.c: /status, /metrics, /healthz, /playlist.m3u. */
enum MHD_Result http_info_request(struct worker *, struct MHD_Connection *,
	    const char *url, int *handled);

/* http_events.c: GET /events (Server-Sent Events from the event ring). */
enum MHD_Result http_events_request(struct worker *, struct MHD_Connection *,
	    int head_only, void **con_cls);

/* http_ui.c: GET /, /ui and its assets; *HANDLED = 0 when URL is not
 * one of them or the page is turned off (ui = false). */
enum MHD_Result http_ui_request(struct worker *, struct MHD_Connection *,
	    const char *url, int head_only, int *handled);

/* Split "/stream/NAME" or "/stream/NAME.ts"; 0 and NAME, or -1. */
int	 http_parse_stream_path(const char *url, char *name, size_t namesz);

#endif
