/*
 * api.c - the test engine's answers to the AceStream engine API a proxy
 * uses, in the real engine's JSON shapes (tests/engine/README):
 * getstream (a new session and its URLs), a session's stat and stop
 * commands, get_version (the health check), and the /stats counters.
 * Playback itself is play.c's; the faults that change these answers are
 * read from fault.c's table.  A new answer, or a new error answer, lands
 * here.
 *
 * Calls session.c, fault.c, play.c (route_playback) and reply.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

static void
put_url(struct buf *b, const char *key, const char *kind,
    const struct session *s)
{
	char url[256];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/ace/%s/%s/%s",
	    engine_port, kind, s->cid, s->id);
	json_kv_str(b, key, url);
}


enum MHD_Result
route_getstream(struct MHD_Connection *conn, const char *url)
{
	const char *cid = query_arg(conn, "id");
	struct faults f;
	struct session *s;
	struct buf b;

	if (cid == NULL)
		cid = query_arg(conn, "content_id");
	if (cid == NULL)
		cid = query_arg(conn, "infohash");
	if (!format_ok(conn))
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "response",
		    "only format=json is supported");
	pthread_mutex_lock(&engine_mtx);
	f = faults;
	pthread_mutex_unlock(&engine_mtx);
	if (f.down)
		return reply_error(conn, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "response", "engine is down (fault)");
	if (f.slow_s > 0 && fault_slow_wait(conn, f.slow_s) == -1)
		return MHD_NO;
	if (cid == NULL)
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "missing content id (id=, content_id= or infohash=)");
	if (!is_hex(cid, ENGINE_ID_HEX))
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "bad content id: not 40 hex digits");
	if (f.error)
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "failed to start the stream (fault)");

	if ((s = calloc(1, sizeof(*s))) == NULL || session_new_id(s->id) == -1) {
		free(s);
		return reply_error(conn, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "response", "out of resources");
	}
	str_copy(s->cid, cid, sizeof(s->cid));
	pthread_mutex_lock(&engine_mtx);
	if (session_link(s) == -1) {
		pthread_mutex_unlock(&engine_mtx);
		free(s);
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "too many sessions or content ids");
	}

	buf_init(&b);
	buf_puts(&b, "{\"response\":{");
	put_url(&b, "playback_url", "r", s);
	put_url(&b, "stat_url", "stat", s);
	put_url(&b, "command_url", "cmd", s);
	json_kv_str(&b, "playback_session_id", s->id);
	json_kv_str(&b, "infohash", s->cid);
	json_kv_int(&b, "is_live", 1);
	json_kv_int(&b, "is_encrypted", 0);
	json_kv_int(&b, "client_session_id", -1);
	buf_puts(&b, "},\"error\":null}");
	pthread_mutex_unlock(&engine_mtx);
	return reply_ok(conn, url, &b);
}

static enum MHD_Result
route_stat(struct MHD_Connection *conn, const char *url, const char *cid,
    const char *sid)
{
	struct session *s;
	struct buf b;

	pthread_mutex_lock(&engine_mtx);
	s = session_find(sid);
	if (s == NULL || strcmp(s->cid, cid) != 0) {
		pthread_mutex_unlock(&engine_mtx);
		return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
		    "unknown or stopped playback session");
	}
	engine_cnt.stat_polls++;
	buf_init(&b);
	buf_puts(&b, "{\"response\":{");
	json_kv_str(&b, "status", "dl");
	json_kv_int(&b, "peers", ENGINE_STAT_PEERS);
	json_kv_uint(&b, "speed_down", s->refs > 0 ?
	    (unsigned long long)(media.rate_bps / 1024) : 0);
	json_kv_uint(&b, "speed_up", 0);
	json_kv_uint(&b, "downloaded", s->downloaded);
	json_kv_uint(&b, "uploaded", 0);
	json_kv_int(&b, "total_progress", 0);
	buf_puts(&b, "},\"error\":null}");
	pthread_mutex_unlock(&engine_mtx);
	return reply_ok(conn, url, &b);
}

static enum MHD_Result
route_command(struct MHD_Connection *conn, const char *url, const char *cid,
    const char *sid)
{
	const char *method = query_arg(conn, "method");
	const struct tombstone *t;
	struct session *s;
	struct buf b;

	if (method == NULL || strcmp(method, "stop") != 0)
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "response",
		    method == NULL ? "missing method" : "unknown method");
	pthread_mutex_lock(&engine_mtx);
	s = session_find(sid);
	if (s != NULL && strcmp(s->cid, cid) == 0) {
		engine_cnt.stops++;
		s->ids->stops++;
		session_stop(s);
		pthread_mutex_unlock(&engine_mtx);
		buf_init(&b);
		buf_puts(&b, "{\"response\":\"ok\",\"error\":null}");
		return reply_ok(conn, url, &b);
	}
	if ((t = tomb_find(sid)) != NULL && strcmp(t->cid, cid) == 0) {
		engine_cnt.stops_repeated++;
		pthread_mutex_unlock(&engine_mtx);
		return reply_error(conn, url, MHD_HTTP_OK, "response",
		    "session already stopped");
	}
	pthread_mutex_unlock(&engine_mtx);
	return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
	    "unknown playback session");
}

enum MHD_Result
route_service(struct MHD_Connection *conn, const char *url)
{
	const char *method = query_arg(conn, "method");
	struct buf b;
	int down;

	if (!format_ok(conn))
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "result",
		    "only format=json is supported");
	if (method == NULL || strcmp(method, "get_version") != 0)
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "result",
		    method == NULL ? "missing method" : "unknown method");
	pthread_mutex_lock(&engine_mtx);
	engine_cnt.version_checks++;
	down = faults.down;
	pthread_mutex_unlock(&engine_mtx);
	if (down)
		return reply_error(conn, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "result", "engine is down (fault)");
	buf_init(&b);
	buf_puts(&b, "{\"result\":{");
	json_kv_int(&b, "code", ENGINE_VERSION_CODE);
	json_kv_str(&b, "platform", "linux");
	json_kv_str(&b, "version", ENGINE_VERSION);
	buf_puts(&b, "},\"error\":null}");
	return reply_ok(conn, url, &b);
}

enum MHD_Result
route_stats(struct MHD_Connection *conn, const char *url)
{
	struct buf b;

	buf_init(&b);
	pthread_mutex_lock(&engine_mtx);
	buf_puts(&b, "{");
	json_kv_uint(&b, "starts", engine_cnt.starts);
	json_kv_uint(&b, "stops", engine_cnt.stops);
	json_kv_uint(&b, "stops_repeated", engine_cnt.stops_repeated);
	json_kv_uint(&b, "active_sessions", engine_cnt.active_sessions);
	json_kv_uint(&b, "playback_pulls", engine_cnt.pulls);
	json_kv_uint(&b, "active_pulls", engine_cnt.active_pulls);
	json_kv_uint(&b, "stat_polls", engine_cnt.stat_polls);
	json_kv_uint(&b, "version_checks", engine_cnt.version_checks);
	idstat_put_all(&b);
	buf_puts(&b, "}");
	pthread_mutex_unlock(&engine_mtx);
	return reply_ok(conn, url, &b);
}

/* Routes of one session: /ace/{r,stat,cmd}/ID/SESS. */
enum MHD_Result
route_session(struct MHD_Connection *conn, const char *url)
{
	static const struct {
		const char	*prefix;
		enum MHD_Result	(*fn)(struct MHD_Connection *, const char *,
				    const char *, const char *);
	} routes[] = {
		{ "/ace/r/", route_playback },
		{ "/ace/stat/", route_stat },
		{ "/ace/cmd/", route_command },
	};
	char cid[ENGINE_ID_HEX + 1], sid[ENGINE_SESS_HEX + 1];

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t len = strlen(routes[i].prefix);
		if (strncmp(url, routes[i].prefix, len) != 0)
			continue;
		if (split_session_path(url + len, cid, sid) == -1)
			return reply_error(conn, url, MHD_HTTP_BAD_REQUEST,
			    "response", "bad session path: want "
			    "ID (40 hex digits)/SESSION (32 hex digits)");
		return routes[i].fn(conn, url, cid, sid);
	}
	return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
	    "not found");
}
