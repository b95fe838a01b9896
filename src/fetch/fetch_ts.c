/*
 * fetch_ts.c - the HTTP(S) TS source: a continuous MPEG-TS stream over
 * HTTP or HTTPS (an encoder, a relay, another ringcast).
 *
 * The transfer itself is the core's fetch_read_http(), which any source
 * that resolves such a URL calls too; this file says which streams it
 * reads: TS streams (not HLS) whose URL is http:// or https://.
 */
#include <string.h>

#include "fetch.h"

static int
ts_accepts(const struct stream_conf *sc, const char *url)
{
	return sc->type == STREAM_TS && (strncmp(url, "http://", 7) == 0 ||
	    strncmp(url, "https://", 8) == 0);
}

const struct fetch_source fetch_ts_source = {
	.name = "ts",
	.accepts = ts_accepts,
	.run = fetch_read_http,
};
