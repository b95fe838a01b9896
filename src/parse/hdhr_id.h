/*
 * hdhr_id.h - an HDHomeRun DeviceID: 8 hex digits whose last is a check
 * digit that media servers verify.  Pure; the configuration's device_id
 * is checked with it (config_check.c), the tuner's documents (hdhr.h)
 * write it.
 */
#ifndef RINGCAST_HDHR_ID_H
#define RINGCAST_HDHR_ID_H

#include <stdint.h>

#define HDHR_DEVICE_ID_LEN	8		/* hex digits */
#define HDHR_DEVICE_ID_WILDCARD	0xFFFFFFFFu	/* "any device" */

/*
 * 1 when ID's check digit is right: libhdhomerun's rule (a lookup table
 * on every other hex digit, XOR of all eight is 0), which detects a
 * mistyped digit or two digits swapped.
 */
int	 hdhr_device_id_valid(uint32_t id);
/*
 * A valid id made from SEED (a hash of the configured name, say: the
 * same seed, the same id, so media servers keep their channel mapping
 * across restarts): SEED mixed, the first digit 1 as on Silicondust's
 * tuners (never the wildcard FFFFFFFF, never 0), the last digit the
 * check digit.
 */
uint32_t hdhr_device_id_make(uint32_t seed);
/*
 * TEXT as a device id a tuner may have: exactly 8 hex digits (either
 * case) with the right check digit, neither 00000000 nor the wildcard.
 * 0 and *ID, or -1.
 */
int	 hdhr_device_id_parse(const char *text, uint32_t *id);

#endif
