/*
 * signed_url.h - URLs signed with url_signing_key (signed_url.c), like
 * nginx's secure_link: PATH?exp=UNIX&sig=HEX[&ip=1].  Pure but for the
 * HMAC (GnuTLS, digest.h); unit-tested.
 */
#ifndef RINGCAST_SIGNED_URL_H
#define RINGCAST_SIGNED_URL_H

#include <stddef.h>

#include "digest.h"

#define SIGNED_ARG_EXP		"exp"
#define SIGNED_ARG_SIG		"sig"
#define SIGNED_ARG_IP		"ip"	/* "1": bound to the client's address */
#define SIGNED_SCOPE_MAX	1024	/* bytes of a signed path and query */
#define SIGNED_ARGS_MAX		(DIGEST_SHA256_HEX + 48)	/* exp=&sig=&ip=1 */

enum signed_verdict {
	SIGNED_OK = 0,
	SIGNED_BAD,	/* forged, for another path or address, malformed */
	SIGNED_EXPIRED,	/* a true signature whose time has passed */
};

/*
 * What a signature of URL ("/path?query") covers, into OUT: "/hls/NAME/"
 * for anything under it (a playlist's variants, segments and keys share
 * its signature), else the path and its query without the exp, sig, ip
 * and token arguments, the others as given and in order.  0, or -1 when
 * it does not fit OUTSZ.
 */
int	 signed_url_scope(const char *url, char *out, size_t outsz);
/*
 * HEX = HMAC-SHA256 with KEY of SCOPE "|" EXP, and "|" IP when IP is not
 * NULL, in lowercase hex.  0, or -1 (GnuTLS failed, too long).
 */
int	 signed_url_mac(const char *key, const char *scope, long long exp,
	    const char *ip, char hex[DIGEST_SHA256_HEX + 1]);
/*
 * The signature of URL (arguments EXP, SIG and IPFLAG as the request
 * gave them, NULL when absent) for a client at CLIENT_IP at NOW (Unix
 * seconds).  A signature is bound when IPFLAG is "1".
 */
enum signed_verdict signed_url_check(const char *key, const char *url,
	    const char *exp, const char *sig, const char *ipflag,
	    const char *client_ip, long long now);
/*
 * The arguments that sign URL until EXP (bound to IP when not NULL),
 * "exp=E&sig=HEX[&ip=1]", into ARGS (SIGNED_ARGS_MAX bytes): 0 or -1.
 */
int	 signed_url_args(const char *key, const char *url, long long exp,
	    const char *ip, char *args, size_t argssz);

#endif
