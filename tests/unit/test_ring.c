/*
 * test_ring.c - the shared-memory TS ring: publishing, reading, wrap,
 * overrun detection, the random-access index, and the guarantee that a
 * writer killed mid-write never shows a reader torn data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ring.h"
#include "tsscan.h"

#define CAP	(4 * RING_MAX_WRITE_BYTES)

static void *
ring_mem(struct ring *r, uint64_t cap)
{
	void *mem = calloc(1, ring_map_size(cap));

	assert_non_null(mem);
	ring_init_mem(r, mem, cap, 7);
	return mem;
}

/* Packets whose payload bytes encode their stream index. */
static void
make_packets(uint8_t *buf, size_t npkts, uint64_t first_index)
{
	size_t i;

	for (i = 0; i < npkts; i++) {
		uint8_t *p = buf + i * TS_PACKET_SIZE;
		uint64_t idx = first_index + i;

		memset(p, (int)(idx & 0xff), TS_PACKET_SIZE);
		p[0] = TS_SYNC_BYTE;
		memcpy(p + 4, &idx, sizeof(idx));
	}
}

static void
test_capacity_is_packet_multiple(void **state)
{
	(void)state;
	assert_int_equal(ring_capacity_for(16777216) % TS_PACKET_SIZE, 0);
	assert_true(ring_capacity_for(16777216) <= 16777216);
	assert_int_equal(ring_capacity_for(1000), 4 * RING_MAX_WRITE_BYTES);
}

static void
test_write_then_read(void **state)
{
	uint8_t in[TS_PACKET_SIZE * 10], out[sizeof(in)];
	struct ring r;
	void *mem = ring_mem(&r, CAP);
	uint64_t pos = 0;

	(void)state;
	make_packets(in, 10, 0);
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), 0);
	assert_int_equal(ring_write(&r, in, sizeof(in)), 0);
	assert_int_equal(ring_head(&r), sizeof(in));
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(pos, sizeof(in));
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), 0);
	free(mem);
}

/* The end is the writer's word: a new ring has none, a marked one keeps
 * its bytes readable after it. */
static void
test_ended_after_the_last_bytes(void **state)
{
	uint8_t in[TS_PACKET_SIZE * 4], out[sizeof(in)];
	struct ring r;
	void *mem = ring_mem(&r, CAP);
	uint64_t pos = 0;

	(void)state;
	assert_false(ring_ended(&r));
	make_packets(in, 4, 0);
	assert_int_equal(ring_write(&r, in, sizeof(in)), 0);
	ring_mark_ended(&r);
	assert_true(ring_ended(&r));
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), sizeof(in));
	assert_int_equal(pos, ring_head(&r));
	free(mem);
}

static void
test_rejects_partial_packets(void **state)
{
	uint8_t in[TS_PACKET_SIZE * 2];
	struct ring r;
	void *mem = ring_mem(&r, CAP);

	(void)state;
	assert_int_equal(ring_write(&r, in, 100), -1);
	assert_int_equal(ring_write(&r, in, RING_MAX_WRITE_BYTES + 188), -1);
	assert_int_equal(ring_head(&r), 0);
	free(mem);
}

static void
test_wraps_around(void **state)
{
	uint8_t in[TS_PACKET_SIZE * 100], out[sizeof(in)];
	struct ring r;
	void *mem = ring_mem(&r, CAP);
	uint64_t pos = 0, idx = 0;
	int round;

	(void)state;
	/* write 3 capacities' worth, reading behind the writer */
	for (round = 0; round < 3 * (int)(CAP / sizeof(in)) + 1; round++) {
		make_packets(in, 100, idx);
		idx += 100;
		assert_int_equal(ring_write(&r, in, sizeof(in)), 0);
		assert_int_equal(ring_read(&r, &pos, out, sizeof(out)),
		    sizeof(in));
		assert_memory_equal(in, out, sizeof(in));
	}
	free(mem);
}

static void
test_overrun_is_detected(void **state)
{
	uint8_t in[RING_MAX_WRITE_BYTES], out[TS_PACKET_SIZE];
	struct ring r;
	void *mem = ring_mem(&r, CAP);
	uint64_t pos = 0;
	int i;

	(void)state;
	make_packets(in, sizeof(in) / TS_PACKET_SIZE, 0);
	for (i = 0; i < 5; i++)	/* more than the capacity */
		assert_int_equal(ring_write(&r, in, sizeof(in)), 0);
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), -1);
	assert_int_equal(pos, 0);
	/* a position exactly one capacity behind is still whole */
	pos = ring_head(&r) - CAP;
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), sizeof(out));
	/* a position ahead of head is refused */
	pos = ring_head(&r) + TS_PACKET_SIZE;
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out)), -1);
	free(mem);
}

/* ring_span: published bytes in place, up to the wrap, only while the
 * writer is MARGIN away; ring_holds tells when it reached them. */
static void
test_span_in_place(void **state)
{
	uint8_t in[TS_PACKET_SIZE * 100];
	const uint8_t *p;
	struct ring r;
	void *mem = ring_mem(&r, CAP);
	uint64_t pos, written = 0, idx = 0;
	size_t len = 0;

	(void)state;
	assert_null(ring_span(&r, 0, 4096, 0, &len));	/* nothing yet */
	make_packets(in, 100, idx);
	assert_int_equal(ring_write(&r, in, sizeof(in)), 0);
	p = ring_span(&r, 0, 1 << 20, 0, &len);
	assert_non_null(p);
	assert_int_equal(len, sizeof(in));		/* all published */
	assert_memory_equal(p, in, sizeof(in));
	p = ring_span(&r, 188, 376, 0, &len);		/* at most MAX */
	assert_non_null(p);
	assert_int_equal(len, 376);
	assert_memory_equal(p, in + 188, 376);
	/* the writer within MARGIN of the bytes: copy instead */
	assert_null(ring_span(&r, 0, 4096, CAP, &len));
	assert_non_null(ring_span(&r, 0, 4096, CAP - sizeof(in), &len));
	/* fill past one capacity: the span stops at the wrap */
	written = sizeof(in);
	while (written < CAP + sizeof(in)) {
		idx += 100;
		make_packets(in, 100, idx);
		assert_int_equal(ring_write(&r, in, sizeof(in)), 0);
		written += sizeof(in);
	}
	pos = CAP - 188 * 3;
	assert_true(ring_holds(&r, pos));
	p = ring_span(&r, pos, 1 << 20, 0, &len);
	assert_non_null(p);
	assert_int_equal(len, 188 * 3);
	/* position 0 is overwritten now */
	assert_false(ring_holds(&r, 0));
	assert_true(ring_holds(&r, ring_head(&r) - CAP));
	assert_null(ring_span(&r, ring_head(&r), 4096, 0, &len));
	free(mem);
}

static void
test_rap_index(void **state)
{
	uint8_t in[TS_PACKET_SIZE * 10];
	struct ring r;
	void *mem = ring_mem(&r, CAP);
	uint64_t pos;
	int i;

	(void)state;
	assert_int_equal(ring_latest_rap(&r, &pos), -1);
	make_packets(in, 10, 0);
	ring_write(&r, in, sizeof(in));
	ring_add_rap(&r, 0);
	ring_add_rap(&r, 5 * TS_PACKET_SIZE);
	assert_int_equal(ring_latest_rap(&r, &pos), 0);
	assert_int_equal(pos, 5 * TS_PACKET_SIZE);
	assert_int_equal(ring_rap_after(&r, 1, &pos), 0);
	assert_int_equal(pos, 5 * TS_PACKET_SIZE);
	assert_int_equal(ring_rap_after(&r, 0, &pos), 0);
	assert_int_equal(pos, 0);
	/* a RAP that was overwritten is never returned */
	for (i = 0; i < 10; i++) {
		uint8_t big[RING_MAX_WRITE_BYTES];

		make_packets(big, sizeof(big) / TS_PACKET_SIZE, 0);
		ring_write(&r, big, sizeof(big));
	}
	assert_int_equal(ring_latest_rap(&r, &pos), -1);
	free(mem);
}

static void
test_rap_index_wraps(void **state)
{
	uint8_t in[TS_PACKET_SIZE];
	struct ring r;
	void *mem = ring_mem(&r, CAP);
	uint64_t pos, i;

	(void)state;
	make_packets(in, 1, 0);
	for (i = 0; i < RING_RAP_MAX * 3; i++) {
		ring_write(&r, in, sizeof(in));
		ring_add_rap(&r, i * TS_PACKET_SIZE);
	}
	assert_int_equal(ring_latest_rap(&r, &pos), 0);
	assert_int_equal(pos, (RING_RAP_MAX * 3 - 1) * TS_PACKET_SIZE);
	free(mem);
}

static void
test_shm_create_open(void **state)
{
	char name[64];
	struct ring w, rd;
	uint8_t in[TS_PACKET_SIZE * 4], out[sizeof(in)];
	uint64_t pos = 0;

	(void)state;
	snprintf(name, sizeof(name), "/ringcast-test.%d.ring", (int)getpid());
	ring_unlink(name);
	assert_int_equal(ring_create(name, 1 << 20, 3), 0);
	assert_int_equal(ring_create(name, 1 << 20, 3), -1);	/* O_EXCL */
	assert_int_equal(ring_open(&w, name, 1), 0);
	assert_int_equal(ring_open(&rd, name, 0), 0);
	assert_int_equal(rd.hdr->generation, 3);
	make_packets(in, 4, 0);
	assert_int_equal(ring_write(&w, in, sizeof(in)), 0);
	assert_int_equal(ring_read(&rd, &pos, out, sizeof(out)), sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
	ring_mark_ended(&w);			/* seen by the reader */
	assert_true(ring_ended(&rd));
	ring_close(&w);
	assert_int_equal(ring_open(&w, name, 1), 0);	/* a new writer */
	assert_false(ring_ended(&rd));
	ring_close(&w);
	ring_close(&rd);
	assert_int_equal(ring_unlink(name), 0);
	assert_int_equal(ring_open(&rd, name, 0), -1);
}

/*
 * A writer in another process is SIGKILLed while publishing as fast as it
 * can; the reader then checks that every byte up to head is a whole,
 * correctly numbered packet: nothing torn is ever published.
 */
static void
test_killed_writer_leaves_no_torn_data(void **state)
{
	uint8_t buf[TS_PACKET_SIZE * 64], out[TS_PACKET_SIZE];
	void *mem;
	struct ring r;
	uint64_t cap = CAP, pos, head, reserve, expect;
	pid_t pid;
	int round;

	(void)state;
	mem = mmap(NULL, ring_map_size(cap), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	for (round = 0; round < 5; round++) {
		ring_init_mem(&r, mem, cap, 1);
		if ((pid = fork()) == 0) {
			uint64_t idx = 0;

			for (;;) {
				make_packets(buf, 64, idx);
				idx += 64;
				ring_write(&r, buf, sizeof(buf));
			}
		}
		usleep(20000 + round * 7000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		head = ring_head(&r);
		assert_true(head > 0);
		assert_int_equal(head % TS_PACKET_SIZE, 0);
		reserve = atomic_load(&r.hdr->reserve);
		assert_true(reserve >= head);
		/* bytes the dead writer may have been overwriting are refused */
		if (reserve > head && head > cap) {
			pos = head - cap;
			assert_int_equal(ring_read(&r, &pos, out, sizeof(out)),
			    -1);
		}
		pos = reserve > cap ? reserve - cap : 0;
		expect = pos / TS_PACKET_SIZE;
		while (pos < head) {
			uint64_t idx;

			assert_int_equal(ring_read(&r, &pos, out, sizeof(out)),
			    sizeof(out));
			memcpy(&idx, out + 4, sizeof(idx));
			assert_int_equal(out[0], TS_SYNC_BYTE);
			assert_int_equal(idx, expect);
			expect++;
		}
	}
	munmap(mem, ring_map_size(cap));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_is_packet_multiple),
		cmocka_unit_test(test_write_then_read),
		cmocka_unit_test(test_ended_after_the_last_bytes),
		cmocka_unit_test(test_rejects_partial_packets),
		cmocka_unit_test(test_wraps_around),
		cmocka_unit_test(test_overrun_is_detected),
		cmocka_unit_test(test_span_in_place),
		cmocka_unit_test(test_rap_index),
		cmocka_unit_test(test_rap_index_wraps),
		cmocka_unit_test(test_shm_create_open),
		cmocka_unit_test(test_killed_writer_leaves_no_torn_data),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
