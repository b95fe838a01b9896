/*
 * http_channels.c - GET /channels: the lineup of the channel lists
 * (`sources`), as JSON.
 *
 * Read from STATE_DIR/channels.json (channels_doc.h), which the source
 * process renames over the old one, so a request sees one whole lineup
 * without asking another process.  Each channel has its URLs, its
 * sources' URLs with credentials hidden, and its state: "running" (its
 * stream has a fetcher), "idle", or "shadowed" (a configured stream has
 * its name, and wins).  ?group=G keeps the channels of group G.
 */
#include <errno.h>
#include <string.h>

#include "channels_doc.h"
#include "http.h"
#include "routes.h"
#include "util.h"

/* "running", "idle" or "shadowed" for the channel NAME. */
static const char *
http_channel_state(struct worker *w, const char *name)
{
	struct slot_cfg cfg;
	int slot;

	if ((slot = state_find(w->st, name)) == -1 ||
	    state_slot_read(w->st, slot, &cfg) == -1)
		return "idle";
	if (cfg.origin != STREAM_ORIGIN_LINEUP)
		return "shadowed";
	return atomic_load(&w->st->streams[slot].fetcher_pid) > 0 ?
	    "running" : "idle";
}

static void
http_channel_json(struct worker *w, const struct channels_entry *c,
    struct buf *b)
{
	char url[CHANNELS_REDACT_MAX];
	size_t i;

	buf_puts(b, "{");
	json_kv_str(b, "name", c->name);
	json_kv_str(b, "title", c->title);
	json_kv_str(b, "group", c->group);
	json_kv_str(b, "logo", c->logo);
	json_kv_str(b, "number", c->chno);
	json_kv_str(b, "tvg_id", c->tvg_id);
	json_kv_str(b, "kind", c->kind);
	json_kv_str(b, "state", http_channel_state(w, c->name));
	buf_printf(b, ",\"ts\":\"/stream/%s\",\"hls\":\"/hls/%s/index.m3u8\"",
	    c->name, c->name);
	json_key(b, "sources");
	buf_puts(b, "[");
	for (i = 0; i < c->n_urls; i++) {
		if (i > 0)
			buf_puts(b, ",");
		if (channels_redact_url(c->urls[i], url, sizeof(url)) == -1)
			str_copy(url, "***", sizeof(url));
		json_str(b, url);
	}
	buf_puts(b, "]}");
}

static void
http_channels_sources(const struct channels_doc *doc, struct buf *b)
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

enum MHD_Result
http_channels_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	const char *group = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "group");
	struct channels_doc doc;
	enum MHD_Result ret;
	char err[256];
	struct buf b;
	size_t i, n = 0;

	(void)url;
	(void)method;
	(void)con_cls;
	if (channels_doc_load(w->channels_file, &doc, err, sizeof(err)) == -1 &&
	    errno != ENOENT)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the lineup cannot be read");
	buf_init(&b);
	buf_puts(&b, "{");
	http_channels_sources(&doc, &b);
	json_key(&b, "channels");
	buf_puts(&b, "[");
	for (i = 0; i < doc.n; i++) {
		if (group != NULL && strcmp(doc.channels[i].group, group) != 0)
			continue;
		if (n++ > 0)
			buf_puts(&b, ",");
		http_channel_json(w, &doc.channels[i], &b);
	}
	buf_puts(&b, "]}\n");
	channels_doc_free(&doc);
	if (b.failed)
		ret = http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory");
	else
		ret = http_reply(conn, MHD_HTTP_OK, "application/json", b.data,
		    b.len);
	buf_free(&b);
	return ret;
}
