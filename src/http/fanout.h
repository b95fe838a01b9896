/*
 * fanout.h - a worker's TS sender: continuous /stream/NAME bodies sent
 * straight from the ring by one thread of the worker, on its own epoll
 * set, after libmicrohttpd has sent the response head (see fanout.c).
 */
#ifndef RINGCAST_FANOUT_H
#define RINGCAST_FANOUT_H

#include "http.h"

/* Start W's sender (w->fan).  -1 when it cannot: W->fan stays NULL and
 * libmicrohttpd serves the bodies through the content reader instead. */
int	 fanout_start(struct worker *);
/* Hand every client back (their responses end) and stop the sender. */
void	 fanout_stop(struct worker *);
/*
 * From the TS content reader, on libmicrohttpd's thread, under w->lock,
 * once the head is out: suspend C's connection and give its socket to
 * the sender.  0 when taken (the reader returns 0), -1 when not (serve it
 * through the reader).  The sender gives it back with c->fan =
 * FAN_RETURNED and the connection resumed: the reader then ends the
 * response.
 */
int	 fanout_take(struct worker *, struct client *);
/* Clients the sender holds now (any thread). */
int	 fanout_clients(struct worker *);

#endif
