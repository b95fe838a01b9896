/*
 * loadgen.h - what loadgen.c (the clients and their event loop) and
 * loadgen_report.c (the percentiles and the JSON line) share: the run's
 * options, one struct per client and the counters of the whole run.
 *
 * Two files because they are two jobs: loadgen.c drives sockets and
 * fills these structs; loadgen_report.c only reads them once the run is
 * over (and records latencies into the histogram while it runs).  The
 * report calls nothing in loadgen.c.
 */
#ifndef RINGCAST_TEST_LOADGEN_H
#define RINGCAST_TEST_LOADGEN_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#include "tsscan.h"
#include "../lib/httpc.h"

#define LG_MAX_HEADERS		16
#define LG_STARVED_FRACTION	0.9
#define LG_HIST_BUCKET_US	10	/* playlist latency resolution */
#define LG_HIST_BUCKETS		1000000	/* 10 s */

enum lg_mode {
	LG_STREAM = 0,
	LG_PLAYLIST,
};

enum lg_state {
	ST_IDLE = 0,		/* not started yet */
	ST_CONNECTING,
	ST_SENDING,
	ST_HEAD,
	ST_BODY,
	ST_DONE,
};

/* Why a client failed; indexes lg_fail_names (loadgen_report.c). */
enum lg_fail {
	F_NONE = 0,
	F_CONNECT,		/* socket/connect error */
	F_HTTP,			/* non-2xx status */
	F_PROTOCOL,		/* malformed head or chunked framing */
	F_CLOSED,		/* closed before a complete head */
	F_TIMEOUT,		/* no head before the client's end */
	F_NFAIL,
};

/* The first-frame probe, allocated while it runs. */
struct lg_probe {
	struct ts_sync	 sync;
	struct tsscan	 scan;
	uint64_t	 scanned;
};

struct lg_conn {
	int			 fd;
	enum lg_state		 state;
	enum lg_fail		 fail;
	int			 status;
	int			 connected;	/* got a 2xx head */
	int			 closed_early;	/* server ended the stream */
	int			 first_video;	/* -1 unknown, 0 no, 1 key */
	double			 t_start;
	double			 t_end;		/* scheduled */
	double			 t_first_byte;
	double			 t_start_rt;	/* CLOCK_REALTIME at connect */
	double			 rx_rt;		/* kernel stamp of the last read */
	double			 ttfb_ms;
	double			 t_request;	/* playlist: request sent */
	uint32_t		 events;	/* epoll events registered */
	uint64_t		 bytes;
	size_t			 sent;
	size_t			 headlen;
	char			*head;
	struct httpc_framing	 fr;		/* of the current answer */
	struct lg_probe		*probe;
	uint64_t		 resp_bytes;	/* body of this response */
	uint32_t		 gen;		/* epoll tag, per socket */
};

struct lg_opts {
	int		 clients;
	double		 seconds;
	double		 ramp;
	enum lg_mode	 mode;
	uint64_t	 scan_bytes;
	const char	*headers[LG_MAX_HEADERS];
	int		 nheaders;
	const char	*url;
};

struct lg {
	struct lg_opts	 o;
	struct httpc_url u;
	struct addrinfo	*ai;
	struct lg_conn	*conns;
	int		 ep;
	int		 started;
	int		 next_end;	/* first client not yet ended */
	double		 t0;
	double		 t_stop;	/* hard stop */
	double		 t_finish;	/* when the run really ended */
	char		*req;
	size_t		 reqlen;
	uint8_t		*buf;
	uint8_t		*syncbuf;
	uint32_t	*hist;		/* playlist latency histogram */
	uint64_t	 hist_over;
	double		 lat_max;
	uint64_t	 requests;
	uint64_t	 req_errors;
	double		 t_win0, t_win1;	/* playlist: measuring window */
	uint64_t	 win_requests;
	uint64_t	 win_bytes;	/* bodies completed in the window */
	uint64_t	 resp_min, resp_max;	/* body bytes of an answer */
	uint64_t	 reconnects;
	uint64_t	 total_bytes;
	int		 fails[F_NFAIL];
};

/* Playlist mode: one answer's latency (SECONDS) into G's histogram. */
void	 lg_hist_add(struct lg *g, double seconds);
/*
 * Print the run's one JSON line on stdout (WALL seconds in all;
 * INTERRUPTED: a signal ended it).  0, or -1 (errno) when memory for the
 * percentiles could not be had.
 */
int	 lg_report(const struct lg *g, double wall, int interrupted);

#endif
