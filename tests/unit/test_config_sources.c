/*
 * test_config_sources.c - the `sources` list and state_dir
 * (src/parse/config_sources.c).
 *
 * What a user relies on: a provider's list is configured with a name,
 * its m3u (URL or path), a refresh period, four glob filters and its
 * guides (epg, with the global epg_past/epg_future window), the
 * defaults are the documented ones, every mistake is reported on its
 * line, and a reload tells a changed list from an unchanged one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "test_config.h"

static void
test_sources_ok(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("sources = (\n"
	    "{ name = \"a\"; m3u = \"http://p.example/list.m3u?u=1\"; },\n"
	    "{ name = \"b\"; m3u = \"/srv/lists/b.m3u\"; refresh = 600;\n"
	    "  include_groups = [ \"News*\", \"Sport\" ];\n"
	    "  exclude_groups = [ \"Adult *\" ]; include_names = [ \"*HD\" ];\n"
	    "  exclude_names = [ \"Test [0-9]\" ]; },\n"
	    "{ name = \"c\"; m3u = \"file:///srv/c.m3u\"; }\n"
	    ");\n"
	    "state_dir = \"/tmp/rc-state\";\n");
	assert_int_equal(cfg->n_sources, 3);
	assert_string_equal(cfg->sources[0].name, "a");
	assert_string_equal(cfg->sources[0].m3u,
	    "http://p.example/list.m3u?u=1");
	assert_true(cfg->sources[0].refresh == 3600.0);
	assert_int_equal(cfg->sources[0].n_include_groups, 0);
	assert_true(cfg->sources[1].refresh == 600.0);
	assert_int_equal(cfg->sources[1].n_include_groups, 2);
	assert_string_equal(cfg->sources[1].include_groups[1], "Sport");
	assert_string_equal(cfg->sources[1].exclude_groups[0], "Adult *");
	assert_string_equal(cfg->sources[1].include_names[0], "*HD");
	assert_string_equal(cfg->sources[1].exclude_names[0], "Test [0-9]");
	assert_string_equal(cfg->sources[2].m3u, "file:///srv/c.m3u");
	assert_string_equal(cfg->state_dir, "/tmp/rc-state");
	assert_int_equal(cfg->sources[1].line, 3);
	config_free(cfg);
	cfg = load_ok("workers = 1;\n");
	assert_int_equal(cfg->n_sources, 0);
	assert_string_equal(cfg->state_dir, "/var/lib/ringcast");
	config_free(cfg);
}

static void
test_sources_errors(void **state)
{
	(void)state;
	expect_errors(
	    "state_dir = \"var/lib\";\n"
	    "sources = (\n"
	    "{ name = \"a b\"; m3u = \"ftp://x/l.m3u\"; },\n"
	    "{ name = \"s\"; m3u = \"/l.m3u\"; refresh = 10; x = 1; },\n"
	    "{ name = \"s\"; m3u = 5; include_groups = ( \"\", 3 ); },\n"
	    "{ refresh = \"often\"; },\n"
	    "5\n"
	    ");\n",
	    "test.conf:1: state_dir must be an absolute path, not 'var/lib'\n"
	    "test.conf:3: invalid source name: use 1 to 64 of A-Z a-z 0-9 _ -\n"
	    "test.conf:3: invalid m3u 'ftp://x/l.m3u': must start with "
	    "http://, https:// or file://\n"
	    "test.conf:4: refresh must be 60 to 604800 seconds, not 10\n"
	    "test.conf:4: unknown key 'x'\n"
	    "test.conf:5: duplicate source name 's' (first defined at line "
	    "4)\n"
	    "test.conf:5: m3u must be a string, not an integer\n"
	    "test.conf:5: include_groups pattern must be 1 to 128 bytes "
	    "without control characters\n"
	    "test.conf:5: include_groups must hold only strings\n"
	    "test.conf:6: refresh must be a number of seconds, not a string\n"
	    "test.conf:6: a source needs a name\n"
	    "test.conf:6: source has no m3u (the URL or path of its list)\n"
	    "test.conf:7: a source must be a group { name = ...; m3u = ...; "
	    "}, not an integer\n");
}

static void
test_sources_defaults(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("defaults = { idle_timeout = 20; user_agent = \"UA\"; };\n"
	    "sources = (\n"
	    "{ name = \"a\"; m3u = \"/a.m3u\"; },\n"
	    "{ name = \"b\"; m3u = \"/b.m3u\";\n"
	    "  defaults = { idle_timeout = 2; ring_size = 1048576;\n"
	    "    hls = { window_size = 4; }; }; }\n"
	    ");\n");
	assert_true(cfg->sources[0].opts.idle_timeout == 20.0);
	assert_string_equal(cfg->sources[0].opts.user_agent, "UA");
	assert_true(cfg->sources[1].opts.idle_timeout == 2.0);
	assert_int_equal(cfg->sources[1].opts.ring_size, 1048576);
	assert_int_equal(cfg->sources[1].opts.hls.window_size, 4);
	assert_string_equal(cfg->sources[1].opts.user_agent, "UA");
	assert_true(cfg->defaults.idle_timeout == 20.0);
	config_free(cfg);
	expect_errors("sources = (\n"
	    "{ name = \"a\"; m3u = \"/a.m3u\";\n"
	    "  defaults = { url = \"http://x/\"; on_demand = false;\n"
	    "    idle_timeout = -1; bogus = 1; }; }\n"
	    ");\n",
	    "test.conf:3: url can only be set in a stream, not in defaults\n"
	    "test.conf:3: on_demand cannot be set in a source: channels "
	    "always start on request\n"
	    "test.conf:4: idle_timeout must be greater than 0, not -1\n"
	    "test.conf:4: unknown key 'bogus'\n");
}

/* epg: guides located as m3u is; the window's defaults are 48 h back
 * and 7 days ahead (ringcast.conf.5). */
static void
test_sources_epg(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("epg_past = 3600; epg_future = 86400;\n"
	    "sources = ( { name = \"a\"; m3u = \"/a.m3u\";\n"
	    "  epg = [ \"http://p.example/x.xml.gz\", \"file:///g.xml\",\n"
	    "    \"/srv/g.xml\" ]; },\n"
	    "  { name = \"b\"; m3u = \"/b.m3u\"; } );\n");
	assert_int_equal(cfg->sources[0].n_epg, 3);
	assert_string_equal(cfg->sources[0].epg[0], "http://p.example/x.xml.gz");
	assert_string_equal(cfg->sources[0].epg[2], "/srv/g.xml");
	assert_int_equal(cfg->sources[1].n_epg, 0);
	assert_int_equal(cfg->epg_past, 3600);
	assert_int_equal(cfg->epg_future, 86400);
	config_free(cfg);
	cfg = load_ok("workers = 1;\n");
	assert_int_equal(cfg->epg_past, 172800);
	assert_int_equal(cfg->epg_future, 604800);
	config_free(cfg);
	expect_errors("epg_future = 9999999;\n"
	    "sources = ( { name = \"a\"; m3u = \"/a.m3u\";\n"
	    "  epg = ( \"ftp://x/g.xml\", 5 ); },\n"
	    "  { name = \"b\"; m3u = \"/b.m3u\"; epg = \"/g.xml\"; } );\n",
	    "test.conf:1: epg_future must be between 0 and 2678400, not 9999999\n"
	    "test.conf:3: invalid epg 'ftp://x/g.xml': must start with "
	    "http://, https:// or file://\n"
	    "test.conf:3: epg must hold only strings\n"
	    "test.conf:4: epg must be a list of strings [ \"...\", ... ], "
	    "not a string\n");
}

static void
test_sources_differ(void **state)
{
	static const char base[] = "sources = ( { name = \"a\"; "
	    "m3u = \"/l.m3u\"; exclude_groups = [ \"x\" ]; } );\n";
	struct config *a, *b;

	(void)state;
	a = load_ok(base);
	b = load_ok(base);
	assert_int_equal(config_sources_differ(a, b), 0);
	config_free(b);
	b = load_ok("sources = ( { name = \"a\"; m3u = \"/l.m3u\"; "
	    "exclude_groups = [ \"y\" ]; } );\n");
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	b = load_ok("sources = ( { name = \"a\"; m3u = \"/l.m3u\"; "
	    "exclude_groups = [ \"x\" ]; refresh = 61; } );\n");
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	b = load_ok("sources = ( { name = \"a\"; m3u = \"/l.m3u\"; "
	    "exclude_groups = [ \"x\" ]; defaults = { ring_size = 1048576; "
	    "}; } );\n");
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	b = load_ok("sources = ( { name = \"a\"; m3u = \"/l.m3u\"; "
	    "exclude_groups = [ \"x\" ]; epg = [ \"/g.xml\" ]; } );\n");
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	b = load_ok("epg_past = 60;\n");
	config_free(a);
	a = load_ok("workers = 1;\n");
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	b = load_ok("workers = 1;\n");
	assert_int_equal(config_sources_differ(a, b), 0);
	config_free(b);
	config_free(a);
	a = load_ok(base);
	b = load_ok("workers = 1;\n");
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	config_free(a);
}

/* max_streams, the `channels` overrides and removed_channels. */
static void
test_channels_ok(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("sources = ( { name = \"a\"; m3u = \"/l.m3u\"; "
	    "max_streams = 2; }, { name = \"b\"; m3u = \"/m.m3u\"; } );\n"
	    "channels = (\n"
	    "{ match = \"news.us\"; name = \"news\"; number = \"5.1\";\n"
	    "  group = \"News\"; logo = \"http://l/n.png\"; },\n"
	    "{ match = \"Shop TV\"; enabled = false; }\n"
	    ");\n"
	    "removed_channels = \"stop\";\n");
	assert_int_equal(cfg->sources[0].max_streams, 2);
	assert_int_equal(cfg->sources[1].max_streams, 0);
	assert_int_equal(cfg->n_channels, 2);
	assert_string_equal(cfg->channels[0].match, "news.us");
	assert_string_equal(cfg->channels[0].name, "news");
	assert_string_equal(cfg->channels[0].number, "5.1");
	assert_string_equal(cfg->channels[0].group, "News");
	assert_string_equal(cfg->channels[0].logo, "http://l/n.png");
	assert_int_equal(cfg->channels[0].enabled, -1);
	assert_null(cfg->channels[1].name);
	assert_int_equal(cfg->channels[1].enabled, 0);
	assert_int_equal(cfg->channels[1].line, 5);
	assert_int_equal(cfg->removed_channels, REMOVED_STOP);
	config_free(cfg);
	cfg = load_ok("workers = 1;\n");
	assert_int_equal(cfg->n_channels, 0);
	assert_int_equal(cfg->removed_channels, REMOVED_DRAIN);
	config_free(cfg);
}

static void
test_channels_errors(void **state)
{
	(void)state;
	expect_errors(
	    "sources = ( { name = \"a\"; m3u = \"/l.m3u\"; "
	    "max_streams = -1; },\n"
	    "{ name = \"b\"; m3u = \"/l.m3u\"; max_streams = \"2\"; } );\n"
	    "channels = (\n"
	    "{ match = \"x\"; name = \"bad name\"; number = \"5a\"; },\n"
	    "{ match = \"X\"; enabled = 1; foo = 2; },\n"
	    "{ name = \"n\"; },\n"
	    "{ match = \"\"; name = \"n\"; },\n"
	    "7\n"
	    ");\n"
	    "removed_channels = \"later\";\n",
	    "test.conf:1: max_streams must be 0 (no limit) to 2147483647, "
	    "not -1\n"
	    "test.conf:2: max_streams must be a whole number of streams, not "
	    "a string\n"
	    "test.conf:4: invalid channel name 'bad name': use 1 to 64 of "
	    "A-Z a-z 0-9 _ -\n"
	    "test.conf:4: number must be digits, or digits.digits (a channel "
	    "number: \"5\", \"5.1\"), not '5a'\n"
	    "test.conf:5: enabled must be a boolean (true or false), not an "
	    "integer\n"
	    "test.conf:5: unknown key 'foo'\n"
	    "test.conf:5: channel override for 'X' given twice (first at "
	    "line 4)\n"
	    "test.conf:6: a channel override needs match (the channel's "
	    "tvg-id or name)\n"
	    "test.conf:7: match must be 1 to 1024 bytes without control "
	    "characters\n"
	    "test.conf:7: two channels renamed 'n' (first at line 6)\n"
	    "test.conf:8: a channel override must be a group { match = ...; "
	    "... }, not an integer\n"
	    "test.conf:10: removed_channels must be \"drain\" (a removed "
	    "channel ends when its players leave) or \"stop\" (at once)\n");
}

/* An override changed: the source process, which applies them, starts
 * again. */
static void
test_channels_differ(void **state)
{
	struct config *a, *b;

	(void)state;
	a = load_ok("channels = ( { match = \"x\"; number = \"5\"; } );\n");
	b = load_ok("channels = ( { match = \"x\"; number = \"5\"; } );\n");
	assert_int_equal(config_sources_differ(a, b), 0);
	config_free(b);
	b = load_ok("channels = ( { match = \"x\"; number = \"6\"; } );\n");
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	b = load_ok("channels = ( { match = \"x\"; number = \"5\"; "
	    "enabled = true; } );\n");
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	config_free(a);
}

/* The streams' numbers: channel numbers are given around them, so with
 * sources a change restarts the source process; without, it does not. */
static void
test_sources_differ_stream_numbers(void **state)
{
	static const char src[] = "sources = ( { name = \"a\"; "
	    "m3u = \"/l.m3u\"; } );\n";
	static const char s5[] = "streams = ( { name = \"s\"; "
	    "url = \"http://h/x.ts\"; number = \"5\"; } );\n";
	static const char s6[] = "streams = ( { name = \"s\"; "
	    "url = \"http://h/x.ts\"; number = \"6\"; } );\n";
	char t[512];
	struct config *a, *b;

	(void)state;
	a = load_ok(s5);
	b = load_ok(s6);
	assert_int_equal(config_sources_differ(a, b), 0);
	config_free(a);
	config_free(b);
	snprintf(t, sizeof(t), "%s%s", src, s5);
	a = load_ok(t);
	b = load_ok(t);
	assert_int_equal(config_sources_differ(a, b), 0);
	config_free(b);
	snprintf(t, sizeof(t), "%s%s", src, s6);
	b = load_ok(t);
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	b = load_ok(src);
	assert_int_equal(config_sources_differ(a, b), 1);
	config_free(b);
	config_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources_ok),
		cmocka_unit_test(test_sources_errors),
		cmocka_unit_test(test_sources_defaults),
		cmocka_unit_test(test_sources_epg),
		cmocka_unit_test(test_sources_differ),
		cmocka_unit_test(test_channels_ok),
		cmocka_unit_test(test_channels_errors),
		cmocka_unit_test(test_channels_differ),
		cmocka_unit_test(test_sources_differ_stream_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
