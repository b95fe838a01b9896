/*
 * channels_json.c - the lineup as JSON for people (channels_json.h):
 * GET /channels in a worker and `ringcastctl channels` in the
 * supervisor render it here, from the document and the state segment.
 */
#include <json-c/json.h>
#include <string.h>

#include "ace_input.h"
#include "channels_json.h"
#include "redact.h"
#include "m3u_url.h"
#include "util.h"

int
channels_ace_input(const struct channels_entry *c, char *to, size_t tosz,
    char *args, size_t argssz)
{
	char hash[CONFIG_ACE_ID_LEN + 1];
	struct ace_request rq;
	struct m3u_url u;
	enum m3u_skip why;

	if (strcmp(c->kind, "acestream") != 0 ||
	    m3u_url_classify(c->urls[0], &u, &why) == -1 ||
	    u.kind != M3U_KIND_ACE)
		return -1;
	memset(&rq, 0, sizeof(rq));
	rq.param = u.ace == M3U_ACE_CONTENT_ID ? "id" : "infohash";
	if (u.ace == M3U_ACE_MAGNET) {
		if (ace_magnet_infohash(c->urls[0], hash) == -1)
			return -1;
		rq.value = hash;
	} else
		rq.value = u.ace_id;
	if (ace_request_problem(&rq) != NULL ||
	    ace_request_key(&rq, to, tosz) == -1 ||
	    ace_request_args(&rq, args, argssz) == -1)
		return -1;
	return 0;
}

/* The state of the content-id stream AceStream channel C plays as. */
static const char *
channels_ace_state(const struct state *st, const struct channels_entry *c)
{
	char key[CONFIG_NAME_MAX + 1], args[1024];
	int slot;

	if (channels_ace_input(c, key, sizeof(key), args, sizeof(args)) == -1 ||
	    (slot = state_find(st, key)) == -1)
		return "idle";
	return atomic_load(&st->streams[slot].fetcher_pid) > 0 ?
	    "running" : "idle";
}

const char *
channels_entry_state(const struct state *st, const struct channels_entry *c)
{
	if (!c->enabled)
		return "disabled";
	if (strcmp(c->kind, "acestream") == 0 &&
	    strcmp(channels_state(st, c->name), "shadowed") != 0)
		return channels_ace_state(st, c);
	return channels_state(st, c->name);
}

const char *
channels_state(const struct state *st, const char *name)
{
	struct slot_cfg cfg;
	int slot;

	if ((slot = state_find(st, name)) == -1 ||
	    state_slot_read(st, slot, &cfg) == -1)
		return "idle";
	if (cfg.origin != STREAM_ORIGIN_LINEUP)
		return "shadowed";
	return atomic_load(&st->streams[slot].fetcher_pid) > 0 ?
	    "running" : "idle";
}

/*
 * The URL channel C plays from, credentials hidden, into OUT: the one its
 * running stream's fetcher uses now (after a failover, a backup), else
 * the one a start would use first.  An AceStream channel plays its link.
 */
static void
channels_current_url(const struct state *st, const struct channels_entry *c,
    char *out, size_t outsz)
{
	char now[STATE_URL_MAX] = "", err[8];
	int slot;

	if (strcmp(c->kind, "acestream") != 0 &&
	    (slot = state_find(st, c->name)) != -1 &&
	    atomic_load(&st->streams[slot].fetcher_pid) > 0)
		state_slot_get_info(st, slot, now, sizeof(now), err,
		    sizeof(err));
	if (url_redact(now[0] != '\0' ? now : c->urls[0], out,
	    outsz) == -1)
		str_copy(out, "***", outsz);
}

static void
channels_json_channel(const struct channels_entry *c, const struct state *st,
    struct buf *b)
{
	char url[REDACT_URL_MAX];
	size_t i;

	buf_puts(b, "{");
	json_kv_str(b, "name", c->name);
	json_kv_str(b, "source", c->source);
	json_kv_str(b, "title", c->title);
	json_kv_str(b, "group", c->group);
	json_kv_str(b, "logo", c->logo);
	json_kv_str(b, "number", c->chno);
	json_kv_str(b, "tvg_id", c->tvg_id);
	json_kv_str(b, "kind", c->kind);
	json_kv_bool(b, "enabled", c->enabled);
	json_kv_str(b, "state", channels_entry_state(st, c));
	buf_printf(b, ",\"ts\":\"/stream/%s\",\"hls\":\"/hls/%s/index.m3u8\"",
	    c->name, c->name);
	channels_current_url(st, c, url, sizeof(url));
	json_kv_str(b, "url", url);
	json_key(b, "sources");
	buf_puts(b, "[");
	for (i = 0; i < c->n_urls; i++) {
		if (i > 0)
			buf_puts(b, ",");
		if (url_redact(c->urls[i], url, sizeof(url)) == -1)
			str_copy(url, "***", sizeof(url));
		json_str(b, url);
	}
	buf_puts(b, "]}");
}

static void
channels_json_sources(const struct channels_doc *doc, struct buf *b)
{
	const struct channels_source *s;
	size_t i;

	json_key(b, "sources");
	buf_puts(b, "{");
	for (i = 0; i < doc->n_sources; i++) {
		s = &doc->sources[i];
		json_key(b, s->name);
		buf_puts(b, "{");
		json_kv_str(b, "refreshed", s->refreshed);
		json_kv_uint(b, "channels", s->channels);
		json_kv_uint(b, "skipped", s->skipped);
		json_kv_str(b, "error", s->error);
		buf_puts(b, "}");
	}
	buf_puts(b, "}");
}

int
channels_json(const struct channels_doc *doc, const struct state *st,
    const char *group, struct buf *b)
{
	size_t i, n = 0;

	buf_puts(b, "{");
	channels_json_sources(doc, b);
	json_key(b, "channels");
	buf_puts(b, "[");
	for (i = 0; i < doc->n; i++) {
		if (group != NULL && strcmp(doc->channels[i].group, group) != 0)
			continue;
		if (n++ > 0)
			buf_puts(b, ",");
		channels_json_channel(&doc->channels[i], st, b);
	}
	buf_puts(b, "]}");
	return b->failed ? -1 : 0;
}

static void
channels_m3u_attr(struct buf *b, const char *attr, const char *v)
{
	if (v[0] == '\0')
		return;
	buf_printf(b, " %s=\"", attr);
	json_escape(b, v, strlen(v));
	buf_puts(b, "\"");
}

int
channels_playlist_m3u(const struct channels_doc *doc, const struct state *st,
    const char *base_url, const char *group, struct buf *b)
{
	const struct channels_entry *c;
	size_t i;

	for (i = 0; i < doc->n; i++) {
		c = &doc->channels[i];
		if ((group != NULL && strcmp(c->group, group) != 0) ||
		    !c->enabled ||
		    strcmp(channels_state(st, c->name), "shadowed") == 0)
			continue;
		buf_puts(b, "#EXTINF:-1");
		channels_m3u_attr(b, "tvg-id", c->tvg_id[0] ? c->tvg_id :
		    c->name);
		channels_m3u_attr(b, "tvg-name", c->title);
		channels_m3u_attr(b, "tvg-logo", c->logo);
		channels_m3u_attr(b, "tvg-chno", c->chno);
		channels_m3u_attr(b, "group-title", c->group);
		buf_puts(b, ",");
		json_escape(b, c->title, strlen(c->title));
		buf_printf(b, "\n%s/stream/%s\n", base_url, c->name);
	}
	return b->failed ? -1 : 0;
}

int
channels_status_sources(const struct channels_doc *doc, struct buf *b)
{
	if (b->failed || b->len < 2 || b->data[b->len - 1] != '}')
		return b->failed ? -1 : 0;
	b->len--;		/* reopen the object */
	channels_json_sources(doc, b);
	buf_puts(b, "}");
	return b->failed ? -1 : 0;
}

/* The string member KEY of O, or "" (a missing or non-string member). */
static const char *
channels_text_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static void
channels_text_sources(json_object *root, struct buf *b)
{
	json_object *srcs, *v;

	if (!json_object_object_get_ex(root, "sources", &srcs) ||
	    !json_object_is_type(srcs, json_type_object))
		return;
	json_object_object_foreach(srcs, name, s) {
		buf_printf(b, "source %s: ", name);
		if (json_object_object_get_ex(s, "channels", &v))
			buf_printf(b, "%lld channels, ",
			    (long long)json_object_get_int64(v));
		if (json_object_object_get_ex(s, "skipped", &v))
			buf_printf(b, "%lld skipped, ",
			    (long long)json_object_get_int64(v));
		buf_printf(b, "refreshed %s", channels_text_str(s, "refreshed")[0]
		    ? channels_text_str(s, "refreshed") : "never");
		if (channels_text_str(s, "error")[0] != '\0')
			buf_printf(b, ", last refresh failed: %s",
			    channels_text_str(s, "error"));
		buf_puts(b, "\n");
	}
}

int
channels_text(const char *json, size_t len, struct buf *b)
{
	json_object *root, *chans, *c;
	struct json_tokener *tok;
	size_t i, n;

	if ((tok = json_tokener_new()) == NULL)
		return -1;
	root = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (root == NULL || !json_object_object_get_ex(root, "channels",
	    &chans) || !json_object_is_type(chans, json_type_array)) {
		json_object_put(root);
		return -1;
	}
	channels_text_sources(root, b);
	n = json_object_array_length(chans);
	buf_printf(b, "%-7s %-24s %-8s %-16s %-12s %s\n", "NUMBER", "NAME",
	    "STATE", "GROUP", "SOURCE", "TITLE");
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(chans, i);
		buf_printf(b, "%-7s %-24s %-8s %-16s %-12s %s\n",
		    channels_text_str(c, "number"), channels_text_str(c, "name"),
		    channels_text_str(c, "state"), channels_text_str(c, "group"),
		    channels_text_str(c, "source"), channels_text_str(c, "title"));
	}
	buf_printf(b, "%zu channels\n", n);
	json_object_put(root);
	return b->failed ? -1 : 0;
}
