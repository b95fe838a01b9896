/*
 * http_ace.c - content-id routes, compatible with the AceStream engine's
 * own and its proxies' URLs: GET /ace/getstream?id=ID answers continuous
 * MPEG-TS, GET /ace/manifest.m3u8?id=ID answers HLS from the same ring
 * (segments under /hls/KEY/); a trailing slash is taken too.  The inputs
 * are the engine's: id or content_id, infohash (40 hex digits, either
 * case), url (a .torrent URL) and magnet, with the options the engine
 * takes passed through (ace_input.h); other arguments are ignored.
 *
 * This family only finds the stream: it checks the input (else a JSON
 * 400 naming the problem, or 403 for url= and magnet= when
 * acestream.allow_url_input is off, and nothing is started), turns it
 * into the stream key and the engine arguments, and finds or makes the
 * stream through the dynamic-stream mechanism (http_dynamic.c), the
 * arguments riding along for the origin.  Serving it is the TS and HLS
 * families' job, as for a named stream; routes.c, the table, hands the
 * request over to them.  A player of an input that already has a stream
 * joins its ring: one engine session however many players (a magnet of
 * an infohash joins the infohash's stream), and so does one whose input
 * resolves to the broadcast of a running stream, whatever key that was
 * started under (a content id's stream for its infohash, once the engine
 * has named it: ace_broadcast_slot), with the same options.  A request
 * answered with a stream whose engine has not named its broadcast yet
 * waits, suspended, until it has (ace_hold): if a raced twin replaces
 * that stream meanwhile, the request joins the twin instead of waiting
 * for a stream that will never send a byte.  An id the engine refused
 * within acestream.error_cache gets the engine's answer again at once
 * (404 or 502, JSON), without a stream or an engine request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ace_client.h"
#include "ace_input.h"
#include "client.h"
#include "http_dynamic.h"
#include "routes.h"
#include "util.h"

/* How long a request waits for a new stream's engine to name its
 * broadcast (ace_hold): a race ends within a second of the second
 * session; an engine slower than this leaves the player to the usual
 * wait for data. */
#define ACE_SETTLE_MS	5000

/* The input and options a request gives, as pointers into it. */
static void
ace_request_read(struct MHD_Connection *conn, struct ace_request *rq)
{
	const char *v;
	size_t i;

	memset(rq, 0, sizeof(*rq));
	for (i = 0; i < sizeof(ace_input_names) / sizeof(ace_input_names[0]) &&
	    rq->param == NULL; i++)
		if ((v = MHD_lookup_connection_value(conn,
		    MHD_GET_ARGUMENT_KIND, ace_input_names[i])) != NULL) {
			rq->param = ace_input_names[i];
			rq->value = v;
		}
	for (i = 0; i < ACE_N_OPTIONS; i++)
		rq->options[i] = MHD_lookup_connection_value(conn,
		    MHD_GET_ARGUMENT_KIND, ace_option_names[i]);
}

/* /ace/getstream[/] (0) or /ace/manifest.m3u8[/] (1); -1 for others. */
static int
ace_route_hls(const char *url)
{
	static const char *const routes[] = {
		"/ace/getstream", "/ace/manifest.m3u8",
	};
	size_t i, n;

	for (i = 0; i < 2; i++) {
		n = strlen(routes[i]);
		if (strncmp(url, routes[i], n) == 0 && (url[n] == '\0' ||
		    (url[n] == '/' && url[n + 1] == '\0')))
			return (int)i;
	}
	return -1;
}

/*
 * The stream key and engine arguments of the request, or an answer in
 * *RET (400, 403) and -1.  On an edge without engines only a plain id or
 * infohash (a magnet's too) goes to the parent.
 */
static int
ace_request_key_args(struct worker *w, struct MHD_Connection *conn,
    char *key, size_t keysz, char *args, size_t argssz, enum MHD_Result *ret)
{
	struct ace_request rq;
	const char *why, *param, *id;

	ace_request_read(conn, &rq);
	if ((why = ace_request_problem(&rq)) != NULL ||
	    ace_request_key(&rq, key, keysz) == -1 ||
	    ace_request_args(&rq, args, argssz) == -1) {
		*ret = http_error(conn, MHD_HTTP_BAD_REQUEST, why ? why :
		    "the input is too long");
		return -1;
	}
	if (ace_request_fetches_url(&rq) &&
	    !atomic_load(&w->st->ace.allow_url_input)) {
		*ret = http_error(conn, MHD_HTTP_FORBIDDEN, "url= and magnet= "
		    "are turned off here (acestream.allow_url_input)");
		return -1;
	}
	if (atomic_load(&w->st->edge_content_ids) &&
	    ace_key_split(key, &param, &id) == -1) {
		*ret = http_error(conn, MHD_HTTP_BAD_REQUEST, "this server "
		    "relays only content ids and infohashes, without options");
		return -1;
	}
	return 0;
}

/*
 * A running stream of KEY made from other arguments (the hashes in keys
 * met by chance or on purpose): 1 with a 409 in *RET.  The input line
 * counts for url= keys only (id= and content_id=, an infohash and its
 * magnet are the same broadcast).
 */
static int
ace_key_taken(struct worker *w, struct MHD_Connection *conn, const char *key,
    const char *args, enum MHD_Result *ret)
{
	char theirs[ACE_ARGS_MAX];
	const char *a = args, *b = theirs;
	int slot = state_find(w->st, key);

	if (slot == -1)
		return 0;
	ace_state_slot_args(&w->st->ace, slot, theirs, sizeof(theirs));
	if (theirs[0] == '\0')
		return 0;
	if (strncmp(key, ACE_URL_KEY_PREFIX, strlen(ACE_URL_KEY_PREFIX)) != 0) {
		a += strcspn(a, "\n");
		b += strcspn(b, "\n");
	}
	if (strcmp(a, b) == 0)
		return 0;
	*ret = http_error(conn, MHD_HTTP_CONFLICT, "another input has the "
	    "same stream key");
	return 1;
}

/*
 * KEY becomes the name of the running stream of its broadcast, when one
 * runs under another key (a content id's for its infohash, ...): the
 * request joins it, 1.  Not on an edge (its parent decides).
 */
static int
ace_join(struct worker *w, char *key, size_t keysz)
{
	struct slot_cfg cfg;
	int slot;

	if (atomic_load(&w->st->edge_content_ids) ||
	    (slot = ace_broadcast_slot(&w->st->ace, key)) == -1 ||
	    state_slot_read(w->st, slot, &cfg) == -1 || !cfg.in_use)
		return 0;
	str_copy(key, cfg.name, keysz);
	return 1;
}

/*
 * 1 when a request may be served by SLOT: its own engine session has
 * named its broadcast and no other new stream may still turn out to be
 * the same (ace_state_broadcast_pending), or another stream replaced it
 * (the request then joins that one), or SLOT has no content-id stream.
 * Until then a raced twin may replace SLOT's stream (acestream.c:
 * duplicate), and a player left waiting for the first bytes of the
 * replaced one would get a 404.
 */
static int
ace_settled(struct worker *w, int slot)
{
	struct ace_slot_view v;

	if (ace_state_slot(&w->st->ace, slot, &v) == -1 || v.replaced)
		return 1;
	return v.reported && !ace_state_broadcast_pending(&w->st->ace, slot,
	    now_ms());
}

static int
ace_hold_ready(struct worker *w, struct client *c)
{
	return now_ms() >= c->deadline_ms ||
	    ace_settled(w, c->create_slot);
}

/*
 * SLOT is the stream of KEY but not settled: hold the request, suspended
 * as a stream request answered with SLOT (http_dynamic.c hands the slot
 * on when it resumes), until it is or for ACE_SETTLE_MS; 1 when held.
 */
static int
ace_hold(struct worker *w, struct MHD_Connection *conn, int slot,
    const char *key, void **con_cls)
{
	struct client *c;

	if (atomic_load(&w->stopping) || ace_settled(w, slot) ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		return 0;
	c->w = w;
	c->conn = conn;
	http_client_user_note(c, conn);
	c->kind = CLIENT_CREATE;
	c->admin_done = 1;
	c->create_slot = slot;
	c->ready = ace_hold_ready;
	c->started_ms = now_ms();
	c->deadline_ms = c->started_ms + ACE_SETTLE_MS;
	str_copy(c->name, key, sizeof(c->name));
	*con_cls = c;
	pthread_mutex_lock(&w->lock);
	w->n_clients++;
	http_client_suspend(w, c);
	pthread_mutex_unlock(&w->lock);
	return 1;
}

/* A held request resumed (every HTTP_REVIVE_MS, so that libmicrohttpd
 * sees a player that left): 1 when it is held on. */
static int
ace_hold_on(struct worker *w, struct client *c)
{
	if (atomic_load(&w->stopping) || c->ending || ace_hold_ready(w, c))
		return 0;
	pthread_mutex_lock(&w->lock);
	http_client_suspend(w, c);
	pthread_mutex_unlock(&w->lock);
	return 1;
}

/* The name of the stream in SLOT (what the supervisor's answer named:
 * it may have joined another key's stream of the same broadcast). */
static void
ace_slot_key(struct worker *w, int slot, char *key, size_t keysz)
{
	struct slot_cfg cfg;

	if (state_slot_read(w->st, slot, &cfg) == 0 && cfg.in_use)
		str_copy(key, cfg.name, keysz);
}

int
http_ace_resolve(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls, char *key,
    size_t keysz, int *hls, enum MHD_Result *ret)
{
	char args[ACE_ARGS_MAX];
	struct client *c = *con_cls;
	int slot, held = c != NULL && c->ready == ace_hold_ready;

	if ((*hls = ace_route_hls(url)) == -1) {
		*ret = http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
		return 0;
	}
	if (ace_request_key_args(w, conn, key, keysz, args, sizeof(args),
	    ret) == -1)
		return 0;
	/* refused by the engine a moment ago (or while a playlist waited) */
	if ((c == NULL || c->kind != CLIENT_CREATE) &&
	    http_client_refused(w, conn, key, ret))
		return 0;
	if (c != NULL && c->kind != CLIENT_CREATE) {
		ace_join(w, key, keysz);
		return 1;	/* a player resumed: its family goes on */
	}
	if (c == NULL && strcmp(method, MHD_HTTP_METHOD_HEAD) == 0) {
		/* a HEAD starts nothing */
		*ret = http_reply(conn, MHD_HTTP_OK, *hls ?
		    "application/vnd.apple.mpegurl" : "video/mp2t", "", 0);
		return 0;
	}
	if (c == NULL && ace_key_taken(w, conn, key, args, ret))
		return 0;
	if (c == NULL)
		ace_join(w, key, keysz);
	if (held && ace_hold_on(w, c)) {
		*ret = MHD_YES;
		return 0;
	}
	/* an edge without engines asks its parent (edge.h) */
	if ((slot = http_dynamic_resolve_args(w, conn,
	    atomic_load(&w->st->edge_content_ids) ? STREAM_ORIGIN_PARENT_ACE :
	    STREAM_ORIGIN_ACE, key, args, con_cls, ret)) < 0)
		return 0;
	if (!held && ace_hold(w, conn, slot, key, con_cls)) {
		*ret = MHD_YES;
		return 0;
	}
	/* held while the engine refused it */
	if (held && http_client_refused(w, conn, key, ret))
		return 0;
	if (!ace_join(w, key, keysz))
		ace_slot_key(w, slot, key, keysz);
	return 1;
}
