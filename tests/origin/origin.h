/*
 * origin.h - what the files of the test origin share (private to
 * tests/origin/): the limits, the sample, the request, the string buffer,
 * the one mutex, and each file's entry points.
 *
 * The files, lowest first; each calls only those before it (and
 * tests/lib/tsloop.c, tests/lib/findfile.c, src/ tsscan):
 *   util.c     clock, hash, string buffer, replies, request log, the mutex
 *   sample.c   the sample, its timeline, the channel clocks
 *   suspend.c  suspended connections: wait list, ticker, drain at stop
 *   stats.c    /stats, /stats/reset, connection and path counters
 *   fault.c    /fault, /fault/clear, faults taken by requests
 *   ts.c       the bytes of TS responses: live TS and segments
 *   hls.c      HLS and VOD playlists, segment ranges
 *   route.c    the libmicrohttpd request callbacks: what a URL asks for
 *   origin.c   main: options, listening, signals
 */
#ifndef RINGCAST_TEST_ORIGIN_H
#define RINGCAST_TEST_ORIGIN_H

#include <sys/types.h>

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "tsscan.h"

/* Limits and tunables, with their units. */
#define ORIGIN_TICK_MS			10	/* ticker period */
#define ORIGIN_HANG_CHECK_MS		500	/* hung request: check client */
#define ORIGIN_STALL_CHECK_MS		250	/* stalled stream: re-check */
#define ORIGIN_BLOCK_BYTES		(32 * 1024)	/* MHD response block */
#define ORIGIN_PREROLL_S		60	/* channel clock head start */
#define ORIGIN_SEGMENT_TARGET_S		2.0	/* HLS segment length */
#define ORIGIN_SEGMENT_SLACK_S		0.25	/* cut up to this early */
#define ORIGIN_HLS_WINDOW_SEGMENTS	6	/* segments in a live playlist */
#define ORIGIN_HLS_KEEP_SEGMENTS	30	/* older ones answer 404 */
#define ORIGIN_PAT_LOOKBACK_PACKETS	32	/* cut at a PAT this close */
#define ORIGIN_MAX_PATHS		8192	/* distinct paths in /stats */
#define ORIGIN_PATH_BUCKETS		1024
#define ORIGIN_PATH_MAX_BYTES		512
#define ORIGIN_NAME_MAX_BYTES		128	/* NAME in /hls/NAME/ */
#define ORIGIN_UA_MAX_BYTES		256
#define ORIGIN_MAX_FAULTS		256
#define ORIGIN_CONNECTION_LIMIT		16384
#define ORIGIN_DEFAULT_THREADS		4
#define ORIGIN_STOP_WAIT_MS		3000	/* for suspended ones to wake */
#define ORIGIN_LIVE_MIN_BYTES		(7 * TS_PACKET_SIZE)	/* per live write */
#define ORIGIN_DRAIN_QUIET_MS		50	/* none suspended for this long */
#define ORIGIN_DEFAULT_SAMPLE		"tests/media/sample.ts"

#define US_TO_27M	27ULL

/* The sample and its timeline (sample.c). */
struct sample {
	uint8_t		*data;
	uint64_t	 size;			/* multiple of 188 */
	uint64_t	 loop_27m;		/* loop duration, multiple of 300 */
	/* (offset, time) points from the PCRs; first (0, 0), last (size, loop). */
	uint64_t	*pt_off;
	uint64_t	*pt_t27m;
	size_t		 npts;
	/* HLS cuts: cut[i] is the first byte of segment i; cut[nseg] = size. */
	uint64_t	*cut;
	size_t		 nseg;
	double		 target_s;		/* longest segment */
	uint8_t		 cc_step[TS_PID_COUNT];	/* payload packets per loop, mod 16 */
};

extern struct sample	 sample;
extern uint64_t		 start_us;	/* CLOCK_MONOTONIC at start */

/* Requests (the per-request state of libmicrohttpd's con_cls). */
struct path_stat {
	struct path_stat *next;
	uint64_t	 requests;
	uint64_t	 bytes;
	char		 user_agent[ORIGIN_UA_MAX_BYTES];
	char		 path[];
};

enum req_kind {
	REQ_NONE = 0,
	REQ_LIVE,		/* continuous TS */
	REQ_SEGMENT,		/* one HLS segment, known length */
	REQ_HANG,		/* suspended in the access handler */
};

struct req {
	struct req	*wnext, *wprev;		/* wait list */
	struct req	*anext, *aprev;		/* active data requests */
	struct MHD_Connection *conn;
	struct path_stat *stat;
	enum req_kind	 kind;
	int		 waiting;		/* on the wait list */
	int		 suspended;		/* suspended, not yet re-entered */
	int		 active;		/* on the active list */
	uint64_t	 wake_ms;
	char		 path[ORIGIN_PATH_MAX_BYTES];
	char		 channel[ORIGIN_PATH_MAX_BYTES];
	/* Data position: absolute in the looped stream. */
	uint64_t	 pos;
	uint64_t	 end;			/* REQ_SEGMENT: last byte + 1 */
	uint64_t	 sent;			/* bytes handed to MHD */
	/* Faults in force. */
	int64_t		 close_left;		/* -1 = none */
	uint64_t	 stall_until_ms;
	int		 resync;		/* jump to live after a stall */
	uint64_t	 garbage_left;
	uint64_t	 slow_rate;		/* bytes/s, 0 = none */
	uint64_t	 slow_start_ms;
	uint64_t	 slow_sent;
	uint32_t	 rng;
};

struct sbuf {
	char	*s;
	size_t	 len, cap;
	int	 failed;
};

/* util.c: all shared state is under mtx. */
extern pthread_mutex_t	 mtx;
extern volatile sig_atomic_t stopping;
extern int		 quiet;

uint64_t	 mono_us(void);
uint64_t	 mono_ms(void);
uint64_t	 fnv1a(const char *s);
void		 sbuf_printf(struct sbuf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 sbuf_json_string(struct sbuf *b, const char *s);
enum MHD_Result	 reply(struct MHD_Connection *conn, unsigned status,
		    const char *type, struct sbuf *b);
enum MHD_Result	 reply_text(struct MHD_Connection *conn, struct req *r,
		    unsigned status, const char *type, struct sbuf *b);
enum MHD_Result	 reply_error(struct MHD_Connection *conn, struct req *r,
		    unsigned status, const char *msg);
void		 log_request(const char *method, const char *url,
		    unsigned status);
int		 parse_u64(const char *s, uint64_t *out);

/* sample.c */
int		 sample_load(const char *path);
void		 sample_free(void);
uint64_t	 sample_time_at(uint64_t off);
void		 sample_copy(uint8_t *out, uint64_t pos, size_t n);
double		 sample_segment_seconds(size_t i);
uint64_t	 channel_time(const char *key);
uint64_t	 channel_live_position(const char *key);

/* suspend.c */
void		 req_suspend(struct req *r, uint64_t wake_ms);
void		 req_awake(struct req *r);
void		 wait_remove(struct req *r);
void		*ticker_main(void *arg);
void		 origin_drain(void);

/* stats.c */
struct path_stat *path_stat_get(const char *path);
void		 path_stats_free(void);
enum MHD_Result	 route_stats(struct MHD_Connection *conn, struct req *r);
enum MHD_Result	 route_stats_reset(struct MHD_Connection *conn);
void		 mark_control(struct MHD_Connection *conn);
void		 count_request(struct MHD_Connection *conn);
void		 on_connection(void *cls, struct MHD_Connection *conn,
		    void **socket_context,
		    enum MHD_ConnectionNotificationCode toe);

/* fault.c */
void		 active_add(struct req *r);
void		 active_remove(struct req *r);
unsigned	 faults_take(struct req *r, const char *path, int data,
		    int *hang);
enum MHD_Result	 route_fault(struct MHD_Connection *conn);
enum MHD_Result	 route_fault_clear(struct MHD_Connection *conn);

/* ts.c */
enum MHD_Result	 reply_data(struct MHD_Connection *conn, struct req *r);

/* hls.c */
enum MHD_Result	 route_hls_master(struct MHD_Connection *conn, struct req *r);
enum MHD_Result	 route_hls_media(struct MHD_Connection *conn, struct req *r,
		    int vod);
int		 hls_segment_range(struct req *r, uint64_t seq, int vod);

/* route.c */
enum MHD_Result	 on_access(void *cls, struct MHD_Connection *conn,
		    const char *url, const char *method, const char *version,
		    const char *upload_data, size_t *upload_data_size,
		    void **con_cls);
void		 on_completed(void *cls, struct MHD_Connection *conn,
		    void **con_cls, enum MHD_RequestTerminationCode toe);

#endif
