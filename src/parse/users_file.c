/*
 * users_file.c - the users_file: so that hundreds of users need not
 * live in ringcast.conf, and can be added and removed without a reload.
 *
 *	# name:sha256-of-token:max_connections:allow-globs
 *	alice:2bb80d5...:2:news-*,sport-*,ace:*
 *	bob:81b637d...:0:
 *
 * The second field is the SHA-256 of the token in hex (printf %s TOKEN |
 * sha256sum), never the token.  An empty max is 0 (no limit), empty
 * globs are the default of `users` ("*" and "ace:*": everything).  The
 * globs come last because "ace:" globs hold a colon themselves.
 *
 * The file is outside input edited by hand while the daemon runs: a bad
 * line is reported with its number and skipped and the others are kept,
 * so one typo does not lock every user out.  Pure; the worker reads the
 * file and decides what a file with no good line means.
 *
 * Calls: libc, digest.h, config.h (names, globs).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config_access.h"
#include "digest.h"
#include "users_file.h"

struct uf_parse {
	struct user_conf	*users;
	int			 n, cap;
	int			 bad;
	users_file_report_fn	*report;
	void			*arg;
};

static void
uf_bad(struct uf_parse *p, int line, const char *why)
{
	p->bad++;
	if (p->report != NULL)
		p->report(p->arg, line, why);
}

/* The next FIELD of *LINE up to ':' (the last field: to the end). */
static char *
uf_field(char **line, int last)
{
	char *f = *line, *colon;

	if (f == NULL)
		return NULL;
	if (last || (colon = strchr(f, ':')) == NULL) {
		*line = NULL;
		return f;
	}
	*colon = '\0';
	*line = colon + 1;
	return f;
}

static const char *
uf_max(const char *v, int *out)
{
	char *end;
	long long n;

	if (v[0] == '\0') {
		*out = 0;
		return NULL;
	}
	if (strspn(v, "0123456789") != strlen(v))
		return "max_connections is not a whole number";
	n = strtoll(v, &end, 10);
	if (n > INT_MAX || strlen(v) > 10)
		return "max_connections is too large";
	*out = (int)n;
	return NULL;
}

/* The globs of V (comma-separated) into U: NULL, or why not. */
static const char *
uf_globs(char *v, struct user_conf *u)
{
	const char *why;
	char *g, *save = NULL;

	if (v[0] == '\0') {
		if ((u->allow[0] = strdup("*")) == NULL ||
		    (u->allow[1] = strdup(CONFIG_ACE_SUBJECT "*")) == NULL)
			return "out of memory";
		u->n_allow = 2;
		return NULL;
	}
	if (v[strlen(v) - 1] == ',' || v[0] == ',' || strstr(v, ",,"))
		return "an empty allow pattern";
	for (g = strtok_r(v, ",", &save); g != NULL;
	    g = strtok_r(NULL, ",", &save)) {
		if ((why = config_user_glob_problem(g)) != NULL)
			return why;
		if (u->n_allow == CONFIG_MAX_USER_GLOBS)
			return "too many allow patterns";
		if ((u->allow[u->n_allow] = strdup(g)) == NULL)
			return "out of memory";
		u->n_allow++;
	}
	return NULL;
}

/* A name or a token seen before: why, or NULL. */
static const char *
uf_repeats(const struct uf_parse *p, const struct user_conf *u)
{
	int i;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->users[i].name, u->name) == 0)
			return "a user of this name is on an earlier line";
		if (digest_equal_ct(p->users[i].token_sha256, u->token_sha256,
		    CONFIG_TOKEN_DIGEST_BYTES))
			return "the token of a user on an earlier line";
	}
	return NULL;
}

/* LINE (NUL-terminated, writable) into U: NULL, or why not. */
static const char *
uf_user(const struct uf_parse *p, char *line, struct user_conf *u)
{
	char *name, *hash, *max, *globs;
	const char *why;

	name = uf_field(&line, 0);
	hash = uf_field(&line, 0);
	max = uf_field(&line, 0);
	globs = uf_field(&line, 1);
	if (max == NULL)
		return "fewer than three fields (name:sha256:max:globs)";
	if (!config_name_valid(name))
		return "bad user name (1 to 64 of A-Z a-z 0-9 _ -)";
	memcpy(u->name, name, strlen(name) + 1);
	if (digest_from_hex(hash, u->token_sha256) == -1)
		return "the token's SHA-256 is not 64 hex digits";
	if ((why = uf_max(max, &u->max_connections)) != NULL)
		return why;
	if ((why = uf_repeats(p, u)) != NULL)
		return why;
	return uf_globs(globs != NULL ? globs : (char *)"", u);
}

static void
uf_free_one(struct user_conf *u)
{
	int i;

	for (i = 0; i < u->n_allow; i++)
		free(u->allow[i]);
	u->n_allow = 0;
}

static void
uf_trim(char **s)
{
	char *e = *s + strlen(*s);

	while (**s == ' ' || **s == '\t')
		(*s)++;
	while (e > *s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
}

/* Line number LN, LEN bytes at TEXT: 0, or -1 out of memory. */
static int
uf_line(struct uf_parse *p, int ln, const char *text, size_t len)
{
	char buf[USERS_FILE_LINE_MAX + 1], *s = buf;
	struct user_conf u;
	const char *why;

	if (len > USERS_FILE_LINE_MAX) {
		uf_bad(p, ln, "line too long");
		return 0;
	}
	if (memchr(text, '\0', len) != NULL) {
		uf_bad(p, ln, "a NUL byte");
		return 0;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	uf_trim(&s);
	if (s[0] == '\0' || s[0] == '#')
		return 0;
	if (p->n == USERS_FILE_MAX_USERS) {
		uf_bad(p, ln, "too many users");
		return 0;
	}
	memset(&u, 0, sizeof(u));
	u.line = ln;
	if ((why = uf_user(p, s, &u)) != NULL) {
		uf_free_one(&u);
		if (strcmp(why, "out of memory") == 0)
			return -1;
		uf_bad(p, ln, why);
		return 0;
	}
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 16;
		struct user_conf *nu = realloc(p->users,
		    (size_t)cap * sizeof(*nu));

		if (nu == NULL) {
			uf_free_one(&u);
			return -1;
		}
		p->users = nu;
		p->cap = cap;
	}
	p->users[p->n++] = u;
	return 0;
}

int
users_file_parse(const char *text, size_t len, struct user_conf **out,
    int *n, int *bad, users_file_report_fn *report, void *arg)
{
	struct uf_parse p = { NULL, 0, 0, 0, report, arg };
	const char *nl;
	size_t off = 0, ll;
	int ln = 0;

	while (off < len) {
		nl = memchr(text + off, '\n', len - off);
		ll = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		if (uf_line(&p, ++ln, text + off, ll) == -1) {
			config_users_free(p.users, p.n);
			return -1;
		}
		off += ll + 1;
	}
	*out = p.users;
	*n = p.n;
	*bad = p.bad;
	return 0;
}
