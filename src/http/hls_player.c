/*
 * hls_player.c - who plays HLS: the players of every stream, in a table
 * in shared memory so that every worker agrees.
 *
 * HLS players make no lasting connection, so a player is known by its
 * address and User-Agent (hashed with the stream's slot into the entry's
 * key; the raw address bytes, so a request costs no formatting): the
 * first request makes it a client of the stream (counted,
 * client_connected), each request refreshes it, and one silent for
 * client_timeout_factor x target duration is gone (client_disconnected,
 * found by any worker's expiry pass).  Any request also keeps an
 * on-demand stream alive through the slot's hls_active_ms.  Both times
 * are stored only when HLS_TOUCH_STEP_MS old, so that workers on other
 * cores do not fight over those cache lines on every request.
 *
 * An entry names its user (access = "users"), so that any worker counts
 * a user's HLS players (access_limit.c): one an entry, however many
 * requests it makes.
 *
 * Entries are claimed and released with compare-and-swap only: no lock,
 * nothing a dead worker could hold.  Called by the HLS routes
 * (http_hls.c); calls http.c (events, the peer's address) and the state
 * segment.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string.h>

#include "clients_view.h"
#include "hls_player.h"
#include "http.h"
#include "util.h"

#define HLS_DEFAULT_TARGET_MS	6000
/* a player's and a stream's last-request times are this coarse */
#define HLS_TOUCH_STEP_MS	250
/* entries looked at from a key's home before giving up */
#define HLS_PLAYER_PROBES	64

static uint64_t
hls_hash(const char *a, const char *b, int slot)
{
	static const unsigned char sep = 0xff;	/* in neither string */
	uint64_t h = FNV1A64_BASIS ^ (uint64_t)slot;

	h = fnv1a64(h, a, strlen(a));
	h = fnv1a64(h, &sep, 1);
	h = fnv1a64(h, b, strlen(b));
	return h ? h : 1;
}

static void
hls_player_event(struct worker *w, struct hls_player *p, const char *event,
    const char *name)
{
	struct http_client_ev ev = {
		.event = event, .stream = name, .client = p->addr,
		.kind = "hls", .user = p->user,
		.bytes = atomic_load(&p->bytes),
		.seconds = (double)(atomic_load(&p->last_ms) -
		    atomic_load(&p->first_ms)) / 1000.0,
	};

	http_event_client(w, &ev);
}

static uint32_t
hls_timeout_ms(struct worker *w, int slot, const struct slot_cfg *cfg)
{
	uint32_t target = atomic_load(&w->st->streams[slot].hls_target_ms);

	if (target == 0)
		target = HLS_DEFAULT_TARGET_MS;
	return (uint32_t)((uint64_t)target *
	    (cfg->hls_client_timeout_permille ?
	    cfg->hls_client_timeout_permille : 3000) / 1000);
}

/* Store NOW into *AT unless it holds a time less than a step older. */
static void
hls_stamp(_Atomic uint64_t *at, uint64_t now)
{
	if (now >= atomic_load_explicit(at, memory_order_relaxed) +
	    HLS_TOUCH_STEP_MS)
		atomic_store_explicit(at, now, memory_order_relaxed);
}

/* The key of CONN's player of SLOT: from the raw address bytes (no
 * formatting per request) and the User-Agent. */
static uint64_t
hls_player_key(struct MHD_Connection *conn, int slot)
{
	const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	const union MHD_ConnectionInfo *ci;
	char raw[17] = "";
	size_t i;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		if (ci->client_addr->sa_family == AF_INET6)
			memcpy(raw, &((const struct sockaddr_in6 *)
			    ci->client_addr)->sin6_addr, 16);
		else if (ci->client_addr->sa_family == AF_INET)
			memcpy(raw, &((const struct sockaddr_in *)
			    ci->client_addr)->sin_addr, 4);
		for (i = 0; i < 16; i++)	/* no NUL inside the hash input */
			raw[i] = (char)((unsigned char)raw[i] | 0x80);
	}
	return hls_hash(raw, ua ? ua : "", slot);
}

int
hls_player_known(struct worker *w, struct MHD_Connection *conn, int slot)
{
	uint64_t key = hls_player_key(conn, slot);
	size_t k;

	for (k = 0; k < HLS_PLAYER_PROBES; k++)
		if (atomic_load_explicit(&w->st->hls_players[(key + k) %
		    STATE_HLS_CLIENTS].key, memory_order_relaxed) == key)
			return 1;
	return 0;
}

int
hls_player_of_user(struct worker *w, struct MHD_Connection *conn,
    const char *user)
{
	const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	char addr[48];
	size_t i;

	http_peer_addr(conn, addr, sizeof(addr));
	for (i = 0; i < STATE_HLS_CLIENTS; i++) {
		const struct hls_player *p = &w->st->hls_players[i];

		if (atomic_load_explicit(&p->ready, memory_order_relaxed) &&
		    strcmp(p->user, user) == 0 && strcmp(p->addr, addr) == 0 &&
		    strcmp(p->user_agent, ua != NULL ? ua : "") == 0)
			return 1;
	}
	return 0;
}

/* Whether the user of P, a new player just listed, has more players
 * than its max_connections (another request of the user passed the
 * check in the same instant): 1, and P is forgotten (refused). */
static int
hls_player_over_limit(struct worker *w, struct MHD_Connection *conn,
    struct hls_player *p)
{
	int max = http_request_user_max(conn), oldest;

	if (max <= 0 || p->user[0] == '\0' ||
	    clients_of_user(w->st, p->user, &oldest) <= max)
		return 0;
	atomic_store(&p->ready, 0);
	atomic_store(&p->key, 0);
	atomic_fetch_add(&w->st->access_refused[STATE_REFUSED_OVER_LIMIT], 1);
	return 1;
}

/*
 * Record activity of this player in the shared table.  A new player is
 * admitted if the stream and the server have room (*FULL otherwise).
 * NULL when the table is full (served, not counted).
 */
struct hls_player *
hls_player_touch(struct worker *w, struct MHD_Connection *conn, int slot,
    const struct slot_cfg *cfg, int *full)
{
	const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	struct hls_player *p;
	char addr[48];
	uint64_t key = hls_player_key(conn, slot), zero, now;
	size_t i, k;

	now = now_ms();
	for (k = 0; k < HLS_PLAYER_PROBES; k++) {	/* known already? */
		p = &w->st->hls_players[(key + k) % STATE_HLS_CLIENTS];
		if (atomic_load_explicit(&p->key, memory_order_relaxed) ==
		    key) {
			hls_stamp(&w->st->streams[slot].hls_active_ms, now);
			hls_stamp(&p->last_ms, now);
			return p;
		}
	}
	/* a removed channel keeps its players, takes no new one, and a
	 * refused request does not keep it up */
	if (atomic_load(&w->st->streams[slot].removed)) {
		*full = HLS_REFUSE_REMOVED;
		return NULL;
	}
	hls_stamp(&w->st->streams[slot].hls_active_ms, now);
	if (state_stream_clients(w->st, slot) >= cfg->max_clients ||
	    state_total_clients(w->st) >= w->st->max_clients) {
		*full = HLS_REFUSE_FULL;
		return NULL;
	}
	http_peer_addr(conn, addr, sizeof(addr));
	for (k = 0; k < HLS_PLAYER_PROBES; k++) {	/* claim a free entry */
		i = (key + k) % STATE_HLS_CLIENTS;
		p = &w->st->hls_players[i];
		zero = 0;
		if (!atomic_compare_exchange_strong(&p->key, &zero, key))
			continue;
		p->slot = (uint32_t)slot;
		str_copy(p->addr, addr, sizeof(p->addr));
		str_copy(p->user_agent, ua != NULL ? ua : "",
		    sizeof(p->user_agent));
		str_copy(p->user, http_request_user(conn), sizeof(p->user));
		atomic_store(&p->lag_ms, CLIENT_LAG_UNKNOWN);
		atomic_store(&p->first_ms, now);
		atomic_store(&p->last_ms, now);
		atomic_store(&p->bytes, 0);
		atomic_store(&p->timeout_ms, hls_timeout_ms(w, slot, cfg));
		atomic_store(&p->ready, 1);
		if (hls_player_over_limit(w, conn, p)) {
			*full = HLS_REFUSE_USER;
			return NULL;
		}
		atomic_fetch_add(&w->st->streams[slot].hls_clients, 1);
		atomic_fetch_add(&w->st->streams[slot].clients_served, 1);
		hls_player_event(w, p, "client_connected", cfg->name);
		return p;
	}
	return NULL;
}

enum MHD_Result
hls_player_refused(struct MHD_Connection *conn, int why)
{
	if (why == HLS_REFUSE_USER)
		return http_error_hdr(conn, MHD_HTTP_TOO_MANY_REQUESTS,
		    HTTP_OVER_LIMIT_MSG, "Retry-After", HTTP_OVER_LIMIT_RETRY_S);
	if (why == HLS_REFUSE_REMOVED)
		return http_error(conn, MHD_HTTP_NOT_FOUND,
		    "the channel was removed from the lineup");
	return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
	    "client limit reached");
}

int
hls_player_drop(struct worker *w, size_t i)
{
	struct hls_player *p = &w->st->hls_players[i];
	struct slot_cfg cfg;
	uint32_t one = 1;

	if (!atomic_compare_exchange_strong(&p->ready, &one, 0))
		return -1;	/* another worker took it */
	if (atomic_load(&w->st->streams[p->slot].hls_clients) > 0)
		atomic_fetch_sub(&w->st->streams[p->slot].hls_clients, 1);
	if (state_slot_read(w->st, (int)p->slot, &cfg) == 0 && cfg.in_use)
		hls_player_event(w, p, "client_disconnected", cfg.name);
	atomic_store(&p->key, 0);
	return 0;
}

void
hls_player_expire(struct worker *w)
{
	uint64_t now = now_ms();
	size_t i;

	for (i = 0; i < STATE_HLS_CLIENTS; i++) {
		struct hls_player *p = &w->st->hls_players[i];

		if (atomic_load(&p->ready) && now - atomic_load(&p->last_ms) >=
		    atomic_load(&p->timeout_ms))
			(void)hls_player_drop(w, i);
	}
}
