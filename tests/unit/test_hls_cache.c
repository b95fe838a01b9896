/*
 * test_hls_cache.c - the shared playlist cache: versions by key, the
 * try lock, a lock left by a dead writer, what does not fit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hls_cache.h"

static struct hls_cache_key
key_of(uint64_t gen, uint64_t count)
{
	struct hls_cache_key k;

	memset(&k, 0, sizeof(k));
	k.ring_gen = gen;
	k.seg_count = count;
	k.cfg_seq = 2;
	k.window_size = 6;
	k.initial_segments = 3;
	k.kept = 20;
	return k;
}

static struct hls_cache_entry *
entry_new(void)
{
	struct hls_cache_entry *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	return e;
}

static void
test_empty_entry_misses(void **state)
{
	struct hls_cache_entry *e = entry_new();
	struct hls_cache_key k = key_of(1, 1);
	char out[HLS_CACHE_BODY_MAX];
	uint64_t fs;
	size_t len;

	(void)state;
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), -1);
	free(e);
}

static void
test_put_then_get_same_version(void **state)
{
	struct hls_cache_entry *e = entry_new();
	struct hls_cache_key k = key_of(1, 7);
	char out[HLS_CACHE_BODY_MAX];
	uint64_t fs = 0;
	size_t len = 0;

	(void)state;
	assert_int_equal(hls_cache_put(e, &k, "#EXTM3U\n", 8, 1880), 0);
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(out, "#EXTM3U\n", 8);
	assert_int_equal(fs, 1880);
	/* the lock word is even and names no writer afterwards */
	assert_int_equal(atomic_load(&e->lock) & 1u, 0);
	assert_int_equal(atomic_load(&e->lock) >> 32, 0);
	free(e);
}

static void
test_every_key_field_is_a_new_version(void **state)
{
	struct hls_cache_entry *e = entry_new();
	struct hls_cache_key k = key_of(3, 10), o;
	char out[HLS_CACHE_BODY_MAX];
	uint64_t fs;
	size_t len;
	int i;

	(void)state;
	assert_int_equal(hls_cache_put(e, &k, "A", 1, 0), 0);
	for (i = 0; i < 8; i++) {
		o = k;
		switch (i) {
		case 0: o.ring_gen++; break;		/* fetcher restarted */
		case 1: o.seg_count++; break;		/* a new segment */
		case 2: o.cfg_seq += 2; break;		/* reconfigured */
		case 3: o.window_size = 3; break;	/* reload */
		case 4: o.initial_segments = 1; break;
		case 5: o.kept = 60; break;
		case 6: o.endlist = 1; break;		/* the upstream ended */
		case 7: o.variant = HLS_CACHE_PREFIXED; break;
		}
		assert_false(hls_cache_key_equal(&k, &o));
		assert_int_equal(hls_cache_get(e, &o, out, sizeof(out), &len,
		    &fs), -1);
	}
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), 0);
	/* a newer version replaces the older */
	o = key_of(3, 11);
	assert_int_equal(hls_cache_put(e, &o, "BB", 2, 0), 0);
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), -1);
	assert_int_equal(hls_cache_get(e, &o, out, sizeof(out), &len, &fs), 0);
	assert_int_equal(len, 2);
	free(e);
}

static void
test_too_long_or_empty_is_not_stored(void **state)
{
	struct hls_cache_entry *e = entry_new();
	struct hls_cache_key k = key_of(1, 1);
	char *big = calloc(1, HLS_CACHE_BODY_MAX + 1), out[HLS_CACHE_BODY_MAX];
	uint64_t fs;
	size_t len;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', HLS_CACHE_BODY_MAX + 1);
	assert_int_equal(hls_cache_put(e, &k, big, HLS_CACHE_BODY_MAX + 1, 0),
	    -1);
	assert_int_equal(hls_cache_put(e, &k, big, 0, 0), -1);
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), -1);
	/* exactly the maximum fits; a smaller OUT is refused, not overrun */
	assert_int_equal(hls_cache_put(e, &k, big, HLS_CACHE_BODY_MAX, 0), 0);
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), 0);
	assert_int_equal(len, HLS_CACHE_BODY_MAX);
	assert_int_equal(hls_cache_get(e, &k, out, 100, &len, &fs), -1);
	free(big);
	free(e);
}

static void
test_live_writer_holds_the_lock(void **state)
{
	struct hls_cache_entry *e = entry_new();
	struct hls_cache_key k = key_of(1, 1);
	char out[HLS_CACHE_BODY_MAX];
	uint64_t fs, word;
	size_t len;

	(void)state;
	assert_int_equal(hls_cache_put(e, &k, "old", 3, 0), 0);
	/* as if this (live) process were mid-write */
	word = ((uint64_t)getpid() << 32) | (atomic_load(&e->lock) + 1);
	atomic_store(&e->lock, word);
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), -1);
	assert_int_equal(hls_cache_put(e, &k, "new", 3, 0), -1);
	assert_int_equal(atomic_load(&e->lock), word);	/* untouched */
	free(e);
}

static void
test_dead_writer_lock_is_taken_over(void **state)
{
	struct hls_cache_entry *e = entry_new();
	struct hls_cache_key k = key_of(1, 1);
	char out[HLS_CACHE_BODY_MAX];
	uint64_t fs, word;
	size_t len;
	pid_t dead;
	int status;

	(void)state;
	assert_int_equal(hls_cache_put(e, &k, "old", 3, 0), 0);
	dead = fork();
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, &status, 0), dead);
	/* killed between its first bytes and the end of its write */
	word = ((uint64_t)dead << 32) | (atomic_load(&e->lock) + 1);
	atomic_store(&e->lock, word);
	memcpy(e->body, "tor", 3);
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), -1);
	assert_int_equal(hls_cache_put(e, &k, "new", 3, 5), 0);
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), 0);
	assert_memory_equal(out, "new", 3);
	assert_int_equal(fs, 5);
	/* a sequence neither the torn one nor the one before it */
	assert_int_equal(atomic_load(&e->lock) & 1u, 0);
	assert_true((uint32_t)atomic_load(&e->lock) > (uint32_t)word);
	free(e);
}

static void
test_reader_sees_a_write_in_between(void **state)
{
	struct hls_cache_entry *e = entry_new();
	struct hls_cache_key k = key_of(1, 1);
	char out[HLS_CACHE_BODY_MAX];
	uint64_t fs;
	size_t len;

	(void)state;
	assert_int_equal(hls_cache_put(e, &k, "one", 3, 0), 0);
	/* a put of the same version still moves the sequence on, so a
	 * reader that started before it would retry */
	{
		uint64_t before = atomic_load(&e->lock);

		assert_int_equal(hls_cache_put(e, &k, "two", 3, 0), 0);
		assert_int_not_equal(atomic_load(&e->lock), before);
	}
	assert_int_equal(hls_cache_get(e, &k, out, sizeof(out), &len, &fs), 0);
	assert_memory_equal(out, "two", 3);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_entry_misses),
		cmocka_unit_test(test_put_then_get_same_version),
		cmocka_unit_test(test_every_key_field_is_a_new_version),
		cmocka_unit_test(test_too_long_or_empty_is_not_stored),
		cmocka_unit_test(test_live_writer_holds_the_lock),
		cmocka_unit_test(test_dead_writer_lock_is_taken_over),
		cmocka_unit_test(test_reader_sees_a_write_in_between),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
