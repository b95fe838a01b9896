/*
 * evring.h - the event backlog in POSIX shared memory, from which workers
 * serve GET /events (Server-Sent Events).
 *
 * The supervisor creates it ("/ringcast.<supervisor pid>.events", mode
 * 0600) at start, is its only writer (one record per timestamped event)
 * and unlinks it when it stops; workers map it read-only.  Layout
 * (version 1): a header, an index of `slots` entries (event id N lives in
 * entry N % slots), then `capacity` bytes holding the events' JSON text
 * back to back.  An event is kept while both its index entry and its
 * bytes survive: the backlog is at most `slots` events and at most
 * `capacity` bytes.  See evring.c for the protocol.
 */
#ifndef RINGCAST_EVRING_H
#define RINGCAST_EVRING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EVRING_MAGIC		0x52434556u	/* "RCEV" */
#define EVRING_VERSION		1u
#define EVRING_NAME_MAX		40		/* event name, NUL included */
#define EVRING_EVENT_MAX	(64 * 1024)	/* bytes of one event's JSON */
#define EVRING_TOKEN_MAX	256
#define EVRING_DEFAULT_BACKLOG	4096		/* events kept */
#define EVRING_MIN_BACKLOG	16
#define EVRING_MAX_BACKLOG	65536
#define EVRING_BYTES_PER_EVENT	512		/* data budget an event */
#define EVRING_DEFAULT_HEARTBEAT_MS	15000	/* SSE comment interval */

struct evring_entry {
	_Atomic uint64_t	 id;		/* 0 while being rewritten */
	_Atomic uint64_t	 pos;		/* data position of the JSON */
	_Atomic uint32_t	 len;
	char			 name[EVRING_NAME_MAX];	/* "stream_started" */
};

struct evring_hdr {
	uint32_t		 magic;
	uint32_t		 version;
	uint32_t		 slots;		/* index entries */
	int32_t			 writer_pid;
	uint64_t		 capacity;	/* data bytes */
	uint64_t		 index_offset;	/* from the header start */
	uint64_t		 data_offset;

	/* How workers serve /events; supervisor-written under settings_seq. */
	_Atomic uint32_t	 settings_seq;
	uint32_t		 heartbeat_ms;
	char			 token[EVRING_TOKEN_MAX];	/* "" = open */

	/* Written by the writer only. */
	_Atomic uint64_t	 last_id __attribute__((aligned(64)));
	_Atomic uint64_t	 head;		/* data bytes published */
	_Atomic uint64_t	 reserve;	/* head + bytes being written */
};

struct evring {
	struct evring_hdr	*hdr;
	struct evring_entry	*index;
	char			*data;
	size_t			 map_size;
	int			 writable;
};

/* Data bytes for a backlog of SLOTS events, and the whole mapping. */
uint64_t evring_capacity_for(uint32_t slots);
size_t	 evring_map_size(uint32_t slots, uint64_t capacity);
void	 evring_shm_name(char *out, size_t outsz, pid_t supervisor);

/* Supervisor: create (O_EXCL, 0600) and map for writing. */
int	 evring_create(struct evring *, const char *shm_name, uint32_t slots);
/* Workers: map an existing ring read-only (checks magic and version). */
int	 evring_open(struct evring *, const char *shm_name);
void	 evring_close(struct evring *);
int	 evring_unlink(const char *shm_name);
/* Same on memory the caller owns (unit tests): MEM of evring_map_size(). */
void	 evring_init_mem(struct evring *, void *mem, uint32_t slots,
	    uint64_t capacity);

/*
 * Writer: append one event (its JSON text, LEN bytes, no newline) under
 * NAME and return its id (ids count from 1), or 0 with errno EMSGSIZE
 * when it is longer than EVRING_EVENT_MAX or a quarter of the capacity.
 */
uint64_t evring_publish(struct evring *, const char *name, const char *json,
	    size_t len);
/* Writer: the settings workers serve /events with. */
void	 evring_set_settings(struct evring *, const char *token,
	    uint32_t heartbeat_ms);

/* Readers. */
uint64_t evring_last_id(const struct evring *);	/* 0: none yet */
/* The oldest event still readable; evring_last_id() + 1 when none. */
uint64_t evring_oldest_id(const struct evring *);
/*
 * Copy event ID: its name into NAME (NAMESZ >= EVRING_NAME_MAX) and its
 * JSON into DATA (DATASZ >= EVRING_EVENT_MAX), length in *LEN.  Returns 1
 * when copied intact, 0 when ID is not published yet, -1 when it is gone
 * (overwritten: the reader fell more than the backlog behind) or was
 * being overwritten while copied.
 */
int	 evring_read(const struct evring *, uint64_t id, char *name,
	    size_t namesz, char *data, size_t datasz, size_t *len);
/*
 * Where a subscriber whose last seen event is LAST_SEEN resumes: the id
 * to send next.  *MISSED is set when events after LAST_SEEN are no longer
 * kept, or LAST_SEEN is newer than anything published (an id of an
 * earlier run): the subscriber then gets everything kept.
 */
uint64_t evring_resume_id(const struct evring *, uint64_t last_seen,
	    int *missed);
/* The heartbeat interval in ms (0 when the settings could not be read). */
uint32_t evring_heartbeat_ms(const struct evring *);
/* 1 when no token is set or GIVEN equals it (constant time), else 0. */
int	 evring_token_ok(const struct evring *, const char *given);
/* 1 when a token is required. */
int	 evring_token_required(const struct evring *);

/* Pure: the top-level "event" name of a JSON object, or "event". */
void	 evring_event_name(const char *json, char *out, size_t outsz);

#endif
