/*
 * test_manifest.c - the served HLS playlist: window, initial listing,
 * target duration, media and discontinuity sequence, program date time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "manifest.h"

static void
make_segs(struct ring_seg *s, int n, uint64_t first_seq)
{
	int i;

	memset(s, 0, sizeof(*s) * (size_t)n);
	for (i = 0; i < n; i++) {
		s[i].seq = first_seq + (uint64_t)i;
		s[i].duration_us = 2000000;
		s[i].pdt_ms = -1;
	}
}

static const struct manifest_opts opts = { 6, 3, 0, "key/", NULL };

static void
test_lists_all_while_starting(void **state)
{
	struct ring_seg s[3];
	struct buf b;

	(void)state;
	make_segs(s, 3, 10);
	buf_init(&b);
	assert_int_equal(manifest_build(s, 3, &opts, &b), 3);
	assert_string_equal(buf_str(&b),
	    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-MEDIA-SEQUENCE:10\n"
	    "#EXTINF:2.000,\n10.ts\n#EXTINF:2.000,\n11.ts\n"
	    "#EXTINF:2.000,\n12.ts\n");
	buf_free(&b);
}

static void
test_window_of_newest(void **state)
{
	struct ring_seg s[20];
	struct buf b;

	(void)state;
	make_segs(s, 20, 100);
	buf_init(&b);
	assert_int_equal(manifest_build(s, 20, &opts, &b), 6);
	assert_non_null(strstr(buf_str(&b), "#EXT-X-MEDIA-SEQUENCE:114\n"));
	assert_non_null(strstr(buf_str(&b), "\n119.ts\n"));
	assert_null(strstr(buf_str(&b), "\n113.ts\n"));
	buf_free(&b);
}

static void
test_target_duration_is_ceiling(void **state)
{
	struct ring_seg s[3];

	(void)state;
	make_segs(s, 3, 0);
	s[1].duration_us = 4100000;
	assert_int_equal(manifest_target_duration(s, 3), 5);
	s[1].duration_us = 4000000;
	assert_int_equal(manifest_target_duration(s, 3), 4);
	s[1].duration_us = 4000400;	/* float noise is not a second */
	assert_int_equal(manifest_target_duration(s, 3), 4);
	s[0].duration_us = s[1].duration_us = s[2].duration_us = 10000;
	assert_int_equal(manifest_target_duration(s, 3), 1);
}

static void
test_discontinuities_and_sequence(void **state)
{
	struct ring_seg s[10];
	struct buf b;
	int i;

	(void)state;
	make_segs(s, 10, 50);
	/* discontinuities before seq 52 and 57 */
	for (i = 0; i < 10; i++)
		s[i].disc_seq = 3 + (i >= 2) + (i >= 7);
	s[2].flags = s[7].flags = RING_SEG_DISCONTINUITY;
	s[7].pdt_ms = 1795600800123LL;
	buf_init(&b);
	assert_int_equal(manifest_build(s, 10, &opts, &b), 6);
	/* window starts at 54: 4 discontinuities before it */
	assert_non_null(strstr(buf_str(&b),
	    "#EXT-X-DISCONTINUITY-SEQUENCE:4\n"));
	assert_non_null(strstr(buf_str(&b), "#EXT-X-DISCONTINUITY\n"
	    "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T10:00:00.123Z\n"
	    "#EXTINF:2.000,\n57.ts\n"));
	buf_reset(&b);
	/* a window starting on a discontinuity keeps its tag */
	assert_int_equal(manifest_build(s + 2, 6, &opts, &b), 6);
	assert_non_null(strstr(buf_str(&b),
	    "#EXT-X-DISCONTINUITY-SEQUENCE:3\n"));
	assert_non_null(strstr(buf_str(&b),
	    "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n52.ts\n"));
	buf_free(&b);
}

/* A playlist served away from /hls/NAME/ (e.g. /ace/manifest.m3u8)
 * names its segments and keys with an absolute prefix. */
static void
test_segment_prefix(void **state)
{
	struct manifest_opts o = opts;
	struct ring_seg s[2];
	struct buf b;

	(void)state;
	make_segs(s, 2, 7);
	s[1].key = 1;
	o.seg_prefix = "/hls/abc/";
	o.key_prefix = "/hls/abc/key/";
	buf_init(&b);
	assert_int_equal(manifest_build(s, 2, &o, &b), 2);
	assert_non_null(strstr(buf_str(&b), "#EXTINF:2.000,\n/hls/abc/7.ts\n"));
	assert_non_null(strstr(buf_str(&b), "URI=\"/hls/abc/key/0.key\""));
	assert_non_null(strstr(buf_str(&b), "#EXTINF:2.000,\n/hls/abc/8.ts\n"));
	buf_free(&b);
}

static void
test_pdt_on_first_keys_and_endlist(void **state)
{
	struct manifest_opts o = opts;
	struct ring_seg s[3];
	struct buf b;

	(void)state;
	make_segs(s, 3, 0);
	s[0].pdt_ms = 0;
	s[1].pdt_ms = 2000;
	s[1].key = s[2].key = 2;
	o.endlist = 1;
	buf_init(&b);
	assert_int_equal(manifest_build(s, 3, &o, &b), 3);
	assert_non_null(strstr(buf_str(&b), "#EXT-X-MEDIA-SEQUENCE:0\n"
	    "#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:00.000Z\n"
	    "#EXTINF:2.000,\n0.ts\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"key/1.key\",IV=0x"
	    "00000000000000000000000000000000\n#EXTINF"));
	/* the key is announced once, and only PDT of the first / after disc */
	assert_null(strstr(strstr(buf_str(&b), "key/1.key") + 1, "key/1.key"));
	assert_null(strstr(buf_str(&b), "00:00:02"));
	assert_non_null(strstr(buf_str(&b), "2.ts\n#EXT-X-ENDLIST\n"));
	buf_free(&b);
}

static void
test_nothing_to_list(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(manifest_build(NULL, 0, &opts, &b), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_all_while_starting),
		cmocka_unit_test(test_window_of_newest),
		cmocka_unit_test(test_target_duration_is_ceiling),
		cmocka_unit_test(test_discontinuities_and_sequence),
		cmocka_unit_test(test_pdt_on_first_keys_and_endlist),
		cmocka_unit_test(test_segment_prefix),
		cmocka_unit_test(test_nothing_to_list),
	};

	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
