/*
 * lineup_numbers.h - every lineup channel's number (its "chno"), and the
 * numbers given that the source process remembers in
 * STATE_DIR/numbers.json so that they do not move:
 *
 *   {"version":1,"highest":N,
 *    "channels":[{"tvg_id":"bbc1.uk","number":N} | {"name":"news",...}]}
 *
 * A remembered channel is known by its tvg-id in lower case, else by its
 * name as lineup_merge() gave it (before overrides), so renaming a
 * channel by an override keeps its number.  "highest" is the highest
 * number ever given, so one is never given twice, even after its
 * channel was forgotten.  Pure (a buf and json-c); the file's I/O is
 * the source process's.
 */
#ifndef RINGCAST_LINEUP_NUMBERS_H
#define RINGCAST_LINEUP_NUMBERS_H

#include <stddef.h>

#include "json.h"
#include "lineup.h"

#define LINEUP_NUMBERS_FILE	"numbers.json"
#define LINEUP_NUMBERS_VERSION	1
#define LINEUP_NUMBERS_MAX	200000		/* channels remembered */
#define LINEUP_NUMBERS_MAX_BYTES (64 * 1024 * 1024)	/* the file */
#define LINEUP_NUMBER_TOP	999999999999ULL	/* the highest given */
#define LINEUP_GUIDE_DIGITS_MAX	6	/* digits each side of a tvg-chno's
					 * "." (lineup_number_valid) */

struct lineup_number {
	char			*key;	/* "i:" tvg-id, or "n:" merged name */
	unsigned long long	 number;
};

/* The numbers remembered, the channels of the last lineup first. */
struct lineup_numbers {
	struct lineup_number	*v;
	size_t			 n;
	unsigned long long	 highest;
};

/* 1 when S is a GuideNumber a tvg-chno may be: 1 to
 * LINEUP_GUIDE_DIGITS_MAX digits, maybe "." and 1 to as many more. */
int	 lineup_number_valid(const char *s);

/*
 * Number every channel of L: its number[] when an override set it, else
 * its tvg-chno when lineup_number_valid(), else its remembered number in
 * M, else a new whole number: the next after the highest in use (the
 * NTAKEN numbers TAKEN, the configured streams'; every number of L; M's
 * numbers and highest), in lineup order.  A remembered number that
 * TAKEN or a number of L now holds is given up for a new one.  M gains
 * the numbers given and is reordered: L's channels first, in lineup
 * order, then the others as they were, at most LINEUP_NUMBERS_MAX.
 * 0, or -1 when out of memory (some channels may lack a number).
 */
int	 lineup_numbers_assign(struct lineup *l, const char *const *taken,
	    size_t ntaken, struct lineup_numbers *m);
/* Append M as numbers.json to B.  -1 when B failed. */
int	 lineup_numbers_build(struct buf *b, const struct lineup_numbers *m);
/* Parse the LEN bytes at TEXT into *M: 0, or -1 with ERR and *M empty
 * (a damaged file: every field is checked, a key or a number given twice
 * refuses it). */
int	 lineup_numbers_parse(const char *text, size_t len,
	    struct lineup_numbers *m, char *err, size_t errsz);
/* Free M's memory and empty it; safe on an empty one. */
void	 lineup_numbers_free(struct lineup_numbers *m);

#endif
