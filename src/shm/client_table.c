/*
 * client_table.c - the TS players of every worker (client_table.h).
 *
 * Claimed by compare-and-swap only, as hls_players are: no lock that a
 * dead worker could hold.  A record's fixed fields are written once,
 * under its seqlock, after the claim; a reader that meets a record being
 * claimed or released skips it (it is in no view for a moment).
 */
#include <string.h>

#include "client_table.h"
#include "seqlock.h"
#include "util.h"

int
client_table_claim(struct client_table *t, int row, int slot,
    enum client_route route, uint64_t since_wall_ms, const char *addr,
    const char *ua, const char *user)
{
	uint32_t start, i, free_;
	struct client_rec *r;

	start = atomic_fetch_add_explicit(&t->hint, 1, memory_order_relaxed);
	for (i = 0; i < CLIENT_TABLE_SIZE; i++) {
		r = &t->recs[(start + i) % CLIENT_TABLE_SIZE];
		free_ = 0;
		if (atomic_load_explicit(&r->owner, memory_order_relaxed) != 0 ||
		    !atomic_compare_exchange_strong(&r->owner, &free_,
		    (uint32_t)row + 1))
			continue;
		seqlock_write_begin(&r->seq);
		r->slot = (uint32_t)slot;
		r->route = (uint32_t)route;
		r->since_wall_ms = since_wall_ms;
		str_copy(r->addr, addr, sizeof(r->addr));
		str_copy(r->user_agent, ua != NULL ? ua : "",
		    sizeof(r->user_agent));
		str_copy(r->user, user != NULL ? user : "", sizeof(r->user));
		atomic_store(&r->closing, 0);
		atomic_store(&r->bytes, 0);
		atomic_store(&r->rate_bps, 0);
		atomic_store(&r->lag_ms, CLIENT_LAG_UNKNOWN);
		seqlock_write_end(&r->seq);
		return (int)((start + i) % CLIENT_TABLE_SIZE);
	}
	atomic_fetch_add_explicit(&t->unlisted, 1, memory_order_relaxed);
	return -1;
}

void
client_table_figures(struct client_table *t, int i, uint64_t bytes,
    uint32_t rate_bps, uint32_t lag_ms)
{
	struct client_rec *r;

	if (i < 0 || i >= CLIENT_TABLE_SIZE)
		return;
	r = &t->recs[i];
	atomic_store_explicit(&r->bytes, bytes, memory_order_relaxed);
	atomic_store_explicit(&r->rate_bps, rate_bps, memory_order_relaxed);
	atomic_store_explicit(&r->lag_ms, lag_ms, memory_order_relaxed);
}

/* Free R: its text is cleared first, so a reader never shows a released
 * record's player as another's. */
static void
client_rec_free(struct client_rec *r)
{
	seqlock_write_begin(&r->seq);
	r->addr[0] = '\0';
	r->user_agent[0] = '\0';
	r->user[0] = '\0';
	seqlock_write_end(&r->seq);
	atomic_store(&r->owner, 0);
}

void
client_table_release(struct client_table *t, int i)
{
	if (i >= 0 && i < CLIENT_TABLE_SIZE)
		client_rec_free(&t->recs[i]);
}

void
client_table_close(struct client_table *t, int i)
{
	if (i >= 0 && i < CLIENT_TABLE_SIZE)
		atomic_store(&t->recs[i].closing, 1);
}

int
client_table_closing(const struct client_table *t, int i)
{
	return i >= 0 && i < CLIENT_TABLE_SIZE &&
	    atomic_load_explicit(&t->recs[i].closing, memory_order_relaxed);
}

void
client_table_reset(struct client_table *t, int row)
{
	int i;

	for (i = 0; i < CLIENT_TABLE_SIZE; i++)
		if (atomic_load(&t->recs[i].owner) == (uint32_t)row + 1)
			client_rec_free(&t->recs[i]);
}

int
client_table_read(const struct client_table *t, int i, struct client_view *v)
{
	const struct client_rec *r = &t->recs[i];
	struct seqlock_reader rd = SEQLOCK_READER(&r->seq);

	if (atomic_load(&r->owner) == 0)
		return 0;
	while (seqlock_read_next(&rd)) {
		v->slot = (int)r->slot;
		v->route = (enum client_route)r->route;
		v->since_wall_ms = r->since_wall_ms;
		memcpy(v->addr, r->addr, sizeof(v->addr));
		memcpy(v->user_agent, r->user_agent, sizeof(v->user_agent));
		memcpy(v->user, r->user, sizeof(v->user));
	}
	if (!rd.ok || v->addr[0] == '\0' || atomic_load(&r->owner) == 0)
		return 0;
	v->addr[sizeof(v->addr) - 1] = '\0';
	v->user_agent[sizeof(v->user_agent) - 1] = '\0';
	v->user[sizeof(v->user) - 1] = '\0';
	v->closing = (int)atomic_load(&r->closing);
	v->bytes = atomic_load_explicit(&r->bytes, memory_order_relaxed);
	v->rate_bps = atomic_load_explicit(&r->rate_bps, memory_order_relaxed);
	v->lag_ms = atomic_load_explicit(&r->lag_ms, memory_order_relaxed);
	return 1;
}

const char *
client_route_name(enum client_route r)
{
	switch (r) {
	case CLIENT_ROUTE_TS:	return "ts";
	case CLIENT_ROUTE_HLS:	return "hls";
	case CLIENT_ROUTE_ACE:	return "ace";
	}
	return "ts";
}
