/*
 * hdhr.h - the documents of an HDHomeRun network tuner, as Plex, Emby,
 * Jellyfin and Channels DVR read them to take ringcast's channels for a
 * tuner's: discover.json, lineup_status.json, lineup.json and the UPnP
 * device description device.xml, and the tuner's DeviceID with the
 * check digit those programs verify.
 *
 * Pure builders into a struct buf (json.h), unit-tested; the routes that
 * serve them are elsewhere.
 */
#ifndef RINGCAST_HDHR_H
#define RINGCAST_HDHR_H

#include <stddef.h>
#include <stdint.h>

#include "hdhr_id.h"	/* the DeviceID: valid, make, parse */
#include "json.h"

/*
 * What the device says it is.  An HDHomeRun EXTEND (HDTC-2US), as the
 * emulators that media servers already accept (xTeve, Threadfin,
 * Antennas, Dispatcharr) say too; Jellyfin offers its transcoding
 * profiles for "HDTC" models, which ask for ?transcode=PROFILE on the
 * stream URL (a query the /stream route may ignore).  The FriendlyName
 * says ringcast.
 */
#define HDHR_MANUFACTURER	"Silicondust"
#define HDHR_MODEL_NUMBER	"HDTC-2US"
#define HDHR_MODEL_NAME		"HDHomeRun EXTEND"
#define HDHR_FIRMWARE_NAME	"hdhomeruntc_atsc"
#define HDHR_FIRMWARE_VERSION	"20200101"
#define HDHR_FRIENDLY_NAME	"ringcast"	/* when none is given */
#define HDHR_SOURCE		"Cable"		/* lineup_status.json */
#define HDHR_DEVICE_TYPE	"urn:schemas-upnp-org:device:MediaServer:1"
#define HDHR_STREAM_PATH	"/tuner/"	/* BASE/tuner/NAME: the TS of
						 * /stream/NAME, one tuner */
#define HDHR_HOST_MAX		255	/* bytes of a Host taken */
#define HDHR_TUNERS_MIN		1
#define HDHR_TUNERS_MAX		999
#define HDHR_UDN_LEN		41		/* "uuid:" and 36 */

struct hdhr_device {
	const char	*friendly_name;	/* NULL or "": HDHR_FRIENDLY_NAME */
	uint32_t	 device_id;	/* hdhr_device_id_make() */
	const char	*device_auth;	/* NULL: "" */
	const char	*base_url;	/* "http://host:port" as players reach
					 * it; a trailing '/' is dropped */
	int		 tuner_count;	/* streams at once; clamped to
					 * HDHR_TUNERS_MIN..MAX */
};

/* One line of lineup.json. */
struct hdhr_channel {
	const char	*number;	/* GuideNumber: "7", "5.1" */
	const char	*name;		/* GuideName: the title */
	const char	*stream;	/* URL: BASE/tuner/STREAM, encoded */
};

/*
 * Append each document to B.  Strings are escaped for JSON or XML, and
 * whatever is not UTF-8 in them becomes U+FFFD, so the document is
 * always well-formed.  0, or -1 when the buffer could not grow.
 */
int	 hdhr_discover_json(struct buf *b, const struct hdhr_device *d);
int	 hdhr_lineup_status_json(struct buf *b);
int	 hdhr_lineup_json(struct buf *b, const char *base_url,
	    const struct hdhr_channel *ch, size_t n);
int	 hdhr_device_xml(struct buf *b, const struct hdhr_device *d);

/* ID as 8 upper-case hex digits. */
void	 hdhr_device_id_format(uint32_t id,
	    char out[HDHR_DEVICE_ID_LEN + 1]);
/*
 * 1 when HOST (a request's Host header) may be written into the
 * documents' URLs as http://HOST: 1 to HDHR_HOST_MAX bytes of letters,
 * digits and "-._:[]" (a name, an IPv4 or [IPv6] address and a port),
 * so nothing in it can break out of a JSON string, an XML element or a
 * header.
 */
int	 hdhr_host_valid(const char *host);
/* The device's UPnP UDN, "uuid:" and a UUID made from ID (stable). */
void	 hdhr_udn(uint32_t id, char out[HDHR_UDN_LEN + 1]);

#endif
