/*
 * test_m3u8_hostile.c - the M3U8 parser against what breaks: empty,
 * headerless, binary and truncated playlists, absurd numbers, every
 * limit (lines, segments, variants, keys, bytes), a short error buffer,
 * random mutations and the fuzz seed corpus.
 *
 * What a user relies on: a broken upstream playlist is refused with a
 * one-line reason and never crashes or overreads the fetcher.  Every
 * input is copied into a heap block of exactly its length with no
 * terminating NUL (test_m3u8.h), so AddressSanitizer catches any read
 * past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m3u8.h"
#include "test_m3u8.h"

#define CORPUS_DIR	"tests/fuzz/m3u8"

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
		fail_msg("no corpus %s (run from the repository root)",
		    CORPUS_DIR);
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
