/*
 * test_users_file.c - the users_file parser (src/parse/users_file.c).
 *
 * What a user relies on: one "name:sha256:max:globs" line a user,
 * comments and blank lines ignored, CRLF files read; a bad line (hostile
 * or a typo) is reported with its line number and skipped while every
 * other line is kept; a name or token seen before is skipped; the
 * hash is never echoed in a report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "users_file.h"

#define H1 "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
#define H2 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define H3 "a0a996e6da7d3784ee7348bee3e43d60f64b72a3ea18196d9f0fbc99a40a8dbd"

/* The reports, "LINE: why\n" each. */
static char reports[4096];

static void
report(void *arg, int line, const char *why)
{
	size_t n = strlen(reports);

	(void)arg;
	snprintf(reports + n, sizeof(reports) - n, "%d: %s\n", line, why);
}

static int
parse(const char *text, struct user_conf **u, int *n, int *bad)
{
	reports[0] = '\0';
	return users_file_parse(text, strlen(text), u, n, bad, report, NULL);
}

static void
test_users_file_ok(void **state)
{
	uint8_t d[DIGEST_SHA256_BYTES];
	struct user_conf *u;
	int n, bad;

	(void)state;
	assert_int_equal(parse("# users\n"
	    "\n"
	    "alice:" H1 ":2:news-*,ace:ab*\r\n"
	    "  bob:" H2 "::  \n"
	    "carol:" H3 ":0\n", &u, &n, &bad), 0);
	assert_int_equal(n, 3);
	assert_int_equal(bad, 0);
	assert_string_equal(reports, "");
	assert_string_equal(u[0].name, "alice");
	assert_int_equal(digest_from_hex(H1, d), 0);
	assert_memory_equal(u[0].token_sha256, d, sizeof(d));
	assert_int_equal(u[0].max_connections, 2);
	assert_int_equal(u[0].n_allow, 2);
	assert_string_equal(u[0].allow[0], "news-*");
	assert_string_equal(u[0].allow[1], "ace:ab*");
	assert_int_equal(u[0].line, 3);
	assert_true(config_user_allows(&u[0], "news-1"));
	assert_true(config_user_allows(&u[0], "ace:ab12"));
	assert_false(config_user_allows(&u[0], "sport"));
	/* empty max and globs: no limit, everything */
	assert_string_equal(u[1].name, "bob");
	assert_int_equal(u[1].max_connections, 0);
	assert_int_equal(u[1].n_allow, 2);
	assert_string_equal(u[1].allow[0], "*");
	assert_string_equal(u[1].allow[1], "ace:*");
	assert_int_equal(u[2].n_allow, 2);
	config_users_free(u, n);
	/* empty: no users, no problem */
	assert_int_equal(parse("", &u, &n, &bad), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bad, 0);
	assert_null(u);
}

/* Each bad line reported by number and skipped, the good ones kept. */
static void
test_users_file_hostile(void **state)
{
	char text[USERS_FILE_LINE_MAX * 2 + 1024], *p = text;
	struct user_conf *u;
	int n, bad, i;

	(void)state;
	p += sprintf(p, "alice:" H1 ":1:*\n"		/* 1 ok */
	    "al ice:" H2 "::\n"				/* 2 */
	    "bob:" H2 "x::\n"				/* 3 */
	    "bob:" H2 ":-1:\n"				/* 4 */
	    "bob:" H2 ":99999999999:\n"			/* 5 */
	    "bob:" H2 "\n"				/* 6 */
	    "alice:" H2 "::\n"				/* 7 */
	    "dave:" H1 "::\n"				/* 8 */
	    "bob:" H2 "::a,,b\n"			/* 9 */
	    "bob:" H2 ":: a\n"				/* 10 */
	    "bob:" H2 "::\x01\n"			/* 11 */
	    "carol:" H3 "::*\n");			/* 12 ok */
	*p++ = 'x';					/* 13: NUL */
	*p++ = '\0';
	*p++ = '\n';
	for (i = 0; i < USERS_FILE_LINE_MAX + 1; i++)	/* 14: too long */
		*p++ = 'a';
	p += sprintf(p, "\nbob:" H2 ":3:news\n"		/* 15 ok */
	    "eve:" H3);					/* 16: cut short */
	reports[0] = '\0';
	assert_int_equal(users_file_parse(text, (size_t)(p - text), &u, &n,
	    &bad, report, NULL), 0);
	assert_string_equal(reports,
	    "2: bad user name (1 to 64 of A-Z a-z 0-9 _ -)\n"
	    "3: the token's SHA-256 is not 64 hex digits\n"
	    "4: max_connections is not a whole number\n"
	    "5: max_connections is too large\n"
	    "6: fewer than three fields (name:sha256:max:globs)\n"
	    "7: a user of this name is on an earlier line\n"
	    "8: the token of a user on an earlier line\n"
	    "9: an empty allow pattern\n"
	    "10: allow pattern must not hold spaces or control characters\n"
	    "11: allow pattern must not hold spaces or control characters\n"
	    "13: a NUL byte\n"
	    "14: line too long\n"
	    "16: fewer than three fields (name:sha256:max:globs)\n");
	assert_int_equal(bad, 13);
	assert_int_equal(n, 3);
	assert_string_equal(u[0].name, "alice");
	assert_string_equal(u[1].name, "carol");
	assert_string_equal(u[2].name, "bob");
	assert_int_equal(u[2].line, 15);
	assert_int_equal(u[2].max_connections, 3);
	assert_null(strstr(reports, H2));
	config_users_free(u, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_file_ok),
		cmocka_unit_test(test_users_file_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
