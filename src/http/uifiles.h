/*
 * uifiles.h - the status page's files, compiled into ringcastd.
 *
 * The table is generated at build time from src/http/ui/ by
 * scripts/embed-files (into $(B)/gen/uifiles.c); http_ui.c serves it.
 */
#ifndef RINGCAST_UIFILES_H
#define RINGCAST_UIFILES_H

#include <stddef.h>

struct ui_file {
	const char		*name;	/* file name in src/http/ui/: "app.js" */
	const unsigned char	*data;
	size_t			 len;
};

extern const struct ui_file	ui_files[];
extern const size_t		ui_files_count;

#endif
