/*
 * tsscan.h - MPEG-TS packet alignment and random-access scanner (no I/O).
 *
 * A fetcher feeds upstream bytes through a struct ts_sync, which finds the
 * 0x47 packet boundaries (resynchronising after garbage) and hands out whole
 * 188-byte packets.  Each packet then goes through tsscan_packet(), which
 * follows PAT -> PMT -> elementary streams and tells whether the packet is
 * a PAT, starts a video keyframe (random_access_indicator, or an H.264 IDR /
 * H.265 IRAP NAL unit at a PES start), and carries a PCR.
 */
#ifndef RINGCAST_TSSCAN_H
#define RINGCAST_TSSCAN_H

#include <stddef.h>
#include <stdint.h>

#define TS_PACKET_SIZE		188
#define TS_SYNC_BYTE		0x47
#define TS_PID_PAT		0x0000
#define TS_PID_NULL		0x1FFF
#define TS_PID_COUNT		8192
#define TS_PCR_HZ		27000000ULL	/* PCR ticks a second */
#define TS_PCR_WRAP		((1ULL << 33) * 300)	/* PCR modulus */

/* Accumulates bytes and yields aligned packets. */
struct ts_sync {
	uint8_t		 partial[TS_PACKET_SIZE * 2];
	size_t		 npartial;
	uint64_t	 dropped_bytes;		/* garbage skipped, total */
	int		 synced;
};

/*
 * Feed LEN bytes; aligned packets are written to OUT (capacity OUTCAP
 * bytes, a multiple of 188) and their byte count returned.  Bytes left
 * over stay in the struct for the next call; *CONSUMED says how much of
 * BUF was taken (callers loop until all of BUF is consumed).  Alignment
 * is declared only after 3 consecutive sync bytes 188 apart; until that
 * can be checked the (at most 376) undecided bytes wait in the struct.
 * Once aligned, a packet is emitted as soon as its 188 bytes are there and
 * it starts with 0x47; alignment is lost on one that does not.  Skipped
 * garbage is counted in dropped_bytes.  OUTCAP must be at least 188.  When
 * OUT fills up, *CONSUMED < LEN: call again with the rest of BUF.
 */
size_t	 ts_sync_feed(struct ts_sync *, const uint8_t *buf, size_t len,
	    size_t *consumed, uint8_t *out, size_t outcap);
/* Forget any partial packet and alignment (after a reconnect); the
 * forgotten bytes count as dropped. */
void	 ts_sync_reset(struct ts_sync *);

enum ts_video_codec {
	TS_VIDEO_NONE = 0,
	TS_VIDEO_H264,
	TS_VIDEO_HEVC,
	TS_VIDEO_OTHER,		/* MPEG-2 etc.: rely on random_access_indicator */
};

/* Result flags of tsscan_packet(). */
#define TS_F_PAT		0x01	/* PID 0, payload_unit_start */
#define TS_F_PMT		0x02	/* a PMT section start */
#define TS_F_KEYFRAME		0x04	/* first packet of a video keyframe */
#define TS_F_PCR		0x08	/* carries a PCR (see pcr out-param) */
#define TS_F_VIDEO_PES_START	0x10	/* PUSI on the video PID */
#define TS_F_INVALID		0x80	/* not a TS packet (no 0x47) */

struct tsscan {
	uint16_t		 pmt_pid;	/* 0 = none yet (0x1FFF+1 = unset) */
	int			 have_pmt_pid;
	uint16_t		 video_pid;
	int			 have_video;
	enum ts_video_codec	 video_codec;
	uint16_t		 pcr_pid;
	int			 have_pcr_pid;
	uint64_t		 packets;
	uint64_t		 keyframes;
};

void	 tsscan_init(struct tsscan *);
/*
 * Inspect one 188-byte packet.  *PCR (27 MHz units, base*300+ext) is set
 * with TS_F_PCR; once a PMT is known only PCRs on its PCR_PID count.
 * TS_F_KEYFRAME needs a known video PID (PAT and PMT seen).  PSI sections
 * are parsed only when they fit in one packet (CRC not verified).
 */
int	 tsscan_packet(struct tsscan *, const uint8_t *pkt, uint64_t *pcr);

/* Header field helpers. */
uint16_t ts_pid(const uint8_t *pkt);
int	 ts_pusi(const uint8_t *pkt);
int	 ts_cc(const uint8_t *pkt);
int	 ts_has_payload(const uint8_t *pkt);
int	 ts_has_adaptation(const uint8_t *pkt);

/* Fill PKT with a null packet (PID 0x1FFF, payload 0xFF). */
void	 ts_make_null(uint8_t *pkt);
/*
 * Fill PKT with an adaptation-field-only packet on PID with the
 * discontinuity_indicator set and continuity counter CC (such packets do
 * not advance the counter, so pass the counter of the next payload packet
 * minus one).  Used to mark a splice after reconnect or failover.
 */
void	 ts_make_discontinuity(uint8_t *pkt, uint16_t pid, int cc);
/* Set discontinuity_indicator in PKT if it has an adaptation field; 1 if set. */
int	 ts_set_discontinuity(uint8_t *pkt);

#endif
