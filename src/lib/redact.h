/*
 * redact.h - credentials hidden before a URL is shown: the
 * user:password@ of its authority, the values of query parameters whose
 * names hold "pass", "token", "key", "secret", "auth", "sig" or are
 * "u", "user", "username", and the account of Xtream Codes paths
 * (/live/USER/PASS/ID, /movie/..., /series/..., /timeshift/...,
 * /USER/PASS/ID) become "***".
 */
#ifndef RINGCAST_REDACT_H
#define RINGCAST_REDACT_H

#include <stddef.h>

#define REDACT_URL_MAX	4096	/* a redacted URL, with its NUL */

/* URL redacted into OUT (OUTSZ bytes): 0, or -1 when it does not fit. */
int	 url_redact(const char *url, char *out, size_t outsz);
/* IN with every URL in it redacted, into OUT (OUTSZ bytes, cut short
 * when it does not fit; always terminated). */
void	 redact_text(const char *in, char *out, size_t outsz);

#endif
