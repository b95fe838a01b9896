/*
 * client.h - connections that outlive one call of the access handler:
 * clients waiting suspended, the ring mappings they share, and the wake
 * loop that resumes them (client.c).  The routes reach it through
 * routes.h; the worker runs the wake loop.
 */
#ifndef RINGCAST_CLIENT_H
#define RINGCAST_CLIENT_H

#include "http.h"

/*
 * Take client C off a doubly linked list of clients: HEAD and TAIL are
 * the list's ends (lvalues), PREV and NEXT the names of C's links in it
 * (the suspended list: prev, next; the sender's lists: fan_prev,
 * fan_next).  A macro, as <sys/queue.h>'s TAILQ_REMOVE, because the
 * lists keep their ends and links in fields of their own.
 */
#define CLIENT_LIST_REMOVE(head, tail, c, prev, next) do {		\
	if ((c)->prev != NULL)						\
		(c)->prev->next = (c)->next;				\
	else								\
		(head) = (c)->next;					\
	if ((c)->next != NULL)						\
		(c)->next->prev = (c)->prev;				\
	else								\
		(tail) = (c)->prev;					\
	(c)->prev = (c)->next = NULL;					\
} while (0)

/* ---- clients ---- */
/* A new client of SLOT (not yet counted or suspended); NULL on ENOMEM. */
struct client *http_client_new(struct worker *, struct MHD_Connection *,
	    int slot, const struct slot_cfg *, enum client_kind);
/* Under w->lock: add a client to the suspended list and suspend it. */
void	 http_client_suspend(struct worker *, struct client *);
/* Under w->lock: 1 ready (c->rr and c->pos set), 0 suspended now (the
 * fetcher was asked for), -1 gave up. */
int	 http_client_wait(struct worker *, struct client *);
/*
 * A client waiting for the supervisor's answer (CLIENT_ADMIN,
 * CLIENT_CREATE) was resumed: 1 when it has none yet and was suspended
 * again (return MHD_YES), 0 when it is to be answered now (answered,
 * timed out, or the worker stops).  Takes w->lock.
 */
int	 http_client_wait_answer(struct worker *, struct client *);
/* Where a new reader of RR should start: 0 and *POS, or -1 (not yet). */
int	 http_client_start_pos(struct client *, struct ring_ref *,
	    uint64_t *pos);
/* 1 when the slot still carries the stream this client asked for. */
int	 http_client_stream_alive(struct worker *, struct client *);
/* Under w->lock: move a TS client to its slot's newest ring when the
 * fetcher restarted (at its first random-access point); 0, or -1 when
 * there is none yet (it keeps the ring it has). */
int	 http_client_follow_ring(struct worker *, struct client *);
/* 1 when the stream was stopped (ringcastctl stop, idle). */
int	 http_client_stream_stopped(struct worker *, struct client *);
/* List TS client C in the state segment's client table (its address,
 * User-Agent, route, since now). */
void	 http_client_listed(struct worker *, struct client *c);
/* Whether C's user, with C listed, has more players than its
 * max_connections (another request of the user passed the check in
 * the same instant): 1, and C's record is released (C is refused). */
int	 http_client_over_limit(struct worker *, struct client *c);
/* Whether C's record was asked to close (access_limit.c): 1, and C is
 * marked ending. */
int	 http_client_closing(struct worker *, struct client *c);
/* Once every HTTP_FIGURES_MS: C's bytes, rate and lag into its record
 * (the thread that sends C's bytes calls it). */
void	 http_client_figures(struct worker *, struct client *c, uint64_t now);
/* A TS client event (client_connected, client_disconnected). */
void	 http_client_event(struct client *, const char *event);
/* The request of client C completed: uncount it, let go of its ring,
 * run its route's DONE hook and free it. */
void	 http_client_completed(struct worker *, struct client *c);
/*
 * Wait, suspended, until SLOT's stream can serve KIND: 1 ready (the
 * client in *CON_CLS holds a ring reference), 0 suspended (return
 * MHD_YES), -1 gave up (answer 503 or 404).  *CON_CLS is created on the
 * first call.
 */
int	 http_wait_stream(struct worker *, struct MHD_Connection *, int slot,
	    const struct slot_cfg *, enum client_kind, void **con_cls);

/*
 * The engine's refusal of stream NAME, remembered in the state segment
 * (acestream.error_cache): 1 with *RET, the answer sent (its 404 or 502,
 * JSON {"error": "engine: TEXT", "engine": URL, "stream": NAME}), or 0.
 */
int	 http_client_refused(struct worker *, struct MHD_Connection *,
	    const char *name, enum MHD_Result *ret);
/* The answer to a waiting client whose stream NAME went away: its
 * refusal, else 404. */
enum MHD_Result http_client_gone(struct worker *, struct MHD_Connection *,
	    const char *name);

/* ---- ring mappings shared by the connections (under w->lock) ---- */
struct ring_ref *ring_ref_get(struct worker *, int slot);
void	 ring_ref_put(struct worker *, struct ring_ref *);

/* ---- the wake loop ---- */
/*
 * Under w->lock: resume suspended clients that can progress, oldest
 * first, and those suspended for HTTP_REVIVE_MS (so that libmicrohttpd
 * notices a player that went away); at most MAX of them (0: no limit,
 * and every client).  Returns 1 when MAX was reached before the end.
 */
int	 http_wake(struct worker *, int max);
/* Shutdown: end every streaming response. */
void	 http_end_all(struct worker *);

#endif
