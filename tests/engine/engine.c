/*
 * engine.c - the test AceStream engine: a stand-in for the real engine's
 * HTTP API, for ringcast's AceStream-mode tests and for users without an
 * engine who want to try that mode.
 *
 * It speaks the subset of the engine API a proxy uses (the shapes follow
 * the real engine's JSON answers):
 *
 *   GET /ace/getstream?format=json&id=ID (or content_id=, infohash=,
 *	url=, magnet=) resolves the input to an infohash, starts a session
 *	and answers its playback, stat and command URLs;
 *   GET /ace/r/HASH/SESS		the session's MPEG-TS;
 *   GET /ace/stat/HASH/SESS		status, peers, speeds, bytes;
 *   GET /ace/cmd/HASH/SESS?method=stop	ends the session and its playbacks;
 *   GET /webui/api/service?method=get_version	the health check;
 *   GET /server/api?method=get_network_connection_status (or get_status);
 *   GET /stats, /fault?..., /fault/clear	counters and fault injection.
 *
 * The contract with the tests is tests/engine/README.  Every content id
 * plays the same media (tests/media/sample.ts unless -m): looped forever,
 * each loop's PCR, PTS, DTS and continuity counters shifted so the stream
 * stays continuous (the test origin's technique), starting at the
 * sample's first PAT, paced at real time by the pacer of pace.c.
 *
 * Design.  Unlike the daemon and the test origin, which suspend MHD
 * connections and resume them from a ticker, the engine runs one thread
 * per connection (MHD_USE_THREAD_PER_CONNECTION) and simply sleeps in it:
 * a slow getstream sleeps in its request handler, a playback sleeps in its
 * content reader until its next packet is due, a stalled one sleeps in
 * short steps.  Nothing one connection does can delay another, and the
 * code stays short, which matters more here than the cost of a thread
 * (connections are capped at ENGINE_MAX_CONNECTIONS).  Every sleep is cut
 * into steps of at most ENGINE_CHECK_MS, after which the thread looks at
 * the shutdown flag, its session (stopped?), the faults and whether its
 * client has gone.
 *
 * State is a handful of counters (here), the sessions (session.c) and
 * the faults (fault.c).  One mutex, engine_mtx, guards it all and is
 * never held across a sleep, a copy or an MHD call.  SIGTERM/SIGINT: the
 * flag is set, every sleeping thread notices within ENGINE_CHECK_MS,
 * MHD_stop_daemon joins them, everything is freed.
 *
 * This file: the options, start-up, the request router and shutdown; it
 * calls every other file of tests/engine/ (engine.h lists them, lowest
 * first, with what each may call).
 */

#include <sys/prctl.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "../lib/findfile.h"

pthread_mutex_t	 engine_mtx = PTHREAD_MUTEX_INITIALIZER;
struct counters	 engine_cnt;
int		 engine_exiting;
int		 engine_quiet;
unsigned	 engine_port;
unsigned	 engine_adv_port;

int
engine_stopping(void)
{
	pthread_mutex_lock(&engine_mtx);
	int s = engine_exiting;
	pthread_mutex_unlock(&engine_mtx);
	return s;
}

/* ------------------------------------------------------------------ */
/* The router.                                                         */

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	static int seen;

	/* Answer on the second call, once the headers are all read (an
	 * answer queued on the first one closes the connection). */
	if (*con_cls == NULL) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return reply_error(conn, url, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
		    "only GET is supported");
	if (*upload_data_size != 0) {
		*upload_data_size = 0;		/* ignore any body */
		return MHD_YES;
	}
	if (strlen(url) > ENGINE_MAX_URL_BYTES)
		return reply_error(conn, "(long url)", MHD_HTTP_NOT_FOUND, NULL,
		    "not found");
	if (strcmp(url, "/ace/getstream") == 0)
		return route_getstream(conn, url);
	if (strncmp(url, "/ace/", 5) == 0)
		return route_session(conn, url);
	if (strcmp(url, "/webui/api/service") == 0)
		return route_service(conn, url);
	if (strcmp(url, "/server/api") == 0)
		return route_server_api(conn, url);
	if (strcmp(url, "/stats") == 0)
		return route_stats(conn, url);
	if (strcmp(url, "/fault") == 0)
		return route_fault(conn, url);
	if (strcmp(url, "/fault/clear") == 0)
		return route_fault_clear(conn, url);
	return reply_error(conn, url, MHD_HTTP_NOT_FOUND, NULL, "not found");
}

/* ------------------------------------------------------------------ */
/* Start-up.                                                           */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: engine [-hq] [-a port] [-m media.ts] [-p port]\n"
"\n"
"The ringcast test AceStream engine: the engine's HTTP API (getstream,\n"
"playback, stat, stop, get_version) on 127.0.0.1, every content id playing\n"
"MEDIA (default " ENGINE_DEFAULT_MEDIA ") looped at real time, with fault\n"
"injection.  Prints \"port N\" on stdout once listening; stops on SIGTERM,\n"
"SIGINT or the death of its parent.  See tests/engine/README.\n"
"\n"
"  -a port     write 127.0.0.1:PORT into the session URLs (as an engine\n"
"              in a container does); default: the port listened on\n"
"  -h          print this help and exit\n"
"  -m file     the MPEG-TS media to play\n"
"  -p port     TCP port; 0 (default) picks a free one\n"
"  -q          no request log on stderr\n");
}

/* A port number 0 to 65535, or -1 (said on stderr). */
static int
parse_port(const char *s)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || l < 0 || l > 65535) {
		fprintf(stderr, "engine: bad port %s\n", s);
		return -1;
	}
	return (int)l;
}

static struct MHD_Daemon *
engine_start(int port)
{
	struct sockaddr_in sin;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (!engine_quiet)
		flags |= MHD_USE_ERROR_LOG;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return MHD_start_daemon(flags, 0, NULL, NULL, on_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&sin,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)ENGINE_MAX_CONNECTIONS,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)ENGINE_THREAD_STACK_BYTES,
	    MHD_OPTION_END);
}

static void
engine_free(void)
{
	session_free_all();
	media_free();
}

int
main(int argc, char *argv[])
{
	const char *file = NULL;
	char pathbuf[PATH_MAX + 64];
	struct MHD_Daemon *d;
	sigset_t sigs;
	pid_t parent = getppid();
	int ch, port = 0, adv = 0, sig;

	while ((ch = getopt(argc, argv, "a:hm:p:q")) != -1) {
		switch (ch) {
		case 'a':
			if ((adv = parse_port(optarg)) == -1)
				return 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'm':
			file = optarg;
			break;
		case 'p':
			if ((port = parse_port(optarg)) == -1)
				return 1;
			break;
		case 'q':
			engine_quiet = 1;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		return 1;
	if (file == NULL)
		file = findfile(ENGINE_DEFAULT_MEDIA, pathbuf, sizeof(pathbuf));
	if (session_alloc() == -1 || media_read(file) == -1 ||
	    media_scan(file) == -1) {
		engine_free();
		return 1;
	}
	if (!engine_quiet)
		fprintf(stderr, "engine: %s: %" PRIu64 " bytes, loop %.3f s, "
		    "%" PRIu64 " bytes/s\n", file, media.size,
		    (double)media.loop_27m / 27e6, media.rate_bps);

	/* Threads inherit the mask: only sigwait() below sees these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((d = engine_start(port)) == NULL) {
		fprintf(stderr, "engine: cannot listen on 127.0.0.1 port %d\n",
		    port);
		engine_free();
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_BIND_PORT);
	pthread_mutex_lock(&engine_mtx);
	engine_port = di != NULL ? di->port : (unsigned)port;
	engine_adv_port = adv > 0 ? (unsigned)adv : engine_port;	/* -a 0: no */
	pthread_mutex_unlock(&engine_mtx);
	printf("port %u\n", engine_port);
	fflush(stdout);

	while (sigwait(&sigs, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	if (!engine_quiet)
		fprintf(stderr, "engine: signal %d, stopping\n", sig);
	pthread_mutex_lock(&engine_mtx);
	engine_exiting = 1;
	pthread_mutex_unlock(&engine_mtx);
	MHD_stop_daemon(d);
	engine_free();
	return 0;
}

