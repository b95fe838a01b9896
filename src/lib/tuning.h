/*
 * tuning.h - the numbers that trade latency against CPU on the data
 * path, in one place.
 *
 * README's design notes and the man pages name these; change them here
 * and the prose stays true (tests/docs/check-numbers compares the numbers
 * the man pages give with these).  Each name keeps its module's prefix
 * and carries its unit.
 */
#ifndef RINGCAST_TUNING_H
#define RINGCAST_TUNING_H

/* ---- the fetcher (fetch.c) ---- */
/* A TS fetcher publishes when FETCH_BATCH_MIN_BYTES are batched or the
 * first batched byte waited FETCH_BATCH_MAX_US, whichever comes first;
 * while a batch is pending it leaves the upstream socket alone. */
#define FETCH_BATCH_MIN_BYTES	(348 * 188)	/* 348 packets, ~64 KB */
#define FETCH_BATCH_MAX_US	80000
/* Silent upstream: FETCH_NULL_PACKETS null packets every
 * FETCH_NULL_EVERY_MS once nothing came for FETCH_NULL_AFTER_MS. */
#define FETCH_NULL_AFTER_MS	1000
#define FETCH_NULL_EVERY_MS	400
#define FETCH_NULL_PACKETS	7
#define FETCH_POLL_MS		100	/* longest wait between checks */
/* What libcurl reads from an HTTP(S) TS upstream at most at a time. */
#define FETCH_READ_BUFFER_BYTES	(64 * 1024)

/* ---- the worker's wake loop (worker.c, client.c) ---- */
/*
 * The wake loop resumes ready clients a slice at a time, with a pause
 * between slices: libmicrohttpd serves what was resumed in one event-loop
 * iteration and accepts new connections only between iterations, and
 * feeding every player at once would hold both cores for the whole round.
 * Spread over a few tens of milliseconds, a round leaves room for a new
 * player's first byte.  A slice is WORKER_WAKE_SLICE clients, or more when
 * there are so many suspended that a round would take more than
 * WORKER_WAKE_SLICES slices; WORKER_SLICE_GAP_US separates two slices.
 */
#define WORKER_WAKE_SLICE	24
#define WORKER_WAKE_SLICES	20
#define WORKER_SLICE_GAP_US	2000
#define WORKER_WAKE_MS		100	/* longest sleep of the wake loop */
/* A suspended client is resumed after this long even with nothing new,
 * so that libmicrohttpd notices a player that went away. */
#define HTTP_REVIVE_MS		1000
#define HTTP_BLOCK_BYTES	(16 * 1024)	/* a streaming response's write */

/* ---- the worker's TS sender (fanout.c) ---- */
/* One send() to a player carries at most FANOUT_SEND_MAX_BYTES of what it
 * has not had yet; bytes go straight from the ring's mapping while the
 * writer is at least FANOUT_DIRECT_MARGIN_BYTES from them, else through a
 * copy.  Players that have caught up are woken by a publish at most every
 * FANOUT_BATCH_MS (fewer, larger sends: about a quarter less CPU per GB
 * than one send a publish, for at most that much more delay).  Every
 * FANOUT_CHECK_MS the players are checked against their streams (ended,
 * stopped, restarted). */
#define FANOUT_SEND_MAX_BYTES		(256 * 1024)
#define FANOUT_DIRECT_MARGIN_BYTES	(4 * 1024 * 1024)
#define FANOUT_CHECK_MS			100
#define FANOUT_BATCH_MS			200
/* A player whose socket took nothing for this long is closed (what
 * libmicrohttpd's connection timeout did before, worker.h). */
#define FANOUT_STALL_MS			30000

/* ---- answers that say "later" ---- */
/* Retry-After of a 503 that passes by itself: the server is shutting
 * down, a stream could not be made or started, memory is short, or the
 * upstream was not ready in time. */
#define RETRY_AFTER_S			5
/* Retry-After when every stream slot is taken (streams must end first). */
#define RETRY_AFTER_NO_SLOT_S		10
/* How long HLS segments and keys may be cached (Cache-Control max-age):
 * a segment stays in the ring about that long at the usual window. */
#define HLS_SEGMENT_MAX_AGE_S		60
/* A suspended client that waits for the supervisor or a first segment
 * and has no deadline of its own gives up after this long. */
#define HTTP_CLIENT_WAIT_MS		30000

/* A number of these as a string literal, for a header value. */
#define TUNING_STR(n)			TUNING_STR_(n)
#define TUNING_STR_(n)			#n

#endif
