/*
 * sup_reload.c - transactional reload of the configuration (see
 * sup_private.h).
 *
 * As in nginx: the new file is parsed and validated in full before
 * anything changes, and a file with any error leaves the running
 * configuration as it was (a config_rejected event says why).  Then the
 * streams are diffed and only added, removed and changed ones are
 * touched; new listening addresses (or new rules of who may watch, which
 * the workers take at their start) get a new worker generation while the
 * old one retires after its clients; the daemon-wide settings, the
 * workers, the webhook, the origins and their helpers follow the new
 * file.  It calls the stream, processes and events files of the
 * supervisor; the loop (SIGHUP), the control socket and the admin API
 * call it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "hdhr.h"
#include "log.h"
#include "sup_private.h"
#include "util.h"

/*
 * The HDHomeRun tuner's settings.  Its DeviceID is device_id, or made
 * from the friendly name and the first listen address (FNV-1a), so it
 * stays the same across restarts and media servers keep their channel
 * mapping.
 */
static void
sup_apply_hdhr(struct supervisor *sv)
{
	const struct config *cfg = sv->cfg;
	struct state_hdhr h;
	uint32_t seed = 2166136261u;
	const char *parts[2], *p;
	int i;

	memset(&h, 0, sizeof(h));
	h.enabled = (uint32_t)cfg->hdhr.enabled;
	h.tuner_count = (uint32_t)cfg->hdhr.tuner_count;
	str_copy(h.friendly_name, cfg->hdhr.friendly_name,
	    sizeof(h.friendly_name));
	str_copy(h.public_url, cfg->public_url, sizeof(h.public_url));
	parts[0] = h.friendly_name;
	parts[1] = cfg->n_listen > 0 ? cfg->listen[0] : "";
	for (i = 0; i < 2; i++)
		for (p = parts[i]; ; p++) {
			seed = (seed ^ (uint8_t)*p) * 16777619u;
			if (*p == '\0')
				break;
		}
	/* device_id was checked with the file (config_check_hdhr) */
	if (cfg->hdhr.device_id == NULL || hdhr_device_id_parse(
	    cfg->hdhr.device_id, &h.device_id) == -1)
		h.device_id = hdhr_device_id_make(seed);
	state_set_hdhr(sv->st, &h);
}

void
sup_apply_daemon_settings(struct supervisor *sv)
{
	sup_apply_hdhr(sv);
	state_set_admin_token(sv->st, sv->cfg->admin_token);
	atomic_store(&sv->st->ui_enabled, (uint32_t)sv->cfg->ui);
	atomic_store(&sv->st->history_interval_ms,
	    (uint32_t)(sv->cfg->history_interval * 1000.0 + 0.5));
	if (sv->events.hdr != NULL) {
		evring_set_settings(&sv->events, sv->cfg->events_token,
		    (uint32_t)(sv->cfg->events_heartbeat * 1000.0));
		if ((uint32_t)sv->cfg->events_backlog != sv->events.hdr->slots)
			log_warnx("events_backlog = %d takes effect at the next"
			    " start (now %u)", sv->cfg->events_backlog,
			    sv->events.hdr->slots);
	}
	state_set_cors_origins(sv->st, sv->cfg->cors_origins,
	    sv->cfg->n_cors_origins);
	sv->st->max_clients = (uint32_t)sv->cfg->max_clients;
	sv->st->max_clients_per_ip = (uint32_t)sv->cfg->max_clients_per_ip;
	sv->workers_wanted = sv->cfg->workers;
	if (!sv->debug)
		log_set_level(sv->cfg->log_level);
}

/* Address I of CFG's sockets: listen, then listen_tls. */
static const char *
sup_listen_addr(const struct config *cfg, int i)
{
	return i < cfg->n_listen ? cfg->listen[i] :
	    cfg->listen_tls[i - cfg->n_listen];
}

/* A new worker generation: the running workers retire after their
 * clients; sup_adjust_workers starts new ones, with the config then
 * installed, on the supervisor's sockets. */
static void
sup_new_generation(struct supervisor *sv)
{
	int i;

	for (i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sv->procs.procs[i];

		if (p->role == ROLE_WORKER && !p->exiting)
			sup_retire_worker(p);
	}
}

/* A socket for ADDR: a copy of the one it already has (binding it again
 * would fail), else a new one; -1 when it cannot be had. */
static int
sup_listen_socket(struct supervisor *sv, const char *addr)
{
	const struct config *old = sv->cfg;
	int i;

	for (i = 0; i < sv->n_listen; i++)
		if (strcmp(sup_listen_addr(old, i), addr) == 0)
			return fcntl(sv->listen_fds[i], F_DUPFD_CLOEXEC, 0);
	return listen_open(addr, SUP_LISTEN_BACKLOG);
}

/* Open the new listening sockets (the addresses kept keep theirs), start
 * a worker generation on them and retire the old one.  -1 (nothing
 * changed) when one cannot be opened. */
static int
sup_relisten(struct supervisor *sv, const struct config *cfg)
{
	int fds[CONFIG_MAX_LISTEN_ALL], i, n;

	for (n = 0; n < cfg->n_listen + cfg->n_listen_tls; n++) {
		if ((fds[n] = sup_listen_socket(sv, sup_listen_addr(cfg, n)))
		    == -1) {
			log_warn("reload: cannot listen on %s; keeping the"
			    " current addresses", sup_listen_addr(cfg, n));
			while (n-- > 0)
				close(fds[n]);
			return -1;
		}
	}
	sup_new_generation(sv);
	for (i = 0; i < sv->n_listen; i++)
		close(sv->listen_fds[i]);	/* the retiring keep theirs */
	sv->procs.n_keep = 0;
	for (i = 0; i < n; i++) {
		sv->listen_fds[i] = fds[i];
		sv->procs.keep_fds[sv->procs.n_keep++] = fds[i];
	}
	sv->n_listen = n;
	sv->n_listen_tls = cfg->n_listen_tls;
	log_info("reload: now listening on %d address(es)", n);
	return 0;
}

static int
sup_listen_changed(const struct config *a, const struct config *b)
{
	int i;

	if (a->n_listen != b->n_listen || a->n_listen_tls != b->n_listen_tls)
		return 1;
	for (i = 0; i < a->n_listen + a->n_listen_tls; i++)
		if (strcmp(sup_listen_addr(a, i), sup_listen_addr(b, i)) != 0)
			return 1;
	return 0;
}

/* The new file's addresses could not all be bound: it keeps saying what
 * we listen on (OLD's lists copied into CFG). */
static void
sup_keep_listen(const struct config *old, struct config *cfg)
{
	int i;

	for (i = 0; i < cfg->n_listen; i++)
		free(cfg->listen[i]);
	for (i = 0; i < cfg->n_listen_tls; i++)
		free(cfg->listen_tls[i]);
	for (i = 0; i < old->n_listen; i++)
		cfg->listen[i] = strdup(old->listen[i]);
	for (i = 0; i < old->n_listen_tls; i++)
		cfg->listen_tls[i] = strdup(old->listen_tls[i]);
	cfg->n_listen = old->n_listen;
	cfg->n_listen_tls = old->n_listen_tls;
	if (cfg->n_listen_tls > 0 && cfg->tls_cert_pem == NULL) {
		/* the new file had no listen_tls: the kept ones keep their
		 * certificate */
		cfg->tls_cert_pem = strdup(old->tls_cert_pem);
		cfg->tls_key_pem = strdup(old->tls_key_pem);
		if (cfg->tls_cert_pem == NULL || cfg->tls_key_pem == NULL)
			log_warnx("reload: out of memory for the certificate");
	}
}

int
sup_tls_unsupported(const struct config *cfg, char *err, size_t errsz)
{
	if (cfg->n_listen_tls == 0 ||
	    MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES)
		return 0;
	snprintf(err, errsz, "%s: listen_tls: this libmicrohttpd was built"
	    " without TLS (GnuTLS); serve HTTPS through a proxy in front"
	    " (ringcastd(8), SECURITY)", cfg->path);
	return 1;
}

/* state_dir is read at start (the workers have it): a reload keeps it. */
static void
sup_keep_state_dir(const struct config *old, struct config *cfg)
{
	char *dir;

	if (strcmp(old->state_dir, cfg->state_dir) == 0 ||
	    (dir = strdup(old->state_dir)) == NULL)
		return;
	log_warnx("state_dir changes at the next start, not on reload");
	free(cfg->state_dir);
	cfg->state_dir = dir;
}

int
supervisor_reload(struct supervisor *sv, char *err, size_t errsz)
{
	static char names[3][CONFIG_MAX_STREAMS][CONFIG_NAME_MAX + 1];
	int n[3] = { 0, 0, 0 };
	struct config *old = sv->cfg, *cfg;
	char errs[8192];
	int i, relisten;

	if (config_load(sv->config_path, &cfg, errs, sizeof(errs)) == -1 ||
	    sup_tls_unsupported(cfg, errs, sizeof(errs))) {
		size_t len = strlen(errs);

		while (len > 0 && errs[len - 1] == '\n')
			errs[--len] = '\0';
		log_warnx("reload rejected, keeping the running configuration:"
		    " %s", errs);
		sup_event_rejected(sv, errs);
		snprintf(err, errsz, "%s", errs);
		return -1;
	}
	relisten = sup_listen_changed(old, cfg) && sup_relisten(sv, cfg) == 0;
	if (!relisten && sv->n_listen_tls > 0 && cfg->n_listen_tls > 0 &&
	    config_tls_differ(old, cfg)) {
		log_info("reload: new TLS certificate or key: new workers"
		    " serve it, the current ones retire after their clients");
		sup_new_generation(sv);
	}
	if (!relisten && config_access_differ(old, cfg)) {
		log_info("reload: who may watch changed: new workers apply it,"
		    " the current ones retire after their clients");
		sup_new_generation(sv);
	}
	/* removed and changed streams */
	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		struct sup_stream *ss = &sv->streams[i];
		const struct stream_conf *nsc;

		if (ss->conf == NULL || ss->dyn != NULL)
			continue;
		nsc = config_find_stream(cfg, ss->conf->name);
		if (nsc == NULL) {
			str_copy(names[1][n[1]++], ss->conf->name,
			    CONFIG_NAME_MAX + 1);
			state_slot_clear(sv->st, i);
			if (sup_stream_running(sv, i))
				sup_stream_end(sv, i, END_RELOAD);
			else if (ss->ring_gen)
				sup_stream_finish(sv, i, END_RELOAD);
			ss->conf = NULL;
			continue;
		}
		if (config_stream_changed(ss->conf, nsc)) {
			int was = sup_stream_running(sv, i);

			str_copy(names[2][n[2]++], nsc->name,
			    CONFIG_NAME_MAX + 1);
			sup_stream_set_conf(sv, i, nsc);
			ss->pending_start = was || !nsc->opts.on_demand;
			if (was)
				sup_stream_end(sv, i, END_RELOAD);
			else
				sup_drop_ring(sv, i);
			ss->ended = 0;
			if (!was && ss->pending_start) {
				ss->pending_start = 0;
				sup_stream_begin(sv, i);
			}
			continue;
		}
		sup_stream_set_conf(sv, i, nsc);
	}
	sup_dynamic_reload(sv, cfg);
	sup_keep_state_dir(old, cfg);
	sv->cfg = cfg;
	sup_origins_configure(sv);
	for (i = 0; i < cfg->n_streams; i++) {
		if (sup_slot_by_name(sv, cfg->streams[i].name) != -1)
			continue;
		str_copy(names[0][n[0]++], cfg->streams[i].name,
		    CONFIG_NAME_MAX + 1);
		sup_add_stream(sv, &cfg->streams[i]);
	}
	if (!relisten && sup_listen_changed(old, cfg))
		sup_keep_listen(old, cfg);	/* could not bind */
	sup_apply_daemon_settings(sv);
	sup_adjust_workers(sv);
	sup_webhook_apply(sv, old->events_webhook);
	sup_sources_apply(sv, old);
	sup_helpers_apply(sv);
	config_free(old);
	atomic_fetch_add(&sv->st->config_generation, 1);
	log_info("configuration reloaded: %d added, %d removed, %d changed",
	    n[0], n[1], n[2]);
	sup_event_reloaded(sv, names[0], n[0], names[1], n[1], names[2], n[2]);
	return 0;
}
