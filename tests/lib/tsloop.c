/*
 * tsloop.c - a TS file played as an endless live stream, shared by the
 * test origin and the test engine (see tsloop.h).  Pure packet
 * arithmetic plus one file read; the programs keep their own pacing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsloop.h"

#define PCR_WRAP_27M	((1ULL << 33) * 300)
#define PTS_WRAP_90K	(1ULL << 33)

static uint64_t
pcr_read(const uint8_t *b)
{
	uint64_t base = ((uint64_t)b[0] << 25) | ((uint64_t)b[1] << 17) |
	    ((uint64_t)b[2] << 9) | ((uint64_t)b[3] << 1) | (b[4] >> 7);

	return base * 300 + (((uint64_t)(b[4] & 1) << 8) | b[5]);
}

static void
pcr_write(uint8_t *b, uint64_t pcr)
{
	uint64_t base = pcr / 300, ext = pcr % 300;

	b[0] = (uint8_t)(base >> 25);
	b[1] = (uint8_t)(base >> 17);
	b[2] = (uint8_t)(base >> 9);
	b[3] = (uint8_t)(base >> 1);
	b[4] = (uint8_t)(((base & 1) << 7) | 0x7e | ((ext >> 8) & 1));
	b[5] = (uint8_t)ext;
}

static uint64_t
pts_read(const uint8_t *b)
{
	return ((uint64_t)((b[0] >> 1) & 7) << 30) | ((uint64_t)b[1] << 22) |
	    ((uint64_t)(b[2] >> 1) << 15) | ((uint64_t)b[3] << 7) | (b[4] >> 1);
}

static void
pts_write(uint8_t *b, uint64_t v)
{
	b[0] = (uint8_t)((b[0] & 0xf1) | ((v >> 29) & 0x0e));
	b[1] = (uint8_t)(v >> 22);
	b[2] = (uint8_t)(((v >> 14) & 0xfe) | 1);
	b[3] = (uint8_t)(v >> 7);
	b[4] = (uint8_t)(((v << 1) & 0xfe) | 1);
}

/* PES stream ids without the optional header (no PTS/DTS). */
static int
pes_has_header(uint8_t sid)
{
	switch (sid) {
	case 0xbc: case 0xbe: case 0xbf: case 0xf0: case 0xf1:
	case 0xf2: case 0xf8: case 0xff:
		return 0;
	}
	return 1;
}

void
tsloop_patch_packet(uint8_t *p, uint64_t loop, uint64_t loop_27m,
    const uint8_t cc_step[TS_PID_COUNT])
{
	if (loop == 0 || p[0] != TS_SYNC_BYTE)
		return;
	uint16_t pid = ts_pid(p);
	if (pid == TS_PID_NULL)
		return;

	/* reduced first: loop x duration must not overflow 64 bits */
	uint64_t d27 = (loop % (PCR_WRAP_27M / 300)) * loop_27m %
	    PCR_WRAP_27M;
	uint64_t d90 = (loop % PTS_WRAP_90K) * (loop_27m / 300) %
	    PTS_WRAP_90K;
	int afc = (p[3] >> 4) & 3;
	unsigned add = (unsigned)((loop % 16) * cc_step[pid]) & 0x0f;

	p[3] = (uint8_t)((p[3] & 0xf0) | ((p[3] + add) & 0x0f));
	size_t pay = 4;
	if (afc & 2) {
		size_t alen = p[4];
		if (alen > 183)
			return;
		if (alen >= 7 && (p[5] & 0x10))
			pcr_write(p + 6, (pcr_read(p + 6) + d27) % PCR_WRAP_27M);
		pay = 5 + alen;
	}
	if (!(afc & 1) || !ts_pusi(p) || pay + 14 > TS_PACKET_SIZE)
		return;
	uint8_t *h = p + pay;
	if (h[0] != 0 || h[1] != 0 || h[2] != 1 || !pes_has_header(h[3]) ||
	    (h[6] & 0xc0) != 0x80)
		return;
	int flags = h[7] >> 6;
	if (flags & 2)
		pts_write(h + 9, (pts_read(h + 9) + d90) % PTS_WRAP_90K);
	if (flags == 3 && pay + 19 <= TS_PACKET_SIZE)
		pts_write(h + 14, (pts_read(h + 14) + d90) % PTS_WRAP_90K);
}

int
tsloop_read_file(const char *path, const char *prog, uint8_t **data,
    uint64_t *size)
{
	struct stat st;
	uint8_t *buf;
	uint64_t n, off;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 ||
	    st.st_size < TS_PACKET_SIZE * TSLOOP_MIN_PACKETS) {
		fprintf(stderr, "%s: %s: not a TS file of %d packets or more\n",
		    prog, path, TSLOOP_MIN_PACKETS);
		fclose(f);
		return -1;
	}
	n = (uint64_t)st.st_size - (uint64_t)st.st_size % TS_PACKET_SIZE;
	if ((buf = malloc(n)) == NULL || fread(buf, 1, n, f) != n) {
		fprintf(stderr, "%s: %s: read failed\n", prog, path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	for (off = 0; off < n; off += TS_PACKET_SIZE) {
		if (buf[off] != TS_SYNC_BYTE) {
			fprintf(stderr, "%s: %s: no sync byte at %" PRIu64 "\n",
			    prog, path, off);
			free(buf);
			return -1;
		}
	}
	*data = buf;
	*size = n;
	return 0;
}
