/*
 * test_config_access.c - who may watch in ringcast.conf: access, users,
 * users_file and the " internal" flag of a listen address
 * (src/parse/config_access.c).
 *
 * What a user relies on: access defaults to "open"; a user's token is
 * kept only as its SHA-256 (a plain token and "sha256:HEX" of the same
 * token are the same user); allow defaults to everything ("*" and
 * "ace:*"), "ace:" globs match content ids only and other globs stream
 * names only; every mistake is reported on its line without repeating
 * the token; "host:port internal" marks an address and still listens
 * on host:port; a reload tells changed users from unchanged ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "digest.h"
#include "test_config.h"

#define SECRET_SHA256 \
	"2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"

static void
test_access_defaults(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("workers = 1;\n");
	assert_int_equal(cfg->access, ACCESS_OPEN);
	assert_int_equal(cfg->n_users, 0);
	assert_string_equal(cfg->users_file, "");
	assert_int_equal(cfg->listen_internal[0], 0);
	assert_int_equal(cfg->users_over_limit, OVER_LIMIT_REFUSE);
	assert_string_equal(cfg->url_signing_key, "");
	config_free(cfg);
	cfg = load_ok("users_over_limit = \"close_oldest\";\n"
	    "url_signing_key = \"0123456789abcdef\";\n");
	assert_int_equal(cfg->users_over_limit, OVER_LIMIT_CLOSE_OLDEST);
	assert_string_equal(cfg->url_signing_key, "0123456789abcdef");
	config_free(cfg);
	expect_errors("users_over_limit = \"later\";\n"
	    "url_signing_key = \"0123456789abcde\";\n",
	    "test.conf:1: users_over_limit must be \"refuse\" (429) or "
	    "\"close_oldest\" (the user's oldest player is closed)\n"
	    "test.conf:2: url_signing_key must be at least 16 bytes\n");
}

static void
test_users_ok(void **state)
{
	uint8_t d[DIGEST_SHA256_BYTES];
	struct config *cfg;

	(void)state;
	cfg = load_ok("access = \"users\";\n"
	    "users = (\n"
	    "{ name = \"alice\"; token = \"abc\"; },\n"
	    "{ name = \"bob\"; token = \"sha256:" SECRET_SHA256 "\";\n"
	    "  max_connections = 2; allow = [ \"news-*\", \"ace:ab*\" ]; }\n"
	    ");\n"
	    "users_file = \"/etc/ringcast/users\";\n");
	assert_int_equal(cfg->access, ACCESS_USERS);
	assert_int_equal(cfg->n_users, 2);
	assert_string_equal(cfg->users[0].name, "alice");
	assert_int_equal(digest_sha256("abc", 3, d), 0);
	assert_memory_equal(cfg->users[0].token_sha256, d, sizeof(d));
	assert_int_equal(cfg->users[0].max_connections, 0);
	assert_int_equal(cfg->users[0].n_allow, 2);
	assert_string_equal(cfg->users[0].allow[0], "*");
	assert_string_equal(cfg->users[0].allow[1], "ace:*");
	assert_int_equal(cfg->users[0].line, 3);
	assert_int_equal(digest_sha256("secret", 6, d), 0);
	assert_memory_equal(cfg->users[1].token_sha256, d, sizeof(d));
	assert_int_equal(cfg->users[1].max_connections, 2);
	assert_int_equal(cfg->users[1].n_allow, 2);
	assert_string_equal(cfg->users_file, "/etc/ringcast/users");
	/* what each may watch */
	assert_true(config_user_allows(&cfg->users[0], "anything"));
	assert_true(config_user_allows(&cfg->users[0],
	    "ace:0123456789abcdef0123456789abcdef01234567"));
	assert_true(config_user_allows(&cfg->users[1], "news-1"));
	assert_false(config_user_allows(&cfg->users[1], "sport-1"));
	assert_true(config_user_allows(&cfg->users[1], "ace:ab12"));
	assert_false(config_user_allows(&cfg->users[1], "ace:cd12"));
	config_free(cfg);
}

/* "*" is stream names only, "ace:*" content ids only; no allow at
 * all is nothing. */
static void
test_users_globs(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("access = \"users\";\n"
	    "users = ( { name = \"a\"; token = \"t1\"; allow = [ \"*\" ]; },\n"
	    "{ name = \"b\"; token = \"t2\"; allow = [ \"ace:*\" ]; },\n"
	    "{ name = \"c\"; token = \"t3\"; allow = [ ]; } );\n");
	assert_true(config_user_allows(&cfg->users[0], "news"));
	assert_false(config_user_allows(&cfg->users[0], "ace:ab"));
	assert_false(config_user_allows(&cfg->users[1], "news"));
	assert_true(config_user_allows(&cfg->users[1], "ace:ab"));
	assert_true(config_user_allows(&cfg->users[1], "ace:"));
	assert_false(config_user_allows(&cfg->users[2], "news"));
	assert_false(config_user_allows(&cfg->users[2], "ace:ab"));
	config_free(cfg);
}

/* Mistakes on their lines; a token is never repeated in a message. */
static void
test_users_errors(void **state)
{
	(void)state;
	expect_errors("access = \"closed\";\n"
	    "users = (\n"
	    "{ name = \"a b\"; token = \"sp ace\"; },\n"
	    "{ name = \"x\"; token = \"sha256:abcd\"; max_connections = -1; },\n"
	    "{ name = \"x\"; token = \"t\"; allow = ( \"\", 3, \"a,b\" ); z = 1; },\n"
	    "{ token = \"u\"; },\n"
	    "{ name = \"y\"; },\n"
	    "5\n"
	    ");\n",
	    "test.conf:1: access must be \"open\" (anyone may watch) or "
	    "\"users\" (a user's token is needed)\n"
	    "test.conf:3: invalid user name: use 1 to 64 of A-Z a-z 0-9 _ -\n"
	    "test.conf:3: token must be 1 to 255 of A-Z a-z 0-9 . _ ~ -, or "
	    "\"sha256:\" and 64 hex digits\n"
	    "test.conf:4: token \"sha256:...\" must hold 64 hex digits "
	    "(printf %s TOKEN | sha256sum)\n"
	    "test.conf:4: max_connections must be 0 (no limit) to 2147483647, "
	    "not -1\n"
	    "test.conf:5: duplicate user name 'x' (first defined at line 4)\n"
	    "test.conf:5: allow pattern must be 1 to 128 bytes\n"
	    "test.conf:5: allow must hold only strings\n"
	    "test.conf:5: allow pattern must not hold a comma\n"
	    "test.conf:5: unknown key 'z'\n"
	    "test.conf:6: a user needs a name\n"
	    "test.conf:7: user has no token\n"
	    "test.conf:8: a user must be a group { name = ...; token = ...; }, "
	    "not an integer\n");
	/* two users, one token (plain or hashed) */
	expect_errors("access = \"users\";\n"
	    "users = ( { name = \"a\"; token = \"secret\"; },\n"
	    "{ name = \"b\"; token = \"sha256:" SECRET_SHA256 "\"; } );\n",
	    "test.conf:3: user 'b' has the token of user 'a' (line 2): each "
	    "user needs a token of its own\n");
	expect_errors("access = \"users\";\n",
	    "test.conf:1: access = \"users\" needs users, users_file or "
	    "admin_token: nobody could watch\n");
	expect_errors("users_file = \"etc/users\";\n",
	    "test.conf:1: users_file must be an absolute path, not "
	    "'etc/users'\n");
}

static void
test_listen_internal(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_ok("listen = [ \"0.0.0.0:8080\", \"127.0.0.1:9100 internal\","
	    " \"[::1]:9101 internal\" ];\n");
	assert_int_equal(cfg->n_listen, 3);
	assert_string_equal(cfg->listen[0], "0.0.0.0:8080");
	assert_int_equal(cfg->listen_internal[0], 0);
	assert_string_equal(cfg->listen[1], "127.0.0.1:9100");
	assert_int_equal(cfg->listen_internal[1], 1);
	assert_string_equal(cfg->listen[2], "[::1]:9101");
	assert_int_equal(cfg->listen_internal[2], 1);
	config_free(cfg);
	expect_errors("listen = [ \"127.0.0.1:9100 internal\",\n"
	    "\"127.0.0.1:9100\" ];\n",
	    "test.conf:1: duplicate listen address '127.0.0.1:9100'\n");
	expect_errors("listen = [ \"127.0.0.1:9100 outside\" ];\n",
	    "test.conf:1: invalid listen address '127.0.0.1:9100 outside': "
	    "the port must be a number from 1 to 65535\n");
}

static void
test_access_differ(void **state)
{
	struct config *a, *b;

	(void)state;
	a = load_ok("access = \"users\";\n"
	    "users = ( { name = \"a\"; token = \"t1\"; } );\n");
	b = load_ok("access = \"users\";\n"
	    "users = ( { name = \"a\"; token = \"t1\"; } );\n");
	assert_int_equal(config_access_differ(a, b), 0);
	config_free(b);
	b = load_ok("access = \"users\";\n"
	    "users = ( { name = \"a\"; token = \"t2\"; } );\n");
	assert_int_equal(config_access_differ(a, b), 1);
	config_free(b);
	b = load_ok("access = \"users\";\n"
	    "users = ( { name = \"a\"; token = \"t1\"; allow = [ \"*\" ]; } );\n");
	assert_int_equal(config_access_differ(a, b), 1);
	config_free(b);
	b = load_ok("users = ( { name = \"a\"; token = \"t1\"; } );\n");
	assert_int_equal(config_access_differ(a, b), 1);
	config_free(b);
	config_free(a);
	a = load_ok("listen = [ \"127.0.0.1:1\" ];\n");
	b = load_ok("listen = [ \"127.0.0.1:1 internal\" ];\n");
	assert_int_equal(config_access_differ(a, b), 1);
	config_free(b);
	config_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_defaults),
		cmocka_unit_test(test_users_ok),
		cmocka_unit_test(test_users_globs),
		cmocka_unit_test(test_users_errors),
		cmocka_unit_test(test_listen_internal),
		cmocka_unit_test(test_access_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
