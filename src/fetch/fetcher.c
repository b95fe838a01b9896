/*
 * fetcher.c - the fetcher process: one a stream, the single writer of its
 * ring.
 *
 * This file is only the process: it takes its stream from the supervisor,
 * sets its title, role and signals, maps the ring and hands the stream to
 * the core (fetch.c) with the table of sources below.  The table is the
 * one place that names the sources; the core asks them in order which one
 * reads a URL.  A new source is a file of its own that defines a struct
 * fetch_source (see fetch.h) and one line here.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "log.h"
#include "proc.h"

/* Asked in this order: the first that accepts a URL reads it. */
static const struct fetch_source *const fetcher_sources[] = {
	&fetch_ace_source,	/* content-id streams, whatever their URL */
	&fetch_hls_source,
	&fetch_file_source,
	&fetch_ts_source,
	NULL
};

static void
fetcher_on_sigterm(int sig)
{
	(void)sig;
	fetch_stopping = 1;
}

void
fetcher_main(struct proc *self, const struct child_ctx *ctx)
{
	static struct fetcher f;
	char name[STATE_SHM_NAME_MAX];
	enum fetch_result res;

	memset(&f, 0, sizeof(f));
	f.slot = self->index;
	f.chan = self->fd;
	f.sc = ctx->stream;
	f.st = ctx->st;
	f.base_dir = ctx->start_dir;
	f.metrics = ctx->metrics;
	f.mslot = METRICS_SLOT_FETCHER(f.slot);
	proc_child_init(fetcher_on_sigterm, "fetcher %s", f.sc->name);
	ring_shm_name(name, sizeof(name), f.st->supervisor_pid, f.slot,
	    ctx->ring_gen);
	if (fetch_open(&f, name) == -1)
		fatal("cannot open ring %s", name);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatalx("curl_global_init failed");
	res = fetch_run(&f, fetcher_sources);
	fetch_close(&f, res);
	curl_global_cleanup();
	_exit(0);
}
