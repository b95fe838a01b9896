/*
 * config.c - parse and validate ringcast.conf (libconfig syntax).
 *
 * libconfig does the lexing and gives us a tree of settings, each with its
 * file and line.  This module walks that tree once, into a fresh struct
 * config that starts from the built-in defaults, and checks every key as it
 * goes.  The walk never stops at the first problem: each one is recorded
 * as "FILE:LINE: message" and the walk carries on, so `ringcastd -t` shows
 * an operator every mistake at once (only a libconfig syntax error, which
 * leaves no tree, is reported alone).  A config with any error is freed
 * and never handed out, so a bad file can never replace a running one.
 *
 * Design choices:
 * - Scalar keys are described by tables (name, kind, offset, bounds), so a
 *   key is defined in one place and `defaults` and the streams share one
 *   table for everything a stream can override.
 * - A value that is out of range is reported and NOT stored, so a bad
 *   value never cascades into a second, confusing cross-key error.
 * - A stream starts as a deep copy of `defaults` (its `hls` group too) and
 *   then applies its own keys one by one.  A cross-key rule (retry_max >=
 *   retry_min, window_size <= max_segments, ...) is checked in a scope only
 *   when that scope sets one of the keys involved, so a mistake in
 *   `defaults` is reported once, not once per stream.
 * - Pure: libconfig and libc, no logging, no other ringcast module.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fnmatch.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "hostport.h"

#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define LISTEN_HOST_MAX	255
#define ERRS_MAX	1000	/* stop recording after this many */

/* One recorded problem. */
struct cerr {
	const char	*file;		/* owned by libconfig or the caller */
	int		 line;
	char		*msg;
};

/* State of one parse. */
struct ctx {
	const char	*filename;	/* for settings libconfig has no file for */
	const char	*incdir;	/* where @include files are, or NULL */
	struct cerr	*errs;
	int		 n_errs;
	int		 cap_errs;
	int		 dropped;	/* errors past ERRS_MAX or lost to ENOMEM */
};

enum key_kind {
	K_STRING,
	K_BOOL,
	K_INT,		/* int field */
	K_LLONG,	/* long long field */
	K_DOUBLE,	/* double field, integers accepted */
};

#define KF_NOCTRL	0x01	/* string: no control characters */
#define KF_ABSPATH	0x02	/* string: an absolute path */
#define KF_SUNPATH	0x04	/* string: fits in sockaddr_un.sun_path */
#define KF_GT_MIN	0x08	/* number: must be > min, not >= min */

struct keydef {
	const char	*name;
	enum key_kind	 kind;
	size_t		 off;	/* into the struct the table describes */
	double		 min;
	double		 max;
	int		 flags;
};

#define SEC	CONFIG_MAX_SECONDS

/* Top level scalars, in struct config. */
static const struct keydef global_keys[] = {
	{ "workers", K_INT, offsetof(struct config, workers),
	    0, CONFIG_MAX_WORKERS, 0 },
	{ "user", K_STRING, offsetof(struct config, user), 0, 0, KF_NOCTRL },
	{ "pid_file", K_STRING, offsetof(struct config, pid_file), 0, 0,
	    KF_NOCTRL | KF_ABSPATH },
	{ "control_socket", K_STRING, offsetof(struct config, control_socket),
	    0, 0, KF_NOCTRL | KF_ABSPATH | KF_SUNPATH },
	{ "admin_token", K_STRING, offsetof(struct config, admin_token), 0, 0,
	    KF_NOCTRL },
	{ "max_clients", K_INT, offsetof(struct config, max_clients),
	    1, INT_MAX, 0 },
	{ "max_clients_per_ip", K_INT,
	    offsetof(struct config, max_clients_per_ip), 0, INT_MAX, 0 },
	{ "max_memory", K_LLONG, offsetof(struct config, max_memory),
	    0, 1099511627776.0, 0 },
	{ "events_token", K_STRING, offsetof(struct config, events_token),
	    0, 0, KF_NOCTRL },
	{ "events_heartbeat", K_DOUBLE,
	    offsetof(struct config, events_heartbeat), 0,
	    CONFIG_MAX_EVENTS_HEARTBEAT, KF_GT_MIN },
	{ "events_backlog", K_INT, offsetof(struct config, events_backlog),
	    CONFIG_MIN_EVENTS_BACKLOG, CONFIG_MAX_EVENTS_BACKLOG, 0 },
	{ "ui", K_BOOL, offsetof(struct config, ui), 0, 0, 0 },
};

/* Everything `defaults` holds and a stream may override (but `hls`). */
static const struct keydef opts_keys[] = {
	{ "user_agent", K_STRING, offsetof(struct stream_opts, user_agent),
	    0, 0, KF_NOCTRL },
	{ "on_demand", K_BOOL, offsetof(struct stream_opts, on_demand),
	    0, 0, 0 },
	{ "idle_timeout", K_DOUBLE, offsetof(struct stream_opts, idle_timeout),
	    0, SEC, KF_GT_MIN },
	{ "connect_timeout", K_DOUBLE,
	    offsetof(struct stream_opts, connect_timeout), 0, SEC, KF_GT_MIN },
	{ "data_timeout", K_DOUBLE, offsetof(struct stream_opts, data_timeout),
	    0, SEC, KF_GT_MIN },
	{ "retry_min", K_DOUBLE, offsetof(struct stream_opts, retry_min),
	    0, SEC, KF_GT_MIN },
	{ "retry_max", K_DOUBLE, offsetof(struct stream_opts, retry_max),
	    0, SEC, KF_GT_MIN },
	{ "ring_size", K_LLONG, offsetof(struct stream_opts, ring_size),
	    CONFIG_MIN_RING_SIZE_BYTES, CONFIG_MAX_RING_SIZE_BYTES, 0 },
	{ "max_clients", K_INT, offsetof(struct stream_opts, max_clients),
	    1, INT_MAX, 0 },
	{ "tls_verify", K_BOOL, offsetof(struct stream_opts, tls_verify),
	    0, 0, 0 },
	{ "ca_file", K_STRING, offsetof(struct stream_opts, ca_file), 0, 0,
	    KF_NOCTRL },
	{ "max_segment_bytes", K_LLONG,
	    offsetof(struct stream_opts, max_segment_bytes), 65536,
	    CONFIG_MAX_RING_SIZE_BYTES, 0 },
};

/* The `hls` group, in struct hls_conf. */
static const struct keydef hls_keys[] = {
	{ "max_segments", K_INT, offsetof(struct hls_conf, max_segments),
	    CONFIG_MIN_SEGMENTS, CONFIG_MAX_SEGMENTS, 0 },
	{ "initial_segments", K_INT,
	    offsetof(struct hls_conf, initial_segments),
	    1, CONFIG_MAX_SEGMENTS, 0 },
	{ "window_size", K_INT, offsetof(struct hls_conf, window_size),
	    1, CONFIG_MAX_SEGMENTS, 0 },
	{ "initial_buffer_seconds", K_DOUBLE,
	    offsetof(struct hls_conf, initial_buffer_seconds), 0, SEC, 0 },
	{ "max_initial_segments", K_INT,
	    offsetof(struct hls_conf, max_initial_segments),
	    1, CONFIG_MAX_SEGMENTS, 0 },
	{ "buffer_ready_timeout", K_DOUBLE,
	    offsetof(struct hls_conf, buffer_ready_timeout), 0, SEC,
	    KF_GT_MIN },
	{ "first_segment_timeout", K_DOUBLE,
	    offsetof(struct hls_conf, first_segment_timeout), 0, SEC,
	    KF_GT_MIN },
	{ "fetch_interval", K_DOUBLE, offsetof(struct hls_conf, fetch_interval),
	    0, SEC, KF_GT_MIN },
	{ "client_timeout_factor", K_DOUBLE,
	    offsetof(struct hls_conf, client_timeout_factor), 0, SEC,
	    KF_GT_MIN },
};

/* Stream-only scalars, in struct stream_conf. */
static const struct keydef stream_keys[] = {
	{ "loop", K_BOOL, offsetof(struct stream_conf, loop), 0, 0, 0 },
	{ "segment_duration", K_DOUBLE,
	    offsetof(struct stream_conf, segment_duration), 0, SEC,
	    KF_GT_MIN },
	{ "title", K_STRING, offsetof(struct stream_conf, title), 0, 0,
	    KF_NOCTRL },
	{ "group", K_STRING, offsetof(struct stream_conf, group), 0, 0,
	    KF_NOCTRL },
};

/* Scalars of the `acestream` group, in struct ace_conf. */
static const struct keydef ace_keys[] = {
	{ "max_streams_per_engine", K_INT,
	    offsetof(struct ace_conf, max_streams_per_engine), 1, 1000, 0 },
	{ "max_streams", K_INT, offsetof(struct ace_conf, max_streams),
	    1, CONFIG_MAX_STREAMS, 0 },
	{ "start_timeout", K_DOUBLE, offsetof(struct ace_conf, start_timeout),
	    0, SEC, KF_GT_MIN },
	{ "segment_duration", K_DOUBLE,
	    offsetof(struct ace_conf, segment_duration), 0, SEC, KF_GT_MIN },
};

#define NKEYS(t)	(sizeof(t) / sizeof((t)[0]))

static const struct {
	const char	*name;
	int		 level;
} log_levels[] = {
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

/* ---- error recording ------------------------------------------------ */

static void cerror_at(struct ctx *, const char *, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));
static void cerror(struct ctx *, const config_setting_t *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
cerror_va(struct ctx *c, const char *file, int line, const char *fmt,
    va_list ap)
{
	struct cerr *e;
	va_list ap2;
	char *msg;
	int n;

	if (c->n_errs >= ERRS_MAX) {
		c->dropped++;
		return;
	}
	if (c->n_errs == c->cap_errs) {
		int ncap = c->cap_errs ? c->cap_errs * 2 : 16;

		e = realloc(c->errs, (size_t)ncap * sizeof(*e));
		if (e == NULL) {
			c->dropped++;
			return;
		}
		c->errs = e;
		c->cap_errs = ncap;
	}
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || (msg = malloc((size_t)n + 1)) == NULL) {
		c->dropped++;
		return;
	}
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	e = &c->errs[c->n_errs++];
	e->file = file ? file : c->filename;
	e->line = line;
	e->msg = msg;
}

static void
cerror_at(struct ctx *c, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cerror_va(c, file, line, fmt, ap);
	va_end(ap);
}

/* Record a problem at setting S (its file and line). */
static void
cerror(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cerror_va(c, s ? config_setting_source_file(s) : NULL,
	    s ? (int)config_setting_source_line(s) : 0, fmt, ap);
	va_end(ap);
}

static void
ctx_free(struct ctx *c)
{
	int i;

	for (i = 0; i < c->n_errs; i++)
		free(c->errs[i].msg);
	free(c->errs);
	c->errs = NULL;
	c->n_errs = c->cap_errs = 0;
}

/*
 * Errors come out in walk order (`defaults` first).  When they are all in
 * one file, show them by line, as a compiler would (stable: same-line
 * errors keep their order).
 */
static void
ctx_sort(struct ctx *c)
{
	struct cerr tmp;
	int i, j;

	for (i = 1; i < c->n_errs; i++)
		if (strcmp(c->errs[i].file, c->errs[0].file) != 0)
			return;
	for (i = 1; i < c->n_errs; i++) {
		tmp = c->errs[i];
		for (j = i; j > 0 && c->errs[j - 1].line > tmp.line; j--)
			c->errs[j] = c->errs[j - 1];
		c->errs[j] = tmp;
	}
}

/* Format error I (or the "more errors" line at I == n_errs) into LINE. */
static int
ctx_line(const struct ctx *c, int i, char *line, size_t linesz)
{
	const struct cerr *e;
	const char *dir = "", *sep = "";

	if (i == c->n_errs)
		return c->dropped == 0 ? -1 : snprintf(line, linesz,
		    "%s: %d more errors not shown\n", c->filename, c->dropped);
	e = &c->errs[i];
	/* libconfig names an included file as written: add its dir. */
	if (c->incdir != NULL && e->file != c->filename && e->file[0] != '/') {
		dir = c->incdir;
		sep = strcmp(dir, "/") == 0 ? "" : "/";
	}
	if (e->line > 0)
		return snprintf(line, linesz, "%s%s%s:%d: %s\n", dir, sep,
		    e->file, e->line, e->msg);
	return snprintf(line, linesz, "%s%s%s: %s\n", dir, sep, e->file,
	    e->msg);
}

/* Whole lines only; a first line too long for ERRS is cut. */
static void
ctx_format(const struct ctx *c, char *errs, size_t errsz)
{
	size_t used = 0;
	char line[1024];
	int i, n;

	if (errs == NULL || errsz == 0)
		return;
	errs[0] = '\0';
	for (i = 0; i <= c->n_errs; i++) {
		if ((n = ctx_line(c, i, line, sizeof(line))) < 0)
			break;
		if ((size_t)n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (used + (size_t)n >= errsz) {
			if (used == 0) {
				memcpy(errs, line, errsz - 1);
				errs[errsz - 1] = '\0';
			}
			break;
		}
		memcpy(errs + used, line, (size_t)n + 1);
		used += (size_t)n;
	}
}

/* ---- small helpers -------------------------------------------------- */

static char *
xstrdup(struct ctx *c, const config_setting_t *s, const char *str)
{
	char *p;

	if (str == NULL)
		return NULL;
	if ((p = strdup(str)) == NULL)
		cerror(c, s, "out of memory");
	return p;
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "empty";
	}
}

static void
type_error(struct ctx *c, const config_setting_t *s, const char *want)
{
	cerror(c, s, "%s must be %s, not %s", config_setting_name(s), want,
	    type_name(config_setting_type(s)));
}

static int
is_int(const config_setting_t *s)
{
	return s != NULL && (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64);
}

static int
has_ctrl(const char *s, int space_too)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    (space_too && *s == ' '))
			return 1;
	return 0;
}

/* Member NAME of group G when it holds a number (set in this scope). */
static const config_setting_t *
num_member(const config_setting_t *g, const char *name)
{
	const config_setting_t *s;

	if (g == NULL || !config_setting_is_group(g))
		return NULL;
	s = config_setting_get_member(g, name);
	return s != NULL && config_setting_is_number(s) ? s : NULL;
}

static const struct keydef *
key_find(const struct keydef *tab, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

/* ---- scalar keys ---------------------------------------------------- */

static int
string_check(struct ctx *c, const struct keydef *k, const config_setting_t *s,
    const char *v)
{
	if ((k->flags & KF_NOCTRL) && has_ctrl(v, 0)) {
		cerror(c, s, "%s must not contain control characters",
		    k->name);
		return -1;
	}
	if ((k->flags & KF_ABSPATH) && v[0] != '/') {
		cerror(c, s, "%s must be an absolute path, not '%s'", k->name,
		    v);
		return -1;
	}
	if ((k->flags & KF_SUNPATH) && strlen(v) > SUN_PATH_MAX) {
		cerror(c, s, "%s is too long for a Unix socket path "
		    "(at most %zu bytes)", k->name, SUN_PATH_MAX);
		return -1;
	}
	return 0;
}

static int
apply_string(struct ctx *c, const struct keydef *k, const config_setting_t *s,
    char **field)
{
	const char *v;
	char *copy;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, "a string");
		return -1;
	}
	v = config_setting_get_string(s);
	if (string_check(c, k, s, v) == -1)
		return -1;
	if ((copy = xstrdup(c, s, v)) == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

static int
apply_integer(struct ctx *c, const struct keydef *k, const config_setting_t *s,
    void *field)
{
	long long v;

	if (!is_int(s)) {
		type_error(c, s, "an integer");
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
apply_double(struct ctx *c, const struct keydef *k, const config_setting_t *s,
    double *field)
{
	double v;

	if (is_int(s))
		v = (double)config_setting_get_int64(s);
	else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else {
		type_error(c, s, "a number");
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

/* Check setting S against K; store it at BASE + offset when valid. */
static int
key_apply(struct ctx *c, const struct keydef *k, const config_setting_t *s,
    void *base)
{
	char *field = (char *)base + k->off;

	switch (k->kind) {
	case K_STRING:
		return apply_string(c, k, s, (char **)(void *)field);
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			type_error(c, s, "a boolean (true or false)");
			return -1;
		}
		*(int *)(void *)field = config_setting_get_bool(s) ? 1 : 0;
		return 0;
	case K_INT:
	case K_LLONG:
		return apply_integer(c, k, s, field);
	case K_DOUBLE:
		return apply_double(c, k, s, (double *)(void *)field);
	}
	return -1;
}

static int
require_group(struct ctx *c, const config_setting_t *s)
{
	if (!config_setting_is_group(s)) {
		type_error(c, s, "a group { ... }");
		return -1;
	}
	return 0;
}

/* ---- URLs and listen addresses -------------------------------------- */

const char *
config_url_file_path(const char *url)
{
	if (url == NULL || strncmp(url, "file://", 7) != 0)
		return NULL;
	return url + 7;
}

/* NULL when URL is acceptable, else why not. */
static const char *
url_problem(const char *url, int allow_file)
{
	const char *rest;

	if (strlen(url) >= CONFIG_URL_MAX)
		return "too long";
	if (has_ctrl(url, 1))
		return "contains a space or a control character";
	if (strncmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (allow_file && strncmp(url, "file://", 7) == 0)
		return url[7] == '\0' ? "no path after file://" : NULL;
	else
		return allow_file ?
		    "must start with http://, https:// or file://" :
		    "must start with http:// or https://";
	if (*rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
		return "no host";
	return NULL;
}

/* Report a bad URL in setting S (what = "url", "backup_urls", ...). */
static int
url_check(struct ctx *c, const config_setting_t *s, const char *what,
    const char *url, int allow_file)
{
	const char *why = url_problem(url, allow_file);

	if (why == NULL)
		return 0;
	if (strlen(url) >= CONFIG_URL_MAX)
		cerror(c, s, "%s is too long (at most %d bytes)", what,
		    CONFIG_URL_MAX - 1);
	else if (has_ctrl(url, 0))
		cerror(c, s, "%s contains a control character", what);
	else
		cerror(c, s, "invalid %s '%s': %s", what, url, why);
	return -1;
}

/* NULL when A is "host:port", "*:port" or "[v6]:port", else why not. */
static const char *
listen_problem(const char *a)
{
	struct hostport hp;
	const char *ok;
	size_t i;
	int rc = hostport_parse(a, 0, &hp);

	if (rc == HOSTPORT_BAD_FORM ||
	    (hp.bracketed && memchr(hp.host, ':', hp.host_len) == NULL) ||
	    hp.host_len > LISTEN_HOST_MAX)
		return "use host:port or [ipv6]:port";
	if (hp.bracketed)
		ok = "0123456789abcdefABCDEF:.%"
		    "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ_-";
	else if (hp.host_len == 1 && hp.host[0] == '*')
		ok = "*";
	else
		ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-_";
	for (i = 0; i < hp.host_len; i++)
		if (strchr(ok, hp.host[i]) == NULL)
			return "bad character in the host";
	if (rc == HOSTPORT_BAD_PORT)
		return "the port must be a number from 1 to 65535";
	return NULL;
}

/*
 * Copy the list or array of strings S into DST (at most MAX), each checked
 * by CHECK.  WHAT names the elements in messages.  Returns how many were
 * copied (*NBAD: how many problems were reported), or -1 when S is not a
 * list at all.
 */
static int
string_list(struct ctx *c, const config_setting_t *s, const char *what,
    char **dst, int max,
    int (*check)(struct ctx *, const config_setting_t *, const char *),
    int *nbad)
{
	const config_setting_t *e;
	int i, n, kept = 0;

	*nbad = 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		type_error(c, s, "a list of strings [ \"...\", ... ]");
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
			    type_name(config_setting_type(e)));
			(*nbad)++;
			continue;
		}
		if (check && check(c, e, config_setting_get_string(e)) == -1) {
			(*nbad)++;
			continue;
		}
		if (kept < max &&
		    (dst[kept] = xstrdup(c, e, config_setting_get_string(e))))
			kept++;
	}
	return kept;
}

/* Whether a string element before E in its list equals S. */
static int
elem_repeats(const config_setting_t *e, const char *s)
{
	const config_setting_t *prev;
	int i, idx = config_setting_index(e);

	for (i = 0; i < idx; i++) {
		prev = config_setting_get_elem(config_setting_parent(e),
		    (unsigned)i);
		if (config_setting_type(prev) == CONFIG_TYPE_STRING &&
		    strcmp(config_setting_get_string(prev), s) == 0)
			return 1;
	}
	return 0;
}

static int
listen_check(struct ctx *c, const config_setting_t *e, const char *a)
{
	const char *why = listen_problem(a);

	if (why != NULL) {
		if (has_ctrl(a, 0))
			cerror(c, e, "invalid listen address: %s",
			    "contains a control character");
		else
			cerror(c, e, "invalid listen address '%s': %s", a, why);
		return -1;
	}
	if (elem_repeats(e, a)) {
		cerror(c, e, "duplicate listen address '%s'", a);
		return -1;
	}
	return 0;
}

static void
parse_listen(struct ctx *c, struct config *cfg, const config_setting_t *s)
{
	char *tmp[CONFIG_MAX_LISTEN];
	int i, n, nbad;

	memset(tmp, 0, sizeof(tmp));
	n = string_list(c, s, "listen addresses", tmp, CONFIG_MAX_LISTEN,
	    listen_check, &nbad);
	if (n == 0 && nbad == 0)
		cerror(c, s, "listen must hold at least one address");
	if (n <= 0 || nbad > 0) {
		for (i = 0; i < n; i++)
			free(tmp[i]);
		return;
	}
	for (i = 0; i < cfg->n_listen; i++)
		free(cfg->listen[i]);
	memcpy(cfg->listen, tmp, sizeof(tmp));
	cfg->n_listen = n;
}

/* ---- cors_origins --------------------------------------------------- */

/*
 * NULL when O is "*" or an origin as browsers send it in the Origin
 * header: http or https, "://", a host name, IPv4 or [IPv6] address, an
 * optional ":port", and nothing after (no path, not even "/").
 */
static const char *
origin_problem(const char *o)
{
	struct hostport hp;
	const char *h, *ok;
	size_t i, len = strlen(o);
	int rc;

	if (strcmp(o, "*") == 0)
		return NULL;
	if (len == 0)
		return "an empty origin (use \"*\" for any origin)";
	if (len > CONFIG_ORIGIN_MAX)
		return "too long";
	if (strcmp(o, "null") == 0)
		return "the \"null\" origin (sandboxed and file: pages) "
		    "cannot be told apart from another: not allowed";
	if (strncasecmp(o, "http://", 7) == 0)
		h = o + 7;
	else if (strncasecmp(o, "https://", 8) == 0)
		h = o + 8;
	else
		return "use scheme://host[:port] with http or https";
	if (strpbrk(h, "/?#") != NULL)
		return "an origin has no path, query or trailing slash";
	if (strchr(h, '@') != NULL)
		return "an origin has no user name";
	rc = hostport_parse(h, HOSTPORT_PORT_OPTIONAL, &hp);
	if (hp.host_len == 0)
		return hp.bracketed ? "bad [IPv6] address" : "bad host name";
	if (hp.bracketed)
		ok = "0123456789abcdefABCDEF:.";
	else if (hp.host[0] == '.' || hp.host[0] == '-')
		return "bad host name";
	else
		ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-";
	for (i = 0; i < hp.host_len; i++)
		if (strchr(ok, hp.host[i]) == NULL)
			return "bad character in the host (wildcards such as "
			    "*.example.com are not supported)";
	if (rc != 0)	/* after ']' or the name: not ":PORT" */
		return "the port must be a number from 1 to 65535";
	return NULL;
}

static int
origin_check(struct ctx *c, const config_setting_t *e, const char *o)
{
	const char *why = origin_problem(o);

	if (why == NULL)
		return 0;
	if (has_ctrl(o, 1))
		cerror(c, e, "invalid origin in cors_origins: %s",
		    "contains a control character or a space");
	else if (strlen(o) > CONFIG_ORIGIN_MAX)
		cerror(c, e, "invalid origin in cors_origins: longer than %d "
		    "bytes", CONFIG_ORIGIN_MAX);
	else
		cerror(c, e, "invalid origin '%s' in cors_origins: %s", o, why);
	return -1;
}

/* An empty list is valid: no CORS headers at all. */
static void
parse_cors_origins(struct ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	char *tmp[CONFIG_MAX_CORS_ORIGINS];
	int i, n, nbad;

	memset(tmp, 0, sizeof(tmp));
	n = string_list(c, s, "cors origins", tmp, CONFIG_MAX_CORS_ORIGINS,
	    origin_check, &nbad);
	if (n < 0 || nbad > 0) {
		for (i = 0; i < n; i++)
			free(tmp[i]);
		return;
	}
	for (i = 0; i < cfg->n_cors_origins; i++)
		free(cfg->cors_origins[i]);
	memcpy(cfg->cors_origins, tmp, sizeof(tmp));
	cfg->n_cors_origins = n;
}

/* ---- log ------------------------------------------------------------ */

static void
log_target(struct ctx *c, struct config *cfg, const config_setting_t *s)
{
	const char *v;
	char *copy = NULL;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (has_ctrl(v, 0)) {
		cerror(c, s, "target must not contain control characters");
		return;
	}
	if (strcmp(v, "syslog") != 0 && strcmp(v, "stderr") != 0) {
		if (v[0] != '/') {
			cerror(c, s, "log target must be syslog, stderr or an "
			    "absolute file path, not '%s'", v);
			return;
		}
		if ((copy = xstrdup(c, s, v)) == NULL)
			return;
	}
	free(cfg->log_file);
	cfg->log_file = copy;
	cfg->log_target = copy ? LOG_TARGET_FILE :
	    strcmp(v, "syslog") == 0 ? LOG_TARGET_SYSLOG : LOG_TARGET_STDERR;
}

static void
log_level(struct ctx *c, struct config *cfg, const config_setting_t *s)
{
	const char *v;
	size_t i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	for (i = 0; i < NKEYS(log_levels); i++)
		if (strcmp(v, log_levels[i].name) == 0) {
			cfg->log_level = log_levels[i].level;
			return;
		}
	cerror(c, s, "log level must be error, warning, notice, info or debug"
	    "%s%s%s", has_ctrl(v, 0) ? "" : ", not '", has_ctrl(v, 0) ? "" : v,
	    has_ctrl(v, 0) ? "" : "'");
}

static void
parse_log(struct ctx *c, struct config *cfg, const config_setting_t *g)
{
	const config_setting_t *s;
	const char *name;
	int i;

	if (require_group(c, g) == -1)
		return;
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		name = config_setting_name(s);
		if (strcmp(name, "target") == 0)
			log_target(c, cfg, s);
		else if (strcmp(name, "level") == 0)
			log_level(c, cfg, s);
		else
			cerror(c, s, "unknown key '%s'", name);
	}
}

/* ---- defaults and per-stream options -------------------------------- */

static void
hls_conf_init(struct hls_conf *h)
{
	h->max_segments = 20;
	h->initial_segments = 3;
	h->window_size = 6;
	h->initial_buffer_seconds = 10.0;
	h->max_initial_segments = 10;
	h->buffer_ready_timeout = 30.0;
	h->first_segment_timeout = 30.0;
	h->fetch_interval = 0.5;
	h->client_timeout_factor = 3.0;
}

static int
opts_init(struct stream_opts *o)
{
	memset(o, 0, sizeof(*o));
	if ((o->user_agent = strdup(CONFIG_DEFAULT_USER_AGENT)) == NULL)
		return -1;
	o->on_demand = 1;
	o->idle_timeout = 10.0;
	o->connect_timeout = 10.0;
	o->data_timeout = 10.0;
	o->retry_min = 1.0;
	o->retry_max = 8.0;
	o->ring_size = 16777216;
	o->max_clients = 1024;
	o->tls_verify = 1;
	o->max_segment_bytes = CONFIG_DEFAULT_MAX_SEGMENT_BYTES;
	if ((o->ca_file = strdup("")) == NULL)
		return -1;
	hls_conf_init(&o->hls);
	return 0;
}

static void
parse_hls(struct ctx *c, struct hls_conf *h, const config_setting_t *g)
{
	const struct keydef *k;
	const config_setting_t *s;
	int i;

	if (require_group(c, g) == -1)
		return;
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		k = key_find(hls_keys, NKEYS(hls_keys), config_setting_name(s));
		if (k == NULL)
			cerror(c, s, "unknown key '%s'", config_setting_name(s));
		else
			key_apply(c, k, s, h);
	}
}

/* Apply S when it is an option key; 0 when it is not one. */
static int
opts_key(struct ctx *c, struct stream_opts *o, const config_setting_t *s)
{
	const struct keydef *k;
	const char *name = config_setting_name(s);

	if (strcmp(name, "hls") == 0) {
		parse_hls(c, &o->hls, s);
		return 1;
	}
	if ((k = key_find(opts_keys, NKEYS(opts_keys), name)) == NULL)
		return 0;
	key_apply(c, k, s, o);
	return 1;
}

/*
 * Rules between keys, checked in the scope G (the defaults group or a
 * stream) only when G sets one of the keys involved.
 */
static void
opts_cross_check(struct ctx *c, const struct stream_opts *o,
    const config_setting_t *g)
{
	const config_setting_t *a, *b, *h;

	a = num_member(g, "retry_min");
	b = num_member(g, "retry_max");
	if ((a || b) && o->retry_max < o->retry_min)
		cerror(c, b ? b : a, "retry_max (%g) must be at least "
		    "retry_min (%g)", o->retry_max, o->retry_min);
	h = g ? config_setting_get_member(g, "hls") : NULL;
	a = num_member(h, "max_segments");
	b = num_member(h, "window_size");
	if ((a || b) && o->hls.window_size > o->hls.max_segments)
		cerror(c, b ? b : a, "window_size (%d) must not exceed "
		    "max_segments (%d)", o->hls.window_size,
		    o->hls.max_segments);
	b = num_member(h, "initial_segments");
	if ((a || b) && o->hls.initial_segments > o->hls.max_segments)
		cerror(c, b ? b : a, "initial_segments (%d) must not exceed "
		    "max_segments (%d)", o->hls.initial_segments,
		    o->hls.max_segments);
}

static int
stream_only_key(const char *name)
{
	static const char *const special[] = {
		"name", "type", "url", "backup_urls", "variant",
	};
	size_t i;

	for (i = 0; i < NKEYS(special); i++)
		if (strcmp(name, special[i]) == 0)
			return 1;
	return key_find(stream_keys, NKEYS(stream_keys), name) != NULL;
}

static void
parse_defaults(struct ctx *c, struct config *cfg, const config_setting_t *g)
{
	const config_setting_t *s;
	int i;

	if (require_group(c, g) == -1)
		return;
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (opts_key(c, &cfg->defaults, s))
			continue;
		if (stream_only_key(config_setting_name(s)))
			cerror(c, s, "%s can only be set in a stream, not in "
			    "defaults", config_setting_name(s));
		else
			cerror(c, s, "unknown key '%s'", config_setting_name(s));
	}
	opts_cross_check(c, &cfg->defaults, g);
}

/* ---- streams -------------------------------------------------------- */

static void
stream_name(struct ctx *c, struct config *cfg, struct stream_conf *st,
    const config_setting_t *s)
{
	const char *v;
	int i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (!config_name_valid(v)) {
		if (has_ctrl(v, 0))
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
stream_type_parse(struct ctx *c, struct stream_conf *st,
    const config_setting_t *s)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, "a string");
		return -1;
	}
	v = config_setting_get_string(s);
	if (strcmp(v, "ts") == 0)
		st->type = STREAM_TS;
	else if (strcmp(v, "hls") == 0)
		st->type = STREAM_HLS;
	else {
		cerror(c, s, "type must be ts or hls%s%s%s",
		    has_ctrl(v, 0) ? "" : ", not '", has_ctrl(v, 0) ? "" : v,
		    has_ctrl(v, 0) ? "" : "'");
		return -1;
	}
	return 0;
}

static void
stream_url(struct ctx *c, struct stream_conf *st, const config_setting_t *s)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (url_check(c, s, "url", v, 1) == -1)
		return;
	free(st->url);
	st->url = xstrdup(c, s, v);
}

static int
backup_check(struct ctx *c, const config_setting_t *e, const char *url)
{
	return url_check(c, e, "backup url", url, 1);
}

static void
stream_backups(struct ctx *c, struct stream_conf *st,
    const config_setting_t *s)
{
	int n, nbad;

	n = string_list(c, s, "backup urls", st->backup_urls,
	    CONFIG_MAX_BACKUP_URLS, backup_check, &nbad);
	st->n_backup_urls = n > 0 ? n : 0;
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
stream_variant(struct ctx *c, struct stream_conf *st,
    const config_setting_t *s)
{
	const char *v = NULL;
	long bw = 0;

	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		v = config_setting_get_string(s);
	if (is_int(s))
		bw = (long)config_setting_get_int64(s);
	else if (v == NULL) {
		type_error(c, s, "\"highest\", \"lowest\" or a bandwidth");
		return;
	} else if (strcmp(v, "highest") == 0 || strcmp(v, "lowest") == 0) {
		st->variant = v[0] == 'h' ? VARIANT_HIGHEST : VARIANT_LOWEST;
		return;
	} else if (variant_digits(v, &bw) == -1) {
		cerror(c, s, "variant must be highest, lowest or a bandwidth "
		    "in bits per second%s%s%s", has_ctrl(v, 0) ? "" : ", not '",
		    has_ctrl(v, 0) ? "" : v, has_ctrl(v, 0) ? "" : "'");
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
stream_key(struct ctx *c, struct config *cfg, struct stream_conf *st,
    const config_setting_t *s, int *type_set)
{
	const struct keydef *k;
	const char *name = config_setting_name(s);

	if (strcmp(name, "name") == 0)
		stream_name(c, cfg, st, s);
	else if (strcmp(name, "type") == 0)
		*type_set = 1 + (stream_type_parse(c, st, s) == -1);
	else if (strcmp(name, "url") == 0)
		stream_url(c, st, s);
	else if (strcmp(name, "backup_urls") == 0)
		stream_backups(c, st, s);
	else if (strcmp(name, "variant") == 0)
		stream_variant(c, st, s);
	else if ((k = key_find(stream_keys, NKEYS(stream_keys), name)))
		key_apply(c, k, s, st);
	else
		return 0;
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

/* After every key of stream G: required keys, defaults, cross-checks. */
static void
stream_finish(struct ctx *c, struct stream_conf *st,
    const config_setting_t *g, int type_set)
{
	const config_setting_t *lp = config_setting_get_member(g, "loop");
	int i;

	if (config_setting_get_member(g, "name") == NULL)
		cerror(c, g, "stream has no name");
	if (config_setting_get_member(g, "url") == NULL)
		cerror(c, g, "stream%s%s%s has no url", st->name[0] ? " '" : "",
		    st->name, st->name[0] ? "'" : "");
	if (!type_set && st->url != NULL)
		st->type = stream_type_guess(st->url);
	if (st->loop && st->url && !config_url_file_path(st->url))
		cerror(c, lp, "loop = true needs a file:// url, not '%s'",
		    st->url);
	for (i = 0; st->loop && i < st->n_backup_urls; i++)
		if (!config_url_file_path(st->backup_urls[i]))
			cerror(c, lp, "loop = true needs file:// urls, "
			    "not backup url '%s'", st->backup_urls[i]);
	if (st->title == NULL)
		st->title = xstrdup(c, g, st->name);
	if (st->group == NULL)
		st->group = xstrdup(c, g, "");
	opts_cross_check(c, &st->opts, g);
}

static void
parse_stream(struct ctx *c, struct config *cfg, struct stream_conf *st,
    const config_setting_t *g)
{
	const config_setting_t *s;
	int i, type_set = 0;

	st->line = (int)config_setting_source_line(g);
	st->type = STREAM_TS;
	st->variant = VARIANT_HIGHEST;
	st->segment_duration = CONFIG_DEFAULT_SEGMENT_DURATION;
	st->opts = cfg->defaults;
	st->opts.user_agent = xstrdup(c, g, cfg->defaults.user_agent);
	st->opts.ca_file = xstrdup(c, g, cfg->defaults.ca_file);
	if (!config_setting_is_group(g)) {
		cerror(c, g, "a stream must be a group { name = ...; url = ...; "
		    "}, not %s", type_name(config_setting_type(g)));
		return;
	}
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (!stream_key(c, cfg, st, s, &type_set) &&
		    !opts_key(c, &st->opts, s))
			cerror(c, s, "unknown key '%s'", config_setting_name(s));
	}
	stream_finish(c, st, g, type_set);
}

static void
parse_streams(struct ctx *c, struct config *cfg, const config_setting_t *s)
{
	int i, n;

	if (!config_setting_is_list(s)) {
		type_error(c, s, "a list ( { ... }, { ... } )");
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
	for (i = 0; i < n; i++)
		parse_stream(c, cfg, &cfg->streams[i],
		    config_setting_get_elem(s, (unsigned)i));
}

/* ---- acestream ------------------------------------------------------ */

/* An engine base URL: http(s), no query, not twice in the list. */
static int
engine_check(struct ctx *c, const config_setting_t *e, const char *url)
{
	if (url_check(c, e, "engine url", url, 0) == -1)
		return -1;
	if (strpbrk(url, "?#") != NULL) {
		cerror(c, e, "engine url '%s' must be a base URL without a "
		    "query (like \"http://127.0.0.1:6878\")", url);
		return -1;
	}
	if (elem_repeats(e, url)) {
		cerror(c, e, "duplicate engine url '%s'", url);
		return -1;
	}
	return 0;
}

static void
ace_engines(struct ctx *c, struct ace_conf *a, const config_setting_t *s)
{
	int i, n, nbad;
	size_t len;

	for (i = 0; i < a->n_engines; i++)
		free(a->engines[i]);
	a->n_engines = 0;
	n = string_list(c, s, "engines", a->engines, CONFIG_MAX_ENGINES,
	    engine_check, &nbad);
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
parse_acestream(struct ctx *c, struct config *cfg, const config_setting_t *g)
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
	a->opts.user_agent = xstrdup(c, g, cfg->defaults.user_agent);
	a->opts.ca_file = xstrdup(c, g, cfg->defaults.ca_file);
	a->opts.on_demand = 1;
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		name = config_setting_name(s);
		if (strcmp(name, "engines") == 0)
			ace_engines(c, a, s);
		else if (strcmp(name, "on_demand") == 0)
			cerror(c, s, "on_demand cannot be set in acestream: "
			    "content-id streams always start on request");
		else if ((k = key_find(ace_keys, NKEYS(ace_keys), name)))
			key_apply(c, k, s, a);
		else if (!opts_key(c, &a->opts, s))
			cerror(c, s, "unknown key '%s'", name);
	}
	if (config_setting_get_member(g, "engines") == NULL)
		cerror(c, g, "acestream has no engines");
	opts_cross_check(c, &a->opts, g);
}

/* ---- top level ------------------------------------------------------ */

static void
events_webhook(struct ctx *c, struct config *cfg, const config_setting_t *s)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (v[0] != '\0' && url_check(c, s, "events_webhook", v, 0) == -1)
		return;
	free(cfg->events_webhook);
	cfg->events_webhook = xstrdup(c, s, v);
}

/* Tokens are kept in shared memory of a fixed size: refuse longer ones. */
static void
check_token_length(struct ctx *c, const config_setting_t *root,
    const char *key, const char *value)
{
	const config_setting_t *s = config_setting_get_member(root, key);

	if (s != NULL && value != NULL &&
	    strlen(value) >= CONFIG_TOKEN_MAX)
		cerror(c, s, "%s is longer than %d characters", key,
		    CONFIG_TOKEN_MAX - 1);
}

/* ---- edge mode: parent, parent_streams, edge_id --------------------- */

static int
parent_check(struct ctx *c, const config_setting_t *e, const char *url)
{
	if (url_check(c, e, "parent", url, 0) == -1)
		return -1;
	if (strpbrk(url, "?#") != NULL) {
		cerror(c, e, "invalid parent '%s': a base URL has no query or "
		    "fragment (ringcast adds /stream/NAME)", url);
		return -1;
	}
	return 0;
}

/* A glob may hold name characters and the fnmatch specials * ? [ ] ! ^. */
static int
glob_check(struct ctx *c, const config_setting_t *e, const char *g)
{
	size_t n = strspn(g, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-*?[]!^");

	if (g[0] == '\0') {
		cerror(c, e, "parent_streams must not hold an empty pattern");
		return -1;
	}
	if (strlen(g) > CONFIG_GLOB_MAX) {
		cerror(c, e, "parent_streams pattern is too long (at most %d "
		    "bytes)", CONFIG_GLOB_MAX);
		return -1;
	}
	if (g[n] != '\0') {
		if (has_ctrl(g, 1))
			cerror(c, e, "parent_streams pattern contains a space "
			    "or a control character");
		else
			cerror(c, e, "invalid parent_streams pattern '%s': "
			    "stream names hold only A-Z a-z 0-9 _ -, and a "
			    "pattern only those and * ? [ ] ! ^", g);
		return -1;
	}
	return 0;
}

static void
parse_parents(struct ctx *c, struct config *cfg, const config_setting_t *s)
{
	int n, nbad;

	n = string_list(c, s, "parents", cfg->parents, CONFIG_MAX_PARENTS,
	    parent_check, &nbad);
	cfg->n_parents = n > 0 ? n : 0;
}

static void
parse_parent_streams(struct ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	int n, nbad;

	n = string_list(c, s, "parent_streams patterns", cfg->parent_streams,
	    CONFIG_MAX_PARENT_STREAMS, glob_check, &nbad);
	cfg->n_parent_streams = n > 0 ? n : 0;
}

static void
parse_edge_id(struct ctx *c, struct config *cfg, const config_setting_t *s)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_error(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (strlen(v) > CONFIG_EDGE_ID_MAX) {
		cerror(c, s, "edge_id is too long (at most %d bytes)",
		    CONFIG_EDGE_ID_MAX);
		return;
	}
	if (has_ctrl(v, 0)) {
		cerror(c, s, "edge_id must not contain control characters");
		return;
	}
	free(cfg->edge_id);
	cfg->edge_id = xstrdup(c, s, v);
}

/* parent_streams and edge_id mean nothing without a parent. */
static void
check_edge(struct ctx *c, const struct config *cfg,
    const config_setting_t *root)
{
	const config_setting_t *s;

	if (cfg->n_parents > 0 ||
	    config_setting_get_member(root, "parent") != NULL)
		return;
	if ((s = config_setting_get_member(root, "parent_streams")) != NULL)
		cerror(c, s, "parent_streams needs parent = [ \"http://ORIGIN"
		    ":PORT\" ]");
	if ((s = config_setting_get_member(root, "edge_id")) != NULL)
		cerror(c, s, "edge_id needs parent = [ \"http://ORIGIN:PORT\" ]");
}

/* The rings of all streams must fit in max_memory (when set). */
static void
check_memory_budget(struct ctx *c, const struct config *cfg,
    const config_setting_t *root)
{
	const config_setting_t *s = config_setting_get_member(root,
	    "max_memory");
	long long sum = 0;
	int i;

	if (cfg->max_memory <= 0 || s == NULL)
		return;
	for (i = 0; i < cfg->n_streams; i++)
		sum += cfg->streams[i].opts.ring_size;
	if (cfg->ace.enabled)	/* every content-id stream may run at once */
		sum += cfg->ace.max_streams * cfg->ace.opts.ring_size;
	if (sum > cfg->max_memory)
		cerror(c, s, "the streams' rings need %lld bytes, more than "
		    "max_memory (%lld)%s", sum, cfg->max_memory,
		    cfg->ace.enabled ? " (acestream.max_streams rings "
		    "included)" : "");
}

static void
parse_root(struct ctx *c, struct config *cfg, const config_setting_t *root)
{
	const config_setting_t *s;
	const struct keydef *k;
	const char *name;
	int i;

	/* Streams copy `defaults`, wherever it is in the file. */
	if ((s = config_setting_get_member(root, "defaults")) != NULL)
		parse_defaults(c, cfg, s);
	for (i = 0; i < config_setting_length(root); i++) {
		s = config_setting_get_elem(root, (unsigned)i);
		name = config_setting_name(s);
		if (strcmp(name, "defaults") == 0)
			continue;
		else if (strcmp(name, "listen") == 0)
			parse_listen(c, cfg, s);
		else if (strcmp(name, "log") == 0)
			parse_log(c, cfg, s);
		else if (strcmp(name, "events_webhook") == 0)
			events_webhook(c, cfg, s);
		else if (strcmp(name, "cors_origins") == 0)
			parse_cors_origins(c, cfg, s);
		else if (strcmp(name, "streams") == 0)
			parse_streams(c, cfg, s);
		else if (strcmp(name, "parent") == 0)
			parse_parents(c, cfg, s);
		else if (strcmp(name, "parent_streams") == 0)
			parse_parent_streams(c, cfg, s);
		else if (strcmp(name, "edge_id") == 0)
			parse_edge_id(c, cfg, s);
		else if (strcmp(name, "acestream") == 0)
			parse_acestream(c, cfg, s);
		else if ((k = key_find(global_keys, NKEYS(global_keys), name)))
			key_apply(c, k, s, cfg);
		else
			cerror(c, s, "unknown key '%s'", name);
	}
	check_memory_budget(c, cfg, root);
	check_edge(c, cfg, root);
	if (cfg->ace.enabled &&
	    cfg->n_streams + cfg->ace.max_streams > CONFIG_MAX_STREAMS) {
		s = config_setting_get_member(root, "acestream");
		cerror(c, config_setting_get_member(s, "max_streams") ?
		    config_setting_get_member(s, "max_streams") : s,
		    "acestream.max_streams (%d) and the %d named streams "
		    "exceed the %d stream slots", cfg->ace.max_streams,
		    cfg->n_streams, CONFIG_MAX_STREAMS);
	}
	check_token_length(c, root, "admin_token", cfg->admin_token);
	check_token_length(c, root, "events_token", cfg->events_token);
}

static struct config *
config_new(const char *path)
{
	struct config *cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	cfg->path = strdup(path);
	cfg->listen[0] = strdup("0.0.0.0:8080");
	cfg->n_listen = 1;
	cfg->workers = 2;
	cfg->user = strdup("");
	cfg->pid_file = strdup("/run/ringcast/ringcastd.pid");
	cfg->control_socket = strdup("/run/ringcast/control.sock");
	cfg->log_target = LOG_TARGET_SYSLOG;
	cfg->log_level = LOG_INFO;
	cfg->admin_token = strdup("");
	cfg->max_clients = 4096;
	cfg->events_webhook = strdup("");
	cfg->events_token = strdup("");
	cfg->events_heartbeat = CONFIG_DEFAULT_EVENTS_HEARTBEAT;
	cfg->events_backlog = CONFIG_DEFAULT_EVENTS_BACKLOG;
	cfg->ui = 1;
	cfg->cors_origins[0] = strdup("*");
	cfg->n_cors_origins = 1;
	cfg->edge_id = strdup("");
	cfg->ace.max_streams_per_engine = 4;
	cfg->ace.max_streams = 16;
	cfg->ace.start_timeout = 30.0;
	cfg->ace.segment_duration = CONFIG_DEFAULT_SEGMENT_DURATION;
	if (opts_init(&cfg->defaults) == -1 || !cfg->path || !cfg->listen[0] ||
	    !cfg->user || !cfg->pid_file || !cfg->control_socket ||
	    !cfg->admin_token || !cfg->events_webhook || !cfg->events_token ||
	    !cfg->cors_origins[0] || !cfg->edge_id) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static int
workers_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS : (int)n;
}

/* Report libconfig's own failure to read or parse. */
static void
libconfig_error(struct ctx *c, const config_t *lc)
{
	const char *file = config_error_file(lc);

	if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
		cerror_at(c, file, 0, "cannot read the file");
	else
		cerror_at(c, file, config_error_line(lc), "%s",
		    config_error_text(lc) ? config_error_text(lc) :
		    "syntax error");
}

/* Walk a parsed libconfig tree (or record READ_FAILED), then hand out. */
static int
config_finish(struct ctx *c, config_t *lc, int read_ok, struct config **out,
    char *errs, size_t errsz)
{
	struct config *cfg = NULL;
	int rc = -1;

	if (!read_ok)
		libconfig_error(c, lc);
	else if ((cfg = config_new(c->filename)) == NULL)
		cerror_at(c, NULL, 0, "out of memory");
	else
		parse_root(c, cfg, config_root_setting(lc));
	if (c->n_errs == 0 && c->dropped == 0) {
		if (cfg->workers == 0)
			cfg->workers = workers_online();
		*out = cfg;
		cfg = NULL;
		rc = 0;
	}
	ctx_sort(c);
	ctx_format(c, errs, errsz);
	config_free(cfg);
	ctx_free(c);
	return rc;
}

int
config_load(const char *path, struct config **out, char *errs, size_t errsz)
{
	struct ctx c = { .filename = path };
	struct stat st;
	config_t lc;
	char *dir, *slash;
	FILE *f;
	int ok, rc;

	if (errs != NULL && errsz > 0)
		errs[0] = '\0';
	if ((f = fopen(path, "r")) == NULL ||
	    (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))) {
		int saved = f ? EISDIR : errno;

		if (f != NULL)
			fclose(f);
		cerror_at(&c, path, 0, "cannot open: %s", strerror(saved));
		ctx_format(&c, errs, errsz);
		ctx_free(&c);
		return -1;
	}
	/* @include "x.conf" is relative to the including file's directory. */
	dir = strdup(path);
	slash = dir ? strrchr(dir, '/') : NULL;
	config_init(&lc);
	if (slash != NULL) {
		slash[slash == dir] = '\0';
		config_set_include_dir(&lc, dir);
		c.incdir = dir;
	}
	ok = config_read(&lc, f) == CONFIG_TRUE;
	fclose(f);
	rc = config_finish(&c, &lc, ok, out, errs, errsz);
	config_destroy(&lc);
	free(dir);
	return rc;
}

int
config_load_string(const char *text, const char *filename,
    struct config **out, char *errs, size_t errsz)
{
	struct ctx c = { .filename = filename ? filename : "(string)" };
	config_t lc;
	int ok, rc;

	if (errs != NULL && errsz > 0)
		errs[0] = '\0';
	config_init(&lc);
	ok = config_read_string(&lc, text) == CONFIG_TRUE;
	rc = config_finish(&c, &lc, ok, out, errs, errsz);
	config_destroy(&lc);
	return rc;
}

/* ---- the rest of the API -------------------------------------------- */

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
	free(st->request_header);
	free(st->opts.user_agent);
	free(st->opts.ca_file);
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
	free(cfg->defaults.user_agent);
	free(cfg->defaults.ca_file);
	for (i = 0; i < cfg->ace.n_engines; i++)
		free(cfg->ace.engines[i]);
	free(cfg->ace.opts.user_agent);
	free(cfg->ace.opts.ca_file);
	for (i = 0; i < cfg->n_streams; i++)
		stream_conf_free(&cfg->streams[i]);
	free(cfg->streams);
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

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static int
hls_differ(const struct hls_conf *a, const struct hls_conf *b)
{
	return a->max_segments != b->max_segments ||
	    a->initial_segments != b->initial_segments ||
	    a->window_size != b->window_size ||
	    a->initial_buffer_seconds != b->initial_buffer_seconds ||
	    a->max_initial_segments != b->max_initial_segments ||
	    a->buffer_ready_timeout != b->buffer_ready_timeout ||
	    a->first_segment_timeout != b->first_segment_timeout ||
	    a->fetch_interval != b->fetch_interval ||
	    a->client_timeout_factor != b->client_timeout_factor;
}

static int
opts_differ(const struct stream_opts *a, const struct stream_opts *b)
{
	return str_differ(a->user_agent, b->user_agent) ||
	    str_differ(a->ca_file, b->ca_file) ||
	    a->tls_verify != b->tls_verify ||
	    a->max_segment_bytes != b->max_segment_bytes ||
	    a->on_demand != b->on_demand ||
	    a->idle_timeout != b->idle_timeout ||
	    a->connect_timeout != b->connect_timeout ||
	    a->data_timeout != b->data_timeout ||
	    a->retry_min != b->retry_min || a->retry_max != b->retry_max ||
	    a->ring_size != b->ring_size ||
	    a->max_clients != b->max_clients ||
	    hls_differ(&a->hls, &b->hls);
}

int
config_stream_changed(const struct stream_conf *a, const struct stream_conf *b)
{
	int i;

	if (a == NULL || b == NULL)
		return a != b;
	if (strcmp(a->name, b->name) != 0 || a->type != b->type ||
	    str_differ(a->url, b->url) ||
	    a->n_backup_urls != b->n_backup_urls || a->loop != b->loop ||
	    a->variant != b->variant ||
	    (a->variant == VARIANT_BANDWIDTH &&
	    a->variant_bandwidth != b->variant_bandwidth) ||
	    a->segment_duration != b->segment_duration)
		return 1;
	for (i = 0; i < a->n_backup_urls; i++)
		if (str_differ(a->backup_urls[i], b->backup_urls[i]))
			return 1;
	return opts_differ(&a->opts, &b->opts);
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
	sc->variant = VARIANT_HIGHEST;
	sc->segment_duration = segment_duration > 0 ? segment_duration :
	    CONFIG_DEFAULT_SEGMENT_DURATION;
	sc->opts = *opts;
	sc->opts.on_demand = 1;
	sc->url = strdup(url);
	sc->title = strdup(name);
	sc->group = strdup("");
	sc->opts.user_agent = strdup(opts->user_agent ? opts->user_agent :
	    CONFIG_DEFAULT_USER_AGENT);
	sc->opts.ca_file = strdup(opts->ca_file ? opts->ca_file : "");
	if (sc->url == NULL || sc->title == NULL || sc->group == NULL ||
	    sc->opts.user_agent == NULL || sc->opts.ca_file == NULL) {
		config_stream_destroy(sc);
		return NULL;
	}
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
