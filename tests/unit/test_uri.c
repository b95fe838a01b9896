/*
 * test_uri.c - the request-target checks of src/parse/uri.c.
 *
 * What a client relies on: a path with a control byte, sent raw or
 * percent-encoded ("/stream/NAME%00.ts"), is refused instead of being cut
 * short; ordinary paths, queries and UTF-8 pass; the argument count is
 * the one libmicrohttpd would allocate records for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "uri.h"

static void
test_ordinary_targets_pass(void **state)
{
	assert_int_equal(uri_check(NULL), URI_OK);
	assert_int_equal(uri_check(""), URI_OK);
	assert_int_equal(uri_check("/"), URI_OK);
	assert_int_equal(uri_check("/stream/news.ts"), URI_OK);
	assert_int_equal(uri_check("/hls/news/12.ts?token=a%20b"), URI_OK);
	assert_int_equal(uri_check("/metrics/performance?operation="
	    "ts_ingest&window=60"), URI_OK);
	assert_int_equal(uri_check("/stream/%E2%82%AC\xe2\x82\xac"), URI_OK);
	assert_int_equal(uri_check("/a%20b%7e%2f%25"), URI_OK);
	/* not an escape: left as it is by libmicrohttpd too */
	assert_int_equal(uri_check("/a%0"), URI_OK);
	assert_int_equal(uri_check("/a%"), URI_OK);
	assert_int_equal(uri_check("/a%g0"), URI_OK);
	assert_int_equal(uri_check("/a%2500.ts"), URI_OK);	/* "%00" */
	/* only the path is checked: arguments are libmicrohttpd's values */
	assert_int_equal(uri_check("/status?x=%00"), URI_OK);
}

static void
test_control_bytes_in_the_path(void **state)
{
	const char *bad[] = {
		"/stream/news%00.ts", "/stream/news%00", "%00", "/a%0a",
		"/a%0D%0A", "/a%1f", "/a%7f", "/a%7F", "/a\x01", "/st\x7f",
		"/a\rb", "/a\tb", "/a\nb", "/x%01?y=1",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(uri_path_has_ctrl(bad[i]));
		assert_int_equal(uri_check(bad[i]), URI_BAD_PATH);
	}
	assert_false(uri_path_has_ctrl("/a%20"));
	assert_false(uri_path_has_ctrl("/a?%00"));
	assert_false(uri_path_has_ctrl("/a?\x01"));
}

static void
test_argument_count(void **state)
{
	assert_int_equal(uri_count_args(""), 0);
	assert_int_equal(uri_count_args("a"), 1);
	assert_int_equal(uri_count_args("a=1"), 1);
	assert_int_equal(uri_count_args("a=1&b=2"), 2);
	assert_int_equal(uri_count_args("a&"), 1);
	assert_int_equal(uri_count_args("&"), 1);
	assert_int_equal(uri_count_args("&&"), 2);
	assert_int_equal(uri_count_args("a&&b"), 3);
	assert_int_equal(uri_count_args("=&="), 2);
}

/* "/status?x=1&x=1..." with N arguments. */
static char *
with_args(size_t n)
{
	char *s = malloc(8 + 4 * n + 1);
	size_t i, len = 8;

	assert_non_null(s);
	memcpy(s, "/status?", 8);
	for (i = 0; i < n; i++) {
		memcpy(s + len, i ? "&x=1" : "x=1", i ? 4 : 3);
		len += i ? 4 : 3;
	}
	s[len] = '\0';
	return s;
}

static void
test_limits(void **state)
{
	char *s, *long_path;

	s = with_args(URI_MAX_ARGS);
	assert_int_equal(uri_check(s), URI_OK);
	free(s);
	s = with_args(URI_MAX_ARGS + 1);
	assert_int_equal(uri_check(s), URI_TOO_MANY_ARGS);
	free(s);
	s = with_args(1000);
	assert_int_equal(uri_check(s), URI_TOO_MANY_ARGS);
	free(s);
	s = with_args(10000);		/* 40 KB: the length decides first */
	assert_int_equal(uri_check(s), URI_TOO_LONG);
	free(s);

	long_path = malloc(URI_MAX_BYTES + 2);
	assert_non_null(long_path);
	memset(long_path, 'a', URI_MAX_BYTES + 1);
	long_path[0] = '/';
	long_path[URI_MAX_BYTES] = '\0';
	assert_int_equal(uri_check(long_path), URI_OK);
	long_path[URI_MAX_BYTES] = 'a';
	long_path[URI_MAX_BYTES + 1] = '\0';
	assert_int_equal(uri_check(long_path), URI_TOO_LONG);
	free(long_path);
	/* the limits come before the path: they are answered differently */
	s = with_args(URI_MAX_ARGS + 1);
	s[1] = '\x01';
	assert_int_equal(uri_check(s), URI_TOO_MANY_ARGS);
	free(s);
}

#define DROPPED(s)	uri_line_dropped(s, sizeof(s) - 1)

static void
test_lines_libmicrohttpd_drops(void **state)
{
	/* dropped without an answer: we answer them */
	assert_true(DROPPED("HELLO\r\n"));
	assert_true(DROPPED("HELLO\n"));
	assert_true(DROPPED("\r\n\r\nHELLO\r\n"));	/* empty lines skipped */
	assert_true(DROPPED(" GET / HTTP/1.1\r\n"));	/* no method */
	assert_true(DROPPED("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n"));
	assert_true(DROPPED("GET\r\nHost: x\r\n\r\n"));
	assert_true(DROPPED("a\rb\r\n"));		/* a lone CR is no end */
	/* request lines (right or wrong, libmicrohttpd answers those) */
	assert_false(DROPPED("GET / HTTP/1.1\r\n"));
	assert_false(DROPPED("HELLO WORLD\r\n"));
	assert_false(DROPPED("GET /status\r\n"));
	assert_false(DROPPED("\r\nGET / HTTP/1.1\r\n"));
	assert_false(DROPPED("\x16\x03 x\n"));
	/* not a whole line yet: undecided */
	assert_false(DROPPED(""));
	assert_false(DROPPED("HELLO"));
	assert_false(DROPPED("\x16\x03\x01\x02\x00"));
	assert_false(DROPPED("\r\n"));
	assert_false(DROPPED("HELLO\r"));
	/* a NUL first is an empty line to libmicrohttpd */
	assert_false(uri_line_dropped("\0x\nGET / HTTP/1.1\r\n", 20));
	assert_true(uri_line_dropped("\0x\nNOPE\n", 9));
}

static void
test_texts(void **state)
{
	assert_string_equal(uri_verdict_text(URI_BAD_PATH),
	    "control character in the path");
	assert_string_equal(uri_verdict_text(URI_TOO_MANY_ARGS),
	    "too many query arguments (at most 128)");
	assert_string_equal(uri_verdict_text(URI_TOO_LONG),
	    "request target too long (at most 8192 bytes)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary_targets_pass),
		cmocka_unit_test(test_control_bytes_in_the_path),
		cmocka_unit_test(test_argument_count),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_lines_libmicrohttpd_drops),
		cmocka_unit_test(test_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
