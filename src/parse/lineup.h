/*
 * lineup.h - channels made of the entries of providers' lists
 * (m3u_list.h): which entries a source keeps (globs on group and name),
 * which entries are one channel (the same tvg-id, or without one the
 * same name), and the channel's name in URLs (/stream/NAME), URL-safe
 * and unique.  Pure and deterministic: the same lists give the same
 * lineup, names included.
 */
#ifndef RINGCAST_LINEUP_H
#define RINGCAST_LINEUP_H

#include <stddef.h>

#include "m3u_list.h"
#include "xmltv.h"

/* A channel's name: a stream name (CONFIG_NAME_MAX), [a-z0-9_-]. */
#define LINEUP_NAME_MAX		64
/* Of it, the part made from tvg-id or the title; the rest leaves room
 * for the "-N" that makes it unique. */
#define LINEUP_SLUG_MAX		48
#define LINEUP_FALLBACK_PREFIX	"ch-"	/* and 8 hex digits: no slug */
/* A channel's final number (lineup_numbers.h): a GuideNumber of the
 * configuration (CONFIG_NUMBER_MAX) or a whole number given. */
#define LINEUP_NUMBER_MAX	23

/*
 * Which entries of a list a source keeps.  Globs are fnmatch(3)
 * patterns, matched without regard to ASCII case: an entry passes when
 * its group matches one include_groups glob (or there is none), its name
 * one include_names glob (or there is none), and its group no
 * exclude_groups glob and its name no exclude_names glob.
 */
struct lineup_filter {
	const char *const	*include_groups;
	size_t			 n_include_groups;
	const char *const	*exclude_groups;
	size_t			 n_exclude_groups;
	const char *const	*include_names;
	size_t			 n_include_names;
	const char *const	*exclude_names;
	size_t			 n_exclude_names;
};

/*
 * One channel: its sources are the entries merged into it, in source
 * order (the lists in the order given, each in its own order); the first
 * is played and the others are its backups.  The strings are the first
 * non-empty one among the sources ("" when none has it) and point into
 * the lists, which must outlive the lineup; an override
 * (lineup_override.h) may point logo and group into the configuration
 * instead, and set name, number and enabled.
 */
struct lineup_channel {
	char			 name[LINEUP_NAME_MAX + 1];	/* unique */
	char			 merged_name[LINEUP_NAME_MAX + 1]; /* name as
						   lineup_merge gave it */
	const char		*title;		/* the first source's name */
	const char		*tvg_id;
	const char		*logo;
	const char		*group;
	const char		*chno;
	long			 chno_num;	/* as m3u_entry's */
	char			 number[LINEUP_NUMBER_MAX + 1];	/* final;
						   "": none given yet */
	int			 enabled;	/* 1 unless an override says 0 */
	const struct m3u_entry *const *sources;
	size_t			 nsources;	/* at least 1 */
};

struct lineup {
	struct lineup_channel	*channels;	/* by first appearance */
	size_t			 n;
	const struct m3u_entry	**srcs;		/* every channel's sources */
};

/*
 * S in URL-safe form into OUT (OUTSZ bytes, at most LINEUP_SLUG_MAX
 * characters and a NUL): ASCII letters in lower case and digits kept,
 * Latin letters with accents and Cyrillic transliterated ("é" e, "ß" ss,
 * "Ж" zh), '_' kept, every other run of bytes one '-', none at either
 * end.  The length written; 0 when nothing URL-safe is left.
 */
size_t	 lineup_slug(const char *s, char *out, size_t outsz);

/* 1 when an entry with GROUP and NAME passes F (NULL: everything). */
int	 lineup_filter_pass(const struct lineup_filter *f, const char *group,
	    const char *name);

/*
 * The lineup of the N lists LISTS[i], each filtered by FILTERS[i]
 * (FILTERS, or one of its elements, NULL: no filter), into *OUT.
 * Entries with the same tvg-id (in any ASCII case) are one channel;
 * entries without one are one channel when their names are the same but
 * for ASCII case, spaces and punctuation.  A channel's name comes from
 * its tvg-id, else its title (lineup_slug), else it is "ch-" and 8 hex
 * digits of a hash of the title; a name already taken gets "-2", "-3",
 * ... in channel order.
 * 0, or -1 when out of memory (*OUT zeroed).  Free with lineup_free().
 */
int	 lineup_merge(const struct m3u_list *const lists[],
	    const struct lineup_filter *const filters[], size_t n,
	    struct lineup *out);
/* Free what lineup_merge() made and zero *L; safe on a zeroed one. */
void	 lineup_free(struct lineup *l);
/*
 * The guide's channel map of L (xmltv.h) into *MAP (*N lines; free()
 * it; its strings are L's): every entry's tvg-id (the id its provider's
 * guide uses) to its channel's id in /playlist.m3u (the channel's
 * tvg_id, else its name) and title, so that players match the two.  A
 * tvg-id given twice goes once, with its first channel; entries without
 * one have no line, nor have disabled channels' (enabled 0: no guide).
 * 0, or -1 when memory ran out.
 */
int	 lineup_xmltv_map(const struct lineup *l, struct xmltv_map **map,
	    size_t *n);

#endif
