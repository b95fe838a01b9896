/*
 * http_epg.c - GET /epg.xml and /epg.xml.gz: the guide (XMLTV) of the
 * lineup, which the source process builds (sources.c) into
 * STATE_DIR/epg.xml and epg.xml.gz.
 *
 * Served from the file: each worker keeps each version of a file open,
 * keyed by the file's (device, inode, mtime, size).  A request costs one
 * stat() and a dup() of that descriptor, and libmicrohttpd sends the
 * bytes with sendfile(), so the kernel moves them from the page cache to
 * the socket without a copy in the worker (a 20 MB guide to 200 players
 * at once costs what nginx's static file does; bench/lineup).  The file
 * is opened again only when that key changed, which the source process's
 * rename over it guarantees on every new guide; an old version stays
 * readable through its descriptor while slow players still download it
 * (each response holds its own dup).  The ETag is a hash of the bytes,
 * computed once per version, so every worker gives the same tag for the
 * same guide.
 *
 * /epg.xml is application/xml, /epg.xml.gz the gzipped file as
 * application/gzip (no Content-Encoding: a player asks for the .gz URL
 * to get those bytes).  No guide (no source has `epg`): 404.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "routes.h"
#include "util.h"

#define EPG_MAX_BYTES	((off_t)512 << 20)	/* a guide file; above:
						   refused (503) */
#define EPG_ETAG_MAX	48
#define EPG_CHUNK_BYTES	65536	/* read a time for the tag */

/* One version of a guide file: open, its length and its tag. */
struct epg_blob {
	atomic_int	 refs;
	int		 fd;
	size_t		 len;
	char		 etag[EPG_ETAG_MAX];
};

/* A file's cached version and the stat key it was read under. */
struct epg_cache {
	pthread_mutex_t	 lock;
	dev_t		 dev;
	ino_t		 ino;
	struct timespec	 mtim;
	off_t		 size;
	struct epg_blob	*blob;
};

static struct epg_cache epg_cache[2] = {	/* epg.xml, epg.xml.gz */
	{ .lock = PTHREAD_MUTEX_INITIALIZER },
	{ .lock = PTHREAD_MUTEX_INITIALIZER },
};

static void
epg_blob_unref(struct epg_blob *b)
{
	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1) {
		close(b->fd);
		free(b);
	}
}

static int
epg_same(const struct epg_cache *c, const struct stat *st)
{
	return c->blob != NULL && c->dev == st->st_dev &&
	    c->ino == st->st_ino && c->size == st->st_size &&
	    c->mtim.tv_sec == st->st_mtim.tv_sec &&
	    c->mtim.tv_nsec == st->st_mtim.tv_nsec;
}

/* A new blob of the open file FD (ST), which it takes: its tag from
 * all its bytes.  NULL with errno (FD closed). */
static struct epg_blob *
epg_read(int fd, const struct stat *st)
{
	uint64_t h = FNV1A64_BASIS;
	struct epg_blob *b;
	size_t done = 0;
	ssize_t n;
	char *chunk;

	if (st->st_size > EPG_MAX_BYTES || (b = malloc(sizeof(*b))) == NULL ||
	    (chunk = malloc(EPG_CHUNK_BYTES)) == NULL) {
		if (st->st_size <= EPG_MAX_BYTES)
			free(b);
		close(fd);
		errno = st->st_size > EPG_MAX_BYTES ? EFBIG : ENOMEM;
		return NULL;
	}
	while (done < (size_t)st->st_size && (n = pread(fd, chunk,
	    EPG_CHUNK_BYTES, (off_t)done)) > 0) {
		h = fnv1a64(h, chunk, (size_t)n);
		done += (size_t)n;
	}
	free(chunk);
	if (done < (size_t)st->st_size) {
		free(b);
		close(fd);
		errno = EIO;
		return NULL;
	}
	atomic_init(&b->refs, 1);
	b->fd = fd;
	b->len = done;
	snprintf(b->etag, sizeof(b->etag), "\"%016llx-%zx\"",
	    (unsigned long long)h, b->len);
	return b;
}

/* PATH's current bytes, a reference taken for the caller: NULL with
 * errno (ENOENT: no guide). */
static struct epg_blob *
epg_get(struct epg_cache *c, const char *path)
{
	struct epg_blob *b = NULL;
	struct stat st;
	int fd;

	if (stat(path, &st) == -1)
		return NULL;
	pthread_mutex_lock(&c->lock);
	if (!epg_same(c, &st)) {	/* changed: read it (from its fd) */
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
		    fstat(fd, &st) == -1) {
			if (fd != -1)
				close(fd);
			pthread_mutex_unlock(&c->lock);
			return NULL;
		}
		if ((b = epg_read(fd, &st)) == NULL) {
			pthread_mutex_unlock(&c->lock);
			return NULL;
		}
		epg_blob_unref(c->blob);
		c->blob = b;
		c->dev = st.st_dev;
		c->ino = st.st_ino;
		c->mtim = st.st_mtim;
		c->size = st.st_size;
	}
	b = c->blob;
	atomic_fetch_add(&b->refs, 1);
	pthread_mutex_unlock(&c->lock);
	return b;
}

/* GET or HEAD (libmicrohttpd drops the body of a HEAD itself). */
enum MHD_Result
http_epg_request(struct worker *w, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	int gz = strcmp(url, "/epg.xml.gz") == 0;
	char path[sizeof(w->epg_file) + 4];
	const char *hdrs[] = {
		"Content-Type", gz ? "application/gzip" : "application/xml",
		"ETag", NULL, "Cache-Control", "no-cache", NULL
	};
	struct MHD_Response *r;
	struct epg_blob *b;
	enum MHD_Result ret;
	char etag[EPG_ETAG_MAX];
	size_t len;
	int fd;

	(void)method;
	(void)con_cls;
	snprintf(path, sizeof(path), "%s%s", w->epg_file, gz ? ".gz" : "");
	if ((b = epg_get(&epg_cache[gz], path)) == NULL)
		return errno == ENOENT ? http_error(conn, MHD_HTTP_NOT_FOUND,
		    "no guide: no source has epg, or it is not built yet") :
		    http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the guide cannot be read");
	str_copy(etag, b->etag, sizeof(etag));	/* B may go before the send */
	hdrs[3] = etag;
	if (http_not_modified(conn, b->etag)) {
		epg_blob_unref(b);
		/* a 304 has no Content-Type: the list starts after it */
		return http_send(conn, MHD_HTTP_NOT_MODIFIED,
		    MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT), hdrs + 2);
	}
	/* the response owns a descriptor of its own (sendfile) */
	fd = fcntl(b->fd, F_DUPFD_CLOEXEC, 0);
	len = b->len;
	epg_blob_unref(b);
	if (fd == -1)
		return http_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the guide cannot be read");
	if ((r = MHD_create_response_from_fd_at_offset64(len, fd, 0)) ==
	    NULL) {
		close(fd);
		return MHD_NO;
	}
	ret = http_send(conn, MHD_HTTP_OK, r, hdrs);
	return ret;
}
