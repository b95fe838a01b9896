/*
 * utf8.c - strict UTF-8 decoding and encoding (RFC 3629).
 *
 * One character at a time, with the code point, so each caller decides
 * what a bad byte becomes (the channel-list parser reads it as Latin-1,
 * an XML writer replaces it with U+FFFD, a name slug drops it).  Strict:
 * overlong forms, surrogates and values past U+10FFFF are refused, as
 * RFC 3629 says a decoder must.  Pure: no allocation, libc only.
 */
#include "utf8.h"

#define UTF8_CP_MAX		0x10FFFFu
#define UTF8_SURROGATE_LO	0xD800u
#define UTF8_SURROGATE_HI	0xDFFFu

size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	static const uint32_t min_of[UTF8_SEQ_MAX + 1] =
	    { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;
	uint32_t v;
	size_t n, i;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		v = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		v = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		v = p[0] & 0x07;
	} else
		return 0;		/* continuation, C0/C1, F5-FF */
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v < min_of[n] || v > UTF8_CP_MAX ||
	    (v >= UTF8_SURROGATE_LO && v <= UTF8_SURROGATE_HI))
		return 0;
	*cp = v;
	return n;
}

size_t
utf8_encode(uint32_t cp, char out[UTF8_SEQ_MAX])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= UTF8_SURROGATE_LO && cp <= UTF8_SURROGATE_HI)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp > UTF8_CP_MAX)
		return 0;
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}
