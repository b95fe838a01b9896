/*
 * ace_input.c - the inputs of the /ace/ routes (see ace_input.h).
 *
 * Design: a request becomes two things.  Its stream key names the
 * broadcast, so that players of the same thing share one engine session:
 * a content id is its 40 hex digits, an infohash and a magnet of it are
 * "infohash-" and the digits, a torrent URL is "url-" and a hash of it,
 * and passthrough options add "-o" and a hash of them (the same id with
 * other options is another stream).  Keys stay within CONFIG_NAME_MAX,
 * whatever the player sent.  Its arguments ("NAME=VALUE" lines, decoded)
 * are what the fetcher sends the engine; they travel with the stream
 * (the ace slot record), not in the key.  The hashes are FNV-1a, not
 * made to resist a chosen collision: the worker compares a running
 * stream's arguments with the request's before joining it.
 *
 * A key names what the player typed, not yet the broadcast: a content id
 * and its infohash are two keys of one torrent.  Once an engine has
 * answered, the stream's slot record holds the infohash and the state
 * segment remembers which content id (or URL) resolved to it;
 * ace_broadcast_slot finds, from those alone, the running stream a new
 * request joins (one engine session a broadcast, as engines require).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ace_client.h"
#include "ace_input.h"
#include "util.h"

const char *const ace_option_names[ACE_N_OPTIONS] = {
	"transcode_audio", "transcode_ac3", "preferred_audio_language",
	"file_indexes",
};

const char *const ace_input_names[5] = {
	"id", "content_id", "infohash", "url", "magnet",
};

static int
ace_is(const char *param, const char *name)
{
	return param != NULL && strcmp(param, name) == 0;
}

/* 1 when S has a byte no URL of ours may hold (control, space). */
static int
ace_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* The 20 bytes of 32 base32 characters (RFC 4648) as 40 hex; -1. */
static int
ace_base32_hex(const char *s, size_t len, char out[CONFIG_ACE_ID_LEN + 1])
{
	static const char a32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned long long acc = 0;
	const char *p;
	size_t i, bits = 0, n = 0;

	if (len != 32)
		return -1;
	for (i = 0; i < len; i++) {
		if ((p = strchr(a32, tolower((unsigned char)s[i]))) == NULL ||
		    s[i] == '\0')
			return -1;
		acc = (acc << 5) | (unsigned long long)(p - a32);
		bits += 5;
		while (bits >= 4) {
			bits -= 4;
			out[n++] = "0123456789abcdef"[(acc >> bits) & 0xf];
		}
	}
	out[n] = '\0';
	return n == CONFIG_ACE_ID_LEN ? 0 : -1;
}

int
ace_magnet_infohash(const char *m, char out[CONFIG_ACE_ID_LEN + 1])
{
	static const char xt[] = "xt=urn:btih:";
	const char *p, *end;
	size_t len;

	if (strncasecmp(m, "magnet:?", 8) != 0)
		return -1;
	for (p = m + 8; *p != '\0'; p = *end == '&' ? end + 1 : end) {
		end = p + strcspn(p, "&");
		if (strncasecmp(p, xt, sizeof(xt) - 1) != 0)
			continue;
		p += sizeof(xt) - 1;
		len = (size_t)(end - p);
		if (len == CONFIG_ACE_ID_LEN &&
		    ace_id_problem(p, len) == NULL) {
			ace_id_normalize(p, out);
			return 0;
		}
		if (ace_base32_hex(p, len, out) == 0)
			return 0;
	}
	return -1;
}

static const char *
ace_url_problem(const char *v)
{
	const char *host;

	if (strlen(v) > ACE_INPUT_MAX)
		return "the url is too long: at most 2048 bytes";
	host = strncasecmp(v, "http://", 7) == 0 ? v + 7 :
	    strncasecmp(v, "https://", 8) == 0 ? v + 8 : NULL;
	if (host == NULL || *host == '\0' || *host == '/')
		return "the url must be http:// or https:// with a host";
	if (ace_has_ctl(v))
		return "the url holds spaces or control characters";
	return NULL;
}

static const char *
ace_magnet_problem(const char *v)
{
	char hash[CONFIG_ACE_ID_LEN + 1];

	if (strlen(v) > ACE_INPUT_MAX)
		return "the magnet is too long: at most 2048 bytes";
	if (strncasecmp(v, "magnet:?", 8) != 0)
		return "the magnet must start with magnet:?";
	if (ace_has_ctl(v))
		return "the magnet holds spaces or control characters";
	if (ace_magnet_infohash(v, hash) == -1)
		return "the magnet has no xt=urn:btih: infohash (40 hex or 32 "
		    "base32 characters)";
	return NULL;
}

static const char *
ace_option_problem(const char *v)
{
	size_t i, n = strlen(v);

	if (n > ACE_OPTION_MAX)
		return "an option value is too long: at most 64 characters";
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && strchr(",._-", v[i]) ==
		    NULL)
			return "an option value may hold letters, digits and "
			    ", . _ - only";
	return NULL;
}

const char *
ace_request_problem(const struct ace_request *rq)
{
	const char *why;
	int i;

	for (i = 0; i < ACE_N_OPTIONS; i++)
		if (rq->options[i] != NULL &&
		    (why = ace_option_problem(rq->options[i])) != NULL)
			return why;
	if (ace_is(rq->param, "url"))
		return ace_url_problem(rq->value);
	if (ace_is(rq->param, "magnet"))
		return ace_magnet_problem(rq->value);
	if (rq->param == NULL)
		return "missing id: give id=, content_id= or infohash= with "
		    "40 hex digits, or url= or magnet=";
	return ace_id_problem(rq->value, strlen(rq->value));
}

int
ace_request_fetches_url(const struct ace_request *rq)
{
	return ace_is(rq->param, "url") || ace_is(rq->param, "magnet");
}

/* The options as "NAME=VALUE\n" lines, appended at OUT; -1. */
static int
ace_options_text(const struct ace_request *rq, char *out, size_t outsz)
{
	size_t n = strlen(out);
	int i, w;

	for (i = 0; i < ACE_N_OPTIONS; i++) {
		if (rq->options[i] == NULL || rq->options[i][0] == '\0')
			continue;
		w = snprintf(out + n, outsz - n, "%s=%s\n", ace_option_names[i],
		    rq->options[i]);
		if (w < 0 || (size_t)w >= outsz - n)
			return -1;
		n += (size_t)w;
	}
	return 0;
}

int
ace_request_key(const struct ace_request *rq, char *key, size_t keysz)
{
	char hash[CONFIG_ACE_ID_LEN + 1], opts[ACE_N_OPTIONS * 96] = "";
	unsigned long long h;
	int n;

	if (ace_is(rq->param, "url")) {
		h = fnv1a64(FNV1A64_BASIS, rq->value, strlen(rq->value));
		n = snprintf(key, keysz, ACE_URL_KEY_PREFIX "%016llx", h);
	} else if (ace_is(rq->param, "magnet")) {
		if (ace_magnet_infohash(rq->value, hash) == -1)
			return -1;
		n = snprintf(key, keysz, ACE_INFOHASH_PREFIX "%s", hash);
	} else
		n = ace_stream_key(ace_is(rq->param, "infohash") ? "infohash" :
		    "id", rq->value, key, keysz) == 0 ? (int)strlen(key) : -1;
	if (n < 0 || (size_t)n >= keysz ||
	    ace_options_text(rq, opts, sizeof(opts)) == -1)
		return -1;
	if (opts[0] == '\0')
		return 0;
	h = fnv1a64(FNV1A64_BASIS, opts, strlen(opts));
	n += snprintf(key + n, keysz - (size_t)n, ACE_OPTIONS_MARK "%012llx",
	    h & 0xffffffffffffULL);
	return (size_t)n >= keysz ? -1 : 0;
}

int
ace_request_args(const struct ace_request *rq, char *out, size_t outsz)
{
	char hex[CONFIG_ACE_ID_LEN + 1];
	int n;

	if (ace_request_fetches_url(rq))
		n = snprintf(out, outsz, "%s=%s\n", rq->param, rq->value);
	else {
		if (!ace_id_valid(rq->value))
			return -1;
		ace_id_normalize(rq->value, hex);
		n = snprintf(out, outsz, "%s=%s\n", ace_is(rq->param,
		    "infohash") ? "infohash" : "id", hex);
	}
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return ace_options_text(rq, out, outsz);
}

/* N lower-case hex digits at S. */
static int
ace_hex_run(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

int
ace_key_parse(const char *key, struct ace_key *k)
{
	size_t len = strlen(key), base, ip = strlen(ACE_INFOHASH_PREFIX),
	    up = strlen(ACE_URL_KEY_PREFIX), tail = strlen(ACE_OPTIONS_MARK) +
	    ACE_OPTIONS_HASH_LEN;

	memset(k, 0, sizeof(*k));
	base = len;
	if (len > tail && strncmp(key + len - tail, ACE_OPTIONS_MARK,
	    strlen(ACE_OPTIONS_MARK)) == 0 && ace_hex_run(key + len -
	    ACE_OPTIONS_HASH_LEN, ACE_OPTIONS_HASH_LEN)) {
		k->options = 1;
		base = len - tail;
	}
	if (base == CONFIG_ACE_ID_LEN && ace_hex_run(key, base))
		str_copy(k->param, "id", sizeof(k->param));
	else if (base == ip + CONFIG_ACE_ID_LEN &&
	    strncmp(key, ACE_INFOHASH_PREFIX, ip) == 0 &&
	    ace_hex_run(key + ip, CONFIG_ACE_ID_LEN))
		str_copy(k->param, "infohash", sizeof(k->param));
	else if (base == up + ACE_URL_HASH_LEN &&
	    strncmp(key, ACE_URL_KEY_PREFIX, up) == 0 &&
	    ace_hex_run(key + up, ACE_URL_HASH_LEN))
		str_copy(k->param, "url", sizeof(k->param));
	else
		return -1;
	len = strcmp(k->param, "id") == 0 ? 0 : strcmp(k->param, "url") == 0 ?
	    up : ip;
	memcpy(k->id, key + len, base - len);
	k->id[base - len] = '\0';
	memcpy(k->base, key, base);
	k->base[base] = '\0';
	str_copy(k->opts, key + base, sizeof(k->opts));
	return 0;
}

int
ace_key_infohash(const struct ace_state *as, const struct ace_key *k,
    char out[CONFIG_ACE_ID_LEN + 1])
{
	if (strcmp(k->param, "infohash") == 0) {
		str_copy(out, k->id, CONFIG_ACE_ID_LEN + 1);
		return 0;
	}
	return ace_state_resolved_get(as, k->base, out);
}

int
ace_broadcast_slot(const struct ace_state *as, const char *key)
{
	char hash[CONFIG_ACE_ID_LEN + 1];
	struct ace_key k;

	if (ace_key_parse(key, &k) == -1 || ace_key_infohash(as, &k,
	    hash) == -1)
		return -1;
	return ace_state_find_broadcast(as, hash, k.opts, -1, 0);
}

/* Append S to OUT at *N, percent-encoded but for unreserved bytes. */
static int
ace_escape(char *out, size_t outsz, size_t *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (*n + 4 > outsz)
			return -1;
		if (isalnum(c) || strchr("-._~", c) != NULL)
			out[(*n)++] = (char)c;
		else
			*n += (size_t)snprintf(out + *n, outsz - *n, "%%%02X",
			    c);
	}
	out[*n] = '\0';
	return 0;
}

int
ace_url_getstream_args(char *out, size_t outsz, const char *engine,
    const char *args, const char *pid)
{
	const char *line, *eq, *nl;
	int w = snprintf(out, outsz, "%s/ace/getstream?format=json", engine);
	size_t n;

	if (w < 0 || (size_t)w >= outsz)
		return -1;
	n = (size_t)w;
	for (line = args; *line != '\0'; line = *nl ? nl + 1 : nl) {
		nl = line + strcspn(line, "\n");
		if ((eq = memchr(line, '=', (size_t)(nl - line))) == NULL ||
		    n + 2 > outsz)
			return -1;
		out[n++] = '&';
		if (ace_escape(out, outsz, &n, line, (size_t)(eq - line)) ==
		    -1 || n + 2 > outsz)
			return -1;
		out[n++] = '=';
		if (ace_escape(out, outsz, &n, eq + 1, (size_t)(nl - eq - 1)) ==
		    -1)
			return -1;
	}
	w = snprintf(out + n, outsz - n, "&pid=%s", pid);
	return w < 0 || (size_t)w >= outsz - n ? -1 : 0;
}
