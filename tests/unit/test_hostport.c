/*
 * test_hostport.c - hostport_parse, the one "host:port" parser: the
 * shapes it accepts, where the host and port are, and which error a
 * malformed spec gets (the form or the port), since the callers word
 * their messages by it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hostport.h"

/* SPEC parses with FLAGS into HOST and PORT (0: none). */
static void
expect_ok(const char *spec, int flags, const char *host, int port)
{
	struct hostport hp;

	assert_int_equal(hostport_parse(spec, flags, &hp), 0);
	assert_int_equal(hp.host_len, strlen(host));
	assert_memory_equal(hp.host, host, hp.host_len);
	assert_int_equal(hp.port, port);
}

static void
test_hostport_shapes(void **state)
{
	struct hostport hp;

	(void)state;
	expect_ok("0.0.0.0:8080", 0, "0.0.0.0", 8080);
	expect_ok("*:9000", 0, "*", 9000);
	expect_ok("localhost:1", 0, "localhost", 1);
	expect_ok("host:65535", 0, "host", 65535);
	expect_ok("[::1]:80", 0, "::1", 80);
	expect_ok("[fe80::1%eth0]:443", 0, "fe80::1%eth0", 443);
	expect_ok("a.example", HOSTPORT_PORT_OPTIONAL, "a.example", 0);
	expect_ok("[::1]", HOSTPORT_PORT_OPTIONAL, "::1", 0);
	expect_ok("a.example:8443", HOSTPORT_PORT_OPTIONAL, "a.example", 8443);
	assert_int_equal(hostport_parse("[::1]:8080", 0, &hp), 0);
	assert_true(hp.bracketed);
	assert_string_equal(hp.port_text, "8080");
	assert_int_equal(hostport_parse("h:08080", 0, &hp), 0);
	assert_false(hp.bracketed);
	assert_string_equal(hp.port_text, "08080");	/* as written */
	assert_int_equal(hp.port, 8080);
	assert_int_equal(hostport_parse("h", HOSTPORT_PORT_OPTIONAL, &hp), 0);
	assert_string_equal(hp.port_text, "");
}

static void
test_hostport_bad_form(void **state)
{
	static const char *const bad[] = {
		"8080",		/* no port */
		":8080",	/* no host */
		"::1:80",	/* IPv6 without brackets */
		"fe80::1:80",
		"a:b:80",
		"[::1]80",	/* no ':' after ']' */
		"[::1",		/* no ']' */
		"[]:80",
		"",
	};
	struct hostport hp;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hostport_parse(bad[i], 0, &hp),
		    HOSTPORT_BAD_FORM);
	assert_int_equal(hostport_parse("[::1]x", HOSTPORT_PORT_OPTIONAL, &hp),
	    HOSTPORT_BAD_FORM);
	assert_int_equal(hostport_parse("", HOSTPORT_PORT_OPTIONAL, &hp),
	    HOSTPORT_BAD_FORM);
	assert_int_equal(hp.host_len, 0);
	assert_int_equal(hostport_parse("[::1", HOSTPORT_PORT_OPTIONAL, &hp),
	    HOSTPORT_BAD_FORM);
	assert_true(hp.bracketed);
	assert_int_equal(hp.host_len, 0);
}

static void
test_hostport_bad_port(void **state)
{
	static const char *const bad[] = {
		"a:", "a:0", "a:65536", "a:80x", "a:+80", "a: 80", "a:-1",
		"a:000080", "[::1]:", "[::1]:80:90", "[::1]:99999",
	};
	struct hostport hp;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hostport_parse(bad[i], 0, &hp),
		    HOSTPORT_BAD_PORT);
	/* the host is known, so a caller can check it first */
	assert_int_equal(hostport_parse("my_host:x", 0, &hp),
	    HOSTPORT_BAD_PORT);
	assert_int_equal(hp.host_len, 7);
	assert_memory_equal(hp.host, "my_host", 7);
	assert_int_equal(hp.port, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport_shapes),
		cmocka_unit_test(test_hostport_bad_form),
		cmocka_unit_test(test_hostport_bad_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
