/*
 * edge.c - edge mode, the supervisor's half: the "parent" origin of
 * dynamic streams (origin.h).
 *
 * An edge ringcast serves the streams of its parents (origin ringcasts):
 * a name the file does not define, allowed by parent_streams, becomes a
 * TS stream of PARENT/stream/NAME with the other parents as backup URLs,
 * so failover, null packets while a parent is silent and discontinuity
 * marking are the TS fetcher's, as for any upstream.  The fetcher sends
 * the edge's identity (X-Ringcast-Edge) so that the parent can tell an
 * edge from a player, and ends the stream when every parent answered 404
 * (not_found_ends).
 *
 * Design choices:
 * - Nothing is proxied unless parent_streams says so: an edge is never
 *   an open proxy by mistake.
 * - A name the parents do not have is remembered for
 *   EDGE_NOT_FOUND_TTL_MS, here in the supervisor, so that a storm of
 *   players asking for it costs the parents one request, not one each.
 *   The table is small and replaces its oldest entry when full; a
 *   forgotten name only costs one more request to a parent.
 * - The workers learn from the state segment (edge_mode) whether to ask
 *   at all; the supervisor, which has the current configuration, decides.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ace_client.h"
#include "edge.h"
#include "hostport.h"
#include "log.h"
#include "util.h"

struct edge_miss {
	char		 name[CONFIG_NAME_MAX + 1];	/* "" = free */
	uint64_t	 until_ms;			/* monotonic */
};

static struct edge_miss	 edge_misses[EDGE_NOT_FOUND_MAX];

void
edge_identity(const struct config *cfg, char *out, size_t outsz)
{
	char host[256];
	struct hostport listen0;
	const char *port = NULL;

	if (cfg->edge_id != NULL && cfg->edge_id[0] != '\0') {
		str_copy(out, cfg->edge_id, outsz);
		return;
	}
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		str_copy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	if (cfg->n_listen > 0 &&
	    hostport_parse(cfg->listen[0], 0, &listen0) == 0)
		port = listen0.port_text;
	snprintf(out, outsz, "%s:%s", host, port != NULL ? port : "8080");
}

/* BASE/stream/NAME, with one slash however BASE ends; -1 if too long. */
static int
edge_url(const char *base, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(base);
	int len;

	while (n > 0 && base[n - 1] == '/')
		n--;
	len = snprintf(out, outsz, "%.*s" CONFIG_PARENT_PATH "%s", (int)n, base,
	    name);
	return len < 0 || (size_t)len >= outsz ? -1 : 0;
}

/* BASE/ace/getstream?id=ID (or infohash=) for the content-id KEY. */
static int
edge_ace_url(const char *base, const char *key, char *out, size_t outsz)
{
	const char *param, *id;
	size_t n = strlen(base);
	int len;

	if (ace_key_split(key, &param, &id) == -1)
		return -1;
	while (n > 0 && base[n - 1] == '/')
		n--;
	len = snprintf(out, outsz, "%.*s" CONFIG_PARENT_ACE_PATH "%s=%s",
	    (int)n, base, param, id);
	return len < 0 || (size_t)len >= outsz ? -1 : 0;
}

/* The URL of KEY at BASE for ORIGIN (a name, or a content id). */
static int
edge_key_url(enum stream_origin origin, const char *base, const char *key,
    char *out, size_t outsz)
{
	if (origin == STREAM_ORIGIN_PARENT_ACE)
		return edge_ace_url(base, key, out, outsz);
	return edge_url(base, key, out, outsz);
}

/* ---- names the parents do not have ---- */

static struct edge_miss *
edge_miss_find(const char *name)
{
	uint64_t now = now_ms();
	int i;

	for (i = 0; i < EDGE_NOT_FOUND_MAX; i++)
		if (edge_misses[i].name[0] != '\0' &&
		    edge_misses[i].until_ms > now &&
		    strcmp(edge_misses[i].name, name) == 0)
			return &edge_misses[i];
	return NULL;
}

static void
edge_miss_add(const char *name)
{
	struct edge_miss *m = edge_miss_find(name), *oldest = &edge_misses[0];
	int i;

	for (i = 0; m == NULL && i < EDGE_NOT_FOUND_MAX; i++) {
		if (edge_misses[i].until_ms <= now_ms()) {
			m = &edge_misses[i];	/* free or expired */
			break;
		}
		if (edge_misses[i].until_ms < oldest->until_ms)
			oldest = &edge_misses[i];
	}
	if (m == NULL)
		m = oldest;
	str_copy(m->name, name, sizeof(m->name));
	m->until_ms = now_ms() + EDGE_NOT_FOUND_TTL_MS;
}

/* ---- the origin's hooks ---- */

static int
edge_key_valid(const char *key)
{
	return config_name_valid(key);
}

static int
edge_ace_key_valid(const char *key)
{
	const char *param, *id;

	return ace_key_split(key, &param, &id) == 0;
}

/* The stream conf CFG would make for NAME of ORIGIN: URLs and identity
 * header. */
static struct stream_conf *
edge_make(const struct config *cfg, enum stream_origin origin,
    const char *name)
{
	char url[CONFIG_URL_MAX], id[CONFIG_EDGE_ID_MAX + 1];
	char header[sizeof(EDGE_HEADER) + 2 + sizeof(id)];
	struct stream_conf *sc;
	int i;

	if (edge_key_url(origin, cfg->parents[0], name, url, sizeof(url)) ==
	    -1 || (sc = config_stream_make(origin, name, url, &cfg->defaults,
	    CONFIG_DEFAULT_SEGMENT_DURATION)) == NULL)
		return NULL;
	for (i = 1; i < cfg->n_parents && i <= CONFIG_MAX_BACKUP_URLS; i++) {
		if (edge_key_url(origin, cfg->parents[i], name, url,
		    sizeof(url)) == -1 ||
		    (sc->backup_urls[i - 1] = strdup(url)) == NULL) {
			config_stream_destroy(sc);
			return NULL;
		}
		sc->n_backup_urls = i;
	}
	edge_identity(cfg, id, sizeof(id));
	snprintf(header, sizeof(header), "%s: %s", EDGE_HEADER, id);
	if ((sc->request_header = strdup(header)) == NULL) {
		config_stream_destroy(sc);
		return NULL;
	}
	sc->not_found_ends = 1;
	return sc;
}

/*
 * With max_memory set, the rings that exist now (the supervisor's own
 * records: it runs this) and one more for a new edge stream must fit.
 */
static int
edge_memory_ok(const struct state *st, const struct config *cfg)
{
	unsigned long long sum = (unsigned long long)cfg->defaults.ring_size;
	int i;

	if (cfg->max_memory <= 0)
		return 1;
	for (i = 0; i < STATE_MAX_STREAMS; i++)
		if (st->streams[i].in_use &&
		    atomic_load(&st->streams[i].ring_gen) != 0)
			sum += st->streams[i].ring_size;
	return sum <= (unsigned long long)cfg->max_memory;
}

static struct stream_conf *
edge_create_as(enum stream_origin origin, struct state *st,
    const struct config *cfg, const char *key, struct origin_refusal *r)
{
	struct stream_conf *sc;
	struct edge_miss *m;

	if (!config_parent_allows(cfg, key)) {
		origin_refuse(r, 404, 0, "no such stream");
		return NULL;
	}
	if ((m = edge_miss_find(key)) != NULL) {
		origin_refuse(r, 404,
		    (unsigned)((m->until_ms - now_ms()) / 1000 + 1),
		    "no such stream at the parent");
		return NULL;
	}
	if (!edge_memory_ok(st, cfg)) {
		origin_refuse(r, 503, RETRY_AFTER_S,
		    "max_memory reached: no room for "
		    "another stream's ring");
		return NULL;
	}
	if ((sc = edge_make(cfg, origin, key)) == NULL) {
		origin_refuse(r, 503, RETRY_AFTER_S, "cannot make the stream");
		return NULL;
	}
	log_info("stream %s: pulling from parent %s", key, cfg->parents[0]);
	return sc;
}

static struct stream_conf *
edge_create(struct state *st, const struct config *cfg, const char *key,
    const char *args, int slot, struct origin_refusal *r)
{
	(void)args;
	(void)slot;
	return edge_create_as(STREAM_ORIGIN_PARENT, st, cfg, key, r);
}

/* A content id on an edge without engines: the parent's /ace/getstream. */
static struct stream_conf *
edge_ace_create(struct state *st, const struct config *cfg, const char *key,
    const char *args, int slot, struct origin_refusal *r)
{
	(void)args;
	(void)slot;
	return edge_create_as(STREAM_ORIGIN_PARENT_ACE, st, cfg, key, r);
}

static void
edge_not_found(struct state *st, int slot, const struct stream_conf *sc)
{
	(void)st;
	(void)slot;
	log_info("stream %s: no parent has it; answering 404 for %d s",
	    sc->name, EDGE_NOT_FOUND_TTL_MS / 1000);
	edge_miss_add(sc->name);
}

static void
edge_configure(struct state *st, const struct config *cfg)
{
	memset(edge_misses, 0, sizeof(edge_misses));	/* parents changed? */
	atomic_store(&st->edge_mode, cfg->n_parents > 0 &&
	    cfg->n_parent_streams > 0);
	/* with engines of its own, an edge plays content ids itself */
	atomic_store(&st->edge_content_ids, atomic_load(&st->edge_mode) &&
	    !(cfg->ace.enabled && cfg->ace.n_engines > 0));
}

static int
edge_stale(struct state *st, const struct config *cfg, int slot,
    const struct stream_conf *sc)
{
	struct stream_conf *want;
	int i, stale;

	(void)st;
	(void)slot;
	if (!config_parent_allows(cfg, sc->name) ||
	    (want = edge_make(cfg, sc->origin, sc->name)) == NULL)
		return 1;
	stale = strcmp(want->url, sc->url) != 0 ||
	    want->n_backup_urls != sc->n_backup_urls ||
	    strcmp(want->request_header, sc->request_header) != 0 ||
	    config_stream_changed(want, sc);
	for (i = 0; !stale && i < sc->n_backup_urls; i++)
		stale = strcmp(want->backup_urls[i], sc->backup_urls[i]) != 0;
	config_stream_destroy(want);
	return stale;
}

static void
edge_event_fields(struct state *st, int slot, const struct stream_conf *sc,
    struct buf *b)
{
	char url[STATE_URL_MAX], err[STATE_ERROR_MAX], parent[STATE_URL_MAX];

	state_slot_get_info(st, slot, url, sizeof(url), err, sizeof(err));
	if (config_parent_base(url, sc->name, parent, sizeof(parent)) == -1 &&
	    config_parent_base(sc->url, sc->name, parent, sizeof(parent)) == -1)
		return;
	json_kv_str(b, "parent", parent);
}

/* Content ids on an edge: the same as names, but for the URL. */
const struct origin_ops edge_ace_origin = {
	.name = "parent",
	.key_valid = edge_ace_key_valid,
	.create = edge_ace_create,
	.not_found = edge_not_found,
	.stale = edge_stale,
	.event_fields = edge_event_fields,
};

const struct origin_ops edge_origin = {
	.name = "parent",
	.key_valid = edge_key_valid,
	.create = edge_create,
	.not_found = edge_not_found,
	.configure = edge_configure,
	.stale = edge_stale,
	.event_fields = edge_event_fields,
};
