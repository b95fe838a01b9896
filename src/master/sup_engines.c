/*
 * sup_engines.c - managed AceStream engines: the engine processes the
 * supervisor starts, scales, restarts and stops itself (the acestream
 * keys engine_command, engine_ports, engine_dir, min_engines,
 * max_engines, engine_idle_timeout, engine_start_timeout).
 *
 * Design: engine K is a child of the supervisor (not of the process
 * table of proc.c: it is a foreign program, exec'd, with no channel)
 * that leads its own process group, so that a stop (SIGTERM, then
 * SIGKILL after a grace) reaches whatever the command started (docker
 * run's client, a wrapper script's children).  It runs on port
 * engine_port_lo + K and in engine_dir/K, so a restart finds the same
 * address, cache and port; its stdout and stderr come back through a
 * pipe the loop polls and go to the log as "engine K: ...".  Its place
 * in the state segment (ace_state.h, ACE_MANAGED_BASE + K) holds its
 * URL from the start, with a phase: the engine choice (acestream.c)
 * takes it only once READY, which it is after its first good health
 * check: the engine monitor checks starting engines every tick, so
 * the supervisor never waits on an engine.  Not ready within
 * engine_start_timeout, or down (ACE_DOWN_AFTER_FAILS failed checks in
 * a row) once ready, it is killed and started again with a backoff, as
 * one that exits is.
 *
 * Scaling follows the requests that wait for an engine (sup_create.c):
 * while more content ids wait than the starting engines will hold, and
 * fewer than max_engines run, one more starts; min_engines run always;
 * a ready engine without streams for engine_idle_timeout stops, down to
 * min_engines.
 *
 * A supervisor killed by SIGKILL cannot stop its engines: the command's
 * own process gets SIGTERM from the kernel (PR_SET_PDEATHSIG), and each
 * engine's process group id and start time are in engine_dir/K.pid, so
 * the next ringcastd start kills every group left behind whose leader is
 * still that same process.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_cmd.h"
#include "json.h"
#include "log.h"
#include "sup_private.h"
#include "util.h"

#define ENG_STOP_GRACE_MS	3000	/* SIGTERM -> SIGKILL of a group */
#define ENG_BACKOFF_MIN_MS	1000
#define ENG_BACKOFF_MAX_MS	30000
#define ENG_STABLE_MS		60000	/* ran this long: backoff starts over */
#define ENG_PATH_MAX		4096

static int
eng_managed(const struct supervisor *sv)
{
	const struct ace_conf *a = &sv->cfg->ace;

	return a->enabled && a->engine_command != NULL &&
	    a->engine_command[0] != '\0';
}

static int
eng_place(int k)
{
	return ACE_MANAGED_BASE + k;
}

static void
eng_url(char *url, size_t urlsz, int port)
{
	snprintf(url, urlsz, "http://127.0.0.1:%d", port);
}

/* engine_dir/K.pid */
static int
eng_pidfile(char *path, size_t pathsz, const char *engine_dir, int k)
{
	int n = snprintf(path, pathsz, "%s/%d.pid", engine_dir, k);

	return n < 0 || (size_t)n >= pathsz ? -1 : 0;
}

/* The start time of process PID (clock ticks after boot, field 22 of
 * /proc/PID/stat), or 0 when it is not there. */
static unsigned long long
eng_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL && sscanf(p + 1, "%llu", &start) != 1)
		start = 0;
	return start;
}

/* mkdir -p PATH (0750). */
static int
eng_mkdirs(const char *path)
{
	char tmp[ENG_PATH_MAX], *p;

	if (str_copy(tmp, path, sizeof(tmp)) >= sizeof(tmp))
		return -1;
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0750) == -1 && errno != EEXIST ? -1 : 0;
}

static void
eng_event(struct supervisor *sv, const char *event, int k,
    const struct sup_engine *e, const char *status, int restarting,
    const char *error)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", event);
	json_kv_int(&b, "engine", k);
	json_kv_int(&b, "pid", e->pid);
	json_kv_int(&b, "port", e->port);
	if (status != NULL) {
		json_kv_str(&b, "status", status);
		json_kv_bool(&b, "restarting", restarting);
	}
	if (error != NULL)
		json_kv_str(&b, "error", error);
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

/* ---- start ---- */

/* In the child: its own group, dies with the supervisor, output to OUT;
 * run ARGV.  Never returns. */
static void
eng_child(char **argv, int out, pid_t parent)
{
	sigset_t none;
	int null;

	setsid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	if ((null = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(null, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(126);
	close_range(3, ~0U, 0);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Write engine_dir/K.pid: "PGID START\n" (for the next start's sweep). */
static void
eng_pidfile_write(struct supervisor *sv, int k, pid_t pid)
{
	char path[ENG_PATH_MAX];
	FILE *f;

	if (eng_pidfile(path, sizeof(path), sv->engines[k].base, k) ==
	    -1 || (f = fopen(path, "we")) == NULL) {
		log_warn("engine %d: cannot write its pid file", k);
		return;
	}
	fprintf(f, "%d %llu\n", (int)pid, eng_proc_start(pid));
	if (fclose(f) == EOF)
		log_warn("engine %d: cannot write %s", k, path);
}

/* Fork engine K's command with its output into a pipe: 0, or -1 (it is
 * retried after its backoff). */
static int
eng_fork(struct supervisor *sv, int k, struct sup_engine *e)
{
	const struct ace_conf *a = &sv->cfg->ace;
	char dir[ENG_PATH_MAX], err[160];
	char **argv;
	int fds[2], n;
	pid_t pid, me = getpid();

	n = snprintf(dir, sizeof(dir), "%s/%d", a->engine_dir, k);
	if (n < 0 || (size_t)n >= sizeof(dir) || eng_mkdirs(dir) == -1) {
		log_warn("engine %d: cannot make its directory %s", k, dir);
		return -1;
	}
	if ((argv = engine_cmd_argv(a->engine_command, e->port, k, dir, err,
	    sizeof(err))) == NULL) {
		log_warnx("engine %d: engine_command: %s", k, err);
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) == -1) {
		log_warn("engine %d: pipe", k);
		free(argv);
		return -1;
	}
	if ((pid = fork()) == 0)
		eng_child(argv, fds[1], me);
	close(fds[1]);
	free(argv);
	if (pid == -1) {
		log_warn("engine %d: fork", k);
		close(fds[0]);
		return -1;
	}
	fd_set_nonblock(fds[0]);
	free(e->dir);
	e->dir = strdup(dir);
	str_copy(e->base, a->engine_dir, sizeof(e->base));
	e->out_fd = fds[0];
	e->pid = pid;
	eng_pidfile_write(sv, k, pid);
	return 0;
}

/* Start (or restart) engine K. */
static void
eng_start(struct supervisor *sv, int k)
{
	struct sup_engine *e = &sv->engines[k];
	const struct ace_conf *a = &sv->cfg->ace;
	char url[64];
	uint64_t now = now_ms();

	if (!e->used) {
		memset(e, 0, sizeof(*e));
		e->used = 1;
		e->out_fd = -1;
		e->backoff_ms = ENG_BACKOFF_MIN_MS;
	}
	free(e->command);
	e->command = strdup(a->engine_command);
	e->port = a->engine_port_lo + k;
	e->started_ms = now;
	e->restart_at_ms = 0;
	e->kill_at_ms = 0;
	e->phase = ACE_PHASE_STARTING;
	eng_url(url, sizeof(url), e->port);
	if (e->command == NULL || eng_fork(sv, k, e) == -1) {
		e->restart_at_ms = now + e->backoff_ms;
		e->backoff_ms = e->backoff_ms * 2 > ENG_BACKOFF_MAX_MS ?
		    ENG_BACKOFF_MAX_MS : e->backoff_ms * 2;
		ace_state_managed_put(&sv->st->ace, eng_place(k), url,
		    (unsigned)e->port, 0, e->restarts);
		return;
	}
	ace_state_managed_put(&sv->st->ace, eng_place(k), url,
	    (unsigned)e->port, e->pid, e->restarts);
	log_info("engine %d: started, pid %d, %s", k, (int)e->pid, url);
	eng_event(sv, "engine_started", k, e, NULL, 0, NULL);
}

/* ---- stop ---- */

/* Forget engine K (its process is gone). */
static void
eng_free(struct supervisor *sv, int k)
{
	struct sup_engine *e = &sv->engines[k];

	if (e->out_fd != -1)
		close(e->out_fd);
	free(e->command);
	free(e->dir);
	memset(e, 0, sizeof(*e));
	e->out_fd = -1;
	ace_state_managed_clear(&sv->st->ace, eng_place(k));
}

/* Stop engine K's group: for good (FOR_GOOD) or to start it again
 * (PHASE UNHEALTHY); WHY for the log. */
static void
eng_stop(struct supervisor *sv, int k, int for_good, const char *why)
{
	struct sup_engine *e = &sv->engines[k];

	if (for_good)
		e->stop = 1;
	if (e->pid <= 0) {
		if (for_good)
			eng_free(sv, k);
		return;
	}
	if (e->kill_at_ms != 0)
		return;		/* already being stopped */
	log_info("engine %d (pid %d): stopping: %s", k, (int)e->pid, why);
	e->phase = for_good ? ACE_PHASE_STOPPING : ACE_PHASE_UNHEALTHY;
	ace_state_managed_phase(&sv->st->ace, eng_place(k), e->phase, e->pid);
	kill(-e->pid, SIGTERM);
	e->kill_at_ms = now_ms() + ENG_STOP_GRACE_MS;
}

/* ---- output ---- */

static void
eng_log_line(int k, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > 0)
		log_info("engine %d: %.*s", k, (int)len, line);
}

/* Read what engine K wrote; log its whole lines (a line longer than
 * the buffer in pieces).  At EOF (or error) the pipe is closed and what
 * is left logged. */
static void
eng_read(struct sup_engine *e, int k)
{
	char buf[4096];
	ssize_t n, i;

	while ((n = read(e->out_fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || e->line_len == sizeof(e->line)) {
				eng_log_line(k, e->line, e->line_len);
				e->line_len = 0;
				if (buf[i] == '\n')
					continue;
			}
			e->line[e->line_len++] = buf[i];
		}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		eng_log_line(k, e->line, e->line_len);
		e->line_len = 0;
		close(e->out_fd);
		e->out_fd = -1;
	}
}

int
sup_engines_pollfds(struct supervisor *sv, struct pollfd *pfd, int max)
{
	int k, n = 0;

	for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES && n < max; k++) {
		if (!sv->engines[k].used || sv->engines[k].out_fd == -1)
			continue;
		pfd[n].fd = sv->engines[k].out_fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

void
sup_engines_output(struct supervisor *sv, const struct pollfd *pfd, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES; k++)
			if (sv->engines[k].used &&
			    sv->engines[k].out_fd == pfd[i].fd)
				eng_read(&sv->engines[k], k);
	}
}

/* ---- exits ---- */

int
sup_engines_reaped(struct supervisor *sv, pid_t pid, int status)
{
	struct sup_engine *e;
	char st[32], path[ENG_PATH_MAX];
	uint64_t now = now_ms();
	int k, restart;

	for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES; k++)
		if (sv->engines[k].used && sv->engines[k].pid == pid)
			break;
	if (k == CONFIG_MAX_MANAGED_ENGINES)
		return 0;
	e = &sv->engines[k];
	if (e->out_fd != -1)
		eng_read(e, k);		/* its last words */
	kill(-pid, SIGKILL);	/* what it started: the group goes too */
	if (eng_pidfile(path, sizeof(path), e->base, k) == 0)
		unlink(path);
	proc_status_str(status, st, sizeof(st));
	restart = !e->stop && !sv->stopping;
	if (restart && now - e->started_ms >= ENG_STABLE_MS)
		e->backoff_ms = ENG_BACKOFF_MIN_MS;
	if (restart)
		log_warnx("engine %d (pid %d) exited: %s; starting it again "
		    "in %.1f s", k, (int)pid, st, (double)e->backoff_ms / 1e3);
	else
		log_info("engine %d (pid %d) exited: %s", k, (int)pid, st);
	eng_event(sv, "engine_exited", k, e, st, restart, NULL);
	if (!restart) {
		eng_free(sv, k);
		return 1;
	}
	e->restart_at_ms = now + e->backoff_ms;
	e->backoff_ms = e->backoff_ms * 2 > ENG_BACKOFF_MAX_MS ?
	    ENG_BACKOFF_MAX_MS : e->backoff_ms * 2;
	e->restarts++;
	e->pid = 0;
	e->kill_at_ms = 0;
	e->phase = ACE_PHASE_STARTING;
	if (e->out_fd != -1) {
		close(e->out_fd);
		e->out_fd = -1;
	}
	atomic_store(&sv->st->ace.engines[eng_place(k)].restarts, e->restarts);
	ace_state_managed_phase(&sv->st->ace, eng_place(k), e->phase, 0);
	return 1;
}

/* ---- the tick ---- */

/* Engine K no longer matches the configuration (command, port, dir). */
static int
eng_stale(struct supervisor *sv, int k)
{
	const struct ace_conf *a = &sv->cfg->ace;
	const struct sup_engine *e = &sv->engines[k];

	return !eng_managed(sv) || k >= a->max_engines ||
	    e->port != a->engine_port_lo + k || e->command == NULL ||
	    strcmp(e->command, a->engine_command) != 0 ||
	    (e->base[0] != '\0' && strcmp(e->base, a->engine_dir) != 0);
}

/* Engine K, starting: ready after a good health check, or given up. */
static void
eng_check_starting(struct supervisor *sv, int k, uint64_t now,
    const struct ace_engine_view *v)
{
	struct sup_engine *e = &sv->engines[k];
	double limit = sv->cfg->ace.engine_start_timeout;

	if (v->health == ACE_HEALTH_UP) {
		e->phase = ACE_PHASE_READY;
		e->idle_since_ms = now;
		ace_state_managed_phase(&sv->st->ace, eng_place(k), e->phase,
		    e->pid);
		log_info("engine %d (pid %d): ready after %.1f s (version %s)",
		    k, (int)e->pid, (double)(now - e->started_ms) / 1e3,
		    v->version[0] ? v->version : "?");
		eng_event(sv, "engine_ready", k, e, NULL, 0, NULL);
	} else if (now - e->started_ms >= (uint64_t)(limit * 1000.0)) {
		log_warnx("engine %d (pid %d): not ready after %.0f s "
		    "(engine_start_timeout): a failed start", k, (int)e->pid,
		    limit);
		eng_event(sv, "engine_unhealthy", k, e, NULL, 0,
		    "not ready within engine_start_timeout");
		eng_stop(sv, k, 0, "a failed start");
	}
}

/* Engine K, ready: down, or idle too long (IDLE_OK: it may stop). */
static void
eng_check_ready(struct supervisor *sv, int k, uint64_t now,
    const struct ace_engine_view *v, int idle_ok)
{
	struct sup_engine *e = &sv->engines[k];
	double idle = sv->cfg->ace.engine_idle_timeout;

	if (v->health == ACE_HEALTH_DOWN) {
		log_warnx("engine %d (pid %d) is down: %s", k, (int)e->pid,
		    v->error);
		eng_event(sv, "engine_unhealthy", k, e, NULL, 0, v->error);
		eng_stop(sv, k, 0, "it failed its health checks");
		return;
	}
	if (v->draining && v->streams == 0) {
		eng_stop(sv, k, 1, "drained (ringcastctl drain)");
		return;
	}
	if (v->streams > 0)
		e->idle_since_ms = now;
	else if (idle_ok && now - e->idle_since_ms >= (uint64_t)(idle *
	    1000.0))
		eng_stop(sv, k, 1, "idle (engine_idle_timeout)");
}

/* Shutdown: engines stop once the fetchers and the engine monitor,
 * which stop their sessions on them, are gone. */
static int
eng_users_left(struct supervisor *sv)
{
	int i;

	for (i = 0; i < PROC_MAX; i++)
		if (sv->procs.procs[i].role == ROLE_FETCHER ||
		    sv->procs.procs[i].role == ROLE_HELPER)
			return 1;
	return 0;
}

/* Engine K's timers and phase. */
static void
eng_tick_one(struct supervisor *sv, int k, uint64_t now, int *idle_left)
{
	struct sup_engine *e = &sv->engines[k];
	struct ace_engine_view v;

	if (e->pid > 0 && e->kill_at_ms != 0 && now >= e->kill_at_ms) {
		log_warnx("engine %d (pid %d) did not stop; killing its group",
		    k, (int)e->pid);
		kill(-e->pid, SIGKILL);
		e->kill_at_ms = now + ENG_STOP_GRACE_MS;
	}
	if (!e->stop && ((sv->stopping && !eng_users_left(sv)) ||
	    (!sv->stopping && eng_stale(sv, k))))
		eng_stop(sv, k, 1, sv->stopping ? "shutdown" :
		    "the configuration changed");
	if (!e->used || e->stop)
		return;
	if (e->pid == 0) {
		if (e->restart_at_ms != 0 && now >= e->restart_at_ms)
			eng_start(sv, k);
		return;
	}
	if (e->kill_at_ms != 0 || ace_state_engine(&sv->st->ace,
	    eng_place(k), &v) == -1)
		return;
	if (e->phase == ACE_PHASE_STARTING)
		eng_check_starting(sv, k, now, &v);
	else if (e->phase == ACE_PHASE_READY) {
		eng_check_ready(sv, k, now, &v, *idle_left > 0);
		if (e->stop)
			(*idle_left)--;
	}
}

/* Room for new streams on the engines that take them now. */
static int
eng_room(struct supervisor *sv)
{
	struct ace_engine_view v;
	int i, room = 0, per = sv->cfg->ace.max_streams_per_engine;

	for (i = 0; i < ACE_MAX_ENGINES; i++)
		if (ace_state_engine(&sv->st->ace, i, &v) == 0 &&
		    ace_engine_choosable(&v) && v.health != ACE_HEALTH_DOWN &&
		    (int)v.streams < per)
			room += per - (int)v.streams;
	return room;
}

/* Start engines while fewer than min_engines run, or while the waiting
 * content ids (KEYS) outnumber what the engines with room and the
 * starting ones will hold. */
static void
eng_scale(struct supervisor *sv, int keys)
{
	const struct ace_conf *a = &sv->cfg->ace;
	int k, alive = 0, starting = 0;

	for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES; k++) {
		if (!sv->engines[k].used || sv->engines[k].stop)
			continue;
		alive++;
		starting += sv->engines[k].phase == ACE_PHASE_STARTING ||
		    sv->engines[k].phase == ACE_PHASE_UNHEALTHY;
	}
	for (k = 0; k < a->max_engines && alive < a->max_engines; k++) {
		if (sv->engines[k].used)
			continue;
		if (alive >= a->min_engines && keys <= starting *
		    a->max_streams_per_engine + (keys > 0 ? eng_room(sv) : 0))
			break;
		eng_start(sv, k);
		alive++;
		starting++;
	}
}

void
sup_engines_tick(struct supervisor *sv, uint64_t now)
{
	int k, keys, alive = 0, idle_left;

	atomic_store(&sv->st->ace.waiting,
	    (uint32_t)sup_create_waiting(sv, &keys));
	keys += sup_drain_tick(sv);	/* streams a drain could not move */
	for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES; k++)
		alive += sv->engines[k].used && !sv->engines[k].stop;
	idle_left = keys > 0 || !eng_managed(sv) ? 0 :
	    alive - sv->cfg->ace.min_engines;
	for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES; k++)
		if (sv->engines[k].used)
			eng_tick_one(sv, k, now, &idle_left);
	if (!sv->stopping && eng_managed(sv))
		eng_scale(sv, keys);
}

int
sup_engines_running(struct supervisor *sv)
{
	int k;

	for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES; k++)
		if (sv->engines[k].used && sv->engines[k].pid > 0)
			return 1;
	return 0;
}

void
sup_engines_cleanup(struct supervisor *sv)
{
	char path[ENG_PATH_MAX];
	pid_t pid;
	int k;

	for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES; k++) {
		if (!sv->engines[k].used)
			continue;
		if ((pid = sv->engines[k].pid) > 0) {
			log_warnx("engine %d (pid %d) still runs at exit; "
			    "killing its group", k, (int)pid);
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			if (eng_pidfile(path, sizeof(path),
			    sv->engines[k].base, k) == 0)
				unlink(path);
		}
		eng_free(sv, k);
	}
}

/* ---- the sweep at start-up ---- */

void
sup_engines_sweep(struct supervisor *sv)
{
	char path[ENG_PATH_MAX];
	unsigned long long start;
	FILE *f;
	int k, pid;

	if (!eng_managed(sv))
		return;
	for (k = 0; k < CONFIG_MAX_MANAGED_ENGINES; k++) {
		if (eng_pidfile(path, sizeof(path), sv->cfg->ace.engine_dir,
		    k) == -1 || (f = fopen(path, "re")) == NULL)
			continue;
		if (fscanf(f, "%d %llu", &pid, &start) == 2 && pid > 1 &&
		    pid != getpid() && start != 0 &&
		    eng_proc_start(pid) == start) {
			log_warnx("engine %d: killing process group %d, left "
			    "by an earlier ringcastd", k, pid);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
		fclose(f);
		unlink(path);
	}
}
