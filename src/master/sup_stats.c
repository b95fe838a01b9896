/*
 * sup_stats.c - CPU and memory of every process, from /proc (see
 * sup_private.h).
 *
 * The supervisor reads utime+stime and the resident size of itself and
 * of each child from /proc/PID/stat and stores them in the state segment,
 * where /status and /metrics find them; a dead child's row is left as it
 * was.  The interval follows the load (SUP_STATS_*_MS): idle daemons are
 * sampled rarely, busy ones often enough for a graph.  It calls no other
 * file of the supervisor.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sup_private.h"

/* Read utime+stime and RSS of PID from /proc; -1 when it is gone. */
static int
sup_read_proc(pid_t pid, uint64_t *cpu_ms, uint64_t *rss_bytes)
{
	static long tick, page;
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long rss;
	ssize_t n;
	int fd;

	if (tick == 0) {
		tick = sysconf(_SC_CLK_TCK);
		page = sysconf(_SC_PAGESIZE);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || (buf[n] = '\0', p = strrchr(buf, ')')) == NULL)
		return -1;
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime prio nice threads
	 * itrealvalue starttime vsize rss */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu"
	    " %llu %*d %*d %*d %*d %*d %*d %*u %*u %ld", &ut, &st, &rss) != 3)
		return -1;
	*cpu_ms = (ut + st) * 1000ULL / (unsigned long long)tick;
	*rss_bytes = (uint64_t)rss * (uint64_t)page;
	return 0;
}

static void
sup_store_stats(struct proc_stats *ps, pid_t pid)
{
	uint64_t cpu, rss;

	if (sup_read_proc(pid, &cpu, &rss) == 0) {
		atomic_store(&ps->cpu_ms, cpu);
		atomic_store(&ps->rss_bytes, rss);
	}
}

/* Sample every process, at an interval that follows the load. */
void
sup_collect_stats(struct supervisor *sv, uint64_t now)
{
	uint64_t start = metrics_start();
	int i, fetchers = 0;

	if (now < sv->next_stats_ms)
		return;
	sup_store_stats(&sv->st->supervisor_stats, getpid());
	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_NONE || p->pid <= 0)
			continue;
		if (p->role == ROLE_WORKER) {
			sup_store_stats(&sv->st->workers[p->index].stats, p->pid);
			atomic_store(&sv->st->workers[p->index].stats.restarts,
			    (uint32_t)p->restarts);
		} else if (p->role == ROLE_FETCHER) {
			fetchers++;
			sup_store_stats(&sv->st->streams[p->index].fetcher_stats,
			    p->pid);
			atomic_store(&sv->st->streams[p->index].fetcher_stats.
			    restarts, (uint32_t)p->restarts);
		}
	}
	sv->next_stats_ms = now + (fetchers == 0 ? SUP_STATS_IDLE_MS :
	    fetchers <= 5 ? SUP_STATS_FEW_MS : SUP_STATS_MANY_MS);
	metrics_end(sv->metrics, METRICS_SLOT_SUPERVISOR,
	    METRICS_PROCESS_STATS_COLLECTION, start, 1);
}
