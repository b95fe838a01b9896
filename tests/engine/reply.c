/*
 * reply.c - the test engine's HTTP plumbing: JSON answers and redirects
 * with the request log line, query arguments, id checks, the getstream
 * inputs (content id, infohash, torrent URL, magnet) and their infohash,
 * and the client's socket (has it gone?).  Every route uses these; they keep no state and call
 * only libmicrohttpd, json.h and libc.
 */

#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

void
log_request(const char *url, unsigned status)
{
	if (!engine_quiet)
		fprintf(stderr, "engine: GET %s %u\n", url, status);
}

/* Log URL's answer STATUS and queue RESP (which this destroys). */
enum MHD_Result
reply_queue(struct MHD_Connection *conn, const char *url, unsigned status,
    struct MHD_Response *resp)
{
	enum MHD_Result ret;

	log_request(url, status);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
reply_buf(struct MHD_Connection *conn, const char *url, unsigned status,
    struct buf *b)
{
	struct MHD_Response *resp;

	if (b->failed || buf_puts(b, "\n") == -1) {
		buf_free(b);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(b->len, b->data,
	    MHD_RESPMEM_MUST_COPY);
	buf_free(b);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json") == MHD_NO ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-cache") == MHD_NO) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	return reply_queue(conn, url, status, resp);
}

/* {"KEY": null, "error": MSG}; KEY NULL gives {"error": MSG}. */
enum MHD_Result
reply_error(struct MHD_Connection *conn, const char *url, unsigned status,
    const char *key, const char *msg)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	if (key != NULL) {
		json_key(&b, key);
		buf_puts(&b, "null");
	}
	json_kv_str(&b, "error", msg);
	buf_puts(&b, "}");
	return reply_buf(conn, url, status, &b);
}

enum MHD_Result
reply_ok(struct MHD_Connection *conn, const char *url, struct buf *b)
{
	return reply_buf(conn, url, MHD_HTTP_OK, b);
}

int
is_hex(const char *s, size_t len)
{
	if (s == NULL || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

const char *
query_arg(struct MHD_Connection *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* format= absent or "json". */
int
format_ok(struct MHD_Connection *conn)
{
	const char *f = query_arg(conn, "format");

	return f == NULL || strcmp(f, "json") == 0;
}

/* 302 to LOCATION, as the engine answers a getstream without format=json. */
enum MHD_Result
reply_redirect(struct MHD_Connection *conn, const char *url,
    const char *location)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
	    location) == MHD_NO) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	return reply_queue(conn, url, MHD_HTTP_FOUND, resp);
}

/* Copy the 40 hex digits at S into OUT; 0, or -1 when S is not 40 hex. */
static int
hex_copy(const char *s, size_t len, char out[ENGINE_ID_HEX + 1])
{
	if (len != ENGINE_ID_HEX)
		return -1;
	memcpy(out, s, ENGINE_ID_HEX);
	out[ENGINE_ID_HEX] = '\0';
	return is_hex(out, ENGINE_ID_HEX) ? 0 : -1;
}

/* url=: a .torrent URL whose last path component is HASH[.torrent]. */
static int
url_infohash(const char *u, char out[ENGINE_ID_HEX + 1])
{
	size_t end = strcspn(u, "?#"), start = end;
	static const char ext[] = ".torrent";

	while (start > 0 && u[start - 1] != '/')
		start--;
	if (start == 0 || strstr(u, "://") == NULL)
		return -1;
	if (end - start > sizeof(ext) - 1 &&
	    strncmp(u + end - (sizeof(ext) - 1), ext, sizeof(ext) - 1) == 0)
		end -= sizeof(ext) - 1;
	return hex_copy(u + start, end - start, out);
}

/* magnet=: magnet:?...xt=urn:btih:HASH... with HASH 40 hex digits. */
static int
magnet_infohash(const char *m, char out[ENGINE_ID_HEX + 1])
{
	static const char xt[] = "xt=urn:btih:";
	const char *p;

	if (strncmp(m, "magnet:?", 8) != 0)
		return -1;
	for (p = m + 7; p != NULL; p = strchr(p + 1, '&'))
		if (strncmp(p + 1, xt, sizeof(xt) - 1) == 0) {
			p += sizeof(xt);
			return hex_copy(p, strcspn(p, "&"), out);
		}
	return -1;
}

/*
 * The getstream input: id= or content_id= (a content id, resolved to an
 * infohash by replacing each hex digit d by 15 - d, in lower case),
 * infohash= (used as given), url= or magnet=.  Sets CID (what was asked
 * for; the infohash for infohash, url and magnet) and HASH; NULL, or the
 * engine's error text.
 */
const char *
input_infohash(struct MHD_Connection *conn, char cid[ENGINE_ID_HEX + 1],
    char hash[ENGINE_ID_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	const char *v;

	if ((v = query_arg(conn, "id")) != NULL ||
	    (v = query_arg(conn, "content_id")) != NULL) {
		if (hex_copy(v, strlen(v), cid) == -1)
			return "bad content id: not 40 hex digits";
		for (size_t i = 0; i < ENGINE_ID_HEX; i++) {
			cid[i] = (char)tolower((unsigned char)cid[i]);
			hash[i] = hex[15 - (strchr(hex, cid[i]) - hex)];
		}
		hash[ENGINE_ID_HEX] = '\0';
		return NULL;
	}
	if ((v = query_arg(conn, "infohash")) != NULL) {
		if (hex_copy(v, strlen(v), hash) == -1)
			return "bad content id: not 40 hex digits";
	} else if ((v = query_arg(conn, "url")) != NULL) {
		if (url_infohash(v, hash) == -1)
			return ENGINE_ERROR_LOAD;
	} else if ((v = query_arg(conn, "magnet")) != NULL) {
		if (magnet_infohash(v, hash) == -1)
			return ENGINE_ERROR_LOAD;
	} else
		return "missing content id (id=, content_id=, infohash=, "
		    "url= or magnet=)";
	memcpy(cid, hash, ENGINE_ID_HEX + 1);
	return NULL;
}

/*
 * Split "/ace/KIND/ID/SESS" after PREFIX ("/ace/r/"...) into CID and SID.
 * 0 when both are well formed, -1 otherwise.
 */
int
split_session_path(const char *rest, char cid[ENGINE_ID_HEX + 1],
    char sid[ENGINE_SESS_HEX + 1])
{
	const char *slash = strchr(rest, '/');

	if (slash == NULL || (size_t)(slash - rest) != ENGINE_ID_HEX)
		return -1;
	memcpy(cid, rest, ENGINE_ID_HEX);
	cid[ENGINE_ID_HEX] = '\0';
	if (!is_hex(cid, ENGINE_ID_HEX) || !is_hex(slash + 1, ENGINE_SESS_HEX))
		return -1;
	memcpy(sid, slash + 1, ENGINE_SESS_HEX + 1);
	return 0;
}

/* Has the client closed its end (or the socket failed)? */
int
client_gone(int fd)
{
	char c;

	if (fd < 0)
		return 0;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

int
conn_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci == NULL ? -1 : ci->connect_fd;
}
