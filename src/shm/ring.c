/*
 * ring.c - single-writer, many-reader MPEG-TS ring in shared memory.
 *
 * Design (after Linux's perf ring and the seqlock): the writer owns two
 * monotonic 64-bit counters.  Before it copies packets it raises `reserve`
 * to head + len (and fences), then copies, then publishes `head` with
 * release semantics.  A reader loads head (acquire), copies the bytes
 * between its position and head, fences, and loads reserve again: if the
 * writer may have begun overwriting what was copied (reserve - capacity >
 * position) the copy is thrown away and the reader is told it fell
 * behind.  Nothing is ever locked, so a writer killed with SIGKILL at any
 * instant leaves a ring whose published part is intact (its half-written
 * packet is past head and never seen), and a reader killed mid-copy holds
 * nothing the writer waits for.  This is the "design at least as safe" as
 * a process-shared rwlock that SPEC allows: the rwlock has no robust mode,
 * this has no lock to lose.
 *
 * Random-access points (a PAT before a keyframe) go into a small circular
 * index published the same way; readers validate an entry by re-reading
 * the count after reading it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ring.h"
#include "shm.h"
#include "tsscan.h"

#define RING_HDR_BYTES	((sizeof(struct ring_hdr) + 4095) & ~(size_t)4095)

uint64_t
ring_capacity_for(uint64_t ring_size_bytes)
{
	uint64_t cap = ring_size_bytes - ring_size_bytes % TS_PACKET_SIZE;

	if (cap < 4 * RING_MAX_WRITE_BYTES)
		cap = 4 * RING_MAX_WRITE_BYTES;
	return cap;
}

size_t
ring_map_size(uint64_t capacity)
{
	return RING_HDR_BYTES + (size_t)capacity;
}

void
ring_init_mem(struct ring *r, void *mem, uint64_t capacity, uint64_t gen)
{
	struct ring_hdr *h = mem;

	memset(h, 0, sizeof(*h));
	h->magic = RING_MAGIC;
	h->version = RING_VERSION;
	h->generation = gen;
	h->capacity = capacity;
	h->data_offset = RING_HDR_BYTES;
	r->hdr = h;
	r->data = (uint8_t *)mem + RING_HDR_BYTES;
	r->capacity = capacity;
	r->map_size = ring_map_size(capacity);
	r->writable = 1;
	r->fd = -1;
}

int
ring_create(const char *shm_name, uint64_t ring_size_bytes, uint64_t gen)
{
	uint64_t cap = ring_capacity_for(ring_size_bytes);
	struct ring r;
	void *mem;

	/* only the header is written: the data stays sparse */
	mem = shm_create(shm_name, ring_map_size(cap), RING_HDR_BYTES);
	if (mem == NULL)
		return -1;
	ring_init_mem(&r, mem, cap, gen);
	shm_detach(mem, RING_HDR_BYTES);
	return 0;
}

int
ring_unlink(const char *shm_name)
{
	return shm_remove(shm_name);
}

int
ring_open(struct ring *r, const char *shm_name, int writable)
{
	struct ring_hdr *h;
	size_t size;
	int fd = -1;

	memset(r, 0, sizeof(*r));
	/* a reader keeps the descriptor: HLS segments go out by sendfile */
	h = shm_attach(shm_name, writable, RING_HDR_BYTES, &size,
	    writable ? NULL : &fd);
	if (h == NULL)
		return -1;
	if (h->magic != RING_MAGIC || h->version != RING_VERSION ||
	    h->data_offset != RING_HDR_BYTES ||
	    ring_map_size(h->capacity) != size) {
		shm_detach(h, size);
		if (fd != -1)
			close(fd);
		errno = EPROTO;
		return -1;
	}
	r->fd = fd;
	r->hdr = h;
	r->data = (uint8_t *)h + RING_HDR_BYTES;
	r->capacity = h->capacity;
	r->map_size = size;
	r->writable = writable;
	if (writable)	/* a new writer goes on with the stream */
		atomic_store_explicit(&h->ended, 0, memory_order_release);
	return 0;
}

void
ring_close(struct ring *r)
{
	shm_detach(r->hdr, r->map_size);
	if (r->fd > 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static void
ring_copy_in(struct ring *r, uint64_t pos, const uint8_t *src, size_t len)
{
	size_t off = (size_t)(pos % r->capacity);
	size_t first = len;

	if (first > r->capacity - off)
		first = (size_t)(r->capacity - off);
	memcpy(r->data + off, src, first);
	if (first < len)
		memcpy(r->data, src + first, len - first);
}

int
ring_write(struct ring *r, const uint8_t *pkts, size_t len)
{
	if (len % TS_PACKET_SIZE != 0) {
		errno = EINVAL;
		return -1;
	}
	return ring_write_raw(r, pkts, len);
}

int
ring_write_raw(struct ring *r, const uint8_t *pkts, size_t len)
{
	uint64_t head;

	if (!r->writable || len > RING_MAX_WRITE_BYTES) {
		errno = EINVAL;
		return -1;
	}
	if (len == 0)
		return 0;
	head = atomic_load_explicit(&r->hdr->head, memory_order_relaxed);
	atomic_store_explicit(&r->hdr->reserve, head + len,
	    memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	ring_copy_in(r, head, pkts, len);
	atomic_store_explicit(&r->hdr->head, head + len, memory_order_release);
	return 0;
}

void
ring_add_rap(struct ring *r, uint64_t pos)
{
	uint64_t n = atomic_load_explicit(&r->hdr->rap_count,
	    memory_order_relaxed);

	atomic_store_explicit(&r->hdr->rap[n % RING_RAP_MAX], pos,
	    memory_order_relaxed);
	atomic_store_explicit(&r->hdr->rap_count, n + 1, memory_order_release);
}

uint64_t
ring_head(const struct ring *r)
{
	return atomic_load_explicit(&r->hdr->head, memory_order_acquire);
}

void
ring_mark_ended(struct ring *r)
{
	atomic_store_explicit(&r->hdr->ended, 1, memory_order_release);
}

int
ring_ended(const struct ring *r)
{
	return atomic_load_explicit(&r->hdr->ended, memory_order_acquire) != 0;
}

/* 1 when [pos, head) cannot have been touched by the writer yet. */
static int
ring_pos_valid(const struct ring *r, uint64_t pos)
{
	uint64_t reserve;

	atomic_thread_fence(memory_order_acquire);
	reserve = atomic_load_explicit(&r->hdr->reserve, memory_order_relaxed);
	return reserve <= pos + r->capacity;
}

ssize_t
ring_read(const struct ring *r, uint64_t *pos, uint8_t *out, size_t max)
{
	uint64_t head = ring_head(r), p = *pos;
	size_t n, off, first;

	if (p > head || !ring_pos_valid(r, p))
		return -1;
	if (p == head || max == 0)
		return 0;
	n = head - p < max ? (size_t)(head - p) : max;
	off = (size_t)(p % r->capacity);
	first = n < r->capacity - off ? n : (size_t)(r->capacity - off);
	memcpy(out, r->data + off, first);
	if (first < n)
		memcpy(out + first, r->data, n - first);
	if (!ring_pos_valid(r, p))
		return -1;
	*pos = p + n;
	return (ssize_t)n;
}

/* Entry I of the index if it is still the one written as entry I. */
static int
ring_rap_get(const struct ring *r, uint64_t i, uint64_t *pos)
{
	uint64_t v = atomic_load_explicit(&r->hdr->rap[i % RING_RAP_MAX],
	    memory_order_relaxed);
	uint64_t count;

	atomic_thread_fence(memory_order_acquire);
	count = atomic_load_explicit(&r->hdr->rap_count, memory_order_relaxed);
	if (count - i >= RING_RAP_MAX)	/* the writer may be reusing it */
		return -1;
	*pos = v;
	return 0;
}

int
ring_latest_rap(const struct ring *r, uint64_t *pos)
{
	uint64_t count = atomic_load_explicit(&r->hdr->rap_count,
	    memory_order_acquire);
	uint64_t head = ring_head(r), v;

	if (count == 0)
		return -1;
	if (ring_rap_get(r, count - 1, &v) == -1 || v >= head ||
	    !ring_pos_valid(r, v))
		return -1;
	*pos = v;
	return 0;
}

int
ring_rap_after(const struct ring *r, uint64_t pos, uint64_t *out)
{
	uint64_t count = atomic_load_explicit(&r->hdr->rap_count,
	    memory_order_acquire);
	uint64_t i, lo, v, head = ring_head(r), found = 0;
	int have = 0;

	lo = count > RING_RAP_MAX ? count - RING_RAP_MAX : 0;
	for (i = count; i > lo; i--) {
		if (ring_rap_get(r, i - 1, &v) == -1 || v >= head)
			continue;
		if (v < pos || !ring_pos_valid(r, v))
			break;
		found = v;
		have = 1;
	}
	if (!have)
		return -1;
	*out = found;
	return 0;
}

/* ---- segment index ---- */

void
ring_add_segment(struct ring *r, const struct ring_seg *seg)
{
	uint64_t n = atomic_load_explicit(&r->hdr->seg_count,
	    memory_order_relaxed);

	r->hdr->segs[n % RING_SEG_MAX] = *seg;
	atomic_store_explicit(&r->hdr->seg_count, n + 1, memory_order_release);
}

/* Copy entry I if it is still entry I once copied. */
static int
ring_seg_get(const struct ring *r, uint64_t i, struct ring_seg *out)
{
	uint64_t count;

	*out = r->hdr->segs[i % RING_SEG_MAX];
	atomic_thread_fence(memory_order_acquire);
	count = atomic_load_explicit(&r->hdr->seg_count, memory_order_relaxed);
	return count - i >= RING_SEG_MAX ? -1 : 0;
}

int
ring_last_segment(const struct ring *r, struct ring_seg *out)
{
	uint64_t count = atomic_load_explicit(&r->hdr->seg_count,
	    memory_order_acquire);

	if (count == 0)
		return -1;
	return ring_seg_get(r, count - 1, out);
}

/* 1 while every byte of SEG is published and not overwritten. */
static int
ring_seg_whole(const struct ring *r, const struct ring_seg *seg)
{
	return seg->start + seg->len <= ring_head(r) &&
	    ring_pos_valid(r, seg->start);
}

int
ring_segments(const struct ring *r, struct ring_seg *out, int max)
{
	uint64_t count = atomic_load_explicit(&r->hdr->seg_count,
	    memory_order_acquire);
	uint64_t i, lo = count > RING_SEG_MAX ? count - RING_SEG_MAX + 1 : 0;
	int n = 0, k;

	if (max <= 0)
		return 0;
	/* newest first, then reverse */
	for (i = count; i > lo && n < max; i--) {
		if (ring_seg_get(r, i - 1, &out[n]) == -1 ||
		    !ring_seg_whole(r, &out[n]))
			break;
		n++;
	}
	for (k = 0; k < n / 2; k++) {
		struct ring_seg t = out[k];

		out[k] = out[n - 1 - k];
		out[n - 1 - k] = t;
	}
	return n;
}

int
ring_find_segment(const struct ring *r, uint64_t seq, struct ring_seg *out)
{
	uint64_t count = atomic_load_explicit(&r->hdr->seg_count,
	    memory_order_acquire);
	uint64_t i, lo = count > RING_SEG_MAX ? count - RING_SEG_MAX + 1 : 0;

	for (i = count; i > lo; i--) {
		if (ring_seg_get(r, i - 1, out) == -1)
			return -1;
		if (out->seq == seq)
			return ring_seg_whole(r, out) ? 0 : -1;
		if (out->seq < seq)
			break;
	}
	return -1;
}

int
ring_file_range(const struct ring *r, uint64_t pos, uint64_t len,
    uint64_t margin, uint64_t *off)
{
	uint64_t reserve, o = pos % r->capacity;

	if (r->fd < 0 || o + len > r->capacity || pos + len > ring_head(r))
		return -1;
	reserve = atomic_load_explicit(&r->hdr->reserve, memory_order_acquire);
	if (reserve + margin > pos + r->capacity)
		return -1;	/* the writer is too close: copy instead */
	*off = r->hdr->data_offset + o;
	return 0;
}

const uint8_t *
ring_span(const struct ring *r, uint64_t pos, size_t max, uint64_t margin,
    size_t *len)
{
	uint64_t head = ring_head(r), reserve, o = pos % r->capacity;
	size_t n;

	if (pos >= head || max == 0)
		return NULL;
	reserve = atomic_load_explicit(&r->hdr->reserve, memory_order_acquire);
	if (reserve + margin > pos + r->capacity)
		return NULL;	/* the writer is too close: copy instead */
	n = head - pos < max ? (size_t)(head - pos) : max;
	if (n > r->capacity - o)
		n = (size_t)(r->capacity - o);	/* up to the wrap */
	*len = n;
	return r->data + o;
}

int
ring_holds(const struct ring *r, uint64_t pos)
{
	return ring_pos_valid(r, pos);
}

int
ring_copy(const struct ring *r, uint64_t pos, uint8_t *out, size_t len)
{
	size_t off, first;

	if (pos + len > ring_head(r) || !ring_pos_valid(r, pos))
		return -1;
	off = (size_t)(pos % r->capacity);
	first = len < r->capacity - off ? len : (size_t)(r->capacity - off);
	memcpy(out, r->data + off, first);
	if (first < len)
		memcpy(out + first, r->data, len - first);
	return ring_pos_valid(r, pos) ? 0 : -1;
}

/* ---- AES-128 keys ---- */

uint64_t
ring_add_key(struct ring *r, const uint8_t key[16])
{
	uint64_t n = atomic_load_explicit(&r->hdr->key_count,
	    memory_order_relaxed);

	memcpy(r->hdr->keys[n % RING_KEYS].key, key, 16);
	atomic_store_explicit(&r->hdr->key_count, n + 1, memory_order_release);
	return n;
}

int
ring_get_key(const struct ring *r, uint64_t n, uint8_t key[16])
{
	uint64_t count = atomic_load_explicit(&r->hdr->key_count,
	    memory_order_acquire);

	if (n >= count || count - n >= RING_KEYS)
		return -1;
	memcpy(key, r->hdr->keys[n % RING_KEYS].key, 16);
	atomic_thread_fence(memory_order_acquire);
	count = atomic_load_explicit(&r->hdr->key_count, memory_order_relaxed);
	return count - n >= RING_KEYS ? -1 : 0;
}
