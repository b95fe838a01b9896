/*
 * channels.h - what the supervisor asks the lineup origin (channels.c)
 * besides its origin hooks: whether the lineup changed, and whether a
 * running channel's stream is still in it.
 */
#ifndef RINGCAST_CHANNELS_H
#define RINGCAST_CHANNELS_H

#include <stdint.h>

/* Load STATE_DIR/channels.json again if it changed on disk (one stat,
 * cheap enough for every tick); the generation of the lineup held then,
 * one more at each load (0: none loaded yet). */
uint64_t lineup_poll(void);
/* 1 when the lineup last loaded no longer plays the channel NAME (it is
 * gone, or disabled), 0 while it does. */
int	 lineup_gone(const char *name);

#endif
