/*
 * m3u8.h - HLS playlist (M3U8) parser and variant choice.
 *
 * Pure logic: no I/O, no logging.  The HLS fetcher downloads a playlist
 * (capping it at M3U8_MAX_PLAYLIST_BYTES), hands the bytes and the final
 * URL (after redirects) to m3u8_parse() and gets back either a master
 * playlist (variants) or a media playlist (segments with absolute URIs),
 * or -1 and a one-line message such as "line 7: EXTINF without a URI".
 * The input is hostile: the parser is bounded by the limits below and
 * never reads outside TEXT[0..LEN).  URIs are resolved with url.h,
 * dates read with iso8601.h.
 */
#ifndef RINGCAST_M3U8_H
#define RINGCAST_M3U8_H

#include <stddef.h>
#include <stdint.h>

#include "iso8601.h"
#include "url.h"

/* Limits: input beyond them is an error, not truncated. */
#define M3U8_MAX_PLAYLIST_BYTES	(8 * 1024 * 1024)
#define M3U8_MAX_LINE_BYTES	(64 * 1024)
#define M3U8_MAX_SEGMENTS	10000
#define M3U8_MAX_VARIANTS	1000
#define M3U8_MAX_KEYS		10000
#define M3U8_MAX_DURATION_S	86400.0	/* EXTINF and TARGETDURATION */
#define M3U8_MAX_VERSION	99

enum m3u8_key_method {
	M3U8_KEY_NONE = 0,
	M3U8_KEY_AES128,	/* AES-128-CBC, KEYFORMAT identity */
	M3U8_KEY_UNSUPPORTED,	/* SAMPLE-AES*, DRM KEYFORMATs, others */
};

/* One EXT-X-KEY tag with METHOD other than NONE. */
struct m3u8_key {
	int		 method;	/* enum m3u8_key_method */
	char		 method_name[32]; /* METHOD as written (truncated) */
	char		*uri;		/* resolved; NULL if none given */
	uint8_t		 iv[16];	/* big-endian 128-bit IV, with has_iv */
	int		 has_iv;	/* 0: IV is the media sequence number */
};

struct m3u8_segment {
	uint64_t	 seq;		/* media sequence number */
	double		 duration;	/* EXTINF, seconds, >= 0 */
	char		*title;		/* after the EXTINF comma, or NULL */
	char		*uri;		/* resolved against base_url */
	int		 discontinuity;	/* EXT-X-DISCONTINUITY before it */
	int64_t		 pdt_ms;	/* EXT-X-PROGRAM-DATE-TIME, ms since
					 * the epoch; -1 when not tagged */
	char		*pdt;		/* that value as written, or NULL */
	int64_t		 byterange_len;	/* EXT-X-BYTERANGE; -1 when none */
	int64_t		 byterange_off;	/* offset (explicit or implied) */
	int		 key_index;	/* in keys[]; -1 = not encrypted */
};

struct m3u8_variant {
	char		*uri;		/* resolved */
	long		 bandwidth;	/* BANDWIDTH, bits/s; 0 if absent */
	long		 avg_bandwidth;	/* AVERAGE-BANDWIDTH; 0 if absent */
	char		 resolution[32]; /* "1280x720", or "" */
	char		*codecs;	/* CODECS without quotes, or NULL */
};

struct m3u8 {
	int			 is_master;	/* variants, no segments */
	int			 version;	/* EXT-X-VERSION; 1 if absent */
	double			 target_duration; /* seconds; 0 if absent */
	uint64_t		 media_sequence;  /* of segs[0]; 0 if absent */
	uint64_t		 discontinuity_sequence;
	int			 endlist;	/* EXT-X-ENDLIST seen */
	struct m3u8_segment	*segs;
	size_t			 nsegs;
	struct m3u8_variant	*variants;
	size_t			 nvariants;
	struct m3u8_key		*keys;
	size_t			 nkeys;
};

/*
 * Parse the LEN bytes at TEXT (not NUL-terminated; a NUL byte is an
 * error) into *OUT.  Relative URIs (segments, variants, key URIs) are
 * resolved against BASE_URL, the playlist's URL after redirects; with
 * BASE_URL NULL they are kept as written.  Tolerates a UTF-8 BOM, CRLF
 * or CR line ends, blank lines, spaces and tabs around lines, comments
 * and unknown tags (ignored).  Returns 0, or -1 with a message in ERR
 * (ERRSZ bytes, may be 0) and *OUT zeroed.  On success free with
 * m3u8_free().  A media playlist with no segments is valid (nsegs 0).
 */
int	 m3u8_parse(const char *text, size_t len, const char *base_url,
	    struct m3u8 *out, char *err, size_t errsz);
/* Free what m3u8_parse() allocated and zero *PL; safe on a zeroed one. */
void	 m3u8_free(struct m3u8 *pl);

/* Variant choice; same values as enum variant_choice in config.h. */
enum m3u8_choice {
	M3U8_CHOOSE_HIGHEST = 0,	/* largest BANDWIDTH (default) */
	M3U8_CHOOSE_LOWEST,		/* smallest BANDWIDTH */
	M3U8_CHOOSE_BANDWIDTH,		/* largest BANDWIDTH <= the target;
					 * the lowest if all are above it */
};

/*
 * The variant of master playlist PL picked by CHOICE (an enum
 * m3u8_choice; unknown values mean highest), BANDWIDTH being the target
 * for M3U8_CHOOSE_BANDWIDTH.  Ties go to the first listed.  NULL when PL
 * has no variants.
 */
const struct m3u8_variant *m3u8_choose_variant(const struct m3u8 *pl,
	    int choice, long bandwidth);

#endif
