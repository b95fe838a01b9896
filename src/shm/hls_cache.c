/*
 * hls_cache.c - built HLS playlists shared by the workers, in the state
 * segment (one entry per stream and variant, hls_cache.h).
 *
 * Unlike the state segment's other records, an entry has no single
 * writer: the worker that first sees a new version of a playlist builds
 * it and stores it for the others.  So the sequence lock is also a try
 * lock: a writer turns the even sequence odd with a compare-and-swap
 * that also puts its pid into the lock word, and a worker that finds the
 * entry held gives up at once and serves the playlist it built itself
 * (nothing waits).  A writer killed mid-write leaves the word odd with
 * its pid: the next writer that finds that pid gone (kill(pid, 0) says
 * ESRCH) takes the lock over, keeping the sequence odd, so no reader
 * ever accepts the torn bytes.  Readers copy, then check the word is the
 * even one they started from.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hls_cache.h"

#define HLS_CACHE_SEQ(l)	((uint32_t)(l))
#define HLS_CACHE_PID(l)	((pid_t)((l) >> 32))
#define HLS_CACHE_WORD(pid, seq) \
	(((uint64_t)(uint32_t)(pid) << 32) | (uint64_t)(uint32_t)(seq))

int
hls_cache_key_equal(const struct hls_cache_key *a,
    const struct hls_cache_key *b)
{
	return a->ring_gen == b->ring_gen && a->seg_count == b->seg_count &&
	    a->cfg_seq == b->cfg_seq && a->window_size == b->window_size &&
	    a->initial_segments == b->initial_segments &&
	    a->kept == b->kept && a->endlist == b->endlist &&
	    a->variant == b->variant;
}

int
hls_cache_get(const struct hls_cache_entry *e, const struct hls_cache_key *key,
    char *out, size_t outsz, size_t *len, uint64_t *first_start)
{
	_Atomic uint64_t *lock = (_Atomic uint64_t *)&e->lock;
	struct hls_cache_key k;
	uint64_t before, fs;
	size_t n;

	before = atomic_load_explicit(lock, memory_order_acquire);
	if (HLS_CACHE_SEQ(before) & 1u)
		return -1;			/* being written */
	memcpy(&k, &e->key, sizeof(k));
	n = e->len;
	fs = e->first_start;
	if (!hls_cache_key_equal(&k, key) || n == 0 || n > sizeof(e->body) ||
	    n > outsz)
		return -1;
	memcpy(out, e->body, n);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(lock, memory_order_relaxed) != before)
		return -1;			/* written meanwhile */
	*len = n;
	*first_start = fs;
	return 0;
}

/* Take E's lock: 0 and *MINE (the word written), or -1 (held). */
static int
hls_cache_lock(struct hls_cache_entry *e, uint64_t *mine)
{
	uint64_t cur = atomic_load_explicit(&e->lock, memory_order_relaxed);
	uint32_t seq = HLS_CACHE_SEQ(cur);
	pid_t holder;

	if (seq & 1u) {
		holder = HLS_CACHE_PID(cur);
		if (holder > 0 && (kill(holder, 0) == 0 || errno != ESRCH))
			return -1;		/* a live writer */
		seq++;				/* dead: stays odd below */
	}
	*mine = HLS_CACHE_WORD(getpid(), seq + 1);
	if (!atomic_compare_exchange_strong_explicit(&e->lock, &cur, *mine,
	    memory_order_acquire, memory_order_relaxed))
		return -1;			/* another writer was first */
	atomic_thread_fence(memory_order_seq_cst);
	return 0;
}

int
hls_cache_put(struct hls_cache_entry *e, const struct hls_cache_key *key,
    const char *body, size_t len, uint64_t first_start)
{
	uint64_t mine;

	if (len == 0 || len > sizeof(e->body) || hls_cache_lock(e, &mine) == -1)
		return -1;
	memcpy(e->body, body, len);
	e->len = (uint32_t)len;
	e->first_start = first_start;
	memcpy(&e->key, key, sizeof(e->key));
	atomic_thread_fence(memory_order_release);
	/* even again, unless a writer took a lock it thought dead */
	if (!atomic_compare_exchange_strong_explicit(&e->lock, &mine,
	    HLS_CACHE_WORD(0, HLS_CACHE_SEQ(mine) + 1), memory_order_release,
	    memory_order_relaxed))
		return -1;
	return 0;
}
