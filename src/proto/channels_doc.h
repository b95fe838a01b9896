/*
 * channels_doc.h - the lineup document, STATE_DIR/channels.json: what the
 * source process writes and the supervisor and the workers read.
 *
 *   {"version":1,"updated":"RFC3339",
 *    "sources":{"NAME":{"refreshed":"RFC3339"|"","channels":N,
 *                       "skipped":N,"error":"..."|""},...},
 *    "channels":[{"name","source","title","tvg_id","logo","group","chno",
 *                 "kind":"ts"|"hls"|"auto"|"acestream","ace_id","user_agent",
 *                 "referrer","enabled":true|false,
 *                 "urls":["first","backup",...],
 *                 "url_sources":["source of urls[0]",...]},...]}
 *
 * Building is pure (a buf); loading reads one local file with json-c and
 * checks every field, so a damaged file is refused whole, never half
 * read.
 */
#ifndef RINGCAST_CHANNELS_DOC_H
#define RINGCAST_CHANNELS_DOC_H

#include <stddef.h>

#include "json.h"
#include "lineup.h"

#define CHANNELS_DOC_FILE	"channels.json"
#define CHANNELS_DOC_VERSION	2
#define CHANNELS_DOC_MAX_BYTES	(64 * 1024 * 1024)
#define CHANNELS_MAX_URLS	9	/* played + CONFIG_MAX_BACKUP_URLS */

/* A source's last refresh, as the document holds it. */
struct channels_source {
	const char	*name;
	char		 refreshed[32];	/* RFC 3339, "" = never */
	size_t		 channels;	/* entries kept by its filter */
	size_t		 skipped;	/* entries the parser skipped */
	char		 error[256];	/* "" = the last refresh worked */
};

/* A channel as loaded (the strings live in the document's memory). */
struct channels_entry {
	const char	*name, *source, *title, *tvg_id, *logo, *group, *chno;
	const char	*kind, *ace_id, *user_agent, *referrer;
	const char	*urls[CHANNELS_MAX_URLS];
	const char	*url_sources[CHANNELS_MAX_URLS]; /* urls[i]'s source */
	size_t		 n_urls;	/* at least 1 */
	int		 enabled;	/* 0: listed, never played */
};

struct channels_doc {
	struct channels_entry	*channels;
	size_t			 n;
	struct channels_source	*sources;
	size_t			 n_sources;
	void			*json;		/* json-c's tree */
};

/* Append the document of L and SOURCES (N_SOURCES) to B, updated at
 * UPDATED (RFC 3339).  LISTS[i] is the list of SOURCES[i] (NULL: none),
 * for each channel's "source": the source of its first entry.  A
 * channel's "chno" is its number[] (lineup_numbers.h), else its
 * tvg-chno; "enabled" its enabled.  -1 when B failed. */
int	 channels_doc_build(struct buf *b, const struct lineup *l,
	    const struct channels_source *sources,
	    const struct m3u_list *const *lists, size_t n_sources,
	    const char *updated);
/* Parse the LEN bytes at TEXT into *DOC: 0, or -1 with ERR and *DOC
 * zeroed.  Free with channels_doc_free(). */
int	 channels_doc_parse(const char *text, size_t len,
	    struct channels_doc *doc, char *err, size_t errsz);
/* Read and parse PATH: 0, or -1 with ERR (errno ENOENT: no file). */
int	 channels_doc_load(const char *path, struct channels_doc *doc,
	    char *err, size_t errsz);
void	 channels_doc_free(struct channels_doc *doc);
/* The channel called NAME, or NULL. */
const struct channels_entry *channels_doc_find(const struct channels_doc *,
	    const char *name);

#endif
