/*
 * test_config_engines.c - managed AceStream engines in ringcast.conf:
 * the command template (engine_cmd.c: words, quotes, %p %n %d %%, no
 * shell), the port range, the keys' defaults and the mistakes an
 * operator sees refused ("FILE:LINE: message").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine_cmd.h"
#include "test_config.h"

static void
expect_argv(const char *tmpl, const char *const *want)
{
	char err[160], **argv;
	int i;

	argv = engine_cmd_argv(tmpl, 6881, 2, "/var/lib/e/2", err,
	    sizeof(err));
	if (argv == NULL)
		print_error("%s: %s\n", tmpl, err);
	assert_non_null(argv);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	free(argv);
}

static void
test_template_words_and_escapes(void **state)
{
	static const char *const binary[] = { "acestreamengine",
	    "--client-console", "--http-port", "6881", "--cache-dir",
	    "/var/lib/e/2", NULL };
	static const char *const docker[] = { "docker", "run", "--rm",
	    "--init", "--name", "ringcast-engine-2", "-p", "6881:6878",
	    "IMAGE", NULL };
	static const char *const quoted[] = { "sh", "-c",
	    "trap '' TERM; e -p 6881 \"x\" \\ & wait", "100%", NULL };

	(void)state;
	expect_argv("acestreamengine --client-console --http-port %p "
	    "--cache-dir %d", binary);
	expect_argv("  docker run --rm --init --name ringcast-engine-%n "
	    "-p %p:6878 IMAGE  ", docker);
	expect_argv("sh -c \"trap '' TERM; e -p %p \\\"x\\\" \\\\ & wait\" "
	    "100%%", quoted);
}

static void
test_template_mistakes(void **state)
{
	char err[160];

	(void)state;
	assert_int_equal(engine_cmd_check("engine -p %p", err, sizeof(err)),
	    0);
	assert_int_equal(engine_cmd_check("engine -p 6878", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "it has no %p: the engine must listen on "
	    "the port ringcast gives it");
	assert_int_equal(engine_cmd_check("engine -p %p -x %q", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "unknown escape %q (%p, %n, %d or %%)");
	assert_int_equal(engine_cmd_check("engine -p %p %", err,
	    sizeof(err)), -1);
	assert_int_equal(engine_cmd_check("sh -c \"engine -p %p", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "a double quote is not closed");
	assert_int_equal(engine_cmd_check("   ", err, sizeof(err)), -1);
	assert_string_equal(err, "the command is empty");
}

static void
test_port_ranges(void **state)
{
	int lo, hi;

	(void)state;
	assert_int_equal(engine_ports_parse("6880-6999", &lo, &hi), 0);
	assert_int_equal(lo, 6880);
	assert_int_equal(hi, 6999);
	assert_int_equal(engine_ports_parse("7000", &lo, &hi), 0);
	assert_int_equal(lo, 7000);
	assert_int_equal(hi, 7000);
	assert_int_equal(engine_ports_parse("6999-6880", &lo, &hi), -1);
	assert_int_equal(engine_ports_parse("0-10", &lo, &hi), -1);
	assert_int_equal(engine_ports_parse("1-65536", &lo, &hi), -1);
	assert_int_equal(engine_ports_parse("1-", &lo, &hi), -1);
	assert_int_equal(engine_ports_parse("a-b", &lo, &hi), -1);
	assert_int_equal(engine_ports_parse("", &lo, &hi), -1);
}

static void
test_defaults_and_managed_only(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("acestream = { engines = [ \"http://e:1\" ]; };");
	assert_string_equal(cfg->ace.engine_command, "");
	assert_string_equal(cfg->ace.engine_ports, "6880-6999");
	assert_int_equal(cfg->ace.engine_port_lo, 6880);
	assert_int_equal(cfg->ace.engine_port_hi, 6999);
	assert_string_equal(cfg->ace.engine_dir, "/var/lib/ringcast/engines");
	assert_int_equal(cfg->ace.min_engines, 0);
	assert_int_equal(cfg->ace.max_engines, 4);
	assert_true(cfg->ace.engine_idle_timeout == 120.0);
	assert_true(cfg->ace.engine_start_timeout == 60.0);
	assert_int_equal(cfg->ace.max_waiting, 100);
	config_free(cfg);
	/* no `engines`: every engine managed */
	cfg = load_ok("acestream = { engine_command = \"e -p %p\"; "
	    "engine_ports = \"7000-7001\"; max_engines = 2; min_engines = 2;"
	    " engine_dir = \"/tmp/e\"; max_waiting = 0; };");
	assert_int_equal(cfg->ace.n_engines, 0);
	assert_int_equal(cfg->ace.engine_port_lo, 7000);
	assert_int_equal(cfg->ace.max_waiting, 0);
	config_free(cfg);
}

static void
test_managed_mistakes(void **state)
{
	(void)state;
	expect_errors("acestream = {\nengine_command = \"e -p 1\"; };\n",
	    "test.conf:2: engine_command: it has no %p: the engine must "
	    "listen on the port ringcast gives it\n");
	expect_errors("acestream = { engine_command = \"e -p %p\";\n"
	    "engine_ports = \"7000-7001\"; };\n",
	    "test.conf:2: engine_ports '7000-7001' holds 2 port(s), fewer "
	    "than max_engines (4)\n");
	expect_errors("acestream = { engine_command = \"e -p %p\";\n"
	    "engine_ports = \"7000-6000\"; };\n",
	    "test.conf:2: engine_ports must be \"LOW-HIGH\" (ports 1-65535, "
	    "LOW <= HIGH), not '7000-6000'\n");
	expect_errors("acestream = { engine_command = \"e -p %p\";\n"
	    "min_engines = 5; };\n",
	    "test.conf:2: min_engines (5) is more than max_engines (4)\n");
	expect_errors("acestream = { engine_command = \"e -p %p\";\n"
	    "engine_dir = \"rel/dir\"; };\n",
	    "test.conf:2: engine_dir must be an absolute path, not "
	    "'rel/dir'\n");
	expect_errors("acestream = {\nmax_engines = 2; };\n",
	    "test.conf:1: acestream has no engines\n");
}

static void
test_engine_dir_length(void **state)
{
	char text[CONFIG_ENGINE_DIR_MAX + 128];
	struct config *cfg;
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "acestream = { engine_command = "
	    "\"e -p %%p\";\nengine_dir = \"/%0*d\"; };\n",
	    CONFIG_ENGINE_DIR_MAX - 1, 0);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	cfg = load_ok(text);
	assert_int_equal(strlen(cfg->ace.engine_dir), CONFIG_ENGINE_DIR_MAX);
	config_free(cfg);
	snprintf(text, sizeof(text), "acestream = { engine_command = "
	    "\"e -p %%p\";\nengine_dir = \"/%0*d\"; };\n",
	    CONFIG_ENGINE_DIR_MAX, 0);
	expect_errors(text, "test.conf:2: engine_dir is too long (at most "
	    "1000 bytes)\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_words_and_escapes),
		cmocka_unit_test(test_template_mistakes),
		cmocka_unit_test(test_port_ranges),
		cmocka_unit_test(test_defaults_and_managed_only),
		cmocka_unit_test(test_managed_mistakes),
		cmocka_unit_test(test_engine_dir_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
