/*
 * hostport.h - the one parser of "host:port" text: listen addresses
 * (config, listen_open), the host part of a CORS origin, the port an
 * edge names itself by.
 */
#ifndef RINGCAST_HOSTPORT_H
#define RINGCAST_HOSTPORT_H

#include <stddef.h>

#define HOSTPORT_PORT_MAX	65535
#define HOSTPORT_PORT_OPTIONAL	0x01	/* "host" and "[v6]" are complete */

/* What hostport_parse found; the pointers point into the spec. */
struct hostport {
	const char	*host;		/* not terminated: use host_len */
	size_t		 host_len;
	int		 bracketed;	/* written as "[v6]" */
	const char	*port_text;	/* after the ':', "" when none */
	int		 port;		/* 1..HOSTPORT_PORT_MAX, 0 when none */
};

#define HOSTPORT_BAD_FORM	-1	/* no host, no ']', no ':' after it */
#define HOSTPORT_BAD_PORT	-2	/* the port is not 1..65535 */

/*
 * Split SPEC, "host:port", "[v6]:port" (or with HOSTPORT_PORT_OPTIONAL
 * also "host" and "[v6]") into HP.  A host without brackets holds no
 * ':'; the port is 1 to 5 digits, no sign, no spaces.  0 on success, or
 * HOSTPORT_BAD_FORM, or HOSTPORT_BAD_PORT (HP's host is then filled
 * in).  Host characters are the caller's to check.
 */
int	 hostport_parse(const char *spec, int flags, struct hostport *hp);

#endif
