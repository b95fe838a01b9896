/*
 * ringcastd.c - the daemon's entry point: flags, configuration check,
 * daemonizing, pid file, sockets and privilege drop, then the supervisor.
 *
 * Everything that can fail for an operator's reason (bad file, port in
 * use, another instance running) fails here, before the terminal is
 * detached: the parent of the daemon waits on a pipe until the daemon says
 * it is ready, and exits 1 with the reason if it is not.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "pidfile.h"
#include "proctitle.h"
#include "supervisor.h"
#include "util.h"

#define SPARE_FDS	1024	/* descriptors beyond one a client */

static void
usage(void)
{
	fprintf(stderr, "usage: ringcastd [-dftV] [-c file] [-p pidfile]\n");
	exit(1);
}

static int
check_config(const char *path, struct config **cfg)
{
	char errs[16384];

	if (config_load(path, cfg, errs, sizeof(errs)) == -1) {
		fputs(errs, stderr);
		return -1;
	}
	if (sup_tls_unsupported(*cfg, errs, sizeof(errs))) {
		fprintf(stderr, "%s\n", errs);
		config_free(*cfg);
		return -1;
	}
	return 0;
}

/* Detach; the returned fd is the pipe to report readiness on. */
static int
daemonize(void)
{
	int fds[2], devnull;
	char status[512];
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0) {
		close(fds[1]);
		n = read(fds[0], status, sizeof(status) - 1);
		if (n > 0 && status[0] == '\0')
			_exit(0);
		if (n > 0) {
			status[n] = '\0';
			fprintf(stderr, "ringcastd: %s\n", status);
		} else
			fprintf(stderr, "ringcastd: failed to start\n");
		_exit(1);
	}
	close(fds[0]);
	if (setsid() == -1)
		fatal("setsid");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		fatal("chdir /");
	umask(027);
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		if (devnull > 2)
			close(devnull);
	}
	return fds[1];
}

static void
report_ready(int fd, const char *err)
{
	if (fd == -1)
		return;
	if (err == NULL) {
		if (write(fd, "", 1) == -1)
			log_warn("readiness pipe");
	} else if (write(fd, err, strlen(err)) == -1)
		log_warn("readiness pipe");
	close(fd);
}

static int
start_fail(int ready_fd, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg, strerror(errno));
	log_warnx("%s", msg);
	report_ready(ready_fd, msg);
	return 1;
}

/* Raise the descriptor limit to the hard limit; say if it is too low for
 * max_clients (every client is a socket). */
static void
raise_fd_limit(const struct config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_clients + SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit NOFILE");
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want)
		log_warnx("open files limit %llu is below max_clients + %d"
		    " (%llu): raise it (ulimit -n, LimitNOFILE=)",
		    (unsigned long long)rl.rlim_cur, SPARE_FDS,
		    (unsigned long long)want);
	else
		log_info("open files limit %llu", (unsigned long long)
		    rl.rlim_cur);
}

static int
drop_privileges(const char *user, int pid_fd, const char *ctl_path)
{
	struct passwd *pw;

	if (user == NULL || user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (pid_fd != -1 && fchown(pid_fd, pw->pw_uid, pw->pw_gid) == -1)
		log_warn("chown pid file");
	if (chown(ctl_path, pw->pw_uid, pw->pw_gid) == -1)
		log_warn("chown %s", ctl_path);
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		return -1;
	return 0;
}

/* The PEM files were read as root; a reload reads them as `user`. */
static void
warn_tls_unreadable(const struct config *cfg)
{
	const char *files[2] = { cfg->tls_cert, cfg->tls_key };
	int i;

	for (i = 0; i < 2 && cfg->n_listen_tls > 0; i++)
		if (access(files[i], R_OK) == -1)
			log_warn("%s: user %s cannot read it: HTTPS serves what"
			    " was read at start, a reload will be rejected",
			    files[i], cfg->user);
}

static void
init_logging(const struct config *cfg, int foreground, int debug)
{
	int level = debug ? LOG_DEBUG : cfg->log_level;

	if (foreground)
		log_init(LOG_DEST_STDERR, NULL, level);
	else if (cfg->log_target == LOG_TARGET_FILE) {
		if (log_init(LOG_DEST_FILE, cfg->log_file, level) == -1)
			fatal("cannot open log file %s", cfg->log_file);
	} else if (cfg->log_target == LOG_TARGET_STDERR)
		log_init(LOG_DEST_STDERR, NULL, level);
	else
		log_init(LOG_DEST_SYSLOG, NULL, level);
}

int
main(int argc, char **argv)
{
	static struct supervisor sv;
	const char *conf_path = CONFIG_DEFAULT_PATH, *pid_path = NULL;
	int ch, test_only = 0, ready_fd = -1, i, rc;
	pid_t other;

	proctitle_init(argc, argv);
	proctab_init(&sv.procs);
	while ((ch = getopt(argc, argv, "c:dfp:tV")) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'd': sv.debug = 1; break;
		case 'f': sv.foreground = 1; break;
		case 'p': pid_path = optarg; break;
		case 't': test_only = 1; break;
		case 'V':
			printf("ringcastd %s\n", RINGCAST_VERSION);
			return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (check_config(conf_path, &sv.cfg) == -1)
		return 1;
	if (test_only) {
		printf("configuration OK\n");
		config_free(sv.cfg);
		return 0;
	}
	if ((sv.config_path = realpath(conf_path, NULL)) == NULL)
		sv.config_path = conf_path;	/* loaded fine: cannot fail */
	if (getcwd(sv.start_dir, sizeof(sv.start_dir)) == NULL)
		str_copy(sv.start_dir, "/", sizeof(sv.start_dir));
	/* a copy: reloads free the configuration it came from */
	if ((sv.pid_file = strdup(pid_path ? pid_path : sv.cfg->pid_file))
	    == NULL)
		fatal("strdup");
	sv.pid_fd = -1;
	init_logging(sv.cfg, sv.foreground, sv.debug);
	raise_fd_limit(sv.cfg);
	if ((other = pidfile_locked(sv.pid_file)) > 0) {
		fprintf(stderr, "ringcastd: already running as pid %d (%s)\n",
		    (int)other, sv.pid_file);
		return 1;
	}
	/* plain HTTP first, then the HTTPS ones (sv.n_listen_tls last) */
	for (i = 0; i < sv.cfg->n_listen + sv.cfg->n_listen_tls; i++) {
		const char *a = i < sv.cfg->n_listen ? sv.cfg->listen[i] :
		    sv.cfg->listen_tls[i - sv.cfg->n_listen];

		if ((sv.listen_fds[i] = listen_open(a, SUP_LISTEN_BACKLOG))
		    == -1) {
			fprintf(stderr, "ringcastd: cannot listen on %s: %s\n",
			    a, strerror(errno));
			return 1;
		}
		sv.n_listen++;
	}
	sv.n_listen_tls = sv.cfg->n_listen_tls;
	if (control_open(&sv.ctl, sv.cfg->control_socket) == -1) {
		fprintf(stderr, "ringcastd: control socket %s: %s\n",
		    sv.cfg->control_socket, strerror(errno));
		return 1;
	}
	if (!sv.foreground)
		ready_fd = daemonize();
	if ((sv.pid_fd = pidfile_create(sv.pid_file, &other)) == -1) {
		control_close(&sv.ctl);
		if (other > 0) {
			char pidstr[16];

			snprintf(pidstr, sizeof(pidstr), "%d", (int)other);
			errno = EEXIST;
			return start_fail(ready_fd,
			    "already running as pid %s (%s)", pidstr);
		}
		return start_fail(ready_fd, "cannot write pid file %s: %s",
		    sv.pid_file);
	}
	if (drop_privileges(sv.cfg->user, sv.pid_fd, sv.cfg->control_socket)
	    == -1) {
		unlink(sv.pid_file);
		control_close(&sv.ctl);
		return start_fail(ready_fd, "cannot become user %s: %s",
		    sv.cfg->user);
	}
	warn_tls_unreadable(sv.cfg);
	report_ready(ready_fd, NULL);
	rc = supervisor_run(&sv);
	config_free(sv.cfg);
	return rc;
}
