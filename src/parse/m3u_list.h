/*
 * m3u_list.h - a provider's channel list ("extended M3U", as IPTV
 * providers and AceStream catalogues publish it), parsed into entries.
 *
 *   #EXTM3U url-tvg="http://epg.example/guide.xml.gz"
 *   #EXTINF:-1 tvg-id="cnn.us" tvg-name="CNN" tvg-logo="http://l/cnn.png"
 *       tvg-chno="7" group-title="News",CNN International
 *   #EXTGRP:News
 *   #EXTVLCOPT:http-user-agent=Mozilla/5.0
 *   #EXTVLCOPT:http-referrer=http://provider.example/
 *   http://provider.example/live/cnn.ts
 *
 * Pure: no I/O.  The caller downloads the list (at most
 * M3U_LIST_MAX_BYTES) and hands over the bytes and the list's own URL,
 * against which relative URLs are resolved (url.h).  The input is
 * hostile: a list that is not one (no #EXTM3U first, too big) is refused
 * with a one-line reason; inside a list, a bad entry is skipped and
 * counted by reason, never fatal, and the limits below bound the work
 * and the memory (all strings live in one arena freed at once).
 */
#ifndef RINGCAST_M3U_LIST_H
#define RINGCAST_M3U_LIST_H

#include <stddef.h>

#include "m3u_url.h"

/* Refused beyond: the whole list. */
#define M3U_LIST_MAX_BYTES	(10 * 1024 * 1024)
/* Skipped (and counted) beyond: entries past the first 100000. */
#define M3U_LIST_MAX_ENTRIES	100000
/* A line longer than this (its ends trimmed) is not read: an EXTINF or
 * URL line that long skips its entry, another line is dropped. */
#define M3U_LIST_MAX_LINE_BYTES	8192
/* An attribute value (tvg-*, group-title, a user agent, ...) longer than
 * this is dropped, as if absent; the entry stays. */
#define M3U_LIST_MAX_ATTR_BYTES	1024
/* A display name longer than this is cut, at a character boundary. */
#define M3U_LIST_MAX_NAME_BYTES	256
/* An entry's URL, resolved and escaped, with its NUL; a stream's url
 * holds as much (CONFIG_URL_MAX).  Longer: the entry is skipped. */
#define M3U_LIST_URL_MAX	2048
/* EPG URLs kept from the #EXTM3U line (url-tvg, x-tvg-url, tvg-url). */
#define M3U_LIST_MAX_EPG_URLS	8
/* All the entries' text together; past it, entries are skipped.  Only a
 * long base URL and many short relative URLs can come near it. */
#define M3U_LIST_MAX_TEXT_BYTES	(64 * 1024 * 1024)

/*
 * One channel of the list.  Every string is valid UTF-8 (a byte that is
 * not is read as Windows-1252, the Latin-1 of Windows editors), holds no
 * control character and no space at either end, and is "" when the list
 * did not give it; none is NULL.  NAME and URL are never "".
 */
struct m3u_entry {
	const char	*name;		/* after the EXTINF comma; else
					 * tvg-name, tvg-id, the URL's
					 * last path part */
	const char	*tvg_id;
	const char	*tvg_name;
	const char	*logo;		/* tvg-logo, as written */
	const char	*chno;		/* tvg-chno (or channel-number) */
	long		 chno_num;	/* chno when 1-9 digits, else -1 */
	const char	*group;		/* group-title, else #EXTGRP */
	const char	*url;		/* absolute, printable ASCII (spaces and
					 * other bytes percent-encoded) */
	const char	*user_agent;	/* #EXTVLCOPT:http-user-agent, or the
					 * URL's "|User-Agent=" (Kodi) */
	const char	*referrer;	/* http-referrer (or -referer), or
					 * "|Referer=" */
	enum m3u_kind	 kind;
	enum m3u_ace	 ace;
	const char	*ace_id;	/* 40 lower-case hex digits, or "" */
	size_t		 line;		/* of the URL, from 1 */
};

struct m3u_arena;

struct m3u_list {
	struct m3u_entry *entries;	/* in list order */
	size_t		 n;
	const char	*epg_urls[M3U_LIST_MAX_EPG_URLS];	/* absolute */
	size_t		 nepg;
	size_t		 skipped[M3U_SKIP_N];	/* entries, by reason */
	size_t		 lines;		/* lines read */
	size_t		 dropped_lines;	/* other tags dropped: binary, long */
	size_t		 dropped_attrs;	/* values too long (ATTR_BYTES) */
	struct m3u_arena *arena;	/* every string above */
};

/*
 * Parse the LEN bytes at TEXT (no NUL needed) into *OUT.  BASE_URL is the
 * list's own URL (after redirects) for relative entries, or NULL.  A
 * UTF-8 byte-order mark, CRLF or CR line ends, blank lines and spaces
 * around lines are accepted, and tags in any case.  A line holding a NUL
 * or another control byte (a tab is text) is not read: its entry is
 * skipped (M3U_SKIP_BINARY), another tag dropped; a file that is not
 * text at all fails the #EXTM3U test.  Only http, https, acestream and
 * magnet URLs are kept (a list from the network never names a local
 * file).  0, or -1 with a one-line reason in ERR (ERRSZ bytes, may be
 * 0) and *OUT zeroed: more than M3U_LIST_MAX_BYTES, no #EXTM3U on the
 * first line that is not blank, a BASE_URL without a scheme, or no
 * memory.  Free with m3u_list_free().
 */
int	 m3u_list_parse(const char *text, size_t len, const char *base_url,
	    struct m3u_list *out, char *err, size_t errsz);
/* Free what m3u_list_parse() made and zero *L; safe on a zeroed one. */
void	 m3u_list_free(struct m3u_list *l);
/* The entries L skipped, all reasons together. */
size_t	 m3u_list_skipped(const struct m3u_list *l);

#endif
