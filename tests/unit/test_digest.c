/*
 * test_digest.c - SHA-256 of tokens and their constant-time comparison
 * (src/lib/digest.c).
 *
 * What a user relies on: a token in the configuration and the hash an
 * operator made with `printf %s TOKEN | sha256sum` name the same user,
 * and a digest that differs anywhere, first byte or last, never equals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "digest.h"

#define ABC_SHA256 \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void
test_sha256_vectors(void **state)
{
	uint8_t d[DIGEST_SHA256_BYTES], e[DIGEST_SHA256_BYTES];
	char hex[DIGEST_SHA256_HEX + 1];

	(void)state;
	assert_int_equal(digest_sha256("abc", 3, d), 0);
	digest_to_hex(d, hex);
	assert_string_equal(hex, ABC_SHA256);
	assert_int_equal(digest_from_hex(ABC_SHA256, e), 0);
	assert_memory_equal(d, e, sizeof(d));
	assert_int_equal(digest_sha256("secret", 6, d), 0);
	digest_to_hex(d, hex);
	assert_string_equal(hex, "2bb80d537b1da3e38bd30361aa855686bde0eacd"
	    "7162fef6a25fe97bf527a25b");
	/* upper case is read too */
	assert_int_equal(digest_from_hex("BA7816BF8F01CFEA414140DE5DAE2223"
	    "B00361A396177A9CB410FF61F20015AD", e), 0);
	assert_int_equal(digest_sha256("abc", 3, d), 0);
	assert_memory_equal(d, e, sizeof(d));
}

static void
test_hex_refused(void **state)
{
	uint8_t d[DIGEST_SHA256_BYTES];

	(void)state;
	assert_int_equal(digest_from_hex("", d), -1);
	assert_int_equal(digest_from_hex("abc", d), -1);
	assert_int_equal(digest_from_hex(ABC_SHA256 "0", d), -1);
	assert_int_equal(digest_from_hex("ga7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad", d), -1);
	assert_int_equal(digest_from_hex("ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015a ", d), -1);
}

static void
test_equal_ct(void **state)
{
	uint8_t a[DIGEST_SHA256_BYTES], b[DIGEST_SHA256_BYTES];

	(void)state;
	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(digest_equal_ct(a, b, sizeof(a)));
	b[0] ^= 1;
	assert_false(digest_equal_ct(a, b, sizeof(a)));
	b[0] ^= 1;
	b[DIGEST_SHA256_BYTES - 1] ^= 0x80;
	assert_false(digest_equal_ct(a, b, sizeof(a)));
	assert_true(digest_equal_ct(a, b, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_hex_refused),
		cmocka_unit_test(test_equal_ct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
