/*
 * cred.h - the credentials a player can send (cred.c): a path prefix
 * /u/TOKEN/, ?token=, HTTP Basic user:token and Bearer; and playlists
 * rewritten so that the URLs in them carry the credential in the form
 * it came in.  Pure, unit-tested.
 */
#ifndef RINGCAST_CRED_H
#define RINGCAST_CRED_H

#include <stddef.h>

#include "json.h"

#define CRED_PATH_PREFIX	"/u/"
#define CRED_QUERY_ARG		"token"
#define CRED_NAME_MAX		64	/* bytes of a Basic user name */

/* How the current request's credential came (what URLs repeat). */
enum cred_form {
	CRED_NONE = 0,
	CRED_PATH,	/* /u/TOKEN/...: absolute URLs get the prefix */
	CRED_QUERY,	/* ?token=TOKEN: every URL gets the argument */
	CRED_BASIC,	/* headers: a player sends them again, URLs stay */
	CRED_BEARER,
	CRED_SIGNED,	/* ?exp=&sig=[&ip=1] (signed_url.h): every URL gets
			   the same arguments, the "token" */
};

/*
 * URL "/u/TOKEN/REST": 1 with TOKEN and *REST the rest from its '/'
 * ("/" when "/u/TOKEN" ends there); 0 when URL has no such prefix; -1
 * when the token is empty or does not fit TOKSZ.
 */
int	 cred_path_split(const char *url, char *tok, size_t toksz,
	    const char **rest);
/* "Basic BASE64(user:token)" (scheme in any case): 0 with USER and TOK,
 * or -1 (another scheme, bad base64, no colon, too long, a NUL). */
int	 cred_basic_parse(const char *hdr, char *user, size_t usersz,
	    char *tok, size_t toksz);
/* "Bearer TOKEN": 0 with TOK, or -1. */
int	 cred_bearer_parse(const char *hdr, char *tok, size_t toksz);

/*
 * Append to OUT the playlist (M3U or M3U8) of LEN bytes at TEXT with its
 * URLs carrying TOKEN in FORM (CRED_PATH, CRED_QUERY or CRED_SIGNED, whose
 * TOKEN is the arguments "exp=..&sig=.." themselves; any other form
 * copies TEXT as it is).  A URL is a line that is not a comment, or a
 * URI="...", url-tvg="..." or x-tvg-url="..." attribute.  Only ringcast's
 * own URLs change: those starting with BASE + "/" (BASE "http://host"),
 * absolute paths, and (the query forms only) relative URLs without a scheme;
 * a URL of another host never gets the token.  The path form inserts
 * "/u/TOKEN" before the path; the query form appends "?token=" or
 * "&token=".  0, or -1 when OUT failed.
 */
int	 cred_playlist_rewrite(const char *text, size_t len,
	    enum cred_form form, const char *token, const char *base,
	    struct buf *out);

/*
 * Append to OUT the M3U playlist of LEN bytes at TEXT without the
 * entries KEEP refuses.  An entry is a URL line and the comment lines
 * just before it (#EXTINF, #EXTGRP, ...); KEEP(ARG, PATH) gets the URL's
 * path and query after BASE ("http://host"), and entries whose URL does
 * not start with BASE + "/" are kept.  The first line, #EXTM3U, is
 * always kept.  0, or -1 when OUT failed.
 */
int	 cred_playlist_filter(const char *text, size_t len, const char *base,
	    int (*keep)(void *arg, const char *path), void *arg,
	    struct buf *out);

#endif
