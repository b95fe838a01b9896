/*
 * evring.c - the event backlog in shared memory (see evring.h).
 *
 * Design: the same single-writer protocol as the TS ring (ring.c), so
 * that the supervisor never waits for a worker and a worker never holds
 * anything the supervisor needs.  Publishing event N: raise `reserve` to
 * head + len (fence), copy the JSON into the data ring, publish `head`;
 * then rewrite index entry N % slots as a seqlock whose sequence is the
 * entry's id (0 while it is rewritten, N when done), and publish
 * `last_id` with release semantics.  A reader of event N checks N <=
 * last_id, copies the entry and re-reads its id (torn entry: gone), copies
 * the bytes, and re-reads `reserve` (the writer began overwriting them:
 * gone).  A reader that is told "gone" fell more than the backlog behind.
 * Workers map the segment read-only, so they cannot damage it.
 *
 * The supervisor also keeps here the settings workers serve /events with
 * (heartbeat interval, bearer token), behind their own seqlock, so that a
 * reload reaches running workers without a message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evring.h"
#include "json.h"
#include "seqlock.h"
#include "shm.h"
#include "util.h"

#define EVRING_HDR_BYTES	((sizeof(struct evring_hdr) + 4095) & \
				    ~(size_t)4095)

uint64_t
evring_capacity_for(uint32_t slots)
{
	uint64_t cap = (uint64_t)slots * EVRING_BYTES_PER_EVENT;

	if (cap < 4ULL * EVRING_EVENT_MAX)
		cap = 4ULL * EVRING_EVENT_MAX;
	return cap;
}

static size_t
evring_index_bytes(uint32_t slots)
{
	return ((size_t)slots * sizeof(struct evring_entry) + 63) &
	    ~(size_t)63;
}

size_t
evring_map_size(uint32_t slots, uint64_t capacity)
{
	return EVRING_HDR_BYTES + evring_index_bytes(slots) + (size_t)capacity;
}

void
evring_shm_name(char *out, size_t outsz, pid_t supervisor)
{
	shm_name(out, outsz, supervisor, "events");
}

static void
evring_attach_mem(struct evring *r, void *mem, size_t size, int writable)
{
	struct evring_hdr *h = mem;

	r->hdr = h;
	r->index = (struct evring_entry *)((char *)mem + h->index_offset);
	r->data = (char *)mem + h->data_offset;
	r->map_size = size;
	r->writable = writable;
}

void
evring_init_mem(struct evring *r, void *mem, uint32_t slots,
    uint64_t capacity)
{
	struct evring_hdr *h = mem;

	memset(mem, 0, evring_map_size(slots, capacity));
	h->magic = EVRING_MAGIC;
	h->version = EVRING_VERSION;
	h->slots = slots;
	h->writer_pid = (int32_t)getpid();
	h->capacity = capacity;
	h->index_offset = EVRING_HDR_BYTES;
	h->data_offset = EVRING_HDR_BYTES + evring_index_bytes(slots);
	h->heartbeat_ms = EVRING_DEFAULT_HEARTBEAT_MS;
	evring_attach_mem(r, mem, evring_map_size(slots, capacity), 1);
}

int
evring_create(struct evring *r, const char *shm_name, uint32_t slots)
{
	uint64_t cap;
	size_t size;
	void *mem;

	memset(r, 0, sizeof(*r));
	if (slots < EVRING_MIN_BACKLOG || slots > EVRING_MAX_BACKLOG) {
		errno = EINVAL;
		return -1;
	}
	cap = evring_capacity_for(slots);
	size = evring_map_size(slots, cap);
	if ((mem = shm_create(shm_name, size, size)) == NULL)
		return -1;
	evring_init_mem(r, mem, slots, cap);
	return 0;
}

int
evring_open(struct evring *r, const char *shm_name)
{
	struct evring_hdr *h;
	size_t size;

	memset(r, 0, sizeof(*r));
	h = shm_attach(shm_name, 0, EVRING_HDR_BYTES, &size, NULL);
	if (h == NULL)
		return -1;
	if (h->magic != EVRING_MAGIC || h->version != EVRING_VERSION ||
	    h->slots < EVRING_MIN_BACKLOG || h->slots > EVRING_MAX_BACKLOG ||
	    h->index_offset != EVRING_HDR_BYTES ||
	    h->data_offset != EVRING_HDR_BYTES + evring_index_bytes(h->slots) ||
	    evring_map_size(h->slots, h->capacity) != size) {
		shm_detach(h, size);
		errno = EPROTO;
		return -1;
	}
	evring_attach_mem(r, h, size, 0);
	return 0;
}

void
evring_close(struct evring *r)
{
	shm_detach(r->hdr, r->map_size);
	memset(r, 0, sizeof(*r));
}

int
evring_unlink(const char *shm_name)
{
	return shm_remove(shm_name);
}

/* ---- writer ---- */

static void
evring_copy_in(struct evring *r, uint64_t pos, const char *src, size_t len)
{
	uint64_t cap = r->hdr->capacity;
	size_t off = (size_t)(pos % cap), first = len;

	if (first > cap - off)
		first = (size_t)(cap - off);
	memcpy(r->data + off, src, first);
	if (first < len)
		memcpy(r->data, src + first, len - first);
}

uint64_t
evring_publish(struct evring *r, const char *name, const char *json,
    size_t len)
{
	struct evring_hdr *h = r->hdr;
	struct evring_entry *e;
	uint64_t id, head;

	if (!r->writable || len > EVRING_EVENT_MAX || len > h->capacity / 4) {
		errno = EMSGSIZE;
		return 0;
	}
	id = atomic_load_explicit(&h->last_id, memory_order_relaxed) + 1;
	head = atomic_load_explicit(&h->head, memory_order_relaxed);
	atomic_store_explicit(&h->reserve, head + len, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	evring_copy_in(r, head, json, len);
	atomic_store_explicit(&h->head, head + len, memory_order_release);

	e = &r->index[id % h->slots];
	atomic_store_explicit(&e->id, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	atomic_store_explicit(&e->pos, head, memory_order_relaxed);
	atomic_store_explicit(&e->len, (uint32_t)len, memory_order_relaxed);
	str_copy(e->name, name, sizeof(e->name));
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&e->id, id, memory_order_relaxed);
	atomic_store_explicit(&h->last_id, id, memory_order_release);
	return id;
}

void
evring_set_settings(struct evring *r, const char *token, uint32_t heartbeat_ms)
{
	struct evring_hdr *h = r->hdr;
	uint32_t s = atomic_load_explicit(&h->settings_seq,
	    memory_order_relaxed);

	if (s & 1u)		/* cannot happen: one writer, never killed */
		s++;
	atomic_store_explicit(&h->settings_seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	str_copy(h->token, token != NULL ? token : "", sizeof(h->token));
	h->heartbeat_ms = heartbeat_ms;
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&h->settings_seq, s + 2, memory_order_relaxed);
}

/* ---- readers ---- */

uint64_t
evring_last_id(const struct evring *r)
{
	return atomic_load_explicit(&r->hdr->last_id, memory_order_acquire);
}

/* Copy entry ID consistently: 0, or -1 when it no longer holds ID. */
static int
evring_entry_get(const struct evring *r, uint64_t id, uint64_t *pos,
    uint32_t *len, char *name, size_t namesz)
{
	struct evring_entry *e = &r->index[id % r->hdr->slots];

	if (atomic_load_explicit(&e->id, memory_order_acquire) != id)
		return -1;
	*pos = atomic_load_explicit(&e->pos, memory_order_relaxed);
	*len = atomic_load_explicit(&e->len, memory_order_relaxed);
	if (name != NULL)
		snprintf(name, namesz, "%.*s", EVRING_NAME_MAX - 1, e->name);
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&e->id, memory_order_relaxed) == id ? 0 :
	    -1;
}

/* 1 when data bytes from POS on are still intact (not reserved again). */
static int
evring_bytes_intact(const struct evring *r, uint64_t pos)
{
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&r->hdr->reserve, memory_order_relaxed) <=
	    pos + r->hdr->capacity;
}

/* 1 when ID is still kept (entry and bytes), without copying it. */
static int
evring_kept(const struct evring *r, uint64_t id)
{
	uint64_t pos;
	uint32_t len;

	return evring_entry_get(r, id, &pos, &len, NULL, 0) == 0 &&
	    evring_bytes_intact(r, pos);
}

uint64_t
evring_oldest_id(const struct evring *r)
{
	uint64_t last = evring_last_id(r), lo, hi, mid;
	uint32_t slots = r->hdr->slots;

	if (last == 0)
		return 1;
	lo = last >= slots ? last - slots + 1 : 1;
	/* kept ids are a suffix [oldest, last]: binary search its start */
	if (evring_kept(r, lo))
		return lo;
	hi = last + 1;			/* invariant: lo not kept, hi kept */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (evring_kept(r, mid))
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

int
evring_read(const struct evring *r, uint64_t id, char *name, size_t namesz,
    char *data, size_t datasz, size_t *lenp)
{
	const struct evring_hdr *h = r->hdr;
	uint64_t last = evring_last_id(r), pos, cap = h->capacity;
	uint32_t len;
	size_t off, first;

	if (id > last)
		return 0;
	if (id == 0 || last - id >= h->slots ||
	    evring_entry_get(r, id, &pos, &len, name, namesz) == -1 ||
	    len > datasz || len > cap)
		return -1;
	off = (size_t)(pos % cap);
	first = len;
	if (first > cap - off)
		first = (size_t)(cap - off);
	memcpy(data, r->data + off, first);
	if (first < len)
		memcpy(data + first, r->data, len - first);
	if (!evring_bytes_intact(r, pos))
		return -1;
	*lenp = len;
	return 1;
}

uint64_t
evring_resume_id(const struct evring *r, uint64_t last_seen, int *missed)
{
	uint64_t last = evring_last_id(r), oldest = evring_oldest_id(r);

	*missed = 0;
	if (last_seen > last) {		/* from an earlier run */
		*missed = 1;
		return oldest;
	}
	if (last_seen + 1 < oldest) {
		*missed = 1;
		return oldest;
	}
	return last_seen + 1;
}

/* Copy the settings consistently: 0, or -1 (writer mid-update too long). */
static int
evring_settings(const struct evring *r, char *token, size_t tokensz,
    uint32_t *heartbeat_ms)
{
	struct evring_hdr *h = r->hdr;
	struct seqlock_reader rd = SEQLOCK_READER(&h->settings_seq);

	while (seqlock_read_next(&rd)) {
		if (token != NULL)
			snprintf(token, tokensz, "%.*s", EVRING_TOKEN_MAX - 1,
			    h->token);
		*heartbeat_ms = h->heartbeat_ms;
	}
	return rd.ok ? 0 : -1;
}

uint32_t
evring_heartbeat_ms(const struct evring *r)
{
	uint32_t hb;

	return evring_settings(r, NULL, 0, &hb) == 0 ? hb : 0;
}

int
evring_token_required(const struct evring *r)
{
	char token[EVRING_TOKEN_MAX];
	uint32_t hb;

	/* unreadable settings: fail closed */
	return evring_settings(r, token, sizeof(token), &hb) == -1 ||
	    token[0] != '\0';
}

int
evring_token_ok(const struct evring *r, const char *given)
{
	char token[EVRING_TOKEN_MAX];
	uint32_t hb;

	if (evring_settings(r, token, sizeof(token), &hb) == -1)
		return 0;
	if (token[0] == '\0')
		return 1;
	return given != NULL && str_equal_ct(token, given);
}

void
evring_event_name(const char *json, char *out, size_t outsz)
{
	size_t i;

	if (json_get_str(json, "event", out, outsz) == -1 || out[0] == '\0') {
		str_copy(out, "event", outsz);
		return;
	}
	for (i = 0; out[i] != '\0'; i++)	/* it goes on an SSE line */
		if (!((out[i] >= 'a' && out[i] <= 'z') ||
		    (out[i] >= 'A' && out[i] <= 'Z') ||
		    (out[i] >= '0' && out[i] <= '9') || out[i] == '_' ||
		    out[i] == '-' || out[i] == '.')) {
			str_copy(out, "event", outsz);
			return;
		}
}
