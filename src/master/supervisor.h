/*
 * supervisor.h - ringcastd's master process.
 *
 * It reads the configuration, owns the listening sockets, the control
 * socket and every shared-memory object, forks workers and fetchers,
 * respawns them, routes events and applies reloads.  It never touches
 * stream bytes.  struct supervisor, which ringcastd fills (configuration,
 * sockets, pid file) before supervisor_run(), is in sup_private.h with
 * what the supervisor's files share.
 */
#ifndef RINGCAST_SUPERVISOR_H
#define RINGCAST_SUPERVISOR_H

#include "sup_private.h"

/* Run the daemon; returns the process exit code. */
int	 supervisor_run(struct supervisor *);

#endif
