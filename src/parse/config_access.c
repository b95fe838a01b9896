/*
 * config_access.c - who may watch: `access` ("open": anyone, as always;
 * "users": a user's token or the admin token), the `users` list, the
 * users_file setting, users_over_limit (what a user's player over
 * max_connections meets), url_signing_key and the " internal" flag of a
 * listen address.
 *
 * A user's token is hashed (SHA-256, digest.h) as soon as it is read,
 * or given already hashed as "sha256:HEX", so no plain token stays in
 * the configuration that the processes hold.  Tokens are restricted to
 * URL-safe characters (CONFIG_TOKEN_CHARS) because players send them in
 * a path, a query and a Basic header alike, and none of those forms
 * needs escaping then.  Two users may not share a token: a token names
 * its user.
 *
 * The users of users_file are read by the workers (users_file.c parses
 * it), not here: the file is reloaded without SIGHUP, so this module
 * only checks the setting.
 *
 * Calls: libconfig, fnmatch, digest.h, the config_* modules below it.
 */
#include <fnmatch.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_access.h"
#include "config_check.h"
#include "config_keys.h"
#include "digest.h"

#define SHA256_PREFIX	"sha256:"

int
config_token_valid(const char *t)
{
	size_t n = strlen(t);

	return n > 0 && n < CONFIG_TOKEN_MAX &&
	    strspn(t, CONFIG_TOKEN_CHARS) == n;
}

const char *
config_user_glob_problem(const char *v)
{
	if (v[0] == '\0' || strlen(v) > CONFIG_GLOB_MAX)
		return "allow pattern must be 1 to 128 bytes";
	if (config_has_ctrl(v, 1))
		return "allow pattern must not hold spaces or control characters";
	if (strchr(v, ',') != NULL)
		return "allow pattern must not hold a comma";
	return NULL;
}

void
config_over_limit_walk(struct config_ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	const struct keydef *k = keytab_find(&config_global_keys,
	    "users_over_limit");
	int mode;

	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    keydef_word(k, config_setting_get_string(s), &mode) == -1) {
		cerror(c, s, "users_over_limit must be \"refuse\" (429) or "
		    "\"close_oldest\" (the user's oldest player is closed)");
		return;
	}
	cfg->users_over_limit = (enum over_limit)mode;
}

void
config_access_walk(struct config_ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	const struct keydef *k = keytab_find(&config_global_keys, "access");
	int mode;

	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    keydef_word(k, config_setting_get_string(s), &mode) == -1) {
		cerror(c, s, "access must be \"open\" (anyone may watch) or "
		    "\"users\" (a user's token is needed)");
		return;
	}
	cfg->access = (enum access_mode)mode;
}

static void
user_name(struct config_ctx *c, struct config *cfg, struct user_conf *u,
    const config_setting_t *s)
{
	const struct config_names prev = { cfg->users, (int)(u - cfg->users),
	    sizeof(*u), offsetof(struct user_conf, name),
	    offsetof(struct user_conf, line) };

	config_check_list_name(c, s, "user", &prev, u->name, sizeof(u->name));
}

/* token: the token itself (hashed here) or "sha256:" and 64 hex digits.
 * The value is never repeated in a message. */
static int
user_token(struct config_ctx *c, struct user_conf *u,
    const config_setting_t *s)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return -1;
	}
	v = config_setting_get_string(s);
	if (strncmp(v, SHA256_PREFIX, strlen(SHA256_PREFIX)) == 0) {
		if (digest_from_hex(v + strlen(SHA256_PREFIX),
		    u->token_sha256) == 0)
			return 0;
		cerror(c, s, "token \"sha256:...\" must hold 64 hex digits "
		    "(printf %%s TOKEN | sha256sum)");
		return -1;
	}
	if (!config_token_valid(v)) {
		cerror(c, s, "token must be 1 to %d of A-Z a-z 0-9 . _ ~ -, "
		    "or \"sha256:\" and 64 hex digits", CONFIG_TOKEN_MAX - 1);
		return -1;
	}
	if (digest_sha256(v, strlen(v), u->token_sha256) == -1) {
		cerror(c, s, "cannot hash the token");
		return -1;
	}
	return 0;
}

static void
user_max_connections(struct config_ctx *c, struct user_conf *u,
    const config_setting_t *s)
{
	config_check_count(c, s, "connections", &u->max_connections);
}

static void
user_allow(struct config_ctx *c, struct user_conf *u,
    const config_setting_t *s)
{
	const config_setting_t *e;
	const char *v, *why;
	int i, n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cerror_type(c, s, "a list of strings [ \"...\", ... ]");
		return;
	}
	if ((n = config_setting_length(s)) > CONFIG_MAX_USER_GLOBS) {
		cerror(c, s, "too many allow patterns: %d (at most %d)", n,
		    CONFIG_MAX_USER_GLOBS);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cerror(c, e, "allow must hold only strings");
			continue;
		}
		v = config_setting_get_string(e);
		if ((why = config_user_glob_problem(v)) != NULL) {
			cerror(c, e, "%s", why);
			continue;
		}
		if ((u->allow[u->n_allow] = config_strdup(c, e, v)) != NULL)
			u->n_allow++;
	}
}

/* allow's default: every stream and every content id. */
static void
user_allow_default(struct config_ctx *c, struct user_conf *u,
    const config_setting_t *g)
{
	static const char *const def[] = { "*", CONFIG_ACE_SUBJECT "*" };
	size_t i;

	for (i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		if ((u->allow[u->n_allow] = config_strdup(c, g, def[i])) !=
		    NULL)
			u->n_allow++;
}

static void
user_parse(struct config_ctx *c, struct config *cfg, struct user_conf *u,
    const config_setting_t *g)
{
	const config_setting_t *s;
	const char *key;
	int i;

	u->line = (int)config_setting_source_line(g);
	if (!config_setting_is_group(g)) {
		cerror(c, g, "a user must be a group { name = ...; token = ...; "
		    "}, not %s", config_type_name(config_setting_type(g)));
		return;
	}
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		key = config_setting_name(s);
		if (keytab_find(&config_user_keys, key) == NULL)
			cerror_unknown(c, s);
		else if (strcmp(key, "name") == 0)
			user_name(c, cfg, u, s);
		else if (strcmp(key, "token") == 0)
			(void)user_token(c, u, s);	/* reported */
		else if (strcmp(key, "max_connections") == 0)
			user_max_connections(c, u, s);
		else
			user_allow(c, u, s);
	}
	if (config_setting_get_member(g, "name") == NULL)
		cerror(c, g, "a user needs a name");
	if (config_setting_get_member(g, "token") == NULL)
		cerror(c, g, "user has no token");
	if (config_setting_get_member(g, "allow") == NULL)
		user_allow_default(c, u, g);
}

/* Whether U's token was read (a hash of all zeros: it was not). */
static int
user_has_token(const struct user_conf *u)
{
	size_t i;

	for (i = 0; i < sizeof(u->token_sha256); i++)
		if (u->token_sha256[i] != 0)
			return 1;
	return 0;
}

/* Two users with one token: the token would not say who is watching. */
static void
users_check_tokens(struct config_ctx *c, const struct config *cfg,
    const config_setting_t *list)
{
	int i, j;

	for (i = 1; i < cfg->n_users; i++)
		for (j = 0; j < i && user_has_token(&cfg->users[i]); j++)
			if (digest_equal_ct(cfg->users[i].token_sha256,
			    cfg->users[j].token_sha256,
			    CONFIG_TOKEN_DIGEST_BYTES)) {
				cerror(c, config_setting_get_elem(list,
				    (unsigned)i), "user '%s' has the token of "
				    "user '%s' (line %d): each user needs a "
				    "token of its own", cfg->users[i].name,
				    cfg->users[j].name, cfg->users[j].line);
				break;
			}
}

void
config_users_walk(struct config_ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	static const struct config_group_list gl = {
		"a list ( { ... }, { ... } )", "users", "; use users_file",
		CONFIG_MAX_USERS, sizeof(struct user_conf) };
	int i, n;

	if ((cfg->users = config_check_group_list(c, s, &gl, &n)) == NULL)
		return;
	cfg->n_users = n;
	for (i = 0; i < n; i++)
		user_parse(c, cfg, &cfg->users[i],
		    config_setting_get_elem(s, (unsigned)i));
	users_check_tokens(c, cfg, s);
}

/* Cut " internal" off the listen addresses that have it. */
static void
listen_flags(struct config_ctx *c, struct config *cfg,
    const config_setting_t *root)
{
	size_t n, sl = strlen(CONFIG_LISTEN_INTERNAL);
	int i, j;

	for (i = 0; i < cfg->n_listen; i++) {
		n = strlen(cfg->listen[i]);
		cfg->listen_internal[i] = n > sl &&
		    strcmp(cfg->listen[i] + n - sl, CONFIG_LISTEN_INTERNAL) == 0;
		if (cfg->listen_internal[i])
			cfg->listen[i][n - sl] = '\0';
	}
	for (i = 1; i < cfg->n_listen; i++)
		for (j = 0; j < i; j++)
			if (strcmp(cfg->listen[i], cfg->listen[j]) == 0) {
				cerror(c, config_setting_get_member(root,
				    "listen"), "duplicate listen address '%s'",
				    cfg->listen[i]);
				return;
			}
}

void
config_access_finish(struct config_ctx *c, struct config *cfg,
    const config_setting_t *root)
{
	listen_flags(c, cfg, root);
	if (cfg->url_signing_key != NULL && cfg->url_signing_key[0] != '\0' &&
	    strlen(cfg->url_signing_key) < CONFIG_SIGNING_KEY_MIN)
		cerror(c, config_setting_get_member(root, "url_signing_key"),
		    "url_signing_key must be at least %d bytes",
		    CONFIG_SIGNING_KEY_MIN);
	if (cfg->access == ACCESS_USERS && cfg->n_users == 0 &&
	    (cfg->users_file == NULL || cfg->users_file[0] == '\0') &&
	    (cfg->admin_token == NULL || cfg->admin_token[0] == '\0'))
		cerror(c, config_setting_get_member(root, "access"),
		    "access = \"users\" needs users, users_file or "
		    "admin_token: nobody could watch");
}

static int
user_differs(const struct user_conf *a, const struct user_conf *b)
{
	int i;

	if (strcmp(a->name, b->name) != 0 || memcmp(a->token_sha256,
	    b->token_sha256, sizeof(a->token_sha256)) != 0 ||
	    a->max_connections != b->max_connections ||
	    a->n_allow != b->n_allow)
		return 1;
	for (i = 0; i < a->n_allow; i++)
		if (strcmp(a->allow[i], b->allow[i]) != 0)
			return 1;
	return 0;
}

int
config_access_differ(const struct config *a, const struct config *b)
{
	int i;

	if (a->access != b->access || a->n_users != b->n_users ||
	    config_strings_differ(a->users_file, b->users_file) ||
	    a->users_over_limit != b->users_over_limit ||
	    config_strings_differ(a->url_signing_key, b->url_signing_key) ||
	    a->n_listen != b->n_listen)
		return 1;
	for (i = 0; i < a->n_listen; i++)
		if (a->listen_internal[i] != b->listen_internal[i])
			return 1;
	for (i = 0; i < a->n_users; i++)
		if (user_differs(&a->users[i], &b->users[i]))
			return 1;
	return 0;
}

int
config_user_allows(const struct user_conf *u, const char *subject)
{
	size_t al = strlen(CONFIG_ACE_SUBJECT);
	int ace = strncmp(subject, CONFIG_ACE_SUBJECT, al) == 0, i;

	for (i = 0; i < u->n_allow; i++)
		if ((strncmp(u->allow[i], CONFIG_ACE_SUBJECT, al) == 0) == ace &&
		    fnmatch(u->allow[i], subject, 0) == 0)
			return 1;
	return 0;
}
