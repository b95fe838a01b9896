/*
 * config_channels.h - the `channels` overrides and `removed_channels`
 * of ringcast.conf (internal to the config_* modules).
 */
#ifndef RINGCAST_CONFIG_CHANNELS_H
#define RINGCAST_CONFIG_CHANNELS_H

#include <libconfig.h>

#include "config.h"
#include "config_err.h"

/* Walk the list S (`channels = ( { match = ...; ... }, ... )`) into CFG. */
void	 config_channels_walk(struct config_ctx *, struct config *cfg,
	    const config_setting_t *s);
/* Walk `removed_channels = "drain" | "stop"`. */
void	 config_removed_walk(struct config_ctx *, struct config *cfg,
	    const config_setting_t *s);
/* 1 when A and B differ in `channels`. */
int	 config_channels_differ(const struct config *a,
	    const struct config *b);

#endif
