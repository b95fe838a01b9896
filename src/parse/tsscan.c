/*
 * tsscan.c - MPEG-TS packet alignment and random-access scanner (no I/O).
 *
 * Two pure pieces a fetcher runs on every upstream byte:
 *
 * ts_sync_feed() views the bytes kept from the last call followed by the new
 * buffer as one virtual stream and walks it without copying it first.  Out
 * of sync it needs three 0x47 bytes 188 apart before it trusts a boundary,
 * so a stray 0x47 in garbage never fakes alignment; in sync it hands out a
 * packet as soon as its 188 bytes are there and its first byte is 0x47, so
 * the sync check costs no latency.  What cannot be decided yet (at most 376
 * bytes) waits in the struct for the next call.
 *
 * tsscan_packet() follows PAT -> PMT -> first video elementary stream and
 * flags PSI starts, PCRs and video keyframes (random_access_indicator, or an
 * H.264 IDR/SPS or HEVC IRAP/VPS/SPS NAL unit in the first packet of a PES).
 * Sections are parsed only when they fit in one packet, which is what real
 * encoders emit for PAT/PMT; anything else is ignored rather than
 * reassembled, which keeps the scanner stateless apart from three PIDs.
 * Every offset is checked against 188 bytes: the input is hostile.
 */
#include <string.h>

#include "tsscan.h"

#define TS_SYNC_CHECKS		3	/* sync bytes needed to (re)align */
#define TS_HEADER_SIZE		4
#define TS_AF_MAX		(TS_PACKET_SIZE - TS_HEADER_SIZE - 1)	/* 183 */

/* adaptation_field_control bits in byte 3 */
#define TS_AFC_PAYLOAD		0x10
#define TS_AFC_ADAPTATION	0x20

/* adaptation field flags (byte 5) */
#define TS_AF_DISCONTINUITY	0x80
#define TS_AF_RAI		0x40
#define TS_AF_PCR		0x10
#define TS_AF_PCR_SIZE		6

#define PSI_TABLE_PAT		0x00
#define PSI_TABLE_PMT		0x02
#define PSI_CRC_SIZE		4
#define PAT_HEADER_SIZE		8	/* table_id .. last_section_number */
#define PMT_HEADER_SIZE		12	/* .. program_info_length */

#define PES_HEADER_SIZE		9	/* start code .. PES_header_data_length */

/* ------------------------------------------------------------------ */
/* Alignment */

/* Byte K of the virtual stream: kept bytes, then BUF. */
static uint8_t
sync_byte_at(const struct ts_sync *ts, const uint8_t *buf, size_t k)
{
	if (k < ts->npartial)
		return ts->partial[k];
	return buf[k - ts->npartial];
}

/* Copy LEN bytes of the virtual stream starting at K to DST. */
static void
sync_copy(const struct ts_sync *ts, const uint8_t *buf, size_t k,
    uint8_t *dst, size_t len)
{
	size_t	 n;

	if (k < ts->npartial) {
		n = ts->npartial - k;
		if (n > len)
			n = len;
		memcpy(dst, ts->partial + k, n);
		dst += n;
		k += n;
		len -= n;
	}
	if (len > 0)
		memcpy(dst, buf + (k - ts->npartial), len);
}

/*
 * Out of sync, at position POS of a virtual stream of TOTAL bytes: 1 if
 * POS starts aligned packets, 0 if it certainly does not, -1 if more bytes
 * are needed to tell.
 */
static int
sync_check(const struct ts_sync *ts, const uint8_t *buf, size_t pos,
    size_t total)
{
	size_t	 i, k;

	for (i = 0; i < TS_SYNC_CHECKS; i++) {
		k = pos + i * TS_PACKET_SIZE;
		if (k >= total)
			return -1;
		if (sync_byte_at(ts, buf, k) != TS_SYNC_BYTE)
			return 0;
	}
	return 1;
}

/*
 * Keep the tail [POS, TOTAL) of the virtual stream and report how much of
 * BUF was taken.  When the output filled up (FULL) the caller still holds
 * its BUF, so only the kept bytes before BUF stay here and nothing of BUF
 * beyond POS is taken; otherwise the tail is undecided and short (less
 * than 3 packets' worth) and moves into the struct.
 */
static void
sync_keep(struct ts_sync *ts, const uint8_t *buf, size_t len, size_t pos,
    int full, size_t *consumed)
{
	size_t	 keep;

	if (pos >= ts->npartial) {
		size_t	 from = pos - ts->npartial;

		ts->npartial = 0;
		if (full) {
			*consumed = from;
			return;
		}
		keep = len - from;
		if (keep > sizeof(ts->partial)) {	/* cannot happen */
			ts->dropped_bytes += keep - sizeof(ts->partial);
			keep = sizeof(ts->partial);
		}
		if (keep > 0)
			memcpy(ts->partial, buf + from, keep);
		ts->npartial = keep;
		*consumed = len;
		return;
	}
	memmove(ts->partial, ts->partial + pos, ts->npartial - pos);
	ts->npartial -= pos;
	if (full || ts->npartial + len > sizeof(ts->partial)) {
		*consumed = 0;
		return;
	}
	if (len > 0)
		memcpy(ts->partial + ts->npartial, buf, len);
	ts->npartial += len;
	*consumed = len;
}

size_t
ts_sync_feed(struct ts_sync *ts, const uint8_t *buf, size_t len,
    size_t *consumed, uint8_t *out, size_t outcap)
{
	size_t	 total, pos = 0, nout = 0;
	int	 r, full = 0;

	*consumed = 0;
	if (ts->npartial > sizeof(ts->partial))		/* corrupted struct */
		ts->npartial = 0;
	if (buf == NULL)
		len = 0;
	total = ts->npartial + len;

	while (pos < total) {
		if (!ts->synced) {
			r = sync_check(ts, buf, pos, total);
			if (r < 0)
				break;		/* need more bytes */
			if (r == 0) {
				ts->dropped_bytes++;
				pos++;
				continue;
			}
			ts->synced = 1;
		}
		if (total - pos < TS_PACKET_SIZE)
			break;
		if (sync_byte_at(ts, buf, pos) != TS_SYNC_BYTE) {
			ts->synced = 0;
			continue;
		}
		if (outcap - nout < TS_PACKET_SIZE) {
			full = 1;
			break;
		}
		sync_copy(ts, buf, pos, out + nout, TS_PACKET_SIZE);
		nout += TS_PACKET_SIZE;
		pos += TS_PACKET_SIZE;
	}
	sync_keep(ts, buf, len, pos, full, consumed);
	return nout;
}

void
ts_sync_reset(struct ts_sync *ts)
{
	ts->dropped_bytes += ts->npartial;
	ts->npartial = 0;
	ts->synced = 0;
}

/* ------------------------------------------------------------------ */
/* Header helpers */

uint16_t
ts_pid(const uint8_t *pkt)
{
	return (uint16_t)(((pkt[1] & 0x1F) << 8) | pkt[2]);
}

int
ts_pusi(const uint8_t *pkt)
{
	return (pkt[1] & 0x40) != 0;
}

int
ts_cc(const uint8_t *pkt)
{
	return pkt[3] & 0x0F;
}

int
ts_has_payload(const uint8_t *pkt)
{
	return (pkt[3] & TS_AFC_PAYLOAD) != 0;
}

int
ts_has_adaptation(const uint8_t *pkt)
{
	return (pkt[3] & TS_AFC_ADAPTATION) != 0;
}

/* Length of a well-formed adaptation field after its length byte, or -1. */
static int
ts_af_length(const uint8_t *pkt)
{
	int	 afl;

	if (!ts_has_adaptation(pkt))
		return -1;
	afl = pkt[4];
	if (afl > TS_AF_MAX)
		return -1;
	/* With a payload the field leaves room for at least one byte of it. */
	if (ts_has_payload(pkt) && afl > TS_AF_MAX - 1)
		return -1;
	return afl;
}

/* Offset of the payload in PKT, or -1 when there is none (or it is bogus). */
static int
ts_payload_offset(const uint8_t *pkt)
{
	int	 afl;

	if (!ts_has_payload(pkt))
		return -1;
	if (!ts_has_adaptation(pkt))
		return TS_HEADER_SIZE;
	if ((afl = ts_af_length(pkt)) < 0)
		return -1;
	return TS_HEADER_SIZE + 1 + afl;
}

void
ts_make_null(uint8_t *pkt)
{
	memset(pkt, 0xFF, TS_PACKET_SIZE);
	pkt[0] = TS_SYNC_BYTE;
	pkt[1] = (TS_PID_NULL >> 8) & 0x1F;
	pkt[2] = TS_PID_NULL & 0xFF;
	pkt[3] = TS_AFC_PAYLOAD;
}

void
ts_make_discontinuity(uint8_t *pkt, uint16_t pid, int cc)
{
	memset(pkt, 0xFF, TS_PACKET_SIZE);
	pkt[0] = TS_SYNC_BYTE;
	pkt[1] = (pid >> 8) & 0x1F;
	pkt[2] = pid & 0xFF;
	pkt[3] = TS_AFC_ADAPTATION | (cc & 0x0F);
	pkt[4] = TS_AF_MAX;
	pkt[5] = TS_AF_DISCONTINUITY;
}

int
ts_set_discontinuity(uint8_t *pkt)
{
	if (pkt[0] != TS_SYNC_BYTE || ts_af_length(pkt) < 1)
		return 0;
	pkt[5] |= TS_AF_DISCONTINUITY;
	return 1;
}

/* ------------------------------------------------------------------ */
/* PSI */

void
tsscan_init(struct tsscan *s)
{
	memset(s, 0, sizeof(*s));
}

/*
 * Find the section starting in this PUSI packet: sets *START and *END
 * (one past the CRC) and returns the table_id, or -1 if there is no whole
 * section in the packet.
 */
static int
psi_section(const uint8_t *pkt, int *start, int *end)
{
	int	 off, pointer, len;

	if ((off = ts_payload_offset(pkt)) < 0)
		return -1;
	pointer = pkt[off];
	off += 1 + pointer;
	if (off + 3 > TS_PACKET_SIZE)
		return -1;
	if ((pkt[off + 1] & 0x80) == 0)		/* section_syntax_indicator */
		return -1;
	len = ((pkt[off + 1] & 0x0F) << 8) | pkt[off + 2];
	if (off + 3 + len > TS_PACKET_SIZE)	/* spans packets: ignored */
		return -1;
	*start = off;
	*end = off + 3 + len;
	return pkt[off];
}

/* current_next_indicator: 0 means the section is not in force yet. */
static int
psi_current(const uint8_t *sec)
{
	return sec[5] & 0x01;
}

static void
tsscan_pat(struct tsscan *s, const uint8_t *pkt)
{
	int		 start, end, i;
	uint16_t	 program, pid;

	if (psi_section(pkt, &start, &end) != PSI_TABLE_PAT)
		return;
	if (end - start < PAT_HEADER_SIZE + PSI_CRC_SIZE ||
	    !psi_current(pkt + start))
		return;
	for (i = start + PAT_HEADER_SIZE; i + 4 <= end - PSI_CRC_SIZE;
	    i += 4) {
		program = (uint16_t)((pkt[i] << 8) | pkt[i + 1]);
		pid = (uint16_t)(((pkt[i + 2] & 0x1F) << 8) | pkt[i + 3]);
		if (program == 0)		/* network PID */
			continue;
		if (pid == TS_PID_PAT || pid == TS_PID_NULL)
			return;
		if (!s->have_pmt_pid || s->pmt_pid != pid) {
			/* A new program: forget what the old PMT said. */
			s->pmt_pid = pid;
			s->have_pmt_pid = 1;
			s->have_video = 0;
			s->video_codec = TS_VIDEO_NONE;
			s->have_pcr_pid = 0;
		}
		return;
	}
}

static enum ts_video_codec
ts_stream_type_video(uint8_t stream_type)
{
	switch (stream_type) {
	case 0x1B:			/* H.264 */
		return TS_VIDEO_H264;
	case 0x24:			/* HEVC */
		return TS_VIDEO_HEVC;
	case 0x01:			/* MPEG-1 video */
	case 0x02:			/* MPEG-2 video */
	case 0x10:			/* MPEG-4 part 2 */
		return TS_VIDEO_OTHER;
	default:
		return TS_VIDEO_NONE;
	}
}

static void
tsscan_pmt(struct tsscan *s, const uint8_t *pkt)
{
	int			 start, end, i, info_len;
	uint16_t		 pid;
	enum ts_video_codec	 codec;

	if (psi_section(pkt, &start, &end) != PSI_TABLE_PMT)
		return;
	if (end - start < PMT_HEADER_SIZE + PSI_CRC_SIZE ||
	    !psi_current(pkt + start))
		return;
	s->pcr_pid = (uint16_t)(((pkt[start + 8] & 0x1F) << 8) |
	    pkt[start + 9]);
	s->have_pcr_pid = 1;
	s->have_video = 0;
	s->video_codec = TS_VIDEO_NONE;

	info_len = ((pkt[start + 10] & 0x0F) << 8) | pkt[start + 11];
	end -= PSI_CRC_SIZE;
	for (i = start + PMT_HEADER_SIZE + info_len; i + 5 <= end;
	    i += 5 + info_len) {
		pid = (uint16_t)(((pkt[i + 1] & 0x1F) << 8) | pkt[i + 2]);
		info_len = ((pkt[i + 3] & 0x0F) << 8) | pkt[i + 4];
		codec = ts_stream_type_video(pkt[i]);
		if (codec != TS_VIDEO_NONE) {
			s->video_pid = pid;
			s->video_codec = codec;
			s->have_video = 1;
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* PES and NAL units */

static int
nal_is_keyframe(enum ts_video_codec codec, uint8_t hdr)
{
	int	 type;

	if (codec == TS_VIDEO_H264) {
		type = hdr & 0x1F;
		return type == 5 || type == 7;		/* IDR, SPS */
	}
	if (codec == TS_VIDEO_HEVC) {
		type = (hdr >> 1) & 0x3F;
		return (type >= 16 && type <= 21) ||	/* IRAP */
		    type == 32 || type == 33;		/* VPS, SPS */
	}
	return 0;
}

/* Scan the elementary stream bytes of a PES start for a keyframe NAL. */
static int
pes_has_keyframe(enum ts_video_codec codec, const uint8_t *pkt, int off)
{
	const uint8_t	*pes = pkt + off;
	int		 len = TS_PACKET_SIZE - off, i, es;

	if (len < PES_HEADER_SIZE || pes[0] != 0 || pes[1] != 0 ||
	    pes[2] != 1)
		return 0;
	if (pes[3] < 0xE0 || pes[3] > 0xEF)	/* not a video stream_id */
		return 0;
	es = PES_HEADER_SIZE + pes[8];
	for (i = es; i + 3 < len; i++) {
		if (pes[i] == 0 && pes[i + 1] == 0 && pes[i + 2] == 1) {
			if (nal_is_keyframe(codec, pes[i + 3]))
				return 1;
			i += 2;
		}
	}
	return 0;
}

/* Adaptation field: returns its flags byte (0 if absent or bogus). */
static int
ts_af_flags(const uint8_t *pkt, uint64_t *pcr)
{
	int		 afl, flags;
	const uint8_t	*p;
	uint64_t	 base, ext;

	if ((afl = ts_af_length(pkt)) < 1)
		return 0;
	flags = pkt[5];
	if ((flags & TS_AF_PCR) && afl >= 1 + TS_AF_PCR_SIZE) {
		p = pkt + 6;
		base = ((uint64_t)p[0] << 25) | ((uint64_t)p[1] << 17) |
		    ((uint64_t)p[2] << 9) | ((uint64_t)p[3] << 1) |
		    (p[4] >> 7);
		ext = ((uint64_t)(p[4] & 0x01) << 8) | p[5];
		*pcr = base * 300 + ext;
	} else
		flags &= ~TS_AF_PCR;
	return flags;
}

int
tsscan_packet(struct tsscan *s, const uint8_t *pkt, uint64_t *pcr)
{
	uint16_t	 pid;
	int		 flags = 0, af, off, pusi, clean;
	uint64_t	 pcr_val = 0;

	if (pkt[0] != TS_SYNC_BYTE)
		return TS_F_INVALID;
	s->packets++;
	pid = ts_pid(pkt);
	pusi = ts_pusi(pkt);
	/* No transport_error_indicator, not scrambled: the payload is usable. */
	clean = (pkt[1] & 0x80) == 0 && (pkt[3] & 0xC0) == 0;

	af = ts_af_flags(pkt, &pcr_val);
	if ((af & TS_AF_PCR) &&
	    (!s->have_pcr_pid || pid == s->pcr_pid)) {
		flags |= TS_F_PCR;
		if (pcr != NULL)
			*pcr = pcr_val;
	}
	if (!pusi)
		return flags;

	if (pid == TS_PID_PAT) {
		flags |= TS_F_PAT;
		if (clean)
			tsscan_pat(s, pkt);
	} else if (s->have_pmt_pid && pid == s->pmt_pid) {
		flags |= TS_F_PMT;
		if (clean)
			tsscan_pmt(s, pkt);
	} else if (s->have_video && pid == s->video_pid) {
		flags |= TS_F_VIDEO_PES_START;
		off = ts_payload_offset(pkt);
		if ((af & TS_AF_RAI) || (clean && off >= 0 &&
		    pes_has_keyframe(s->video_codec, pkt, off))) {
			flags |= TS_F_KEYFRAME;
			s->keyframes++;
		}
	}
	return flags;
}
