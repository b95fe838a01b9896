/*
 * digest.h - SHA-256 of secrets (users' tokens), HMAC-SHA256 (signed
 * URLs) and constant-time
 * comparison of digests (digest.c).
 */
#ifndef RINGCAST_DIGEST_H
#define RINGCAST_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA256_BYTES	32
#define DIGEST_SHA256_HEX	64	/* hex digits, without the NUL */

/* OUT = SHA-256 of LEN bytes at DATA: 0, or -1 (GnuTLS failed). */
int	 digest_sha256(const void *data, size_t len,
	    uint8_t out[DIGEST_SHA256_BYTES]);
/* OUT = HMAC-SHA256 with KEY of LEN bytes at DATA: 0, or -1. */
int	 digest_hmac_sha256(const void *key, size_t keylen, const void *data,
	    size_t len, uint8_t out[DIGEST_SHA256_BYTES]);
/* 1 when the LEN bytes at A and B are equal; the time depends only on
 * LEN, never on where they differ. */
int	 digest_equal_ct(const void *a, const void *b, size_t len);
/* Parse 64 hex digits (either case, nothing else) into OUT: 0, or -1. */
int	 digest_from_hex(const char *hex, uint8_t out[DIGEST_SHA256_BYTES]);
/* The 64 lowercase hex digits of D, NUL-terminated, into OUT. */
void	 digest_to_hex(const uint8_t d[DIGEST_SHA256_BYTES],
	    char out[DIGEST_SHA256_HEX + 1]);

#endif
