/*
 * test_m3u_list.c - providers' channel lists (src/parse/m3u_list.c,
 * m3u_url.c) as they are published.
 *
 * What a user relies on: every channel of a provider's list arrives with
 * its name, tvg-id, logo, number and group, its URL made absolute and
 * playable, the kind of stream the URL says (TS, HLS, an AceStream id in
 * any of the engine's forms), the user agent and referrer the provider
 * asks for, the list's EPG URLs; what ringcast cannot play is skipped and
 * counted by reason, never silently lost.
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

#include "m3u_list.h"
#include "utf8.h"
#include "test_m3u_list.h"

static void
test_sample_counts(void **state)
{
	struct m3u_list l;

	parse_ok(sample_list, LIST_URL, &l);
	check_list(&l, sample_list, strlen(sample_list));
	assert_int_equal(l.n, SAMPLE_KEPT);
	assert_int_equal(m3u_list_skipped(&l), SAMPLE_SKIPPED);
	assert_int_equal(l.skipped[M3U_SKIP_UNSUPPORTED_SCHEME], 2);
	assert_int_equal(l.skipped[M3U_SKIP_NO_URL], 1);
	assert_int_equal(l.dropped_lines, 0);
	assert_int_equal(l.dropped_attrs, 0);
	assert_int_equal(l.lines, 68);
	assert_int_equal(l.nepg, 2);
	assert_string_equal(l.epg_urls[0], "http://epg.example/guide.xml.gz");
	assert_string_equal(l.epg_urls[1], "http://epg2.example/epg.xml");
	m3u_list_free(&l);
	assert_null(l.entries);
	m3u_list_free(&l);		/* twice: harmless */
}

static void
test_sample_attributes(void **state)
{
	struct m3u_list l;
	const struct m3u_entry *e;

	parse_ok(sample_list, LIST_URL, &l);
	e = &l.entries[0];
	assert_string_equal(e->name, "CNN International");
	assert_string_equal(e->tvg_id, "CNN.us");
	assert_string_equal(e->tvg_name, "CNN");
	assert_string_equal(e->logo, "http://logos.example/cnn.png");
	assert_string_equal(e->chno, "101");
	assert_int_equal(e->chno_num, 101);
	assert_string_equal(e->group, "News");
	assert_string_equal(e->url,
	    "http://provider.example/live/user/pass/101.ts");
	assert_int_equal(e->kind, M3U_KIND_TS);
	assert_int_equal(e->ace, M3U_ACE_NONE);
	assert_string_equal(e->ace_id, "");
	assert_string_equal(e->user_agent, "");
	assert_int_equal(e->line, 3);
	e = &l.entries[1];
	assert_string_equal(e->name, "CNN International HD");
	assert_string_equal(e->logo, "");
	assert_string_equal(e->chno, "");
	assert_int_equal(e->chno_num, -1);
	e = entry_named(&l, "Arte");
	assert_string_equal(e->chno, "7a");
	assert_int_equal(e->chno_num, -1);
	assert_string_equal(entry_named(&l, "Cinemax")->group, "Movies");
	assert_string_equal(entry_named(&l, "AMC")->group, "Movies");
	assert_string_equal(entry_named(&l, "AMC")->tvg_id, "AMC.us");
	e = entry_named(&l, "TF1 S\xC3\xA9ries Films");
	assert_string_equal(e->tvg_name, "TF1");
	e = entry_named(&l,
	    "\xD0\xA0\xD0\xBE\xD1\x81\xD1\x81\xD0\xB8\xD1\x8F 1");
	assert_string_equal(e->group, "Russia");
	assert_string_equal(e->tvg_id, "");
	m3u_list_free(&l);
}

static void
test_sample_kinds(void **state)
{
	struct m3u_list l;
	const struct m3u_entry *e;

	parse_ok(sample_list, LIST_URL, &l);
	assert_int_equal(entry_named(&l, "BBC News")->kind, M3U_KIND_HLS);
	assert_int_equal(entry_named(&l, "Nickelodeon")->kind, M3U_KIND_HLS);
	assert_int_equal(entry_named(&l, "Euronews")->kind, M3U_KIND_TS);
	assert_int_equal(entry_named(&l, "DW")->kind, M3U_KIND_AUTO);
	assert_int_equal(entry_named(&l, "Cartoon Network")->kind,
	    M3U_KIND_HLS);
	e = entry_named(&l, "Sky Sports Main Event");
	assert_int_equal(e->kind, M3U_KIND_ACE);
	assert_int_equal(e->ace, M3U_ACE_CONTENT_ID);
	assert_string_equal(e->ace_id, ACE_A);
	assert_string_equal(e->url, "acestream://" ACE_A);
	e = entry_named(&l, "Sky Sports Premier League");
	assert_int_equal(e->kind, M3U_KIND_ACE);
	assert_int_equal(e->ace, M3U_ACE_CONTENT_ID);
	assert_string_equal(e->ace_id,
	    "89abcdef0123456789abcdef0123456789abcdef");
	assert_string_equal(e->url,
	    "http://127.0.0.1:6878/ace/getstream?id=" ACE_B);
	e = entry_named(&l, "BT Sport 1");
	assert_int_equal(e->ace, M3U_ACE_CONTENT_ID);
	assert_string_equal(e->ace_id, ACE_C);
	e = entry_named(&l, "DAZN 1");
	assert_int_equal(e->ace, M3U_ACE_INFOHASH);
	assert_string_equal(e->ace_id, ACE_D);
	assert_string_equal(m3u_kind_name(M3U_KIND_ACE), "acestream");
	assert_string_equal(m3u_kind_name(M3U_KIND_AUTO), "auto");
	assert_string_equal(m3u_kind_name(M3U_KIND_TS), "ts");
	assert_string_equal(m3u_kind_name(M3U_KIND_HLS), "hls");
	m3u_list_free(&l);
}

static void
test_sample_options_and_urls(void **state)
{
	struct m3u_list l;
	const struct m3u_entry *e;

	parse_ok(sample_list, LIST_URL, &l);
	e = entry_named(&l, "France 24");
	assert_string_equal(e->user_agent, "Mozilla/5.0 (SmartTV)");
	assert_string_equal(e->referrer, "http://provider.example/");
	/* options belong to one entry */
	assert_string_equal(entry_named(&l, "Euronews")->user_agent, "");
	e = entry_named(&l, "MTV");
	assert_string_equal(e->url,
	    "http://provider.example/live/user/pass/501.ts");
	assert_string_equal(e->user_agent, "VLC/3.0");
	assert_string_equal(e->referrer, "http://provider.example/");
	assert_int_equal(e->kind, M3U_KIND_TS);
	assert_string_equal(entry_named(&l, "Radio Paradise")->url,
	    "http://stream.example/radio%20paradise/stream.ts");
	e = entry_named(&l, "Local Relative");
	assert_string_equal(e->url,
	    "http://provider.example/lists/live/local1.m3u8");
	assert_int_equal(e->kind, M3U_KIND_HLS);
	m3u_list_free(&l);
}

/* The same list without its URL: the relative entry cannot be placed. */
static void
test_relative_without_base(void **state)
{
	struct m3u_list l;

	parse_ok(sample_list, NULL, &l);
	assert_int_equal(l.n, SAMPLE_KEPT - 1);
	assert_int_equal(l.skipped[M3U_SKIP_RELATIVE], 1);
	m3u_list_free(&l);
	parse_ok("#EXTM3U\n#EXTINF:-1,A\n/abs/a.ts\n#EXTINF:-1,B\n"
	    "//cdn.example/b.ts\n#EXTINF:-1,C\n../c.m3u8\n",
	    "https://p.example/x/y/list.m3u", &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.entries[0].url, "https://p.example/abs/a.ts");
	assert_string_equal(l.entries[1].url, "https://cdn.example/b.ts");
	assert_string_equal(l.entries[2].url, "https://p.example/x/c.m3u8");
	m3u_list_free(&l);
	/* a list read from a file: its relative entries would be files */
	parse_ok("#EXTM3U\n#EXTINF:-1,A\nlocal.ts\n", "file:///etc/list.m3u",
	    &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.skipped[M3U_SKIP_UNSUPPORTED_SCHEME], 1);
	m3u_list_free(&l);
}

/* A plain M3U (no EXTINF) still gives entries, named from their URLs. */
static void
test_plain_m3u(void **state)
{
	struct m3u_list l;

	parse_ok("#EXTM3U\nhttp://h.example/live/news.ts\n"
	    "http://h.example/hls/sport/\nhttp://h.example\n"
	    "acestream://" ACE_A "\n", NULL, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.entries[0].name, "news.ts");
	assert_string_equal(l.entries[1].name, "sport");
	assert_string_equal(l.entries[2].name, "h.example");
	assert_string_equal(l.entries[3].name, ACE_A);
	assert_int_equal(l.entries[3].line, 5);
	m3u_list_free(&l);
}

/* Names when the comma or the title is missing: tvg-name, tvg-id. */
static void
test_name_fallbacks(void **state)
{
	struct m3u_list l;

	parse_ok("#EXTM3U\n"
	    "#EXTINF:-1 tvg-id=\"a.id\" tvg-name=\"A name\"\nhttp://h/a.ts\n"
	    "#EXTINF:-1 tvg-id=\"b.id\",   \nhttp://h/b.ts\n"
	    "#EXTINF:-1,  Spaced  Title  \nhttp://h/c.ts\n"
	    "#EXTINF:0 tvg-name=\"Comma, Inside\" group-title=\"G, H\","
	    "Title, with comma\nhttp://h/d.ts\n"
	    "#EXTINF:-1\nhttp://h/e.ts\n"
	    "#EXTINF:\nhttp://h/f.ts\n"
	    "#EXTINF -1,Space not colon\nhttp://h/g.ts\n", NULL, &l);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.entries[0].name, "A name");
	assert_string_equal(l.entries[1].name, "b.id");
	assert_string_equal(l.entries[2].name, "Spaced  Title");
	assert_string_equal(l.entries[3].name, "Title, with comma");
	assert_string_equal(l.entries[3].tvg_name, "Comma, Inside");
	assert_string_equal(l.entries[3].group, "G, H");
	assert_string_equal(l.entries[4].name, "e.ts");
	assert_string_equal(l.entries[5].name, "f.ts");
	assert_string_equal(l.entries[6].name, "Space not colon");
	m3u_list_free(&l);
}

/* Quotes as lists write them: none, single, duplicates, unknown keys. */
static void
test_attribute_forms(void **state)
{
	struct m3u_list l;
	const struct m3u_entry *e;

	parse_ok("#EXTM3U\n"
	    "#EXTINF:-1 tvg-id=plain.id group-title='Single Q' tvg-chno=12 "
	    "TVG-LOGO=\"http://l/x.png\" tvg-id=\"second.id\" catchup="
	    "\"default\" radio,Name One\nhttp://h/1.ts\n"
	    "#EXTINF:-1 tvg-id=\"\" tvg-id=\"late.id\" channel-number=\"5\","
	    "Two\nhttp://h/2.ts\n"
	    "#EXTINF:-1 tvg-name=\"  padded  \",Three\nhttp://h/3.ts\n",
	    NULL, &l);
	e = &l.entries[0];
	assert_string_equal(e->tvg_id, "plain.id");	/* the first wins */
	assert_string_equal(e->group, "Single Q");
	assert_string_equal(e->chno, "12");
	assert_int_equal(e->chno_num, 12);
	assert_string_equal(e->logo, "http://l/x.png");
	assert_string_equal(e->name, "Name One");
	e = &l.entries[1];
	assert_string_equal(e->tvg_id, "late.id");	/* the first given */
	assert_string_equal(e->chno, "5");
	assert_string_equal(l.entries[2].tvg_name, "padded");
	m3u_list_free(&l);
}

/* AceStream links in every form a list carries; ids by form only. */
static void
test_ace_forms(void **state)
{
	struct m3u_list l;

	parse_ok("#EXTM3U\n"
	    "acestream://" ACE_B "\n"
	    "acestream:" ACE_A "\n"
	    "http://e:6878/ace/getstream/?content_id=" ACE_A "&x=1\n"
	    "http://e:6878/ace/getstream?url=http%3A%2F%2Fx%2Fy.torrent\n"
	    "http://e:6878/ace/manifest.m3u8?magnet=magnet%3A%3Fxt\n"
	    "magnet:?xt=urn:btih:" ACE_B "&dn=x\n"
	    "magnet:?dn=y&xt=urn:btih:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\n"
	    "acestream://0123\n"
	    "acestream://" ACE_A "0\n"
	    "magnet:?xt=urn:sha1:abc\n"
	    "magnet:?xt=urn:btih:ABCDEFGHIJKLMNOPQRSTUVWXYZ23456!\n", NULL, &l);
	assert_int_equal(l.n, 7);
	assert_int_equal(l.skipped[M3U_SKIP_BAD_ACE_ID], 4);
	assert_string_equal(l.entries[0].ace_id,
	    "89abcdef0123456789abcdef0123456789abcdef");
	assert_string_equal(l.entries[1].ace_id, ACE_A);
	assert_int_equal(l.entries[2].ace, M3U_ACE_CONTENT_ID);
	assert_string_equal(l.entries[2].ace_id, ACE_A);
	assert_int_equal(l.entries[3].kind, M3U_KIND_TS);	/* url= */
	assert_int_equal(l.entries[3].ace, M3U_ACE_NONE);
	assert_int_equal(l.entries[4].kind, M3U_KIND_HLS);	/* magnet= */
	assert_int_equal(l.entries[5].ace, M3U_ACE_INFOHASH);
	assert_string_equal(l.entries[5].ace_id,
	    "89abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(l.entries[6].kind, M3U_KIND_ACE);
	assert_int_equal(l.entries[6].ace, M3U_ACE_MAGNET);
	assert_string_equal(l.entries[6].ace_id, "");
	m3u_list_free(&l);
}

/* What m3u_url_classify says of URLs on their own. */
static void
test_classify(void **state)
{
	static const struct {
		const char	*url;
		int		 rc, kind, why;
	} c[] = {
		{ "http://h/a.TS", 0, M3U_KIND_TS, 0 },
		{ "HTTPS://h/a.M3U8?x=1#f", 0, M3U_KIND_HLS, 0 },
		{ "http://h/a.mpegts", 0, M3U_KIND_TS, 0 },
		{ "http://h/get.php?output=m3u8", 0, M3U_KIND_HLS, 0 },
		{ "http://h/get.php?output=HLS", 0, M3U_KIND_HLS, 0 },
		{ "http://h/get.php?output=mpegts", 0, M3U_KIND_TS, 0 },
		{ "http://h/get.php?output=flv", 0, M3U_KIND_AUTO, 0 },
		{ "http://h/a.m3u8/x", 0, M3U_KIND_AUTO, 0 },
		{ "http://h/ace/getstream", 0, M3U_KIND_TS, 0 },
		{ "http://h/ace/getstream?id=123", 0, M3U_KIND_TS, 0 },
		{ "http://h", 0, M3U_KIND_AUTO, 0 },
		{ "http:///path", -1, 0, M3U_SKIP_BAD_URL },
		{ "http:/h/x", -1, 0, M3U_SKIP_BAD_URL },
		{ "http://?q", -1, 0, M3U_SKIP_BAD_URL },
		{ "rtmp://h/live", -1, 0, M3U_SKIP_UNSUPPORTED_SCHEME },
		{ "rtsp://h/live", -1, 0, M3U_SKIP_UNSUPPORTED_SCHEME },
		{ "rtp://239.1.1.1:5000", -1, 0, M3U_SKIP_UNSUPPORTED_SCHEME },
		{ "udp://@239.1.1.1:5000", -1, 0,
		    M3U_SKIP_UNSUPPORTED_SCHEME },
		{ "file:///etc/passwd", -1, 0, M3U_SKIP_UNSUPPORTED_SCHEME },
		{ "mms://h/x", -1, 0, M3U_SKIP_UNSUPPORTED_SCHEME },
		{ "javascript:alert(1)", -1, 0, M3U_SKIP_UNSUPPORTED_SCHEME },
		{ "/relative", -1, 0, M3U_SKIP_RELATIVE },
		{ "1http://h/", -1, 0, M3U_SKIP_RELATIVE },
	};
	struct m3u_url u;
	enum m3u_skip why;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		why = M3U_SKIP_N;
		rc = m3u_url_classify(c[i].url, &u, &why);
		if (rc != c[i].rc || (rc == 0 && (int)u.kind != c[i].kind) ||
		    (rc == -1 && (int)why != c[i].why))
			fail_msg("%s: rc %d kind %d why %d", c[i].url, rc,
			    u.kind, why);
	}
	assert_string_equal(m3u_skip_reason(M3U_SKIP_UNSUPPORTED_SCHEME),
	    "unsupported scheme");
	assert_string_equal(m3u_skip_reason(M3U_SKIP_N), "?");
}

static void
test_escape(void **state)
{
	char out[16];

	assert_int_equal(m3u_url_escape("a b\"<>\\^`{}|~%", 15, out,
	    sizeof(out)), -1);
	assert_int_equal(m3u_url_escape("a b", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "a%20b");
	assert_int_equal(m3u_url_escape("\xC3\xA9%41", 5, out, sizeof(out)),
	    0);
	assert_string_equal(out, "%C3%A9%41");
	assert_int_equal(m3u_url_escape("abc", 3, out, 4), 0);
	assert_int_equal(m3u_url_escape("abc", 3, out, 3), -1);
	assert_int_equal(m3u_url_escape(" ", 1, out, 3), -1);
	assert_int_equal(m3u_url_escape(" ", 1, out, 4), 0);
	assert_int_equal(m3u_url_escape("", 0, out, 1), 0);
	assert_string_equal(out, "");
}

/* Names in Latin-1 or Windows-1252 arrive as UTF-8. */
static void
test_latin1_names(void **state)
{
	struct m3u_list l;

	parse_ok("#EXTM3U\n#EXTINF:-1 group-title=\"T\xE9l\xE9\",T\xE9l\xE9 "
	    "\x96 Info \x80\nhttp://h/a.ts\n"
	    "#EXTINF:-1,Mixed \xC3\xA9 and \xE9\tTab\nhttp://h/b.ts\n", NULL,
	    &l);
	assert_string_equal(l.entries[0].name,
	    "T\xC3\xA9l\xC3\xA9 \xE2\x80\x93 Info \xE2\x82\xAC");
	assert_string_equal(l.entries[0].group, "T\xC3\xA9l\xC3\xA9");
	assert_string_equal(l.entries[1].name,
	    "Mixed \xC3\xA9 and \xC3\xA9 Tab");
	m3u_list_free(&l);
}

/* Kodi's headers after '|': decoded, and never a line end. */
static void
test_pipe_headers(void **state)
{
	struct m3u_list l;

	parse_ok("#EXTM3U\n"
	    "http://h/a.ts|user-agent=UA%201&referrer=R\n"
	    "http://h/b.ts | Referer=http://r/&User-Agent=X%0D%0AEvil: 1\n"
	    "http://h/c|d.ts\n"
	    "#EXTVLCOPT:http-user-agent=\"Quoted UA\"\n"
	    "http://h/d.ts|User-Agent=Other\n", NULL, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.entries[0].url, "http://h/a.ts");
	assert_string_equal(l.entries[0].user_agent, "UA 1");
	assert_string_equal(l.entries[0].referrer, "R");
	assert_string_equal(l.entries[1].url, "http://h/b.ts");
	assert_string_equal(l.entries[1].referrer, "http://r/");
	assert_string_equal(l.entries[1].user_agent, "");
	assert_string_equal(l.entries[2].url, "http://h/c%7Cd.ts");
	assert_string_equal(l.entries[3].user_agent, "Quoted UA");
	m3u_list_free(&l);
}

/* EPG URLs: several attributes, commas, relative, duplicates, a cap. */
static void
test_epg_urls(void **state)
{
	struct m3u_list l;
	char text[2048];
	int i, n = 0;

	parse_ok("#EXTM3U x-tvg-url=\" a.xml , http://b/b.xml,,ftp://c/c\" "
	    "tvg-url=http://b/b.xml url-tvg=\"\"\n", LIST_URL, &l);
	assert_int_equal(l.nepg, 2);
	assert_string_equal(l.epg_urls[0],
	    "http://provider.example/lists/a.xml");
	assert_string_equal(l.epg_urls[1], "http://b/b.xml");
	assert_int_equal(l.n, 0);
	m3u_list_free(&l);
	n = snprintf(text, sizeof(text), "#EXTM3U url-tvg=\"");
	for (i = 0; i < 20; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		    "http://e/%d.xml,", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "\"\n#EXTM3U "
	    "url-tvg=http://late/x.xml\n");
	parse_ok(text, NULL, &l);
	assert_int_equal(l.nepg, M3U_LIST_MAX_EPG_URLS);
	assert_string_equal(l.epg_urls[7], "http://e/7.xml");
	m3u_list_free(&l);
	parse_ok("#EXTM3U\n#EXTM3U url-tvg=\"http://second/header.xml\"\n",
	    NULL, &l);
	assert_int_equal(l.nepg, 1);
	m3u_list_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_counts),
		cmocka_unit_test(test_sample_attributes),
		cmocka_unit_test(test_sample_kinds),
		cmocka_unit_test(test_sample_options_and_urls),
		cmocka_unit_test(test_relative_without_base),
		cmocka_unit_test(test_plain_m3u),
		cmocka_unit_test(test_name_fallbacks),
		cmocka_unit_test(test_attribute_forms),
		cmocka_unit_test(test_ace_forms),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_latin1_names),
		cmocka_unit_test(test_pipe_headers),
		cmocka_unit_test(test_epg_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
