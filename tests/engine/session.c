/*
 * session.c - the test engine's sessions: the list of live ones (at most
 * ENGINE_MAX_SESSIONS, at most one per infohash: a new one supersedes the
 * older), the per-infohash counters /stats shows (at most
 * ENGINE_MAX_IDS) and a ring of the last ENGINE_TOMBSTONES ended
 * sessions, so a second stop is recognised after the session's memory
 * was freed.  A session is freed on stop once its last playback has
 * ended (each playback holds a reference).
 *
 * Pure state: no I/O, no MHD.  Every function but session_new_id runs
 * under engine_mtx, which its caller holds.  Calls only util.h, json.h
 * and libc.
 */

#include <sys/random.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "util.h"

static struct session	*sessions;
static struct idstat	*idstats;	/* ENGINE_MAX_IDS slots */
static size_t		 nids;
static struct tombstone	*tombs;		/* ENGINE_TOMBSTONES slots */
static size_t		 ntombs, tomb_next;

int
session_alloc(void)
{
	idstats = calloc(ENGINE_MAX_IDS, sizeof(*idstats));
	tombs = calloc(ENGINE_TOMBSTONES, sizeof(*tombs));
	return idstats == NULL || tombs == NULL ? -1 : 0;
}

/* At exit, once no connection is left: every session and table. */
void
session_free_all(void)
{
	struct session *s, *next;

	for (s = sessions; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	sessions = NULL;
	free(idstats);
	free(tombs);
}

/* The counters of infohash HASH, made if new; NULL when the table is full. */
struct idstat *
idstat_get(const char *hash)
{
	for (size_t i = 0; i < nids; i++)
		if (strcmp(idstats[i].id, hash) == 0)
			return &idstats[i];
	if (nids == ENGINE_MAX_IDS)
		return NULL;
	struct idstat *s = &idstats[nids++];
	memset(s, 0, sizeof(*s));
	str_copy(s->id, hash, sizeof(s->id));
	return s;
}

struct session *
session_find(const char *sid)
{
	for (struct session *s = sessions; s != NULL; s = s->next)
		if (strcmp(s->id, sid) == 0)
			return s;
	return NULL;
}

const struct tombstone *
tomb_find(const char *sid)
{
	for (size_t i = 0; i < ntombs; i++)
		if (strcmp(tombs[i].id, sid) == 0)
			return &tombs[i];
	return NULL;
}

static void
session_unlink(struct session *s)
{
	for (struct session **pp = &sessions; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

/*
 * End S: off the list, remembered (BY_STOP: by a stop command, else
 * superseded), its playbacks end, freed when no playback holds it.
 */
void
session_stop(struct session *s, int by_stop)
{
	struct tombstone *t = &tombs[tomb_next];

	session_unlink(s);
	s->stopped = 1;
	str_copy(t->id, s->id, sizeof(t->id));
	str_copy(t->hash, s->hash, sizeof(t->hash));
	t->by_stop = by_stop;
	tomb_next = (tomb_next + 1) % ENGINE_TOMBSTONES;
	if (ntombs < ENGINE_TOMBSTONES)
		ntombs++;
	engine_cnt.active_sessions--;
	if (s->refs == 0)
		free(s);
}

int
session_new_id(char out[ENGINE_SESS_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[ENGINE_SESS_HEX / 2];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 0x0f];
	}
	out[ENGINE_SESS_HEX] = '\0';
	return 0;
}

/*
 * Make S (its hash set) the live session of its infohash and count its
 * start: as in the real engine, every older live session of that
 * infohash is ended (superseded).  -1 when ENGINE_MAX_SESSIONS are live
 * or ENGINE_MAX_IDS infohashes are known (S is then the caller's to free).
 */
int
session_link(struct session *s)
{
	struct session *o, *next;

	if ((s->ids = idstat_get(s->hash)) == NULL)
		return -1;
	for (o = sessions; o != NULL; o = next) {
		next = o->next;
		if (strcasecmp(o->hash, s->hash) == 0) {
			engine_cnt.superseded++;
			session_stop(o, 0);
		}
	}
	if (engine_cnt.active_sessions >= ENGINE_MAX_SESSIONS)
		return -1;
	s->next = sessions;
	sessions = s;
	engine_cnt.active_sessions++;
	engine_cnt.starts++;
	s->ids->starts++;
	return 0;
}

/* A playback of S has ended: free S if it was its last of a stopped one. */
void
session_unref(struct session *s)
{
	if (--s->refs == 0 && s->stopped)
		free(s);
}

/* /stats' "ids": {"HASH": {"starts": n, "stops": n, "pulls": n,
 * "getstreams": n, "first_byte_us": n}, ...}. */
void
idstat_put_all(struct buf *b)
{
	json_key(b, "ids");
	buf_puts(b, "{");
	for (size_t i = 0; i < nids; i++) {
		json_key(b, idstats[i].id);
		buf_puts(b, "{");
		json_kv_uint(b, "starts", idstats[i].starts);
		json_kv_uint(b, "stops", idstats[i].stops);
		json_kv_uint(b, "pulls", idstats[i].pulls);
		json_kv_uint(b, "getstreams", idstats[i].getstreams);
		json_kv_uint(b, "first_byte_us", idstats[i].first_byte_us);
		buf_puts(b, "}");
	}
	buf_puts(b, "}");
}
