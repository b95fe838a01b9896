/*
 * test_m3u8.c - HLS playlist parsing, variant choice, URL resolution.
 *
 * Playlists are shaped like what origins really send (Apple's examples,
 * live sliding windows, Wowza chunklists with tokens, nginx-rtmp, AES-128
 * with key rotation, masters with quoted CODECS) and like what breaks
 * (truncated, binary, absurd numbers).  Every input is copied into a heap
 * block of exactly its length with no terminating NUL, so AddressSanitizer
 * catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m3u8.h"

#define BASE		"http://h:1/a/b/index.m3u8?tok=1"
#define CORPUS_DIR	"tests/fuzz/m3u8"

static char	 errbuf[256];

/* Parse LEN bytes of TEXT from an exact-size heap copy. */
static int
parse_n(const char *text, size_t len, const char *base, struct m3u8 *pl)
{
	char	*copy = malloc(len > 0 ? len : 1);
	int	 r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	errbuf[0] = '\0';
	r = m3u8_parse(copy, len, base, pl, errbuf, sizeof(errbuf));
	free(copy);
	return r;
}

static void
parse_ok(const char *text, const char *base, struct m3u8 *pl)
{
	if (parse_n(text, strlen(text), base, pl) != 0)
		fail_msg("parse failed: %s", errbuf);
}

/* Must fail with a message containing WANT. */
static void
parse_err(const char *text, const char *want)
{
	struct m3u8	 pl;

	if (parse_n(text, strlen(text), BASE, &pl) == 0) {
		m3u8_free(&pl);
		fail_msg("parsed, expected error '%s'", want);
	}
	if (strstr(errbuf, want) == NULL)
		fail_msg("error '%s', expected '%s'", errbuf, want);
	/* a failed parse leaves nothing to free */
	assert_null(pl.segs);
	assert_null(pl.variants);
	assert_null(pl.keys);
	assert_int_equal(pl.nsegs, 0);
}

static void
assert_dbl(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("got %.9f, want %.9f", got, want);
}

/* ------------------------------------------------------------------ */
/* Media playlists */

static void
test_apple_vod(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n"
	    "#EXT-X-TARGETDURATION:10\n"
	    "#EXT-X-VERSION:3\n"
	    "#EXT-X-PLAYLIST-TYPE:VOD\n"
	    "#EXTINF:9.009,\n"
	    "http://media.example.com/first.ts\n"
	    "#EXTINF:9.009,\n"
	    "http://media.example.com/second.ts\n"
	    "#EXTINF:3.003,\n"
	    "http://media.example.com/third.ts\n"
	    "#EXT-X-ENDLIST\n", BASE, &pl);
	assert_false(pl.is_master);
	assert_int_equal(pl.version, 3);
	assert_dbl(pl.target_duration, 10);
	assert_int_equal(pl.media_sequence, 0);
	assert_true(pl.endlist);
	assert_int_equal(pl.nsegs, 3);
	assert_int_equal(pl.nkeys, 0);
	assert_int_equal(pl.segs[0].seq, 0);
	assert_int_equal(pl.segs[2].seq, 2);
	assert_dbl(pl.segs[0].duration, 9.009);
	assert_dbl(pl.segs[2].duration, 3.003);
	assert_string_equal(pl.segs[1].uri,
	    "http://media.example.com/second.ts");
	assert_null(pl.segs[0].title);
	assert_int_equal(pl.segs[0].pdt_ms, -1);
	assert_null(pl.segs[0].pdt);
	assert_int_equal(pl.segs[0].byterange_len, -1);
	assert_int_equal(pl.segs[0].key_index, -1);
	assert_false(pl.segs[0].discontinuity);
	m3u8_free(&pl);
	assert_null(pl.segs);
	m3u8_free(&pl);		/* twice is harmless */
}

static void
test_live_sliding_window(void **state)
{
	struct m3u8	 a, b;

	parse_ok("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:8\n"
	    "#EXT-X-MEDIA-SEQUENCE:2680\n\n"
	    "#EXTINF:7.975,\nhttps://priv.example.com/fileSequence2680.ts\n"
	    "#EXTINF:7.941,\nhttps://priv.example.com/fileSequence2681.ts\n"
	    "#EXTINF:7.975,\nhttps://priv.example.com/fileSequence2682.ts\n",
	    BASE, &a);
	parse_ok("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:8\n"
	    "#EXT-X-MEDIA-SEQUENCE:2681\n\n"
	    "#EXTINF:7.941,\nhttps://priv.example.com/fileSequence2681.ts\n"
	    "#EXTINF:7.975,\nhttps://priv.example.com/fileSequence2682.ts\n"
	    "#EXTINF:8.008,\nhttps://priv.example.com/fileSequence2683.ts\n",
	    BASE, &b);
	assert_false(a.endlist);
	assert_int_equal(a.media_sequence, 2680);
	assert_int_equal(a.segs[0].seq, 2680);
	assert_int_equal(a.segs[2].seq, 2682);
	/* the same segment has the same number in the next refresh */
	assert_int_equal(b.segs[1].seq, a.segs[2].seq);
	assert_string_equal(b.segs[1].uri, a.segs[2].uri);
	assert_int_equal(b.segs[2].seq, 2683);
	m3u8_free(&a);
	m3u8_free(&b);
}

static void
test_wowza_tokens(void **state)
{
	struct m3u8	 pl;
	const char	*base = "http://wowza.example:1935/live/_definst_/"
	    "myStream/chunklist_w1288912345.m3u8?wowzatokenhash=abc%3D";

	parse_ok("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n"
	    "#EXT-X-MEDIA-SEQUENCE:57\n"
	    "#EXTINF:4.004,\n"
	    "media_w1288912345_57.ts?wowzatokenhash=abc%3D\n"
	    "#EXTINF:4.004,\n"
	    "media_w1288912345_58.ts?wowzatokenhash=abc%3D\n", base, &pl);
	assert_int_equal(pl.nsegs, 2);
	assert_string_equal(pl.segs[0].uri,
	    "http://wowza.example:1935/live/_definst_/myStream/"
	    "media_w1288912345_57.ts?wowzatokenhash=abc%3D");
	assert_int_equal(pl.segs[1].seq, 58);
	m3u8_free(&pl);
}

static void
test_nginx_rtmp(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:12\n"
	    "#EXT-X-TARGETDURATION:5\n"
	    "#EXTINF:5.000,\nstream-12.ts\n"
	    "#EXTINF:4.960,\nstream-13.ts\n"
	    "#EXT-X-DISCONTINUITY\n"
	    "#EXTINF:5.000,\nstream-14.ts\n",
	    "http://origin:8080/hls/stream.m3u8", &pl);
	assert_int_equal(pl.nsegs, 3);
	assert_string_equal(pl.segs[0].uri,
	    "http://origin:8080/hls/stream-12.ts");
	assert_int_equal(pl.segs[0].seq, 12);
	assert_true(pl.segs[2].discontinuity);
	assert_false(pl.segs[1].discontinuity);
	m3u8_free(&pl);
}

static void
test_crlf_bom_whitespace(void **state)
{
	struct m3u8	 pl;

	parse_ok("\xEF\xBB\xBF#EXTM3U\r\n"
	    "  #EXT-X-VERSION:3 \r\n"
	    "\t#EXT-X-TARGETDURATION: 6\r\n"
	    "\r\n"
	    "   \r\n"
	    "#EXTINF:6.0,\r\n"
	    "  seg1.ts\t\r\n"
	    "#EXTINF:6.0,\r\n"
	    "seg2.ts", BASE, &pl);	/* no newline at the end */
	assert_int_equal(pl.version, 3);
	assert_dbl(pl.target_duration, 6);
	assert_int_equal(pl.nsegs, 2);
	assert_string_equal(pl.segs[0].uri, "http://h:1/a/b/seg1.ts");
	assert_string_equal(pl.segs[1].uri, "http://h:1/a/b/seg2.ts");
	m3u8_free(&pl);
}

static void
test_cr_only_lines(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\r#EXTINF:2,\rs.ts\r", BASE, &pl);
	assert_int_equal(pl.nsegs, 1);
	assert_string_equal(pl.segs[0].uri, "http://h:1/a/b/s.ts");
	m3u8_free(&pl);
}

static void
test_extinf_forms(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n"
	    "#EXTINF:10,\na.ts\n"
	    "#EXTINF:9.97667,\nb.ts\n"
	    "#EXTINF:10.0,Title, with a comma\nc.ts\n"
	    "#EXTINF:5\nd.ts\n"
	    "#EXTINF: 2.5 , spaced\ne.ts\n"
	    "#EXTINF:0.123456789123,\nf.ts\n"
	    "#EXTINF:0,\ng.ts\n", NULL, &pl);
	assert_int_equal(pl.nsegs, 7);
	assert_dbl(pl.segs[0].duration, 10);
	assert_dbl(pl.segs[1].duration, 9.97667);
	assert_dbl(pl.segs[2].duration, 10);
	assert_string_equal(pl.segs[2].title, "Title, with a comma");
	assert_dbl(pl.segs[3].duration, 5);
	assert_null(pl.segs[3].title);
	assert_dbl(pl.segs[4].duration, 2.5);
	assert_string_equal(pl.segs[4].title, " spaced");
	assert_dbl(pl.segs[5].duration, 0.123456789);
	assert_dbl(pl.segs[6].duration, 0);
	/* no base URL: URIs kept as written */
	assert_string_equal(pl.segs[0].uri, "a.ts");
	m3u8_free(&pl);
}

static void
test_discontinuity_sequence(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-MEDIA-SEQUENCE:100\n"
	    "#EXT-X-DISCONTINUITY-SEQUENCE:7\n"
	    "#EXTINF:2,\n100.ts\n"
	    "#EXT-X-DISCONTINUITY\n"
	    "#EXTINF:2,\n101.ts\n"
	    "#EXTINF:2,\n102.ts\n"
	    "#EXTINF:2,\n#EXT-X-DISCONTINUITY\n103.ts\n", BASE, &pl);
	assert_int_equal(pl.discontinuity_sequence, 7);
	assert_int_equal(pl.nsegs, 4);
	assert_false(pl.segs[0].discontinuity);
	assert_true(pl.segs[1].discontinuity);
	assert_false(pl.segs[2].discontinuity);
	assert_true(pl.segs[3].discontinuity);	/* tag between EXTINF and URI */
	assert_int_equal(pl.segs[3].seq, 103);
	m3u8_free(&pl);
}

static void
test_program_date_time(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T10:00:00.123Z\n"
	    "#EXTINF:2,\na.ts\n"
	    "#EXTINF:2,\nb.ts\n"
	    "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:04.123+02:00\n"
	    "#EXTINF:2,\nc.ts\n"
	    "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T04:30:06-0530\n"
	    "#EXTINF:2,\nd.ts\n"
	    "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T10:00:08.123456789+00\n"
	    "#EXTINF:2,\ne.ts\n", BASE, &pl);
	assert_int_equal(pl.segs[0].pdt_ms, 1795600800123LL);
	assert_string_equal(pl.segs[0].pdt, "2026-11-25T10:00:00.123Z");
	assert_int_equal(pl.segs[1].pdt_ms, -1);
	assert_null(pl.segs[1].pdt);
	assert_int_equal(pl.segs[2].pdt_ms, 1795600804123LL);
	assert_string_equal(pl.segs[2].pdt, "2026-11-25T12:00:04.123+02:00");
	assert_int_equal(pl.segs[3].pdt_ms, 1795600806000LL);
	assert_int_equal(pl.segs[4].pdt_ms, 1795600808123LL);
	m3u8_free(&pl);
}

static void
test_pdt_parse_format(void **state)
{
	int64_t		 ms;
	char		 out[M3U8_PDT_MAX];
	static const char *bad[] = {
		"", "2026", "2026-11-25", "2026-11-25T10:00",
		"2026-13-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
		"2026-11-25T24:00:00Z", "2026-11-25T10:60:00Z",
		"2026-11-25T10:00:61Z", "2026-11-25T10:00:00.Z",
		"2026-11-25T10:00:00+25:00", "2026-11-25T10:00:00+02:",
		"2026-11-25T10:00:00 junk", "1969-12-31T23:59:59Z",
		"1970-01-01T00:00:00+01:00", "2026/11/25T10:00:00Z",
		"2O26-11-25T10:00:00Z", "2026-11-25T10:00:00Zx",
	};
	size_t		 i;

	assert_int_equal(m3u8_parse_pdt("1970-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(m3u8_parse_pdt("2024-02-29T23:59:59.999Z", &ms), 0);
	assert_int_equal(ms, 1709251199999LL);
	assert_int_equal(m3u8_parse_pdt("2026-11-25t10:00:00.1z", &ms), 0);
	assert_int_equal(ms, 1795600800100LL);
	assert_int_equal(m3u8_parse_pdt("2026-11-25 10:00:00", &ms), 0);
	assert_int_equal(ms, 1795600800000LL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (m3u8_parse_pdt(bad[i], &ms) != -1)
			fail_msg("accepted '%s'", bad[i]);

	assert_int_equal(m3u8_format_pdt(1795600800123LL, out, sizeof(out)),
	    24);
	assert_string_equal(out, "2026-11-25T10:00:00.123Z");
	assert_int_equal(m3u8_format_pdt(0, out, sizeof(out)), 24);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	assert_int_equal(m3u8_format_pdt(1709251199999LL, out, sizeof(out)),
	    24);
	assert_string_equal(out, "2024-02-29T23:59:59.999Z");
	assert_int_equal(m3u8_format_pdt(-1, out, sizeof(out)), -1);
	assert_int_equal(m3u8_format_pdt(0, out, 24), -1);
	assert_int_equal(m3u8_format_pdt(INT64_MAX, out, sizeof(out)), -1);
	/* round trip over a range of dates */
	for (ms = 0; ms < 4102444800000LL; ms += 987654321123LL / 97) {
		int64_t back;

		assert_int_equal(m3u8_format_pdt(ms, out, sizeof(out)), 24);
		assert_int_equal(m3u8_parse_pdt(out, &back), 0);
		assert_int_equal(back, ms);
	}
}

static void
test_byterange(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:10\n"
	    "#EXTINF:10,\n#EXT-X-BYTERANGE:75232@0\nsegment.ts\n"
	    "#EXT-X-BYTERANGE:82112\n#EXTINF:10,\nsegment.ts\n"
	    "#EXTINF:10,\n#EXT-X-BYTERANGE:69864\nsegment.ts\n"
	    "#EXTINF:10,\n#EXT-X-BYTERANGE:1000\nother.ts\n"
	    "#EXTINF:10,\n#EXT-X-BYTERANGE:500@20\nother.ts\n"
	    "#EXTINF:10,\nwhole.ts\n"
	    "#EXTINF:10,\n#EXT-X-BYTERANGE:10\nother.ts\n", BASE, &pl);
	assert_int_equal(pl.nsegs, 7);
	assert_int_equal(pl.segs[0].byterange_len, 75232);
	assert_int_equal(pl.segs[0].byterange_off, 0);
	assert_int_equal(pl.segs[1].byterange_len, 82112);
	assert_int_equal(pl.segs[1].byterange_off, 75232);
	assert_int_equal(pl.segs[2].byterange_off, 75232 + 82112);
	/* a different resource starts at 0 */
	assert_int_equal(pl.segs[3].byterange_off, 0);
	assert_int_equal(pl.segs[4].byterange_off, 20);
	assert_int_equal(pl.segs[5].byterange_len, -1);
	/* follows the previous byterange of the same URI */
	assert_int_equal(pl.segs[6].byterange_off, 520);
	m3u8_free(&pl);
}

static void
test_byterange_bad(void **state)
{
	parse_err("#EXTM3U\n#EXT-X-BYTERANGE:\n#EXTINF:1,\na.ts\n",
	    "line 2: bad EXT-X-BYTERANGE length");
	parse_err("#EXTM3U\n#EXT-X-BYTERANGE:12@\n#EXTINF:1,\na.ts\n",
	    "bad EXT-X-BYTERANGE offset");
	parse_err("#EXTM3U\n#EXT-X-BYTERANGE:-5@0\n#EXTINF:1,\na.ts\n",
	    "bad EXT-X-BYTERANGE length");
	parse_err("#EXTM3U\n#EXT-X-BYTERANGE:0\n#EXTINF:1,\na.ts\n",
	    "bad EXT-X-BYTERANGE length");
	parse_err("#EXTM3U\n#EXT-X-BYTERANGE:10@9223372036854775800\n"
	    "#EXTINF:1,\na.ts\n", "bad EXT-X-BYTERANGE offset");
	parse_err("#EXTM3U\n#EXT-X-BYTERANGE:99999999999999999999\n"
	    "#EXTINF:1,\na.ts\n", "bad EXT-X-BYTERANGE length");
	parse_err("#EXTM3U\n#EXT-X-BYTERANGE:10@9223372036854775000\n"
	    "#EXTINF:1,\na.ts\n#EXT-X-BYTERANGE:1000\n#EXTINF:1,\na.ts\n",
	    "line 7: EXT-X-BYTERANGE offset overflows");
}

static void
test_key_aes128(void **state)
{
	struct m3u8	 pl;
	static const uint8_t iv1[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 1 };
	static const uint8_t iv2[16] = { 0x0a, 0xbc, 0xde, 0xf0, 0x12, 0x34,
	    0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78 };

	parse_ok("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:7794\n"
	    "#EXT-X-TARGETDURATION:15\n"
	    "#EXTINF:15,\nclear.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"https://priv.example.com/key.php"
	    "?r=52\",IV=0x00000000000000000000000000000001\n"
	    "#EXTINF:2.833,\nhttp://media.example.com/fileSequence52-A.ts\n"
	    "#EXTINF:15.0,\nhttp://media.example.com/fileSequence52-B.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"../keys/k2.bin\","
	    "IV=0XABCDEF0123456789ABCDEF012345678\n"
	    "#EXTINF:13.333,\nhttp://media.example.com/fileSequence53-A.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"k3.bin\"\n"
	    "#EXTINF:1,\nx.ts\n"
	    "#EXT-X-KEY:METHOD=NONE\n"
	    "#EXTINF:1,\ny.ts\n", BASE, &pl);
	assert_int_equal(pl.nkeys, 3);
	assert_int_equal(pl.keys[0].method, M3U8_KEY_AES128);
	assert_string_equal(pl.keys[0].method_name, "AES-128");
	assert_string_equal(pl.keys[0].uri,
	    "https://priv.example.com/key.php?r=52");
	assert_true(pl.keys[0].has_iv);
	assert_memory_equal(pl.keys[0].iv, iv1, 16);
	assert_string_equal(pl.keys[1].uri, "http://h:1/a/keys/k2.bin");
	/* 31 hex digits: a number, right-aligned */
	assert_memory_equal(pl.keys[1].iv, iv2, 16);
	assert_false(pl.keys[2].has_iv);
	assert_int_equal(pl.segs[0].key_index, -1);
	assert_int_equal(pl.segs[1].key_index, 0);
	assert_int_equal(pl.segs[2].key_index, 0);
	assert_int_equal(pl.segs[3].key_index, 1);
	assert_int_equal(pl.segs[4].key_index, 2);
	assert_int_equal(pl.segs[5].key_index, -1);
	m3u8_free(&pl);
}

static void
test_key_unsupported_and_keyformats(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n"
	    "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://key42\","
	    "KEYFORMAT=\"com.apple.streamingkeydelivery\","
	    "KEYFORMATVERSIONS=\"1\"\n"
	    "#EXTINF:4,\na.ts\n"
	    /* several formats for the same segments: the usable one wins */
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\",KEYFORMAT=\"identity\"\n"
	    "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"data:text/plain;base64,AA==\","
	    "KEYFORMAT=\"urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed\"\n"
	    "#EXTINF:4,\nb.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\",KEYFORMAT=\"com.x\"\n"
	    "#EXTINF:4,\nc.ts\n", BASE, &pl);
	assert_int_equal(pl.nkeys, 4);
	assert_int_equal(pl.keys[0].method, M3U8_KEY_UNSUPPORTED);
	assert_string_equal(pl.keys[0].method_name, "SAMPLE-AES");
	assert_string_equal(pl.keys[0].uri, "skd://key42");
	assert_int_equal(pl.segs[0].key_index, 0);
	assert_int_equal(pl.segs[1].key_index, 1);
	assert_int_equal(pl.keys[1].method, M3U8_KEY_AES128);
	assert_string_equal(pl.keys[1].uri, "http://h:1/a/b/k.bin");
	assert_int_equal(pl.segs[2].key_index, 3);
	assert_int_equal(pl.keys[3].method, M3U8_KEY_UNSUPPORTED);
	m3u8_free(&pl);
}

static void
test_key_bad(void **state)
{
	parse_err("#EXTM3U\n#EXT-X-KEY:URI=\"k\"\n",
	    "line 2: EXT-X-KEY without METHOD");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128\n", "without a URI");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"\"\n",
	    "without a URI");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x\n",
	    "bad EXT-X-KEY IV");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=12\n",
	    "bad EXT-X-KEY IV");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\","
	    "IV=0x000000000000000000000000000000001\n", "bad EXT-X-KEY IV");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0xzz\n",
	    "bad EXT-X-KEY IV");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\n",
	    "malformed EXT-X-KEY");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"x\n",
	    "malformed EXT-X-KEY");
	parse_err("#EXTM3U\n#EXT-X-KEY:METHOD\n", "malformed EXT-X-KEY");
	parse_err("#EXTM3U\n#EXT-X-KEY:=AES-128\n", "malformed EXT-X-KEY");
}

/* ------------------------------------------------------------------ */
/* Master playlists and variant choice */

static const char master3[] =
    "#EXTM3U\n"
    "#EXT-X-VERSION:6\n"
    "#EXT-X-INDEPENDENT-SEGMENTS\n"
    "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",DEFAULT=YES,"
    "URI=\"audio/en.m3u8\"\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=2227464,AVERAGE-BANDWIDTH=2218327,"
    "CODECS=\"avc1.640020,mp4a.40.2\",RESOLUTION=960x540,FRAME-RATE=60.000,"
    "AUDIO=\"aud\"\n"
    "v5/prog_index.m3u8?token=abc\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=8178040,AVERAGE-BANDWIDTH=8144656,"
    "CODECS=\"avc1.64002a,mp4a.40.2\",RESOLUTION=1920x1080\n"
    "http://cdn.example/v9/prog_index.m3u8\n"
    "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=187492,URI=\"v1/iframe.m3u8\"\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=540000,RESOLUTION=416x234,"
    "CODECS=\"avc1.42e00a,mp4a.40.2\"\n"
    "../low/index.m3u8\n";

static void
test_master_three_variants(void **state)
{
	struct m3u8	 pl;

	parse_ok(master3, BASE, &pl);
	assert_true(pl.is_master);
	assert_int_equal(pl.version, 6);
	assert_int_equal(pl.nsegs, 0);
	assert_int_equal(pl.nvariants, 3);
	assert_int_equal(pl.variants[0].bandwidth, 2227464);
	assert_int_equal(pl.variants[0].avg_bandwidth, 2218327);
	assert_string_equal(pl.variants[0].codecs, "avc1.640020,mp4a.40.2");
	assert_string_equal(pl.variants[0].resolution, "960x540");
	assert_string_equal(pl.variants[0].uri,
	    "http://h:1/a/b/v5/prog_index.m3u8?token=abc");
	assert_string_equal(pl.variants[1].uri,
	    "http://cdn.example/v9/prog_index.m3u8");
	assert_string_equal(pl.variants[1].resolution, "1920x1080");
	assert_int_equal(pl.variants[2].bandwidth, 540000);
	assert_int_equal(pl.variants[2].avg_bandwidth, 0);
	assert_string_equal(pl.variants[2].uri, "http://h:1/a/low/index.m3u8");
	m3u8_free(&pl);
}

static void
test_master_attribute_quirks(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n"
	    "#EXT-X-STREAM-INF:PROGRAM-ID=1, BANDWIDTH = 1000 ,"
	    "RESOLUTION=huge,CODECS=\"a, b,c\"\n"
	    "# a comment between tag and URI\n"
	    "\n"
	    "one.m3u8\n"
	    "#EXT-X-STREAM-INF:CODECS=\"\",RESOLUTION=1920x\n"
	    "two.m3u8\n", BASE, &pl);
	assert_int_equal(pl.nvariants, 2);
	assert_int_equal(pl.variants[0].bandwidth, 1000);
	assert_string_equal(pl.variants[0].codecs, "a, b,c");
	assert_string_equal(pl.variants[0].resolution, "");	/* dropped */
	assert_string_equal(pl.variants[1].uri, "http://h:1/a/b/two.m3u8");
	assert_int_equal(pl.variants[1].bandwidth, 0);		/* absent */
	assert_string_equal(pl.variants[1].codecs, "");
	assert_string_equal(pl.variants[1].resolution, "");
	m3u8_free(&pl);
}

static void
test_master_bad(void **state)
{
	parse_err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100\n",
	    "line 2: EXT-X-STREAM-INF without a URI");
	parse_err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=200\nb.m3u8\n",
	    "line 2: EXT-X-STREAM-INF without a URI");
	parse_err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1x\na.m3u8\n",
	    "bad BANDWIDTH");
	parse_err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=99999999999999999999"
	    "\na.m3u8\n", "bad BANDWIDTH");
	parse_err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100,CODECS=\"avc1\n"
	    "a.m3u8\n", "malformed EXT-X-STREAM-INF");
	parse_err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXTINF:1,\na\n",
	    "EXTINF after EXT-X-STREAM-INF");
	parse_err("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n"
	    "#EXTINF:1,\na.ts\n", "line 5: media segment in a master");
	parse_err("#EXTM3U\n#EXTINF:1,\na.ts\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=1\nb.m3u8\n",
	    "line 5: EXT-X-STREAM-INF in a media playlist");
}

static void
test_choose_variant(void **state)
{
	struct m3u8	 pl;
	struct m3u8	 empty;

	parse_ok(master3, BASE, &pl);
	/* 2227464, 8178040, 540000 */
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_HIGHEST, 0),
	    &pl.variants[1]);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_LOWEST, 0),
	    &pl.variants[2]);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_BANDWIDTH,
	    3000000), &pl.variants[0]);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_BANDWIDTH,
	    2227464), &pl.variants[0]);		/* exactly: not above */
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_BANDWIDTH,
	    2227463), &pl.variants[2]);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_BANDWIDTH,
	    100000000), &pl.variants[1]);
	/* every variant above the target: the lowest */
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_BANDWIDTH,
	    1000), &pl.variants[2]);
	/* unknown choice: highest, the default */
	assert_ptr_equal(m3u8_choose_variant(&pl, 42, 0), &pl.variants[1]);
	m3u8_free(&pl);

	parse_ok("#EXTM3U\n#EXTINF:1,\na.ts\n", BASE, &empty);
	assert_null(m3u8_choose_variant(&empty, M3U8_CHOOSE_HIGHEST, 0));
	m3u8_free(&empty);
	assert_null(m3u8_choose_variant(NULL, M3U8_CHOOSE_HIGHEST, 0));
}

static void
test_choose_variant_ties(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=500\na.m3u8\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=900\nb.m3u8\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=500\nc.m3u8\n"
	    "#EXT-X-STREAM-INF:BANDWIDTH=900\nd.m3u8\n", BASE, &pl);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_HIGHEST, 0),
	    &pl.variants[1]);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_LOWEST, 0),
	    &pl.variants[0]);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_BANDWIDTH, 899),
	    &pl.variants[0]);
	m3u8_free(&pl);

	parse_ok("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=7\nonly.m3u8\n", BASE,
	    &pl);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_LOWEST, 0),
	    &pl.variants[0]);
	assert_ptr_equal(m3u8_choose_variant(&pl, M3U8_CHOOSE_BANDWIDTH, 1),
	    &pl.variants[0]);
	m3u8_free(&pl);
}

/* ------------------------------------------------------------------ */
/* URL resolution */

struct rcase {
	const char	*ref, *want;
};

static void
check_cases(const char *base, const struct rcase *c, size_t n)
{
	char	 out[512];
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (m3u8_resolve_url(base, c[i].ref, out, sizeof(out)) != 0)
			fail_msg("'%s' against '%s' failed", c[i].ref, base);
		if (strcmp(out, c[i].want) != 0)
			fail_msg("'%s' against '%s': '%s', want '%s'",
			    c[i].ref, base, out, c[i].want);
	}
}

static void
test_resolve_playlist_shapes(void **state)
{
	static const struct rcase c[] = {
		{ "seg.ts",		"http://h:1/a/b/seg.ts" },
		{ "../x/seg.ts",	"http://h:1/a/x/seg.ts" },
		{ "/abs/seg.ts",	"http://h:1/abs/seg.ts" },
		{ "//host/seg.ts",	"http://host/seg.ts" },
		{ "http://other/seg.ts", "http://other/seg.ts" },
		{ "seg.ts?x=1",		"http://h:1/a/b/seg.ts?x=1" },
		{ "./seg.ts",		"http://h:1/a/b/seg.ts" },
		{ "../../../../seg.ts",	"http://h:1/seg.ts" },
		{ "x/./y/../seg.ts",	"http://h:1/a/b/x/seg.ts" },
		{ "HTTPS://Other:8443/p/../q.ts", "HTTPS://Other:8443/q.ts" },
		{ "seg.ts#t=10",	"http://h:1/a/b/seg.ts#t=10" },
		{ "?tok=2",		"http://h:1/a/b/index.m3u8?tok=2" },
		{ "",			"http://h:1/a/b/index.m3u8?tok=1" },
		{ "seg_2024-01-01T10:00:00.ts",
		  "http://h:1/a/b/seg_2024-01-01T10:00:00.ts" },
	};

	check_cases(BASE, c, sizeof(c) / sizeof(c[0]));
}

/* RFC 3986 section 5.4, normal and abnormal examples. */
static void
test_resolve_rfc3986(void **state)
{
	static const struct rcase c[] = {
		{ "g:h",	"g:h" },
		{ "g",		"http://a/b/c/g" },
		{ "./g",	"http://a/b/c/g" },
		{ "g/",		"http://a/b/c/g/" },
		{ "/g",		"http://a/g" },
		{ "//g",	"http://g" },
		{ "?y",		"http://a/b/c/d;p?y" },
		{ "g?y",	"http://a/b/c/g?y" },
		{ "#s",		"http://a/b/c/d;p?q#s" },
		{ "g#s",	"http://a/b/c/g#s" },
		{ "g?y#s",	"http://a/b/c/g?y#s" },
		{ ";x",		"http://a/b/c/;x" },
		{ "g;x",	"http://a/b/c/g;x" },
		{ "g;x?y#s",	"http://a/b/c/g;x?y#s" },
		{ "",		"http://a/b/c/d;p?q" },
		{ ".",		"http://a/b/c/" },
		{ "./",		"http://a/b/c/" },
		{ "..",		"http://a/b/" },
		{ "../",	"http://a/b/" },
		{ "../g",	"http://a/b/g" },
		{ "../..",	"http://a/" },
		{ "../../",	"http://a/" },
		{ "../../g",	"http://a/g" },
		{ "../../../g",	"http://a/g" },
		{ "../../../../g", "http://a/g" },
		{ "/./g",	"http://a/g" },
		{ "/../g",	"http://a/g" },
		{ "g.",		"http://a/b/c/g." },
		{ ".g",		"http://a/b/c/.g" },
		{ "g..",	"http://a/b/c/g.." },
		{ "..g",	"http://a/b/c/..g" },
		{ "./../g",	"http://a/b/g" },
		{ "./g/.",	"http://a/b/c/g/" },
		{ "g/./h",	"http://a/b/c/g/h" },
		{ "g/../h",	"http://a/b/c/h" },
		{ "g;x=1/./y",	"http://a/b/c/g;x=1/y" },
		{ "g;x=1/../y",	"http://a/b/c/y" },
		{ "g?y/./x",	"http://a/b/c/g?y/./x" },
		{ "g?y/../x",	"http://a/b/c/g?y/../x" },
		{ "g#s/./x",	"http://a/b/c/g#s/./x" },
		{ "g#s/../x",	"http://a/b/c/g#s/../x" },
		{ "http:g",	"http:g" },
	};
	static const struct rcase noslash[] = {
		{ "seg.ts",	"http://h/seg.ts" },	/* empty base path */
		{ "?q",		"http://h?q" },
	};

	check_cases("http://a/b/c/d;p?q", c, sizeof(c) / sizeof(c[0]));
	check_cases("http://h", noslash, 2);
}

static void
test_resolve_limits(void **state)
{
	char	 out[64];
	char	 small[16];
	const char *base = "http://h:1/a/b/index.m3u8?tok=1";
	const char *refs[] = { "seg.ts", "//x", "/p", "", "?q", "a:b",
	    "../../../../../x", "#f" };
	size_t	 i;
	char	*big;

	/* no base, or a base without a scheme: only absolute refs work */
	assert_int_equal(m3u8_resolve_url(NULL, "seg.ts", out, sizeof(out)),
	    -1);
	assert_int_equal(m3u8_resolve_url("index.m3u8", "seg.ts", out,
	    sizeof(out)), -1);
	assert_int_equal(m3u8_resolve_url(NULL, "http://x/./a/../b", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "http://x/b");
	/* too small: -1, never an overflow */
	assert_int_equal(m3u8_resolve_url(base, "seg.ts", small,
	    sizeof(small)), -1);
	assert_int_equal(m3u8_resolve_url(base, "seg.ts", out, 0), -1);
	assert_int_equal(m3u8_resolve_url(base, "seg.ts", out,
	    strlen("http://h:1/a/b/seg.ts")), -1);
	assert_int_equal(m3u8_resolve_url(base, "seg.ts", out,
	    strlen("http://h:1/a/b/seg.ts") + 1), 0);
	/* the documented size bound always suffices */
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		size_t sz = strlen("http://h") + strlen(refs[i]) + 2;

		big = malloc(sz);
		assert_non_null(big);
		assert_int_equal(m3u8_resolve_url("http://h", refs[i], big,
		    sz), 0);
		free(big);
	}
}

static void
test_base_unusable(void **state)
{
	struct m3u8	 pl;

	const char	*text = "#EXTM3U\n#EXTINF:1,\nseg.ts\n";

	assert_int_equal(parse_n(text, strlen(text), "relative/index.m3u8",
	    &pl), -1);
	assert_non_null(strstr(errbuf, "line 3: cannot resolve URI"));
	/* absolute URIs do not need the base */
	parse_ok("#EXTM3U\n#EXTINF:1,\nhttp://x/seg.ts\n",
	    "relative/index.m3u8", &pl);
	assert_string_equal(pl.segs[0].uri, "http://x/seg.ts");
	m3u8_free(&pl);
}

/* ------------------------------------------------------------------ */
/* Tolerance */

static void
test_unknown_tags_and_comments(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U\n"
	    "# generated by some encoder\n"
	    "#EXT-X-ALLOW-CACHE:NO\n"
	    "#EXT-X-INDEPENDENT-SEGMENTS\n"
	    "#EXT-X-PLAYLIST-TYPE:EVENT\n"
	    "#EXT-X-FUTURE-TAG:A=1,B=\"unterminated\n"
	    "#EXTM3U\n"
	    "#EXT-X-CUE-OUT:30\n"
	    "#EXTINF:6,\n"
	    "#EXT-X-CUE-OUT-CONT:6/30\n"
	    "#comment between EXTINF and URI\n"
	    "ad1.ts\n"
	    "#EXT-X-CUE-IN\n"
	    "#EXTX-NOT-QUITE\n"
	    "#EXT-X-ENDLIST:junk\n", BASE, &pl);
	assert_int_equal(pl.nsegs, 1);
	assert_string_equal(pl.segs[0].uri, "http://h:1/a/b/ad1.ts");
	assert_dbl(pl.segs[0].duration, 6);
	assert_int_equal(pl.version, 1);
	assert_true(pl.endlist);
	m3u8_free(&pl);
}

static void
test_header_variants(void **state)
{
	struct m3u8	 pl;

	parse_ok("#EXTM3U", BASE, &pl);		/* header only: no segments */
	assert_false(pl.is_master);
	assert_int_equal(pl.nsegs, 0);
	assert_int_equal(pl.version, 1);
	m3u8_free(&pl);
	parse_ok("\n\n  #EXTM3U url-tvg=\"x\"\n#EXT-X-ENDLIST\n", BASE, &pl);
	assert_true(pl.endlist);
	m3u8_free(&pl);
	parse_ok("#EXTM3U\n#EXT-X-TARGETDURATION:10\n"
	    "#EXTINF:10,\na.ts\n#EXTINF:10,\nb.ts\n"
	    "#EXT-X-MEDIA-SEQUENCE:5\n", BASE, &pl);	/* placed late */
	assert_int_equal(pl.segs[0].seq, 5);
	assert_int_equal(pl.segs[1].seq, 6);
	m3u8_free(&pl);
}

/* ------------------------------------------------------------------ */
/* Broken input */

static void
test_empty(void **state)
{
	struct m3u8	 pl;

	assert_int_equal(parse_n("", 0, BASE, &pl), -1);
	assert_string_equal(errbuf, "empty playlist");
	parse_err("   \n\r\n\t\n", "empty playlist");
	parse_err("\xEF\xBB\xBF", "empty playlist");
	assert_int_equal(m3u8_parse(NULL, 0, BASE, &pl, errbuf,
	    sizeof(errbuf)), -1);
}

static void
test_missing_header(void **state)
{
	parse_err("<html><body>403 Forbidden</body></html>\n",
	    "line 1: not an HLS playlist (no #EXTM3U)");
	parse_err("#EXTINF:10,\na.ts\n", "line 1: not an HLS playlist");
	parse_err("\n\n#EXTM3UX\n", "line 3: not an HLS playlist");
	parse_err("\xEF\xBB\xBF\xEF\xBB\xBF#EXTM3U\n", "not an HLS playlist");
	parse_err("#extm3u\n", "not an HLS playlist");
}

static void
test_binary_garbage(void **state)
{
	struct m3u8	 pl;
	static const char nul[] = "#EXTM3U\n#EXTINF:1,\na\0.ts\n";
	unsigned char	 buf[4096];
	size_t		 i, len;
	int		 round;

	assert_int_equal(parse_n(nul, sizeof(nul) - 1, BASE, &pl), -1);
	assert_string_equal(errbuf, "not an HLS playlist (NUL byte at offset "
	    "20)");
	srand(42);
	for (round = 0; round < 200; round++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)rand();
		if (round % 2)
			memcpy(buf, "#EXTM3U\n", 8);
		if (round % 4 == 1)	/* no NUL: the line parser runs */
			for (i = 0; i < sizeof(buf); i++)
				buf[i] = buf[i] == 0 ? '\n' : buf[i];
		len = round % 4 == 1 ? sizeof(buf) : (size_t)round * 20;
		if (parse_n((char *)buf, len, BASE, &pl) == 0)
			m3u8_free(&pl);
		else
			assert_true(errbuf[0] != '\0');
	}
}

static void
test_truncated(void **state)
{
	static const char full[] =
	    "\xEF\xBB\xBF#EXTM3U\r\n#EXT-X-VERSION:3\r\n"
	    "#EXT-X-TARGETDURATION:10\r\n#EXT-X-MEDIA-SEQUENCE:99\r\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"../k?x=1\",IV=0x1f\r\n"
	    "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T10:00:00.123+01:00\r\n"
	    "#EXT-X-BYTERANGE:100@5\r\n#EXTINF:9.5,title\r\nseg.ts?a=b\r\n"
	    "#EXT-X-DISCONTINUITY\r\n#EXTINF:9.5,\r\n//h2/seg2.ts\r\n"
	    "#EXT-X-ENDLIST\r\n";
	static const char *truncated_tags[] = {
		"#EXTM3U\n#EXTINF:",
		"#EXTM3U\n#EXTINF:,\na.ts\n",
		"#EXTM3U\n#EXTINF:1.",		/* EXTINF without URI */
		"#EXTM3U\n#EXT-X-VERSION:",
		"#EXTM3U\n#EXT-X-TARGETDURATION:",
		"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:",
		"#EXTM3U\n#EXT-X-DISCONTINUITY-SEQUENCE:",
		"#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2026-11-2",
		"#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"",
		"#EXTM3U\n#EXT-X-KEY:",
		"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=",
		"#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"avc",
	};
	struct m3u8	 pl;
	size_t		 n, i;

	/* every prefix: parsed or refused, never a crash or overread */
	for (n = 0; n <= sizeof(full) - 1; n++) {
		if (parse_n(full, n, BASE, &pl) == 0)
			m3u8_free(&pl);
		else
			assert_true(errbuf[0] != '\0');
	}
	assert_int_equal(parse_n(full, sizeof(full) - 1, BASE, &pl), 0);
	assert_int_equal(pl.nsegs, 2);
	assert_int_equal(pl.segs[0].byterange_off, 5);
	assert_string_equal(pl.segs[0].title, "title");
	assert_string_equal(pl.segs[1].uri, "http://h2/seg2.ts");
	assert_int_equal(pl.keys[0].iv[15], 0x1f);
	m3u8_free(&pl);
	for (i = 0; i < sizeof(truncated_tags) / sizeof(truncated_tags[0]);
	    i++) {
		if (parse_n(truncated_tags[i], strlen(truncated_tags[i]), BASE,
		    &pl) == 0)
			fail_msg("accepted '%s'", truncated_tags[i]);
		assert_true(strncmp(errbuf, "line 2: ", 8) == 0);
	}
}

static void
test_extinf_without_uri(void **state)
{
	parse_err("#EXTM3U\n#EXTINF:10,\n", "line 2: EXTINF without a URI");
	parse_err("#EXTM3U\n#EXTINF:10,\n#EXTINF:10,\nb.ts\n",
	    "line 2: EXTINF without a URI");
	parse_err("#EXTM3U\n#EXTINF:10,\na.ts\n#EXTINF:10,\n# trailing\n\n",
	    "line 4: EXTINF without a URI");
	parse_err("#EXTM3U\nfirst.ts\n",
	    "line 2: URI without EXTINF or EXT-X-STREAM-INF");
	parse_err("#EXTM3U\n#EXTINF:1,\na.ts\nb.ts\n",
	    "line 4: URI without EXTINF");
	parse_err("#EXTM3U\n#EXTINF:1,\n#EXT-X-STREAM-INF:BANDWIDTH=1\nx\n",
	    "EXT-X-STREAM-INF after EXTINF");
}

static void
test_bad_durations(void **state)
{
	static const char *bad[] = {
		"-1", "-0.5", "nan", "NaN", "inf", "1e3", "0x10", "", ".",
		"1.2.3", "10s", "1,5.0", "86400.001", "99999999999999999999",
		"100000000000000000000000000000000000000000000000000000000",
		"+5", "5 5",
	};
	char	 text[256];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "#EXTM3U\n#EXTINF:%s,\na.ts\n",
		    bad[i]);
		if (strcmp(bad[i], "1,5.0") == 0)	/* "1" then a title */
			continue;
		parse_err(text, "line 2: bad EXTINF duration");
	}
	parse_err("#EXTM3U\n#EXT-X-TARGETDURATION:-10\n",
	    "bad EXT-X-TARGETDURATION");
	parse_err("#EXTM3U\n#EXT-X-TARGETDURATION:1e9\n",
	    "bad EXT-X-TARGETDURATION");
	parse_err("#EXTM3U\n#EXT-X-TARGETDURATION:99999999\n",
	    "bad EXT-X-TARGETDURATION");
}

static void
test_huge_numbers(void **state)
{
	struct m3u8	 pl;

	parse_err("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:18446744073709551616\n",
	    "bad EXT-X-MEDIA-SEQUENCE");
	parse_err("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-1\n",
	    "bad EXT-X-MEDIA-SEQUENCE");
	parse_err("#EXTM3U\n#EXT-X-DISCONTINUITY-SEQUENCE:"
	    "99999999999999999999\n", "bad EXT-X-DISCONTINUITY-SEQUENCE");
	parse_err("#EXTM3U\n#EXT-X-VERSION:100\n", "bad EXT-X-VERSION");
	parse_err("#EXTM3U\n#EXT-X-VERSION:0\n", "bad EXT-X-VERSION");
	parse_err("#EXTM3U\n#EXT-X-VERSION:4294967299\n", "bad EXT-X-VERSION");
	/* the largest sequence number works; one more segment overflows */
	parse_ok("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n"
	    "#EXTINF:1,\na.ts\n", BASE, &pl);
	assert_int_equal(pl.segs[0].seq, UINT64_MAX);
	m3u8_free(&pl);
	parse_err("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n"
	    "#EXTINF:1,\na.ts\n#EXTINF:1,\nb.ts\n", "media sequence overflows");
}

static void
test_bad_pdt_in_playlist(void **state)
{
	parse_err("#EXTM3U\r\n#EXTINF:1,\r\na.ts\r\n"
	    "#EXT-X-PROGRAM-DATE-TIME:yesterday\r\n#EXTINF:1,\r\nb.ts\r\n",
	    "line 4: bad EXT-X-PROGRAM-DATE-TIME");
}

/* Build a playlist of N lines of LINE after the header. */
static char *
repeat(const char *head, const char *line, size_t n, size_t *len)
{
	size_t	 hl = strlen(head), ll = strlen(line), i;
	char	*p = malloc(hl + ll * n + 1);

	assert_non_null(p);
	memcpy(p, head, hl);
	for (i = 0; i < n; i++)
		memcpy(p + hl + i * ll, line, ll);
	*len = hl + ll * n;
	p[*len] = '\0';
	return p;
}

static void
test_100k_lines(void **state)
{
	struct m3u8	 pl;
	size_t		 len;
	char		*p;

	p = repeat("#EXTM3U\n", "# just a comment line\n\n", 50000, &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), 0);
	m3u8_free(&pl);
	free(p);

	p = repeat("#EXTM3U\n", "#EXTINF:1,\nseg.ts\n", 50000, &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), -1);
	assert_string_equal(errbuf, "line 20003: more than 10000 segments");
	free(p);

	p = repeat("#EXTM3U\n", "#EXTINF:1,\nseg.ts\n", M3U8_MAX_SEGMENTS,
	    &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), 0);
	assert_int_equal(pl.nsegs, M3U8_MAX_SEGMENTS);
	assert_int_equal(pl.segs[M3U8_MAX_SEGMENTS - 1].seq,
	    M3U8_MAX_SEGMENTS - 1);
	m3u8_free(&pl);
	free(p);

	p = repeat("#EXTM3U\n", "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",
	    M3U8_MAX_VARIANTS + 1, &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), -1);
	assert_non_null(strstr(errbuf, "more than 1000 variants"));
	free(p);

	p = repeat("#EXTM3U\n", "#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n",
	    M3U8_MAX_KEYS + 1, &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), -1);
	assert_non_null(strstr(errbuf, "more than 10000 EXT-X-KEY"));
	free(p);
}

static void
test_size_limits(void **state)
{
	struct m3u8	 pl;
	size_t		 len;
	char		*p;

	/* a line of exactly the limit is fine, one byte more is not */
	p = repeat("#EXTM3U\n#", "x", M3U8_MAX_LINE_BYTES - 1, &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), 0);
	m3u8_free(&pl);
	free(p);
	p = repeat("#EXTM3U\n#", "x", M3U8_MAX_LINE_BYTES, &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), -1);
	assert_string_equal(errbuf, "line 2: line longer than 65536 bytes");
	free(p);

	p = repeat("#EXTM3U\n", "\n", M3U8_MAX_PLAYLIST_BYTES - 8, &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), 0);
	m3u8_free(&pl);
	free(p);
	p = repeat("#EXTM3U\n", "\n", M3U8_MAX_PLAYLIST_BYTES - 7, &len);
	assert_int_equal(parse_n(p, len, BASE, &pl), -1);
	assert_non_null(strstr(errbuf, "playlist larger than"));
	free(p);
}

static void
test_error_buffer(void **state)
{
	struct m3u8	 pl;
	char		 tiny[8];
	const char	*bad = "#EXTM3U\nseg.ts\n";

	assert_int_equal(m3u8_parse(bad, strlen(bad), BASE, &pl, NULL, 0), -1);
	assert_int_equal(m3u8_parse(bad, strlen(bad), BASE, &pl, tiny, 0), -1);
	assert_int_equal(m3u8_parse(bad, strlen(bad), BASE, &pl, tiny,
	    sizeof(tiny)), -1);
	assert_string_equal(tiny, "line 2:");
	assert_int_equal(m3u8_parse(bad, strlen(bad), BASE, &pl, tiny, 3), -1);
	assert_string_equal(tiny, "li");
}

static void
test_mutations(void **state)
{
	struct m3u8	 pl;
	char		 buf[sizeof(master3) + 64];
	static const char alphabet[] = "#:,=\"@\r\n.-/x0123456789EXTINF-KEY";
	size_t		 len, j;
	int		 round;

	srand(7);
	for (round = 0; round < 5000; round++) {
		const char *src = round % 2 ? master3 :
		    "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-KEY:METHOD="
		    "AES-128,URI=\"k\",IV=0x01\n#EXT-X-BYTERANGE:10@0\n"
		    "#EXTINF:1.5,t\na.ts\n#EXT-X-BYTERANGE:10\n#EXTINF:1,\n"
		    "a.ts\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n"
		    "#EXTINF:2,\n../b.ts?x=1\n";

		len = strlen(src);
		memcpy(buf, src, len);
		for (j = 0; j < 1 + (size_t)(rand() % 6); j++) {
			size_t at = (size_t)rand() % len;

			switch (rand() % 3) {
			case 0:
				buf[at] = alphabet[rand() %
				    (int)(sizeof(alphabet) - 1)];
				break;
			case 1:		/* delete */
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			default:	/* truncate */
				len = at + 1;
				break;
			}
			if (len == 0)
				break;
		}
		if (parse_n(buf, len, BASE, &pl) == 0)
			m3u8_free(&pl);
		else
			assert_true(errbuf[0] != '\0');
	}
}

/* The seed corpus: ok-* files parse, bad-* files are refused. */
static void
test_corpus(void **state)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[512], *data;
	FILE		*fp;
	long		 sz;
	struct m3u8	 pl;
	int		 r, n = 0;

	if ((d = opendir(CORPUS_DIR)) == NULL) {
		print_message("no %s (run from the repository root)\n",
		    CORPUS_DIR);
		skip();
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, de->d_name);
		assert_non_null(fp = fopen(path, "rb"));
		assert_int_equal(fseek(fp, 0, SEEK_END), 0);
		sz = ftell(fp);
		rewind(fp);
		assert_non_null(data = malloc((size_t)sz + 1));
		assert_int_equal(fread(data, 1, (size_t)sz, fp), (size_t)sz);
		fclose(fp);
		r = parse_n(data, (size_t)sz, BASE, &pl);
		free(data);
		if (r == 0)
			m3u8_free(&pl);
		if (strncmp(de->d_name, "ok-", 3) == 0 && r != 0)
			fail_msg("%s: %s", de->d_name, errbuf);
		if (strncmp(de->d_name, "bad-", 4) == 0 && r == 0)
			fail_msg("%s: parsed", de->d_name);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apple_vod),
		cmocka_unit_test(test_live_sliding_window),
		cmocka_unit_test(test_wowza_tokens),
		cmocka_unit_test(test_nginx_rtmp),
		cmocka_unit_test(test_crlf_bom_whitespace),
		cmocka_unit_test(test_cr_only_lines),
		cmocka_unit_test(test_extinf_forms),
		cmocka_unit_test(test_discontinuity_sequence),
		cmocka_unit_test(test_program_date_time),
		cmocka_unit_test(test_pdt_parse_format),
		cmocka_unit_test(test_byterange),
		cmocka_unit_test(test_byterange_bad),
		cmocka_unit_test(test_key_aes128),
		cmocka_unit_test(test_key_unsupported_and_keyformats),
		cmocka_unit_test(test_key_bad),
		cmocka_unit_test(test_master_three_variants),
		cmocka_unit_test(test_master_attribute_quirks),
		cmocka_unit_test(test_master_bad),
		cmocka_unit_test(test_choose_variant),
		cmocka_unit_test(test_choose_variant_ties),
		cmocka_unit_test(test_resolve_playlist_shapes),
		cmocka_unit_test(test_resolve_rfc3986),
		cmocka_unit_test(test_resolve_limits),
		cmocka_unit_test(test_base_unusable),
		cmocka_unit_test(test_unknown_tags_and_comments),
		cmocka_unit_test(test_header_variants),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_missing_header),
		cmocka_unit_test(test_binary_garbage),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_extinf_without_uri),
		cmocka_unit_test(test_bad_durations),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_bad_pdt_in_playlist),
		cmocka_unit_test(test_100k_lines),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
