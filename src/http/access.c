/*
 * access.c - who may watch: every request's credential checked before
 * its route runs, so a refused request never starts a stream, never
 * asks an engine and never reaches a parent.
 *
 * With access = "open" nothing here costs more than a test of one flag
 * per request.  With "users", a request brings a token in one of four
 * forms (cred.h): a path prefix /u/TOKEN/ (cut off here, so every route
 * works under it), ?token=, Basic user:token or Bearer.  The token is
 * hashed (SHA-256) and compared in constant time with each user's hash;
 * the admin token is a superuser.  A user's allow globs decide which
 * streams and content ids (CONFIG_ACE_SUBJECT + key) that user plays:
 * none is a 401 with WWW-Authenticate: Basic (so players and browsers
 * ask), a wrong one a 401, a stream outside the globs a 403.
 *
 * Users come from the configuration (fixed for the worker's life: a
 * reload that changes them starts new workers) and from users_file,
 * which the wake loop stats once a second and parses again when it
 * changed; a file that cannot be read, or has no good line, keeps the
 * users it had.  Readers take the table's read lock only to look a
 * token up; the swap takes the write lock.
 *
 * A signed URL (signed_url.h: ?exp=&sig=[&ip=1], made with
 * url_signing_key) plays a stream without a token, until it expires;
 * its arguments are handed on in playlists as ?token= is (CRED_SIGNED).
 * A user's new player beyond max_connections is refused or closes the
 * user's oldest (access_limit.c).  Every refusal is counted by reason
 * in the state segment (/metrics).
 *
 * The form each request came with is noted per thread (as http.c notes
 * its CORS class), for the routes that write URLs (access_form).  A
 * token is never logged: refusals are logged at most once a second, by
 * path and address only.
 *
 * Calls: http.c (answers), cred.c, users_file.c, digest.c, ace_input.c
 * (the key of a content-id request), hls_path.c, the state segment.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "ace_input.h"
#include "digest.h"
#include "hdhr.h"
#include "hls_path.h"
#include "log.h"
#include "signed_url.h"
#include "users_file.h"
#include "util.h"

#define ACCESS_REALM		"Basic realm=\"ringcast\""
#define ACCESS_LOG_EVERY_MS	1000	/* refusals: one line at most */

/* The worker's table (one per process, like its HLS table). */
static struct {
	pthread_rwlock_t	 lock;		/* file_users */
	enum access_mode	 mode;
	int			 internal_fd[CONFIG_MAX_LISTEN];	/* the
				   listening sockets marked internal */
	int			 n_internal;
	const struct user_conf	*cfg_users;	/* the configuration's */
	int			 n_cfg;
	struct user_conf	*file_users;
	int			 n_file;
	char			 path[PATH_MAX];	/* "": no users_file */
	struct stat		 seen;		/* the version read last */
	int			 have_seen;
	int			 failing;	/* logged once */
	int			 loud;		/* the first worker logs */
	int			 close_oldest;	/* users_over_limit */
	const char		*signing_key;	/* url_signing_key; "": none */
	_Atomic uint64_t	 refused_log_ms;
	_Atomic uint32_t	 refused_quiet;
} acc = { .lock = PTHREAD_RWLOCK_INITIALIZER };

/* The request this thread answers now (see above). */
static __thread struct {
	struct MHD_Connection	*conn;
	enum cred_form		 form;
	char			 token[CONFIG_TOKEN_MAX];
	char			 basic_user[CRED_NAME_MAX + 1];
	char			 user[CONFIG_NAME_MAX + 1];	/* checked */
	int			 max_connections;	/* the user's */
	int			 admin;
} acur;

enum access_verdict {
	ACCESS_NONE = 0,	/* no credential */
	ACCESS_WRONG,		/* a credential of nobody */
	ACCESS_USER,
	ACCESS_ADMIN,
	ACCESS_SIGNED,		/* a true signed URL */
	ACCESS_SIGNED_BAD,	/* forged, of another path or address */
	ACCESS_SIGNED_EXPIRED,
};

int
access_on(void)
{
	return acc.mode == ACCESS_USERS;
}

/* ---- users_file ---- */

static void
access_bad_line(void *arg, int line, const char *why)
{
	(void)arg;
	if (acc.loud)
		log_warnx("users_file %s:%d: %s; line skipped", acc.path, line,
		    why);
}

/* Whether ST is the version of the file read last. */
static int
access_same_file(const struct stat *st)
{
	const struct stat *o = &acc.seen;

	return acc.have_seen && o->st_dev == st->st_dev &&
	    o->st_ino == st->st_ino && o->st_size == st->st_size &&
	    o->st_mtim.tv_sec == st->st_mtim.tv_sec &&
	    o->st_mtim.tv_nsec == st->st_mtim.tv_nsec &&
	    o->st_ctim.tv_sec == st->st_ctim.tv_sec &&
	    o->st_ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* The file's bytes (NUL-terminated, free them): NULL with errno. */
static char *
access_read_file(size_t *len)
{
	struct stat st;
	char *text = NULL;
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(acc.path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > USERS_FILE_MAX_BYTES)
		errno = EFBIG;
	else if (fstat(fd, &st) == 0)
		text = malloc((size_t)st.st_size + 1);	/* NULL: ENOMEM */
	if (text == NULL) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size && (n = read(fd, text + got,
	    (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	text[got] = '\0';
	*len = got;
	return text;
}

/* Drop the users of U that the configuration has (by name or token). */
static int
access_merge(struct user_conf *u, int n)
{
	int i, j, kept = 0, dup;

	for (i = 0; i < n; i++) {
		dup = 0;
		for (j = 0; j < acc.n_cfg && !dup; j++)
			dup = strcmp(u[i].name, acc.cfg_users[j].name) == 0 ||
			    digest_equal_ct(u[i].token_sha256,
			    acc.cfg_users[j].token_sha256,
			    CONFIG_TOKEN_DIGEST_BYTES);
		if (dup) {
			if (acc.loud)
				log_warnx("users_file %s:%d: user '%s' (or "
				    "its token) is in the configuration; "
				    "line skipped", acc.path, u[i].line,
				    u[i].name);
			for (j = 0; j < u[i].n_allow; j++)
				free(u[i].allow[j]);
			continue;
		}
		u[kept++] = u[i];
	}
	return kept;
}

static void
access_file_failed(const char *why)
{
	if (!acc.failing)
		log_warnx("users_file %s: %s; keeping the %d users it had",
		    acc.path, why, acc.n_file);
	acc.failing = 1;
}

/* Read users_file again when it changed since it was last read. */
static void
access_reload(void)
{
	struct user_conf *u = NULL, *old;
	struct stat st;
	size_t len = 0;
	char *text;
	int n = 0, bad = 0, old_n;

	if (acc.path[0] == '\0')
		return;
	if (stat(acc.path, &st) == -1) {
		access_file_failed(strerror(errno));
		return;
	}
	if (access_same_file(&st))
		return;
	acc.seen = st;
	acc.have_seen = 1;
	acc.failing = 0;	/* a new version: its problems are logged */
	if ((text = access_read_file(&len)) == NULL) {
		access_file_failed(strerror(errno));
		return;
	}
	if (users_file_parse(text, len, &u, &n, &bad, access_bad_line,
	    NULL) == -1) {
		free(text);
		access_file_failed("out of memory");
		return;
	}
	free(text);
	if (n == 0 && bad > 0) {
		access_file_failed("no good line");
		return;
	}
	n = access_merge(u, n);
	pthread_rwlock_wrlock(&acc.lock);
	old = acc.file_users;
	old_n = acc.n_file;
	acc.file_users = u;
	acc.n_file = n;
	pthread_rwlock_unlock(&acc.lock);
	config_users_free(old, old_n);
	acc.failing = 0;
	if (acc.loud)
		log_info("users_file %s: %d users", acc.path, n);
}

int
access_start(struct worker *w, const struct config *cfg, const int *fds,
    int n_fds)
{
	int i;

	acc.mode = cfg->access;
	for (i = 0; i < n_fds && i < cfg->n_listen; i++)
		if (cfg->listen_internal[i])
			acc.internal_fd[acc.n_internal++] = fds[i];
	acc.cfg_users = cfg->users;
	acc.n_cfg = cfg->n_users;
	acc.loud = w->row == 0;
	acc.close_oldest = cfg->users_over_limit == OVER_LIMIT_CLOSE_OLDEST;
	acc.signing_key = cfg->url_signing_key != NULL ?
	    cfg->url_signing_key : "";
	if (cfg->users_file != NULL &&
	    str_copy(acc.path, cfg->users_file, sizeof(acc.path)) >=
	    sizeof(acc.path))
		return -1;
	if (acc.mode == ACCESS_USERS)
		access_reload();
	return 0;
}

void
access_tick(struct worker *w)
{
	(void)w;
	if (acc.mode == ACCESS_USERS)
		access_reload();
}

/* ---- the request ---- */

/* A request with no token but ?sig=: note its arguments, which URLs
 * written for it carry (checked in access_verify). */
static void
access_begin_signed(struct MHD_Connection *conn)
{
	const char *exp, *sig, *ip;
	int n;

	if ((sig = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    SIGNED_ARG_SIG)) == NULL)
		return;
	exp = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    SIGNED_ARG_EXP);
	ip = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    SIGNED_ARG_IP);
	acur.form = CRED_SIGNED;
	/* only digits and hex go into playlists: anything else is wrong */
	n = snprintf(acur.token, sizeof(acur.token), SIGNED_ARG_EXP "=%s&"
	    SIGNED_ARG_SIG "=%s%s%s", exp != NULL ? exp : "", sig,
	    ip != NULL ? "&" SIGNED_ARG_IP "=" : "", ip != NULL ? ip : "");
	if (n < 0 || (size_t)n >= sizeof(acur.token) ||
	    strspn(acur.token, "0123456789abcdefABCDEF=&" SIGNED_ARG_EXP
	    SIGNED_ARG_SIG SIGNED_ARG_IP) != (size_t)n)
		acur.token[0] = '\0';
}

const char *
access_begin(struct MHD_Connection *conn, const char *url, int *bad)
{
	const char *v, *rest;
	int rc;

	*bad = 0;
	acur.conn = conn;
	acur.form = CRED_NONE;
	acur.token[0] = acur.basic_user[0] = acur.user[0] = '\0';
	acur.admin = acur.max_connections = 0;
	if (acc.mode != ACCESS_USERS)
		return url;
	if ((rc = cred_path_split(url, acur.token, sizeof(acur.token),
	    &rest)) == 1) {
		acur.form = CRED_PATH;
		return rest;
	}
	if (rc == -1) {
		*bad = 1;
		return url;
	}
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    CRED_QUERY_ARG)) != NULL) {
		acur.form = CRED_QUERY;
		/* too long for any token: an empty one, wrong */
		if (str_copy(acur.token, v, sizeof(acur.token)) >=
		    sizeof(acur.token))
			acur.token[0] = '\0';
	} else if ((v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION)) != NULL) {
		acur.form = CRED_BASIC;
		/* Bearer; a header of neither leaves the token empty: wrong */
		if (cred_basic_parse(v, acur.basic_user,
		    sizeof(acur.basic_user), acur.token,
		    sizeof(acur.token)) == -1) {
			acur.form = CRED_BEARER;
			(void)cred_bearer_parse(v, acur.token,
			    sizeof(acur.token));
		}
	} else if (acc.signing_key[0] != '\0')
		access_begin_signed(conn);
	return url;
}

/* The user whose token hashes to D (under acc.lock), or NULL. */
static const struct user_conf *
access_find(const uint8_t d[DIGEST_SHA256_BYTES])
{
	const struct user_conf *found = NULL;
	int i;

	/* every user is compared: the time does not say who matched */
	for (i = 0; i < acc.n_cfg; i++)
		if (digest_equal_ct(d, acc.cfg_users[i].token_sha256,
		    CONFIG_TOKEN_DIGEST_BYTES))
			found = &acc.cfg_users[i];
	for (i = 0; i < acc.n_file; i++)
		if (digest_equal_ct(d, acc.file_users[i].token_sha256,
		    CONFIG_TOKEN_DIGEST_BYTES))
			found = &acc.file_users[i];
	return found;
}

/* The request's path and its arguments again ("/p?a=1&b"), as the
 * signature's scope is made of them (libmicrohttpd keeps no raw query). */
struct access_url {
	char	 s[SIGNED_SCOPE_MAX];
	size_t	 len;
	int	 failed;
};

static enum MHD_Result
access_url_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct access_url *u = cls;
	int n;

	(void)kind;
	n = snprintf(u->s + u->len, sizeof(u->s) - u->len, "%c%s%s%s",
	    strchr(u->s, '?') != NULL ? '&' : '?', key,
	    value != NULL ? "=" : "", value != NULL ? value : "");
	if (n < 0 || (size_t)n >= sizeof(u->s) - u->len) {
		u->failed = 1;
		return MHD_NO;
	}
	u->len += (size_t)n;
	return MHD_YES;
}

/* The current request's signed URL: ACCESS_SIGNED, or why not. */
static enum access_verdict
access_verify_signed(struct MHD_Connection *conn, const char *url)
{
	struct access_url u = { .len = 0, .failed = 0 };
	char addr[64];
	const char *exp, *sig, *ip;

	if (acur.token[0] == '\0' || str_copy(u.s, url, sizeof(u.s)) >=
	    sizeof(u.s))
		return ACCESS_SIGNED_BAD;
	u.len = strlen(u.s);
	(void)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND,
	    access_url_arg, &u);
	if (u.failed)
		return ACCESS_SIGNED_BAD;
	exp = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    SIGNED_ARG_EXP);
	sig = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    SIGNED_ARG_SIG);
	ip = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    SIGNED_ARG_IP);
	http_peer_addr(conn, addr, sizeof(addr));
	switch (signed_url_check(acc.signing_key, u.s, exp, sig, ip, addr,
	    (long long)(wall_ms() / 1000))) {
	case SIGNED_OK:
		return ACCESS_SIGNED;
	case SIGNED_EXPIRED:
		return ACCESS_SIGNED_EXPIRED;
	case SIGNED_BAD:
		break;
	}
	return ACCESS_SIGNED_BAD;
}

/* Who the current request is; *ALLOWED whether SUBJECT (NULL: none) is
 * the user's to watch (URL: the request's path, for a signed one). */
static enum access_verdict
access_verify(struct worker *w, const char *url, const char *subject,
    int *allowed)
{
	char admin[STATE_TOKEN_MAX];
	uint8_t d[DIGEST_SHA256_BYTES];
	const struct user_conf *u;
	enum access_verdict v = ACCESS_WRONG;

	*allowed = 0;
	if (acur.form == CRED_NONE)
		return ACCESS_NONE;
	if (acur.form == CRED_SIGNED) {
		/* a signature opens the players of its path, nothing else */
		if ((v = access_verify_signed(acur.conn, url)) ==
		    ACCESS_SIGNED)
			*allowed = subject != NULL;
		return v;
	}
	state_get_admin_token(w->st, admin, sizeof(admin));
	if (admin[0] != '\0' && acur.token[0] != '\0' &&
	    str_equal_ct(acur.token, admin)) {
		acur.admin = *allowed = 1;
		return ACCESS_ADMIN;
	}
	if (acur.token[0] == '\0' ||
	    digest_sha256(acur.token, strlen(acur.token), d) == -1)
		return ACCESS_WRONG;
	pthread_rwlock_rdlock(&acc.lock);
	if ((u = access_find(d)) != NULL && (acur.form != CRED_BASIC ||
	    strcmp(u->name, acur.basic_user) == 0)) {
		v = ACCESS_USER;
		str_copy(acur.user, u->name, sizeof(acur.user));
		acur.max_connections = u->max_connections;
		*allowed = subject == NULL || config_user_allows(u, subject);
	}
	pthread_rwlock_unlock(&acc.lock);
	return v;
}

/* What stream NAME is to the globs: its name, or for a content-id
 * stream CONFIG_ACE_SUBJECT and its key without options. */
static const char *
access_stream_subject(struct worker *w, const char *name, char *out,
    size_t outsz)
{
	struct slot_cfg cfg;
	struct ace_key k;
	int slot = state_find(w->st, name);

	if (slot != -1 && state_slot_read(w->st, slot, &cfg) == 0 &&
	    (cfg.origin == STREAM_ORIGIN_ACE ||
	    cfg.origin == STREAM_ORIGIN_PARENT_ACE) &&
	    ace_key_parse(name, &k) == 0) {
		snprintf(out, outsz, "%s%s", CONFIG_ACE_SUBJECT, k.base);
		return out;
	}
	str_copy(out, name, outsz);
	return out;
}

/* The value of argument NAME in QUERY ("a=1&b=2", not decoded) into
 * OUT: OUT, or NULL when it is not there (or too long). */
static const char *
access_query_arg(const char *query, const char *name, char *out,
    size_t outsz)
{
	size_t nl = strlen(name), vl;
	const char *p;

	for (p = query; p != NULL && *p != '\0'; p = strchr(p, '&') ?
	    strchr(p, '&') + 1 : NULL)
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			vl = strcspn(p + nl + 1, "&");
			if (vl >= outsz)
				return NULL;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return out;
		}
	return NULL;
}

/* The subject of an /ace/ request: its input's key, without options
 * ("ace:" alone when it has no valid input: only "ace:" globs pass).
 * The input is the request's arguments (CONN), or QUERY when CONN is
 * NULL (a URL of a playlist). */
static const char *
access_ace_subject(struct MHD_Connection *conn, const char *query,
    const char *url, char *out, size_t outsz)
{
	char key[CONFIG_NAME_MAX + 1], tmp[CONFIG_NAME_MAX + 1];
	char val[ACE_URL_MAX + 1];
	struct ace_request rq;
	struct ace_key k;
	const char *v, *p;
	size_t i;

	key[0] = '\0';
	if (strncmp(url, "/ace/stat/", 10) == 0 ||
	    strncmp(url, "/ace/cmd/", 9) == 0) {
		p = strchr(url + 5, '/') + 1;
		i = strcspn(p, "/");
		if (i < sizeof(tmp)) {
			memcpy(tmp, p, i);
			tmp[i] = '\0';
			if (ace_key_parse(tmp, &k) == 0)
				str_copy(key, k.base, sizeof(key));
		}
	} else {
		memset(&rq, 0, sizeof(rq));
		for (i = 0; i < sizeof(ace_input_names) /
		    sizeof(ace_input_names[0]) && rq.param == NULL; i++)
			if ((v = conn != NULL ? MHD_lookup_connection_value(
			    conn, MHD_GET_ARGUMENT_KIND, ace_input_names[i]) :
			    access_query_arg(query, ace_input_names[i], val,
			    sizeof(val))) != NULL) {
				rq.param = ace_input_names[i];
				rq.value = v;
			}
		if (ace_request_problem(&rq) == NULL &&
		    ace_request_key(&rq, key, sizeof(key)) == -1)
			key[0] = '\0';
	}
	snprintf(out, outsz, "%s%s", CONFIG_ACE_SUBJECT, key);
	return out;
}

/* What URL plays, for the globs, or NULL (a list, a document). */
static const char *
access_subject(struct worker *w, struct MHD_Connection *conn,
    const char *url, char *out, size_t outsz)
{
	char name[CONFIG_NAME_MAX + 1];
	const char *p, *file;
	size_t n;

	if (strncmp(url, "/stream/", 8) == 0 ||
	    strncmp(url, HDHR_STREAM_PATH, strlen(HDHR_STREAM_PATH)) == 0) {
		p = strchr(url + 1, '/') + 1;
		n = strlen(p);
		if (url[1] == 's' && n > 3 && strcmp(p + n - 3, ".ts") == 0)
			n -= 3;
		if (n == 0 || n >= sizeof(name))
			return NULL;
		memcpy(name, p, n);
		name[n] = '\0';
		return config_name_valid(name) ?
		    access_stream_subject(w, name, out, outsz) : NULL;
	}
	if (strncmp(url, HLS_PATH_PREFIX, strlen(HLS_PATH_PREFIX)) == 0)
		return hls_path_split(url, name, sizeof(name), &file) == 0 ?
		    access_stream_subject(w, name, out, outsz) : NULL;
	if (strncmp(url, "/ace/", 5) == 0)
		return access_ace_subject(conn, NULL, url, out, outsz);
	if (strcmp(url, "/history") == 0 && (p = MHD_lookup_connection_value(
	    conn, MHD_GET_ARGUMENT_KIND, "stream")) != NULL &&
	    config_name_valid(p))
		return access_stream_subject(w, p, out, outsz);
	return NULL;
}

/* Whether the connection came in on a listen address marked internal:
 * its daemon's listening socket is one of those (whatever the order of
 * the worker's daemons). */
static int
access_internal(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const union MHD_DaemonInfo *di;
	int i;

	if (acc.n_internal == 0 || (ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_DAEMON)) == NULL || (di = MHD_get_daemon_info(
	    ci->daemon, MHD_DAEMON_INFO_LISTEN_FD)) == NULL)
		return 0;
	for (i = 0; i < acc.n_internal; i++)
		if (di->listen_fd == acc.internal_fd[i])
			return 1;
	return 0;
}

/* Log a refusal, at most once every ACCESS_LOG_EVERY_MS. */
static void
access_log_refusal(struct MHD_Connection *conn, const char *url,
    unsigned status, const char *why)
{
	uint64_t now = now_ms(), last = atomic_load(&acc.refused_log_ms);
	char addr[64];
	uint32_t quiet;

	if (now - last < ACCESS_LOG_EVERY_MS ||
	    !atomic_compare_exchange_strong(&acc.refused_log_ms, &last, now)) {
		atomic_fetch_add(&acc.refused_quiet, 1);
		return;
	}
	quiet = atomic_exchange(&acc.refused_quiet, 0);
	http_peer_addr(conn, addr, sizeof(addr));
	log_warnx("refused %s from %s: %u, %s (and %u more since the last "
	    "such line)", url, addr, status, why, quiet);
}

/* Refuse the request with STATUS and WHY, counted as REASON. */
static enum MHD_Result
access_refuse(struct worker *w, struct MHD_Connection *conn, const char *url,
    unsigned status, enum state_refusal reason, const char *why)
{
	atomic_fetch_add_explicit(&w->st->access_refused[reason], 1,
	    memory_order_relaxed);
	access_log_refusal(conn, url, status, why);
	if (status == MHD_HTTP_UNAUTHORIZED)
		return http_error_hdr(conn, status, why, "WWW-Authenticate",
		    ACCESS_REALM);
	if (status == MHD_HTTP_TOO_MANY_REQUESTS)
		return http_error_hdr(conn, status, why, "Retry-After",
		    HTTP_OVER_LIMIT_RETRY_S);
	return http_error(conn, status, why);
}

/* An internal route (/metrics, /healthz): 0, or -1 and *RET refused. */
static int
access_check_internal(struct worker *w, struct MHD_Connection *conn,
    const char *url, enum access_verdict v, enum MHD_Result *ret)
{
	if (v == ACCESS_ADMIN || access_internal(conn))
		return 0;
	*ret = access_refuse(w, conn, url, v == ACCESS_USER ?
	    MHD_HTTP_FORBIDDEN : MHD_HTTP_UNAUTHORIZED,
	    v == ACCESS_USER ? STATE_REFUSED_NOT_ALLOWED :
	    v == ACCESS_NONE ? STATE_REFUSED_NO_CREDENTIAL :
	    STATE_REFUSED_BAD_TOKEN,
	    "only the admin token or an internal address may ask this");
	return -1;
}

/* Refuse what verdict V (not allowed) means: *RET. */
static enum MHD_Result
access_refuse_verdict(struct worker *w, struct MHD_Connection *conn,
    const char *url, enum access_verdict v)
{
	switch (v) {
	case ACCESS_NONE:
		return access_refuse(w, conn, url, MHD_HTTP_UNAUTHORIZED,
		    STATE_REFUSED_NO_CREDENTIAL,
		    "a token is needed: ?token=, /u/TOKEN/, Basic or Bearer");
	case ACCESS_WRONG:
		return access_refuse(w, conn, url, MHD_HTTP_UNAUTHORIZED,
		    STATE_REFUSED_BAD_TOKEN, "unknown token");
	case ACCESS_SIGNED_BAD:
		return access_refuse(w, conn, url, MHD_HTTP_FORBIDDEN,
		    STATE_REFUSED_BAD_SIGNATURE, "bad signature");
	case ACCESS_SIGNED_EXPIRED:
		return access_refuse(w, conn, url, MHD_HTTP_FORBIDDEN,
		    STATE_REFUSED_EXPIRED, "the signed URL has expired");
	case ACCESS_SIGNED:
		return access_refuse(w, conn, url, MHD_HTTP_FORBIDDEN,
		    STATE_REFUSED_NOT_ALLOWED,
		    "a signed URL opens a stream, nothing else");
	case ACCESS_USER:
	case ACCESS_ADMIN:
		break;
	}
	return access_refuse(w, conn, url, MHD_HTTP_FORBIDDEN,
	    STATE_REFUSED_NOT_ALLOWED, "this user may not watch this");
}

int
access_check(struct worker *w, struct MHD_Connection *conn, const char *url,
    int flags, enum MHD_Result *ret)
{
	char buf[CONFIG_NAME_MAX + 16];
	const char *subject = NULL;
	enum access_verdict v;
	int allowed;

	if (acc.mode != ACCESS_USERS || (flags & HTTP_ROUTE_OPEN))
		return 0;
	if (!(flags & HTTP_ROUTE_INTERNAL))
		subject = access_subject(w, conn, url, buf, sizeof(buf));
	v = access_verify(w, url, subject, &allowed);
	if (flags & HTTP_ROUTE_INTERNAL)
		return access_check_internal(w, conn, url, v, ret);
	if (v == ACCESS_ADMIN)
		return 0;
	if (v == ACCESS_USER)
		http_request_user_set(conn, acur.user, acur.max_connections);
	if (!allowed || (v != ACCESS_USER && v != ACCESS_SIGNED)) {
		*ret = access_refuse_verdict(w, conn, url, v);
		return -1;
	}
	if (v == ACCESS_USER && access_limit_admit(w, conn, url, acur.user,
	    acur.max_connections, acc.close_oldest) == -1) {
		*ret = access_refuse(w, conn, url, MHD_HTTP_TOO_MANY_REQUESTS,
		    STATE_REFUSED_OVER_LIMIT, HTTP_OVER_LIMIT_MSG);
		return -1;
	}
	return 0;
}



enum cred_form
access_form(struct MHD_Connection *conn, const char **token)
{
	*token = NULL;
	if (acc.mode != ACCESS_USERS || acur.conn != conn)
		return CRED_NONE;
	if (acur.form != CRED_NONE)
		*token = acur.token;
	return acur.form;
}

/* The user the current request was let in as (under acc.lock), or
 * NULL. */
static const struct user_conf *
access_current_user(void)
{
	int i;

	for (i = 0; i < acc.n_cfg; i++)
		if (strcmp(acc.cfg_users[i].name, acur.user) == 0)
			return &acc.cfg_users[i];
	for (i = 0; i < acc.n_file; i++)
		if (strcmp(acc.file_users[i].name, acur.user) == 0)
			return &acc.file_users[i];
	return NULL;
}

int
access_may_play(void *arg, const char *path)
{
	struct access_play *ap = arg;
	char buf[CONFIG_NAME_MAX + 16], name[CONFIG_NAME_MAX + 1];
	const struct user_conf *u;
	const char *subject = NULL, *q;
	size_t n;
	int ok;

	if (access_admin(ap->conn))
		return 1;
	if (acur.conn != ap->conn || acur.user[0] == '\0')
		return 0;
	q = strchr(path, '?');
	n = q != NULL ? (size_t)(q - path) : strlen(path);
	if (strncmp(path, "/ace/", 5) == 0)
		subject = access_ace_subject(NULL, q != NULL ? q + 1 : "",
		    path, buf, sizeof(buf));
	else if (strncmp(path, "/stream/", 8) == 0 && n - 8 < sizeof(name)) {
		memcpy(name, path + 8, n - 8);
		name[n - 8] = '\0';
		if (n - 8 > 3 && strcmp(name + n - 8 - 3, ".ts") == 0)
			name[n - 8 - 3] = '\0';
		if (config_name_valid(name))
			subject = access_stream_subject(ap->w, name, buf,
			    sizeof(buf));
	}
	if (subject == NULL)
		return 1;	/* not a stream: a guide, a page */
	pthread_rwlock_rdlock(&acc.lock);
	ok = (u = access_current_user()) != NULL &&
	    config_user_allows(u, subject);
	pthread_rwlock_unlock(&acc.lock);
	return ok;
}

int
access_admin(struct MHD_Connection *conn)
{
	return acc.mode != ACCESS_USERS || (acur.conn == conn && acur.admin);
}

int
access_may_see(void *conn, const char *name, int origin)
{
	char subject[CONFIG_NAME_MAX + 16];
	const struct user_conf *u;
	struct ace_key k;
	int ok;

	if (access_admin(conn))
		return 1;
	if (acur.conn != conn || acur.user[0] == '\0')
		return 0;
	if ((origin == STREAM_ORIGIN_ACE || origin == STREAM_ORIGIN_PARENT_ACE)
	    && ace_key_parse(name, &k) == 0)
		snprintf(subject, sizeof(subject), "%s%s", CONFIG_ACE_SUBJECT,
		    k.base);
	else
		str_copy(subject, name, sizeof(subject));
	pthread_rwlock_rdlock(&acc.lock);
	ok = (u = access_current_user()) != NULL &&
	    config_user_allows(u, subject);
	pthread_rwlock_unlock(&acc.lock);
	return ok;
}
