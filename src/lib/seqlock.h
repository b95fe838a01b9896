/*
 * seqlock.h - the sequence lock of the shared-memory records (state.c,
 * ace_state.c): one writer a record, readers that copy and retry.
 *
 * The writer makes the counter odd, writes, makes it even; a reader
 * copies between two reads of an even, unchanged counter.  A writer
 * killed mid-update leaves the counter odd: the next writer goes on from
 * there (no lock is ever held), and readers give up after a bounded
 * number of tries instead of waiting.
 */
#ifndef RINGCAST_SEQLOCK_H
#define RINGCAST_SEQLOCK_H

#include <stdatomic.h>
#include <stdint.h>

static inline void
seqlock_write_begin(_Atomic uint32_t *seq)
{
	uint32_t s = atomic_load_explicit(seq, memory_order_relaxed);

	if (s & 1u)	/* torn by a dead writer: continue from there */
		s++;
	atomic_store_explicit(seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
}

static inline void
seqlock_write_end(_Atomic uint32_t *seq)
{
	atomic_thread_fence(memory_order_release);
	atomic_fetch_add_explicit(seq, 1, memory_order_relaxed);
}

/* Reader side: 1 and *S when no write is in progress (copy, then check
 * seqlock_read_valid); 0 when the writer is mid-update (try again). */
static inline int
seqlock_read_begin(_Atomic uint32_t *seq, uint32_t *s)
{
	*s = atomic_load_explicit(seq, memory_order_acquire);
	return (*s & 1u) == 0;
}

/* 1 when what was copied since seqlock_read_begin is consistent. */
static inline int
seqlock_read_valid(_Atomic uint32_t *seq, uint32_t s)
{
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(seq, memory_order_relaxed) == s;
}

#endif
