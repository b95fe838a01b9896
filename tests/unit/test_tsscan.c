/*
 * test_tsscan.c - packet alignment and PAT/PMT/keyframe/PCR detection.
 *
 * Packets are built here byte by byte (PAT, PMT with AAC + H.264, PES with
 * IDR or non-IDR NAL units, adaptation fields with RAI and PCR), so every
 * flag is checked against a packet whose content the test states.  Each
 * packet under test sits in its own 188-byte heap block so that
 * AddressSanitizer catches any read past the packet.
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
#include "../lib/sample.h"

#define PID_PMT		0x1000
#define PID_VIDEO	0x0100
#define PID_AUDIO	0x0101
#define PID_PCR		PID_VIDEO

#define NAL_H264_NONIDR	0x41	/* nal_ref_idc 2, type 1 */
#define NAL_H264_IDR	0x65	/* type 5 */
#define NAL_H264_SPS	0x67	/* type 7 */
#define NAL_H264_PPS	0x68	/* type 8 */
#define NAL_H264_SEI	0x06	/* type 6 */
#define NAL_HEVC(t)	((uint8_t)((t) << 1))

struct af {
	int		 present;
	int		 rai;
	int		 disc;
	int		 has_pcr;
	uint64_t	 pcr;
};

static uint32_t
crc32_mpeg(const uint8_t *p, size_t len)
{
	uint32_t	 crc = 0xFFFFFFFF;
	size_t		 i;
	int		 b;

	for (i = 0; i < len; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (b = 0; b < 8; b++)
			crc = (crc & 0x80000000) ? (crc << 1) ^ 0x04C11DB7 :
			    crc << 1;
	}
	return crc;
}

/* A packet: header, adaptation field (stuffed to fit), PAYLOAD. */
static void
make_packet(uint8_t *pkt, uint16_t pid, int pusi, int cc,
    const struct af *af, const uint8_t *payload, size_t plen)
{
	int	 need_af, afl = 0, i = 4;

	assert_true(plen <= 184);
	need_af = (af != NULL && af->present) || plen < 184;
	memset(pkt, 0xFF, TS_PACKET_SIZE);
	pkt[0] = TS_SYNC_BYTE;
	pkt[1] = (uint8_t)((pusi ? 0x40 : 0) | ((pid >> 8) & 0x1F));
	pkt[2] = pid & 0xFF;
	pkt[3] = (uint8_t)((need_af ? 0x20 : 0) | (plen > 0 ? 0x10 : 0) |
	    (cc & 0x0F));
	if (need_af) {
		afl = 184 - 1 - (int)plen;
		assert_true(afl >= ((af && af->has_pcr) ? 7 : 0));
		pkt[i++] = (uint8_t)afl;
		if (afl > 0) {
			pkt[i] = 0;
			if (af && af->disc)
				pkt[i] |= 0x80;
			if (af && af->rai)
				pkt[i] |= 0x40;
			if (af && af->has_pcr) {
				uint64_t base = af->pcr / 300, ext = af->pcr % 300;

				pkt[i] |= 0x10;
				pkt[i + 1] = (uint8_t)(base >> 25);
				pkt[i + 2] = (uint8_t)(base >> 17);
				pkt[i + 3] = (uint8_t)(base >> 9);
				pkt[i + 4] = (uint8_t)(base >> 1);
				pkt[i + 5] = (uint8_t)(((base & 1) << 7) | 0x7E |
				    (ext >> 8));
				pkt[i + 6] = (uint8_t)ext;
			}
		}
		i += afl;
	}
	memcpy(pkt + i, payload, plen);
}

/* A PSI packet: pointer_field POINTER (filler before), then SEC + CRC. */
static void
make_psi(uint8_t *pkt, uint16_t pid, int pointer, uint8_t *sec, size_t len)
{
	uint8_t		 payload[184];
	uint32_t	 crc;
	size_t		 n = 0;

	/* section_length covers everything after it, CRC included */
	sec[1] = (uint8_t)(0xB0 | ((len + 4 - 3) >> 8));
	sec[2] = (uint8_t)(len + 4 - 3);
	crc = crc32_mpeg(sec, len);
	memset(payload, 0xFF, sizeof(payload));
	payload[n++] = (uint8_t)pointer;
	n += (size_t)pointer;
	memcpy(payload + n, sec, len);
	n += len;
	payload[n++] = (uint8_t)(crc >> 24);
	payload[n++] = (uint8_t)(crc >> 16);
	payload[n++] = (uint8_t)(crc >> 8);
	payload[n++] = (uint8_t)crc;
	make_packet(pkt, pid, 1, 0, NULL, payload, 184);
}

/* PAT with a network PID entry first, then program 1 -> PMT_PID. */
static void
make_pat(uint8_t *pkt, uint16_t pmt_pid, int pointer)
{
	uint8_t	 sec[32] = {
		0x00, 0, 0, 0x00, 0x01, 0xC1, 0x00, 0x00,
		0x00, 0x00, 0xE0, 0x10,			/* program 0: NIT */
		0x00, 0x01, 0, 0,			/* program 1 */
	};

	sec[14] = (uint8_t)(0xE0 | (pmt_pid >> 8));
	sec[15] = pmt_pid & 0xFF;
	make_psi(pkt, TS_PID_PAT, pointer, sec, 16);
}

/* PMT: AAC on PID_AUDIO, then VTYPE on PID_VIDEO (with a descriptor),
 * then HEVC on another PID which must not win. */
static void
make_pmt(uint8_t *pkt, uint16_t pmt_pid, uint8_t vtype, uint16_t pcr_pid)
{
	uint8_t	 sec[64] = {
		0x02, 0, 0, 0x00, 0x01, 0xC1, 0x00, 0x00,
		0, 0,				/* PCR_PID */
		0xF0, 0x00,			/* program_info_length */
		0x0F, 0xE1, 0x01, 0xF0, 0x00,	/* AAC on 0x101 */
		0, 0xE1, 0x00, 0xF0, 0x03,	/* video on 0x100 */
		0x52, 0x01, 0x00,		/* stream_identifier desc */
		0x24, 0xE1, 0x02, 0xF0, 0x00,	/* HEVC on 0x102 */
	};

	sec[8] = (uint8_t)(0xE0 | (pcr_pid >> 8));
	sec[9] = pcr_pid & 0xFF;
	sec[17] = vtype;
	make_psi(pkt, pmt_pid, 0, sec, 30);
}

/* Video PES start: AUD then NAL units NALS (first header bytes). */
static void
make_pes(uint8_t *pkt, uint16_t pid, int pusi, const struct af *af,
    const uint8_t *nals, size_t nnals)
{
	uint8_t	 p[184];
	size_t	 n = 0, i;

	if (pusi) {
		static const uint8_t hdr[] = {
			0x00, 0x00, 0x01, 0xE0, 0x00, 0x00,
			0x80, 0x80, 0x05, 0x21, 0x00, 0x01, 0x00, 0x01,
			0x00, 0x00, 0x00, 0x01, 0x09, 0xF0,	/* AUD */
		};

		memcpy(p, hdr, sizeof(hdr));
		n = sizeof(hdr);
	}
	for (i = 0; i < nnals; i++) {
		p[n++] = 0x00;
		p[n++] = 0x00;
		p[n++] = 0x01;
		p[n++] = nals[i];
		memset(p + n, 0x5A, 8);
		n += 8;
	}
	if (af == NULL || !af->has_pcr) {
		/* fill to a full payload, as slices continue in real streams */
		memset(p + n, 0x5A, sizeof(p) - n);
		n = af && af->present ? 150 : sizeof(p);
	}
	make_packet(pkt, pid, pusi, 0, af, p, n);
}

static uint8_t *
pkt_alloc(void)
{
	uint8_t	*pkt = malloc(TS_PACKET_SIZE);

	assert_non_null(pkt);
	return pkt;
}

/* A scanner that has seen PAT and a PMT with video type VTYPE. */
static void
scan_setup(struct tsscan *s, uint8_t vtype)
{
	uint8_t	*pkt = pkt_alloc();

	tsscan_init(s);
	make_pat(pkt, PID_PMT, 0);
	assert_int_equal(tsscan_packet(s, pkt, NULL), TS_F_PAT);
	make_pmt(pkt, PID_PMT, vtype, PID_PCR);
	assert_int_equal(tsscan_packet(s, pkt, NULL), TS_F_PMT);
	free(pkt);
}

static int
scan_nal(struct tsscan *s, uint8_t nal, int rai)
{
	uint8_t		*pkt = pkt_alloc();
	struct af	 af = { .present = rai, .rai = rai };
	int		 f;

	make_pes(pkt, PID_VIDEO, 1, &af, &nal, 1);
	f = tsscan_packet(s, pkt, NULL);
	free(pkt);
	return f;
}

static void
test_header_helpers(void **state)
{
	uint8_t		 pkt[TS_PACKET_SIZE];
	uint8_t		 payload[100] = { 0 };
	struct af	 af = { .present = 1 };

	make_packet(pkt, 0x1ABC, 1, 13, &af, payload, sizeof(payload));
	assert_int_equal(ts_pid(pkt), 0x1ABC);
	assert_true(ts_pusi(pkt));
	assert_int_equal(ts_cc(pkt), 13);
	assert_true(ts_has_payload(pkt));
	assert_true(ts_has_adaptation(pkt));

	make_packet(pkt, 0x0042, 0, 7, NULL, (uint8_t[184]){ 0 }, 184);
	assert_int_equal(ts_pid(pkt), 0x42);
	assert_false(ts_pusi(pkt));
	assert_int_equal(ts_cc(pkt), 7);
	assert_true(ts_has_payload(pkt));
	assert_false(ts_has_adaptation(pkt));
}

static void
test_null_packet(void **state)
{
	uint8_t		*pkt = pkt_alloc();
	struct tsscan	 s;
	int		 i;

	ts_make_null(pkt);
	assert_int_equal(pkt[0], 0x47);
	assert_int_equal(ts_pid(pkt), TS_PID_NULL);
	assert_true(ts_has_payload(pkt));
	assert_false(ts_has_adaptation(pkt));
	assert_false(ts_pusi(pkt));
	for (i = 4; i < TS_PACKET_SIZE; i++)
		assert_int_equal(pkt[i], 0xFF);
	tsscan_init(&s);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), 0);
	free(pkt);
}

static void
test_discontinuity_packet(void **state)
{
	uint8_t		*pkt = pkt_alloc();
	struct af	 af = { .present = 1, .has_pcr = 1, .pcr = 12345 };
	uint8_t		 nal = NAL_H264_NONIDR;
	int		 i;

	ts_make_discontinuity(pkt, 0x0123, 9);
	assert_int_equal(pkt[0], 0x47);
	assert_int_equal(ts_pid(pkt), 0x0123);
	assert_int_equal(ts_cc(pkt), 9);
	assert_false(ts_pusi(pkt));
	assert_false(ts_has_payload(pkt));
	assert_true(ts_has_adaptation(pkt));
	assert_int_equal(pkt[4], 183);
	assert_int_equal(pkt[5], 0x80);
	for (i = 6; i < TS_PACKET_SIZE; i++)
		assert_int_equal(pkt[i], 0xFF);
	ts_make_discontinuity(pkt, 0xFFFF, 0x1F);	/* masked, not spilled */
	assert_int_equal(ts_pid(pkt), 0x1FFF);
	assert_int_equal(ts_cc(pkt), 0x0F);
	assert_int_equal(pkt[3] & 0xF0, 0x20);

	/* set on a packet with an adaptation field, keeping its other flags */
	make_pes(pkt, PID_VIDEO, 1, &af, &nal, 1);
	assert_int_equal(pkt[5] & 0x80, 0);
	assert_int_equal(ts_set_discontinuity(pkt), 1);
	assert_int_equal(pkt[5], 0x80 | 0x10);
	/* no adaptation field: nothing to set, nothing changed */
	make_pes(pkt, PID_VIDEO, 0, NULL, NULL, 0);
	assert_false(ts_has_adaptation(pkt));
	assert_int_equal(ts_set_discontinuity(pkt), 0);
	assert_int_equal(pkt[3] & 0x20, 0);
	/* adaptation field of length 0 has no flags byte */
	make_packet(pkt, PID_VIDEO, 0, 0, NULL, (uint8_t[183]){ 0 }, 183);
	assert_int_equal(pkt[4], 0);
	assert_int_equal(ts_set_discontinuity(pkt), 0);
	assert_int_equal(pkt[5], 0);
	/* bogus length, not a TS packet */
	pkt[4] = 200;
	assert_int_equal(ts_set_discontinuity(pkt), 0);
	ts_make_discontinuity(pkt, 1, 1);
	pkt[0] = 0;
	pkt[5] = 0;
	assert_int_equal(ts_set_discontinuity(pkt), 0);
	assert_int_equal(pkt[5], 0);
	free(pkt);
}

static void
test_pat_pmt(void **state)
{
	uint8_t		*pkt = pkt_alloc();
	struct tsscan	 s;

	tsscan_init(&s);
	assert_false(s.have_pmt_pid);
	/* keyframe before any PMT: not reported (video PID unknown) */
	assert_int_equal(scan_nal(&s, NAL_H264_IDR, 1), 0);

	make_pat(pkt, PID_PMT, 0);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PAT);
	assert_true(s.have_pmt_pid);
	assert_int_equal(s.pmt_pid, PID_PMT);
	assert_false(s.have_video);

	make_pmt(pkt, PID_PMT, 0x1B, PID_PCR);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PMT);
	assert_true(s.have_video);
	assert_int_equal(s.video_pid, PID_VIDEO);	/* audio skipped */
	assert_int_equal(s.video_codec, TS_VIDEO_H264);	/* first video wins */
	assert_true(s.have_pcr_pid);
	assert_int_equal(s.pcr_pid, PID_PCR);

	/* continuation of PAT (no PUSI): no flag */
	pkt[1] &= (uint8_t)~0x40;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), 0);
	assert_int_equal(s.packets, 4);
	free(pkt);
}

static void
test_pat_pointer_field(void **state)
{
	uint8_t		*pkt = pkt_alloc();
	struct tsscan	 s;

	tsscan_init(&s);
	make_pat(pkt, 0x0555, 7);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PAT);
	assert_true(s.have_pmt_pid);
	assert_int_equal(s.pmt_pid, 0x0555);

	/* a program pointing at PID 0 or the null PID is nonsense */
	tsscan_init(&s);
	make_pat(pkt, TS_PID_NULL, 0);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PAT);
	assert_false(s.have_pmt_pid);
	make_pat(pkt, TS_PID_PAT, 0);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PAT);
	assert_false(s.have_pmt_pid);
	/* not current yet (current_next_indicator 0): ignored */
	make_pat(pkt, 0x0555, 0);
	pkt[10] &= 0xFE;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PAT);
	assert_false(s.have_pmt_pid);

	/* pointer past the end of the packet */
	tsscan_init(&s);
	make_pat(pkt, 0x0555, 0);
	pkt[4] = 200;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PAT);
	assert_false(s.have_pmt_pid);
	free(pkt);
}

static void
test_pmt_change_forgets_video(void **state)
{
	uint8_t		*pkt = pkt_alloc();
	struct tsscan	 s;

	scan_setup(&s, 0x1B);
	/* same PAT again: nothing forgotten */
	make_pat(pkt, PID_PMT, 0);
	tsscan_packet(&s, pkt, NULL);
	assert_true(s.have_video);
	/* new program: old video PID no longer trusted */
	make_pat(pkt, 0x0777, 0);
	tsscan_packet(&s, pkt, NULL);
	assert_int_equal(s.pmt_pid, 0x0777);
	assert_false(s.have_video);
	assert_int_equal(scan_nal(&s, NAL_H264_IDR, 1), 0);
	/* old PMT PID is an ordinary PID now */
	make_pmt(pkt, PID_PMT, 0x1B, PID_PCR);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), 0);
	make_pmt(pkt, 0x0777, 0x1B, PID_PCR);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PMT);
	assert_true(s.have_video);
	free(pkt);
}

static void
test_multi_packet_section_ignored(void **state)
{
	uint8_t		*pkt = pkt_alloc();
	struct tsscan	 s;

	scan_setup(&s, 0x1B);
	/* a PMT claiming 1000 bytes: spans packets, ignored */
	make_pmt(pkt, PID_PMT, 0x24, 0x0200);
	pkt[6] = 0xB3;
	pkt[7] = 0xE8;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PMT);
	assert_int_equal(s.video_codec, TS_VIDEO_H264);
	assert_int_equal(s.pcr_pid, PID_PCR);
	/* a PAT section ending exactly at the packet end is accepted */
	tsscan_init(&s);
	make_pat(pkt, 0x0321, 184 - 1 - 20);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PAT);
	assert_int_equal(s.pmt_pid, 0x0321);
	/* ... and one byte further is not */
	tsscan_init(&s);
	pkt[4]++;
	memmove(pkt + 6, pkt + 5, 182);
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_PAT);
	assert_false(s.have_pmt_pid);
	free(pkt);
}

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

static void
test_invalid(void **state)
{
	struct tsscan	 s;
	uint8_t		*pkt = pkt_alloc();

	tsscan_init(&s);
	make_pat(pkt, PID_PMT, 0);
	pkt[0] = 0x48;
	assert_int_equal(tsscan_packet(&s, pkt, NULL), TS_F_INVALID);
	assert_false(s.have_pmt_pid);
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

/* ------------------------------------------------------------------ */
/* Alignment */

#define NPKT	40

/* NPKT packets with recognisable content (and stray 0x47 bytes). */
static uint8_t *
make_stream(void)
{
	uint8_t	*buf = malloc(NPKT * TS_PACKET_SIZE);
	int	 i, j;

	assert_non_null(buf);
	for (i = 0; i < NPKT; i++) {
		uint8_t	*p = buf + i * TS_PACKET_SIZE;

		p[0] = 0x47;
		p[1] = (uint8_t)(i >> 8);
		p[2] = (uint8_t)i;
		p[3] = 0x10;
		for (j = 4; j < TS_PACKET_SIZE; j++)
			p[j] = (uint8_t)(i * 7 + j);
		p[4 + (i * 37) % 184] = 0x47;	/* stray, never aligned */
	}
	return buf;
}

/* Feed LEN bytes in chunks of CHUNK with an output of OUTCAP; append the
 * packets to OUT at *NOUT. */
static void
feed_chunks(struct ts_sync *ts, const uint8_t *buf, size_t len,
    size_t chunk, size_t outcap, uint8_t *out, size_t *nout)
{
	uint8_t	*tmp = malloc(outcap);
	size_t	 off = 0, n, used, got;

	assert_non_null(tmp);
	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		/* the chunk in its own block: ASan catches overreads */
		uint8_t	*c = malloc(n);

		assert_non_null(c);
		memcpy(c, buf + off, n);
		used = 0;
		do {
			size_t	 u;

			got = ts_sync_feed(ts, c + used, n - used, &u, tmp,
			    outcap);
			assert_int_equal(got % TS_PACKET_SIZE, 0);
			assert_true(got <= outcap);
			assert_true(u <= n - used);
			memcpy(out + *nout, tmp, got);
			*nout += got;
			used += u;
			assert_true(got > 0 || u > 0 || used == n);
		} while (used < n);
		free(c);
		off += n;
	}
	free(tmp);
}

static void
test_sync_clean(void **state)
{
	struct ts_sync	 ts = { 0 };
	uint8_t		*in = make_stream();
	uint8_t		*out = malloc(NPKT * TS_PACKET_SIZE);
	size_t		 nout = 0;

	feed_chunks(&ts, in, NPKT * TS_PACKET_SIZE, 100000,
	    NPKT * TS_PACKET_SIZE, out, &nout);
	assert_int_equal(nout, NPKT * TS_PACKET_SIZE);
	assert_memory_equal(out, in, nout);
	assert_int_equal(ts.dropped_bytes, 0);
	assert_true(ts.synced);
	assert_int_equal(ts.npartial, 0);
	free(in);
	free(out);
}

static void
test_sync_chunk_sizes(void **state)
{
	uint8_t		*in = make_stream();
	size_t		 garbage = 77, len = garbage + NPKT * TS_PACKET_SIZE;
	uint8_t		*buf = malloc(len);
	uint8_t		*out = malloc(len);
	size_t		 chunk, nout, outcaps[] = { 188, 188 * 3, 188 * 64 }, o;

	/* garbage with a lone 0x47 that must not fake alignment */
	memset(buf, 0xA5, garbage);
	buf[10] = 0x47;
	buf[10 + 188 < garbage ? 10 + 188 : 11] = 0x47;
	memcpy(buf + garbage, in, NPKT * TS_PACKET_SIZE);
	for (o = 0; o < 3; o++)
		for (chunk = 1; chunk <= 500; chunk++) {
			struct ts_sync	 ts = { 0 };

			nout = 0;
			feed_chunks(&ts, buf, len, chunk, outcaps[o], out,
			    &nout);
			assert_int_equal(nout, NPKT * TS_PACKET_SIZE);
			assert_memory_equal(out, in, nout);
			assert_int_equal(ts.dropped_bytes, garbage);
		}
	free(in);
	free(buf);
	free(out);
}

static void
test_sync_pending(void **state)
{
	struct ts_sync	 ts = { 0 };
	uint8_t		*in = make_stream();
	uint8_t		 out[TS_PACKET_SIZE * 8];
	size_t		 used, n;

	/* two packets: sync cannot be confirmed yet, nothing dropped */
	n = ts_sync_feed(&ts, in, 376, &used, out, sizeof(out));
	assert_int_equal(n, 0);
	assert_int_equal(used, 376);
	assert_int_equal(ts.npartial, 376);
	assert_false(ts.synced);
	/* the third sync byte confirms it: two packets out at once */
	n = ts_sync_feed(&ts, in + 376, 1, &used, out, sizeof(out));
	assert_int_equal(n, 376);
	assert_memory_equal(out, in, 376);
	assert_true(ts.synced);
	assert_int_equal(ts.npartial, 1);
	/* in sync, a packet is out as soon as it is complete */
	n = ts_sync_feed(&ts, in + 377, 187, &used, out, sizeof(out));
	assert_int_equal(n, 188);
	assert_memory_equal(out, in + 376, 188);
	assert_int_equal(ts.npartial, 0);
	n = ts_sync_feed(&ts, in + 564, 188, &used, out, sizeof(out));
	assert_int_equal(n, 188);
	/* and a partial one waits */
	n = ts_sync_feed(&ts, in + 752, 100, &used, out, sizeof(out));
	assert_int_equal(n, 0);
	assert_int_equal(used, 100);
	/* reset forgets it */
	ts_sync_reset(&ts);
	assert_int_equal(ts.npartial, 0);
	assert_false(ts.synced);
	assert_int_equal(ts.dropped_bytes, 100);
	n = ts_sync_feed(&ts, in, 188 * 3, &used, out, sizeof(out));
	assert_int_equal(n, 188 * 3);
	/* empty and NULL input */
	n = ts_sync_feed(&ts, NULL, 0, &used, out, sizeof(out));
	assert_int_equal(n, 0);
	assert_int_equal(used, 0);
	free(in);
}

static void
test_sync_loss_and_garbage(void **state)
{
	struct ts_sync	 ts = { 0 };
	uint8_t		*in = make_stream();
	size_t		 len = NPKT * TS_PACKET_SIZE + 50;
	uint8_t		*buf = malloc(len), *out = malloc(len);
	size_t		 nout = 0;

	/* a corrupted sync byte: that packet is lost, the rest kept */
	in[5 * TS_PACKET_SIZE] = 0x00;
	feed_chunks(&ts, in, NPKT * TS_PACKET_SIZE, 1000, 188 * 7, out, &nout);
	assert_int_equal(nout, (NPKT - 1) * TS_PACKET_SIZE);
	assert_int_equal(ts.dropped_bytes, TS_PACKET_SIZE);
	assert_memory_equal(out, in, 5 * TS_PACKET_SIZE);
	assert_memory_equal(out + 5 * TS_PACKET_SIZE,
	    in + 6 * TS_PACKET_SIZE, (NPKT - 6) * TS_PACKET_SIZE);
	in[5 * TS_PACKET_SIZE] = 0x47;

	/* 50 bytes of garbage between packets 9 and 10 */
	memcpy(buf, in, 10 * TS_PACKET_SIZE);
	memset(buf + 10 * TS_PACKET_SIZE, 0x33, 50);
	memcpy(buf + 10 * TS_PACKET_SIZE + 50, in + 10 * TS_PACKET_SIZE,
	    (NPKT - 10) * TS_PACKET_SIZE);
	memset(&ts, 0, sizeof(ts));
	nout = 0;
	feed_chunks(&ts, buf, len, 333, 188 * 5, out, &nout);
	assert_int_equal(nout, NPKT * TS_PACKET_SIZE);
	assert_memory_equal(out, in, nout);
	assert_int_equal(ts.dropped_bytes, 50);

	/* only garbage: everything dropped but what may still be a start */
	memset(&ts, 0, sizeof(ts));
	memset(buf, 0x11, len);
	nout = 0;
	feed_chunks(&ts, buf, len, 4096, 188, out, &nout);
	assert_int_equal(nout, 0);
	assert_int_equal(ts.dropped_bytes, len);
	assert_int_equal(ts.npartial, 0);
	free(in);
	free(buf);
	free(out);
}

/* Random bytes with random sync bytes in random chunks: never overreads,
 * accounting always adds up. */
static void
test_sync_random(void **state)
{
	struct ts_sync	 ts = { 0 };
	size_t		 len = 64 * 1024, nout = 0;
	uint8_t		*buf = malloc(len), *out = malloc(len + 376);
	size_t		 i;

	srandom(7);
	for (i = 0; i < len; i++)
		buf[i] = (random() % 4 == 0) ? 0x47 : (uint8_t)random();
	/* some aligned stretches */
	for (i = 1000; i < 20000; i += 188)
		buf[i] = 0x47;
	feed_chunks(&ts, buf, len, 997, 188 * 3, out, &nout);
	assert_int_equal(nout + ts.dropped_bytes + ts.npartial, len);
	assert_true(ts.npartial <= 376);
	for (i = 0; i < nout; i += 188)
		assert_int_equal(out[i], 0x47);
	free(buf);
	free(out);
}

/* ------------------------------------------------------------------ */
/* The sample file from tests/media */

static void
test_sample_file(void **state)
{
	FILE		*fp = sample_open();
	struct ts_sync	 ts = { 0 };
	struct tsscan	 s;
	uint8_t		 buf[4096], out[188 * 32];
	size_t		 n, used, got, i;
	uint64_t	 pcr, first_pcr = 0, last_pcr = 0;
	int		 f, pats = 0, pmts = 0, pcrs = 0, kf_with_pat = 0;
	int		 pat_seen_since_kf = 0;
	double		 seconds;

	if (fp == NULL)
		fail_msg("tests/media/sample.ts not found (set "
		    "RINGCAST_SAMPLE_TS or run from the repository root)");
	tsscan_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		size_t	 off = 0;

		while (off < n) {
			got = ts_sync_feed(&ts, buf + off, n - off, &used, out,
			    sizeof(out));
			off += used;
			for (i = 0; i < got; i += TS_PACKET_SIZE) {
				f = tsscan_packet(&s, out + i, &pcr);
				assert_int_equal(f & TS_F_INVALID, 0);
				pats += (f & TS_F_PAT) != 0;
				pmts += (f & TS_F_PMT) != 0;
				if (f & TS_F_PAT)
					pat_seen_since_kf = 1;
				if (f & TS_F_KEYFRAME) {
					kf_with_pat += pat_seen_since_kf;
					pat_seen_since_kf = 0;
				}
				if (f & TS_F_PCR) {
					if (pcrs++ == 0)
						first_pcr = pcr;
					last_pcr = pcr;
				}
			}
		}
	}
	fclose(fp);
	assert_int_equal(ts.dropped_bytes, 0);
	assert_true(pats > 0);
	assert_true(pmts > 0);
	assert_true(s.have_video);
	assert_int_equal(s.video_codec, TS_VIDEO_H264);
	assert_true(s.have_pcr_pid);
	assert_true(pcrs > 10);
	seconds = (double)(last_pcr - first_pcr) / TS_PCR_HZ;
	print_message("sample: %.1f s, %d PAT, %d PMT, %llu keyframes, "
	    "%d PCR\n", seconds, pats, pmts,
	    (unsigned long long)s.keyframes, pcrs);
	/* a 1 s GOP: about one keyframe a second */
	assert_true(seconds >= 2.0);
	assert_true(s.keyframes >= (uint64_t)(seconds * 0.8));
	assert_true(s.keyframes <= (uint64_t)(seconds * 1.2) + 2);
	/* a PAT precedes every keyframe (a usable random-access point) */
	assert_true(kf_with_pat >= (int)s.keyframes - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_helpers),
		cmocka_unit_test(test_null_packet),
		cmocka_unit_test(test_discontinuity_packet),
		cmocka_unit_test(test_pat_pmt),
		cmocka_unit_test(test_pat_pointer_field),
		cmocka_unit_test(test_pmt_change_forgets_video),
		cmocka_unit_test(test_multi_packet_section_ignored),
		cmocka_unit_test(test_h264_keyframes),
		cmocka_unit_test(test_hevc_keyframes),
		cmocka_unit_test(test_mpeg2_rai_only),
		cmocka_unit_test(test_pcr),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_malformed_lengths),
		cmocka_unit_test(test_random_packets),
		cmocka_unit_test(test_sync_clean),
		cmocka_unit_test(test_sync_chunk_sizes),
		cmocka_unit_test(test_sync_pending),
		cmocka_unit_test(test_sync_loss_and_garbage),
		cmocka_unit_test(test_sync_random),
		cmocka_unit_test(test_sample_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
