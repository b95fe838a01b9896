/*
 * engine_cmd.c - the command template of a managed engine (see
 * engine_cmd.h).
 *
 * Design: no shell, so nothing in a template is interpreted twice and
 * an engine's port or directory cannot inject a word; the few quoting
 * rules are the ones a command line in a configuration file needs (a
 * path with a space).  One pass does both the check and the expansion:
 * engine_cmd_check() expands with made-up values and throws the words
 * away.  Pure: no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_cmd.h"

struct words {
	char	 buf[ENGINE_CMD_MAX_ARGS][ENGINE_CMD_ARG_MAX];
	int	 n;
	int	 has_port;
};

/* Append S to word W (LEN bytes so far): 0, or -1 when it is too long. */
static int
word_add(char *w, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= ENGINE_CMD_ARG_MAX)
		return -1;
	memcpy(w + *len, s, n + 1);
	*len += n;
	return 0;
}

/* The escape at *P (after a '%'), expanded into W; -1 with ERR. */
static int
word_escape(struct words *ws, char *w, size_t *len, char c, int port,
    int index, const char *dir, char *err, size_t errsz)
{
	char num[16];

	switch (c) {
	case 'p':
		ws->has_port = 1;
		snprintf(num, sizeof(num), "%d", port);
		return word_add(w, len, num);
	case 'n':
		snprintf(num, sizeof(num), "%d", index);
		return word_add(w, len, num);
	case 'd':
		return word_add(w, len, dir);
	case '%':
		return word_add(w, len, "%");
	}
	snprintf(err, errsz, "unknown escape %%%c (%%p, %%n, %%d or %%%%)",
	    c ? c : ' ');
	return -1;
}

/* Split and expand TMPL into WS; 0, or -1 with ERR. */
static int
words_make(struct words *ws, const char *tmpl, int port, int index,
    const char *dir, char *err, size_t errsz)
{
	const char *p = tmpl;
	char *w, one[2] = { 0, 0 };
	size_t len;
	int quoted;

	memset(ws, 0, sizeof(*ws));
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (ws->n == ENGINE_CMD_MAX_ARGS) {
			snprintf(err, errsz, "more than %d words",
			    ENGINE_CMD_MAX_ARGS);
			return -1;
		}
		w = ws->buf[ws->n++];
		len = 0;
		quoted = 0;
		for (; *p != '\0' && (quoted || (*p != ' ' && *p != '\t'));
		    p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (*p == '%') {
				p++;
				if (word_escape(ws, w, &len, *p, port, index,
				    dir, err, errsz) == -1)
					goto bad;
				if (*p == '\0')
					break;
				continue;
			}
			if (quoted && *p == '\\' && (p[1] == '"' ||
			    p[1] == '\\'))
				p++;
			one[0] = *p;
			if (word_add(w, &len, one) == -1)
				goto bad;
		}
		if (quoted) {
			snprintf(err, errsz, "a double quote is not closed");
			return -1;
		}
	}
	if (ws->n == 0) {
		snprintf(err, errsz, "the command is empty");
		return -1;
	}
	return 0;
bad:
	if (err[0] == '\0')
		snprintf(err, errsz, "a word is longer than %d bytes",
		    ENGINE_CMD_ARG_MAX - 1);
	return -1;
}

int
engine_cmd_check(const char *tmpl, char *err, size_t errsz)
{
	struct words *ws;
	int rc;

	err[0] = '\0';
	if ((ws = malloc(sizeof(*ws))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	rc = words_make(ws, tmpl, 65535, 99, "/d", err, errsz);
	if (rc == 0 && !ws->has_port) {
		snprintf(err, errsz, "it has no %%p: the engine must listen on "
		    "the port ringcast gives it");
		rc = -1;
	}
	free(ws);
	return rc;
}

char **
engine_cmd_argv(const char *tmpl, int port, int index, const char *dir,
    char *err, size_t errsz)
{
	struct words *ws;
	size_t total = 0;
	char **argv = NULL, *s;
	int i;

	err[0] = '\0';
	if ((ws = malloc(sizeof(*ws))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (words_make(ws, tmpl, port, index, dir, err, errsz) == -1)
		goto out;
	for (i = 0; i < ws->n; i++)
		total += strlen(ws->buf[i]) + 1;
	if ((argv = malloc(sizeof(char *) * (size_t)(ws->n + 1) + total)) ==
	    NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	s = (char *)(argv + ws->n + 1);
	for (i = 0; i < ws->n; i++) {
		argv[i] = s;
		s = stpcpy(s, ws->buf[i]) + 1;
	}
	argv[ws->n] = NULL;
out:
	free(ws);
	return argv;
}

/* A port number at *S (advanced past it): 1..65535, or -1. */
static int
port_number(const char **s)
{
	long v = 0;
	int digits = 0;

	while (**s >= '0' && **s <= '9' && digits < 6) {
		v = v * 10 + (**s - '0');
		(*s)++;
		digits++;
	}
	return digits == 0 || v < 1 || v > 65535 ? -1 : (int)v;
}

int
engine_ports_parse(const char *s, int *lo, int *hi)
{
	int a, b;

	if ((a = port_number(&s)) == -1)
		return -1;
	b = a;
	if (*s == '-') {
		s++;
		if ((b = port_number(&s)) == -1)
			return -1;
	}
	if (*s != '\0' || b < a)
		return -1;
	*lo = a;
	*hi = b;
	return 0;
}
