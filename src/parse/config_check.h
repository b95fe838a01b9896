/*
 * config_check.h - the checks of ringcast.conf's values and of the rules
 * between keys (internal to the config_* modules).  Each records its
 * problems in the parse's config_ctx and returns -1 when it found one.
 */
#ifndef RINGCAST_CONFIG_CHECK_H
#define RINGCAST_CONFIG_CHECK_H

#include <libconfig.h>

#include "config.h"
#include "config_err.h"
#include "config_keys.h"

/* 1 when S holds a control character (or a space, with SPACE_TOO). */
int	 config_has_ctrl(const char *s, int space_too);
/* V, the value of setting S, against K's string flags. */
int	 config_check_string(struct config_ctx *, const struct keydef *k,
	    const config_setting_t *s, const char *v);
/* URL in setting S (WHAT names it): http(s), or file:// too. */
int	 config_check_url(struct config_ctx *, const config_setting_t *s,
	    const char *what, const char *url, int allow_file);

/* Elements of lists, each E holding the string V. */
int	 config_check_listen(struct config_ctx *, const config_setting_t *e,
	    const char *v);
int	 config_check_origin(struct config_ctx *, const config_setting_t *e,
	    const char *v);
int	 config_check_backup(struct config_ctx *, const config_setting_t *e,
	    const char *v);
int	 config_check_engine(struct config_ctx *, const config_setting_t *e,
	    const char *v);
int	 config_check_parent(struct config_ctx *, const config_setting_t *e,
	    const char *v);
int	 config_check_glob(struct config_ctx *, const config_setting_t *e,
	    const char *v);

/* Rules between the options O, checked in scope G (`defaults`, a
 * stream, acestream) only when G sets one of the keys involved. */
void	 config_check_opts(struct config_ctx *, const struct stream_opts *o,
	    const config_setting_t *g);
/* loop = true needs file:// urls (stream group G). */
void	 config_check_loop(struct config_ctx *, const struct stream_conf *st,
	    const config_setting_t *g);
/* number: digits, or digits.digits (a GuideNumber: "5", "5.1"). */
void	 config_check_number(struct config_ctx *, const struct stream_conf *st,
	    const config_setting_t *g);
/* hdhomerun group G: a device_id must be one a tuner may have. */
void	 config_check_hdhr(struct config_ctx *, const struct hdhr_conf *h,
	    const config_setting_t *g);
/* acestream group G: the managed engines' template, ports and counts. */
void	 config_check_managed(struct config_ctx *, struct ace_conf *a,
	    const config_setting_t *g);
/* After the whole file: memory budget, edge keys, stream slots, token
 * lengths. */
void	 config_check_root(struct config_ctx *, const struct config *cfg,
	    const config_setting_t *root);

/* The elements of a list before the one being walked, each with a name
 * (char array at NAME_OFF) and the line it was defined on (int at
 * LINE_OFF): N of SIZE bytes from BASE. */
struct config_names {
	const void	*base;
	int		 n;
	size_t		 size, name_off, line_off;
};
/* Setting S, the name of a list element (WHAT: "source", "user"): a
 * stream-name-like string no element of PREV has, copied into OUT
 * (OUTSZ bytes).  0, or -1 (reported). */
int	 config_check_list_name(struct config_ctx *, const config_setting_t *s,
	    const char *what, const struct config_names *prev, char *out,
	    size_t outsz);

/* A list of groups (`sources`, `users`, `channels`): SHAPE for the type
 * error ("a list ( { ... }, { ... } )"), WHAT ("sources") and HINT
 * (appended, or NULL) for the one about more than MAX elements of SIZE
 * bytes. */
struct config_group_list {
	const char	*shape, *what, *hint;
	int		 max;
	size_t		 size;
};
/* The zeroed array for list S (*N elements), or NULL with *N 0: empty,
 * or not a fitting list (reported). */
void	*config_check_group_list(struct config_ctx *, const config_setting_t *s,
	    const struct config_group_list *gl, int *n);
/* Setting S, a count with 0 for no limit (UNIT: "streams"), into *OUT:
 * 0, or -1 (reported). */
int	 config_check_count(struct config_ctx *, const config_setting_t *s,
	    const char *unit, int *out);

#endif
