/*
 * origin.c - the test origin: a live MPEG-TS and HLS source with fault
 * injection, for ringcast's integration tests and benchmarks.  This file
 * is its main: options, the listening daemon, signals, stop.
 *
 * It loads one sample file (tests/media/sample.ts) and plays it as if it
 * were an endless live source:
 *
 *   GET /NAME.ts (any path ending in .ts outside /hls and /vod)
 *	continuous TS, paced at real time;
 *   GET /hls/NAME/index.m3u8, /hls/NAME/SEQ.ts, /hls/NAME/master.m3u8
 *	a live HLS stream cut from the same timeline at keyframes;
 *   GET /vod/NAME/index.m3u8, /vod/NAME/N.ts
 *	the sample's segments as an ENDLIST playlist;
 *   GET /stats, /stats/reset, /fault?..., /fault/clear
 *	counters and fault injection for the tests.
 *
 * A live client starts at the current position rounded down to a packet
 * and its content reader sends whatever the channel clock has made due,
 * so every client of one path at one moment receives the same bytes, like
 * viewers of a real live source (sample.c, ts.c).  An HLS segment number
 * maps to a byte range of that same looped timeline, and is published
 * once the clock passes its end (hls.c).  The files and who calls whom:
 * origin.h.  This file is the top: it may call any of them.
 */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/findfile.h"
#include "origin.h"

static void
usage(void)
{
	printf(
"usage: origin [-hq] [-b address] [-f file] [-p port] [-t threads]\n"
"\n"
"The ringcast test origin: plays FILE (an MPEG-TS sample, default\n"
ORIGIN_DEFAULT_SAMPLE ") as endless live sources paced at real time\n"
"from its PCR, with HLS cut at keyframes and fault injection.\n"
"\n"
"  -b address  listen on this IPv4 or IPv6 address (default 127.0.0.1)\n"
"  -f file     the sample (default " ORIGIN_DEFAULT_SAMPLE ", also looked\n"
"              up relative to the executable's ../..)\n"
"  -h          print this help and exit\n"
"  -p port     TCP port; 0 (default) picks a free one\n"
"  -q          quiet: no request log on stderr\n"
"  -t threads  libmicrohttpd threads (default %d)\n"
"\n"
"When listening it prints \"port N\" on stdout.  It stops on SIGTERM or\n"
"SIGINT, and when its parent process dies.\n"
"\n"
"ENDPOINTS\n"
"  GET /NAME.ts                 live TS (any path ending .ts outside /hls\n"
"                               and /vod); each path is its own channel;\n"
"                               a client starts at the live position\n"
"  GET /hls/NAME/index.m3u8     live playlist, %d segments, ~%.0f s each\n"
"  GET /hls/NAME/master.m3u8    two variants (800000, 1500000) of it\n"
"  GET /hls/NAME/SEQ.ts         segment SEQ; 404 before it is published\n"
"                               or %d segments after\n"
"  GET /vod/NAME/index.m3u8     every segment of one loop, ENDLIST\n"
"  GET /vod/NAME/N.ts           segment N of the loop\n"
"  GET /stats                   {\"connections\":N,\"open\":N,\"paths\":{PATH:\n"
"                               {\"requests\":N,\"bytes\":N,\"user_agent\":S}}}\n"
"  GET /stats/reset             zero the counters\n"
"  GET /fault?path=P&type=T[&value=V][&count=K]\n"
"                               inject a fault (below); {\"ok\":true} or 400\n"
"  GET /fault/clear             remove every fault\n"
"\n"
"FAULTS\n"
"  P is a request path; a P ending in / matches every path under it.\n"
"  K requests to P take the fault (default 1; 0 = until cleared).\n"
"  status  V=404|500|503  answer with that status\n"
"  hang                   accept, never answer, keep the connection\n"
"  close   V=bytes        abort the response after V more bytes\n"
"  stall   V=seconds      send nothing for V s, then resume (live TS\n"
"                         jumps to the live position)\n"
"  garbage V=bytes        V bytes of non-TS data between two packets\n"
"                         (segments: overwrite their first V bytes)\n"
"  slow    V=bytes/s      throttle the response to V bytes a second\n"
"  close, stall and garbage also hit the responses of P streaming now.\n"
"  close, stall, garbage and slow apply to TS data only (live TS,\n"
"  segments); status and hang to any request.\n"
"\n"
"Requests to /stats and /fault are not counted; nor are connections\n"
"whose first request is one of them.\n",
	    ORIGIN_DEFAULT_THREADS, ORIGIN_HLS_WINDOW_SEGMENTS,
	    ORIGIN_SEGMENT_TARGET_S, ORIGIN_HLS_KEEP_SEGMENTS);
}

static void
usage_short(void)
{
	fprintf(stderr, "usage: origin [-hq] [-b address] [-f file] "
	    "[-p port] [-t threads]\n");
}

static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

struct listen_addr {
	struct sockaddr_storage ss;
	int		 v6;
};

static int
parse_bind(const char *host, int port, struct listen_addr *la)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&la->ss;

	memset(la, 0, sizeof(*la));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		la->v6 = 1;
		return 0;
	}
	return -1;
}

static struct MHD_Daemon *
origin_start(const struct listen_addr *la, unsigned threads)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME;

	if (!quiet)
		flags |= MHD_USE_ERROR_LOG;
	if (la->v6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&la->ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)ORIGIN_CONNECTION_LIMIT,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_END);
}

int
main(int argc, char *argv[])
{
	const char *bind_host = "127.0.0.1", *file = NULL;
	char pathbuf[PATH_MAX + 64];
	unsigned threads = ORIGIN_DEFAULT_THREADS;
	struct listen_addr la;
	struct MHD_Daemon *d;
	pthread_t ticker;
	volatile int ticker_quit = 0;
	sigset_t sigs;
	pid_t parent = getppid();
	int ch, port = 0, sig;

	while ((ch = getopt(argc, argv, "b:f:hp:qt:")) != -1) {
		switch (ch) {
		case 'b':
			bind_host = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage();
			return 0;
		case 'p':
			port = atoi(optarg);
			if (port < 0 || port > 65535) {
				fprintf(stderr, "origin: bad port %s\n", optarg);
				return 1;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 't':
			threads = (unsigned)atoi(optarg);
			if (threads < 1 || threads > 64) {
				fprintf(stderr, "origin: threads: 1..64\n");
				return 1;
			}
			break;
		default:
			usage_short();
			return 1;
		}
	}
	if (optind != argc) {
		usage_short();
		return 1;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		return 1;
	if (parse_bind(bind_host, port, &la) == -1) {
		fprintf(stderr, "origin: bad address %s\n", bind_host);
		return 1;
	}
	if (file == NULL)
		file = findfile(ORIGIN_DEFAULT_SAMPLE, pathbuf,
		    sizeof(pathbuf));
	if (sample_load(file) == -1) {
		sample_free();
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "origin: %s: %" PRIu64 " bytes, loop %.3f s, "
		    "%zu PCR points, %zu segments (max %.3f s)\n", file,
		    sample.size, (double)sample.loop_27m / 27e6,
		    sample.npts - 2, sample.nseg, sample.target_s);

	/* Threads inherit the mask: only sigwait() below sees these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	start_us = mono_us();

	if ((d = origin_start(&la, threads)) == NULL) {
		fprintf(stderr, "origin: cannot listen on %s port %d\n",
		    bind_host, port);
		sample_free();
		return 1;
	}
	if (pthread_create(&ticker, NULL, ticker_main,
	    (void *)&ticker_quit) != 0) {
		fprintf(stderr, "origin: pthread_create failed\n");
		MHD_stop_daemon(d);
		sample_free();
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_BIND_PORT);
	printf("port %u\n", di != NULL ? (unsigned)di->port : (unsigned)port);
	fflush(stdout);

	while (sigwait(&sigs, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	if (!quiet)
		fprintf(stderr, "origin: signal %d, stopping\n", sig);
	pthread_mutex_lock(&mtx);
	stopping = 1;
	pthread_mutex_unlock(&mtx);
	origin_drain();
	ticker_quit = 1;
	pthread_join(ticker, NULL);
	MHD_stop_daemon(d);
	path_stats_free();
	sample_free();
	return 0;
}
