/*
 * users_file.h - the users_file of ringcast.conf (users_file.c): one
 * user a line, "name:sha256-hex:max_connections:glob,glob,...", '#'
 * comments and blank lines.  Pure: the worker reads the file, this
 * parses its text.
 */
#ifndef RINGCAST_USERS_FILE_H
#define RINGCAST_USERS_FILE_H

#include <stddef.h>

#include "config.h"

#define USERS_FILE_LINE_MAX	8192		/* bytes of one line */
#define USERS_FILE_MAX_USERS	100000
#define USERS_FILE_MAX_BYTES	(16 * 1024 * 1024)	/* read at most */

/* A bad line: its number (1..) and why, never its text (it may hold a
 * hash). */
typedef void users_file_report_fn(void *arg, int line, const char *why);

/*
 * Parse the LEN bytes at TEXT: every good line becomes a user of *OUT
 * (*N of them; *OUT NULL when none), every bad line is REPORTed and
 * skipped (a bad name, hash, number or glob, a name or a hash seen on
 * an earlier line, a line too long, users past USERS_FILE_MAX_USERS).
 * *BAD counts the bad lines.  0, or -1 out of memory (nothing kept).
 * Free *OUT with config_users_free.
 */
int	 users_file_parse(const char *text, size_t len, struct user_conf **out,
	    int *n, int *bad, users_file_report_fn *report, void *arg);

#endif
