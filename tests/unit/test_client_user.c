/*
 * test_client_user.c - a user's players, as max_connections counts them
 * (src/shm/client_table.c, clients_of_user in src/proto/clients_view.c).
 *
 * What an operator relies on: each TS record and each HLS entry of a
 * user counts one, others' do not; the oldest is the one that came
 * first, TS or HLS; a record asked to close no longer counts (the new
 * player takes its place at once); a released record, or every record
 * of a dead worker, frees the place (no leak).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "clients_view.h"
#include "util.h"

static void
hls_entry(struct state *st, size_t i, const char *user, uint64_t first_ms)
{
	struct hls_player *p = &st->hls_players[i];

	atomic_store(&p->key, 1000 + i);
	str_copy(p->addr, "10.0.0.9", sizeof(p->addr));
	str_copy(p->user, user, sizeof(p->user));
	atomic_store(&p->first_ms, first_ms);
	atomic_store(&p->last_ms, first_ms);
	atomic_store(&p->ready, 1);
}

static void
test_records(void **state)
{
	struct client_table *t = calloc(1, sizeof(*t));
	struct client_view v;
	int a, b;

	(void)state;
	assert_non_null(t);
	a = client_table_claim(t, 0, 3, CLIENT_ROUTE_TS, 1000, "10.0.0.1",
	    "ua", "erin");
	b = client_table_claim(t, 1, 3, CLIENT_ROUTE_TS, 2000, "10.0.0.2",
	    NULL, NULL);
	assert_true(a >= 0 && b >= 0 && a != b);
	assert_int_equal(client_table_read(t, a, &v), 1);
	assert_string_equal(v.user, "erin");
	assert_int_equal(v.closing, 0);
	assert_int_equal(client_table_read(t, b, &v), 1);
	assert_string_equal(v.user, "");
	assert_int_equal(client_table_closing(t, a), 0);
	client_table_close(t, a);
	assert_int_equal(client_table_closing(t, a), 1);
	assert_int_equal(client_table_read(t, a, &v), 1);
	assert_int_equal(v.closing, 1);
	assert_int_equal(client_table_closing(t, -1), 0);
	/* a record claimed again starts open */
	client_table_release(t, a);
	a = client_table_claim(t, 0, 3, CLIENT_ROUTE_TS, 3000, "10.0.0.1",
	    "ua", "erin");
	assert_int_equal(client_table_closing(t, a), 0);
	free(t);
}

static void
test_count_and_oldest(void **state)
{
	struct state *st = calloc(1, sizeof(*st));
	uint64_t now = now_ms(), wall = wall_ms();
	int a, b, oldest;

	(void)state;
	assert_non_null(st);
	assert_int_equal(clients_of_user(st, "erin", &oldest), 0);
	assert_int_equal(oldest, -1);
	a = client_table_claim(&st->client_tab, 0, 1, CLIENT_ROUTE_TS,
	    wall - 5000, "10.0.0.1", "ua", "erin");
	b = client_table_claim(&st->client_tab, 1, 1, CLIENT_ROUTE_ACE,
	    wall - 3000, "10.0.0.1", "ua", "erin");
	(void)client_table_claim(&st->client_tab, 1, 1, CLIENT_ROUTE_TS,
	    wall - 9000, "10.0.0.3", "ua", "frank");
	/* an HLS player of erin, there for 10 s: the oldest */
	hls_entry(st, 7, "erin", now - 10000);
	hls_entry(st, 8, "frank", now - 20000);
	assert_int_equal(clients_of_user(st, "erin", &oldest), 3);
	assert_int_equal(oldest, CLIENT_TABLE_SIZE + 7);
	assert_int_equal(clients_of_user(st, "frank", &oldest), 2);
	assert_int_equal(clients_of_user(st, "nobody", &oldest), 0);
	/* the HLS player gone: the oldest TS record is next */
	atomic_store(&st->hls_players[7].ready, 0);
	atomic_store(&st->hls_players[7].key, 0);
	assert_int_equal(clients_of_user(st, "erin", &oldest), 2);
	assert_int_equal(oldest, a);
	/* asked to close: not counted any more */
	client_table_close(&st->client_tab, a);
	assert_int_equal(clients_of_user(st, "erin", &oldest), 1);
	assert_int_equal(oldest, b);
	/* worker 1 died: its records are freed */
	client_table_reset(&st->client_tab, 1);
	assert_int_equal(clients_of_user(st, "erin", &oldest), 0);
	assert_int_equal(clients_of_user(st, "frank", &oldest), 1);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_count_and_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
