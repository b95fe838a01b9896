/*
 * status.c - status JSON, the ringcastctl table, Prometheus text and the
 * M3U channel list, all rendered from the state segment.
 *
 * Reading only shared memory keeps every answer memory-only: no request
 * ever waits for another process.  The Prometheus lines are written by
 * prom.c, which ace_status.c uses too.
 */
#include <stdio.h>
#include <string.h>

#include "ace_status.h"
#include "clients_view.h"
#include "prom.h"
#include "redact.h"
#include "status.h"
#include "util.h"

struct stream_view {
	struct slot_cfg	 cfg;
	char		 url[STATE_URL_MAX];
	char		 err[STATE_ERROR_MAX];
	enum stream_state state;
	int		 pid;
	uint32_t	 clients;
	uint32_t	 edges;			/* of the clients */
	int		 healthy;
	uint64_t	 bytes_in, bytes_out, reconnects, failovers, skipped;
	uint64_t	 served, restarts;
	double		 uptime_s;
	char		 parent[STATE_URL_MAX];	/* edge streams: in use, or "" */
};

/* No credential of an upstream URL is shown, to anyone (redact.h). */
static void
stream_view_redact(struct stream_view *v)
{
	char tmp[REDACT_URL_MAX];

	redact_text(v->url, tmp, sizeof(tmp));
	str_copy(v->url, tmp, sizeof(v->url));
	redact_text(v->err, tmp, sizeof(tmp));
	str_copy(v->err, tmp, sizeof(v->err));
	redact_text(v->parent, tmp, sizeof(tmp));
	str_copy(v->parent, tmp, sizeof(v->parent));
}

static int
stream_view(const struct state *st, int i, struct stream_view *v)
{
	const struct stream_slot *s = &st->streams[i];
	uint64_t started;

	if (!s->in_use || state_slot_read(st, i, &v->cfg) == -1 ||
	    !v->cfg.in_use)
		return -1;
	state_slot_get_info(st, i, v->url, sizeof(v->url), v->err,
	    sizeof(v->err));
	if ((v->cfg.origin != STREAM_ORIGIN_PARENT &&
	    v->cfg.origin != STREAM_ORIGIN_PARENT_ACE) ||
	    config_parent_base(v->url, v->cfg.name, v->parent,
	    sizeof(v->parent)) == -1)
		v->parent[0] = '\0';
	stream_view_redact(v);
	v->state = (enum stream_state)atomic_load(&s->state);
	v->pid = atomic_load(&s->fetcher_pid);
	v->clients = state_stream_clients(st, i);
	v->edges = state_stream_edges(st, i);
	v->healthy = (int)atomic_load(&s->healthy);
	v->bytes_in = atomic_load(&s->bytes_in);
	v->bytes_out = atomic_load(&s->bytes_out);
	v->reconnects = atomic_load(&s->reconnects);
	v->failovers = atomic_load(&s->failovers);
	v->skipped = atomic_load(&s->skipped_clients);
	v->served = atomic_load(&s->clients_served);
	v->restarts = atomic_load(&s->fetcher_restarts);
	started = atomic_load(&s->started_wall_ms);
	v->uptime_s = v->pid > 0 && started ?
	    (double)(wall_ms() - started) / 1000.0 : 0.0;
	return 0;
}

/* One stream of /status: every field, or (a user's view, ADMIN 0) none
 * that names an upstream, an engine or a parent. */
static void
status_json_stream(const struct state *st, int i, const struct stream_view *v,
    int admin, struct buf *b)
{
	json_key(b, v->cfg.name);
	buf_puts(b, "{");
	json_kv_str(b, "state", stream_state_name(v->state));
	json_kv_str(b, "type", config_stream_type_name(v->cfg.type));
	if (admin)
		json_kv_str(b, "url", v->url);
	if (admin && (v->cfg.origin == STREAM_ORIGIN_PARENT ||
	    v->cfg.origin == STREAM_ORIGIN_PARENT_ACE))
		json_kv_str(b, "parent", v->parent[0] ? v->parent : NULL);
	json_kv_int(b, "pid", v->pid);
	json_kv_uint(b, "clients", v->clients);
	json_kv_uint(b, "edges", v->edges);
	json_kv_uint(b, "bytes_in", v->bytes_in);
	json_kv_uint(b, "bytes_out", v->bytes_out);
	json_kv_bool(b, "healthy", v->healthy);
	if (admin)
		json_kv_str(b, "last_error", v->err[0] ? v->err : NULL);
	json_kv_double(b, "uptime", v->uptime_s);
	json_kv_bool(b, "on_demand", v->cfg.on_demand);
	json_kv_uint(b, "reconnects", v->reconnects);
	json_kv_uint(b, "failovers", v->failovers);
	json_kv_uint(b, "skipped_clients", v->skipped);
	json_kv_uint(b, "clients_served", v->served);
	json_kv_uint(b, "fetcher_restarts", v->restarts);
	if (admin)
		ace_status_json_stream(st, i, b);
	buf_puts(b, "}");
}

int
status_json(const struct state *st, struct buf *b)
{
	return status_json_view(st, NULL, b);
}

int
status_json_view(const struct state *st, const struct status_filter *f,
    struct buf *b)
{
	struct stream_view v;
	int i, w;

	buf_puts(b, "{");
	json_kv_str(b, "version", RINGCAST_VERSION);
	json_kv_int(b, "pid", st->supervisor_pid);
	json_kv_double(b, "uptime", (double)(wall_ms() -
	    atomic_load(&st->started_wall_ms)) / 1000.0);
	json_kv_uint(b, "config_generation",
	    atomic_load(&st->config_generation));
	json_kv_uint(b, "clients", state_total_clients(st));
	json_kv_uint(b, "events_dropped", atomic_load(&st->events_dropped));
	json_key(b, "workers");
	buf_puts(b, "[");
	for (w = 0; w < STATE_MAX_WORKERS; w++) {
		int pid = atomic_load(&st->workers[w].pid);

		if (pid <= 0)
			continue;
		if (b->len && b->data[b->len - 1] != '[')
			buf_puts(b, ",");
		buf_puts(b, "{");
		json_kv_int(b, "pid", pid);
		json_kv_uint(b, "clients", atomic_load(&st->workers[w].clients));
		json_kv_uint(b, "requests",
		    atomic_load(&st->workers[w].requests));
		buf_puts(b, "}");
	}
	buf_puts(b, "]");
	json_key(b, "streams");
	buf_puts(b, "{");
	for (i = 0; i < STATE_MAX_STREAMS; i++)
		if (stream_view(st, i, &v) == 0 && (f == NULL ||
		    f->may_see(f->arg, v.cfg.name, v.cfg.origin)))
			status_json_stream(st, i, &v, f == NULL, b);
	buf_puts(b, "}");
	if (f == NULL) {	/* the admin's view: engines and players */
		ace_status_json(st, b);
		clients_json(st, NULL, STATUS_CLIENTS_MAX, b);
	}
	buf_puts(b, "}");
	return b->failed ? -1 : 0;
}

static void
human_bytes(uint64_t n, char *out, size_t outsz)
{
	const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024.0 && u < 4) {
		v /= 1024.0;
		u++;
	}
	snprintf(out, outsz, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

int
status_text(const struct state *st, struct buf *b)
{
	struct stream_view v;
	char in[32], out[32];
	int i;

	buf_printf(b, "ringcastd %s, pid %d, up %.0f s, %u clients\n",
	    RINGCAST_VERSION, st->supervisor_pid,
	    (double)(wall_ms() - atomic_load(&st->started_wall_ms)) / 1000.0,
	    state_total_clients(st));
	buf_printf(b, "%-20s %-4s %-9s %-7s %7s %7s %10s %10s  %s\n",
	    "STREAM", "TYPE", "STATE", "HEALTH", "PID", "CLIENTS", "IN", "OUT",
	    "UPSTREAM / LAST ERROR");
	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		if (stream_view(st, i, &v) == -1)
			continue;
		human_bytes(v.bytes_in, in, sizeof(in));
		human_bytes(v.bytes_out, out, sizeof(out));
		buf_printf(b, "%-20s %-4s %-9s %-7s %7d %7u %10s %10s  ",
		    v.cfg.name, config_stream_type_name(v.cfg.type),
		    stream_state_name(v.state),
		    v.pid > 0 ? (v.healthy ? "ok" : "bad") : "-",
		    v.pid, v.clients, in, out);
		json_escape(b, v.url, strlen(v.url));
		if (v.err[0]) {
			buf_puts(b, " (");
			json_escape(b, v.err, strlen(v.err));
			buf_puts(b, ")");
		}
		buf_puts(b, "\n");
		ace_status_text_stream(st, i, b);
	}
	ace_status_text(st, b);
	return b->failed ? -1 : 0;
}

static void
prom_proc(struct buf *b, const char *role, const char *name, int pid,
    const struct proc_stats *ps, int which)
{
	const char *metric[] = { "ringcast_process_cpu_seconds_total",
	    "ringcast_process_resident_bytes", "ringcast_process_restarts_total" };
	char pidstr[16];

	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	prom_labels_begin(b, metric[which], "role", role);
	prom_label(b, "name", name);
	prom_label(b, "pid", pidstr);
	prom_labels_end(b);
	if (which == 0)
		buf_printf(b, "%.2f\n", (double)atomic_load(&ps->cpu_ms) / 1000.0);
	else if (which == 1)
		buf_printf(b, "%llu\n",
		    (unsigned long long)atomic_load(&ps->rss_bytes));
	else
		buf_printf(b, "%u\n", atomic_load(&ps->restarts));
}

/* Per process: CPU seconds, RSS and restarts (sampled by the supervisor). */
static void
status_prometheus_procs(const struct state *st, struct buf *b)
{
	static const char *help[][3] = {
		{ "ringcast_process_cpu_seconds_total", "counter",
		    "CPU time (user + system) of a ringcast process" },
		{ "ringcast_process_resident_bytes", "gauge",
		    "Resident memory of a ringcast process" },
		{ "ringcast_process_restarts_total", "counter",
		    "Times the supervisor restarted this process" },
	};
	struct slot_cfg cfg;
	char name[32];
	int k, i, pid;

	for (k = 0; k < 3; k++) {
		prom_help(b, help[k][0], help[k][1], help[k][2]);
		prom_proc(b, "supervisor", "supervisor", st->supervisor_pid,
		    &st->supervisor_stats, k);
		for (i = 0; i < STATE_MAX_WORKERS; i++) {
			if ((pid = atomic_load(&st->workers[i].pid)) <= 0)
				continue;
			snprintf(name, sizeof(name), "worker %d", i + 1);
			prom_proc(b, "worker", name, pid, &st->workers[i].stats,
			    k);
		}
		for (i = 0; i < STATE_MAX_STREAMS; i++) {
			pid = atomic_load(&st->streams[i].fetcher_pid);
			if (pid <= 0 || state_slot_read(st, i, &cfg) == -1)
				continue;
			prom_proc(b, "fetcher", cfg.name, pid,
			    &st->streams[i].fetcher_stats, k);
		}
	}
}

/* Requests access control refused, by reason (state.h). */
static void
status_prom_refused(const struct state *st, struct buf *b)
{
	static const char *const why[STATE_REFUSED_N] = {
		[STATE_REFUSED_NO_CREDENTIAL] = "no_credential",
		[STATE_REFUSED_BAD_TOKEN] = "bad_token",
		[STATE_REFUSED_NOT_ALLOWED] = "not_allowed",
		[STATE_REFUSED_OVER_LIMIT] = "over_limit",
		[STATE_REFUSED_BAD_SIGNATURE] = "bad_signature",
		[STATE_REFUSED_EXPIRED] = "expired",
	};
	int i;

	prom_help(b, "ringcast_access_refused_total", "counter",
	    "Requests refused by access control, by reason");
	for (i = 0; i < STATE_REFUSED_N; i++)
		prom_series(b, "ringcast_access_refused_total", "reason",
		    why[i], atomic_load(&st->access_refused[i]));
}

int
status_prometheus(const struct state *st, struct buf *b)
{
	static const struct { const char *name, *type, *help; } m[] = {
		{ "ringcast_stream_up", "gauge",
		    "1 while the stream's fetcher runs" },
		{ "ringcast_stream_healthy", "gauge",
		    "1 while the upstream delivers data" },
		{ "ringcast_stream_clients", "gauge", "Connected clients" },
		{ "ringcast_stream_bytes_in_total", "counter",
		    "Bytes received from the upstream" },
		{ "ringcast_stream_bytes_out_total", "counter",
		    "Bytes sent to clients" },
		{ "ringcast_stream_reconnects_total", "counter",
		    "Upstream reconnects" },
		{ "ringcast_stream_failovers_total", "counter",
		    "Switches to another upstream URL" },
		{ "ringcast_stream_skipped_clients_total", "counter",
		    "Times a slow client was moved ahead" },
		{ "ringcast_stream_fetcher_restarts_total", "counter",
		    "Fetcher processes restarted after dying" },
		{ "ringcast_stream_segments_fetched_total", "counter",
		    "HLS segments downloaded from the upstream" },
		{ "ringcast_stream_segments_failed_total", "counter",
		    "HLS segments skipped after failed retries" },
		{ "ringcast_stream_edges", "gauge",
		    "Clients that are edge ringcasts (X-Ringcast-Edge)" },
	};
	struct stream_view v[1];
	size_t k;
	int i;

	prom_help(b, "ringcast_uptime_seconds", "gauge", "Daemon uptime");
	buf_printf(b, "ringcast_uptime_seconds %.3f\n",
	    (double)(wall_ms() - atomic_load(&st->started_wall_ms)) / 1000.0);
	prom_help(b, "ringcast_config_generation", "gauge",
	    "Configurations loaded since start");
	prom_uint(b, "ringcast_config_generation",
	    atomic_load(&st->config_generation));
	prom_help(b, "ringcast_events_dropped_total", "counter",
	    "Events lost because a queue was full");
	prom_uint(b, "ringcast_events_dropped_total",
	    atomic_load(&st->events_dropped));
	status_prom_refused(st, b);
	prom_help(b, "ringcast_clients", "gauge", "Connected clients");
	prom_uint(b, "ringcast_clients", state_total_clients(st));
	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		prom_help(b, m[k].name, m[k].type, m[k].help);
		for (i = 0; i < STATE_MAX_STREAMS; i++) {
			unsigned long long val[] = { 0 };

			if (stream_view(st, i, v) == -1)
				continue;
			switch (k) {
			case 0: val[0] = v->pid > 0; break;
			case 1: val[0] = v->pid > 0 && v->healthy; break;
			case 2: val[0] = v->clients; break;
			case 3: val[0] = v->bytes_in; break;
			case 4: val[0] = v->bytes_out; break;
			case 5: val[0] = v->reconnects; break;
			case 6: val[0] = v->failovers; break;
			case 7: val[0] = v->skipped; break;
			case 8: val[0] = v->restarts; break;
			case 9: val[0] = atomic_load(
			    &st->streams[i].segments_fetched); break;
			case 10: val[0] = atomic_load(
			    &st->streams[i].segments_failed); break;
			default: val[0] = v->edges; break;
			}
			prom_series(b, m[k].name, "stream", v->cfg.name, val[0]);
		}
	}
	prom_help(b, "ringcast_stream_parent_info", "gauge",
	    "Edge streams: the parent ringcast in use (1)");
	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		if (stream_view(st, i, v) == -1 || v->parent[0] == '\0')
			continue;
		prom_labels_begin(b, "ringcast_stream_parent_info", "stream",
		    v->cfg.name);
		prom_label(b, "parent", v->parent);
		prom_labels_end(b);
		buf_puts(b, "1\n");
	}
	status_prometheus_procs(st, b);
	ace_status_prometheus(st, b);
	return b->failed ? -1 : 0;
}

int
status_playlist_m3u(const struct state *st, const char *base_url,
    struct buf *b)
{
	return status_playlist_m3u_group(st, base_url, NULL, NULL, b);
}

int
status_playlist_m3u_group(const struct state *st, const char *base_url,
    const char *group, const char *epg_url, struct buf *b)
{
	struct slot_cfg cfg;
	int i;

	buf_puts(b, "#EXTM3U");
	if (epg_url != NULL) {
		buf_puts(b, " url-tvg=\"");
		json_escape(b, epg_url, strlen(epg_url));
		buf_puts(b, "\"");
	}
	buf_puts(b, "\n");
	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		if (!st->streams[i].in_use || state_slot_read(st, i, &cfg) ||
		    !cfg.in_use)
			continue;
		/* channels of the lineup: listed by channels_playlist_m3u */
		if (cfg.origin == STREAM_ORIGIN_LINEUP ||
		    (group != NULL && strcmp(cfg.group, group) != 0))
			continue;
		buf_puts(b, "#EXTINF:-1 tvg-id=\"");
		json_escape(b, cfg.name, strlen(cfg.name));
		buf_puts(b, "\" tvg-name=\"");
		json_escape(b, cfg.title, strlen(cfg.title));
		buf_puts(b, "\"");
		if (cfg.group[0]) {
			buf_puts(b, " group-title=\"");
			json_escape(b, cfg.group, strlen(cfg.group));
			buf_puts(b, "\"");
		}
		buf_puts(b, ",");
		json_escape(b, cfg.title, strlen(cfg.title));
		if (ace_status_m3u_url(st, i, base_url, b) == 0)
			continue;	/* a content id: its own URL */
		buf_printf(b, "\n%s/stream/%s\n", base_url, cfg.name);
	}
	return b->failed ? -1 : 0;
}
