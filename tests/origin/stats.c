/*
 * stats.c - what the tests read back: connections accepted and open, and
 * per path the requests, body bytes and last User-Agent, served as
 * /stats and zeroed by /stats/reset.
 *
 * A hash table of paths, bounded (ORIGIN_MAX_PATHS), under the mutex.
 * A connection whose first request is /stats or /fault is a control
 * connection and is not counted.  Calls util.c only.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "origin.h"

struct conn_info {
	unsigned	 requests;
	int		 control;	/* only /stats or /fault: not counted */
};

static struct path_stat	*path_table[ORIGIN_PATH_BUCKETS];
static size_t		 npaths;
static uint64_t		 stat_connections;
static int64_t		 stat_open;

/* Called with mtx held.  NULL when the table is full. */
struct path_stat *
path_stat_get(const char *path)
{
	size_t b = fnv1a(path) % ORIGIN_PATH_BUCKETS;
	struct path_stat *ps;

	for (ps = path_table[b]; ps != NULL; ps = ps->next)
		if (strcmp(ps->path, path) == 0)
			return ps;
	if (npaths >= ORIGIN_MAX_PATHS)
		return NULL;
	if ((ps = calloc(1, sizeof(*ps) + strlen(path) + 1)) == NULL)
		return NULL;
	strcpy(ps->path, path);
	ps->next = path_table[b];
	path_table[b] = ps;
	npaths++;
	return ps;
}

void
path_stats_free(void)
{
	for (size_t b = 0; b < ORIGIN_PATH_BUCKETS; b++) {
		while (path_table[b] != NULL) {
			struct path_stat *ps = path_table[b];
			path_table[b] = ps->next;
			free(ps);
		}
	}
	npaths = 0;
}

enum MHD_Result
route_stats(struct MHD_Connection *conn, struct req *r)
{
	struct sbuf b = { 0 };
	int first = 1;

	pthread_mutex_lock(&mtx);
	sbuf_printf(&b, "{\"connections\":%" PRIu64 ",\"open\":%" PRId64
	    ",\"paths\":{", stat_connections, stat_open);
	for (size_t i = 0; i < ORIGIN_PATH_BUCKETS; i++) {
		for (struct path_stat *ps = path_table[i]; ps != NULL;
		    ps = ps->next) {
			if (ps->requests == 0 && ps->bytes == 0)
				continue;
			sbuf_printf(&b, "%s", first ? "" : ",");
			first = 0;
			sbuf_json_string(&b, ps->path);
			sbuf_printf(&b, ":{\"requests\":%" PRIu64 ",\"bytes\":%"
			    PRIu64 ",\"user_agent\":", ps->requests, ps->bytes);
			sbuf_json_string(&b, ps->user_agent);
			sbuf_printf(&b, "}");
		}
	}
	sbuf_printf(&b, "}}\n");
	pthread_mutex_unlock(&mtx);
	return reply(conn, MHD_HTTP_OK, "application/json", &b);
}

enum MHD_Result
route_stats_reset(struct MHD_Connection *conn)
{
	struct sbuf b = { 0 };

	pthread_mutex_lock(&mtx);
	for (size_t i = 0; i < ORIGIN_PATH_BUCKETS; i++) {
		for (struct path_stat *ps = path_table[i]; ps != NULL;
		    ps = ps->next) {
			ps->requests = 0;
			ps->bytes = 0;
			ps->user_agent[0] = '\0';
		}
	}
	stat_connections = 0;
	pthread_mutex_unlock(&mtx);
	sbuf_printf(&b, "{\"ok\":true}\n");
	return reply(conn, MHD_HTTP_OK, "application/json", &b);
}

/* The counters of CONN's TCP connection (on_connection's); NULL if none. */
static struct conn_info *
conn_info_get(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci == NULL ? NULL : ci->socket_context;
}

void
mark_control(struct MHD_Connection *conn)
{
	struct conn_info *c;

	if ((c = conn_info_get(conn)) == NULL)
		return;
	pthread_mutex_lock(&mtx);
	if (c->requests == 0 && !c->control) {
		c->control = 1;
		if (stat_connections > 0)
			stat_connections--;
		stat_open--;
	}
	pthread_mutex_unlock(&mtx);
}

void
count_request(struct MHD_Connection *conn)
{
	struct conn_info *c;

	if ((c = conn_info_get(conn)) == NULL)
		return;
	pthread_mutex_lock(&mtx);
	if (c->control) {
		/* A control connection reused for a real request. */
		c->control = 0;
		stat_connections++;
		stat_open++;
	}
	c->requests++;
	pthread_mutex_unlock(&mtx);
}

void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct conn_info *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		c = calloc(1, sizeof(*c));
		*socket_context = c;
		pthread_mutex_lock(&mtx);
		stat_connections++;
		stat_open++;
		pthread_mutex_unlock(&mtx);
		return;
	}
	pthread_mutex_lock(&mtx);
	if (c == NULL || !c->control)
		stat_open--;
	pthread_mutex_unlock(&mtx);
	free(c);
	*socket_context = NULL;
}
