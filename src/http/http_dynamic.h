/*
 * http_dynamic.h - the worker's half of dynamic streams (origin.h): a
 * mechanism below the route families, next to http.c.
 */
#ifndef RINGCAST_HTTP_DYNAMIC_H
#define RINGCAST_HTTP_DYNAMIC_H

#include "config.h"
#include "http.h"
#include "msg.h"

/*
 * Resolve KEY of ORIGIN to a stream slot, asking the supervisor to make
 * the stream when it does not exist yet; the connection waits suspended
 * (a CLIENT_CREATE in *CON_CLS) for the answer.  Returns the slot (>= 0)
 * once the stream exists: *CON_CLS is NULL again and the caller goes on
 * exactly as for a named stream (by name KEY).  Returns -1 when the
 * request is waiting or was answered (a refusal: the supervisor's
 * status, a JSON reason and Retry-After); the handler then returns *RET.
 * A CLIENT_CREATE resumes in the handler of its URL's route, which calls
 * this again with the same *CON_CLS.
 */
int	 http_dynamic_resolve(struct worker *, struct MHD_Connection *,
	    enum stream_origin, const char *key, void **con_cls,
	    enum MHD_Result *ret);
/* The same, with ARGS for the origin's create() (NULL: none). */
int	 http_dynamic_resolve_args(struct worker *, struct MHD_Connection *,
	    enum stream_origin, const char *key, const char *args,
	    void **con_cls, enum MHD_Result *ret);
/* MSG_STREAM_CREATE_REPLY: the supervisor answered (main thread). */
void	 http_dynamic_reply(struct worker *, const struct msg *);

#endif
