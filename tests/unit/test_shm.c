/*
 * test_shm.c - shared-memory objects (src/shm/shm.c): names, exclusive
 * creation, attaching read-write and read-only, removal, and the sweep
 * that removes a dead supervisor's objects and only those.  The objects
 * made here have their own prefix, so the sweep never touches a real
 * daemon's (nor its leftovers) on the machine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evring.h"
#include "metrics.h"
#include "shm.h"
#include "state.h"

#define TEST_PREFIX	"ringcast-shmtest"
#define PAGE_BYTES	4096

static void
test_names(void **state)
{
	char out[STATE_SHM_NAME_MAX], small[12];

	(void)state;
	shm_name(out, sizeof(out), 1234, "ring.%d.%llu", 3, 7ULL);
	assert_string_equal(out, "/ringcast.1234.ring.3.7");
	/* the modules' names, as ringcastd.8 lists them */
	state_shm_name(out, sizeof(out), 1234);
	assert_string_equal(out, "/ringcast.1234.state");
	ring_shm_name(out, sizeof(out), 1234, 5, 42);
	assert_string_equal(out, "/ringcast.1234.ring.5.42");
	evring_shm_name(out, sizeof(out), 1234);
	assert_string_equal(out, "/ringcast.1234.events");
	metrics_shm_name(out, sizeof(out), 1234);
	assert_string_equal(out, "/ringcast.1234.metrics");
	/* cut, never overrun */
	shm_name(small, sizeof(small), 1234, "state");
	assert_string_equal(small, "/ringcast.1");
	shm_name(small, sizeof(small), 1, "state");
	assert_string_equal(small, "/ringcast.1");
}

static void
test_create_attach(void **state)
{
	const size_t size = 3 * PAGE_BYTES + 10;
	char name[64];
	uint8_t *w, *rw, *ro;
	size_t got;
	int fd = -1;

	(void)state;
	snprintf(name, sizeof(name), "/%s.%d.seg", TEST_PREFIX, (int)getpid());
	shm_remove(name);
	assert_non_null(w = shm_create(name, size, PAGE_BYTES));
	w[0] = 0xAB;
	w[PAGE_BYTES - 1] = 0xCD;
	/* O_EXCL: a second creation is refused and leaves the first alone */
	assert_null(shm_create(name, size, size));
	assert_int_equal(errno, EEXIST);
	assert_non_null(rw = shm_attach(name, 1, PAGE_BYTES, &got, NULL));
	assert_int_equal(got, size);
	assert_int_equal(rw[0], 0xAB);
	assert_int_equal(rw[PAGE_BYTES - 1], 0xCD);
	assert_int_equal(rw[size - 1], 0);	/* zero-filled */
	rw[size - 1] = 0xEF;
	/* read-only, keeping the descriptor (sendfile) */
	assert_non_null(ro = shm_attach(name, 0, size, &got, &fd));
	assert_true(fd >= 0);
	assert_int_not_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(ro[size - 1], 0xEF);
	assert_int_equal(ro[0], 0xAB);
	close(fd);
	/* smaller than the caller's header: EPROTO */
	assert_null(shm_attach(name, 0, size + 1, &got, NULL));
	assert_int_equal(errno, EPROTO);
	shm_detach(ro, size);
	shm_detach(rw, size);
	shm_detach(w, PAGE_BYTES);
	assert_int_equal(shm_remove(name), 0);
	assert_null(shm_attach(name, 0, 1, &got, NULL));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(shm_remove(name), -1);
	assert_int_equal(errno, ENOENT);
	/* a creation that fails half-way leaves nothing */
	assert_null(shm_create(name, size, 0));	/* mmap of 0 bytes */
	assert_int_equal(errno, EINVAL);
	assert_null(shm_attach(name, 0, 1, &got, NULL));
	assert_int_equal(errno, ENOENT);
}

static void
make_object(pid_t pid, const char *what)
{
	char name[64];
	void *mem;

	snprintf(name, sizeof(name), "/%s.%d.%s", TEST_PREFIX, (int)pid, what);
	shm_remove(name);
	assert_non_null(mem = shm_create(name, PAGE_BYTES, PAGE_BYTES));
	shm_detach(mem, PAGE_BYTES);
}

static int
object_exists(pid_t pid, const char *what)
{
	char name[64];
	size_t size;
	void *mem;

	snprintf(name, sizeof(name), "/%s.%d.%s", TEST_PREFIX, (int)pid, what);
	if ((mem = shm_attach(name, 0, 1, &size, NULL)) == NULL)
		return 0;
	shm_detach(mem, size);
	return 1;
}

static void
remove_object(pid_t pid, const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "/%s.%d.%s", TEST_PREFIX, (int)pid, what);
	assert_int_equal(shm_remove(name), 0);
}

/* The objects of a supervisor that is gone (and our own pid's: a reused
 * pid) are removed; a live one's stay, as do other prefixes'. */
static void
test_sweep(void **state)
{
	pid_t dead, live, self = getpid();
	int pipefd[2], status;
	char c;

	(void)state;
	if ((dead = fork()) == 0)
		_exit(0);
	assert_true(dead > 0);
	assert_int_equal(waitpid(dead, &status, 0), dead);
	assert_int_equal(pipe(pipefd), 0);
	if ((live = fork()) == 0) {
		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) > 0)
			;
		_exit(0);
	}
	assert_true(live > 0);
	close(pipefd[0]);

	make_object(dead, "state");
	make_object(dead, "ring.0.1");
	make_object(live, "state");
	make_object(self, "state");
	assert_int_equal(shm_sweep(TEST_PREFIX, self), 3);
	assert_false(object_exists(dead, "state"));
	assert_false(object_exists(dead, "ring.0.1"));
	assert_false(object_exists(self, "state"));
	assert_true(object_exists(live, "state"));
	/* nothing left to sweep: the live one's object stays */
	assert_int_equal(shm_sweep(TEST_PREFIX, self), 0);
	assert_true(object_exists(live, "state"));
	remove_object(live, "state");

	close(pipefd[1]);
	assert_int_equal(waitpid(live, &status, 0), live);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_create_attach),
		cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests_name("shm", tests, NULL, NULL);
}
