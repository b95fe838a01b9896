/*
 * test_url.c - URL reference resolution (src/parse/url.c).
 *
 * What a user relies on: every URI an upstream playlist lists (relative,
 * absolute, with dot segments, queries, fragments, tokens) reaches the
 * fetcher as the URL a browser would make of it, the RFC 3986 examples
 * included, and a buffer of the documented size is always enough while a
 * smaller one is refused, never overrun.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "url.h"

#define BASE		"http://h:1/a/b/index.m3u8?tok=1"

struct rcase {
	const char	*ref, *want;
};

static void
check_cases(const char *base, const struct rcase *c, size_t n)
{
	char	 out[512];
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (url_resolve(base, c[i].ref, out, sizeof(out)) != 0)
			fail_msg("'%s' against '%s' failed", c[i].ref, base);
		if (strcmp(out, c[i].want) != 0)
			fail_msg("'%s' against '%s': '%s', want '%s'",
			    c[i].ref, base, out, c[i].want);
	}
}

static void
test_resolve_playlist_shapes(void **state)
{
	static const struct rcase c[] = {
		{ "seg.ts",		"http://h:1/a/b/seg.ts" },
		{ "../x/seg.ts",	"http://h:1/a/x/seg.ts" },
		{ "/abs/seg.ts",	"http://h:1/abs/seg.ts" },
		{ "//host/seg.ts",	"http://host/seg.ts" },
		{ "http://other/seg.ts", "http://other/seg.ts" },
		{ "seg.ts?x=1",		"http://h:1/a/b/seg.ts?x=1" },
		{ "./seg.ts",		"http://h:1/a/b/seg.ts" },
		{ "../../../../seg.ts",	"http://h:1/seg.ts" },
		{ "x/./y/../seg.ts",	"http://h:1/a/b/x/seg.ts" },
		{ "HTTPS://Other:8443/p/../q.ts", "HTTPS://Other:8443/q.ts" },
		{ "seg.ts#t=10",	"http://h:1/a/b/seg.ts#t=10" },
		{ "?tok=2",		"http://h:1/a/b/index.m3u8?tok=2" },
		{ "",			"http://h:1/a/b/index.m3u8?tok=1" },
		{ "seg_2024-01-01T10:00:00.ts",
		  "http://h:1/a/b/seg_2024-01-01T10:00:00.ts" },
	};

	check_cases(BASE, c, sizeof(c) / sizeof(c[0]));
}

/* RFC 3986 section 5.4, normal and abnormal examples. */
static void
test_resolve_rfc3986(void **state)
{
	static const struct rcase c[] = {
		{ "g:h",	"g:h" },
		{ "g",		"http://a/b/c/g" },
		{ "./g",	"http://a/b/c/g" },
		{ "g/",		"http://a/b/c/g/" },
		{ "/g",		"http://a/g" },
		{ "//g",	"http://g" },
		{ "?y",		"http://a/b/c/d;p?y" },
		{ "g?y",	"http://a/b/c/g?y" },
		{ "#s",		"http://a/b/c/d;p?q#s" },
		{ "g#s",	"http://a/b/c/g#s" },
		{ "g?y#s",	"http://a/b/c/g?y#s" },
		{ ";x",		"http://a/b/c/;x" },
		{ "g;x",	"http://a/b/c/g;x" },
		{ "g;x?y#s",	"http://a/b/c/g;x?y#s" },
		{ "",		"http://a/b/c/d;p?q" },
		{ ".",		"http://a/b/c/" },
		{ "./",		"http://a/b/c/" },
		{ "..",		"http://a/b/" },
		{ "../",	"http://a/b/" },
		{ "../g",	"http://a/b/g" },
		{ "../..",	"http://a/" },
		{ "../../",	"http://a/" },
		{ "../../g",	"http://a/g" },
		{ "../../../g",	"http://a/g" },
		{ "../../../../g", "http://a/g" },
		{ "/./g",	"http://a/g" },
		{ "/../g",	"http://a/g" },
		{ "g.",		"http://a/b/c/g." },
		{ ".g",		"http://a/b/c/.g" },
		{ "g..",	"http://a/b/c/g.." },
		{ "..g",	"http://a/b/c/..g" },
		{ "./../g",	"http://a/b/g" },
		{ "./g/.",	"http://a/b/c/g/" },
		{ "g/./h",	"http://a/b/c/g/h" },
		{ "g/../h",	"http://a/b/c/h" },
		{ "g;x=1/./y",	"http://a/b/c/g;x=1/y" },
		{ "g;x=1/../y",	"http://a/b/c/y" },
		{ "g?y/./x",	"http://a/b/c/g?y/./x" },
		{ "g?y/../x",	"http://a/b/c/g?y/../x" },
		{ "g#s/./x",	"http://a/b/c/g#s/./x" },
		{ "g#s/../x",	"http://a/b/c/g#s/../x" },
		{ "http:g",	"http:g" },
	};
	static const struct rcase noslash[] = {
		{ "seg.ts",	"http://h/seg.ts" },	/* empty base path */
		{ "?q",		"http://h?q" },
	};

	check_cases("http://a/b/c/d;p?q", c, sizeof(c) / sizeof(c[0]));
	check_cases("http://h", noslash, 2);
}

static void
test_resolve_limits(void **state)
{
	char	 out[64];
	char	 small[16];
	const char *base = "http://h:1/a/b/index.m3u8?tok=1";
	const char *refs[] = { "seg.ts", "//x", "/p", "", "?q", "a:b",
	    "../../../../../x", "#f" };
	size_t	 i;
	char	*big;

	/* no base, or a base without a scheme: only absolute refs work */
	assert_int_equal(url_resolve(NULL, "seg.ts", out, sizeof(out)),
	    -1);
	assert_int_equal(url_resolve("index.m3u8", "seg.ts", out,
	    sizeof(out)), -1);
	assert_int_equal(url_resolve(NULL, "http://x/./a/../b", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "http://x/b");
	/* too small: -1, never an overflow */
	assert_int_equal(url_resolve(base, "seg.ts", small,
	    sizeof(small)), -1);
	assert_int_equal(url_resolve(base, "seg.ts", out, 0), -1);
	assert_int_equal(url_resolve(base, "seg.ts", out,
	    strlen("http://h:1/a/b/seg.ts")), -1);
	assert_int_equal(url_resolve(base, "seg.ts", out,
	    strlen("http://h:1/a/b/seg.ts") + 1), 0);
	/* the documented size bound always suffices */
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		size_t sz = strlen("http://h") + strlen(refs[i]) + 2;

		big = malloc(sz);
		assert_non_null(big);
		assert_int_equal(url_resolve("http://h", refs[i], big,
		    sz), 0);
		free(big);
	}
}

static void
test_hex_digit(void **state)
{
	static const char digits[] = "0123456789abcdef";
	int	 i;

	for (i = 0; i < 16; i++) {
		assert_int_equal(url_hex_digit(digits[i]), i);
		if (i >= 10)
			assert_int_equal(url_hex_digit(digits[i] - 'a' + 'A'),
			    i);
	}
	assert_int_equal(url_hex_digit('g'), -1);
	assert_int_equal(url_hex_digit('G'), -1);
	assert_int_equal(url_hex_digit('/'), -1);
	assert_int_equal(url_hex_digit(':'), -1);
	assert_int_equal(url_hex_digit('\0'), -1);
	assert_int_equal(url_hex_digit((char)0xe2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_playlist_shapes),
		cmocka_unit_test(test_resolve_rfc3986),
		cmocka_unit_test(test_resolve_limits),
		cmocka_unit_test(test_hex_digit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
