/*
 * tsloop.h - a TS file played as an endless live stream, for the test
 * programs (tests/origin, tests/engine): the file read whole, and each
 * packet of loop N patched so that PCR, PTS, DTS and continuity counters
 * run on across the loop point as an encoder's would.
 */
#ifndef RINGCAST_TEST_TSLOOP_H
#define RINGCAST_TEST_TSLOOP_H

#include <stdint.h>

#include "tsscan.h"

#define TSLOOP_MIN_PACKETS	16

/*
 * Read PATH whole into *DATA (malloc'ed) and *SIZE (a multiple of 188,
 * a trailing partial packet dropped); every packet must start with the
 * sync byte.  0, or -1 with a message prefixed with PROG on stderr.
 */
int	 tsloop_read_file(const char *path, const char *prog, uint8_t **data,
	    uint64_t *size);
/*
 * Shift PCR, PTS, DTS and the continuity counter of packet P into loop
 * LOOP (0: unchanged), for a loop lasting LOOP_27M ticks of 27 MHz in
 * which PID carries CC_STEP[PID] payload packets (mod 16).
 */
void	 tsloop_patch_packet(uint8_t *p, uint64_t loop, uint64_t loop_27m,
	    const uint8_t cc_step[TS_PID_COUNT]);

#endif
