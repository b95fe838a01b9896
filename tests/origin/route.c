/*
 * route.c - the libmicrohttpd request callbacks: what a URL asks for,
 * counting it, taking its faults, and handing it to the stats, fault,
 * HLS or TS file; a hung request kept until its client leaves.
 *
 * The top of the request path: calls util.c, sample.c, suspend.c,
 * stats.c, fault.c, ts.c, hls.c.
 */

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "origin.h"

/* A path component: non-empty, no '/', no "..". */
static int
valid_name(const char *s, size_t len)
{
	if (len == 0 || len >= ORIGIN_NAME_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/')
			return 0;
	return !(len == 2 && s[0] == '.' && s[1] == '.');
}

/* What URL asks for (route_classify). */
enum route {
	ROUTE_NOT_FOUND,
	ROUTE_LIVE_TS,
	ROUTE_HLS_MEDIA,
	ROUTE_HLS_MASTER,
	ROUTE_HLS_SEGMENT,
	ROUTE_VOD_MEDIA,
	ROUTE_VOD_SEGMENT,
};

static enum route
route_classify(const char *url, char *name, size_t namesz, uint64_t *seq)
{
	const char *rest, *slash;
	int vod;
	size_t len = strlen(url);

	if (strncmp(url, "/hls/", 5) == 0 || strncmp(url, "/vod/", 5) == 0) {
		vod = url[1] == 'v';
		rest = url + 5;
		if ((slash = strchr(rest, '/')) == NULL ||
		    !valid_name(rest, (size_t)(slash - rest)) ||
		    (size_t)(slash - rest) >= namesz)
			return ROUTE_NOT_FOUND;
		memcpy(name, rest, (size_t)(slash - rest));
		name[slash - rest] = '\0';
		rest = slash + 1;
		if (strcmp(rest, "index.m3u8") == 0)
			return vod ? ROUTE_VOD_MEDIA : ROUTE_HLS_MEDIA;
		if (!vod && strcmp(rest, "master.m3u8") == 0)
			return ROUTE_HLS_MASTER;
		size_t rl = strlen(rest);
		char digits[32];
		if (rl > 3 && rl - 3 < sizeof(digits) &&
		    strcmp(rest + rl - 3, ".ts") == 0) {
			memcpy(digits, rest, rl - 3);
			digits[rl - 3] = '\0';
			if (parse_u64(digits, seq) == 0)
				return vod ? ROUTE_VOD_SEGMENT :
				    ROUTE_HLS_SEGMENT;
		}
		return ROUTE_NOT_FOUND;
	}
	if (len > 4 && strcmp(url + len - 3, ".ts") == 0 &&
	    strstr(url, "/../") == NULL)
		return ROUTE_LIVE_TS;
	return ROUTE_NOT_FOUND;
}

/* First call for a request: count it, take faults, answer or stream. */
static enum MHD_Result
handle_request(struct MHD_Connection *conn, struct req *r, const char *url,
    const char *method)
{
	char name[ORIGIN_NAME_MAX_BYTES];
	uint64_t seq = 0;
	const char *ua;
	unsigned status;
	int hang, data;
	enum route rt;

	rt = route_classify(url, name, sizeof(name), &seq);
	switch (rt) {
	case ROUTE_LIVE_TS:
		snprintf(r->channel, sizeof(r->channel), "%s", url);
		break;
	case ROUTE_HLS_MEDIA: case ROUTE_HLS_SEGMENT: case ROUTE_HLS_MASTER:
		snprintf(r->channel, sizeof(r->channel), "/hls/%s/", name);
		break;
	default:
		break;
	}
	data = rt == ROUTE_LIVE_TS || rt == ROUTE_HLS_SEGMENT ||
	    rt == ROUTE_VOD_SEGMENT;
	if (rt == ROUTE_HLS_SEGMENT || rt == ROUTE_VOD_SEGMENT) {
		if (!hls_segment_range(r, seq, rt == ROUTE_VOD_SEGMENT)) {
			data = 0;
			rt = ROUTE_NOT_FOUND;
		} else
			r->kind = REQ_SEGMENT;
	} else if (rt == ROUTE_LIVE_TS) {
		uint64_t live = channel_live_position(r->channel);
		r->pos = live - live % TS_PACKET_SIZE;
		r->kind = REQ_LIVE;
	}

	ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	pthread_mutex_lock(&mtx);
	if ((r->stat = path_stat_get(url)) != NULL) {
		r->stat->requests++;
		snprintf(r->stat->user_agent, sizeof(r->stat->user_agent),
		    "%s", ua == NULL ? "" : ua);
	}
	status = faults_take(r, url, data, &hang);
	if (data && status == 0 && !hang)
		active_add(r);
	pthread_mutex_unlock(&mtx);

	if (hang) {
		log_request(method, url, 0);	/* 0: hung, no answer */
		r->kind = REQ_HANG;
		req_suspend(r, mono_ms() + ORIGIN_HANG_CHECK_MS);
		return MHD_YES;
	}
	if (status != 0) {
		log_request(method, url, status);
		return reply_error(conn, r, status, "injected fault");
	}
	log_request(method, url, rt == ROUTE_NOT_FOUND ? 404 : 200);
	switch (rt) {
	case ROUTE_LIVE_TS: case ROUTE_HLS_SEGMENT: case ROUTE_VOD_SEGMENT:
		return reply_data(conn, r);
	case ROUTE_HLS_MEDIA:
		return route_hls_media(conn, r, 0);
	case ROUTE_VOD_MEDIA:
		return route_hls_media(conn, r, 1);
	case ROUTE_HLS_MASTER:
		return route_hls_master(conn, r);
	default:
		return reply_error(conn, r, MHD_HTTP_NOT_FOUND, "not found");
	}
}

/* A hung request was resumed: has the client gone? */
static int
client_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	char c;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return 1;
	ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}


enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;

	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->conn = conn;
		r->close_left = -1;
		r->rng = (uint32_t)(uintptr_t)r ^ 0x9e3779b9u;
		if (r->rng == 0)
			r->rng = 1;
		snprintf(r->path, sizeof(r->path), "%s", url);
		*con_cls = r;
		return MHD_YES;
	}
	if (r->kind == REQ_HANG) {
		pthread_mutex_lock(&mtx);
		req_awake(r);
		int stop = stopping;
		pthread_mutex_unlock(&mtx);
		if (stop || client_gone(conn))
			return MHD_NO;
		req_suspend(r, mono_ms() + ORIGIN_HANG_CHECK_MS);
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;		/* ignore any body */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		log_request(method, url, 405);
		return reply_error(conn, r, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed");
	}
	if (strlen(url) >= ORIGIN_PATH_MAX_BYTES)
		return reply_error(conn, r, MHD_HTTP_NOT_FOUND, "not found");
	if (strcmp(url, "/stats") == 0 || strcmp(url, "/stats/reset") == 0 ||
	    strcmp(url, "/fault") == 0 || strcmp(url, "/fault/clear") == 0) {
		mark_control(conn);
		if (strcmp(url, "/stats") == 0)
			return route_stats(conn, r);
		if (strcmp(url, "/stats/reset") == 0)
			return route_stats_reset(conn);
		if (strcmp(url, "/fault") == 0)
			return route_fault(conn);
		return route_fault_clear(conn);
	}
	count_request(conn);
	return handle_request(conn, r, url, method);
}

void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	if (r == NULL)
		return;
	pthread_mutex_lock(&mtx);
	req_awake(r);
	wait_remove(r);
	active_remove(r);
	pthread_mutex_unlock(&mtx);
	free(r);
	*con_cls = NULL;
}
