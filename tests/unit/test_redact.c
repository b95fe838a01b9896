/*
 * test_redact.c - credentials hidden before a URL is shown
 * (src/lib/redact.c): in one URL, and in text with URLs in it (log
 * lines, events).
 *
 * What a user relies on: a provider's account in an upstream URL (in
 * its authority, its query or an Xtream Codes path) never reaches a log
 * line, an event, /status or /channels, and text around the URLs is
 * kept as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "redact.h"

static void
test_text(void **state)
{
	static const char *const cases[][2] = {
		{ "no url here", "no url here" },
		{ "", "" },
		{ "stream news: connected to http://bob:s3cret@h:8/x.ts",
		    "stream news: connected to http://***@h:8/x.ts" },
		{ "{\"url\":\"https://h/get.php?username=bob&password=pw\","
		    "\"pid\":4}", "{\"url\":\"https://h/get.php?username=***&"
		    "password=***\",\"pid\":4}" },
		{ "two: http://a:b@h/1 and 'http://h/live/u/p/9.ts' end",
		    "two: http://***@h/1 and 'http://h/live/***/***/9.ts' end" },
		{ "<http://h/x?token=t>", "<http://h/x?token=***>" },
		{ "://nothing before", "://nothing before" },
		{ "file:///srv/a.ts kept", "file:///srv/a.ts kept" },
		{ "ends with http://u:p@h", "ends with http://***@h" },
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		redact_text(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	/* cut short, still terminated, never a credential */
	redact_text("see http://bob:s3cret@h/x.ts", out, 12);
	assert_int_equal(strlen(out), 11);
	assert_null(strstr(out, "s3cret"));
}

static void
test_long_url(void **state)
{
	char in[REDACT_URL_MAX + 64], out[REDACT_URL_MAX + 128];

	(void)state;
	/* a URL too long to redact is hidden whole, not shown */
	memcpy(in, "x http://u:secret@h/", 20);
	memset(in + 20, 'a', sizeof(in) - 21);
	in[sizeof(in) - 1] = '\0';
	redact_text(in, out, sizeof(out));
	assert_null(strstr(out, "secret"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_long_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
