/*
 * test_ace_engines.c - managed engines in the state segment
 * (ace_state.c): the engine choice takes a managed engine only once it is
 * ready, a new list of configured engines leaves the managed places
 * alone, a restart forgets what the monitor knew of the engine before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ace_state.h"

static struct ace_state as;	/* large: not on the stack */

static void
test_phases_and_choice(void **state)
{
	struct ace_engine_view v;
	int i = ACE_MANAGED_BASE + 2;

	(void)state;
	memset(&as, 0, sizeof(as));
	assert_int_equal(ace_state_engine(&as, i, &v), -1);
	ace_state_managed_put(&as, i, "http://127.0.0.1:6882", 6882, 4242, 0);
	assert_int_equal(ace_state_engine(&as, i, &v), 0);
	assert_string_equal(v.url, "http://127.0.0.1:6882");
	assert_true(v.managed);
	assert_int_equal(v.phase, ACE_PHASE_STARTING);
	assert_int_equal(v.pid, 4242);
	assert_int_equal(v.port, 6882);
	assert_false(ace_engine_choosable(&v));
	assert_string_equal(ace_phase_name(v.phase), "starting");
	ace_state_managed_phase(&as, i, ACE_PHASE_READY, 4242);
	ace_state_engine(&as, i, &v);
	assert_true(ace_engine_choosable(&v));
	ace_state_managed_phase(&as, i, ACE_PHASE_STOPPING, 4242);
	ace_state_engine(&as, i, &v);
	assert_false(ace_engine_choosable(&v));
	ace_state_managed_phase(&as, i, ACE_PHASE_UNHEALTHY, 4242);
	ace_state_engine(&as, i, &v);
	assert_false(ace_engine_choosable(&v));
	ace_state_managed_clear(&as, i);
	assert_int_equal(ace_state_engine(&as, i, &v), -1);
}

static void
test_configured_list_leaves_managed_alone(void **state)
{
	char *urls[] = { "http://e1:6878", "http://e2:6878" };
	struct ace_engine_view v;
	int m = ACE_MANAGED_BASE;

	(void)state;
	memset(&as, 0, sizeof(as));
	ace_state_managed_put(&as, m, "http://127.0.0.1:6880", 6880, 7, 0);
	ace_state_set_engines(&as, urls, 2);
	ace_state_set_engines(&as, urls, 1);
	assert_int_equal(ace_state_engine(&as, 0, &v), 0);
	assert_false(v.managed);
	assert_true(ace_engine_choosable(&v));
	assert_string_equal(ace_phase_name(v.phase), "unmanaged");
	assert_int_equal(ace_state_engine(&as, 1, &v), -1);
	assert_int_equal(ace_state_engine(&as, m, &v), 0);
	assert_string_equal(v.url, "http://127.0.0.1:6880");
	assert_int_equal(v.pid, 7);
}

static void
test_restart_forgets_the_old_health(void **state)
{
	struct ace_engine_view v;
	int i = ACE_MANAGED_BASE + 1;

	(void)state;
	memset(&as, 0, sizeof(as));
	ace_state_managed_put(&as, i, "http://127.0.0.1:6881", 6881, 10, 0);
	ace_state_engine_check(&as, i, "http://127.0.0.1:6881", 1,
	    ACE_NET_CONNECTED, "3.1.75", "");
	ace_state_engine(&as, i, &v);
	assert_int_equal(v.health, ACE_HEALTH_UP);
	ace_state_managed_put(&as, i, "http://127.0.0.1:6881", 6881, 11, 1);
	ace_state_engine(&as, i, &v);
	assert_int_equal(v.health, ACE_HEALTH_UNKNOWN);
	assert_string_equal(v.version, "");
	assert_int_equal(v.restarts, 1);
	assert_int_equal(v.pid, 11);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phases_and_choice),
		cmocka_unit_test(test_configured_list_leaves_managed_alone),
		cmocka_unit_test(test_restart_forgets_the_old_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
