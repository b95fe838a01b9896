/*
 * test_channels_doc.c - the lineup document (src/proto/channels_doc.c)
 * and the JSON people see (channels_json.c, without a state segment).
 *
 * What a user relies on: the lineup the source process writes is read
 * back by the supervisor and the workers exactly (names, metadata, the
 * URLs in order), a damaged or foreign document is refused whole, and
 * no credential of a provider's URL reaches /channels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "channels_doc.h"
#include "channels_json.h"
#include "redact.h"
#include "lineup.h"
#include "lineup_numbers.h"
#include "lineup_override.h"
#include "m3u_list.h"

static const char LIST_A[] =
    "#EXTM3U\n"
    "#EXTINF:-1 tvg-id=\"news.us\" tvg-logo=\"http://l/n.png\" "
    "tvg-chno=\"7\" group-title=\"News\",News \"One\"\n"
    "#EXTVLCOPT:http-user-agent=Agent/1\n"
    "#EXTVLCOPT:http-referrer=http://ref.example/\n"
    "http://a.example/news.ts\n"
    "#EXTINF:-1 group-title=\"Movies\",Film\n"
    "http://a.example/film/index.m3u8\n";
static const char LIST_B[] =
    "#EXTM3U\n"
    "#EXTINF:-1 tvg-id=\"NEWS.US\",News backup\n"
    "http://b.example/news.ts\n";

static void
test_round_trip(void **state)
{
	struct m3u_list a, b;
	const struct m3u_list *lists[2] = { &a, &b };
	struct channels_source src[2] = {
		{ .name = "a", .refreshed = "2026-12-07T00:00:00Z",
		    .channels = 2, .skipped = 1 },
		{ .name = "b", .error = "HTTP status 404" },
	};
	struct channels_doc doc;
	const struct channels_entry *c;
	struct lineup lu;
	struct buf out;
	char err[256];

	(void)state;
	assert_int_equal(m3u_list_parse(LIST_A, sizeof(LIST_A) - 1, NULL, &a,
	    err, sizeof(err)), 0);
	assert_int_equal(m3u_list_parse(LIST_B, sizeof(LIST_B) - 1, NULL, &b,
	    err, sizeof(err)), 0);
	assert_int_equal(lineup_merge(lists, NULL, 2, &lu), 0);
	buf_init(&out);
	assert_int_equal(channels_doc_build(&out, &lu, src, lists, 2,
	    "2026-12-07T01:00:00Z"), 0);
	assert_int_equal(channels_doc_parse(out.data, out.len, &doc, err,
	    sizeof(err)), 0);
	assert_int_equal(doc.n, 2);
	c = channels_doc_find(&doc, "news-us");
	assert_non_null(c);
	assert_string_equal(c->title, "News \"One\"");
	assert_string_equal(c->source, "a");
	assert_string_equal(c->logo, "http://l/n.png");
	assert_string_equal(c->chno, "7");
	assert_string_equal(c->group, "News");
	assert_string_equal(c->kind, "ts");
	assert_string_equal(c->user_agent, "Agent/1");
	assert_string_equal(c->referrer, "http://ref.example/");
	assert_int_equal(c->n_urls, 2);
	assert_string_equal(c->urls[0], "http://a.example/news.ts");
	assert_string_equal(c->urls[1], "http://b.example/news.ts");
	assert_string_equal(c->url_sources[0], "a");
	assert_string_equal(c->url_sources[1], "b");
	assert_true(c->enabled);
	c = channels_doc_find(&doc, "film");
	assert_non_null(c);
	assert_string_equal(c->kind, "hls");
	assert_null(channels_doc_find(&doc, "nothing"));
	assert_int_equal(doc.n_sources, 2);
	assert_string_equal(doc.sources[0].name, "a");
	assert_int_equal(doc.sources[0].channels, 2);
	assert_int_equal(doc.sources[0].skipped, 1);
	assert_string_equal(doc.sources[1].error, "HTTP status 404");
	channels_doc_free(&doc);
	buf_free(&out);
	lineup_free(&lu);
	m3u_list_free(&a);
	m3u_list_free(&b);
}

/* An override's name, group, logo and enabled, and the numbers given,
 * are what the document says. */
static void
test_overridden_and_numbered(void **state)
{
	struct m3u_list a;
	const struct m3u_list *lists[1] = { &a };
	struct channels_source src[1] = { { .name = "a" } };
	struct channel_override o = { .match = "FILM", .name = "cinema",
	    .group = "Mine", .logo = "http://l/f.png", .enabled = 0 };
	struct lineup_numbers m = { 0 };
	const struct channels_entry *c;
	struct channels_doc doc;
	struct lineup lu;
	struct buf out;
	char err[256];

	(void)state;
	assert_int_equal(m3u_list_parse(LIST_A, sizeof(LIST_A) - 1, NULL, &a,
	    err, sizeof(err)), 0);
	assert_int_equal(lineup_merge(lists, NULL, 1, &lu), 0);
	assert_int_equal(lineup_override(&lu, &o, 1), 1);
	assert_int_equal(lineup_numbers_assign(&lu, NULL, 0, &m), 0);
	buf_init(&out);
	assert_int_equal(channels_doc_build(&out, &lu, src, lists, 1,
	    "2026-12-07T01:00:00Z"), 0);
	assert_int_equal(channels_doc_parse(out.data, out.len, &doc, err,
	    sizeof(err)), 0);
	assert_null(channels_doc_find(&doc, "film"));
	c = channels_doc_find(&doc, "cinema");
	assert_non_null(c);
	assert_string_equal(c->chno, "8");	/* after tvg-chno 7 */
	assert_string_equal(c->group, "Mine");
	assert_string_equal(c->logo, "http://l/f.png");
	assert_string_equal(c->title, "Film");
	assert_false(c->enabled);
	c = channels_doc_find(&doc, "news-us");
	assert_string_equal(c->chno, "7");
	assert_true(c->enabled);
	channels_doc_free(&doc);
	buf_free(&out);
	lineup_numbers_free(&m);
	lineup_free(&lu);
	m3u_list_free(&a);
}

static void
test_refused_whole(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"version\":1,\"sources\":{},\"channels\":[]}",
		"{\"version\":2,\"sources\":{}}",
		"{\"version\":2,\"sources\":{},\"channels\":[{\"name\":\"x\"}]}",
		"{\"version\":2,\"sources\":{},\"channels\":[{\"name\":\"x\","
		    "\"source\":\"a\",\"title\":\"\",\"tvg_id\":\"\",\"logo\":\"\",\"group\":\"\","
		    "\"chno\":\"\",\"kind\":\"ts\",\"ace_id\":\"\","
		    "\"user_agent\":\"\",\"referrer\":\"\",\"enabled\":true,"
		    "\"urls\":[],\"url_sources\":[]}]}",
		/* url_sources not as long as urls */
		"{\"version\":2,\"sources\":{},\"channels\":[{\"name\":\"x\","
		    "\"source\":\"a\",\"title\":\"\",\"tvg_id\":\"\",\"logo\":\"\",\"group\":\"\","
		    "\"chno\":\"\",\"kind\":\"ts\",\"ace_id\":\"\","
		    "\"user_agent\":\"\",\"referrer\":\"\",\"enabled\":true,"
		    "\"urls\":[\"http://h/x\"],\"url_sources\":[]}]}",
		/* enabled not a boolean */
		"{\"version\":2,\"sources\":{},\"channels\":[{\"name\":\"x\","
		    "\"source\":\"a\",\"title\":\"\",\"tvg_id\":\"\",\"logo\":\"\",\"group\":\"\","
		    "\"chno\":\"\",\"kind\":\"ts\",\"ace_id\":\"\","
		    "\"user_agent\":\"\",\"referrer\":\"\",\"enabled\":1,"
		    "\"urls\":[\"http://h/x\"],\"url_sources\":[\"a\"]}]}",
		"{\"version\":2,\"sources\":{\"a\":1},\"channels\":[]}",
	};
	struct channels_doc doc;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(channels_doc_parse(bad[i], strlen(bad[i]), &doc,
		    err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_null(doc.channels);
		assert_int_equal(doc.n, 0);
	}
	assert_int_equal(channels_doc_load("/nonexistent/channels.json", &doc,
	    err, sizeof(err)), -1);
}

static void
test_redact(void **state)
{
	static const char *const cases[][2] = {
		{ "http://h/x.ts", "http://h/x.ts" },
		{ "http://user:pw@h:8/x.ts", "http://***@h:8/x.ts" },
		{ "https://h/get.php?username=bob&password=x&type=m3u",
		    "https://h/get.php?username=***&password=***&type=m3u" },
		{ "http://h/x?Token=a&access_key=b&sig=c&q=1#frag",
		    "http://h/x?Token=***&access_key=***&sig=***&q=1#frag" },
		{ "http://h/x?u=me&auth", "http://h/x?u=***&auth" },
		{ "http://h/a@b/x.ts", "http://h/a@b/x.ts" },
		{ "acestream://0123", "acestream://0123" },
		/* Xtream Codes accounts in the path */
		{ "http://h:8080/live/bob/s3cret/1234.ts",
		    "http://h:8080/live/***/***/1234.ts" },
		{ "http://h/movie/bob/s3cret/77.mkv?x=1",
		    "http://h/movie/***/***/77.mkv?x=1" },
		{ "http://h/bob/s3cret/1234", "http://h/***/***/1234" },
		{ "http://h/bob/s3cret/1234.m3u8", "http://h/***/***/1234.m3u8" },
		{ "http://h/a/b/index.m3u8", "http://h/a/b/index.m3u8" },
		{ "http://h/live/news/index.m3u8", "http://h/live/news/index.m3u8" },
		{ "http://h/hls/live/abc/1.ts", "http://h/hls/live/abc/1.ts" },
		{ "http://h/", "http://h/" },
		{ "http://h", "http://h" },
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(url_redact(cases[i][0], out,
		    sizeof(out)), 0);
		assert_string_equal(out, cases[i][1]);
	}
	assert_int_equal(url_redact("http://u:p@h/x", out, 10), -1);
}

/* `ringcastctl channels`: the JSON as a table for people. */
static void
test_text(void **state)
{
	static const char doc[] = "{\"sources\":{\"a\":{\"refreshed\":"
	    "\"2026-12-08T00:00:00Z\",\"channels\":2,\"skipped\":1,"
	    "\"error\":\"\"},\"b\":{\"refreshed\":\"\",\"channels\":0,"
	    "\"skipped\":0,\"error\":\"HTTP status 500\"}},\"channels\":["
	    "{\"name\":\"news\",\"number\":\"5\",\"state\":\"running\","
	    "\"group\":\"News\",\"source\":\"a\",\"title\":\"News 24\"},"
	    "{\"name\":\"odd\",\"number\":7}]}";
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(channels_text(doc, sizeof(doc) - 1, &b), 0);
	assert_non_null(strstr(buf_str(&b), "source a: 2 channels, 1 skipped, "
	    "refreshed 2026-12-08T00:00:00Z\n"));
	assert_non_null(strstr(buf_str(&b), "source b: 0 channels, 0 skipped, "
	    "refreshed never, last refresh failed: HTTP status 500\n"));
	assert_non_null(strstr(buf_str(&b), "\n5       news                     "
	    "running  News             a            News 24\n"));
	/* a member of another type shows as empty, never crashes */
	assert_non_null(strstr(buf_str(&b), "\n        odd "));
	assert_non_null(strstr(buf_str(&b), "\n2 channels\n"));
	buf_free(&b);
	buf_init(&b);
	assert_int_equal(channels_text("[1]", 3, &b), -1);
	assert_int_equal(channels_text("{\"channels\":", 12, &b), -1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_overridden_and_numbered),
		cmocka_unit_test(test_refused_whole),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
