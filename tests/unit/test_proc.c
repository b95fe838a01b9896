/*
 * test_proc.c - the respawn backoff ringcastd.8 describes: 0.25 s after
 * the first unasked death, doubling at each further one up to 10 s, and
 * back to 0.25 s once a child has run for 10 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "proc.h"

static struct proc *
fresh(struct proctab *pt)
{
	struct proc *p;

	proctab_init(pt);
	p = proc_alloc(pt, ROLE_FETCHER, 3);
	assert_non_null(p);
	return p;
}

static void
test_backoff_doubles_to_the_cap(void **state)
{
	static struct proctab pt;
	struct proc *p = fresh(&pt);
	uint64_t now = 1000000, want = PROC_BACKOFF_MIN_MS;
	int i;

	(void)state;
	assert_int_equal(PROC_BACKOFF_MIN_MS, 250);
	for (i = 0; i < 12; i++) {
		p->started_ms = now - 100;	/* died at once */
		proc_schedule_respawn(p, now);
		assert_int_equal(p->respawn_at_ms, now + want);
		now = p->respawn_at_ms;
		want = want * 2 > PROC_BACKOFF_MAX_MS ? PROC_BACKOFF_MAX_MS :
		    want * 2;
	}
	assert_int_equal(p->backoff_ms, PROC_BACKOFF_MAX_MS);
}

static void
test_backoff_resets_after_a_stable_run(void **state)
{
	static struct proctab pt;
	struct proc *p = fresh(&pt);
	uint64_t now = 5000000;
	int i;

	(void)state;
	for (i = 0; i < 6; i++) {
		p->started_ms = now;
		proc_schedule_respawn(p, now + 10);
		now = p->respawn_at_ms;
	}
	assert_true(p->backoff_ms > PROC_BACKOFF_MIN_MS);
	/* just short of stable: still backing off */
	p->started_ms = now;
	proc_schedule_respawn(p, now + PROC_STABLE_MS - 1);
	assert_true(p->respawn_at_ms - (now + PROC_STABLE_MS - 1) >
	    PROC_BACKOFF_MIN_MS);
	now = p->respawn_at_ms;
	/* ran PROC_STABLE_MS: the next delay is the first one again */
	p->started_ms = now;
	proc_schedule_respawn(p, now + PROC_STABLE_MS);
	assert_int_equal(p->respawn_at_ms, now + PROC_STABLE_MS +
	    PROC_BACKOFF_MIN_MS);
	assert_int_equal(p->backoff_ms, 2 * PROC_BACKOFF_MIN_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_doubles_to_the_cap),
		cmocka_unit_test(test_backoff_resets_after_a_stable_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
