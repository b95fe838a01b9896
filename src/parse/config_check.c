/*
 * config_check.c - the checks of ringcast.conf's values: strings, URLs,
 * listen addresses, CORS origins, engine and parent URLs, stream-name
 * globs, and the rules between keys.
 *
 * Each check gets the setting it looks at, so its message carries the
 * setting's file and line, and says why a value is wrong in the words of
 * ringcast.conf(5).  A rule between keys (retry_max >= retry_min,
 * window_size <= max_segments, ...) is checked in a scope only when that
 * scope sets one of the keys involved, so that a mistake in `defaults` is
 * reported once, not once per stream.  The walk (config_walk.c) calls
 * these before it stores a value: a value that is wrong is never stored,
 * so it cannot cascade into a second, confusing error.
 *
 * Calls: config_err (recording), config_keys (the flags of a key),
 * hostport (the shape of host:port), libconfig and libc.
 */
#include <sys/un.h>

#include <libconfig.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_check.h"
#include "engine_cmd.h"
#include "hdhr_id.h"
#include "hostport.h"

#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define LISTEN_HOST_MAX	255

int
config_has_ctrl(const char *s, int space_too)
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

int
config_check_string(struct config_ctx *c, const struct keydef *k,
    const config_setting_t *s, const char *v)
{
	if ((k->flags & KF_EMPTY_OK) && v[0] == '\0')
		return 0;
	if (k->max > 0 && strlen(v) > (size_t)k->max) {
		cerror(c, s, "%s is too long (at most %d bytes)", k->name,
		    (int)k->max);
		return -1;
	}
	if ((k->flags & KF_NOCTRL) && config_has_ctrl(v, 0)) {
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
	if (k->flags & (KF_URL | KF_FILE_URL))
		return config_check_url(c, s, k->name, v,
		    (k->flags & KF_FILE_URL) != 0);
	return 0;
}

/* NULL when URL is acceptable, else why not. */
static const char *
url_problem(const char *url, int allow_file)
{
	const char *rest;

	if (strlen(url) >= CONFIG_URL_MAX)
		return "too long";
	if (config_has_ctrl(url, 1))
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
int
config_check_url(struct config_ctx *c, const config_setting_t *s,
    const char *what, const char *url, int allow_file)
{
	const char *why = url_problem(url, allow_file);

	if (why == NULL)
		return 0;
	if (strlen(url) >= CONFIG_URL_MAX)
		cerror(c, s, "%s is too long (at most %d bytes)", what,
		    CONFIG_URL_MAX - 1);
	else if (config_has_ctrl(url, 0))
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

int
config_check_listen(struct config_ctx *c, const config_setting_t *e,
    const char *a)
{
	size_t n = strlen(a), sl = strlen(CONFIG_LISTEN_INTERNAL);
	char bare[LISTEN_HOST_MAX + 16];
	const char *why;

	/* "host:port internal" (config_access.c cuts the flag off) */
	if (n > sl && n - sl < sizeof(bare) &&
	    strcmp(a + n - sl, CONFIG_LISTEN_INTERNAL) == 0) {
		memcpy(bare, a, n - sl);
		bare[n - sl] = '\0';
		a = bare;
	}
	why = listen_problem(a);

	if (why != NULL) {
		if (config_has_ctrl(a, 0))
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

int
config_check_origin(struct config_ctx *c, const config_setting_t *e,
    const char *o)
{
	const char *why = origin_problem(o);

	if (why == NULL)
		return 0;
	if (config_has_ctrl(o, 1))
		cerror(c, e, "invalid origin in cors_origins: %s",
		    "contains a control character or a space");
	else if (strlen(o) > CONFIG_ORIGIN_MAX)
		cerror(c, e, "invalid origin in cors_origins: longer than %d "
		    "bytes", CONFIG_ORIGIN_MAX);
	else
		cerror(c, e, "invalid origin '%s' in cors_origins: %s", o, why);
	return -1;
}

int
config_check_backup(struct config_ctx *c, const config_setting_t *e,
    const char *url)
{
	return config_check_url(c, e, "backup url", url, 1);
}

/* An engine base URL: http(s), no query, not twice in the list. */
int
config_check_engine(struct config_ctx *c, const config_setting_t *e,
    const char *url)
{
	if (config_check_url(c, e, "engine url", url, 0) == -1)
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

void
config_check_opts(struct config_ctx *c, const struct stream_opts *o,
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

/* Tokens are kept in shared memory of a fixed size: refuse longer ones. */
static void
check_token_length(struct config_ctx *c, const config_setting_t *root,
    const char *key, const char *value)
{
	const config_setting_t *s = config_setting_get_member(root, key);

	if (s != NULL && value != NULL &&
	    strlen(value) >= CONFIG_TOKEN_MAX)
		cerror(c, s, "%s is longer than %d characters", key,
		    CONFIG_TOKEN_MAX - 1);
}

int
config_check_parent(struct config_ctx *c, const config_setting_t *e,
    const char *url)
{
	if (config_check_url(c, e, "parent", url, 0) == -1)
		return -1;
	if (strpbrk(url, "?#") != NULL) {
		cerror(c, e, "invalid parent '%s': a base URL has no query or "
		    "fragment (ringcast adds /stream/NAME)", url);
		return -1;
	}
	return 0;
}

/* A glob may hold name characters and the fnmatch specials * ? [ ] ! ^. */
int
config_check_glob(struct config_ctx *c, const config_setting_t *e,
    const char *g)
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
		if (config_has_ctrl(g, 1))
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

/* parent_streams and edge_id mean nothing without a parent. */
static void
check_edge(struct config_ctx *c, const struct config *cfg,
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
check_memory_budget(struct config_ctx *c, const struct config *cfg,
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

/* Named streams and acestream.max_streams share the stream slots. */
static void
check_stream_slots(struct config_ctx *c, const struct config *cfg,
    const config_setting_t *root)
{
	const config_setting_t *s;

	if (!cfg->ace.enabled ||
	    cfg->n_streams + cfg->ace.max_streams <= CONFIG_MAX_STREAMS)
		return;
	s = config_setting_get_member(root, "acestream");
	cerror(c, config_setting_get_member(s, "max_streams") ?
	    config_setting_get_member(s, "max_streams") : s,
	    "acestream.max_streams (%d) and the %d named streams "
	    "exceed the %d stream slots", cfg->ace.max_streams,
	    cfg->n_streams, CONFIG_MAX_STREAMS);
}

/* The setting KEY of G, or G itself when it does not set KEY. */
static const config_setting_t *
setting_or(const config_setting_t *g, const char *key)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	return s != NULL ? s : g;
}

void
config_check_managed(struct config_ctx *c, struct ace_conf *a,
    const config_setting_t *g)
{
	char err[160];

	if (engine_ports_parse(a->engine_ports, &a->engine_port_lo,
	    &a->engine_port_hi) == -1)
		cerror(c, setting_or(g, "engine_ports"), "engine_ports must be "
		    "\"LOW-HIGH\" (ports 1-65535, LOW <= HIGH), not '%s'",
		    a->engine_ports);
	else if (a->engine_port_hi - a->engine_port_lo + 1 < a->max_engines)
		cerror(c, setting_or(g, "engine_ports"), "engine_ports '%s' "
		    "holds %d port(s), fewer than max_engines (%d)",
		    a->engine_ports, a->engine_port_hi - a->engine_port_lo + 1,
		    a->max_engines);
	if (a->min_engines > a->max_engines)
		cerror(c, setting_or(g, "min_engines"), "min_engines (%d) is "
		    "more than max_engines (%d)", a->min_engines,
		    a->max_engines);
	if (a->engine_command[0] != '\0' &&
	    engine_cmd_check(a->engine_command, err, sizeof(err)) == -1)
		cerror(c, setting_or(g, "engine_command"), "engine_command: %s",
		    err);
}

void
config_check_root(struct config_ctx *c, const struct config *cfg,
    const config_setting_t *root)
{
	check_memory_budget(c, cfg, root);
	check_edge(c, cfg, root);
	check_stream_slots(c, cfg, root);
	check_token_length(c, root, "admin_token", cfg->admin_token);
	check_token_length(c, root, "events_token", cfg->events_token);
}

/* number: digits, or digits "." digits (a GuideNumber: "5", "5.1"). */
void
config_check_number(struct config_ctx *c, const struct stream_conf *st,
    const config_setting_t *g)
{
	const char *p = st->number;
	size_t a, b = 0;

	if (p == NULL)
		return;
	a = strspn(p, "0123456789");
	if (p[a] == '.')
		b = strspn(p + a + 1, "0123456789");
	if (a > 0 && (p[a] == '\0' || (b > 0 && p[a + 1 + b] == '\0')))
		return;
	cerror(c, config_setting_get_member(g, "number"), "number must be"
	    " digits, or digits.digits (a channel number: \"5\", \"5.1\")");
}

void
config_check_hdhr(struct config_ctx *c, const struct hdhr_conf *h,
    const config_setting_t *g)
{
	uint32_t id;

	if (h->device_id == NULL || h->device_id[0] == '\0' ||
	    hdhr_device_id_parse(h->device_id, &id) == 0)
		return;
	cerror(c, config_setting_get_member(g, "device_id"), "device_id must"
	    " be an HDHomeRun DeviceID: 8 hex digits whose last is the check"
	    " digit of the others (such as \"1038A4F7\")");
}

void
config_check_loop(struct config_ctx *c, const struct stream_conf *st,
    const config_setting_t *g)
{
	const config_setting_t *lp = config_setting_get_member(g, "loop");
	int i;

	if (st->loop && st->url && !config_url_file_path(st->url))
		cerror(c, lp, "loop = true needs a file:// url, not '%s'",
		    st->url);
	for (i = 0; st->loop && i < st->n_backup_urls; i++)
		if (!config_url_file_path(st->backup_urls[i]))
			cerror(c, lp, "loop = true needs file:// urls, "
			    "not backup url '%s'", st->backup_urls[i]);
}

int
config_check_list_name(struct config_ctx *c, const config_setting_t *s,
    const char *what, const struct config_names *prev, char *out,
    size_t outsz)
{
	const char *v, *name;
	int i;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return -1;
	}
	v = config_setting_get_string(s);
	if (!config_name_valid(v) || strlen(v) >= outsz) {
		cerror(c, s, "invalid %s name: use 1 to %d of A-Z a-z 0-9 _ -",
		    what, CONFIG_NAME_MAX);
		return -1;
	}
	for (i = 0; i < prev->n; i++) {
		name = (const char *)prev->base + (size_t)i * prev->size +
		    prev->name_off;
		if (strcmp(name, v) == 0) {
			cerror(c, s, "duplicate %s name '%s' (first defined at "
			    "line %d)", what, v, *(const int *)(const void *)
			    ((const char *)prev->base + (size_t)i * prev->size +
			    prev->line_off));
			return -1;
		}
	}
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

int
config_check_count(struct config_ctx *c, const config_setting_t *s,
    const char *unit, int *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		cerror(c, s, "%s must be a whole number of %s, not %s",
		    config_setting_name(s), unit,
		    config_type_name(config_setting_type(s)));
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < 0 || v > INT_MAX) {
		cerror(c, s, "%s must be 0 (no limit) to %d, not %lld",
		    config_setting_name(s), INT_MAX, v);
		return -1;
	}
	*out = (int)v;
	return 0;
}

void *
config_check_group_list(struct config_ctx *c, const config_setting_t *s,
    const struct config_group_list *gl, int *n)
{
	void *arr;
	int len;

	*n = 0;
	if (!config_setting_is_list(s)) {
		cerror_type(c, s, gl->shape);
		return NULL;
	}
	len = config_setting_length(s);
	if (len > gl->max) {
		cerror(c, s, "too many %s: %d (at most %d%s)", gl->what, len,
		    gl->max, gl->hint != NULL ? gl->hint : "");
		return NULL;
	}
	if (len == 0)
		return NULL;
	if ((arr = calloc((size_t)len, gl->size)) == NULL) {
		cerror(c, s, "out of memory");
		return NULL;
	}
	*n = len;
	return arr;
}
