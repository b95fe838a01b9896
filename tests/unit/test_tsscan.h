/*
 * test_tsscan.h - what the two tsscan tests share (test_tsscan.c:
 * packets, PAT/PMT, alignment and the sample file; test_tsscan_pes.c:
 * keyframes, PCR and malformed or random packets): packets built byte by
 * byte (PAT, PMT with AAC + H.264, PES with IDR or non-IDR NAL units,
 * adaptation fields with RAI and PCR), each in its own 188-byte heap
 * block so that AddressSanitizer catches any read past the packet, and a
 * scanner that has seen PAT and PMT.
 *
 * Included by those two files only, after <cmocka.h>, <stdlib.h>,
 * <string.h> and "tsscan.h"; each gets its own copy (static).
 */
#ifndef RINGCAST_TEST_TSSCAN_H
#define RINGCAST_TEST_TSSCAN_H

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

#endif
