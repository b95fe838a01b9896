/*
 * test_config_check.c - ringcast.conf validation, one class of mistake at
 * a time: wrong types, unknown keys, names, URLs, ranges, rules between
 * keys, listen addresses, CORS origins, edge mode and acestream keys.
 * Each case gives the exact "FILE:LINE: message" lines an operator sees
 * (what test_config.c checked before it was split along config_check.c;
 * test_cors_origins, the origins that pass, came along).
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
	expect_errors("history_interval = 0.5;\n",
	    "test.conf:1: history_interval must be at least 1, not 0.5\n");
	expect_errors("history_interval = 601;\n",
	    "test.conf:1: history_interval must be at most 600, not 601\n");
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

/* ---- acestream ------------------------------------------------------- */

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
		cmocka_unit_test(test_err_edge),
		cmocka_unit_test(test_err_events_and_ui_keys),
		cmocka_unit_test(test_err_acestream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
