/*
 * test_config_keys.c - the key table (src/parse/config_keys.c): an empty
 * file gives every documented default, at the top level and in a stream
 * (which starts from `defaults`), and every default is within its row's
 * own limits.  (test_global_defaults and test_stream_defaults were in
 * test_config.c.)
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
#include "config_keys.h"
#include "test_config.h"

/* ---- defaults -------------------------------------------------------- */

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

/* An engine's refusal is remembered 30 s; url= and magnet= are taken. */
static void
test_ace_refusal_and_input_defaults(void **state)
{
	struct config *cfg = load_ok("acestream = { engines = "
	    "[ \"http://127.0.0.1:6878\" ]; };\n");

	(void)state;
	assert_true(cfg->ace.error_cache == 30.0);
	assert_int_equal(cfg->ace.allow_url_input, 1);
	config_free(cfg);
	cfg = load_ok("acestream = { engines = [ \"http://127.0.0.1:6878\" ];"
	    " error_cache = 0; allow_url_input = false; };\n");
	assert_true(cfg->ace.error_cache == 0.0);
	assert_int_equal(cfg->ace.allow_url_input, 0);
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

/* The acestream keys of issue #18. */
static void
test_ace_silence_and_rebase_defaults(void **state)
{
	struct config *cfg = load_ok("acestream = { engines = "
	    "[ \"http://127.0.0.1:6878\" ]; };\n");

	(void)state;
	assert_true(cfg->ace.prebuffer_timeout == 60.0);
	assert_int_equal(cfg->ace.rebase_urls, 1);
	config_free(cfg);
	cfg = load_ok("acestream = { engines = [ \"http://127.0.0.1:6878\" ];"
	    " prebuffer_timeout = 90.5; rebase_urls = false; };\n");
	assert_true(cfg->ace.prebuffer_timeout == 90.5);
	assert_int_equal(cfg->ace.rebase_urls, 0);
	config_free(cfg);
}

/* ---- the key table -------------------------------------------------- */

/*
 * Every number's default is within the row's own limits, and every list
 * with a default holds it in its room: a default the file could not
 * set would be a bug no config file shows.
 */
static void
test_key_table_defaults_in_limits(void **state)
{
	const struct keytab *const tabs[] = {
		&config_global_keys, &config_log_keys, &config_opts_keys,
		&config_hls_keys, &config_stream_keys, &config_ace_keys,
		&config_hdhr_keys,
	};
	const struct keydef *k;
	size_t t, i;

	(void)state;
	for (t = 0; t < sizeof(tabs) / sizeof(tabs[0]); t++)
		for (i = 0; i < tabs[t]->n; i++) {
			k = &tabs[t]->keys[i];
			assert_ptr_equal(keytab_find(tabs[t], k->name), k);
			if (k->kind == K_LIST && k->def_str != NULL)
				assert_true(k->max >= 1);
			if (k->kind != K_INT && k->kind != K_LLONG &&
			    k->kind != K_DOUBLE)
				continue;
			if (k->def < k->min || k->def > k->max ||
			    ((k->flags & KF_GT_MIN) && k->def <= k->min))
				fail_msg("%s: default %g outside [%g, %g]",
				    k->name, k->def, k->min, k->max);
		}
}

/* The HDHomeRun tuner is off until asked for; a stream's number is its
 * place in the list unless it says otherwise. */
static void
test_hdhr_defaults_and_numbers(void **state)
{
	struct config *cfg = load_ok("streams = (\n"
	    "{ name = \"a\"; " URL " },\n"
	    "{ name = \"b\"; " URL " number = \"7.1\"; },\n"
	    "{ name = \"c\"; " URL " }\n);\n");

	(void)state;
	assert_int_equal(cfg->hdhr.enabled, 0);
	assert_int_equal(cfg->hdhr.tuner_count, 4);
	assert_string_equal(cfg->hdhr.friendly_name, "ringcast");
	assert_string_equal(cfg->hdhr.device_id, "");
	assert_string_equal(cfg->public_url, "");
	assert_string_equal(cfg->streams[0].number, "1");
	assert_string_equal(cfg->streams[1].number, "7.1");
	assert_string_equal(cfg->streams[2].number, "3");
	config_free(cfg);

	cfg = load_ok("hdhomerun = { enabled = true; tuner_count = 999;"
	    " friendly_name = \"Den\"; device_id = \"10439EFD\"; };\n"
	    "public_url = \"https://tv.example.org/\";\n");
	assert_int_equal(cfg->hdhr.enabled, 1);
	assert_int_equal(cfg->hdhr.tuner_count, 999);
	assert_string_equal(cfg->hdhr.friendly_name, "Den");
	assert_string_equal(cfg->hdhr.device_id, "10439EFD");
	assert_string_equal(cfg->public_url, "https://tv.example.org/");
	config_free(cfg);

	expect_errors("hdhomerun = { tuner_count = 1000; device = 1; };\n",
	    "test.conf:1: tuner_count must be between 1 and 999, not 1000\n"
	    "test.conf:1: unknown key 'device'\n");
	expect_errors("hdhomerun = {\n device_id = \"10439EFC\"; };\n",
	    "test.conf:2: device_id must be an HDHomeRun DeviceID: 8 hex"
	    " digits whose last is the check digit of the others (such as"
	    " \"1038A4F7\")\n");
	expect_errors(STREAM(URL " number = \"5.\";"),
	    "test.conf:2: number must be digits, or digits.digits"
	    " (a channel number: \"5\", \"5.1\")\n");
	expect_errors(STREAM(URL " number = \"a5\";"),
	    "test.conf:2: number must be digits, or digits.digits"
	    " (a channel number: \"5\", \"5.1\")\n");
	expect_errors("public_url = \"ftp://x\";\n",
	    "test.conf:1: invalid public_url 'ftp://x': must start with"
	    " http:// or https://\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_defaults),
		cmocka_unit_test(test_stream_defaults),
		cmocka_unit_test(test_ace_refusal_and_input_defaults),
		cmocka_unit_test(test_key_table_defaults_in_limits),
		cmocka_unit_test(test_ace_silence_and_rebase_defaults),
		cmocka_unit_test(test_hdhr_defaults_and_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
