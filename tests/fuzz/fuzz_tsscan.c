/*
 * fuzz_tsscan.c - libFuzzer target for MPEG-TS alignment and scanning
 * (src/parse/tsscan.c).
 *
 * Input layout: byte 0 picks the output capacity (1 to 4 packets), bytes
 * 1..4 are the sizes of the chunks the rest is fed in (cycled), the rest
 * is the upstream byte stream.  The same stream is also fed in one call
 * with a big output buffer; both must yield the same packets, the same
 * dropped count and the same kept tail (alignment must not depend on how
 * the network cut the bytes), and every byte fed must be accounted for as
 * output, dropped or kept.  Every packet goes through tsscan_packet(), and
 * ts_set_discontinuity() on a copy may change only the discontinuity bit.
 * Raw 188-byte windows of the input (with a forced sync byte) go through
 * the scanner too, so it sees arbitrary headers without needing alignment.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tsscan.h"
#include "../lib/tscheck.h"

#define FUZZ_HDR_BYTES		5
#define FUZZ_MAX_OUT_PACKETS	4

static size_t
chunk_size(uint8_t seed)
{
	if (seed < 0x80)
		return (size_t)seed + 1;		/* 1..128 */
	return (size_t)(seed - 0x7f) * 47;		/* 47..6016 */
}

static void
scan_packet(struct tsscan *s, const uint8_t *pkt)
{
	uint8_t		 copy[TS_PACKET_SIZE];
	uint64_t	 pcr = UINT64_MAX;
	int		 flags, i, set;

	flags = tsscan_packet(s, pkt, &pcr);
	CHECK(tscheck_scanned(pkt, flags, pcr) == NULL);
	if (flags & TS_F_INVALID)
		return;
	CHECK(ts_pid(pkt) < TS_PID_COUNT);
	CHECK(ts_cc(pkt) >= 0 && ts_cc(pkt) <= 15);
	(void)ts_has_payload(pkt);
	(void)tsscan_packet(s, pkt, NULL);

	memcpy(copy, pkt, sizeof(copy));
	set = ts_set_discontinuity(copy);
	for (i = 0; i < TS_PACKET_SIZE; i++) {
		if (i == 5 && set)
			CHECK(copy[5] == (pkt[5] | 0x80));
		else
			CHECK(copy[i] == pkt[i]);
	}
	if (set)
		CHECK(ts_has_adaptation(pkt) && pkt[4] >= 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts_sync	 ref, ts;
	struct tsscan	 scan;
	const uint8_t	*in;
	uint8_t		*refout, out[FUZZ_MAX_OUT_PACKETS * TS_PACKET_SIZE];
	uint8_t		 pkt[TS_PACKET_SIZE];
	size_t		 len, refcap, refn, consumed, outcap, off, n, chunk;
	size_t		 got = 0, fed = 0, k = 0, i, stuck;

	if (size < FUZZ_HDR_BYTES)
		return 0;
	in = data + FUZZ_HDR_BYTES;
	len = size - FUZZ_HDR_BYTES;
	outcap = (size_t)(data[0] % FUZZ_MAX_OUT_PACKETS + 1) * TS_PACKET_SIZE;

	/* Reference: everything at once, room for every packet. */
	memset(&ref, 0, sizeof(ref));
	refcap = (len / TS_PACKET_SIZE + 1) * TS_PACKET_SIZE;
	refout = malloc(refcap);
	CHECK(refout != NULL);
	refn = ts_sync_feed(&ref, in, len, &consumed, refout, refcap);
	CHECK(consumed == len);
	CHECK(refn % TS_PACKET_SIZE == 0);
	CHECK(refn + ref.dropped_bytes + ref.npartial == len);
	CHECK(ref.npartial <= sizeof(ref.partial));

	/* The same bytes in chunks, into a small output buffer. */
	memset(&ts, 0, sizeof(ts));
	tsscan_init(&scan);
	for (off = 0; off < len; off += chunk) {
		chunk = chunk_size(data[1 + k++ % 4]);
		if (chunk > len - off)
			chunk = len - off;
		for (i = 0, stuck = 0; i < chunk; ) {
			n = ts_sync_feed(&ts, in + off + i, chunk - i,
			    &consumed, out, outcap);
			CHECK(n % TS_PACKET_SIZE == 0 && n <= outcap);
			CHECK(consumed <= chunk - i);
			CHECK(ts.npartial <= sizeof(ts.partial));
			CHECK(n > 0 || consumed > 0);	/* no livelock */
			CHECK(++stuck < 100000);
			i += consumed;
			fed += consumed;
			CHECK(got + n <= refn);
			CHECK(memcmp(out, refout + got, n) == 0);
			for (size_t p = 0; p < n; p += TS_PACKET_SIZE) {
				CHECK(out[p] == TS_SYNC_BYTE);
				scan_packet(&scan, out + p);
			}
			got += n;
			CHECK(got + ts.dropped_bytes + ts.npartial == fed);
		}
	}
	/* Drain what the last call left waiting for output room. */
	for (stuck = 0; ; stuck++) {
		CHECK(stuck < 100);
		n = ts_sync_feed(&ts, NULL, 0, &consumed, out, outcap);
		if (n == 0)
			break;
		CHECK(memcmp(out, refout + got, n) == 0);
		got += n;
	}
	CHECK(got == refn);
	CHECK(ts.dropped_bytes == ref.dropped_bytes);
	CHECK(ts.npartial == ref.npartial);
	CHECK(memcmp(ts.partial, ref.partial, ts.npartial) == 0);
	free(refout);

	ts_sync_reset(&ts);
	CHECK(ts.npartial == 0 && ts.dropped_bytes == ref.dropped_bytes +
	    ref.npartial);

	/* Raw windows, sync byte forced: the scanner on any header. */
	tsscan_init(&scan);
	for (off = 0; off + TS_PACKET_SIZE <= len; off += TS_PACKET_SIZE) {
		memcpy(pkt, in + off, sizeof(pkt));
		pkt[0] = TS_SYNC_BYTE;
		scan_packet(&scan, pkt);
	}
	ts_make_null(pkt);
	CHECK(tsscan_packet(&scan, pkt, NULL) == 0);
	ts_make_discontinuity(pkt, len > 0 ? in[0] : 0, len > 1 ? in[1] : 0);
	CHECK(ts_set_discontinuity(pkt) == 1);
	return 0;
}
