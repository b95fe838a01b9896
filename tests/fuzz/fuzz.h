/*
 * fuzz.h - what every libFuzzer target in tests/fuzz/ shares: the entry
 * point's prototype, CHECK (a broken promise aborts, so libFuzzer
 * reports it as a crash with its reproducer) and the input as a C string.
 *
 * Header-only (a macro and a static inline function): fuzz.mk links each
 * target from its own object and the library archive, so a shared .c
 * would need a rule of its own for nothing.  It may call only libc.
 */
#ifndef RINGCAST_FUZZ_H
#define RINGCAST_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* COND must hold: otherwise say which check failed, and abort. */
#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * The SIZE bytes at DATA (not NUL-terminated) copied into a malloc'ed C
 * string, for the caller to free.  Never NULL: a failed malloc is a
 * failed CHECK.
 */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
