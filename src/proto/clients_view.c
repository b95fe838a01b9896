/*
 * clients_view.c - every player of every stream, for people: the
 * "players" of /status, `ringcastctl clients [STREAM]` (JSON and a
 * table) and the status page (clients_view.h).
 *
 * Read from the state segment only: TS players from the client table
 * (client_table.h, their figures written by their workers about once a
 * second), HLS players from hls_players (their rate is the average of
 * their session, their lag that of the last segment they asked for,
 * behind the newest).  The same candidates give a user's players, for
 * max_connections (clients_of_user).  /metrics keeps aggregate counts only: a label a
 * player would make its series unbounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clients_view.h"
#include "util.h"

/* The name of SLOT's stream ("": none), cached in NAMES and SEEN. */
static const char *
clients_stream_name(const struct state *st, int slot,
    char (*names)[CONFIG_NAME_MAX + 1], unsigned char *seen)
{
	struct slot_cfg cfg;

	if (slot < 0 || slot >= STATE_MAX_STREAMS)
		return "";
	if (!seen[slot]) {
		seen[slot] = 1;
		names[slot][0] = '\0';
		if (state_slot_read(st, slot, &cfg) == 0 && cfg.in_use)
			str_copy(names[slot], cfg.name, sizeof(names[slot]));
	}
	return names[slot];
}

/* HLS player P as a view: 1, or 0 when the entry holds none. */
static int
clients_hls_view(const struct hls_player *p, uint64_t now, uint64_t wall,
    struct client_view *v)
{
	uint64_t first, last, span;

	if (!atomic_load(&p->ready) || atomic_load(&p->key) == 0)
		return 0;
	first = atomic_load(&p->first_ms);
	last = atomic_load(&p->last_ms);
	span = last > first ? last - first : 0;
	memset(v, 0, sizeof(*v));
	v->slot = (int)p->slot;
	v->route = CLIENT_ROUTE_HLS;
	v->since_wall_ms = wall - (now > first ? now - first : 0);
	str_copy(v->addr, p->addr, sizeof(v->addr));
	str_copy(v->user_agent, p->user_agent, sizeof(v->user_agent));
	str_copy(v->user, p->user, sizeof(v->user));
	v->bytes = atomic_load(&p->bytes);
	v->rate_bps = span > 0 ? (uint32_t)(v->bytes * 8000 / span) : 0;
	v->lag_ms = atomic_load(&p->lag_ms);
	return 1;
}

/* The I-th candidate (TS records first, then HLS entries) into *V: 1
 * when it holds a player. */
static int
clients_nth(const struct state *st, size_t i, uint64_t now, uint64_t wall,
    struct client_view *v)
{
	if (i < CLIENT_TABLE_SIZE)
		return client_table_read(&st->client_tab, (int)i, v);
	return clients_hls_view(&st->hls_players[i - CLIENT_TABLE_SIZE], now,
	    wall, v);
}

#define CLIENTS_CANDIDATES	(CLIENT_TABLE_SIZE + STATE_HLS_CLIENTS)

int
clients_each(const struct state *st, const char *stream,
    int (*fn)(void *, const char *, const struct client_view *), void *arg)
{
	char (*names)[CONFIG_NAME_MAX + 1];
	unsigned char seen[STATE_MAX_STREAMS] = { 0 };
	uint64_t now = now_ms(), wall = wall_ms();
	struct client_view v;
	const char *name;
	size_t i;
	int n = 0;

	if ((names = calloc(STATE_MAX_STREAMS, sizeof(*names))) == NULL)
		return -1;
	for (i = 0; i < CLIENTS_CANDIDATES; i++) {
		if (!clients_nth(st, i, now, wall, &v))
			continue;
		name = clients_stream_name(st, v.slot, names, seen);
		if (name[0] == '\0' || (stream != NULL &&
		    strcmp(stream, name) != 0))
			continue;
		if (fn(arg, name, &v) == -1)
			break;
		n++;
	}
	free(names);
	return n;
}

int
clients_of_user(const struct state *st, const char *user, int *oldest)
{
	uint64_t now = now_ms(), wall = wall_ms(), since = UINT64_MAX;
	struct client_view v;
	size_t i;
	int n = 0;

	*oldest = -1;
	for (i = 0; i < CLIENTS_CANDIDATES; i++) {
		if (!clients_nth(st, i, now, wall, &v) || v.closing ||
		    strcmp(v.user, user) != 0)
			continue;
		n++;
		if (v.since_wall_ms < since) {
			since = v.since_wall_ms;
			*oldest = (int)i;
		}
	}
	return n;
}

struct clients_json_ctx {
	struct buf	*b;
	size_t		 max, n, more;
	uint64_t	 wall;
};

static int
clients_json_one(void *arg, const char *stream, const struct client_view *v)
{
	struct clients_json_ctx *x = arg;
	char since[UTIL_RFC3339_MAX];
	struct buf *b = x->b;

	if (x->n >= x->max) {
		x->more++;
		return 0;
	}
	if (x->n++ > 0)
		buf_puts(b, ",");
	format_rfc3339_ms(v->since_wall_ms, since);
	buf_puts(b, "{");
	json_kv_str(b, "stream", stream);
	json_kv_str(b, "route", client_route_name(v->route));
	json_kv_str(b, "address", v->addr);
	json_kv_str(b, "user_agent", v->user_agent);
	if (v->user[0] != '\0')	/* access = "users" */
		json_kv_str(b, "user", v->user);
	json_kv_str(b, "since", since);
	json_kv_double(b, "seconds", (double)(x->wall - v->since_wall_ms) /
	    1000.0);
	json_kv_uint(b, "bytes", v->bytes);
	json_kv_uint(b, "rate_bps", v->rate_bps);
	if (v->lag_ms == CLIENT_LAG_UNKNOWN)
		json_kv_str(b, "lag", NULL);
	else
		json_kv_double(b, "lag", (double)v->lag_ms / 1000.0);
	buf_puts(b, "}");
	return b->failed ? -1 : 0;
}

int
clients_json(const struct state *st, const char *stream, size_t max,
    struct buf *b)
{
	struct clients_json_ctx x = { b, max, 0, 0, wall_ms() };

	json_key(b, "players");
	buf_puts(b, "[");
	if (clients_each(st, stream, clients_json_one, &x) == -1)
		return -1;
	buf_puts(b, "]");
	json_kv_uint(b, "players_not_shown", x.more +
	    atomic_load(&st->client_tab.unlisted));
	return b->failed ? -1 : 0;
}

static void
clients_rate(uint32_t bps, char *out, size_t outsz)
{
	if (bps >= 1000000)
		snprintf(out, outsz, "%.1fM", bps / 1e6);
	else
		snprintf(out, outsz, "%uk", (unsigned)(bps / 1000));
}

static int
clients_text_one(void *arg, const char *stream, const struct client_view *v)
{
	struct clients_json_ctx *x = arg;
	char rate[16], lag[16];

	clients_rate(v->rate_bps, rate, sizeof(rate));
	if (v->lag_ms == CLIENT_LAG_UNKNOWN)
		str_copy(lag, "-", sizeof(lag));
	else
		snprintf(lag, sizeof(lag), "%.1f", v->lag_ms / 1000.0);
	buf_printf(x->b, "%-20s %-4s %-39s %-16s %8.0f %12llu %7s %6s %s\n",
	    stream, client_route_name(v->route), v->addr,
	    v->user[0] != '\0' ? v->user : "-",
	    (double)(x->wall - v->since_wall_ms) / 1000.0,
	    (unsigned long long)v->bytes, rate, lag, v->user_agent);
	x->n++;
	return x->b->failed ? -1 : 0;
}

int
clients_text(const struct state *st, const char *stream, struct buf *b)
{
	struct clients_json_ctx x = { b, 0, 0, 0, wall_ms() };

	buf_printf(b, "%-20s %-4s %-39s %-16s %8s %12s %7s %6s %s\n",
	    "STREAM", "ROUTE", "ADDRESS", "USER", "SECONDS", "BYTES", "RATE",
	    "LAG", "USER AGENT");
	if (clients_each(st, stream, clients_text_one, &x) == -1)
		return -1;
	buf_printf(b, "%zu clients\n", x.n);
	return b->failed ? -1 : 0;
}
