/*
 * findfile.h - a data file of a test program (the origin's sample, the
 * engine's media) found from the working directory or, failing that,
 * relative to the executable, so the program runs from anywhere.
 */
#ifndef RINGCAST_TEST_FINDFILE_H
#define RINGCAST_TEST_FINDFILE_H

#include <stddef.h>

/*
 * REL (a path from the repository root) when it is readable from the
 * working directory; else EXE_DIR/../../REL (written into BUF) when that
 * is readable, the executable being build/tests/PROGRAM; else REL, for
 * the caller's error message.
 */
const char	*findfile(const char *rel, char *buf, size_t bufsz);

#endif
