/*
 * config_keys.c - the key table of ringcast.conf: every key of every
 * scope with its type, its default and its limits.
 *
 * One row a key, so that a key is described in one place: the walk
 * (config_walk.c) reads the file through these rows (a key that has no
 * row is unknown), the defaults a fresh config and a new stream start
 * from are stored from them (keytab_defaults), a reload compares two
 * streams' options by them (keytab_differ), and tests/docs/check-numbers
 * reads this file to hold the defaults ringcast.conf(5) states to the
 * rows (so keep one row a key, the default written as `.def = NUMBER` or
 * `.def_str = "TEXT"`, or a named constant of config.h that other
 * modules use too).  Keys marked KF_OWN have code of their own in the
 * walk (words, groups, the engines, a stream's name); their defaults are
 * still here.
 *
 * Calls: libc only.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "config_keys.h"

#define SEC		CONFIG_MAX_SECONDS
#define NKEYS(t)	(sizeof(t) / sizeof((t)[0]))
#define CFG(f)		offsetof(struct config, f)
#define OPT(f)		offsetof(struct stream_opts, f)
#define HLS(f)		offsetof(struct hls_conf, f)
#define STR(f)		offsetof(struct stream_conf, f)
#define ACE(f)		offsetof(struct ace_conf, f)
#define HDHR(f)		offsetof(struct hdhr_conf, f)
#define SRC(f)		offsetof(struct source_conf, f)
#define USR(f)		offsetof(struct user_conf, f)

static const struct keyword log_targets[] = {
	{ "syslog", LOG_TARGET_SYSLOG },
	{ "stderr", LOG_TARGET_STDERR },	/* or an absolute file path */
	{ NULL, 0 },
};

static const struct keyword log_levels[] = {
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
	{ NULL, 0 },
};

static const struct keyword stream_types[] = {
	{ "ts", STREAM_TS },
	{ "hls", STREAM_HLS },
	{ NULL, 0 },
};

static const struct keyword removed_modes[] = {
	{ "drain", REMOVED_DRAIN },
	{ "stop", REMOVED_STOP },
	{ NULL, 0 },
};

static const struct keyword access_modes[] = {
	{ "open", ACCESS_OPEN },
	{ "users", ACCESS_USERS },
	{ NULL, 0 },
};

static const struct keyword over_limit_modes[] = {
	{ "refuse", OVER_LIMIT_REFUSE },
	{ "close_oldest", OVER_LIMIT_CLOSE_OLDEST },
	{ NULL, 0 },
};

static const struct keyword variants[] = {	/* or a bandwidth */
	{ "highest", VARIANT_HIGHEST },
	{ "lowest", VARIANT_LOWEST },
	{ NULL, 0 },
};

/* The top level, in struct config (parent..edge_id: EDGE MODE). */
static const struct keydef global_keys[] = {
	{ "listen", K_LIST, CFG(listen), 1, CONFIG_MAX_LISTEN, 0,
	    .def_str = "0.0.0.0:8080", .count_off = CFG(n_listen) },
	{ "listen_tls", K_LIST, CFG(listen_tls), 0, CONFIG_MAX_LISTEN, 0,
	    .def_str = NULL, .count_off = CFG(n_listen_tls) },
	{ "tls_cert", K_STRING, CFG(tls_cert), 0, 0,
	    KF_NOCTRL | KF_ABSPATH | KF_EMPTY_OK, .def_str = "" },
	{ "tls_key", K_STRING, CFG(tls_key), 0, 0,
	    KF_NOCTRL | KF_ABSPATH | KF_EMPTY_OK, .def_str = "" },
	{ "workers", K_INT, CFG(workers), 0, CONFIG_MAX_WORKERS, 0, .def = 2 },
	{ "user", K_STRING, CFG(user), 0, 0, KF_NOCTRL, .def_str = "" },
	{ "pid_file", K_STRING, CFG(pid_file), 0, 0, KF_NOCTRL | KF_ABSPATH,
	    .def_str = "/run/ringcast/ringcastd.pid" },
	{ "control_socket", K_STRING, CFG(control_socket), 0, 0,
	    KF_NOCTRL | KF_ABSPATH | KF_SUNPATH,
	    .def_str = "/run/ringcast/control.sock" },
	{ "log", K_GROUP, 0, 0, 0, KF_OWN,
	    .def_str = NULL },
	{ "admin_token", K_STRING, CFG(admin_token), 0, 0, KF_NOCTRL,
	    .def_str = "" },
	{ "max_clients", K_INT, CFG(max_clients), 1, INT_MAX, 0, .def = 4096 },
	{ "max_clients_per_ip", K_INT, CFG(max_clients_per_ip), 0, INT_MAX, 0,
	    .def = 0 },
	{ "max_memory", K_LLONG, CFG(max_memory), 0, 1099511627776.0, 0,
	    .def = 0 },
	{ "events_webhook", K_STRING, CFG(events_webhook), 0, 0,
	    KF_URL | KF_EMPTY_OK, .def_str = "" },
	{ "events_token", K_STRING, CFG(events_token), 0, 0, KF_NOCTRL,
	    .def_str = "" },
	{ "events_heartbeat", K_DOUBLE, CFG(events_heartbeat), 0,
	    CONFIG_MAX_EVENTS_HEARTBEAT, KF_GT_MIN, .def = 15.0 },
	{ "events_backlog", K_INT, CFG(events_backlog),
	    CONFIG_MIN_EVENTS_BACKLOG, CONFIG_MAX_EVENTS_BACKLOG, 0,
	    .def = 4096 },
	{ "ui", K_BOOL, CFG(ui), 0, 0, 0, .def = 1 },
	{ "history_interval", K_DOUBLE, CFG(history_interval),
	    CONFIG_MIN_HISTORY_INTERVAL, CONFIG_MAX_HISTORY_INTERVAL, 0,
	    .def = CONFIG_DEFAULT_HISTORY_INTERVAL },
	{ "cors_origins", K_LIST, CFG(cors_origins), 0,
	    CONFIG_MAX_CORS_ORIGINS, 0, .def_str = "*",
	    .count_off = CFG(n_cors_origins) },
	{ "defaults", K_GROUP, 0, 0, 0, KF_OWN,
	    .def_str = NULL },
	{ "streams", K_GROUP, 0, 0, CONFIG_MAX_STREAMS, KF_OWN,
	    .def_str = NULL },
	{ "acestream", K_GROUP, 0, 0, 0, KF_OWN,
	    .def_str = NULL },
	{ "parent", K_LIST, CFG(parents), 0, CONFIG_MAX_PARENTS, 0,
	    .def_str = NULL, .count_off = CFG(n_parents) },
	{ "parent_streams", K_LIST, CFG(parent_streams), 0,
	    CONFIG_MAX_PARENT_STREAMS, 0, .def_str = NULL,
	    .count_off = CFG(n_parent_streams) },
	{ "edge_id", K_STRING, CFG(edge_id), 0, CONFIG_EDGE_ID_MAX,
	    KF_NOCTRL, .def_str = "" },
	/* HDHomeRun tuner: the group, and the base URL of its documents */
	{ "hdhomerun", K_GROUP, 0, 0, 0, KF_OWN,
	    .def_str = NULL },
	{ "public_url", K_STRING, CFG(public_url), 0, CONFIG_PUBLIC_URL_MAX,
	    KF_URL | KF_EMPTY_OK, .def_str = "" },
	/* channel lists (config_sources.c) */
	{ "sources", K_GROUP, 0, 0, CONFIG_MAX_SOURCES, KF_OWN,
	    .def_str = NULL },
	{ "channels", K_GROUP, 0, 0, CONFIG_MAX_CHANNEL_OVERRIDES, KF_OWN,
	    .def_str = NULL },
	{ "removed_channels", K_WORD, CFG(removed_channels), 0, 0, KF_OWN,
	    .def_str = "drain", .words = removed_modes },
	{ "state_dir", K_STRING, CFG(state_dir), 0, 0, KF_NOCTRL | KF_ABSPATH,
	    .def_str = "/var/lib/ringcast" },
	/* the guide's window (sources_epg.c) */
	{ "epg_past", K_INT, CFG(epg_past), 0, CONFIG_MAX_EPG_WINDOW, 0,
	    .def = 172800 },
	{ "epg_future", K_INT, CFG(epg_future), 0, CONFIG_MAX_EPG_WINDOW, 0,
	    .def = 604800 },
	/* who may watch (config_access.c) */
	{ "access", K_WORD, CFG(access), 0, 0, KF_OWN, .def_str = "open",
	    .words = access_modes },
	{ "users", K_GROUP, 0, 0, CONFIG_MAX_USERS, KF_OWN,
	    .def_str = NULL },
	{ "users_file", K_STRING, CFG(users_file), 0, 0,
	    KF_NOCTRL | KF_ABSPATH | KF_EMPTY_OK, .def_str = "" },
	{ "users_over_limit", K_WORD, CFG(users_over_limit), 0, 0, KF_OWN,
	    .def_str = "refuse", .words = over_limit_modes },
	{ "url_signing_key", K_STRING, CFG(url_signing_key), 0, 0,
	    KF_NOCTRL | KF_EMPTY_OK, .def_str = "" },
};

/* The `log` group, in struct config. */
static const struct keydef log_keys[] = {
	{ "target", K_WORD, CFG(log_target), 0, 0, KF_OWN,
	    .def_str = "syslog", .words = log_targets },
	{ "level", K_WORD, CFG(log_level), 0, 0, KF_OWN, .def_str = "info",
	    .words = log_levels },
};

/* Everything `defaults` holds and a stream may override. */
static const struct keydef opts_keys[] = {
	{ "user_agent", K_STRING, OPT(user_agent), 0, 0, KF_NOCTRL,
	    .def_str = CONFIG_DEFAULT_USER_AGENT },
	{ "on_demand", K_BOOL, OPT(on_demand), 0, 0, 0, .def = 1 },
	{ "idle_timeout", K_DOUBLE, OPT(idle_timeout), 0, SEC, KF_GT_MIN,
	    .def = 10.0 },
	{ "connect_timeout", K_DOUBLE, OPT(connect_timeout), 0, SEC,
	    KF_GT_MIN, .def = 10.0 },
	{ "data_timeout", K_DOUBLE, OPT(data_timeout), 0, SEC, KF_GT_MIN,
	    .def = 10.0 },
	{ "retry_min", K_DOUBLE, OPT(retry_min), 0, SEC, KF_GT_MIN,
	    .def = 1.0 },
	{ "retry_max", K_DOUBLE, OPT(retry_max), 0, SEC, KF_GT_MIN,
	    .def = 8.0 },
	{ "ring_size", K_LLONG, OPT(ring_size), CONFIG_MIN_RING_SIZE_BYTES,
	    CONFIG_MAX_RING_SIZE_BYTES, 0, .def = 16777216 },
	{ "max_clients", K_INT, OPT(max_clients), 1, INT_MAX, 0,
	    .def = 1024 },
	{ "tls_verify", K_BOOL, OPT(tls_verify), 0, 0, 0, .def = 1 },
	{ "ca_file", K_STRING, OPT(ca_file), 0, 0, KF_NOCTRL, .def_str = "" },
	{ "max_segment_bytes", K_LLONG, OPT(max_segment_bytes), 65536,
	    CONFIG_MAX_RING_SIZE_BYTES, 0, .def = 67108864 },
	{ "hls", K_GROUP, OPT(hls), 0, 0, KF_OWN,
	    .def_str = NULL },
};

/* The `hls` group, in struct hls_conf. */
static const struct keydef hls_keys[] = {
	{ "max_segments", K_INT, HLS(max_segments), CONFIG_MIN_SEGMENTS,
	    CONFIG_MAX_SEGMENTS, 0, .def = 20 },
	{ "initial_segments", K_INT, HLS(initial_segments), 1,
	    CONFIG_MAX_SEGMENTS, 0, .def = 3 },
	{ "window_size", K_INT, HLS(window_size), 1, CONFIG_MAX_SEGMENTS, 0,
	    .def = 6 },
	{ "initial_buffer_seconds", K_DOUBLE, HLS(initial_buffer_seconds), 0,
	    SEC, 0, .def = 10.0 },
	{ "max_initial_segments", K_INT, HLS(max_initial_segments), 1,
	    CONFIG_MAX_SEGMENTS, 0, .def = 10 },
	{ "buffer_ready_timeout", K_DOUBLE, HLS(buffer_ready_timeout), 0, SEC,
	    KF_GT_MIN, .def = 30.0 },
	{ "first_segment_timeout", K_DOUBLE, HLS(first_segment_timeout), 0,
	    SEC, KF_GT_MIN, .def = 30.0 },
	{ "fetch_interval", K_DOUBLE, HLS(fetch_interval), 0, SEC, KF_GT_MIN,
	    .def = 0.5 },
	{ "client_timeout_factor", K_DOUBLE, HLS(client_timeout_factor), 0,
	    SEC, KF_GT_MIN, .def = 3.0 },
};

/* The keys only a stream holds, in struct stream_conf (name is an array
 * the walk fills itself: no offset). */
static const struct keydef stream_keys[] = {
	{ "name", K_STRING, 0, 1, CONFIG_NAME_MAX, KF_OWN | KF_REQUIRED,
	    .def_str = NULL },
	{ "url", K_STRING, STR(url), 0, CONFIG_URL_MAX - 1,
	    KF_FILE_URL | KF_REQUIRED,
	    .def_str = NULL },
	{ "type", K_WORD, STR(type), 0, 0, KF_OWN | KF_DERIVED,
	    .words = stream_types },	/* from the url: .m3u8 is hls */
	{ "backup_urls", K_LIST, STR(backup_urls), 0, CONFIG_MAX_BACKUP_URLS,
	    0, .def_str = NULL, .count_off = STR(n_backup_urls) },
	{ "loop", K_BOOL, STR(loop), 0, 0, 0, .def = 0 },
	{ "variant", K_WORD, STR(variant), 0, 0, KF_OWN,
	    .def_str = "highest", .words = variants },
	{ "segment_duration", K_DOUBLE, STR(segment_duration), 0, SEC,
	    KF_GT_MIN, .def = CONFIG_DEFAULT_SEGMENT_DURATION },
	{ "title", K_STRING, STR(title), 0, 0, KF_NOCTRL | KF_DERIVED,
	    .def_str = NULL },
	{ "group", K_STRING, STR(group), 0, 0, KF_NOCTRL, .def_str = "" },
	{ "number", K_STRING, STR(number), 0, CONFIG_NUMBER_MAX,
	    KF_NOCTRL | KF_DERIVED, .def_str = NULL },	/* its position */
};

/* The `acestream` group's own keys, in struct ace_conf. */
static const struct keydef ace_keys[] = {
	{ "engines", K_LIST, ACE(engines), 0, CONFIG_MAX_ENGINES,
	    KF_OWN, .def_str = NULL, .count_off = ACE(n_engines) },
	{ "max_streams_per_engine", K_INT, ACE(max_streams_per_engine), 1,
	    1000, 0, .def = 4 },
	{ "max_streams", K_INT, ACE(max_streams), 1, CONFIG_MAX_STREAMS, 0,
	    .def = 16 },
	{ "error_cache", K_DOUBLE, ACE(error_cache), 0, SEC, 0, .def = 30.0 },
	{ "allow_url_input", K_BOOL, ACE(allow_url_input), 0, 0, 0, .def = 1 },
	{ "start_timeout", K_DOUBLE, ACE(start_timeout), 0, SEC, KF_GT_MIN,
	    .def = 30.0 },
	{ "prebuffer_timeout", K_DOUBLE, ACE(prebuffer_timeout), 0, SEC,
	    KF_GT_MIN, .def = 60.0 },
	{ "rebase_urls", K_BOOL, ACE(rebase_urls), 0, 0, 0, .def = 1 },
	{ "segment_duration", K_DOUBLE, ACE(segment_duration), 0, SEC,
	    KF_GT_MIN, .def = CONFIG_DEFAULT_SEGMENT_DURATION },
	{ "engine_command", K_STRING, ACE(engine_command), 0, 0, KF_NOCTRL,
	    .def_str = "" },	/* "": no managed engines */
	{ "engine_ports", K_STRING, ACE(engine_ports), 0, 0, KF_NOCTRL,
	    .def_str = "6880-6999" },
	{ "engine_dir", K_STRING, ACE(engine_dir), 0, CONFIG_ENGINE_DIR_MAX,
	    KF_NOCTRL | KF_ABSPATH, .def_str = "/var/lib/ringcast/engines" },
	{ "min_engines", K_INT, ACE(min_engines), 0,
	    CONFIG_MAX_MANAGED_ENGINES, 0, .def = 0 },
	{ "max_engines", K_INT, ACE(max_engines), 1,
	    CONFIG_MAX_MANAGED_ENGINES, 0, .def = 4 },
	{ "engine_idle_timeout", K_DOUBLE, ACE(engine_idle_timeout), 0, SEC,
	    0, .def = 120.0 },
	{ "engine_start_timeout", K_DOUBLE, ACE(engine_start_timeout), 0, SEC,
	    KF_GT_MIN, .def = 60.0 },
	{ "max_waiting", K_INT, ACE(max_waiting), 0, 100000, 0, .def = 100 },
};

/* The `hdhomerun` group, in struct hdhr_conf. */
static const struct keydef hdhr_keys[] = {
	{ "enabled", K_BOOL, HDHR(enabled), 0, 0, 0, .def = 0 },
	{ "tuner_count", K_INT, HDHR(tuner_count), CONFIG_HDHR_TUNERS_MIN,
	    CONFIG_HDHR_TUNERS_MAX, 0, .def = 4 },
	{ "friendly_name", K_STRING, HDHR(friendly_name), 0,
	    CONFIG_HDHR_NAME_MAX, KF_NOCTRL, .def_str = "ringcast" },
	{ "device_id", K_STRING, HDHR(device_id), 0, 0, KF_NOCTRL,
	    .def_str = "" },	/* "": made from friendly_name and listen */
};

/* A source of `sources`, in struct source_conf (all walked by
 * config_sources.c). */
static const struct keydef source_keys[] = {
	{ "name", K_STRING, 0, 1, CONFIG_NAME_MAX, KF_OWN | KF_REQUIRED,
	    .def_str = NULL },
	{ "m3u", K_STRING, SRC(m3u), 0, 0, KF_OWN | KF_REQUIRED,
	    .def_str = NULL },
	{ "refresh", K_DOUBLE, SRC(refresh), CONFIG_MIN_SOURCE_REFRESH, SEC,
	    KF_OWN, .def = 3600.0 },
	{ "include_groups", K_LIST, SRC(include_groups), 0,
	    CONFIG_MAX_SOURCE_GLOBS, KF_OWN, .def_str = NULL,
	    .count_off = SRC(n_include_groups) },
	{ "exclude_groups", K_LIST, SRC(exclude_groups), 0,
	    CONFIG_MAX_SOURCE_GLOBS, KF_OWN, .def_str = NULL,
	    .count_off = SRC(n_exclude_groups) },
	{ "include_names", K_LIST, SRC(include_names), 0,
	    CONFIG_MAX_SOURCE_GLOBS, KF_OWN, .def_str = NULL,
	    .count_off = SRC(n_include_names) },
	{ "exclude_names", K_LIST, SRC(exclude_names), 0,
	    CONFIG_MAX_SOURCE_GLOBS, KF_OWN, .def_str = NULL,
	    .count_off = SRC(n_exclude_names) },
	{ "epg", K_LIST, SRC(epg), 0, CONFIG_MAX_SOURCE_EPG, KF_OWN,
	    .def_str = NULL, .count_off = SRC(n_epg) },
	{ "max_streams", K_INT, SRC(max_streams), 0, INT_MAX, KF_OWN,
	    .def = 0 },	/* 0: no limit */
	{ "defaults", K_GROUP, SRC(opts), 0, 0, KF_OWN,
	    .def_str = NULL },	/* walked by config_walk.c */
};

/* A user of `users`, in struct user_conf (walked by config_access.c;
 * allow's default is "*" and "ace:*", set there). */
static const struct keydef user_keys[] = {
	{ "name", K_STRING, 0, 1, CONFIG_NAME_MAX, KF_OWN | KF_REQUIRED,
	    .def_str = NULL },
	{ "token", K_STRING, 0, 0, 0, KF_OWN | KF_REQUIRED,
	    .def_str = NULL },
	{ "max_connections", K_INT, USR(max_connections), 0, INT_MAX, 0,
	    .def = 0 },	/* 0: no limit */
	{ "allow", K_LIST, USR(allow), 0, CONFIG_MAX_USER_GLOBS,
	    KF_OWN | KF_DERIVED, .def_str = NULL,
	    .count_off = USR(n_allow) },
};

const struct keytab config_global_keys = { global_keys, NKEYS(global_keys) };
const struct keytab config_log_keys = { log_keys, NKEYS(log_keys) };
const struct keytab config_opts_keys = { opts_keys, NKEYS(opts_keys) };
const struct keytab config_hls_keys = { hls_keys, NKEYS(hls_keys) };
const struct keytab config_stream_keys = { stream_keys, NKEYS(stream_keys) };
const struct keytab config_ace_keys = { ace_keys, NKEYS(ace_keys) };
const struct keytab config_hdhr_keys = { hdhr_keys, NKEYS(hdhr_keys) };
const struct keytab config_source_keys = { source_keys, NKEYS(source_keys) };
const struct keytab config_user_keys = { user_keys, NKEYS(user_keys) };

const struct keydef *
keytab_find(const struct keytab *tab, const char *name)
{
	size_t i;

	for (i = 0; i < tab->n; i++)
		if (strcmp(tab->keys[i].name, name) == 0)
			return &tab->keys[i];
	return NULL;
}

int
keydef_word(const struct keydef *k, const char *word, int *value)
{
	const struct keyword *w;

	for (w = k->words; w != NULL && w->word != NULL; w++)
		if (strcmp(w->word, word) == 0) {
			*value = w->value;
			return 0;
		}
	return -1;
}

/* Store K's default at FIELD; -1 when out of memory. */
static int
keydef_default(const struct keydef *k, char *field, void *base)
{
	char *copy;

	switch (k->kind) {
	case K_STRING:
	case K_LIST:
		if (k->def_str == NULL)
			return 0;
		if ((copy = strdup(k->def_str)) == NULL)
			return -1;
		*(char **)(void *)field = copy;
		if (k->kind == K_LIST)
			*(int *)(void *)((char *)base + k->count_off) = 1;
		return 0;
	case K_BOOL:
	case K_INT:
		*(int *)(void *)field = (int)k->def;
		return 0;
	case K_LLONG:
		*(long long *)(void *)field = (long long)k->def;
		return 0;
	case K_DOUBLE:
		*(double *)(void *)field = k->def;
		return 0;
	case K_WORD:
		return k->def_str == NULL ? 0 :
		    keydef_word(k, k->def_str, (int *)(void *)field);
	case K_GROUP:
		return 0;
	}
	return 0;
}

int
keytab_defaults(const struct keytab *tab, void *base)
{
	const struct keydef *k;
	size_t i;

	for (i = 0; i < tab->n; i++) {
		k = &tab->keys[i];
		if ((k->flags & (KF_REQUIRED | KF_DERIVED)) == 0 &&
		    keydef_default(k, (char *)base + k->off, base) == -1)
			return -1;
	}
	return 0;
}

int
config_strings_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

int
keytab_differ(const struct keytab *tab, const void *a, const void *b)
{
	const struct keydef *k;
	const char *fa, *fb;
	size_t i;

	for (i = 0; i < tab->n; i++) {
		k = &tab->keys[i];
		if (k->flags & KF_OWN)
			continue;
		fa = (const char *)a + k->off;
		fb = (const char *)b + k->off;
		switch (k->kind) {
		case K_STRING:
			if (config_strings_differ(
			    *(char *const *)(const void *)fa,
			    *(char *const *)(const void *)fb))
				return 1;
			break;
		case K_BOOL:
		case K_INT:
		case K_WORD:
			if (*(const int *)(const void *)fa !=
			    *(const int *)(const void *)fb)
				return 1;
			break;
		case K_LLONG:
			if (*(const long long *)(const void *)fa !=
			    *(const long long *)(const void *)fb)
				return 1;
			break;
		case K_DOUBLE:
			if (*(const double *)(const void *)fa !=
			    *(const double *)(const void *)fb)
				return 1;
			break;
		case K_LIST:
		case K_GROUP:
			break;
		}
	}
	return 0;
}
