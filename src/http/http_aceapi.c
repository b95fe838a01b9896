/*
 * http_aceapi.c - the AceStream engine's JSON API on ringcast, for the
 * clients that drive an engine through it (python-acestream in Kodi
 * add-ons and the like): GET /webui/api/service?method=get_version,
 * the answer of /ace/getstream?format=json and /ace/manifest.m3u8?
 * format=json, and the session routes /ace/stat/KEY/HOLD and
 * /ace/cmd/KEY/HOLD those answers name.
 *
 * A JSON getstream is found or made by the /ace/ family as any other
 * (routes.c hands it here once the stream exists); the answer names the
 * shared stream's own TS or playlist on ringcast and a hold, a random
 * id in the state segment's hold table (state.h), so that any worker,
 * a respawned one too, knows it.  Design choice: a hold keeps its stream
 * up the way an HLS player does, by renewing the stream's activity
 * stamp (hls_active_ms) at the getstream and at each stat poll; the
 * supervisor's idle check needs nothing new, and a stop, or a client
 * that stops polling, lets the stream end after idle_timeout as usual.
 * The hold itself lapses STATE_HOLD_TTL_MS after its last poll.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "ace_api.h"
#include "ace_client.h"
#include "routes.h"
#include "util.h"

/* {"response": null, "error": TEXT} with STATUS. */
static enum MHD_Result
aceapi_fail(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct buf b;

	buf_init(&b);
	return http_reply_buf(conn, status, "application/json", &b,
	    ace_api_error(&b, text));
}

/* The stream in SLOT has a client of the engine API now. */
static void
aceapi_stamp(struct worker *w, int slot)
{
	atomic_store(&w->st->streams[slot].hls_active_ms, now_ms());
}

int
http_aceapi_json(struct MHD_Connection *conn)
{
	const char *f = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "format");

	return f != NULL && strcmp(f, "json") == 0;
}

/* The port the request came to (0: unknown). */
static unsigned
aceapi_local_port(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (ci == NULL ||
	    getsockname(ci->connect_fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

enum MHD_Result
http_aceapi_session(struct worker *w, struct MHD_Connection *conn,
    const char *key, int hls)
{
	struct ace_api_session s = { .key = key, .hls = hls };
	uint8_t id[STATE_HOLD_ID_BYTES];
	char hold[ACE_API_HOLD_HEX + 1], base[300];
	const char *param, *hash;
	struct buf b;
	int slot;

	if ((slot = state_find(w->st, key)) < 0)
		return aceapi_fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the stream ended");
	if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id))
		return aceapi_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "no random bytes for a session id");
	if (state_hold_add(w->st, id, key, now_ms()) == -1)
		return aceapi_fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "too many playback sessions");
	aceapi_stamp(w, slot);
	http_request_fetcher(w, slot);
	ace_api_hold_hex(id, hold);
	ace_api_base_url(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST), aceapi_local_port(conn), base,
	    sizeof(base));
	http_url_scheme(conn, base, sizeof(base));
	s.base = base;
	s.hold = hold;
	s.infohash = ace_key_split(key, &param, &hash) == 0 ? hash : "";
	buf_init(&b);
	return http_reply_buf(conn, MHD_HTTP_OK,
	    "application/json", &b, ace_api_getstream(&b, &s));
}

/* GET /ace/stat/KEY/HOLD: ringcast's view of the stream; renews HOLD. */
static enum MHD_Result
aceapi_stat(struct worker *w, struct MHD_Connection *conn, const char *key,
    const uint8_t *id)
{
	struct ace_api_stat s;
	struct buf b;
	int slot;

	if ((slot = state_find(w->st, key)) < 0 ||
	    state_hold_renew(w->st, id, key, now_ms()) == -1)
		return aceapi_fail(conn, MHD_HTTP_OK, ACE_API_UNKNOWN_SESSION);
	aceapi_stamp(w, slot);
	ace_api_stat_read(w->st, slot, &s);
	buf_init(&b);
	return http_reply_buf(conn, MHD_HTTP_OK,
	    "application/json", &b, ace_api_stat(&b, &s));
}

/* GET /ace/cmd/KEY/HOLD?method=stop: HOLD lets go of the stream. */
static enum MHD_Result
aceapi_command(struct worker *w, struct MHD_Connection *conn,
    const char *key, const uint8_t *id)
{
	const char *m = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "method");
	struct buf b;

	if (m == NULL || strcmp(m, "stop") != 0)
		return aceapi_fail(conn, MHD_HTTP_BAD_REQUEST,
		    "unknown method");
	if (state_hold_drop(w->st, id, key, now_ms()) == -1)
		return aceapi_fail(conn, MHD_HTTP_OK, ACE_API_UNKNOWN_SESSION);
	buf_init(&b);
	return http_reply_buf(conn, MHD_HTTP_OK,
	    "application/json", &b, ace_api_ok(&b));
}

/* GET /webui/api/service?method=get_version[&format=json] */
static enum MHD_Result
aceapi_service(struct MHD_Connection *conn)
{
	const char *m = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "method");
	struct buf b;

	buf_init(&b);
	if (m != NULL && strcmp(m, "get_version") == 0)
		return http_reply_buf(conn, MHD_HTTP_OK,
		    "application/json", &b, ace_api_version(&b));
	return http_reply_buf(conn, MHD_HTTP_BAD_REQUEST,
	    "application/json", &b,
	    ace_api_version_error(&b, "unknown method"));
}

enum MHD_Result
http_aceapi_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	uint8_t id[STATE_HOLD_ID_BYTES];
	char key[CONFIG_NAME_MAX + 1];

	if (strcmp(url, "/webui/api/service") == 0)
		return aceapi_service(conn);
	if (ace_api_hold_path(url, ACE_API_STAT_PREFIX, key, sizeof(key),
	    id) == 0)
		return aceapi_stat(w, conn, key, id);
	if (ace_api_hold_path(url, ACE_API_CMD_PREFIX, key, sizeof(key),
	    id) == 0)
		return aceapi_command(w, conn, key, id);
	return aceapi_fail(conn, MHD_HTTP_NOT_FOUND, ACE_API_UNKNOWN_SESSION);
}
