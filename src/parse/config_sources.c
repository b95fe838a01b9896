/*
 * config_sources.c - the `sources` list: each a provider's extended-M3U
 * channel list (name, m3u, refresh and four lists of globs that choose
 * the entries; see lineup.h for how they match) and its guides (epg).
 *
 * Its own walk because a source is a group in a list, as a stream is,
 * but holds none of a stream's keys; the rows (and so the defaults) are
 * still in the key table (config_keys.c, config_source_keys).  The globs
 * match providers' group titles and names, which hold spaces and any
 * letter, so they are only checked for length and control characters.
 *
 * Calls: libconfig, the config_* modules below it.
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_channels.h"
#include "config_check.h"
#include "config_keys.h"
#include "config_sources.h"

/* The four glob lists of SC, by key. */
static char **
source_globs(struct source_conf *sc, const char *key, int **count)
{
	if (strcmp(key, "include_groups") == 0) {
		*count = &sc->n_include_groups;
		return sc->include_groups;
	}
	if (strcmp(key, "exclude_groups") == 0) {
		*count = &sc->n_exclude_groups;
		return sc->exclude_groups;
	}
	if (strcmp(key, "include_names") == 0) {
		*count = &sc->n_include_names;
		return sc->include_names;
	}
	if (strcmp(key, "exclude_names") == 0) {
		*count = &sc->n_exclude_names;
		return sc->exclude_names;
	}
	return NULL;
}

static void
source_glob_list(struct config_ctx *c, struct source_conf *sc,
    const config_setting_t *s)
{
	const config_setting_t *e;
	const char *v;
	char **dst;
	int *count, i, n;

	if ((dst = source_globs(sc, config_setting_name(s), &count)) == NULL)
		return;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cerror_type(c, s, "a list of strings [ \"...\", ... ]");
		return;
	}
	n = config_setting_length(s);
	if (n > CONFIG_MAX_SOURCE_GLOBS) {
		cerror(c, s, "too many %s patterns: %d (at most %d)",
		    config_setting_name(s), n, CONFIG_MAX_SOURCE_GLOBS);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cerror(c, e, "%s must hold only strings",
			    config_setting_name(s));
			continue;
		}
		v = config_setting_get_string(e);
		if (v[0] == '\0' || strlen(v) > CONFIG_GLOB_MAX ||
		    config_has_ctrl(v, 0)) {
			cerror(c, e, "%s pattern must be 1 to %d bytes without "
			    "control characters", config_setting_name(s),
			    CONFIG_GLOB_MAX);
			continue;
		}
		if ((dst[*count] = config_strdup(c, e, v)) != NULL)
			(*count)++;
	}
}

static void
source_name(struct config_ctx *c, struct config *cfg, struct source_conf *sc,
    const config_setting_t *s)
{
	const struct config_names prev = { cfg->sources,
	    (int)(sc - cfg->sources), sizeof(*sc),
	    offsetof(struct source_conf, name),
	    offsetof(struct source_conf, line) };

	config_check_list_name(c, s, "source", &prev, sc->name,
	    sizeof(sc->name));
}

/* The location V of setting S (WHAT names it): an http(s) URL, a
 * file:// URL or an absolute path.  0, or -1 (reported). */
static int
source_location(struct config_ctx *c, const config_setting_t *s,
    const char *what, const char *v)
{
	if (v[0] != '/')
		return config_check_url(c, s, what, v, 1);
	if (config_has_ctrl(v, 0)) {
		cerror(c, s, "%s path contains a control character", what);
		return -1;
	}
	return 0;
}

/* m3u: an http(s) URL, a file:// URL or an absolute path. */
static void
source_m3u(struct config_ctx *c, struct source_conf *sc,
    const config_setting_t *s)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (source_location(c, s, "m3u", v) == -1)
		return;
	free(sc->m3u);
	sc->m3u = config_strdup(c, s, v);
}

/* epg: a list of XMLTV guides, each located as m3u is. */
static void
source_epg(struct config_ctx *c, struct source_conf *sc,
    const config_setting_t *s)
{
	const config_setting_t *e;
	const char *v;
	int i, n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cerror_type(c, s, "a list of strings [ \"...\", ... ]");
		return;
	}
	n = config_setting_length(s);
	if (n > CONFIG_MAX_SOURCE_EPG) {
		cerror(c, s, "too many epg guides: %d (at most %d)", n,
		    CONFIG_MAX_SOURCE_EPG);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cerror(c, e, "epg must hold only strings");
			continue;
		}
		v = config_setting_get_string(e);
		if (source_location(c, e, "epg", v) == -1)
			continue;
		if ((sc->epg[sc->n_epg] = config_strdup(c, e, v)) != NULL)
			sc->n_epg++;
	}
}

static void
source_refresh(struct config_ctx *c, struct source_conf *sc,
    const config_setting_t *s)
{
	double v;

	if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64)
		v = (double)config_setting_get_int64(s);
	else {
		cerror_type(c, s, "a number of seconds");
		return;
	}
	if (v < CONFIG_MIN_SOURCE_REFRESH || v > CONFIG_MAX_SECONDS) {
		cerror(c, s, "refresh must be %g to %g seconds, not %g",
		    CONFIG_MIN_SOURCE_REFRESH, CONFIG_MAX_SECONDS, v);
		return;
	}
	sc->refresh = v;
}

static void
source_max_streams(struct config_ctx *c, struct source_conf *sc,
    const config_setting_t *s)
{
	config_check_count(c, s, "streams", &sc->max_streams);
}

static void
source_parse(struct config_ctx *c, struct config *cfg, struct source_conf *sc,
    const config_setting_t *g)
{
	const config_setting_t *s;
	const char *key;
	int i;

	sc->line = (int)config_setting_source_line(g);
	if (keytab_defaults(&config_source_keys, sc) == -1)
		cerror(c, g, "out of memory");
	if (!config_setting_is_group(g)) {
		cerror(c, g, "a source must be a group { name = ...; m3u = ...; "
		    "}, not %s", config_type_name(config_setting_type(g)));
		return;
	}
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		key = config_setting_name(s);
		if (keytab_find(&config_source_keys, key) == NULL)
			cerror_unknown(c, s);
		else if (strcmp(key, "name") == 0)
			source_name(c, cfg, sc, s);
		else if (strcmp(key, "m3u") == 0)
			source_m3u(c, sc, s);
		else if (strcmp(key, "refresh") == 0)
			source_refresh(c, sc, s);
		else if (strcmp(key, "epg") == 0)
			source_epg(c, sc, s);
		else if (strcmp(key, "max_streams") == 0)
			source_max_streams(c, sc, s);
		else if (strcmp(key, "defaults") != 0)	/* config_walk.c */
			source_glob_list(c, sc, s);
	}
	if (config_setting_get_member(g, "name") == NULL)
		cerror(c, g, "a source needs a name");
	if (config_setting_get_member(g, "m3u") == NULL)
		cerror(c, g, "source has no m3u (the URL or path of its list)");
}

void
config_sources_walk(struct config_ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	static const struct config_group_list gl = {
		"a list ( { ... }, { ... } )", "sources", NULL,
		CONFIG_MAX_SOURCES, sizeof(struct source_conf) };
	int i, n;

	if ((cfg->sources = config_check_group_list(c, s, &gl, &n)) == NULL)
		return;
	cfg->n_sources = n;
	for (i = 0; i < n; i++)
		source_parse(c, cfg, &cfg->sources[i],
		    config_setting_get_elem(s, (unsigned)i));
}

static int
source_globs_differ(char *const *a, int na, char *const *b, int nb)
{
	int i;

	if (na != nb)
		return 1;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 1;
	return 0;
}

/* 1 when the streams' numbers differ: channel numbers are given around
 * them (lineup_numbers.h). */
static int
source_numbers_differ(const struct config *a, const struct config *b)
{
	int i;

	if (a->n_streams != b->n_streams)
		return 1;
	for (i = 0; i < a->n_streams; i++)
		if (config_strings_differ(a->streams[i].number,
		    b->streams[i].number))
			return 1;
	return 0;
}

int
config_sources_differ(const struct config *a, const struct config *b)
{
	const struct source_conf *x, *y;
	int i;

	if (a->n_sources != b->n_sources || a->epg_past != b->epg_past ||
	    a->epg_future != b->epg_future || config_channels_differ(a, b) ||
	    (a->n_sources > 0 && source_numbers_differ(a, b)))
		return 1;
	for (i = 0; i < a->n_sources; i++) {
		x = &a->sources[i];
		y = &b->sources[i];
		if (strcmp(x->name, y->name) != 0 ||
		    config_strings_differ(x->m3u, y->m3u) ||
		    x->refresh != y->refresh ||
		    source_globs_differ(x->include_groups, x->n_include_groups,
		    y->include_groups, y->n_include_groups) ||
		    source_globs_differ(x->exclude_groups, x->n_exclude_groups,
		    y->exclude_groups, y->n_exclude_groups) ||
		    source_globs_differ(x->include_names, x->n_include_names,
		    y->include_names, y->n_include_names) ||
		    source_globs_differ(x->exclude_names, x->n_exclude_names,
		    y->exclude_names, y->n_exclude_names) ||
		    source_globs_differ(x->epg, x->n_epg, y->epg, y->n_epg) ||
		    keytab_differ(&config_opts_keys, &x->opts, &y->opts) ||
		    keytab_differ(&config_hls_keys, &x->opts.hls, &y->opts.hls))
			return 1;
	}
	return 0;
}
