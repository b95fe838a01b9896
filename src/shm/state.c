/*
 * state.c - the daemon-wide shared-memory state segment (see state.h).
 *
 * Design: the supervisor is the only creator and unlinker of shared
 * memory; children attach.  Everything in here is either an atomic or sits
 * behind a seqlock whose writer is a single process, so no process can
 * ever wait on another: a crashed writer leaves an odd sequence that
 * readers give up on after a bounded number of retries and that the
 * supervisor repairs when it reaps the writer.  Wake-ups use a futex on a
 * shared counter, which never blocks the waker and costs one syscall.
 */
#include <sys/syscall.h>

#include <linux/futex.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seqlock.h"
#include "shm.h"
#include "state.h"
#include "util.h"

void
state_shm_name(char *out, size_t outsz, pid_t supervisor)
{
	shm_name(out, outsz, supervisor, "state");
}

void
ring_shm_name(char *out, size_t outsz, pid_t supervisor, int slot,
    uint64_t gen)
{
	shm_name(out, outsz, supervisor, "ring.%d.%llu", slot,
	    (unsigned long long)gen);
}

struct state *
state_create(const char *shm_name)
{
	struct state *st;

	if ((st = shm_create(shm_name, sizeof(*st), sizeof(*st))) == NULL)
		return NULL;
	/* ftruncate zero-filled it: every atomic starts at 0. */
	st->magic = STATE_MAGIC;
	st->version = STATE_VERSION;
	st->supervisor_pid = (int32_t)getpid();
	atomic_store(&st->started_wall_ms, wall_ms());
	return st;
}

struct state *
state_attach(const char *shm_name)
{
	struct state *st;
	size_t size;

	if ((st = shm_attach(shm_name, 1, sizeof(*st), &size, NULL)) == NULL)
		return NULL;
	if (size != sizeof(*st) || st->magic != STATE_MAGIC ||
	    st->version != STATE_VERSION) {
		shm_detach(st, size);
		errno = EPROTO;
		return NULL;
	}
	return st;
}

void
state_detach(struct state *st)
{
	shm_detach(st, sizeof(*st));
}

int
state_unlink(const char *shm_name)
{
	return shm_remove(shm_name);
}

void
state_slot_configure(struct state *st, int slot, const struct stream_conf *sc)
{
	struct stream_slot *s = &st->streams[slot];

	seqlock_write_begin(&s->cfg_seq);
	s->in_use = 1;
	str_copy(s->name, sc->name, sizeof(s->name));
	str_copy(s->title, sc->title ? sc->title : sc->name, sizeof(s->title));
	str_copy(s->group, sc->group ? sc->group : "", sizeof(s->group));
	str_copy(s->number, sc->number ? sc->number : "", sizeof(s->number));
	s->type = sc->type;
	s->origin = (uint32_t)sc->origin;
	s->on_demand = (uint32_t)sc->opts.on_demand;
	s->max_clients = (uint32_t)sc->opts.max_clients;
	s->buffer_ready_timeout_ms =
	    (uint32_t)(sc->opts.hls.buffer_ready_timeout * 1000.0);
	s->ring_size = (uint64_t)sc->opts.ring_size;
	s->hls_window_size = (uint32_t)sc->opts.hls.window_size;
	s->hls_initial_segments = (uint32_t)sc->opts.hls.initial_segments;
	s->hls_max_segments = (uint32_t)sc->opts.hls.max_segments;
	s->hls_first_segment_timeout_ms =
	    (uint32_t)(sc->opts.hls.first_segment_timeout * 1000.0);
	s->hls_client_timeout_permille =
	    (uint32_t)(sc->opts.hls.client_timeout_factor * 1000.0);
	seqlock_write_end(&s->cfg_seq);
}

void
state_slot_clear(struct state *st, int slot)
{
	struct stream_slot *s = &st->streams[slot];

	seqlock_write_begin(&s->cfg_seq);
	s->in_use = 0;
	s->name[0] = '\0';
	seqlock_write_end(&s->cfg_seq);
	atomic_store(&s->ring_gen, 0);
	atomic_store(&s->fetcher_pid, 0);
	atomic_store(&s->state, STREAM_STOPPED);
	atomic_store(&s->healthy, 0);
	atomic_store(&s->want_start, 0);
	atomic_store(&s->removed, 0);
	atomic_store(&s->bytes_in, 0);
	atomic_store(&s->bytes_out, 0);
	atomic_store(&s->reconnects, 0);
	atomic_store(&s->failovers, 0);
	atomic_store(&s->skipped_clients, 0);
	atomic_store(&s->clients_served, 0);
	atomic_store(&s->fetcher_restarts, 0);
	atomic_store(&s->hls_active_ms, 0);
	atomic_store(&s->hls_target_ms, 0);
	atomic_store(&s->ended, 0);
	atomic_store(&s->encrypted, 0);
	atomic_store(&s->hls_clients, 0);
	atomic_store(&s->segments_fetched, 0);
	atomic_store(&s->segments_failed, 0);
	state_slot_set_info(st, slot, "", "");
}

int
state_slot_read(const struct state *st, int slot, struct slot_cfg *out)
{
	const struct stream_slot *s = &st->streams[slot];
	struct seqlock_reader rd = SEQLOCK_READER(&s->cfg_seq);

	while (seqlock_read_next(&rd)) {
		out->in_use = (int)s->in_use;
		memcpy(out->name, s->name, sizeof(out->name));
		memcpy(out->title, s->title, sizeof(out->title));
		memcpy(out->group, s->group, sizeof(out->group));
		memcpy(out->number, s->number, sizeof(out->number));
		out->type = (enum stream_type)s->type;
		out->origin = (enum stream_origin)s->origin;
		out->on_demand = (int)s->on_demand;
		out->max_clients = s->max_clients;
		out->buffer_ready_timeout_ms = s->buffer_ready_timeout_ms;
		out->hls_window_size = s->hls_window_size;
		out->hls_initial_segments = s->hls_initial_segments;
		out->hls_max_segments = s->hls_max_segments;
		out->hls_first_segment_timeout_ms =
		    s->hls_first_segment_timeout_ms;
		out->hls_client_timeout_permille =
		    s->hls_client_timeout_permille;
	}
	if (!rd.ok)
		return -1;
	out->name[sizeof(out->name) - 1] = '\0';
	out->title[sizeof(out->title) - 1] = '\0';
	out->group[sizeof(out->group) - 1] = '\0';
	out->number[sizeof(out->number) - 1] = '\0';
	return 0;
}

int
state_find(const struct state *st, const char *name)
{
	struct slot_cfg cfg;
	int i;

	for (i = 0; i < STATE_MAX_STREAMS; i++) {
		if (!st->streams[i].in_use)
			continue;
		if (state_slot_read(st, i, &cfg) == 0 && cfg.in_use &&
		    strcmp(cfg.name, name) == 0)
			return i;
	}
	return -1;
}

uint64_t
state_cfg_fingerprint(const struct state *st)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < STATE_MAX_STREAMS; i++)
		sum += atomic_load_explicit(&st->streams[i].cfg_seq,
		    memory_order_acquire);
	return sum;
}

void
state_slot_set_info(struct state *st, int slot, const char *url,
    const char *error)
{
	struct stream_slot *s = &st->streams[slot];

	seqlock_write_begin(&s->info_seq);
	if (url != NULL)
		str_copy(s->url, url, sizeof(s->url));
	if (error != NULL)
		str_copy(s->last_error, error, sizeof(s->last_error));
	seqlock_write_end(&s->info_seq);
}

void
state_slot_get_info(const struct state *st, int slot, char *url,
    size_t urlsz, char *err, size_t errsz)
{
	const struct stream_slot *s = &st->streams[slot];
	struct seqlock_reader rd = SEQLOCK_READER(&s->info_seq);

	while (seqlock_read_next(&rd)) {
		snprintf(url, urlsz, "%.*s", (int)sizeof(s->url) - 1, s->url);
		snprintf(err, errsz, "%.*s", (int)sizeof(s->last_error) - 1,
		    s->last_error);
	}
	if (!rd.ok) {
		str_copy(url, "", urlsz);
		str_copy(err, "", errsz);
	}
}

void
state_set_admin_token(struct state *st, const char *token)
{
	seqlock_write_begin(&st->admin_seq);
	str_copy(st->admin_token, token ? token : "", sizeof(st->admin_token));
	seqlock_write_end(&st->admin_seq);
}

void
state_get_admin_token(const struct state *st, char *out, size_t outsz)
{
	/* cannot read it: "", the admin API is off */
	seqlock_read_str(&st->admin_seq, out, outsz, st->admin_token,
	    sizeof(st->admin_token));
}

void
state_set_cors_origins(struct state *st, char *const *origins, int n)
{
	size_t used = 0, len;
	int i;

	seqlock_write_begin(&st->cors_seq);
	for (i = 0; i < n; i++) {
		len = strlen(origins[i]);
		if (used + len + 1 >= sizeof(st->cors_origins))
			break;		/* config_keys.c bounds keep us below */
		memcpy(st->cors_origins + used, origins[i], len);
		used += len;
		st->cors_origins[used++] = '\n';
	}
	if (used > 0)
		used--;			/* no "\n" after the last one */
	st->cors_origins[used] = '\0';
	seqlock_write_end(&st->cors_seq);
}

void
state_get_cors_origins(const struct state *st, char *out, size_t outsz)
{
	/* cannot read it: "", no CORS */
	seqlock_read_str(&st->cors_seq, out, outsz, st->cors_origins,
	    sizeof(st->cors_origins));
}

void
state_slot_repair(struct state *st, int slot)
{
	struct stream_slot *s = &st->streams[slot];
	uint32_t seq = atomic_load(&s->info_seq);

	if (seq & 1u)
		atomic_store(&s->info_seq, seq + 1);
}

uint32_t
state_stream_clients(const struct state *st, int slot)
{
	uint32_t n = 0;
	int w;

	for (w = 0; w < STATE_MAX_WORKERS; w++)
		n += atomic_load_explicit(
		    (_Atomic uint32_t *)&st->clients[w][slot],
		    memory_order_relaxed);
	return n + atomic_load_explicit(
	    (_Atomic uint32_t *)&st->streams[slot].hls_clients,
	    memory_order_relaxed);
}

uint32_t
state_stream_edges(const struct state *st, int slot)
{
	uint32_t n = 0;
	int w;

	for (w = 0; w < STATE_MAX_WORKERS; w++)
		n += atomic_load_explicit(
		    (_Atomic uint16_t *)&st->edges[w][slot],
		    memory_order_relaxed);
	return n;
}

uint32_t
state_total_clients(const struct state *st)
{
	uint32_t n = 0;
	int w, s;

	for (w = 0; w < STATE_MAX_WORKERS; w++)
		n += atomic_load_explicit(
		    (_Atomic uint32_t *)&st->workers[w].clients,
		    memory_order_relaxed);
	for (s = 0; s < STATE_MAX_STREAMS; s++)
		n += atomic_load_explicit(
		    (_Atomic uint32_t *)&st->streams[s].hls_clients,
		    memory_order_relaxed);
	return n;
}

void
state_set_hdhr(struct state *st, const struct state_hdhr *h)
{
	seqlock_write_begin(&st->hdhr.seq);
	st->hdhr.enabled = h->enabled;
	st->hdhr.tuner_count = h->tuner_count;
	st->hdhr.device_id = h->device_id;
	memcpy(st->hdhr.friendly_name, h->friendly_name,
	    sizeof(st->hdhr.friendly_name));
	memcpy(st->hdhr.public_url, h->public_url, sizeof(st->hdhr.public_url));
	st->hdhr.friendly_name[sizeof(st->hdhr.friendly_name) - 1] = '\0';
	st->hdhr.public_url[sizeof(st->hdhr.public_url) - 1] = '\0';
	seqlock_write_end(&st->hdhr.seq);
}

int
state_get_hdhr(const struct state *st, struct state_hdhr *out)
{
	struct seqlock_reader rd = SEQLOCK_READER(&st->hdhr.seq);

	while (seqlock_read_next(&rd)) {
		out->enabled = st->hdhr.enabled;
		out->tuner_count = st->hdhr.tuner_count;
		out->device_id = st->hdhr.device_id;
		memcpy(out->friendly_name, st->hdhr.friendly_name,
		    sizeof(out->friendly_name));
		memcpy(out->public_url, st->hdhr.public_url,
		    sizeof(out->public_url));
	}
	if (!rd.ok)
		return -1;
	out->friendly_name[sizeof(out->friendly_name) - 1] = '\0';
	out->public_url[sizeof(out->public_url) - 1] = '\0';
	return 0;
}

uint32_t
state_tuners_in_use(const struct state *st)
{
	uint32_t n = 0;
	int w;

	for (w = 0; w < STATE_MAX_WORKERS; w++)
		n += atomic_load((_Atomic uint32_t *)&st->tuners[w]);
	return n;
}

int
state_tuner_take(struct state *st, int w, uint32_t tuner_count)
{
	/* count ourselves first, then look: of two racing takers of the
	 * last tuner each sees the other, so at most tuner_count pass */
	atomic_fetch_add(&st->tuners[w], 1);
	if (state_tuners_in_use(st) <= tuner_count)
		return 0;
	atomic_fetch_sub(&st->tuners[w], 1);
	return -1;
}

void
state_tuner_release(struct state *st, int w)
{
	uint32_t n = atomic_load(&st->tuners[w]);

	/* never below 0 (a reset of the row may have come first) */
	while (n > 0 && !atomic_compare_exchange_weak(&st->tuners[w], &n,
	    n - 1))
		;
}

void
state_worker_reset(struct state *st, int worker)
{
	int s;

	for (s = 0; s < STATE_MAX_STREAMS; s++) {
		atomic_store(&st->clients[worker][s], 0);
		atomic_store(&st->edges[worker][s], 0);
	}
	atomic_store(&st->workers[worker].clients, 0);
	atomic_store(&st->tuners[worker], 0);
	atomic_store(&st->workers[worker].pid, 0);
	for (s = 0; s < STATE_IP_BUCKETS; s++)
		atomic_store(&st->ip_conns[worker][s], 0);
	client_table_reset(&st->client_tab, worker);
}

uint32_t
state_ip_bucket(const void *addr)
{
	const struct sockaddr *sa = addr;
	const uint8_t *p;
	size_t n;

	if (sa->sa_family == AF_INET6) {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)addr)->
		    sin6_addr;
		n = 16;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in *)addr)->
		    sin_addr;
		n = 4;
	}
	return fnv1a32(FNV1A32_BASIS, p, n) % STATE_IP_BUCKETS;
}

uint32_t
state_ip_conns(const struct state *st, uint32_t bucket)
{
	uint32_t n = 0;
	int w;

	for (w = 0; w < STATE_MAX_WORKERS; w++)
		n += atomic_load_explicit(
		    (_Atomic uint16_t *)&st->ip_conns[w][bucket],
		    memory_order_relaxed);
	return n;
}

static long
futex(_Atomic uint32_t *addr, int op, uint32_t val,
    const struct timespec *timeout)
{
	return syscall(SYS_futex, (uint32_t *)addr, op, val, timeout, NULL, 0);
}

/* ---- holds (struct state_hold) ---- */

/* LAST may be a little after NOW: another worker's clock read. */
static int
hold_live(uint64_t last, uint64_t now)
{
	return last != 0 && (last >= now || now - last < STATE_HOLD_TTL_MS);
}

/* The entry I of the probe sequence of ID (ids are random: their first
 * bytes are the hash). */
static struct state_hold *
hold_entry(struct state *st, const uint8_t *id, size_t i)
{
	uint32_t h;

	memcpy(&h, id, sizeof(h));
	return &st->holds[(h + i) % STATE_HOLDS];
}

/* 1 when E (whose last_ms was seen live) is hold ID of NAME. */
static int
hold_is(struct state_hold *e, const uint8_t *id, const char *name)
{
	struct seqlock_reader rd = SEQLOCK_READER(&e->seq);
	int same = 0;

	while (seqlock_read_next(&rd))
		same = memcmp(e->id, id, STATE_HOLD_ID_BYTES) == 0 &&
		    strncmp(e->name, name, sizeof(e->name)) == 0;
	return rd.ok && same;
}

/*
 * Along ID's probe sequence: with NAME, the live hold ID of NAME; with
 * NULL, the first free or lapsed entry.  The entry and the last_ms it
 * had, or NULL.
 */
static struct state_hold *
hold_probe(struct state *st, const uint8_t *id, const char *name,
    uint64_t now, uint64_t *last)
{
	struct state_hold *e;
	size_t i;

	for (i = 0; i < STATE_HOLD_PROBES; i++) {
		e = hold_entry(st, id, i);
		*last = atomic_load(&e->last_ms);
		if (name == NULL ? !hold_live(*last, now) :
		    hold_live(*last, now) && hold_is(e, id, name))
			return e;
	}
	return NULL;
}

int
state_hold_add(struct state *st, const uint8_t *id, const char *name,
    uint64_t now)
{
	struct state_hold *e;
	uint64_t last;

	/* a lost CAS means another claim made that entry live: probe on */
	while ((e = hold_probe(st, id, NULL, now, &last)) != NULL) {
		if (!atomic_compare_exchange_strong(&e->last_ms, &last, now))
			continue;
		seqlock_write_begin(&e->seq);
		memcpy(e->id, id, STATE_HOLD_ID_BYTES);
		str_copy(e->name, name, sizeof(e->name));
		seqlock_write_end(&e->seq);
		return 0;
	}
	return -1;
}

/* Find the live hold ID of NAME and set its last_ms to TO: 0, or -1. */
static int
hold_set(struct state *st, const uint8_t *id, const char *name,
    uint64_t now, uint64_t to)
{
	struct state_hold *e;
	uint64_t last;

	if ((e = hold_probe(st, id, name, now, &last)) == NULL)
		return -1;
	/* a renewal by another worker meanwhile: still this hold */
	while (!atomic_compare_exchange_weak(&e->last_ms, &last, to))
		if (!hold_live(last, now))
			return -1;	/* dropped, or lapsed and reclaimed */
	return 0;
}

int
state_hold_renew(struct state *st, const uint8_t *id, const char *name,
    uint64_t now)
{
	return hold_set(st, id, name, now, now);
}

int
state_hold_drop(struct state *st, const uint8_t *id, const char *name,
    uint64_t now)
{
	return hold_set(st, id, name, now, 0);
}

void
state_notify(struct state *st)
{
	atomic_fetch_add_explicit(&st->notify_seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&st->notify_waiters, memory_order_seq_cst))
		futex(&st->notify_seq, FUTEX_WAKE, INT_MAX, NULL);
}

uint32_t
state_notify_seq(const struct state *st)
{
	return atomic_load_explicit((_Atomic uint32_t *)&st->notify_seq,
	    memory_order_acquire);
}

void
state_wait(struct state *st, uint32_t seq, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000,
	    (long)(timeout_ms % 1000) * 1000000L };

	atomic_fetch_add_explicit(&st->notify_waiters, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&st->notify_seq, memory_order_seq_cst) == seq)
		futex(&st->notify_seq, FUTEX_WAIT, seq, &ts);
	atomic_fetch_sub_explicit(&st->notify_waiters, 1, memory_order_seq_cst);
}

const char *
stream_state_name(enum stream_state s)
{
	switch (s) {
	case STREAM_STOPPED:	return "stopped";
	case STREAM_STARTING:	return "starting";
	case STREAM_RUNNING:	return "running";
	case STREAM_RETRYING:	return "retrying";
	case STREAM_ENDED:	return "ended";
	}
	return "unknown";
}
