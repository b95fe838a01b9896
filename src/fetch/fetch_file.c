/*
 * fetch_file.c - the file:// source: a recorded MPEG-TS file replayed at
 * real time, paced from its PCR, optionally looped forever (the demo
 * channel and test channels).
 *
 * Packets are read in small chunks; the pacer says when each chunk is due
 * and the fetcher waits for that moment in poll(2) on its supervisor
 * channel, so a stop request is noticed at once.  A loop is a splice:
 * the pacer starts a new timeline and the next packets carry the
 * discontinuity indicator.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "log.h"
#include "pace.h"
#include "util.h"

static const char *
file_path(const char *url)
{
	return url + strlen("file://");
}

/* Open the file; a relative path is relative to where ringcastd started
 * (the daemon itself runs in /). */
static int
file_open(struct fetcher *f, const char *url)
{
	const char *path = file_path(url);
	char full[8192];

	if (path[0] != '/' && f->base_dir != NULL) {
		snprintf(full, sizeof(full), "%s/%s", f->base_dir, path);
		path = full;
	}
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Wait until DUE_US, watching the channel; 0, or -1 when stopping. */
static int
file_wait(struct fetcher *f, uint64_t due_us)
{
	struct pollfd pfd = { f->chan, POLLIN, 0 };
	uint64_t now;

	while (!fetch_stopping && (now = pace_now_us()) < due_us) {
		int ms = (int)((due_us - now + 999) / 1000);

		if (poll(&pfd, 1, ms > FETCH_POLL_MS ? FETCH_POLL_MS : ms) > 0)
			fetch_check_channel(f);
	}
	return fetch_stopping ? -1 : 0;
}

/* Due time of a chunk: its packets' PCRs drive the pacer. */
static uint64_t
file_due(struct pacer *p, struct tsscan *scan, const uint8_t *buf,
    size_t len)
{
	uint64_t due = 0, pcr, now = pace_now_us();
	size_t off;

	for (off = 0; off + TS_PACKET_SIZE <= len; off += TS_PACKET_SIZE) {
		if (tsscan_packet(scan, buf + off, &pcr) & TS_F_PCR)
			due = pacer_pcr(p, pcr, TS_PACKET_SIZE, now);
		else
			due = pacer_bytes(p, TS_PACKET_SIZE, now);
	}
	return due;
}

static enum fetch_result
file_run(struct fetcher *f, const char *url)
{
	uint8_t buf[TS_PACKET_SIZE * FETCH_FILE_CHUNK_PACKETS];
	enum fetch_result res = FETCH_ERROR;
	struct tsscan scan;
	struct pacer pacer;
	int fd, loops = 0;
	ssize_t n;

	if ((fd = file_open(f, url)) == -1) {
		snprintf(f->error, sizeof(f->error), "%s: %s", file_path(url),
		    strerror(errno));
		return FETCH_ERROR;
	}
	tsscan_init(&scan);
	pacer_init(&pacer, 0, pace_now_us());
	while (!fetch_stopping) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(f->error, sizeof(f->error), "read %s: %s",
			    file_path(url), strerror(errno));
			break;
		}
		if (n == 0) {
			if (!f->sc->loop) {
				fetch_flush(f);
				if (f->cut_segments && f->seg_open)
					fetch_segment_end(f, fetch_position(f),
					    now_us() - f->seg_begin_us);
				fetch_flush(f);
				atomic_store(&f->st->streams[f->slot].ended, 1);
				res = FETCH_EOF;
				break;
			}
			if (f->attempt_bytes == 0 || lseek(fd, 0, SEEK_SET) == -1) {
				snprintf(f->error, sizeof(f->error),
				    "%s: empty or not seekable", file_path(url));
				break;
			}
			loops++;
			pacer_rebase(&pacer);
			fetch_mark_splice(f);
			continue;
		}
		if (file_wait(f, file_due(&pacer, &scan, buf, (size_t)n)) == -1)
			break;
		fetch_ingest(f, buf, (size_t)n);
		fetch_flush(f);
	}
	if (fetch_stopping)
		res = FETCH_STOP;
	log_debug("file source %s: %d loops", file_path(url), loops);
	close(fd);
	return res;
}

static int
file_accepts(const struct stream_conf *sc, const char *url)
{
	return sc->type == STREAM_TS && strncmp(url, "file://", 7) == 0;
}

const struct fetch_source fetch_file_source = {
	.name = "file",
	.accepts = file_accepts,
	.run = file_run,
};
