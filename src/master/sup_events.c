/*
 * sup_events.c - the supervisor's events (see sup_private.h).
 *
 * Every event is a JSON object that the supervisor timestamps here and
 * fans out from one place: the control socket's subscribers, the webhook
 * process (never waiting for it) and the /events backlog in shared memory
 * (evring.c), whose readers the workers wake.  Children send theirs as
 * MSG_EVENT and come through supervisor_event() too, so an event has one
 * shape whoever raised it.  The builders of the supervisor's own events
 * (stream started and ended, process exited, configuration reloaded or
 * rejected) sit here beside it.  It hands every event to the streams'
 * history (sup_history.c: marks), and calls no other file of the
 * supervisor: it only reads the stream table.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "msg.h"
#include "origins.h"
#include "redact.h"
#include "sup_private.h"
#include "util.h"

/* Hand an event to the webhook process, if any (never blocks). */
static void
sup_webhook_forward(struct supervisor *sv, const char *obj, size_t len)
{
	struct proc *p = proc_find(&sv->procs, ROLE_WEBHOOK, 0);

	if (p == NULL || p->fd == -1 || p->pid <= 0)
		return;
	if (msg_send(p->fd, MSG_EVENT, obj, len) == -1)
		atomic_fetch_add(&sv->st->events_dropped, 1);
}

/* Append an event line (without its newline) to the /events backlog and
 * wake the workers that serve it (never blocks). */
static void
sup_events_publish(struct supervisor *sv, const char *line, size_t len)
{
	char name[EVRING_NAME_MAX];

	if (sv->events.hdr == NULL)
		return;
	evring_event_name(line, name, sizeof(name));
	if (evring_publish(&sv->events, name, line, len) == 0) {
		log_warnx("event %s (%zu bytes) too long for /events", name,
		    len);
		atomic_fetch_add(&sv->st->events_dropped, 1);
		return;
	}
	state_notify(sv->st);
}

void
supervisor_event(struct supervisor *sv, const char *obj)
{
	uint64_t start = metrics_start();
	char ts[UTIL_RFC3339_MAX], *hidden;
	struct buf line;
	int ok;
	size_t n = strlen(obj);

	if (n < 2 || obj[0] != '{' || obj[n - 1] != '}') {
		log_warnx("malformed event dropped");
		return;
	}
	/* no credential of an upstream URL leaves in an event: a redacted
	 * URL is at most 1.5 times as long as the URL */
	if ((hidden = malloc(2 * n + 64)) == NULL) {
		log_warnx("event dropped: out of memory");
		return;
	}
	redact_text(obj, hidden, 2 * n + 64);
	obj = hidden;
	n = strlen(obj);
	sup_history_event(sv, obj);
	format_rfc3339_ms(wall_ms(), ts);
	buf_init(&line);
	buf_puts(&line, "{\"time\":\"");
	buf_puts(&line, ts);
	buf_puts(&line, "\"");
	if (n > 2)
		buf_puts(&line, ",");
	buf_append(&line, obj + 1, n - 1);
	buf_puts(&line, "\n");
	if (!line.failed) {
		log_debug("event %.*s", (int)line.len - 1, line.data);
		control_broadcast(&sv->ctl, line.data, line.len);
		sup_webhook_forward(sv, line.data, line.len - 1);
		line.data[line.len - 1] = '\0';
		sup_events_publish(sv, line.data, line.len - 1);
	}
	ok = !line.failed;
	buf_free(&line);
	free(hidden);
	metrics_end(sv->metrics, METRICS_SLOT_SUPERVISOR,
	    METRICS_EVENT_DISPATCH, start, ok);
}

/* ---- the supervisor's own events ---- */

void
sup_event_stream(struct supervisor *sv, const char *event, int slot,
    const char *reason)
{
	const struct sup_stream *ss = &sv->streams[slot];
	struct buf b;

	if (ss->name[0] == '\0')
		return;
	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", event);
	json_kv_str(&b, "stream", ss->name);
	json_kv_str(&b, "type", config_stream_type_name(ss->type));
	json_kv_str(&b, "url", ss->url);
	json_kv_int(&b, "pid", atomic_load(&sv->st->streams[slot].fetcher_pid));
	if (reason != NULL)
		json_kv_str(&b, "reason", reason);
	if (ss->dyn != NULL) {
		const struct origin_ops *o = origin_get(ss->dyn->origin);

		if (o != NULL && o->event_fields != NULL)
			o->event_fields(sv->st, slot, ss->dyn, &b);
	}
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

void
sup_event_exit(struct supervisor *sv, struct proc *p, int status,
    int restarting)
{
	char st[32];
	struct buf b;

	proc_status_str(status, st, sizeof(st));
	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", "process_exited");
	json_kv_str(&b, "role", proc_role_name(p->role));
	if (p->role == ROLE_FETCHER && sv->streams[p->index].conf)
		json_kv_str(&b, "stream", sv->streams[p->index].conf->name);
	json_kv_int(&b, "pid", p->pid);
	json_kv_str(&b, "status", st);
	json_kv_bool(&b, "restarting", restarting);
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

static void
json_name_list(struct buf *b, const char *key, char names[][CONFIG_NAME_MAX + 1],
    int n)
{
	int i;

	json_key(b, key);
	buf_puts(b, "[");
	for (i = 0; i < n; i++) {
		if (i)
			buf_puts(b, ",");
		json_str(b, names[i]);
	}
	buf_puts(b, "]");
}

void
sup_event_reloaded(struct supervisor *sv,
    char added[][CONFIG_NAME_MAX + 1], int na,
    char removed[][CONFIG_NAME_MAX + 1], int nr,
    char changed[][CONFIG_NAME_MAX + 1], int nc)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", "config_reloaded");
	json_name_list(&b, "added", added, na);
	json_name_list(&b, "removed", removed, nr);
	json_name_list(&b, "changed", changed, nc);
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}

void
sup_event_rejected(struct supervisor *sv, const char *errs)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{");
	json_kv_str(&b, "event", "config_rejected");
	json_kv_str(&b, "error", errs);
	buf_puts(&b, "}");
	if (!b.failed)
		supervisor_event(sv, b.data);
	buf_free(&b);
}
