/*
 * httpc.c - the plain HTTP/1.1 client pieces shared by the test tools
 * tsclient and loadgen (see httpc.h): URL, request, response head, body
 * framing.  Pure string and byte work, apart from one getaddrinfo(); it
 * calls only libc, and the tools above it own their sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpc.h"

#define HTTPC_DEFAULT_PORT	"80"
#define HTTPC_PORT_DIGITS_MAX	5

int
httpc_parse_url(const char *s, struct httpc_url *u)
{
	const char *p, *hend, *pstart;
	size_t hlen, plen;
	int v6 = 0;

	if (strncasecmp(s, "http://", 7) != 0)
		return -1;
	p = s + 7;
	if (*p == '[') {
		if ((hend = strchr(p, ']')) == NULL)
			return -1;
		p++;
		hlen = hend - p;
		pstart = hend + 1;
		v6 = 1;
	} else {
		hlen = strcspn(p, ":/?");
		pstart = p + hlen;
	}
	if (hlen == 0 || hlen >= sizeof(u->host))
		return -1;
	memcpy(u->host, p, hlen);
	u->host[hlen] = '\0';
	strcpy(u->port, HTTPC_DEFAULT_PORT);
	if (*pstart == ':') {
		plen = strspn(pstart + 1, "0123456789");
		if (plen == 0 || plen > HTTPC_PORT_DIGITS_MAX)
			return -1;
		memcpy(u->port, pstart + 1, plen);
		u->port[plen] = '\0';
		pstart += 1 + plen;
	}
	if (*pstart == '\0')
		strcpy(u->path, "/");
	else if (*pstart == '/' || *pstart == '?') {
		if (snprintf(u->path, sizeof(u->path), "%s%s",
		    *pstart == '?' ? "/" : "", pstart) >= (int)sizeof(u->path))
			return -1;
	} else
		return -1;
	snprintf(u->hosthdr, sizeof(u->hosthdr), v6 ? "[%s]%s%s" : "%s%s%s",
	    u->host, strcmp(u->port, HTTPC_DEFAULT_PORT) ? ":" : "",
	    strcmp(u->port, HTTPC_DEFAULT_PORT) ? u->port : "");
	return 0;
}

int
httpc_resolve(const struct httpc_url *u, struct addrinfo **ai)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	return getaddrinfo(u->host, u->port, &hints, ai);
}

int
httpc_header_ok(const char *header)
{
	return strchr(header, ':') != NULL && strpbrk(header, "\r\n") == NULL;
}

ssize_t
httpc_request(char *buf, size_t capacity, const struct httpc_url *u,
    const char *const *headers, int nheaders, const char *user_agent,
    int conn_close)
{
	size_t len;
	int i, have_ua = 0;

	len = snprintf(buf, capacity, "GET %s HTTP/1.1\r\nHost: %s\r\n",
	    u->path, u->hosthdr);
	for (i = 0; i < nheaders && len < capacity; i++) {
		if (strncasecmp(headers[i], "User-Agent:", 11) == 0)
			have_ua = 1;
		len += snprintf(buf + len, capacity - len, "%s\r\n",
		    headers[i]);
	}
	if (len < capacity)
		len += snprintf(buf + len, capacity - len, "%s%s%s%s\r\n",
		    have_ua ? "" : "User-Agent: ", have_ua ? "" : user_agent,
		    have_ua ? "" : "\r\n",
		    conn_close ? "Connection: close\r\n" : "");
	if (len >= capacity) {
		errno = E2BIG;
		return -1;
	}
	return (ssize_t)len;
}

size_t
httpc_head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* LINE is "NAME: value" (NAME in any case): *VALUE past the blanks. */
static int
httpc_header_is(const char *line, const char *name, const char **value)
{
	size_t nlen = strlen(name);

	if (strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return 0;
	line += nlen + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	*value = line;
	return 1;
}

/* "HTTP/1.x NNN ..." or "ICY NNN ...": H->status.  0, or -1. */
static int
httpc_status_line(const char *line, struct httpc_head *h)
{
	const char *v;

	if (strncmp(line, "HTTP/1.", 7) != 0 && strncmp(line, "ICY ", 4) != 0)
		return -1;
	if ((v = strchr(line, ' ')) == NULL)
		return -1;
	h->status = (int)strtol(v + 1, NULL, 10);
	if (h->status < 100 || h->status > 999)
		return -1;
	return 0;
}

int
httpc_parse_head(char *head, struct httpc_head *h)
{
	char *line, *next, *end;
	const char *v;
	int first = 1;

	memset(h, 0, sizeof(*h));
	h->clen = -1;
	for (line = head; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		end = line + strlen(line);
		while (end > line && (end[-1] == '\r' || end[-1] == ' '))
			*--end = '\0';
		if (first) {
			first = 0;
			if (httpc_status_line(line, h) == -1)
				return -1;
			continue;
		}
		if (httpc_header_is(line, "Content-Type", &v)) {
			snprintf(h->content_type, sizeof(h->content_type),
			    "%s", v);
			h->have_content_type = 1;
		} else if (httpc_header_is(line, "Transfer-Encoding", &v)) {
			if (strcasestr(v, "chunked") != NULL)
				h->chunked = 1;
		} else if (httpc_header_is(line, "Content-Length", &v))
			h->clen = strtoll(v, NULL, 10);
	}
	return first ? -1 : 0;
}

/* One hex digit of a chunk size into C->size: 1, 0 if CH is none, -1. */
static int
httpc_chunk_digit(struct httpc_chunked *c, int ch)
{
	int v;

	if (ch >= '0' && ch <= '9')
		v = ch - '0';
	else if ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))
		v = (ch | 0x20) - 'a' + 10;
	else
		return 0;
	if (++c->ndigits > HTTPC_CHUNK_DIGITS_MAX)
		return -1;
	c->size = c->size * 16 + v;
	return 1;
}

ssize_t
httpc_chunked_step(struct httpc_chunked *c, const uint8_t *buf, size_t len,
    const uint8_t **span, size_t *spanlen)
{
	size_t i, take;
	int ch, digit;

	*span = NULL;
	*spanlen = 0;
	for (i = 0; i < len; i++) {
		ch = buf[i];
		switch (c->state) {
		case HTTPC_CH_SIZE:
			if ((digit = httpc_chunk_digit(c, ch)) == -1)
				return -1;
			if (digit)
				break;
			if (c->ndigits == 0)
				return -1;
			if (ch == ';' || ch == ' ' || ch == '\t')
				c->state = HTTPC_CH_EXT;
			else if (ch == '\r')
				c->state = HTTPC_CH_SIZE_LF;
			else if (ch == '\n')
				goto size_done;
			else
				return -1;
			break;
		case HTTPC_CH_EXT:
			if (ch == '\n')
				goto size_done;
			break;
		case HTTPC_CH_SIZE_LF:
			if (ch != '\n')
				return -1;
 size_done:
			if (c->size == 0) {
				c->state = HTTPC_CH_TRAILER;
				c->linelen = 0;
			} else
				c->state = HTTPC_CH_DATA;
			break;
		case HTTPC_CH_DATA:
			take = len - i;
			if (take > c->size)
				take = c->size;
			c->size -= take;
			if (c->size == 0)
				c->state = HTTPC_CH_DATA_CR;
			*span = buf + i;
			*spanlen = take;
			return i + take;
		case HTTPC_CH_DATA_CR:
			if (ch == '\r')
				c->state = HTTPC_CH_DATA_LF;
			else if (ch == '\n')
				goto chunk_end;
			else
				return -1;
			break;
		case HTTPC_CH_DATA_LF:
			if (ch != '\n')
				return -1;
 chunk_end:
			c->state = HTTPC_CH_SIZE;
			c->size = 0;
			c->ndigits = 0;
			break;
		case HTTPC_CH_TRAILER:
			if (ch == '\n') {
				if (c->linelen == 0) {
					c->state = HTTPC_CH_DONE;
					return i + 1;
				}
				c->linelen = 0;
			} else if (ch != '\r')
				c->linelen++;
			break;
		case HTTPC_CH_DONE:
			return i;
		}
	}
	return len;
}

void
httpc_framing_init(struct httpc_framing *f, const struct httpc_head *h)
{
	memset(f, 0, sizeof(*f));
	f->chunked = h->chunked;
	f->clen = h->clen;
}

ssize_t
httpc_body_step(struct httpc_framing *f, uint64_t body_bytes,
    const uint8_t *buf, size_t len, const uint8_t **span, size_t *spanlen)
{
	if (f->chunked)
		return httpc_chunked_step(&f->ch, buf, len, span, spanlen);
	*span = buf;
	*spanlen = len;
	if (f->clen >= 0 && (long long)(body_bytes + len) > f->clen)
		*spanlen = f->clen - body_bytes;
	return len;
}

int
httpc_complete(const struct httpc_framing *f, uint64_t body_bytes)
{
	if (f->chunked)
		return f->ch.state == HTTPC_CH_DONE;
	return f->clen >= 0 && (long long)body_bytes >= f->clen;
}
