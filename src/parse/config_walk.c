/*
 * config_walk.c - read the libconfig tree of ringcast.conf through the
 * key table, into a struct config.
 *
 * libconfig does the lexing and gives us a tree of settings, each with
 * its file and line.  The walk goes over it once, scope by scope (the top
 * level, `log`, `defaults` and its `hls`, each stream, `acestream`), and
 * looks every setting up in the scope's table (config_keys.c): a setting
 * with no row is an unknown key; a plain row (a string, boolean or
 * number) is checked against its type and limits and stored at its
 * offset (lists through list_walks); a KF_OWN row (words, groups, the
 * engines, a stream's name) has a function here.  A value that is wrong
 * is reported (config_err.c) and NOT stored, and the walk carries on.
 *
 * A stream starts as a deep copy of `defaults` (its `hls` group too) and
 * then applies its own keys one by one; `acestream` does the same.
 * `defaults` is walked first, wherever it is in the file.
 *
 * Calls: config_keys (the table), config_check (the values and the rules
 * between keys), config_err (recording), config_api (names, URLs),
 * libconfig and libc.
 */
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_access.h"
#include "config_check.h"
#include "config_err.h"
#include "config_keys.h"
#include "config_channels.h"
#include "config_sources.h"
#include "config_tls.h"
#include "config_walk.h"

#define LIST_REPLACE_MAX	32	/* the longest all-or-nothing list */

#if CONFIG_MAX_LISTEN > LIST_REPLACE_MAX || \
    CONFIG_MAX_CORS_ORIGINS > LIST_REPLACE_MAX
#error "LIST_REPLACE_MAX is too small"
#endif

static int
is_int(const config_setting_t *s)
{
	return s != NULL && (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64);
}

static int
apply_string(struct config_ctx *c, const struct keydef *k,
    const config_setting_t *s, char **field)
{
	const char *v;
	char *copy;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return -1;
	}
	v = config_setting_get_string(s);
	if (config_check_string(c, k, s, v) == -1)
		return -1;
	if ((copy = config_strdup(c, s, v)) == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

static int
apply_integer(struct config_ctx *c, const struct keydef *k,
    const config_setting_t *s, void *field)
{
	long long v;

	if (!is_int(s)) {
		cerror_type(c, s, "an integer");
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < (long long)k->min || v > (long long)k->max) {
		cerror(c, s, "%s must be between %lld and %lld, not %lld",
		    k->name, (long long)k->min, (long long)k->max, v);
		return -1;
	}
	if (k->kind == K_INT)
		*(int *)field = (int)v;
	else
		*(long long *)field = v;
	return 0;
}

static int
apply_double(struct config_ctx *c, const struct keydef *k,
    const config_setting_t *s, double *field)
{
	double v;

	if (is_int(s))
		v = (double)config_setting_get_int64(s);
	else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else {
		cerror_type(c, s, "a number");
		return -1;
	}
	if (!isfinite(v)) {
		cerror(c, s, "%s must be a finite number", k->name);
		return -1;
	}
	if ((k->flags & KF_GT_MIN) && v <= k->min) {
		cerror(c, s, "%s must be greater than %g, not %g", k->name,
		    k->min, v);
		return -1;
	}
	if (v < k->min) {
		cerror(c, s, "%s must be at least %g, not %g", k->name,
		    k->min, v);
		return -1;
	}
	if (v > k->max) {
		cerror(c, s, "%s must be at most %g, not %g", k->name,
		    k->max, v);
		return -1;
	}
	*field = v;
	return 0;
}

/*
 * Copy the list or array of strings S into DST (at most MAX), each checked
 * by CHECK.  WHAT names the elements in messages.  Returns how many were
 * copied (*NBAD: how many problems were reported), or -1 when S is not a
 * list at all.
 */
static int
string_list(struct config_ctx *c, const config_setting_t *s, const char *what,
    char **dst, int max,
    int (*check)(struct config_ctx *, const config_setting_t *, const char *),
    int *nbad)
{
	const config_setting_t *e;
	int i, n, kept = 0;

	*nbad = 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cerror_type(c, s, "a list of strings [ \"...\", ... ]");
		return -1;
	}
	n = config_setting_length(s);
	if (n > max) {
		cerror(c, s, "too many %s: %d (at most %d)", what, n, max);
		(*nbad)++;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cerror(c, e, "%s must hold only strings, not %s",
			    config_setting_name(s),
			    config_type_name(config_setting_type(e)));
			(*nbad)++;
			continue;
		}
		if (check && check(c, e, config_setting_get_string(e)) == -1) {
			(*nbad)++;
			continue;
		}
		if (kept < max &&
		    (dst[kept] = config_strdup(c, e,
		    config_setting_get_string(e))) != NULL)
			kept++;
	}
	return kept;
}

/*
 * How the walk reads each list of the table that has no code of its own
 * (K_LIST rows without KF_OWN): what its elements are called, how each is
 * checked, the message for an empty list when the row's min is 1, and
 * whether one wrong element leaves the default in place (else the valid
 * ones are kept; the config is rejected anyway).
 */
static const struct list_walk {
	const char	*key;
	const char	*what;
	int		(*check)(struct config_ctx *, const config_setting_t *,
			    const char *);
	const char	*empty;
	int		 all_or_nothing;
} list_walks[] = {
	{ "listen", "listen addresses", config_check_listen,
	    "listen must hold at least one address", 1 },
	{ "listen_tls", "listen_tls addresses", config_check_listen, NULL, 1 },
	{ "cors_origins", "cors origins", config_check_origin, NULL, 1 },
	{ "backup_urls", "backup urls", config_check_backup, NULL, 0 },
	{ "parent", "parents", config_check_parent, NULL, 0 },
	{ "parent_streams", "parent_streams patterns", config_check_glob,
	    NULL, 0 },
};

/* Replace the list DST (*COUNT strings) with the strings of S, all
 * valid, or leave it. */
static int
list_replace(struct config_ctx *c, const struct list_walk *lw,
    const config_setting_t *s, char **dst, int *count, int max)
{
	char *tmp[LIST_REPLACE_MAX];
	int i, n, nbad;

	if (max > LIST_REPLACE_MAX)
		return -1;
	memset(tmp, 0, sizeof(tmp));
	n = string_list(c, s, lw->what, tmp, max, lw->check, &nbad);
	if (n < 0 || nbad > 0) {
		for (i = 0; i < n; i++)
			free(tmp[i]);
		return -1;
	}
	for (i = 0; i < *count; i++)
		free(dst[i]);
	memcpy(dst, tmp, (size_t)max * sizeof(*dst));
	*count = n;
	return 0;
}

/* List S of the K_LIST row K, into BASE. */
static int
apply_list(struct config_ctx *c, const struct keydef *k,
    const config_setting_t *s, void *base)
{
	char **dst = (char **)(void *)((char *)base + k->off);
	int *count = (int *)(void *)((char *)base + k->count_off);
	const struct list_walk *lw = NULL;
	size_t i;
	int n, nbad;

	for (i = 0; i < sizeof(list_walks) / sizeof(list_walks[0]); i++)
		if (strcmp(list_walks[i].key, k->name) == 0)
			lw = &list_walks[i];
	if (lw == NULL)
		return -1;
	if (k->min > 0 && config_setting_length(s) == 0 &&
	    (config_setting_is_array(s) || config_setting_is_list(s))) {
		cerror(c, s, "%s", lw->empty);
		return -1;
	}
	if (lw->all_or_nothing)
		return list_replace(c, lw, s, dst, count, (int)k->max);
	n = string_list(c, s, lw->what, dst, (int)k->max, lw->check, &nbad);
	*count = n > 0 ? n : 0;
	return n < 0 || nbad > 0 ? -1 : 0;
}

/* Check setting S against K; store it at BASE + offset when valid. */
static int
key_apply(struct config_ctx *c, const struct keydef *k,
    const config_setting_t *s, void *base)
{
	char *field = (char *)base + k->off;

	switch (k->kind) {
	case K_STRING:
		return apply_string(c, k, s, (char **)(void *)field);
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			cerror_type(c, s, "a boolean (true or false)");
			return -1;
		}
		*(int *)(void *)field = config_setting_get_bool(s) ? 1 : 0;
		return 0;
	case K_INT:
	case K_LLONG:
		return apply_integer(c, k, s, field);
	case K_DOUBLE:
		return apply_double(c, k, s, (double *)(void *)field);
	case K_LIST:
		return apply_list(c, k, s, base);
	case K_WORD:	/* KF_OWN: walked by their own functions */
	case K_GROUP:
		break;
	}
	return -1;
}

static int
require_group(struct config_ctx *c, const config_setting_t *s)
{
	if (!config_setting_is_group(s)) {
		cerror_type(c, s, "a group { ... }");
		return -1;
	}
	return 0;
}

static void
log_target(struct config_ctx *c, struct config *cfg, const struct keydef *k,
    const config_setting_t *s)
{
	const char *v;
	char *copy = NULL;
	int target = LOG_TARGET_FILE;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (config_has_ctrl(v, 0)) {
		cerror(c, s, "target must not contain control characters");
		return;
	}
	if (keydef_word(k, v, &target) == -1) {
		if (v[0] != '/') {
			cerror(c, s, "log target must be syslog, stderr or an "
			    "absolute file path, not '%s'", v);
			return;
		}
		if ((copy = config_strdup(c, s, v)) == NULL)
			return;
	}
	free(cfg->log_file);
	cfg->log_file = copy;
	cfg->log_target = target;
}

static void
log_level(struct config_ctx *c, struct config *cfg, const struct keydef *k,
    const config_setting_t *s)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (keydef_word(k, v, &cfg->log_level) == 0)
		return;
	cerror(c, s, "log level must be error, warning, notice, info or debug"
	    "%s%s%s", config_has_ctrl(v, 0) ? "" : ", not '",
	    config_has_ctrl(v, 0) ? "" : v, config_has_ctrl(v, 0) ? "" : "'");
}

/*
 * Walk group G through TAB: an unknown key is reported, a plain row
 * stored into BASE, a KF_OWN row handed to OWN.
 */
static void
walk_group(struct config_ctx *c, const config_setting_t *g,
    const struct keytab *tab, void *base,
    void (*own)(struct config_ctx *, const struct keydef *,
    const config_setting_t *, void *))
{
	const config_setting_t *s;
	const struct keydef *k;
	int i;

	if (require_group(c, g) == -1)
		return;
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if ((k = keytab_find(tab, config_setting_name(s))) == NULL)
			cerror_unknown(c, s);
		else if (k->flags & KF_OWN)
			own(c, k, s, base);
		else
			key_apply(c, k, s, base);
	}
}

/* `log`: target and level, both KF_OWN. */
static void
log_key(struct config_ctx *c, const struct keydef *k,
    const config_setting_t *s, void *cfg)
{
	if (strcmp(k->name, "target") == 0)
		log_target(c, cfg, k, s);
	else
		log_level(c, cfg, k, s);
}

static void
parse_log(struct config_ctx *c, struct config *cfg, const config_setting_t *g)
{
	walk_group(c, g, &config_log_keys, cfg, log_key);
}

static void
parse_hls(struct config_ctx *c, struct hls_conf *h, const config_setting_t *g)
{
	walk_group(c, g, &config_hls_keys, h, NULL);	/* no KF_OWN row */
}

/* Apply S when it is an option key; 0 when it is not one. */
static int
opts_key(struct config_ctx *c, struct stream_opts *o,
    const config_setting_t *s)
{
	const struct keydef *k;

	if ((k = keytab_find(&config_opts_keys, config_setting_name(s))) ==
	    NULL)
		return 0;
	if (k->kind == K_GROUP)		/* hls */
		parse_hls(c, &o->hls, s);
	else
		key_apply(c, k, s, o);
	return 1;
}

/* A group of options G (`defaults`, a source's `defaults`) into O. */
static void
parse_opts_group(struct config_ctx *c, struct stream_opts *o,
    const config_setting_t *g)
{
	const config_setting_t *s;
	int i;

	if (require_group(c, g) == -1)
		return;
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (opts_key(c, o, s))
			continue;
		if (keytab_find(&config_stream_keys, config_setting_name(s)))
			cerror(c, s, "%s can only be set in a stream, not in "
			    "defaults", config_setting_name(s));
		else
			cerror_unknown(c, s);
	}
	config_check_opts(c, o, g);
}

static void
parse_defaults(struct config_ctx *c, struct config *cfg,
    const config_setting_t *g)
{
	parse_opts_group(c, &cfg->defaults, g);
}

/*
 * Each source's options: `defaults` and its own `defaults` group on top
 * (config_sources.c walked the rest; these are stream options, so
 * their walk is here).
 */
static void
parse_source_defaults(struct config_ctx *c, struct config *cfg,
    const config_setting_t *root)
{
	const config_setting_t *list, *g, *d;
	struct source_conf *sc;
	int i;

	if ((list = config_setting_get_member(root, "sources")) == NULL)
		return;
	for (i = 0; i < cfg->n_sources; i++) {
		sc = &cfg->sources[i];
		g = config_setting_get_elem(list, (unsigned)i);
		sc->opts = cfg->defaults;
		sc->opts.user_agent = config_strdup(c, g,
		    cfg->defaults.user_agent);
		sc->opts.ca_file = config_strdup(c, g, cfg->defaults.ca_file);
		if (g == NULL || !config_setting_is_group(g) ||
		    (d = config_setting_get_member(g, "defaults")) == NULL)
			continue;
		parse_opts_group(c, &sc->opts, d);
		if (config_setting_is_group(d) &&
		    config_setting_get_member(d, "on_demand") != NULL)
			cerror(c, config_setting_get_member(d, "on_demand"),
			    "on_demand cannot be set in a source: channels "
			    "always start on request");
	}
}

static void
stream_name(struct config_ctx *c, struct config *cfg, struct stream_conf *st,
    const config_setting_t *s)
{
	const char *v;
	int i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (!config_name_valid(v)) {
		if (config_has_ctrl(v, 0))
			cerror(c, s, "invalid stream name: control characters "
			    "are not allowed");
		else
			cerror(c, s, "invalid stream name '%s': use 1 to %d of "
			    "A-Z a-z 0-9 _ -", v, CONFIG_NAME_MAX);
		return;
	}
	for (i = 0; &cfg->streams[i] != st; i++)
		if (strcmp(cfg->streams[i].name, v) == 0) {
			cerror(c, s, "duplicate stream name '%s' (first "
			    "defined at line %d)", v, cfg->streams[i].line);
			return;
		}
	memcpy(st->name, v, strlen(v) + 1);
}

static int
stream_type_parse(struct config_ctx *c, struct stream_conf *st,
    const struct keydef *k, const config_setting_t *s)
{
	const char *v;
	int type;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return -1;
	}
	v = config_setting_get_string(s);
	if (keydef_word(k, v, &type) == -1) {
		cerror(c, s, "type must be ts or hls%s%s%s",
		    config_has_ctrl(v, 0) ? "" : ", not '",
		    config_has_ctrl(v, 0) ? "" : v,
		    config_has_ctrl(v, 0) ? "" : "'");
		return -1;
	}
	st->type = (enum stream_type)type;
	return 0;
}

static int
variant_digits(const char *v, long *out)
{
	long long n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9' || n > (LLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	*out = (long)n;
	return 0;
}

static void
stream_variant(struct config_ctx *c, struct stream_conf *st,
    const struct keydef *k, const config_setting_t *s)
{
	const char *v = NULL;
	long bw = 0;
	int variant;

	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		v = config_setting_get_string(s);
	if (is_int(s))
		bw = (long)config_setting_get_int64(s);
	else if (v == NULL) {
		cerror_type(c, s, "\"highest\", \"lowest\" or a bandwidth");
		return;
	} else if (keydef_word(k, v, &variant) == 0) {
		st->variant = (enum variant_choice)variant;
		return;
	} else if (variant_digits(v, &bw) == -1) {
		cerror(c, s, "variant must be highest, lowest or a bandwidth "
		    "in bits per second%s%s%s",
		    config_has_ctrl(v, 0) ? "" : ", not '",
		    config_has_ctrl(v, 0) ? "" : v,
		    config_has_ctrl(v, 0) ? "" : "'");
		return;
	}
	if (bw <= 0) {
		cerror(c, s, "variant bandwidth must be greater than 0, not %ld",
		    bw);
		return;
	}
	st->variant = VARIANT_BANDWIDTH;
	st->variant_bandwidth = bw;
}

/* Apply stream-only key S; 0 when S is not one. */
static int
stream_key(struct config_ctx *c, struct config *cfg, struct stream_conf *st,
    const config_setting_t *s, int *type_set)
{
	const struct keydef *k;
	const char *name = config_setting_name(s);

	if ((k = keytab_find(&config_stream_keys, name)) == NULL)
		return 0;
	if (!(k->flags & KF_OWN))
		key_apply(c, k, s, st);
	else if (strcmp(name, "name") == 0)
		stream_name(c, cfg, st, s);
	else if (strcmp(name, "type") == 0)
		*type_set = 1 + (stream_type_parse(c, st, k, s) == -1);
	else
		stream_variant(c, st, k, s);
	return 1;
}

/* "....m3u8" or "....m3u8?query": the type when `type` is not given. */
static enum stream_type
stream_type_guess(const char *url)
{
	size_t n = strcspn(url, "?#");

	return n >= 5 && strncmp(url + n - 5, ".m3u8", 5) == 0 ?
	    STREAM_HLS : STREAM_TS;
}

/* After every key of stream G: required keys, derived defaults,
 * cross-checks. */
static void
stream_finish(struct config_ctx *c, struct stream_conf *st,
    const config_setting_t *g, int type_set)
{
	if (config_setting_get_member(g, "name") == NULL)
		cerror(c, g, "stream has no name");
	if (config_setting_get_member(g, "url") == NULL)
		cerror(c, g, "stream%s%s%s has no url", st->name[0] ? " '" : "",
		    st->name, st->name[0] ? "'" : "");
	if (!type_set && st->url != NULL)
		st->type = stream_type_guess(st->url);
	config_check_loop(c, st, g);
	config_check_number(c, st, g);
	if (st->title == NULL)
		st->title = config_strdup(c, g, st->name);
	config_check_opts(c, &st->opts, g);
}

static void
parse_stream(struct config_ctx *c, struct config *cfg, struct stream_conf *st,
    const config_setting_t *g)
{
	const config_setting_t *s;
	int i, type_set = 0;

	st->line = (int)config_setting_source_line(g);
	st->type = STREAM_TS;	/* until `type` or the url says */
	if (keytab_defaults(&config_stream_keys, st) == -1)
		cerror(c, g, "out of memory");
	st->opts = cfg->defaults;
	st->opts.user_agent = config_strdup(c, g, cfg->defaults.user_agent);
	st->opts.ca_file = config_strdup(c, g, cfg->defaults.ca_file);
	if (!config_setting_is_group(g)) {
		cerror(c, g, "a stream must be a group { name = ...; url = ...; "
		    "}, not %s", config_type_name(config_setting_type(g)));
		return;
	}
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (!stream_key(c, cfg, st, s, &type_set) &&
		    !opts_key(c, &st->opts, s))
			cerror_unknown(c, s);
	}
	stream_finish(c, st, g, type_set);
}

/* No number: its position in streams, from 1. */
static void
stream_number_default(struct config_ctx *c, struct stream_conf *st, int i,
    const config_setting_t *g)
{
	char num[16];

	if (st->number != NULL)
		return;
	snprintf(num, sizeof(num), "%d", i + 1);
	st->number = config_strdup(c, g, num);
}

static void
parse_streams(struct config_ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	int i, n;

	if (!config_setting_is_list(s)) {
		cerror_type(c, s, "a list ( { ... }, { ... } )");
		return;
	}
	n = config_setting_length(s);
	if (n > CONFIG_MAX_STREAMS)
		cerror(c, s, "too many streams: %d (at most %d)", n,
		    CONFIG_MAX_STREAMS);
	if (n == 0)
		return;
	if ((cfg->streams = calloc((size_t)n, sizeof(*cfg->streams))) == NULL) {
		cerror(c, s, "out of memory");
		return;
	}
	cfg->n_streams = n;
	for (i = 0; i < n; i++) {
		parse_stream(c, cfg, &cfg->streams[i],
		    config_setting_get_elem(s, (unsigned)i));
		stream_number_default(c, &cfg->streams[i], i,
		    config_setting_get_elem(s, (unsigned)i));
	}
}

static void
ace_engines(struct config_ctx *c, struct ace_conf *a, const config_setting_t *s)
{
	int i, n, nbad;
	size_t len;

	for (i = 0; i < a->n_engines; i++)
		free(a->engines[i]);
	a->n_engines = 0;
	n = string_list(c, s, "engines", a->engines, CONFIG_MAX_ENGINES,
	    config_check_engine, &nbad);
	if (n == 0 && nbad == 0)
		cerror(c, s, "engines must hold at least one engine url");
	if (n < 0)
		return;
	a->n_engines = n;
	for (i = 0; i < n; i++) {	/* "http://h:6878/" -> "http://h:6878" */
		len = strlen(a->engines[i]);
		while (len > 0 && a->engines[i][len - 1] == '/')
			a->engines[i][--len] = '\0';
	}
}

static void
parse_acestream(struct config_ctx *c, struct config *cfg,
    const config_setting_t *g)
{
	struct ace_conf *a = &cfg->ace;
	const config_setting_t *s;
	const struct keydef *k;
	const char *name;
	int i;

	if (require_group(c, g) == -1)
		return;
	a->enabled = 1;
	a->line = (int)config_setting_source_line(g);
	free(a->opts.user_agent);
	free(a->opts.ca_file);
	a->opts = cfg->defaults;
	a->opts.user_agent = config_strdup(c, g, cfg->defaults.user_agent);
	a->opts.ca_file = config_strdup(c, g, cfg->defaults.ca_file);
	a->opts.on_demand = 1;
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		name = config_setting_name(s);
		if (strcmp(name, "engines") == 0)
			ace_engines(c, a, s);
		else if (strcmp(name, "on_demand") == 0)
			cerror(c, s, "on_demand cannot be set in acestream: "
			    "content-id streams always start on request");
		else if ((k = keytab_find(&config_ace_keys, name)))
			key_apply(c, k, s, a);
		else if (!opts_key(c, &a->opts, s))
			cerror_unknown(c, s);
	}
	if (config_setting_get_member(g, "engines") == NULL &&
	    (a->engine_command == NULL || a->engine_command[0] == '\0'))
		cerror(c, g, "acestream has no engines");
	config_check_managed(c, a, g);
	config_check_opts(c, &a->opts, g);
}

static void
parse_hdhomerun(struct config_ctx *c, struct config *cfg,
    const config_setting_t *g)
{
	walk_group(c, g, &config_hdhr_keys, &cfg->hdhr, NULL);	/* no KF_OWN */
	config_check_hdhr(c, &cfg->hdhr, g);
}

/* The top-level keys the walk has code of its own for (KF_OWN). */
static const struct {
	const char	*name;
	void		(*walk)(struct config_ctx *, struct config *,
			    const config_setting_t *);
} root_own[] = {
	{ "log", parse_log },
	{ "defaults", NULL },		/* walked first */
	{ "streams", parse_streams },
	{ "acestream", parse_acestream },
	{ "hdhomerun", parse_hdhomerun },
	{ "sources", config_sources_walk },
	{ "channels", config_channels_walk },
	{ "removed_channels", config_removed_walk },
	{ "access", config_access_walk },
	{ "users_over_limit", config_over_limit_walk },
	{ "users", config_users_walk },
};

/* Top-level setting S of the KF_OWN row K. */
static void
root_key(struct config_ctx *c, const struct keydef *k,
    const config_setting_t *s, void *cfg)
{
	size_t i;

	for (i = 0; i < sizeof(root_own) / sizeof(root_own[0]); i++)
		if (strcmp(root_own[i].name, k->name) == 0 &&
		    root_own[i].walk != NULL)
			root_own[i].walk(c, cfg, s);
}

void
config_walk(struct config_ctx *c, struct config *cfg,
    const config_setting_t *root)
{
	const config_setting_t *s;

	/* Streams copy `defaults`, wherever it is in the file. */
	if ((s = config_setting_get_member(root, "defaults")) != NULL)
		parse_defaults(c, cfg, s);
	walk_group(c, root, &config_global_keys, cfg, root_key);
	parse_source_defaults(c, cfg, root);
	config_access_finish(c, cfg, root);
	config_check_root(c, cfg, root);
	if (c->n_errs == 0)	/* the files only for an otherwise good one */
		config_check_tls(c, cfg, root);
}
