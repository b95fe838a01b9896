/*
 * pidfile.h - the daemon's pid file.
 */
#ifndef RINGCAST_PIDFILE_H
#define RINGCAST_PIDFILE_H

#include <sys/types.h>

/*
 * Create PATH holding our pid.  Refuses (-1, errno EEXIST, *OTHER set)
 * when it names a live process; replaces a stale one.  The file is locked
 * with fcntl for as long as FD stays open.
 */
int	 pidfile_create(const char *path, pid_t *other);
/* Pid of the process holding PATH's lock (a running daemon), or 0. */
pid_t	 pidfile_locked(const char *path);
/* Pid recorded in PATH, or -1. */
pid_t	 pidfile_read(const char *path);

#endif
