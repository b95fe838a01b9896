/*
 * test_json.c - the buffer and JSON writer: escaping (no field can break
 * out of its string), number formats, and the small extractor the CLI
 * uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "json.h"

static void
test_escapes_everything_dangerous(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	json_str(&b, "a\"b\\c\nd\re\tf\x01g\x1fh\x7f");
	assert_string_equal(buf_str(&b),
	    "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\\u007f\"");
	buf_free(&b);
}

static void
test_object_building(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", "stream_started");
	json_kv_int(&b, "pid", -4);
	json_kv_uint(&b, "bytes", 18446744073709551615ULL);
	json_kv_bool(&b, "ok", 1);
	json_kv_double(&b, "s", 1.5);
	json_kv_double(&b, "nan", NAN);
	json_kv_str(&b, "none", NULL);
	json_key(&b, "list");
	buf_puts(&b, "[]}");
	assert_false(b.failed);
	assert_string_equal(buf_str(&b),
	    "{\"event\":\"stream_started\",\"pid\":-4,"
	    "\"bytes\":18446744073709551615,\"ok\":true,\"s\":1.500,"
	    "\"nan\":null,\"none\":null,\"list\":[]}");
	buf_free(&b);
}

static void
test_buffer_grows(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	assert_string_equal(buf_str(&b), "");
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "%04d", i % 10000);
	assert_int_equal(b.len, 40000);
	assert_memory_equal(b.data + 39996, "9999", 4);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

static void
test_get_str(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(json_get_str("{\"error\":\"no \\\"x\\\"\\n\"}",
	    "error", out, sizeof(out)), 0);
	assert_string_equal(out, "no \"x\"\n");
	/* nested keys do not count */
	assert_int_equal(json_get_str("{\"a\":{\"error\":\"x\"},\"b\":1}",
	    "error", out, sizeof(out)), -1);
	assert_int_equal(json_get_str("{\"ok\":true}", "error", out,
	    sizeof(out)), -1);
	assert_int_equal(json_get_str("not json", "error", out,
	    sizeof(out)), -1);
	assert_int_equal(json_get_str("{\"error\":\"unterminated",
	    "error", out, sizeof(out)), -1);
	assert_int_equal(json_get_str("{\"error\":\"\\u0041\"}", "error",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "A");
	/* truncation keeps a terminated string */
	assert_int_equal(json_get_str("{\"e\":\"0123456789\"}", "e", out, 5),
	    0);
	assert_string_equal(out, "0123");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_everything_dangerous),
		cmocka_unit_test(test_object_building),
		cmocka_unit_test(test_buffer_grows),
		cmocka_unit_test(test_get_str),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
