/*
 * http_hdhr.c - the HDHomeRun tuner: /discover.json, /lineup.json,
 * /lineup_status.json, /lineup.post and /device.xml, and the tuners that
 * players of lineup URLs (/tuner/NAME) hold.
 *
 * Media servers (Plex, Emby, Jellyfin) add ringcast as an HDHomeRun
 * network tuner by its address, read these documents (hdhr.c builds
 * them) and play the lineup's URLs.  Everything comes from the state
 * segment: the settings the supervisor published (hdhomerun group,
 * public_url) and the configured streams' slots, so any worker answers
 * at once, like /status; with `sources`, the channels of the lineup
 * follow, read from STATE_DIR/channels.json as /channels reads it, with
 * the numbers the source process gave them (its "chno": an override's,
 * a tvg-chno, or a whole number kept in numbers.json); disabled ones
 * are left out.
 *
 * A lineup URL is /tuner/NAME, the same TS as /stream/NAME (routes.c
 * serves it through the stream family, which starts a channel of the
 * lineup on demand) but one tuner while it plays: a
 * media server schedules recordings and viewers by TunerCount, so more
 * plays than tuners are refused (503), as a real tuner refuses.  The
 * count is per worker row in the state segment (state_tuner_take), taken
 * before the stream is served and given back when the player's request
 * completes (its client's done hook), or by the supervisor zeroing the
 * row of a worker that died.
 *
 * The documents' base URL is public_url when set; otherwise http:// and
 * the request's Host header, when it is a plain host[:port]
 * (hdhr_host_valid); otherwise the address the request came to.  With
 * access = "users" and a token in the request's URL, the base gets the
 * path prefix /u/TOKEN (access.h), so every URL in the documents plays,
 * and a user's lineup lists only what the user may play.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access.h"
#include "channels_doc.h"
#include "lineup_cache.h"
#include "hdhr.h"
#include "http.h"
#include "log.h"
#include "routes.h"

#define HDHR_BASE_MAX	(STATE_PUBLIC_URL_MAX + 16)

#if CONFIG_HDHR_TUNERS_MIN != HDHR_TUNERS_MIN || \
    CONFIG_HDHR_TUNERS_MAX != HDHR_TUNERS_MAX
#error "tuner_count's limits (config.h) differ from hdhr.h's"
#endif

/* The settings, or 0 when the tuner is off (or they cannot be read). */
static int
hdhr_settings(struct worker *w, struct state_hdhr *h)
{
	return state_get_hdhr(w->st, h) == 0 && h->enabled;
}

/* http://ADDRESS:PORT the connection came to; "" when unknown. */
static void
hdhr_local_base(struct MHD_Connection *conn, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if ((ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD)) == NULL ||
	    getsockname(ci->connect_fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		snprintf(out, outsz, "http://%s:%u", addr,
		    (unsigned)ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		snprintf(out, outsz, "http://[%s]:%u", addr,
		    (unsigned)ntohs(s6->sin6_port));
	}
}

static void
hdhr_base_url(struct MHD_Connection *conn, const struct state_hdhr *h,
    char *out, size_t outsz)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST);

	if (h->public_url[0] != '\0') {
		snprintf(out, outsz, "%s", h->public_url);
		return;		/* as written */
	}
	if (hdhr_host_valid(host))
		snprintf(out, outsz, "http://%s", host);
	else
		hdhr_local_base(conn, out, outsz);
	http_url_scheme(conn, out, outsz);	/* https:// on listen_tls */
}

/* Channels by number ("2" < "10" < "10.1"), then by name. */
static int
hdhr_cmp(const void *a, const void *b)
{
	const struct slot_cfg *x = a, *y = b;
	double nx = strtod(x->number, NULL), ny = strtod(y->number, NULL);

	if (nx != ny)
		return nx < ny ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* 1 when a configured stream is called NAME (it shadows the channel). */
static int
hdhr_configured(struct worker *w, const char *name)
{
	struct slot_cfg cfg;
	int slot = state_find(w->st, name);

	return slot != -1 && state_slot_read(w->st, slot, &cfg) == 0 &&
	    cfg.in_use && cfg.origin == STREAM_ORIGIN_CONFIG;
}

/*
 * The channels of the lineup DOC after the N lines of CH (configured
 * streams): every enabled one with a number that a configured stream
 * does not shadow, in lineup order.  The new count.
 */
static size_t
hdhr_lineup_channels(struct worker *w, const struct channels_doc *doc,
    struct hdhr_channel *ch, size_t n)
{
	const struct channels_entry *c;
	size_t i;

	for (i = 0; i < doc->n; i++) {
		c = &doc->channels[i];
		if (!c->enabled || c->chno[0] == '\0' ||
		    hdhr_configured(w, c->name))
			continue;
		ch[n].number = c->chno;
		ch[n].name = c->title[0] != '\0' ? c->title : c->name;
		ch[n].stream = c->name;
		n++;
	}
	return n;
}

/* Keep of the N channels CH those the current request may play
 * (access = "users": a user's allow); how many are left. */
static size_t
hdhr_lineup_allowed(struct worker *w, struct MHD_Connection *conn,
    struct hdhr_channel *ch, size_t n)
{
	struct access_play ap = { w, conn };
	char path[CONFIG_NAME_MAX + 16];
	size_t i, kept = 0;

	if (!access_on() || access_admin(conn))
		return n;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/stream/%s", ch[i].stream);
		if (access_may_play(&ap, path))
			ch[kept++] = ch[i];
	}
	return kept;
}

/* lineup.json: every stream of the configuration (by number), then the
 * channels of the lineup, when there are sources; a user's only those
 * the user may play. */
static int
hdhr_lineup(struct worker *w, struct MHD_Connection *conn, const char *base,
    struct buf *b)
{
	struct lineup_snap *snap = NULL;
	struct hdhr_channel *ch;
	struct slot_cfg *cfg;
	size_t n = 0, i;
	int s, rc = -1;

	if (atomic_load(&w->st->lineup_mode))
		snap = lineup_snap_get(w->channels_file);
	cfg = calloc(STATE_MAX_STREAMS, sizeof(*cfg));
	ch = calloc(STATE_MAX_STREAMS + (snap != NULL ? snap->doc.n : 0),
	    sizeof(*ch));
	if (cfg == NULL || ch == NULL)
		goto out;
	for (s = 0; s < STATE_MAX_STREAMS; s++)
		if (state_slot_read(w->st, s, &cfg[n]) == 0 &&
		    cfg[n].in_use && cfg[n].origin == STREAM_ORIGIN_CONFIG &&
		    cfg[n].number[0] != '\0')
			n++;
	qsort(cfg, n, sizeof(*cfg), hdhr_cmp);
	for (i = 0; i < n; i++) {
		ch[i].number = cfg[i].number;
		ch[i].name = cfg[i].title;
		ch[i].stream = cfg[i].name;
	}
	if (snap != NULL)
		n = hdhr_lineup_channels(w, &snap->doc, ch, n);
	n = hdhr_lineup_allowed(w, conn, ch, n);
	rc = hdhr_lineup_json(b, base, ch, n);
out:
	lineup_snap_put(snap);
	free(cfg);
	free(ch);
	return rc;
}

/* GET/POST /lineup.post[?scan=start|abort]: a scan that has finished. */
static enum MHD_Result
hdhr_lineup_post(struct MHD_Connection *conn, const char *method)
{
	const char *scan = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "scan");

	if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0)
		return http_preflight(conn);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return http_error_hdr(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed", "Allow", "GET, HEAD, POST, OPTIONS");
	if (scan != NULL && strcmp(scan, "start") != 0 &&
	    strcmp(scan, "abort") != 0)
		return http_error(conn, MHD_HTTP_BAD_REQUEST,
		    "scan must be start or abort");
	return http_reply(conn, MHD_HTTP_OK, "text/plain", "", 0);
}

enum MHD_Result
http_hdhr_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	struct state_hdhr h;
	struct hdhr_device d;
	char base[HDHR_BASE_MAX + CONFIG_TOKEN_MAX];
	enum cred_form form;
	const char *token;
	struct buf b;

	(void)con_cls;
	if (!hdhr_settings(w, &h))
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	if (strcmp(url, "/lineup.post") == 0)
		return hdhr_lineup_post(conn, method);
	hdhr_base_url(conn, &h, base, sizeof(base));
	/* a token in the URL: the documents' URLs carry it as a path
	 * prefix (what media servers keep; it works on every route) */
	if ((form = access_form(conn, &token)) == CRED_PATH ||
	    form == CRED_QUERY)
		snprintf(base + strlen(base), sizeof(base) - strlen(base),
		    "/u/%s", token);
	memset(&d, 0, sizeof(d));
	d.friendly_name = h.friendly_name;
	d.device_id = h.device_id;
	d.base_url = base;
	d.tuner_count = (int)h.tuner_count;
	buf_init(&b);
	if (strcmp(url, "/discover.json") == 0)
		return http_reply_buf(conn, MHD_HTTP_OK, "application/json", &b,
		    hdhr_discover_json(&b, &d));
	if (strcmp(url, "/lineup.json") == 0)
		return http_reply_buf(conn, MHD_HTTP_OK, "application/json", &b,
		    hdhr_lineup(w, conn, base, &b));
	if (strcmp(url, "/lineup_status.json") == 0)
		return http_reply_buf(conn, MHD_HTTP_OK, "application/json", &b,
		    hdhr_lineup_status_json(&b));
	if (strcmp(url, "/device.xml") == 0)
		return http_reply_buf(conn, MHD_HTTP_OK,
		    "text/xml; charset=utf-8", &b,
		    hdhr_device_xml(&b, &d));
	return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}

int
http_hdhr_tuner_path(const char *url, char *name, size_t namesz)
{
	const char *p = url + strlen(HDHR_STREAM_PATH);
	size_t len;

	if (strncmp(url, HDHR_STREAM_PATH, strlen(HDHR_STREAM_PATH)) != 0 ||
	    (len = strlen(p)) == 0 || len >= namesz)
		return -1;
	memcpy(name, p, len + 1);
	return config_name_valid(name) ? 0 : -1;
}

/* 1 when NAME is an enabled channel of the lineup (it plays at
 * /stream/NAME, made on demand; a configured stream of that name shadows
 * it). */
static int
hdhr_in_lineup(struct worker *w, const char *name)
{
	struct lineup_snap *snap;
	const struct channels_entry *c;
	int found;

	if (!atomic_load(&w->st->lineup_mode) ||
	    (snap = lineup_snap_get(w->channels_file)) == NULL)
		return 0;
	found = (c = channels_doc_find(&snap->doc, name)) != NULL &&
	    c->enabled;
	lineup_snap_put(snap);
	return found;
}

int
http_hdhr_tuner_take(struct worker *w, struct MHD_Connection *conn,
    const char *name, enum MHD_Result *ret)
{
	struct state_hdhr h;
	char msg[64];

	if (!hdhr_settings(w, &h)) {
		*ret = http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
		return -1;
	}
	if (!hdhr_configured(w, name) && !hdhr_in_lineup(w, name)) {
		*ret = http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
		return -1;
	}
	if (state_tuner_take(w->st, w->row, h.tuner_count) == -1) {
		snprintf(msg, sizeof(msg), "all %u tuners are in use",
		    h.tuner_count);
		log_info("tuner refused for %s: %s", name, msg);
		*ret = http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
		return -1;
	}
	return 0;
}

static void
hdhr_tuner_done(struct worker *w, struct client *c)
{
	(void)c;
	state_tuner_release(w->st, w->row);
}

void
http_hdhr_tuner_attach(struct worker *w, void *con_cls)
{
	struct client *c = con_cls;

	if (c != NULL && c->kind == CLIENT_TS && c->done == NULL)
		c->done = hdhr_tuner_done;	/* held until it completes */
	else
		state_tuner_release(w->st, w->row);	/* answered at once */
}
