/*
 * fuzz_m3u8.c - libFuzzer target for the M3U8 parser (src/parse/m3u8.c).
 *
 * The input is a playlist as an upstream would send it.  On success every
 * segment, variant and key is walked and checked against the promises of
 * src/parse/m3u8.h (URIs resolved to absolute URLs, durations in range, key
 * indexes valid, sequence numbers consecutive), the variant chooser runs
 * in every mode, every URI is resolved again against the base into a
 * buffer of exactly the documented size (so ASan sees any overflow), and
 * the program-date-time strings round-trip through parse and format.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iso8601.h"
#include "m3u8.h"
#include "url.h"

#define FUZZ_BASE_URL	"http://origin.example/live/index.m3u8?tok=1"

/* Resolve REF against BASE into a heap buffer of exactly the size that
 * src/parse/m3u8.h says is always enough, and check the result. */
static void
resolve_check(const char *base, const char *ref)
{
	size_t	 sz = strlen(base) + strlen(ref) + 2;
	char	*out = malloc(sz);
	int	 r;

	CHECK(out != NULL);
	r = url_resolve(base, ref, out, sz);
	/* BASE is absolute: resolution cannot fail for lack of room. */
	CHECK(r == 0);
	CHECK(strlen(out) < sz);
	CHECK(strchr(out, ':') != NULL);
	/* A result too big for a one-byte-short buffer is refused cleanly. */
	if (strlen(out) + 1 < sz) {
		char *tight = malloc(strlen(out));

		CHECK(tight != NULL);
		CHECK(url_resolve(base, ref, tight, strlen(out)) == -1);
		free(tight);
	}
	free(out);
}

static void
pdt_check(const char *pdt, int64_t ms)
{
	char	 s[ISO8601_STR_MAX];
	int64_t	 again;

	CHECK(ms >= 0);
	CHECK(iso8601_parse(pdt, &again) == 0 && again == ms);
	if (iso8601_format(ms, s, sizeof(s)) == 24)
		CHECK(iso8601_parse(s, &again) == 0 && again == ms);
}

static void
walk(const struct m3u8 *pl)
{
	static const long targets[] = { -1, 0, 1, 500000, 2000000, LONG_MAX };
	const struct m3u8_variant *v;
	size_t	 i, t;

	CHECK(pl->version >= 1 && pl->version <= M3U8_MAX_VERSION);
	CHECK(pl->target_duration >= 0 &&
	    pl->target_duration <= M3U8_MAX_DURATION_S);
	CHECK(!(pl->is_master && pl->nsegs > 0));
	CHECK(pl->nsegs <= M3U8_MAX_SEGMENTS);
	CHECK(pl->nvariants <= M3U8_MAX_VARIANTS);
	CHECK(pl->nkeys <= M3U8_MAX_KEYS);
	for (i = 0; i < pl->nsegs; i++) {
		const struct m3u8_segment *s = &pl->segs[i];

		CHECK(s->uri != NULL);
		CHECK(s->seq == pl->media_sequence + i);
		CHECK(s->duration >= 0 && s->duration <= M3U8_MAX_DURATION_S);
		CHECK(s->key_index >= -1 && (s->key_index < 0 ||
		    (size_t)s->key_index < pl->nkeys));
		CHECK(s->byterange_len >= -1);
		if (s->byterange_len >= 0)
			CHECK(s->byterange_off >= 0);
		if (s->title != NULL)
			(void)strlen(s->title);
		if (s->pdt != NULL)
			pdt_check(s->pdt, s->pdt_ms);
		else
			CHECK(s->pdt_ms == -1);
		resolve_check(FUZZ_BASE_URL, s->uri);
		resolve_check(s->uri, "../x/./y.ts?q=1#f");
	}
	for (i = 0; i < pl->nvariants; i++) {
		v = &pl->variants[i];
		CHECK(v->uri != NULL);
		CHECK(v->bandwidth >= 0 && v->avg_bandwidth >= 0);
		CHECK(memchr(v->resolution, '\0', sizeof(v->resolution)));
		if (v->codecs != NULL)
			(void)strlen(v->codecs);
		resolve_check(FUZZ_BASE_URL, v->uri);
	}
	for (i = 0; i < pl->nkeys; i++) {
		const struct m3u8_key *k = &pl->keys[i];

		CHECK(k->method == M3U8_KEY_AES128 ||
		    k->method == M3U8_KEY_UNSUPPORTED);
		CHECK(memchr(k->method_name, '\0', sizeof(k->method_name)));
		if (k->uri != NULL)
			resolve_check(FUZZ_BASE_URL, k->uri);
	}
	for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		v = m3u8_choose_variant(pl, M3U8_CHOOSE_BANDWIDTH, targets[t]);
		CHECK((v == NULL) == (pl->nvariants == 0));
		if (v != NULL && v->bandwidth > targets[t]) {
			/* Only when every variant is above the target. */
			for (i = 0; i < pl->nvariants; i++)
				CHECK(pl->variants[i].bandwidth > targets[t]);
		}
	}
	v = m3u8_choose_variant(pl, M3U8_CHOOSE_HIGHEST, 0);
	CHECK((v == NULL) == (pl->nvariants == 0));
	for (i = 0; v != NULL && i < pl->nvariants; i++)
		CHECK(pl->variants[i].bandwidth <= v->bandwidth);
	v = m3u8_choose_variant(pl, M3U8_CHOOSE_LOWEST, 0);
	for (i = 0; v != NULL && i < pl->nvariants; i++)
		CHECK(pl->variants[i].bandwidth >= v->bandwidth);
	(void)m3u8_choose_variant(pl, 42, 0);
	(void)m3u8_choose_variant(pl, -1, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct m3u8	 pl;
	char		 err[256];

	/* DATA is exactly SIZE bytes, not NUL-terminated: ASan catches any
	 * read past the end. */
	if (m3u8_parse((const char *)data, size, FUZZ_BASE_URL, &pl, err,
	    sizeof(err)) == 0) {
		walk(&pl);
		m3u8_free(&pl);
		CHECK(pl.segs == NULL && pl.nsegs == 0);
	} else {
		CHECK(err[0] != '\0');
		CHECK(pl.segs == NULL && pl.variants == NULL &&
		    pl.keys == NULL);
	}
	/* Without a base URL, URIs are kept as written. */
	if (m3u8_parse((const char *)data, size, NULL, &pl, NULL, 0) == 0)
		m3u8_free(&pl);
	return 0;
}
