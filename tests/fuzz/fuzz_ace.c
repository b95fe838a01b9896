/*
 * fuzz_ace.c - libFuzzer target for the AceStream engine's answers
 * (src/proto/ace_client.c): getstream, stat, get_version and command answers.
 *
 * Every input is read as each of the four answers.  A getstream answer
 * that is accepted must hold a playback_url and a command_url that are
 * http or https with a host and no control character or space, and a
 * stat_url that is empty or the same; anything may be refused, nothing
 * may crash, leak or read out of bounds (the input is not
 * NUL-terminated).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ace_client.h"

static void
check_url(const char *u, int may_be_empty)
{
	const char *host;
	size_t i;

	if (may_be_empty && u[0] == '\0')
		return;
	host = strncmp(u, "http://", 7) == 0 ? u + 7 :
	    strncmp(u, "https://", 8) == 0 ? u + 8 : NULL;
	CHECK(host != NULL && *host != '\0' && *host != '/');
	CHECK(strlen(u) < ACE_URL_MAX);
	for (i = 0; u[i] != '\0'; i++)
		CHECK((unsigned char)u[i] > 0x20 && u[i] != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct ace_session s;
	struct ace_stat st;
	char err[256], version[ACE_VERSION_MAX];

	if (ace_parse_getstream(body, size, &s, err, sizeof(err)) == 0) {
		check_url(s.playback_url, 0);
		check_url(s.command_url, 0);
		check_url(s.stat_url, 1);
		CHECK(strlen(s.session_id) < sizeof(s.session_id));
	} else
		CHECK(err[0] != '\0');
	if (ace_parse_stat(body, size, &st, err, sizeof(err)) == 0)
		CHECK(strlen(st.status) < sizeof(st.status));
	if (ace_parse_version(body, size, version, sizeof(version), err,
	    sizeof(err)) == 0)
		CHECK(strlen(version) < sizeof(version));
	ace_parse_command(body, size, err, sizeof(err));
	return 0;
}
