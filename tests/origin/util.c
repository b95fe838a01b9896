/*
 * util.c - the test origin's helpers: the monotonic clock, the FNV-1a
 * hash of a name, a growing string buffer with a JSON string writer, the
 * replies built from it, the request log, and the one mutex that all
 * shared state (stats, faults, wait and active lists) is under.
 *
 * The lowest file of tests/origin/ (see origin.h): calls only libc,
 * pthreads and libmicrohttpd.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "origin.h"

pthread_mutex_t		 mtx = PTHREAD_MUTEX_INITIALIZER;
volatile sig_atomic_t	 stopping;
int			 quiet;

uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
mono_ms(void)
{
	return mono_us() / 1000;
}

uint64_t
fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s == NULL ? NULL : b->s + b->len,
		    b->s == NULL ? 0 : b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if (b->s != NULL && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap == 0 ? 1024 : b->cap * 2) + (size_t)n;
		char *ns = realloc(b->s, ncap);
		if (ns == NULL) {
			b->failed = 1;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
}

void
sbuf_json_string(struct sbuf *b, const char *s)
{
	sbuf_printf(b, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sbuf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sbuf_printf(b, "\\u%04x", c);
		else
			sbuf_printf(b, "%c", c);
	}
	sbuf_printf(b, "\"");
}

enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type,
    struct sbuf *b)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (b->failed) {
		free(b->s);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(b->len, b->s == NULL ? "" : b->s,
	    MHD_RESPMEM_MUST_COPY);
	free(b->s);
	b->s = NULL;
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result
reply_text(struct MHD_Connection *conn, struct req *r, unsigned status,
    const char *type, struct sbuf *b)
{
	if (r->stat != NULL && !b->failed) {
		pthread_mutex_lock(&mtx);
		r->stat->bytes += b->len;
		pthread_mutex_unlock(&mtx);
	}
	return reply(conn, status, type, b);
}

enum MHD_Result
reply_error(struct MHD_Connection *conn, struct req *r, unsigned status,
    const char *msg)
{
	struct sbuf b = { 0 };

	sbuf_printf(&b, "{\"error\":");
	sbuf_json_string(&b, msg);
	sbuf_printf(&b, "}\n");
	return reply_text(conn, r, status, "application/json", &b);
}

void
log_request(const char *method, const char *url, unsigned status)
{
	if (!quiet)
		fprintf(stderr, "origin: %s %s %u\n", method, url, status);
}

/* Parse a decimal number that fills all of S; -1 when it does not. */
int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}
