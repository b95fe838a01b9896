/*
 * util.h - small helpers shared by every process: clocks, strings,
 * descriptors, listening sockets.
 */
#ifndef RINGCAST_UTIL_H
#define RINGCAST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define UTIL_RFC3339_MAX	32

uint64_t now_ms(void);			/* CLOCK_MONOTONIC */
uint64_t now_us(void);
uint64_t wall_ms(void);			/* CLOCK_REALTIME */
/* "2026-11-25T10:00:00.123Z" for WALL_MS. */
void	 format_rfc3339_ms(uint64_t wall_ms, char out[UTIL_RFC3339_MAX]);

size_t	 str_copy(char *dst, const char *src, size_t dstsz);
/* 1 when A and B are equal; the time depends only on their lengths
 * (secret tokens). */
int	 str_equal_ct(const char *a, const char *b);

int	 fd_set_nonblock(int fd);
int	 fd_set_cloexec(int fd);

/*
 * Parse "host:port", "[v6]:port" or "*:port" (hostport_parse) into HOST
 * ("*" becomes "0.0.0.0") and PORT.  0 on success, -1 on a malformed
 * spec or a host longer than HOSTSZ - 1.
 */
int	 listen_parse(const char *spec, char *host, size_t hostsz, int *port);
#define LISTEN_DEFER_ACCEPT_S	10	/* TCP_DEFER_ACCEPT: wait for data */
/* Bind and listen (non-blocking, SO_REUSEADDR, TCP_DEFER_ACCEPT); -1
 * with errno. */
int	 listen_open(const char *spec, int backlog);

/* Sleep for MS milliseconds, restarting after signals. */
void	 sleep_ms(uint64_t ms);
void	 sleep_us(uint64_t us);

/*
 * FNV-1a (Fowler, Noll, Vo): a fast hash for tables and ETags, not for
 * anything an attacker must not steer.  Start from the basis, feed bytes;
 * feeding in pieces gives the hash of the pieces put together.
 */
#define FNV1A32_BASIS	2166136261u
#define FNV1A32_PRIME	16777619u
#define FNV1A64_BASIS	0xcbf29ce484222325ULL
#define FNV1A64_PRIME	0x100000001b3ULL

static inline uint32_t
fnv1a32(uint32_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len-- > 0)
		h = (h ^ *p++) * FNV1A32_PRIME;
	return h;
}

static inline uint64_t
fnv1a64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len-- > 0)
		h = (h ^ *p++) * FNV1A64_PRIME;
	return h;
}

struct sockaddr_un;
/* Fill *SUN with the Unix socket address PATH; -1 with ENAMETOOLONG
 * when PATH does not fit. */
int	 unix_addr(struct sockaddr_un *sun, const char *path);

#endif
