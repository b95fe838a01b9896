/*
 * test_m3u_list_hostile.c - the channel-list parser against what breaks:
 * no #EXTM3U, a byte-order mark and CR line ends, binary and NUL bytes,
 * a list one byte over the size limit, one entry over the entry limit,
 * lines and attributes over theirs, broken quotes, unsupported schemes,
 * URLs too long once resolved, text past the arena's bound, a short
 * error buffer, random mutations of a real list and the fuzz corpus.
 *
 * What a user relies on: a provider that serves garbage (an HTML error
 * page, a truncated or binary file, a list of millions of lines) never
 * crashes or stalls ringcast nor eats its memory; a list that is not one
 * is refused with a one-line reason, and inside a list each bad entry is
 * skipped and counted under its reason while the rest is kept.
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
#include <strings.h>

#include "m3u_list.h"
#include "utf8.h"
#include "test_m3u_list.h"

#define CORPUS_DIR	"tests/fuzz/m3u_list"

/* A heap string of N copies of PIECE after HEAD. */
static char *
repeat(const char *head, const char *piece, size_t n, size_t *len)
{
	size_t hl = strlen(head), pl = strlen(piece), i;
	char *s = malloc(hl + pl * n + 1);

	assert_non_null(s);
	memcpy(s, head, hl);
	for (i = 0; i < n; i++)
		memcpy(s + hl + i * pl, piece, pl);
	*len = hl + pl * n;
	s[*len] = '\0';
	return s;
}

static void
test_empty_and_headerless(void **state)
{
	struct m3u_list l;

	parse_err("", 0, "empty list");
	parse_err(" \r\n\t\n\n", 6, "empty list");
	parse_err("\xEF\xBB\xBF", 3, "empty list");
	parse_err("<html><body>403 Forbidden</body></html>\n", 40,
	    "line 1: not an M3U list (no #EXTM3U)");
	parse_err("#EXTINF:-1,A\nhttp://h/a.ts\n", 26, "not an M3U list");
	parse_err("\n\n#EXTM3Ux\n", 11, "line 3: not an M3U list");
	parse_err("\xEF\xBB\xBF\xEF\xBB\xBF#EXTM3U\n", 14, "not an M3U list");
	parse_err("\x1F\x8B\x08\x00gzip", 8, "not an M3U list");
	parse_err("\0#EXTM3U\n", 9, "not an M3U list");
	assert_int_equal(m3u_list_parse(NULL, 0, NULL, &l, errbuf,
	    sizeof(errbuf)), -1);
	assert_string_equal(errbuf, "empty list");
	assert_int_equal(m3u_list_parse(NULL, 5, NULL, &l, NULL, 0), -1);
	assert_int_equal(parse_n("#EXTM3U\n", 8, "no/scheme", &l), -1);
	assert_string_equal(errbuf, "the list's URL is not absolute");
}

static void
test_header_forms(void **state)
{
	struct m3u_list l;

	parse_ok("\n  \n\t#extm3u\n#EXTINF:-1,A\nhttp://h/a.ts", NULL, &l);
	assert_int_equal(l.n, 1);		/* no final line end */
	m3u_list_free(&l);
	parse_ok("#EXTM3U\t url-tvg=\"x\"", NULL, &l);
	assert_int_equal(l.n, 0);
	m3u_list_free(&l);
	/* CR alone ends lines too (old Mac editors) */
	parse_ok("#EXTM3U\r#EXTINF:-1,A\rhttp://h/a.ts\r\r\rhttp://h/b.ts\r",
	    NULL, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.entries[1].line, 6);
	m3u_list_free(&l);
}

static void
test_binary_lines(void **state)
{
	static const char nul[] = "#EXTM3U\n#EXTINF:-1,A\nhttp://h/a\0.ts\n"
	    "#EXTINF:-1,B\x01\nhttp://h/b.ts\n"
	    "#EXTINF:-1,C\n#EXTGRP:G\x7f\n#EXTVLCOPT:http-user-agent=\x1b\n"
	    "http://h/c.ts\n"
	    "#EXTINF:-1,D\nhttp://h/d.ts\n";
	struct m3u_list l;

	assert_int_equal(parse_n(nul, sizeof(nul) - 1, NULL, &l), 0);
	check_list(&l, nul, sizeof(nul) - 1);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.skipped[M3U_SKIP_BINARY], 2);
	assert_int_equal(l.dropped_lines, 2);
	assert_string_equal(l.entries[0].name, "C");
	assert_string_equal(l.entries[0].group, "");
	assert_string_equal(l.entries[0].user_agent, "");
	assert_string_equal(l.entries[1].name, "D");
	m3u_list_free(&l);
	/* "#EXTINF" and a NUL: a broken line, not an EXTINF (the fuzz
	 * target's own count once took it for one) */
	assert_int_equal(parse_n("#EXTM3U\n#EXTINF:-1,A\n#EXTINF\0:-1,B\n"
	    "http://h/a.ts\n", 49, NULL, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.entries[0].name, "A");
	assert_int_equal(l.dropped_lines, 1);
	m3u_list_free(&l);
	/* the header itself binary: still a list, its attributes dropped */
	assert_int_equal(parse_n("#EXTM3U url-tvg=\"\0\"\nhttp://h/a.ts\n", 31,
	    NULL, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.dropped_lines, 1);
	m3u_list_free(&l);
}

static void
test_random_binary(void **state)
{
	unsigned char buf[8192];
	struct m3u_list l;
	size_t i;
	int round;

	srand(20);
	for (round = 0; round < 300; round++) {
		size_t len = (size_t)rand() % sizeof(buf);

		for (i = 0; i < len; i++)
			buf[i] = (unsigned char)rand();
		if (round % 2 && len >= 8)
			memcpy(buf, "#EXTM3U\n", 8);
		if (round % 4 == 1)	/* more lines, fewer controls */
			for (i = 8; i < len; i++)
				if (buf[i] < 0x20 && buf[i] % 3 == 0)
					buf[i] = '\n';
		if (parse_n((char *)buf, len, LIST_URL, &l) == 0) {
			check_list(&l, (char *)buf, len);
			m3u_list_free(&l);
		} else
			assert_true(errbuf[0] != '\0');
	}
}

/* 10 MiB is read; one byte more is refused before any work. */
static void
test_size_limit(void **state)
{
	struct m3u_list l;
	size_t len = M3U_LIST_MAX_BYTES + 1;
	char *text = malloc(len);

	assert_non_null(text);
	memset(text, '\n', len);
	memcpy(text, "#EXTM3U\nhttp://h/a.ts\n", 22);
	assert_int_equal(m3u_list_parse(text, len, NULL, &l, errbuf,
	    sizeof(errbuf)), -1);
	assert_string_equal(errbuf,
	    "the list is 10485761 bytes, more than the 10485760 allowed");
	assert_null(l.entries);
	assert_int_equal(m3u_list_parse(text, len - 1, NULL, &l, errbuf,
	    sizeof(errbuf)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.lines, M3U_LIST_MAX_BYTES - 20);
	m3u_list_free(&l);
	free(text);
}

/* 100001 entries: the first 100000 kept, the last counted. */
static void
test_entry_limit(void **state)
{
	struct m3u_list l;
	size_t len;
	char *text = repeat("#EXTM3U\n", "#EXTINF:-1 tvg-id=\"x\",Ch\n"
	    "http://h.example/live/a.ts\n", M3U_LIST_MAX_ENTRIES + 1, &len);

	assert_true(len < M3U_LIST_MAX_BYTES);
	assert_int_equal(parse_n(text, len, NULL, &l), 0);
	assert_int_equal(l.n, M3U_LIST_MAX_ENTRIES);
	assert_int_equal(l.skipped[M3U_SKIP_TOO_MANY], 1);
	assert_int_equal(m3u_list_skipped(&l), 1);
	assert_int_equal(l.entries[M3U_LIST_MAX_ENTRIES - 1].line,
	    2 * M3U_LIST_MAX_ENTRIES + 1);
	m3u_list_free(&l);
	free(text);
}

/* Lines: at the limit read, over it skipped (an entry) or dropped. */
static void
test_line_limits(void **state)
{
	struct m3u_list l;
	size_t max = M3U_LIST_MAX_LINE_BYTES, pad, i;
	char *text = malloc(4 * max + 256), *p = text;

	assert_non_null(text);
	p += sprintf(p, "#EXTM3U\n");
	/* an EXTINF of exactly the limit, its title 2-byte characters */
	pad = max - strlen("#EXTINF:-1,X");
	p += sprintf(p, "#EXTINF:-1,X");
	for (i = 0; i + 1 < pad; i += 2)
		p += sprintf(p, "\xC3\xA9");
	if (pad % 2)
		*p++ = 'Y';
	p += sprintf(p, "\nhttp://h/1.ts\n");
	/* one byte longer: skipped with its URL */
	p += sprintf(p, "#EXTINF:-1,");
	memset(p, 'Z', max + 1 - 11);
	p += max + 1 - 11;
	p += sprintf(p, "\nhttp://h/2.ts\n");
	/* a comment over the limit: dropped, the entry after it kept */
	*p++ = '#';
	memset(p, 'c', max);
	p += max;
	p += sprintf(p, "\n#EXTINF:-1,Three\nhttp://h/3.ts\n");
	/* a URL line over the limit */
	p += sprintf(p, "http://h/");
	memset(p, 'u', max);
	p += max;
	p += sprintf(p, "\n");
	assert_int_equal(parse_n(text, (size_t)(p - text), NULL, &l), 0);
	check_list(&l, text, (size_t)(p - text));
	assert_int_equal(l.n, 2);
	assert_int_equal(l.skipped[M3U_SKIP_LINE_TOO_LONG], 2);
	assert_int_equal(l.dropped_lines, 1);
	/* the title cut at 256 bytes, between two characters */
	assert_int_equal(strlen(l.entries[0].name), M3U_LIST_MAX_NAME_BYTES -
	    1);
	assert_memory_equal(l.entries[0].name, "X\xC3\xA9\xC3\xA9", 5);
	assert_string_equal(l.entries[1].name, "Three");
	m3u_list_free(&l);
	free(text);
}

/* An attribute value over the limit is dropped; at the limit kept. */
static void
test_attr_limits(void **state)
{
	struct m3u_list l;
	char *text = malloc(4 * M3U_LIST_MAX_ATTR_BYTES + 256), *p = text;

	assert_non_null(text);
	p += sprintf(p, "#EXTM3U\n#EXTINF:-1 tvg-logo=\"");
	memset(p, 'a', M3U_LIST_MAX_ATTR_BYTES);
	p += M3U_LIST_MAX_ATTR_BYTES;
	p += sprintf(p, "\" tvg-id=\"");
	memset(p, 'b', M3U_LIST_MAX_ATTR_BYTES + 1);
	p += M3U_LIST_MAX_ATTR_BYTES + 1;
	p += sprintf(p, "\" tvg-id=\"short\",N\nhttp://h/1.ts\n"
	    "#EXTVLCOPT:http-user-agent=");
	/* 600 Latin-1 bytes become 1200 bytes of UTF-8: too long */
	memset(p, '\xE9', 600);
	p += 600;
	p += sprintf(p, "\nhttp://h/2.ts\n");
	assert_int_equal(parse_n(text, (size_t)(p - text), NULL, &l), 0);
	check_list(&l, text, (size_t)(p - text));
	assert_int_equal(l.n, 2);
	assert_int_equal(strlen(l.entries[0].logo), M3U_LIST_MAX_ATTR_BYTES);
	assert_string_equal(l.entries[0].tvg_id, "short");
	assert_string_equal(l.entries[1].user_agent, "");
	assert_int_equal(l.dropped_attrs, 2);
	m3u_list_free(&l);
	free(text);
}

static void
test_broken_quotes(void **state)
{
	struct m3u_list l;

	parse_ok("#EXTM3U\n"
	    "#EXTINF:-1 tvg-id=\"abc group-title=\"News\",CNN\nhttp://h/1.ts\n"
	    "#EXTINF:-1 tvg-name=\"Unclosed,Title\nhttp://h/2.ts\n"
	    "#EXTINF:-1 tvg-name=\"Unclosed and no comma\nhttp://h/3.ts\n"
	    "#EXTINF:-1 tvg-id=\"a\"junk\"b\",Name4\nhttp://h/4.ts\n"
	    "#EXTINF:-1 =\"x\",Name5\nhttp://h/5.ts\n"
	    "#EXTINF:-1 tvg-id=\"\"\"\",Name6\nhttp://h/6.ts\n"
	    "#EXTINF:-1 tvg-id=',Name7\nhttp://h/7.ts\n", NULL, &l);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.entries[0].name, "CNN");
	assert_string_equal(l.entries[1].name, "Title");
	assert_string_equal(l.entries[2].name, "3.ts");
	assert_string_equal(l.entries[3].name, "Name4");
	assert_string_equal(l.entries[3].tvg_id, "a");
	assert_string_equal(l.entries[4].name, "Name5");
	assert_string_equal(l.entries[5].name, "Name6");
	assert_string_equal(l.entries[6].name, "Name7");
	m3u_list_free(&l);
}

static void
test_schemes_and_bad_urls(void **state)
{
	struct m3u_list l;
	char base[M3U_LIST_URL_MAX + 16];

	parse_ok("#EXTM3U\nrtmp://h/live\nrtsp://h/x\nudp://@239.0.0.1:1234\n"
	    "rtp://239.0.0.1:5004\nfile:///etc/passwd\nsmb://h/x\n"
	    "HTTP://h/upper.ts\nhttp://\nhttps:///x\n", LIST_URL, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.skipped[M3U_SKIP_UNSUPPORTED_SCHEME], 6);
	assert_int_equal(l.skipped[M3U_SKIP_BAD_URL], 2);
	m3u_list_free(&l);
	/* a relative URL too long once the base is in front */
	memset(base, 'b', sizeof(base));
	memcpy(base, "http://h/", 9);
	base[M3U_LIST_URL_MAX - 11] = '/';
	base[M3U_LIST_URL_MAX - 10] = '\0';
	parse_ok("#EXTM3U\n/ok.ts\nfar/too/long/a.ts\n", base, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.skipped[M3U_SKIP_BAD_URL], 1);
	m3u_list_free(&l);
}

/* Many short relative URLs against a long base: the arena's bound. */
static void
test_text_bound(void **state)
{
	struct m3u_list l;
	char base[M3U_LIST_URL_MAX - 64];
	size_t len;
	char *text = repeat("#EXTM3U\n", "a\n", M3U_LIST_MAX_ENTRIES, &len);

	memset(base, 'p', sizeof(base));
	memcpy(base, "http://h/", 9);
	base[sizeof(base) - 2] = '/';
	base[sizeof(base) - 1] = '\0';
	assert_int_equal(parse_n(text, len, base, &l), 0);
	assert_true(l.n > 10000);
	assert_true(l.skipped[M3U_SKIP_TOO_BIG] > 10000);
	assert_int_equal(l.n + l.skipped[M3U_SKIP_TOO_BIG],
	    M3U_LIST_MAX_ENTRIES);
	m3u_list_free(&l);
	free(text);
}

static void
test_error_buffer(void **state)
{
	struct m3u_list l;
	char small[8];

	memset(small, 'x', sizeof(small));
	assert_int_equal(m3u_list_parse("nope", 4, NULL, &l, small, 5), -1);
	assert_string_equal(small, "line");
	assert_int_equal(small[5], 'x');
	assert_int_equal(m3u_list_parse("nope", 4, NULL, &l, small, 0), -1);
	assert_int_equal(m3u_list_parse("nope", 4, NULL, &l, NULL, 10), -1);
}

/* The sample list with random bytes changed, cut and lines doubled. */
static void
test_mutations(void **state)
{
	size_t slen = strlen(sample_list), len, i;
	char *buf = malloc(2 * slen);
	struct m3u_list l;
	int round;

	assert_non_null(buf);
	srand(7);
	for (round = 0; round < 400; round++) {
		memcpy(buf, sample_list, slen);
		len = slen;
		for (i = 0; i < (size_t)(round % 16); i++) {
			size_t at = (size_t)rand() % len;

			switch (rand() % 4) {
			case 0: buf[at] = (char)rand(); break;
			case 1: buf[at] = "\"',=|\n\r# "[rand() % 10]; break;
			case 2: len = at + 1; break;
			default:
				if (len + 64 < 2 * slen) {
					memmove(buf + at + 32, buf + at,
					    len - at);
					memcpy(buf + at, "\n#EXTINF:-1 a=\"b,",
					    17);
					memset(buf + at + 17, 'z', 15);
					len += 32;
				}
			}
		}
		if (parse_n(buf, len, round % 3 ? LIST_URL : NULL, &l) == 0) {
			check_list(&l, buf, len);
			m3u_list_free(&l);
		}
	}
	free(buf);
}

/* Every file of the fuzz corpus parses or is refused, and keeps the
 * promises; "bad-" files must be refused. */
static void
test_corpus(void **state)
{
	DIR *d = opendir(CORPUS_DIR);
	struct dirent *de;
	char path[512], *text;
	struct m3u_list l;
	FILE *f;
	long len;
	int n = 0, r;

	if (d == NULL)
		fail_msg("%s: run the unit tests from the repository root",
		    CORPUS_DIR);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, de->d_name);
		assert_non_null(f = fopen(path, "rb"));
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		assert_non_null(text = malloc((size_t)len + 1));
		assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		r = parse_n(text, (size_t)len, LIST_URL, &l);
		if (r == 0) {
			check_list(&l, text, (size_t)len);
			m3u_list_free(&l);
		}
		if (strncmp(de->d_name, "bad-", 4) == 0 && r == 0)
			fail_msg("%s: parsed", de->d_name);
		if (strncmp(de->d_name, "ok-", 3) == 0 && r != 0)
			fail_msg("%s: %s", de->d_name, errbuf);
		free(text);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_headerless),
		cmocka_unit_test(test_header_forms),
		cmocka_unit_test(test_binary_lines),
		cmocka_unit_test(test_random_binary),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_entry_limit),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_attr_limits),
		cmocka_unit_test(test_broken_quotes),
		cmocka_unit_test(test_schemes_and_bad_urls),
		cmocka_unit_test(test_text_bound),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
