/*
 * test_cors.c - the CORS decisions of src/parse/cors.c.
 *
 * What a page relies on: with "*" any origin may read player routes;
 * with a list, a listed origin is echoed (with Vary: Origin) and another
 * gets nothing; admin routes never answer "*"; a preflight allows Range
 * and only the requested headers that are harmless.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cors.h"

static void
test_wildcard(void **state)
{
	struct cors_decision d;

	cors_decide("*", "https://any.example", CORS_PLAYER, &d);
	assert_string_equal(d.allow_origin, "*");
	assert_int_equal(d.vary, 0);
	cors_decide("*", NULL, CORS_PLAYER, &d);	/* no Origin header */
	assert_string_equal(d.allow_origin, "*");
	/* admin: never the wildcard, not even echoed for any origin */
	cors_decide("*", "https://any.example", CORS_ADMIN, &d);
	assert_null(d.allow_origin);
	assert_int_equal(d.vary, 1);
}

static void
test_listed_origins(void **state)
{
	const char *list = "https://a.example\nhttp://127.0.0.1:8000";
	struct cors_decision d;

	cors_decide(list, "https://a.example", CORS_PLAYER, &d);
	assert_string_equal(d.allow_origin, "https://a.example");
	assert_int_equal(d.vary, 1);
	cors_decide(list, "http://127.0.0.1:8000", CORS_PLAYER, &d);
	assert_string_equal(d.allow_origin, "http://127.0.0.1:8000");
	/* echoed as the browser sent it; hosts compare without case */
	cors_decide(list, "HTTPS://A.example", CORS_PLAYER, &d);
	assert_string_equal(d.allow_origin, "HTTPS://A.example");
	cors_decide(list, "https://b.example", CORS_PLAYER, &d);
	assert_null(d.allow_origin);
	assert_int_equal(d.vary, 1);
	/* prefixes and longer strings are other origins */
	cors_decide(list, "https://a.exampl", CORS_PLAYER, &d);
	assert_null(d.allow_origin);
	cors_decide(list, "https://a.example.evil", CORS_PLAYER, &d);
	assert_null(d.allow_origin);
	cors_decide(list, "http://127.0.0.1:80", CORS_PLAYER, &d);
	assert_null(d.allow_origin);
	cors_decide(list, "", CORS_PLAYER, &d);
	assert_null(d.allow_origin);
	cors_decide(list, NULL, CORS_PLAYER, &d);
	assert_null(d.allow_origin);
	assert_int_equal(d.vary, 1);
	/* admin: the listed origin only */
	cors_decide(list, "https://a.example", CORS_ADMIN, &d);
	assert_string_equal(d.allow_origin, "https://a.example");
	cors_decide(list, "https://b.example", CORS_ADMIN, &d);
	assert_null(d.allow_origin);
}

static void
test_wildcard_and_named(void **state)
{
	const char *list = "*\nhttps://ops.example";
	struct cors_decision d;

	cors_decide(list, "https://x.example", CORS_PLAYER, &d);
	assert_string_equal(d.allow_origin, "*");
	cors_decide(list, "https://ops.example", CORS_ADMIN, &d);
	assert_string_equal(d.allow_origin, "https://ops.example");
	cors_decide(list, "https://x.example", CORS_ADMIN, &d);
	assert_null(d.allow_origin);
}

static void
test_cors_off(void **state)
{
	struct cors_decision d;

	cors_decide("", "https://a.example", CORS_PLAYER, &d);
	assert_null(d.allow_origin);
	assert_int_equal(d.vary, 0);
	cors_decide(NULL, "https://a.example", CORS_ADMIN, &d);
	assert_null(d.allow_origin);
	assert_int_equal(d.vary, 0);
}

static void
test_allow_headers(void **state)
{
	char out[CORS_ALLOW_HEADERS_MAX];

	cors_allow_headers(NULL, CORS_PLAYER, out, sizeof(out));
	assert_string_equal(out, "range");
	cors_allow_headers("Range", CORS_PLAYER, out, sizeof(out));
	assert_string_equal(out, "range");
	cors_allow_headers("range,if-none-match, Last-Event-ID ,x-evil,"
	    "cookie,,accept", CORS_PLAYER, out, sizeof(out));
	assert_string_equal(out, "range, if-none-match, last-event-id, accept");
	cors_allow_headers("x-custom, content-type", CORS_PLAYER, out,
	    sizeof(out));
	assert_string_equal(out, "range");
	cors_allow_headers("content-type", CORS_ADMIN, out, sizeof(out));
	assert_string_equal(out, "authorization, content-type");
	cors_allow_headers("range, x-forwarded-for, accept", CORS_ADMIN, out,
	    sizeof(out));
	assert_string_equal(out, "authorization, content-type, accept");
	/* a small buffer holds whole names only */
	cors_allow_headers("accept", CORS_PLAYER, out, 9);
	assert_string_equal(out, "range");
	cors_allow_headers("accept", CORS_PLAYER, out, 3);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_listed_origins),
		cmocka_unit_test(test_wildcard_and_named),
		cmocka_unit_test(test_cors_off),
		cmocka_unit_test(test_allow_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
