/*
 * loadgen_report.c - loadgen's measurements: the playlist latency
 * histogram, nearest-rank percentiles, and the one JSON line a run ends
 * with (see loadgen.c for what the fields mean to a benchmark).
 *
 * Apart from lg_hist_add(), called as answers complete, it runs once,
 * after the event loop, over the structs of loadgen.h; it calls only
 * libc.
 */
#include <sys/resource.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

static const char *lg_fail_names[F_NFAIL] = {
	"none", "connect", "http", "protocol", "closed", "timeout",
};

void
lg_hist_add(struct lg *g, double seconds)
{
	uint64_t b = (uint64_t)(seconds * 1e6 / LG_HIST_BUCKET_US);

	if (seconds > g->lat_max)
		g->lat_max = seconds;
	if (b >= LG_HIST_BUCKETS)
		g->hist_over++;
	else
		g->hist[b]++;
}

static int
lg_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double
lg_pct(const double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)ceil(p / 100.0 * n);
	if (k < 1)
		k = 1;
	return v[k > n ? n - 1 : k - 1];
}

static double
lg_hist_pct(const struct lg *g, double p)
{
	uint64_t total = g->hist_over, want, seen = 0;
	size_t b;

	for (b = 0; b < LG_HIST_BUCKETS; b++)
		total += g->hist[b];
	if (total == 0)
		return 0;
	want = (uint64_t)ceil(p / 100.0 * total);
	if (want < 1)
		want = 1;
	for (b = 0; b < LG_HIST_BUCKETS; b++) {
		seen += g->hist[b];
		if (seen >= want)	/* upper edge of the bucket, in ms */
			return fmin((b + 1) * LG_HIST_BUCKET_US / 1000.0,
			    g->lat_max * 1000);
	}
	return g->lat_max * 1000;
}

static void
lg_print_common(const struct lg *g, int connected, double wall,
    int interrupted)
{
	struct rusage ru;
	int i;

	printf("{\"mode\":\"%s\",\"clients_requested\":%d,"
	    "\"clients_started\":%d,\"clients_connected\":%d,"
	    "\"clients_failed\":%d,\"failures\":{",
	    g->o.mode == LG_STREAM ? "stream" : "playlist", g->o.clients,
	    g->started, connected, g->started - connected +
	    (g->o.clients - g->started));
	for (i = F_CONNECT; i < F_NFAIL; i++)
		printf("%s\"%s\":%d", i == F_CONNECT ? "" : ",",
		    lg_fail_names[i], g->fails[i]);
	if (getrusage(RUSAGE_SELF, &ru) == -1)
		memset(&ru, 0, sizeof(ru));
	printf("},\"seconds\":%.3f,\"wall_seconds\":%.3f,\"interrupted\":%s,"
	    "\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f",
	    g->o.seconds, wall, interrupted ? "true" : "false",
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

static int
lg_report_stream(const struct lg *g, double wall, int interrupted)
{
	double *rate, *ttfb, span, med;
	int i, nr = 0, nt = 0, connected = 0, starved = 0, early = 0;
	int keyfirst = 0, probed = 0;
	const struct lg_conn *c;

	if ((rate = calloc(g->o.clients + 1, sizeof(double))) == NULL)
		return -1;
	if ((ttfb = calloc(g->o.clients + 1, sizeof(double))) == NULL) {
		free(rate);
		return -1;
	}
	for (i = 0; i < g->started; i++) {
		c = &g->conns[i];
		if (!c->connected)
			continue;
		connected++;
		early += c->closed_early;
		/* over its whole slot, even if the server ended it early */
		span = fmin(c->t_end, g->t_finish) - c->t_first_byte;
		rate[nr++] = c->t_first_byte > 0 && span > 0 ?
		    c->bytes / span : 0;
		if (c->t_first_byte > 0)
			ttfb[nt++] = c->ttfb_ms;
		if (c->first_video != -1)
			probed++;
		keyfirst += c->first_video == 1;
	}
	qsort(rate, nr, sizeof(double), lg_cmp_double);
	qsort(ttfb, nt, sizeof(double), lg_cmp_double);
	med = lg_pct(rate, nr, 50);
	for (i = 0; i < nr; i++)
		starved += rate[i] < LG_STARVED_FRACTION * med;
	lg_print_common(g, connected, wall, interrupted);
	printf(",\"closed_early\":%d,\"rate_min_Bps\":%.0f,"
	    "\"rate_p10_Bps\":%.0f,\"rate_median_Bps\":%.0f,"
	    "\"rate_max_Bps\":%.0f,\"starved\":%d,"
	    "\"ttfb_p50_ms\":%.1f,\"ttfb_p99_ms\":%.1f,\"ttfb_max_ms\":%.1f,"
	    "\"total_bytes\":%llu,\"total_gbps\":%.3f,"
	    "\"first_frame_probed\":%d,\"first_frame_keyframe_ratio\":%.3f}\n",
	    early, nr ? rate[0] : 0, lg_pct(rate, nr, 10), med,
	    nr ? rate[nr - 1] : 0, starved, lg_pct(ttfb, nt, 50),
	    lg_pct(ttfb, nt, 99), nt ? ttfb[nt - 1] : 0,
	    (unsigned long long)g->total_bytes,
	    wall > 0 ? g->total_bytes * 8 / wall / 1e9 : 0,
	    probed, connected ? (double)keyfirst / connected : 0);
	free(rate);
	free(ttfb);
	return 0;
}

static void
lg_report_playlist(const struct lg *g, double wall, int interrupted)
{
	double win = fmin(g->t_win1, g->t_finish) - g->t_win0;
	int i, connected = 0;

	if (win < 0)
		win = 0;
	for (i = 0; i < g->started; i++)
		connected += g->conns[i].connected;
	lg_print_common(g, connected, wall, interrupted);
	printf(",\"requests\":%llu,\"request_errors\":%llu,"
	    "\"reconnects\":%llu,\"window_seconds\":%.3f,"
	    "\"window_requests\":%llu,\"requests_per_s\":%.1f,"
	    "\"latency_p50_ms\":%.2f,\"latency_p99_ms\":%.2f,"
	    "\"latency_max_ms\":%.2f,\"response_bytes_min\":%llu,"
	    "\"response_bytes_max\":%llu,\"window_bytes\":%llu,"
	    "\"bytes_per_s\":%.0f,\"gbps\":%.3f,\"total_bytes\":%llu}\n",
	    (unsigned long long)g->requests,
	    (unsigned long long)g->req_errors,
	    (unsigned long long)g->reconnects, win,
	    (unsigned long long)g->win_requests,
	    win > 0 ? g->win_requests / win : 0, lg_hist_pct(g, 50),
	    lg_hist_pct(g, 99), g->lat_max * 1000,
	    (unsigned long long)g->resp_min, (unsigned long long)g->resp_max,
	    (unsigned long long)g->win_bytes,
	    win > 0 ? g->win_bytes / win : 0,
	    win > 0 ? g->win_bytes * 8 / win / 1e9 : 0,
	    (unsigned long long)g->total_bytes);
}

int
lg_report(const struct lg *g, double wall, int interrupted)
{
	if (g->o.mode == LG_STREAM)
		return lg_report_stream(g, wall, interrupted);
	lg_report_playlist(g, wall, interrupted);
	return 0;
}
