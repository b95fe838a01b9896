/*
 * dispatch.h - the worker's libmicrohttpd callbacks: a request's way to
 * its route (dispatch.c).  The worker (worker.c) registers these; no
 * route calls them.
 */
#ifndef RINGCAST_DISPATCH_H
#define RINGCAST_DISPATCH_H

#include "http.h"

/* The access handler: the route W->routes gives, or 404/405. */
enum MHD_Result http_dispatch(struct worker *, struct MHD_Connection *,
	    const char *url, const char *method, size_t *upload_data_size,
	    void **con_cls);
/*
 * The URI callback (MHD_OPTION_URI_LOG_CALLBACK, CLS the worker): checks
 * the raw request target (uri.h) before libmicrohttpd decodes it or
 * parses its arguments; returns the request's first *con_cls.
 */
void	*http_uri_check(void *cls, const char *uri, struct MHD_Connection *);
/* A connection started (MHD_OPTION_NOTIFY_CONNECTION): answer 400 at
 * once when its first line is one libmicrohttpd would drop unanswered. */
void	 http_first_bytes(struct worker *, struct MHD_Connection *);
/* The completion callback: frees the request's client, if any. */
void	 http_completed(struct worker *, void **con_cls);

#endif
