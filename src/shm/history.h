/*
 * history.h - the last hour of every stream, for the status page's
 * graphs and GET /history: one sample an interval (clients, bytes a
 * second in from the upstream and out to players) and marks for upstream
 * errors, reconnections, failovers, starts and stops.
 *
 * One struct history_slot a stream slot, in the state segment (state.h),
 * so that a restarted worker loses nothing and any worker answers without
 * asking the supervisor.  The supervisor is the only writer (sampling in
 * sup_history.c); readers copy a slot's data under its seqlock
 * (seqlock.h) and read the copy.
 *
 * Samples sit in a ring by their index, the wall-clock time divided by
 * the interval: the sample of index I is at samples[I % HISTORY_SAMPLES]
 * and carries I.  An interval nobody sampled (the supervisor was busy,
 * the stream was not running) has no entry of its index, so it reads as
 * missing, never as a zero or as the value of another interval, and no
 * write is needed to record it.
 */
#ifndef RINGCAST_HISTORY_H
#define RINGCAST_HISTORY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Samples kept: an hour at the default history_interval of 10 s. */
#define HISTORY_SAMPLES		360
/* Marks kept a stream, the newest; marks of one kind within one
 * interval are one mark with a count. */
#define HISTORY_MARKS		256
#define HISTORY_MARK_TEXT	80	/* bytes of a mark's text, with NUL */

enum history_mark_kind {
	HISTORY_MARK_NONE = 0,
	HISTORY_MARK_START,		/* stream_started */
	HISTORY_MARK_STOP,		/* stream_ended */
	HISTORY_MARK_ERROR,		/* upstream_error */
	HISTORY_MARK_RECONNECT,		/* connected again after errors */
	HISTORY_MARK_FAILOVER,		/* moved to another upstream URL */
	HISTORY_MARK_KINDS
};

/* A sample's flags. */
#define HISTORY_HAS_RATES	0x1u	/* in_rate and out_rate are known */

struct history_sample {
	uint64_t	 index;		/* wall ms / interval ms; 0: none */
	uint64_t	 in_rate;	/* bytes a second, upstream to ring */
	uint64_t	 out_rate;	/* bytes a second, to players */
	uint32_t	 clients;	/* players connected when sampled */
	uint32_t	 flags;		/* HISTORY_HAS_RATES */
};

struct history_mark {
	uint64_t	 time_ms;	/* wall clock, the first of count */
	uint32_t	 kind;		/* enum history_mark_kind */
	uint32_t	 count;		/* events of this kind in its interval */
	char		 text[HISTORY_MARK_TEXT];	/* the newest one's */
};

/* What the seqlock guards, and what a reader copies. */
struct history_data {
	uint32_t	 interval_ms;	/* 0: no history */
	uint32_t	 n_marks;	/* marks ever added: the next goes to
					 * marks[n_marks % HISTORY_MARKS] */
	uint64_t	 last_index;	/* the newest sample's index */
	char		 name[CONFIG_NAME_MAX + 1];	/* whose history */
	struct history_sample samples[HISTORY_SAMPLES];
	struct history_mark marks[HISTORY_MARKS];
};

struct history_slot {
	_Atomic uint32_t	 seq;
	struct history_data	 d;
} __attribute__((aligned(64)));

/* ---- the writer (the supervisor) ---- */

/* Forget everything: an empty history of stream NAME ("" for none) at
 * INTERVAL_MS (0 for none). */
void	 history_reset(struct history_slot *, const char *name,
	    uint32_t interval_ms);
/*
 * Store the sample of interval S->index (more than 0).  An index older
 * than the newest one (the wall clock went back) starts the history
 * afresh; the same index again replaces its sample.
 */
void	 history_put(struct history_slot *, const struct history_sample *s);
/* Add a mark of KIND at TIME_MS with TEXT (cut to fit; NULL: ""), or
 * count it in the newest mark of KIND when that one is in the same
 * interval. */
void	 history_mark(struct history_slot *, uint64_t time_ms,
	    enum history_mark_kind kind, const char *text);

/* ---- readers ---- */

/* A consistent copy of the slot's data into OUT: 0, or -1 when none
 * could be made (a writer died mid-write, see seqlock.h). */
int	 history_read(const struct history_slot *, struct history_data *out);
/*
 * The window a reader shows at NOW_MS: the HISTORY_SAMPLES indices that
 * end with the current interval when it is sampled, else the one
 * before.  *FIRST and *LAST (LAST - FIRST + 1 == HISTORY_SAMPLES, or
 * fewer right after 1970); -1 when D has no interval.
 */
int	 history_window(const struct history_data *d, uint64_t now_ms,
	    uint64_t *first, uint64_t *last);
/* 1 and *OUT when D holds the sample of INDEX, else 0 (missing). */
int	 history_sample_at(const struct history_data *d, uint64_t index,
	    struct history_sample *out);
/* The I-th mark kept, oldest first (I < history_marks(D)). */
uint32_t history_marks(const struct history_data *d);
const struct history_mark *history_mark_at(const struct history_data *d,
	    uint32_t i);
/* "start", "stop", "error", "reconnect", "failover"; "" for none. */
const char *history_mark_name(enum history_mark_kind);

#endif
