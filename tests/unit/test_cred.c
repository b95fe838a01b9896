/*
 * test_cred.c - where a player's credential is, and the playlists that
 * hand it on (src/parse/cred.c).
 *
 * What a user relies on: /u/TOKEN/ is cut off and the rest routed as it
 * was; Basic and Bearer headers read as browsers and curl send them, a
 * malformed one refused; a playlist fetched with a token in its URL
 * lists URLs that carry the token the same way (so a segment or an
 * entry plays as given) while a URL of another host never gets it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cred.h"

static void
test_path_split(void **state)
{
	char tok[16];
	const char *rest;

	(void)state;
	assert_int_equal(cred_path_split("/u/abc/stream/x", tok, sizeof(tok),
	    &rest), 1);
	assert_string_equal(tok, "abc");
	assert_string_equal(rest, "/stream/x");
	assert_int_equal(cred_path_split("/u/abc", tok, sizeof(tok), &rest), 1);
	assert_string_equal(rest, "/");
	assert_int_equal(cred_path_split("/stream/x", tok, sizeof(tok), &rest),
	    0);
	assert_int_equal(cred_path_split("/ui/app.js", tok, sizeof(tok),
	    &rest), 0);
	assert_int_equal(cred_path_split("/u//stream/x", tok, sizeof(tok),
	    &rest), -1);
	assert_int_equal(cred_path_split("/u/0123456789abcdef/x", tok,
	    sizeof(tok), &rest), -1);
}

static void
test_headers(void **state)
{
	char user[CRED_NAME_MAX + 1], tok[64];

	(void)state;
	/* "alice:s3cret" */
	assert_int_equal(cred_basic_parse("Basic YWxpY2U6czNjcmV0", user,
	    sizeof(user), tok, sizeof(tok)), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(tok, "s3cret");
	assert_int_equal(cred_basic_parse("basic  YWxpY2U6czNjcmV0", user,
	    sizeof(user), tok, sizeof(tok)), 0);
	/* "a:" (padding), ":t" */
	assert_int_equal(cred_basic_parse("Basic YTo=", user, sizeof(user),
	    tok, sizeof(tok)), 0);
	assert_string_equal(user, "a");
	assert_string_equal(tok, "");
	assert_int_equal(cred_basic_parse("Basic OnQ=", user, sizeof(user),
	    tok, sizeof(tok)), 0);
	assert_string_equal(user, "");
	assert_string_equal(tok, "t");
	/* no colon ("alice"), bad base64, NUL inside ("a\0:b"), other
	 * scheme */
	assert_int_equal(cred_basic_parse("Basic YWxpY2U=", user, sizeof(user),
	    tok, sizeof(tok)), -1);
	assert_int_equal(cred_basic_parse("Basic YW*p", user, sizeof(user),
	    tok, sizeof(tok)), -1);
	assert_int_equal(cred_basic_parse("Basic YQA6Yg==", user, sizeof(user),
	    tok, sizeof(tok)), -1);
	assert_int_equal(cred_basic_parse("Bearer x", user, sizeof(user),
	    tok, sizeof(tok)), -1);
	assert_int_equal(cred_bearer_parse("Bearer abc", tok, sizeof(tok)), 0);
	assert_string_equal(tok, "abc");
	assert_int_equal(cred_bearer_parse("bearer  abc ", tok, sizeof(tok)),
	    0);
	assert_string_equal(tok, "abc");
	assert_int_equal(cred_bearer_parse("Bearer ", tok, sizeof(tok)), -1);
	assert_int_equal(cred_bearer_parse("Basic abc", tok, sizeof(tok)), -1);
}

static void
rewrite_is(const char *in, enum cred_form form, const char *base,
    const char *want)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(cred_playlist_rewrite(in, strlen(in), form, "T", base,
	    &b), 0);
	buf_puts(&b, "");
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	buf_free(&b);
}

static void
test_rewrite_m3u8(void **state)
{
	static const char pl[] = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"key/3.key\",IV=0x1\n"
	    "#EXTINF:2.0,\n41.ts\n"
	    "#EXTINF:2.0,\r\n/hls/x/42.ts\r\n"
	    "#EXTINF:2.0,\nhttp://cdn.example/43.ts\n"
	    "#EXTINF:2.0,\n//cdn.example/44.ts\n"
	    "#EXTINF:2.0,\n45.ts?a=1";

	(void)state;
	rewrite_is(pl, CRED_QUERY, "", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"key/3.key?token=T\",IV=0x1\n"
	    "#EXTINF:2.0,\n41.ts?token=T\n"
	    "#EXTINF:2.0,\r\n/hls/x/42.ts?token=T\r\n"
	    "#EXTINF:2.0,\nhttp://cdn.example/43.ts\n"
	    "#EXTINF:2.0,\n//cdn.example/44.ts\n"
	    "#EXTINF:2.0,\n45.ts?a=1&token=T");
	/* the path form: relative URIs are under the prefix already */
	rewrite_is(pl, CRED_PATH, "", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"key/3.key\",IV=0x1\n"
	    "#EXTINF:2.0,\n41.ts\n"
	    "#EXTINF:2.0,\r\n/u/T/hls/x/42.ts\r\n"
	    "#EXTINF:2.0,\nhttp://cdn.example/43.ts\n"
	    "#EXTINF:2.0,\n//cdn.example/44.ts\n"
	    "#EXTINF:2.0,\n45.ts?a=1");
	/* header forms: as it is */
	rewrite_is(pl, CRED_BASIC, "", pl);
	/* a signed URL's arguments ("T" here), as the query form */
	rewrite_is(pl, CRED_SIGNED, "", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
	    "#EXT-X-KEY:METHOD=AES-128,URI=\"key/3.key?T\",IV=0x1\n"
	    "#EXTINF:2.0,\n41.ts?T\n"
	    "#EXTINF:2.0,\r\n/hls/x/42.ts?T\r\n"
	    "#EXTINF:2.0,\nhttp://cdn.example/43.ts\n"
	    "#EXTINF:2.0,\n//cdn.example/44.ts\n"
	    "#EXTINF:2.0,\n45.ts?a=1&T");
}

static void
test_rewrite_m3u(void **state)
{
	static const char pl[] = "#EXTM3U url-tvg=\"http://h:8/epg.xml\"\n"
	    "#EXTINF:-1 tvg-id=\"a\",A\nhttp://h:8/stream/a\n"
	    "#EXTINF:-1,B\nhttp://h:8/ace/getstream?id=ab\n"
	    "#EXTINF:-1,C\nhttp://h:80/stream/c\n"
	    "#EXTINF:-1,D\nhttp://other/stream/d\n";

	(void)state;
	rewrite_is(pl, CRED_QUERY, "http://h:8",
	    "#EXTM3U url-tvg=\"http://h:8/epg.xml?token=T\"\n"
	    "#EXTINF:-1 tvg-id=\"a\",A\nhttp://h:8/stream/a?token=T\n"
	    "#EXTINF:-1,B\nhttp://h:8/ace/getstream?id=ab&token=T\n"
	    "#EXTINF:-1,C\nhttp://h:80/stream/c\n"
	    "#EXTINF:-1,D\nhttp://other/stream/d\n");
	rewrite_is(pl, CRED_PATH, "http://h:8",
	    "#EXTM3U url-tvg=\"http://h:8/u/T/epg.xml\"\n"
	    "#EXTINF:-1 tvg-id=\"a\",A\nhttp://h:8/u/T/stream/a\n"
	    "#EXTINF:-1,B\nhttp://h:8/u/T/ace/getstream?id=ab\n"
	    "#EXTINF:-1,C\nhttp://h:80/stream/c\n"
	    "#EXTINF:-1,D\nhttp://other/stream/d\n");
}

/* A user whose globs allow /stream/a and content ids only. */
static int
keep_a(void *arg, const char *path)
{
	(*(int *)arg)++;
	return strcmp(path, "/stream/a") == 0 ||
	    strncmp(path, "/ace/", 5) == 0;
}

static void
test_filter(void **state)
{
	static const char pl[] = "#EXTM3U url-tvg=\"http://h:8/epg.xml\"\n"
	    "#EXTINF:-1 tvg-id=\"a\",A\nhttp://h:8/stream/a\n"
	    "#EXTINF:-1,B\n#EXTGRP:x\nhttp://h:8/stream/b\n"
	    "#EXTINF:-1,C\nhttp://h:8/ace/getstream?id=ab\n"
	    "#EXTINF:-1,D\nhttp://other/stream/d\n"
	    "#EXTINF:-1,E\r\nhttp://h:8/stream/e";
	struct buf b;
	int calls = 0;

	(void)state;
	buf_init(&b);
	assert_int_equal(cred_playlist_filter(pl, strlen(pl), "http://h:8",
	    keep_a, &calls, &b), 0);
	buf_puts(&b, "");
	assert_string_equal(b.data, "#EXTM3U url-tvg=\"http://h:8/epg.xml\"\n"
	    "#EXTINF:-1 tvg-id=\"a\",A\nhttp://h:8/stream/a\n"
	    "#EXTINF:-1,C\nhttp://h:8/ace/getstream?id=ab\n"
	    "#EXTINF:-1,D\nhttp://other/stream/d\n");
	assert_int_equal(calls, 4);	/* not for another host's URL */
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_split),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_rewrite_m3u8),
		cmocka_unit_test(test_rewrite_m3u),
		cmocka_unit_test(test_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
