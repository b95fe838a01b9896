/*
 * findfile.c - a test program's data file found from the working
 * directory or next to the executable (see findfile.h), for the test
 * origin and the test engine.  Calls libc only.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "findfile.h"

const char *
findfile(const char *rel, char *buf, size_t bufsz)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (access(rel, R_OK) == 0)
		return rel;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return rel;
	exe[n] = '\0';
	snprintf(buf, bufsz, "%s/../../%s", dirname(exe), rel);
	return access(buf, R_OK) == 0 ? buf : rel;
}
