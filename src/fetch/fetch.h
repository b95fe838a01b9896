/*
 * fetch.h - the fetcher core and the interface of its sources.
 *
 * fetch.c is the core: the source loop (failover, backoff), the ingest
 * pipeline (packet alignment, random-access index, splice marking,
 * keep-alive null packets), batching and publishing to the ring, HLS
 * segments cut from a TS upstream, events and the supervisor channel,
 * and the transfers every HTTP source needs (a configured libcurl handle,
 * fetch_read_http).  Each source is a file of its own that defines one
 * struct fetch_source: fetch_ts.c (HTTP(S) TS), fetch_hls.c (HLS
 * playlists), fetch_file.c (paced file://).  fetcher.c, the process,
 * registers them in one table and gives it to fetch_run().
 *
 * Calls go one way: the core never names a source, a source calls the
 * core (fetch_ingest, fetch_flush_due, fetch_idle, ...) and never another
 * source.  A source that has to find its stream first (an engine that
 * hands out a playback URL, say) resolves the URL in its run() and then
 * calls fetch_read_http() on it: reading an HTTP TS URL is the core's
 * job, not the TS source's.
 */
#ifndef RINGCAST_FETCH_H
#define RINGCAST_FETCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "metrics.h"
#include "msg.h"
#include "proc.h"
#include "ring.h"
#include "state.h"
#include "tsscan.h"
#include "tuning.h"

/* Batching, keep-alive, poll and read numbers: tuning.h.  The limits of
 * the core and of each source, here. */
#define FETCH_MAX_REDIRECTS	5
#define FETCH_MAX_PENDING_RAPS	64	/* random-access points a batch */
#define FETCH_MAX_PENDING_SEGS	4	/* segments closed in a batch */
#define FETCH_INGEST_PACKETS	64	/* aligned packets a pass of ingest */
/* A TS upstream's segment is cut at the first random-access point at
 * most FETCH_SEGMENT_SLACK_US before segment_duration. */
#define FETCH_SEGMENT_SLACK_US	100000
/* A segment's length measured by PCR beyond this is a PCR jump: the wall
 * clock measures it instead. */
#define FETCH_PCR_SPAN_MAX_US	60000000ULL
/* A programme with a PMT and no video after this many packets is audio
 * only: every PAT becomes a random-access point. */
#define FETCH_AUDIO_ONLY_PACKETS 1000
/* HLS (fetch_hls.c) */
#define FETCH_HLS_RETRIES	3		/* tries a segment gets */
#define FETCH_HLS_RETRY_PAUSE_MS 250	/* before the 2nd try, doubling */
#define FETCH_HLS_TARGET_S	6.0	/* without EXT-X-TARGETDURATION */
#define FETCH_HLS_KEY_BYTES	16	/* an AES-128 key, and its IV */
#define FETCH_HLS_KEY_MAX_BYTES	64	/* a larger answer is no key */
/* file:// (fetch_file.c) */
#define FETCH_FILE_CHUNK_PACKETS 32	/* a read, paced as one */
/* AceStream (fetch_ace.c) */
#define FETCH_ACE_START_TIMEOUT_MS 30000	/* getstream, start_timeout 0 */
/* A stop: engines under load take seconds (a fetcher killed meanwhile
 * leaves the stop to the engine monitor). */
#define FETCH_ACE_STOP_TIMEOUT_MS 5000
#define FETCH_ACE_STAT_FRESH_MS	10000	/* an older stat: unreachable */

enum fetch_result {
	FETCH_STOP = 0,		/* asked to stop */
	FETCH_ERROR,		/* failed or lost: reconnect */
	FETCH_EOF,		/* source ended for good (file, no loop) */
};

struct fetch_source;

struct fetcher {
	int			 slot;
	int			 chan;		/* to the supervisor */
	const struct stream_conf *sc;
	struct state		*st;
	struct metrics_shm	*metrics;
	int			 mslot;		/* our metrics block */
	struct ring		 ring;
	struct ts_sync		 sync;
	struct tsscan		 scan;
	uint8_t			 batch[RING_MAX_WRITE_BYTES];
	size_t			 batch_len;
	uint64_t		 batch_since_us;	/* first byte batched */
	/* random-access points, published with the batch */
	uint64_t		 raps[FETCH_MAX_PENDING_RAPS];
	int			 n_raps;
	int			 rap_published;	/* the ring has one: players
						 * can join */
	uint64_t		 last_pat_pos;
	int			 pat_since_rap;
	int			 splice;	/* mark discontinuities */
	uint8_t			 disc_pending[TS_PID_COUNT / 8];
	uint64_t		 last_data_ms;	/* last upstream byte */
	uint64_t		 last_null_ms;
	uint64_t		 attempt_bytes;	/* this connection */
	int			 http_ended;	/* fetch_read_http: the server
						 * ended the body (no error) */
	int			 unhealthy;
	/* HLS segments cut from a TS upstream (or added by fetch_hls). */
	int			 cut_segments;
	int			 seg_open;
	struct ring_seg		 seg;		/* the one being filled */
	uint64_t		 seg_begin_us;	/* monotonic, fallback timing */
	uint64_t		 seg_begin_pcr;
	int			 seg_have_pcr;
	uint64_t		 next_seq;
	uint64_t		 disc_count;
	int			 seg_disc;	/* next segment follows a splice */
	/* closed segments, published after the batch */
	struct ring_seg		 seg_pending[FETCH_MAX_PENDING_SEGS];
	int			 n_seg_pending;
	uint64_t		 last_pcr;
	int			 have_pcr;
	const char		*url;		/* in use */
	long			 http_status;	/* of the last failed attempt */
	void			*headers;	/* curl_slist: sc->request_header */
	const char		*base_dir;	/* relative file:// paths */
	char			 error[STATE_ERROR_MAX];
	const struct fetch_source *src;		/* the source run last */
	void			*src_state;	/* its own state, kept across
						 * its runs (state_size) */
};

/* Set by SIGTERM or a closed channel: the fetcher finishes and exits. */
extern volatile sig_atomic_t fetch_stopping;

/* LEN upstream bytes arrived: counters, health, upstream_connected. */
void	 fetch_note_data(struct fetcher *, size_t len);
/* Ingest LEN upstream bytes (any alignment). */
void	 fetch_ingest(struct fetcher *, const uint8_t *buf, size_t len);
/* Publish what is batched. */
void	 fetch_flush(struct fetcher *);
/* Publish if enough is batched or it waited long enough; returns how
 * long the caller may wait before calling again (ms). */
int	 fetch_flush_due(struct fetcher *);
/* Called often: null packets while the upstream is silent. */
void	 fetch_keepalive(struct fetcher *);
/* The next packets follow a splice (reconnect, failover, loop). */
void	 fetch_mark_splice(struct fetcher *);
/* Drain the supervisor channel; sets fetch_stopping when it closed. */
void	 fetch_check_channel(struct fetcher *);
/* Segment index: start a segment at POS / close it at POS (exclusive). */
void	 fetch_segment_begin(struct fetcher *, uint64_t pos);
void	 fetch_segment_end(struct fetcher *, uint64_t pos,
	    uint64_t duration_us);
/* Current stream position (published + batched bytes). */
uint64_t fetch_position(struct fetcher *);
/* Emit an event object (a JSON object without "time"). */
void	 fetch_event(struct fetcher *, const char *json_obj);
void	 fetch_event_connected(struct fetcher *);

void	 fetch_add_rap(struct fetcher *, uint64_t pos);
/* A libcurl easy handle with the stream's user agent, timeouts, redirect
 * limit, TLS verification and CA file; PROTOCOLS as CURLOPT_PROTOCOLS_STR. */
void	*fetch_curl_handle(struct fetcher *, const char *protocols);
/* Sleep MS while keeping clients fed and the channel watched. */
void	 fetch_idle(struct fetcher *, uint64_t ms);

/*
 * An upstream source.  accepts() says whether it reads URL for stream SC
 * (the stream's type and the URL's scheme; no I/O).  run() reads URL
 * into the core (fetch_ingest, or fetch_segment_begin/end around it)
 * until the fetcher is stopping (FETCH_STOP), the upstream failed or went
 * silent (FETCH_ERROR, with f->error saying why) or ended for good
 * (FETCH_EOF, after marking the stream ended).  While it waits it keeps
 * calling fetch_keepalive or fetch_idle and watches f->chan with
 * fetch_check_channel, so that a stop request is noticed at once.  The
 * core flushes after run() returns and handles retry and failover.
 */
struct fetch_source {
	const char	*name;
	int		(*accepts)(const struct stream_conf *, const char *url);
	enum fetch_result (*run)(struct fetcher *, const char *url);
	/* Optional: a supervisor message for the source (anything but
	 * MSG_SHUTDOWN), e.g. the answer to a request it sent. */
	void		(*message)(struct fetcher *, const struct msg *);
	/* When fetch_run ends (any way but a kill): free or end what the
	 * source kept across runs (NULL: nothing). */
	void		(*done)(struct fetcher *);
	/* Bytes of state the source keeps across its runs in one fetcher
	 * (its upstream progress, say), or 0.  fetch_run gives each such
	 * source a zeroed block of its own, and f->src_state points at it
	 * while the source runs, gets a message or is done; the core frees
	 * the block after done(), and never looks inside. */
	size_t		 state_size;
};

/* The sources (each in its own file; fetcher.c lists them). */
extern const struct fetch_source fetch_ts_source;
extern const struct fetch_source fetch_hls_source;
extern const struct fetch_source fetch_file_source;
extern const struct fetch_source fetch_ace_source;

/* Map the ring named RING_NAME as its writer and continue where a
 * predecessor left it (segment numbering, a splice); 0 or -1. */
int	 fetch_open(struct fetcher *, const char *ring_name);
/* Read the stream's URLs with the first of SOURCES (NULL-terminated)
 * that accepts each, failing over and backing off, until stopped or the
 * upstream ended; FETCH_STOP or FETCH_EOF (FETCH_STOP at once when the
 * sources' state cannot be allocated). */
enum fetch_result fetch_run(struct fetcher *,
	    const struct fetch_source *const *sources);
/* Publish what is left, tell the supervisor when the stream ended (RES
 * FETCH_EOF), unmap the ring. */
void	 fetch_close(struct fetcher *, enum fetch_result res);

/* The fetcher process (fetcher.c): the ROLE_FETCHER child of CTX->stream. */
void	 fetcher_main(struct proc *, const struct child_ctx *);
/* Read URL (http:// or https://) as a continuous TS stream into the
 * core, with keep-alive and the data_timeout watch: a source's run(). */
enum fetch_result fetch_read_http(struct fetcher *, const char *url);

#endif
