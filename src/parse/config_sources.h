/*
 * config_sources.h - the `sources` list of ringcast.conf: providers'
 * channel lists (internal to the config_* modules but for
 * config_source_find).
 */
#ifndef RINGCAST_CONFIG_SOURCES_H
#define RINGCAST_CONFIG_SOURCES_H

#include <libconfig.h>

#include "config.h"
#include "config_err.h"

/* Walk the list S (`sources = ( { ... }, ... )`) into CFG. */
void	 config_sources_walk(struct config_ctx *, struct config *cfg,
	    const config_setting_t *s);
/* Free CFG's sources. */
void	 config_sources_free(struct config *cfg);

#endif
