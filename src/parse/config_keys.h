/*
 * config_keys.h - the key table of ringcast.conf: every key, its type,
 * its default and its limits (internal to the config_* modules).
 */
#ifndef RINGCAST_CONFIG_KEYS_H
#define RINGCAST_CONFIG_KEYS_H

#include <stddef.h>

enum key_kind {
	K_STRING,	/* char * field */
	K_BOOL,		/* int field, 0 or 1 */
	K_INT,		/* int field */
	K_LLONG,	/* long long field */
	K_DOUBLE,	/* double field, integers accepted */
	K_WORD,		/* int (enum) field: one of the key's words */
	K_LIST,		/* char *[] field and an int count (count_off) */
	K_GROUP,	/* a group { ... } with keys of its own */
};

#define KF_NOCTRL	0x01	/* string: no control characters */
#define KF_ABSPATH	0x02	/* string: an absolute path */
#define KF_SUNPATH	0x04	/* string: fits in sockaddr_un.sun_path */
#define KF_GT_MIN	0x08	/* number: must be > min, not >= min */
#define KF_OWN		0x10	/* the walk has code of its own for it */
#define KF_REQUIRED	0x20	/* no default: the file must set it */
#define KF_DERIVED	0x40	/* default made from other keys */
#define KF_URL		0x80	/* string: an http(s) URL */
#define KF_FILE_URL	0x100	/* string: an http(s) or file:// URL */
#define KF_EMPTY_OK	0x200	/* string: "" passes every check */

/* A word a K_WORD key may take, and the value stored for it. */
struct keyword {
	const char	*word;
	int		 value;
};

struct keydef {
	const char		*name;
	enum key_kind		 kind;
	size_t			 off;	/* into the struct the table
					 * describes */
	double			 min;	/* numbers: limits; lists: */
	double			 max;	/* max = most elements; strings:
					 * max = most bytes (0: any) */
	int			 flags;
	double			 def;	/* numbers, booleans: default */
	const char		*def_str;	/* strings, words: default;
						 * lists: the one default
						 * element (NULL: empty) */
	const struct keyword	*words;	/* K_WORD: NULL-terminated */
	size_t			 count_off;	/* K_LIST: its int count */
};

struct keytab {
	const struct keydef	*keys;
	size_t			 n;
};

/* The scopes of the file (config_keys.c). */
extern const struct keytab config_global_keys;	/* struct config */
extern const struct keytab config_log_keys;	/* struct config */
extern const struct keytab config_opts_keys;	/* struct stream_opts */
extern const struct keytab config_hls_keys;	/* struct hls_conf */
extern const struct keytab config_stream_keys;	/* struct stream_conf */
extern const struct keytab config_ace_keys;	/* struct ace_conf */
extern const struct keytab config_hdhr_keys;	/* struct hdhr_conf */
extern const struct keytab config_source_keys;	/* struct source_conf */
extern const struct keytab config_user_keys;	/* struct user_conf */

const struct keydef *keytab_find(const struct keytab *, const char *name);
/* Store every default of TAB into BASE; -1 when out of memory (what
 * was stored is BASE's to free). */
int	 keytab_defaults(const struct keytab *, void *base);
/* 1 when a key of TAB that the walk stores generically (a string,
 * boolean or number, not KF_OWN) differs between the structs A and B. */
int	 keytab_differ(const struct keytab *, const void *a, const void *b);
/* 1 when A and B (either may be NULL) differ. */
int	 config_strings_differ(const char *a, const char *b);
/* The value of WORD among K's words: 0, or -1 when it is not one. */
int	 keydef_word(const struct keydef *k, const char *word, int *value);

#endif
