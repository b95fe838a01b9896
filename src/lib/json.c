/*
 * json.c - growable buffer and JSON writer.
 *
 * Writing JSON by hand with one escaping routine is smaller and safer than
 * a library for the few flat objects ringcast produces.  The buffer grows
 * geometrically; an allocation failure is sticky (buf.failed) so callers
 * check once at the end instead of after every append.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int
buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1) {
		if (cap > ((size_t)-1) / 2) {
			b->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
buf_str(struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

int
json_escape(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	for (i = 0; i < len && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		buf_append(b, s + start, i - start);
		esc[0] = '\\';
		switch (c) {
		case '"':  esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
			break;
		}
		buf_append(b, esc, elen);
		start = i + 1;
	}
	return buf_append(b, s + start, i - start);
}

int
json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_puts(b, "null");
	buf_append(b, "\"", 1);
	json_escape(b, s, strlen(s));
	return buf_append(b, "\"", 1);
}

int
json_key(struct buf *b, const char *key)
{
	if (b->len > 0 && b->data[b->len - 1] != '{' &&
	    b->data[b->len - 1] != '[')
		buf_append(b, ",", 1);
	json_str(b, key);
	return buf_append(b, ":", 1);
}

int
json_kv_str(struct buf *b, const char *key, const char *val)
{
	json_key(b, key);
	return json_str(b, val);
}

int
json_kv_int(struct buf *b, const char *key, long long val)
{
	json_key(b, key);
	return buf_printf(b, "%lld", val);
}

int
json_kv_uint(struct buf *b, const char *key, unsigned long long val)
{
	json_key(b, key);
	return buf_printf(b, "%llu", val);
}

int
json_kv_double(struct buf *b, const char *key, double val)
{
	json_key(b, key);
	if (!isfinite(val))
		return buf_puts(b, "null");
	return buf_printf(b, "%.3f", val);
}

int
json_kv_bool(struct buf *b, const char *key, int val)
{
	json_key(b, key);
	return buf_puts(b, val ? "true" : "false");
}

static const char *
json_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Skip a JSON string starting at the opening quote; NULL if unterminated. */
static const char *
json_skip_string(const char *p)
{
	for (p++; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0')
				return NULL;
			p++;
		} else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

static int
json_unescape(const char *p, char *out, size_t outsz)
{
	size_t o = 0;

	for (p++; *p != '"'; p++) {
		char c = *p;

		if (c == '\0')
			return -1;
		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (strlen(p) < 5)
					return -1;
				c = (char)strtol((char[]){ p[3], p[4], 0 },
				    NULL, 16);
				p += 4;
				break;
			case '\0': return -1;
			default: c = *p; break;
			}
		}
		if (o + 1 < outsz)
			out[o++] = c;
	}
	if (outsz > 0)
		out[o] = '\0';
	return 0;
}

int
json_get_str(const char *json, const char *key, char *out, size_t outsz)
{
	const char *p = json_skip_ws(json);
	size_t klen = strlen(key);
	int depth = 0;

	if (*p != '{')
		return -1;
	for (; *p != '\0'; ) {
		if (*p == '"') {
			const char *end = json_skip_string(p);
			const char *v;

			if (end == NULL)
				return -1;
			v = json_skip_ws(end);
			if (depth == 1 && *v == ':' &&
			    (size_t)(end - p - 2) == klen &&
			    memcmp(p + 1, key, klen) == 0) {
				v = json_skip_ws(v + 1);
				if (*v != '"')
					return -1;
				return json_unescape(v, out, outsz);
			}
			p = end;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	}
	return -1;
}
