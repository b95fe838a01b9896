/*
 * config_walk.h - read a parsed libconfig tree into a struct config
 * through the key table (internal to the config_* modules).
 */
#ifndef RINGCAST_CONFIG_WALK_H
#define RINGCAST_CONFIG_WALK_H

#include <libconfig.h>

#include "config.h"
#include "config_err.h"

/* Walk ROOT into CFG (which holds the defaults), recording every problem
 * in C; then check the rules of the whole file. */
void	 config_walk(struct config_ctx *, struct config *cfg,
	    const config_setting_t *root);

#endif
