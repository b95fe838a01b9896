/*
 * test_config.c - ringcast.conf parsing, defaults and validation.
 *
 * What an operator relies on: every key of ringcast.conf(5) is read with
 * its documented default, streams inherit `defaults` key by key, and every
 * mistake is reported at once as "FILE:LINE: message".  Inline cases use
 * config_load_string() with the name "test.conf"; the shipped example files
 * are loaded from the repository root.
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

#define ERRSZ	16384

static struct config *
load_ok(const char *text)
{
	struct config *cfg = NULL;
	char errs[ERRSZ];
	int rc;

	rc = config_load_string(text, "test.conf", &cfg, errs, sizeof(errs));
	if (rc != 0)
		print_error("unexpected errors:\n%s", errs);
	assert_int_equal(rc, 0);
	assert_non_null(cfg);
	assert_string_equal(errs, "");
	return cfg;
}

/* TEXT must fail with exactly the lines EXPECTED. */
static void
expect_errors(const char *text, const char *expected)
{
	struct config *cfg = NULL;
	char errs[ERRSZ];
	int rc;

	rc = config_load_string(text, "test.conf", &cfg, errs, sizeof(errs));
	assert_int_equal(rc, -1);
	assert_null(cfg);
	assert_string_equal(errs, expected);
}

/* Lines of a one-stream config: the stream's keys go on line 2. */
#define STREAM(keys)	"streams = (\n{ name = \"s\"; " keys " }\n);\n"
#define URL		"url = \"http://h/x.ts\";"

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

static void
test_global_defaults(void **state)
{
	struct config *cfg = load_ok("");

	assert_int_equal(cfg->n_listen, 1);
	assert_string_equal(cfg->listen[0], "0.0.0.0:8080");
	assert_int_equal(cfg->workers, 2);
	assert_string_equal(cfg->user, "");
	assert_string_equal(cfg->pid_file, "/run/ringcast/ringcastd.pid");
	assert_string_equal(cfg->control_socket, "/run/ringcast/control.sock");
	assert_int_equal(cfg->log_target, LOG_TARGET_SYSLOG);
	assert_null(cfg->log_file);
	assert_int_equal(cfg->log_level, LOG_INFO);
	assert_string_equal(cfg->admin_token, "");
	assert_int_equal(cfg->max_clients, 4096);
	assert_string_equal(cfg->events_webhook, "");
	assert_int_equal(cfg->n_cors_origins, 1);
	assert_string_equal(cfg->cors_origins[0], "*");
	config_free(cfg);
}

static void
check_default_opts(const struct stream_opts *o)
{
	assert_string_equal(o->user_agent, "VLC/3.0.16 LibVLC/3.0.16");
	assert_int_equal(o->on_demand, 1);
	assert_true(o->idle_timeout == 10.0);
	assert_true(o->connect_timeout == 10.0);
	assert_true(o->data_timeout == 10.0);
	assert_true(o->retry_min == 1.0);
	assert_true(o->retry_max == 8.0);
	assert_true(o->ring_size == 16777216);
	assert_int_equal(o->max_clients, 1024);
	assert_int_equal(o->hls.max_segments, 20);
	assert_int_equal(o->hls.initial_segments, 3);
	assert_int_equal(o->hls.window_size, 6);
	assert_true(o->hls.initial_buffer_seconds == 10.0);
	assert_int_equal(o->hls.max_initial_segments, 10);
	assert_true(o->hls.buffer_ready_timeout == 30.0);
	assert_true(o->hls.first_segment_timeout == 30.0);
	assert_true(o->hls.fetch_interval == 0.5);
	assert_true(o->hls.client_timeout_factor == 3.0);
}

static void
test_stream_defaults(void **state)
{
	struct config *cfg = load_ok(STREAM(URL));
	const struct stream_conf *s = &cfg->streams[0];

	check_default_opts(&cfg->defaults);
	check_default_opts(&s->opts);
	assert_int_equal(s->n_backup_urls, 0);
	assert_int_equal(s->loop, 0);
	assert_int_equal(s->variant, VARIANT_HIGHEST);
	assert_true(s->segment_duration == 2.0);
	assert_string_equal(s->title, "s");
	assert_string_equal(s->group, "");
	/* A deep copy: the stream owns its own user agent string. */
	assert_ptr_not_equal(s->opts.user_agent, cfg->defaults.user_agent);
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

/* ---- errors, one class at a time ------------------------------------ */

static void
test_err_syntax(void **state)
{
	expect_errors("workers = 2;\nlisten = ;\n",
	    "test.conf:2: syntax error\n");
	expect_errors("a = 1;\na = 2;\n",
	    "test.conf:2: duplicate setting name\n");
}

static void
test_err_wrong_types(void **state)
{
	expect_errors(
	    "workers = \"two\";\n"
	    "user = 5;\n"
	    "max_clients = 1.5;\n"
	    "defaults = { on_demand = 3; idle_timeout = \"ten\";\n"
	    "  ring_size = true; hls = 1; };\n"
	    "log = \"stderr\";\n",
	    "test.conf:1: workers must be an integer, not a string\n"
	    "test.conf:2: user must be a string, not an integer\n"
	    "test.conf:3: max_clients must be an integer, "
	    "not a floating-point number\n"
	    "test.conf:4: on_demand must be a boolean (true or false), "
	    "not an integer\n"
	    "test.conf:4: idle_timeout must be a number, not a string\n"
	    "test.conf:5: ring_size must be an integer, not a boolean\n"
	    "test.conf:5: hls must be a group { ... }, not an integer\n"
	    "test.conf:6: log must be a group { ... }, not a string\n");
}

static void
test_err_unknown_keys(void **state)
{
	expect_errors(
	    "foo = 1;\n"
	    "log = { target = \"syslog\"; colour = true; };\n"
	    "defaults = { idle = 3; hls = { segments = 3; }; };\n"
	    "streams = ( { name = \"s\"; " URL " urll = \"x\";\n"
	    "  hls = { windowsize = 2; }; } );\n",
	    "test.conf:1: unknown key 'foo'\n"
	    "test.conf:2: unknown key 'colour'\n"
	    "test.conf:3: unknown key 'idle'\n"
	    "test.conf:3: unknown key 'segments'\n"
	    "test.conf:4: unknown key 'urll'\n"
	    "test.conf:5: unknown key 'windowsize'\n");
	expect_errors("defaults = {\n url = \"http://h/x\"; title = \"t\"; };\n",
	    "test.conf:2: url can only be set in a stream, not in defaults\n"
	    "test.conf:2: title can only be set in a stream, not in "
	    "defaults\n");
}

static void
test_err_missing_name(void **state)
{
	expect_errors("streams = (\n{ " URL " }\n);\n",
	    "test.conf:2: stream has no name\n");
}

static void
test_err_duplicate_name(void **state)
{
	expect_errors(
	    "streams = (\n"
	    "  { name = \"a\"; " URL " },\n"
	    "  { name = \"b\"; " URL " },\n"
	    "  { name = \"a\"; " URL " }\n"
	    ");\n",
	    "test.conf:4: duplicate stream name 'a' "
	    "(first defined at line 2)\n");
}

static void
test_err_invalid_name(void **state)
{
	char text[512], want[512];
	char longname[CONFIG_NAME_MAX + 2];

	expect_errors("streams = (\n{ name = \"bad name\"; " URL " }\n);\n",
	    "test.conf:2: invalid stream name 'bad name': use 1 to 64 of "
	    "A-Z a-z 0-9 _ -\n");
	expect_errors("streams = (\n{ name = \"\"; " URL " }\n);\n",
	    "test.conf:2: invalid stream name '': use 1 to 64 of "
	    "A-Z a-z 0-9 _ -\n");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	snprintf(text, sizeof(text), "streams = (\n{ name = \"%s\"; " URL
	    " }\n);\n", longname);
	snprintf(want, sizeof(want), "test.conf:2: invalid stream name '%s': "
	    "use 1 to 64 of A-Z a-z 0-9 _ -\n", longname);
	expect_errors(text, want);
	/* 64 characters is the limit, and fine. */
	longname[CONFIG_NAME_MAX] = '\0';
	snprintf(text, sizeof(text), "streams = (\n{ name = \"%s\"; " URL
	    " }\n);\n", longname);
	config_free(load_ok(text));
}

static void
test_err_missing_url(void **state)
{
	expect_errors("streams = (\n{ name = \"s\"; type = \"ts\"; }\n);\n",
	    "test.conf:2: stream 's' has no url\n");
}

static void
test_err_bad_urls(void **state)
{
	char text[CONFIG_URL_MAX + 128];
	char *url = malloc(CONFIG_URL_MAX + 1);

	expect_errors(
	    "streams = (\n"
	    "  { name = \"a\"; url = \"ftp://h/x.ts\"; },\n"
	    "  { name = \"b\"; url = \"http://\"; },\n"
	    "  { name = \"c\"; url = \"http:///x.ts\"; },\n"
	    "  { name = \"d\"; url = \"http://h/a b.ts\"; },\n"
	    "  { name = \"e\"; url = \"file://\"; },\n"
	    "  { name = \"f\"; url = \"h/x.ts\"; },\n"
	    "  { name = \"g\"; url = \"http://h/\\tx\"; }\n"
	    ");\n",
	    "test.conf:2: invalid url 'ftp://h/x.ts': must start with "
	    "http://, https:// or file://\n"
	    "test.conf:3: invalid url 'http://': no host\n"
	    "test.conf:4: invalid url 'http:///x.ts': no host\n"
	    "test.conf:5: invalid url 'http://h/a b.ts': contains a space "
	    "or a control character\n"
	    "test.conf:6: invalid url 'file://': no path after file://\n"
	    "test.conf:7: invalid url 'h/x.ts': must start with http://, "
	    "https:// or file://\n"
	    "test.conf:8: url contains a control character\n");

	/* CONFIG_URL_MAX - 1 bytes is the longest accepted. */
	assert_non_null(url);
	memcpy(url, "http://h/", 9);
	memset(url + 9, 'a', CONFIG_URL_MAX - 1 - 9);
	url[CONFIG_URL_MAX - 1] = '\0';
	snprintf(text, sizeof(text), STREAM("url = \"%s\";"), url);
	config_free(load_ok(text));
	url[CONFIG_URL_MAX - 1] = 'a';
	url[CONFIG_URL_MAX] = '\0';
	snprintf(text, sizeof(text), STREAM("url = \"%s\";"), url);
	expect_errors(text, "test.conf:2: url is too long "
	    "(at most 2047 bytes)\n");
	free(url);
}

static void
test_err_bad_type(void **state)
{
	expect_errors(STREAM(URL " type = \"dash\";"),
	    "test.conf:2: type must be ts or hls, not 'dash'\n");
	expect_errors(STREAM(URL " type = 1;"),
	    "test.conf:2: type must be a string, not an integer\n");
}

static void
test_err_timeouts(void **state)
{
	expect_errors(
	    "defaults = {\n"
	    "  idle_timeout = 0;\n"
	    "  connect_timeout = -1.0;\n"
	    "  data_timeout = 0.0;\n"
	    "  retry_min = -2;\n"
	    "};\n"
	    STREAM(URL " segment_duration = 0;"),
	    "test.conf:2: idle_timeout must be greater than 0, not 0\n"
	    "test.conf:3: connect_timeout must be greater than 0, not -1\n"
	    "test.conf:4: data_timeout must be greater than 0, not 0\n"
	    "test.conf:5: retry_min must be greater than 0, not -2\n"
	    "test.conf:8: segment_duration must be greater than 0, not 0\n");
}

static void
test_err_huge_duration(void **state)
{
	expect_errors("defaults = { idle_timeout = 1e9; };\n",
	    "test.conf:1: idle_timeout must be at most 604800, "
	    "not 1e+09\n");
}

static void
test_err_retry_order(void **state)
{
	expect_errors("defaults = {\n retry_min = 5.0;\n retry_max = 2.0; };\n",
	    "test.conf:3: retry_max (2) must be at least retry_min (5)\n");
	/* Inherited retry_max, stream's retry_min: reported in the stream. */
	expect_errors(STREAM(URL " retry_min = 9;"),
	    "test.conf:2: retry_max (8) must be at least retry_min (9)\n");
	config_free(load_ok("defaults = { retry_min = 2; retry_max = 2; };"));
}

static void
test_err_hls_timeouts(void **state)
{
	expect_errors(
	    "defaults = { hls = {\n"
	    "  buffer_ready_timeout = 0;\n"
	    "  first_segment_timeout = -1;\n"
	    "  fetch_interval = 0.0;\n"
	    "  client_timeout_factor = 0;\n"
	    "  initial_buffer_seconds = -0.5;\n"
	    "}; };\n",
	    "test.conf:2: buffer_ready_timeout must be greater than 0, not 0\n"
	    "test.conf:3: first_segment_timeout must be greater than 0, "
	    "not -1\n"
	    "test.conf:4: fetch_interval must be greater than 0, not 0\n"
	    "test.conf:5: client_timeout_factor must be greater than 0, "
	    "not 0\n"
	    "test.conf:6: initial_buffer_seconds must be at least 0, "
	    "not -0.5\n");
	config_free(load_ok(
	    "defaults = { hls = { initial_buffer_seconds = 0; }; };"));
}

static void
test_err_window_size(void **state)
{
	expect_errors("defaults = { hls = {\n window_size = 21; }; };\n",
	    "test.conf:2: window_size (21) must not exceed "
	    "max_segments (20)\n");
	/* Stream shrinks max_segments below the inherited window. */
	expect_errors(STREAM(URL "\n hls = { max_segments = 5; };"),
	    "test.conf:3: window_size (6) must not exceed max_segments (5)\n");
	config_free(load_ok(STREAM(URL
	    " hls = { max_segments = 5; window_size = 5; "
	    "initial_segments = 2; };")));
}

static void
test_err_initial_segments(void **state)
{
	expect_errors("defaults = { hls = { max_segments = 8;\n"
	    " initial_segments = 9; window_size = 4; }; };\n",
	    "test.conf:2: initial_segments (9) must not exceed "
	    "max_segments (8)\n");
}

static void
test_err_max_segments_bounds(void **state)
{
	expect_errors("defaults = { hls = { max_segments = 1; }; };\n",
	    "test.conf:1: max_segments must be between 2 and 1000, not 1\n");
	expect_errors("defaults = { hls = { max_segments = 1001; }; };\n",
	    "test.conf:1: max_segments must be between 2 and 1000, "
	    "not 1001\n");
	config_free(load_ok("defaults = { hls = { max_segments = 1000; }; };"));
}

static void
test_err_ring_size_bounds(void **state)
{
	char want[256];

	snprintf(want, sizeof(want), "test.conf:1: ring_size must be between "
	    "%d and %lld, not 1000\n", CONFIG_MIN_RING_SIZE_BYTES,
	    CONFIG_MAX_RING_SIZE_BYTES);
	expect_errors("defaults = { ring_size = 1000; };\n", want);
	snprintf(want, sizeof(want), "test.conf:2: ring_size must be between "
	    "%d and %lld, not 2147483648\n", CONFIG_MIN_RING_SIZE_BYTES,
	    CONFIG_MAX_RING_SIZE_BYTES);
	expect_errors(STREAM(URL " ring_size = 2147483648L;"), want);
}

static void
test_err_max_clients(void **state)
{
	expect_errors("max_clients = 0;\n"
	    "defaults = { max_clients = -1; };\n",
	    "test.conf:1: max_clients must be between 1 and 2147483647, "
	    "not 0\n"
	    "test.conf:2: max_clients must be between 1 and 2147483647, "
	    "not -1\n");
}

static void
test_err_workers(void **state)
{
	expect_errors("workers = -1;\n",
	    "test.conf:1: workers must be between 0 and 64, not -1\n");
	expect_errors("workers = 65;\n",
	    "test.conf:1: workers must be between 0 and 64, not 65\n");
}

static void
test_err_listen(void **state)
{
	expect_errors(
	    "listen = [ \"0.0.0.0\",\n"
	    "  \"0.0.0.0:0\",\n"
	    "  \"0.0.0.0:65536\",\n"
	    "  \"::1:8080\",\n"
	    "  \"[::1]8080\",\n"
	    "  \":8080\",\n"
	    "  \"host:80x\",\n"
	    "  \"127.0.0.1:8080\",\n"
	    "  \"127.0.0.1:8080\" ];\n",
	    "test.conf:1: invalid listen address '0.0.0.0': use host:port or "
	    "[ipv6]:port\n"
	    "test.conf:2: invalid listen address '0.0.0.0:0': the port must "
	    "be a number from 1 to 65535\n"
	    "test.conf:3: invalid listen address '0.0.0.0:65536': the port "
	    "must be a number from 1 to 65535\n"
	    "test.conf:4: invalid listen address '::1:8080': use host:port or "
	    "[ipv6]:port\n"
	    "test.conf:5: invalid listen address '[::1]8080': use host:port "
	    "or [ipv6]:port\n"
	    "test.conf:6: invalid listen address ':8080': use host:port or "
	    "[ipv6]:port\n"
	    "test.conf:7: invalid listen address 'host:80x': the port must "
	    "be a number from 1 to 65535\n"
	    "test.conf:9: duplicate listen address '127.0.0.1:8080'\n");
	expect_errors("listen = [ ];\n",
	    "test.conf:1: listen must hold at least one address\n");
	expect_errors("listen = \"0.0.0.0:8080\";\n",
	    "test.conf:1: listen must be a list of strings [ \"...\", ... ], "
	    "not a string\n");
	expect_errors("listen = [ 8080 ];\n",
	    "test.conf:1: listen must hold only strings, not an integer\n");
}

static void
test_err_too_many_listen(void **state)
{
	char text[2048];
	size_t len;
	int i;

	len = (size_t)snprintf(text, sizeof(text), "listen = (");
	for (i = 0; i <= CONFIG_MAX_LISTEN; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s\"127.0.0.1:%d\"", i ? ", " : "", 9000 + i);
	snprintf(text + len, sizeof(text) - len, ");\n");
	expect_errors(text, "test.conf:1: too many listen addresses: 17 "
	    "(at most 16)\n");
}

static void
test_err_too_many_streams(void **state)
{
	size_t cap = 64 * (CONFIG_MAX_STREAMS + 2), len;
	char *text = malloc(cap);
	struct config *cfg = NULL;
	char errs[256];
	int i;

	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "streams = (\n");
	for (i = 0; i <= CONFIG_MAX_STREAMS; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "%s{ name = \"s%d\"; " URL " }\n", i ? "," : "", i);
	snprintf(text + len, cap - len, ");\n");
	assert_int_equal(config_load_string(text, "test.conf", &cfg, errs,
	    sizeof(errs)), -1);
	assert_string_equal(errs,
	    "test.conf:1: too many streams: 257 (at most 256)\n");
	assert_null(cfg);
	/* Exactly the limit is fine. */
	strcpy(strrchr(text, '{') - 1, "\n);\n");
	cfg = load_ok(text);
	assert_int_equal(cfg->n_streams, CONFIG_MAX_STREAMS);
	config_free(cfg);
	free(text);
}

static void
test_err_backup_urls(void **state)
{
	expect_errors(STREAM(URL "\n backup_urls = [ \"http://a/1\", "
	    "\"http://a/2\", \"http://a/3\", \"http://a/4\", \"http://a/5\", "
	    "\"http://a/6\", \"http://a/7\", \"http://a/8\", \"http://a/9\" ];"),
	    "test.conf:3: too many backup urls: 9 (at most 8)\n");
	expect_errors(STREAM(URL "\n backup_urls = [ \"http://a/1\",\n"
	    " \"gopher://a/2\" ];"),
	    "test.conf:4: invalid backup url 'gopher://a/2': must start with "
	    "http://, https:// or file://\n");
	expect_errors(STREAM(URL " backup_urls = \"http://a/1\";"),
	    "test.conf:2: backup_urls must be a list of strings "
	    "[ \"...\", ... ], not a string\n");
}

static void
test_err_loop_needs_file(void **state)
{
	expect_errors(STREAM(URL "\n loop = true;"),
	    "test.conf:3: loop = true needs a file:// url, not "
	    "'http://h/x.ts'\n");
	expect_errors(STREAM("url = \"file:///a.ts\"; loop = true;\n"
	    "backup_urls = [ \"http://h/b.ts\" ];"),
	    "test.conf:2: loop = true needs file:// urls, not backup url "
	    "'http://h/b.ts'\n");
	expect_errors(STREAM(URL " loop = 1;"),
	    "test.conf:2: loop must be a boolean (true or false), "
	    "not an integer\n");
}

static void
test_err_paths(void **state)
{
	expect_errors(
	    "pid_file = \"run/ringcastd.pid\";\n"
	    "control_socket = \"control.sock\";\n"
	    "log = { target = \"ringcast.log\"; };\n",
	    "test.conf:1: pid_file must be an absolute path, not "
	    "'run/ringcastd.pid'\n"
	    "test.conf:2: control_socket must be an absolute path, not "
	    "'control.sock'\n"
	    "test.conf:3: log target must be syslog, stderr or an absolute "
	    "file path, not 'ringcast.log'\n");
	expect_errors("pid_file = \"\";\n",
	    "test.conf:1: pid_file must be an absolute path, not ''\n");
}

static void
test_err_control_socket_length(void **state)
{
	char path[128], text[256];

	/* sun_path holds 107 bytes and the NUL. */
	path[0] = '/';
	memset(path + 1, 's', 106);
	path[107] = '\0';
	snprintf(text, sizeof(text), "control_socket = \"%s\";\n", path);
	config_free(load_ok(text));
	path[107] = 's';
	path[108] = '\0';
	snprintf(text, sizeof(text), "control_socket = \"%s\";\n", path);
	expect_errors(text, "test.conf:1: control_socket is too long for a "
	    "Unix socket path (at most 107 bytes)\n");
}

static void
test_err_log_level(void **state)
{
	expect_errors("log = { level = \"verbose\"; };\n",
	    "test.conf:1: log level must be error, warning, notice, info or "
	    "debug, not 'verbose'\n");
}

static void
test_err_variant(void **state)
{
	expect_errors(
	    "streams = (\n"
	    "  { name = \"a\"; " URL " variant = \"best\"; },\n"
	    "  { name = \"b\"; " URL " variant = 0; },\n"
	    "  { name = \"c\"; " URL " variant = true; },\n"
	    "  { name = \"d\"; " URL " variant = \"12k\"; }\n"
	    ");\n",
	    "test.conf:2: variant must be highest, lowest or a bandwidth in "
	    "bits per second, not 'best'\n"
	    "test.conf:3: variant bandwidth must be greater than 0, not 0\n"
	    "test.conf:4: variant must be \"highest\", \"lowest\" or a "
	    "bandwidth, not a boolean\n"
	    "test.conf:5: variant must be highest, lowest or a bandwidth in "
	    "bits per second, not '12k'\n");
}

static void
test_err_control_characters(void **state)
{
	expect_errors(STREAM(URL " title = \"a\\nb\";\n"
	    "user_agent = \"x\\r\\nX-Evil: 1\";"),
	    "test.conf:2: title must not contain control characters\n"
	    "test.conf:3: user_agent must not contain control characters\n");
}

static void
test_err_structure(void **state)
{
	expect_errors("streams = { name = \"s\"; };\n",
	    "test.conf:1: streams must be a list ( { ... }, { ... } ), "
	    "not a group\n");
	expect_errors("streams = ( \"s\" );\n",
	    "test.conf:1: a stream must be a group { name = ...; url = ...; "
	    "}, not a string\n");
	expect_errors("defaults = ( );\n",
	    "test.conf:1: defaults must be a group { ... }, not a list\n");
}

static void
test_err_events_webhook(void **state)
{
	expect_errors("events_webhook = \"file:///tmp/x\";\n",
	    "test.conf:1: invalid events_webhook 'file:///tmp/x': must start "
	    "with http:// or https://\n");
	config_free(load_ok("events_webhook = \"http://127.0.0.1:9/ev\";"));
}

static void
test_cors_origins(void **state)
{
	struct config *cfg;

	cfg = load_ok("cors_origins = [ \"https://player.example.com\", "
	    "\"http://127.0.0.1:8000\", \"http://[::1]:9\", "
	    "\"HTTPS://Caps.Example\", \"*\" ];\n");
	assert_int_equal(cfg->n_cors_origins, 5);
	assert_string_equal(cfg->cors_origins[0], "https://player.example.com");
	assert_string_equal(cfg->cors_origins[1], "http://127.0.0.1:8000");
	assert_string_equal(cfg->cors_origins[2], "http://[::1]:9");
	assert_string_equal(cfg->cors_origins[4], "*");
	config_free(cfg);
	/* an empty list turns CORS off; ( ) lists work as [ ] arrays */
	cfg = load_ok("cors_origins = [ ];\n");
	assert_int_equal(cfg->n_cors_origins, 0);
	config_free(cfg);
	cfg = load_ok("cors_origins = ( \"https://a.example\" );\n");
	assert_int_equal(cfg->n_cors_origins, 1);
	assert_string_equal(cfg->cors_origins[0], "https://a.example");
	config_free(cfg);
}

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
}

static void
test_err_events_and_ui_keys(void **state)
{
	char text[1024];

	(void)state;
	expect_errors("events_heartbeat = 0;\nevents_backlog = 15;\n"
	    "ui = 1;\nevents_token = 5;\n",
	    "test.conf:1: events_heartbeat must be greater than 0, not 0\n"
	    "test.conf:2: events_backlog must be between 16 and 65536, not 15\n"
	    "test.conf:3: ui must be a boolean (true or false), not an "
	    "integer\n"
	    "test.conf:4: events_token must be a string, not an integer\n");
	expect_errors("events_heartbeat = 3601.0;\nevents_backlog = 65537;\n",
	    "test.conf:1: events_heartbeat must be at most 3600, not 3601\n"
	    "test.conf:2: events_backlog must be between 16 and 65536, not "
	    "65537\n");
	/* tokens live in fixed-size shared memory: never cut silently */
	snprintf(text, sizeof(text), "events_token = \"%0256d\";\n"
	    "admin_token = \"%0300d\";\n", 0, 0);
	expect_errors(text,
	    "test.conf:1: events_token is longer than 255 characters\n"
	    "test.conf:2: admin_token is longer than 255 characters\n");
	snprintf(text, sizeof(text), "events_token = \"%0255d\";\n", 0);
	config_free(load_ok(text));
}

static void
test_err_cors_origins(void **state)
{
	char text[8192];
	size_t len;
	int i;

	expect_errors(
	    "cors_origins = ( \"\",\n"
	    "  \"https://a.example/\",\n"
	    "  \"a.example\",\n"
	    "  \"ftp://a.example\",\n"
	    "  \"https://*.example.com\",\n"
	    "  \"https://a.example:0\",\n"
	    "  \"https://a.example:x\",\n"
	    "  \"null\",\n"
	    "  \"https://\",\n"
	    "  \"https://u@a.example\",\n"
	    "  \"http://[::1\",\n"
	    "  \"https://a .example\",\n"
	    "  \"https://a.example/p?q\",\n"
	    "  7 );\n",
	    "test.conf:1: invalid origin '' in cors_origins: an empty origin "
	    "(use \"*\" for any origin)\n"
	    "test.conf:2: invalid origin 'https://a.example/' in cors_origins: "
	    "an origin has no path, query or trailing slash\n"
	    "test.conf:3: invalid origin 'a.example' in cors_origins: use "
	    "scheme://host[:port] with http or https\n"
	    "test.conf:4: invalid origin 'ftp://a.example' in cors_origins: use "
	    "scheme://host[:port] with http or https\n"
	    "test.conf:5: invalid origin 'https://*.example.com' in "
	    "cors_origins: bad character in the host (wildcards such as "
	    "*.example.com are not supported)\n"
	    "test.conf:6: invalid origin 'https://a.example:0' in cors_origins: "
	    "the port must be a number from 1 to 65535\n"
	    "test.conf:7: invalid origin 'https://a.example:x' in cors_origins: "
	    "the port must be a number from 1 to 65535\n"
	    "test.conf:8: invalid origin 'null' in cors_origins: the \"null\" "
	    "origin (sandboxed and file: pages) cannot be told apart from "
	    "another: not allowed\n"
	    "test.conf:9: invalid origin 'https://' in cors_origins: bad host "
	    "name\n"
	    "test.conf:10: invalid origin 'https://u@a.example' in "
	    "cors_origins: an origin has no user name\n"
	    "test.conf:11: invalid origin 'http://[::1' in cors_origins: bad "
	    "[IPv6] address\n"
	    "test.conf:12: invalid origin in cors_origins: contains a control "
	    "character or a space\n"
	    "test.conf:13: invalid origin 'https://a.example/p?q' in "
	    "cors_origins: an origin has no path, query or trailing slash\n"
	    "test.conf:14: cors_origins must hold only strings, not an "
	    "integer\n");
	expect_errors("cors_origins = \"*\";\n",
	    "test.conf:1: cors_origins must be a list of strings "
	    "[ \"...\", ... ], not a string\n");
	expect_errors("cors_origins = [ \"http://a.example\\n\" ];\n",
	    "test.conf:1: invalid origin in cors_origins: contains a control "
	    "character or a space\n");
	len = (size_t)snprintf(text, sizeof(text), "cors_origins = [ \"https://"
	    "%0128d\" ];\n", 0);
	assert_true(len < sizeof(text));
	expect_errors(text, "test.conf:1: invalid origin in cors_origins: "
	    "longer than 127 bytes\n");
	len = (size_t)snprintf(text, sizeof(text), "cors_origins = [");
	for (i = 0; i <= CONFIG_MAX_CORS_ORIGINS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s\"http://h%d.example\"", i ? ", " : " ", i);
	snprintf(text + len, sizeof(text) - len, " ];\n");
	expect_errors(text, "test.conf:1: too many cors origins: 33 "
	    "(at most 32)\n");
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

static void
test_err_edge(void **state)
{
	expect_errors(
	    "parent = ( \"file:///x\", \"http://o/?a=1\", 3, \"o:80\" );\n"
	    "parent_streams = [ \"\", \"a b\", \"a/b\",\n"
	    "  \"" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxx" "\" ];\n"
	    "edge_id = 5;\n",
	    "test.conf:1: invalid parent 'file:///x': must start with http://"
	    " or https://\n"
	    "test.conf:1: invalid parent 'http://o/?a=1': a base URL has no "
	    "query or fragment (ringcast adds /stream/NAME)\n"
	    "test.conf:1: parent must hold only strings, not an integer\n"
	    "test.conf:1: invalid parent 'o:80': must start with http:// or "
	    "https://\n"
	    "test.conf:2: parent_streams must not hold an empty pattern\n"
	    "test.conf:2: parent_streams pattern contains a space or a "
	    "control character\n"
	    "test.conf:2: invalid parent_streams pattern 'a/b': stream names "
	    "hold only A-Z a-z 0-9 _ -, and a pattern only those and "
	    "* ? [ ] ! ^\n"
	    "test.conf:3: parent_streams pattern is too long (at most 128 "
	    "bytes)\n"
	    "test.conf:4: edge_id must be a string, not an integer\n");
	expect_errors(
	    "parent_streams = [ \"*\" ];\n"
	    "edge_id = \"e1\";\n",
	    "test.conf:1: parent_streams needs parent = [ \"http://ORIGIN"
	    ":PORT\" ]\n"
	    "test.conf:2: edge_id needs parent = [ \"http://ORIGIN:PORT\" ]\n");
	expect_errors(
	    "parent = [ \"http://a\", \"http://b\", \"http://c\", \"http://d\","
	    " \"http://e\", \"http://f\", \"http://g\", \"http://h\", "
	    "\"http://i\", \"http://j\" ];\n",
	    "test.conf:1: too many parents: 10 (at most 9)\n");
	expect_errors("parent = \"http://o\";\n",
	    "test.conf:1: parent must be a list of strings [ \"...\", ... ],"
	    " not a string\n");
	expect_errors("parent = [ \"http://o\" ];\nedge_id = \"a\tb\";\n",
	    "test.conf:2: edge_id must not contain control characters\n");
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

static void
test_example_config_loads(void **state)
{
	struct config *cfg = NULL;
	const struct stream_conf *s;
	char errs[ERRSZ];

	load_file_ok("etc/ringcast.conf");
	assert_int_equal(config_load("etc/ringcast.conf", &cfg, errs,
	    sizeof(errs)), 0);
	assert_string_equal(cfg->user, "ringcast");
	assert_int_equal(cfg->log_target, LOG_TARGET_SYSLOG);
	assert_int_equal(cfg->n_streams, 2);
	s = &cfg->streams[0];
	assert_int_equal(s->type, STREAM_TS);
	assert_true(s->n_backup_urls >= 1);
	s = &cfg->streams[1];
	assert_int_equal(s->type, STREAM_HLS);
	assert_int_equal(s->opts.on_demand, 0);
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
test_err_acestream(void **state)
{
	expect_errors("acestream = {\n max_streams = 2; };\n",
	    "test.conf:1: acestream has no engines\n");
	expect_errors("acestream = { engines = [ ];\n};\n",
	    "test.conf:1: engines must hold at least one engine url\n");
	expect_errors("acestream = { engines = [\n\"ftp://e\",\n\"http://e:1?x=1\","
	    "\n\"http://e:2\",\n\"http://e:2\" ]; };\n",
	    "test.conf:2: invalid engine url 'ftp://e': must start with "
	    "http:// or https://\n"
	    "test.conf:3: engine url 'http://e:1?x=1' must be a base URL "
	    "without a query (like \"http://127.0.0.1:6878\")\n"
	    "test.conf:5: duplicate engine url 'http://e:2'\n");
	expect_errors("acestream = { engines = [ \"http://e\" ];\n"
	    "max_streams_per_engine = 0;\nmax_streams = 300;\n"
	    "start_timeout = 0;\non_demand = false;\nfoo = 1;\n};\n",
	    "test.conf:2: max_streams_per_engine must be between 1 and 1000,"
	    " not 0\n"
	    "test.conf:3: max_streams must be between 1 and 256, not 300\n"
	    "test.conf:4: start_timeout must be greater than 0, not 0\n"
	    "test.conf:5: on_demand cannot be set in acestream: content-id "
	    "streams always start on request\n"
	    "test.conf:6: unknown key 'foo'\n");
	expect_errors("acestream = \"x\";\n",
	    "test.conf:1: acestream must be a group { ... }, not a string\n");
	expect_errors("max_memory = 2000000;\nacestream = { engines = [ "
	    "\"http://e\" ]; max_streams = 2;\nring_size = 1048576; };\n",
	    "test.conf:1: the streams' rings need 2097152 bytes, more than "
	    "max_memory (2000000) (acestream.max_streams rings included)\n");
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
		cmocka_unit_test(test_global_defaults),
		cmocka_unit_test(test_stream_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_stream_overrides_defaults),
		cmocka_unit_test(test_defaults_after_streams),
		cmocka_unit_test(test_workers_zero_is_cpu_count),
		cmocka_unit_test(test_log_targets_and_levels),
		cmocka_unit_test(test_variant_forms),
		cmocka_unit_test(test_type_guessed_from_url),
		cmocka_unit_test(test_file_urls),
		cmocka_unit_test(test_numbers_int_float_int64),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_wrong_types),
		cmocka_unit_test(test_err_unknown_keys),
		cmocka_unit_test(test_err_missing_name),
		cmocka_unit_test(test_err_duplicate_name),
		cmocka_unit_test(test_err_invalid_name),
		cmocka_unit_test(test_err_missing_url),
		cmocka_unit_test(test_err_bad_urls),
		cmocka_unit_test(test_err_bad_type),
		cmocka_unit_test(test_err_timeouts),
		cmocka_unit_test(test_err_huge_duration),
		cmocka_unit_test(test_err_retry_order),
		cmocka_unit_test(test_err_hls_timeouts),
		cmocka_unit_test(test_err_window_size),
		cmocka_unit_test(test_err_initial_segments),
		cmocka_unit_test(test_err_max_segments_bounds),
		cmocka_unit_test(test_err_ring_size_bounds),
		cmocka_unit_test(test_err_max_clients),
		cmocka_unit_test(test_err_workers),
		cmocka_unit_test(test_err_listen),
		cmocka_unit_test(test_err_too_many_listen),
		cmocka_unit_test(test_err_too_many_streams),
		cmocka_unit_test(test_err_backup_urls),
		cmocka_unit_test(test_err_loop_needs_file),
		cmocka_unit_test(test_err_paths),
		cmocka_unit_test(test_err_control_socket_length),
		cmocka_unit_test(test_err_log_level),
		cmocka_unit_test(test_err_variant),
		cmocka_unit_test(test_err_control_characters),
		cmocka_unit_test(test_err_structure),
		cmocka_unit_test(test_err_events_webhook),
		cmocka_unit_test(test_cors_origins),
		cmocka_unit_test(test_err_cors_origins),
		cmocka_unit_test(test_edge_keys),
		cmocka_unit_test(test_edge_defaults_proxy_nothing),
		cmocka_unit_test(test_err_edge),
		cmocka_unit_test(test_parent_base),
		cmocka_unit_test(test_events_and_ui_keys),
		cmocka_unit_test(test_err_events_and_ui_keys),
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
		cmocka_unit_test(test_err_acestream),
		cmocka_unit_test(test_stream_make),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
