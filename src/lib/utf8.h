/*
 * utf8.h - reading UTF-8 strictly, one character at a time.
 *
 * Text from outside (a provider's channel list, a configured name) may
 * hold Latin-1 or broken UTF-8; whatever ringcast writes into JSON or XML
 * must be valid UTF-8.  The channel-list parser repairs names with it,
 * the lineup's names are transliterated from its code points and the
 * HDHomeRun device description escapes with it.
 */
#ifndef RINGCAST_UTF8_H
#define RINGCAST_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_SEQ_MAX	4	/* bytes of one character */

/*
 * The length (1 to 4) of the well-formed UTF-8 character at S (LEN bytes
 * available, no NUL needed) and its code point in *CP; 0 when S does not
 * start one: a stray continuation byte, a truncated sequence, an overlong
 * form, a surrogate (U+D800-DFFF), a value past U+10FFFF, or LEN 0.
 */
size_t	 utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Write code point CP (at most U+10FFFF, no surrogate) into OUT; its
 * length, or 0 when CP is not one. */
size_t	 utf8_encode(uint32_t cp, char out[UTF8_SEQ_MAX]);

#endif
