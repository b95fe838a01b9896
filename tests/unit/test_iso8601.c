/*
 * test_iso8601.c - dates and times of src/parse/iso8601.c.
 *
 * What a user relies on: EXT-X-PROGRAM-DATE-TIME values as origins
 * write them (zones, fractions, lower case, a space for the T) give the
 * right instant, impossible dates are refused rather than rolled over,
 * and formatting round-trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "iso8601.h"

static void
test_pdt_parse_format(void **state)
{
	int64_t		 ms;
	char		 out[ISO8601_STR_MAX];
	static const char *bad[] = {
		"", "2026", "2026-11-25", "2026-11-25T10:00",
		"2026-13-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
		"2026-11-25T24:00:00Z", "2026-11-25T10:60:00Z",
		"2026-11-25T10:00:61Z", "2026-11-25T10:00:00.Z",
		"2026-11-25T10:00:00+25:00", "2026-11-25T10:00:00+02:",
		"2026-11-25T10:00:00 junk", "1969-12-31T23:59:59Z",
		"1970-01-01T00:00:00+01:00", "2026/11/25T10:00:00Z",
		"2O26-11-25T10:00:00Z", "2026-11-25T10:00:00Zx",
	};
	size_t		 i;

	assert_int_equal(iso8601_parse("1970-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(iso8601_parse("2024-02-29T23:59:59.999Z", &ms), 0);
	assert_int_equal(ms, 1709251199999LL);
	assert_int_equal(iso8601_parse("2026-11-25t10:00:00.1z", &ms), 0);
	assert_int_equal(ms, 1795600800100LL);
	assert_int_equal(iso8601_parse("2026-11-25 10:00:00", &ms), 0);
	assert_int_equal(ms, 1795600800000LL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (iso8601_parse(bad[i], &ms) != -1)
			fail_msg("accepted '%s'", bad[i]);

	assert_int_equal(iso8601_format(1795600800123LL, out, sizeof(out)),
	    24);
	assert_string_equal(out, "2026-11-25T10:00:00.123Z");
	assert_int_equal(iso8601_format(0, out, sizeof(out)), 24);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	assert_int_equal(iso8601_format(1709251199999LL, out, sizeof(out)),
	    24);
	assert_string_equal(out, "2024-02-29T23:59:59.999Z");
	assert_int_equal(iso8601_format(-1, out, sizeof(out)), -1);
	assert_int_equal(iso8601_format(0, out, 24), -1);
	assert_int_equal(iso8601_format(INT64_MAX, out, sizeof(out)), -1);
	/* round trip over a range of dates */
	for (ms = 0; ms < 4102444800000LL; ms += 987654321123LL / 97) {
		int64_t back;

		assert_int_equal(iso8601_format(ms, out, sizeof(out)), 24);
		assert_int_equal(iso8601_parse(out, &back), 0);
		assert_int_equal(back, ms);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pdt_parse_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
