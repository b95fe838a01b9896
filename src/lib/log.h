/*
 * log.h - logging for every ringcast process.
 *
 * Each line is prefixed with the process role ("supervisor:", "fetcher
 * news:", "worker 2:").  Target is stderr (-f), syslog or a file; the file
 * is reopened on SIGUSR1 by log_reopen().
 */
#ifndef RINGCAST_LOG_H
#define RINGCAST_LOG_H

#include <stdarg.h>
#include <syslog.h>

enum log_dest {
	LOG_DEST_STDERR = 0,
	LOG_DEST_SYSLOG,
	LOG_DEST_FILE,
};

int	 log_init(enum log_dest, const char *file, int level);
void	 log_set_role(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
const char *log_role(void);
void	 log_set_level(int level);
int	 log_get_level(void);
int	 log_reopen(void);
/* Async-signal-safe: ask for a reopen before the next line is written
 * (children's SIGUSR1 handler). */
void	 log_request_reopen(int sig);
/* Descriptor a child must keep (-1 if none); call log_after_fork() in the
 * child once the other descriptors are closed. */
int	 log_fd(void);
void	 log_after_fork(void);
int	 log_level_from_name(const char *);

void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
