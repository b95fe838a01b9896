/*
 * engine_cmd.h - acestream.engine_command and acestream.engine_ports:
 * the command template of a managed engine and its port range.
 *
 * A template is split into words at spaces (a "double-quoted" part keeps
 * its spaces; \" and \\ inside quotes are a quote and a backslash), then
 * in each word %p is the engine's HTTP port, %n its index, %d its work
 * directory and %% a percent sign.  No shell runs it.
 */
#ifndef RINGCAST_ENGINE_CMD_H
#define RINGCAST_ENGINE_CMD_H

#include <stddef.h>

#define ENGINE_CMD_MAX_ARGS	64
#define ENGINE_CMD_ARG_MAX	1024	/* bytes of one expanded word */

/* 0 when TMPL is a usable template (words, known escapes, closed
 * quotes, %p somewhere); -1 with ERR. */
int	 engine_cmd_check(const char *tmpl, char *err, size_t errsz);
/*
 * The argv of TMPL for the engine with PORT, INDEX and DIR: a NULL-ended
 * array of strings in one allocation (free it with free()), or NULL with
 * ERR (a bad template, or out of memory).
 */
char	**engine_cmd_argv(const char *tmpl, int port, int index,
	    const char *dir, char *err, size_t errsz);
/* "LO-HI" or "PORT" into *LO and *HI (1..65535, LO <= HI): 0, or -1. */
int	 engine_ports_parse(const char *s, int *lo, int *hi);

#endif
