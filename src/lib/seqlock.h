/*
 * seqlock.h - the sequence lock of the shared-memory records (state.c,
 * ace_state.c, evring.c's settings): one writer a record, readers that
 * copy and retry.
 *
 * The writer makes the counter odd, writes, makes it even; a reader
 * copies between two reads of an even, unchanged counter.  A writer
 * killed mid-update leaves the counter odd: the next writer goes on from
 * there (no lock is ever held), and readers give up after
 * SEQLOCK_READ_TRIES tries instead of waiting.  The retry loop is written
 * once, here (struct seqlock_reader); a reader supplies only its copy.
 *
 * Not this lock, and so not these helpers: the TS ring's and the event
 * backlog's head/reserve positions (ring.c, evring.c), the backlog's
 * index entries (their sequence is the event id), the per-sample words of
 * metrics.c (a sample's index, 0 while written) and the try-lock with a
 * pid of hls_cache.c; none of them retries.
 */
#ifndef RINGCAST_SEQLOCK_H
#define RINGCAST_SEQLOCK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Tries a reader makes (each an even counter copied at, or an odd one
 * seen) before it gives up: a write is a few small copies, so this many
 * in a row means its writer died mid-update (or is descheduled), and a
 * reader does not wait for either. */
#define SEQLOCK_READ_TRIES	1000

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

/*
 * The reader's loop:
 *
 *	struct seqlock_reader rd = SEQLOCK_READER(&rec->seq);
 *
 *	while (seqlock_read_next(&rd))
 *		copy the fields of REC it guards;
 *	if (!rd.ok)
 *		the copy is torn: SEQLOCK_READ_TRIES tries failed
 *
 * seqlock_read_next() returns 1 when the caller is to copy (the counter
 * is even); called after the copy, it returns 0 with ok set when the
 * counter has not changed meanwhile, else it begins the next try.  The
 * initializer takes a pointer to a const counter too: readers only load.
 */
struct seqlock_reader {
	_Atomic uint32_t	*seq;
	uint32_t		 before;	/* the even counter copied at */
	int			 tries;		/* counter loads so far */
	int			 copying;	/* a copy at before is on */
	int			 ok;		/* the last copy was whole */
};

#define SEQLOCK_READER(seqp)	{ (_Atomic uint32_t *)(seqp), 0, 0, 0, 0 }

static inline int
seqlock_read_next(struct seqlock_reader *rd)
{
	if (rd->ok)			/* done: nothing more to copy */
		return 0;
	if (rd->copying && seqlock_read_valid(rd->seq, rd->before)) {
		rd->copying = 0;
		rd->ok = 1;
		return 0;
	}
	rd->copying = 0;
	while (rd->tries < SEQLOCK_READ_TRIES) {
		rd->tries++;
		if (seqlock_read_begin(rd->seq, &rd->before)) {
			rd->copying = 1;
			return 1;
		}
	}
	return 0;
}

/*
 * The string in SRC (a field of SRCSZ bytes that SEQ guards) into OUT
 * (OUTSZ bytes, cut to fit); "" when no copy was consistent.
 */
static inline void
seqlock_read_str(const _Atomic uint32_t *seq, char *out, size_t outsz,
    const char *src, size_t srcsz)
{
	struct seqlock_reader rd = SEQLOCK_READER(seq);
	size_t n;

	if (outsz == 0 || srcsz == 0)
		return;
	while (seqlock_read_next(&rd)) {
		n = strnlen(src, srcsz - 1);
		if (n > outsz - 1)
			n = outsz - 1;
		memcpy(out, src, n);
		out[n] = '\0';
	}
	if (!rd.ok)
		out[0] = '\0';
}

#endif
