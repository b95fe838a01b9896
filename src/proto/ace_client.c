/*
 * ace_client.c - the AceStream engine's HTTP API, client side (see
 * ace_client.h).
 *
 * Engine answers are outside input: they are parsed with json-c (with a
 * depth limit and a size limit, trailing garbage refused) rather than
 * searched as text, so a field inside a string or a nested object can
 * never be mistaken for the one we want.  Every URL the engine hands us
 * is checked (http or https, no control characters, fits) before it is
 * used or stored.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ace_client.h"
#include "util.h"

int
ace_id_valid(const char *s)
{
	return s != NULL && ace_id_problem(s, strlen(s)) == NULL;
}

const char *
ace_id_problem(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0)
		return "missing id: give id=, content_id= or infohash= with "
		    "40 hex digits";
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return "the id must be 40 hex digits (0-9, a-f); it "
			    "holds other characters";
	if (len < CONFIG_ACE_ID_LEN)
		return "the id is too short: it must be 40 hex digits";
	if (len > CONFIG_ACE_ID_LEN)
		return "the id is too long: it must be 40 hex digits";
	return NULL;
}

void
ace_id_normalize(const char *s, char out[CONFIG_ACE_ID_LEN + 1])
{
	int i;

	for (i = 0; i < CONFIG_ACE_ID_LEN && s[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

/* ---- stream keys and the engine choice ---- */

static int
ace_fit(int n, size_t outsz)
{
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
ace_stream_key(const char *param, const char *id, char *key, size_t keysz)
{
	char hex[CONFIG_ACE_ID_LEN + 1];
	int n;

	if (!ace_id_valid(id))
		return -1;
	ace_id_normalize(id, hex);
	n = snprintf(key, keysz, "%s%s", strcmp(param, "infohash") == 0 ?
	    ACE_INFOHASH_PREFIX : "", hex);
	return n < 0 || (size_t)n >= keysz ? -1 : 0;
}

int
ace_key_split(const char *key, const char **param, const char **id)
{
	size_t plen = strlen(ACE_INFOHASH_PREFIX), i;

	*param = "id";
	*id = key;
	if (strncmp(key, ACE_INFOHASH_PREFIX, plen) == 0) {
		*param = "infohash";
		*id = key + plen;
	}
	if (strlen(*id) != CONFIG_ACE_ID_LEN)
		return -1;
	for (i = 0; i < CONFIG_ACE_ID_LEN; i++)
		if (strchr("0123456789abcdef", (*id)[i]) == NULL)
			return -1;
	return 0;
}

int
ace_pick_engine(const struct ace_pick *e, int n, int max_per, int exclude)
{
	int i, best = -1;

	for (i = 0; i < n; i++) {
		if (i == exclude || !e[i].usable || e[i].streams >= max_per)
			continue;
		if (best == -1 || e[i].streams < e[best].streams)
			best = i;
	}
	return best;
}

/* ---- parsing ---- */

/* Parse BODY as one JSON object; NULL with ERR when it is not one. */
static json_object *
ace_json(const char *body, size_t len, char *err, size_t errsz)
{
	struct json_tokener *tok;
	json_object *o;
	size_t used;

	if (body == NULL || len == 0) {
		snprintf(err, errsz, "empty answer");
		return NULL;
	}
	if (len > ACE_ANSWER_MAX) {
		snprintf(err, errsz, "answer too large (%zu bytes)", len);
		return NULL;
	}
	if ((tok = json_tokener_new_ex(ACE_JSON_DEPTH)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, body, (int)len);
	used = (size_t)json_tokener_get_parse_end(tok);
	if (o == NULL) {
		snprintf(err, errsz, "not JSON: %s", json_tokener_error_desc(
		    json_tokener_get_error(tok)));
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	while (used < len && isspace((unsigned char)body[used]))
		used++;
	if (used < len) {
		snprintf(err, errsz, "not JSON: garbage after the answer");
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errsz, "not a JSON object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The engine reported an error: 1 with ERR set. */
static int
ace_engine_error(json_object *top, char *err, size_t errsz)
{
	json_object *e;

	if (!json_object_object_get_ex(top, "error", &e) || e == NULL ||
	    json_object_is_type(e, json_type_null))
		return 0;
	if (json_object_is_type(e, json_type_string) &&
	    json_object_get_string_len(e) > 0)
		snprintf(err, errsz, "engine error: %s",
		    json_object_get_string(e));
	else if (json_object_is_type(e, json_type_string))
		return 0;	/* "" means none, as acexy reads it */
	else
		snprintf(err, errsz, "engine error: %s",
		    json_object_to_json_string(e));
	return 1;
}

/* A string member copied into OUT: 1, 0 when absent, -1 when unusable. */
static int
ace_str(json_object *obj, const char *key, char *out, size_t outsz)
{
	json_object *v;
	const char *s;
	size_t i, n;

	out[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n >= outsz)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

/* A URL member: must be http(s) with a host. */
static int
ace_url(json_object *obj, const char *key, char *out, size_t outsz,
    int required, char *err, size_t errsz)
{
	int rc = ace_str(obj, key, out, outsz);
	const char *host;

	if (rc == 0 && !required)
		return 0;
	if (rc == 0) {
		snprintf(err, errsz, "the answer has no %s", key);
		return -1;
	}
	host = strncmp(out, "http://", 7) == 0 ? out + 7 :
	    strncmp(out, "https://", 8) == 0 ? out + 8 : NULL;
	if (rc == -1 || host == NULL || *host == '\0' || *host == '/' ||
	    strchr(out, ' ') != NULL) {
		snprintf(err, errsz, "the answer's %s is not a usable URL",
		    key);
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* A non-negative number member (int or double; absent or other: 0). */
static uint64_t
ace_num(json_object *obj, const char *key)
{
	json_object *v;
	double d;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);

		return i > 0 ? (uint64_t)i : 0;
	}
	if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		return d > 0 && d < 1.8e19 ? (uint64_t)d : 0;
	}
	return 0;
}

static uint32_t
ace_num32(json_object *obj, const char *key)
{
	uint64_t v = ace_num(obj, key);

	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The "response" object of TOP, or NULL with ERR. */
static json_object *
ace_response(json_object *top, const char *key, char *err, size_t errsz)
{
	json_object *r;

	if (ace_engine_error(top, err, errsz))
		return NULL;
	if (!json_object_object_get_ex(top, key, &r) || r == NULL ||
	    !json_object_is_type(r, json_type_object)) {
		snprintf(err, errsz, "the answer has no \"%s\" object", key);
		return NULL;
	}
	return r;
}

int
ace_parse_getstream(const char *body, size_t len, struct ace_session *out,
    char *err, size_t errsz)
{
	char hash[CONFIG_ACE_ID_LEN + 2];
	json_object *top, *r, *v;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->is_live = -1;
	if ((top = ace_json(body, len, err, errsz)) == NULL)
		return -1;
	if ((r = ace_response(top, "response", err, errsz)) == NULL)
		goto done;
	if (ace_url(r, "playback_url", out->playback_url,
	    sizeof(out->playback_url), 1, err, errsz) == -1 ||
	    ace_url(r, "command_url", out->command_url,
	    sizeof(out->command_url), 1, err, errsz) == -1 ||
	    ace_url(r, "stat_url", out->stat_url, sizeof(out->stat_url), 0,
	    err, errsz) == -1)
		goto done;
	if (ace_str(r, "playback_session_id", out->session_id,
	    sizeof(out->session_id)) == -1) {
		snprintf(err, errsz, "the answer's playback_session_id is not"
		    " usable");
		goto done;
	}
	if (ace_str(r, "infohash", hash, sizeof(hash)) == 1 &&
	    ace_id_valid(hash))
		ace_id_normalize(hash, out->infohash);
	if (json_object_object_get_ex(r, "is_live", &v) && v != NULL &&
	    (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_boolean)))
		out->is_live = json_object_get_int(v) != 0;
	rc = 0;
done:
	json_object_put(top);
	return rc;
}

int
ace_parse_stat(const char *body, size_t len, struct ace_stat *out, char *err,
    size_t errsz)
{
	json_object *top, *r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((top = ace_json(body, len, err, errsz)) == NULL)
		return -1;
	if ((r = ace_response(top, "response", err, errsz)) == NULL)
		goto done;
	if (ace_str(r, "status", out->status, sizeof(out->status)) == -1)
		str_copy(out->status, "?", sizeof(out->status));
	out->peers = ace_num32(r, "peers");
	out->speed_down = ace_num32(r, "speed_down");
	out->speed_up = ace_num32(r, "speed_up");
	out->downloaded = ace_num(r, "downloaded");
	out->uploaded = ace_num(r, "uploaded");
	rc = 0;
done:
	json_object_put(top);
	return rc;
}

int
ace_parse_version(const char *body, size_t len, char *version,
    size_t versionsz, char *err, size_t errsz)
{
	json_object *top, *r;
	int rc = -1;

	version[0] = '\0';
	if ((top = ace_json(body, len, err, errsz)) == NULL)
		return -1;
	if ((r = ace_response(top, "result", err, errsz)) == NULL)
		goto done;
	if (ace_str(r, "version", version, versionsz) == -1)
		version[0] = '\0';
	rc = 0;
done:
	json_object_put(top);
	return rc;
}

int
ace_parse_command(const char *body, size_t len, char *err, size_t errsz)
{
	json_object *top;
	int rc;

	if ((top = ace_json(body, len, err, errsz)) == NULL)
		return -1;
	rc = ace_engine_error(top, err, errsz) ? -1 : 0;
	json_object_put(top);
	return rc;
}

int
ace_parse_stop(const char *body, size_t len, char *err, size_t errsz)
{
	json_object *top, *e;
	int rc = -1;

	if ((top = ace_json(body, len, err, errsz)) == NULL)
		return -1;
	if (json_object_object_get_ex(top, "error", &e) && e != NULL &&
	    json_object_is_type(e, json_type_string) &&
	    strcasecmp(json_object_get_string(e), ACE_UNKNOWN_SESSION) == 0) {
		snprintf(err, errsz, "%s", ACE_UNKNOWN_SESSION);
		rc = 1;
	} else if (!ace_engine_error(top, err, errsz))
		rc = 0;
	json_object_put(top);
	return rc;
}

int
ace_parse_network(const char *body, size_t len, int *connected, char *err,
    size_t errsz)
{
	json_object *top, *r, *c;
	int rc = -1;

	*connected = 0;
	if ((top = ace_json(body, len, err, errsz)) == NULL)
		return -1;
	if ((r = ace_response(top, "result", err, errsz)) == NULL)
		goto done;
	if (!json_object_object_get_ex(r, "connected", &c) || c == NULL ||
	    (!json_object_is_type(c, json_type_boolean) &&
	    !json_object_is_type(c, json_type_int))) {
		snprintf(err, errsz, "the answer has no \"connected\"");
		goto done;
	}
	*connected = json_object_get_int(c) != 0;
	rc = 0;
done:
	json_object_put(top);
	return rc;
}

/* ---- the engine's refusal of the content ---- */

/* Words of a refusal that mean the content is unknown or dead (404). */
static const char *const ACE_DEAD_WORDS[] = {
	"failed to load", "cannot load", "not found", "no such",
	"does not exist", "unknown content", "invalid", "bad content",
	"dead",
};

/* S (N bytes) into OUT, control characters as spaces, cut to fit. */
static void
ace_copy_text(char *out, size_t outsz, const char *s, size_t n)
{
	size_t i;

	if (n >= outsz)
		n = outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' :
		    s[i];
	out[n] = '\0';
}

int
ace_getstream_refusal(const char *body, size_t len, char *text,
    size_t textsz)
{
	json_object *top, *e, *r;
	const char *s;
	int rc = 0;

	if (textsz == 0)
		return 0;
	if ((top = ace_json(body, len, text, textsz)) == NULL) {
		text[0] = '\0';
		return 0;
	}
	if (json_object_object_get_ex(top, "error", &e) && e != NULL &&
	    !json_object_is_type(e, json_type_null) &&
	    (!json_object_object_get_ex(top, "response", &r) || r == NULL ||
	    json_object_is_type(r, json_type_null))) {
		s = json_object_is_type(e, json_type_string) ?
		    json_object_get_string(e) : json_object_to_json_string(e);
		rc = s != NULL && s[0] != '\0';
		if (rc)
			ace_copy_text(text, textsz, s, strlen(s));
	}
	json_object_put(top);
	if (!rc)
		text[0] = '\0';
	return rc;
}

unsigned
ace_refusal_status(const char *text)
{
	char low[ACE_ERROR_MAX];
	size_t i;

	for (i = 0; i < sizeof(low) - 1 && text[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)text[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(ACE_DEAD_WORDS) / sizeof(ACE_DEAD_WORDS[0]);
	    i++)
		if (strstr(low, ACE_DEAD_WORDS[i]) != NULL)
			return 404;
	return 502;
}

int
ace_refusal_msg(char *out, size_t outsz, unsigned status, const char *engine,
    const char *text)
{
	if (strchr(engine, ' ') != NULL || strchr(engine, '\n') != NULL)
		return -1;
	return ace_fit(snprintf(out, outsz, ACE_REFUSED " %u %s\n%s", status,
	    engine, text), outsz);
}

int
ace_refusal_msg_parse(const char *msg, size_t len, unsigned *status,
    char *engine, size_t enginesz, char *text, size_t textsz)
{
	size_t plen = strlen(ACE_REFUSED " ");
	const char *p, *end = msg + len, *sp, *nl;
	unsigned v = 0;

	if (len < plen || memcmp(msg, ACE_REFUSED " ", plen) != 0)
		return -1;
	for (p = msg + plen; p < end && *p >= '0' && *p <= '9' && v < 1000;
	    p++)
		v = v * 10 + (unsigned)(*p - '0');
	if (p == msg + plen || p == end || *p != ' ' || v < 400 || v > 599)
		return -1;
	sp = p + 1;
	if ((nl = memchr(sp, '\n', (size_t)(end - sp))) == NULL ||
	    nl == sp || (size_t)(nl - sp) >= enginesz)
		return -1;
	memcpy(engine, sp, (size_t)(nl - sp));
	engine[nl - sp] = '\0';
	ace_copy_text(text, textsz, nl + 1, (size_t)(end - nl - 1));
	*status = v;
	return 0;
}

int
ace_infohash_msg(char *out, size_t outsz, const char *infohash)
{
	char hex[CONFIG_ACE_ID_LEN + 1];

	if (!ace_id_valid(infohash))
		return -1;
	ace_id_normalize(infohash, hex);
	return ace_fit(snprintf(out, outsz, ACE_INFOHASH_MSG " %s", hex),
	    outsz);
}

int
ace_infohash_msg_parse(const char *msg, size_t len,
    char out[CONFIG_ACE_ID_LEN + 1])
{
	size_t plen = strlen(ACE_INFOHASH_MSG " ");
	char hex[CONFIG_ACE_ID_LEN + 1];

	if (len != plen + CONFIG_ACE_ID_LEN ||
	    memcmp(msg, ACE_INFOHASH_MSG " ", plen) != 0)
		return -1;
	memcpy(hex, msg + plen, CONFIG_ACE_ID_LEN);
	hex[CONFIG_ACE_ID_LEN] = '\0';
	if (!ace_id_valid(hex))
		return -1;
	ace_id_normalize(hex, out);
	return 0;
}

/* ---- URLs ---- */

int
ace_url_getstream(char *out, size_t outsz, const char *engine,
    const char *param, const char *id, const char *pid)
{
	return ace_fit(snprintf(out, outsz,
	    "%s/ace/getstream?format=json&%s=%s&pid=%s", engine, param, id,
	    pid), outsz);
}

int
ace_url_version(char *out, size_t outsz, const char *engine)
{
	return ace_fit(snprintf(out, outsz,
	    "%s/webui/api/service?method=get_version&format=json", engine),
	    outsz);
}

int
ace_url_network(char *out, size_t outsz, const char *engine)
{
	return ace_fit(snprintf(out, outsz, "%s/server/api?api_version=3&"
	    "method=get_network_connection_status", engine), outsz);
}

int
ace_url_command(char *out, size_t outsz, const char *command_url,
    const char *method)
{
	return ace_fit(snprintf(out, outsz, "%s%smethod=%s", command_url,
	    strchr(command_url, '?') ? "&" : "?", method), outsz);
}

/* ---- rebasing ---- */

/* The length of URL's "scheme://authority", or 0 when it has none. */
static size_t
ace_url_origin_len(const char *url)
{
	const char *p = strstr(url, "://"), *host;
	size_t n, i;

	if (p == NULL || p == url)
		return 0;
	for (i = 0; url + i < p; i++)
		if (!isalpha((unsigned char)url[i]))
			return 0;
	p += 3;
	n = strcspn(p, "/?#");
	host = p;
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)p[i]) || iscntrl((unsigned char)p[i]))
			return 0;
		if (p[i] == '@')
			host = p + i + 1;	/* after the userinfo */
	}
	if (host >= p + n || *host == ':')
		return 0;		/* no host */
	return (size_t)(p - url) + n;
}

int
ace_url_rebase(char *out, size_t outsz, const char *url, const char *engine)
{
	size_t u = ace_url_origin_len(url), e = ace_url_origin_len(engine);
	size_t plen;

	if (u == 0 || e == 0)
		return -1;
	plen = strcspn(engine + e, "?#");
	while (plen > 0 && engine[e + plen - 1] == '/')
		plen--;
	return ace_fit(snprintf(out, outsz, "%.*s%.*s%s", (int)e, engine,
	    (int)plen, engine + e, url + u), outsz);
}

int
ace_session_rebase(struct ace_session *s, const char *engine)
{
	char play[ACE_URL_MAX], stat[ACE_URL_MAX], cmd[ACE_URL_MAX];

	if (ace_url_rebase(play, sizeof(play), s->playback_url, engine) ==
	    -1 || ace_url_rebase(cmd, sizeof(cmd), s->command_url, engine) ==
	    -1 || (s->stat_url[0] != '\0' && ace_url_rebase(stat,
	    sizeof(stat), s->stat_url, engine) == -1))
		return -1;
	memcpy(s->playback_url, play, sizeof(play));
	memcpy(s->command_url, cmd, sizeof(cmd));
	if (s->stat_url[0] != '\0')
		memcpy(s->stat_url, stat, sizeof(stat));
	return 0;
}

/* ---- the one GET ---- */

struct ace_get {
	struct buf			*body;
	volatile sig_atomic_t		*abort;
	int				 too_large;
};

static size_t
ace_get_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ace_get *g = arg;
	size_t n = size * nmemb;

	if (g->body->len + n > ACE_ANSWER_MAX) {
		g->too_large = 1;
		return 0;
	}
	return buf_append(g->body, data, n) == 0 ? n : 0;
}

static int
ace_get_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct ace_get *g = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return g->abort != NULL && *g->abort ? 1 : 0;
}

int
ace_http_get(const char *url, const char *user_agent, long timeout_ms,
    volatile sig_atomic_t *abort, struct buf *body, char *err, size_t errsz)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct ace_get g = { body, abort, 0 };
	long status = 0;
	CURLcode rc;
	CURL *h;

	buf_reset(body);
	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "cannot set up libcurl");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ace_get_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, ace_get_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &g);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (g.too_large) {
		snprintf(err, errsz, "answer larger than %d bytes",
		    ACE_ANSWER_MAX);
		return -1;
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, errsz, "stopped");
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errsz, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
		return -1;
	}
	if (status < 200 || status > 299) {
		snprintf(err, errsz, "HTTP %ld", status);
		return -1;
	}
	if (body->failed) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}
