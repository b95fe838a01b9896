/*
 * reply.c - the test engine's HTTP plumbing: JSON answers with the
 * request log line, query arguments, id checks, and the client's socket
 * (has it gone?).  Every route uses these; they keep no state and call
 * only libmicrohttpd, json.h and libc.
 */

#include <sys/socket.h>

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

static enum MHD_Result
reply_buf(struct MHD_Connection *conn, unsigned status, struct buf *b)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

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
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
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
	log_request(url, status);
	return reply_buf(conn, status, &b);
}

enum MHD_Result
reply_ok(struct MHD_Connection *conn, const char *url, struct buf *b)
{
	log_request(url, MHD_HTTP_OK);
	return reply_buf(conn, MHD_HTTP_OK, b);
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
