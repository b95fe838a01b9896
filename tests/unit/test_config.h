/*
 * test_config.h - what test_config.c and test_config_check.c share: load
 * a config from a string that must pass, or fail with exact lines.
 * Include after <cmocka.h>.
 */
#ifndef RINGCAST_TEST_CONFIG_H
#define RINGCAST_TEST_CONFIG_H

#include "config.h"

#define ERRSZ	16384

/* TEXT must load without a problem; free the result. */
static inline struct config *
load_ok(const char *text)
{
	struct config *cfg = NULL;
	char errs[ERRSZ];
	int rc;

	rc = config_load_string(text, "test.conf", &cfg, errs, sizeof(errs));
	if (rc != 0)
		print_error("unexpected errors:\n%s", errs);
	assert_int_equal(rc, 0);
	assert_non_null(cfg);
	assert_string_equal(errs, "");
	return cfg;
}

/* TEXT must fail with exactly the lines EXPECTED. */
static inline void
expect_errors(const char *text, const char *expected)
{
	struct config *cfg = NULL;
	char errs[ERRSZ];
	int rc;

	rc = config_load_string(text, "test.conf", &cfg, errs, sizeof(errs));
	assert_int_equal(rc, -1);
	assert_null(cfg);
	assert_string_equal(errs, expected);
}

/* Lines of a one-stream config: the stream's keys go on line 2. */
#define STREAM(keys)	"streams = (\n{ name = \"s\"; " keys " }\n);\n"
#define URL		"url = \"http://h/x.ts\";"

#endif
