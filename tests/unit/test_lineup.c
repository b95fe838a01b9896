/*
 * test_lineup.c - channels from providers' lists (src/parse/lineup.c):
 * names in URLs, filters, merging.
 *
 * What a user relies on: each channel gets a short URL-safe name
 * (/stream/cnn-us) that stays the same from one refresh to the next,
 * whatever script its title is in, and never collides with another's;
 * the groups and names an operator excludes stay out; the same channel
 * offered twice (by tvg-id, or by name when there is none), in one list
 * or several, is one channel whose other URLs are its backups, in the
 * order the lists give them.
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
#include "m3u_list.h"
#include "utf8.h"
#include "test_m3u_list.h"

struct scase {
	const char	*in, *want;
};

static void
test_slug(void **state)
{
	static const struct scase c[] = {
		{ "CNN International", "cnn-international" },
		{ "CNN.us", "cnn-us" },
		{ "Sky Sports 1 (HD)", "sky-sports-1-hd" },
		{ "TF1 S\xC3\xA9ries Films", "tf1-series-films" },
		{ "\xC3\x86ther \xC3\x9F \xC5\x92uvre \xC3\x9Eor",
		    "aether-ss-oeuvre-thor" },
		{ "\xC5\x81\xC3\xB3""d\xC5\xBA \xC3\x85se \xC3\x98stfold",
		    "lodz-ase-ostfold" },
		{ "\xD0\x9F\xD0\xB5\xD1\x80\xD0\xB2\xD1\x8B\xD0\xB9 \xD0\xBA"
		    "\xD0\xB0\xD0\xBD\xD0\xB0\xD0\xBB", "pervyy-kanal" },
		{ "\xD0\xA0\xD0\xBE\xD1\x81\xD1\x81\xD0\xB8\xD1\x8F 1",
		    "rossiya-1" },
		{ "\xD0\xA9\xD0\xA7 \xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0 "
		    "\xD0\x87\xD0\xAA\xD0\xAC", "shchch-elka-yi" },
		{ "2\xC3\x97""3", "2-3" },
		{ "__a__b__", "a_b" },
		{ "a - b", "a-b" },
		{ "a_-b", "a-b" },
		{ "a-_b", "a-b" },
		{ "BBC One_HD", "bbc-one_hd" },
		{ "\xFF\xFE""abc\xC3", "abc" },
		{ "   ", "" },
		{ "---", "" },
		{ "", "" },
		{ "\xE6\x97\xA5\xE6\x9C\xAC", "" },		/* 日本 */
		{ "\xF0\x9F\x93\xBA News \xF0\x9F\x93\xBA", "news" },
	};
	char out[LINEUP_NAME_MAX + 1];
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = lineup_slug(c[i].in, out, sizeof(out));
		if (strcmp(out, c[i].want) != 0 || n != strlen(c[i].want))
			fail_msg("'%s': '%s', want '%s'", c[i].in, out,
			    c[i].want);
	}
}

static void
test_slug_bounds(void **state)
{
	char out[LINEUP_NAME_MAX + 1], small[4];
	char in[300];

	memset(in, 'x', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(lineup_slug(in, out, sizeof(out)), LINEUP_SLUG_MAX);
	assert_int_equal(strlen(out), LINEUP_SLUG_MAX);
	/* a separator never ends the name, even when the cut falls on it */
	memset(in, 'y', sizeof(in));
	in[LINEUP_SLUG_MAX] = ' ';
	in[LINEUP_SLUG_MAX + 3] = '\0';
	assert_int_equal(lineup_slug(in, out, sizeof(out)), LINEUP_SLUG_MAX);
	assert_true(out[LINEUP_SLUG_MAX - 1] == 'y');
	in[LINEUP_SLUG_MAX - 1] = ' ';
	assert_int_equal(lineup_slug(in, out, sizeof(out)),
	    LINEUP_SLUG_MAX - 1);
	/* a two-letter transliteration cut in the middle */
	assert_int_equal(lineup_slug("ab\xC3\x9F", small, sizeof(small)), 3);
	assert_string_equal(small, "abs");
	assert_int_equal(lineup_slug("abc", small, 1), 0);
	assert_string_equal(small, "");
	assert_int_equal(lineup_slug("abc", small, 0), 0);
}

static void
test_filter(void **state)
{
	static const char *const no_adult[] = { "ADULT*", "xxx" };
	static const char *const news_sport[] = { "news", "sport[s]" };
	static const char *const bbc[] = { "BBC *" };
	static const char *const hd[] = { "* HD" };
	struct lineup_filter f = { 0 };

	assert_true(lineup_filter_pass(NULL, "Adult", "x"));
	assert_true(lineup_filter_pass(&f, "", ""));
	f.exclude_groups = no_adult;
	f.n_exclude_groups = 2;
	assert_false(lineup_filter_pass(&f, "adult", "A"));
	assert_false(lineup_filter_pass(&f, "Adult 18+", "A"));
	assert_false(lineup_filter_pass(&f, "XXX", "A"));
	assert_true(lineup_filter_pass(&f, "News", "A"));
	assert_true(lineup_filter_pass(&f, "", "A"));
	f.include_groups = news_sport;
	f.n_include_groups = 2;
	assert_true(lineup_filter_pass(&f, "NEWS", "A"));
	assert_true(lineup_filter_pass(&f, "Sports", "A"));
	assert_false(lineup_filter_pass(&f, "Movies", "A"));
	assert_false(lineup_filter_pass(&f, "", "A"));
	f.include_names = bbc;
	f.n_include_names = 1;
	f.exclude_names = hd;
	f.n_exclude_names = 1;
	assert_true(lineup_filter_pass(&f, "news", "bbc News"));
	assert_false(lineup_filter_pass(&f, "news", "BBC News HD"));
	assert_false(lineup_filter_pass(&f, "news", "CNN"));
	/* '/' is an ordinary character in names and groups */
	f = (struct lineup_filter){ 0 };
	f.include_groups = (const char *const[]){ "US*" };
	f.n_include_groups = 1;
	assert_true(lineup_filter_pass(&f, "US | News / Live", "A"));
}

static const char second_list[] =
    "#EXTM3U\n"
    "#EXTINF:-1 tvg-id=\"cnn.US\" tvg-logo=\"http://l2/cnn.png\",CNN Backup\n"
    "http://b2.example/cnn.ts\n"
    "#EXTINF:-1,VH1 Classic!\n"
    "http://b2.example/vh1.ts\n"
    "#EXTINF:-1 tvg-id=\"new.id\" tvg-chno=\"9\",Brand New\n"
    "http://b2.example/new.ts\n"
    "#EXTINF:-1,CNN International\n"
    "http://b2.example/cnn-by-name.ts\n"
    "#EXTINF:-1 group-title=\"adult\",Hidden\n"
    "http://b2.example/hidden.ts\n";

static const struct lineup_channel *
channel_named(const struct lineup *lu, const char *name)
{
	size_t i;

	for (i = 0; i < lu->n; i++)
		if (strcmp(lu->channels[i].name, name) == 0)
			return &lu->channels[i];
	fail_msg("no channel named '%s'", name);
	return NULL;
}

static void
test_merge_sample(void **state)
{
	static const char *const no_adult[] = { "ADULT" };
	struct lineup_filter f = { .exclude_groups = no_adult,
	    .n_exclude_groups = 1 };
	const struct lineup_filter *filters[2] = { &f, &f };
	struct m3u_list l1, l2;
	const struct m3u_list *lists[2] = { &l1, &l2 };
	const struct lineup_channel *c;
	struct lineup lu;
	size_t i, nsrc = 0;

	parse_ok(sample_list, LIST_URL, &l1);
	parse_ok(second_list, LIST_URL, &l2);
	assert_int_equal(lineup_merge(lists, filters, 2, &lu), 0);
	/* 27 entries kept of the sample: CNN and VH1 Classic twice each;
	 * then CNN, VH1 Classic joined, Brand New and "CNN International"
	 * (no tvg-id: by name, not the tvg-id channel) added */
	assert_int_equal(lu.n, 25 + 2);
	for (i = 0; i < lu.n; i++)
		nsrc += lu.channels[i].nsources;
	assert_int_equal(nsrc, 27 + 4);
	c = &lu.channels[0];
	assert_string_equal(c->name, "cnn-us");
	assert_string_equal(c->title, "CNN International");
	assert_string_equal(c->tvg_id, "CNN.us");
	assert_string_equal(c->logo, "http://logos.example/cnn.png");
	assert_string_equal(c->chno, "101");
	assert_int_equal(c->chno_num, 101);
	assert_string_equal(c->group, "News");
	assert_int_equal(c->nsources, 3);
	assert_string_equal(c->sources[0]->url,
	    "http://provider.example/live/user/pass/101.ts");
	assert_string_equal(c->sources[1]->url,
	    "http://backup.example/cnn/index.m3u8");
	assert_string_equal(c->sources[2]->url, "http://b2.example/cnn.ts");
	c = channel_named(&lu, "vh1-classic");
	assert_int_equal(c->nsources, 3);
	assert_string_equal(c->sources[1]->url, "http://mirror.example/vh1.ts");
	assert_string_equal(c->sources[2]->url, "http://b2.example/vh1.ts");
	assert_string_equal(channel_named(&lu, "bbcnews-uk")->title,
	    "BBC News");
	assert_string_equal(channel_named(&lu, "sky-sports-main-event")->
	    sources[0]->ace_id, ACE_A);
	channel_named(&lu, "perviy-ru");
	channel_named(&lu, "rossiya-1");
	channel_named(&lu, "tf1-fr");
	channel_named(&lu, "local-relative");
	c = channel_named(&lu, "cnn-international");
	assert_int_equal(c->nsources, 1);
	assert_string_equal(c->sources[0]->url,
	    "http://b2.example/cnn-by-name.ts");
	c = channel_named(&lu, "new-id");
	assert_string_equal(c->chno, "9");
	assert_int_equal(c->chno_num, 9);
	for (i = 0; i < lu.n; i++)
		assert_true(strncmp(lu.channels[i].name, "xxx", 3) != 0 &&
		    strcmp(lu.channels[i].title, "Hidden") != 0);
	lineup_free(&lu);
	lineup_free(&lu);
	m3u_list_free(&l1);
	m3u_list_free(&l2);
}

/* No filter at all; the same lists give the same lineup. */
static void
test_merge_deterministic(void **state)
{
	struct m3u_list l1, l2;
	const struct m3u_list *lists[2] = { &l1, &l2 };
	struct lineup a, b;
	size_t i;

	parse_ok(sample_list, LIST_URL, &l1);
	parse_ok(second_list, LIST_URL, &l2);
	assert_int_equal(lineup_merge(lists, NULL, 2, &a), 0);
	assert_int_equal(lineup_merge(lists, NULL, 2, &b), 0);
	assert_int_equal(a.n, 25 + 2 + 2 + 1);	/* adult ones too */
	assert_int_equal(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		assert_string_equal(a.channels[i].name, b.channels[i].name);
		assert_int_equal(a.channels[i].nsources,
		    b.channels[i].nsources);
	}
	channel_named(&a, "xxx1");
	channel_named(&a, "hidden");
	lineup_free(&a);
	lineup_free(&b);
	/* the lists the other way round: the second's entries first */
	lists[0] = &l2;
	lists[1] = &l1;
	assert_int_equal(lineup_merge(lists, NULL, 2, &a), 0);
	assert_string_equal(a.channels[0].name, "cnn-us");
	assert_string_equal(a.channels[0].title, "CNN Backup");
	assert_string_equal(a.channels[0].logo, "http://l2/cnn.png");
	assert_string_equal(a.channels[0].chno, "101");
	lineup_free(&a);
	assert_int_equal(lineup_merge(NULL, NULL, 0, &a), 0);
	assert_int_equal(a.n, 0);
	lineup_free(&a);
	m3u_list_free(&l1);
	m3u_list_free(&l2);
}

/* Colliding names get -2, -3, ... in channel order; a title with nothing
 * URL-safe in it gives "ch-" and a hash of it, the same wherever the
 * channel is in the list. */
static void
test_names_unique(void **state)
{
	static const char list[] =
	    "#EXTM3U\n"
	    "#EXTINF:-1 tvg-id=\"news\",A\nhttp://h/1.ts\n"
	    "#EXTINF:-1 tvg-id=\"News!\",B\nhttp://h/2.ts\n"
	    "#EXTINF:-1 tvg-id=\"news-2\",C\nhttp://h/3.ts\n"
	    "#EXTINF:-1 tvg-id=\"NEWS?\",D\nhttp://h/4.ts\n"
	    "#EXTINF:-1,\xE6\x97\xA5\xE6\x9C\xAC\nhttp://h/5.ts\n"
	    "#EXTINF:-1,!!!\nhttp://h/6.ts\n"
	    "#EXTINF:-1,!!!\nhttp://h/7.ts\n"
	    "#EXTINF:-1 tvg-id=\"ch-2d53a722\",E\nhttp://h/8.ts\n";
	struct m3u_list l;
	const struct m3u_list *lists[1] = { &l };
	struct lineup lu;

	parse_ok(list, NULL, &l);
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_int_equal(lu.n, 8);
	assert_string_equal(lu.channels[0].name, "news");
	assert_string_equal(lu.channels[1].name, "news-2");
	assert_string_equal(lu.channels[2].name, "news-2-2");
	assert_string_equal(lu.channels[3].name, "news-3");
	/* 日本, then !!! twice */
	assert_string_equal(lu.channels[4].name, "ch-9f26ee51");
	assert_string_equal(lu.channels[5].name, "ch-2d53a722");
	assert_string_equal(lu.channels[6].name, "ch-2d53a722-2");
	assert_string_equal(lu.channels[7].name, "ch-2d53a722-3");
	lineup_free(&lu);
	/* without the channels before it, 日本 keeps its name */
	l.entries += 4;
	l.n -= 4;
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_string_equal(lu.channels[0].name, "ch-9f26ee51");
	lineup_free(&lu);
	l.entries -= 4;
	l.n += 4;
	m3u_list_free(&l);
}

/* A later source fills what the first lacks. */
static void
test_metadata_from_backups(void **state)
{
	static const char list[] =
	    "#EXTM3U\n"
	    "#EXTINF:-1 tvg-id=\"x\",First\nhttp://h/1.ts\n"
	    "#EXTINF:-1 tvg-id=\"X\" tvg-logo=\"http://l/x.png\" tvg-chno=\"4\""
	    " group-title=\"G\",Second\nhttp://h/2.ts\n";
	struct m3u_list l;
	const struct m3u_list *lists[1] = { &l };
	struct lineup lu;

	parse_ok(list, NULL, &l);
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_int_equal(lu.n, 1);
	assert_string_equal(lu.channels[0].title, "First");
	assert_string_equal(lu.channels[0].logo, "http://l/x.png");
	assert_string_equal(lu.channels[0].group, "G");
	assert_int_equal(lu.channels[0].chno_num, 4);
	lineup_free(&lu);
	m3u_list_free(&l);
}

/* 100000 channels called "news": every name unique, and quickly. */
static void
test_many_collisions(void **state)
{
	struct m3u_list l;
	const struct m3u_list *lists[1] = { &l };
	struct lineup lu;
	size_t i, len = 0, cap = (size_t)M3U_LIST_MAX_ENTRIES * 48 + 16;
	char *text = malloc(cap);

	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "#EXTM3U\n");
	for (i = 0; i < M3U_LIST_MAX_ENTRIES; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "#EXTINF:-1 tvg-id=\"n%zu\",News\nhttp://h/%zu\n",
		    i % 2 ? i : 0, i);
	parse_ok(text, NULL, &l);
	free(text);
	/* even entries share the tvg-id n0: one channel */
	for (i = 0; i < l.n; i++)
		if (i % 2)
			l.entries[i].tvg_id = "";
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	/* n0 and, by name, "News" (all the odd ones): two channels */
	assert_int_equal(lu.n, 2);
	assert_int_equal(lu.channels[0].nsources, M3U_LIST_MAX_ENTRIES / 2);
	lineup_free(&lu);
	for (i = 0; i < l.n; i++)
		l.entries[i].name = i % 3 ? "News" : "news!";
	for (i = 0; i < l.n; i++)
		l.entries[i].tvg_id = "";
	/* names differ only by case and punctuation: still one channel */
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_int_equal(lu.n, 1);
	lineup_free(&lu);
	m3u_list_free(&l);
}

/* Distinct channels whose names all come out "news". */
static void
test_many_same_names(void **state)
{
	struct m3u_entry *e;
	struct m3u_list l = { 0 };
	const struct m3u_list *lists[1] = { &l };
	struct lineup lu;
	char (*ids)[16];
	size_t i, n = M3U_LIST_MAX_ENTRIES;

	assert_non_null(e = calloc(n, sizeof(*e)));
	assert_non_null(ids = calloc(n, sizeof(*ids)));
	for (i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%zu", i);
		e[i].name = "News";
		e[i].tvg_id = ids[i];
		e[i].url = "http://h/x";
		e[i].tvg_name = e[i].logo = e[i].chno = e[i].group = "";
		e[i].user_agent = e[i].referrer = e[i].ace_id = "";
		e[i].chno_num = -1;
	}
	l.entries = e;
	l.n = n;
	/* tvg-ids "0".."99999" slug to themselves: all distinct */
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_int_equal(lu.n, n);
	assert_string_equal(lu.channels[n - 1].name, "99999");
	lineup_free(&lu);
	/* tvg-ids of punctuation only ("#" and i's digits as "!?.,;:'~()"):
	 * distinct channels, named from their title, all "news" */
	for (i = 0; i < n; i++) {
		size_t k;

		snprintf(ids[i], sizeof(ids[i]), "#%zu", i);
		for (k = 1; ids[i][k] != '\0'; k++)
			ids[i][k] = "!?.,;:'~()"[ids[i][k] - '0'];
	}
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_int_equal(lu.n, n);
	assert_string_equal(lu.channels[0].name, "news");
	assert_string_equal(lu.channels[1].name, "news-2");
	assert_string_equal(lu.channels[n - 1].name, "news-100000");
	lineup_free(&lu);
	free(ids);
	free(e);
}

/* The guide's map: each entry's tvg-id to its channel's playlist id,
 * once; a channel without tvg-id has no line (no guide to match). */
static void
test_xmltv_map(void **state)
{
	const struct m3u_list *lists[2];
	struct m3u_list l1, l2;
	struct xmltv_map *map;
	struct lineup lu;
	size_t n;

	(void)state;
	parse_ok("#EXTM3U\n"
	    "#EXTINF:-1 tvg-id=\"News.tv\",News\nhttp://a/n.ts\n"
	    "#EXTINF:-1,Plain\nhttp://a/p.ts\n"
	    "#EXTINF:-1 tvg-id=\"sport.tv\",Sport\nhttp://a/s.ts\n"
	    "#EXTINF:-1 tvg-id=\"sport.tv\",Sport 2\nhttp://a/s2.ts\n",
	    LIST_URL, &l1);
	parse_ok("#EXTM3U\n"
	    "#EXTINF:-1 tvg-id=\"news.tv\",News B\nhttp://b/n.ts\n",
	    LIST_URL, &l2);
	lists[0] = &l1;
	lists[1] = &l2;
	assert_int_equal(lineup_merge(lists, NULL, 2, &lu), 0);
	assert_int_equal(lineup_xmltv_map(&lu, &map, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(map[0].from, "News.tv");
	assert_string_equal(map[0].to, "News.tv");
	assert_string_equal(map[0].name, "News");
	assert_string_equal(map[1].from, "news.tv");	/* the second list's */
	assert_string_equal(map[1].to, "News.tv");
	assert_string_equal(map[2].from, "sport.tv");
	assert_string_equal(map[2].to, "sport.tv");
	free(map);
	lineup_free(&lu);
	assert_int_equal(lineup_merge(NULL, NULL, 0, &lu), 0);
	assert_int_equal(lineup_xmltv_map(&lu, &map, &n), 0);
	assert_int_equal(n, 0);
	free(map);
	lineup_free(&lu);
	m3u_list_free(&l1);
	m3u_list_free(&l2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xmltv_map),
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_slug_bounds),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_merge_sample),
		cmocka_unit_test(test_merge_deterministic),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_metadata_from_backups),
		cmocka_unit_test(test_many_collisions),
		cmocka_unit_test(test_many_same_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
