/*
 * ace_status.c - the AceStream part of the status answers: per stream
 * its content id (as asked), the infohash the engine resolved it to,
 * engine, session and what the engine's stat_url said;
 * per engine its health, version and load.  Memory only, like status.c,
 * and its /metrics series go through the same writer (prom.c).
 */
#include <stdio.h>
#include <string.h>

#include "ace_status.h"
#include "prom.h"
#include "redact.h"
#include "util.h"

void
ace_status_json_stream(const struct state *st, int slot, struct buf *b)
{
	struct ace_slot_view v;
	char hidden[REDACT_URL_MAX];

	if (ace_state_slot(&st->ace, slot, &v) == -1)
		return;
	json_key(b, "acestream");
	buf_puts(b, "{");
	redact_text(v.content_id, hidden, sizeof(hidden));	/* url= */
	json_kv_str(b, "content_id", hidden);
	json_kv_str(b, "id_type", v.param);
	json_kv_str(b, "infohash", v.infohash[0] ? v.infohash : NULL);
	json_kv_str(b, "engine", v.engine);
	json_kv_str(b, "session", v.has_session && v.session_id[0] ?
	    v.session_id : NULL);
	json_kv_uint(b, "sessions", v.sessions);
	json_kv_str(b, "status", v.stat_wall_ms ? v.status : NULL);
	json_kv_uint(b, "peers", v.peers);
	json_kv_uint(b, "speed_down", v.speed_down);
	json_kv_uint(b, "speed_up", v.speed_up);
	json_kv_uint(b, "downloaded", v.downloaded);
	json_kv_double(b, "stat_age", v.stat_wall_ms ?
	    (double)(wall_ms() - v.stat_wall_ms) / 1000.0 : -1.0);
	buf_puts(b, "}");
}

/* The configured engine after *I (start at -1) into E: 1, or 0 at the end. */
static int
engine_next(const struct state *st, int *i, struct ace_engine_view *e)
{
	while (++*i < ACE_MAX_ENGINES)
		if (ace_state_engine(&st->ace, *i, e) == 0)
			return 1;
	return 0;
}

/* A managed engine's own fields. */
static void
ace_status_json_managed(const struct ace_engine_view *e, struct buf *b)
{
	json_kv_bool(b, "managed", e->managed);
	if (!e->managed)
		return;
	json_kv_str(b, "state", ace_phase_name(e->phase));
	json_kv_int(b, "pid", e->pid);
	json_kv_uint(b, "port", e->port);
	json_kv_uint(b, "restarts", e->restarts);
}

void
ace_status_json(const struct state *st, struct buf *b)
{
	struct ace_engine_view e;
	uint32_t managed_max = atomic_load(&st->ace.managed_max);
	int i, n = 0, more;

	for (i = -1; (more = engine_next(st, &i, &e)) || (n == 0 &&
	    managed_max > 0);) {
		if (n++ == 0) {
			json_key(b, "acestream");
			buf_puts(b, "{");
			json_kv_uint(b, "refused",
			    atomic_load(&st->ace.refused));
			json_kv_int(b, "monitor_pid",
			    atomic_load(&st->ace.monitor_pid));
			json_kv_uint(b, "max_engines", managed_max);
			json_kv_uint(b, "waiting",
			    atomic_load(&st->ace.waiting));
			json_key(b, "engines");
			buf_puts(b, "[");
			if (!more)
				break;
		} else
			buf_puts(b, ",");
		buf_puts(b, "{");
		json_kv_str(b, "url", e.url);
		json_kv_str(b, "health", ace_health_name(e.health));
		json_kv_str(b, "version", e.version[0] ? e.version : NULL);
		json_kv_str(b, "error", e.error[0] ? e.error : NULL);
		json_kv_uint(b, "streams", e.streams);
		json_kv_uint(b, "sessions", e.sessions);
		json_kv_uint(b, "failed_checks", e.fails);
		json_kv_bool(b, "draining", e.draining);
		json_key(b, "network");
		buf_puts(b, e.network == ACE_NET_UNKNOWN ? "null" :
		    e.network == ACE_NET_CONNECTED ? "true" : "false");
		ace_status_json_managed(&e, b);
		buf_puts(b, "}");
	}
	if (n > 0)
		buf_puts(b, "]}");
}

void
ace_status_text_stream(const struct state *st, int slot, struct buf *b)
{
	struct ace_slot_view v;

	if (ace_state_slot(&st->ace, slot, &v) == -1)
		return;
	buf_printf(b, "    %s %s", strcmp(v.param, "id") == 0 ?
	    "content id" : v.param, v.content_id);
	if (v.infohash[0] != '\0' && strcmp(v.infohash, v.content_id) != 0)
		buf_printf(b, " (infohash %s)", v.infohash);
	buf_printf(b, " on %s", v.engine);
	if (v.stat_wall_ms)
		buf_printf(b, ": %s, %u peers, %u KB/s down, %u KB/s up",
		    v.status[0] ? v.status : "?", v.peers, v.speed_down,
		    v.speed_up);
	buf_puts(b, "\n");
}

void
ace_status_text(const struct state *st, struct buf *b)
{
	struct ace_engine_view e;
	int i, n = 0;

	for (i = -1; engine_next(st, &i, &e);) {
		if (n++ == 0)
			buf_printf(b, "%-40s %-7s %-10s %7s %8s  %s\n",
			    "ENGINE", "HEALTH", "VERSION", "STREAMS",
			    "SESSIONS", "LAST ERROR");
		buf_printf(b, "%-40s %-7s %-10s %7u %8llu  %s", e.url,
		    ace_health_name(e.health), e.version[0] ? e.version : "-",
		    e.streams, (unsigned long long)e.sessions,
		    e.health == ACE_HEALTH_DOWN ? e.error : "");
		if (e.managed)	/* managed: its process too */
			buf_printf(b, "%s[managed: %s, pid %d, port %u, "
			    "%u restart(s)]", e.health == ACE_HEALTH_DOWN ?
			    " " : "", ace_phase_name(e.phase), e.pid, e.port,
			    e.restarts);
		if (e.draining)
			buf_puts(b, " [drained]");
		buf_puts(b, "\n");
	}
	if (n == 0 && atomic_load(&st->ace.managed_max) > 0)
		buf_printf(b, "no engine runs (managed: up to %u)\n",
		    atomic_load(&st->ace.managed_max));
	if (atomic_load(&st->ace.waiting) > 0)
		buf_printf(b, "%u request(s) waiting for an engine\n",
		    atomic_load(&st->ace.waiting));
}

/* What the health checks found, per engine: failed checks in a row, and
 * the network status when the engine gave one. */
static void
ace_status_prometheus_checks(const struct state *st, struct buf *b)
{
	struct ace_engine_view e;
	int i;

	prom_help(b, "ringcast_ace_engine_failed_checks", "gauge",
	    "Health checks of the engine that failed in a row");
	for (i = -1; engine_next(st, &i, &e);)
		prom_series(b, "ringcast_ace_engine_failed_checks", "engine",
		    e.url, e.fails);
	prom_help(b, "ringcast_ace_engine_managed", "gauge",
	    "1 for an engine ringcast runs itself (acestream.engine_command)");
	for (i = -1; engine_next(st, &i, &e);)
		prom_series(b, "ringcast_ace_engine_managed", "engine", e.url,
		    e.managed);
	prom_help(b, "ringcast_ace_engine_ready", "gauge",
	    "1 while the engine may be given new streams (a managed engine: "
	    "ready, else: not down)");
	for (i = -1; engine_next(st, &i, &e);)
		prom_series(b, "ringcast_ace_engine_ready", "engine", e.url,
		    ace_engine_choosable(&e) && e.health != ACE_HEALTH_DOWN);
	prom_help(b, "ringcast_ace_engine_restarts_total", "counter",
	    "Times ringcast started the managed engine again");
	for (i = -1; engine_next(st, &i, &e);)
		if (e.managed)
			prom_series(b, "ringcast_ace_engine_restarts_total",
			    "engine", e.url, e.restarts);
	prom_help(b, "ringcast_ace_engine_network_connected", "gauge",
	    "1 while the engine says it has a network connection, else 0");
	for (i = -1; engine_next(st, &i, &e);)
		if (e.network != ACE_NET_UNKNOWN)
			prom_series(b, "ringcast_ace_engine_network_connected",
			    "engine", e.url, e.network == ACE_NET_CONNECTED);
}

void
ace_status_prometheus(const struct state *st, struct buf *b)
{
	static const char *const help[][3] = {
		{ "ringcast_ace_engine_up", "gauge",
		    "1 while the engine answers its health check" },
		{ "ringcast_ace_engine_streams", "gauge",
		    "Content-id streams on the engine" },
		{ "ringcast_ace_engine_sessions_total", "counter",
		    "Engine sessions started on the engine" },
		{ "ringcast_ace_stream_peers", "gauge",
		    "Peers of a content-id stream, as its engine reports" },
		{ "ringcast_ace_stream_speed_down_kbytes", "gauge",
		    "Download speed of a content-id stream (KB/s)" },
		{ "ringcast_ace_stream_speed_up_kbytes", "gauge",
		    "Upload speed of a content-id stream (KB/s)" },
	};
	struct ace_engine_view e;
	struct ace_slot_view v;
	struct slot_cfg cfg;
	int i, k;

	i = -1;
	if (!engine_next(st, &i, &e) && atomic_load(&st->ace.managed_max) ==
	    0)
		return;
	prom_help(b, "ringcast_ace_refused_total", "counter",
	    "Content-id requests refused: no engine with room");
	prom_uint(b, "ringcast_ace_refused_total",
	    atomic_load(&st->ace.refused));
	prom_help(b, "ringcast_ace_waiting", "gauge",
	    "Content-id requests waiting for a managed engine to be ready");
	prom_uint(b, "ringcast_ace_waiting", atomic_load(&st->ace.waiting));
	ace_status_prometheus_checks(st, b);
	for (k = 0; k < 6; k++) {
		prom_help(b, help[k][0], help[k][1], help[k][2]);
		for (i = -1; k < 3 && engine_next(st, &i, &e);)
			prom_series(b, help[k][0], "engine", e.url, k == 0 ?
			    e.health != ACE_HEALTH_DOWN : k == 1 ? e.streams :
			    e.sessions);
		for (i = 0; k >= 3 && i < STATE_MAX_STREAMS; i++) {
			if (ace_state_slot(&st->ace, i, &v) == -1 ||
			    state_slot_read(st, i, &cfg) == -1 || !cfg.in_use)
				continue;
			prom_series(b, help[k][0], "stream", cfg.name,
			    k == 3 ? v.peers : k == 4 ? v.speed_down :
			    v.speed_up);
		}
	}
}

int
ace_status_m3u_url(const struct state *st, int slot, const char *base_url,
    struct buf *b)
{
	char args[ACE_ARGS_MAX];
	struct ace_slot_view v;

	if (ace_state_slot(&st->ace, slot, &v) == -1)
		return -1;
	ace_state_slot_args(&st->ace, slot, args, sizeof(args));
	if (strchr(args, '\n') != strrchr(args, '\n') ||
	    strcmp(v.param, "url") == 0)
		return -1;	/* url= or options: its /stream/ URL */
	buf_printf(b, "\n%s/ace/getstream?%s=%s\n", base_url, v.param,
	    v.content_id);
	return 0;
}
