/*
 * http_admin.c - the admin API: POST /admin/reload,
 * POST /admin/streams/NAME/stop, POST /admin/streams/NAME/start,
 * POST /admin/engines/drain?engine=E and /admin/engines/undrain?engine=E
 * (E: an AceStream engine's URL, or its place in /status from 0).
 *
 * Off (404) while admin_token is empty; otherwise every request needs
 * "Authorization: Bearer TOKEN", compared in constant time (401 without
 * it).  The work is the supervisor's: the worker sends the command over
 * its channel with a request id and keeps the connection suspended until
 * the answer comes back (or ADMIN_TIMEOUT_MS passes: 504), so no thread
 * ever waits on another process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cors.h"
#include "http.h"
#include "log.h"
#include "msg.h"
#include "routes.h"
#include "util.h"

#define ADMIN_TIMEOUT_MS	10000

/* drain or undrain (WHAT) of the engine in ?engine=: 0, or -1. */
static int
admin_engine(struct MHD_Connection *conn, const char *what, char *cmd,
    size_t cmdsz)
{
	const char *e = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "engine");
	int n;

	if (e == NULL || e[0] == '\0' || strpbrk(e, " \t\r\n") != NULL)
		return -1;
	n = snprintf(cmd, cmdsz, "%s %s", what, e);
	return n < 0 || (size_t)n >= cmdsz ? -1 : 0;
}

/* The supervisor command for URL, or -1 (unknown path: 404). */
static int
admin_command(struct MHD_Connection *conn, const char *url, char *cmd,
    size_t cmdsz)
{
	char name[CONFIG_NAME_MAX + 1];
	const char *p, *slash;
	size_t len;

	if (strcmp(url, "/admin/reload") == 0) {
		str_copy(cmd, "reload", cmdsz);
		return 0;
	}
	if (strcmp(url, "/admin/engines/drain") == 0)
		return admin_engine(conn, "drain", cmd, cmdsz);
	if (strcmp(url, "/admin/engines/undrain") == 0)
		return admin_engine(conn, "undrain", cmd, cmdsz);
	if (strncmp(url, "/admin/streams/", 15) != 0)
		return -1;
	p = url + 15;
	if ((slash = strchr(p, '/')) == NULL || (len = (size_t)(slash - p)) ==
	    0 || len >= sizeof(name))
		return -1;
	memcpy(name, p, len);
	name[len] = '\0';
	if (!config_name_valid(name))
		return -1;
	if (strcmp(slash, "/stop") == 0)
		snprintf(cmd, cmdsz, "stop %s", name);
	else if (strcmp(slash, "/start") == 0)
		snprintf(cmd, cmdsz, "start %s", name);
	else
		return -1;
	return 0;
}

static int
admin_authorized(struct worker *w, struct MHD_Connection *conn,
    const char *token)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
		return 0;
	return str_equal_ct(auth + 7, token);
}

/* Send the command and suspend; the reply resumes the connection. */
static enum MHD_Result
admin_forward(struct worker *w, struct MHD_Connection *conn,
    const char *cmd, void **con_cls)
{
	struct msg_admin req;
	struct client *c;
	int sent;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return MHD_NO;
	c->w = w;
	c->conn = conn;
	c->kind = CLIENT_ADMIN;
	c->started_ms = now_ms();
	c->deadline_ms = c->started_ms + ADMIN_TIMEOUT_MS;
	*con_cls = c;
	pthread_mutex_lock(&w->lock);
	c->admin_id = ++w->admin_next_id;
	w->n_clients++;
	req.id = c->admin_id;
	/* the answer may come back at once: only a failed send is decided
	 * here, everything else when the connection is resumed */
	sent = msg_send_text(w->chan, MSG_ADMIN, &req, sizeof(req), cmd,
	    strlen(cmd)) == 0;
	if (sent)
		http_client_suspend(w, c);
	pthread_mutex_unlock(&w->lock);
	if (!sent)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "cannot reach the supervisor");
	return MHD_YES;
}

/* Resumed with no answer yet (the wake loop revives every suspended
 * connection now and then): suspend again until the deadline. */
static int
admin_wait_more(struct worker *w, struct client *c)
{
	return http_client_wait_answer(w, c);
}

enum MHD_Result
http_admin_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	char token[STATE_TOKEN_MAX], cmd[MSG_ADMIN_CMD_MAX + 1];
	struct client *c = *con_cls;
	struct buf b;
	enum MHD_Result ret;

	if (c != NULL) {	/* resumed: the answer is in, or time is up */
		if (admin_wait_more(w, c))
			return MHD_YES;
		if (!c->admin_done)
			return http_error(conn, MHD_HTTP_GATEWAY_TIMEOUT,
			    "the supervisor did not answer in time");
		if (!c->admin_ok)
			return http_error(conn, strncmp(c->admin_msg, "no stream",
			    9) == 0 ? MHD_HTTP_NOT_FOUND : MHD_HTTP_CONFLICT,
			    c->admin_msg);
		buf_init(&b);
		buf_puts(&b, "{\"ok\":true}\n");
		ret = http_reply(conn, MHD_HTTP_OK, "application/json", b.data,
		    b.len);
		buf_free(&b);
		return ret;
	}
	state_get_admin_token(w->st, token, sizeof(token));
	if (token[0] == '\0')
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	if (admin_command(conn, url, cmd, sizeof(cmd)) == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0)
		return http_preflight(conn);	/* CORS: listed origins only */
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
		static const char body[] = "{\"error\":\"use POST\"}\n";

		return http_reply_hdr(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "application/json", body, sizeof(body) - 1, "Allow",
		    CORS_ADMIN_METHODS);
	}
	if (!admin_authorized(w, conn, token)) {
		log_warnx("admin request %s refused: bad or missing token", url);
		return http_unauthorized(conn);
	}
	log_info("admin request: %s", cmd);
	return admin_forward(w, conn, cmd, con_cls);
}

void
http_admin_reply(struct worker *w, const struct msg *m)
{
	struct msg_admin_reply reply;
	struct client *c;
	const char *text;
	size_t len;

	if (msg_get_text(m, &reply, sizeof(reply), &text, &len) == -1)
		return;
	pthread_mutex_lock(&w->lock);
	for (c = w->suspended; c != NULL; c = c->next)
		if (c->kind == CLIENT_ADMIN && c->admin_id == reply.id) {
			c->admin_done = 1;
			c->admin_ok = reply.ok != 0;
			snprintf(c->admin_msg, sizeof(c->admin_msg), "%.*s",
			    (int)len, text);
			break;
		}
	pthread_mutex_unlock(&w->lock);
}
