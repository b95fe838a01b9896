/*
 * test_signed_url.c - signed URLs (src/parse/signed_url.c) and the HMAC
 * under them (src/lib/digest.c).
 *
 * What an operator relies on: the signature is the documented
 * HMAC-SHA256(key, scope "|" exp ["|" ip]) (pinned to values computed
 * apart, with Python's hmac), so another program can sign URLs; an HLS
 * URL's scope is its stream's directory, so segments play with the
 * playlist's arguments; a true signature plays until exp and then is
 * "expired"; anything else (another key, path, time, address, a
 * bound signature stripped of ip=1, a malformed argument) is "bad".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "signed_url.h"

#define KEY	"0123456789abcdef"
#define SIG_X	"7d084c0536ecfda58126e80d2617b6f9bb2e32ffece65d82afc887e0cada7d30"
#define SIG_HLS	"615963f9548b15d9482d12abb37b1797038b8b9cf976f11e17bdf5555b10c982"
#define SIG_ACE	"0d9c2b6128938121e2e09d4581b9fc956427c2f50659de236b4aa1de1f7a50fe"

static void
test_hmac_rfc4231(void **state)
{
	uint8_t d[DIGEST_SHA256_BYTES];
	char hex[DIGEST_SHA256_HEX + 1];

	(void)state;
	/* RFC 4231, test case 2 */
	assert_int_equal(digest_hmac_sha256("Jefe", 4,
	    "what do ya want for nothing?", 28, d), 0);
	digest_to_hex(d, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f08"
	    "9d2739839dec58b964ec3843");
}

static void
scope_is(const char *url, const char *want)
{
	char out[SIGNED_SCOPE_MAX];

	assert_int_equal(signed_url_scope(url, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void
test_scope(void **state)
{
	char small[8];

	(void)state;
	scope_is("/stream/x", "/stream/x");
	scope_is("/stream/x?exp=1&sig=ab&ip=1&token=t", "/stream/x");
	scope_is("/hls/x/index.m3u8?exp=1&sig=ab", "/hls/x/");
	scope_is("/hls/x/123.ts", "/hls/x/");
	scope_is("/ace/getstream?id=abc&exp=1&sig=ab", "/ace/getstream?id=abc");
	scope_is("/ace/getstream?exp=1&id=abc&expiry=2", "/ace/getstream?id=abc"
	    "&expiry=2");
	assert_int_equal(signed_url_scope("/stream/long", small,
	    sizeof(small)), -1);
}

static void
test_mac_pinned(void **state)
{
	char hex[DIGEST_SHA256_HEX + 1];

	(void)state;
	assert_int_equal(signed_url_mac(KEY, "/stream/x", 100, NULL, hex), 0);
	assert_string_equal(hex, SIG_X);
	assert_int_equal(signed_url_mac(KEY, "/hls/x/", 100, "127.0.0.1",
	    hex), 0);
	assert_string_equal(hex, SIG_HLS);
	assert_int_equal(signed_url_mac(KEY, "/ace/getstream?id=abc", 100,
	    NULL, hex), 0);
	assert_string_equal(hex, SIG_ACE);
}

static void
test_check(void **state)
{
	(void)state;
	assert_int_equal(signed_url_check(KEY, "/stream/x", "100", SIG_X,
	    NULL, "127.0.0.1", 99), SIGNED_OK);
	assert_int_equal(signed_url_check(KEY, "/stream/x", "100", SIG_X,
	    NULL, "127.0.0.1", 100), SIGNED_OK);	/* until exp */
	assert_int_equal(signed_url_check(KEY, "/stream/x", "100", SIG_X,
	    NULL, "127.0.0.1", 101), SIGNED_EXPIRED);
	/* the query's own arguments are not in the scope */
	assert_int_equal(signed_url_check(KEY, "/stream/x?exp=100&sig=" SIG_X,
	    "100", SIG_X, NULL, "::1", 50), SIGNED_OK);
	/* upper-case hex is the same signature */
	assert_int_equal(signed_url_check(KEY, "/stream/x", "100",
	    "7D084C0536ECFDA58126E80D2617B6F9BB2E32FFECE65D82AFC887E0CADA7D30",
	    NULL, "127.0.0.1", 50), SIGNED_OK);
	/* another key, path, time; a forged digit; malformed arguments */
	assert_int_equal(signed_url_check("0123456789abcdeX", "/stream/x",
	    "100", SIG_X, NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/stream/y", "100", SIG_X,
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/stream/x", "1000", SIG_X,
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/stream/x", "100",
	    "7d084c0536ecfda58126e80d2617b6f9bb2e32ffece65d82afc887e0cada7d31",
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/stream/x", "100", "7d08",
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/stream/x", "+100", SIG_X,
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/stream/x", NULL, SIG_X,
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/stream/x", "100", NULL,
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check("", "/stream/x", "100", SIG_X,
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	/* an expired forgery is a forgery */
	assert_int_equal(signed_url_check(KEY, "/stream/y", "100", SIG_X,
	    NULL, "127.0.0.1", 500), SIGNED_BAD);
}

static void
test_bound(void **state)
{
	(void)state;
	/* any URL of the stream's HLS directory, from the bound address */
	assert_int_equal(signed_url_check(KEY, "/hls/x/41.ts", "100", SIG_HLS,
	    "1", "127.0.0.1", 50), SIGNED_OK);
	assert_int_equal(signed_url_check(KEY, "/hls/x/index.m3u8", "100",
	    SIG_HLS, "1", "127.0.0.1", 50), SIGNED_OK);
	assert_int_equal(signed_url_check(KEY, "/hls/y/41.ts", "100", SIG_HLS,
	    "1", "127.0.0.1", 50), SIGNED_BAD);
	/* from another address; without ip=1; with ip=2 */
	assert_int_equal(signed_url_check(KEY, "/hls/x/41.ts", "100", SIG_HLS,
	    "1", "127.0.0.2", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/hls/x/41.ts", "100", SIG_HLS,
	    NULL, "127.0.0.1", 50), SIGNED_BAD);
	assert_int_equal(signed_url_check(KEY, "/hls/x/41.ts", "100", SIG_HLS,
	    "2", "127.0.0.1", 50), SIGNED_BAD);
	/* ip=1 added by hand to an unbound signature */
	assert_int_equal(signed_url_check(KEY, "/stream/x", "100", SIG_X, "1",
	    "127.0.0.1", 50), SIGNED_BAD);
}

static void
test_args(void **state)
{
	char args[SIGNED_ARGS_MAX], small[16];

	(void)state;
	assert_int_equal(signed_url_args(KEY, "/stream/x", 100, NULL, args,
	    sizeof(args)), 0);
	assert_string_equal(args, "exp=100&sig=" SIG_X);
	assert_int_equal(signed_url_args(KEY, "/hls/x/index.m3u8", 100,
	    "127.0.0.1", args, sizeof(args)), 0);
	assert_string_equal(args, "exp=100&sig=" SIG_HLS "&ip=1");
	assert_int_equal(signed_url_args(KEY, "/stream/x", 100, NULL, small,
	    sizeof(small)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_mac_pinned),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
