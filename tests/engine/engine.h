/*
 * engine.h - what the test AceStream engine's files share (private to
 * tests/engine/): its limits, its state and the functions each file
 * offers the others.  The files, lowest first:
 *
 *   reply.c	reading a request and answering it in JSON (calls only
 *		libmicrohttpd and json.h);
 *   session.c	sessions (one per infohash), per-infohash counters,
 *		ended sessions;
 *   fault.c	the injected faults, global or per id: /fault,
 *		/fault/clear, fault_get(), the slow waits;
 *   play.c	the media and its playbacks (GET /ace/r/HASH/SESS);
 *   api.c	the engine API's answers: getstream, stat, stop,
 *		get_version, network status, /stats;
 *   engine.c	options, start-up, the request router, shutdown.
 *
 * A file calls only the ones above it in this list (api.c calls play.c
 * for a playback; engine.c routes to all).  All state below lives under
 * engine_mtx, which is never held across a sleep, a copy or an MHD call.
 */
#ifndef RINGCAST_TEST_ENGINE_H
#define RINGCAST_TEST_ENGINE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "json.h"
#include "tsscan.h"

/* Limits and tunables, with their units. */
#define ENGINE_CHECK_MS			20	/* longest uninterrupted sleep */
#define ENGINE_MIN_WRITE_BYTES		(7 * TS_PACKET_SIZE)	/* per write */
#define ENGINE_BLOCK_BYTES		(32 * 1024)	/* MHD response block */
#define ENGINE_MAX_CONNECTIONS		512
#define ENGINE_THREAD_STACK_BYTES	(256 * 1024)
#define ENGINE_MAX_SESSIONS		1024	/* live ones */
#define ENGINE_MAX_IDS			1024	/* content ids in /stats */
#define ENGINE_TOMBSTONES		1024	/* stopped sessions remembered */
#define ENGINE_MAX_SLOW_S		600.0	/* /fault?slow= ceiling */
#define ENGINE_MAX_DIE_BYTES		(1ULL << 40)
#define ENGINE_MAX_URL_BYTES		1024
#define ENGINE_STAT_PEERS		8	/* the pretend swarm */
#define ENGINE_ID_HEX			40	/* content id (infohash) */
#define ENGINE_SESS_HEX			40	/* playback_session_id */
#define ENGINE_MAX_FAULT_IDS		64	/* ids with scoped faults */
#define ENGINE_MAX_ERROR_BYTES		256	/* /fault?error=TEXT */
#define ENGINE_MAX_DOWN_CHECKS		1000000	/* /fault?down_checks= */
#define ENGINE_ERROR_TEXT	"failed to start the stream (fault)"
#define ENGINE_ERROR_LOAD	"failed to load transport file"
#define ENGINE_ERROR_UNKNOWN	"unknown playback session id"
#define ENGINE_VERSION_CODE		3015000
#define ENGINE_VERSION			"3.1.75"
#define ENGINE_DEFAULT_MEDIA		"tests/media/sample.ts"

/* The media: one TS file, looped with continuous timestamps (play.c). */
struct media {
	uint8_t		*data;
	uint64_t	 size;			/* multiple of 188 */
	uint64_t	 loop_27m;		/* loop duration, multiple of 300 */
	uint64_t	 first_pat;		/* playbacks start here */
	uint64_t	 rate_bps;		/* bytes a second, for stat */
	uint8_t		 cc_step[TS_PID_COUNT];	/* payload packets per loop */
};

struct idstat {
	char		 id[ENGINE_ID_HEX + 1];	/* the infohash */
	uint64_t	 starts, stops, pulls, getstreams;
	uint64_t	 first_byte_us;	/* wall clock: a playback's first
					 * bytes went out, the latest */
};

struct session {
	struct session	*next;
	char		 id[ENGINE_SESS_HEX + 1];
	char		 cid[ENGINE_ID_HEX + 1];	/* as asked (lower case) */
	char		 hash[ENGINE_ID_HEX + 1];	/* resolved infohash */
	struct idstat	*ids;		/* its infohash's counters */
	int		 stopped;	/* off the list, freed at refs 0 */
	int		 vod;		/* plays the media once */
	unsigned	 refs;		/* playbacks holding it */
	uint64_t	 downloaded;	/* bytes sent to its playbacks */
	uint64_t	 prebuf_until_ms;	/* silent until then (now_ms) */
};

struct tombstone {
	char		 id[ENGINE_SESS_HEX + 1];
	char		 hash[ENGINE_ID_HEX + 1];
	int		 by_stop;	/* stopped by a stop, not superseded */
};

/* One set of faults: the global one, or one id's (fault.c). */
struct faults {
	char		 error[ENGINE_MAX_ERROR_BYTES];	/* "": no error */
	double		 slow_s;	/* getstream answers this late */
	uint64_t	 die_bytes;	/* playbacks close after this */
	int		 stall;		/* playbacks send nothing */
	int		 down;		/* getstream, get_version: 500 */
	double		 prebuf_s;	/* new sessions prebuffer this long */
	uint64_t	 starve_until_ms;	/* playbacks silent until then */
	double		 stop_slow_s;	/* stops answer this late */
	int		 vod;		/* new sessions are VOD */
	int		 offline;	/* network status: not connected */
	uint64_t	 down_checks;	/* next get_versions answer 500 */
};

struct counters {
	uint64_t	 starts, stops, stops_repeated, stops_unknown;
	uint64_t	 pulls, stat_polls, version_checks, network_checks;
	uint64_t	 getstreams, superseded;
	uint64_t	 active_sessions, active_pulls;
};

/* engine.c: the lock, the counters, the exit flag, options. */
extern pthread_mutex_t	 engine_mtx;
extern struct counters	 engine_cnt;
extern int		 engine_exiting;	/* SIGTERM or SIGINT seen */
extern int		 engine_quiet;		/* -q */
extern unsigned		 engine_port;		/* the port listened on */
extern unsigned		 engine_adv_port;	/* -a, else engine_port */
int	 engine_stopping(void);

/* reply.c */
void		 log_request(const char *, unsigned);
enum MHD_Result	 reply_error(struct MHD_Connection *, const char *, unsigned,
		    const char *, const char *);
enum MHD_Result	 reply_ok(struct MHD_Connection *, const char *,
		    struct buf *);
int		 is_hex(const char *, size_t);
const char	*query_arg(struct MHD_Connection *, const char *);
enum MHD_Result	 reply_queue(struct MHD_Connection *, const char *, unsigned,
		    struct MHD_Response *);
enum MHD_Result	 reply_redirect(struct MHD_Connection *, const char *,
		    const char *);
int		 format_ok(struct MHD_Connection *);
const char	*input_infohash(struct MHD_Connection *,
		    char[ENGINE_ID_HEX + 1], char[ENGINE_ID_HEX + 1]);
int		 split_session_path(const char *, char[ENGINE_ID_HEX + 1],
		    char[ENGINE_SESS_HEX + 1]);
int		 client_gone(int);
int		 conn_fd(struct MHD_Connection *);

/* session.c: everything but session_new_id under engine_mtx. */
int		 session_alloc(void);
void		 session_free_all(void);
int		 session_new_id(char[ENGINE_SESS_HEX + 1]);
int		 session_link(struct session *);
struct session	*session_find(const char *);
void		 session_stop(struct session *, int);
struct idstat	*idstat_get(const char *);
void		 session_unref(struct session *);
const struct tombstone *tomb_find(const char *);
void		 idstat_put_all(struct buf *);

/* fault.c: faults is read under engine_mtx, through fault_get. */
extern struct faults	 faults;
void		 fault_get(const char *, const char *, struct faults *);
int		 fault_take_down_check(void);
int		 fault_slow_wait(struct MHD_Connection *, double);
enum MHD_Result	 route_fault(struct MHD_Connection *, const char *);
enum MHD_Result	 route_fault_clear(struct MHD_Connection *, const char *);

/* play.c: media is set before the server starts, then only read. */
extern struct media	 media;
int		 media_read(const char *);
int		 media_scan(const char *);
void		 media_free(void);
enum MHD_Result	 route_playback(struct MHD_Connection *, const char *,
		    const char *, const char *);

/* api.c */
enum MHD_Result	 route_getstream(struct MHD_Connection *, const char *);
enum MHD_Result	 route_session(struct MHD_Connection *, const char *);
enum MHD_Result	 route_service(struct MHD_Connection *, const char *);
enum MHD_Result	 route_server_api(struct MHD_Connection *, const char *);
enum MHD_Result	 route_stats(struct MHD_Connection *, const char *);

#endif
