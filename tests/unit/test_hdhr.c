/*
 * test_hdhr.c - the HDHomeRun tuner's documents and DeviceID
 * (src/proto/hdhr.c).
 *
 * What a user relies on: Plex, Emby, Jellyfin and Channels DVR take
 * ringcast for an HDHomeRun tuner: discover.json, lineup_status.json and
 * lineup.json are JSON they parse (checked here with json-c in strict
 * mode, UTF-8 validated) with the fields they read, device.xml is
 * well-formed XML whatever the configured name holds, every channel's
 * URL leads to /tuner/NAME, and the DeviceID passes the check digit
 * test libhdhomerun applies (and that a real tuner's id passes), stays
 * the same for the same name and is never the wildcard.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdhr.h"
#include "json.h"
#include "util.h"

#define BASE	"http://192.168.1.10:8080"

/* An id from a real tuner's discover.json, in Silicondust's HTTP API
 * development guide (HDHR4-2US, "DeviceID": "10439EFD"). */
#define REAL_ID	0x10439EFDu

/* B's contents parsed strictly (UTF-8 validated); fails the test if
 * they are not JSON. */
static struct json_object *
parse_strict(struct buf *b)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf_str(b), (int)b->len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != b->len)
		fail_msg("not JSON (%s): %s", json_tokener_error_desc(
		    json_tokener_get_error(tok)), buf_str(b));
	json_tokener_free(tok);
	return o;
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		fail_msg("no string %s", key);
	return json_object_get_string(v);
}

static int64_t
get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		fail_msg("no integer %s", key);
	return json_object_get_int64(v);
}

/* ---- DeviceID ----------------------------------------------------------- */

static void
test_device_id_known(void **state)
{
	char s[HDHR_DEVICE_ID_LEN + 1];

	assert_true(hdhr_device_id_valid(REAL_ID));
	assert_false(hdhr_device_id_valid(REAL_ID ^ 1));
	assert_false(hdhr_device_id_valid(0x12345678));
	hdhr_device_id_format(REAL_ID, s);
	assert_string_equal(s, "10439EFD");
	hdhr_device_id_format(0xAB, s);
	assert_string_equal(s, "000000AB");
}

/* For any first seven digits, exactly one last digit makes an id. */
static void
test_device_id_one_check_digit(void **state)
{
	uint32_t prefix, d;
	int valid, round;

	srand(3);
	for (round = 0; round < 20000; round++) {
		prefix = ((uint32_t)rand() << 4) ^ ((uint32_t)rand() << 20);
		prefix &= 0xFFFFFFF0u;
		for (valid = 0, d = 0; d < 16; d++)
			valid += hdhr_device_id_valid(prefix | d);
		assert_int_equal(valid, 1);
	}
}

/* What the check digit is for: one digit mistyped, or two neighbours
 * swapped, never gives another valid id. */
static void
test_device_id_detects_typos(void **state)
{
	uint32_t id, bad, a, b, v;
	int round, pos;

	for (round = 0; round < 2000; round++) {
		id = hdhr_device_id_make((uint32_t)round * 2654435761u);
		for (pos = 0; pos < 8; pos++)
			for (v = 1; v < 16; v++) {
				bad = id ^ (v << (4 * pos));
				assert_false(hdhr_device_id_valid(bad));
			}
		for (pos = 0; pos < 7; pos++) {
			a = (id >> (4 * pos)) & 0xF;
			b = (id >> (4 * (pos + 1))) & 0xF;
			if (a == b)
				continue;
			bad = id & ~(0xFFu << (4 * pos));
			bad |= (b << (4 * pos)) | (a << (4 * (pos + 1)));
			assert_false(hdhr_device_id_valid(bad));
		}
	}
}

static void
test_device_id_make(void **state)
{
	uint32_t seed, id, first;
	size_t same = 0;
	const char *name = "ringcast on living-room";

	for (seed = 0; seed < 200000; seed++) {
		id = hdhr_device_id_make(seed);
		assert_true(hdhr_device_id_valid(id));
		assert_int_equal(id >> 28, 1);
		assert_true(id != 0xFFFFFFFFu && id != 0);
		same += seed > 0 && id == hdhr_device_id_make(seed - 1);
	}
	assert_true(same < 10);		/* near seeds, far ids */
	first = hdhr_device_id_make(fnv1a32(FNV1A32_BASIS, name,
	    strlen(name)));
	assert_int_equal(first, hdhr_device_id_make(fnv1a32(FNV1A32_BASIS,
	    name, strlen(name))));
	assert_int_equal(hdhr_device_id_make(0xFFFFFFFFu) >> 28, 1);
}

static void
test_udn(void **state)
{
	char a[HDHR_UDN_LEN + 1], b[HDHR_UDN_LEN + 1];
	size_t i;

	hdhr_udn(REAL_ID, a);
	assert_int_equal(strlen(a), HDHR_UDN_LEN);
	assert_memory_equal(a, "uuid:", 5);
	for (i = 5; i < HDHR_UDN_LEN; i++)
		if (i == 13 || i == 18 || i == 23 || i == 28)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_int_equal(a[19], '8');			/* version 8 */
	assert_non_null(strchr("89ab", a[24]));		/* variant 10 */
	hdhr_udn(REAL_ID, b);
	assert_string_equal(a, b);
	hdhr_udn(REAL_ID + 0x10, b);
	assert_string_not_equal(a, b);
}

/* ---- JSON documents ----------------------------------------------------- */

static void
test_discover_json(void **state)
{
	struct hdhr_device d = { "ringcast \"den\"\n\x01\xFF", REAL_ID,
	    "auth/123", BASE "//", 4 };
	struct json_object *o;
	struct buf b;

	buf_init(&b);
	assert_int_equal(hdhr_discover_json(&b, &d), 0);
	o = parse_strict(&b);
	assert_string_equal(get_str(o, "FriendlyName"),
	    "ringcast \"den\"\xEF\xBF\xBD");
	assert_string_equal(get_str(o, "Manufacturer"), "Silicondust");
	assert_string_equal(get_str(o, "ModelNumber"), "HDTC-2US");
	assert_string_equal(get_str(o, "FirmwareName"), "hdhomeruntc_atsc");
	assert_string_equal(get_str(o, "FirmwareVersion"),
	    HDHR_FIRMWARE_VERSION);
	assert_string_equal(get_str(o, "DeviceID"), "10439EFD");
	assert_string_equal(get_str(o, "DeviceAuth"), "auth/123");
	assert_string_equal(get_str(o, "BaseURL"), BASE);
	assert_string_equal(get_str(o, "LineupURL"), BASE "/lineup.json");
	assert_int_equal(get_int(o, "TunerCount"), 4);
	json_object_put(o);
	buf_free(&b);
}

static void
test_discover_defaults(void **state)
{
	struct hdhr_device d = { NULL, REAL_ID, NULL, BASE, 0 };
	struct json_object *o;
	struct buf b;

	buf_init(&b);
	assert_int_equal(hdhr_discover_json(&b, &d), 0);
	o = parse_strict(&b);
	assert_string_equal(get_str(o, "FriendlyName"), "ringcast");
	assert_string_equal(get_str(o, "DeviceAuth"), "");
	assert_int_equal(get_int(o, "TunerCount"), HDHR_TUNERS_MIN);
	json_object_put(o);
	buf_reset(&b);
	d.friendly_name = "";
	d.tuner_count = 1 << 20;
	d.base_url = NULL;
	assert_int_equal(hdhr_discover_json(&b, &d), 0);
	o = parse_strict(&b);
	assert_string_equal(get_str(o, "FriendlyName"), "ringcast");
	assert_int_equal(get_int(o, "TunerCount"), HDHR_TUNERS_MAX);
	assert_string_equal(get_str(o, "LineupURL"), "/lineup.json");
	json_object_put(o);
	buf_free(&b);
}

static void
test_lineup_status_json(void **state)
{
	struct json_object *o, *l;
	struct buf b;

	buf_init(&b);
	assert_int_equal(hdhr_lineup_status_json(&b), 0);
	assert_string_equal(buf_str(&b), "{\"ScanInProgress\":0,"
	    "\"ScanPossible\":1,\"Source\":\"Cable\",\"SourceList\":"
	    "[\"Cable\"]}");
	o = parse_strict(&b);
	assert_int_equal(get_int(o, "ScanInProgress"), 0);
	assert_true(json_object_object_get_ex(o, "SourceList", &l));
	assert_int_equal(json_object_array_length(l), 1);
	json_object_put(o);
	buf_free(&b);
}

static void
test_lineup_json(void **state)
{
	static const struct hdhr_channel ch[] = {
		{ "101", "CNN International", "cnn-us" },
		{ "5.1", "TF1 S\xC3\xA9ries \"Films\"", "tf1-fr" },
		{ "7", "Bad \xC3 byte\t", "odd name/../x?y" },
		{ "", "", "" },
	};
	struct json_object *o, *e;
	struct buf b;

	buf_init(&b);
	assert_int_equal(hdhr_lineup_json(&b, BASE "/", ch, 4), 0);
	o = parse_strict(&b);
	assert_true(json_object_is_type(o, json_type_array));
	assert_int_equal(json_object_array_length(o), 4);
	e = json_object_array_get_idx(o, 0);
	assert_string_equal(get_str(e, "GuideNumber"), "101");
	assert_string_equal(get_str(e, "GuideName"), "CNN International");
	assert_string_equal(get_str(e, "URL"), BASE "/tuner/cnn-us");
	e = json_object_array_get_idx(o, 1);
	assert_string_equal(get_str(e, "GuideName"),
	    "TF1 S\xC3\xA9ries \"Films\"");
	e = json_object_array_get_idx(o, 2);
	assert_string_equal(get_str(e, "GuideName"), "Bad \xEF\xBF\xBD byte");
	assert_string_equal(get_str(e, "URL"),
	    BASE "/tuner/odd%20name%2F..%2Fx%3Fy");
	e = json_object_array_get_idx(o, 3);
	assert_string_equal(get_str(e, "URL"), BASE "/tuner/");
	json_object_put(o);
	buf_reset(&b);
	assert_int_equal(hdhr_lineup_json(&b, BASE, NULL, 0), 0);
	assert_string_equal(buf_str(&b), "[]");
	buf_free(&b);
}

/* A lineup of 20000 channels is one JSON array of them. */
static void
test_lineup_json_large(void **state)
{
	struct hdhr_channel *ch = calloc(20000, sizeof(*ch));
	char (*num)[16] = calloc(20000, sizeof(*num));
	struct json_object *o;
	struct buf b;
	size_t i;

	assert_non_null(ch);
	assert_non_null(num);
	for (i = 0; i < 20000; i++) {
		snprintf(num[i], sizeof(num[i]), "%zu", i + 1);
		ch[i].number = ch[i].stream = num[i];
		ch[i].name = "Channel";
	}
	buf_init(&b);
	assert_int_equal(hdhr_lineup_json(&b, BASE, ch, 20000), 0);
	o = parse_strict(&b);
	assert_int_equal(json_object_array_length(o), 20000);
	assert_string_equal(get_str(json_object_array_get_idx(o, 19999),
	    "URL"), BASE "/tuner/20000");
	json_object_put(o);
	buf_free(&b);
	free(ch);
	free(num);
}

/* ---- device.xml --------------------------------------------------------- */

static void
test_device_xml(void **state)
{
	struct hdhr_device d = { "Tom & Jerry's <TV> \"den\"", REAL_ID, NULL,
	    BASE "/", 2 };
	char udn[HDHR_UDN_LEN + 1], want[2048];
	struct buf b;

	hdhr_udn(REAL_ID, udn);
	snprintf(want, sizeof(want),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n"
	    "\t<specVersion>\n"
	    "\t\t<major>1</major>\n"
	    "\t\t<minor>0</minor>\n"
	    "\t</specVersion>\n"
	    "\t<URLBase>" BASE "</URLBase>\n"
	    "\t<device>\n"
	    "\t\t<deviceType>urn:schemas-upnp-org:device:MediaServer:1"
	    "</deviceType>\n"
	    "\t\t<friendlyName>Tom &amp; Jerry&apos;s &lt;TV&gt; "
	    "&quot;den&quot;</friendlyName>\n"
	    "\t\t<manufacturer>Silicondust</manufacturer>\n"
	    "\t\t<modelName>HDHomeRun EXTEND</modelName>\n"
	    "\t\t<modelNumber>HDTC-2US</modelNumber>\n"
	    "\t\t<serialNumber>10439EFD</serialNumber>\n"
	    "\t\t<UDN>%s</UDN>\n"
	    "\t</device>\n"
	    "</root>\n", udn);
	buf_init(&b);
	assert_int_equal(hdhr_device_xml(&b, &d), 0);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

/* What XML 1.0 forbids never reaches the document: control characters
 * are dropped, bytes that are not UTF-8 become U+FFFD, and a name cannot
 * close its element. */
static void
test_device_xml_hostile(void **state)
{
	struct hdhr_device d = { "a\x01\x1b\x7f\n\tb\xC2\x85"
	    "c\xFF</friendlyName><x>&#0;\xEF\xBF\xBE", REAL_ID, NULL,
	    "http://h:1/<&>", 1 };
	struct buf b;
	const char *s, *p;

	buf_init(&b);
	assert_int_equal(hdhr_device_xml(&b, &d), 0);
	s = buf_str(&b);
	assert_non_null(strstr(s, "<friendlyName>abc\xEF\xBF\xBD&lt;/"
	    "friendlyName&gt;&lt;x&gt;&amp;#0;</friendlyName>"));
	assert_non_null(strstr(s, "<URLBase>http://h:1/&lt;&amp;&gt;"
	    "</URLBase>"));
	/* every '&' starts an entity, and no control character but the
	 * layout's tabs and line ends is left */
	for (p = s; (p = strchr(p, '&')) != NULL; p++)
		assert_true(strncmp(p, "&amp;", 5) == 0 ||
		    strncmp(p, "&lt;", 4) == 0 || strncmp(p, "&gt;", 4) == 0 ||
		    strncmp(p, "&quot;", 6) == 0 ||
		    strncmp(p, "&apos;", 6) == 0);
	for (p = s; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\t' ||
		    *p == '\n');
	assert_int_equal(strstr(s, "<friendlyName>") - s,
	    strstr(s, "</friendlyName>") - s -
	    (ptrdiff_t)strlen("<friendlyName>abc\xEF\xBF\xBD&lt;/"
	    "friendlyName&gt;&lt;x&gt;&amp;#0;"));
	buf_free(&b);
}

/* A configured device_id: 8 hex digits, right check digit, a real id. */
static void
test_device_id_parse(void **state)
{
	uint32_t id = 0;

	(void)state;
	assert_int_equal(hdhr_device_id_parse("10439EFD", &id), 0);
	assert_int_equal(id, REAL_ID);
	assert_int_equal(hdhr_device_id_parse("10439efd", &id), 0);
	assert_int_equal(id, REAL_ID);
	assert_int_equal(hdhr_device_id_parse("10439EFC", &id), -1);
	assert_int_equal(hdhr_device_id_parse("01439EFD", &id), -1);
	assert_int_equal(hdhr_device_id_parse("FFFFFFFF", &id), -1);
	assert_int_equal(hdhr_device_id_parse("00000000", &id), -1);
	assert_int_equal(hdhr_device_id_parse("10439EF", &id), -1);
	assert_int_equal(hdhr_device_id_parse("10439EFD0", &id), -1);
	assert_int_equal(hdhr_device_id_parse(" 10439EF", &id), -1);
	assert_int_equal(hdhr_device_id_parse("0x439EFD", &id), -1);
	assert_int_equal(hdhr_device_id_parse("", &id), -1);
	assert_int_equal(hdhr_device_id_parse(NULL, &id), -1);
	assert_int_equal(id, REAL_ID);	/* untouched on failure */
}

/* A Host header is written into URLs only when it cannot break out. */
static void
test_host_valid(void **state)
{
	char big[HDHR_HOST_MAX + 2];

	(void)state;
	assert_true(hdhr_host_valid("192.168.1.10:8080"));
	assert_true(hdhr_host_valid("tv.example.org"));
	assert_true(hdhr_host_valid("[::1]:8080"));
	assert_true(hdhr_host_valid("my_box-2.lan"));
	assert_false(hdhr_host_valid(NULL));
	assert_false(hdhr_host_valid(""));
	assert_false(hdhr_host_valid("a\"b"));
	assert_false(hdhr_host_valid("a b"));
	assert_false(hdhr_host_valid("a<b>"));
	assert_false(hdhr_host_valid("a/b"));
	assert_false(hdhr_host_valid("a\r\nX-Evil: 1"));
	assert_false(hdhr_host_valid("user@host"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(hdhr_host_valid(big));
	big[HDHR_HOST_MAX] = '\0';
	assert_true(hdhr_host_valid(big));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_id_known),
		cmocka_unit_test(test_device_id_one_check_digit),
		cmocka_unit_test(test_device_id_detects_typos),
		cmocka_unit_test(test_device_id_make),
		cmocka_unit_test(test_udn),
		cmocka_unit_test(test_discover_json),
		cmocka_unit_test(test_discover_defaults),
		cmocka_unit_test(test_lineup_status_json),
		cmocka_unit_test(test_lineup_json),
		cmocka_unit_test(test_lineup_json_large),
		cmocka_unit_test(test_device_xml),
		cmocka_unit_test(test_device_xml_hostile),
		cmocka_unit_test(test_host_valid),
		cmocka_unit_test(test_device_id_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
