/*
 * test_lineup_cache.c - the workers' lineup and playlist cache
 * (src/proto/lineup_cache.c).
 *
 * What a user relies on: /playlist.m3u, /channels and /status show the
 * lineup the source process wrote last (a new file is seen at once, a
 * request never pays for parsing an unchanged one), a damaged file never
 * takes the last good lineup away, and a playlist rendered for one Host,
 * group, lineup or slot configuration is never served for another.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineup_cache.h"

#define DOC(name) "{\"version\":2,\"updated\":\"\",\"sources\":{},"	\
	"\"channels\":[{\"name\":\"" name "\",\"source\":\"a\","	\
	"\"title\":\"T\",\"tvg_id\":\"\",\"logo\":\"\",\"group\":\"\","	\
	"\"chno\":\"1\",\"kind\":\"ts\",\"ace_id\":\"\","		\
	"\"user_agent\":\"\",\"referrer\":\"\",\"enabled\":true,"	\
	"\"urls\":[\"http://h/x.ts\"],\"url_sources\":[\"a\"]}]}"

static char dir[] = "/tmp/test_lineup_cache.XXXXXX";
static char path[256];

/* Write TEXT to PATH as the source process does: a new file renamed. */
static void
put(const char *text)
{
	char tmp[300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	assert_non_null(f = fopen(tmp, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void
test_snapshots(void **state)
{
	struct lineup_snap *a, *b, *c;

	(void)state;
	errno = 0;
	assert_null(lineup_snap_get(path));
	assert_int_equal(errno, ENOENT);
	put(DOC("one"));
	assert_non_null(a = lineup_snap_get(path));
	assert_string_equal(a->doc.channels[0].name, "one");
	assert_non_null(b = lineup_snap_get(path));
	assert_ptr_equal(a, b);			/* not parsed again */
	lineup_snap_put(b);
	put(DOC("two"));
	assert_non_null(b = lineup_snap_get(path));
	assert_ptr_not_equal(a, b);
	assert_string_equal(b->doc.channels[0].name, "two");
	/* a holder of the old version still reads it */
	assert_string_equal(a->doc.channels[0].name, "one");
	lineup_snap_put(a);
	put("{\"version\":2, damaged");
	assert_non_null(c = lineup_snap_get(path));
	assert_ptr_equal(b, c);			/* the last good stays */
	lineup_snap_put(c);
	lineup_snap_put(b);
}

static void
test_playlists(void **state)
{
	struct playlist_key k = { .base = "http://a", .group = NULL,
	    .snap = NULL, .slots = 1, .epg = 0 };
	struct lineup_blob *x, *y;

	(void)state;
	assert_null(lineup_playlist_find(&k));
	assert_non_null(x = lineup_playlist_store(&k, "#EXTM3U\n", 8));
	assert_int_equal(x->len, 8);
	assert_non_null(y = lineup_playlist_find(&k));
	assert_ptr_equal(x, y);
	lineup_blob_put(y);
	k.base = "http://b";			/* another Host */
	assert_null(lineup_playlist_find(&k));
	k.base = "http://a";
	k.group = "News";			/* a group */
	assert_null(lineup_playlist_find(&k));
	k.group = NULL;
	k.slots = 2;				/* a slot changed */
	assert_null(lineup_playlist_find(&k));
	k.slots = 1;
	k.epg = 1;				/* the guide appeared */
	assert_null(lineup_playlist_find(&k));
	k.epg = 0;
	assert_non_null(y = lineup_playlist_store(&k, "#EXTM3U\nnew\n", 12));
	/* replaced for that key; the old blob lives while held */
	assert_ptr_equal(lineup_playlist_find(&k), y);
	lineup_blob_put(y);
	lineup_blob_put(y);
	assert_memory_equal(x->data, "#EXTM3U\n", 8);
	lineup_blob_put(x);
}

static void
test_playlist_per_lineup(void **state)
{
	struct playlist_key k = { .base = "http://a", .slots = 7 };
	struct lineup_blob *x;

	(void)state;
	put(DOC("three"));
	assert_non_null(k.snap = lineup_snap_get(path));
	assert_non_null(x = lineup_playlist_store(&k, "A", 1));
	lineup_blob_put(x);
	assert_non_null(x = lineup_playlist_find(&k));
	lineup_blob_put(x);
	lineup_snap_put(k.snap);
	put(DOC("four"));
	assert_non_null(k.snap = lineup_snap_get(path));
	assert_null(lineup_playlist_find(&k));	/* a new lineup */
	lineup_snap_put(k.snap);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/channels.json", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshots),
		cmocka_unit_test(test_playlists),
		cmocka_unit_test(test_playlist_per_lineup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
