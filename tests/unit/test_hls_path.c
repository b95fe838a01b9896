/*
 * test_hls_path.c - the HLS request paths and Range headers of
 * src/parse/hls_path.c.
 *
 * What a player relies on: /hls/NAME/index.m3u8, /hls/NAME/SEQ.ts and
 * /hls/NAME/key/N.key name that stream's playlist, segment and key;
 * anything else (a bad name, a deeper path, a stray suffix) is refused
 * rather than half-read; a Range header gets exactly the bytes it asks
 * for, clipped to the segment, is ignored when it is not one byte range,
 * and is refused (416) when it lies outside the segment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "hls_path.h"

static void
test_split_valid_paths(void **state)
{
	char name[CONFIG_NAME_MAX + 1];
	const char *file;

	assert_int_equal(hls_path_split("/hls/news/index.m3u8", name,
	    sizeof(name), &file), 0);
	assert_string_equal(name, "news");
	assert_string_equal(file, "index.m3u8");
	assert_int_equal(hls_path_split("/hls/a-b_9/123.ts", name,
	    sizeof(name), &file), 0);
	assert_string_equal(name, "a-b_9");
	assert_string_equal(file, "123.ts");
	/* FILE points into the URL, after NAME's slash */
	assert_int_equal(hls_path_split("/hls/x/key/7.key", name,
	    sizeof(name), &file), 0);
	assert_string_equal(name, "x");
	assert_string_equal(file, "key/7.key");
	/* an empty FILE is split; the route answers 404 for it */
	assert_int_equal(hls_path_split("/hls/news/", name, sizeof(name),
	    &file), 0);
	assert_string_equal(file, "");
}

static void
test_split_invalid_paths(void **state)
{
	const char *bad[] = {
		"/hls/", "/hls/news", "/hls//index.m3u8", "/hls/ne ws/1.ts",
		"/hls/news/a/b.ts", "/hls/news/key/a/1.key",
		"/hls/news/keys/a/1.key", "/hls/../index.m3u8",
		"/hls/n.ews/index.m3u8", "/stream/news", "/hlsx/news/1.ts",
		"", "/",
	};
	char name[CONFIG_NAME_MAX + 1];
	const char *file;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hls_path_split(bad[i], name, sizeof(name),
		    &file), -1);
}

static void
test_split_name_buffer_edges(void **state)
{
	char name[CONFIG_NAME_MAX + 2], url[CONFIG_NAME_MAX + 32];
	const char *file;

	/* exactly room for "abcd" and its NUL, then one byte short */
	assert_int_equal(hls_path_split("/hls/abcd/1.ts", name, 5, &file), 0);
	assert_string_equal(name, "abcd");
	assert_int_equal(hls_path_split("/hls/abcd/1.ts", name, 4, &file), -1);
	/* the longest valid name, then one longer */
	memset(name, 'n', CONFIG_NAME_MAX);
	name[CONFIG_NAME_MAX] = '\0';
	snprintf(url, sizeof(url), "/hls/%s/1.ts", name);
	assert_int_equal(hls_path_split(url, name, sizeof(name), &file), 0);
	assert_int_equal(strlen(name), CONFIG_NAME_MAX);
	snprintf(url, sizeof(url), "/hls/%sn/1.ts", name);
	assert_int_equal(hls_path_split(url, name, sizeof(name), &file), -1);
}

static void
test_segment_numbers(void **state)
{
	uint64_t seq = 42;

	assert_int_equal(hls_path_seq("0.ts", &seq), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(hls_path_seq("123.ts", &seq), 0);
	assert_int_equal(seq, 123);
	assert_int_equal(hls_path_seq("007.ts", &seq), 0);
	assert_int_equal(seq, 7);
	assert_int_equal(hls_path_seq("18446744073709551615.ts", &seq), 0);
	assert_true(seq == UINT64_MAX);
	assert_int_equal(hls_path_seq(".ts", &seq), -1);
	assert_int_equal(hls_path_seq("-1.ts", &seq), -1);
	assert_int_equal(hls_path_seq("+1.ts", &seq), -1);
	assert_int_equal(hls_path_seq(" 1.ts", &seq), -1);
	assert_int_equal(hls_path_seq("1.ts ", &seq), -1);
	assert_int_equal(hls_path_seq("1.tsx", &seq), -1);
	assert_int_equal(hls_path_seq("1.TS", &seq), -1);
	assert_int_equal(hls_path_seq("1", &seq), -1);
	assert_int_equal(hls_path_seq("1a.ts", &seq), -1);
	assert_int_equal(hls_path_seq("index.m3u8", &seq), -1);
	assert_int_equal(hls_path_seq("", &seq), -1);
}

static void
test_key_numbers(void **state)
{
	uint64_t n = 42;

	assert_int_equal(hls_path_key("/hls/news/key/3.key", &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(hls_path_key("key/0.key", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(hls_path_key("/hls/news/key/.key", &n), -1);
	assert_int_equal(hls_path_key("/hls/news/key/3.ts", &n), -1);
	assert_int_equal(hls_path_key("/hls/news/key/3.key/", &n), -1);
	assert_int_equal(hls_path_key("/hls/news/key/x3.key", &n), -1);
	assert_int_equal(hls_path_key("/hls/news/key3.key", &n), -1);
	assert_int_equal(hls_path_key("3.key", &n), -1);	/* no slash */
}

static void
test_range_ignored(void **state)
{
	uint64_t from = 7, count = 9;

	assert_int_equal(hls_path_range(NULL, 100, &from, &count), 0);
	assert_int_equal(hls_path_range("", 100, &from, &count), 0);
	assert_int_equal(hls_path_range("items=0-1", 100, &from, &count), 0);
	assert_int_equal(hls_path_range("Bytes=0-1", 100, &from, &count), 0);
	assert_int_equal(hls_path_range("bytes=0-1,5-6", 100, &from, &count),
	    0);
	/* nothing written when ignored */
	assert_int_equal(from, 7);
	assert_int_equal(count, 9);
}

static void
test_range_satisfied(void **state)
{
	uint64_t from, count;

	assert_int_equal(hls_path_range("bytes=0-99", 100, &from, &count), 1);
	assert_int_equal(from, 0);
	assert_int_equal(count, 100);
	assert_int_equal(hls_path_range("bytes=10-19", 100, &from, &count), 1);
	assert_int_equal(from, 10);
	assert_int_equal(count, 10);
	assert_int_equal(hls_path_range("bytes=5-5", 100, &from, &count), 1);
	assert_int_equal(from, 5);
	assert_int_equal(count, 1);
	/* open end, and an end past the body: clipped to its last byte */
	assert_int_equal(hls_path_range("bytes=90-", 100, &from, &count), 1);
	assert_int_equal(from, 90);
	assert_int_equal(count, 10);
	assert_int_equal(hls_path_range("bytes=99-1000", 100, &from, &count),
	    1);
	assert_int_equal(from, 99);
	assert_int_equal(count, 1);
	/* suffix: the last N bytes, or the whole body when N is more */
	assert_int_equal(hls_path_range("bytes=-10", 100, &from, &count), 1);
	assert_int_equal(from, 90);
	assert_int_equal(count, 10);
	assert_int_equal(hls_path_range("bytes=-500", 100, &from, &count), 1);
	assert_int_equal(from, 0);
	assert_int_equal(count, 100);
}

static void
test_range_not_satisfiable(void **state)
{
	const char *bad[] = {
		"bytes=100-", "bytes=100-200", "bytes=20-10", "bytes=-0",
		"bytes=-", "bytes=", "bytes=a-1", "bytes=1", "bytes=1-x",
		"bytes=1-2 ", "bytes=-5x", "bytes= 1-2",
	};
	uint64_t from, count;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hls_path_range(bad[i], 100, &from, &count),
		    -1);
}

static void
test_content_range(void **state)
{
	char out[HLS_CONTENT_RANGE_MAX];

	assert_int_equal(hls_path_content_range(out, sizeof(out), 10, 10,
	    100), 0);
	assert_string_equal(out, "bytes 10-19/100");
	assert_int_equal(hls_path_content_range(out, sizeof(out), 0, 0, 100),
	    0);
	assert_string_equal(out, "bytes */100");
	assert_int_equal(hls_path_content_range(out, sizeof(out),
	    UINT64_MAX - 1, 1, UINT64_MAX), 0);
	assert_string_equal(out, "bytes 18446744073709551614-"
	    "18446744073709551614/18446744073709551615");
	/* too small: refused, not cut */
	assert_int_equal(hls_path_content_range(out, 11, 10, 10, 100), -1);
	assert_int_equal(hls_path_content_range(out, 16, 10, 10, 100), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_valid_paths),
		cmocka_unit_test(test_split_invalid_paths),
		cmocka_unit_test(test_split_name_buffer_edges),
		cmocka_unit_test(test_segment_numbers),
		cmocka_unit_test(test_key_numbers),
		cmocka_unit_test(test_range_ignored),
		cmocka_unit_test(test_range_satisfied),
		cmocka_unit_test(test_range_not_satisfiable),
		cmocka_unit_test(test_content_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
