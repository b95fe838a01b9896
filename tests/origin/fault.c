/*
 * fault.c - fault injection: /fault adds a fault for a path (or every
 * path under a prefix), /fault/clear removes them all, and each new
 * request takes the faults that match it.
 *
 * Faults sit in a fixed table under the mutex, each with a count of the
 * requests left to take it.  The open TS and segment responses are kept
 * on the active list so that close, stall and garbage also hit the
 * responses already streaming.  Calls util.c only.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "origin.h"

enum fault_type {
	FAULT_STATUS,
	FAULT_HANG,
	FAULT_CLOSE,
	FAULT_STALL,
	FAULT_GARBAGE,
	FAULT_SLOW,
};

static const char *fault_names[] = {
	"status", "hang", "close", "stall", "garbage", "slow",
};

struct fault {
	enum fault_type	 type;
	char		 path[ORIGIN_PATH_MAX_BYTES];
	uint64_t	 value;		/* status, bytes, ms, bytes/s */
	int64_t		 remaining;	/* -1 = until cleared */
};

static struct fault	 faults[ORIGIN_MAX_FAULTS];
static size_t		 nfaults;
static struct req	*active_head;

void
active_add(struct req *r)
{
	r->active = 1;
	r->aprev = NULL;
	r->anext = active_head;
	if (active_head != NULL)
		active_head->aprev = r;
	active_head = r;
}

/* Called with mtx held. */
void
active_remove(struct req *r)
{
	if (!r->active)
		return;
	if (r->aprev != NULL)
		r->aprev->anext = r->anext;
	else
		active_head = r->anext;
	if (r->anext != NULL)
		r->anext->aprev = r->aprev;
	r->active = 0;
}

/* Does the fault path FP cover request path PATH? ("/x/" is a prefix.) */
static int
fault_matches(const char *fp, const char *path)
{
	size_t n = strlen(fp);

	if (n > 0 && fp[n - 1] == '/')
		return strncmp(fp, path, n) == 0;
	return strcmp(fp, path) == 0;
}

/* Called with mtx held: apply a data fault to a request. */
static void
fault_apply(struct req *r, const struct fault *f, uint64_t now)
{
	switch (f->type) {
	case FAULT_CLOSE:
		r->close_left = (int64_t)f->value;
		break;
	case FAULT_STALL:
		r->stall_until_ms = now + f->value;
		r->resync = r->kind == REQ_LIVE;
		break;
	case FAULT_GARBAGE:
		r->garbage_left += f->value;
		break;
	case FAULT_SLOW:
		r->slow_rate = f->value;
		r->slow_start_ms = now;
		r->slow_sent = 0;
		break;
	default:
		break;
	}
}

/* Called with mtx held: drop faults whose count ran out. */
static void
faults_compact(void)
{
	size_t j = 0;

	for (size_t i = 0; i < nfaults; i++)
		if (faults[i].remaining != 0)
			faults[j++] = faults[i];
	nfaults = j;
}

/*
 * Called with mtx held for a new request on PATH.  Returns the status
 * fault to answer with (0 = none) and sets *HANG; data faults are taken
 * only when DATA is set and then applied to R.
 */
unsigned
faults_take(struct req *r, const char *path, int data, int *hang)
{
	unsigned status = 0;
	uint64_t now = mono_ms();
	size_t i;

	*hang = 0;
	/* Status and hang first: they replace the whole answer. */
	for (i = 0; i < nfaults && status == 0 && !*hang; i++) {
		struct fault *f = &faults[i];
		if (f->remaining == 0 || !fault_matches(f->path, path))
			continue;
		if (f->type == FAULT_STATUS)
			status = (unsigned)f->value;
		else if (f->type == FAULT_HANG)
			*hang = 1;
		else
			continue;
		if (f->remaining > 0)
			f->remaining--;
	}
	for (i = 0; i < nfaults && data && status == 0 && !*hang; i++) {
		struct fault *f = &faults[i];
		if (f->remaining == 0 || !fault_matches(f->path, path) ||
		    f->type == FAULT_STATUS || f->type == FAULT_HANG)
			continue;
		fault_apply(r, f, now);
		if (f->remaining > 0)
			f->remaining--;
	}
	faults_compact();
	return status;
}

static enum MHD_Result
fault_bad(struct MHD_Connection *conn, const char *msg)
{
	struct sbuf b = { 0 };

	sbuf_printf(&b, "{\"error\":");
	sbuf_json_string(&b, msg);
	sbuf_printf(&b, "}\n");
	return reply(conn, MHD_HTTP_BAD_REQUEST, "application/json", &b);
}

/* Check VALUE for fault type T; the stored value goes to *OUT. */
static const char *
fault_check_value(enum fault_type t, const char *value, uint64_t *out)
{
	uint64_t v = 0;
	char *end;

	if (t == FAULT_HANG)
		return value == NULL ? NULL : "hang takes no value";
	if (value == NULL)
		return "value required";
	if (t == FAULT_STALL) {
		errno = 0;
		double s = strtod(value, &end);
		if (errno != 0 || *end != '\0' || end == value || !(s > 0) ||
		    s > 86400)
			return "stall value: seconds, > 0";
		*out = (uint64_t)(s * 1000 + 0.5);
		return NULL;
	}
	if (parse_u64(value, &v) == -1)
		return "value: a decimal number";
	if (t == FAULT_STATUS && v != 404 && v != 500 && v != 503)
		return "status value: 404, 500 or 503";
	if ((t == FAULT_GARBAGE || t == FAULT_SLOW) && v == 0)
		return "value must be > 0";
	*out = v;
	return NULL;
}

enum MHD_Result
route_fault(struct MHD_Connection *conn)
{
	const char *path, *type, *value, *count;
	struct fault f;
	uint64_t c = 1;
	const char *err;
	size_t i;

	memset(&f, 0, sizeof(f));
	path = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "path");
	type = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "type");
	value = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "value");
	count = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "count");
	if (path == NULL || path[0] != '/' ||
	    strlen(path) >= ORIGIN_PATH_MAX_BYTES)
		return fault_bad(conn, "path required, starting with /");
	if (type == NULL)
		return fault_bad(conn, "type required");
	for (i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++)
		if (strcmp(type, fault_names[i]) == 0)
			break;
	if (i == sizeof(fault_names) / sizeof(fault_names[0]))
		return fault_bad(conn, "unknown type");
	f.type = (enum fault_type)i;
	if ((err = fault_check_value(f.type, value, &f.value)) != NULL)
		return fault_bad(conn, err);
	if (count != NULL && parse_u64(count, &c) == -1)
		return fault_bad(conn, "count: a decimal number");
	if (c > INT64_MAX)
		return fault_bad(conn, "count too large");
	f.remaining = c == 0 ? -1 : (int64_t)c;
	strcpy(f.path, path);

	pthread_mutex_lock(&mtx);
	if (nfaults == ORIGIN_MAX_FAULTS) {
		pthread_mutex_unlock(&mtx);
		return fault_bad(conn, "too many faults");
	}
	faults[nfaults++] = f;
	if (f.type == FAULT_CLOSE || f.type == FAULT_STALL ||
	    f.type == FAULT_GARBAGE) {
		uint64_t now = mono_ms();
		for (struct req *r = active_head; r != NULL; r = r->anext)
			if (fault_matches(f.path, r->path))
				fault_apply(r, &f, now);
	}
	pthread_mutex_unlock(&mtx);

	struct sbuf b = { 0 };
	sbuf_printf(&b, "{\"ok\":true}\n");
	return reply(conn, MHD_HTTP_OK, "application/json", &b);
}

enum MHD_Result
route_fault_clear(struct MHD_Connection *conn)
{
	struct sbuf b = { 0 };

	pthread_mutex_lock(&mtx);
	nfaults = 0;
	for (struct req *r = active_head; r != NULL; r = r->anext) {
		r->close_left = -1;
		r->stall_until_ms = 0;
		r->garbage_left = 0;
		r->slow_rate = 0;
	}
	pthread_mutex_unlock(&mtx);
	sbuf_printf(&b, "{\"ok\":true}\n");
	return reply(conn, MHD_HTTP_OK, "application/json", &b);
}
