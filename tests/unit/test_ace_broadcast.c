/*
 * test_ace_broadcast.c - one stream per broadcast: the infohash read
 * from getstream's answer, the fetcher's "infohash HASH" message, the
 * bounded cache of what content ids resolved to, the broadcast of a
 * stream key, and the stream a request joins.
 *
 * What a user relies on: a content id, its infohash and a magnet of it
 * reach one stream once the engine has named the broadcast, options
 * still make another, a known content id is resolved without asking an
 * engine, the cache never grows past ACE_RESOLVED (the oldest answer
 * goes), and a stream that another replaced is joined by no one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ace_client.h"
#include "ace_input.h"
#include "util.h"

#define ID	"0123456789abcdef0123456789abcdef01234567"
#define IH	"fedcba9876543210fedcba9876543210fedcba98"	/* ID's */
#define OTHER	"00112233445566778899aabbccddeeff00112233"

static struct ace_state as;	/* large: not on the stack */

static int
reset(void **unused)
{
	(void)unused;
	memset(&as, 0, sizeof(as));
	return 0;
}

static void
getstream_with(const char *infohash_json, char *out)
{
	char body[1024], err[128];
	struct ace_session s;

	snprintf(body, sizeof(body), "{\"response\": {\"playback_url\": "
	    "\"http://e:1/ace/r/x/s\", \"command_url\": \"http://e:1/ace/cmd/"
	    "x/s\", \"playback_session_id\": \"s\"%s%s}, \"error\": null}",
	    infohash_json[0] ? ", \"infohash\": " : "", infohash_json);
	assert_int_equal(ace_parse_getstream(body, strlen(body), &s, err,
	    sizeof(err)), 0);
	strcpy(out, s.infohash);
}

static void
test_getstream_infohash(void **unused)
{
	char h[CONFIG_ACE_ID_LEN + 1];

	(void)unused;
	getstream_with("\"" IH "\"", h);
	assert_string_equal(h, IH);
	getstream_with("\"FEDCBA9876543210FEDCBA9876543210FEDCBA98\"", h);
	assert_string_equal(h, IH);		/* lower case */
	/* absent or malformed: unknown, the session still plays */
	getstream_with("", h);
	assert_string_equal(h, "");
	getstream_with("\"abc\"", h);
	assert_string_equal(h, "");
	getstream_with("\"" IH "0\"", h);
	assert_string_equal(h, "");
	getstream_with("42", h);
	assert_string_equal(h, "");
	getstream_with("null", h);
	assert_string_equal(h, "");
}

static void
test_infohash_msg(void **unused)
{
	char msg[64], h[CONFIG_ACE_ID_LEN + 1];

	(void)unused;
	assert_int_equal(ace_infohash_msg(msg, sizeof(msg),
	    "FEDCBA9876543210FEDCBA9876543210FEDCBA98"), 0);
	assert_string_equal(msg, "infohash " IH);
	assert_int_equal(ace_infohash_msg_parse(msg, strlen(msg), h), 0);
	assert_string_equal(h, IH);
	assert_int_equal(ace_infohash_msg(msg, 20, IH), -1);
	assert_int_equal(ace_infohash_msg(msg, sizeof(msg), "xyz"), -1);
	/* not one: other messages, a short or long or bad hash */
	assert_int_equal(ace_infohash_msg_parse("next-engine", 11, h), -1);
	assert_int_equal(ace_infohash_msg_parse("infohash " IH, 48, h), -1);
	assert_int_equal(ace_infohash_msg_parse("infohash " IH "0", 50, h),
	    -1);
	assert_int_equal(ace_infohash_msg_parse("infohash "
	    "zedcba9876543210fedcba9876543210fedcba98", 49, h), -1);
	assert_int_equal(ace_infohash_msg_parse("infohash:" IH, 49, h), -1);
}

static void
test_resolved_cache(void **unused)
{
	char h[CONFIG_ACE_ID_LEN + 1], key[CONFIG_NAME_MAX + 1];
	int i;

	(void)unused;
	assert_int_equal(ace_state_resolved_get(&as, ID, h), -1);
	ace_state_resolved_put(&as, ID, IH);
	assert_int_equal(ace_state_resolved_get(&as, ID, h), 0);
	assert_string_equal(h, IH);
	/* an answer again replaces the entry, it does not take another */
	ace_state_resolved_put(&as, ID, OTHER);
	assert_int_equal(ace_state_resolved_get(&as, ID, h), 0);
	assert_string_equal(h, OTHER);
	/* bounded: ACE_RESOLVED more answers push the oldest (ID) out */
	for (i = 0; i < ACE_RESOLVED - 1; i++) {
		snprintf(key, sizeof(key), "url-%016x", i);
		ace_state_resolved_put(&as, key, IH);
	}
	assert_int_equal(ace_state_resolved_get(&as, ID, h), 0);
	ace_state_resolved_put(&as, "url-ffffffffffffffff", IH);
	assert_int_equal(ace_state_resolved_get(&as, ID, h), -1);
	assert_int_equal(ace_state_resolved_get(&as, "url-0000000000000000",
	    h), 0);
	/* the next to go is the oldest left, not a newer one */
	ace_state_resolved_put(&as, ID, IH);
	assert_int_equal(ace_state_resolved_get(&as, "url-0000000000000000",
	    h), -1);
	assert_int_equal(ace_state_resolved_get(&as, "url-0000000000000001",
	    h), 0);
	assert_int_equal(ace_state_resolved_get(&as, ID, h), 0);
}

static void
test_key_infohash(void **unused)
{
	char h[CONFIG_ACE_ID_LEN + 1];
	struct ace_key k;

	(void)unused;
	assert_int_equal(ace_key_parse("infohash-" IH "-o0123456789ab", &k),
	    0);
	assert_string_equal(k.base, "infohash-" IH);
	assert_string_equal(k.opts, "-o0123456789ab");
	assert_int_equal(ace_key_infohash(&as, &k, h), 0);
	assert_string_equal(h, IH);
	/* a content id: only once an engine answered it */
	assert_int_equal(ace_key_parse(ID, &k), 0);
	assert_string_equal(k.base, ID);
	assert_string_equal(k.opts, "");
	assert_int_equal(ace_key_infohash(&as, &k, h), -1);
	ace_state_resolved_put(&as, ID, IH);
	assert_int_equal(ace_key_infohash(&as, &k, h), 0);
	assert_string_equal(h, IH);
	/* with options: the same answer (options do not change the torrent) */
	assert_int_equal(ace_key_parse(ID "-o0123456789ab", &k), 0);
	assert_int_equal(ace_key_infohash(&as, &k, h), 0);
	assert_int_equal(ace_key_parse("url-0123456789abcdef", &k), 0);
	assert_int_equal(ace_key_infohash(&as, &k, h), -1);
}

/* A content-id stream in SLOT under KEY's id, broadcast IH if known. */
static void
stream(int slot, const char *param, const char *id, const char *opts,
    const char *ih, int reported)
{
	ace_state_slot_begin(&as, slot, id, param, "http://e:1");
	ace_state_slot_set_broadcast(&as, slot, opts, ih, reported);
}

static void
test_broadcast_slot(void **unused)
{
	(void)unused;
	/* a content id's stream, its infohash not known yet */
	stream(3, "id", ID, "", "", 0);
	assert_int_equal(ace_broadcast_slot(&as, "infohash-" IH), -1);
	assert_int_equal(ace_broadcast_slot(&as, ID), -1);
	/* the engine named it: its infohash and a magnet of it join it */
	ace_state_slot_set_broadcast(&as, 3, NULL, IH, 1);
	ace_state_resolved_put(&as, ID, IH);
	assert_int_equal(ace_broadcast_slot(&as, "infohash-" IH), 3);
	assert_int_equal(ace_broadcast_slot(&as, ID), 3);
	/* other options are another stream */
	assert_int_equal(ace_broadcast_slot(&as, "infohash-" IH
	    "-o0123456789ab"), -1);
	stream(5, "infohash", IH, "-o0123456789ab", IH, 0);
	assert_int_equal(ace_broadcast_slot(&as, ID "-o0123456789ab"), 5);
	/* another broadcast, a malformed key */
	assert_int_equal(ace_broadcast_slot(&as, "infohash-" OTHER), -1);
	assert_int_equal(ace_broadcast_slot(&as, "news"), -1);
	/* a replaced stream is joined by no one; an ended one neither */
	ace_state_slot_replaced(&as, 3);
	assert_int_equal(ace_broadcast_slot(&as, "infohash-" IH), -1);
	stream(7, "infohash", IH, "", IH, 1);
	assert_int_equal(ace_broadcast_slot(&as, ID), 7);
	ace_state_slot_end(&as, 7);
	assert_int_equal(ace_broadcast_slot(&as, ID), -1);
}

static void
test_find_and_pending(void **unused)
{
	(void)unused;
	stream(1, "id", ID, "", IH, 1);		/* its session reported */
	stream(2, "infohash", IH, "", IH, 0);	/* from its key only */
	assert_int_equal(ace_state_find_broadcast(&as, IH, "", -1, 0), 1);
	assert_int_equal(ace_state_find_broadcast(&as, IH, "", 1, 0), 2);
	assert_int_equal(ace_state_find_broadcast(&as, IH, "", 1, 1), -1);
	assert_int_equal(ace_state_find_broadcast(&as, "", "", -1, 0), -1);
	/* slot 2 has not heard from its engine: slot 1 may be replaced */
	assert_int_equal(ace_state_broadcast_pending(&as, 1, now_ms()), 1);
	ace_state_slot_set_broadcast(&as, 2, NULL, IH, 1);
	assert_int_equal(ace_state_broadcast_pending(&as, 1, now_ms()), 0);
	/* a stream of unknown broadcast might be anyone's */
	stream(4, "url", "0123456789abcdef", "", "", 0);
	assert_int_equal(ace_state_broadcast_pending(&as, 1, now_ms()), 1);
	/* unless it has been trying for ACE_PENDING_MS: failing, not racing */
	assert_int_equal(ace_state_broadcast_pending(&as, 1, now_ms() +
	    ACE_PENDING_MS), 0);
	ace_state_slot_set_broadcast(&as, 4, NULL, OTHER, 1);
	assert_int_equal(ace_state_broadcast_pending(&as, 1, now_ms()), 0);
	/* but not one with other options, nor a known other broadcast */
	stream(6, "id", OTHER, "", OTHER, 0);
	stream(8, "id", ID, "-o0123456789ab", "", 0);
	assert_int_equal(ace_state_broadcast_pending(&as, 1, now_ms()), 0);
	assert_int_equal(ace_state_broadcast_pending(&as, 9, now_ms()), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_getstream_infohash, reset),
		cmocka_unit_test_setup(test_infohash_msg, reset),
		cmocka_unit_test_setup(test_resolved_cache, reset),
		cmocka_unit_test_setup(test_key_infohash, reset),
		cmocka_unit_test_setup(test_broadcast_slot, reset),
		cmocka_unit_test_setup(test_find_and_pending, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
