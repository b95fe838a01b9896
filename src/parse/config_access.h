/*
 * config_access.h - who may watch: `access`, `users`, users_file and
 * the listen addresses' " internal" flag (internal to the config_*
 * modules; config.h has config_access_differ, config_users_free and
 * config_user_allows).
 */
#ifndef RINGCAST_CONFIG_ACCESS_H
#define RINGCAST_CONFIG_ACCESS_H

#include <libconfig.h>

#include "config.h"
#include "config_err.h"

/* `access = "open" | "users"` (setting S) into CFG. */
void	 config_over_limit_walk(struct config_ctx *, struct config *cfg,
	    const config_setting_t *s);
void	 config_access_walk(struct config_ctx *, struct config *cfg,
	    const config_setting_t *s);
/* The list S (`users = ( { ... }, ... )`) into CFG. */
void	 config_users_walk(struct config_ctx *, struct config *cfg,
	    const config_setting_t *s);
/* After the whole file: the listen addresses lose their " internal"
 * (listen_internal says which had it), and the rules between keys. */
void	 config_access_finish(struct config_ctx *, struct config *cfg,
	    const config_setting_t *root);
/* A plain token (TOKEN_CHARS, 1 to CONFIG_TOKEN_MAX - 1 bytes): 1 when
 * T is one. */
#define CONFIG_TOKEN_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
				"abcdefghijklmnopqrstuvwxyz0123456789._~-"
int	 config_token_valid(const char *t);
/* Check the glob V of a user's allow: NULL, or why not. */
const char *config_user_glob_problem(const char *v);

#endif
