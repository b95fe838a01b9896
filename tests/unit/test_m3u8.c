/*
 * test_m3u8.c - HLS playlist parsing and variant choice.
 *
 * Playlists are shaped like what origins really send (Apple's examples,
 * live sliding windows, Wowza chunklists with tokens, nginx-rtmp, AES-128
 * with key rotation, masters with quoted CODECS); what breaks (truncated,
 * binary, absurd numbers) is in test_m3u8_hostile.c, URL resolution in
 * test_url.c, dates in test_iso8601.c.  Every input is copied into a heap
 * block of exactly its length with no terminating NUL, so AddressSanitizer
 * catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m3u8.h"
#include "test_m3u8.h"

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
/* URIs against the playlist's URL (resolution itself: test_url.c) */

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
		cmocka_unit_test(test_base_unusable),
		cmocka_unit_test(test_unknown_tags_and_comments),
		cmocka_unit_test(test_header_variants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
