/*
 * log.c - logging for every ringcast process.
 *
 * Modelled on OpenBSD's log.c: log_warn adds strerror(errno), log_warnx
 * does not, fatal/fatalx log and exit.  The role prefix is per process
 * (set after fork), so one log shows who said what.  Control characters in
 * a message are escaped so that upstream data or client input can never
 * forge a log line.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "redact.h"

#define LOG_LINE_MAX	2048

static enum log_dest	 log_dest = LOG_DEST_STDERR;
static int		 log_level = LOG_INFO;
static int		 log_file_fd = -1;
static char		 log_path[1024];
static char		 log_role_buf[96] = "ringcastd";
static volatile sig_atomic_t log_reopen_wanted;

static int
log_open_file(void)
{
	int fd;

	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	if (log_file_fd != -1)
		close(log_file_fd);
	log_file_fd = fd;
	return 0;
}

int
log_init(enum log_dest dest, const char *file, int level)
{
	log_dest = dest;
	log_level = level;
	if (dest == LOG_DEST_SYSLOG)
		openlog("ringcastd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (dest == LOG_DEST_FILE) {
		if (file == NULL || strlen(file) >= sizeof(log_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		strcpy(log_path, file);
		return log_open_file();
	}
	return 0;
}

int
log_reopen(void)
{
	if (log_dest != LOG_DEST_FILE)
		return 0;
	return log_open_file();
}

void
log_request_reopen(int sig)
{
	(void)sig;
	log_reopen_wanted = 1;
}

int
log_fd(void)
{
	return log_dest == LOG_DEST_FILE ? log_file_fd : -1;
}

void
log_after_fork(void)
{
	if (log_dest == LOG_DEST_SYSLOG) {
		closelog();
		openlog("ringcastd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void
log_set_role(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log_role_buf, sizeof(log_role_buf), fmt, ap);
	va_end(ap);
}

const char *
log_role(void)
{
	return log_role_buf;
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

int
log_level_from_name(const char *name)
{
	static const struct { const char *name; int level; } names[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].level;
	return -1;
}

/* Copy MSG into OUT escaping control characters (no forged lines). */
static void
log_sanitize(char *out, size_t outsz, const char *msg)
{
	size_t o = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)msg; *p != '\0' && o + 5 < outsz; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += snprintf(out + o, outsz - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
}

static void
log_emit(int pri, const char *msg)
{
	char clean[LOG_LINE_MAX], line[LOG_LINE_MAX + 160], ts[32];
	char hidden[LOG_LINE_MAX];
	struct timespec now;
	struct tm tm;
	int n;

	redact_text(msg, hidden, sizeof(hidden));	/* no credentials */
	log_sanitize(clean, sizeof(clean), hidden);
	if (log_dest == LOG_DEST_SYSLOG) {
		syslog(pri, "%s: %s", log_role_buf, clean);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%d]: %s: %s\n", ts,
	    now.tv_nsec / 1000000, "ringcastd", (int)getpid(), log_role_buf,
	    clean);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (write(log_dest == LOG_DEST_FILE && log_file_fd != -1 ? log_file_fd : 2,
	    line, (size_t)n) == -1) {
		/* nowhere left to report it */
	}
}

static void
log_vlog(int pri, const char *fmt, va_list ap, int with_errno)
{
	char msg[LOG_LINE_MAX];
	int saved = errno, n;

	if (log_reopen_wanted) {
		log_reopen_wanted = 0;
		log_reopen();
	}
	if (pri > log_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(saved));
	log_emit(pri, msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
