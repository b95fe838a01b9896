/*
 * test_state.c - the daemon-wide state segment (src/shm/state.c): the
 * slot table (seqlocked fields, name lookup, client counts that a dead
 * worker cannot leave behind, repair of a writer that died mid-write)
 * and the notify/wait pair that wakes the workers.
 *
 * Each test creates its own segment under a name with the test's pid and
 * unlinks it, so runs in parallel do not meet.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "util.h"

static void
test_state_slots(void **state)
{
	struct stream_conf sc;
	struct slot_cfg cfg;
	struct state *st;
	char name[STATE_SHM_NAME_MAX];

	(void)state;
	snprintf(name, sizeof(name), "/ringcast-test.%d.state", (int)getpid());
	state_unlink(name);
	assert_non_null(st = state_create(name));
	memset(&sc, 0, sizeof(sc));
	strcpy(sc.name, "news");
	sc.type = STREAM_HLS;
	sc.opts.max_clients = 7;
	sc.opts.on_demand = 1;
	sc.opts.hls.buffer_ready_timeout = 2.5;
	state_slot_configure(st, 3, &sc);
	assert_int_equal(state_find(st, "news"), 3);
	assert_int_equal(state_find(st, "sport"), -1);
	assert_int_equal(state_slot_read(st, 3, &cfg), 0);
	assert_string_equal(cfg.title, "news");	/* defaults to the name */
	assert_int_equal(cfg.type, STREAM_HLS);
	assert_int_equal(cfg.max_clients, 7);
	assert_int_equal(cfg.buffer_ready_timeout_ms, 2500);
	/* clients per worker row; a dead worker's row is forgotten */
	atomic_store(&st->clients[0][3], 2);
	atomic_store(&st->clients[5][3], 3);
	atomic_store(&st->workers[5].clients, 3);
	assert_int_equal(state_stream_clients(st, 3), 5);
	state_worker_reset(st, 5);
	assert_int_equal(state_stream_clients(st, 3), 2);
	/* a writer that died inside the info seqlock is repaired */
	atomic_store(&st->streams[3].info_seq, 5);
	state_slot_repair(st, 3);
	state_slot_set_info(st, 3, "http://x/", "boom");
	{
		char url[64], err[64];

		state_slot_get_info(st, 3, url, sizeof(url), err, sizeof(err));
		assert_string_equal(url, "http://x/");
		assert_string_equal(err, "boom");
	}
	state_slot_clear(st, 3);
	assert_int_equal(state_find(st, "news"), -1);
	assert_non_null(state_attach(name));
	state_detach(st);
	assert_int_equal(state_unlink(name), 0);
}

static void
test_notify_wakes(void **state)
{
	struct state *st;
	char name[STATE_SHM_NAME_MAX];
	uint32_t seq;
	uint64_t t0;

	(void)state;
	snprintf(name, sizeof(name), "/ringcast-test.%d.state2", (int)getpid());
	state_unlink(name);
	assert_non_null(st = state_create(name));
	seq = state_notify_seq(st);
	state_notify(st);
	t0 = now_ms();
	state_wait(st, seq, 2000);	/* already changed: returns at once */
	assert_true(now_ms() - t0 < 500);
	seq = state_notify_seq(st);
	t0 = now_ms();
	state_wait(st, seq, 50);	/* nothing: times out */
	assert_true(now_ms() - t0 >= 40);
	state_detach(st);
	state_unlink(name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_slots),
		cmocka_unit_test(test_notify_wakes),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
