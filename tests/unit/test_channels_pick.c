/*
 * test_channels_pick.c - per-source limits of the lineup
 * (src/proto/channels_pick.c).
 *
 * What a user relies on: a channel plays from the first of its URLs
 * whose source is below its max_streams, its backups are only URLs of
 * sources with room, a source without a limit (or unknown to the
 * configuration) never refuses, and the refusal names every full source
 * once with its limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "channels_pick.h"

/* A channel with URLs u0.. of the sources SRC (N of them). */
static struct channels_entry
chan(const char **src, size_t n)
{
	static const char *urls[] = { "http://u0", "http://u1", "http://u2",
	    "http://u3" };
	struct channels_entry c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.name = "news";
	c.enabled = 1;
	for (i = 0; i < n; i++) {
		c.urls[i] = urls[i];
		c.url_sources[i] = src[i];
	}
	c.n_urls = n;
	return c;
}

static void
test_first_url_with_room_plays(void **state)
{
	const char *src[] = { "a", "b", "a", "c" };
	struct channels_entry c = chan(src, 4);
	struct channels_room rooms[] = {
		{ "a", 0, 1 }, { "b", 5, 0 }, { "c", 2, 2 },
	};
	size_t pick[CHANNELS_MAX_URLS];

	(void)state;
	/* a has room: all but c's URL, in order */
	assert_int_equal(channels_pick(&c, rooms, 3, pick), 3);
	assert_int_equal(pick[0], 0);
	assert_int_equal(pick[1], 1);
	assert_int_equal(pick[2], 2);
	/* a full: b (no limit) plays, no backup of a or c */
	rooms[0].running = 1;
	assert_int_equal(channels_pick(&c, rooms, 3, pick), 1);
	assert_int_equal(pick[0], 1);
	/* c gets room: it is b's backup */
	rooms[2].running = 1;
	assert_int_equal(channels_pick(&c, rooms, 3, pick), 2);
	assert_int_equal(pick[0], 1);
	assert_int_equal(pick[1], 3);
}

static void
test_unknown_source_has_no_limit(void **state)
{
	const char *src[] = { "gone", "a" };
	struct channels_entry c = chan(src, 2);
	struct channels_room rooms[] = { { "a", 3, 3 } };
	size_t pick[CHANNELS_MAX_URLS];

	(void)state;
	assert_int_equal(channels_pick(&c, rooms, 1, pick), 1);
	assert_int_equal(pick[0], 0);
	assert_int_equal(channels_pick(&c, NULL, 0, pick), 2);
}

static void
test_no_room_anywhere_names_each_source_once(void **state)
{
	const char *src[] = { "a", "b", "a" };
	struct channels_entry c = chan(src, 3);
	struct channels_room rooms[] = { { "a", 1, 1 }, { "b", 4, 2 } };
	size_t pick[CHANNELS_MAX_URLS];
	char why[200], tiny[20];

	(void)state;
	assert_int_equal(channels_pick(&c, rooms, 2, pick), 0);
	channels_pick_refusal(&c, rooms, 2, why, sizeof(why));
	assert_string_equal(why, "channel news: every source of its URLs is "
	    "at its max_streams: a (1), b (2)");
	channels_pick_refusal(&c, rooms, 2, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_memory_equal(tiny, "channel news: every", sizeof(tiny) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_url_with_room_plays),
		cmocka_unit_test(test_unknown_source_has_no_limit),
		cmocka_unit_test(test_no_room_anywhere_names_each_source_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
