/*
 * sources.c - the source process (sources.h): fetches the channel lists
 * of `sources`, merges them into the lineup and writes it to
 * STATE_DIR/channels.json.
 *
 * A helper process of the lineup origin (origin.h), so the supervisor
 * forks, restarts and stops it like the engine monitor, and its slow
 * work (HTTP with timeouts, parsing lists of 10 MB) never runs in the
 * supervisor's loop or a worker.  Each list is fetched at start and every
 * `refresh` seconds (a list that failed: again after SOURCES_RETRY_MS).
 * A list that fetched and parsed is kept in
 * STATE_DIR/source-NAME.m3u; a list that fails keeps its last good
 * entries (from memory, or from that file after a restart), so a
 * provider that is down costs no channels.  Every refresh raises
 * source_refreshed or source_failed.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channels_doc.h"
#include "config.h"
#include "json.h"
#include "lineup.h"
#include "log.h"
#include "m3u_list.h"
#include "msg.h"
#include "sources.h"
#include "util.h"

#define SOURCES_HTTP_TIMEOUT_MS		30000
#define SOURCES_CONNECT_TIMEOUT_MS	10000
#define SOURCES_MAX_REDIRECTS		5L
#define SOURCES_TICK_MS			1000
#define SOURCES_RETRY_MS		60000	/* after a failed refresh */

struct source_run {
	const struct source_conf *sc;
	struct m3u_list		 list;		/* last good; zeroed: none */
	int			 have;
	struct lineup_filter	 filter;
	struct channels_source	 status;
	uint64_t		 next_ms;	/* monotonic */
};

static volatile sig_atomic_t sources_stop;

static void
sources_on_signal(int sig)
{
	(void)sig;
	sources_stop = 1;
}

static size_t
sources_curl_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (b->len + size * n > M3U_LIST_MAX_BYTES ||
	    buf_append(b, p, size * n) == -1)
		return 0;	/* too big: curl fails the transfer */
	return size * n;
}

static int
sources_curl_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	(void)arg; (void)dt; (void)dn; (void)ut; (void)un;
	return sources_stop ? 1 : 0;
}

/* GET URL into B (at most M3U_LIST_MAX_BYTES); its final URL into
 * FINAL.  0, or -1 with ERR. */
static int
sources_http(const char *url, struct buf *b, char *final, size_t finalsz,
    char *err, size_t errsz)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *eff = NULL;
	long code = 0;
	CURLcode rc;
	CURL *h;

	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "cannot start an HTTP request");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERAGENT, CONFIG_DEFAULT_USER_AGENT);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)SOURCES_HTTP_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)SOURCES_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, SOURCES_MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sources_curl_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, sources_curl_progress);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK ||
	    eff == NULL)
		eff = url;
	str_copy(final, eff, finalsz);
	curl_easy_cleanup(h);
	if (rc == CURLE_WRITE_ERROR && b->len >= M3U_LIST_MAX_BYTES)
		snprintf(err, errsz, "the list is larger than %d bytes",
		    M3U_LIST_MAX_BYTES);
	else if (rc != CURLE_OK)
		snprintf(err, errsz, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
	else if (code < 200 || code > 299)
		snprintf(err, errsz, "HTTP status %ld", code);
	else
		return 0;
	return -1;
}

/* Read the file PATH into B (at most M3U_LIST_MAX_BYTES + 1 bytes, so
 * that the parser refuses a larger one).  0, or -1 with ERR. */
static int
sources_file(const char *path, struct buf *b, char *err, size_t errsz)
{
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (b->len <= M3U_LIST_MAX_BYTES &&
	    (n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(b, chunk, (size_t)n) == -1)
			break;
	close(fd);
	if (b->failed) {
		snprintf(err, errsz, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

/* Fetch and parse SR's list into *OUT.  0, or -1 with ERR. */
static int
sources_fetch(struct source_run *sr, struct m3u_list *out, struct buf *body,
    char *err, size_t errsz)
{
	const char *m3u = sr->sc->m3u;
	char final[CONFIG_URL_MAX];

	buf_reset(body);
	if (strncmp(m3u, "http://", 7) == 0 || strncmp(m3u, "https://", 8) ==
	    0) {
		if (sources_http(m3u, body, final, sizeof(final), err,
		    errsz) == -1)
			return -1;
		m3u = final;
		return m3u_list_parse(body->data, body->len, m3u, out, err,
		    errsz);
	}
	if (sources_file(strncmp(m3u, "file://", 7) == 0 ? m3u + 7 : m3u,
	    body, err, errsz) == -1)
		return -1;
	return m3u_list_parse(body->data, body->len, NULL, out, err, errsz);
}

/* Write LEN bytes of DATA to DIR/NAME atomically (a temporary file
 * renamed over it).  0, or -1 (logged). */
static int
sources_write_file(const char *dir, const char *name, const char *data,
    size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	ssize_t n;
	size_t done = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* our pid: an old source process may still be finishing */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) ==
	    -1) {
		log_warn("cannot write %s", tmp);
		return -1;
	}
	while (done < len && (n = write(fd, data + done, len - done)) > 0)
		done += (size_t)n;
	if (done < len || fsync(fd) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		log_warn("cannot write %s", path);
		if (done < len)
			close(fd);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Raise EVENT for SR: source_refreshed or source_failed. */
static void
sources_event(int chan, const struct source_run *sr, int ok)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", ok ? "source_refreshed" : "source_failed");
	json_kv_str(&b, "source", sr->sc->name);
	if (ok) {
		json_kv_uint(&b, "channels", sr->status.channels);
		json_kv_uint(&b, "skipped", sr->status.skipped);
	} else
		json_kv_str(&b, "reason", sr->status.error);
	buf_puts(&b, "}");
	if (!b.failed && b.len <= MSG_MAX_PAYLOAD &&
	    msg_send(chan, MSG_EVENT, b.data, b.len) == -1)
		log_warn("cannot send an event");
	buf_free(&b);
}

/* The entries of SR's list its filter keeps. */
static size_t
sources_kept(const struct source_run *sr)
{
	size_t i, n = 0;

	for (i = 0; i < sr->list.n; i++)
		n += lineup_filter_pass(&sr->filter, sr->list.entries[i].group,
		    sr->list.entries[i].name) != 0;
	return n;
}

/* SR's list as STATE_DIR/source-NAME.m3u left it (a restart with the
 * provider down); quiet when there is none. */
static void
sources_load_cache(const struct config *cfg, struct source_run *sr,
    struct buf *body)
{
	char path[PATH_MAX], err[256];
	const char *base = sr->sc->m3u;

	snprintf(path, sizeof(path), "%s/source-%s.m3u", cfg->state_dir,
	    sr->sc->name);
	buf_reset(body);
	if (access(path, R_OK) == -1 ||
	    sources_file(path, body, err, sizeof(err)) == -1)
		return;
	if (strncmp(base, "http://", 7) != 0 &&
	    strncmp(base, "https://", 8) != 0)
		base = NULL;
	if (m3u_list_parse(body->data, body->len, base, &sr->list, err,
	    sizeof(err)) == 0) {
		sr->have = 1;
		sr->status.skipped = m3u_list_skipped(&sr->list);
		sr->status.channels = sources_kept(sr);
		log_info("source %s: %zu entries kept from %s", sr->sc->name,
		    sr->list.n, path);
	}
}

/* Fetch SR's list now: keep it when good, else keep the last good one. */
static void
sources_refresh(const struct config *cfg, int chan, struct source_run *sr,
    struct buf *body)
{
	struct m3u_list fresh;
	char ts[UTIL_RFC3339_MAX], name[CONFIG_NAME_MAX + 16];
	int ok;

	ok = sources_fetch(sr, &fresh, body, sr->status.error,
	    sizeof(sr->status.error)) == 0;
	if (ok) {
		m3u_list_free(&sr->list);
		sr->list = fresh;
		sr->have = 1;
		sr->status.error[0] = '\0';
		format_rfc3339_ms(wall_ms(), ts);
		str_copy(sr->status.refreshed, ts, sizeof(sr->status.refreshed));
		sr->status.skipped = m3u_list_skipped(&sr->list);
		sr->status.channels = sources_kept(sr);
		snprintf(name, sizeof(name), "source-%s.m3u", sr->sc->name);
		sources_write_file(cfg->state_dir, name, body->data, body->len);
		log_info("source %s: %zu channels, %zu entries skipped",
		    sr->sc->name, sr->status.channels, sr->status.skipped);
	} else {
		if (!sr->have)
			sources_load_cache(cfg, sr, body);
		log_warnx("source %s: %s%s", sr->sc->name, sr->status.error,
		    sr->have ? " (its last good list stays)" : "");
	}
	sources_event(chan, sr, ok);
	sr->next_ms = now_ms() + (ok || sr->sc->refresh * 1000.0 <
	    SOURCES_RETRY_MS ? (uint64_t)(sr->sc->refresh * 1000.0) :
	    SOURCES_RETRY_MS);
}

/* Merge every list that has entries and write channels.json. */
static void
sources_publish(const struct config *cfg, struct source_run *runs, int n)
{
	const struct m3u_list *lists[CONFIG_MAX_SOURCES];
	const struct m3u_list *by_source[CONFIG_MAX_SOURCES];
	const struct lineup_filter *filters[CONFIG_MAX_SOURCES];
	struct channels_source status[CONFIG_MAX_SOURCES];
	char ts[UTIL_RFC3339_MAX];
	struct lineup l;
	struct buf b;
	int i;
	size_t k = 0;

	for (i = 0; i < n; i++) {
		status[i] = runs[i].status;
		by_source[i] = runs[i].have ? &runs[i].list : NULL;
		if (!runs[i].have)
			continue;
		lists[k] = &runs[i].list;
		filters[k++] = &runs[i].filter;
	}
	if (lineup_merge(lists, filters, k, &l) == -1) {
		log_warnx("cannot merge the channel lists: out of memory");
		return;
	}
	format_rfc3339_ms(wall_ms(), ts);
	buf_init(&b);
	if (channels_doc_build(&b, &l, status, by_source, (size_t)n, ts) == 0 &&
	    sources_write_file(cfg->state_dir, CHANNELS_DOC_FILE, b.data,
	    b.len) == 0)
		log_info("lineup: %zu channels", l.n);
	buf_free(&b);
	lineup_free(&l);
}

static void
sources_setup(const struct config *cfg, struct source_run *runs)
{
	const struct source_conf *sc;
	int i;

	if (mkdir(cfg->state_dir, 0755) == -1 && errno != EEXIST)
		log_warn("cannot make state_dir %s", cfg->state_dir);
	for (i = 0; i < cfg->n_sources; i++) {
		sc = &cfg->sources[i];
		runs[i].sc = sc;
		runs[i].status.name = sc->name;
		runs[i].filter = (struct lineup_filter){
			(const char *const *)sc->include_groups,
			(size_t)sc->n_include_groups,
			(const char *const *)sc->exclude_groups,
			(size_t)sc->n_exclude_groups,
			(const char *const *)sc->include_names,
			(size_t)sc->n_include_names,
			(const char *const *)sc->exclude_names,
			(size_t)sc->n_exclude_names,
		};
	}
}

/* Refresh every source that is due; 1 when one was. */
static int
sources_due(const struct config *cfg, int chan, struct source_run *runs,
    struct buf *body)
{
	int i, any = 0;

	for (i = 0; i < cfg->n_sources && !sources_stop; i++)
		if (now_ms() >= runs[i].next_ms) {
			sources_refresh(cfg, chan, &runs[i], body);
			any = 1;
		}
	return any;
}

/* `ringcastctl refresh [NAME]`: NAME ("" every source) is due now. */
static void
sources_due_now(const struct config *cfg, struct source_run *runs,
    const char *name)
{
	int i;

	for (i = 0; i < cfg->n_sources; i++)
		if (name[0] == '\0' || strcmp(runs[i].sc->name, name) == 0)
			runs[i].next_ms = 0;
}

void
sources_main(struct proc *self, const struct child_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct source_run *runs;
	struct pollfd pfd = { self->fd, POLLIN, 0 };
	struct buf body;
	struct msg m;
	int i, n;

	proc_child_init(sources_on_signal, "source process");
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (runs = calloc((size_t)cfg->n_sources + 1, sizeof(*runs))) == NULL)
		fatalx("cannot start the source process");
	sources_setup(cfg, runs);
	buf_init(&body);
	while (!sources_stop) {
		if (sources_due(cfg, self->fd, runs, &body) && !sources_stop)
			sources_publish(cfg, runs, cfg->n_sources);
		if (poll(&pfd, 1, SOURCES_TICK_MS) <= 0)
			continue;
		while ((n = msg_recv(self->fd, &m)) == 1)
			if (m.type == MSG_SHUTDOWN)
				sources_stop = 1;
			else if (m.type == MSG_SOURCES_REFRESH)
				sources_due_now(cfg, runs,
				    (const char *)m.payload);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EBADMSG))
			sources_stop = 1;	/* the supervisor is gone */
	}
	for (i = 0; i < cfg->n_sources; i++)
		m3u_list_free(&runs[i].list);
	free(runs);
	buf_free(&body);
	curl_global_cleanup();
}
