/*
 * http_dynamic.c - the worker's half of dynamic streams (origin.h).
 *
 * A request for a stream the worker cannot find in the state segment,
 * on a route that can make one (an AceStream content id, an edge's
 * parent stream), is relayed to the supervisor as MSG_STREAM_CREATE with
 * a request id; the connection is suspended (no thread waits) until
 * MSG_STREAM_CREATE_REPLY names the slot or says why not.  This is the
 * admin API's pattern (http_admin.c).  The supervisor answers at once,
 * from memory, so the wait is a round trip; CREATE_TIMEOUT_MS only
 * guards against a supervisor that cannot answer.  Or, for a content id
 * that waits for room on a managed engine, up to acestream.start_timeout
 * later (the state segment's ace.wait_limit_ms, added to the guard).
 *
 * The request may carry the origin's arguments for a new stream (an
 * AceStream url= and options): they follow the key in the message, after
 * a newline, and are the origin's to read.
 *
 * Once the stream exists the request carries on as an on-demand named
 * stream would, through its route family: waiting for the first data is
 * theirs.  This file is a mechanism like http.c: it names no route.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "http.h"
#include "http_dynamic.h"
#include "log.h"
#include "msg.h"
#include "util.h"

#define CREATE_TIMEOUT_MS	10000

/* The stream of KEY as the state segment has it: its slot or -1. */
static int
dynamic_find(struct worker *w, const char *key)
{
	struct slot_cfg cfg;
	int slot = state_find(w->st, key);

	if (slot == -1 || state_slot_read(w->st, slot, &cfg) == -1 ||
	    !cfg.in_use)
		return -1;
	return slot;
}

/* Send the request and suspend; the reply resumes the connection. */
static int
dynamic_ask(struct worker *w, struct MHD_Connection *conn,
    enum stream_origin origin, const char *key, const char *args,
    void **con_cls)
{
	char text[MSG_MAX_PAYLOAD - sizeof(struct msg_create) + 1];
	struct msg_create h;
	struct client *c;
	size_t len = strlen(key);
	int sent, n;

	n = snprintf(text, sizeof(text), "%s%s%s", key, args && args[0] ?
	    "\n" : "", args ? args : "");
	if (len == 0 || len > CONFIG_NAME_MAX || n < 0 ||
	    (size_t)n >= sizeof(text) || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->w = w;
	c->conn = conn;
	http_client_user_note(c, conn);
	c->kind = CLIENT_CREATE;
	c->create_slot = -1;
	c->started_ms = now_ms();
	c->deadline_ms = c->started_ms + CREATE_TIMEOUT_MS +
	    (origin == STREAM_ORIGIN_ACE ?
	    atomic_load(&w->st->ace.wait_limit_ms) : 0);
	str_copy(c->name, key, sizeof(c->name));
	*con_cls = c;
	pthread_mutex_lock(&w->lock);
	c->admin_id = ++w->admin_next_id;
	w->n_clients++;
	h.id = c->admin_id;
	h.origin = (uint32_t)origin;
	/* the answer may come at once: it is handled under w->lock, after
	 * this client is on the suspended list */
	sent = msg_send_text(w->chan, MSG_STREAM_CREATE, &h, sizeof(h), text,
	    (size_t)n) == 0;
	if (sent)
		http_client_suspend(w, c);
	pthread_mutex_unlock(&w->lock);
	return sent ? 0 : -1;
}

static enum MHD_Result
dynamic_refused(struct MHD_Connection *conn, const struct client *c)
{
	char retry[16];
	enum MHD_Result ret;
	struct buf b;
	unsigned status = c->create_status >= 400 && c->create_status < 600 ?
	    c->create_status : MHD_HTTP_SERVICE_UNAVAILABLE;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "error", c->admin_msg[0] ? c->admin_msg :
	    "the stream cannot be made");
	json_kv_str(&b, "stream", c->name);
	buf_puts(&b, "}\n");
	snprintf(retry, sizeof(retry), "%u", c->create_retry_s);
	if (b.failed)
		ret = MHD_NO;
	else if (c->create_retry_s > 0)
		ret = http_reply_hdr(conn, status, "application/json", b.data,
		    b.len, "Retry-After", retry);
	else
		ret = http_reply(conn, status, "application/json", b.data,
		    b.len);
	buf_free(&b);
	return ret;
}

int
http_dynamic_resolve(struct worker *w, struct MHD_Connection *conn,
    enum stream_origin origin, const char *key, void **con_cls,
    enum MHD_Result *ret)
{
	return http_dynamic_resolve_args(w, conn, origin, key, NULL, con_cls,
	    ret);
}

int
http_dynamic_resolve_args(struct worker *w, struct MHD_Connection *conn,
    enum stream_origin origin, const char *key, const char *args,
    void **con_cls, enum MHD_Result *ret)
{
	struct client *c = *con_cls;
	int slot;

	if (c == NULL) {
		if ((slot = dynamic_find(w, key)) != -1)
			return slot;	/* running or on demand: join it */
		if (atomic_load(&w->stopping)) {
			*ret = http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "the server is shutting down");
			return -1;
		}
		if (dynamic_ask(w, conn, origin, key, args, con_cls) == -1) {
			*ret = http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "cannot reach the supervisor");
			return -1;
		}
		*ret = MHD_YES;
		return -1;
	}
	/* resumed: answered, timed out, or revived with nothing yet */
	if (http_client_wait_answer(w, c)) {
		*ret = MHD_YES;
		return -1;
	}
	if (!c->admin_done) {
		*ret = http_error(conn, atomic_load(&w->stopping) ?
		    MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_GATEWAY_TIMEOUT,
		    atomic_load(&w->stopping) ? "the server is shutting down" :
		    "the supervisor did not answer in time");
		return -1;
	}
	if (c->create_slot < 0) {
		*ret = dynamic_refused(conn, c);
		return -1;
	}
	slot = c->create_slot;
	pthread_mutex_lock(&w->lock);
	w->n_clients--;
	pthread_mutex_unlock(&w->lock);
	free(c);
	*con_cls = NULL;
	return slot;
}

void
http_dynamic_reply(struct worker *w, const struct msg *m)
{
	struct msg_create_reply h;
	struct client *c;
	const char *text;
	size_t n;

	if (msg_get_text(m, &h, sizeof(h), &text, &n) == -1) {
		log_warnx("malformed stream answer from the supervisor");
		return;
	}
	pthread_mutex_lock(&w->lock);
	for (c = w->suspended; c != NULL; c = c->next)
		if (c->kind == CLIENT_CREATE && c->admin_id == h.id) {
			c->admin_done = 1;
			c->create_slot = h.slot >= 0 && h.slot <
			    STATE_MAX_STREAMS ? h.slot : -1;
			c->create_status = h.status;
			c->create_retry_s = h.retry_after_s;
			if (n >= sizeof(c->admin_msg))
				n = sizeof(c->admin_msg) - 1;
			memcpy(c->admin_msg, text, n);
			c->admin_msg[n] = '\0';
			break;
		}
	pthread_mutex_unlock(&w->lock);
}
