/*
 * signed_url.c - signed URLs (signed_url.h): a link that plays without a
 * user's token until it expires, for players embedded in other sites'
 * pages, as nginx's secure_link gives.
 *
 * sig = HMAC-SHA256(url_signing_key, scope "|" exp ["|" client-ip]) in
 * hex.  A bound signature says so in the URL with ip=1: the flag itself
 * is not in the MAC, but the address is, so a URL whose ip=1 was taken
 * off fails (its MAC was made over a longer message) and one given
 * ip=1 by hand fails too.  The scope of an HLS URL is its stream's
 * /hls/NAME/ directory, so that the segment and variant URIs of a
 * signed playlist play with the same arguments (cred.c copies them into
 * the playlist as it copies ?token=); any other URL is signed with its
 * query (a content id's /ace/getstream?id=...), less the signature's
 * own arguments.
 *
 * HMAC and not a bare hash of key and message: no length extension, and
 * GnuTLS has it (gnutls_hmac_fast) as it has SHA-256 for tokens.  The
 * MAC is compared in constant time.
 *
 * Calls: digest.c, libc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hls_path.h"
#include "signed_url.h"

/* Whether the argument of LEN bytes at A is one the scope leaves out. */
static int
signed_own_arg(const char *a, size_t len)
{
	static const char *const own[] = { SIGNED_ARG_EXP, SIGNED_ARG_SIG,
	    SIGNED_ARG_IP, "token" };
	size_t i, n;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		n = strlen(own[i]);
		if (len >= n && strncmp(a, own[i], n) == 0 &&
		    (len == n || a[n] == '='))
			return 1;
	}
	return 0;
}

int
signed_url_scope(const char *url, char *out, size_t outsz)
{
	size_t pl = strlen(HLS_PATH_PREFIX), n, o, al;
	const char *q, *p, *amp;

	if (strncmp(url, HLS_PATH_PREFIX, pl) == 0 &&
	    (p = strchr(url + pl, '/')) != NULL && p > url + pl) {
		n = (size_t)(p - url) + 1;
		if (n >= outsz)
			return -1;
		memcpy(out, url, n);
		out[n] = '\0';
		return 0;
	}
	q = strchr(url, '?');
	n = q != NULL ? (size_t)(q - url) : strlen(url);
	if (n >= outsz)
		return -1;
	memcpy(out, url, n);
	o = n;
	for (p = q; p != NULL; p = amp) {
		p++;
		amp = strchr(p, '&');
		al = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (al == 0 || signed_own_arg(p, al))
			continue;
		if (o + al + 1 >= outsz)
			return -1;
		out[o] = o == n ? '?' : '&';
		o++;
		memcpy(out + o, p, al);
		o += al;
	}
	out[o] = '\0';
	return 0;
}

int
signed_url_mac(const char *key, const char *scope, long long exp,
    const char *ip, char hex[DIGEST_SHA256_HEX + 1])
{
	char msg[SIGNED_SCOPE_MAX + 96];
	uint8_t d[DIGEST_SHA256_BYTES];
	int n;

	n = snprintf(msg, sizeof(msg), "%s|%lld%s%s", scope, exp,
	    ip != NULL ? "|" : "", ip != NULL ? ip : "");
	if (n < 0 || (size_t)n >= sizeof(msg) ||
	    digest_hmac_sha256(key, strlen(key), msg, (size_t)n, d) == -1)
		return -1;
	digest_to_hex(d, hex);
	return 0;
}

/* EXP as Unix seconds: 0, or -1 when it is not a plain number. */
static int
signed_exp(const char *exp, long long *v)
{
	char *end;

	if (exp == NULL || exp[0] < '0' || exp[0] > '9' ||
	    strlen(exp) > 12)
		return -1;
	*v = strtoll(exp, &end, 10);
	return *end == '\0' ? 0 : -1;
}

enum signed_verdict
signed_url_check(const char *key, const char *url, const char *exp,
    const char *sig, const char *ipflag, const char *client_ip, long long now)
{
	char scope[SIGNED_SCOPE_MAX], want[DIGEST_SHA256_HEX + 1];
	char got[DIGEST_SHA256_HEX + 1];
	long long e;
	size_t i;

	if (key == NULL || key[0] == '\0' || sig == NULL ||
	    signed_exp(exp, &e) == -1 ||
	    (ipflag != NULL && strcmp(ipflag, "1") != 0) ||
	    strlen(sig) != DIGEST_SHA256_HEX ||
	    signed_url_scope(url, scope, sizeof(scope)) == -1 ||
	    signed_url_mac(key, scope, e, ipflag != NULL ? client_ip : NULL,
	    want) == -1)
		return SIGNED_BAD;
	for (i = 0; i <= DIGEST_SHA256_HEX; i++)	/* either case */
		got[i] = sig[i] >= 'A' && sig[i] <= 'F' ?
		    (char)(sig[i] - 'A' + 'a') : sig[i];
	if (!digest_equal_ct(got, want, DIGEST_SHA256_HEX))
		return SIGNED_BAD;
	return now > e ? SIGNED_EXPIRED : SIGNED_OK;
}

int
signed_url_args(const char *key, const char *url, long long exp,
    const char *ip, char *args, size_t argssz)
{
	char scope[SIGNED_SCOPE_MAX], hex[DIGEST_SHA256_HEX + 1];
	int n;

	if (signed_url_scope(url, scope, sizeof(scope)) == -1 ||
	    signed_url_mac(key, scope, exp, ip, hex) == -1)
		return -1;
	n = snprintf(args, argssz, SIGNED_ARG_EXP "=%lld&" SIGNED_ARG_SIG
	    "=%s%s", exp, hex, ip != NULL ? "&" SIGNED_ARG_IP "=1" : "");
	return n < 0 || (size_t)n >= argssz ? -1 : 0;
}
