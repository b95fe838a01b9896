/*
 * channels_doc.c - the lineup document (channels_doc.h): built by the
 * source process, loaded by the supervisor and the workers.
 *
 * Design choice: a JSON file, not a shared-memory segment.  A lineup is
 * unbounded text (tens of thousands of channels with long URLs), is
 * written once an hour or so and must survive a restart anyway; a file
 * renamed over the old one is read whole and consistent by any process
 * without a lock, and its mtime tells a reader when to load it again.
 *
 * Calls: json-c, libc, json.h, lineup.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channels_doc.h"
#include "util.h"

/* The name of the source whose list holds E, or "". */
static const char *
channels_source_of(const struct m3u_entry *e,
    const struct channels_source *sources,
    const struct m3u_list *const *lists, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lists[i] != NULL && lists[i]->n > 0 &&
		    e >= lists[i]->entries && e < lists[i]->entries + lists[i]->n)
			return sources[i].name;
	return "";
}

static int
channels_build_channel(struct buf *b, const struct lineup_channel *c,
    const char *source, const struct channels_source *sources,
    const struct m3u_list *const *lists, size_t n)
{
	const struct m3u_entry *e = c->sources[0];
	size_t i;

	buf_puts(b, "{");
	json_kv_str(b, "name", c->name);
	json_kv_str(b, "source", source);
	json_kv_str(b, "title", c->title);
	json_kv_str(b, "tvg_id", c->tvg_id);
	json_kv_str(b, "logo", c->logo);
	json_kv_str(b, "group", c->group);
	json_kv_str(b, "chno", c->number[0] != '\0' ? c->number : c->chno);
	json_kv_str(b, "kind", m3u_kind_name(e->kind));
	json_kv_str(b, "ace_id", e->ace_id);
	json_kv_str(b, "user_agent", e->user_agent);
	json_kv_str(b, "referrer", e->referrer);
	json_kv_bool(b, "enabled", c->enabled);
	json_key(b, "urls");
	buf_puts(b, "[");
	for (i = 0; i < c->nsources && i < CHANNELS_MAX_URLS; i++) {
		if (i > 0)
			buf_puts(b, ",");
		json_str(b, c->sources[i]->url);
	}
	buf_puts(b, "]");
	json_key(b, "url_sources");
	buf_puts(b, "[");
	for (i = 0; i < c->nsources && i < CHANNELS_MAX_URLS; i++) {
		if (i > 0)
			buf_puts(b, ",");
		json_str(b, channels_source_of(c->sources[i], sources, lists,
		    n));
	}
	buf_puts(b, "]}");
	return b->failed ? -1 : 0;
}

int
channels_doc_build(struct buf *b, const struct lineup *l,
    const struct channels_source *sources,
    const struct m3u_list *const *lists, size_t n_sources,
    const char *updated)
{
	size_t i;

	buf_puts(b, "{");
	json_kv_int(b, "version", CHANNELS_DOC_VERSION);
	json_kv_str(b, "updated", updated);
	json_key(b, "sources");
	buf_puts(b, "{");
	for (i = 0; i < n_sources; i++) {
		json_key(b, sources[i].name);
		buf_puts(b, "{");
		json_kv_str(b, "refreshed", sources[i].refreshed);
		json_kv_uint(b, "channels", sources[i].channels);
		json_kv_uint(b, "skipped", sources[i].skipped);
		json_kv_str(b, "error", sources[i].error);
		buf_puts(b, "}");
	}
	buf_puts(b, "}");
	json_key(b, "channels");
	buf_puts(b, "[");
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			buf_puts(b, ",");
		channels_build_channel(b, &l->channels[i],
		    channels_source_of(l->channels[i].sources[0], sources,
		    lists, n_sources), sources, lists, n_sources);
	}
	buf_puts(b, "]}\n");
	return b->failed ? -1 : 0;
}

/* The string member KEY of O, or NULL when absent or not a string. */
static const char *
channels_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The N strings of the array member KEY of O into TO: 0, or -1 when it
 * is missing, not N long or holds a non-string. */
static int
channels_strings(json_object *o, const char *key, const char **to, size_t n)
{
	json_object *a, *u;
	size_t i;

	if (!json_object_object_get_ex(o, key, &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != n)
		return -1;
	for (i = 0; i < n; i++) {
		u = json_object_array_get_idx(a, i);
		if (!json_object_is_type(u, json_type_string))
			return -1;
		to[i] = json_object_get_string(u);
	}
	return 0;
}

static int
channels_parse_channel(json_object *o, struct channels_entry *c)
{
	json_object *urls, *v;
	size_t n;

	if (!json_object_is_type(o, json_type_object) ||
	    (c->name = channels_str(o, "name")) == NULL ||
	    (c->source = channels_str(o, "source")) == NULL ||
	    (c->title = channels_str(o, "title")) == NULL ||
	    (c->tvg_id = channels_str(o, "tvg_id")) == NULL ||
	    (c->logo = channels_str(o, "logo")) == NULL ||
	    (c->group = channels_str(o, "group")) == NULL ||
	    (c->chno = channels_str(o, "chno")) == NULL ||
	    (c->kind = channels_str(o, "kind")) == NULL ||
	    (c->ace_id = channels_str(o, "ace_id")) == NULL ||
	    (c->user_agent = channels_str(o, "user_agent")) == NULL ||
	    (c->referrer = channels_str(o, "referrer")) == NULL ||
	    !json_object_object_get_ex(o, "urls", &urls) ||
	    !json_object_is_type(urls, json_type_array))
		return -1;
	n = json_object_array_length(urls);
	if (n == 0 || n > CHANNELS_MAX_URLS ||
	    channels_strings(o, "urls", c->urls, n) == -1 ||
	    channels_strings(o, "url_sources", c->url_sources, n) == -1 ||
	    !json_object_object_get_ex(o, "enabled", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return -1;
	c->enabled = json_object_get_boolean(v);
	c->n_urls = n;
	return 0;
}

static int
channels_parse_source(const char *name, json_object *o,
    struct channels_source *s)
{
	json_object *v;
	const char *t;

	s->name = name;
	if (!json_object_is_type(o, json_type_object))
		return -1;
	if ((t = channels_str(o, "refreshed")) == NULL)
		return -1;
	str_copy(s->refreshed, t, sizeof(s->refreshed));
	if ((t = channels_str(o, "error")) == NULL)
		return -1;
	str_copy(s->error, t, sizeof(s->error));
	if (json_object_object_get_ex(o, "channels", &v))
		s->channels = (size_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "skipped", &v))
		s->skipped = (size_t)json_object_get_int64(v);
	return 0;
}

static int
channels_parse_tree(json_object *root, struct channels_doc *doc,
    char *err, size_t errsz)
{
	json_object *chans, *srcs, *v;
	size_t i, n;

	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "version", &v) ||
	    json_object_get_int(v) != CHANNELS_DOC_VERSION ||
	    !json_object_object_get_ex(root, "channels", &chans) ||
	    !json_object_is_type(chans, json_type_array) ||
	    !json_object_object_get_ex(root, "sources", &srcs) ||
	    !json_object_is_type(srcs, json_type_object)) {
		snprintf(err, errsz, "not a version %d lineup document",
		    CHANNELS_DOC_VERSION);
		return -1;
	}
	n = json_object_array_length(chans);
	if (n > 0 && (doc->channels = calloc(n, sizeof(*doc->channels))) ==
	    NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (channels_parse_channel(json_object_array_get_idx(chans, i),
		    &doc->channels[i]) == -1) {
			snprintf(err, errsz, "channel %zu is malformed", i + 1);
			return -1;
		}
	doc->n = n;
	n = (size_t)json_object_object_length(srcs);
	if (n > 0 && (doc->sources = calloc(n, sizeof(*doc->sources))) ==
	    NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	json_object_object_foreach(srcs, key, val) {
		if (doc->n_sources < n && channels_parse_source(key, val,
		    &doc->sources[doc->n_sources]) == -1) {
			snprintf(err, errsz, "source %s is malformed", key);
			return -1;
		}
		doc->n_sources++;
	}
	return 0;
}

int
channels_doc_parse(const char *text, size_t len, struct channels_doc *doc,
    char *err, size_t errsz)
{
	struct json_tokener *tok;
	json_object *root;

	memset(doc, 0, sizeof(*doc));
	if (len > CHANNELS_DOC_MAX_BYTES || (tok = json_tokener_new()) ==
	    NULL) {
		snprintf(err, errsz, "too big or out of memory");
		return -1;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (root == NULL) {
		snprintf(err, errsz, "not JSON");
		return -1;
	}
	doc->json = root;
	if (channels_parse_tree(root, doc, err, errsz) == -1) {
		channels_doc_free(doc);
		return -1;
	}
	return 0;
}

int
channels_doc_load(const char *path, struct channels_doc *doc, char *err,
    size_t errsz)
{
	struct stat sb;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd, rc, saved;

	memset(doc, 0, sizeof(*doc));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		saved = errno;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &sb) == -1 || sb.st_size > CHANNELS_DOC_MAX_BYTES ||
	    (text = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errsz, "%s: cannot read", path);
		close(fd);
		errno = EIO;
		return -1;
	}
	while (got < (size_t)sb.st_size &&
	    (n = read(fd, text + got, (size_t)sb.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	rc = channels_doc_parse(text, got, doc, err, errsz);
	free(text);
	if (rc == -1)
		errno = EINVAL;
	return rc;
}

void
channels_doc_free(struct channels_doc *doc)
{
	if (doc->json != NULL)
		json_object_put(doc->json);
	free(doc->channels);
	free(doc->sources);
	memset(doc, 0, sizeof(*doc));
}

const struct channels_entry *
channels_doc_find(const struct channels_doc *doc, const char *name)
{
	size_t i;

	for (i = 0; i < doc->n; i++)
		if (strcmp(doc->channels[i].name, name) == 0)
			return &doc->channels[i];
	return NULL;
}
