/*
 * test_utf8.c - strict UTF-8 decoding and encoding (src/lib/utf8.c).
 *
 * What a user relies on: a channel name in any script reaches the
 * lineup, JSON and XML as the characters it was, and bytes that are not
 * UTF-8 (a list saved as Latin-1, a truncated character) are never taken
 * for characters they are not: overlong forms, surrogates and values
 * past U+10FFFF are refused, as RFC 3629 asks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "utf8.h"

static void
want(const char *s, size_t len, size_t n, uint32_t cp)
{
	uint32_t got = 0xDEADBEEF;

	if (utf8_decode(s, len, &got) != n)
		fail_msg("decode of %zu bytes: length %zu, want %zu", len,
		    utf8_decode(s, len, &got), n);
	if (n > 0 && got != cp)
		fail_msg("decode: U+%04X, want U+%04X", got, cp);
}

static void
test_decode_valid(void **state)
{
	want("A", 1, 1, 'A');
	want("\xC3\xA9", 2, 2, 0xE9);			/* é */
	want("\xD0\x96", 2, 2, 0x416);			/* Ж */
	want("\xE2\x82\xAC", 3, 3, 0x20AC);		/* € */
	want("\xF0\x9F\x93\xBA", 4, 4, 0x1F4FA);	/* television */
	want("\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF);
	want("\xC2\x80", 2, 2, 0x80);
	want("\xEF\xBF\xBD", 3, 3, 0xFFFD);
	want("\xC3\xA9xyz", 5, 2, 0xE9);		/* only the first */
}

static void
test_decode_refused(void **state)
{
	want("", 0, 0, 0);
	want("\x80", 1, 0, 0);			/* continuation alone */
	want("\xC3", 1, 0, 0);			/* truncated */
	want("\xC3\xA9", 1, 0, 0);		/* LEN cuts it */
	want("\xE2\x82", 2, 0, 0);
	want("\xC0\xAF", 2, 0, 0);		/* overlong '/' */
	want("\xC1\xBF", 2, 0, 0);
	want("\xE0\x80\xAF", 3, 0, 0);		/* overlong, 3 bytes */
	want("\xF0\x80\x80\xAF", 4, 0, 0);	/* overlong, 4 bytes */
	want("\xED\xA0\x80", 3, 0, 0);		/* U+D800 */
	want("\xED\xBF\xBF", 3, 0, 0);		/* U+DFFF */
	want("\xF4\x90\x80\x80", 4, 0, 0);	/* U+110000 */
	want("\xF5\x80\x80\x80", 4, 0, 0);
	want("\xFF", 1, 0, 0);
	want("\xE9t\xE9", 3, 0, 0);		/* Latin-1 "été" */
	want("\xC3(", 2, 0, 0);			/* bad continuation */
}

static void
test_encode_round_trip(void **state)
{
	static const uint32_t cps[] = { 0, 'a', 0x7F, 0x80, 0x7FF, 0x800,
	    0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF };
	char out[UTF8_SEQ_MAX];
	uint32_t back;
	size_t i, n;

	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		n = utf8_encode(cps[i], out);
		assert_true(n >= 1 && n <= UTF8_SEQ_MAX);
		assert_int_equal(utf8_decode(out, n, &back), n);
		assert_int_equal(back, cps[i]);
	}
	assert_int_equal(utf8_encode(0xD800, out), 0);
	assert_int_equal(utf8_encode(0xDFFF, out), 0);
	assert_int_equal(utf8_encode(0x110000, out), 0);
	assert_int_equal(utf8_encode(0xE9, out), 2);
	assert_memory_equal(out, "\xC3\xA9", 2);
}

/* Every two-byte input: decoding agrees with encoding where it accepts,
 * and never reads past LEN. */
static void
test_every_pair(void **state)
{
	char in[2], out[UTF8_SEQ_MAX];
	uint32_t cp;
	size_t n;
	int a, b;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			if ((n = utf8_decode(in, 2, &cp)) == 0)
				continue;
			assert_int_equal(utf8_encode(cp, out), n);
			assert_memory_equal(out, in, n);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_refused),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_every_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
