/*
 * acestream.c - the AceStream origin: which engine a content-id stream
 * runs on, and the engine monitor process (see acestream.h).
 *
 * Design: the supervisor decides, from memory and the state segment
 * only, so it never waits on an engine: a new stream goes to the least
 * loaded engine with room that is not failing its health check, and a
 * fetcher whose engine failed asks (MSG_ORIGIN "next-engine") for
 * another.  An engine that refuses the content itself ({"response":
 * null, "error": ...}) is not failing: its fetcher says so, the refusal
 * is written to the state segment for acestream.error_cache (players of
 * the id get it at once, workers read it there) and the stream ends with
 * reason engine_error.
 *
 * One stream a broadcast: an engine keeps one session per infohash and
 * ends the older one's playback when a second starts, so a content id,
 * its infohash and a magnet of it must share a stream.  Each fetcher
 * reports the infohash its session resolved to ("infohash HASH"); it is
 * written to the stream's slot record and, for a content id or URL, to a
 * bounded cache in the state segment (ACE_RESOLVED answers, the oldest
 * replaced).  From those two a request finds the running stream of its
 * broadcast (ace_broadcast_slot: workers before asking, find() here
 * before create()) whatever key it was started under, with the same
 * options.  Two first requests that raced both start; when the second
 * session reports, the engine has already ended the first one's
 * playback, so the first stream ends at once (duplicate(), reason
 * "duplicate"): its players are disconnected and join the survivor when
 * they ask again.
 *
 * Everything that talks to engines outside a fetcher runs in the engine
 * monitor, a helper process: a cheap get_version of every
 * engine every few seconds (the health the choice reads), the stat_url
 * of every session (peers, speed, status for /status), and the stop of
 * any session a fetcher left behind when it was killed (the supervisor
 * queues those when it reaps the fetcher).  So every engine session
 * ringcast started is stopped, whichever way its stream ended.
 */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ace_client.h"
#include "ace_input.h"
#include "acestream.h"
#include "log.h"
#include "msg.h"
#include "proc.h"
#include "state.h"
#include "util.h"

/* ---- the supervisor's side: origin hooks ---- */

/* Engines of the segment with their load, configured and managed (a
 * managed one is usable once ready); how many there are.  PLACE[k]: the
 * state segment's index of the k-th (NULL: not wanted). */
static int
ace_engines_at(struct state *st, struct ace_pick *pick,
    struct ace_engine_view *views, int *place)
{
	struct ace_slot_view sv;
	int i, j, n = 0;

	for (i = 0; i < ACE_MAX_ENGINES; i++) {
		if (ace_state_engine(&st->ace, i, &views[n]) == -1)
			continue;
		pick[n].usable = views[n].health != ACE_HEALTH_DOWN &&
		    ace_engine_choosable(&views[n]);
		pick[n].streams = 0;
		if (place != NULL)
			place[n] = i;
		n++;
	}
	for (j = 0; j < CONFIG_MAX_STREAMS; j++) {
		if (ace_state_slot(&st->ace, j, &sv) == -1)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(sv.engine, views[i].url) == 0)
				pick[i].streams++;
	}
	return n;
}

static int
ace_engines(struct state *st, struct ace_pick *pick,
    struct ace_engine_view *views)
{
	return ace_engines_at(st, pick, views, NULL);
}

/* Refresh every engine's stream count (shown in /status). */
static void
ace_recount(struct state *st)
{
	struct ace_engine_view views[ACE_MAX_ENGINES];
	struct ace_pick pick[ACE_MAX_ENGINES];
	int place[ACE_MAX_ENGINES];
	int i, n = ace_engines_at(st, pick, views, place);

	for (i = 0; i < n; i++)
		atomic_store(&st->ace.engines[place[i]].streams,
		    (uint32_t)pick[i].streams);
}

static int
ace_active_streams(struct state *st)
{
	struct ace_slot_view v;
	int i, n = 0;

	for (i = 0; i < CONFIG_MAX_STREAMS; i++)
		if (ace_state_slot(&st->ace, i, &v) == 0)
			n++;
	return n;
}

static int
ace_key_valid(const char *key)
{
	struct ace_key k;

	return ace_key_parse(key, &k) == 0;
}

/* The engine refused KEY within error_cache: that answer again, 1. */
static int
ace_refused_before(struct state *st, const char *key,
    struct origin_refusal *r)
{
	struct ace_refusal_view v;

	if (ace_state_refusal_get(&st->ace, key, now_ms(), &v) == -1)
		return 0;
	origin_refuse(r, v.status, 0, "engine: %s", v.text);
	return 1;
}

static int
ace_managed(const struct ace_conf *a)
{
	return a->engine_command != NULL && a->engine_command[0] != '\0';
}

/*
 * No engine has room for a new stream: with managed engines the request
 * waits (*R says how long and how many may) for room: an engine that
 * starts (the supervisor starts one while fewer than max_engines run)
 * or a stream that ends.  1 then, else 0.
 */
static int
ace_engine_coming(struct state *st, const struct ace_conf *a,
    struct origin_refusal *r)
{
	if (!ace_managed(a))
		return 0;
	origin_refuse(r, 503, ACE_RETRY_AFTER_S, "no engine had room within "
	    "acestream.start_timeout (%.0f s; max_engines = %d, "
	    "max_streams_per_engine = %d)", a->start_timeout, a->max_engines,
	    a->max_streams_per_engine);
	r->wait_s = a->start_timeout;
	r->wait_max = a->max_waiting;
	r->count_after_wait = &st->ace.refused;
	return 1;
}

/* ARGS name a URL or magnet for the engine to fetch, which CFG forbids. */
static int
ace_url_forbidden(const struct config *cfg, const char *args)
{
	return !cfg->ace.allow_url_input && (strncmp(args, "url=", 4) == 0 ||
	    strncmp(args, "magnet=", 7) == 0);
}

static struct stream_conf *
ace_create(struct state *st, const struct config *cfg, const char *key,
    const char *args, int slot, struct origin_refusal *r)
{
	struct ace_engine_view views[ACE_MAX_ENGINES];
	struct ace_pick pick[ACE_MAX_ENGINES];
	const struct ace_conf *a = &cfg->ace;
	char hash[CONFIG_ACE_ID_LEN + 1];
	const char *param, *id;
	struct stream_conf *sc;
	struct ace_key k;
	int n, i, usable = 0;

	if (!a->enabled || (a->n_engines == 0 && !ace_managed(a))) {
		origin_refuse(r, 404, 0, "acestream is not configured");
		return NULL;
	}
	if (ace_key_parse(key, &k) == -1 || strlen(args) >= ACE_ARGS_MAX) {
		origin_refuse(r, 400, 0, "the id must be 40 hex digits");
		return NULL;
	}
	if (ace_url_forbidden(cfg, args)) {
		origin_refuse(r, 403, 0, "url= and magnet= are turned off "
		    "(acestream.allow_url_input)");
		return NULL;
	}
	if (ace_refused_before(st, key, r))
		return NULL;
	param = k.param;
	id = k.id;
	if (ace_active_streams(st) >= a->max_streams) {
		atomic_fetch_add(&st->ace.refused, 1);
		origin_refuse(r, 503, ACE_RETRY_AFTER_S,
		    "acestream.max_streams (%d) content-id streams are running",
		    a->max_streams);
		return NULL;
	}
	n = ace_engines(st, pick, views);
	if ((i = ace_pick_engine(pick, n, a->max_streams_per_engine, -1)) ==
	    -1) {
		if (ace_engine_coming(st, a, r))
			return NULL;	/* the supervisor keeps it waiting */
		for (i = 0; i < n; i++)
			usable += pick[i].usable;
		atomic_fetch_add(&st->ace.refused, 1);
		if (usable == 0)
			origin_refuse(r, 503, ACE_RETRY_AFTER_S,
			    "no engine is up (%d known, none ready and "
			    "passing its health check)", n);
		else
			origin_refuse(r, 503, ACE_RETRY_AFTER_S,
			    "no engine has room: %d usable engine(s), each with"
			    " max_streams_per_engine = %d streams", usable,
			    a->max_streams_per_engine);
		return NULL;
	}
	sc = config_stream_make(STREAM_ORIGIN_ACE, key, views[i].url, &a->opts,
	    a->segment_duration);
	if (sc == NULL) {
		origin_refuse(r, 503, RETRY_AFTER_S, "out of memory");
		return NULL;
	}
	sc->start_timeout = a->start_timeout;
	sc->prebuffer_timeout = a->prebuffer_timeout;
	sc->rebase_urls = a->rebase_urls;
	ace_state_slot_begin(&st->ace, slot, id, param, views[i].url);
	ace_state_slot_set_args(&st->ace, slot, args);
	ace_state_slot_set_broadcast(&st->ace, slot, k.opts,
	    ace_key_infohash(&st->ace, &k, hash) == 0 ? hash : "", 0);
	ace_recount(st);
	log_info("content id %s: engine %s (%d stream(s) there now)", key,
	    views[i].url, pick[i].streams + 1);
	return sc;
}

/* A session the fetcher could not stop: the engine monitor will. */
static void
ace_orphan(struct state *st, int slot)
{
	struct ace_slot_view v;

	if (ace_state_slot(&st->ace, slot, &v) == -1 || !v.has_session)
		return;
	if (ace_state_orphan_push(&st->ace, v.command_url) == -1)
		log_warnx("content id %s: cannot queue the stop of session %s"
		    " (queue full)", v.content_id, v.session_id);
	else
		log_info("content id %s: its fetcher left session %s; the "
		    "engine monitor stops it", v.content_id, v.session_id);
	ace_state_session_clear(&st->ace, slot);
}

static void
ace_fetcher_exited(struct state *st, int slot, const struct stream_conf *sc)
{
	(void)sc;
	ace_orphan(st, slot);
}

static void
ace_ended(struct state *st, int slot, const struct stream_conf *sc)
{
	(void)sc;
	ace_orphan(st, slot);
	ace_state_slot_end(&st->ace, slot);
	ace_recount(st);
}

static void
ace_configure(struct state *st, const struct config *cfg)
{
	ace_state_set_engines(&st->ace, cfg->ace.engines,
	    cfg->ace.enabled ? cfg->ace.n_engines : 0);
	atomic_store(&st->ace.managed_max, cfg->ace.enabled &&
	    ace_managed(&cfg->ace) ? (uint32_t)cfg->ace.max_engines : 0);
	atomic_store(&st->ace.wait_limit_ms, cfg->ace.enabled &&
	    ace_managed(&cfg->ace) ? (uint32_t)(cfg->ace.start_timeout *
	    1000.0) : 0);
	atomic_store(&st->ace.allow_url_input,
	    (uint32_t)cfg->ace.allow_url_input);
	ace_recount(st);
}

static int
ace_stale(struct state *st, const struct config *cfg, int slot,
    const struct stream_conf *sc)
{
	struct ace_slot_view v;

	struct ace_engine_view e;
	int i;

	(void)sc;
	if (!cfg->ace.enabled || ace_state_slot(&st->ace, slot, &v) == -1)
		return 1;
	if (config_ace_engine_known(cfg, v.engine))
		return 0;
	for (i = ACE_MANAGED_BASE; i < ACE_MAX_ENGINES; i++)
		if (ace_managed(&cfg->ace) &&
		    ace_state_engine(&st->ace, i, &e) == 0 &&
		    strcmp(e.url, v.engine) == 0)
			return 0;	/* a managed engine: it goes if it stops */
	return 1;
}

static void
ace_event_fields(struct state *st, int slot, const struct stream_conf *sc,
    struct buf *b)
{
	struct ace_slot_view v;

	(void)sc;
	if (ace_state_slot(&st->ace, slot, &v) == -1)
		return;
	json_kv_str(b, "content_id", v.content_id);
	if (strcmp(v.param, "id") != 0)
		json_kv_str(b, "id_type", v.param);
	if (v.infohash[0] != '\0')
		json_kv_str(b, "infohash", v.infohash);
	json_kv_str(b, "engine", v.engine);
}

/* A stream of the broadcast KEY resolves to, under any key: KEY joins it. */
static int
ace_find(struct state *st, const char *key)
{
	return ace_broadcast_slot(&st->ace, key);
}

/*
 * SLOT's session resolved to the same broadcast as another stream's
 * session, which started before it: the engine keeps one session a
 * broadcast and has ended that older one's playback, so that stream
 * ends (marked replaced: players asking again join SLOT's).
 */
static int
ace_duplicate(struct state *st, int slot)
{
	struct ace_slot_view v;
	int other;

	if (ace_state_slot(&st->ace, slot, &v) == -1 || !v.reported ||
	    (other = ace_state_find_broadcast(&st->ace, v.infohash, v.opts,
	    slot, 1)) == -1)
		return -1;
	ace_state_slot_replaced(&st->ace, other);
	return other;
}

/* SLOT's session plays the broadcast HASH: record it; remember what its
 * key (a content id, a URL) resolved to. */
static int
ace_resolved(struct state *st, int slot, const struct stream_conf *sc,
    const void *msg, size_t len)
{
	char hash[CONFIG_ACE_ID_LEN + 1];
	struct ace_key k;

	if (ace_infohash_msg_parse(msg, len, hash) == -1 ||
	    ace_key_parse(sc->name, &k) == -1)
		return -1;
	ace_state_slot_set_broadcast(&st->ace, slot, NULL, hash, 1);
	if (strcmp(k.param, "infohash") != 0) {
		ace_state_resolved_put(&st->ace, k.base, hash);
		log_info("content id %s: infohash %s", sc->name, hash);
	}
	return -1;	/* no answer */
}

/* The fetcher's engine refused the content: remember it; the stream ends. */
static int
ace_refused(struct state *st, const struct config *cfg,
    const struct stream_conf *sc, const void *msg, size_t len)
{
	char engine[ACE_URL_MAX], text[ACE_ERROR_MAX];
	uint64_t now = now_ms(), hold_ms;
	unsigned status;

	if (ace_refusal_msg_parse(msg, len, &status, engine, sizeof(engine),
	    text, sizeof(text)) == -1)
		return -1;
	log_info("content id %s: engine %s refused it (%s): answering %u for "
	    "%.0f s", sc->name, engine, text, status, cfg->ace.error_cache);
	hold_ms = (uint64_t)(cfg->ace.error_cache * 1000.0);
	ace_state_refusal_put(&st->ace, sc->name, status, engine, text, now +
	    (hold_ms > ACE_REFUSAL_MIN_MS ? hold_ms : ACE_REFUSAL_MIN_MS), now);
	return ORIGIN_END_REFUSED;
}

/* The fetcher's engine failed: move the stream to another with room. */
static int
ace_fetcher_message(struct state *st, const struct config *cfg, int slot,
    struct stream_conf *sc, const void *msg, size_t len, char *reply,
    size_t replysz)
{
	struct ace_engine_view views[ACE_MAX_ENGINES];
	struct ace_pick pick[ACE_MAX_ENGINES];
	struct ace_slot_view v;
	int i, n, cur = -1;
	char *url;

	if (len > strlen(ACE_REFUSED) &&
	    memcmp(msg, ACE_REFUSED, strlen(ACE_REFUSED)) == 0)
		return ace_refused(st, cfg, sc, msg, len);
	if (len > strlen(ACE_INFOHASH_MSG) &&
	    memcmp(msg, ACE_INFOHASH_MSG, strlen(ACE_INFOHASH_MSG)) == 0)
		return ace_resolved(st, slot, sc, msg, len);
	if (len != strlen(ACE_NEXT_ENGINE) ||
	    memcmp(msg, ACE_NEXT_ENGINE, len) != 0 ||
	    ace_state_slot(&st->ace, slot, &v) == -1)
		return -1;
	n = ace_engines(st, pick, views);
	for (i = 0; i < n; i++)
		if (strcmp(views[i].url, v.engine) == 0)
			cur = i;
	i = ace_pick_engine(pick, n, cfg->ace.max_streams_per_engine, cur);
	if (i != -1 && (url = strdup(views[i].url)) != NULL) {
		log_info("content id %s: engine %s failed; moving to %s",
		    sc->name, v.engine, url);
		free(sc->url);
		sc->url = url;
		ace_state_slot_set_engine(&st->ace, slot, url);
		ace_recount(st);
	}
	n = snprintf(reply, replysz, "%s", sc->url);
	return n < 0 || (size_t)n >= replysz ? -1 : n;
}

/* ---- the engine monitor (a helper process) ---- */

static volatile sig_atomic_t ace_mon_stop;

static void
ace_mon_on_signal(int sig)
{
	(void)sig;
	ace_mon_stop = 1;
}

static void
ace_mon_stop_orphans(struct state *st, const char *ua, struct buf *body)
{
	char url[ACE_URL_MAX], stop[ACE_URL_MAX + 32], err[256];
	int rc;

	while (ace_state_orphan_pop(&st->ace, url, sizeof(url)) == 0) {
		if (ace_url_command(stop, sizeof(stop), url, "stop") == -1)
			continue;
		rc = ace_http_get(stop, ua, ACE_STOP_TIMEOUT_MS, NULL, body,
		    err, sizeof(err));
		if (rc == 0)
			rc = ace_parse_stop(body->data, body->len, err,
			    sizeof(err));
		if (rc == -1)
			log_warnx("stop %s: %s", url, err);
		else if (rc == 1)
			log_info("a session left behind was already gone (%s):"
			    " %s", err, url);
		else
			log_info("stopped a session left behind: %s", url);
	}
}

/*
 * One health check of engine V: get_version, then the network status
 * (an engine without internet cannot play anything).  0 good, -1 failed
 * with ERR; *NET what the network status said (an engine that cannot
 * answer it, an older one, is not failed for that).
 */
static int
ace_mon_check(const struct ace_engine_view *v, const char *ua,
    struct buf *body, char *version, size_t versionsz, enum ace_network *net,
    char *err, size_t errsz)
{
	char url[ACE_URL_MAX + 96];
	int connected;

	*net = ACE_NET_UNKNOWN;
	if (ace_url_version(url, sizeof(url), v->url) == -1 ||
	    ace_http_get(url, ua, ACE_HTTP_TIMEOUT_MS, &ace_mon_stop, body,
	    err, errsz) == -1 || ace_parse_version(body->data, body->len,
	    version, versionsz, err, errsz) == -1)
		return -1;
	if (ace_url_network(url, sizeof(url), v->url) == -1 ||
	    ace_http_get(url, ua, ACE_HTTP_TIMEOUT_MS, &ace_mon_stop, body,
	    err, errsz) == -1 || ace_parse_network(body->data, body->len,
	    &connected, err, errsz) == -1) {
		err[0] = '\0';
		return 0;
	}
	*net = connected ? ACE_NET_CONNECTED : ACE_NET_OFFLINE;
	if (connected)
		return 0;
	snprintf(err, errsz, "no network (get_network_connection_status: "
	    "connected false)");
	return -1;
}

/* Health checks: of every engine, or (STARTING_ONLY) of the managed
 * engines that are starting, whose first good check makes them ready. */
static void
ace_mon_health(struct state *st, const char *ua, struct buf *body,
    int starting_only)
{
	char version[ACE_VERSION_MAX], err[256];
	struct ace_engine_view v;
	enum ace_network net;
	enum ace_health h;
	int i, ok;

	for (i = 0; i < ACE_MAX_ENGINES && !ace_mon_stop; i++) {
		if (ace_state_engine(&st->ace, i, &v) == -1 || (starting_only &&
		    v.phase != ACE_PHASE_STARTING) || (v.managed && v.pid == 0))
			continue;
		version[0] = '\0';
		err[0] = '\0';
		ok = ace_mon_check(&v, ua, body, version, sizeof(version), &net,
		    err, sizeof(err)) == 0;
		h = ace_state_engine_check(&st->ace, i, v.url, ok, net,
		    version, err);
		if (v.phase == ACE_PHASE_STARTING)
			continue;	/* not listening yet is no news */
		if (!ok && h != ACE_HEALTH_DOWN)
			log_info("engine %s: health check failed (%u in a row; "
			    "down at %d): %s", v.url, v.fails + 1,
			    ACE_DOWN_AFTER_FAILS, err);
		if (h != v.health && v.health != ACE_HEALTH_UNKNOWN)
			log_warnx("engine %s is %s%s%s", v.url,
			    ace_health_name(h), err[0] ? ": " : "", err);
		else if (h != v.health && h == ACE_HEALTH_DOWN)
			log_warnx("engine %s is down: %s", v.url, err);
	}
}

static void
ace_mon_stats(struct state *st, const char *ua, struct buf *body)
{
	struct ace_slot_view v;
	struct ace_stat s;
	char err[256];
	int i;

	for (i = 0; i < CONFIG_MAX_STREAMS && !ace_mon_stop; i++) {
		if (ace_state_slot(&st->ace, i, &v) == -1 || !v.has_session ||
		    v.stat_url[0] == '\0')
			continue;
		if (ace_http_get(v.stat_url, ua, ACE_HTTP_TIMEOUT_MS,
		    &ace_mon_stop, body, err, sizeof(err)) == -1 ||
		    ace_parse_stat(body->data, body->len, &s, err,
		    sizeof(err)) == -1) {
			log_debug("stat of %s: %s", v.content_id, err);
			continue;
		}
		ace_state_stat_set(&st->ace, i, s.status, s.peers, s.speed_down,
		    s.speed_up, s.downloaded);
	}
}

static int
ace_helper_wanted(const struct config *cfg)
{
	return cfg->ace.enabled && (cfg->ace.n_engines > 0 ||
	    ace_managed(&cfg->ace));
}

static void
ace_helper_main(struct proc *self, const struct child_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct state *st = ctx->st;
	int chan = self->fd;
	uint64_t next_health = 0, next_stats = 0, now;
	struct pollfd pfd = { chan, POLLIN, 0 };
	struct buf body;
	struct msg m;
	char *ua;
	int n;

	proc_child_init(ace_mon_on_signal, "engine monitor");
	signal(SIGPIPE, SIG_IGN);
	if ((ua = strdup(cfg->ace.opts.user_agent ? cfg->ace.opts.user_agent :
	    CONFIG_DEFAULT_USER_AGENT)) == NULL ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("cannot start the engine monitor");
	atomic_store(&st->ace.monitor_pid, (uint32_t)getpid());
	buf_init(&body);
	while (!ace_mon_stop) {
		ace_mon_stop_orphans(st, ua, &body);
		now = now_ms();
		if (now >= next_health) {
			ace_mon_health(st, ua, &body, 0);
			next_health = now_ms() + ACE_HEALTH_EVERY_MS;
		} else
			ace_mon_health(st, ua, &body, 1);
		if (now >= next_stats) {
			ace_mon_stats(st, ua, &body);
			next_stats = now_ms() + ACE_STAT_EVERY_MS;
		}
		if (poll(&pfd, 1, ACE_MONITOR_TICK_MS) <= 0)
			continue;
		while ((n = msg_recv(chan, &m)) == 1)
			if (m.type == MSG_SHUTDOWN)
				ace_mon_stop = 1;
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EBADMSG))
			ace_mon_stop = 1;	/* the supervisor is gone */
	}
	ace_mon_stop = 0;	/* the last stops must not be aborted */
	ace_mon_stop_orphans(st, ua, &body);
	atomic_store(&st->ace.monitor_pid, 0);
	buf_free(&body);
	free(ua);
	curl_global_cleanup();
}

const struct origin_ops ace_origin = {
	.name = "acestream",
	.key_valid = ace_key_valid,
	.create = ace_create,
	.find = ace_find,
	.duplicate = ace_duplicate,
	.ended = ace_ended,
	.configure = ace_configure,
	.stale = ace_stale,
	.event_fields = ace_event_fields,
	.fetcher_exited = ace_fetcher_exited,
	.fetcher_message = ace_fetcher_message,
	.helper_wanted = ace_helper_wanted,
	.helper_main = ace_helper_main,
};
