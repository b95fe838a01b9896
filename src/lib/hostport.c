/*
 * hostport.c - split "host:port" text, the one parser of it.
 *
 * Listen addresses, the host and port of a CORS origin and the port an
 * edge names itself by are all "host:port" or "[v6]:port"; each place
 * used to take them apart by hand, with small differences.  Here the
 * shape is decided once: the host is what precedes the first ':' (or is
 * between brackets), the port 1 to 5 digits worth 1..65535.  Which
 * characters a host may hold differs per use (a listen address allows
 * "*", an origin does not), so that stays with the caller, which gets
 * the host back even when the port is bad and can report in its own
 * order.  Pure: libc only.
 */
#include <string.h>

#include "hostport.h"

#define HOSTPORT_DIGITS_MAX	5

/* The value of TEXT when it is a port, else -1. */
static int
hostport_port(const char *text)
{
	long v = 0;
	int n = 0;

	for (; *text != '\0'; text++, n++) {
		if (*text < '0' || *text > '9' || n >= HOSTPORT_DIGITS_MAX)
			return -1;
		v = v * 10 + (*text - '0');
	}
	return n > 0 && v >= 1 && v <= HOSTPORT_PORT_MAX ? (int)v : -1;
}

int
hostport_parse(const char *spec, int flags, struct hostport *hp)
{
	const char *rest;

	memset(hp, 0, sizeof(*hp));
	hp->port_text = "";
	if (spec[0] == '[') {
		hp->bracketed = 1;
		if ((rest = strchr(spec, ']')) == NULL)
			return HOSTPORT_BAD_FORM;
		hp->host = spec + 1;
		hp->host_len = (size_t)(rest - hp->host);
		rest++;
	} else {
		hp->host = spec;
		hp->host_len = strcspn(spec, ":");
		rest = spec + hp->host_len;
	}
	if (hp->host_len == 0)
		return HOSTPORT_BAD_FORM;
	if (*rest == '\0')
		return flags & HOSTPORT_PORT_OPTIONAL ? 0 : HOSTPORT_BAD_FORM;
	if (*rest != ':')
		return HOSTPORT_BAD_FORM;
	hp->port_text = rest + 1;
	/* "a:b:80" is an IPv6 address without its brackets */
	if (!hp->bracketed && strchr(hp->port_text, ':') != NULL)
		return HOSTPORT_BAD_FORM;
	if ((hp->port = hostport_port(hp->port_text)) == -1) {
		hp->port = 0;
		return HOSTPORT_BAD_PORT;
	}
	return 0;
}
