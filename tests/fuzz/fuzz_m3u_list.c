/*
 * fuzz_m3u_list.c - libFuzzer target for providers' channel lists
 * (src/parse/m3u_list.c, m3u_url.c) and the lineup made of them
 * (src/parse/lineup.c).
 *
 * The input is a list as a provider would serve it.  It is parsed twice,
 * against the list's URL and without one, and each result is checked
 * against what src/parse/m3u_list.h promises: a refusal says why and
 * leaves nothing; every entry has a name and an absolute URL of a scheme
 * ringcast plays, printable ASCII within M3U_LIST_URL_MAX, text that is
 * valid UTF-8 without control characters within its limits, a kind that
 * agrees with its AceStream id; and the entries kept plus the entries
 * skipped are exactly the entries of the input, counted here on their
 * own.  Then both lists are merged (a group excluded) and the lineup is
 * checked: names [a-z0-9_-]{1,64} and unique, every kept entry in
 * exactly one channel, sources in list order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "../lib/m3ucount.h"
#include "lineup.h"
#include "m3u_list.h"
#include "utf8.h"

#define FUZZ_BASE_URL	"http://provider.example/lists/all.m3u?user=u"
#define FUZZ_URL_CHARS	"!#$%&'()*+,-./0123456789:;=?@" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_" \
			"abcdefghijklmnopqrstuvwxyz~"

/* S is valid UTF-8, no control character, at most MAX bytes. */
static void
text_check(const char *s, size_t max)
{
	size_t len = strlen(s), i = 0, d;
	uint32_t cp;

	CHECK(len <= max);
	CHECK(len == 0 || (s[0] != ' ' && s[len - 1] != ' '));
	while (i < len) {
		d = utf8_decode(s + i, len - i, &cp);
		CHECK(d > 0);
		CHECK(cp >= 0x20 && cp != 0x7f);
		i += d;
	}
}

static void
entry_check(const struct m3u_entry *e)
{
	size_t ulen = strlen(e->url);

	CHECK(e->name[0] != '\0' && ulen > 0 && ulen < M3U_LIST_URL_MAX);
	CHECK(strspn(e->url, FUZZ_URL_CHARS) == ulen);
	CHECK(strncasecmp(e->url, "http://", 7) == 0 ||
	    strncasecmp(e->url, "https://", 8) == 0 ||
	    strncasecmp(e->url, "acestream:", 10) == 0 ||
	    strncasecmp(e->url, "magnet:", 7) == 0);
	text_check(e->name, M3U_LIST_MAX_NAME_BYTES);
	text_check(e->tvg_id, M3U_LIST_MAX_ATTR_BYTES);
	text_check(e->tvg_name, M3U_LIST_MAX_ATTR_BYTES);
	text_check(e->logo, M3U_LIST_MAX_ATTR_BYTES);
	text_check(e->chno, M3U_LIST_MAX_ATTR_BYTES);
	text_check(e->group, M3U_LIST_MAX_ATTR_BYTES);
	text_check(e->user_agent, M3U_LIST_MAX_ATTR_BYTES);
	text_check(e->referrer, M3U_LIST_MAX_ATTR_BYTES);
	CHECK((e->kind == M3U_KIND_ACE) == (e->ace != M3U_ACE_NONE));
	CHECK((e->ace_id[0] != '\0') == (e->ace == M3U_ACE_CONTENT_ID ||
	    e->ace == M3U_ACE_INFOHASH));
	CHECK(e->ace_id[0] == '\0' || (strlen(e->ace_id) == M3U_ACE_ID_LEN &&
	    strspn(e->ace_id, "0123456789abcdef") == M3U_ACE_ID_LEN));
	CHECK(e->chno_num >= -1);
	CHECK(e->chno_num == -1 || strtol(e->chno, NULL, 10) == e->chno_num);
}

static void
list_check(const struct m3u_list *l, const char *text, size_t len)
{
	size_t i;

	CHECK(l->n <= M3U_LIST_MAX_ENTRIES && l->nepg <= M3U_LIST_MAX_EPG_URLS);
	CHECK(l->n + m3u_list_skipped(l) == count_entries(text, len));
	for (i = 0; i < l->nepg; i++)
		CHECK(strncasecmp(l->epg_urls[i], "http", 4) == 0 &&
		    strspn(l->epg_urls[i], FUZZ_URL_CHARS) ==
		    strlen(l->epg_urls[i]));
	for (i = 0; i < l->n; i++) {
		entry_check(&l->entries[i]);
		CHECK(l->entries[i].line >= 2 &&
		    l->entries[i].line <= l->lines);
		CHECK(i == 0 || l->entries[i].line > l->entries[i - 1].line);
	}
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The lineup of LISTS (group "adult*" left out) keeps lineup.h's word. */
static void
lineup_check(const struct m3u_list *const lists[2])
{
	static const char *const adult[] = { "adult*" };
	struct lineup_filter f = { .exclude_groups = adult,
	    .n_exclude_groups = 1 };
	const struct lineup_filter *filters[2] = { &f, NULL };
	const struct m3u_entry *prev;
	struct lineup lu;
	const char **names;
	size_t i, k, kept = 0, srcs = 0, len;

	CHECK(lineup_merge(lists, filters, 2, &lu) == 0);
	for (i = 0; i < 2; i++)
		for (k = 0; k < lists[i]->n; k++)
			kept += lineup_filter_pass(filters[i],
			    lists[i]->entries[k].group,
			    lists[i]->entries[k].name);
	CHECK((names = calloc(lu.n + 1, sizeof(*names))) != NULL);
	for (i = 0; i < lu.n; i++) {
		const struct lineup_channel *c = &lu.channels[i];

		len = strlen(c->name);
		CHECK(len >= 1 && len <= LINEUP_NAME_MAX);
		CHECK(strspn(c->name, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789_-") == len);
		CHECK(c->nsources >= 1 && c->title == c->sources[0]->name);
		for (k = 1, prev = c->sources[0]; k < c->nsources; k++) {
			/* list order: the first list's entries, in order,
			 * then the second's */
			int same = (prev >= lists[0]->entries &&
			    prev < lists[0]->entries + lists[0]->n) ==
			    (c->sources[k] >= lists[0]->entries &&
			    c->sources[k] < lists[0]->entries + lists[0]->n);

			CHECK(!same || c->sources[k] > prev);
			prev = c->sources[k];
		}
		srcs += c->nsources;
		names[i] = c->name;
	}
	CHECK(srcs == kept);
	qsort(names, lu.n, sizeof(*names), name_cmp);
	for (i = 1; i < lu.n; i++)
		CHECK(strcmp(names[i - 1], names[i]) != 0);
	free(names);
	lineup_free(&lu);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct m3u_list l[2];
	const struct m3u_list *lists[2] = { &l[0], &l[1] };
	char err[128];
	const char *text = (const char *)data;
	int i, r[2];

	for (i = 0; i < 2; i++) {
		err[0] = '\0';
		r[i] = m3u_list_parse(text, size, i == 0 ? FUZZ_BASE_URL : NULL,
		    &l[i], err, sizeof(err));
		if (r[i] == -1) {
			CHECK(err[0] != '\0' && strlen(err) < sizeof(err));
			CHECK(l[i].entries == NULL && l[i].arena == NULL &&
			    l[i].n == 0);
			continue;
		}
		list_check(&l[i], text, size);
	}
	/* a list of the list's URL or none: refused or not alike */
	CHECK(r[0] == r[1]);
	if (r[0] == 0) {
		/* without a base, only relative entries are lost */
		CHECK(l[1].n <= l[0].n);
		lineup_check(lists);
		m3u_list_free(&l[0]);
		m3u_list_free(&l[1]);
	}
	return 0;
}
