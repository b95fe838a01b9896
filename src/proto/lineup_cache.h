/*
 * lineup_cache.h - a worker's copy of the lineup (STATE_DIR/channels.json)
 * and of the playlists rendered from it.
 *
 * The lineup is parsed once per version of the file (its device, inode,
 * mtime and size: the source process renames a new file over the old),
 * not once per request; a snapshot is reference-counted, so a request
 * that holds one is never disturbed by a newer lineup.  /playlist.m3u is
 * rendered once per (base URL, group, lineup version, slot
 * configuration, guide present) and served from memory.
 */
#ifndef RINGCAST_LINEUP_CACHE_H
#define RINGCAST_LINEUP_CACHE_H

#include <stdatomic.h>
#include <stddef.h>

#include "channels_doc.h"

/* One version of the lineup. */
struct lineup_snap {
	atomic_int		 refs;
	struct channels_doc	 doc;
};

/* The current lineup of PATH, a reference taken for the caller (drop it
 * with lineup_snap_put): NULL with errno (ENOENT: no lineup yet; EINVAL:
 * the file is damaged and was logged). */
struct lineup_snap	*lineup_snap_get(const char *path);
void			 lineup_snap_put(struct lineup_snap *);

/* Rendered bytes, reference-counted (a response holds one). */
struct lineup_blob {
	atomic_int		 refs;
	size_t			 len;
	char			 data[];
};

/* The key a rendered playlist is valid for. */
struct playlist_key {
	const char		*base;		/* http://HOST */
	const char		*group;		/* NULL: every group */
	struct lineup_snap	*snap;		/* NULL: no lineup */
	unsigned long long	 slots;		/* state_cfg_fingerprint */
	int			 epg;		/* a guide is named */
};

/* The playlist cached under K, a reference taken, or NULL. */
struct lineup_blob	*lineup_playlist_find(const struct playlist_key *k);
/* Keep the LEN bytes at DATA under K (replacing the least recently
 * made entry): the new blob with a reference for the caller, or NULL
 * when out of memory. */
struct lineup_blob	*lineup_playlist_store(const struct playlist_key *k,
			    const char *data, size_t len);
void			 lineup_blob_put(void *blob);

#endif
