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

/* An input, what the parser returns, and the number it reads. */
struct number_case {
	const char	*in;
	int		 rc;
	uint64_t	 n;
};

static void
number_check(int (*parse)(const char *, uint64_t *),
    const struct number_case *cases, size_t n)
{
	uint64_t got;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(parse(cases[i].in, &got), cases[i].rc);
		if (cases[i].rc == 0)
			assert_true(got == cases[i].n);
	}
}

static void
test_segment_numbers(void **state)
{
	const struct number_case cases[] = {
		{ "0.ts", 0, 0 }, { "123.ts", 0, 123 }, { "007.ts", 0, 7 },
		{ "18446744073709551615.ts", 0, UINT64_MAX },
		{ ".ts", -1, 0 }, { "-1.ts", -1, 0 }, { "+1.ts", -1, 0 },
		{ " 1.ts", -1, 0 }, { "1.ts ", -1, 0 }, { "1.tsx", -1, 0 },
		{ "1.TS", -1, 0 }, { "1", -1, 0 }, { "1a.ts", -1, 0 },
		{ "index.m3u8", -1, 0 }, { "", -1, 0 },
	};

	number_check(hls_path_seq, cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_key_numbers(void **state)
{
	const struct number_case cases[] = {
		{ "/hls/news/key/3.key", 0, 3 }, { "key/0.key", 0, 0 },
		{ "/hls/news/key/.key", -1, 0 }, { "/hls/news/key/3.ts", -1, 0 },
		{ "/hls/news/key/3.key/", -1, 0 },
		{ "/hls/news/key/x3.key", -1, 0 },
		{ "/hls/news/key3.key", -1, 0 },
		{ "3.key", -1, 0 },	/* no slash */
	};

	number_check(hls_path_key, cases, sizeof(cases) / sizeof(cases[0]));
}

/* A Range header, the body's length, and what hls_path_range makes of
 * it: its result and, for 1, the range. */
struct range_case {
	const char	*header;
	uint64_t	 len;
	int		 rc;
	uint64_t	 from, count;
};

static void
range_check(const struct range_case *cases, size_t n)
{
	uint64_t from, count;
	size_t i;

	for (i = 0; i < n; i++) {
		from = 7;
		count = 9;
		assert_int_equal(hls_path_range(cases[i].header, cases[i].len,
		    &from, &count), cases[i].rc);
		if (cases[i].rc == 1) {
			assert_true(from == cases[i].from);
			assert_true(count == cases[i].count);
		} else if (cases[i].rc == 0) {	/* nothing written */
			assert_true(from == 7 && count == 9);
		}
	}
}

static void
test_range_ignored(void **state)
{
	const struct range_case cases[] = {
		{ NULL, 100, 0, 0, 0 }, { "", 100, 0, 0, 0 },
		{ "items=0-1", 100, 0, 0, 0 }, { "Bytes=0-1", 100, 0, 0, 0 },
		{ "bytes=0-1,5-6", 100, 0, 0, 0 },
	};

	range_check(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_range_satisfied(void **state)
{
	const struct range_case cases[] = {
		{ "bytes=0-99", 100, 1, 0, 100 },
		{ "bytes=10-19", 100, 1, 10, 10 },
		{ "bytes=5-5", 100, 1, 5, 1 },
		/* open end, and an end past the body: to its last byte */
		{ "bytes=90-", 100, 1, 90, 10 },
		{ "bytes=99-1000", 100, 1, 99, 1 },
		/* suffix: the last N bytes, the whole body when N is more */
		{ "bytes=-10", 100, 1, 90, 10 },
		{ "bytes=-500", 100, 1, 0, 100 },
	};

	range_check(cases, sizeof(cases) / sizeof(cases[0]));
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
	/* an empty body has no byte to start at */
	assert_int_equal(hls_path_range("bytes=0-", 0, &from, &count), -1);
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
