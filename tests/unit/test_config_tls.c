/*
 * test_config_tls.c - listen_tls, tls_cert and tls_key (config_tls.c):
 * a good pair loads with its bytes in the config; a key of another
 * certificate, a missing file, a missing key, an address in both lists
 * are errors at their lines; the files are not read without listen_tls;
 * config_tls_differ sees another certificate.  The PEM pairs below are
 * throw-away self-signed P-256 ones made for this test only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "test_config.h"

static const char CERT_A[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBeDCCAR+gAwIBAgIUdmLXcugnRGjVOO7BfywVdCyq0t8wCgYIKoZIzj0EAwIw\n"
    "ETEPMA0GA1UEAwwGdW5pdC1hMCAXDTI2MTIwODAwNTM0M1oYDzIxMjYxMTE0MDA1\n"
    "MzQzWjARMQ8wDQYDVQQDDAZ1bml0LWEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
    "AARLyYLv4HLSsqoKOPzjsE1j0t1gh8OT3LMZPjvlPyr7rCrxggvimgvAuVlOwSvF\n"
    "zRFMefr8eI8NFqHrBbwGbyvyo1MwUTAdBgNVHQ4EFgQUFvo8yywDEGea4C9gz1hW\n"
    "g34ymtIwHwYDVR0jBBgwFoAUFvo8yywDEGea4C9gz1hWg34ymtIwDwYDVR0TAQH/\n"
    "BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBP1kBQ7DCK6GduiSldcTEnAimqrhBI\n"
    "TKQgltqAs9nnvwIgYFnnIbOdvwhVZ8y2BGKDZnPmEBQCOr/gtU1Yux9dwoE=\n"
    "-----END CERTIFICATE-----\n";

static const char KEY_A[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghKr/02i/xSDUu460\n"
    "4qjIiSwCfI6ne4q6RYyS08iiidmhRANCAARLyYLv4HLSsqoKOPzjsE1j0t1gh8OT\n"
    "3LMZPjvlPyr7rCrxggvimgvAuVlOwSvFzRFMefr8eI8NFqHrBbwGbyvy\n"
    "-----END PRIVATE KEY-----\n";

static const char CERT_B[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBeTCCAR+gAwIBAgIUEMBFWMwghl5/KcDaX9S8xYOFeuwwCgYIKoZIzj0EAwIw\n"
    "ETEPMA0GA1UEAwwGdW5pdC1iMCAXDTI2MTIwODAwNTM0M1oYDzIxMjYxMTE0MDA1\n"
    "MzQzWjARMQ8wDQYDVQQDDAZ1bml0LWIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
    "AASG3+dRxQv00DKi8LBYnjk4JX6hf+On93qCJ9mVX2jo/s8Gtg45uvT9gPAKE08n\n"
    "DJtdhX0eaiGSREihBwbxo95Do1MwUTAdBgNVHQ4EFgQUV3Nju5YeMeUCWBd66dRV\n"
    "/dxKS1AwHwYDVR0jBBgwFoAUV3Nju5YeMeUCWBd66dRV/dxKS1AwDwYDVR0TAQH/\n"
    "BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBeWkFJLq9/q62NK1JqFINdm3UY5j/V\n"
    "uU+s8mqFJL+2hAIhAJXuR4/prHIuTYERaR/YG2MrMO38r5M0kzOXuW0koO/X\n"
    "-----END CERTIFICATE-----\n";

static const char KEY_B[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg80UV6vV2SmBS90jC\n"
    "bZXAbHrDRHsO3/XhHtYZoqibNMShRANCAASG3+dRxQv00DKi8LBYnjk4JX6hf+On\n"
    "93qCJ9mVX2jo/s8Gtg45uvT9gPAKE08nDJtdhX0eaiGSREihBwbxo95D\n"
    "-----END PRIVATE KEY-----\n";

static char dir[64];

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ringcast-test-tls.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("a.pem", CERT_A);
	write_file("a.key", KEY_A);
	write_file("b.pem", CERT_B);
	write_file("b.key", KEY_B);
	return 0;
}

static int
teardown(void **state)
{
	const char *names[] = { "a.pem", "a.key", "b.pem", "b.key" };
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

/* A config: listen, then listen_tls on line 2, tls_cert CERT on line 3
 * and tls_key KEY on line 4 (NULL: the line is left empty). */
static char *
tls_conf(const char *cert, const char *key)
{
	static char text[1024];
	char c[256] = "", k[256] = "";

	if (cert != NULL)
		snprintf(c, sizeof(c), "tls_cert = \"%s/%s\";", dir, cert);
	if (key != NULL)
		snprintf(k, sizeof(k), "tls_key = \"%s/%s\";", dir, key);
	snprintf(text, sizeof(text), "listen = [ \"127.0.0.1:8080\" ];\n"
	    "listen_tls = [ \"127.0.0.1:8443\", \"[::1]:8443\" ];\n%s\n%s\n",
	    c, k);
	return text;
}

static void
test_tls_pair_loads(void **state)
{
	struct config *cfg = load_ok(tls_conf("a.pem", "a.key"));

	assert_int_equal(cfg->n_listen, 1);
	assert_int_equal(cfg->n_listen_tls, 2);
	assert_string_equal(cfg->listen_tls[1], "[::1]:8443");
	assert_string_equal(cfg->tls_cert_pem, CERT_A);
	assert_string_equal(cfg->tls_key_pem, KEY_A);
	config_free(cfg);
}

static void
test_tls_errors(void **state)
{
	char want[512];

	snprintf(want, sizeof(want), "test.conf:4: tls_key '%s/b.key' does"
	    " not go with tls_cert '%s/a.pem': The certificate and the given"
	    " key do not match.\n", dir, dir);
	expect_errors(tls_conf("a.pem", "b.key"), want);
	snprintf(want, sizeof(want), "test.conf:4: tls_key '%s/none.key':"
	    " cannot read it: No such file or directory\n", dir);
	expect_errors(tls_conf("a.pem", "none.key"), want);
	expect_errors(tls_conf("a.pem", NULL), "test.conf:2: listen_tls needs"
	    " tls_cert and tls_key (the PEM certificate chain and its private"
	    " key)\n");
	expect_errors("listen = [ \"*:80\", \"127.0.0.1:443\" ];\n"
	    "listen_tls = [ \"127.0.0.1:443\" ];\n",
	    "test.conf:2: '127.0.0.1:443' is in both listen and listen_tls:"
	    " an address serves plain HTTP or HTTPS, not both\n"
	    "test.conf:2: listen_tls needs tls_cert and tls_key (the PEM"
	    " certificate chain and its private key)\n");
	expect_errors("listen_tls = [ \"127.0.0.1\" ];\n"
	    "tls_cert = \"cert.pem\";\n",
	    "test.conf:1: invalid listen address '127.0.0.1': use host:port"
	    " or [ipv6]:port\n"
	    "test.conf:2: tls_cert must be an absolute path, not 'cert.pem'\n");
}

static void
test_tls_files_unread_without_listen_tls(void **state)
{
	struct config *cfg = load_ok("tls_cert = \"/nonexistent/c.pem\";\n"
	    "tls_key = \"/nonexistent/k.pem\";\n");

	assert_int_equal(cfg->n_listen_tls, 0);
	assert_null(cfg->tls_cert_pem);
	assert_null(cfg->tls_key_pem);
	config_free(cfg);
}

static void
test_tls_differ(void **state)
{
	struct config *a = load_ok(tls_conf("a.pem", "a.key"));
	struct config *a2 = load_ok(tls_conf("a.pem", "a.key"));
	struct config *b = load_ok(tls_conf("b.pem", "b.key"));
	struct config *none = load_ok("listen = [ \"*:80\" ];\n");

	assert_int_equal(config_tls_differ(a, a2), 0);
	assert_int_equal(config_tls_differ(a, b), 1);
	assert_int_equal(config_tls_differ(a, none), 1);
	assert_int_equal(config_tls_differ(none, none), 0);
	config_free(a);
	config_free(a2);
	config_free(b);
	config_free(none);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_pair_loads),
		cmocka_unit_test(test_tls_errors),
		cmocka_unit_test(test_tls_files_unread_without_listen_tls),
		cmocka_unit_test(test_tls_differ),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
