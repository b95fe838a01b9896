/*
 * api.c - the test engine's answers to the AceStream engine API a proxy
 * uses, in the real engine's JSON shapes (tests/engine/README):
 * getstream (an input resolved to its infohash, a new session that
 * supersedes the older one of that infohash, its URLs at the advertised
 * port; or the engine's redirect), a session's stat and stop commands,
 * get_version and the network status (the health checks), and the
 * /stats counters.
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

#define SESSION_URL_BYTES	256

/* S's URL of KIND (r, stat, cmd) at the advertised port. */
static void
session_url(char url[SESSION_URL_BYTES], const char *kind,
    const struct session *s)
{
	snprintf(url, SESSION_URL_BYTES, "http://127.0.0.1:%u/ace/%s/%s/%s",
	    engine_adv_port, kind, s->hash, s->id);
}

static void
put_url(struct buf *b, const char *key, const char *kind,
    const struct session *s)
{
	char url[SESSION_URL_BYTES];

	session_url(url, kind, s);
	json_kv_str(b, key, url);
}

/* Count a getstream answer, for HASH too when it is known.  Locks. */
static void
count_getstream(const char *hash)
{
	struct idstat *ids;

	pthread_mutex_lock(&engine_mtx);
	engine_cnt.getstreams++;
	if (hash != NULL && (ids = idstat_get(hash)) != NULL)
		ids->getstreams++;
	pthread_mutex_unlock(&engine_mtx);
}

/* A new session of CID and HASH started with faults F, linked; NULL and
 * *ERR set when there is no room. */
static struct session *
session_start(const char *cid, const char *hash, const struct faults *f,
    const char **err)
{
	struct session *s;

	*err = "out of resources";
	if ((s = calloc(1, sizeof(*s))) == NULL || session_new_id(s->id) == -1) {
		free(s);
		return NULL;
	}
	str_copy(s->cid, cid, sizeof(s->cid));
	str_copy(s->hash, hash, sizeof(s->hash));
	s->vod = f->vod;
	if (f->prebuf_s > 0)
		s->prebuf_until_ms = now_ms() + (uint64_t)(f->prebuf_s * 1000.0);
	pthread_mutex_lock(&engine_mtx);
	if (session_link(s) == -1) {
		pthread_mutex_unlock(&engine_mtx);
		free(s);
		*err = "too many sessions or content ids";
		return NULL;
	}
	return s;			/* engine_mtx held */
}

/* The answer for S (engine_mtx held, released here): JSON, or with a
 * format other than json the engine's redirect to the playback. */
static enum MHD_Result
getstream_answer(struct MHD_Connection *conn, const char *url,
    struct session *s)
{
	char play[SESSION_URL_BYTES];
	struct buf b;

	if (!format_ok(conn)) {
		session_url(play, "r", s);
		pthread_mutex_unlock(&engine_mtx);
		return reply_redirect(conn, url, play);
	}
	buf_init(&b);
	buf_puts(&b, "{\"response\":{");
	put_url(&b, "playback_url", "r", s);
	put_url(&b, "stat_url", "stat", s);
	put_url(&b, "command_url", "cmd", s);
	json_kv_str(&b, "playback_session_id", s->id);
	json_kv_str(&b, "infohash", s->hash);
	json_kv_int(&b, "is_live", s->vod ? 0 : 1);
	json_kv_int(&b, "is_encrypted", 0);
	json_kv_int(&b, "client_session_id", -1);
	buf_puts(&b, "},\"error\":null}");
	pthread_mutex_unlock(&engine_mtx);
	return reply_ok(conn, url, &b);
}

enum MHD_Result
route_getstream(struct MHD_Connection *conn, const char *url)
{
	char cid[ENGINE_ID_HEX + 1], hash[ENGINE_ID_HEX + 1];
	const char *err = input_infohash(conn, cid, hash);
	const char *known = err == NULL ? hash : NULL;
	struct faults f;
	struct session *s;

	pthread_mutex_lock(&engine_mtx);
	fault_get(err == NULL ? cid : NULL, known, &f);
	pthread_mutex_unlock(&engine_mtx);
	if (f.down) {
		count_getstream(known);
		return reply_error(conn, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "response", "engine is down (fault)");
	}
	if (f.slow_s > 0 && fault_slow_wait(conn, f.slow_s) == -1)
		return MHD_NO;
	count_getstream(known);
	if (err != NULL)
		return reply_error(conn, url, MHD_HTTP_OK, "response", err);
	if (f.error[0] != '\0')
		return reply_error(conn, url, MHD_HTTP_OK, "response", f.error);
	if ((s = session_start(cid, hash, &f, &err)) == NULL)
		return reply_error(conn, url, MHD_HTTP_OK, "response", err);
	return getstream_answer(conn, url, s);
}

/* Under engine_mtx: is S silent now (prebuffering or starved)?  A stall
 * is the engine's own fault, not the swarm's: stat does not show it. */
static int
session_silent(const struct session *s, int *prebuf)
{
	struct faults f;
	uint64_t now = now_ms();

	fault_get(s->cid, s->hash, &f);
	*prebuf = now < s->prebuf_until_ms;
	return *prebuf || now < f.starve_until_ms;
}

static enum MHD_Result
route_stat(struct MHD_Connection *conn, const char *url, const char *hash,
    const char *sid)
{
	struct session *s;
	struct buf b;
	int prebuf, silent;

	pthread_mutex_lock(&engine_mtx);
	s = session_find(sid);
	if (s == NULL || strcmp(s->hash, hash) != 0) {
		pthread_mutex_unlock(&engine_mtx);
		return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
		    "unknown or stopped playback session");
	}
	engine_cnt.stat_polls++;
	silent = session_silent(s, &prebuf);
	buf_init(&b);
	buf_puts(&b, "{\"response\":{");
	json_kv_str(&b, "status", prebuf ? "prebuf" : "dl");
	json_kv_int(&b, "peers", prebuf || silent ? 0 : ENGINE_STAT_PEERS);
	json_kv_uint(&b, "speed_down", s->refs > 0 && !silent ?
	    (unsigned long long)(media.rate_bps / 1024) : 0);
	json_kv_uint(&b, "speed_up", 0);
	json_kv_uint(&b, "downloaded", s->downloaded);
	json_kv_uint(&b, "uploaded", 0);
	json_kv_int(&b, "total_progress", 0);
	buf_puts(&b, "},\"error\":null}");
	pthread_mutex_unlock(&engine_mtx);
	return reply_ok(conn, url, &b);
}

/* The stop_slow fault for a stop of SID under HASH.  Locks. */
static double
stop_delay(const char *hash, const char *sid)
{
	struct session *s;
	struct faults f;

	pthread_mutex_lock(&engine_mtx);
	s = session_find(sid);
	fault_get(s != NULL ? s->cid : NULL, hash, &f);
	pthread_mutex_unlock(&engine_mtx);
	return f.stop_slow_s;
}

static enum MHD_Result
route_command(struct MHD_Connection *conn, const char *url, const char *hash,
    const char *sid)
{
	const char *method = query_arg(conn, "method");
	const struct tombstone *t;
	struct session *s;
	struct buf b;
	double delay;

	if (method == NULL || strcmp(method, "stop") != 0)
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "response",
		    method == NULL ? "missing method" : "unknown method");
	if ((delay = stop_delay(hash, sid)) > 0 &&
	    fault_slow_wait(conn, delay) == -1)
		return MHD_NO;
	pthread_mutex_lock(&engine_mtx);
	s = session_find(sid);
	if (s != NULL && strcmp(s->hash, hash) == 0) {
		engine_cnt.stops++;
		s->ids->stops++;
		session_stop(s, 1);
		pthread_mutex_unlock(&engine_mtx);
		buf_init(&b);
		buf_puts(&b, "{\"response\":\"ok\",\"error\":null}");
		return reply_ok(conn, url, &b);
	}
	if ((t = tomb_find(sid)) != NULL && t->by_stop &&
	    strcmp(t->hash, hash) == 0)
		engine_cnt.stops_repeated++;
	engine_cnt.stops_unknown++;
	pthread_mutex_unlock(&engine_mtx);
	return reply_error(conn, url, MHD_HTTP_OK, "response",
	    ENGINE_ERROR_UNKNOWN);
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
	down = faults.down || fault_take_down_check();
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

/* GET /server/api?api_version=3&method=get_network_connection_status
 * or method=get_status: the engine's network and readiness probes. */
enum MHD_Result
route_server_api(struct MHD_Connection *conn, const char *url)
{
	const char *method = query_arg(conn, "method");
	struct buf b;
	int offline;

	if (method == NULL || (strcmp(method, "get_status") != 0 &&
	    strcmp(method, "get_network_connection_status") != 0))
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, "result",
		    method == NULL ? "missing method" : "unknown method");
	pthread_mutex_lock(&engine_mtx);
	engine_cnt.network_checks++;
	offline = faults.offline;
	pthread_mutex_unlock(&engine_mtx);
	buf_init(&b);
	buf_puts(&b, "{\"result\":{");
	if (strcmp(method, "get_status") == 0)
		json_kv_int(&b, "status", 1);
	else
		json_kv_bool(&b, "connected", !offline);
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
	json_kv_uint(&b, "stops_unknown", engine_cnt.stops_unknown);
	json_kv_uint(&b, "getstreams", engine_cnt.getstreams);
	json_kv_uint(&b, "superseded", engine_cnt.superseded);
	json_kv_uint(&b, "active_sessions", engine_cnt.active_sessions);
	json_kv_uint(&b, "playback_pulls", engine_cnt.pulls);
	json_kv_uint(&b, "active_pulls", engine_cnt.active_pulls);
	json_kv_uint(&b, "stat_polls", engine_cnt.stat_polls);
	json_kv_uint(&b, "version_checks", engine_cnt.version_checks);
	json_kv_uint(&b, "network_checks", engine_cnt.network_checks);
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
	char hash[ENGINE_ID_HEX + 1], sid[ENGINE_SESS_HEX + 1];

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t len = strlen(routes[i].prefix);
		if (strncmp(url, routes[i].prefix, len) != 0)
			continue;
		if (split_session_path(url + len, hash, sid) == -1)
			return reply_error(conn, url, MHD_HTTP_BAD_REQUEST,
			    "response", "bad session path: want "
			    "INFOHASH (40 hex digits)/SESSION (40 hex digits)");
		return routes[i].fn(conn, url, hash, sid);
	}
	return reply_error(conn, url, MHD_HTTP_NOT_FOUND, "response",
	    "not found");
}
