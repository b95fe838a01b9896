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
 *
 * After the lineup, the guide: the sources' XMLTV guides (`epg`, plain or
 * gzip) reduced to the lineup's channels and the epg_past..epg_future
 * window (xmltv.h), written to STATE_DIR/epg.xml and epg.xml.gz for the
 * workers (http_epg.c).  A source's guides are fetched when its list is;
 * a guide that fails (source_failed, reason "epg N: ...") or whose
 * source was not due is read from its last good copy,
 * STATE_DIR/epg-NAME-N.xml[.gz], so one bad guide costs only its own
 * fresh programmes.
 *
 * Before the lineup is written, the `channels` overrides are applied
 * (lineup_override.h) and every channel is numbered (lineup_numbers.h):
 * the numbers given are kept in STATE_DIR/numbers.json, read at start
 * (a damaged one is logged and numbering starts again) and written, the
 * same way as channels.json, whenever they changed.
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
#include <zlib.h>

#include "channels_doc.h"
#include "config.h"
#include "json.h"
#include "lineup.h"
#include "lineup_numbers.h"
#include "lineup_override.h"
#include "log.h"
#include "m3u_list.h"
#include "msg.h"
#include "sources.h"
#include "util.h"
#include "xmltv.h"

#define SOURCES_HTTP_TIMEOUT_MS		30000
#define SOURCES_CONNECT_TIMEOUT_MS	10000
#define SOURCES_MAX_REDIRECTS		5L
#define SOURCES_TICK_MS			1000
#define SOURCES_RETRY_MS		60000	/* after a failed refresh */
#define SOURCES_EPG_MAX_BYTES		((size_t)64 << 20)	/* a guide as
					   fetched (xmltv.h caps it inflated) */
#define SOURCES_EPG_FILE		"epg.xml"
#define SOURCES_EPG_GZ_FILE		"epg.xml.gz"

struct source_run {
	const struct source_conf *sc;
	struct m3u_list		 list;		/* last good; zeroed: none */
	int			 have;
	struct lineup_filter	 filter;
	struct channels_source	 status;
	uint64_t		 next_ms;	/* monotonic */
	int			 epg_due;	/* fetch its guides */
};

/* The numbers given, and numbers.json as last read or written. */
struct sources_numbers {
	struct lineup_numbers	 m;
	struct buf		 file;
};

static volatile sig_atomic_t sources_stop;

static void
sources_on_signal(int sig)
{
	(void)sig;
	sources_stop = 1;
}

/* A download: its bytes and how many it may hold. */
struct sources_get {
	struct buf	*b;
	size_t		 max;
};

static size_t
sources_curl_write(char *p, size_t size, size_t n, void *arg)
{
	struct sources_get *g = arg;

	if (g->b->len + size * n > g->max ||
	    buf_append(g->b, p, size * n) == -1)
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

/* GET URL into B (at most MAX bytes); its final URL into FINAL.  0, or
 * -1 with ERR. */
static int
sources_http(const char *url, struct buf *b, size_t max, char *final,
    size_t finalsz, char *err, size_t errsz)
{
	struct sources_get g = { b, max };
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
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
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
	if (rc == CURLE_WRITE_ERROR && !b->failed)
		snprintf(err, errsz, "larger than %zu bytes", max);
	else if (rc != CURLE_OK)
		snprintf(err, errsz, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
	else if (code < 200 || code > 299)
		snprintf(err, errsz, "HTTP status %ld", code);
	else
		return 0;
	return -1;
}

/* Read the file PATH into B (at most MAX + 1 bytes, so that the parser
 * refuses a larger one).  0, or -1 with ERR. */
static int
sources_file(const char *path, struct buf *b, size_t max, char *err,
    size_t errsz)
{
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (b->len <= max && (n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(b, chunk, (size_t)n) == -1)
			break;
	close(fd);
	if (b->failed) {
		snprintf(err, errsz, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

/* Read LOC (an http(s) URL, file:// URL or absolute path) into BODY, at
 * most MAX bytes; FINAL gets the URL after redirects, or "" for a file.
 * 0, or -1 with ERR. */
static int
sources_get(const char *loc, struct buf *body, size_t max, char *final,
    size_t finalsz, char *err, size_t errsz)
{
	buf_reset(body);
	final[0] = '\0';
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		return sources_http(loc, body, max, final, finalsz, err,
		    errsz);
	return sources_file(strncmp(loc, "file://", 7) == 0 ? loc + 7 : loc,
	    body, max, err, errsz);
}

/* Fetch and parse SR's list into *OUT.  0, or -1 with ERR. */
static int
sources_fetch(struct source_run *sr, struct m3u_list *out, struct buf *body,
    char *err, size_t errsz)
{
	char final[CONFIG_URL_MAX];

	if (sources_get(sr->sc->m3u, body, M3U_LIST_MAX_BYTES, final,
	    sizeof(final), err, errsz) == -1)
		return -1;
	return m3u_list_parse(body->data, body->len, final[0] ? final : NULL,
	    out, err, errsz);
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
	    sources_file(path, body, M3U_LIST_MAX_BYTES, err, sizeof(err)) ==
	    -1)
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
	sr->epg_due = 1;
	sr->next_ms = now_ms() + (ok || sr->sc->refresh * 1000.0 <
	    SOURCES_RETRY_MS ? (uint64_t)(sr->sc->refresh * 1000.0) :
	    SOURCES_RETRY_MS);
}

/* ---- the guide (/epg.xml) ---- */

/* IN gzipped (RFC 1952) onto OUT.  0, or -1. */
static int
sources_gzip(const struct buf *in, struct buf *out)
{
	unsigned char chunk[65536];
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (Bytef *)in->data;
	z.avail_in = (uInt)in->len;	/* at most XMLTV_OUTPUT_MAX_BYTES */
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR || buf_append(out, chunk,
		    sizeof(chunk) - z.avail_out) == -1)
			break;
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

/* STATE_DIR/epg-SOURCE-N.xml or .xml.gz (by GZ): guide N's last good
 * copy, into PATH (the name only when DIR is NULL). */
static void
sources_epg_copy(const char *dir, const struct source_run *sr, int i, int gz,
    char *path, size_t pathsz)
{
	snprintf(path, pathsz, "%s%sepg-%s-%d.xml%s", dir ? dir : "",
	    dir ? "/" : "", sr->sc->name, i + 1, gz ? ".gz" : "");
}

/* Add guide I of SR to R: fetched when SR was refreshed this round (and
 * then kept in STATE_DIR), else, or when that fails (source_failed), its
 * last good copy. */
static void
sources_epg_input(const struct config *cfg, int chan, struct source_run *sr,
    int i, struct xmltv_reduce *r, struct buf *body)
{
	char label[32], err[256], why[300], final[CONFIG_URL_MAX];
	char path[PATH_MAX], m3u_err[sizeof(sr->status.error)];
	int gz;

	snprintf(label, sizeof(label), "epg %d", i + 1);
	if (sr->epg_due) {
		if (sources_get(sr->sc->epg[i], body, SOURCES_EPG_MAX_BYTES,
		    final, sizeof(final), err, sizeof(err)) == -1)
			snprintf(why, sizeof(why), "%s: %s", label, err);
		else if (body->len > SOURCES_EPG_MAX_BYTES)	/* a file */
			snprintf(why, sizeof(why), "%s: larger than %zu bytes",
			    label, SOURCES_EPG_MAX_BYTES);
		else if (xmltv_reduce_add(r, body->data, body->len, label,
		    NULL, why, sizeof(why)) == 0) {
			gz = body->len >= 2 && (unsigned char)body->data[0] ==
			    0x1f && (unsigned char)body->data[1] == 0x8b;
			sources_epg_copy(NULL, sr, i, gz, path, sizeof(path));
			sources_write_file(cfg->state_dir, path, body->data,
			    body->len);
			sources_epg_copy(cfg->state_dir, sr, i, !gz, path,
			    sizeof(path));
			unlink(path);
			return;
		}
		log_warnx("source %s: %s (its last good copy, if any, stays)",
		    sr->sc->name, why);
		memcpy(m3u_err, sr->status.error, sizeof(m3u_err));
		str_copy(sr->status.error, why, sizeof(sr->status.error));
		sources_event(chan, sr, 0);
		memcpy(sr->status.error, m3u_err, sizeof(m3u_err));
	}
	for (gz = 0; gz < 2; gz++) {
		sources_epg_copy(cfg->state_dir, sr, i, gz, path, sizeof(path));
		buf_reset(body);
		if (access(path, R_OK) == 0 && sources_file(path, body,
		    SOURCES_EPG_MAX_BYTES, err, sizeof(err)) == 0 &&
		    xmltv_reduce_add(r, body->data, body->len, label, NULL,
		    err, sizeof(err)) == 0)
			return;
	}
}

/* Write the guide R made, plain and gzipped. */
static void
sources_epg_write(const struct config *cfg, const struct xmltv_reduce *r)
{
	struct xmltv_counts t;
	struct buf xml, gz;

	buf_init(&xml);
	buf_init(&gz);
	if (xmltv_reduce_finish(r, &xml) == -1 || xml.failed ||
	    sources_gzip(&xml, &gz) == -1)
		log_warnx("cannot build the guide: out of memory");
	else if (sources_write_file(cfg->state_dir, SOURCES_EPG_FILE,
	    xml.data, xml.len) == 0 && sources_write_file(cfg->state_dir,
	    SOURCES_EPG_GZ_FILE, gz.data, gz.len) == 0) {
		xmltv_reduce_totals(r, &t);
		log_info("guide: %zu channels, %zu programmes from %zu guides",
		    t.channels, t.programmes, t.inputs);
	}
	buf_free(&xml);
	buf_free(&gz);
}

/*
 * The guide of lineup L: every source's guides (epg) reduced to L's
 * channels and the window epg_past..epg_future around now, written to
 * STATE_DIR/epg.xml and epg.xml.gz.  Without guides, no file (so
 * /epg.xml answers 404).
 */
static void
sources_epg_publish(const struct config *cfg, int chan,
    struct source_run *runs, int n, const struct lineup *l)
{
	struct xmltv_reduce *r = NULL;
	struct xmltv_map *map = NULL;
	char path[PATH_MAX], err[256];
	struct buf body;
	size_t nmap = 0;
	int64_t now = (int64_t)(wall_ms() / 1000);
	int i, k, any = 0;

	for (i = 0; i < n; i++)
		any += runs[i].sc->n_epg;
	if (any == 0) {
		snprintf(path, sizeof(path), "%s/%s", cfg->state_dir,
		    SOURCES_EPG_FILE);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", cfg->state_dir,
		    SOURCES_EPG_GZ_FILE);
		unlink(path);
		return;
	}
	if (lineup_xmltv_map(l, &map, &nmap) == -1 ||
	    (r = xmltv_reduce_new(map, nmap, now - cfg->epg_past,
	    now + cfg->epg_future, NULL, err, sizeof(err))) == NULL) {
		log_warnx("cannot build the guide: %s", map ? err :
		    "out of memory");
		free(map);
		return;
	}
	buf_init(&body);
	for (i = 0; i < n && !sources_stop; i++) {
		for (k = 0; k < runs[i].sc->n_epg && !sources_stop; k++)
			sources_epg_input(cfg, chan, &runs[i], k, r, &body);
		runs[i].epg_due = 0;
	}
	buf_free(&body);
	if (!sources_stop)
		sources_epg_write(cfg, r);
	xmltv_reduce_free(r);
	free(map);
}

/* STATE_DIR/numbers.json into N; a damaged one is logged and left for
 * the next write to replace. */
static void
sources_numbers_load(const struct config *cfg, struct sources_numbers *n)
{
	char path[PATH_MAX], err[256];

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir,
	    LINEUP_NUMBERS_FILE);
	buf_init(&n->file);
	if (access(path, F_OK) == -1)
		return;
	if (sources_file(path, &n->file, LINEUP_NUMBERS_MAX_BYTES, err,
	    sizeof(err)) == -1 || lineup_numbers_parse(n->file.data,
	    n->file.len, &n->m, err, sizeof(err)) == -1) {
		log_warnx("%s: %s: channels without a number of their own "
		    "are numbered again", path, err);
		buf_reset(&n->file);
		return;
	}
	log_info("%s: %zu channel numbers", path, n->m.n);
}

/* Overrides and numbers on L; numbers.json written when it changed. */
static void
sources_ident(const struct config *cfg, struct lineup *l,
    struct sources_numbers *n)
{
	const char *taken[CONFIG_MAX_STREAMS];
	size_t nt = 0;
	struct buf b;
	int i;

	if (lineup_override(l, cfg->channels, (size_t)cfg->n_channels) == -1)
		log_warnx("cannot apply the channel overrides: out of memory");
	for (i = 0; i < cfg->n_streams && nt < CONFIG_MAX_STREAMS; i++)
		if (cfg->streams[i].number != NULL)
			taken[nt++] = cfg->streams[i].number;
	if (lineup_numbers_assign(l, taken, nt, &n->m) == -1) {
		log_warnx("cannot number the channels: out of memory");
		return;
	}
	buf_init(&b);
	if (lineup_numbers_build(&b, &n->m) == 0 && (b.len != n->file.len ||
	    memcmp(b.data, n->file.data, b.len) != 0) &&
	    sources_write_file(cfg->state_dir, LINEUP_NUMBERS_FILE, b.data,
	    b.len) == 0) {
		buf_free(&n->file);
		n->file = b;
		return;
	}
	buf_free(&b);
}

/* Merge every list that has entries and write channels.json. */
static void
sources_publish(const struct config *cfg, int chan, struct source_run *runs,
    int n, struct sources_numbers *nums)
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
	sources_ident(cfg, &l, nums);
	format_rfc3339_ms(wall_ms(), ts);
	buf_init(&b);
	if (channels_doc_build(&b, &l, status, by_source, (size_t)n, ts) == 0 &&
	    sources_write_file(cfg->state_dir, CHANNELS_DOC_FILE, b.data,
	    b.len) == 0)
		log_info("lineup: %zu channels", l.n);
	buf_free(&b);
	sources_epg_publish(cfg, chan, runs, n, &l);
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
	struct sources_numbers nums;
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
	memset(&nums, 0, sizeof(nums));
	sources_numbers_load(cfg, &nums);
	buf_init(&body);
	while (!sources_stop) {
		if (sources_due(cfg, self->fd, runs, &body) && !sources_stop)
			sources_publish(cfg, self->fd, runs, cfg->n_sources,
			    &nums);
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
	lineup_numbers_free(&nums.m);
	buf_free(&nums.file);
	buf_free(&body);
	curl_global_cleanup();
}
