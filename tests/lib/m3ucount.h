/*
 * m3ucount.h - the entries of an extended-M3U text counted apart from
 * src/parse/m3u_list.c, written once for the two tests that hold the
 * parser's counts to it: the m3u_list fuzz target
 * (tests/fuzz/fuzz_m3u_list.c) and the unit tests (tests/unit/
 * test_m3u_list.h).
 *
 * Header-only (one static inline function): the fuzz targets link only
 * their own object and the library archive (tests/fuzz/fuzz.mk).
 */
#ifndef RINGCAST_TEST_M3UCOUNT_H
#define RINGCAST_TEST_M3UCOUNT_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* The entries of TEXT: an EXTINF line and the URL line after it are one,
 * an EXTINF or URL line alone one too; the first line (the header) and
 * other tag lines are none. */
static inline size_t
count_entries(const char *text, size_t len)
{
	size_t i = 0, n = 0, s, e;
	int pending = 0, header = 1;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		for (s = i; i < len && text[i] != '\n' && text[i] != '\r'; i++)
			;
		e = i;
		if (i < len && text[i] == '\r' && i + 1 < len &&
		    text[i + 1] == '\n')
			i++;
		if (i < len)
			i++;
		while (s < e && (text[s] == ' ' || text[s] == '\t'))
			s++;
		while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\t'))
			e--;
		if (s == e)
			continue;
		if (header) {
			header = 0;
			continue;
		}
		if (e - s >= 7 && strncasecmp(text + s, "#EXTINF", 7) == 0 &&
		    (e - s == 7 || memchr(": \t", text[s + 7], 3) != NULL)) {
			n += pending;
			pending = 1;
		} else if (text[s] != '#') {
			n++;
			pending = 0;
		}
	}
	return n + pending;
}

#endif
