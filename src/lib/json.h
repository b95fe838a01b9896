/*
 * json.h - a growable byte buffer and a JSON writer on top of it.
 *
 * Used for /status, events, the control socket and error bodies.  Strings
 * are always escaped (quotes, backslash, every control character), so a
 * stream name or URL can never break out of its field.
 */
#ifndef RINGCAST_JSON_H
#define RINGCAST_JSON_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* an allocation failed: contents incomplete */
};

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* NUL-terminated view of the contents ("" when empty). */
const char *buf_str(struct buf *);

/* Append S as a quoted, escaped JSON string ("null" for NULL). */
int	 json_str(struct buf *, const char *s);
/* Append S escaped but without quotes, at most LEN bytes. */
int	 json_escape(struct buf *, const char *s, size_t len);
/* "key": and a value; a leading comma is added unless the buffer ends in
 * '{' or '['. */
int	 json_key(struct buf *, const char *key);
int	 json_kv_str(struct buf *, const char *key, const char *val);
int	 json_kv_int(struct buf *, const char *key, long long val);
int	 json_kv_uint(struct buf *, const char *key, unsigned long long val);
int	 json_kv_double(struct buf *, const char *key, double val);
int	 json_kv_bool(struct buf *, const char *key, int val);

/*
 * Minimal extraction for the CLI and tests: find "KEY": at the top level of
 * the object in JSON and copy its string value (unescaped) into OUT.
 * Returns 0 when found, -1 otherwise.
 */
int	 json_get_str(const char *json, const char *key, char *out,
	    size_t outsz);

#endif
