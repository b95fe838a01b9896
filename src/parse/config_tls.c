/*
 * config_tls.c - the HTTPS keys of ringcast.conf: listen_tls, tls_cert
 * and tls_key, checked as a whole once the file is walked.
 *
 * The PEM files are read here, when the configuration is loaded, and
 * what they held travels in the struct config: at start that happens
 * before ringcastd gives up root (so a key only root may read serves),
 * at a reload as the daemon's user, and a reload whose files cannot be
 * read or do not make a certificate and its key is rejected like any bad
 * file, the running certificate kept.  The workers never open the files;
 * they get the bytes with the config at fork (worker.c).  GnuTLS, which
 * libmicrohttpd serves TLS with, parses both files and says whether the
 * key is the certificate's, so `ringcastd -t` finds every mistake the
 * workers would meet.
 *
 * Calls: config_err (recording), GnuTLS, libconfig and libc.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_keys.h"
#include "config_tls.h"

/* Read PATH (a PEM file) into *OUT, NUL-terminated; -1 and WHY. */
static int
tls_read_file(const char *path, char **out, const char **why)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	*why = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_TLS_PEM_MAX) {
		*why = S_ISREG(st.st_mode) ? "larger than 1 MiB" :
		    "not a regular file";
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size &&
	    (n = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Setting NAME of ROOT when it is there, else FALLBACK (for the line). */
static const config_setting_t *
tls_setting(const config_setting_t *root, const char *name,
    const config_setting_t *fallback)
{
	const config_setting_t *s = config_setting_get_member(root, name);

	return s != NULL ? s : fallback;
}

/* Load file PATH of key NAME into *OUT; -1 when it failed (recorded). */
static int
tls_load(struct config_ctx *c, const config_setting_t *s, const char *name,
    const char *path, char **out)
{
	const char *why;

	if (tls_read_file(path, out, &why) == 0)
		return 0;
	cerror(c, s, "%s '%s': cannot read it: %s", name, path,
	    why != NULL ? why : strerror(errno));
	return -1;
}

/* The certificate chain parses, the key parses and is the first
 * certificate's.  -1 when not (recorded). */
static int
tls_check_pair(struct config_ctx *c, const config_setting_t *sc,
    const config_setting_t *sk, const struct config *cfg)
{
	gnutls_datum_t cd = { (unsigned char *)cfg->tls_cert_pem,
	    (unsigned int)strlen(cfg->tls_cert_pem) };
	gnutls_datum_t kd = { (unsigned char *)cfg->tls_key_pem,
	    (unsigned int)strlen(cfg->tls_key_pem) };
	gnutls_certificate_credentials_t cred;
	gnutls_x509_crt_t *crts;
	gnutls_x509_privkey_t key;
	unsigned int n, i;
	int rc;

	if ((rc = gnutls_x509_crt_list_import2(&crts, &n, &cd,
	    GNUTLS_X509_FMT_PEM, 0)) < 0) {
		cerror(c, sc, "tls_cert '%s' holds no PEM certificate: %s",
		    cfg->tls_cert, gnutls_strerror(rc));
		return -1;
	}
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (gnutls_x509_privkey_init(&key) < 0)
		return -1;
	rc = gnutls_x509_privkey_import2(key, &kd, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN);
	gnutls_x509_privkey_deinit(key);
	if (rc < 0) {
		cerror(c, sk, "tls_key '%s' holds no unencrypted PEM private"
		    " key: %s", cfg->tls_key, gnutls_strerror(rc));
		return -1;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -1;
	rc = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd,
	    GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		cerror(c, sk, "tls_key '%s' does not go with tls_cert '%s': %s",
		    cfg->tls_key, cfg->tls_cert, gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

/* No address in both listen and listen_tls. */
static void
tls_check_overlap(struct config_ctx *c, const struct config *cfg,
    const config_setting_t *lt)
{
	int i, j;

	for (i = 0; i < cfg->n_listen_tls; i++)
		for (j = 0; j < cfg->n_listen; j++)
			if (strcmp(cfg->listen_tls[i], cfg->listen[j]) == 0)
				cerror(c, config_setting_get_elem(lt,
				    (unsigned)i), "'%s' is in both listen and"
				    " listen_tls: an address serves plain"
				    " HTTP or HTTPS, not both",
				    cfg->listen_tls[i]);
}

void
config_check_tls(struct config_ctx *c, struct config *cfg,
    const config_setting_t *root)
{
	const config_setting_t *lt = config_setting_get_member(root,
	    "listen_tls"), *sc, *sk;

	if (cfg->n_listen_tls == 0)
		return;		/* tls_cert, tls_key: unused */
	tls_check_overlap(c, cfg, lt);
	sc = tls_setting(root, "tls_cert", lt);
	sk = tls_setting(root, "tls_key", lt);
	if (cfg->tls_cert[0] == '\0' || cfg->tls_key[0] == '\0') {
		cerror(c, lt, "listen_tls needs tls_cert and tls_key (the"
		    " PEM certificate chain and its private key)");
		return;
	}
	if (tls_load(c, sc, "tls_cert", cfg->tls_cert,
	    &cfg->tls_cert_pem) == -1 ||
	    tls_load(c, sk, "tls_key", cfg->tls_key, &cfg->tls_key_pem) == -1)
		return;
	(void)tls_check_pair(c, sc, sk, cfg);
}

int
config_tls_differ(const struct config *a, const struct config *b)
{
	return config_strings_differ(a->tls_cert_pem, b->tls_cert_pem) ||
	    config_strings_differ(a->tls_key_pem, b->tls_key_pem);
}

void
config_tls_free(struct config *cfg)
{
	free(cfg->tls_cert_pem);
	if (cfg->tls_key_pem != NULL) {
		explicit_bzero(cfg->tls_key_pem, strlen(cfg->tls_key_pem));
		free(cfg->tls_key_pem);
	}
	cfg->tls_cert_pem = cfg->tls_key_pem = NULL;
}
