/*
 * test_lineup_numbers.c - channel numbers that stay
 * (src/parse/lineup_numbers.c).
 *
 * What a user relies on: every channel has a number; an override's or a
 * tvg-chno that is a GuideNumber is kept; the others get whole numbers
 * after the highest in use (never a configured stream's), and keep them
 * across refreshes and restarts (numbers.json), when the list is
 * reordered or gains a channel on top, and when a channel leaves and
 * comes back; a damaged numbers.json is refused whole.
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
#include "lineup_numbers.h"
#include "lineup_override.h"
#include "m3u_list.h"
#include "utf8.h"
#include "test_m3u_list.h"

/* A lineup of TEXT (a list) into LU, numbered with M and TAKEN. */
static void
numbered(const char *text, struct m3u_list *l, struct lineup *lu,
    struct lineup_numbers *m, const char *const *taken, size_t ntaken)
{
	const struct m3u_list *lists[1] = { l };

	parse_ok(text, NULL, l);
	assert_int_equal(lineup_merge(lists, NULL, 1, lu), 0);
	assert_int_equal(lineup_numbers_assign(lu, taken, ntaken, m), 0);
}

static void
done(struct m3u_list *l, struct lineup *lu)
{
	lineup_free(lu);
	m3u_list_free(l);
}

/* The number of the channel called NAME in LU. */
static const char *
num_of(const struct lineup *lu, const char *name)
{
	size_t i;

	for (i = 0; i < lu->n; i++)
		if (strcmp(lu->channels[i].name, name) == 0)
			return lu->channels[i].number;
	fail_msg("no channel %s", name);
	return NULL;
}

/* M through numbers.json and back. */
static void
round_trip(struct lineup_numbers *m)
{
	struct lineup_numbers back;
	struct buf b;
	char err[256];

	buf_init(&b);
	assert_int_equal(lineup_numbers_build(&b, m), 0);
	assert_int_equal(lineup_numbers_parse(b.data, b.len, &back, err,
	    sizeof(err)), 0);
	buf_free(&b);
	lineup_numbers_free(m);
	*m = back;
}

static void
test_number_valid(void **state)
{
	static const char *const good[] = { "7", "10", "5.1", "012", "999999",
	    "2.10" };
	static const char *const bad[] = { "", ".", "5.", ".1", "5.1.2", "a",
	    "7a", " 7", "-1", "1e3", "1234567", "1.1234567", "K1" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(lineup_number_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(lineup_number_valid(bad[i]));
}

static const char list1[] =
    "#EXTM3U\n"
    "#EXTINF:-1 tvg-chno=\"12\",Docs\nhttp://h/1\n"
    "#EXTINF:-1,Music\nhttp://h/2\n"
    "#EXTINF:-1 tvg-chno=\"K1\",Kids\nhttp://h/3\n"
    "#EXTINF:-1 tvg-id=\"News.us\",News\nhttp://h/4\n"
    "#EXTINF:-1 tvg-chno=\"5.1\",Sub\nhttp://h/5\n";

/* tvg-chno kept when a GuideNumber; the others after the highest in
 * use, configured streams' numbers and remembered ones included. */
static void
test_numbers_given(void **state)
{
	static const char *const taken[] = { "1", "20.1", "3" };
	struct lineup_numbers m = { 0 };
	struct m3u_list l;
	struct lineup lu;

	(void)state;
	numbered(list1, &l, &lu, &m, taken, 3);
	assert_string_equal(num_of(&lu, "docs"), "12");
	assert_string_equal(num_of(&lu, "music"), "21");
	assert_string_equal(num_of(&lu, "kids"), "22");
	assert_string_equal(num_of(&lu, "news-us"), "23");
	assert_string_equal(num_of(&lu, "sub"), "5.1");
	assert_int_equal(m.n, 3);
	assert_true(m.highest == 23);
	assert_string_equal(m.v[0].key, "n:music");
	assert_string_equal(m.v[2].key, "i:news.us");
	done(&l, &lu);

	/* the same list again: the same numbers, nothing new given */
	round_trip(&m);
	numbered(list1, &l, &lu, &m, NULL, 0);
	assert_string_equal(num_of(&lu, "music"), "21");
	assert_string_equal(num_of(&lu, "kids"), "22");
	assert_string_equal(num_of(&lu, "news-us"), "23");
	assert_int_equal(m.n, 3);
	assert_true(m.highest == 23);
	done(&l, &lu);
	lineup_numbers_free(&m);
}

/* Reordered, a new channel on top, one gone and back: old numbers stay,
 * the new channel gets the next. */
static void
test_numbers_stay(void **state)
{
	static const char reordered[] =
	    "#EXTM3U\n"
	    "#EXTINF:-1,Fresh\nhttp://h/9\n"
	    "#EXTINF:-1 tvg-id=\"NEWS.US\",News Renamed\nhttp://h/4\n"
	    "#EXTINF:-1,Music\nhttp://h/2\n";
	struct lineup_numbers m = { 0 };
	struct m3u_list l;
	struct lineup lu;

	(void)state;
	numbered(list1, &l, &lu, &m, NULL, 0);
	assert_string_equal(num_of(&lu, "music"), "13");
	assert_string_equal(num_of(&lu, "kids"), "14");
	assert_string_equal(num_of(&lu, "news-us"), "15");
	done(&l, &lu);
	round_trip(&m);
	numbered(reordered, &l, &lu, &m, NULL, 0);
	assert_string_equal(num_of(&lu, "fresh"), "16");
	assert_string_equal(num_of(&lu, "news-us"), "15");
	assert_string_equal(num_of(&lu, "music"), "13");
	/* the lineup's channels first, then the one gone */
	assert_int_equal(m.n, 4);
	assert_string_equal(m.v[0].key, "n:fresh");
	assert_string_equal(m.v[3].key, "n:kids");
	done(&l, &lu);
	round_trip(&m);
	numbered(list1, &l, &lu, &m, NULL, 0);
	assert_string_equal(num_of(&lu, "kids"), "14");
	assert_string_equal(num_of(&lu, "docs"), "12");
	done(&l, &lu);
	lineup_numbers_free(&m);
}

/* A remembered number that a configured stream or an override took is
 * given up; renaming by an override keeps the number. */
static void
test_numbers_taken_later(void **state)
{
	static const char *const taken[] = { "13" };
	const struct m3u_list *lists[1];
	struct lineup_numbers m = { 0 };
	struct channel_override o;
	struct m3u_list l;
	struct lineup lu;

	(void)state;
	numbered(list1, &l, &lu, &m, NULL, 0);
	assert_string_equal(num_of(&lu, "music"), "13");
	done(&l, &lu);
	numbered(list1, &l, &lu, &m, taken, 1);
	assert_string_equal(num_of(&lu, "music"), "16");
	assert_string_equal(num_of(&lu, "kids"), "14");
	done(&l, &lu);

	memset(&o, 0, sizeof(o));
	o.match = "docs";
	o.number = "14";
	o.enabled = -1;
	parse_ok(list1, NULL, &l);
	lists[0] = &l;
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_int_equal(lineup_override(&lu, &o, 1), 1);
	assert_int_equal(lineup_numbers_assign(&lu, NULL, 0, &m), 0);
	assert_string_equal(num_of(&lu, "docs"), "14");
	assert_string_equal(num_of(&lu, "kids"), "17");
	assert_string_equal(num_of(&lu, "music"), "16");
	done(&l, &lu);

	o.name = "tunes";
	o.match = "music";
	o.number = NULL;
	parse_ok(list1, NULL, &l);
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_int_equal(lineup_override(&lu, &o, 1), 1);
	assert_int_equal(lineup_numbers_assign(&lu, NULL, 0, &m), 0);
	assert_string_equal(num_of(&lu, "tunes"), "16");
	done(&l, &lu);
	lineup_numbers_free(&m);
}

/* Damaged documents are refused whole. */
static void
test_numbers_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"version\":2,\"highest\":1,\"channels\":[]}",
		"{\"version\":1,\"channels\":[]}",
		"{\"version\":1,\"highest\":-1,\"channels\":[]}",
		"{\"version\":1,\"highest\":1,\"channels\":{}}",
		"{\"version\":1,\"highest\":1,\"channels\":[{\"name\":\"a\"}]}",
		"{\"version\":1,\"highest\":1,\"channels\":[{\"name\":\"a\","
		    "\"number\":0}]}",
		"{\"version\":1,\"highest\":1,\"channels\":[{\"name\":\"a\","
		    "\"number\":\"3\"}]}",
		"{\"version\":1,\"highest\":1,\"channels\":[{\"name\":\"\","
		    "\"number\":3}]}",
		"{\"version\":1,\"highest\":1,\"channels\":[{\"name\":\"a\","
		    "\"tvg_id\":\"b\",\"number\":3}]}",
		"{\"version\":1,\"highest\":1,\"channels\":[{\"name\":\"a\","
		    "\"number\":3},{\"name\":\"b\",\"number\":3}]}",
		"{\"version\":1,\"highest\":1,\"channels\":[{\"tvg_id\":\"a\","
		    "\"number\":3},{\"tvg_id\":\"A\",\"number\":4}]}",
		"{\"version\":1,\"highest\":1,\"channels\":[{\"name\":\"a\","
		    "\"number\":99999999999999}]}",
		"{\"version\":1,\"highest\":1,\"chan",
	};
	static const char good[] =
	    "{\"version\":1,\"highest\":5,\"channels\":[{\"tvg_id\":\"BBC\","
	    "\"number\":9},{\"name\":\"bbc\",\"number\":4}]}\n";
	struct lineup_numbers m;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(lineup_numbers_parse(bad[i], strlen(bad[i]),
		    &m, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_int_equal(m.n, 0);
	}
	assert_int_equal(lineup_numbers_parse(good, strlen(good), &m, err,
	    sizeof(err)), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.v[0].key, "i:bbc");
	assert_string_equal(m.v[1].key, "n:bbc");
	assert_true(m.highest == 9);	/* at least every number */
	lineup_numbers_free(&m);
}

/* The map is bounded: the channels gone longest are forgotten first. */
static void
test_numbers_bounded(void **state)
{
	struct lineup_numbers m = { 0 };
	struct m3u_list l;
	struct lineup lu;
	char key[32];
	size_t i;

	(void)state;
	m.v = calloc(LINEUP_NUMBERS_MAX, sizeof(*m.v));
	assert_non_null(m.v);
	for (i = 0; i < LINEUP_NUMBERS_MAX; i++) {
		snprintf(key, sizeof(key), "n:old%zu", i);
		m.v[i].key = strdup(key);
		assert_non_null(m.v[i].key);
		m.v[i].number = 100 + i;
	}
	m.n = LINEUP_NUMBERS_MAX;
	m.highest = 100 + LINEUP_NUMBERS_MAX - 1;
	numbered(list1, &l, &lu, &m, NULL, 0);
	assert_int_equal(m.n, LINEUP_NUMBERS_MAX);
	assert_string_equal(m.v[0].key, "n:music");
	assert_string_equal(m.v[3].key, "n:old0");
	snprintf(key, sizeof(key), "n:old%d", LINEUP_NUMBERS_MAX - 4);
	assert_string_equal(m.v[LINEUP_NUMBERS_MAX - 1].key, key);
	assert_true(strtoull(num_of(&lu, "music"), NULL, 10) ==
	    100 + LINEUP_NUMBERS_MAX);
	done(&l, &lu);
	lineup_numbers_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_valid),
		cmocka_unit_test(test_numbers_given),
		cmocka_unit_test(test_numbers_stay),
		cmocka_unit_test(test_numbers_taken_later),
		cmocka_unit_test(test_numbers_parse),
		cmocka_unit_test(test_numbers_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
