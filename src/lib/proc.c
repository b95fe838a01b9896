/*
 * proc.c - spawning, finding and stopping child processes.
 *
 * The supervisor never exits because a child failed: it records the exit,
 * and respawns with a doubling backoff that resets once a child has stayed
 * up for PROC_STABLE_MS.  Children are forked (not exec'd) so they share
 * the parsed configuration and the state mapping; each one then drops
 * every descriptor that belongs to the supervisor.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "proctitle.h"
#include "util.h"

void
proctab_init(struct proctab *pt)
{
	int i;

	memset(pt, 0, sizeof(*pt));
	for (i = 0; i < PROC_MAX; i++)
		pt->procs[i].fd = -1;
}

struct proc *
proc_alloc(struct proctab *pt, enum proc_role role, int index)
{
	int i;

	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &pt->procs[i];

		if (p->role == ROLE_NONE) {
			memset(p, 0, sizeof(*p));
			p->role = role;
			p->index = index;
			p->fd = -1;
			p->backoff_ms = PROC_BACKOFF_MIN_MS;
			return p;
		}
	}
	return NULL;
}

void
proc_free(struct proc *p)
{
	if (p->fd != -1)
		close(p->fd);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

struct proc *
proc_by_pid(struct proctab *pt, pid_t pid)
{
	int i;

	for (i = 0; i < PROC_MAX; i++)
		if (pt->procs[i].role != ROLE_NONE && pt->procs[i].pid == pid)
			return &pt->procs[i];
	return NULL;
}

struct proc *
proc_find(struct proctab *pt, enum proc_role role, int index)
{
	int i;

	for (i = 0; i < PROC_MAX; i++)
		if (pt->procs[i].role == role && pt->procs[i].index == index)
			return &pt->procs[i];
	return NULL;
}

static int
int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every descriptor >= 3 except those in KEEP. */
static void
close_all_but(int *keep, int n)
{
	int i, from = 3;

	qsort(keep, (size_t)n, sizeof(int), int_cmp);
	for (i = 0; i < n; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			close_range((unsigned)from, (unsigned)keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	close_range((unsigned)from, ~0U, 0);
}

int
proc_spawn(struct proctab *pt, struct proc *p, proc_child_fn fn,
    const struct child_ctx *ctx)
{
	int sv[2], keep[PROC_KEEP_FDS + 2], n = 0, i;	/* + channel, log */
	sigset_t all;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		for (i = 0; i < pt->n_keep; i++)
			keep[n++] = pt->keep_fds[i];
		keep[n++] = sv[1];
		if (log_fd() != -1)
			keep[n++] = log_fd();
		close_all_but(keep, n);
		log_after_fork();
		sigemptyset(&all);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGUSR1, log_request_reopen);
		signal(SIGPIPE, SIG_IGN);
		sigprocmask(SIG_SETMASK, &all, NULL);
		p->fd = sv[1];
		p->pid = getpid();
		fn(p, ctx);
		_exit(0);
	}
	close(sv[1]);
	fd_set_nonblock(sv[0]);
	p->fd = sv[0];
	p->pid = pid;
	p->started_ms = now_ms();
	p->respawn_at_ms = 0;
	p->kill_at_ms = 0;
	p->exiting = 0;
	return 0;
}

void
proc_schedule_respawn(struct proc *p, uint64_t now)
{
	if (now - p->started_ms >= PROC_STABLE_MS)
		p->backoff_ms = PROC_BACKOFF_MIN_MS;
	p->respawn_at_ms = now + p->backoff_ms;
	p->backoff_ms *= 2;
	if (p->backoff_ms > PROC_BACKOFF_MAX_MS)
		p->backoff_ms = PROC_BACKOFF_MAX_MS;
}

void
proc_stop(struct proc *p, uint64_t grace_ms, uint64_t now)
{
	if (p->pid <= 0)
		return;
	p->exiting = 1;
	p->kill_at_ms = now + grace_ms;
	if (kill(p->pid, SIGTERM) == -1 && errno != ESRCH)
		log_warn("kill %d", (int)p->pid);
}

const char *
proc_role_name(enum proc_role role)
{
	switch (role) {
	case ROLE_WORKER:	return "worker";
	case ROLE_FETCHER:	return "fetcher";
	case ROLE_WEBHOOK:	return "webhook";
	case ROLE_HELPER:	return "helper";
	case ROLE_NONE:		break;
	}
	return "none";
}

void
proc_status_str(int status, char *out, size_t outsz)
{
	if (WIFEXITED(status))
		snprintf(out, outsz, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, outsz, "signal %d", WTERMSIG(status));
	else
		snprintf(out, outsz, "status %d", status);
}

void
proc_child_init(void (*on_stop)(int), const char *role_fmt, ...)
{
	struct sigaction sa;
	char role[128];
	va_list ap;

	va_start(ap, role_fmt);
	vsnprintf(role, sizeof(role), role_fmt, ap);
	va_end(ap);
	proctitle_set("ringcastd: %s", role);
	log_set_role("%s", role);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}
