/*
 * fault.c - the test engine's injected faults: GET /fault?NAME=VALUE...
 * sets them (all or nothing: one bad value and none changes), GET
 * /fault/clear removes them, and the slow start's wait.  Each fault
 * holds until cleared; the routes that obey one read FAULTS under
 * engine_mtx (getstream and get_version in api.c, playbacks in play.c).
 * A new fault is a field of struct faults, a branch of fault_arg() and
 * the lines that obey it.
 *
 * Calls reply.c and engine_stopping() only.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "util.h"

struct faults	 faults;

/* Wait SECONDS (a slow start), unless the engine stops or the client
 * leaves: 0 when the wait is over, -1 to give up. */
int
fault_slow_wait(struct MHD_Connection *conn, double seconds)
{
	uint64_t until = now_ms() + (uint64_t)(seconds * 1000.0);
	int fd = conn_fd(conn);

	while (now_ms() < until) {
		if (engine_stopping() || client_gone(fd))
			return -1;
		uint64_t left = until - now_ms();
		sleep_ms(left < ENGINE_CHECK_MS ? left : ENGINE_CHECK_MS);
	}
	return 0;
}

/* Parse a /fault value: 0 or 1 (FLAG), seconds, or bytes. */
struct fault_parse {
	struct faults	 f;
	const char	*bad;		/* first problem, or NULL */
	unsigned	 n;		/* parameters seen */
};

static int
parse_flag(const char *v, int *out)
{
	if (v == NULL || (strcmp(v, "0") != 0 && strcmp(v, "1") != 0))
		return -1;
	*out = v[0] == '1';
	return 0;
}

static enum MHD_Result
fault_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct fault_parse *fp = cls;
	char *end;

	fp->n++;
	if (strcmp(key, "error") == 0) {
		if (parse_flag(value, &fp->f.error) == -1)
			fp->bad = "error: 0 or 1";
	} else if (strcmp(key, "stall") == 0) {
		if (parse_flag(value, &fp->f.stall) == -1)
			fp->bad = "stall: 0 or 1";
	} else if (strcmp(key, "down") == 0) {
		if (parse_flag(value, &fp->f.down) == -1)
			fp->bad = "down: 0 or 1";
	} else if (strcmp(key, "slow") == 0) {
		double d;
		errno = 0;
		if (value == NULL || *value < '0' || *value > '9' ||
		    (d = strtod(value, &end), errno != 0) || *end != '\0' ||
		    !isfinite(d) || d > ENGINE_MAX_SLOW_S)
			fp->bad = "slow: seconds, 0 to 600";
		else
			fp->f.slow_s = d;
	} else if (strcmp(key, "die") == 0) {
		unsigned long long u;
		errno = 0;
		if (value == NULL || *value < '0' || *value > '9' ||
		    (u = strtoull(value, &end, 10), errno != 0) ||
		    *end != '\0' || u > ENGINE_MAX_DIE_BYTES)
			fp->bad = "die: bytes, 0 to 2^40";
		else
			fp->f.die_bytes = u;
	} else
		fp->bad = "unknown fault (error, slow, die, stall, down)";
	return fp->bad == NULL ? MHD_YES : MHD_NO;
}

enum MHD_Result
route_fault(struct MHD_Connection *conn, const char *url)
{
	struct fault_parse fp;
	struct buf b;

	memset(&fp, 0, sizeof(fp));
	pthread_mutex_lock(&engine_mtx);
	fp.f = faults;
	pthread_mutex_unlock(&engine_mtx);
	(void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, fault_arg,
	    &fp);
	if (fp.bad == NULL && fp.n == 0)
		fp.bad = "no fault given (error, slow, die, stall, down)";
	if (fp.bad != NULL)
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, NULL, fp.bad);
	pthread_mutex_lock(&engine_mtx);
	faults = fp.f;
	pthread_mutex_unlock(&engine_mtx);
	buf_init(&b);
	buf_puts(&b, "{\"ok\":true}");
	return reply_ok(conn, url, &b);
}

enum MHD_Result
route_fault_clear(struct MHD_Connection *conn, const char *url)
{
	struct buf b;

	pthread_mutex_lock(&engine_mtx);
	memset(&faults, 0, sizeof(faults));
	pthread_mutex_unlock(&engine_mtx);
	buf_init(&b);
	buf_puts(&b, "{\"ok\":true}");
	return reply_ok(conn, url, &b);
}
