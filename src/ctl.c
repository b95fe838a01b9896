/*
 * ctl.c - ringcastctl, the operator's client for the control socket.
 *
 * It sends one command line and copies the answer to stdout.  Exit codes:
 * 0 success, 1 the daemon refused the command (its answer is an
 * {"error":...} object), 2 the daemon could not be reached.  `events`
 * follows the subscription until the daemon closes it or stdout does.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channels_json.h"
#include "config.h"
#include "json.h"
#include "util.h"

#define CTL_EXIT_OK		0
#define CTL_EXIT_REFUSED	1
#define CTL_EXIT_UNREACHABLE	2
#define CTL_SIGN_TTL_S		"3600"	/* sign without --ttl: an hour */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ringcastctl [-s socket] command\n"
	    "commands:\n"
	    "  status [--json]     streams, clients and health\n"
	    "  events              follow events (one JSON object a line)\n"
	    "  reload              re-read the configuration\n"
	    "  start NAME          start a stream's fetcher\n"
	    "  stop NAME           stop a stream's fetcher\n"
	    "  metrics [OPERATION] [--window SECONDS]\n"
	    "                      latency percentiles by operation\n"
	    "  channels [--json]   the lineup of the channel lists\n"
	    "  refresh [SOURCE]    fetch a channel list (all) again now\n"
	    "  drain ENGINE        move an AceStream engine's streams off it\n"
	    "                      (URL, or its place in status from 0)\n"
	    "  undrain ENGINE      let it take streams again\n"
	    "  clients [STREAM] [--json]\n"
	    "                      every player: address, user, user agent,\n"
	    "                      route, time, bytes, rate, lag\n"
	    "  sign PATH [--ttl SECONDS] [--bind-ip IP]\n"
	    "                      PATH signed with url_signing_key\n");
	exit(CTL_EXIT_REFUSED);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (unix_addr(&sun, path) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
ctl_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* clients [STREAM] [--json], in either order. */
static int
ctl_clients(int argc, char **argv, struct buf *cmd)
{
	const char *stream = NULL;
	int i, json = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && !json)
			json = 1;
		else if (stream == NULL && argv[i][0] != '-' &&
		    strpbrk(argv[i], " \t\r\n") == NULL &&
		    strlen(argv[i]) <= CONFIG_NAME_MAX)
			stream = argv[i];
		else
			return -1;
	}
	return buf_printf(cmd, "clients %s%s%s\n", json ? "json" : "text",
	    stream ? " " : "", stream ? stream : "");
}

/* sign PATH [--ttl SECONDS] [--bind-ip IP], options in any order. */
static int
ctl_sign(int argc, char **argv, struct buf *cmd)
{
	const char *path = NULL, *ttl = CTL_SIGN_TTL_S, *ip = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc)
			ttl = argv[++i];
		else if (strcmp(argv[i], "--bind-ip") == 0 && i + 1 < argc)
			ip = argv[++i];
		else if (path == NULL && argv[i][0] == '/')
			path = argv[i];
		else
			return -1;
	}
	if (path == NULL || strpbrk(path, " \t\r\n") != NULL ||
	    strpbrk(ttl, " \t\r\n") != NULL ||
	    (ip != NULL && strpbrk(ip, " \t\r\n") != NULL))
		return -1;
	return buf_printf(cmd, "sign %s %s%s%s\n", path, ttl, ip ? " " : "",
	    ip ? ip : "");
}

/* Build the command line from argv; -1 on a usage error. */
static int
ctl_command(int argc, char **argv, struct buf *cmd)
{
	const char *c = argv[0];

	if (strcmp(c, "status") == 0) {
		if (argc == 1)
			return buf_puts(cmd, "status text\n");
		if (argc == 2 && strcmp(argv[1], "--json") == 0)
			return buf_puts(cmd, "status json\n");
		return -1;
	}
	if ((strcmp(c, "events") == 0 || strcmp(c, "reload") == 0 ||
	    strcmp(c, "channels") == 0 || strcmp(c, "refresh") == 0) &&
	    argc == 1)
		return buf_printf(cmd, "%s\n", c);
	if (strcmp(c, "channels") == 0 && argc == 2 &&
	    strcmp(argv[1], "--json") == 0)
		return buf_puts(cmd, "channels\n");
	if ((strcmp(c, "drain") == 0 || strcmp(c, "undrain") == 0) &&
	    argc == 2 && strpbrk(argv[1], " \t\r\n") == NULL)
		return buf_printf(cmd, "%s %s\n", c, argv[1]);
	if (strcmp(c, "clients") == 0 && argc <= 3)
		return ctl_clients(argc, argv, cmd);
	if (strcmp(c, "sign") == 0)
		return ctl_sign(argc, argv, cmd);
	if (strcmp(c, "metrics") == 0 && argc <= 4) {
		int i;

		buf_puts(cmd, "metrics");
		for (i = 1; i < argc; i++) {
			if (strpbrk(argv[i], " \t\r\n") != NULL)
				return -1;
			buf_printf(cmd, " %s", argv[i]);
		}
		return buf_puts(cmd, "\n");
	}
	if ((strcmp(c, "start") == 0 || strcmp(c, "stop") == 0 ||
	    strcmp(c, "refresh") == 0) && argc == 2) {
		if (!config_name_valid(argv[1])) {
			fprintf(stderr, "ringcastctl: invalid %s name\n",
			    strcmp(c, "refresh") == 0 ? "source" : "stream");
			return -1;
		}
		return buf_printf(cmd, "%s %s\n", c, argv[1]);
	}
	return -1;
}

/* `ringcastctl channels`: the lineup's JSON as a table. */
static void
ctl_channels_table(const struct buf *answer)
{
	struct buf t;

	buf_init(&t);
	if (channels_text(answer->data, answer->len, &t) == 0)
		fwrite(t.data, 1, t.len, stdout);
	else
		fwrite(answer->data, 1, answer->len, stdout);
	buf_free(&t);
}

int
main(int argc, char **argv)
{
	const char *sock = "/run/ringcast/control.sock";
	struct buf cmd, answer;
	char chunk[8192], err[1024];
	int ch, fd, refused;
	ssize_t n;

	if (getenv("RINGCAST_CONTROL_SOCKET") != NULL)
		sock = getenv("RINGCAST_CONTROL_SOCKET");
	while ((ch = getopt(argc, argv, "+s:h")) != -1) {
		switch (ch) {
		case 's': sock = optarg; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	buf_init(&cmd);
	if (ctl_command(argc, argv, &cmd) != 0)
		usage();
	signal(SIGPIPE, SIG_IGN);	/* a closed reader is a clean end */
	if ((fd = ctl_connect(sock)) == -1) {
		fprintf(stderr, "ringcastctl: cannot reach ringcastd at %s: %s\n",
		    sock, strerror(errno));
		buf_free(&cmd);
		return CTL_EXIT_UNREACHABLE;
	}
	if (ctl_write_all(fd, cmd.data, cmd.len) == -1) {
		fprintf(stderr, "ringcastctl: %s: %s\n", sock, strerror(errno));
		buf_free(&cmd);
		close(fd);
		return CTL_EXIT_UNREACHABLE;
	}
	buf_free(&cmd);
	buf_init(&answer);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "ringcastctl: %s\n", strerror(errno));
			buf_free(&answer);
			close(fd);
			return CTL_EXIT_UNREACHABLE;
		}
		if (strcmp(argv[0], "events") == 0) {
			if (ctl_write_all(1, chunk, (size_t)n) == -1)
				break;	/* our reader went away: done */
			continue;
		}
		buf_append(&answer, chunk, (size_t)n);
	}
	close(fd);
	if (strcmp(argv[0], "events") == 0) {
		buf_free(&answer);
		return CTL_EXIT_OK;
	}
	refused = json_get_str(buf_str(&answer), "error", err, sizeof(err)) == 0;
	if (refused)
		fprintf(stderr, "ringcastctl: %s\n", err);
	else if (answer.len == 0) {
		fprintf(stderr, "ringcastctl: no answer from ringcastd\n");
		return CTL_EXIT_UNREACHABLE;
	} else if (strcmp(argv[0], "channels") == 0 && argc == 1)
		ctl_channels_table(&answer);
	else if (strcmp(argv[0], "sign") == 0 &&
	    json_get_str(buf_str(&answer), "path", err, sizeof(err)) == 0)
		printf("%s\n", err);
	else
		fwrite(answer.data, 1, answer.len, stdout);
	buf_free(&answer);
	return refused ? CTL_EXIT_REFUSED : CTL_EXIT_OK;
}
