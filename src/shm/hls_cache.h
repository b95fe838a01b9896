/*
 * hls_cache.h - the built HLS playlists of every stream, in the state
 * segment, shared by the workers (layout in struct hls_cache_slot).
 *
 * A playlist changes only when its stream publishes a segment (or ends,
 * gets a new ring, or is reconfigured), so it is built once per version
 * (struct hls_cache_key) by whichever worker first needs it and read by
 * the others.  Each entry is its own sequence lock with its writer's pid
 * in the lock word: any worker may write, one at a time, and a lock left
 * by a dead writer is taken over (see hls_cache.c).
 */
#ifndef RINGCAST_HLS_CACHE_H
#define RINGCAST_HLS_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Variants of a stream's playlist: segment URIs relative (as served on
 * /hls/NAME/index.m3u8) or prefixed with "/hls/NAME/" (served elsewhere,
 * e.g. /ace/manifest.m3u8). */
enum hls_cache_variant {
	HLS_CACHE_RELATIVE = 0,
	HLS_CACHE_PREFIXED,
	HLS_CACHE_VARIANTS
};

/* Body bytes an entry holds: 64 prefixed segments of a 64-byte name
 * fit (~7 KB; a usual playlist is 1 KB); a longer one (a key line on
 * every segment) is built and served uncached. */
#define HLS_CACHE_BODY_MAX	(16384 - 128)

/* What a playlist is built from: equal keys, equal playlists (as long as
 * its oldest listed segment is still in the ring, see first_start). */
struct hls_cache_key {
	uint64_t	 ring_gen;	/* the stream's ring generation */
	uint64_t	 seg_count;	/* segments the ring has published */
	uint32_t	 cfg_seq;	/* the slot's configuration version */
	uint32_t	 window_size;
	uint32_t	 initial_segments;
	uint32_t	 kept;		/* segments copied from the index */
	uint32_t	 endlist;	/* the upstream ended */
	uint32_t	 variant;	/* enum hls_cache_variant */
};

struct hls_cache_entry {
	/* low 32 bits: sequence, odd while written; high 32: the writer's
	 * pid while odd, else 0 */
	_Atomic uint64_t	 lock;
	uint32_t		 len;
	uint32_t		 pad;
	struct hls_cache_key	 key;
	uint64_t		 first_start;	/* ring position of the oldest
						 * listed segment's first byte */
	char			 body[HLS_CACHE_BODY_MAX];
} __attribute__((aligned(64)));

struct hls_cache_slot {
	struct hls_cache_entry	 v[HLS_CACHE_VARIANTS];
};

/* 1 when A and B are the same version. */
int	 hls_cache_key_equal(const struct hls_cache_key *a,
	    const struct hls_cache_key *b);
/*
 * Copy the playlist of version KEY out of E into OUT (OUTSZ bytes, at
 * least HLS_CACHE_BODY_MAX): 0 with *LEN and *FIRST_START, or -1 when E
 * holds another version or is being written (build it instead).
 */
int	 hls_cache_get(const struct hls_cache_entry *e,
	    const struct hls_cache_key *key, char *out, size_t outsz,
	    size_t *len, uint64_t *first_start);
/*
 * Store the playlist BODY (LEN bytes) of version KEY in E: 0, or -1 when
 * it does not fit or another writer holds E (nothing written; the caller
 * serves its copy anyway).
 */
int	 hls_cache_put(struct hls_cache_entry *e,
	    const struct hls_cache_key *key, const char *body, size_t len,
	    uint64_t first_start);

#endif
