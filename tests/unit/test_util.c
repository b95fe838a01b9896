/*
 * test_util.c - listen address parsing, RFC 3339 timestamps, string
 * copies (src/lib/util.c).  The state segment's tests are in
 * test_state.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "util.h"

static void
test_listen_parse(void **state)
{
	char host[64];
	int port;

	(void)state;
	assert_int_equal(listen_parse("0.0.0.0:8080", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(port, 8080);
	assert_int_equal(listen_parse("[::1]:80", host, sizeof(host), &port),
	    0);
	assert_string_equal(host, "::1");
	assert_int_equal(listen_parse("*:9000", host, sizeof(host), &port), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(listen_parse("localhost:1", host, sizeof(host),
	    &port), 0);
	assert_int_equal(listen_parse("8080", host, sizeof(host), &port), -1);
	assert_int_equal(listen_parse(":8080", host, sizeof(host), &port), -1);
	assert_int_equal(listen_parse("a:0", host, sizeof(host), &port), -1);
	assert_int_equal(listen_parse("a:65536", host, sizeof(host), &port),
	    -1);
	assert_int_equal(listen_parse("a:80x", host, sizeof(host), &port), -1);
	assert_int_equal(listen_parse("::1:80", host, sizeof(host), &port), -1);
	assert_int_equal(listen_parse("[::1]80", host, sizeof(host), &port),
	    -1);
	assert_int_equal(listen_parse("a:", host, sizeof(host), &port), -1);
}

static void
test_rfc3339(void **state)
{
	char out[UTIL_RFC3339_MAX];

	(void)state;
	format_rfc3339_ms(1795600800123ULL, out);
	assert_string_equal(out, "2026-11-25T10:00:00.123Z");
	format_rfc3339_ms(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
}

static void
test_str_equal_ct(void **state)
{
	assert_true(str_equal_ct("", ""));
	assert_true(str_equal_ct("s3cret-token", "s3cret-token"));
	assert_false(str_equal_ct("s3cret-token", "s3cret-tokem"));
	assert_false(str_equal_ct("s3cret", "s3cret-token"));	/* prefix */
	assert_false(str_equal_ct("s3cret-token", "s3cret"));
	assert_false(str_equal_ct("", "x"));
	assert_false(str_equal_ct("abc", "ABC"));
}

static void
test_str_copy(void **state)
{
	char small[4];

	(void)state;
	assert_int_equal(str_copy(small, "abcdef", sizeof(small)), 6);
	assert_string_equal(small, "abc");
	assert_int_equal(str_copy(small, "", sizeof(small)), 0);
	assert_string_equal(small, "");
}

/* A path that fits is copied whole; one that does not is refused. */
static void
test_unix_addr(void **state)
{
	struct sockaddr_un sun;
	char long_path[sizeof(sun.sun_path) + 8];

	(void)state;
	assert_int_equal(unix_addr(&sun, "/run/ringcast/ctl.sock"), 0);
	assert_int_equal(sun.sun_family, AF_UNIX);
	assert_string_equal(sun.sun_path, "/run/ringcast/ctl.sock");
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	errno = 0;
	assert_int_equal(unix_addr(&sun, long_path), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	long_path[sizeof(sun.sun_path) - 1] = '\0';	/* just fits */
	assert_int_equal(unix_addr(&sun, long_path), 0);
}

/* The published FNV-1a test vectors, whole and in pieces. */
static void
test_fnv1a(void **state)
{
	(void)state;
	assert_int_equal(fnv1a32(FNV1A32_BASIS, "", 0), FNV1A32_BASIS);
	assert_int_equal(fnv1a32(FNV1A32_BASIS, "a", 1), 0xe40c292cu);
	assert_int_equal(fnv1a32(FNV1A32_BASIS, "foobar", 6), 0xbf9cf968u);
	assert_true(fnv1a64(FNV1A64_BASIS, "a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(fnv1a64(FNV1A64_BASIS, "foobar", 6) ==
	    0x85944171f73967e8ULL);
	assert_true(fnv1a64(fnv1a64(FNV1A64_BASIS, "foo", 3), "bar", 3) ==
	    fnv1a64(FNV1A64_BASIS, "foobar", 6));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_str_equal_ct),
		cmocka_unit_test(test_str_copy),
		cmocka_unit_test(test_unix_addr),
		cmocka_unit_test(test_fnv1a),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
