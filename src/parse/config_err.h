/*
 * config_err.h - the problems one parse of ringcast.conf found, each
 * "FILE:LINE: message" (internal to the config_* modules).
 */
#ifndef RINGCAST_CONFIG_ERR_H
#define RINGCAST_CONFIG_ERR_H

#include <stddef.h>

#include <libconfig.h>

#define CONFIG_ERRS_MAX	1000	/* stop recording after this many */

/* One recorded problem. */
struct config_err {
	const char	*file;		/* owned by libconfig or the caller */
	int		 line;
	char		*msg;
};

/* State of one parse. */
struct config_ctx {
	const char		*filename;	/* for settings libconfig has
						 * no file for */
	const char		*incdir;	/* where @include files are, or
						 * NULL */
	struct config_err	*errs;
	int			 n_errs;
	int			 cap_errs;
	int			 dropped;	/* errors past CONFIG_ERRS_MAX
						 * or lost to ENOMEM */
};

void	 cerror_at(struct config_ctx *, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Record a problem at setting S (its file and line). */
void	 cerror(struct config_ctx *, const config_setting_t *s,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "unknown key 'NAME'" at setting S. */
void	 cerror_unknown(struct config_ctx *, const config_setting_t *s);
/* "S must be WANT, not <S's type>". */
void	 cerror_type(struct config_ctx *, const config_setting_t *s,
	    const char *want);
/* "a group", "an integer", ... for a CONFIG_TYPE_*. */
const char *config_type_name(int type);
/* strdup(STR), recording "out of memory" at S when it fails. */
char	*config_strdup(struct config_ctx *, const config_setting_t *s,
	    const char *str);
/* Sort the problems by line (when all in one file), write them to ERRS
 * as whole lines within ERRSZ bytes, then forget them. */
void	 config_ctx_report(struct config_ctx *, char *errs, size_t errsz);

#endif
