/*
 * http_hls.c - HLS for every stream: /hls/NAME/index.m3u8,
 * /hls/NAME/SEQ.ts and /hls/NAME/key/N.key, all answered from the
 * stream's ring.
 *
 * This file is the route family: it reads the path (hls_path.c), counts
 * the player (hls_player.c: players make no lasting connection, so they
 * are known by address and User-Agent in shared memory), and hands the
 * request to the playlist (hls_playlist.c: built once per version,
 * shared between workers, one ready response per CORS set) or the
 * segment (hls_segment.c: sent from the ring, whole or a Range of it);
 * an AES-128 key it answers itself.  A playlist request also starts an
 * edge stream of a parent ringcast or a lineup channel (http_edge.c);
 * when that is a stream of another name (a channel that is an AceStream
 * id) the playlist names that stream's /hls/ID/ segments.  Other routes
 * (/ace/manifest.m3u8) serve a stream's playlist through
 * http_hls_playlist.  The wake loop calls http_hls_expire.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "hls_path.h"
#include "hls_player.h"
#include "hls_playlist.h"
#include "hls_segment.h"
#include "http.h"
#include "http_edge.h"
#include "routes.h"
#include "util.h"

static enum MHD_Result
hls_serve_key(struct worker *w, struct MHD_Connection *conn, int slot,
    uint64_t n)
{
	static const char *const hdrs[] = {
		"Content-Type", "application/octet-stream",
		"Cache-Control",
		"private, max-age=" TUNING_STR(HLS_SEGMENT_MAX_AGE_S), NULL
	};
	struct ring_ref *rr;
	uint8_t key[16];
	int rc = -1;

	pthread_mutex_lock(&w->lock);
	if ((rr = ring_ref_get(w, slot)) != NULL)
		rc = ring_get_key(&rr->ring, n, key);
	pthread_mutex_unlock(&w->lock);
	if (rc == -1)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such key");
	return http_send(conn, MHD_HTTP_OK, MHD_create_response_from_buffer(
	    sizeof(key), key, MHD_RESPMEM_MUST_COPY), hdrs);
}

enum MHD_Result
http_hls_playlist(struct worker *w, struct MHD_Connection *conn,
    const char *name, const char *prefix, void **con_cls)
{
	char own[CONFIG_NAME_MAX + 8];
	struct slot_cfg cfg;
	int slot, full = 0;

	if ((slot = state_find(w->st, name)) == -1 ||
	    state_slot_read(w->st, slot, &cfg) == -1)
		return http_client_gone(w, conn, name);	/* or refused */
	if (*con_cls == NULL &&
	    hls_player_touch(w, conn, slot, &cfg, &full) == NULL && full)
		return hls_player_refused(conn, full);
	if (prefix == NULL)
		return hls_playlist_serve(w, conn, slot, &cfg,
		    HLS_CACHE_RELATIVE, con_cls);
	/* the one prefix served: the stream's own /hls/NAME/ */
	snprintf(own, sizeof(own), "/hls/%s/", cfg.name);
	if (strcmp(prefix, own) != 0)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	return hls_playlist_serve(w, conn, slot, &cfg, HLS_CACHE_PREFIXED,
	    con_cls);
}

enum MHD_Result
http_hls_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	char name[CONFIG_NAME_MAX + 1], asked[CONFIG_NAME_MAX + 1];
	char prefix[CONFIG_NAME_MAX + 8];
	struct hls_player *who;
	struct client *c;
	struct slot_cfg cfg;
	const char *file;
	enum MHD_Result ret;
	uint64_t seq;
	int slot;

	if (hls_path_split(url, name, sizeof(name), &file) == -1 ||
	    str_copy(asked, name, sizeof(asked)) >= sizeof(asked))
		return http_error(conn, MHD_HTTP_NOT_FOUND, "no such stream");
	if (strcmp(file, "index.m3u8") == 0 &&
	    http_edge_resolve(w, conn, name, sizeof(name), con_cls, &ret) ==
	    -1)
		return ret;
	/* a stream of another name (a channel's AceStream id), or a playlist
	 * request waiting for one: its playlist, under its own /hls/ path */
	c = *con_cls;
	if (c != NULL && c->kind == CLIENT_HLS)
		str_copy(name, c->name, sizeof(name));
	if (strcmp(file, "index.m3u8") == 0 && strcmp(name, asked) != 0) {
		snprintf(prefix, sizeof(prefix), "/hls/%s/", name);
		return http_hls_playlist(w, conn, name, prefix, con_cls);
	}
	if ((slot = state_find(w->st, name)) == -1 ||
	    state_slot_read(w->st, slot, &cfg) == -1)
		return http_client_gone(w, conn, name);	/* or refused */
	who = NULL;
	if (*con_cls == NULL) {
		int full = 0;

		who = hls_player_touch(w, conn, slot, &cfg, &full);
		if (full)
			return hls_player_refused(conn, full);
	}
	if (strcmp(file, "index.m3u8") == 0)
		return hls_playlist_serve(w, conn, slot, &cfg,
		    HLS_CACHE_RELATIVE, con_cls);
	if (strncmp(file, "key", 3) == 0 && hls_path_key(url, &seq) == 0)
		return hls_serve_key(w, conn, slot, seq);
	if (hls_path_seq(file, &seq) == 0) {
		http_request_fetcher(w, slot);
		return hls_segment_serve(w, conn, slot, seq, who,
		    cfg.hls_max_segments ? cfg.hls_max_segments : 1000);
	}
	return http_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}

void
http_hls_expire(struct worker *w)
{
	hls_playlist_expire(w);
	hls_segment_expire(w);
	hls_player_expire(w);
}
