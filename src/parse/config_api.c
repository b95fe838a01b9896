/*
 * config_api.c - what the other modules ask of a loaded configuration:
 * find a stream, compare two definitions on a reload, make and free the
 * streams created at run time (dynamic streams), edge-mode names and
 * URLs, and freeing it all.
 *
 * A loaded struct config is read-only; everything here only reads it,
 * but config_stream_make, whose stream is the caller's.  Which options
 * of a stream need a restart when they change is the key table's
 * business (keytab_differ over its scalars), so a new key cannot be
 * forgotten there.
 *
 * Calls: config_keys (the table), libc.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"
#include "config_tls.h"

const char *
config_url_file_path(const char *url)
{
	if (url == NULL || strncmp(url, "file://", 7) != 0)
		return NULL;
	return url + 7;
}

/* NAME is valid (so it fits): copy it with its NUL. */
static void
str_copy_name(char *dst, const char *name)
{
	size_t n = strlen(name);

	memcpy(dst, name, n + 1);
}

static void
stream_conf_free(struct stream_conf *st)
{
	int i;

	free(st->url);
	for (i = 0; i < st->n_backup_urls; i++)
		free(st->backup_urls[i]);
	free(st->title);
	free(st->group);
	free(st->number);
	free(st->request_header);
	free(st->opts.user_agent);
	free(st->opts.ca_file);
}

/* CFG's `channels` overrides (config_channels.c walks them). */
static void
config_channels_free(struct config *cfg)
{
	struct channel_override *o;
	int i;

	for (i = 0; i < cfg->n_channels; i++) {
		o = &cfg->channels[i];
		free(o->match);
		free(o->name);
		free(o->number);
		free(o->group);
		free(o->logo);
	}
	free(cfg->channels);
	cfg->channels = NULL;
	cfg->n_channels = 0;
}

/* CFG's sources (config_sources.c walks them). */
static void
config_sources_free(struct config *cfg)
{
	struct source_conf *sc;
	int i, j;

	for (i = 0; i < cfg->n_sources; i++) {
		sc = &cfg->sources[i];
		free(sc->m3u);
		for (j = 0; j < sc->n_include_groups; j++)
			free(sc->include_groups[j]);
		for (j = 0; j < sc->n_exclude_groups; j++)
			free(sc->exclude_groups[j]);
		for (j = 0; j < sc->n_include_names; j++)
			free(sc->include_names[j]);
		for (j = 0; j < sc->n_exclude_names; j++)
			free(sc->exclude_names[j]);
		for (j = 0; j < sc->n_epg; j++)
			free(sc->epg[j]);
		free(sc->opts.user_agent);
		free(sc->opts.ca_file);
	}
	free(cfg->sources);
	cfg->sources = NULL;
	cfg->n_sources = 0;
	config_channels_free(cfg);
}

void
config_users_free(struct user_conf *u, int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < u[i].n_allow; j++)
			free(u[i].allow[j]);
	free(u);
}

void
config_free(struct config *cfg)
{
	int i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	for (i = 0; i < cfg->n_listen; i++)
		free(cfg->listen[i]);
	for (i = 0; i < cfg->n_listen_tls; i++)
		free(cfg->listen_tls[i]);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	config_tls_free(cfg);
	free(cfg->user);
	free(cfg->pid_file);
	free(cfg->control_socket);
	free(cfg->log_file);
	free(cfg->admin_token);
	free(cfg->events_webhook);
	free(cfg->events_token);
	for (i = 0; i < cfg->n_cors_origins; i++)
		free(cfg->cors_origins[i]);
	for (i = 0; i < cfg->n_parents; i++)
		free(cfg->parents[i]);
	for (i = 0; i < cfg->n_parent_streams; i++)
		free(cfg->parent_streams[i]);
	free(cfg->edge_id);
	config_users_free(cfg->users, cfg->n_users);
	free(cfg->users_file);
	free(cfg->url_signing_key);
	free(cfg->defaults.user_agent);
	free(cfg->defaults.ca_file);
	for (i = 0; i < cfg->ace.n_engines; i++)
		free(cfg->ace.engines[i]);
	free(cfg->ace.opts.user_agent);
	free(cfg->ace.opts.ca_file);
	free(cfg->ace.engine_command);
	free(cfg->ace.engine_ports);
	free(cfg->ace.engine_dir);
	free(cfg->hdhr.friendly_name);
	free(cfg->hdhr.device_id);
	free(cfg->public_url);
	for (i = 0; i < cfg->n_streams; i++)
		stream_conf_free(&cfg->streams[i]);
	free(cfg->streams);
	config_sources_free(cfg);
	free(cfg->state_dir);
	free(cfg);
}

const struct stream_conf *
config_find_stream(const struct config *cfg, const char *name)
{
	int i;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cfg->n_streams; i++)
		if (strcmp(cfg->streams[i].name, name) == 0)
			return &cfg->streams[i];
	return NULL;
}

int
config_parent_allows(const struct config *cfg, const char *name)
{
	int i;

	if (cfg == NULL || cfg->n_parents == 0 || !config_name_valid(name))
		return 0;
	for (i = 0; i < cfg->n_parent_streams; i++)
		if (fnmatch(cfg->parent_streams[i], name, 0) == 0)
			return 1;
	return 0;
}

int
config_parent_base(const char *url, const char *name, char *out,
    size_t outsz)
{
	size_t n, tail, plen = strlen(CONFIG_PARENT_PATH);
	const char *p;

	if (url == NULL || name == NULL || !config_name_valid(name))
		return -1;
	n = strlen(url);
	/* a content id's key ends with its 40 hex digits, and so does the
	 * URL asking the parent for it */
	if ((p = strstr(url, CONFIG_PARENT_ACE_PATH)) != NULL && p > url &&
	    strlen(name) >= CONFIG_ACE_ID_LEN && n > CONFIG_ACE_ID_LEN &&
	    strcmp(url + n - CONFIG_ACE_ID_LEN,
	    name + strlen(name) - CONFIG_ACE_ID_LEN) == 0) {
		if ((size_t)(p - url) + 1 > outsz)
			return -1;
		memcpy(out, url, (size_t)(p - url));
		out[p - url] = '\0';
		return 0;
	}
	tail = plen + strlen(name);
	if (n <= tail || strncmp(url + n - tail, CONFIG_PARENT_PATH, plen) != 0 ||
	    strcmp(url + n - tail + plen, name) != 0 || n - tail + 1 > outsz)
		return -1;
	memcpy(out, url, n - tail);
	out[n - tail] = '\0';
	return 0;
}

int
config_stream_changed(const struct stream_conf *a, const struct stream_conf *b)
{
	int i;

	if (a == NULL || b == NULL)
		return a != b;
	if (strcmp(a->name, b->name) != 0 || a->type != b->type ||
	    config_strings_differ(a->url, b->url) ||
	    a->n_backup_urls != b->n_backup_urls || a->loop != b->loop ||
	    a->variant != b->variant ||
	    (a->variant == VARIANT_BANDWIDTH &&
	    a->variant_bandwidth != b->variant_bandwidth) ||
	    a->segment_duration != b->segment_duration)
		return 1;
	for (i = 0; i < a->n_backup_urls; i++)
		if (config_strings_differ(a->backup_urls[i], b->backup_urls[i]))
			return 1;
	return keytab_differ(&config_opts_keys, &a->opts, &b->opts) ||
	    keytab_differ(&config_hls_keys, &a->opts.hls, &b->opts.hls);
}

struct stream_conf *
config_stream_make(enum stream_origin origin, const char *name,
    const char *url, const struct stream_opts *opts, double segment_duration)
{
	struct stream_conf *sc;

	if (!config_name_valid(name) || (sc = calloc(1, sizeof(*sc))) == NULL)
		return NULL;
	str_copy_name(sc->name, name);
	str_copy_name(sc->key, name);
	sc->origin = origin;
	sc->type = STREAM_TS;
	sc->opts = *opts;
	sc->opts.on_demand = 1;
	sc->opts.user_agent = strdup(opts->user_agent ? opts->user_agent :
	    CONFIG_DEFAULT_USER_AGENT);
	sc->opts.ca_file = strdup(opts->ca_file ? opts->ca_file : "");
	sc->url = strdup(url);
	sc->title = strdup(name);
	if (keytab_defaults(&config_stream_keys, sc) == -1 ||
	    sc->url == NULL || sc->title == NULL || sc->group == NULL ||
	    sc->opts.user_agent == NULL || sc->opts.ca_file == NULL) {
		config_stream_destroy(sc);
		return NULL;
	}
	if (segment_duration > 0)
		sc->segment_duration = segment_duration;
	return sc;
}

void
config_stream_destroy(struct stream_conf *sc)
{
	if (sc == NULL)
		return;
	stream_conf_free(sc);
	free(sc);
}

int
config_ace_engine_known(const struct config *cfg, const char *url)
{
	int i;

	if (cfg == NULL || !cfg->ace.enabled)
		return 0;
	for (i = 0; i < cfg->ace.n_engines; i++)
		if (strcmp(cfg->ace.engines[i], url) == 0)
			return 1;
	return 0;
}

int
config_name_valid(const char *name)
{
	size_t n;

	if (name == NULL)
		return 0;
	n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-");
	return n >= 1 && n <= CONFIG_NAME_MAX && name[n] == '\0';
}

const char *
config_stream_type_name(enum stream_type type)
{
	switch (type) {
	case STREAM_TS:
		return "ts";
	case STREAM_HLS:
		return "hls";
	}
	return "unknown";
}
