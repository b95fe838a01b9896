/*
 * url.h - resolving a URL reference against a base URL (RFC 3986).
 *
 * Pure string work, no I/O, no allocation: the HLS parser (m3u8.c)
 * resolves every segment, variant and key URI of a playlist against the
 * playlist's URL after redirects.  The hexadecimal digit reader of
 * percent-escapes is here too, for uri.c and m3u8.c (EXT-X-KEY IVs).
 */
#ifndef RINGCAST_URL_H
#define RINGCAST_URL_H

#include <stddef.h>

/*
 * Resolve reference REF against the absolute URL BASE (RFC 3986 section
 * 5.2, dot segments removed) into OUT.  REF may be absolute, in which
 * case BASE may be NULL.  0, or -1 when BASE is not absolute (no scheme)
 * and REF is relative, or the result needs more than OUTSZ bytes.
 * OUTSZ = strlen(BASE) + strlen(REF) + 2 is always enough.
 */
int	 url_resolve(const char *base, const char *ref, char *out,
	    size_t outsz);

/* The value (0-15) of the hexadecimal digit CH, or -1 if it is none. */
int	 url_hex_digit(int ch);

#endif
