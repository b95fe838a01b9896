/*
 * test_state.c - the daemon-wide state segment (src/shm/state.c): the
 * slot table (seqlocked fields, name lookup, client counts that a dead
 * worker cannot leave behind, repair of a writer that died mid-write)
 * the notify/wait pair that wakes the workers, the holds of the
 * engine's JSON API (claimed, renewed, dropped, lapsed, full), and the
 * HDHomeRun tuner's settings and tuners (never more taken than there
 * are, a dead worker's given back).
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

/* A hold is found by its id and its stream's name, renewed while
 * fresh, gone once dropped or lapsed; a full neighbourhood refuses. */
static void
test_state_holds(void **state)
{
	uint8_t a[STATE_HOLD_ID_BYTES], b[STATE_HOLD_ID_BYTES];
	struct state *st;
	char name[STATE_SHM_NAME_MAX];
	uint64_t t = 1000000;
	int i;

	(void)state;
	snprintf(name, sizeof(name), "/ringcast-test.%d.holds", (int)getpid());
	state_unlink(name);
	assert_non_null(st = state_create(name));
	memset(a, 0x11, sizeof(a));
	memcpy(b, a, sizeof(b));
	b[19] = 0x22;			/* same hash, another id */
	assert_int_equal(state_hold_renew(st, a, "k", t), -1);
	assert_int_equal(state_hold_add(st, a, "k", t), 0);
	assert_int_equal(state_hold_add(st, b, "k", t), 0);
	assert_int_equal(state_hold_renew(st, a, "k", t + 10), 0);
	assert_int_equal(state_hold_renew(st, a, "other", t + 10), -1);
	/* another worker's clock a little behind is no lapse */
	assert_int_equal(state_hold_renew(st, a, "k", t + 5), 0);
	/* renewed at t + 10 (then t + 5): lapses a TTL after that */
	assert_int_equal(state_hold_renew(st, a, "k",
	    t + 5 + STATE_HOLD_TTL_MS - 1), 0);
	assert_int_equal(state_hold_drop(st, b, "k", t + 20), 0);
	assert_int_equal(state_hold_drop(st, b, "k", t + 20), -1);
	assert_int_equal(state_hold_renew(st, b, "k", t + 20), -1);
	t += 3 * STATE_HOLD_TTL_MS;
	assert_int_equal(state_hold_renew(st, a, "k", t), -1);	/* lapsed */
	/* the probe neighbourhood of one hash holds STATE_HOLD_PROBES */
	for (i = 0; i < STATE_HOLD_PROBES; i++) {
		a[19] = (uint8_t)i;
		assert_int_equal(state_hold_add(st, a, "k", t), 0);
	}
	a[19] = 0xff;
	assert_int_equal(state_hold_add(st, a, "k", t), -1);
	/* until they lapse */
	assert_int_equal(state_hold_add(st, a, "k", t + STATE_HOLD_TTL_MS), 0);
	state_detach(st);
	state_unlink(name);
}

static void
test_state_tuners(void **state)
{
	struct state_hdhr h, got;
	struct stream_conf sc;
	struct slot_cfg cfg;
	struct state *st;
	char name[STATE_SHM_NAME_MAX];

	(void)state;
	snprintf(name, sizeof(name), "/ringcast-test.%d.tuners", (int)getpid());
	state_unlink(name);
	assert_non_null(st = state_create(name));
	/* settings: what the supervisor wrote, off until it writes them */
	assert_int_equal(state_get_hdhr(st, &got), 0);
	assert_int_equal(got.enabled, 0);
	memset(&h, 0, sizeof(h));
	h.enabled = 1;
	h.tuner_count = 2;
	h.device_id = 0x10439EFDu;
	strcpy(h.friendly_name, "Den");
	strcpy(h.public_url, "http://tv.example.org");
	state_set_hdhr(st, &h);
	assert_int_equal(state_get_hdhr(st, &got), 0);
	assert_int_equal(got.tuner_count, 2);
	assert_int_equal(got.device_id, 0x10439EFDu);
	assert_string_equal(got.friendly_name, "Den");
	assert_string_equal(got.public_url, "http://tv.example.org");
	/* a stream's number goes with its slot */
	memset(&sc, 0, sizeof(sc));
	strcpy(sc.name, "news");
	sc.number = "5.1";
	state_slot_configure(st, 0, &sc);
	assert_int_equal(state_slot_read(st, 0, &cfg), 0);
	assert_string_equal(cfg.number, "5.1");
	/* two tuners over any workers, a third refused */
	assert_int_equal(state_tuner_take(st, 0, 2), 0);
	assert_int_equal(state_tuner_take(st, 3, 2), 0);
	assert_int_equal(state_tuner_take(st, 0, 2), -1);
	assert_int_equal(state_tuners_in_use(st), 2);
	state_tuner_release(st, 0);
	assert_int_equal(state_tuner_take(st, 1, 2), 0);
	/* a dead worker's tuner comes back; a late release does not go
	 * below zero */
	state_worker_reset(st, 3);
	assert_int_equal(state_tuners_in_use(st), 1);
	state_tuner_release(st, 3);
	assert_int_equal(state_tuners_in_use(st), 1);
	assert_int_equal(state_tuner_take(st, 2, 2), 0);
	assert_int_equal(state_tuner_take(st, 2, 2), -1);
	state_detach(st);
	state_unlink(name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_slots),
		cmocka_unit_test(test_notify_wakes),
		cmocka_unit_test(test_state_holds),
		cmocka_unit_test(test_state_tuners),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
