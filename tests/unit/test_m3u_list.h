/*
 * test_m3u_list.h - what the channel-list tests share (test_m3u_list.c:
 * the lists providers publish; test_m3u_list_hostile.c: broken and
 * hostile ones; test_lineup.c: filters, merging and names over them):
 * the list's URL, parsing from an exact-size heap copy (so ASan sees a
 * read past the end) with the error in errbuf, finding an entry, and a
 * sample list shaped like a real provider's.
 *
 * Included by those files only, after <cmocka.h>, <stdlib.h>,
 * <string.h>, <strings.h>, "m3u_list.h" and "utf8.h"; each gets its own
 * copy (static).
 */
#ifndef RINGCAST_TEST_M3U_LIST_H
#define RINGCAST_TEST_M3U_LIST_H

#include "../lib/m3ucount.h"	/* count_entries */

#define LIST_URL	"http://provider.example/lists/all.m3u?user=u"
#define T_UNUSED	__attribute__((unused))

static char	 errbuf[256];

/* Parse LEN bytes of TEXT from an exact-size heap copy. */
static T_UNUSED int
parse_n(const char *text, size_t len, const char *base, struct m3u_list *l)
{
	char	*copy = malloc(len > 0 ? len : 1);
	int	 r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	errbuf[0] = '\0';
	r = m3u_list_parse(copy, len, base, l, errbuf, sizeof(errbuf));
	free(copy);
	return r;
}

static T_UNUSED void
parse_ok(const char *text, const char *base, struct m3u_list *l)
{
	if (parse_n(text, strlen(text), base, l) != 0)
		fail_msg("parse failed: %s", errbuf);
}

/* Must be refused with a message containing WANT, leaving L zeroed. */
static T_UNUSED void
parse_err(const char *text, size_t len, const char *want)
{
	struct m3u_list l;

	if (parse_n(text, len, LIST_URL, &l) == 0) {
		m3u_list_free(&l);
		fail_msg("parsed, expected error '%s'", want);
	}
	if (strstr(errbuf, want) == NULL)
		fail_msg("error '%s', expected '%s'", errbuf, want);
	assert_null(l.entries);
	assert_null(l.arena);
	assert_int_equal(l.n, 0);
}

/* The entry of L named NAME (it must be there). */
static T_UNUSED const struct m3u_entry *
entry_named(const struct m3u_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->entries[i].name, name) == 0)
			return &l->entries[i];
	fail_msg("no entry named '%s'", name);
	return NULL;
}

/* 1 when S is valid UTF-8 with no control character. */
static T_UNUSED int
clean_text(const char *s)
{
	size_t len = strlen(s), i = 0, d;
	uint32_t cp;

	while (i < len) {
		if ((d = utf8_decode(s + i, len - i, &cp)) == 0 || cp < 0x20 ||
		    cp == 0x7f)
			return 0;
		i += d;
	}
	return 1;
}

/* What m3u_list.h promises of a parsed list L of TEXT. */
static T_UNUSED void
check_list(const struct m3u_list *l, const char *text, size_t len)
{
	const struct m3u_entry *e;
	size_t i;

	assert_true(l->n <= M3U_LIST_MAX_ENTRIES);
	assert_true(l->nepg <= M3U_LIST_MAX_EPG_URLS);
	assert_int_equal(l->n + m3u_list_skipped(l), count_entries(text, len));
	for (i = 0; i < l->n; i++) {
		e = &l->entries[i];
		assert_true(e->name[0] != '\0' && e->url[0] != '\0');
		assert_true(strlen(e->name) <= M3U_LIST_MAX_NAME_BYTES);
		assert_true(strlen(e->url) < M3U_LIST_URL_MAX);
		assert_true(clean_text(e->name) && clean_text(e->tvg_id) &&
		    clean_text(e->tvg_name) && clean_text(e->logo) &&
		    clean_text(e->chno) && clean_text(e->group) &&
		    clean_text(e->user_agent) && clean_text(e->referrer));
		assert_true(strlen(e->tvg_id) <= M3U_LIST_MAX_ATTR_BYTES &&
		    strlen(e->group) <= M3U_LIST_MAX_ATTR_BYTES &&
		    strlen(e->user_agent) <= M3U_LIST_MAX_ATTR_BYTES);
		assert_true(strspn(e->url, "!#$%&'()*+,-./0123456789:;=?@"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz~")
		    == strlen(e->url));
		assert_true(strncasecmp(e->url, "http://", 7) == 0 ||
		    strncasecmp(e->url, "https://", 8) == 0 ||
		    strncasecmp(e->url, "acestream:", 10) == 0 ||
		    strncasecmp(e->url, "magnet:", 7) == 0);
		assert_true((e->kind == M3U_KIND_ACE) ==
		    (e->ace != M3U_ACE_NONE));
		assert_true(e->ace_id[0] == '\0' ||
		    (strlen(e->ace_id) == M3U_ACE_ID_LEN &&
		    strspn(e->ace_id, "0123456789abcdef") == M3U_ACE_ID_LEN));
		assert_true((e->ace_id[0] != '\0') ==
		    (e->ace == M3U_ACE_CONTENT_ID ||
		    e->ace == M3U_ACE_INFOHASH));
		assert_true(e->line >= 2 && e->line <= l->lines);
		assert_true(i == 0 || e->line > e[-1].line);
	}
}

#define ACE_A	"0123456789abcdef0123456789abcdef01234567"
#define ACE_B	"89ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define ACE_C	"1111111111111111111111111111111111111111"
#define ACE_D	"2222222222222222222222222222222222222222"

/*
 * 32 entries as a provider sends them: 29 kept (TS, HLS, not known,
 * acestream://, an engine's getstream and manifest.m3u8, options, Kodi
 * headers, a relative URL, a space in a URL, Cyrillic and accents), two
 * entries of CNN (one tvg-id) and two of VH1 Classic (one name, no
 * tvg-id), an "Adult" group to exclude; 3 skipped (rtmp, udp: not
 * played; an EXTINF without its URL).
 */
static const char sample_list[] =
    "\xEF\xBB\xBF#EXTM3U url-tvg=\"http://epg.example/guide.xml.gz,"
    "http://epg2.example/epg.xml\" x-tvg-url=\"http://epg.example/guide."
    "xml.gz\"\r\n"
    "#EXTINF:-1 tvg-id=\"CNN.us\" tvg-name=\"CNN\" tvg-logo=\"http://logos"
    ".example/cnn.png\" tvg-chno=\"101\" group-title=\"News\",CNN "
    "International\r\n"
    "http://provider.example/live/user/pass/101.ts\r\n"
    "#EXTINF:-1 tvg-id=\"CNN.us\" tvg-name=\"CNN HD\" tvg-logo=\"\" "
    "group-title=\"News\",CNN International HD\r\n"
    "http://backup.example/cnn/index.m3u8\r\n"
    "#EXTINF:-1 tvg-id=\"BBCNews.uk\" tvg-chno=\"102\" group-title=\"News\""
    ",BBC News\r\n"
    "http://provider.example/live/user/pass/102.m3u8\r\n"
    "#EXTINF:-1 tvg-id=\"France24.fr\" group-title=\"News\",France 24\r\n"
    "#EXTVLCOPT:http-user-agent=Mozilla/5.0 (SmartTV)\r\n"
    "#EXTVLCOPT:http-referrer=http://provider.example/\r\n"
    "http://cdn.example/france24/master.m3u8\r\n"
    "#EXTINF:-1 tvg-id=\"Euronews.fr\" group-title=\"News\",Euronews\r\n"
    "http://provider.example/get.php?username=u&password=p&output=ts&"
    "stream=105\r\n"
    "#EXTINF:-1 tvg-id=\"DW.de\" group-title=\"News\",DW\r\n"
    "http://provider.example:8080/u/p/106\r\n"
    "#EXTINF:-1 tvg-id=\"ESPN.us\" tvg-chno=\"201\" group-title=\"Sports\""
    ",ESPN\r\n"
    "http://provider.example/live/user/pass/201.ts\r\n"
    "#EXTINF:-1 tvg-id=\"Eurosport1.fr\" group-title=\"Sports\","
    "Eurosport 1\r\n"
    "http://provider.example/live/user/pass/202.ts\r\n"
    "#EXTINF:-1 tvg-id=\"\" group-title=\"Sports\",Sky Sports Main Event\r\n"
    "acestream://" ACE_A "\r\n"
    "#EXTINF:-1 group-title=\"Sports\",Sky Sports Premier League\r\n"
    "http://127.0.0.1:6878/ace/getstream?id=" ACE_B "\r\n"
    "#EXTINF:-1 group-title=\"Sports\",BT Sport 1\r\n"
    "http://127.0.0.1:6878/ace/manifest.m3u8?content_id=" ACE_C "\r\n"
    "#EXTINF:-1 group-title=\"Sports\",DAZN 1\r\n"
    "http://127.0.0.1:6878/ace/getstream?infohash=" ACE_D "&pid=42\r\n"
    "#EXTINF:-1 tvg-id=\"HBO.us\" group-title=\"Movies\",HBO\r\n"
    "http://provider.example/live/user/pass/301.ts\r\n"
    "#EXTINF:-1 tvg-id=\"Cinemax.us\" group-title=\"Movies\",Cinemax\r\n"
    "#EXTGRP:Movies Extra\r\n"
    "http://provider.example/live/user/pass/302.ts\r\n"
    "#EXTINF:-1 tvg-id=\"AMC.us\" ,AMC\r\n"
    "#EXTGRP:Movies\r\n"
    "http://provider.example/live/user/pass/303.ts\r\n"
    "#EXTINF:-1 tvg-id=\"Disney.us\" group-title=\"Kids\",Disney Channel\r\n"
    "http://provider.example/live/user/pass/401.ts\r\n"
    "#EXTINF:-1 tvg-id=\"Nick.us\" group-title=\"Kids\",Nickelodeon\r\n"
    "http://provider.example/live/user/pass/402.m3u8?token=abc\r\n"
    "#EXTINF:-1 tvg-id=\"CartoonNetwork.us\" group-title=\"Kids\","
    "Cartoon Network\r\n"
    "https://provider.example/hls/cn/index.m3u8\r\n"
    "#EXTINF:-1 tvg-id=\"MTV.us\" group-title=\"Music\",MTV\r\n"
    "http://provider.example/live/user/pass/501.ts|User-Agent=VLC%2F3.0&"
    "Referer=http%3A%2F%2Fprovider.example%2F\r\n"
    "#EXTINF:-1 tvg-id=\"\" group-title=\"Music\",VH1 Classic\r\n"
    "http://provider.example/live/user/pass/502.ts\r\n"
    "#EXTINF:-1 tvg-id=\"\" group-title=\"Music\",vh1  classic\r\n"
    "http://mirror.example/vh1.ts\r\n"
    "#EXTINF:-1 tvg-id=\"XXX1\" group-title=\"Adult\",Adult Channel 1\r\n"
    "http://provider.example/live/user/pass/901.ts\r\n"
    "#EXTINF:-1 tvg-id=\"XXX2\" group-title=\"Adult\",Adult Channel 2\r\n"
    "http://provider.example/live/user/pass/902.ts\r\n"
    "#EXTINF:-1 tvg-id=\"TF1.fr\" tvg-name=\"TF1\" group-title=\"France\","
    "TF1 S\xC3\xA9ries Films\r\n"
    "http://provider.example/live/user/pass/601.ts\r\n"
    "#EXTINF:-1 tvg-id=\"Perviy.ru\" group-title=\"Russia\","
    "\xD0\x9F\xD0\xB5\xD1\x80\xD0\xB2\xD1\x8B\xD0\xB9 \xD0\xBA\xD0\xB0"
    "\xD0\xBD\xD0\xB0\xD0\xBB\r\n"		/* Первый канал */
    "http://provider.example/live/user/pass/701.ts\r\n"
    "#EXTINF:-1 tvg-id=\"\" group-title=\"Russia\",\xD0\xA0\xD0\xBE\xD1\x81"
    "\xD1\x81\xD0\xB8\xD1\x8F 1\r\n"			/* Россия 1 */
    "http://provider.example/live/user/pass/702.ts\r\n"
    "#EXTINF:-1 group-title=\"Radio\" radio=\"true\",Radio Paradise\r\n"
    "http://stream.example/radio paradise/stream.ts\r\n"
    "#EXTINF:-1 group-title=\"Local\",Local Relative\r\n"
    "live/local1.m3u8\r\n"
    "#EXTINF:-1 group-title=\"Broken\",RTMP Channel\r\n"
    "rtmp://rtmp.example/live/stream\r\n"
    "#EXTINF:-1 group-title=\"Broken\",UDP Multicast\r\n"
    "udp://@239.0.0.1:1234\r\n"
    "#EXTINF:-1 group-title=\"Broken\",No URL\r\n"
    "#EXTINF:-1 tvg-id=\"Arte.fr\" tvg-chno=\"7a\" group-title=\"France\","
    "Arte\r\n"
    "http://provider.example/live/user/pass/602.ts\r\n";

#define SAMPLE_KEPT	29
#define SAMPLE_SKIPPED	3

#endif
