/*
 * iso8601.h - ISO 8601 dates and times as milliseconds since the epoch.
 *
 * Pure: the HLS parser (m3u8.c) reads EXT-X-PROGRAM-DATE-TIME with
 * iso8601_parse(); iso8601_format() writes the form HLS playlists use.
 */
#ifndef RINGCAST_ISO8601_H
#define RINGCAST_ISO8601_H

#include <stddef.h>
#include <stdint.h>

#define ISO8601_STR_MAX		32	/* "2026-11-25T10:00:00.123Z" + NUL */

/*
 * Parse a date and time ("2026-11-25T10:00:00.123Z", "...+02:00",
 * "...-0530"; no zone means UTC; digits beyond the millisecond are
 * dropped) into milliseconds since the epoch.  0, or -1 if malformed or
 * before 1970.
 */
int	 iso8601_parse(const char *s, int64_t *ms);
/*
 * Format MS (since the epoch, >= 0, year <= 9999) as
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" into OUT.  Returns the length written
 * (24), or -1 if MS is out of range or OUTSZ < 25 (ISO8601_STR_MAX is
 * enough).
 */
int	 iso8601_format(int64_t ms, char *out, size_t outsz);

#endif
