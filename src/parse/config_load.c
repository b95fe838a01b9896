/*
 * config_load.c - load ringcast.conf (libconfig syntax): the entry,
 * config_load() and config_load_string() of config.h.
 *
 * config_load() reads the file with libconfig (which does the lexing and
 * the @include files), starts from a fresh struct config holding every
 * default of the key table (config_keys.c), walks the tree into it
 * (config_walk.c, whose values config_check.c checks), and hands it out
 * only when no problem was found: a config with any error is freed, so a
 * bad file can never replace a running one.  The problems, each
 * "FILE:LINE: message", all of them, go to the caller's buffer
 * (config_err.c); only a libconfig syntax error, which leaves no tree, is
 * reported alone.  What other modules do with a loaded config is in
 * config_api.c.
 *
 * The pieces, lowest first: config.h (the types and the public API,
 * included by every piece, so it has no .c of its own: a config.c would
 * be both below and above them), config_err (problems), config_keys (the
 * table), config_check (values), config_api (the loaded config),
 * config_walk (the tree), config_load (this entry).
 *
 * Calls: those, libconfig and libc; no logging, no other ringcast
 * module.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_err.h"
#include "config_keys.h"
#include "config_walk.h"

/* A config holding every default of the key table. */
static struct config *
config_new(const char *path)
{
	struct config *cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	if ((cfg->path = strdup(path)) == NULL ||
	    keytab_defaults(&config_global_keys, cfg) == -1 ||
	    keytab_defaults(&config_log_keys, cfg) == -1 ||
	    keytab_defaults(&config_opts_keys, &cfg->defaults) == -1 ||
	    keytab_defaults(&config_hls_keys, &cfg->defaults.hls) == -1 ||
	    keytab_defaults(&config_ace_keys, &cfg->ace) == -1 ||
	    keytab_defaults(&config_hdhr_keys, &cfg->hdhr) == -1) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static int
workers_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS : (int)n;
}

/* Report libconfig's own failure to read or parse. */
static void
libconfig_error(struct config_ctx *c, const config_t *lc)
{
	const char *file = config_error_file(lc);

	if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
		cerror_at(c, file, 0, "cannot read the file");
	else
		cerror_at(c, file, config_error_line(lc), "%s",
		    config_error_text(lc) ? config_error_text(lc) :
		    "syntax error");
}

/* Walk a parsed libconfig tree (or record READ_FAILED), then hand out. */
static int
config_finish(struct config_ctx *c, config_t *lc, int read_ok,
    struct config **out, char *errs, size_t errsz)
{
	struct config *cfg = NULL;
	int rc = -1;

	if (!read_ok)
		libconfig_error(c, lc);
	else if ((cfg = config_new(c->filename)) == NULL)
		cerror_at(c, NULL, 0, "out of memory");
	else
		config_walk(c, cfg, config_root_setting(lc));
	if (c->n_errs == 0 && c->dropped == 0) {
		if (cfg->workers == 0)
			cfg->workers = workers_online();
		*out = cfg;
		cfg = NULL;
		rc = 0;
	}
	config_ctx_report(c, errs, errsz);
	config_free(cfg);
	return rc;
}

int
config_load(const char *path, struct config **out, char *errs, size_t errsz)
{
	struct config_ctx c = { .filename = path };
	struct stat st;
	config_t lc;
	char *dir, *slash;
	FILE *f;
	int ok, rc;

	if (errs != NULL && errsz > 0)
		errs[0] = '\0';
	if ((f = fopen(path, "r")) == NULL ||
	    (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))) {
		int saved = f ? EISDIR : errno;

		if (f != NULL)
			fclose(f);
		cerror_at(&c, path, 0, "cannot open: %s", strerror(saved));
		config_ctx_report(&c, errs, errsz);
		return -1;
	}
	/* @include "x.conf" is relative to the including file's directory. */
	dir = strdup(path);
	slash = dir ? strrchr(dir, '/') : NULL;
	config_init(&lc);
	if (slash != NULL) {
		slash[slash == dir] = '\0';
		config_set_include_dir(&lc, dir);
		c.incdir = dir;
	}
	ok = config_read(&lc, f) == CONFIG_TRUE;
	fclose(f);
	rc = config_finish(&c, &lc, ok, out, errs, errsz);
	config_destroy(&lc);
	free(dir);
	return rc;
}

int
config_load_string(const char *text, const char *filename,
    struct config **out, char *errs, size_t errsz)
{
	struct config_ctx c = { .filename = filename ? filename : "(string)" };
	config_t lc;
	int ok, rc;

	if (errs != NULL && errsz > 0)
		errs[0] = '\0';
	config_init(&lc);
	ok = config_read_string(&lc, text) == CONFIG_TRUE;
	rc = config_finish(&c, &lc, ok, out, errs, errsz);
	config_destroy(&lc);
	return rc;
}
