/*
 * prom.c - the Prometheus text writer of /metrics (see prom.h), shared by
 * status.c and ace_status.c.  Label values go through json_escape(): it
 * escapes the quote, the backslash and every control character, a
 * superset of what the text format asks for.  Appends to a struct buf
 * only; a failed allocation is left in b->failed for the caller.
 */
#include <string.h>

#include "prom.h"

void
prom_help(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
prom_uint(struct buf *b, const char *name, unsigned long long v)
{
	buf_printf(b, "%s %llu\n", name, v);
}

void
prom_labels_begin(struct buf *b, const char *name, const char *label,
    const char *value)
{
	buf_printf(b, "%s{%s=\"", name, label);
	json_escape(b, value, strlen(value));
	buf_puts(b, "\"");
}

void
prom_label(struct buf *b, const char *label, const char *value)
{
	buf_printf(b, ",%s=\"", label);
	json_escape(b, value, strlen(value));
	buf_puts(b, "\"");
}

void
prom_labels_end(struct buf *b)
{
	buf_puts(b, "} ");
}

void
prom_series(struct buf *b, const char *name, const char *label,
    const char *value, unsigned long long v)
{
	prom_labels_begin(b, name, label, value);
	prom_labels_end(b);
	buf_printf(b, "%llu\n", v);
}
