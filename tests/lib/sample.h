/*
 * sample.h - tests/media/sample.ts for the unit tests that read a real
 * stream (test_tsscan.c, test_pace.c), found the same way by each.
 *
 * Header-only: the unit tests link the library modules and their own
 * object, nothing else.  Calls only libc.
 */
#ifndef RINGCAST_TEST_SAMPLE_H
#define RINGCAST_TEST_SAMPLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The sample, opened for reading: the file RINGCAST_SAMPLE_TS names, or
 * tests/media/sample.ts from the repository root, or relative to this
 * header whatever the working directory.  NULL when there is none (the
 * caller fails: a missing corpus is a failure, not a skip).
 */
static inline FILE *
sample_open(void)
{
	const char	*env = getenv("RINGCAST_SAMPLE_TS");
	char		 path[1024];
	const char	*slash;
	FILE		*fp;

	if (env != NULL && (fp = fopen(env, "rb")) != NULL)
		return fp;
	if ((fp = fopen("tests/media/sample.ts", "rb")) != NULL)
		return fp;
	if ((slash = strrchr(__FILE__, '/')) != NULL) {
		snprintf(path, sizeof(path), "%.*s/../media/sample.ts",
		    (int)(slash - __FILE__), __FILE__);
		if ((fp = fopen(path, "rb")) != NULL)
			return fp;
	}
	return NULL;
}

#endif
