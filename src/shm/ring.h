/*
 * ring.h - the per-stream MPEG-TS ring in POSIX shared memory.
 *
 * Layout (version 1): a header, an index of random-access points, then
 * `capacity` bytes of whole 188-byte packets.  One writer (the stream's
 * fetcher) appends packets; any number of readers in other processes copy
 * from it at their own 64-bit position.  See ring.c for the protocol.
 */
#ifndef RINGCAST_RING_H
#define RINGCAST_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RING_MAGIC		0x52435247u	/* "RCRG" */
#define RING_VERSION		4u	/* 4: ended */
#define RING_RAP_MAX		1024		/* index entries kept */
#define RING_SEG_MAX		1024		/* segment index entries */
#define RING_SEG_DISCONTINUITY	0x1u
#define RING_KEYS		64		/* AES-128 keys kept */

/* One HLS segment: a byte range of the ring. */
struct ring_seg {
	uint64_t	 seq;		/* media sequence number */
	uint64_t	 start;		/* stream position of its first byte */
	uint64_t	 len;
	uint64_t	 duration_us;
	int64_t		 pdt_ms;	/* program date time, -1 if none */
	uint64_t	 disc_seq;	/* discontinuities up to and with it */
	uint32_t	 flags;		/* RING_SEG_* */
	uint32_t	 key;		/* 0: clear, else key number + 1 */
	uint8_t		 iv[16];	/* AES-128 IV, with key */
};

/* An AES-128 key of an encrypted HLS upstream, served as key/N.key. */
struct ring_key {
	uint8_t		 key[16];
};
#define RING_MAX_WRITE_BYTES	(188 * 512)	/* one publish at most */

struct ring_hdr {
	uint32_t		 magic;
	uint32_t		 version;
	uint64_t		 generation;
	uint64_t		 capacity;		/* bytes, multiple of 188 */
	uint64_t		 data_offset;		/* from the header start */
	_Atomic int32_t		 writer_pid;
	_Atomic uint32_t	 splices;		/* reconnects written */
	_Atomic uint32_t	 ended;		/* the writer wrote the end */

	/* Written by the writer only. */
	_Atomic uint64_t	 head __attribute__((aligned(64)));
	_Atomic uint64_t	 reserve;		/* head + bytes being written */
	_Atomic uint64_t	 rap_count __attribute__((aligned(64)));
	_Atomic uint64_t	 rap[RING_RAP_MAX];	/* stream positions */
	_Atomic uint64_t	 seg_count __attribute__((aligned(64)));
	struct ring_seg		 segs[RING_SEG_MAX];
	_Atomic uint64_t	 key_count;
	struct ring_key		 keys[RING_KEYS];
};

struct ring {
	struct ring_hdr	*hdr;
	uint8_t		*data;
	size_t		 map_size;
	uint64_t	 capacity;
	int		 writable;
	int		 fd;		/* readers: the shm object, for sendfile */
};

/* Round a requested ring_size to the capacity really used (188 multiple). */
uint64_t ring_capacity_for(uint64_t ring_size_bytes);
size_t	 ring_map_size(uint64_t capacity);

/* Supervisor: create and initialise a segment (mode 0600, O_EXCL). */
int	 ring_create(const char *shm_name, uint64_t ring_size_bytes,
	    uint64_t generation);
int	 ring_unlink(const char *shm_name);
/* Map an existing segment; WRITABLE for the fetcher, read-only otherwise. */
int	 ring_open(struct ring *, const char *shm_name, int writable);
void	 ring_close(struct ring *);
/* Same on memory the caller owns (unit tests): MEM of ring_map_size(). */
void	 ring_init_mem(struct ring *, void *mem, uint64_t capacity,
	    uint64_t generation);

/* Writer: append LEN bytes (whole packets, <= RING_MAX_WRITE_BYTES). */
int	 ring_write(struct ring *, const uint8_t *pkts, size_t len);
/* Writer: append LEN bytes of any length (encrypted segments: no TS
 * alignment, so TS readers must not be given this ring). */
int	 ring_write_raw(struct ring *, const uint8_t *buf, size_t len);
/* Writer: publish an AES-128 key; returns its number. */
uint64_t ring_add_key(struct ring *, const uint8_t key[16]);
/* Readers: key number N if still kept: 0, else -1. */
int	 ring_get_key(const struct ring *, uint64_t n, uint8_t key[16]);
/* Writer: record a random-access point at stream position POS (< head). */
void	 ring_add_rap(struct ring *, uint64_t pos);
/* Writer: the stream ended (its upstream's end, not a stop); nothing more
 * comes, and readers may send what is left even once the stream's slot
 * is gone (a stream made on request goes with its end).  Opening the
 * ring writable (a new writer) clears it. */
void	 ring_mark_ended(struct ring *);

/* Readers. */
uint64_t ring_head(const struct ring *);
int	 ring_ended(const struct ring *);
/*
 * Copy up to MAX bytes from *POS.  Returns the count copied (and advances
 * *POS), 0 when nothing new, or -1 when *POS is no longer in the ring (the
 * reader fell behind by more than the ring, or POS is ahead of head): the
 * caller repositions, e.g. to ring_latest_rap().
 */
ssize_t	 ring_read(const struct ring *, uint64_t *pos, uint8_t *out,
	    size_t max);
/* Newest random-access point still wholly in the ring; -1 if none. */
int	 ring_latest_rap(const struct ring *, uint64_t *pos);
/* The oldest RAP at or after POS still in the ring; -1 if none. */
int	 ring_rap_after(const struct ring *, uint64_t pos, uint64_t *out);

/* Writer: publish a finished segment (its bytes already written). */
void	 ring_add_segment(struct ring *, const struct ring_seg *);
/* Writer: the newest segment published, or -1 (to continue numbering). */
int	 ring_last_segment(const struct ring *, struct ring_seg *);
/*
 * Readers: copy up to MAX of the newest segments whose bytes are all
 * still in the ring into OUT, oldest first; returns how many.
 */
int	 ring_segments(const struct ring *, struct ring_seg *out, int max);
/* The segment with media sequence SEQ if it is still whole: 0, else -1. */
int	 ring_find_segment(const struct ring *, uint64_t seq,
	    struct ring_seg *out);
/*
 * Readers: file offset of stream bytes [POS, POS + LEN) in the shm object
 * when they are contiguous there and the writer is at least MARGIN bytes
 * away from overwriting them: 0 and *OFF, else -1 (copy them instead).
 */
int	 ring_file_range(const struct ring *, uint64_t pos, uint64_t len,
	    uint64_t margin, uint64_t *off);
/*
 * Readers: the published bytes from POS, at most MAX and up to the end of
 * the mapping, in place (*LEN of them), when the writer is at least MARGIN
 * bytes away from overwriting them; NULL otherwise (copy with ring_read).
 * Whoever uses them in place checks ring_holds(POS) afterwards.
 */
const uint8_t *ring_span(const struct ring *, uint64_t pos, size_t max,
	    uint64_t margin, size_t *len);
/* Readers: 1 while the bytes from POS on have not been overwritten (nor
 * begun to be), 0 once the writer has reached them. */
int	 ring_holds(const struct ring *, uint64_t pos);
/* Readers: copy LEN bytes at stream position POS; 0, or -1 if they are no
 * longer (or not yet) in the ring. */
int	 ring_copy(const struct ring *, uint64_t pos, uint8_t *out, size_t len);

#endif
