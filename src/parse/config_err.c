/*
 * config_err.c - the problems found in ringcast.conf, as an operator
 * reads them.
 *
 * The walk (config_walk.c) never stops at the first problem: each one is
 * recorded here with the file and line of the setting, and the walk
 * carries on, so `ringcastd -t` shows every mistake at once.  At the end
 * they are sorted by line, as a compiler would show them, and written out
 * as whole lines within the caller's buffer; past CONFIG_ERRS_MAX, or when
 * memory runs out, only their number is kept.
 *
 * Calls: libconfig and libc only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_err.h"

static void
cerror_va(struct config_ctx *c, const char *file, int line,
    const char *fmt, va_list ap)
{
	struct config_err *e;
	va_list ap2;
	char *msg;
	int n;

	if (c->n_errs >= CONFIG_ERRS_MAX) {
		c->dropped++;
		return;
	}
	if (c->n_errs == c->cap_errs) {
		int ncap = c->cap_errs ? c->cap_errs * 2 : 16;

		e = realloc(c->errs, (size_t)ncap * sizeof(*e));
		if (e == NULL) {
			c->dropped++;
			return;
		}
		c->errs = e;
		c->cap_errs = ncap;
	}
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || (msg = malloc((size_t)n + 1)) == NULL) {
		c->dropped++;
		return;
	}
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	e = &c->errs[c->n_errs++];
	e->file = file ? file : c->filename;
	e->line = line;
	e->msg = msg;
}

void
cerror_at(struct config_ctx *c, const char *file, int line, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	cerror_va(c, file, line, fmt, ap);
	va_end(ap);
}

void
cerror(struct config_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cerror_va(c, s ? config_setting_source_file(s) : NULL,
	    s ? (int)config_setting_source_line(s) : 0, fmt, ap);
	va_end(ap);
}

static void
ctx_free(struct config_ctx *c)
{
	int i;

	for (i = 0; i < c->n_errs; i++)
		free(c->errs[i].msg);
	free(c->errs);
	c->errs = NULL;
	c->n_errs = c->cap_errs = 0;
}

/*
 * Errors come out in walk order (`defaults` first).  When they are all in
 * one file, show them by line, as a compiler would (stable: same-line
 * errors keep their order).
 */
static void
ctx_sort(struct config_ctx *c)
{
	struct config_err tmp;
	int i, j;

	for (i = 1; i < c->n_errs; i++)
		if (strcmp(c->errs[i].file, c->errs[0].file) != 0)
			return;
	for (i = 1; i < c->n_errs; i++) {
		tmp = c->errs[i];
		for (j = i; j > 0 && c->errs[j - 1].line > tmp.line; j--)
			c->errs[j] = c->errs[j - 1];
		c->errs[j] = tmp;
	}
}

/* Format error I (or the "more errors" line at I == n_errs) into LINE. */
static int
ctx_line(const struct config_ctx *c, int i, char *line, size_t linesz)
{
	const struct config_err *e;
	const char *dir = "", *sep = "";

	if (i == c->n_errs)
		return c->dropped == 0 ? -1 : snprintf(line, linesz,
		    "%s: %d more errors not shown\n", c->filename, c->dropped);
	e = &c->errs[i];
	/* libconfig names an included file as written: add its dir. */
	if (c->incdir != NULL && e->file != c->filename && e->file[0] != '/') {
		dir = c->incdir;
		sep = strcmp(dir, "/") == 0 ? "" : "/";
	}
	if (e->line > 0)
		return snprintf(line, linesz, "%s%s%s:%d: %s\n", dir, sep,
		    e->file, e->line, e->msg);
	return snprintf(line, linesz, "%s%s%s: %s\n", dir, sep, e->file,
	    e->msg);
}

/* Whole lines only; a first line too long for ERRS is cut. */
static void
ctx_format(const struct config_ctx *c, char *errs, size_t errsz)
{
	size_t used = 0;
	char line[1024];
	int i, n;

	if (errs == NULL || errsz == 0)
		return;
	errs[0] = '\0';
	for (i = 0; i <= c->n_errs; i++) {
		if ((n = ctx_line(c, i, line, sizeof(line))) < 0)
			break;
		if ((size_t)n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (used + (size_t)n >= errsz) {
			if (used == 0) {
				memcpy(errs, line, errsz - 1);
				errs[errsz - 1] = '\0';
			}
			break;
		}
		memcpy(errs + used, line, (size_t)n + 1);
		used += (size_t)n;
	}
}

char *
config_strdup(struct config_ctx *c, const config_setting_t *s,
    const char *str)
{
	char *p;

	if (str == NULL)
		return NULL;
	if ((p = strdup(str)) == NULL)
		cerror(c, s, "out of memory");
	return p;
}

const char *
config_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "empty";
	}
}

void
cerror_type(struct config_ctx *c, const config_setting_t *s,
    const char *want)
{
	cerror(c, s, "%s must be %s, not %s", config_setting_name(s), want,
	    config_type_name(config_setting_type(s)));
}

void
cerror_unknown(struct config_ctx *c, const config_setting_t *s)
{
	cerror(c, s, "unknown key '%s'", config_setting_name(s));
}

void
config_ctx_report(struct config_ctx *c, char *errs, size_t errsz)
{
	ctx_sort(c);
	ctx_format(c, errs, errsz);
	ctx_free(c);
}
