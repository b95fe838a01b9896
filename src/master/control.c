/*
 * control.c - the control socket (ringcastctl, event subscribers).
 *
 * A Unix stream socket, mode 0660, served from the supervisor's poll loop.
 * A client sends one command line; the answer is written and the
 * connection closed, except for `events`, which turns the connection into
 * a subscription: each event is queued as a JSON line.  Queues are bounded
 * (CONTROL_QUEUE_MAX_EVENTS / _BYTES); a subscriber that does not read is
 * cut off with a log line, so it can never slow anything down.
 *
 * `sign` makes a signed URL (signed_url.h) with the supervisor's
 * url_signing_key: the key stays in the daemon, ringcastctl never reads
 * the configuration.
 *
 * What a command does is not decided here: control_handle is given a
 * table of callbacks (struct control_ops) by the supervisor.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_check.h"
#include "control.h"
#include "log.h"
#include "metrics.h"
#include "signed_url.h"
#include "util.h"

#define CONTROL_SIGN_TTL_MAX_S	(10LL * 366 * 86400)	/* sign: ten years */

enum control_cmd
control_parse(char *line, char **arg)
{
	static const struct { const char *word; enum control_cmd cmd;
	    int want_arg; } cmds[] = {
		{ "status", CTL_CMD_STATUS, 0 },
		{ "events", CTL_CMD_EVENTS, 0 },
		{ "reload", CTL_CMD_RELOAD, 0 },
		{ "start", CTL_CMD_START, 1 },
		{ "stop", CTL_CMD_STOP, 1 },
		{ "metrics", CTL_CMD_METRICS, -1 },
		{ "channels", CTL_CMD_CHANNELS, 0 },
		{ "refresh", CTL_CMD_REFRESH, -1 },
		{ "clients", CTL_CMD_CLIENTS, -1 },
		{ "drain", CTL_CMD_DRAIN, 1 },
		{ "undrain", CTL_CMD_UNDRAIN, 1 },
		{ "sign", CTL_CMD_SIGN, -1 },
	};
	char *p, *end;
	size_t i, wlen;

	*arg = NULL;
	end = line + strlen(line);
	while (end > line && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	wlen = strcspn(p, " \t");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *a;

		if (strlen(cmds[i].word) != wlen ||
		    strncmp(cmds[i].word, p, wlen) != 0)
			continue;
		for (a = p + wlen; *a == ' ' || *a == '\t'; a++)
			;
		if (cmds[i].cmd == CTL_CMD_STATUS && *a != '\0') {
			if (strcmp(a, "text") == 0)
				return CTL_CMD_STATUS_TEXT;
			if (strcmp(a, "json") == 0)
				return CTL_CMD_STATUS;
			return CTL_CMD_INVALID;
		}
		if (cmds[i].want_arg == 1 && (*a == '\0' ||
		    strpbrk(a, " \t") != NULL))
			return CTL_CMD_INVALID;
		if (cmds[i].want_arg == 0 && *a != '\0')
			return CTL_CMD_INVALID;
		*arg = *a != '\0' ? a : NULL;
		return cmds[i].cmd;
	}
	return CTL_CMD_INVALID;
}

int
control_open(struct control *ctl, const char *path)
{
	struct sockaddr_un sun;
	int fd, i;

	memset(ctl, 0, sizeof(*ctl));
	ctl->fd = -1;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		ctl->clients[i].fd = -1;
	if (unix_addr(&sun, path) == -1)
		return -1;
	str_copy(ctl->path, path, sizeof(ctl->path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	/* A socket someone answers on belongs to a running daemon. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0660) == -1 || listen(fd, CONTROL_LISTEN_BACKLOG) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	ctl->fd = fd;
	return 0;
}

static void
control_drop(struct control_client *c)
{
	close(c->fd);
	c->fd = -1;
	buf_free(&c->out);
	c->inlen = c->outoff = c->queued = 0;
	c->subscriber = c->close_after = 0;
}

void
control_close(struct control *ctl)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i].fd != -1)
			control_drop(&ctl->clients[i]);
	if (ctl->fd != -1) {
		close(ctl->fd);
		unlink(ctl->path);
		ctl->fd = -1;
	}
}

int
control_pollfds(struct control *ctl, struct pollfd *pfd, int max)
{
	int i, n = 0;

	if (ctl->fd == -1 || max < 1)
		return 0;
	pfd[n].fd = ctl->fd;
	pfd[n++].events = POLLIN;
	for (i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++) {
		struct control_client *c = &ctl->clients[i];

		if (c->fd == -1)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = POLLIN;
		if (c->out.len > c->outoff)
			pfd[n].events |= POLLOUT;
		n++;
	}
	return n;
}

static void
control_reply_json_ok(struct control_client *c)
{
	buf_puts(&c->out, "{\"ok\":true}\n");
}

static void
control_reply_error(struct control_client *c, const char *msg)
{
	buf_puts(&c->out, "{");
	json_kv_str(&c->out, "error", msg);
	buf_puts(&c->out, "}\n");
}

/* "metrics [OPERATION] [--window SECONDS]" */
static void
control_metrics(struct control_client *c, const struct control_ops *ops,
    void *ops_arg, char *arg)
{
	char *tok, *save = NULL, *op = NULL;
	double window_s = 0;

	for (tok = arg ? strtok_r(arg, " \t", &save) : NULL; tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (strcmp(tok, "--window") == 0) {
			tok = strtok_r(NULL, " \t", &save);
			if (tok == NULL ||
			    metrics_parse_window(tok, &window_s) == -1) {
				control_reply_error(c, "--window needs a number"
				    " of seconds");
				return;
			}
		} else if (op == NULL && metrics_op_from_name(tok) != -1)
			op = tok;
		else {
			control_reply_error(c, "unknown operation");
			return;
		}
	}
	if (ops->metrics_json(ops_arg, op, window_s, &c->out) == -1)
		control_reply_error(c, "cannot render metrics");
	else
		buf_puts(&c->out, "\n");
}

/* clients [json|text] [STREAM]: every player, of STREAM or all. */
static void
control_clients(struct control_client *c, const struct control_ops *ops,
    void *ops_arg, char *arg)
{
	char *how = arg, *stream = NULL;
	size_t n;
	int json = 0;

	if (how != NULL) {
		n = strcspn(how, " \t");
		if (how[n] != '\0') {
			how[n] = '\0';
			stream = how + n + 1 + strspn(how + n + 1, " \t");
			if (strpbrk(stream, " \t") != NULL || stream[0] == '\0') {
				control_reply_error(c, "usage: clients "
				    "[json|text] [STREAM]");
				return;
			}
		}
		if (strcmp(how, "json") == 0)
			json = 1;
		else if (strcmp(how, "text") != 0) {
			control_reply_error(c, "usage: clients [json|text] "
			    "[STREAM]");
			return;
		}
	}
	if (ops->clients(ops_arg, stream, json, &c->out) == -1)
		control_reply_error(c, "out of memory");
	else if (json)
		buf_puts(&c->out, "\n");
}

/* sign PATH TTL [IP]: PATH signed with url_signing_key for TTL seconds
 * (bound to IP), as {"path":...}. */
static void
control_sign(struct control_client *c, const struct control_ops *ops,
    void *ops_arg, char *arg)
{
	char args[SIGNED_ARGS_MAX], out[SIGNED_SCOPE_MAX + SIGNED_ARGS_MAX + 2];
	char *path, *ttl, *ip, *save = NULL, *end = NULL;
	const char *key = ops->signing_key(ops_arg);
	unsigned char addr[sizeof(struct in6_addr)];
	long long secs = 0;

	path = arg != NULL ? strtok_r(arg, " \t", &save) : NULL;
	ttl = path != NULL ? strtok_r(NULL, " \t", &save) : NULL;
	ip = ttl != NULL ? strtok_r(NULL, " \t", &save) : NULL;
	if (ttl != NULL)
		secs = strtoll(ttl, &end, 10);
	if (path == NULL || path[0] != '/' || ttl == NULL || *end != '\0' ||
	    secs < 1 || secs > CONTROL_SIGN_TTL_MAX_S ||
	    strlen(path) >= SIGNED_SCOPE_MAX ||
	    strtok_r(NULL, " \t", &save) != NULL ||
	    config_has_ctrl(path, 1)) {
		control_reply_error(c, "usage: sign PATH SECONDS [IP]");
		return;
	}
	if (ip != NULL && inet_pton(AF_INET, ip, addr) != 1 &&
	    inet_pton(AF_INET6, ip, addr) != 1) {
		control_reply_error(c, "not an IP address");
		return;
	}
	if (key == NULL || key[0] == '\0') {
		control_reply_error(c, "url_signing_key is not set");
		return;
	}
	if (signed_url_args(key, path, (long long)(wall_ms() / 1000) + secs,
	    ip, args, sizeof(args)) == -1) {
		control_reply_error(c, "the path is too long");
		return;
	}
	snprintf(out, sizeof(out), "%s%c%s", path, strchr(path, '?') != NULL ?
	    '&' : '?', args);
	buf_puts(&c->out, "{");
	json_kv_str(&c->out, "path", out);
	buf_puts(&c->out, "}\n");
}

static void
control_command(struct control_client *c, const struct control_ops *ops,
    void *ops_arg, char *line)
{
	char err[8192], *arg;
	enum control_cmd cmd = control_parse(line, &arg);

	c->close_after = 1;
	switch (cmd) {
	case CTL_CMD_STATUS:
		ops->status_json(ops_arg, &c->out);
		buf_puts(&c->out, "\n");
		break;
	case CTL_CMD_STATUS_TEXT:
		ops->status_text(ops_arg, &c->out);
		break;
	case CTL_CMD_EVENTS:
		c->subscriber = 1;
		c->close_after = 0;
		log_debug("control: new event subscriber");
		break;
	case CTL_CMD_RELOAD:
		if (ops->reload(ops_arg, err, sizeof(err)) == 0)
			control_reply_json_ok(c);
		else
			control_reply_error(c, err);
		break;
	case CTL_CMD_START:
		if (ops->start(ops_arg, arg, err, sizeof(err)) == 0)
			control_reply_json_ok(c);
		else
			control_reply_error(c, err);
		break;
	case CTL_CMD_STOP:
		if (ops->stop(ops_arg, arg, err, sizeof(err)) == 0)
			control_reply_json_ok(c);
		else
			control_reply_error(c, err);
		break;
	case CTL_CMD_METRICS:
		control_metrics(c, ops, ops_arg, arg);
		break;
	case CTL_CMD_CHANNELS:
		if (ops->channels_json(ops_arg, &c->out) == -1)
			control_reply_error(c, "the lineup cannot be read");
		else
			buf_puts(&c->out, "\n");
		break;
	case CTL_CMD_REFRESH:
		if (ops->refresh(ops_arg, arg, err, sizeof(err)) == 0)
			control_reply_json_ok(c);
		else
			control_reply_error(c, err);
		break;
	case CTL_CMD_CLIENTS:
		control_clients(c, ops, ops_arg, arg);
		break;
	case CTL_CMD_DRAIN:
	case CTL_CMD_UNDRAIN:
		if (ops->drain(ops_arg, arg, cmd == CTL_CMD_DRAIN, err,
		    sizeof(err)) == 0)
			control_reply_json_ok(c);
		else
			control_reply_error(c, err);
		break;
	case CTL_CMD_SIGN:
		control_sign(c, ops, ops_arg, arg);
		break;
	case CTL_CMD_INVALID:
		control_reply_error(c, "unknown command (try: status, events,"
		    " reload, start NAME, stop NAME, metrics, channels, "
		    "refresh [SOURCE], clients [json|text] [STREAM], "
		    "drain ENGINE, undrain ENGINE, sign PATH SECONDS [IP])");
		break;
	}
}

static void
control_accept(struct control *ctl)
{
	int fd, i;

	while ((fd = accept4(ctl->fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (ctl->clients[i].fd == -1)
				break;
		if (i == CONTROL_MAX_CLIENTS) {
			log_warnx("control: too many clients, refusing one");
			close(fd);
			continue;
		}
		memset(&ctl->clients[i], 0, sizeof(ctl->clients[i]));
		ctl->clients[i].fd = fd;
		buf_init(&ctl->clients[i].out);
	}
}

static void
control_read(struct control_client *c, const struct control_ops *ops,
    void *ops_arg)
{
	ssize_t n;
	char *nl;

	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		control_drop(c);
		return;
	}
	if (n < 0 || c->subscriber || c->close_after)
		return;		/* subscribers' input is ignored */
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	if ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		*nl = '\0';
		control_command(c, ops, ops_arg, c->in);
		c->inlen = 0;
	} else if (c->inlen == sizeof(c->in) - 1) {
		control_reply_error(c, "command line too long");
		c->close_after = 1;
	}
}

static void
control_write(struct control_client *c)
{
	ssize_t n;

	while (c->out.len > c->outoff) {
		n = send(c->fd, c->out.data + c->outoff, c->out.len - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				control_drop(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	buf_reset(&c->out);
	c->outoff = 0;
	c->queued = 0;
	if (c->close_after)
		control_drop(c);
}

void
control_handle(struct control *ctl, const struct control_ops *ops,
    void *ops_arg, struct pollfd *pfd, int n)
{
	int i, j;

	if (n == 0)
		return;
	for (j = 1; j < n; j++) {
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
			struct control_client *c = &ctl->clients[i];

			if (c->fd != pfd[j].fd)
				continue;
			if (pfd[j].revents & (POLLIN | POLLHUP | POLLERR))
				control_read(c, ops, ops_arg);
			if (c->fd != -1 && c->out.len > c->outoff)
				control_write(c);
			break;
		}
	}
	if (pfd[0].revents & POLLIN)
		control_accept(ctl);
}

void
control_broadcast(struct control *ctl, const char *line, size_t len)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c = &ctl->clients[i];

		if (c->fd == -1 || !c->subscriber)
			continue;
		if (c->queued >= CONTROL_QUEUE_MAX_EVENTS ||
		    c->out.len - c->outoff + len > CONTROL_QUEUE_MAX_BYTES) {
			log_warnx("control: event subscriber does not read;"
			    " cutting it off after %zu queued events",
			    c->queued);
			control_drop(c);
			continue;
		}
		buf_append(&c->out, line, len);
		c->queued++;
		control_write(c);
	}
}
