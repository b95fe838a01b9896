/*
 * hls_path.h - what an HLS request asks for: its path
 * ("/hls/NAME/index.m3u8", "/hls/NAME/SEQ.ts", "/hls/NAME/key/N.key")
 * and the byte range of its Range header.
 *
 * Pure: string and integer work only, no libmicrohttpd and no shared
 * memory, so the HLS routes (src/http/http_hls.c) and the fuzz target
 * (tests/fuzz/fuzz_http_path.c) run the same code.
 */
#ifndef RINGCAST_HLS_PATH_H
#define RINGCAST_HLS_PATH_H

#include <stddef.h>
#include <stdint.h>

#define HLS_PATH_PREFIX		"/hls/"
#define HLS_PATH_KEY_DIR	"key/"	/* FILE of an AES-128 key */
/* "bytes A-B/T" with three 20-digit numbers, NUL included */
#define HLS_CONTENT_RANGE_MAX	96

/*
 * Split "/hls/NAME/FILE": 0 with NAME (a valid stream name, NUL-ended,
 * shorter than NAMESZ) and *FILE (inside URL: one path component, or
 * "key/" and one), or -1.
 */
int	 hls_path_split(const char *url, char *name, size_t namesz,
	    const char **file);
/* FILE "SEQ.ts" (SEQ decimal digits, at least one): 0 and *SEQ, or -1. */
int	 hls_path_seq(const char *file, uint64_t *seq);
/* The last component of PATH is "N.key" (N decimal digits, at least
 * one): 0 and *N, or -1. */
int	 hls_path_key(const char *path, uint64_t *n);
/*
 * HEADER, a Range header's value (NULL: none), applied to a body of LEN
 * bytes: 1 when it is one "bytes=A-B", "bytes=A-" or "bytes=-N" range
 * that overlaps the body, with [*FROM, *FROM + *COUNT) (clipped to the
 * body); 0 when it is to be ignored (absent, another unit, several
 * ranges: the whole body is sent); -1 when it cannot be satisfied (416).
 */
int	 hls_path_range(const char *header, uint64_t len, uint64_t *from,
	    uint64_t *count);
/*
 * The Content-Range value into OUT (OUTSZ, HLS_CONTENT_RANGE_MAX is
 * enough): "bytes FROM-LAST/TOTAL" for COUNT > 0 bytes at FROM, and
 * "bytes *\/TOTAL" (the answer to an unsatisfiable range) for COUNT 0.
 * 0, or -1 when OUT is too small.
 */
int	 hls_path_content_range(char *out, size_t outsz, uint64_t from,
	    uint64_t count, uint64_t total);

#endif
