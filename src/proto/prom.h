/*
 * prom.h - the Prometheus text format (version 0.0.4) as /metrics writes
 * it: "# HELP" and "# TYPE" lines, plain samples, and samples with
 * labels whose values are escaped so that a stream name or URL can never
 * break out of its quotes.
 *
 * One writer for status.c and ace_status.c, so every series of /metrics
 * is spelled the same way.
 */
#ifndef RINGCAST_PROM_H
#define RINGCAST_PROM_H

#include "json.h"

/* "# HELP NAME HELP\n# TYPE NAME TYPE\n" (TYPE: counter, gauge). */
void	 prom_help(struct buf *, const char *name, const char *type,
	    const char *help);
/* "NAME V\n": a sample without labels. */
void	 prom_uint(struct buf *, const char *name, unsigned long long v);
/* "NAME{LABEL=\"VALUE\"} V\n": a sample with one label. */
void	 prom_series(struct buf *, const char *name, const char *label,
	    const char *value, unsigned long long v);
/*
 * A sample with several labels, written in three steps:
 * prom_labels_begin() gives NAME{LABEL="VALUE", each prom_label() one
 * more ,LABEL="VALUE", and prom_labels_end() the closing "} ", after
 * which the caller writes the value and its newline.
 */
void	 prom_labels_begin(struct buf *, const char *name, const char *label,
	    const char *value);
void	 prom_label(struct buf *, const char *label, const char *value);
void	 prom_labels_end(struct buf *);

#endif
