/*
 * proctitle.c - process titles.
 *
 * Linux shows /proc/PID/cmdline, which is the memory of argv.  As nginx
 * and OpenSSH do, we move environ out of the way so that argv and the
 * environment strings behind it form one writable area for the title, and
 * also set the 15-character comm name with prctl(PR_SET_NAME).
 */
#include <sys/prctl.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proctitle.h"

extern char **environ;

static char	*title_start;
static size_t	 title_len;
char		**proctitle_environ;	/* our copy of the environment: kept */

void
proctitle_init(int argc, char **argv)
{
	char *begin, *end, **newenv;
	int i, n;

	if (argc == 0 || argv[0] == NULL)
		return;
	begin = argv[0];
	end = argv[0] + strlen(argv[0]) + 1;
	for (i = 1; i < argc && argv[i] == end; i++)
		end = argv[i] + strlen(argv[i]) + 1;
	for (n = 0; environ[n] != NULL; n++)
		;
	if ((newenv = calloc((size_t)n + 1, sizeof(char *))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (environ[i] == end)
			end = environ[i] + strlen(environ[i]) + 1;
		if ((newenv[i] = strdup(environ[i])) == NULL)
			return;
	}
	/* getopt and later code keep using argv: give them copies. */
	for (i = 0; i < argc; i++)
		if ((argv[i] = strdup(argv[i])) == NULL)
			return;
	environ = proctitle_environ = newenv;
	title_start = begin;
	title_len = (size_t)(end - begin);
}

void
proctitle_set(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* comm stays "ringcastd" so pgrep, pidof and top find every process */
	prctl(PR_SET_NAME, "ringcastd", 0, 0, 0);
	if (title_start == NULL || title_len < 2)
		return;
	memset(title_start, 0, title_len);
	snprintf(title_start, title_len, "%s", buf);
}
