/*
 * test_config.c - ringcast.conf loading: every key read with its
 * documented default, streams inheriting `defaults` key by key, the
 * shipped example files, @include, how problems are reported, and the API
 * other modules use (stream comparison on reload, dynamic streams, edge
 * names).  The checks of each key's values are in test_config_check.c,
 * the defaults in test_config_keys.c.
 *
 * Inline cases use config_load_string() with the name "test.conf"; the
 * shipped example files are loaded from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "test_config.h"

/* ---- valid files ---------------------------------------------------- */

static void
test_minimal(void **state)
{
	struct config *cfg = load_ok(STREAM(URL));
	const struct stream_conf *s;

	assert_int_equal(cfg->n_streams, 1);
	s = &cfg->streams[0];
	assert_string_equal(s->name, "s");
	assert_string_equal(s->url, "http://h/x.ts");
	assert_int_equal(s->type, STREAM_TS);
	assert_int_equal(s->line, 2);
	assert_string_equal(cfg->path, "test.conf");
	config_free(cfg);
}

static void
test_empty_file_is_valid(void **state)
{
	struct config *cfg = load_ok("");

	assert_int_equal(cfg->n_streams, 0);
	assert_null(cfg->streams);
	config_free(cfg);
	cfg = load_ok("streams = ( );\n");
	assert_int_equal(cfg->n_streams, 0);
	config_free(cfg);
}

static const char full_conf[] =
    "listen = [ \"127.0.0.1:9000\", \"[::1]:9001\", \"*:9002\" ];\n"
    "workers = 3;\n"
    "user = \"ringcast\";\n"
    "pid_file = \"/tmp/r.pid\";\n"
    "control_socket = \"/tmp/r.sock\";\n"
    "log = { target = \"/var/log/ringcast.log\"; level = \"debug\"; };\n"
    "admin_token = \"s3cret\";\n"
    "max_clients = 500;\n"
    "events_webhook = \"https://hooks.example/ringcast\";\n"
    "defaults = {\n"
    "  user_agent = \"test/1.0\"; on_demand = false;\n"
    "  idle_timeout = 5.5; connect_timeout = 3; data_timeout = 4.0;\n"
    "  retry_min = 0.5; retry_max = 16.0;\n"
    "  ring_size = 1048576; max_clients = 100;\n"
    "  hls = { max_segments = 30; initial_segments = 4; window_size = 10;\n"
    "    initial_buffer_seconds = 0.0; max_initial_segments = 12;\n"
    "    buffer_ready_timeout = 20.0; first_segment_timeout = 25.0;\n"
    "    fetch_interval = 0.25; client_timeout_factor = 4.0; };\n"
    "};\n"
    "streams = (\n"
    "  { name = \"news\"; type = \"ts\"; url = \"http://up/live.ts\";\n"
    "    backup_urls = [ \"http://m1/live.ts\", \"https://m2/live.ts\" ];\n"
    "    title = \"News 24\"; group = \"News\"; },\n"
    "  { name = \"sports\"; type = \"hls\";\n"
    "    url = \"https://origin/master.m3u8\"; variant = \"lowest\";\n"
    "    segment_duration = 4.0; loop = false; }\n"
    ");\n";

static void
test_full_file(void **state)
{
	struct config *cfg = load_ok(full_conf);
	const struct stream_conf *n, *sp;
	const struct stream_opts *o = &cfg->defaults;

	assert_int_equal(cfg->n_listen, 3);
	assert_string_equal(cfg->listen[0], "127.0.0.1:9000");
	assert_string_equal(cfg->listen[1], "[::1]:9001");
	assert_string_equal(cfg->listen[2], "*:9002");
	assert_int_equal(cfg->workers, 3);
	assert_string_equal(cfg->user, "ringcast");
	assert_string_equal(cfg->pid_file, "/tmp/r.pid");
	assert_string_equal(cfg->control_socket, "/tmp/r.sock");
	assert_int_equal(cfg->log_target, LOG_TARGET_FILE);
	assert_string_equal(cfg->log_file, "/var/log/ringcast.log");
	assert_int_equal(cfg->log_level, LOG_DEBUG);
	assert_string_equal(cfg->admin_token, "s3cret");
	assert_int_equal(cfg->max_clients, 500);
	assert_string_equal(cfg->events_webhook,
	    "https://hooks.example/ringcast");
	assert_string_equal(o->user_agent, "test/1.0");
	assert_int_equal(o->on_demand, 0);
	assert_true(o->idle_timeout == 5.5);
	assert_true(o->connect_timeout == 3.0);
	assert_true(o->data_timeout == 4.0);
	assert_true(o->retry_min == 0.5 && o->retry_max == 16.0);
	assert_true(o->ring_size == 1048576);
	assert_int_equal(o->max_clients, 100);
	assert_int_equal(o->hls.max_segments, 30);
	assert_int_equal(o->hls.initial_segments, 4);
	assert_int_equal(o->hls.window_size, 10);
	assert_true(o->hls.initial_buffer_seconds == 0.0);
	assert_int_equal(o->hls.max_initial_segments, 12);
	assert_true(o->hls.buffer_ready_timeout == 20.0);
	assert_true(o->hls.first_segment_timeout == 25.0);
	assert_true(o->hls.fetch_interval == 0.25);
	assert_true(o->hls.client_timeout_factor == 4.0);

	assert_int_equal(cfg->n_streams, 2);
	n = config_find_stream(cfg, "news");
	sp = config_find_stream(cfg, "sports");
	assert_non_null(n);
	assert_non_null(sp);
	assert_int_equal(n->type, STREAM_TS);
	assert_int_equal(n->n_backup_urls, 2);
	assert_string_equal(n->backup_urls[0], "http://m1/live.ts");
	assert_string_equal(n->backup_urls[1], "https://m2/live.ts");
	assert_string_equal(n->title, "News 24");
	assert_string_equal(n->group, "News");
	assert_int_equal(n->line, 21);
	assert_int_equal(sp->type, STREAM_HLS);
	assert_int_equal(sp->variant, VARIANT_LOWEST);
	assert_true(sp->segment_duration == 4.0);
	assert_int_equal(sp->loop, 0);
	assert_string_equal(sp->title, "sports");
	/* Both inherit every option of `defaults`. */
	assert_string_equal(sp->opts.user_agent, "test/1.0");
	assert_int_equal(sp->opts.hls.window_size, 10);
	assert_true(sp->opts.ring_size == 1048576);
	config_free(cfg);
}

static void
test_stream_overrides_defaults(void **state)
{
	struct config *cfg = load_ok(
	    "defaults = { idle_timeout = 20.0; max_clients = 50;\n"
	    "  hls = { window_size = 8; fetch_interval = 1.0; }; };\n"
	    "streams = (\n"
	    "  { name = \"a\"; " URL " idle_timeout = 60; user_agent = \"x\";\n"
	    "    hls = { window_size = 4; }; },\n"
	    "  { name = \"b\"; " URL " }\n"
	    ");\n");
	const struct stream_conf *a = config_find_stream(cfg, "a");
	const struct stream_conf *b = config_find_stream(cfg, "b");

	assert_true(a->opts.idle_timeout == 60.0);
	assert_string_equal(a->opts.user_agent, "x");
	assert_int_equal(a->opts.max_clients, 50);
	/* One hls key overridden, the other hls keys still from defaults. */
	assert_int_equal(a->opts.hls.window_size, 4);
	assert_true(a->opts.hls.fetch_interval == 1.0);
	assert_int_equal(a->opts.hls.max_segments, 20);
	assert_true(b->opts.idle_timeout == 20.0);
	assert_int_equal(b->opts.hls.window_size, 8);
	assert_string_equal(b->opts.user_agent, "VLC/3.0.16 LibVLC/3.0.16");
	assert_true(cfg->defaults.idle_timeout == 20.0);
	assert_int_equal(cfg->defaults.hls.window_size, 8);
	config_free(cfg);
}

static void
test_defaults_after_streams(void **state)
{
	struct config *cfg = load_ok(STREAM(URL)
	    "defaults = { on_demand = false; };\n");

	assert_int_equal(cfg->streams[0].opts.on_demand, 0);
	config_free(cfg);
}

static void
test_workers_zero_is_cpu_count(void **state)
{
	struct config *cfg = load_ok("workers = 0;\n");
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > CONFIG_MAX_WORKERS)
		n = CONFIG_MAX_WORKERS;
	assert_int_equal(cfg->workers, n);
	config_free(cfg);
}

static void
test_log_targets_and_levels(void **state)
{
	static const struct {
		const char	*level;
		int		 value;
	} lv[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	struct config *cfg;
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		snprintf(text, sizeof(text),
		    "log = { target = \"stderr\"; level = \"%s\"; };",
		    lv[i].level);
		cfg = load_ok(text);
		assert_int_equal(cfg->log_target, LOG_TARGET_STDERR);
		assert_null(cfg->log_file);
		assert_int_equal(cfg->log_level, lv[i].value);
		config_free(cfg);
	}
	cfg = load_ok("log = { level = \"notice\"; };");
	assert_int_equal(cfg->log_target, LOG_TARGET_SYSLOG);
	assert_int_equal(cfg->log_level, LOG_NOTICE);
	config_free(cfg);
}

static void
test_variant_forms(void **state)
{
	struct config *cfg = load_ok(
	    "streams = (\n"
	    "  { name = \"a\"; " URL " variant = 1500000; },\n"
	    "  { name = \"b\"; " URL " variant = \"2500000\"; },\n"
	    "  { name = \"c\"; " URL " variant = \"highest\"; },\n"
	    "  { name = \"d\"; " URL " variant = 5000000000L; }\n"
	    ");\n");

	assert_int_equal(cfg->streams[0].variant, VARIANT_BANDWIDTH);
	assert_int_equal(cfg->streams[0].variant_bandwidth, 1500000);
	assert_int_equal(cfg->streams[1].variant, VARIANT_BANDWIDTH);
	assert_int_equal(cfg->streams[1].variant_bandwidth, 2500000);
	assert_int_equal(cfg->streams[2].variant, VARIANT_HIGHEST);
	assert_true(cfg->streams[3].variant_bandwidth == 5000000000L);
	config_free(cfg);
}

static void
test_type_guessed_from_url(void **state)
{
	struct config *cfg = load_ok(
	    "streams = (\n"
	    "  { name = \"a\"; url = \"http://h/live/index.m3u8?tok=1\"; },\n"
	    "  { name = \"b\"; url = \"http://h/live.ts\"; },\n"
	    "  { name = \"c\"; url = \"http://h/x.m3u8\"; type = \"ts\"; }\n"
	    ");\n");

	assert_int_equal(cfg->streams[0].type, STREAM_HLS);
	assert_int_equal(cfg->streams[1].type, STREAM_TS);
	assert_int_equal(cfg->streams[2].type, STREAM_TS);
	config_free(cfg);
}

static void
test_file_urls(void **state)
{
	struct config *cfg = load_ok(
	    "streams = (\n"
	    "  { name = \"rel\"; url = \"file://tests/media/sample.ts\";\n"
	    "    loop = true; },\n"
	    "  { name = \"abs\"; url = \"file:///srv/media/a.ts\"; loop = true;\n"
	    "    backup_urls = [ \"file:///srv/media/b.ts\" ]; },\n"
	    "  { name = \"hlsfile\"; type = \"hls\";\n"
	    "    url = \"file:///srv/hls/index.m3u8\"; }\n"
	    ");\n");

	assert_int_equal(cfg->streams[0].loop, 1);
	assert_string_equal(config_url_file_path(cfg->streams[0].url),
	    "tests/media/sample.ts");
	assert_string_equal(config_url_file_path(cfg->streams[1].url),
	    "/srv/media/a.ts");
	assert_int_equal(cfg->streams[2].type, STREAM_HLS);
	assert_null(config_url_file_path("http://h/x"));
	config_free(cfg);
}

static void
test_numbers_int_float_int64(void **state)
{
	struct config *cfg = load_ok(
	    "defaults = { idle_timeout = 10; ring_size = 16777216L; };\n"
	    STREAM(URL "ring_size = 200000; segment_duration = 6;"));

	assert_true(cfg->defaults.idle_timeout == 10.0);
	assert_true(cfg->defaults.ring_size == 16777216);
	assert_true(cfg->streams[0].opts.ring_size == 200000);
	assert_true(cfg->streams[0].segment_duration == 6.0);
	config_free(cfg);
}

/* ---- events, ui ----------------------------------------------------- */

static void
test_events_and_ui_keys(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("");
	assert_string_equal(cfg->events_token, "");
	assert_true(cfg->events_heartbeat == 15.0);	/* ringcast.conf(5) */
	assert_int_equal(cfg->events_backlog, 4096);
	assert_int_equal(cfg->ui, 1);
	config_free(cfg);
	cfg = load_ok("events_token = \"dash-board\";\nevents_heartbeat = 2.5;\n"
	    "events_backlog = 100;\nui = false;\n");
	assert_string_equal(cfg->events_token, "dash-board");
	assert_true(cfg->events_heartbeat == 2.5);
	assert_int_equal(cfg->events_backlog, 100);
	assert_int_equal(cfg->ui, 0);
	config_free(cfg);
	cfg = load_ok("events_heartbeat = 15;\n");	/* an integer is fine */
	assert_true(cfg->events_heartbeat == 15.0);
	config_free(cfg);
	cfg = load_ok("");
	assert_true(cfg->history_interval == 10.0);	/* ringcast.conf(5) */
	config_free(cfg);
	cfg = load_ok("history_interval = 1;\n");
	assert_true(cfg->history_interval == 1.0);
	config_free(cfg);
}

/* ---- edge mode ---------------------------------------------------------- */

static void
test_edge_keys(void **state)
{
	struct config *cfg = load_ok(
	    "parent = [ \"http://o1:8080\", \"https://o2/base/\" ];\n"
	    "parent_streams = [ \"news*\", \"ch-[0-9]?\", \"exact\" ];\n"
	    "edge_id = \"edge-3\";\n");

	assert_int_equal(cfg->n_parents, 2);
	assert_string_equal(cfg->parents[0], "http://o1:8080");
	assert_string_equal(cfg->parents[1], "https://o2/base/");
	assert_int_equal(cfg->n_parent_streams, 3);
	assert_string_equal(cfg->edge_id, "edge-3");
	assert_true(config_parent_allows(cfg, "news"));
	assert_true(config_parent_allows(cfg, "news-hd"));
	assert_true(config_parent_allows(cfg, "ch-42"));
	assert_true(config_parent_allows(cfg, "exact"));
	assert_false(config_parent_allows(cfg, "ch-4"));
	assert_false(config_parent_allows(cfg, "exactly"));
	assert_false(config_parent_allows(cfg, "sports"));
	/* never a name a stream could not have */
	assert_false(config_parent_allows(cfg, "news/../x"));
	assert_false(config_parent_allows(cfg, ""));
	assert_false(config_parent_allows(cfg, NULL));
	config_free(cfg);
}

static void
test_edge_defaults_proxy_nothing(void **state)
{
	struct config *cfg = load_ok("");

	/* no parent: not an edge */
	assert_int_equal(cfg->n_parents, 0);
	assert_int_equal(cfg->n_parent_streams, 0);
	assert_string_equal(cfg->edge_id, "");
	assert_false(config_parent_allows(cfg, "news"));
	config_free(cfg);
	/* a parent but no parent_streams: still nothing is proxied */
	cfg = load_ok("parent = [ \"http://o:8080\" ];\n");
	assert_int_equal(cfg->n_parents, 1);
	assert_false(config_parent_allows(cfg, "news"));
	config_free(cfg);
	/* only "*" opens every name */
	cfg = load_ok("parent = [ \"http://o:8080\" ];\n"
	    "parent_streams = [ \"*\" ];\n");
	assert_true(config_parent_allows(cfg, "anything_at-all"));
	config_free(cfg);
}

static void
test_parent_base(void **state)
{
	char out[64];

	assert_int_equal(config_parent_base("http://o:8080/stream/news",
	    "news", out, sizeof(out)), 0);
	assert_string_equal(out, "http://o:8080");
	assert_int_equal(config_parent_base("https://o/base/stream/a-1",
	    "a-1", out, sizeof(out)), 0);
	assert_string_equal(out, "https://o/base");
	/* not NAME's parent URL */
	assert_int_equal(config_parent_base("http://o/stream/news", "ews",
	    out, sizeof(out)), -1);
	assert_int_equal(config_parent_base("http://o/hls/news", "news",
	    out, sizeof(out)), -1);
	assert_int_equal(config_parent_base("/stream/news", "news", out,
	    sizeof(out)), -1);		/* no base at all */
	assert_int_equal(config_parent_base("", "news", out, sizeof(out)),
	    -1);
	assert_int_equal(config_parent_base("http://o/stream/n", "bad name",
	    out, sizeof(out)), -1);
	assert_int_equal(config_parent_base(NULL, "n", out, sizeof(out)), -1);
	/* content ids: the parent's /ace/getstream */
	assert_int_equal(config_parent_base("http://o:1/ace/getstream?id="
	    "0123456789abcdef0123456789abcdef01234567",
	    "0123456789abcdef0123456789abcdef01234567", out, sizeof(out)), 0);
	assert_string_equal(out, "http://o:1");
	assert_int_equal(config_parent_base("http://o:1/ace/getstream?"
	    "infohash=0123456789abcdef0123456789abcdef01234567",
	    "infohash-0123456789abcdef0123456789abcdef01234567", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "http://o:1");
	assert_int_equal(config_parent_base("http://o:1/ace/getstream?id="
	    "0123456789abcdef0123456789abcdef01234567",
	    "1123456789abcdef0123456789abcdef01234567", out, sizeof(out)), -1);
	/* too long for OUT */
	assert_int_equal(config_parent_base("http://a-very-long-host-name."
	    "example/stream/n", "n", out, 8), -1);
}

/* ---- reporting -------------------------------------------------------- */

static void
test_all_errors_at_once(void **state)
{
	expect_errors(
	    "workers = 100;\n"
	    "bogus = 1;\n"
	    "streams = (\n"
	    "  { name = \"a b\"; url = \"ftp://x\"; on_demand = 3; },\n"
	    "  { name = \"ok\"; },\n"
	    "  { name = \"ok\"; " URL " type = \"udp\"; }\n"
	    ");\n"
	    "defaults = { idle_timeout = -1; };\n",
	    "test.conf:1: workers must be between 0 and 64, not 100\n"
	    "test.conf:2: unknown key 'bogus'\n"
	    "test.conf:4: invalid stream name 'a b': use 1 to 64 of A-Z a-z "
	    "0-9 _ -\n"
	    "test.conf:4: invalid url 'ftp://x': must start with http://, "
	    "https:// or file://\n"
	    "test.conf:4: on_demand must be a boolean (true or false), not an "
	    "integer\n"
	    "test.conf:5: stream 'ok' has no url\n"
	    "test.conf:6: duplicate stream name 'ok' (first defined at "
	    "line 5)\n"
	    "test.conf:6: type must be ts or hls, not 'udp'\n"
	    "test.conf:8: idle_timeout must be greater than 0, not -1\n");
}

static void
test_defaults_error_reported_once(void **state)
{
	/* Three streams inherit the bad window: one error, at defaults. */
	expect_errors(
	    "defaults = { hls = { window_size = 50; }; };\n"
	    "streams = (\n"
	    "  { name = \"a\"; " URL " },\n"
	    "  { name = \"b\"; " URL " },\n"
	    "  { name = \"c\"; " URL " }\n"
	    ");\n",
	    "test.conf:1: window_size (50) must not exceed "
	    "max_segments (20)\n");
}

static void
test_out_untouched_on_failure(void **state)
{
	struct config *sentinel = (struct config *)(uintptr_t)0x1234;
	struct config *cfg = sentinel;
	char errs[256];

	assert_int_equal(config_load_string("workers = -5;", "test.conf",
	    &cfg, errs, sizeof(errs)), -1);
	assert_ptr_equal(cfg, sentinel);
	/* No buffer for messages is fine too. */
	assert_int_equal(config_load_string("workers = -5;", "test.conf",
	    &cfg, NULL, 0), -1);
	assert_ptr_equal(cfg, sentinel);
}

static void
test_errs_truncated_to_whole_lines(void **state)
{
	struct config *cfg = NULL;
	char errs[40];

	/* Each line is 31 bytes with its newline: only the first fits. */
	assert_int_equal(config_load_string("a1 = 1;\nb2 = 2;\n", "test.conf",
	    &cfg, errs, sizeof(errs)), -1);
	assert_string_equal(errs, "test.conf:1: unknown key 'a1'\n");
	assert_int_equal(config_load_string("a1 = 1;\n", "test.conf",
	    &cfg, errs, 10), -1);
	assert_string_equal(errs, "test.conf");
}

/* ---- files ---------------------------------------------------------- */

static void
load_file_ok(const char *path)
{
	struct config *cfg = NULL;
	char errs[ERRSZ];
	int rc = config_load(path, &cfg, errs, sizeof(errs));

	if (rc != 0)
		print_error("%s", errs);
	assert_int_equal(rc, 0);
	assert_non_null(cfg);
	assert_string_equal(cfg->path, path);
	config_free(cfg);
}

/*
 * etc/ringcast.conf with its commented examples uncommented, as its text
 * tells a reader to: from `streams = (` on, a line "#" followed by a
 * character other than a space, or by two spaces, loses its "#" ("# "
 * starts an explanation).  Returns a string to free.
 */
static char *
example_uncommented(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], *out;
	size_t len = 0, size = 65536;
	int in_examples = 0;

	assert_non_null(f);
	out = malloc(size);
	assert_non_null(out);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line;

		if (strncmp(line, "streams = (", 11) == 0)
			in_examples = 1;
		if (in_examples && line[0] == '#' && line[1] != '\n' &&
		    (line[1] != ' ' || line[2] == ' '))
			p++;
		assert_true(len + strlen(p) < size);
		memcpy(out + len, p, strlen(p));
		len += strlen(p);
	}
	out[len] = '\0';
	fclose(f);
	return out;
}

/*
 * The file the Debian package installs as /etc/ringcast/ringcast.conf:
 * no stream and no engine until the operator adds them (nothing pulled,
 * nothing polled), the service user, syslog.  Its examples load too.
 */
static void
test_example_config_loads(void **state)
{
	struct config *cfg = NULL;
	const struct stream_conf *s;
	char errs[ERRSZ], *text;

	load_file_ok("etc/ringcast.conf");
	assert_int_equal(config_load("etc/ringcast.conf", &cfg, errs,
	    sizeof(errs)), 0);
	assert_string_equal(cfg->user, "ringcast");
	assert_string_equal(cfg->pid_file, "/run/ringcast/ringcastd.pid");
	assert_int_equal(cfg->log_target, LOG_TARGET_SYSLOG);
	assert_int_equal(cfg->n_streams, 0);
	assert_int_equal(cfg->ace.n_engines, 0);
	config_free(cfg);

	text = example_uncommented("etc/ringcast.conf");
	if (config_load_string(text, "etc/ringcast.conf", &cfg, errs,
	    sizeof(errs)) != 0)
		fail_msg("the uncommented examples:\n%s", errs);
	free(text);
	assert_int_equal(cfg->n_streams, 3);
	s = &cfg->streams[0];
	assert_int_equal(s->type, STREAM_TS);
	assert_true(s->n_backup_urls >= 1);
	s = &cfg->streams[1];
	assert_int_equal(s->type, STREAM_HLS);
	assert_int_equal(s->opts.on_demand, 0);
	assert_int_equal(cfg->streams[2].loop, 1);
	assert_int_equal(cfg->ace.n_engines, 1);
	config_free(cfg);
}

static void
test_demo_config_loads(void **state)
{
	struct config *cfg = NULL;
	const struct stream_conf *s;
	char errs[ERRSZ];

	load_file_ok("etc/ringcast-demo.conf");
	assert_int_equal(config_load("etc/ringcast-demo.conf", &cfg, errs,
	    sizeof(errs)), 0);
	assert_string_equal(cfg->listen[0], "127.0.0.1:8080");
	assert_int_equal(cfg->workers, 2);
	assert_string_equal(cfg->user, "");
	assert_string_equal(cfg->pid_file, "/tmp/ringcast-demo.pid");
	assert_string_equal(cfg->control_socket, "/tmp/ringcast-demo.sock");
	assert_int_equal(cfg->log_target, LOG_TARGET_STDERR);
	assert_int_equal(cfg->log_level, LOG_INFO);
	s = config_find_stream(cfg, "demo");
	assert_non_null(s);
	assert_string_equal(s->url, "file://tests/media/sample.ts");
	assert_int_equal(s->loop, 1);
	assert_int_equal(s->opts.on_demand, 0);
	assert_string_equal(s->title, "ringcast demo");
	config_free(cfg);
	load_file_ok("etc/ringcast-ace-demo.conf");
	assert_int_equal(config_load("etc/ringcast-ace-demo.conf", &cfg, errs,
	    sizeof(errs)), 0);
	assert_int_equal(cfg->ace.n_engines, 1);
	assert_string_equal(cfg->ace.engines[0], "http://127.0.0.1:6878");
	config_free(cfg);
}

static void
test_missing_file(void **state)
{
	struct config *cfg = NULL;
	char errs[256];

	assert_int_equal(config_load("/nonexistent/ringcast.conf", &cfg, errs,
	    sizeof(errs)), -1);
	assert_null(cfg);
	assert_string_equal(errs, "/nonexistent/ringcast.conf: cannot open: "
	    "No such file or directory\n");
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_file_errors_and_include(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX";
	char main_path[64], inc_path[64], want[256];
	struct config *cfg = NULL;
	char errs[512];

	assert_non_null(mkdtemp(dir));
	snprintf(main_path, sizeof(main_path), "%s/main.conf", dir);
	snprintf(inc_path, sizeof(inc_path), "%s/streams.conf", dir);
	/* @include is relative to the main file's directory, not the cwd. */
	write_file(main_path, "workers = 1;\n@include \"streams.conf\"\n");
	write_file(inc_path, "streams = (\n { name = \"x\"; " URL " }\n);\n");
	assert_int_equal(config_load(main_path, &cfg, errs, sizeof(errs)), 0);
	assert_int_equal(cfg->n_streams, 1);
	config_free(cfg);
	cfg = NULL;
	/* Errors in an included file name that file. */
	write_file(inc_path, "\nworkers2 = 1;\n");
	assert_int_equal(config_load(main_path, &cfg, errs, sizeof(errs)), -1);
	snprintf(want, sizeof(want), "%s:2: unknown key 'workers2'\n",
	    inc_path);
	assert_string_equal(errs, want);
	/* And a syntax error in the main file names the main file. */
	write_file(main_path, "workers = 1;\n\nlisten = [ \n");
	assert_int_equal(config_load(main_path, &cfg, errs, sizeof(errs)), -1);
	snprintf(want, sizeof(want), "%s:4: syntax error\n", main_path);
	assert_string_equal(errs, want);
	assert_null(cfg);
	unlink(main_path);
	unlink(inc_path);
	rmdir(dir);
}

/* ---- the rest of the API -------------------------------------------- */

static void
test_stream_changed(void **state)
{
	static const char *base = "streams = ( { name = \"s\"; "
	    "url = \"http://h/x.ts\"; backup_urls = [ \"http://b/x.ts\" ]; "
	    "%s } );";
	static const struct {
		const char	*extra;
		int		 changed;
	} cases[] = {
		{ "title = \"T\"; group = \"G\";", 0 },
		{ "title = \"Other\"; group = \"G\";", 0 },
		{ "title = \"T\"; group = \"Other\";", 0 },
		{ "", 0 },	/* title back to the name, group to "" */
		{ "type = \"hls\";", 1 },
		{ "loop = false; variant = \"lowest\";", 1 },
		{ "variant = 800000;", 1 },
		{ "segment_duration = 3.0;", 1 },
		{ "user_agent = \"other\";", 1 },
		{ "on_demand = false;", 1 },
		{ "data_timeout = 3;", 1 },
		{ "ring_size = 1048576;", 1 },
		{ "max_clients = 7;", 1 },
		{ "hls = { client_timeout_factor = 2.0; };", 1 },
		{ "hls = { max_segments = 21; };", 1 },
	};
	struct config *a, *b;
	char text[512];
	size_t i;

	snprintf(text, sizeof(text), base, "title = \"T\"; group = \"G\";");
	a = load_ok(text);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), base, cases[i].extra);
		b = load_ok(text);
		if (config_stream_changed(&a->streams[0], &b->streams[0]) !=
		    cases[i].changed)
			fail_msg("case '%s'", cases[i].extra);
		config_free(b);
	}
	/* Different backups, and a different URL. */
	b = load_ok("streams = ( { name = \"s\"; url = \"http://h/x.ts\"; "
	    "backup_urls = [ \"http://c/x.ts\" ]; title = \"T\"; } );");
	assert_int_equal(config_stream_changed(&a->streams[0],
	    &b->streams[0]), 1);
	config_free(b);
	b = load_ok("streams = ( { name = \"s\"; url = \"http://h/z.ts\"; "
	    "backup_urls = [ \"http://b/x.ts\" ]; } );");
	assert_int_equal(config_stream_changed(&a->streams[0],
	    &b->streams[0]), 1);
	config_free(b);
	/* A changed default reaches the stream, and changes it. */
	b = load_ok("defaults = { retry_max = 30; };"
	    "streams = ( { name = \"s\"; url = \"http://h/x.ts\"; "
	    "backup_urls = [ \"http://b/x.ts\" ]; } );");
	assert_int_equal(config_stream_changed(&a->streams[0],
	    &b->streams[0]), 1);
	config_free(b);
	assert_int_equal(config_stream_changed(&a->streams[0],
	    &a->streams[0]), 0);
	config_free(a);
}

static void
test_find_stream_and_names(void **state)
{
	struct config *cfg = load_ok(full_conf);

	assert_non_null(config_find_stream(cfg, "news"));
	assert_null(config_find_stream(cfg, "nope"));
	assert_null(config_find_stream(cfg, NULL));
	assert_null(config_find_stream(NULL, "news"));
	config_free(cfg);

	assert_true(config_name_valid("abc"));
	assert_true(config_name_valid("A-b_9"));
	assert_false(config_name_valid(""));
	assert_false(config_name_valid("a.b"));
	assert_false(config_name_valid("a/b"));
	assert_false(config_name_valid(NULL));
	assert_string_equal(config_stream_type_name(STREAM_TS), "ts");
	assert_string_equal(config_stream_type_name(STREAM_HLS), "hls");
	config_free(NULL);
}

/* ---- acestream ------------------------------------------------------- */

static void
test_acestream_defaults_and_keys(void **state)
{
	struct config *cfg = load_ok("");

	assert_int_equal(cfg->ace.enabled, 0);
	assert_int_equal(cfg->ace.n_engines, 0);
	config_free(cfg);
	cfg = load_ok("defaults = { ring_size = 1048576; user_agent = \"x\"; };\n"
	    "acestream = { engines = [ \"http://127.0.0.1:6878/\", "
	    "\"https://e2:6878\" ];\n idle_timeout = 2.5; hls = { window_size"
	    " = 4; }; };\n");
	assert_int_equal(cfg->ace.enabled, 1);
	assert_int_equal(cfg->ace.line, 2);
	assert_int_equal(cfg->ace.n_engines, 2);
	assert_string_equal(cfg->ace.engines[0], "http://127.0.0.1:6878");
	assert_string_equal(cfg->ace.engines[1], "https://e2:6878");
	assert_int_equal(cfg->ace.max_streams_per_engine, 4);
	assert_int_equal(cfg->ace.max_streams, 16);
	assert_true(cfg->ace.start_timeout == 30.0);
	assert_true(cfg->ace.segment_duration == 2.0);
	/* the group starts from `defaults` and overrides key by key */
	assert_true(cfg->ace.opts.idle_timeout == 2.5);
	assert_int_equal(cfg->ace.opts.ring_size, 1048576);
	assert_string_equal(cfg->ace.opts.user_agent, "x");
	assert_int_equal(cfg->ace.opts.hls.window_size, 4);
	assert_int_equal(cfg->ace.opts.on_demand, 1);
	assert_true(config_ace_engine_known(cfg, "https://e2:6878"));
	assert_false(config_ace_engine_known(cfg, "http://e3:6878"));
	config_free(cfg);
	cfg = load_ok("acestream = { engines = [ \"http://e:1\" ]; "
	    "max_streams_per_engine = 1; max_streams = 3; start_timeout = 5;"
	    " segment_duration = 4.0; };");
	assert_int_equal(cfg->ace.max_streams_per_engine, 1);
	assert_int_equal(cfg->ace.max_streams, 3);
	assert_true(cfg->ace.start_timeout == 5.0);
	assert_true(cfg->ace.segment_duration == 4.0);
	config_free(cfg);
}

static void
test_stream_make(void **state)
{
	struct config *cfg = load_ok("acestream = { engines = [ \"http://e\" ];"
	    " data_timeout = 3; };");
	struct stream_conf *sc;

	sc = config_stream_make(STREAM_ORIGIN_ACE, "0123abcd", "http://e",
	    &cfg->ace.opts, 3.0);
	assert_non_null(sc);
	assert_string_equal(sc->name, "0123abcd");
	assert_string_equal(sc->key, "0123abcd");
	assert_int_equal(sc->origin, STREAM_ORIGIN_ACE);
	assert_string_equal(sc->url, "http://e");
	assert_int_equal(sc->type, STREAM_TS);
	assert_true(sc->opts.data_timeout == 3.0);
	assert_true(sc->segment_duration == 3.0);
	/* a deep copy: the config can go, the stream stays */
	assert_ptr_not_equal(sc->opts.user_agent, cfg->ace.opts.user_agent);
	config_free(cfg);
	assert_string_equal(sc->opts.user_agent, "VLC/3.0.16 LibVLC/3.0.16");
	config_stream_destroy(sc);
	config_stream_destroy(NULL);
	assert_null(config_stream_make(STREAM_ORIGIN_ACE, "bad name", "http://e",
	    &(struct stream_opts){ 0 }, 2.0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_empty_file_is_valid),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_stream_overrides_defaults),
		cmocka_unit_test(test_defaults_after_streams),
		cmocka_unit_test(test_workers_zero_is_cpu_count),
		cmocka_unit_test(test_log_targets_and_levels),
		cmocka_unit_test(test_variant_forms),
		cmocka_unit_test(test_type_guessed_from_url),
		cmocka_unit_test(test_file_urls),
		cmocka_unit_test(test_numbers_int_float_int64),
		cmocka_unit_test(test_edge_keys),
		cmocka_unit_test(test_edge_defaults_proxy_nothing),
		cmocka_unit_test(test_parent_base),
		cmocka_unit_test(test_events_and_ui_keys),
		cmocka_unit_test(test_all_errors_at_once),
		cmocka_unit_test(test_defaults_error_reported_once),
		cmocka_unit_test(test_out_untouched_on_failure),
		cmocka_unit_test(test_errs_truncated_to_whole_lines),
		cmocka_unit_test(test_example_config_loads),
		cmocka_unit_test(test_demo_config_loads),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_file_errors_and_include),
		cmocka_unit_test(test_stream_changed),
		cmocka_unit_test(test_find_stream_and_names),
		cmocka_unit_test(test_acestream_defaults_and_keys),
		cmocka_unit_test(test_stream_make),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
