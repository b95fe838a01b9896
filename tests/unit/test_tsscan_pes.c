/*
 * test_tsscan_pes.c - video PES starts and keyframes (H.264, HEVC, RAI
 * only), PCR, and what tsscan promises of malformed and random packets
 * (tscheck.h).  Packets, PAT/PMT, alignment: test_tsscan.c.
 *
 * Every flag is checked against a packet whose content the test states
 * (built by test_tsscan.h, each in its own heap block for ASan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsscan.h"
#include "../lib/tscheck.h"
#include "test_tsscan.h"

static void
test_h264_keyframes(void **state)
{
	struct tsscan	 s;
	uint8_t		*pkt = pkt_alloc();
	const uint8_t	 idr_after_sei[] = { NAL_H264_SEI, NAL_H264_IDR };
	const uint8_t	 sps_pps[] = { NAL_H264_SPS, NAL_H264_PPS };
	const uint8_t	 p_slices[] = { NAL_H264_SEI, NAL_H264_NONIDR };

	scan_setup(&s, 0x1B);
	assert_int_equal(scan_nal(&s, NAL_H264_IDR, 0),
	    TS_F_VIDEO_PES_START | TS_F_KEYFRAME);
	assert_int_equal(scan_nal(&s, NAL_H264_SPS, 0),
	    TS_F_VIDEO_PES_START | TS_F_KEYFRAME);
	assert_int_equal(scan_nal(&s, NAL_H264_NONIDR, 0),
	    TS_F_VIDEO_PES_START);
	/* random_access_indicator alone is enough */
	assert_int_equal(scan_nal(&s, NAL_H264_NONIDR, 1),
	    TS_F_VIDEO_PES_START | TS_F_KEYFRAME);
	assert_int_equal(s.keyframes, 3);

	make_pes(pkt, PID_VIDEO, 1, NULL, idr_after_sei, 2);
	assert_int_equal(tsscan_packet(&s, pkt, NULL),
	    TS_F_VIDEO_PES_START | TS_F_KEYFRAME);
	make_pes(pkt, PID_VIDEO, 1, NULL, sps_pps, 2);
	assert_int_equal(tsscan_packet(&s, pkt, NULL),
	    TS_F_VIDEO_PES_START | TS_F_KEYFRAME);
	make_pes(pkt, PID_VIDEO, 1, NULL, p_slices, 2);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_VIDEO_PES_START);

	/* IDR bytes in a continuation packet: not a PES start */
	make_pes(pkt, PID_VIDEO, 0, NULL, sps_pps, 2);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), 0);
	/* a start code inside the PES header is not looked at */
	make_pes(pkt, PID_VIDEO, 1, NULL, p_slices, 2);
	pkt[4 + 9] = 0x00;		/* PTS bytes: 00 00 01 65 */
	pkt[4 + 10] = 0x00;
	pkt[4 + 11] = 0x01;
	pkt[4 + 12] = NAL_H264_IDR;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_VIDEO_PES_START);
	/* a NAL header in the very last byte counts; a start code cut by
	 * the packet end is not read past */
	make_pes(pkt, PID_VIDEO, 1, NULL, p_slices, 2);
	memcpy(pkt + 184, (uint8_t[]){ 0x00, 0x00, 0x01, NAL_H264_IDR }, 4);
	assert_int_equal(tsscan_packet(&s, pkt, NULL),
	    TS_F_VIDEO_PES_START | TS_F_KEYFRAME);
	memcpy(pkt + 184, (uint8_t[]){ 0x5A, 0x00, 0x00, 0x01 }, 4);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_VIDEO_PES_START);
	memcpy(pkt + 184, (uint8_t[]){ 0x5A, 0x5A, 0x00, 0x00 }, 4);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_VIDEO_PES_START);
	/* PES_header_data_length pointing past the packet */
	make_pes(pkt, PID_VIDEO, 1, NULL, sps_pps, 2);
	pkt[4 + 8] = 0xFF;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_VIDEO_PES_START);
	/* not a video stream_id (private_stream_1 here): not scanned */
	make_pes(pkt, PID_VIDEO, 1, NULL, sps_pps, 2);
	pkt[4 + 3] = 0xBD;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_VIDEO_PES_START);
	/* scrambled payload is not scanned, RAI still counts */
	make_pes(pkt, PID_VIDEO, 1, NULL, sps_pps, 2);
	pkt[3] |= 0x80;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_VIDEO_PES_START);
	/* audio PID with RAI: never a video keyframe */
	make_pes(pkt, PID_AUDIO, 1, &(struct af){ .present = 1, .rai = 1 },
	    sps_pps, 2);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), 0);
	assert_int_equal(s.keyframes, 6);
	free(pkt);
}

static void
test_hevc_keyframes(void **state)
{
	struct tsscan	 s;
	int		 t, want;

	scan_setup(&s, 0x24);
	assert_int_equal(s.video_codec, TS_VIDEO_HEVC);
	for (t = 0; t < 64; t++) {
		want = (t >= 16 && t <= 21) || t == 32 || t == 33;
		assert_int_equal(scan_nal(&s, NAL_HEVC(t), 0),
		    TS_F_VIDEO_PES_START | (want ? TS_F_KEYFRAME : 0));
	}
}

static void
test_mpeg2_rai_only(void **state)
{
	struct tsscan	 s;

	scan_setup(&s, 0x02);
	assert_int_equal(s.video_codec, TS_VIDEO_OTHER);
	assert_int_equal(scan_nal(&s, 0x00, 0), TS_F_VIDEO_PES_START);
	assert_int_equal(scan_nal(&s, NAL_H264_IDR, 0), TS_F_VIDEO_PES_START);
	assert_int_equal(scan_nal(&s, 0x00, 1),
	    TS_F_VIDEO_PES_START | TS_F_KEYFRAME);
}

static void
test_pcr(void **state)
{
	struct tsscan	 s;
	uint8_t		*pkt = pkt_alloc();
	struct af	 af = { .present = 1, .has_pcr = 1 };
	uint64_t	 pcr = 0;
	uint8_t		 nal = NAL_H264_NONIDR;

	/* before the PMT: any PID */
	tsscan_init(&s);
	af.pcr = ((1ULL << 33) - 1) * 300 + 299;	/* largest PCR */
	make_pes(pkt, PID_AUDIO, 0, &af, NULL, 0);
	assert_int_equal(tsscan_packet(&s, pkt, &pcr), TS_F_PCR);
	assert_true(pcr == af.pcr);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PCR);

	scan_setup(&s, 0x1B);
	af.pcr = 27000000ULL * 3600 + 123;
	make_pes(pkt, PID_VIDEO, 1, &af, &nal, 1);
	assert_int_equal(tsscan_packet(&s, pkt, &pcr),
	    TS_F_PCR | TS_F_VIDEO_PES_START);
	assert_true(pcr == af.pcr);
	/* with RAI too */
	af.rai = 1;
	make_pes(pkt, PID_VIDEO, 1, &af, &nal, 1);
	assert_int_equal(tsscan_packet(&s, pkt, &pcr),
	    TS_F_PCR | TS_F_VIDEO_PES_START | TS_F_KEYFRAME);
	/* once the PMT names the PCR PID, others do not count */
	pcr = 7;
	make_pes(pkt, PID_AUDIO, 0, &af, NULL, 0);
	assert_int_equal(tsscan_packet(&s, pkt, &pcr), 0);
	assert_true(pcr == 7);
	/* PCR flag but adaptation field too short for a PCR */
	make_packet(pkt, PID_VIDEO, 0, 0, &(struct af){ .present = 1 },
	    (uint8_t[178]){ 0 }, 178);
	assert_int_equal(pkt[4], 5);
	pkt[5] = 0x10;
	assert_int_equal(tsscan_packet(&s, pkt, &pcr), 0);
	free(pkt);
}

/* Every adaptation_field_control / length combination on every PID role. */
static void
test_malformed_lengths(void **state)
{
	struct tsscan	 s;
	uint8_t		*pkt = pkt_alloc();
	const uint16_t	 pids[] = { TS_PID_PAT, PID_PMT, PID_VIDEO, PID_AUDIO };
	uint64_t	 pcr;
	size_t		 p;
	int		 afc, afl, fill, f;

	scan_setup(&s, 0x1B);
	for (p = 0; p < sizeof(pids) / sizeof(pids[0]); p++)
	for (afc = 0; afc < 4; afc++)
	for (afl = 0; afl < 256; afl++)
	for (fill = 0; fill < 3; fill++) {
		/* fill: 0xFF (huge lengths), 0x00, start codes everywhere */
		memset(pkt, fill == 0 ? 0xFF : fill == 1 ? 0x00 : 0x01, 188);
		if (fill == 2)
			for (f = 4; f + 2 < 188; f += 3)
				pkt[f] = pkt[f + 1] = 0;
		pkt[0] = 0x47;
		pkt[1] = (uint8_t)(0x40 | (pids[p] >> 8));
		pkt[2] = pids[p] & 0xFF;
		pkt[3] = (uint8_t)(afc << 4);
		pkt[4] = (uint8_t)afl;
		pkt[5] = 0xFF;		/* every AF flag */
		f = tsscan_packet(&s, pkt, &pcr);
		if (afl < 7 || afl > 183 || afc < 2 ||
		    (afc == 3 && afl > 182))
			assert_int_equal(f & TS_F_PCR, 0);
		assert_int_equal(f & TS_F_INVALID, 0);
		ts_set_discontinuity(pkt);
		/* keep the scanner pointed at the same PIDs */
		scan_setup(&s, 0x1B);
	}
	free(pkt);
}

/*
 * What tsscan.h promises of any packet that starts with the sync byte,
 * however wrong the rest: the packet is left alone, it is never called
 * invalid, and tscheck_scanned() finds no broken promise (a PCR only
 * with TS_F_PCR and in range, a keyframe only as a video PES start, PAT,
 * PMT and PES starts only with payload_unit_start).  Returns the flags.
 */
static int
check_random_packet(struct tsscan *s, const uint8_t *pkt)
{
	uint8_t		 copy[TS_PACKET_SIZE];
	uint64_t	 pcr = UINT64_MAX;
	const char	*broken;
	int		 flags;

	memcpy(copy, pkt, sizeof(copy));
	flags = tsscan_packet(s, pkt, &pcr);
	assert_memory_equal(copy, pkt, sizeof(copy));
	assert_int_equal(flags & TS_F_INVALID, 0);
	if ((broken = tscheck_scanned(pkt, flags, pcr)) != NULL)
		fail_msg("%s", broken);
	return flags;
}

/*
 * Random packets through every parse path: each obeys
 * check_random_packet(), and PATs, PMTs, PCRs and video PES starts were
 * all among them (so every path ran).  Under check-asan, ASan watches
 * the bounds too.
 */
static void
test_random_packets(void **state)
{
	struct tsscan	 s;
	uint8_t		*pkt = pkt_alloc();
	const uint16_t	 pids[] = { TS_PID_PAT, PID_PMT, PID_VIDEO, PID_AUDIO };
	int		 i, j, seen = 0;

	srandom(42);
	scan_setup(&s, 0x1B);
	for (i = 0; i < 200000; i++) {
		for (j = 0; j < TS_PACKET_SIZE; j++)
			pkt[j] = (uint8_t)random();
		/* bias towards plausible structure */
		if (i & 1) {
			pkt[4] = (uint8_t)(random() % 8);
			pkt[5 + pkt[4]] = 0;
		}
		pkt[0] = 0x47;
		pkt[1] = (uint8_t)((pkt[1] & 0xC0) | (pids[i % 4] >> 8));
		pkt[2] = pids[i % 4] & 0xFF;
		seen |= check_random_packet(&s, pkt);
		if (!s.have_video || !s.have_pmt_pid)
			scan_setup(&s, (i & 2) ? 0x24 : 0x1B);
	}
	assert_int_equal(seen & (TS_F_PAT | TS_F_PMT | TS_F_PCR |
	    TS_F_VIDEO_PES_START), TS_F_PAT | TS_F_PMT | TS_F_PCR |
	    TS_F_VIDEO_PES_START);
	free(pkt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h264_keyframes),
		cmocka_unit_test(test_hevc_keyframes),
		cmocka_unit_test(test_mpeg2_rai_only),
		cmocka_unit_test(test_pcr),
		cmocka_unit_test(test_malformed_lengths),
		cmocka_unit_test(test_random_packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
