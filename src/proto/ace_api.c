/*
 * ace_api.c - the answers of the AceStream engine's JSON API on ringcast
 * (ace_api.h): the engine's shapes with ringcast's own URLs.
 *
 * Built with json.c's writer rather than json-c: these are answers we
 * write, not input we parse, and every string (a key, a Host header)
 * goes through the writer's escaping.  The stream key goes into URLs
 * percent-encoded, so whatever characters a key holds, the URL is one.
 */
#include <stdio.h>
#include <string.h>

#include "ace_api.h"
#include "url.h"

int
ace_api_version(struct buf *b)
{
	buf_puts(b, "{");
	json_key(b, "result");
	buf_puts(b, "{");
	json_kv_int(b, "code", ACE_API_ENGINE_CODE);
	json_kv_str(b, "platform", "linux");
	json_kv_str(b, "version", ACE_API_ENGINE_VERSION);
	buf_puts(b, "}");
	json_key(b, "error");
	return buf_puts(b, "null}\n");
}

/* {"FIELD": null, "error": ERROR} */
static int
ace_api_null(struct buf *b, const char *field, const char *error)
{
	buf_puts(b, "{");
	json_key(b, field);
	buf_puts(b, "null");
	json_kv_str(b, "error", error);
	return buf_puts(b, "}\n");
}

int
ace_api_version_error(struct buf *b, const char *error)
{
	return ace_api_null(b, "result", error);
}

int
ace_api_error(struct buf *b, const char *error)
{
	return ace_api_null(b, "response", error);
}

int
ace_api_ok(struct buf *b)
{
	buf_puts(b, "{");
	json_kv_str(b, "response", "ok");
	json_key(b, "error");
	return buf_puts(b, "null}\n");
}

/* "KEY": "BASE PATH KEY REST" with KEY percent-encoded. */
static void
ace_api_url(struct buf *b, const char *name, const char *base,
    const char *path, const char *key, const char *rest)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";
	struct buf u;
	const char *p;

	buf_init(&u);
	buf_printf(&u, "%s%s", base, path);
	for (p = key; *p != '\0'; p++)
		if (strchr(safe, *p) != NULL)
			buf_append(&u, p, 1);
		else
			buf_printf(&u, "%%%02X", (unsigned char)*p);
	buf_puts(&u, rest);
	if (u.failed)
		b->failed = 1;
	json_kv_str(b, name, buf_str(&u));
	buf_free(&u);
}

int
ace_api_getstream(struct buf *b, const struct ace_api_session *s)
{
	char hold[ACE_API_HOLD_HEX + 2];

	snprintf(hold, sizeof(hold), "/%s", s->hold);
	buf_puts(b, "{");
	json_key(b, "response");
	buf_puts(b, "{");
	if (s->hls)
		ace_api_url(b, "playback_url", s->base, "/hls/", s->key,
		    "/index.m3u8");
	else
		ace_api_url(b, "playback_url", s->base, "/stream/", s->key,
		    "");
	ace_api_url(b, "stat_url", s->base, ACE_API_STAT_PREFIX, s->key,
	    hold);
	ace_api_url(b, "command_url", s->base, ACE_API_CMD_PREFIX, s->key,
	    hold);
	json_kv_str(b, "playback_session_id", s->hold);
	json_kv_str(b, "infohash", s->infohash);
	json_kv_int(b, "is_live", 1);
	json_kv_int(b, "is_encrypted", 0);
	json_kv_int(b, "client_session_id", -1);
	buf_puts(b, "}");
	json_key(b, "error");
	return buf_puts(b, "null}\n");
}

int
ace_api_stat(struct buf *b, const struct ace_api_stat *s)
{
	const struct { const char *name; unsigned long long v; } n[] = {
		{ "peers", s->peers }, { "speed_down", s->speed_down },
		{ "speed_up", s->speed_up }, { "downloaded", s->downloaded },
		{ "clients", s->clients },
	};
	size_t i;

	buf_puts(b, "{");
	json_key(b, "response");
	buf_puts(b, "{");
	json_kv_str(b, "status", s->status);
	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		json_kv_uint(b, n[i].name, n[i].v);
	buf_puts(b, "}");
	json_key(b, "error");
	return buf_puts(b, "null}\n");
}

const char *
ace_api_status(const char *record, enum stream_state state)
{
	if (record != NULL && record[0] != '\0')
		return record;
	switch (state) {
	case STREAM_RUNNING:
		return "dl";
	case STREAM_STARTING:
	case STREAM_RETRYING:
		return "prebuf";
	default:
		return "idle";
	}
}

void
ace_api_stat_read(const struct state *st, int slot, struct ace_api_stat *s)
{
	const struct stream_slot *ss = &st->streams[slot];
	struct ace_slot_view v;
	int rec;

	memset(s, 0, sizeof(*s));
	rec = ace_state_slot(&st->ace, slot, &v) == 0 && v.stat_wall_ms != 0;
	snprintf(s->status, sizeof(s->status), "%s", ace_api_status(
	    rec ? v.status : NULL, (enum stream_state)atomic_load(&ss->state)));
	s->clients = state_stream_clients(st, slot);
	if (rec) {
		s->peers = v.peers;
		s->speed_down = v.speed_down;
		s->speed_up = v.speed_up;
		s->downloaded = v.downloaded;
	} else
		s->downloaded = atomic_load(&ss->bytes_in);
}

int
ace_api_hold_path(const char *url, const char *prefix, char *key,
    size_t keysz, uint8_t id[STATE_HOLD_ID_BYTES])
{
	size_t plen = strlen(prefix), klen, i;
	const char *slash, *hold;
	int hi, lo;

	if (strncmp(url, prefix, plen) != 0 ||
	    (slash = strrchr(url + plen, '/')) == NULL)
		return -1;
	klen = (size_t)(slash - (url + plen));
	hold = slash + 1;
	if (klen == 0 || klen >= keysz || memchr(url + plen, '/', klen) ||
	    strlen(hold) != ACE_API_HOLD_HEX)
		return -1;
	for (i = 0; i < STATE_HOLD_ID_BYTES; i++) {
		if ((hi = url_hex_digit(hold[2 * i])) < 0 ||
		    (lo = url_hex_digit(hold[2 * i + 1])) < 0)
			return -1;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, url + plen, klen);
	key[klen] = '\0';
	return 0;
}

void
ace_api_hold_hex(const uint8_t id[STATE_HOLD_ID_BYTES], char *out)
{
	size_t i;

	for (i = 0; i < STATE_HOLD_ID_BYTES; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

void
ace_api_base_url(const char *host, unsigned port, char *out, size_t outsz)
{
	const char *v6end;

	/* a host name, an address, [v6] and a port: nothing that could
	 * turn the URL into another one */
	static const char fit[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:[]";

	if (host == NULL || host[0] == '\0' || strlen(host) > 255 ||
	    host[strspn(host, fit)] != '\0')
		host = "localhost";
	v6end = strrchr(host, ']');
	if (port == 0 || strchr(v6end ? v6end : host, ':') != NULL)
		snprintf(out, outsz, "http://%s", host);
	else
		snprintf(out, outsz, "http://%s:%u", host, port);
}
