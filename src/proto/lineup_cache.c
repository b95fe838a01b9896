/*
 * lineup_cache.c - the worker's lineup and playlist cache
 * (lineup_cache.h).
 *
 * Why: a lineup of thousands of channels is a JSON file of megabytes;
 * parsing it on every /playlist.m3u, /channels, /lineup.json or /status
 * request made those routes cost milliseconds each, and media servers
 * and IPTV apps poll them.  A request now costs one stat() and, for the
 * playlist, one fingerprint of the slots; the bytes are rendered again
 * only when something they show changed.
 *
 * Process-wide by nature (one copy per worker process, shared by its
 * libmicrohttpd threads), so the state is static and under one mutex
 * each.  The snapshot and the rendered blobs are reference-counted:
 * responses and cache entries each hold a reference, and the last one
 * dropped frees.  A playlist entry holds a reference to the snapshot it
 * was rendered from, so the snapshot's address cannot be reused while
 * the entry compares against it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "lineup_cache.h"
#include "log.h"

#define PLAYLIST_ENTRIES	8	/* (base, group) pairs kept */
#define PLAYLIST_TEXT_MAX	512	/* base or group longer: not kept */

static struct {
	pthread_mutex_t		 lock;
	dev_t			 dev;
	ino_t			 ino;
	struct timespec		 mtim;
	off_t			 size;
	int			 bad;		/* that version is damaged */
	struct lineup_snap	*snap;
} lineup_cur = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct playlist_entry {
	char			 base[PLAYLIST_TEXT_MAX];
	char			 group[PLAYLIST_TEXT_MAX];
	int			 has_group;
	struct lineup_snap	*snap;		/* a reference, or NULL */
	unsigned long long	 slots;
	int			 epg;
	struct lineup_blob	*blob;		/* NULL: entry unused */
};

static struct {
	pthread_mutex_t		 lock;
	struct playlist_entry	 e[PLAYLIST_ENTRIES];
	unsigned		 next;		/* the entry replaced next */
} playlists = { .lock = PTHREAD_MUTEX_INITIALIZER };

void
lineup_snap_put(struct lineup_snap *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
		channels_doc_free(&s->doc);
		free(s);
	}
}

static int
lineup_same(const struct stat *sb)
{
	return (lineup_cur.snap != NULL || lineup_cur.bad) &&
	    lineup_cur.dev == sb->st_dev &&
	    lineup_cur.ino == sb->st_ino && lineup_cur.size == sb->st_size &&
	    lineup_cur.mtim.tv_sec == sb->st_mtim.tv_sec &&
	    lineup_cur.mtim.tv_nsec == sb->st_mtim.tv_nsec;
}

/* Remember SB as the version the current snapshot stands for. */
static void
lineup_mark(const struct stat *sb, int bad)
{
	lineup_cur.dev = sb->st_dev;
	lineup_cur.ino = sb->st_ino;
	lineup_cur.size = sb->st_size;
	lineup_cur.mtim = sb->st_mtim;
	lineup_cur.bad = bad;
}

/*
 * Parse PATH (as SB says it is) into the current snapshot.  A damaged
 * version is logged once and the last good snapshot stays current (a
 * source process never writes one; a person editing the file might).
 * 0, or -1 with errno when the file vanished or memory ran out.
 */
static int
lineup_load(const char *path, const struct stat *sb)
{
	struct lineup_snap *s;
	char err[256];

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if (channels_doc_load(path, &s->doc, err, sizeof(err)) == -1) {
		free(s);
		if (errno == ENOENT)
			return -1;
		log_warnx("lineup: %s; the last good lineup stays", err);
		lineup_mark(sb, 1);
		return 0;
	}
	atomic_init(&s->refs, 1);
	lineup_snap_put(lineup_cur.snap);
	lineup_cur.snap = s;
	lineup_mark(sb, 0);
	return 0;
}

struct lineup_snap *
lineup_snap_get(const char *path)
{
	struct lineup_snap *s = NULL;
	struct stat sb;
	int err = 0;

	if (stat(path, &sb) == -1)
		return NULL;
	pthread_mutex_lock(&lineup_cur.lock);
	if (!lineup_same(&sb) && lineup_load(path, &sb) == -1)
		err = errno;
	else if ((s = lineup_cur.snap) != NULL)
		atomic_fetch_add(&s->refs, 1);
	else
		err = EINVAL;		/* only damaged versions so far */
	pthread_mutex_unlock(&lineup_cur.lock);
	if (s == NULL)
		errno = err;
	return s;
}

void
lineup_blob_put(void *arg)
{
	struct lineup_blob *b = arg;

	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

static int
playlist_matches(const struct playlist_entry *e, const struct playlist_key *k)
{
	return e->blob != NULL && e->snap == k->snap && e->slots == k->slots &&
	    e->epg == k->epg && strcmp(e->base, k->base) == 0 &&
	    e->has_group == (k->group != NULL) &&
	    (k->group == NULL || strcmp(e->group, k->group) == 0);
}

struct lineup_blob *
lineup_playlist_find(const struct playlist_key *k)
{
	struct lineup_blob *b = NULL;
	unsigned i;

	pthread_mutex_lock(&playlists.lock);
	for (i = 0; i < PLAYLIST_ENTRIES && b == NULL; i++)
		if (playlist_matches(&playlists.e[i], k)) {
			b = playlists.e[i].blob;
			atomic_fetch_add(&b->refs, 1);
		}
	pthread_mutex_unlock(&playlists.lock);
	return b;
}

/* Fill E with K and B (a reference each, given to E). */
static void
playlist_entry_set(struct playlist_entry *e, const struct playlist_key *k,
    struct lineup_blob *b)
{
	lineup_blob_put(e->blob);
	lineup_snap_put(e->snap);
	memcpy(e->base, k->base, strlen(k->base) + 1);
	e->has_group = k->group != NULL;
	if (k->group != NULL)
		memcpy(e->group, k->group, strlen(k->group) + 1);
	e->snap = k->snap;
	if (e->snap != NULL)
		atomic_fetch_add(&e->snap->refs, 1);
	e->slots = k->slots;
	e->epg = k->epg;
	e->blob = b;
}

/* The entry to keep K in: the one with K's base and group, else the
 * next in turn. */
static struct playlist_entry *
playlist_slot_for(const struct playlist_key *k)
{
	struct playlist_entry *e;
	unsigned i;

	for (i = 0; i < PLAYLIST_ENTRIES; i++) {
		e = &playlists.e[i];
		if (e->blob != NULL && strcmp(e->base, k->base) == 0 &&
		    e->has_group == (k->group != NULL) &&
		    (k->group == NULL || strcmp(e->group, k->group) == 0))
			return e;
	}
	e = &playlists.e[playlists.next];
	playlists.next = (playlists.next + 1) % PLAYLIST_ENTRIES;
	return e;
}

struct lineup_blob *
lineup_playlist_store(const struct playlist_key *k, const char *data,
    size_t len)
{
	struct lineup_blob *b;

	if ((b = malloc(sizeof(*b) + len + 1)) == NULL)
		return NULL;
	atomic_init(&b->refs, 1);
	b->len = len;
	if (len > 0)
		memcpy(b->data, data, len);
	b->data[len] = '\0';
	if (strlen(k->base) >= PLAYLIST_TEXT_MAX || (k->group != NULL &&
	    strlen(k->group) >= PLAYLIST_TEXT_MAX))
		return b;		/* served, not kept */
	atomic_fetch_add(&b->refs, 1);	/* the entry's */
	pthread_mutex_lock(&playlists.lock);
	playlist_entry_set(playlist_slot_for(k), k, b);
	pthread_mutex_unlock(&playlists.lock);
	return b;
}
