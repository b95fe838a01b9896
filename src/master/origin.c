/*
 * origin.c - what every dynamic-stream origin shares (see origin.h).
 *
 * A refusal (status, Retry-After, reason) is filled the same way by the
 * supervisor and by each origin, so it is written once here.  This file
 * knows no origin: the origins and the supervisor call it, it calls
 * nothing of theirs (the table of origins is origins.c).
 */
#include <stdarg.h>
#include <stdio.h>

#include "origin.h"

void
origin_refuse(struct origin_refusal *r, unsigned status,
    unsigned retry_after_s, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	r->retry_after_s = retry_after_s;
	r->wait_s = 0;
	r->wait_max = 0;
	r->count_after_wait = NULL;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}
