/*
 * test_seqlock.c - the seqlock reader of src/lib/seqlock.h.
 *
 * What every shared-memory reader relies on: an undisturbed record is
 * copied in one try; a copy the writer overlapped is thrown away and
 * made again; a counter left odd by a writer that died makes the reader
 * give up after SEQLOCK_READ_TRIES tries instead of spinning forever;
 * and a string read that gives up leaves "" behind.  The writer is
 * simulated by the copy itself, so every case is deterministic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "seqlock.h"

struct record {
	_Atomic uint32_t	 seq;
	char			 text[16];
};

static void
test_consistent_copy(void **state)
{
	struct record	 rec = { 0, "hello" };
	struct seqlock_reader rd = SEQLOCK_READER(&rec.seq);
	char		 out[16];
	int		 copies = 0;

	seqlock_write_begin(&rec.seq);
	strcpy(rec.text, "news");
	seqlock_write_end(&rec.seq);
	while (seqlock_read_next(&rd)) {
		memcpy(out, rec.text, sizeof(out));
		copies++;
	}
	assert_true(rd.ok);
	assert_int_equal(copies, 1);
	assert_int_equal(rd.tries, 1);
	assert_string_equal(out, "news");
	/* finished: asking again copies nothing more */
	assert_int_equal(seqlock_read_next(&rd), 0);
}

static void
test_odd_counter_gives_up(void **state)
{
	struct record	 rec = { 0, "old" };
	struct seqlock_reader rd = SEQLOCK_READER(&rec.seq);
	int		 copies = 0;

	seqlock_write_begin(&rec.seq);		/* the writer dies here */
	strcpy(rec.text, "torn");
	while (seqlock_read_next(&rd))
		copies++;
	assert_false(rd.ok);
	assert_int_equal(copies, 0);
	assert_int_equal(rd.tries, SEQLOCK_READ_TRIES);
	/* the next writer goes on from the odd counter and heals it */
	seqlock_write_begin(&rec.seq);
	seqlock_write_end(&rec.seq);
	assert_int_equal(atomic_load(&rec.seq) % 2, 0);
}

static void
test_changed_during_copy_retries(void **state)
{
	struct record	 rec = { 0, "a" };
	struct seqlock_reader rd = SEQLOCK_READER(&rec.seq);
	char		 out[16];
	int		 copies = 0;

	while (seqlock_read_next(&rd)) {
		memcpy(out, rec.text, sizeof(out));
		if (copies++ == 0) {		/* a whole write meanwhile */
			seqlock_write_begin(&rec.seq);
			strcpy(rec.text, "b");
			seqlock_write_end(&rec.seq);
		}
	}
	assert_true(rd.ok);
	assert_int_equal(copies, 2);
	assert_string_equal(out, "b");
}

static void
test_always_changing_gives_up(void **state)
{
	struct record	 rec = { 0, "a" };
	struct seqlock_reader rd = SEQLOCK_READER(&rec.seq);
	int		 copies = 0;

	while (seqlock_read_next(&rd)) {
		copies++;
		atomic_fetch_add(&rec.seq, 2);	/* every copy overlapped */
	}
	assert_false(rd.ok);
	assert_int_equal(copies, SEQLOCK_READ_TRIES);
	assert_int_equal(rd.tries, SEQLOCK_READ_TRIES);
}

static void
test_read_str(void **state)
{
	struct record	 rec = { 0, "0123456789" };
	char		 out[16], small[4];

	seqlock_read_str(&rec.seq, out, sizeof(out), rec.text,
	    sizeof(rec.text));
	assert_string_equal(out, "0123456789");
	seqlock_read_str(&rec.seq, small, sizeof(small), rec.text,
	    sizeof(rec.text));
	assert_string_equal(small, "012");
	/* a field without its NUL is cut at its size */
	memset(rec.text, 'x', sizeof(rec.text));
	seqlock_read_str(&rec.seq, out, sizeof(out), rec.text,
	    sizeof(rec.text));
	assert_int_equal(strlen(out), sizeof(rec.text) - 1);
	/* unreadable: "" */
	seqlock_write_begin(&rec.seq);
	seqlock_read_str(&rec.seq, out, sizeof(out), rec.text,
	    sizeof(rec.text));
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consistent_copy),
		cmocka_unit_test(test_odd_counter_gives_up),
		cmocka_unit_test(test_changed_during_copy_retries),
		cmocka_unit_test(test_always_changing_gives_up),
		cmocka_unit_test(test_read_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
