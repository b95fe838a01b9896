/*
 * fuzz_json.c - libFuzzer target for the JSON writer and reader
 * (src/lib/json.c).
 *
 * Input layout: byte 0 gives the number of strings (1 to 4), the next
 * bytes their lengths (the last string takes the rest).  The strings are
 * written as values under fixed keys, as keys themselves, through
 * json_escape() with a length, and inside a nested object under the same
 * key (a decoy).  The output must hold no raw control character, and
 * json_get_str() must read every top-level value back as written (up to
 * its first NUL, where the writer stops), also into a buffer of exactly
 * the right size and, truncated, into a smaller one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

#define FUZZ_MAX_STRINGS	4

/* Read back KEY from JSON and compare with WANT (NUL-terminated). */
static void
read_back(const char *json, const char *key, const char *want)
{
	size_t	 n = strlen(want);
	char	*out = malloc(n + 1), small[4];

	CHECK(out != NULL);
	memset(out, 'x', n + 1);
	CHECK(json_get_str(json, key, out, n + 1) == 0);
	CHECK(strcmp(out, want) == 0);
	free(out);
	/* Too small a buffer: a truncated, NUL-terminated prefix. */
	CHECK(json_get_str(json, key, small, sizeof(small)) == 0);
	CHECK(strlen(small) <= 3 && strncmp(small, want, strlen(small)) == 0);
	CHECK(strlen(small) == (n < 3 ? n : 3));
}

/* A key json_get_str() can find: it compares the key as written. */
static int
plain_key(const char *k)
{
	for (; *k != '\0'; k++)
		if ((unsigned char)*k < 0x20 || *k == '"' || *k == '\\' ||
		    *k == 0x7f)
			return 0;
	return 1;
}

static void
no_control_chars(const struct buf *b)
{
	size_t i;

	CHECK(!b->failed);
	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		CHECK(c >= 0x20 && c != 0x7f);
	}
	CHECK(b->data[b->len] == '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s[FUZZ_MAX_STRINGS], key[16];
	size_t		 len[FUZZ_MAX_STRINGS], n, i, j, off;
	struct buf	 b, e, q;

	if (size < 1)
		return 0;
	n = (size_t)data[0] % FUZZ_MAX_STRINGS + 1;
	off = 1 + n - 1;
	if (off > size)
		return 0;
	for (i = 0; i < n; i++) {
		size_t want = i + 1 < n ? data[1 + i] : size - off;

		if (want > size - off)
			want = size - off;
		len[i] = want;
		CHECK((s[i] = malloc(want + 1)) != NULL);
		memcpy(s[i], data + off, want);
		s[i][want] = '\0';
		off += want;
	}

	buf_init(&b);
	buf_puts(&b, "{");
	json_key(&b, "nest");
	buf_puts(&b, "{");
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		json_kv_str(&b, key, "decoy");
	}
	buf_puts(&b, "}");
	json_key(&b, "list");
	buf_puts(&b, "[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, ",");
		json_str(&b, s[i]);
	}
	buf_puts(&b, "]");
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		json_kv_str(&b, key, s[i]);
		json_kv_int(&b, "i", (long long)len[i] - 128);
		json_kv_uint(&b, "u", len[i]);
		json_kv_double(&b, "d", (double)len[i] / 7.0);
		json_kv_bool(&b, "b", (int)(len[i] & 1));
		json_kv_str(&b, "null", NULL);
	}
	for (i = 0; i < n; i++)		/* fuzzed keys, after the fixed ones */
		json_kv_str(&b, s[i], s[(i + 1) % n]);
	buf_puts(&b, "}");
	no_control_chars(&b);
	CHECK(strlen(buf_str(&b)) == b.len);

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		read_back(buf_str(&b), key, s[i]);
	}
	for (i = 0; i < n; i++) {
		/* The first definition of a key wins. */
		if (!plain_key(s[i]) || strcmp(s[i], "nest") == 0 ||
		    strcmp(s[i], "list") == 0 || strcmp(s[i], "i") == 0 ||
		    strcmp(s[i], "u") == 0 || strcmp(s[i], "d") == 0 ||
		    strcmp(s[i], "b") == 0 || strcmp(s[i], "null") == 0 ||
		    (s[i][0] == 'k' && strspn(s[i] + 1, "0123456789") ==
		    strlen(s[i] + 1) && s[i][1] != '\0'))
			continue;
		for (j = 0; j < i && strcmp(s[j], s[i]) != 0; j++)
			;
		if (j == i)
			read_back(buf_str(&b), s[i], s[(i + 1) % n]);
	}

	/* json_escape with a length: same bytes as json_str between quotes. */
	buf_init(&e);
	buf_init(&q);
	for (i = 0; i < n; i++) {
		size_t cut = len[i] / 2;

		buf_reset(&e);
		buf_reset(&q);
		json_escape(&e, s[i], len[i] + 1);	/* stops at the NUL */
		json_str(&q, s[i]);
		no_control_chars(&e);
		CHECK(q.len == e.len + 2 && q.data[0] == '"' &&
		    q.data[q.len - 1] == '"' &&
		    memcmp(q.data + 1, e.data, e.len) == 0);
		buf_reset(&e);
		json_escape(&e, s[i], cut);
		if (e.len > 0)
			no_control_chars(&e);
		buf_printf(&e, "%zu", cut);
	}
	buf_free(&e);
	buf_free(&q);

	buf_reset(&b);
	CHECK(b.len == 0 && strcmp(buf_str(&b), "") == 0);
	buf_free(&b);
	for (i = 0; i < n; i++)
		free(s[i]);
	return 0;
}
