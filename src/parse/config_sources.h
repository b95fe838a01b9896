/*
 * config_sources.h - the `sources` list of ringcast.conf: providers'
 * channel lists (internal to the config_* modules; config_api.c frees
 * them, config.h has config_sources_differ).
 */
#ifndef RINGCAST_CONFIG_SOURCES_H
#define RINGCAST_CONFIG_SOURCES_H

#include <libconfig.h>

#include "config.h"
#include "config_err.h"

/* Walk the list S (`sources = ( { ... }, ... )`) into CFG. */
void	 config_sources_walk(struct config_ctx *, struct config *cfg,
	    const config_setting_t *s);

#endif
