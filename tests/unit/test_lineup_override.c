/*
 * test_lineup_override.c - `channels` overrides on a lineup
 * (src/parse/lineup_override.c).
 *
 * What a user relies on: an override finds its channel by tvg-id, else
 * by URL name or title, in any case; it sets the name, number, group,
 * logo and enabled flag; the name it gives wins and stays unique, and
 * no other channel's name moves but the one it took the name of.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lineup.h"
#include "lineup_override.h"
#include "m3u_list.h"
#include "utf8.h"
#include "test_m3u_list.h"

static const char sample[] =
    "#EXTM3U\n"
    "#EXTINF:-1 tvg-id=\"BBC1.uk\" group-title=\"UK\",BBC One\n"
    "http://h/1.ts\n"
    "#EXTINF:-1 group-title=\"News\",News\nhttp://h/2.ts\n"
    "#EXTINF:-1 group-title=\"News\",News 2\nhttp://h/3.ts\n"
    "#EXTINF:-1 tvg-logo=\"http://l/s.png\",Sport Max\nhttp://h/4.ts\n"
    "#EXTINF:-1,Music\nhttp://h/5.ts\n";

static void
merge(const char *text, struct m3u_list *l, struct lineup *lu)
{
	const struct m3u_list *lists[1] = { l };

	parse_ok(text, NULL, l);
	assert_int_equal(lineup_merge(lists, NULL, 1, lu), 0);
}

static struct channel_override
ovr(const char *match, const char *name, const char *number)
{
	struct channel_override o;

	memset(&o, 0, sizeof(o));
	o.match = (char *)match;
	o.name = (char *)name;
	o.number = (char *)number;
	o.enabled = -1;
	return o;
}

/* tvg-id, URL name and title, in any case; every field set. */
static void
test_override_fields(void **state)
{
	struct channel_override o[3];
	struct m3u_list l;
	struct lineup lu;
	const struct lineup_channel *c;

	(void)state;
	merge(sample, &l, &lu);
	assert_string_equal(lu.channels[3].name, "sport-max");
	o[0] = ovr("bbc1.UK", "bbc-one", "101");
	o[0].group = "Favourites";
	o[0].logo = "http://logo/bbc.png";
	o[1] = ovr("SPORT-MAX", NULL, NULL);
	o[1].enabled = 0;
	o[2] = ovr("music", NULL, "7.1");
	assert_int_equal(lineup_override(&lu, o, 3), 3);
	c = &lu.channels[0];
	assert_string_equal(c->name, "bbc-one");
	assert_string_equal(c->merged_name, "bbc1-uk");
	assert_string_equal(c->number, "101");
	assert_string_equal(c->group, "Favourites");
	assert_string_equal(c->logo, "http://logo/bbc.png");
	assert_int_equal(c->enabled, 1);
	c = &lu.channels[3];
	assert_string_equal(c->name, "sport-max");
	assert_int_equal(c->enabled, 0);
	assert_string_equal(c->logo, "http://l/s.png");
	assert_string_equal(c->number, "");
	assert_string_equal(lu.channels[4].number, "7.1");
	assert_int_equal(lu.channels[4].enabled, 1);
	assert_string_equal(lu.channels[1].group, "News");
	lineup_free(&lu);
	m3u_list_free(&l);
}

/* A title matches when neither a tvg-id nor a name does; a match that
 * finds nothing changes nothing; a channel is picked once. */
static void
test_override_match_order(void **state)
{
	struct channel_override o[4];
	struct m3u_list l;
	struct lineup lu;

	(void)state;
	merge(sample, &l, &lu);
	o[0] = ovr("BBC ONE", NULL, "1");	/* its title */
	o[1] = ovr("bbc1.uk", NULL, "2");	/* already picked */
	o[2] = ovr("nothing here", "gone", "3");
	o[3] = ovr("news 2", NULL, "4");	/* the title "News 2" */
	assert_int_equal(lineup_override(&lu, o, 4), 2);
	assert_string_equal(lu.channels[0].number, "1");
	assert_string_equal(lu.channels[2].number, "4");
	assert_string_equal(lu.channels[2].name, "news-2");
	assert_string_equal(lu.channels[1].number, "");
	lineup_free(&lu);
	m3u_list_free(&l);
}

/* The override's name wins; the channel it took it from gets the first
 * free "-N"; the others keep theirs. */
static void
test_override_name_collision(void **state)
{
	struct channel_override o[2];
	struct m3u_list l;
	struct lineup lu;

	(void)state;
	merge(sample, &l, &lu);
	assert_string_equal(lu.channels[1].name, "news");
	assert_string_equal(lu.channels[2].name, "news-2");
	o[0] = ovr("music", "news", NULL);
	assert_int_equal(lineup_override(&lu, o, 1), 1);
	assert_string_equal(lu.channels[4].name, "news");
	assert_string_equal(lu.channels[1].name, "news-3");
	assert_string_equal(lu.channels[2].name, "news-2");
	assert_string_equal(lu.channels[0].name, "bbc1-uk");
	lineup_free(&lu);
	m3u_list_free(&l);

	/* two overrides give one name: the first channel keeps it */
	merge(sample, &l, &lu);
	o[0] = ovr("music", "tv", NULL);
	o[1] = ovr("bbc1.uk", "tv", NULL);
	assert_int_equal(lineup_override(&lu, o, 2), 2);
	assert_string_equal(lu.channels[0].name, "tv");
	assert_string_equal(lu.channels[4].name, "tv-2");
	lineup_free(&lu);
	m3u_list_free(&l);

	/* renamed to its own name, or swapping two names */
	merge(sample, &l, &lu);
	o[0] = ovr("news", "news-2", NULL);
	o[1] = ovr("news 2", "news", NULL);
	assert_int_equal(lineup_override(&lu, o, 2), 2);
	assert_string_equal(lu.channels[1].name, "news-2");
	assert_string_equal(lu.channels[2].name, "news");
	lineup_free(&lu);
	m3u_list_free(&l);
}

/* A long merged name that loses it is cut so that "-N" fits. */
static void
test_override_long_name(void **state)
{
	char text[512], want[LINEUP_NAME_MAX + 1], longname[LINEUP_SLUG_MAX + 1];
	struct channel_override o[1];
	struct m3u_list l;
	struct lineup lu;

	(void)state;
	memset(longname, 'a', LINEUP_SLUG_MAX);
	longname[LINEUP_SLUG_MAX] = '\0';
	snprintf(text, sizeof(text), "#EXTM3U\n#EXTINF:-1 tvg-id=\"%s\",A\n"
	    "http://h/1\n#EXTINF:-1 tvg-id=\"%s!\",B\nhttp://h/2\n"
	    "#EXTINF:-1,X\nhttp://h/3\n",
	    longname, longname);
	merge(text, &l, &lu);
	snprintf(want, sizeof(want), "%s-2", longname);
	assert_string_equal(lu.channels[1].name, want);
	o[0] = ovr("x", want, NULL);
	assert_int_equal(lineup_override(&lu, o, 1), 1);
	assert_string_equal(lu.channels[2].name, want);
	snprintf(want, sizeof(want), "%s-3", longname);
	assert_string_equal(lu.channels[1].name, want);
	assert_true(strlen(lu.channels[1].name) <= LINEUP_NAME_MAX);
	lineup_free(&lu);
	m3u_list_free(&l);
}

/* The guide map leaves a disabled channel out. */
static void
test_override_disabled_not_in_guide(void **state)
{
	struct channel_override o[1];
	struct xmltv_map *map;
	struct m3u_list l;
	struct lineup lu;
	size_t n;

	(void)state;
	merge(sample, &l, &lu);
	assert_int_equal(lineup_xmltv_map(&lu, &map, &n), 0);
	assert_int_equal(n, 1);
	free(map);
	o[0] = ovr("bbc1.uk", NULL, NULL);
	o[0].enabled = 0;
	assert_int_equal(lineup_override(&lu, o, 1), 1);
	assert_int_equal(lineup_xmltv_map(&lu, &map, &n), 0);
	assert_int_equal(n, 0);
	free(map);
	lineup_free(&lu);
	m3u_list_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_override_fields),
		cmocka_unit_test(test_override_match_order),
		cmocka_unit_test(test_override_name_collision),
		cmocka_unit_test(test_override_long_name),
		cmocka_unit_test(test_override_disabled_not_in_guide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
