/*
 * ace_status.h - the AceStream part of /status, ringcastctl status and
 * /metrics, rendered from the state segment (see status.c).
 */
#ifndef RINGCAST_ACE_STATUS_H
#define RINGCAST_ACE_STATUS_H

#include "json.h"
#include "state.h"

/* ,"acestream":{...} of stream SLOT, when it is a content-id stream. */
void	 ace_status_json_stream(const struct state *, int slot, struct buf *);
/* ,"acestream":{"engines":[...],...} when engines are configured. */
void	 ace_status_json(const struct state *, struct buf *);
/* A line under stream SLOT's row, when it is a content-id stream. */
void	 ace_status_text_stream(const struct state *, int slot, struct buf *);
/* The engine table, when engines are configured. */
void	 ace_status_text(const struct state *, struct buf *);
void	 ace_status_prometheus(const struct state *, struct buf *);
/* /playlist.m3u: "\nBASE/ace/getstream?id=ID\n" for a content-id stream
 * (players come back through the route that makes it): 0, else -1. */
int	 ace_status_m3u_url(const struct state *, int slot,
	    const char *base_url, struct buf *);

#endif
