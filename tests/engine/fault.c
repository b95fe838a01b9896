/*
 * fault.c - the test engine's injected faults: GET /fault?NAME=VALUE...
 * sets them (all or nothing: one bad value and none changes), GET
 * /fault/clear removes them, and the slow start's wait.  A fault is
 * global, or scoped to one content id or infohash (/fault?id=ID&...),
 * and then wins over the global one of its name for that id.  Each
 * holds until cleared (starve and down_checks also run out by
 * themselves); the routes that obey one read them with fault_get()
 * under engine_mtx (api.c, play.c).  A new fault is a field of struct
 * faults, an F_ bit, a row of fault_fields[] (or a branch of
 * fault_one()), a line of fault_merge(), and the lines that obey it.
 *
 * Calls reply.c and engine_stopping() only.
 */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/*
 * Scoped faults: /fault?id=ID&NAME=VALUE sets NAME for the sessions and
 * requests of ID (a content id or an infohash) only; SET has one bit per
 * fault name it holds, and those win over the global ones for that id.
 */
enum {
	F_ERROR = 1 << 0, F_SLOW = 1 << 1, F_DIE = 1 << 2, F_STALL = 1 << 3,
	F_DOWN = 1 << 4, F_PREBUF = 1 << 5, F_STARVE = 1 << 6,
	F_STOP_SLOW = 1 << 7, F_VOD = 1 << 8, F_OFFLINE = 1 << 9,
	F_DOWN_CHECKS = 1 << 10
};

struct fault_scope {
	char		 id[ENGINE_ID_HEX + 1];	/* lower case */
	unsigned	 set;
	struct faults	 f;
};

static struct fault_scope	 scopes[ENGINE_MAX_FAULT_IDS];
static size_t			 nscopes;

static void
fault_merge(struct faults *out, const struct fault_scope *sc)
{
	const struct faults *f = &sc->f;

	if (sc->set & F_ERROR)
		memcpy(out->error, f->error, sizeof(out->error));
	if (sc->set & F_SLOW)
		out->slow_s = f->slow_s;
	if (sc->set & F_DIE)
		out->die_bytes = f->die_bytes;
	if (sc->set & F_STALL)
		out->stall = f->stall;
	if (sc->set & F_DOWN)
		out->down = f->down;
	if (sc->set & F_PREBUF)
		out->prebuf_s = f->prebuf_s;
	if (sc->set & F_STARVE)
		out->starve_until_ms = f->starve_until_ms;
	if (sc->set & F_STOP_SLOW)
		out->stop_slow_s = f->stop_slow_s;
	if (sc->set & F_VOD)
		out->vod = f->vod;
	if (sc->set & F_OFFLINE)
		out->offline = f->offline;
}

/*
 * The faults that hold for a request or session of content id CID and
 * infohash HASH (either may be NULL): the global ones, overridden by
 * those scoped to CID or HASH.  Under engine_mtx.
 */
void
fault_get(const char *cid, const char *hash, struct faults *out)
{
	*out = faults;
	for (size_t i = 0; i < nscopes; i++)
		if ((cid != NULL && strcasecmp(scopes[i].id, cid) == 0) ||
		    (hash != NULL && strcasecmp(scopes[i].id, hash) == 0))
			fault_merge(out, &scopes[i]);
}

/* A get_version: 1 if it must fail (down_checks left), counting it down. */
int
fault_take_down_check(void)
{
	if (faults.down_checks == 0)
		return 0;
	faults.down_checks--;
	return 1;
}

/* Parse a /fault value: 0 or 1 (FLAG), seconds, or bytes. */
struct fault_parse {
	struct faults	 f;
	unsigned	 set;		/* F_* bits given */
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

static int
parse_seconds(const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	if (v == NULL || *v < '0' || *v > '9' ||
	    (d = strtod(v, &end), errno != 0) || *end != '\0' ||
	    !isfinite(d) || d > ENGINE_MAX_SLOW_S)
		return -1;
	*out = d;
	return 0;
}

static int
parse_count(const char *v, uint64_t max, uint64_t *out)
{
	unsigned long long u;
	char *end;

	errno = 0;
	if (v == NULL || *v < '0' || *v > '9' ||
	    (u = strtoull(v, &end, 10), errno != 0) || *end != '\0' || u > max)
		return -1;
	*out = u;
	return 0;
}

/* error=0 (off), 1 (today's text) or TEXT. */
static int
parse_error(const char *v, char out[ENGINE_MAX_ERROR_BYTES])
{
	if (v == NULL || *v == '\0' || strlen(v) >= ENGINE_MAX_ERROR_BYTES)
		return -1;
	if (strcmp(v, "0") == 0)
		out[0] = '\0';
	else
		str_copy(out, strcmp(v, "1") == 0 ? ENGINE_ERROR_TEXT : v,
		    ENGINE_MAX_ERROR_BYTES);
	return 0;
}

#define FAULT_NAMES	"error, slow, die, stall, down, prebuf, starve, " \
			"stop_slow, vod, offline, down_checks"

/* The faults that are a flag (0 or 1) or seconds, by name. */
static const struct fault_field {
	const char	*name;
	unsigned	 bit;
	int		 seconds;	/* else a flag */
	size_t		 off;		/* in struct faults */
	const char	*bad;
} fault_fields[] = {
	{ "stall", F_STALL, 0, offsetof(struct faults, stall),
	    "stall: 0 or 1" },
	{ "down", F_DOWN, 0, offsetof(struct faults, down), "down: 0 or 1" },
	{ "vod", F_VOD, 0, offsetof(struct faults, vod), "vod: 0 or 1" },
	{ "offline", F_OFFLINE, 0, offsetof(struct faults, offline),
	    "offline: 0 or 1" },
	{ "slow", F_SLOW, 1, offsetof(struct faults, slow_s),
	    "slow: seconds, 0 to 600" },
	{ "prebuf", F_PREBUF, 1, offsetof(struct faults, prebuf_s),
	    "prebuf: seconds, 0 to 600" },
	{ "stop_slow", F_STOP_SLOW, 1, offsetof(struct faults, stop_slow_s),
	    "stop_slow: seconds, 0 to 600" },
};

/* One NAME=VALUE: its F_ bit, or -1 with fp->bad set. */
static int
fault_one(struct fault_parse *fp, const char *key, const char *v)
{
	struct faults *f = &fp->f;
	double d;

	for (size_t i = 0; i < sizeof(fault_fields) / sizeof(fault_fields[0]);
	    i++) {
		const struct fault_field *ff = &fault_fields[i];
		void *dst = (char *)f + ff->off;
		if (strcmp(key, ff->name) != 0)
			continue;
		if ((ff->seconds ? parse_seconds(v, dst) : parse_flag(v, dst)) ==
		    -1)
			return fp->bad = ff->bad, -1;
		return (int)ff->bit;
	}
	if (strcmp(key, "error") == 0)
		return parse_error(v, f->error) == -1 ? (fp->bad =
		    "error: 0, 1 or a text of at most 255 bytes", -1) : F_ERROR;
	if (strcmp(key, "starve") == 0) {
		if (parse_seconds(v, &d) == -1)
			return fp->bad = "starve: seconds, 0 to 600", -1;
		f->starve_until_ms = d > 0 ? now_ms() + (uint64_t)(d * 1000.0) :
		    0;
		return F_STARVE;
	}
	if (strcmp(key, "die") == 0)
		return parse_count(v, ENGINE_MAX_DIE_BYTES, &f->die_bytes) ==
		    -1 ? (fp->bad = "die: bytes, 0 to 2^40", -1) : F_DIE;
	if (strcmp(key, "down_checks") == 0)
		return parse_count(v, ENGINE_MAX_DOWN_CHECKS, &f->down_checks) ==
		    -1 ? (fp->bad = "down_checks: a count, 0 to 1000000", -1) :
		    F_DOWN_CHECKS;
	fp->bad = "unknown fault (" FAULT_NAMES ")";
	return -1;
}

static enum MHD_Result
fault_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct fault_parse *fp = cls;
	int bit;

	if (strcmp(key, "id") == 0)
		return MHD_YES;
	fp->n++;
	if ((bit = fault_one(fp, key, value)) == -1)
		return MHD_NO;
	fp->set |= (unsigned)bit;
	return MHD_YES;
}

/* The scope of ID, made if new; NULL when ENGINE_MAX_FAULT_IDS are set. */
static struct fault_scope *
scope_get(const char *id)
{
	for (size_t i = 0; i < nscopes; i++)
		if (strcasecmp(scopes[i].id, id) == 0)
			return &scopes[i];
	if (nscopes == ENGINE_MAX_FAULT_IDS)
		return NULL;
	struct fault_scope *sc = &scopes[nscopes++];
	memset(sc, 0, sizeof(*sc));
	for (size_t i = 0; i < ENGINE_ID_HEX; i++)
		sc->id[i] = (char)tolower((unsigned char)id[i]);
	return sc;
}

enum MHD_Result
route_fault(struct MHD_Connection *conn, const char *url)
{
	const char *id = query_arg(conn, "id");
	struct fault_scope *sc = NULL;
	struct fault_parse fp;
	struct fault_scope given;
	struct faults *dst;
	struct buf b;

	if (id != NULL && !is_hex(id, ENGINE_ID_HEX))
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, NULL,
		    "id: 40 hex digits");
	memset(&fp, 0, sizeof(fp));
	(void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, fault_arg,
	    &fp);
	if (fp.bad == NULL && fp.n == 0)
		fp.bad = "no fault given (" FAULT_NAMES ")";
	if (fp.bad != NULL)
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, NULL, fp.bad);
	memset(&given, 0, sizeof(given));
	given.set = fp.set;
	given.f = fp.f;
	pthread_mutex_lock(&engine_mtx);
	if (id != NULL && (sc = scope_get(id)) == NULL) {
		pthread_mutex_unlock(&engine_mtx);
		return reply_error(conn, url, MHD_HTTP_BAD_REQUEST, NULL,
		    "too many ids with faults");
	}
	dst = sc != NULL ? &sc->f : &faults;
	fault_merge(dst, &given);
	if (fp.set & F_DOWN_CHECKS)
		dst->down_checks = fp.f.down_checks;
	if (sc != NULL)
		sc->set |= fp.set;
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
	memset(scopes, 0, sizeof(scopes));
	nscopes = 0;
	pthread_mutex_unlock(&engine_mtx);
	buf_init(&b);
	buf_puts(&b, "{\"ok\":true}");
	return reply_ok(conn, url, &b);
}
