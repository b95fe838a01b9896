/*
 * redact.c - credentials hidden before a URL is shown (redact.h): in
 * /channels, /status, events and every log line.
 *
 * Providers put accounts in their URLs in three places: the authority
 * (user:password@), the query (password=, token=, key=, ...) and, in the
 * Xtream Codes form nearly every IPTV panel uses, the path
 * (/live/USER/PASS/ID.ts, /USER/PASS/ID).  Each becomes "***".  Text
 * that is not one URL (a log line, an event) has every URL in it
 * redacted the same way: a URL there runs from its scheme to the first
 * space, quote or angle bracket.
 *
 * Calls: libc and json.h (struct buf).
 */
#include <ctype.h>
#include <string.h>

#include "json.h"
#include "redact.h"

/* 1 when the query parameter NAME (LEN bytes) holds a credential. */
static int
redact_secret_param(const char *name, size_t len)
{
	static const char *const parts[] = { "pass", "token", "key",
	    "secret", "auth", "sig" };
	static const char *const whole[] = { "u", "user", "username" };
	char low[64];
	size_t i;

	if (len == 0 || len >= sizeof(low))
		return len > 0;
	for (i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strstr(low, parts[i]) != NULL)
			return 1;
	for (i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
		if (strcmp(low, whole[i]) == 0)
			return 1;
	return 0;
}

/* The query Q (after '?', up to '#' or the end) redacted into B. */
static void
redact_query(struct buf *b, const char *q)
{
	const char *end, *eq;
	size_t n;

	while (*q != '\0' && *q != '#') {
		n = strcspn(q, "&#");
		end = q + n;
		eq = memchr(q, '=', n);
		if (eq != NULL && redact_secret_param(q, (size_t)(eq - q))) {
			buf_append(b, q, (size_t)(eq - q) + 1);
			buf_puts(b, "***");
		} else
			buf_append(b, q, n);
		q = end;
		if (*q == '&')
			buf_append(b, q++, 1);
	}
	buf_puts(b, q);
}

/* 1 when the LEN bytes at S are a stream id: digits, maybe ".ext". */
static int
redact_stream_id(const char *s, size_t len)
{
	size_t d = 0;

	while (d < len && s[d] >= '0' && s[d] <= '9')
		d++;
	return d > 0 && (d == len || s[d] == '.');
}

/*
 * Which segments of PATH (from its first '/', up to Q) are an account's
 * user and password, in the Xtream Codes forms IPTV providers use:
 * /live/USER/PASS/ID.ts (also movie, series, timeshift) and
 * /USER/PASS/ID.  *FIRST is the index of the user's segment; -1 when
 * the path is neither form.
 */
static int
redact_path_account(const char *path, const char *q, int *first)
{
	static const char *const kinds[] = { "live", "movie", "series",
	    "timeshift" };
	const char *seg[8];
	size_t len[8], i;
	int n = 0;

	while (path < q && *path == '/' && n < 8) {
		seg[n] = ++path;
		path += strcspn(path, "/?#");
		if (path > q)
			path = q;
		len[n] = (size_t)(path - seg[n]);
		n++;
	}
	if (path < q || n < 3)
		return -1;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (n >= 4 && len[0] == strlen(kinds[i]) &&
		    strncmp(seg[0], kinds[i], len[0]) == 0 && len[1] > 0 &&
		    len[2] > 0) {
			*first = 1;
			return 0;
		}
	if (n == 3 && len[0] > 0 && len[1] > 0 &&
	    redact_stream_id(seg[2], len[2])) {
		*first = 0;
		return 0;
	}
	return -1;
}

/* The path PATH..Q into B, its account segments (if any) as "***". */
static void
redact_path(struct buf *b, const char *path, const char *q)
{
	const char *end;
	int first, i = 0;

	if (redact_path_account(path, q, &first) == -1) {
		buf_append(b, path, (size_t)(q - path));
		return;
	}
	while (path < q) {
		end = path + 1 + strcspn(path + 1, "/");
		if (end > q)
			end = q;
		if (i == first || i == first + 1)
			buf_puts(b, "/***");
		else
			buf_append(b, path, (size_t)(end - path));
		path = end;
		i++;
	}
}

int
url_redact(const char *url, char *out, size_t outsz)
{
	const char *auth, *at, *path, *q;
	struct buf b;
	int rc = -1;

	buf_init(&b);
	auth = strstr(url, "://");
	auth = auth != NULL ? auth + 3 : url;
	path = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(path - auth));
	buf_append(&b, url, (size_t)(auth - url));
	if (at != NULL) {
		buf_puts(&b, "***@");
		auth = at + 1;
	}
	q = path + strcspn(path, "?#");
	buf_append(&b, auth, (size_t)(path - auth));
	redact_path(&b, path, q);
	if (*q == '?') {
		buf_puts(&b, "?");
		redact_query(&b, q + 1);
	} else
		buf_puts(&b, q);
	if (!b.failed && b.len < outsz) {
		if (b.len > 0)
			memcpy(out, b.data, b.len);
		out[b.len] = '\0';
		rc = 0;
	}
	buf_free(&b);
	return rc;
}

/* 1 when C may be in a URL scheme ("http", "https", "file", ...). */
static int
redact_scheme_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/* 1 when C ends a URL inside text. */
static int
redact_url_end(char c)
{
	return c == '\0' || isspace((unsigned char)c) || c == '"' ||
	    c == '\'' || c == '<' || c == '>' || c == '\\';
}

void
redact_text(const char *in, char *out, size_t outsz)
{
	char url[REDACT_URL_MAX], red[REDACT_URL_MAX];
	const char *p = in, *s, *e, *sep;
	struct buf b;
	size_t n;

	buf_init(&b);
	while ((sep = strstr(p, "://")) != NULL) {
		for (s = sep; s > p && redact_scheme_char(s[-1]); s--)
			;
		for (e = sep + 3; !redact_url_end(*e); e++)
			;
		buf_append(&b, p, (size_t)(s - p));
		n = (size_t)(e - s);
		if (s == sep)			/* no scheme: not a URL */
			buf_append(&b, s, n);
		else if (n >= sizeof(url)) {	/* too long to look into */
			buf_append(&b, s, (size_t)(sep + 3 - s));
			buf_puts(&b, "***");
		} else {
			memcpy(url, s, n);
			url[n] = '\0';
			if (url_redact(url, red, sizeof(red)) == 0)
				buf_puts(&b, red);
			else
				buf_puts(&b, "***");
		}
		p = e;
	}
	buf_puts(&b, p);
	if (outsz > 0) {
		n = b.failed || b.data == NULL ? 0 : b.len < outsz ? b.len :
		    outsz - 1;
		if (n > 0)
			memcpy(out, b.data, n);
		out[n] = '\0';
	}
	buf_free(&b);
}
