/*
 * test_m3u8.h - what the two M3U8 parser tests share (test_m3u8.c: the
 * playlists origins send; test_m3u8_hostile.c: broken and hostile
 * input): the base URL, parsing from an exact-size heap copy with the
 * error message in errbuf, and a master playlist with three variants.
 *
 * Included by those two files only, after <cmocka.h>, <stdlib.h>,
 * <string.h> and "m3u8.h"; each gets its own copy (static).
 */
#ifndef RINGCAST_TEST_M3U8_H
#define RINGCAST_TEST_M3U8_H

#define BASE		"http://h:1/a/b/index.m3u8?tok=1"

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

#endif
