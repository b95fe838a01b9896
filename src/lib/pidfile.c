/*
 * pidfile.c - pid file handling.
 *
 * A pid file is trusted only if the process it names is alive and the file
 * is locked (the running daemon keeps a write lock on it), so a stale file
 * left by a crash or a reboot never stops the daemon from starting.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidfile.h"

pid_t
pidfile_read(const char *path)
{
	char buf[32];
	ssize_t n;
	long pid;
	char *end;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (pid <= 0 || (*end != '\n' && *end != '\0'))
		return -1;
	return (pid_t)pid;
}

pid_t
pidfile_locked(const char *path)
{
	struct flock fl;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == -1 || fl.l_type == F_UNLCK)
		fl.l_pid = 0;
	close(fd);
	return fl.l_pid;
}

int
pidfile_create(const char *path, pid_t *other)
{
	char buf[32];
	struct flock fl;
	int fd, len;

	*other = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		pid_t pid = pidfile_read(path);

		close(fd);
		if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)) {
			*other = pid;
			errno = EEXIST;
			return -1;
		}
		errno = EAGAIN;
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, buf, (size_t)len) != len) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
