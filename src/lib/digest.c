/*
 * digest.c - SHA-256 for the users' tokens (access control), compared in
 * constant time, and HMAC-SHA256 for signed URLs (signed_url.c).
 *
 * Tokens are never kept in plain: the configuration holds either the
 * token, hashed as soon as it is read, or its SHA-256 written in hex, and
 * a presented token is hashed before it is compared.  SHA-256 comes from
 * GnuTLS (gnutls_hash_fast) rather than code of our own: libmicrohttpd's
 * HTTPS is built on GnuTLS already, so linking it adds no new library
 * family, and libcurl's OpenSSL is not an API we may rely on (Debian
 * builds libcurl against either).  A token is a random string, not a
 * password, so a fast hash is the right one: no salt or stretching is
 * needed to keep a long random token from being guessed.
 *
 * Calls: GnuTLS, libc.
 */
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "digest.h"

int
digest_sha256(const void *data, size_t len, uint8_t out[DIGEST_SHA256_BYTES])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) == 0 ?
	    0 : -1;
}

int
digest_hmac_sha256(const void *key, size_t keylen, const void *data,
    size_t len, uint8_t out[DIGEST_SHA256_BYTES])
{
	return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, data, len,
	    out) == 0 ? 0 : -1;
}

int
digest_equal_ct(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= (uint8_t)(x[i] ^ y[i]);
	return diff == 0;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
digest_from_hex(const char *hex, uint8_t out[DIGEST_SHA256_BYTES])
{
	int i, hi, lo;

	if (strlen(hex) != DIGEST_SHA256_HEX)
		return -1;
	for (i = 0; i < DIGEST_SHA256_BYTES; i++) {
		if ((hi = hex_value(hex[2 * i])) == -1 ||
		    (lo = hex_value(hex[2 * i + 1])) == -1)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void
digest_to_hex(const uint8_t d[DIGEST_SHA256_BYTES],
    char out[DIGEST_SHA256_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < DIGEST_SHA256_BYTES; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 0xf];
	}
	out[DIGEST_SHA256_HEX] = '\0';
}
