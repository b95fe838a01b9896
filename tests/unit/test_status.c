/*
 * test_status.c - the /status writers (src/proto/status.c and
 * src/proto/ace_status.c): the status JSON, the ringcastctl table, the
 * Prometheus text of /metrics and the M3U channel list, all rendered
 * from a state segment this test fills as the supervisor, fetchers,
 * workers and the engine monitor would.
 *
 * The segment holds a running TS stream with clients on two workers, a
 * stopped HLS stream whose last error needs escaping, an edge stream
 * with its parent, a content-id stream on an engine, and two engines
 * (one down, with a quote in its URL).  Each answer is checked for what
 * its reader relies on: the JSON parses (json-c) and holds the values,
 * the table's rows line up, every Prometheus sample has its HELP and
 * TYPE and its label values escaped, the M3U list is exact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ace_status.h"
#include "json.h"
#include "state.h"
#include "status.h"
#include "util.h"

#define T_SUPERVISOR_PID	4242
#define T_NEWS_SLOT		0
#define T_SPORT_SLOT		2
#define T_EDGE_SLOT		3
#define T_ACE_SLOT		4
#define T_ACE_ID		"0123456789abcdef0123456789abcdef01234567"
#define T_ENGINE_UP		"http://127.0.0.1:6878"
#define T_ENGINE_DOWN		"http://e\"2:6878"
#define T_BASE_URL		"http://tv.example:8080"

struct fixture {
	char		 name[STATE_SHM_NAME_MAX];
	struct state	*st;
	struct buf	 out;
};

static void
stream_add(struct state *st, int slot, const char *name, enum stream_type type,
    enum stream_origin origin, const char *title, const char *group)
{
	struct stream_conf sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "%s", name);
	sc.type = type;
	sc.origin = origin;
	sc.title = (char *)title;
	sc.group = (char *)group;
	state_slot_configure(st, slot, &sc);
}

static void
worker_add(struct state *st, int w, int pid, uint32_t clients,
    uint64_t requests)
{
	atomic_store(&st->workers[w].pid, pid);
	atomic_store(&st->workers[w].clients, clients);
	atomic_store(&st->workers[w].requests, requests);
	atomic_store(&st->workers[w].stats.cpu_ms, 1500);
	atomic_store(&st->workers[w].stats.rss_bytes, 1048576);
	atomic_store(&st->workers[w].stats.restarts, 2);
}

/* news: running TS, 3 clients (one an edge) on two workers. */
static void
fill_news(struct state *st)
{
	struct stream_slot *s = &st->streams[T_NEWS_SLOT];

	stream_add(st, T_NEWS_SLOT, "news", STREAM_TS, STREAM_ORIGIN_CONFIG,
	    "News \"24\"", "Info");
	atomic_store(&s->fetcher_pid, 1234);
	atomic_store(&s->state, STREAM_RUNNING);
	atomic_store(&s->healthy, 1);
	atomic_store(&s->bytes_in, 1048576);
	atomic_store(&s->bytes_out, 5ULL << 30);
	atomic_store(&s->reconnects, 2);
	atomic_store(&s->failovers, 1);
	atomic_store(&s->skipped_clients, 3);
	atomic_store(&s->clients_served, 10);
	atomic_store(&s->fetcher_restarts, 1);
	atomic_store(&s->fetcher_stats.cpu_ms, 250);
	atomic_store(&s->fetcher_stats.rss_bytes, 4096);
	state_slot_set_info(st, T_NEWS_SLOT, "http://up/news.ts", "");
	atomic_store(&st->clients[0][T_NEWS_SLOT], 2);
	atomic_store(&st->clients[1][T_NEWS_SLOT], 1);
	atomic_store(&st->edges[0][T_NEWS_SLOT], 1);
}

/* sport: stopped on-demand HLS with an error to escape; edge: a parent. */
static void
fill_sport_and_edge(struct state *st)
{
	struct stream_slot *s = &st->streams[T_SPORT_SLOT];

	stream_add(st, T_SPORT_SLOT, "sport", STREAM_HLS, STREAM_ORIGIN_CONFIG,
	    NULL, NULL);
	atomic_store(&s->segments_fetched, 7);
	atomic_store(&s->segments_failed, 1);
	state_slot_set_info(st, T_SPORT_SLOT, "http://up/sport.m3u8",
	    "HTTP \"404\"\nfrom upstream");
	stream_add(st, T_EDGE_SLOT, "relay", STREAM_TS, STREAM_ORIGIN_PARENT,
	    NULL, NULL);
	state_slot_set_info(st, T_EDGE_SLOT,
	    "http://parent:8080/stream/relay", "");
}

/* A content-id stream on the first engine; the second engine is down. */
static void
fill_ace(struct state *st)
{
	char *engines[] = { T_ENGINE_UP, T_ENGINE_DOWN };
	struct stream_slot *s = &st->streams[T_ACE_SLOT];

	ace_state_set_engines(&st->ace, engines, 2);
	ace_state_engine_health(&st->ace, 0, T_ENGINE_UP, ACE_HEALTH_UP,
	    "3.1.74", "");
	ace_state_engine_health(&st->ace, 1, T_ENGINE_DOWN, ACE_HEALTH_DOWN,
	    "", "connection refused");
	atomic_store(&st->ace.engines[0].streams, 1);
	atomic_store(&st->ace.engines[0].sessions, 5);
	atomic_store(&st->ace.refused, 4);
	atomic_store(&st->ace.monitor_pid, 3001);
	stream_add(st, T_ACE_SLOT, "ace-" T_ACE_ID, STREAM_TS,
	    STREAM_ORIGIN_ACE, "Match", "Sport");
	atomic_store(&s->fetcher_pid, 1240);
	atomic_store(&s->state, STREAM_STARTING);
	ace_state_slot_begin(&st->ace, T_ACE_SLOT, T_ACE_ID, "id",
	    T_ENGINE_UP);
	ace_state_session_set(&st->ace, T_ACE_SLOT, 1240, "sess-1",
	    T_ENGINE_UP "/stat", T_ENGINE_UP "/cmd");
	ace_state_stat_set(&st->ace, T_ACE_SLOT, "dl", 12, 300, 40, 123456);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->name, sizeof(f->name), "/ringcast-test.%d.status",
	    (int)getpid());
	state_unlink(f->name);
	if ((f->st = state_create(f->name)) == NULL) {
		free(f);
		return -1;
	}
	f->st->supervisor_pid = T_SUPERVISOR_PID;
	atomic_store(&f->st->config_generation, 3);
	atomic_store(&f->st->events_dropped, 9);
	atomic_store(&f->st->supervisor_stats.cpu_ms, 20);
	worker_add(f->st, 0, 2001, 2, 100);
	worker_add(f->st, 1, 2002, 1, 50);
	buf_init(&f->out);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	buf_free(&f->out);
	state_detach(f->st);
	state_unlink(f->name);
	free(f);
	return 0;
}

static void
fill_all(struct state *st)
{
	fill_news(st);
	fill_sport_and_edge(st);
	fill_ace(st);
}

/* Fill the segment, then WRITER's answer over it, as a C string. */
static const char *
render(struct fixture *f, int (*writer)(const struct state *, struct buf *))
{
	fill_all(f->st);
	assert_int_equal(writer(f->st, &f->out), 0);
	return buf_str(&f->out);
}

/* ---- JSON ---- */

static struct json_object *
get(struct json_object *o, const char *path)
{
	char key[128], *dot;
	const char *p = path;

	while (o != NULL && *p != '\0') {
		snprintf(key, sizeof(key), "%s", p);
		if ((dot = strchr(key, '/')) != NULL)
			*dot = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		p += strlen(key);
		if (*p == '/')
			p++;
	}
	return o;
}

/* The value at PATH, which must be there and of TYPE. */
static struct json_object *
get_typed(struct json_object *o, const char *path, json_type type)
{
	struct json_object *v = get(o, path);

	assert_non_null(v);
	assert_true(json_object_is_type(v, type));
	return v;
}

static const char *
get_str(struct json_object *o, const char *path)
{
	return json_object_get_string(get_typed(o, path, json_type_string));
}

static int64_t
get_int(struct json_object *o, const char *path)
{
	return json_object_get_int64(get_typed(o, path, json_type_int));
}

static void
test_status_json_streams(void **state)
{
	struct fixture *f = *state;
	struct json_object *o, *v;

	assert_non_null(o = json_tokener_parse(render(f, status_json)));
	assert_string_equal(get_str(o, "version"), RINGCAST_VERSION);
	assert_int_equal(get_int(o, "pid"), T_SUPERVISOR_PID);
	assert_int_equal(get_int(o, "config_generation"), 3);
	assert_int_equal(get_int(o, "clients"), 3);
	assert_int_equal(get_int(o, "events_dropped"), 9);
	assert_non_null(v = get(o, "workers"));
	assert_int_equal(json_object_array_length(v), 2);
	assert_int_equal(get_int(json_object_array_get_idx(v, 1), "pid"), 2002);
	assert_int_equal(get_int(json_object_array_get_idx(v, 0), "requests"),
	    100);
	assert_string_equal(get_str(o, "streams/news/state"), "running");
	assert_string_equal(get_str(o, "streams/news/type"), "ts");
	assert_string_equal(get_str(o, "streams/news/url"),
	    "http://up/news.ts");
	assert_int_equal(get_int(o, "streams/news/clients"), 3);
	assert_int_equal(get_int(o, "streams/news/edges"), 1);
	assert_int_equal(get_int(o, "streams/news/bytes_out"), 5LL << 30);
	assert_true(json_object_get_boolean(get(o, "streams/news/healthy")));
	assert_true(json_object_is_type(get(o, "streams/news/last_error"),
	    json_type_null));
	assert_int_equal(get_int(o, "streams/news/fetcher_restarts"), 1);
	assert_null(get(o, "streams/news/parent"));
	assert_null(get(o, "streams/news/acestream"));
	/* an error with a quote and a newline comes back as written */
	assert_string_equal(get_str(o, "streams/sport/last_error"),
	    "HTTP \"404\"\nfrom upstream");
	assert_string_equal(get_str(o, "streams/sport/state"), "stopped");
	assert_string_equal(get_str(o, "streams/relay/parent"),
	    "http://parent:8080");
	assert_null(get(o, "streams/missing"));
	json_object_put(o);
}

static void
test_status_json_acestream(void **state)
{
	struct fixture *f = *state;
	struct json_object *o, *v, *e;
	const char *ace = "streams/ace-" T_ACE_ID "/acestream";
	char path[256];
	double age;

	assert_non_null(o = json_tokener_parse(render(f, status_json)));
	snprintf(path, sizeof(path), "%s/content_id", ace);
	assert_string_equal(get_str(o, path), T_ACE_ID);
	snprintf(path, sizeof(path), "%s/engine", ace);
	assert_string_equal(get_str(o, path), T_ENGINE_UP);
	snprintf(path, sizeof(path), "%s/session", ace);
	assert_string_equal(get_str(o, path), "sess-1");
	snprintf(path, sizeof(path), "%s/peers", ace);
	assert_int_equal(get_int(o, path), 12);
	snprintf(path, sizeof(path), "%s/stat_age", ace);
	assert_non_null(v = get(o, path));
	age = json_object_get_double(v);
	assert_true(age >= 0.0 && age < 60.0);
	assert_int_equal(get_int(o, "acestream/refused"), 4);
	assert_int_equal(get_int(o, "acestream/monitor_pid"), 3001);
	assert_non_null(v = get(o, "acestream/engines"));
	assert_int_equal(json_object_array_length(v), 2);
	e = json_object_array_get_idx(v, 1);
	assert_string_equal(get_str(e, "url"), T_ENGINE_DOWN);
	assert_string_equal(get_str(e, "health"), "down");
	assert_string_equal(get_str(e, "error"), "connection refused");
	assert_true(json_object_is_type(get(e, "version"), json_type_null));
	e = json_object_array_get_idx(v, 0);
	assert_string_equal(get_str(e, "version"), "3.1.74");
	assert_int_equal(get_int(e, "sessions"), 5);
	json_object_put(o);
}

/* Without engines or streams: an object with no "acestream" at all. */
static void
test_status_json_empty(void **state)
{
	struct fixture *f = *state;
	struct json_object *o;

	assert_int_equal(status_json(f->st, &f->out), 0);
	assert_non_null(o = json_tokener_parse(buf_str(&f->out)));
	assert_int_equal(json_object_object_length(get(o, "streams")), 0);
	assert_null(get(o, "acestream"));
	json_object_put(o);
	buf_reset(&f->out);
	ace_status_json(f->st, &f->out);
	assert_int_equal(f->out.len, 0);
}

/* ---- the ringcastctl table ---- */

static void
test_status_text_table(void **state)
{
	struct fixture *f = *state;
	const char *s;

	s = render(f, status_text);
	assert_non_null(strstr(s, "ringcastd " RINGCAST_VERSION ", pid 4242, "
	    "up "));
	assert_non_null(strstr(s, " s, 3 clients\n"
	    "STREAM               TYPE STATE     HEALTH      PID CLIENTS"
	    "         IN        OUT  UPSTREAM / LAST ERROR\n"
	    "news                 ts   running   ok         1234       3"
	    "    1.0 MiB    5.0 GiB  http://up/news.ts\n"
	    "sport                hls  stopped   -             0       0"
	    "        0 B        0 B  http://up/sport.m3u8 "
	    "(HTTP \\\"404\\\"\\nfrom upstream)\n"
	    "relay                ts   stopped   -             0       0"
	    "        0 B        0 B  http://parent:8080/stream/relay\n"));
	assert_non_null(strstr(s, "    content id " T_ACE_ID " on "
	    T_ENGINE_UP ": dl, 12 peers, 300 KB/s down, 40 KB/s up\n"));
	assert_non_null(strstr(s,
	    "ENGINE                                   HEALTH  VERSION    "
	    "STREAMS SESSIONS  LAST ERROR\n"
	    "http://127.0.0.1:6878                    up      3.1.74     "
	    "      1        5  \n"
	    "http://e\"2:6878                          down    -          "
	    "      0        0  connection refused\n"));
}

/* ---- Prometheus ---- */

/* Every sample's metric has "# HELP" then "# TYPE" before it. */
static void
check_prom_help(const char *text)
{
	char line[1024], name[256], helped[256] = "";
	const char *p = text, *nl;
	size_t n;

	for (; *p != '\0'; p = nl + 1) {
		assert_non_null(nl = strchr(p, '\n'));
		n = (size_t)(nl - p);
		assert_true(n > 0 && n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		if (sscanf(line, "# HELP %255s", name) == 1) {
			snprintf(helped, sizeof(helped), "%s", name);
			continue;
		}
		if (sscanf(line, "# TYPE %255s", name) == 1) {
			assert_string_equal(name, helped);
			assert_true(strstr(line, " counter") != NULL ||
			    strstr(line, " gauge") != NULL);
			continue;
		}
		n = strcspn(line, "{ ");
		assert_true(n > 0 && line[n] != '\0');
		line[n] = '\0';
		assert_string_equal(line, helped);
	}
}

static void
test_status_prometheus(void **state)
{
	struct fixture *f = *state;
	const char *s;

	s = render(f, status_prometheus);
	check_prom_help(s);
	assert_non_null(strstr(s, "\nringcast_config_generation 3\n"));
	assert_non_null(strstr(s, "\nringcast_events_dropped_total 9\n"));
	assert_non_null(strstr(s, "\nringcast_clients 3\n"));
	assert_non_null(strstr(s, "# HELP ringcast_stream_clients Connected "
	    "clients\n# TYPE ringcast_stream_clients gauge\n"
	    "ringcast_stream_clients{stream=\"news\"} 3\n"
	    "ringcast_stream_clients{stream=\"sport\"} 0\n"));
	assert_non_null(strstr(s, "ringcast_stream_up{stream=\"news\"} 1\n"
	    "ringcast_stream_up{stream=\"sport\"} 0\n"));
	assert_non_null(strstr(s,
	    "ringcast_stream_bytes_out_total{stream=\"news\"} 5368709120\n"));
	assert_non_null(strstr(s,
	    "ringcast_stream_segments_fetched_total{stream=\"sport\"} 7\n"));
	assert_non_null(strstr(s,
	    "ringcast_stream_edges{stream=\"news\"} 1\n"));
	assert_non_null(strstr(s, "ringcast_stream_parent_info{stream=\"relay\""
	    ",parent=\"http://parent:8080\"} 1\n"));
	assert_null(strstr(s, "ringcast_stream_parent_info{stream=\"news\""));
	assert_non_null(strstr(s, "ringcast_process_cpu_seconds_total{role="
	    "\"supervisor\",name=\"supervisor\",pid=\"4242\"} 0.02\n"));
	assert_non_null(strstr(s, "ringcast_process_cpu_seconds_total{role="
	    "\"worker\",name=\"worker 2\",pid=\"2002\"} 1.50\n"));
	assert_non_null(strstr(s, "ringcast_process_resident_bytes{role="
	    "\"fetcher\",name=\"news\",pid=\"1234\"} 4096\n"));
	assert_non_null(strstr(s, "ringcast_process_restarts_total{role="
	    "\"worker\",name=\"worker 1\",pid=\"2001\"} 2\n"));
}

static void
test_ace_status_prometheus(void **state)
{
	struct fixture *f = *state;
	const char *s;

	s = render(f, status_prometheus);
	assert_non_null(strstr(s, "# HELP ringcast_ace_refused_total "
	    "Content-id requests refused: no engine with room\n"
	    "# TYPE ringcast_ace_refused_total counter\n"
	    "ringcast_ace_refused_total 4\n"));
	/* the quote in the engine's URL stays inside its label */
	assert_non_null(strstr(s, "ringcast_ace_engine_up{engine=\""
	    T_ENGINE_UP "\"} 1\nringcast_ace_engine_up{engine="
	    "\"http://e\\\"2:6878\"} 0\n"));
	assert_non_null(strstr(s, "ringcast_ace_engine_sessions_total{engine=\""
	    T_ENGINE_UP "\"} 5\n"));
	assert_non_null(strstr(s, "ringcast_ace_stream_peers{stream=\"ace-"
	    T_ACE_ID "\"} 12\n"));
	assert_non_null(strstr(s, "ringcast_ace_stream_speed_up_kbytes{stream="
	    "\"ace-" T_ACE_ID "\"} 40\n"));
	/* without engines, no ringcast_ace_ series at all */
	buf_reset(&f->out);
	ace_state_set_engines(&f->st->ace, NULL, 0);
	assert_int_equal(status_prometheus(f->st, &f->out), 0);
	assert_null(strstr(buf_str(&f->out), "ringcast_ace_"));
	check_prom_help(buf_str(&f->out));
}

/* ---- M3U ---- */

static void
test_status_playlist_m3u(void **state)
{
	struct fixture *f = *state;

	fill_all(f->st);
	assert_int_equal(status_playlist_m3u(f->st, T_BASE_URL, &f->out), 0);
	assert_string_equal(buf_str(&f->out), "#EXTM3U\n"
	    "#EXTINF:-1 tvg-id=\"news\" tvg-name=\"News \\\"24\\\"\" "
	    "group-title=\"Info\",News \\\"24\\\"\n"
	    T_BASE_URL "/stream/news\n"
	    "#EXTINF:-1 tvg-id=\"sport\" tvg-name=\"sport\",sport\n"
	    T_BASE_URL "/stream/sport\n"
	    "#EXTINF:-1 tvg-id=\"relay\" tvg-name=\"relay\",relay\n"
	    T_BASE_URL "/stream/relay\n"
	    "#EXTINF:-1 tvg-id=\"ace-" T_ACE_ID "\" tvg-name=\"Match\" "
	    "group-title=\"Sport\",Match\n"
	    T_BASE_URL "/ace/getstream?id=" T_ACE_ID "\n");
	buf_reset(&f->out);
	assert_int_equal(ace_status_m3u_url(f->st, T_NEWS_SLOT, T_BASE_URL,
	    &f->out), -1);
	assert_int_equal(f->out.len, 0);
}

/* With a guide, #EXTM3U names it (url-tvg), so players find the EPG. */
static void
test_status_playlist_m3u_epg(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(status_playlist_m3u_group(f->st, T_BASE_URL, NULL,
	    T_BASE_URL "/epg.xml", &f->out), 0);
	assert_string_equal(buf_str(&f->out),
	    "#EXTM3U url-tvg=\"" T_BASE_URL "/epg.xml\"\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_json_streams,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_json_acestream,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_json_empty,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_text_table,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_prometheus,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ace_status_prometheus,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_playlist_m3u,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_playlist_m3u_epg,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
