/*
 * config_tls.h - the HTTPS keys of ringcast.conf: listen_tls, tls_cert,
 * tls_key (internal to the config_* modules; config_tls_differ is in
 * config.h).
 */
#ifndef RINGCAST_CONFIG_TLS_H
#define RINGCAST_CONFIG_TLS_H

#include <libconfig.h>

#include "config.h"
#include "config_err.h"

/* With listen_tls: no address in listen too, tls_cert and tls_key set,
 * readable, PEM, the key the certificate's; their bytes stored in CFG
 * (tls_cert_pem, tls_key_pem).  Problems recorded at the keys' lines. */
void	 config_check_tls(struct config_ctx *, struct config *cfg,
	    const config_setting_t *root);
/* Free (the key zeroed first) what config_check_tls stored. */
void	 config_tls_free(struct config *);

#endif
