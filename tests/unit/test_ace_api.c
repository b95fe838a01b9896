/*
 * test_ace_api.c - the engine's JSON API as ringcast answers it
 * (src/proto/ace_api.c): each answer parsed back with json-c, as an
 * engine client would read it, the session paths, and the status word.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <string.h>

#include "ace_api.h"

#define HOLD	"00112233445566778899aabbccddeeff00112233"

/* B parsed; the caller puts it. */
static struct json_object *
parsed(struct buf *b)
{
	struct json_object *o = json_tokener_parse(buf_str(b));

	assert_non_null(o);
	return o;
}

static const char *
str_at(struct json_object *o, const char *a, const char *k)
{
	struct json_object *x, *y;

	assert_true(json_object_object_get_ex(o, a, &x));
	if (k == NULL)
		return json_object_get_string(x);
	assert_true(json_object_object_get_ex(x, k, &y));
	return json_object_get_string(y);
}

static void
test_version_and_errors(void **state)
{
	struct json_object *o, *x;
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(ace_api_version(&b), 0);
	o = parsed(&b);
	assert_string_equal(str_at(o, "result", "version"),
	    ACE_API_ENGINE_VERSION);
	assert_string_equal(str_at(o, "result", "platform"), "linux");
	assert_string_equal(str_at(o, "result", "code"), "3020300");
	assert_true(json_object_object_get_ex(o, "error", &x) && x == NULL);
	json_object_put(o);
	buf_reset(&b);
	ace_api_version_error(&b, "unknown method");
	o = parsed(&b);
	assert_true(json_object_object_get_ex(o, "result", &x) && x == NULL);
	assert_string_equal(str_at(o, "error", NULL), "unknown method");
	json_object_put(o);
	buf_reset(&b);
	ace_api_error(&b, ACE_API_UNKNOWN_SESSION);
	o = parsed(&b);
	assert_true(json_object_object_get_ex(o, "response", &x) && x == NULL);
	assert_string_equal(str_at(o, "error", NULL), ACE_API_UNKNOWN_SESSION);
	json_object_put(o);
	buf_reset(&b);
	ace_api_ok(&b);
	o = parsed(&b);
	assert_string_equal(str_at(o, "response", NULL), "ok");
	assert_true(json_object_object_get_ex(o, "error", &x) && x == NULL);
	json_object_put(o);
	buf_free(&b);
}

static void
test_getstream_urls(void **state)
{
	struct ace_api_session s = { "http://h:8080", "infohash-ab", HOLD,
	    "ab", 0 };
	struct json_object *o;
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(ace_api_getstream(&b, &s), 0);
	o = parsed(&b);
	assert_string_equal(str_at(o, "response", "playback_url"),
	    "http://h:8080/stream/infohash-ab");
	assert_string_equal(str_at(o, "response", "stat_url"),
	    "http://h:8080/ace/stat/infohash-ab/" HOLD);
	assert_string_equal(str_at(o, "response", "command_url"),
	    "http://h:8080/ace/cmd/infohash-ab/" HOLD);
	assert_string_equal(str_at(o, "response", "playback_session_id"),
	    HOLD);
	assert_string_equal(str_at(o, "response", "infohash"), "ab");
	assert_string_equal(str_at(o, "response", "is_live"), "1");
	assert_string_equal(str_at(o, "response", "is_encrypted"), "0");
	assert_string_equal(str_at(o, "response", "client_session_id"), "-1");
	json_object_put(o);
	/* HLS; a key with characters a path cannot hold as they are */
	s.hls = 1;
	s.key = "a b/c\"";
	buf_reset(&b);
	ace_api_getstream(&b, &s);
	o = parsed(&b);
	assert_string_equal(str_at(o, "response", "playback_url"),
	    "http://h:8080/hls/a%20b%2Fc%22/index.m3u8");
	json_object_put(o);
	buf_free(&b);
}

static void
test_stat_and_status(void **state)
{
	struct ace_api_stat s = { "prebuf", 3, 40, 5, 0, 1234 };
	struct json_object *o;
	struct buf b;

	(void)state;
	s.clients = 2;
	buf_init(&b);
	ace_api_stat(&b, &s);
	o = parsed(&b);
	assert_string_equal(str_at(o, "response", "status"), "prebuf");
	assert_string_equal(str_at(o, "response", "peers"), "3");
	assert_string_equal(str_at(o, "response", "speed_down"), "40");
	assert_string_equal(str_at(o, "response", "speed_up"), "5");
	assert_string_equal(str_at(o, "response", "downloaded"), "1234");
	assert_string_equal(str_at(o, "response", "clients"), "2");
	json_object_put(o);
	buf_free(&b);
	assert_string_equal(ace_api_status("check", STREAM_RUNNING), "check");
	assert_string_equal(ace_api_status("", STREAM_RUNNING), "dl");
	assert_string_equal(ace_api_status(NULL, STREAM_STARTING), "prebuf");
	assert_string_equal(ace_api_status(NULL, STREAM_RETRYING), "prebuf");
	assert_string_equal(ace_api_status(NULL, STREAM_ENDED), "idle");
}

static void
test_hold_path(void **state)
{
	uint8_t id[STATE_HOLD_ID_BYTES];
	char key[16], hex[ACE_API_HOLD_HEX + 1];

	(void)state;
	assert_int_equal(ace_api_hold_path("/ace/stat/k1/" HOLD,
	    ACE_API_STAT_PREFIX, key, sizeof(key), id), 0);
	assert_string_equal(key, "k1");
	assert_int_equal(id[0], 0x00);
	assert_int_equal(id[1], 0x11);
	assert_int_equal(id[19], 0x33);
	ace_api_hold_hex(id, hex);
	assert_string_equal(hex, HOLD);
	assert_int_equal(ace_api_hold_path("/ace/cmd/K/" "AABBCCDDEEFF00112233"
	    "445566778899AABBCCDD", ACE_API_CMD_PREFIX, key, sizeof(key), id),
	    0);
	assert_int_equal(id[0], 0xaa);
	/* not a session path */
	assert_int_equal(ace_api_hold_path("/ace/stat/" HOLD,
	    ACE_API_STAT_PREFIX, key, sizeof(key), id), -1);
	assert_int_equal(ace_api_hold_path("/ace/stat//" HOLD,
	    ACE_API_STAT_PREFIX, key, sizeof(key), id), -1);
	assert_int_equal(ace_api_hold_path("/ace/stat/a/b/" HOLD,
	    ACE_API_STAT_PREFIX, key, sizeof(key), id), -1);
	assert_int_equal(ace_api_hold_path("/ace/stat/k/" HOLD "0",
	    ACE_API_STAT_PREFIX, key, sizeof(key), id), -1);
	assert_int_equal(ace_api_hold_path("/ace/stat/k/"
	    "g0112233445566778899aabbccddeeff00112233", ACE_API_STAT_PREFIX,
	    key, sizeof(key), id), -1);
	assert_int_equal(ace_api_hold_path("/ace/stat/k/" HOLD,
	    ACE_API_CMD_PREFIX, key, sizeof(key), id), -1);
	assert_int_equal(ace_api_hold_path("/ace/stat/0123456789abcdef/"
	    HOLD, ACE_API_STAT_PREFIX, key, sizeof(key), id), -1);
}

static void
test_base_url(void **state)
{
	char out[300];

	(void)state;
	ace_api_base_url("127.0.0.1:8080", 9, out, sizeof(out));
	assert_string_equal(out, "http://127.0.0.1:8080");
	ace_api_base_url("[::1]:80", 9, out, sizeof(out));
	assert_string_equal(out, "http://[::1]:80");
	/* no port in Host: the one the request came to */
	ace_api_base_url("tv.example", 80, out, sizeof(out));
	assert_string_equal(out, "http://tv.example:80");
	ace_api_base_url("[::1]", 8080, out, sizeof(out));
	assert_string_equal(out, "http://[::1]:8080");
	ace_api_base_url("tv.example", 0, out, sizeof(out));
	assert_string_equal(out, "http://tv.example");
	ace_api_base_url(NULL, 8080, out, sizeof(out));
	assert_string_equal(out, "http://localhost:8080");
	ace_api_base_url("evil/x", 0, out, sizeof(out));
	assert_string_equal(out, "http://localhost");
	ace_api_base_url("a\"b", 0, out, sizeof(out));
	assert_string_equal(out, "http://localhost");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_and_errors),
		cmocka_unit_test(test_getstream_urls),
		cmocka_unit_test(test_stat_and_status),
		cmocka_unit_test(test_hold_path),
		cmocka_unit_test(test_base_url),
	};

	return cmocka_run_group_tests_name("ace_api", tests, NULL, NULL);
}
