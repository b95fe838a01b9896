/*
 * control.h - the control socket: ringcastctl commands and event
 * subscribers (one JSON object a line).
 *
 * The control socket is a mechanism below the supervisor: what a command
 * does is the supervisor's, given as a table of callbacks (struct
 * control_ops) to control_handle, so control.c never names the
 * supervisor.
 */
#ifndef RINGCAST_CONTROL_H
#define RINGCAST_CONTROL_H

#include <poll.h>
#include <stddef.h>

#include "json.h"

#define CONTROL_MAX_CLIENTS		64
#define CONTROL_LISTEN_BACKLOG		16	/* ringcastctl connects */
#define CONTROL_LINE_MAX		1024
#define CONTROL_QUEUE_MAX_BYTES		(4 * 1024 * 1024)
#define CONTROL_QUEUE_MAX_EVENTS	4096

/* What the commands do; ARG is control_handle's OPS_ARG.  Each returns
 * 0, or -1 with a message in ERR (or for the renderers, nothing said). */
struct control_ops {
	int	(*reload)(void *arg, char *err, size_t errsz);
	int	(*start)(void *arg, const char *name, char *err, size_t errsz);
	int	(*stop)(void *arg, const char *name, char *err, size_t errsz);
	/* Append the status as JSON (one object) / as a text table. */
	int	(*status_json)(void *arg, struct buf *);
	int	(*status_text)(void *arg, struct buf *);
	/* Append the metrics of OP (NULL: all) over WINDOW_S (0: every
	 * window) as one JSON object. */
	int	(*metrics_json)(void *arg, const char *op, double window_s,
		    struct buf *);
	/* Append the lineup of `sources` as JSON (channels_json.h). */
	int	(*channels_json)(void *arg, struct buf *);
	/* Append every player (of STREAM when not NULL) as JSON, one
	 * object {"players":[...],...}, or as a text table (clients_view.h). */
	int	(*clients)(void *arg, const char *stream, int json,
		    struct buf *);
	/* Drain (ON) or undrain the AceStream engine ENGINE. */
	int	(*drain)(void *arg, const char *engine, int on, char *err,
		    size_t errsz);
	/* Refresh the source NAME (NULL: every source) now. */
	int	(*refresh)(void *arg, const char *name, char *err,
		    size_t errsz);
	/* url_signing_key ("": none), for `sign` (signed_url.h). */
	const char *(*signing_key)(void *arg);
};

struct control_client {
	int		 fd;		/* -1: free */
	char		 in[CONTROL_LINE_MAX];
	size_t		 inlen;
	struct buf	 out;
	size_t		 outoff;
	size_t		 queued;	/* events not yet written */
	int		 subscriber;
	int		 close_after;	/* close once out is written */
};

struct control {
	int			 fd;	/* listening, -1 when off */
	char			 path[108];
	struct control_client	 clients[CONTROL_MAX_CLIENTS];
};

/* Bind PATH (mode 0660), replacing a stale socket; refuses a live one. */
int	 control_open(struct control *, const char *path);
void	 control_close(struct control *);
/* Add our descriptors to PFD (at most MAX); returns how many. */
int	 control_pollfds(struct control *, struct pollfd *pfd, int max);
/* Handle readiness reported in PFD (as filled by control_pollfds);
 * commands are carried out by OPS with OPS_ARG. */
void	 control_handle(struct control *, const struct control_ops *ops,
	    void *ops_arg, struct pollfd *pfd, int n);
/* Queue a complete event line for every subscriber. */
void	 control_broadcast(struct control *, const char *line, size_t len);
/* Parse one command line: returns the command and points *ARG at its
 * argument (pure, unit-tested). */
enum control_cmd {
	CTL_CMD_INVALID = 0,
	CTL_CMD_STATUS,
	CTL_CMD_STATUS_TEXT,
	CTL_CMD_EVENTS,
	CTL_CMD_RELOAD,
	CTL_CMD_START,
	CTL_CMD_STOP,
	CTL_CMD_METRICS,
	CTL_CMD_CHANNELS,
	CTL_CMD_REFRESH,
	CTL_CMD_CLIENTS,
	CTL_CMD_DRAIN,
	CTL_CMD_UNDRAIN,
	CTL_CMD_SIGN,		/* sign PATH TTL [IP]: {"path":"PATH?exp=.."} */
};
enum control_cmd control_parse(char *line, char **arg);

#endif
