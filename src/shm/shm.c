/*
 * shm.c - POSIX shared-memory objects (see shm.h).
 *
 * Design: creation is exclusive (O_EXCL) and sized with ftruncate, so a
 * segment starts zero-filled and sparse: only the pages someone writes
 * cost memory, and a header of zeros is never mistaken for a valid one
 * (every layout has a magic).  A creation that fails half-way removes
 * what it made.  Attaching maps the object's whole size as fstat tells
 * it, so a reader sees exactly what the supervisor sized; each module
 * then checks its own magic, version and layout.  This file knows no
 * layout: the state, rings, event backlog and metrics call it.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "shm.h"

void
shm_name(char *out, size_t outsz, pid_t supervisor, const char *what_fmt,
    ...)
{
	va_list ap;
	int n;

	n = snprintf(out, outsz, "/" SHM_PREFIX ".%d.", (int)supervisor);
	if (n < 0 || (size_t)n >= outsz)
		return;
	va_start(ap, what_fmt);
	vsnprintf(out + n, outsz - (size_t)n, what_fmt, ap);
	va_end(ap);
}

void *
shm_create(const char *name, size_t size_bytes, size_t map_bytes)
{
	void *mem;
	int fd, saved;

	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return NULL;
	if (ftruncate(fd, (off_t)size_bytes) == -1)
		goto fail;
	mem = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		goto fail;
	close(fd);
	return mem;
fail:
	saved = errno;
	close(fd);
	shm_unlink(name);
	errno = saved;
	return NULL;
}

void *
shm_attach(const char *name, int writable, size_t min_bytes,
    size_t *size_bytes, int *fd_out)
{
	struct stat sb;
	void *mem;
	int fd, saved;

	fd = shm_open(name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &sb) == -1 || (size_t)sb.st_size < min_bytes ||
	    sb.st_size == 0) {
		close(fd);
		errno = EPROTO;
		return NULL;
	}
	mem = mmap(NULL, (size_t)sb.st_size, PROT_READ |
	    (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	if (fd_out != NULL)
		*fd_out = fd;
	else
		close(fd);
	*size_bytes = (size_t)sb.st_size;
	return mem;
}

void
shm_detach(void *mem, size_t size_bytes)
{
	if (mem != NULL && munmap(mem, size_bytes) == -1)
		log_warn("munmap");
}

int
shm_remove(const char *name)
{
	return shm_unlink(name);
}

/* 1 when the objects of supervisor PID are leftovers: PID is SELF or is
 * gone (not merely another user's: EPERM). */
static int
shm_pid_gone(long pid, pid_t self)
{
	if (pid <= 0)
		return 0;
	if (pid == (long)self)
		return 1;
	return kill((pid_t)pid, 0) == -1 && errno != EPERM;
}

int
shm_sweep(const char *prefix, pid_t self)
{
	size_t plen = strlen(prefix);
	struct dirent *de;
	char name[300], *end;
	int removed = 0;
	DIR *d;
	long pid;

	if ((d = opendir(SHM_DIR)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    de->d_name[plen] != '.')
			continue;
		pid = strtol(de->d_name + plen + 1, &end, 10);
		if (end == de->d_name + plen + 1 || !shm_pid_gone(pid, self))
			continue;
		snprintf(name, sizeof(name), "/%s", de->d_name);
		if (shm_unlink(name) == 0) {
			log_info("removed stale shared memory %s", name);
			removed++;
		}
	}
	closedir(d);
	return removed;
}
