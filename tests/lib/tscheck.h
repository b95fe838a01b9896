/*
 * tscheck.h - what src/parse/tsscan.h promises about one scanned packet,
 * written once for the two tests that check it: the tsscan fuzz target
 * (tests/fuzz/fuzz_tsscan.c) and the random-packet unit test
 * (tests/unit/test_tsscan_pes.c).
 *
 * Header-only (one static inline function): the fuzz targets link only
 * their own object and the library archive (tests/fuzz/fuzz.mk).  It
 * calls only tsscan.h.
 */
#ifndef RINGCAST_TEST_TSCHECK_H
#define RINGCAST_TEST_TSCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "tsscan.h"

/* A PCR is base * 300 + ext, ext 9 bits: up to 511 above the wrap. */
#define TSCHECK_PCR_LIMIT	(TS_PCR_WRAP + 512)

/*
 * FLAGS and PCR are what tsscan_packet() gave for PKT, PCR having been
 * UINT64_MAX before the call.  NULL when they keep tsscan.h's promises,
 * else the promise they break.
 */
static inline const char *
tscheck_scanned(const uint8_t *pkt, int flags, uint64_t pcr)
{
	if (flags & TS_F_INVALID)
		return flags == TS_F_INVALID && pkt[0] != TS_SYNC_BYTE ? NULL :
		    "TS_F_INVALID comes alone, for a packet without 0x47";
	if ((flags & TS_F_PCR) ? pcr >= TSCHECK_PCR_LIMIT : pcr != UINT64_MAX)
		return "a PCR, in range, exactly with TS_F_PCR";
	if ((flags & TS_F_KEYFRAME) && !(flags & TS_F_VIDEO_PES_START))
		return "a keyframe is a video PES start";
	if ((flags & (TS_F_PAT | TS_F_PMT | TS_F_VIDEO_PES_START)) &&
	    !ts_pusi(pkt))
		return "PAT, PMT and PES starts have payload_unit_start";
	return NULL;
}

#endif
