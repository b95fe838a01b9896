/*
 * origins.h - the table of dynamic-stream origins (origins.c), the one
 * place that names them; the supervisor finds an origin's hooks here.
 */
#ifndef RINGCAST_ORIGINS_H
#define RINGCAST_ORIGINS_H

#include "origin.h"

/* The ops of ORIGIN (enum stream_origin), or NULL: STREAM_ORIGIN_CONFIG,
 * out of range, or an origin that is not built in. */
const struct origin_ops *origin_get(unsigned origin);

#endif
