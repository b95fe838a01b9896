/*
 * shm.h - POSIX shared-memory objects: create, attach, name, remove and
 * the sweep of what a dead supervisor left.
 *
 * Every segment of ringcastd (the state, each stream's ring, the event
 * backlog, the metrics) is one of these.  The supervisor creates, sizes
 * and removes them all; children attach.  Names are
 * "/ringcast.PID.WHAT", PID the supervisor's, so a segment says whose it
 * is and shm_sweep() can tell a leftover from a live daemon's.
 */
#ifndef RINGCAST_SHM_H
#define RINGCAST_SHM_H

#include <stddef.h>
#include <sys/types.h>

#define SHM_DIR		"/dev/shm"	/* where Linux keeps the objects */
#define SHM_PREFIX	"ringcast"	/* "/ringcast.PID.WHAT" */

/* "/ringcast.PID.WHAT" into OUT, WHAT printf-style ("ring.%d.%llu"). */
void	 shm_name(char *out, size_t outsz, pid_t supervisor,
	    const char *what_fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Create NAME (O_EXCL, mode 0600) of SIZE_BYTES, zero-filled (sparse),
 * and map its first MAP_BYTES read-write.  NULL with errno (EEXIST when
 * it is there already); a failure leaves no object behind.
 */
void	*shm_create(const char *name, size_t size_bytes, size_t map_bytes);
/*
 * Map all of an existing NAME, read-write or read-only; *SIZE_BYTES is
 * its size, which must be at least MIN_BYTES (else EPROTO).  With FD, the
 * descriptor stays open in *FD (a reader's sendfile); without, it is
 * closed.  NULL with errno.
 */
void	*shm_attach(const char *name, int writable, size_t min_bytes,
	    size_t *size_bytes, int *fd);
void	 shm_detach(void *mem, size_t size_bytes);
/* shm_unlink(3): 0, or -1 with errno (ENOENT when it is gone). */
int	 shm_remove(const char *name);
/*
 * Remove the "PREFIX.PID.*" objects (SHM_PREFIX: ringcastd's) whose
 * supervisor PID is gone, and SELF's (left by an earlier process with
 * the same pid); a live supervisor's, or one we may not signal (another
 * user's), stay.  Returns how many were removed.
 */
int	 shm_sweep(const char *prefix, pid_t self);

#endif
