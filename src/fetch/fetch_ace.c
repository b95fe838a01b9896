/*
 * fetch_ace.c - the source of a content-id stream: an AceStream engine.
 *
 * GET ENGINE/ace/getstream?format=json&id=ID&pid=UNIQUE (or infohash=,
 * url=, magnet=, with the player's passthrough options: the stream's
 * arguments, ace_input.h) starts an engine session; its playback_url is
 * then an ordinary TS upstream, pulled by the fetch core's HTTP source
 * (so ingest, null packets, splices and the reconnect backoff are the
 * same as for any stream), and its command_url?method=stop ends the
 * session.  The session is written to the state segment as soon as the
 * engine answers, and removed once it is stopped: if this process is
 * killed in between, the supervisor sees it there and has the engine
 * monitor stop it.  Every way out of here stops the session: asked to
 * stop (idle, `ringcastctl stop`, reload, shutdown), playback lost, or
 * the process ending.
 *
 * Silence is not failure.  An engine sends nothing for tens of seconds
 * while it prebuffers a new session (stat "prebuf") and mid-stream when
 * peers are scarce, then goes on within the same session; a new session
 * would start its prebuffering over.  So when the playback drops or the
 * core gives it up (data_timeout, start_timeout for a first byte), the
 * session is kept and the same playback_url asked again, here in the
 * source rather than through the core's backoff, until the session has
 * been silent for prebuffer_timeout; players get the core's null packets
 * meanwhile.  An engine that answers getstream with an error, cannot be
 * reached, or sends no byte and reports no progress (the engine
 * monitor's stat of the session: unreachable, "err", or no peers and no
 * bytes) for start_timeout is left for the next engine with room, which
 * the supervisor picks (MSG_ORIGIN "next-engine"); so is one that
 * answers getstream with an HTTP error or garbage.  An answer
 * {"response": null, "error": TEXT} is not a failure but the engine's
 * refusal of the content: it is sent to the supervisor (MSG_ORIGIN
 * "engine-error"), which answers the players with it and ends the
 * stream; no other engine is asked.  A VOD session (is_live 0) whose
 * playback ends ends the stream (FETCH_EOF).  The infohash the engine
 * resolved the input to is reported to the supervisor (MSG_ORIGIN
 * "infohash HASH") as soon as a session starts: that is how a content id
 * and its infohash become one stream (acestream.c).
 */
#include <sys/random.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ace_client.h"
#include "ace_input.h"
#include "fetch.h"
#include "log.h"
#include "msg.h"
#include "util.h"

/* One content-id stream a fetcher process: module state. */
static struct {
	int		 init;
	char		 engine[ACE_URL_MAX];	/* the engine in use */
	char		 param[16];		/* "id" or "infohash" */
	char		 id[CONFIG_ACE_ID_LEN + 1];
	char		 args[ACE_ARGS_MAX];	/* the player's input, options */
	uint64_t	 engine_since_ms;	/* trying it, no data yet */
	int		 have_session;
	struct ace_session sess;
	unsigned	 n_sessions;
	uint64_t	 session_ms;		/* it started (monotonic) */
	uint64_t	 session_wall_ms;	/* the same, wall clock */
	uint64_t	 session_bytes;		/* its playback's, every pull */
	uint64_t	 progress_ms;		/* its stat showed progress */
} ace;

/* The supervisor's answer to "next-engine": the engine to use now. */
static void
ace_message(struct fetcher *f, const struct msg *m)
{
	if (m->type != MSG_ORIGIN_REPLY || m->len == 0 ||
	    m->len >= sizeof(ace.engine))
		return;
	if (strcmp((const char *)m->payload, ace.engine) != 0) {
		str_copy(ace.engine, (const char *)m->payload,
		    sizeof(ace.engine));
		log_info("content id %s: now on engine %s", f->sc->name,
		    ace.engine);
	}
	ace.engine_since_ms = 0;
}

/* Stop the session we hold (not abortable: a stop must go out). */
static void
ace_stop(struct fetcher *f)
{
	char url[ACE_URL_MAX + 32], err[256] = "command URL too long";
	struct buf body;
	int rc = -1;

	if (!ace.have_session)
		return;
	ace.have_session = 0;
	buf_init(&body);
	if (ace_url_command(url, sizeof(url), ace.sess.command_url, "stop") ==
	    0 && ace_http_get(url, f->sc->opts.user_agent,
	    FETCH_ACE_STOP_TIMEOUT_MS, NULL, &body, err, sizeof(err)) == 0)
		rc = ace_parse_stop(body.data, body.len, err, sizeof(err));
	if (rc == -1)
		log_warnx("engine %s: stop of session %s: %s", ace.engine,
		    ace.sess.session_id, err);
	else
		log_info("engine %s: session %s %s", ace.engine,
		    ace.sess.session_id, rc == 1 ? "was already gone ("
		    ACE_UNKNOWN_SESSION ")" : "stopped");
	buf_free(&body);
	ace_state_session_clear(&f->st->ace, f->slot);
}

static void
ace_done(struct fetcher *f)
{
	ace_stop(f);
}

/* A pid= the engine has never seen: ours, this slot, this attempt. */
static void
ace_unique_pid(struct fetcher *f, char *out, size_t outsz)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)now_us();
	snprintf(out, outsz, "ringcast-%d-%d-%u-%08x",
	    (int)f->st->supervisor_pid, f->slot, ++ace.n_sessions, r);
}

static void
ace_count_session(struct fetcher *f)
{
	struct ace_engine_view v;
	int i;

	for (i = 0; i < ACE_MAX_ENGINES; i++)
		if (ace_state_engine(&f->st->ace, i, &v) == 0 &&
		    strcmp(v.url, ace.engine) == 0) {
			atomic_fetch_add(&f->st->ace.engines[i].sessions, 1);
			return;
		}
}

/*
 * The engine refused the content (TEXT): tell the supervisor, which ends
 * the stream (the players get TEXT); 0, or -1 when it cannot be told.
 */
static int
ace_report_refusal(struct fetcher *f, const char *text)
{
	char msg[ACE_URL_MAX + ACE_ERROR_MAX + 32];
	unsigned status = ace_refusal_status(text);

	snprintf(f->error, sizeof(f->error), "engine %.60s: %.90s", ace.engine,
	    text);
	state_slot_set_info(f->st, f->slot, NULL, f->error);
	log_warnx("engine %s refused content id %s: %s (%u)", ace.engine,
	    f->sc->name, text, status);
	if (ace_refusal_msg(msg, sizeof(msg), status, ace.engine, text) ==
	    -1 || msg_send(f->chan, MSG_ORIGIN, msg, strlen(msg)) == -1) {
		log_warn("cannot tell the supervisor of the refusal");
		return -1;
	}
	return 0;
}

/* Refused: no other engine, no retry; wait to be stopped. */
static enum fetch_result
ace_wait_end(struct fetcher *f)
{
	while (!fetch_stopping)
		fetch_idle(f, FETCH_ACE_STOP_TIMEOUT_MS);
	return FETCH_STOP;
}

/* Tell the supervisor the broadcast our session plays (the engine's
 * resolved infohash): it records it, and ends another stream of it. */
static void
ace_report_infohash(struct fetcher *f)
{
	char msg[64];

	if (ace.sess.infohash[0] == '\0')
		return;		/* an engine that does not say */
	if (ace_infohash_msg(msg, sizeof(msg), ace.sess.infohash) == -1 ||
	    msg_send(f->chan, MSG_ORIGIN, msg, strlen(msg)) == -1)
		log_warn("cannot tell the supervisor the infohash");
}

/* getstream: 0 with a session held and recorded, 1 when the engine
 * refused the content (the supervisor knows), or -1 with f->error. */
static int
ace_start(struct fetcher *f)
{
	char url[ACE_GETSTREAM_URL_MAX], pid[64], err[STATE_ERROR_MAX];
	char text[ACE_ERROR_MAX];
	long timeout_ms = (long)(f->sc->start_timeout * 1000.0);
	struct buf body;
	int rc = -1;

	ace_unique_pid(f, pid, sizeof(pid));
	if ((ace.args[0] != '\0' ? ace_url_getstream_args(url, sizeof(url),
	    ace.engine, ace.args, pid) : ace_url_getstream(url, sizeof(url),
	    ace.engine, ace.param, ace.id, pid)) == -1) {
		snprintf(f->error, sizeof(f->error), "engine URL too long");
		return -1;
	}
	buf_init(&body);
	if (ace_http_get(url, f->sc->opts.user_agent, timeout_ms > 0 ?
	    timeout_ms : FETCH_ACE_START_TIMEOUT_MS, &fetch_stopping, &body,
	    err, sizeof(err)) == -1)
		snprintf(f->error, sizeof(f->error), "engine %.60s: "
		    "getstream: %.70s", ace.engine, err);
	else if (ace_getstream_refusal(body.data, body.len, text,
	    sizeof(text)) && ace_report_refusal(f, text) == 0)
		rc = 1;
	else if (ace_parse_getstream(body.data, body.len, &ace.sess, err,
	    sizeof(err)) == -1)
		snprintf(f->error, sizeof(f->error), "engine %.60s: %.90s",
		    ace.engine, err);
	else if (f->sc->rebase_urls && ace_session_rebase(&ace.sess,
	    ace.engine) == -1) {
		snprintf(f->error, sizeof(f->error), "engine %.60s: its URLs "
		    "do not fit once rebased", ace.engine);
		rc = 1;		/* a session to stop, as given */
	} else
		rc = 0;
	buf_free(&body);
	if (rc != 0)
		return rc;
	ace.have_session = 1;
	ace.session_ms = now_ms();
	ace.session_wall_ms = wall_ms();
	ace.session_bytes = 0;
	ace.progress_ms = 0;
	ace_state_session_set(&f->st->ace, f->slot, (int)getpid(),
	    ace.sess.session_id, ace.sess.stat_url, ace.sess.command_url);
	ace_count_session(f);
	log_info("engine %s: session %s started (pid %s, infohash %s)",
	    ace.engine, ace.sess.session_id[0] ? ace.sess.session_id : "?",
	    pid, ace.sess.infohash[0] ? ace.sess.infohash : "?");
	if (rc == 1) {
		ace_stop(f);
		return -1;
	}
	ace_report_infohash(f);
	return 0;
}

/* This engine failed: ask the supervisor for another one. */
static void
ace_next_engine(struct fetcher *f)
{
	static const char req[] = ACE_NEXT_ENGINE;

	if (msg_send(f->chan, MSG_ORIGIN, req, sizeof(req) - 1) == -1)
		log_warn("cannot ask the supervisor for another engine");
	ace.engine_since_ms = 0;
}

static void
ace_init(struct fetcher *f, const char *url)
{
	struct ace_key k;

	str_copy(ace.engine, url, sizeof(ace.engine));
	if (ace_key_parse(f->sc->name, &k) == 0) {
		str_copy(ace.param, k.param, sizeof(ace.param));
		str_copy(ace.id, k.id, sizeof(ace.id));
	}
	/* url=, magnet= and options: what the player gave (acestream.c) */
	ace_state_slot_args(&f->st->ace, f->slot, ace.args, sizeof(ace.args));
	ace.init = 1;
}

/* 1 when the engine monitor's recent stat of our session shows progress:
 * not "err", and peers or bytes downloaded. */
static int
ace_engine_progress(struct fetcher *f)
{
	struct ace_slot_view v;
	uint64_t wall = wall_ms();

	if (ace_state_slot(&f->st->ace, f->slot, &v) == -1 ||
	    v.stat_wall_ms < ace.session_wall_ms ||
	    v.stat_wall_ms + FETCH_ACE_STAT_FRESH_MS < wall)
		return 0;		/* none of this session, or stale */
	if (strcmp(v.status, "err") == 0)
		return 0;
	return v.peers > 0 || v.downloaded > 0;
}

/*
 * The session's playback dropped or was given up by the core: 1 to ask
 * the same playback_url again, 0 to give the session up (f->error says
 * why).
 */
static int
ace_keep_session(struct fetcher *f)
{
	uint64_t now = now_ms(), since;

	if (f->http_status >= 400)
		return 0;		/* the engine no longer has it */
	if (ace_engine_progress(f))
		ace.progress_ms = now;
	since = f->last_data_ms > ace.session_ms ? f->last_data_ms :
	    ace.session_ms;
	if (now - since >= (uint64_t)(f->sc->prebuffer_timeout * 1000.0)) {
		snprintf(f->error, sizeof(f->error), "engine %.60s: session "
		    "silent for %.0f s (prebuffer_timeout)", ace.engine,
		    (double)(now - since) / 1000.0);
		return 0;
	}
	since = ace.progress_ms > ace.session_ms ? ace.progress_ms :
	    ace.session_ms;
	if (ace.session_bytes == 0 && now - since >=
	    (uint64_t)(f->sc->start_timeout * 1000.0)) {
		snprintf(f->error, sizeof(f->error), "engine %.60s sent "
		    "nothing and reported no progress for %.0f s "
		    "(start_timeout)", ace.engine, f->sc->start_timeout);
		return 0;
	}
	return 1;
}

/*
 * Pull the session's playback, again and again while ace_keep_session
 * says so: FETCH_STOP, FETCH_EOF (a VOD played to its end) or
 * FETCH_ERROR (the session is to be given up).
 */
static enum fetch_result
ace_pull(struct fetcher *f)
{
	uint64_t before;
	unsigned pulls = 0;

	for (;;) {
		before = f->attempt_bytes;
		f->http_status = 0;
		f->url = ace.sess.playback_url;
		state_slot_set_info(f->st, f->slot, ace.sess.playback_url,
		    NULL);
		if (fetch_read_http(f, ace.sess.playback_url) == FETCH_STOP ||
		    fetch_stopping)
			return FETCH_STOP;
		ace.session_bytes += f->attempt_bytes - before;
		if (ace.sess.is_live == 0 && f->http_ended &&
		    f->attempt_bytes > before) {
			log_info("engine %s: session %s: the VOD ended",
			    ace.engine, ace.sess.session_id);
			fetch_flush(f);
			atomic_store(&f->st->streams[f->slot].ended, 1);
			return fetch_stopping ? FETCH_STOP : FETCH_EOF;
		}
		if (!ace_keep_session(f))
			return FETCH_ERROR;
		if (f->attempt_bytes > before)
			pulls = 0;
		if (pulls++ == 0)
			log_info("engine %s: session %s kept (%s); asking its "
			    "playback again", ace.engine, ace.sess.session_id,
			    f->error);
		fetch_mark_splice(f);
		fetch_idle(f, (uint64_t)(f->sc->opts.retry_min * 1000.0));
		if (fetch_stopping)
			return FETCH_STOP;
	}
}

static enum fetch_result
ace_run(struct fetcher *f, const char *url)
{
	enum fetch_result res;
	int rc;

	if (!ace.init)
		ace_init(f, url);
	if (ace.id[0] == '\0') {
		snprintf(f->error, sizeof(f->error), "not a content id");
		return FETCH_ERROR;
	}
	f->url = ace.engine;
	if (ace.engine_since_ms == 0)
		ace.engine_since_ms = now_ms();
	state_slot_set_info(f->st, f->slot, ace.engine, NULL);
	if (!ace.have_session && (rc = ace_start(f)) != 0) {
		if (rc == 1)
			return ace_wait_end(f);
		if (!fetch_stopping)
			ace_next_engine(f);
		return fetch_stopping ? FETCH_STOP : FETCH_ERROR;
	}
	res = ace_pull(f);
	ace_stop(f);
	if (res != FETCH_ERROR)
		return res;
	/* the session is given up: a new one, here or on the next engine */
	if (f->attempt_bytes > 0)
		ace.engine_since_ms = 0;	/* the engine works: stay */
	else if (now_ms() - ace.engine_since_ms >=
	    (uint64_t)(f->sc->start_timeout * 1000.0))
		ace_next_engine(f);
	return FETCH_ERROR;
}

static int
ace_accepts(const struct stream_conf *sc, const char *url)
{
	(void)url;
	return sc->origin == STREAM_ORIGIN_ACE;
}

const struct fetch_source fetch_ace_source = {
	.name = "acestream",
	.accepts = ace_accepts,
	.run = ace_run,
	.message = ace_message,
	.done = ace_done,
};
