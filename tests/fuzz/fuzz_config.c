/*
 * fuzz_config.c - libFuzzer target for the configuration loader
 * (src/parse/config_load.c and the files it calls, on top of libconfig).
 *
 * The input is a configuration file.  A valid one must satisfy what
 * src/parse/config.h promises (names valid and unique, counts within their
 * limits, workers resolved); an invalid one must leave *OUT untouched and
 * report one "fuzz.conf:LINE: message" line per problem, truncated to
 * whole lines when the error buffer is small.  Inputs with @include are
 * skipped: libconfig would open whatever file they name (/dev/stdin
 * blocks the fuzzer), and include handling is libconfig's, not ours.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "config.h"

const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5 (Debian 12) leaks the tokens that a syntax error discards
 * (allocated in its lexer, libconfig_yylex and strbuf_append;
 * hyperrealm/libconfig issue 142, fixed in 1.7.3).  Nothing ringcast can
 * free: leaks of memory that libconfig itself allocated are not reported.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

#define FUZZ_ERRS_BYTES		16384
#define FUZZ_SMALL_ERRS_BYTES	100

static void
check_config(const struct config *cfg)
{
	int i, j;

	CHECK(cfg->n_listen >= 1 && cfg->n_listen <= CONFIG_MAX_LISTEN);
	for (i = 0; i < cfg->n_listen; i++)
		CHECK(cfg->listen[i] != NULL);
	CHECK(cfg->workers >= 1 && cfg->workers <= CONFIG_MAX_WORKERS);
	CHECK(cfg->user != NULL && cfg->pid_file != NULL &&
	    cfg->control_socket != NULL && cfg->admin_token != NULL &&
	    cfg->events_webhook != NULL);
	CHECK((cfg->log_target == LOG_TARGET_FILE) == (cfg->log_file != NULL));
	CHECK(cfg->n_streams >= 0 && cfg->n_streams <= CONFIG_MAX_STREAMS);
	for (i = 0; i < cfg->n_streams; i++) {
		const struct stream_conf *s = &cfg->streams[i];

		CHECK(config_name_valid(s->name));
		CHECK(config_find_stream(cfg, s->name) == s);
		CHECK(config_stream_changed(s, s) == 0);
		CHECK(s->type == STREAM_TS || s->type == STREAM_HLS);
		CHECK(config_stream_type_name(s->type) != NULL);
		CHECK(s->url != NULL && strlen(s->url) < CONFIG_URL_MAX);
		(void)config_url_file_path(s->url);
		CHECK(s->n_backup_urls >= 0 &&
		    s->n_backup_urls <= CONFIG_MAX_BACKUP_URLS);
		for (j = 0; j < s->n_backup_urls; j++) {
			CHECK(s->backup_urls[j] != NULL);
			(void)config_url_file_path(s->backup_urls[j]);
		}
		CHECK(s->opts.user_agent != NULL);
		CHECK(s->opts.ring_size >= CONFIG_MIN_RING_SIZE_BYTES &&
		    s->opts.ring_size <= CONFIG_MAX_RING_SIZE_BYTES);
		CHECK(s->opts.hls.max_segments >= CONFIG_MIN_SEGMENTS &&
		    s->opts.hls.max_segments <= CONFIG_MAX_SEGMENTS);
		CHECK(s->opts.hls.window_size >= 1 &&
		    s->opts.hls.window_size <= s->opts.hls.max_segments);
		CHECK(s->opts.retry_min <= s->opts.retry_max);
		for (j = 0; j < i; j++) {
			CHECK(strcmp(cfg->streams[j].name, s->name) != 0);
			(void)config_stream_changed(&cfg->streams[j], s);
		}
	}
	CHECK(config_find_stream(cfg, "") == NULL);
}

/*
 * ERRS: "fuzz.conf:LINE: message\n" lines, or "fuzz.conf: ...\n"; whole
 * lines only, except a first line too long for ERRS, which is cut (what
 * config_ctx_report() in src/parse/config_err.c does, so that something
 * is reported).
 */
static void
check_errs(const char *errs, size_t errsz, int must_have)
{
	const char	*p = errs, *nl;
	size_t		 len = strlen(errs);

	CHECK(len < errsz);
	if (must_have)
		CHECK(len > 0);
	if (len == 0)
		return;
	CHECK(strncmp(errs, "fuzz.conf:", len < 10 ? len : 10) == 0);
	if (errs[len - 1] != '\n') {
		CHECK(len == errsz - 1 && strchr(errs, '\n') == NULL);
		return;
	}
	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		CHECK(nl != NULL);
		CHECK(strncmp(p, "fuzz.conf:", 10) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 errs[FUZZ_ERRS_BYTES];
	char		 small[FUZZ_SMALL_ERRS_BYTES], *text;
	struct config	*cfg, *sentinel = (struct config *)&cfg;
	int		 r, r2;

	text = fuzz_cstring(data, size);
	if (strcasestr(text, "@include") != NULL) {
		free(text);
		return 0;
	}

	cfg = sentinel;
	r = config_load_string(text, "fuzz.conf", &cfg, errs, sizeof(errs));
	if (r == 0) {
		CHECK(cfg != sentinel && cfg != NULL);
		CHECK(errs[0] == '\0');
		check_config(cfg);
		config_free(cfg);
	} else {
		CHECK(r == -1);
		CHECK(cfg == sentinel);
		check_errs(errs, sizeof(errs), 1);
	}

	/* A small error buffer: whole lines only, same verdict. */
	cfg = sentinel;
	memset(small, 'x', sizeof(small));
	r2 = config_load_string(text, "fuzz.conf", &cfg, small, sizeof(small));
	CHECK(r2 == r);
	if (r2 == 0)
		config_free(cfg);
	else
		check_errs(small, sizeof(small), 0);
	if (r2 == -1 && strlen(errs) < sizeof(small))
		CHECK(strcmp(small, errs) == 0);

	/* No error buffer at all. */
	cfg = sentinel;
	r2 = config_load_string(text, NULL, &cfg, NULL, 0);
	CHECK(r2 == r);
	if (r2 == 0)
		config_free(cfg);
	free(text);
	return 0;
}
