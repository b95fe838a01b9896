/*
 * fuzz_access.c - libFuzzer target for what a player or an operator
 * hands the access checks: a users_file (src/parse/users_file.c) and a
 * request's credential and the playlists that carry it on
 * (src/parse/cred.c).
 *
 * The input is a users_file: every line is either reported once (by a
 * line number within the file, in order) or a user with a valid name,
 * allow globs without spaces, commas or control characters, and no two
 * users share a name or a token.
 *
 * The input is also an Authorization header's value after "Basic ",
 * and a request path: what cred_basic_parse and cred_path_split accept
 * fits the buffers they were given, exactly big enough then one byte
 * short.
 *
 * And the input is a playlist: rewritten with the header forms it is
 * unchanged; rewritten with the query or the path form, taking every
 * "?token=T", "&token=T" or "/u/T" out again gives the input back (T
 * appears nowhere in the input): the rewrite only ever adds the token.
 * cred_playlist_filter keeping every entry gives the input back, and
 * keeping none leaves no URL line of the base after the first line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "config.h"
#include "cred.h"
#include "users_file.h"

#define TOKEN	"Zq9tok"

static int	 reported, last_line;

static void
report(void *arg, int line, const char *why)
{
	(void)arg;
	CHECK(line > last_line && why != NULL && why[0] != '\0');
	last_line = line;
	reported++;
}

static void
users_check(const uint8_t *data, size_t size)
{
	struct user_conf *u;
	int n, bad, i, j, k;

	reported = last_line = 0;
	if (users_file_parse((const char *)data, size, &u, &n, &bad, report,
	    NULL) == -1)
		return;
	CHECK(bad == reported && n >= 0);
	CHECK(n == 0 || u != NULL);
	for (i = 0; i < n; i++) {
		CHECK(config_name_valid(u[i].name));
		CHECK(u[i].max_connections >= 0);
		CHECK(u[i].n_allow > 0 && u[i].n_allow <= CONFIG_MAX_USER_GLOBS);
		for (k = 0; k < u[i].n_allow; k++)
			CHECK(u[i].allow[k][0] != '\0' &&
			    strpbrk(u[i].allow[k], " ,\t\r\n") == NULL);
		for (j = 0; j < i; j++) {
			CHECK(strcmp(u[i].name, u[j].name) != 0);
			CHECK(memcmp(u[i].token_sha256, u[j].token_sha256,
			    sizeof(u[i].token_sha256)) != 0);
		}
	}
	config_users_free(u, n);
}

static void
headers_check(const char *s)
{
	char hdr[8192], user[CRED_NAME_MAX + 1], tok[CONFIG_TOKEN_MAX], *t;
	const char *rest;
	size_t len;

	snprintf(hdr, sizeof(hdr), "Basic %s", s);
	if (cred_basic_parse(hdr, user, sizeof(user), tok, sizeof(tok)) == 0)
		CHECK(strlen(user) < sizeof(user) && strlen(tok) < sizeof(tok) &&
		    strchr(user, ':') == NULL);
	if (cred_bearer_parse(s, tok, sizeof(tok)) == 0)
		CHECK(tok[0] != '\0' && tok[0] != ' ');
	if (cred_path_split(s, tok, sizeof(tok), &rest) == 1) {
		len = strlen(tok);
		CHECK(len > 0 && strchr(tok, '/') == NULL && rest[0] == '/');
		CHECK((t = malloc(len + 1)) != NULL);
		CHECK(cred_path_split(s, t, len + 1, &rest) == 1);
		CHECK(strcmp(t, tok) == 0);
		CHECK(cred_path_split(s, t, len, &rest) == -1);
		free(t);
	}
}

/* OUT with every occurrence of each of CUTS taken out. */
static char *
without(const char *out, size_t len, const char *const *cuts)
{
	char *r = malloc(len + 1), *p = r;
	size_t i = 0, k, cl;

	CHECK(r != NULL);
	while (i < len) {
		for (k = 0; cuts[k] != NULL; k++) {
			cl = strlen(cuts[k]);
			if (len - i >= cl && memcmp(out + i, cuts[k], cl) == 0)
				break;
		}
		if (cuts[k] != NULL) {
			i += strlen(cuts[k]);
			continue;
		}
		*p++ = out[i++];
	}
	*p = '\0';
	return r;
}

static void
rewrite_check(const uint8_t *data, size_t size, enum cred_form form,
    const char *base)
{
	static const char *const qcuts[] = { "?token=" TOKEN, "&token=" TOKEN,
	    NULL };
	static const char *const pcuts[] = { "/u/" TOKEN, NULL };
	struct buf b;
	char *back;

	buf_init(&b);
	CHECK(cred_playlist_rewrite((const char *)data, size, form, TOKEN,
	    base, &b) == 0);
	if (form != CRED_QUERY && form != CRED_PATH) {
		CHECK(b.len == size && (size == 0 ||
		    memcmp(b.data, data, size) == 0));
	} else {
		back = without(b.data != NULL ? b.data : "", b.len,
		    form == CRED_QUERY ? qcuts : pcuts);
		CHECK(strlen(back) == size && memcmp(back, data, size) == 0);
		free(back);
	}
	buf_free(&b);
}

static int
keep_all(void *arg, const char *path)
{
	(void)arg;
	CHECK(path[0] == '/');
	return 1;
}

static int
keep_none(void *arg, const char *path)
{
	(void)arg;
	CHECK(path[0] == '/');
	return 0;
}

/* Keeping every entry gives the playlist back; keeping none leaves no
 * URL line of the base but the first line. */
static void
filter_check(const uint8_t *data, size_t size)
{
	struct buf b;
	const char *p, *nl;

	buf_init(&b);
	CHECK(cred_playlist_filter((const char *)data, size, "http://h:8",
	    keep_all, NULL, &b) == 0);
	CHECK(b.len == size && (size == 0 || memcmp(b.data, data, size) == 0));
	buf_free(&b);
	buf_init(&b);
	CHECK(cred_playlist_filter((const char *)data, size, "http://h:8",
	    keep_none, NULL, &b) == 0);
	CHECK(b.len <= size);
	buf_puts(&b, "");
	for (p = b.data, nl = strchr(p, '\n'); nl != NULL;
	    p = nl + 1, nl = strchr(p, '\n'))
		CHECK(strncmp(nl + 1, "http://h:8/", 11) != 0);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	users_check(data, size);
	s = fuzz_cstring(data, size);
	headers_check(s);
	/* T must not be in the input (nor a NUL: the check compares C
	 * strings) for the round trip to be exact */
	if (strstr(s, TOKEN) == NULL && strlen(s) == size) {
		rewrite_check(data, size, CRED_QUERY, "");
		rewrite_check(data, size, CRED_QUERY, "http://h:8");
		rewrite_check(data, size, CRED_PATH, "");
		rewrite_check(data, size, CRED_PATH, "http://h:8");
	}
	rewrite_check(data, size, CRED_BASIC, "http://h:8");
	filter_check(data, size);
	free(s);
	return 0;
}
