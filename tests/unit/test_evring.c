/*
 * test_evring.c - the shared-memory event backlog: ids and order, index
 * and data wrap-around, reads torn by the writer (a writer caught
 * mid-publish, and a real concurrent writer), resumption by id, settings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evring.h"

#define SLOTS	16

struct fixture {
	struct evring	 r;
	void		*mem;
	char		 name[EVRING_NAME_MAX];
	char		 data[EVRING_EVENT_MAX];
	size_t		 len;
};

static struct fixture *
fixture_new(uint32_t slots)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint64_t cap = evring_capacity_for(slots);

	assert_non_null(f);
	f->mem = calloc(1, evring_map_size(slots, cap));
	assert_non_null(f->mem);
	evring_init_mem(&f->r, f->mem, slots, cap);
	return f;
}

static void
fixture_free(struct fixture *f)
{
	free(f->mem);
	free(f);
}

/* An event whose text says its number, padded to PAD bytes. */
static size_t
make_event(char *buf, size_t bufsz, uint64_t n, size_t pad)
{
	int len = snprintf(buf, bufsz, "{\"event\":\"e%llu\",\"n\":%llu,\"p\":\"",
	    (unsigned long long)(n % 7), (unsigned long long)n);
	size_t i = (size_t)len;

	while (i + 2 < pad && i + 2 < bufsz)
		buf[i] = (char)('a' + (n + i) % 26), i++;
	buf[i++] = '"';
	buf[i++] = '}';
	buf[i] = '\0';
	return i;
}

static uint64_t
publish_n(struct fixture *f, uint64_t n, size_t pad)
{
	char buf[EVRING_EVENT_MAX + 1], name[EVRING_NAME_MAX];
	size_t len = make_event(buf, sizeof(buf), n, pad);

	evring_event_name(buf, name, sizeof(name));
	return evring_publish(&f->r, name, buf, len);
}

/* Event ID reads back intact and says it is number N. */
static void
assert_event(struct fixture *f, uint64_t id, uint64_t n, size_t pad)
{
	char want[EVRING_EVENT_MAX + 1], wname[16];
	size_t wlen = make_event(want, sizeof(want), n, pad);

	assert_int_equal(evring_read(&f->r, id, f->name, sizeof(f->name),
	    f->data, sizeof(f->data), &f->len), 1);
	assert_int_equal(f->len, wlen);
	assert_memory_equal(f->data, want, wlen);
	snprintf(wname, sizeof(wname), "e%llu", (unsigned long long)(n % 7));
	assert_string_equal(f->name, wname);
}

static int
read_rc(struct fixture *f, uint64_t id)
{
	return evring_read(&f->r, id, f->name, sizeof(f->name), f->data,
	    sizeof(f->data), &f->len);
}

static void
test_ids_count_from_one_in_order(void **state)
{
	struct fixture *f = fixture_new(SLOTS);
	uint64_t i;

	(void)state;
	assert_int_equal(evring_last_id(&f->r), 0);
	assert_int_equal(evring_oldest_id(&f->r), 1);
	assert_int_equal(read_rc(f, 1), 0);	/* not yet */
	assert_int_equal(read_rc(f, 0), -1);	/* never an event id */
	for (i = 1; i <= 5; i++)
		assert_int_equal(publish_n(f, i, 100), i);
	assert_int_equal(evring_last_id(&f->r), 5);
	assert_int_equal(evring_oldest_id(&f->r), 1);
	for (i = 1; i <= 5; i++)
		assert_event(f, i, i, 100);
	assert_int_equal(read_rc(f, 6), 0);
	assert_int_equal(read_rc(f, 0), -1);
	fixture_free(f);
}

static void
test_index_wraps_oldest_are_gone(void **state)
{
	struct fixture *f = fixture_new(SLOTS);
	uint64_t i;

	(void)state;
	for (i = 1; i <= 3 * SLOTS + 5; i++)
		assert_int_equal(publish_n(f, i, 50), i);
	assert_int_equal(evring_oldest_id(&f->r), 2 * SLOTS + 6);
	for (i = 1; i < 2 * SLOTS + 6; i++)
		assert_int_equal(read_rc(f, i), -1);
	for (i = 2 * SLOTS + 6; i <= 3 * SLOTS + 5; i++)
		assert_event(f, i, i, 50);
	fixture_free(f);
}

static void
test_data_wraps_bytes_bound_backlog(void **state)
{
	struct fixture *f = fixture_new(SLOTS);
	uint64_t cap = f->r.hdr->capacity, i, total = 0;
	size_t big = (size_t)(cap / 4) - 100;

	(void)state;
	/* events larger than a quarter of the data ring are refused */
	{
		char *huge = malloc((size_t)cap);

		assert_non_null(huge);
		memset(huge, 'x', (size_t)cap);
		errno = 0;
		assert_int_equal(evring_publish(&f->r, "x", huge,
		    (size_t)cap / 4 + 1), 0);
		assert_int_equal(errno, EMSGSIZE);
		free(huge);
	}
	/* 11 big events: the data ring wraps more than twice while the
	 * index (16 slots) still names them all */
	for (i = 1; i <= 11; i++) {
		assert_int_equal(publish_n(f, i, big), i);
		total += big;
	}
	assert_true(total > 2 * cap);
	/* only the last 4 fit in the bytes (4 x (cap/4 - 100) <= cap) */
	assert_int_equal(evring_oldest_id(&f->r), 8);
	for (i = 1; i < 8; i++)
		assert_int_equal(read_rc(f, i), -1);
	for (i = 8; i <= 11; i++)	/* some straddle the end of the ring */
		assert_event(f, i, i, big);
	fixture_free(f);
}

static void
test_writer_caught_mid_copy_is_detected(void **state)
{
	struct fixture *f = fixture_new(SLOTS);
	struct evring_hdr *h;
	uint64_t i, head;

	(void)state;
	for (i = 1; i <= 8; i++)	/* 240000 of 262144 bytes */
		publish_n(f, i, 30000);
	assert_int_equal(f->r.hdr->capacity, 262144);
	h = f->r.hdr;
	head = atomic_load(&h->head);
	/* a writer that raised reserve to copy 60000 bytes and died (or is
	 * still copying): the bytes of events 1 and 2 may be overwritten */
	atomic_store(&h->reserve, head + 60000);
	assert_int_equal(read_rc(f, 1), -1);
	assert_int_equal(read_rc(f, 2), -1);
	for (i = 3; i <= 8; i++)
		assert_event(f, i, i, 30000);
	assert_int_equal(evring_oldest_id(&f->r), 3);
	assert_int_equal(read_rc(f, 9), 0);	/* never published */
	fixture_free(f);
}

static void
test_writer_caught_mid_index_update_is_detected(void **state)
{
	struct fixture *f = fixture_new(SLOTS);
	uint64_t i;

	(void)state;
	for (i = 1; i <= SLOTS; i++)
		publish_n(f, i, 40);
	/* the writer began rewriting event 1's entry for event SLOTS + 1
	 * (id 0 while it writes) and has not published it */
	atomic_store(&f->r.index[(SLOTS + 1) % SLOTS].id, 0);
	assert_int_equal(read_rc(f, 1), -1);
	assert_event(f, 2, 2, 40);
	assert_int_equal(evring_oldest_id(&f->r), 2);
	/* an entry already rewritten for a newer event */
	atomic_store(&f->r.index[2 % SLOTS].id, 2 + SLOTS);
	assert_int_equal(read_rc(f, 2), -1);
	fixture_free(f);
}

/* A real writer thread against a reader: a read that returns 1 always
 * holds exactly the event with that id, whatever the interleaving. */
struct race {
	struct fixture	*f;
	uint64_t	 n;
	_Atomic int	 done;
};

static void *
race_writer(void *arg)
{
	struct race *rc = arg;
	uint64_t i;

	for (i = 1; i <= rc->n; i++)
		publish_n(rc->f, i, 200 + (size_t)(i * 7919 % 9000));
	atomic_store(&rc->done, 1);
	return NULL;
}

static void
test_concurrent_reader_never_sees_torn_events(void **state)
{
	struct fixture *f = fixture_new(64);
	static char want[EVRING_EVENT_MAX + 1], data[EVRING_EVENT_MAX];
	char name[EVRING_NAME_MAX];
	struct race rc = { f, 50000, 0 };
	pthread_t t;
	uint64_t next = 1, ok = 0, gone = 0;
	size_t len, wlen;
	int r;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, race_writer, &rc), 0);
	while (!atomic_load(&rc.done) || next <= evring_last_id(&f->r)) {
		r = evring_read(&f->r, next, name, sizeof(name), data,
		    sizeof(data), &len);
		if (r == 0)
			continue;
		if (r == -1) {	/* fell behind: resume like a subscriber */
			int missed;

			gone++;
			next = evring_resume_id(&f->r, next - 1, &missed);
			assert_true(missed || next > evring_last_id(&f->r));
			continue;
		}
		wlen = make_event(want, sizeof(want), next,
		    200 + (size_t)(next * 7919 % 9000));
		assert_int_equal(len, wlen);
		assert_memory_equal(data, want, wlen);
		ok++;
		next++;
	}
	pthread_join(t, NULL);
	assert_true(ok > 0);
	print_message("    %llu events read intact, %llu resumptions\n",
	    (unsigned long long)ok, (unsigned long long)gone);
	fixture_free(f);
}

static void
test_resume_by_id(void **state)
{
	struct fixture *f = fixture_new(SLOTS);
	int missed;
	uint64_t i;

	(void)state;
	/* nothing published: a new subscriber starts at 1, missing nothing */
	assert_int_equal(evring_resume_id(&f->r, 0, &missed), 1);
	assert_false(missed);
	for (i = 1; i <= 10; i++)
		publish_n(f, i, 60);
	/* inside the backlog: exactly the events after it */
	assert_int_equal(evring_resume_id(&f->r, 7, &missed), 8);
	assert_false(missed);
	assert_int_equal(evring_resume_id(&f->r, 10, &missed), 11);
	assert_false(missed);
	assert_int_equal(evring_resume_id(&f->r, 0, &missed), 1);
	assert_false(missed);
	/* an id of an earlier run (newer than anything here) */
	assert_int_equal(evring_resume_id(&f->r, 500, &missed), 1);
	assert_true(missed);
	for (i = 11; i <= 40; i++)
		publish_n(f, i, 60);
	/* older than the backlog: everything kept, and told so */
	assert_int_equal(evring_resume_id(&f->r, 3, &missed), 25);
	assert_true(missed);
	assert_int_equal(evring_resume_id(&f->r, 23, &missed), 25);
	assert_true(missed);
	assert_int_equal(evring_resume_id(&f->r, 24, &missed), 25);
	assert_false(missed);
	assert_int_equal(evring_resume_id(&f->r, 30, &missed), 31);
	assert_false(missed);
	fixture_free(f);
}

static void
test_settings_and_token(void **state)
{
	struct fixture *f = fixture_new(SLOTS);

	(void)state;
	assert_int_equal(evring_heartbeat_ms(&f->r),
	    EVRING_DEFAULT_HEARTBEAT_MS);
	assert_false(evring_token_required(&f->r));
	assert_true(evring_token_ok(&f->r, NULL));
	evring_set_settings(&f->r, "s3cret", 2500);
	assert_int_equal(evring_heartbeat_ms(&f->r), 2500);
	assert_true(evring_token_required(&f->r));
	assert_true(evring_token_ok(&f->r, "s3cret"));
	assert_false(evring_token_ok(&f->r, "s3cre"));
	assert_false(evring_token_ok(&f->r, "s3cret2"));
	assert_false(evring_token_ok(&f->r, ""));
	assert_false(evring_token_ok(&f->r, NULL));
	/* a settings update caught half way: readers give up, fail closed */
	atomic_fetch_add(&f->r.hdr->settings_seq, 1);
	assert_true(evring_token_required(&f->r));
	assert_false(evring_token_ok(&f->r, "s3cret"));
	assert_int_equal(evring_heartbeat_ms(&f->r), 0);
	atomic_fetch_add(&f->r.hdr->settings_seq, 1);
	evring_set_settings(&f->r, "", 15000);
	assert_false(evring_token_required(&f->r));
	assert_true(evring_token_ok(&f->r, "anything"));
	fixture_free(f);
}

static void
test_event_name(void **state)
{
	char name[EVRING_NAME_MAX];

	(void)state;
	evring_event_name("{\"time\":\"x\",\"event\":\"stream_started\","
	    "\"stream\":\"news\"}", name, sizeof(name));
	assert_string_equal(name, "stream_started");
	/* not at the top level, or missing: a generic name */
	evring_event_name("{\"x\":{\"event\":\"nested\"}}", name, sizeof(name));
	assert_string_equal(name, "event");
	evring_event_name("{\"stream\":\"news\"}", name, sizeof(name));
	assert_string_equal(name, "event");
	/* a name that could break the SSE framing is never used */
	evring_event_name("{\"event\":\"a\\nb\"}", name, sizeof(name));
	assert_string_equal(name, "event");
	evring_event_name("{\"event\":\"a b\"}", name, sizeof(name));
	assert_string_equal(name, "event");
	evring_event_name("not json", name, sizeof(name));
	assert_string_equal(name, "event");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_count_from_one_in_order),
		cmocka_unit_test(test_index_wraps_oldest_are_gone),
		cmocka_unit_test(test_data_wraps_bytes_bound_backlog),
		cmocka_unit_test(test_writer_caught_mid_copy_is_detected),
		cmocka_unit_test(test_writer_caught_mid_index_update_is_detected),
		cmocka_unit_test(test_concurrent_reader_never_sees_torn_events),
		cmocka_unit_test(test_resume_by_id),
		cmocka_unit_test(test_settings_and_token),
		cmocka_unit_test(test_event_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
