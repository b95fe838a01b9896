/*
 * hls_path.c - the parts of an HLS request that name what it wants:
 * the stream and file of its path, and the byte range of its Range
 * header (players seek inside a segment with one).
 *
 * They were static helpers of the HLS routes; they are here, below
 * libmicrohttpd and shared memory, so that they are unit-tested
 * (tests/unit/test_hls_path.c) and fuzzed (tests/fuzz/fuzz_http_path.c)
 * as they are linked into the worker.  Pure: string and integer work
 * only; it calls config_name_valid (config.h, its own layer) and libc.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hls_path.h"

int
hls_path_split(const char *url, char *name, size_t namesz,
    const char **file)
{
	const char *p, *slash;
	size_t len;

	if (strncmp(url, HLS_PATH_PREFIX, strlen(HLS_PATH_PREFIX)) != 0)
		return -1;
	p = url + strlen(HLS_PATH_PREFIX);
	if ((slash = strchr(p, '/')) == NULL)
		return -1;
	len = (size_t)(slash - p);
	if (len == 0 || len >= namesz)
		return -1;
	memcpy(name, p, len);
	name[len] = '\0';
	*file = slash + 1;
	p = *file;
	if (strncmp(p, HLS_PATH_KEY_DIR, strlen(HLS_PATH_KEY_DIR)) == 0)
		p += strlen(HLS_PATH_KEY_DIR);	/* key/N.key */
	return config_name_valid(name) && strchr(p, '/') == NULL ? 0 : -1;
}

/* "DIGITS" then exactly SUFFIX: 0 and *N, or -1. */
static int
hls_path_number(const char *s, const char *suffix, uint64_t *n)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	*n = strtoull(s, &end, 10);
	return strcmp(end, suffix) == 0 ? 0 : -1;
}

int
hls_path_seq(const char *file, uint64_t *seq)
{
	return hls_path_number(file, ".ts", seq);
}

int
hls_path_key(const char *path, uint64_t *n)
{
	const char *p = strrchr(path, '/');

	return p == NULL ? -1 : hls_path_number(p + 1, ".key", n);
}

int
hls_path_range(const char *h, uint64_t len, uint64_t *from, uint64_t *count)
{
	unsigned long long a, b;
	char *end;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return 0;	/* absent, other unit or multipart: ignore */
	h += 6;
	if (*h == '-') {	/* suffix: the last N bytes */
		b = strtoull(h + 1, &end, 10);
		if (end == h + 1 || *end != '\0' || b == 0)
			return -1;
		*count = b < len ? b : len;
		*from = len - *count;
		return 1;
	}
	if (*h < '0' || *h > '9')
		return -1;
	a = strtoull(h, &end, 10);
	if (*end != '-')
		return -1;
	h = end + 1;
	if (*h == '\0')
		b = len - 1;
	else {
		b = strtoull(h, &end, 10);
		if (*end != '\0' || b < a)
			return -1;
		if (b >= len)
			b = len - 1;
	}
	if (a >= len)
		return -1;
	*from = a;
	*count = b - a + 1;
	return 1;
}

int
hls_path_content_range(char *out, size_t outsz, uint64_t from,
    uint64_t count, uint64_t total)
{
	int n;

	if (count == 0)
		n = snprintf(out, outsz, "bytes */%" PRIu64, total);
	else
		n = snprintf(out, outsz, "bytes %" PRIu64 "-%" PRIu64 "/%"
		    PRIu64, from, from + count - 1, total);
	return n >= 0 && (size_t)n < outsz ? 0 : -1;
}
