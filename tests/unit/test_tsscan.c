/*
 * test_tsscan.c - packet helpers, PAT/PMT detection, invalid packets,
 * packet alignment (ts_sync) and the sample file from tests/media.
 * Keyframes, PCR and malformed or random packets: test_tsscan_pes.c.
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
#include "../lib/sample.h"
#include "test_tsscan.h"

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
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_sync_clean),
		cmocka_unit_test(test_sync_chunk_sizes),
		cmocka_unit_test(test_sync_pending),
		cmocka_unit_test(test_sync_loss_and_garbage),
		cmocka_unit_test(test_sync_random),
		cmocka_unit_test(test_sample_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
