/*
 * channels.c - the lineup origin (origin.h, sources.h): a channel of the
 * sources' lineup becomes, on its first player's request, an on-demand
 * stream named by the channel.
 *
 * The lineup is STATE_DIR/channels.json, written by the source process;
 * lineup_poll() (every tick, and create()) loads it again when its
 * inode, modification time or size changed, so the supervisor holds the
 * last lineup without a message of its own.  A channel's first URL (of a
 * source with room, below) is played and the others are its backup URLs; a
 * .m3u8 (or HLS) entry is an HLS stream, anything else TS.  An
 * AceStream entry (acestream://ID, an engine's getstream link, a magnet)
 * is not a stream of its own: alias() hands the request to the
 * AceStream origin (acestream.c) under the key /ace/getstream?id=ID
 * would have, so a channel and the content id share one stream, one
 * engine session, however they are asked for (without engines: 503).
 * A disabled channel ("enabled": false) is listed and never played.
 *
 * A source's max_streams bounds how many of its channels play at once:
 * each running stream is counted against the source of the URL it
 * started from (remembered by slot until ended()), and a channel whose
 * first source is full starts from the next URL whose source has room
 * (channels_pick.h), or is refused with 503.  AceStream channels are
 * not counted: the engines' limits hold for them.
 *
 * A refresh never changes a running stream (a changed URL is used at
 * its next start); the supervisor polls the file every tick
 * (lineup_poll, channels.h) and handles a stream whose channel is gone
 * or disabled as removed_channels says (sup_stream.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "channels.h"
#include "channels_doc.h"
#include "channels_json.h"
#include "channels_pick.h"
#include "log.h"
#include "sources.h"
#include "util.h"

static struct channels_doc	 lineup_doc;
static struct stat		 lineup_stat;
static uint64_t			 lineup_gen;	/* loads so far */
static char			 lineup_path[PATH_MAX];
/* The source whose URL each slot's stream started from ("": none). */
static char			 lineup_slot_source[STATE_MAX_STREAMS]
				    [CONFIG_NAME_MAX + 1];

/* Load channels.json when it changed since the last load (a damaged
 * file keeps the last lineup, and is read once, not at every poll). */
uint64_t
lineup_poll(void)
{
	struct channels_doc doc;
	struct stat sb;
	char err[256];

	if (lineup_path[0] == '\0' || stat(lineup_path, &sb) == -1)
		return lineup_gen;
	if (sb.st_mtim.tv_sec == lineup_stat.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == lineup_stat.st_mtim.tv_nsec &&
	    sb.st_size == lineup_stat.st_size && sb.st_ino == lineup_stat.st_ino)
		return lineup_gen;
	lineup_stat = sb;
	if (channels_doc_load(lineup_path, &doc, err, sizeof(err)) == -1) {
		log_warnx("lineup: %s", err);
		return lineup_gen;
	}
	channels_doc_free(&lineup_doc);
	lineup_doc = doc;
	return ++lineup_gen;
}

int
lineup_gone(const char *name)
{
	const struct channels_entry *c = channels_doc_find(&lineup_doc, name);

	return c == NULL || !c->enabled;
}

static int
lineup_key_valid(const char *key)
{
	return config_name_valid(key);
}

/* The options of channel C: its source's (`defaults` and the source's
 * own), or `defaults` when the source is gone from CFG. */
static const struct stream_opts *
lineup_opts(const struct config *cfg, const struct channels_entry *c)
{
	int i;

	for (i = 0; i < cfg->n_sources; i++)
		if (strcmp(cfg->sources[i].name, c->source) == 0)
			return &cfg->sources[i].opts;
	return &cfg->defaults;
}

/* The stream conf of channel C under CFG playing its URLs PICK (N of
 * them: the first played, the others its backups), or NULL. */
static struct stream_conf *
lineup_make(const struct config *cfg, const struct channels_entry *c,
    const size_t *pick, size_t n)
{
	const char *url = c->urls[pick[0]];
	struct stream_conf *sc;
	char *ua = NULL, *hdr = NULL;
	size_t i;

	if ((sc = config_stream_make(STREAM_ORIGIN_LINEUP, c->name, url,
	    lineup_opts(cfg, c), CONFIG_DEFAULT_SEGMENT_DURATION)) == NULL)
		return NULL;
	if (strcmp(c->kind, "hls") == 0 || (strcmp(c->kind, "auto") == 0 &&
	    strstr(url, ".m3u8") != NULL))
		sc->type = STREAM_HLS;
	for (i = 1; i < n && i <= CONFIG_MAX_BACKUP_URLS; i++) {
		if ((sc->backup_urls[i - 1] = strdup(c->urls[pick[i]])) ==
		    NULL)
			goto fail;
		sc->n_backup_urls = (int)i;
	}
	if (c->user_agent[0] != '\0') {
		if ((ua = strdup(c->user_agent)) == NULL)
			goto fail;
		free(sc->opts.user_agent);
		sc->opts.user_agent = ua;
	}
	if (c->referrer[0] != '\0') {
		if (asprintf(&hdr, "Referer: %s", c->referrer) == -1)
			goto fail;
		sc->request_header = hdr;
	}
	sc->opts.on_demand = 1;
	return sc;
fail:
	config_stream_destroy(sc);
	return NULL;
}

/* The room of every source of CFG into ROOMS (CONFIG_MAX_SOURCES): its
 * max_streams and the streams that started from its URLs.  Their
 * count. */
static size_t
lineup_rooms(const struct config *cfg, struct channels_room *rooms)
{
	size_t n = 0;
	int i, s;

	for (i = 0; i < cfg->n_sources && i < CONFIG_MAX_SOURCES; i++) {
		rooms[n].source = cfg->sources[i].name;
		rooms[n].max = (unsigned)cfg->sources[i].max_streams;
		rooms[n].running = 0;
		for (s = 0; s < STATE_MAX_STREAMS; s++)
			if (strcmp(lineup_slot_source[s],
			    cfg->sources[i].name) == 0)
				rooms[n].running++;
		n++;
	}
	return n;
}

static struct stream_conf *
lineup_create(struct state *st, const struct config *cfg, const char *key,
    const char *args, int slot, struct origin_refusal *r)
{
	struct channels_room rooms[CONFIG_MAX_SOURCES];
	size_t pick[CHANNELS_MAX_URLS], n, n_rooms;
	const struct channels_entry *c;
	struct stream_conf *sc;

	(void)st;
	(void)args;
	lineup_poll();
	if (cfg->n_sources == 0 ||
	    (c = channels_doc_find(&lineup_doc, key)) == NULL) {
		origin_refuse(r, 404, 0, "no such stream");
		return NULL;
	}
	if (!c->enabled) {
		origin_refuse(r, 404, 0, "channel %s is disabled", key);
		return NULL;
	}
	if (strcmp(c->kind, "acestream") == 0) {	/* alias() had it */
		origin_refuse(r, 503, RETRY_AFTER_S, "the lineup changed");
		return NULL;
	}
	n_rooms = lineup_rooms(cfg, rooms);
	if ((n = channels_pick(c, rooms, n_rooms, pick)) == 0) {
		channels_pick_refusal(c, rooms, n_rooms, r->reason,
		    sizeof(r->reason));
		r->status = 503;
		r->retry_after_s = RETRY_AFTER_S;
		return NULL;
	}
	if ((sc = lineup_make(cfg, c, pick, n)) == NULL) {
		origin_refuse(r, 503, RETRY_AFTER_S, "cannot make the stream");
		return NULL;
	}
	if (slot >= 0 && slot < STATE_MAX_STREAMS)
		str_copy(lineup_slot_source[slot], c->url_sources[pick[0]] ?
		    c->url_sources[pick[0]] : "", sizeof(lineup_slot_source[0]));
	log_info("stream %s: channel of the lineup, from %s (source %s)", key,
	    c->urls[pick[0]], c->url_sources[pick[0]]);
	return sc;
}

/* SLOT's stream ended: its source has room again. */
static void
lineup_ended(struct state *st, int slot, const struct stream_conf *sc)
{
	(void)st;
	(void)sc;
	if (slot >= 0 && slot < STATE_MAX_STREAMS)
		lineup_slot_source[slot][0] = '\0';
}

/* stream_started and stream_ended of a channel: the source of its URL. */
static void
lineup_event_fields(struct state *st, int slot, const struct stream_conf *sc,
    struct buf *b)
{
	(void)st;
	(void)sc;
	if (slot >= 0 && slot < STATE_MAX_STREAMS &&
	    lineup_slot_source[slot][0] != '\0')
		json_kv_str(b, "source", lineup_slot_source[slot]);
}

/* A channel that is an AceStream id is the AceStream origin's stream. */
static int
lineup_alias(struct state *st, const struct config *cfg, const char *key,
    unsigned *origin, char *to, size_t tosz, char *args, size_t argssz,
    struct origin_refusal *r)
{
	const struct channels_entry *c;

	(void)st;
	lineup_poll();
	if (cfg->n_sources == 0 ||
	    (c = channels_doc_find(&lineup_doc, key)) == NULL)
		return 0;
	if (!c->enabled) {
		origin_refuse(r, 404, 0, "channel %s is disabled", key);
		return -1;
	}
	if (strcmp(c->kind, "acestream") != 0)
		return 0;
	if (!cfg->ace.enabled || cfg->ace.n_engines == 0) {
		origin_refuse(r, 503, 0, "channel %s is an AceStream id and "
		    "no engine is configured (acestream.engines)", key);
		return -1;
	}
	if (channels_ace_input(c, to, tosz, args, argssz) == -1) {
		origin_refuse(r, 502, 0, "channel %s: its AceStream link "
		    "cannot be read", key);
		return -1;
	}
	*origin = STREAM_ORIGIN_ACE;
	log_info("stream %s: channel of the lineup, AceStream %s", key, to);
	return 1;
}

static void
lineup_configure(struct state *st, const struct config *cfg)
{
	snprintf(lineup_path, sizeof(lineup_path), "%s/%s", cfg->state_dir,
	    CHANNELS_DOC_FILE);
	memset(&lineup_stat, 0, sizeof(lineup_stat));
	atomic_store(&st->lineup_mode, cfg->n_sources > 0);
}

static int
lineup_helper_wanted(const struct config *cfg)
{
	return cfg->n_sources > 0;
}

const struct origin_ops lineup_origin = {
	.name = "lineup",
	.key_valid = lineup_key_valid,
	.alias = lineup_alias,
	.create = lineup_create,
	.ended = lineup_ended,
	.event_fields = lineup_event_fields,
	.configure = lineup_configure,
	.helper_wanted = lineup_helper_wanted,
	.helper_main = sources_main,
};
