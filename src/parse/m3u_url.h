/*
 * m3u_url.h - what the URL of a channel-list entry is: plain http(s)
 * (MPEG-TS, HLS or not known), an AceStream link, or something ringcast
 * does not play, and why an entry is skipped.  Pure string work for
 * m3u_list.c, which takes a provider's list apart.
 */
#ifndef RINGCAST_M3U_URL_H
#define RINGCAST_M3U_URL_H

#include <stddef.h>

/* Hex digits of an AceStream content id or infohash. */
#define M3U_ACE_ID_LEN		40

/* What an entry's URL is, as far as the URL tells. */
enum m3u_kind {
	M3U_KIND_AUTO = 0,	/* http(s), not known: the answer tells */
	M3U_KIND_TS,		/* http(s) MPEG-TS (.ts, output=ts,
				 * getstream) */
	M3U_KIND_HLS,		/* http(s) HLS (.m3u8, output=m3u8, manifest) */
	M3U_KIND_ACE,		/* an AceStream id: see enum m3u_ace */
};

/* What the ace_id of an M3U_KIND_ACE entry is. */
enum m3u_ace {
	M3U_ACE_NONE = 0,
	M3U_ACE_CONTENT_ID,	/* acestream://ID, an engine's getstream or
				 * manifest.m3u8 with id= or content_id= */
	M3U_ACE_INFOHASH,	/* the same with infohash=, a magnet's hex
				 * btih */
	M3U_ACE_MAGNET,		/* a magnet with a base32 btih: no ace_id,
				 * the magnet is the engine's magnet= */
};

/* Why an entry was skipped; an entry is an EXTINF with the URL line
 * after it, or a URL line alone.  m3u_skip_reason() says it in words. */
enum m3u_skip {
	M3U_SKIP_NO_URL = 0,		/* an EXTINF and no URL line after it */
	M3U_SKIP_BINARY,		/* a NUL or control byte in its lines */
	M3U_SKIP_LINE_TOO_LONG,		/* EXTINF or URL line too long */
	M3U_SKIP_BAD_URL,		/* no host, or too long once resolved */
	M3U_SKIP_RELATIVE,		/* relative, and no list URL given */
	M3U_SKIP_UNSUPPORTED_SCHEME,	/* rtmp, rtsp, udp, rtp, file, ... */
	M3U_SKIP_BAD_ACE_ID,		/* acestream:, magnet: without an id */
	M3U_SKIP_TOO_MANY,		/* past M3U_LIST_MAX_ENTRIES */
	M3U_SKIP_TOO_BIG,		/* past M3U_LIST_MAX_TEXT_BYTES */
	M3U_SKIP_N
};

struct m3u_url {
	enum m3u_kind	 kind;
	enum m3u_ace	 ace;
	char		 ace_id[M3U_ACE_ID_LEN + 1];	/* lower case; "" */
};

/*
 * S[0..N) with every byte that may not stand in a URL percent-encoded
 * (a space, a control byte, a byte past 0x7e, one of "<>\^`{}|) into
 * OUT, NUL-terminated; '%' stays as written.  0, or -1 when it does not
 * fit OUTSZ bytes.
 */
int	 m3u_url_escape(const char *s, size_t n, char *out, size_t outsz);
/* The length of URL's scheme ("http" of "http://h/"), 0 if it has none
 * (a relative reference). */
size_t	 m3u_url_scheme_len(const char *url);
/*
 * What the absolute URL U is, into *OUT: 0, or -1 and the reason in
 * *WHY (M3U_SKIP_BAD_URL: http(s) without a host; M3U_SKIP_BAD_ACE_ID;
 * M3U_SKIP_UNSUPPORTED_SCHEME: neither http, https, acestream nor
 * magnet; M3U_SKIP_RELATIVE: no scheme).  An engine URL
 * (/ace/getstream, /ace/manifest.m3u8) with a 40-hex-digit id=,
 * content_id= or infohash= is an AceStream id; with another input (url=,
 * magnet=) it is plain TS or HLS.
 */
int	 m3u_url_classify(const char *u, struct m3u_url *out,
	    enum m3u_skip *why);
/* "no URL after #EXTINF", "unsupported scheme", ...; "?" when unknown. */
const char *m3u_skip_reason(enum m3u_skip);
/* "auto", "ts", "hls", "acestream". */
const char *m3u_kind_name(enum m3u_kind);

#endif
