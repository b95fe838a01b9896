/*
 * util.c - small helpers shared by every process.
 *
 * Nothing here keeps state: clocks, string copies, descriptor flags and the
 * parsing and opening of listen addresses (done by the supervisor before
 * any fork, so workers only inherit descriptors).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostport.h"
#include "util.h"

uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t
now_ms(void)
{
	return now_us() / 1000u;
}

uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
format_rfc3339_ms(uint64_t ms, char out[UTIL_RFC3339_MAX])
{
	time_t secs = (time_t)(ms / 1000u);
	struct tm tm;
	char base[24];

	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, UTIL_RFC3339_MAX, "%s.%03uZ", base,
	    (unsigned)(ms % 1000u));
}

size_t
str_copy(char *dst, const char *src, size_t dstsz)
{
	size_t len = strlen(src);

	if (dstsz > 0) {
		size_t n = len < dstsz - 1 ? len : dstsz - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
str_equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, n = la > lb ? la : lb;
	unsigned char diff = la != lb;

	for (i = 0; i < n; i++)
		diff |= (unsigned char)((i < la ? a[i] : 0) ^ (i < lb ? b[i] : 0));
	return diff == 0;
}

int
fd_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

int
fd_set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags == -1 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

int
listen_parse(const char *spec, char *host, size_t hostsz, int *port)
{
	struct hostport hp;

	if (hostport_parse(spec, 0, &hp) != 0 || hp.host_len >= hostsz)
		return -1;
	memcpy(host, hp.host, hp.host_len);
	host[hp.host_len] = '\0';
	if (strcmp(host, "*") == 0)
		str_copy(host, "0.0.0.0", hostsz);
	*port = hp.port;
	return 0;
}

int
listen_open(const char *spec, int backlog)
{
	struct addrinfo hints, *res;
	char host[256], portstr[8];
	int fd, port, one = 1, rc, defer = LISTEN_DEFER_ACCEPT_S;

	if (listen_parse(spec, host, sizeof(host), &port) == -1) {
		errno = EINVAL;
		return -1;
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		errno = rc == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* accept once the client has sent something (HTTP clients speak
	 * first): the worker can then look at the first bytes at once;
	 * best effort, nothing depends on it for correctness */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer));
	if (res->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, backlog) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		fd = -1;
	}
fail:
	freeaddrinfo(res);
	return fd;
}

void
sleep_ms(uint64_t ms)
{
	sleep_us(ms * 1000u);
}

void
sleep_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000u),
	    (long)(us % 1000000u) * 1000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
unix_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (str_copy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
