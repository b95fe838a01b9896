/*
 * fuzz_control.c - libFuzzer target for the control socket's command
 * handling (src/master/control.c).
 *
 * Two parts.  control_parse() on the input as one line: the command and
 * its argument must agree with what src/master/control.h promises.  Then the
 * whole path a ringcastctl client takes: the input is written into one end
 * of a socketpair whose other end is a client slot of a struct control,
 * control_handle() reads, parses and answers, and the answer read back
 * must be whole JSON lines with no raw control character (an error
 * message quoting a stream name from the client must stay inside its
 * string).  An `events` client then gets a broadcast event.
 *
 * control.c carries out commands through the struct control_ops it is
 * given; the table below stands in for the supervisor's, so control.c
 * links without the daemon.  Its callbacks echo the argument into the
 * error message the way the real ones do ("unknown stream \"NAME\"").
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "config.h"
#include "control.h"
#include "json.h"

#define FUZZ_MAX_WRITE_BYTES	4096
#define FUZZ_REPLY_BYTES	65536
#define FUZZ_HANDLE_ROUNDS	8
#define FUZZ_EVENT		"{\"event\":\"fuzz\"}\n"

/* ---- the supervisor's side of the commands ---- */

static int
fuzz_reload(void *arg, char *err, size_t errsz)
{
	snprintf(err, errsz, "fuzz.conf:1: reload refused\nsecond line");
	return -1;
}

static int
fuzz_start(void *arg, const char *name, char *err, size_t errsz)
{
	CHECK(name != NULL && *name != '\0');
	if (strcmp(name, "news") == 0)
		return 0;
	snprintf(err, errsz, "unknown stream \"%s\"", name);
	return -1;
}

static int
fuzz_stop(void *arg, const char *name, char *err, size_t errsz)
{
	return fuzz_start(arg, name, err, errsz);
}

static int
fuzz_status_json(void *arg, struct buf *b)
{
	return buf_puts(b, "{\"streams\":[]}");
}

static int
fuzz_status_text(void *arg, struct buf *b)
{
	return buf_puts(b, "NAME STATE\n");
}

static int
fuzz_metrics_json(void *arg, const char *op, double window_s, struct buf *b)
{
	return buf_puts(b, "{\"operations\":{}}");
}

static int
fuzz_channels_json(void *arg, struct buf *b)
{
	return buf_puts(b, "{\"channels\":[]}");
}

static int
fuzz_refresh(void *arg, const char *name, char *err, size_t errsz)
{
	if (name == NULL || strcmp(name, "provider") == 0)
		return 0;
	snprintf(err, errsz, "unknown source \"%s\"", name);
	return -1;
}

static int
fuzz_clients(void *arg, const char *stream, int json, struct buf *b)
{
	if (json)
		return buf_puts(b, "{\"players\":[],\"players_not_shown\":0}");
	(void)stream;
	return buf_puts(b, "STREAM ROUTE ADDRESS\n0 clients\n");
}

static int
fuzz_drain(void *arg, const char *engine, int on, char *err, size_t errsz)
{
	(void)on;
	if (strcmp(engine, "0") == 0)
		return 0;
	snprintf(err, errsz, "no engine %s", engine);
	return -1;
}

static const char *
fuzz_signing_key(void *arg)
{
	(void)arg;
	return "fuzz-signing-key-0123456789";
}

static const struct control_ops fuzz_ops = {
	.reload = fuzz_reload,
	.start = fuzz_start,
	.stop = fuzz_stop,
	.status_json = fuzz_status_json,
	.status_text = fuzz_status_text,
	.metrics_json = fuzz_metrics_json,
	.channels_json = fuzz_channels_json,
	.refresh = fuzz_refresh,
	.clients = fuzz_clients,
	.drain = fuzz_drain,
	.signing_key = fuzz_signing_key,
};

/* ---- part 1: the parser alone ---- */

static void
parse_check(const uint8_t *data, size_t size)
{
	char		*line, *arg, again[CONTROL_LINE_MAX + 16];
	size_t		 len;
	enum control_cmd cmd, cmd2;
	char		*arg2;

	line = fuzz_cstring(data, size);
	len = strlen(line);
	cmd = control_parse(line, &arg);
	CHECK(cmd >= CTL_CMD_INVALID && cmd <= CTL_CMD_SIGN);
	if (arg != NULL) {
		CHECK(arg >= line && arg < line + len);
		CHECK(*arg != '\0' && *arg != ' ' && *arg != '\t');
		CHECK(arg[strlen(arg) - 1] != ' ' &&
		    arg[strlen(arg) - 1] != '\n');
	}
	switch (cmd) {
	case CTL_CMD_DRAIN:
	case CTL_CMD_UNDRAIN:
		CHECK(arg != NULL && strpbrk(arg, " \t") == NULL);
		break;
	case CTL_CMD_START:
	case CTL_CMD_STOP:
		CHECK(arg != NULL && strpbrk(arg, " \t") == NULL);
		/* The canonical form parses to the same thing. */
		if (strlen(arg) < CONTROL_LINE_MAX) {
			snprintf(again, sizeof(again), "%s %s\r\n",
			    cmd == CTL_CMD_START ? "start" : "stop", arg);
			cmd2 = control_parse(again, &arg2);
			CHECK(cmd2 == cmd && arg2 != NULL &&
			    strcmp(arg2, arg) == 0);
		}
		break;
	case CTL_CMD_STATUS:
	case CTL_CMD_STATUS_TEXT:
	case CTL_CMD_EVENTS:
	case CTL_CMD_RELOAD:
	case CTL_CMD_CHANNELS:
	case CTL_CMD_INVALID:
		CHECK(arg == NULL);
		break;
	case CTL_CMD_METRICS:
	case CTL_CMD_REFRESH:		/* a source's name, or every source */
	case CTL_CMD_CLIENTS:		/* json|text and a stream, checked
					   by the command */
	case CTL_CMD_SIGN:		/* path, seconds, address: likewise */
		break;
	}
	free(line);
}

/* ---- part 2: a client on the socket ---- */

static void
reply_check(const char *reply, size_t n, int text_ok)
{
	const char	*p = reply, *nl;
	char		 line[FUZZ_REPLY_BYTES], msg[FUZZ_REPLY_BYTES];
	size_t		 i, l;

	for (; p < reply + n; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(reply + n - p));
		CHECK(nl != NULL);		/* whole lines only */
		l = (size_t)(nl - p);
		if (text_ok)
			continue;
		for (i = 0; i < l; i++)
			CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
		memcpy(line, p, l);
		line[l] = '\0';
		CHECK(l >= 2 && line[0] == '{' && line[l - 1] == '}');
		if (strncmp(line, "{\"error\":", 9) == 0)
			CHECK(json_get_str(line, "error", msg, sizeof(msg)) == 0);
	}
}

static int
read_all(int fd, char *out, size_t outsz)
{
	size_t	 n = 0;
	ssize_t	 r;

	while (n < outsz && (r = read(fd, out + n, outsz - n)) > 0)
		n += (size_t)r;
	return (int)n;
}

static void
session(const uint8_t *data, size_t size)
{
	static struct control ctl;
	static char	 reply[FUZZ_REPLY_BYTES];
	struct pollfd	 pfd[2];
	char		 first[CONTROL_LINE_MAX], *arg;
	const uint8_t	*nl;
	int		 sp[2], i, n, text_ok = 0, events = 0;
	size_t		 w = size < FUZZ_MAX_WRITE_BYTES ? size :
			    FUZZ_MAX_WRITE_BYTES;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == -1)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.fd = -1;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		ctl.clients[i].fd = -1;
	ctl.clients[3].fd = sp[0];
	buf_init(&ctl.clients[3].out);

	/* What the daemon will see as the command: the first line, as
	 * much of it as fits in its input buffer. */
	nl = memchr(data, '\n', w);
	if (nl != NULL && (size_t)(nl - data) < sizeof(first)) {
		memcpy(first, data, (size_t)(nl - data));
		first[nl - data] = '\0';
		switch (control_parse(first, &arg)) {
		case CTL_CMD_STATUS_TEXT: text_ok = 1; break;
		case CTL_CMD_CLIENTS:	/* a table unless json */
			text_ok = arg == NULL || strncmp(arg, "json", 4) != 0;
			break;
		case CTL_CMD_EVENTS: events = 1; break;
		default: break;
		}
	}
	if (w > 0)
		CHECK(write(sp[1], data, w) == (ssize_t)w);

	for (i = 0; i < FUZZ_HANDLE_ROUNDS && ctl.clients[3].fd != -1; i++) {
		pfd[0].fd = -1;
		pfd[0].revents = 0;
		pfd[1].fd = sp[0];
		pfd[1].events = POLLIN;
		pfd[1].revents = POLLIN;
		control_handle(&ctl, &fuzz_ops, NULL, pfd, 2);
	}
	if (events && ctl.clients[3].fd != -1) {
		CHECK(ctl.clients[3].subscriber);
		control_broadcast(&ctl, FUZZ_EVENT, strlen(FUZZ_EVENT));
	}
	n = read_all(sp[1], reply, sizeof(reply));
	reply_check(reply, (size_t)n, text_ok);
	if (events)
		CHECK(n == (int)strlen(FUZZ_EVENT) &&
		    memcmp(reply, FUZZ_EVENT, (size_t)n) == 0);
	else if (nl != NULL && (size_t)(nl - data) < CONTROL_LINE_MAX - 1)
		CHECK(n > 0);			/* a command gets an answer */
	control_close(&ctl);
	close(sp[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_check(data, size);
	session(data, size);
	return 0;
}
