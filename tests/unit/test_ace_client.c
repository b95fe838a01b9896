/*
 * test_ace_client.c - reading the AceStream engine's answers, the URLs
 * we ask it, content ids, and the engine choice.
 *
 * What a user relies on: a good engine answer starts a stream, an error
 * answer or anything malformed (missing fields, garbage, a huge answer,
 * URLs that are not http) is refused with a reason instead of being
 * half-used, an id is exactly 40 hex digits, and a new stream goes to
 * the least loaded engine that is up and has room.  An engine's refusal
 * of the content is told from an engine failure, answered 404 when the
 * content is unknown or dead and 502 otherwise, and remembered for its
 * key.  The inputs a player may give (ace_input.h) are checked, and
 * make one stream key per broadcast and options within the name limit,
 * and the engine gets them as given, escaped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ace_client.h"
#include "ace_input.h"
#include "acestream.h"

#define ID	"0123456789abcdef0123456789abcdef01234567"

static const char good[] =
    "{\"response\": {\"playback_url\": \"http://127.0.0.1:6878/ace/r/"
    ID "/s1\", \"stat_url\": \"http://127.0.0.1:6878/ace/stat/" ID "/s1\","
    " \"command_url\": \"http://127.0.0.1:6878/ace/cmd/" ID "/s1\","
    " \"playback_session_id\": \"s1\", \"infohash\": \"" ID "\","
    " \"is_live\": 1, \"is_encrypted\": 0, \"client_session_id\": -1},"
    " \"error\": null}\n";

static int
parse(const char *body, struct ace_session *s, char *err, size_t errsz)
{
	return ace_parse_getstream(body, strlen(body), s, err, errsz);
}

static void
test_getstream_good(void **state)
{
	struct ace_session s;
	char err[256] = "";

	assert_int_equal(parse(good, &s, err, sizeof(err)), 0);
	assert_string_equal(s.playback_url,
	    "http://127.0.0.1:6878/ace/r/" ID "/s1");
	assert_string_equal(s.stat_url,
	    "http://127.0.0.1:6878/ace/stat/" ID "/s1");
	assert_string_equal(s.command_url,
	    "http://127.0.0.1:6878/ace/cmd/" ID "/s1");
	assert_string_equal(s.session_id, "s1");
	assert_int_equal(s.is_live, 1);
	/* stat_url and the session id are optional; "error": "" is none */
	assert_int_equal(parse("{\"response\":{\"playback_url\":\"http://e/p\","
	    "\"command_url\":\"https://e/c\"},\"error\":\"\"}", &s, err,
	    sizeof(err)), 0);
	assert_string_equal(s.stat_url, "");
	assert_string_equal(s.session_id, "");
	assert_int_equal(s.is_live, -1);
	/* the body need not be NUL-terminated */
	assert_int_equal(ace_parse_getstream(good, sizeof(good) - 1, &s, err,
	    sizeof(err)), 0);
}

static void
test_getstream_error_answer(void **state)
{
	struct ace_session s;
	char err[256];

	assert_int_equal(parse("{\"response\": null, \"error\": \"unknown "
	    "content id\"}", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "engine error: unknown content id");
	assert_int_equal(parse("{\"response\": null, \"error\": {\"code\": 5}}",
	    &s, err, sizeof(err)), -1);
	assert_string_equal(err, "engine error: { \"code\": 5 }");
	/* an error wins over a response */
	assert_int_equal(parse("{\"response\":{\"playback_url\":\"http://e/p\","
	    "\"command_url\":\"http://e/c\"},\"error\":\"busy\"}", &s, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "engine error: busy");
}

static void
test_getstream_missing_fields(void **state)
{
	struct ace_session s;
	char err[256];

	assert_int_equal(parse("{\"error\": null}", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "the answer has no \"response\" object");
	assert_int_equal(parse("{\"response\": \"ok\"}", &s, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "the answer has no \"response\" object");
	assert_int_equal(parse("{\"response\":{\"command_url\":\"http://e/c\"}}",
	    &s, err, sizeof(err)), -1);
	assert_string_equal(err, "the answer has no playback_url");
	assert_int_equal(parse("{\"response\":{\"playback_url\":\"http://e/p\"}}",
	    &s, err, sizeof(err)), -1);
	assert_string_equal(err, "the answer has no command_url");
	/* wrong types and unusable URLs */
	assert_int_equal(parse("{\"response\":{\"playback_url\":5,"
	    "\"command_url\":\"http://e/c\"}}", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "the answer's playback_url is not a usable URL");
	assert_int_equal(parse("{\"response\":{\"playback_url\":\"file:///etc/"
	    "passwd\",\"command_url\":\"http://e/c\"}}", &s, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "the answer's playback_url is not a usable URL");
	assert_int_equal(parse("{\"response\":{\"playback_url\":\"http://\","
	    "\"command_url\":\"http://e/c\"}}", &s, err, sizeof(err)), -1);
	assert_int_equal(parse("{\"response\":{\"playback_url\":\"http://e/p\\n"
	    "x\",\"command_url\":\"http://e/c\"}}", &s, err, sizeof(err)), -1);
	assert_int_equal(parse("{\"response\":{\"playback_url\":\"http://e/p\","
	    "\"command_url\":\"http://e/c\",\"stat_url\":[1]}}", &s, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "the answer's stat_url is not a usable URL");
}

static void
test_getstream_garbage(void **state)
{
	static const char *bad[] = {
		"", "   ", "<html>502 Bad Gateway</html>", "null", "[1,2]",
		"\"text\"", "{\"response\": {", "{} trailing",
		("{\"response\":{\"playback_url\":\"http://e/p\","
		    "\"command_url\":\"http://e/c\"}}}"),
	};
	struct ace_session s;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i], &s, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_string_equal(s.playback_url, "");
	}
	assert_int_equal(ace_parse_getstream(NULL, 0, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "empty answer");
	assert_int_equal(parse("not json", &s, err, sizeof(err)), -1);
	assert_memory_equal(err, "not JSON", 8);
}

static void
test_getstream_huge(void **state)
{
	size_t n = ACE_ANSWER_MAX + 100, i;
	struct ace_session s;
	char err[256], *big = malloc(n + 1);
	char *deep;

	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, good, strlen(good));	/* valid, but too long */
	big[n] = '\0';
	assert_int_equal(ace_parse_getstream(big, n, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "answer too large (65636 bytes)");
	/* a playback_url longer than we keep */
	i = (size_t)snprintf(big, n, "{\"response\":{\"command_url\":\"http://"
	    "e/c\",\"playback_url\":\"http://e/");
	memset(big + i, 'a', 2000);
	strcpy(big + i + 2000, "\"}}");
	assert_int_equal(parse(big, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "the answer's playback_url is not a usable URL");
	free(big);
	/* nesting deeper than ACE_JSON_DEPTH */
	deep = calloc(1, 2 * 1000 + 1);
	assert_non_null(deep);
	for (i = 0; i < 1000; i++) {
		deep[i] = '[';
		deep[1000 + i] = ']';
	}
	assert_int_equal(parse(deep, &s, err, sizeof(err)), -1);
	free(deep);
}

static void
test_stat(void **state)
{
	struct ace_stat st;
	char err[256];
	const char *ok = "{\"response\": {\"status\": \"dl\", \"peers\": 12, "
	    "\"speed_down\": 345, \"speed_up\": 6, \"downloaded\": 123456789012,"
	    " \"uploaded\": 7, \"total_progress\": 0}, \"error\": null}";

	assert_int_equal(ace_parse_stat(ok, strlen(ok), &st, err, sizeof(err)),
	    0);
	assert_string_equal(st.status, "dl");
	assert_int_equal(st.peers, 12);
	assert_int_equal(st.speed_down, 345);
	assert_int_equal(st.speed_up, 6);
	assert_true(st.downloaded == 123456789012ULL);
	assert_int_equal(st.uploaded, 7);
	/* missing, negative, double and wrong-typed figures */
	ok = "{\"response\": {\"peers\": -3, \"speed_down\": 2.5, "
	    "\"speed_up\": \"x\", \"status\": 5}}";
	assert_int_equal(ace_parse_stat(ok, strlen(ok), &st, err, sizeof(err)),
	    0);
	assert_int_equal(st.peers, 0);
	assert_int_equal(st.speed_down, 2);
	assert_int_equal(st.speed_up, 0);
	assert_string_equal(st.status, "?");
	ok = "{\"response\": null, \"error\": \"unknown session\"}";
	assert_int_equal(ace_parse_stat(ok, strlen(ok), &st, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "engine error: unknown session");
	assert_int_equal(ace_parse_stat("}", 1, &st, err, sizeof(err)), -1);
}

static void
test_version_and_command(void **state)
{
	char v[32], err[256];
	const char *ok = "{\"result\": {\"code\": 3015000, \"platform\": "
	    "\"linux\", \"version\": \"3.1.75\"}, \"error\": null}";

	assert_int_equal(ace_parse_version(ok, strlen(ok), v, sizeof(v), err,
	    sizeof(err)), 0);
	assert_string_equal(v, "3.1.75");
	assert_int_equal(ace_parse_version("{\"result\":{}}", 13, v, sizeof(v),
	    err, sizeof(err)), 0);
	assert_string_equal(v, "");
	assert_int_equal(ace_parse_version("{\"error\":\"no\"}", 14, v,
	    sizeof(v), err, sizeof(err)), -1);
	assert_int_equal(ace_parse_version("500", 3, v, sizeof(v), err,
	    sizeof(err)), -1);
	ok = "{\"response\": \"ok\", \"error\": null}";
	assert_int_equal(ace_parse_command(ok, strlen(ok), err, sizeof(err)),
	    0);
	ok = "{\"response\": null, \"error\": \"already stopped\"}";
	assert_int_equal(ace_parse_command(ok, strlen(ok), err, sizeof(err)),
	    -1);
	assert_string_equal(err, "engine error: already stopped");
}

/* A stop of a session the engine dropped already is a stop, not a
 * failure; the network status reads "connected". */
static void
test_stop_and_network(void **state)
{
	static const char *const stop[][2] = {
		{ "{\"response\": \"ok\", \"error\": null}", "0" },
		{ "{\"response\": null, \"error\": \"unknown playback session"
		    " id\"}", "1" },
		{ "{\"response\": null, \"error\": \"Unknown Playback Session"
		    " ID\"}", "1" },
		{ "{\"response\": null, \"error\": \"unknown playback session"
		    " id, or not\"}", "-1" },
		{ "{\"response\": null, \"error\": \"session already "
		    "stopped\"}", "-1" },
		{ "{\"response\": null, \"error\": {\"unknown playback "
		    "session id\": 1}}", "-1" },
		{ "<html>", "-1" },
	};
	static const char *const net[][2] = {
		{ "{\"result\": {\"connected\": true}, \"error\": null}", "1" },
		{ "{\"result\": {\"connected\": false}, \"error\": null}", "0" },
		{ "{\"result\": {\"connected\": 0}}", "0" },
		{ "{\"result\": {}, \"error\": null}", "-1" },
		{ "{\"result\": {\"connected\": \"yes\"}}", "-1" },
		{ "{\"result\": null, \"error\": \"unknown method\"}", "-1" },
		{ "not json", "-1" },
	};
	char err[256], u[160];
	int connected, want;
	size_t i;

	for (i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		assert_int_equal(ace_parse_stop(stop[i][0], strlen(stop[i][0]),
		    err, sizeof(err)), atoi(stop[i][1]));
	ace_parse_stop(stop[1][0], strlen(stop[1][0]), err, sizeof(err));
	assert_string_equal(err, "unknown playback session id");
	for (i = 0; i < sizeof(net) / sizeof(net[0]); i++) {
		want = atoi(net[i][1]);
		assert_int_equal(ace_parse_network(net[i][0], strlen(net[i][0]),
		    &connected, err, sizeof(err)), want == -1 ? -1 : 0);
		if (want != -1)
			assert_int_equal(connected, want);
	}
	assert_int_equal(ace_url_network(u, sizeof(u), "http://e:6878"), 0);
	assert_string_equal(u, "http://e:6878/server/api?api_version=3&"
	    "method=get_network_connection_status");
}

/* Down after ACE_DOWN_AFTER_FAILS failed checks in a row, up after
 * ACE_UP_AFTER_OKS good one(s); in between the health stays. */
static void
test_health_after(void **state)
{
	enum ace_health h = ACE_HEALTH_UNKNOWN;
	uint32_t fails = 0, oks = 0, n;

	assert_int_equal(ACE_DOWN_AFTER_FAILS, 3);
	assert_int_equal(ACE_UP_AFTER_OKS, 1);
	h = ace_health_after(h, 0, ++oks);
	assert_int_equal(h, ACE_HEALTH_UP);
	for (n = 1; n < ACE_DOWN_AFTER_FAILS; n++) {
		h = ace_health_after(h, ++fails, oks = 0);
		assert_int_equal(h, ACE_HEALTH_UP);	/* a blip */
	}
	h = ace_health_after(h, ++fails, 0);
	assert_int_equal(h, ACE_HEALTH_DOWN);
	h = ace_health_after(h, ++fails, 0);
	assert_int_equal(h, ACE_HEALTH_DOWN);
	h = ace_health_after(h, fails = 0, ++oks);
	assert_int_equal(h, ACE_HEALTH_UP);
	/* never checked well yet: usable until it is down */
	assert_int_equal(ace_health_after(ACE_HEALTH_UNKNOWN, 2, 0),
	    ACE_HEALTH_UNKNOWN);
	assert_int_equal(ace_health_after(ACE_HEALTH_UNKNOWN, 3, 0),
	    ACE_HEALTH_DOWN);
}

static void
test_ids(void **state)
{
	char out[CONFIG_ACE_ID_LEN + 1], big[10241];

	assert_true(ace_id_valid(ID));
	assert_true(ace_id_valid("0123456789ABCDEF0123456789ABCDEF01234567"));
	assert_false(ace_id_valid("0123456789abcdef0123456789abcdef0123456"));
	assert_false(ace_id_valid("0123456789abcdef0123456789abcdef012345678"));
	assert_false(ace_id_valid("0123456789abcdef0123456789abcdef0123456g"));
	assert_false(ace_id_valid(""));
	assert_false(ace_id_valid(NULL));
	assert_string_equal(ace_id_problem("abc", 3),
	    "the id is too short: it must be 40 hex digits");
	assert_string_equal(ace_id_problem("xyz", 3), "the id must be 40 hex "
	    "digits (0-9, a-f); it holds other characters");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(ace_id_problem(big, strlen(big)),
	    "the id is too long: it must be 40 hex digits");
	ace_id_normalize("0123456789ABCDEF0123456789ABCDEF01234567", out);
	assert_string_equal(out, ID);
}

static void
test_urls(void **state)
{
	char u[128];

	assert_int_equal(ace_url_getstream(u, sizeof(u), "http://e:6878", "id",
	    ID, "p1"), 0);
	assert_string_equal(u, "http://e:6878/ace/getstream?format=json&id=" ID
	    "&pid=p1");
	assert_int_equal(ace_url_version(u, sizeof(u), "http://e:6878"), 0);
	assert_string_equal(u, "http://e:6878/webui/api/service?method="
	    "get_version&format=json");
	assert_int_equal(ace_url_command(u, sizeof(u), "http://e/ace/cmd/x/s",
	    "stop"), 0);
	assert_string_equal(u, "http://e/ace/cmd/x/s?method=stop");
	assert_int_equal(ace_url_command(u, sizeof(u), "http://e/c?s=1",
	    "stop"), 0);
	assert_string_equal(u, "http://e/c?s=1&method=stop");
	assert_int_equal(ace_url_getstream(u, 20, "http://e:6878", "id", ID,
	    "p1"), -1);
}

/* An engine's URLs land on the address ringcast reaches it at. */
static void
test_url_rebase(void **state)
{
	static const char *const cases[][3] = {
		/* url from the engine, configured base, result */
		{ "http://127.0.0.1:6878/ace/r/h/s", "http://e.example:16878",
		    "http://e.example:16878/ace/r/h/s" },
		/* query kept; no port in the base: the scheme's */
		{ "http://127.0.0.1:6878/ace/cmd/h/s?x=1&y=2", "https://e",
		    "https://e/ace/cmd/h/s?x=1&y=2" },
		/* IPv6 on either side */
		{ "http://[::1]:6878/ace/stat/h/s", "http://[fd00::5]:8000",
		    "http://[fd00::5]:8000/ace/stat/h/s" },
		{ "http://[fe80::1%25eth0]:6878/p?q", "http://10.0.0.2:1",
		    "http://10.0.0.2:1/p?q" },
		/* the base's userinfo goes along, the URL's does not */
		{ "http://u:p@127.0.0.1:6878/ace/r/h/s",
		    "http://ace:secret@proxy:80",
		    "http://ace:secret@proxy:80/ace/r/h/s" },
		{ "http://u@127.0.0.1:6878/a", "http://e:1", "http://e:1/a" },
		/* a base with a path (reverse proxy): it prefixes the path */
		{ "http://127.0.0.1:6878/ace/r/h/s", "http://proxy/engine1/",
		    "http://proxy/engine1/ace/r/h/s" },
		{ "http://127.0.0.1:6878/ace/r/h/s", "http://proxy/e1?k=v",
		    "http://proxy/e1/ace/r/h/s" },
		/* nothing after the authority, or only a query */
		{ "http://127.0.0.1:6878", "http://e:2", "http://e:2" },
		{ "http://127.0.0.1:6878?a=b", "http://e:2", "http://e:2?a=b" },
		/* an @ in the path is not userinfo */
		{ "http://127.0.0.1:6878/a@b", "http://e:2", "http://e:2/a@b" },
	};
	static const char *const bad[][2] = {
		{ "no-scheme/ace/r", "http://e" },
		{ "http:///ace/r", "http://e" },
		{ "http://u@/ace/r", "http://e" },
		{ "http://:6878/ace/r", "http://e" },
		{ "http://h/p", "e:6878" },
		{ "http://h/p", "http://" },
		{ "ht tp://h/p", "http://e" },
	};
	struct ace_session s;
	char out[ACE_URL_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ace_url_rebase(out, sizeof(out), cases[i][0],
		    cases[i][1]), 0);
		assert_string_equal(out, cases[i][2]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ace_url_rebase(out, sizeof(out), bad[i][0],
		    bad[i][1]), -1);
	assert_int_equal(ace_url_rebase(out, 20, "http://h/a/long/path",
	    "http://engine:6878"), -1);
	/* a whole session; no stat_url stays none */
	memset(&s, 0, sizeof(s));
	strcpy(s.playback_url, "http://127.0.0.1:6878/ace/r/h/s");
	strcpy(s.command_url, "http://127.0.0.1:6878/ace/cmd/h/s");
	assert_int_equal(ace_session_rebase(&s, "http://e:16878"), 0);
	assert_string_equal(s.playback_url, "http://e:16878/ace/r/h/s");
	assert_string_equal(s.command_url, "http://e:16878/ace/cmd/h/s");
	assert_string_equal(s.stat_url, "");
	strcpy(s.stat_url, "garbage");
	assert_int_equal(ace_session_rebase(&s, "http://e:1"), -1);
	assert_string_equal(s.playback_url, "http://e:16878/ace/r/h/s");
}

static void
test_keys(void **state)
{
	const char *param, *id;
	char key[CONFIG_NAME_MAX + 1];

	assert_int_equal(ace_stream_key("id", ID, key, sizeof(key)), 0);
	assert_string_equal(key, ID);
	assert_int_equal(ace_stream_key("infohash",
	    "0123456789ABCDEF0123456789ABCDEF01234567", key, sizeof(key)), 0);
	assert_string_equal(key, "infohash-" ID);
	assert_true(config_name_valid(key));
	assert_int_equal(ace_key_split(key, &param, &id), 0);
	assert_string_equal(param, "infohash");
	assert_string_equal(id, ID);
	assert_int_equal(ace_key_split(ID, &param, &id), 0);
	assert_string_equal(param, "id");
	assert_int_equal(ace_stream_key("id", "123", key, sizeof(key)), -1);
	assert_int_equal(ace_key_split("news", &param, &id), -1);
	/* keys are lower case: an upper-case key is not one */
	assert_int_equal(ace_key_split("0123456789ABCDEF0123456789ABCDEF01234567",
	    &param, &id), -1);
}

static void
test_pick_engine(void **state)
{
	struct ace_pick e[4] = {
		{ 1, 2 }, { 1, 1 }, { 0, 0 }, { 1, 1 },
	};

	/* least loaded, first of equals, never a down engine */
	assert_int_equal(ace_pick_engine(e, 4, 4, -1), 1);
	assert_int_equal(ace_pick_engine(e, 4, 4, 1), 3);
	/* full engines are skipped */
	assert_int_equal(ace_pick_engine(e, 4, 1, -1), -1);
	assert_int_equal(ace_pick_engine(e, 4, 2, -1), 1);
	e[1].streams = 2;
	e[3].streams = 2;
	assert_int_equal(ace_pick_engine(e, 4, 2, -1), -1);
	assert_int_equal(ace_pick_engine(e, 4, 3, 0), 1);
	assert_int_equal(ace_pick_engine(e, 0, 3, -1), -1);
}

/* A getstream answer BODY read for a refusal. */
static int
refusal(const char *body, char *t, size_t tsz)
{
	return ace_getstream_refusal(body, strlen(body), t, tsz);
}

static void
test_refusal(void **state)
{
	char t[64];

	(void)state;
	assert_int_equal(refusal("{\"response\": null, "
	    "\"error\": \"failed to load transport file\"}", t,
	    sizeof(t)), 1);
	assert_string_equal(t, "failed to load transport file");
	/* no response member at all, a control character, a long text */
	assert_int_equal(refusal("{\"error\": \"a\\nb\"}", t, sizeof(t)), 1);
	assert_string_equal(t, "a b");
	assert_int_equal(refusal("{\"response\":null,\"error\":"
	    "\"0123456789012345678901234567890123456789012345678901234567"
	    "890123456789\"}", t, 16), 1);
	assert_int_equal(strlen(t), 15);
	/* not a refusal: a session, no error, garbage, a session with an error */
	assert_int_equal(refusal(good, t, sizeof(t)), 0);
	assert_int_equal(refusal("{\"response\": null, "
	    "\"error\": null}", t, sizeof(t)), 0);
	assert_int_equal(refusal("{\"response\": null, "
	    "\"error\": \"\"}", t, sizeof(t)), 0);
	assert_int_equal(refusal("<html>", t, sizeof(t)), 0);
	assert_string_equal(t, "");
	assert_int_equal(refusal("{\"response\": {\"a\": 1}, "
	    "\"error\": \"x\"}", t, sizeof(t)), 0);
}

static void
test_refusal_status(void **state)
{
	(void)state;
	assert_int_equal(ace_refusal_status("failed to load transport file"),
	    404);
	assert_int_equal(ace_refusal_status("Failed To Load content"), 404);
	assert_int_equal(ace_refusal_status("bad content id: not 40 hex"),
	    404);
	assert_int_equal(ace_refusal_status("torrent not found"), 404);
	assert_int_equal(ace_refusal_status("invalid infohash"), 404);
	assert_int_equal(ace_refusal_status("failed to start the stream"),
	    502);
	assert_int_equal(ace_refusal_status("too many sessions"), 502);
	assert_int_equal(ace_refusal_status(""), 502);
}

static void
test_refusal_msg(void **state)
{
	char m[256], engine[64], text[64];
	unsigned status = 0;

	(void)state;
	assert_int_equal(ace_refusal_msg(m, sizeof(m), 404,
	    "http://e:6878", "failed to load\ntransport file"), 0);
	assert_int_equal(ace_refusal_msg_parse(m, strlen(m), &status, engine,
	    sizeof(engine), text, sizeof(text)), 0);
	assert_int_equal(status, 404);
	assert_string_equal(engine, "http://e:6878");
	assert_string_equal(text, "failed to load transport file");
	assert_int_equal(ace_refusal_msg(m, 20, 404, "http://e:6878", "x"),
	    -1);
	assert_int_equal(ace_refusal_msg(m, sizeof(m), 502, "a b", "x"), -1);
	/* what is not one */
	assert_int_equal(ace_refusal_msg_parse("next-engine", 11, &status,
	    engine, sizeof(engine), text, sizeof(text)), -1);
	assert_int_equal(ace_refusal_msg_parse("engine-error 200 e\nx", 20,
	    &status, engine, sizeof(engine), text, sizeof(text)), -1);
	assert_int_equal(ace_refusal_msg_parse("engine-error 404 e", 18,
	    &status, engine, sizeof(engine), text, sizeof(text)), -1);
	assert_int_equal(ace_refusal_msg_parse("engine-error 404\nx", 18,
	    &status, engine, sizeof(engine), text, sizeof(text)), -1);
	assert_int_equal(ace_refusal_msg_parse("engine-error 502 e\n", 19,
	    &status, engine, 1, text, sizeof(text)), -1);
}

static void
test_refusal_cache(void **state)
{
	static struct ace_state as;
	struct ace_refusal_view v;
	char key[16];
	int i;

	(void)state;
	assert_int_equal(ace_state_refusal_get(&as, "k", 100, &v), -1);
	ace_state_refusal_put(&as, "k", 404, "http://e", "dead", 1000, 100);
	assert_int_equal(ace_state_refusal_get(&as, "k", 999, &v), 0);
	assert_int_equal(v.status, 404);
	assert_string_equal(v.engine, "http://e");
	assert_string_equal(v.text, "dead");
	assert_int_equal(ace_state_refusal_get(&as, "k", 1000, &v), -1);
	assert_int_equal(ace_state_refusal_get(&as, "kk", 500, &v), -1);
	/* the same key replaces its entry */
	ace_state_refusal_put(&as, "k", 502, "http://e", "busy", 2000, 500);
	assert_int_equal(ace_state_refusal_get(&as, "k", 1500, &v), 0);
	assert_int_equal(v.status, 502);
	/* full: the entry that lapses first goes */
	for (i = 0; i < ACE_REFUSALS; i++) {
		snprintf(key, sizeof(key), "n%d", i);
		ace_state_refusal_put(&as, key, 404, "e", "t",
		    (uint64_t)(3000 + i), 600);
	}
	assert_int_equal(ace_state_refusal_get(&as, "k", 700, &v), -1);
	assert_int_equal(ace_state_refusal_get(&as, "n0", 700, &v), 0);
	ace_state_refusal_put(&as, "new", 404, "e", "t", 9000, 700);
	assert_int_equal(ace_state_refusal_get(&as, "n0", 700, &v), -1);
	assert_int_equal(ace_state_refusal_get(&as, "n1", 700, &v), 0);
	assert_int_equal(ace_state_refusal_get(&as, "new", 700, &v), 0);
}

/* A request of PARAM=VALUE and the options OPTS (NULL: none). */
static struct ace_request
req(const char *param, const char *value, const char *opt0, const char *opt2)
{
	struct ace_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.param = param;
	rq.value = value;
	rq.options[0] = opt0;	/* transcode_audio */
	rq.options[2] = opt2;	/* preferred_audio_language */
	return rq;
}

static const char *
problem(const char *param, const char *value)
{
	struct ace_request rq = req(param, value, NULL, NULL);

	return ace_request_problem(&rq);
}

static void
test_input_problems(void **state)
{
	char big[ACE_INPUT_MAX + 32];
	struct ace_request rq;

	(void)state;
	assert_null(problem("id", "0123456789ABCDEF0123456789abcdef01234567"));
	assert_null(problem("url", "http://t.example/a/" ID ".torrent"));
	assert_null(problem("url", "HTTPS://t.example/x?y=1&z=%20"));
	assert_null(problem("magnet", "magnet:?xt=urn:btih:" ID "&dn=x"));
	assert_non_null(strstr(problem(NULL, NULL), "missing"));
	assert_non_null(strstr(problem("id", ID "0"), "too long"));
	assert_non_null(strstr(problem("url", "ftp://h/x.torrent"), "http"));
	assert_non_null(strstr(problem("url", "http:///x"), "host"));
	assert_non_null(strstr(problem("url", "http://h/a b"), "spaces"));
	assert_non_null(strstr(problem("url", "file:///etc/passwd"), "http"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "http://h/", 9);
	assert_non_null(strstr(problem("url", big), "2048"));
	big[ACE_INPUT_MAX] = '\0';
	assert_null(problem("url", big));
	assert_non_null(strstr(problem("magnet", "http://h/"), "magnet:?"));
	assert_non_null(strstr(problem("magnet", "magnet:?dn=x"), "btih"));
	assert_non_null(strstr(problem("magnet", "magnet:?xt=urn:btih:12"),
	    "btih"));
	rq = req("id", ID, "1;rm", NULL);
	assert_non_null(strstr(ace_request_problem(&rq), "option"));
	rq = req("id", ID, NULL, big);
	assert_non_null(strstr(ace_request_problem(&rq), "too long"));
	rq = req("id", ID, "1", "eng");
	assert_null(ace_request_problem(&rq));
	rq = req("magnet", "magnet:?xt=urn:btih:" ID, NULL, NULL);
	assert_true(ace_request_fetches_url(&rq));
	rq = req("content_id", ID, NULL, NULL);
	assert_false(ace_request_fetches_url(&rq));
}

static void
test_magnet_infohash(void **state)
{
	char h[CONFIG_ACE_ID_LEN + 1];

	(void)state;
	assert_int_equal(ace_magnet_infohash("magnet:?dn=a&xt=urn:btih:"
	    "0123456789ABCDEF0123456789ABCDEF01234567&tr=x", h), 0);
	assert_string_equal(h, ID);
	/* base32 (RFC 4648), either case */
	assert_int_equal(ace_magnet_infohash("MAGNET:?xt=urn:btih:"
	    "aeruKZ4JVPG66AJDIVTYTK6N54ASGRLH", h), 0);
	assert_string_equal(h, ID);
	assert_int_equal(ace_magnet_infohash("magnet:?xt=urn:sha1:" ID, h),
	    -1);
	assert_int_equal(ace_magnet_infohash("magnet:?xt=urn:btih:"
	    "AERUKZ4JVPG66AJDIVTYTK6N54ASGRL1", h), -1);
	assert_int_equal(ace_magnet_infohash("xt=urn:btih:" ID, h), -1);
}

static void
key_of(const char *param, const char *value, const char *opt0,
    const char *opt2, char *key)
{
	struct ace_request rq = req(param, value, opt0, opt2);

	assert_int_equal(ace_request_key(&rq, key, CONFIG_NAME_MAX + 1), 0);
	assert_true(config_name_valid(key));
	assert_true(strlen(key) <= CONFIG_NAME_MAX);
}

static void
test_input_keys(void **state)
{
	char a[CONFIG_NAME_MAX + 1], b[CONFIG_NAME_MAX + 1];
	struct ace_key k;

	(void)state;
	key_of("content_id", "0123456789ABCDEF0123456789abcdef01234567", NULL,
	    NULL, a);
	assert_string_equal(a, ID);
	key_of("infohash", "0123456789ABCDEF0123456789ABCDEF01234567", NULL,
	    NULL, a);
	assert_string_equal(a, "infohash-" ID);
	/* a magnet of an infohash is its stream */
	key_of("magnet", "magnet:?xt=urn:btih:" ID "&tr=udp://t:1", NULL, NULL,
	    b);
	assert_string_equal(a, b);
	/* a URL: its own key, the same for the same URL */
	key_of("url", "http://t/" ID ".torrent", NULL, NULL, a);
	assert_int_equal(strncmp(a, "url-", 4), 0);
	assert_int_equal(strlen(a), 4 + ACE_URL_HASH_LEN);
	key_of("url", "http://t/" ID ".torrent", NULL, NULL, b);
	assert_string_equal(a, b);
	key_of("url", "http://t/" ID ".torrenT", NULL, NULL, b);
	assert_string_not_equal(a, b);
	/* options: another stream, whatever their order; "" is none */
	key_of("infohash", ID, "1", "eng", a);
	assert_int_equal(strlen(a), 9 + 40 + 2 + ACE_OPTIONS_HASH_LEN);
	assert_int_equal(strncmp(a, "infohash-" ID "-o", 51), 0);
	key_of("infohash", ID, "1", "rus", b);
	assert_string_not_equal(a, b);
	key_of("infohash", ID, "", NULL, b);
	assert_string_equal(b, "infohash-" ID);
	/* every form reads back */
	key_of("url", "http://t/x.torrent", "1", NULL, a);
	assert_int_equal(ace_key_parse(a, &k), 0);
	assert_string_equal(k.param, "url");
	assert_int_equal(strlen(k.id), ACE_URL_HASH_LEN);
	assert_int_equal(k.options, 1);
	assert_int_equal(ace_key_parse(ID, &k), 0);
	assert_string_equal(k.param, "id");
	assert_string_equal(k.id, ID);
	assert_int_equal(k.options, 0);
	assert_int_equal(ace_key_parse("infohash-" ID "-o0123456789ab", &k), 0);
	assert_string_equal(k.param, "infohash");
	assert_string_equal(k.id, ID);
	assert_int_equal(ace_key_parse("news", &k), -1);
	assert_int_equal(ace_key_parse(ID "-o0123", &k), -1);
	assert_int_equal(ace_key_parse("url-0123", &k), -1);
	assert_int_equal(ace_key_parse("infohash-" ID "-oABCDEF012345", &k),
	    -1);
}

static void
test_input_args_url(void **state)
{
	char args[ACE_ARGS_MAX], u[ACE_GETSTREAM_URL_MAX];
	struct ace_request rq = req("id", "0123456789ABCDEF0123456789ABCDEF"
	    "01234567", "1", "eng");

	(void)state;
	assert_int_equal(ace_request_args(&rq, args, sizeof(args)), 0);
	assert_string_equal(args, "id=" ID "\ntranscode_audio=1\n"
	    "preferred_audio_language=eng\n");
	assert_int_equal(ace_url_getstream_args(u, sizeof(u), "http://e:1",
	    args, "p1"), 0);
	assert_string_equal(u, "http://e:1/ace/getstream?format=json&id=" ID
	    "&transcode_audio=1&preferred_audio_language=eng&pid=p1");
	rq = req("url", "http://t/a b&c=d/\xc3\xa9.torrent", NULL, NULL);
	assert_int_equal(ace_request_args(&rq, args, sizeof(args)), 0);
	assert_int_equal(ace_url_getstream_args(u, sizeof(u), "http://e:1",
	    args, "p"), 0);
	assert_string_equal(u, "http://e:1/ace/getstream?format=json&url="
	    "http%3A%2F%2Ft%2Fa%20b%26c%3Dd%2F%C3%A9.torrent&pid=p");
	rq = req("magnet", "magnet:?xt=urn:btih:" ID, NULL, NULL);
	assert_int_equal(ace_request_args(&rq, args, sizeof(args)), 0);
	assert_string_equal(args, "magnet=magnet:?xt=urn:btih:" ID "\n");
	/* too small */
	assert_int_equal(ace_url_getstream_args(u, 60, "http://e:1", args,
	    "p"), -1);
	assert_int_equal(ace_request_args(&rq, args, 10), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getstream_good),
		cmocka_unit_test(test_getstream_error_answer),
		cmocka_unit_test(test_getstream_missing_fields),
		cmocka_unit_test(test_getstream_garbage),
		cmocka_unit_test(test_getstream_huge),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_version_and_command),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_stop_and_network),
		cmocka_unit_test(test_health_after),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_url_rebase),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_pick_engine),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_refusal_status),
		cmocka_unit_test(test_refusal_msg),
		cmocka_unit_test(test_refusal_cache),
		cmocka_unit_test(test_input_problems),
		cmocka_unit_test(test_magnet_infohash),
		cmocka_unit_test(test_input_keys),
		cmocka_unit_test(test_input_args_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
