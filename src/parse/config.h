/*
 * config.h - ringcast configuration (libconfig syntax), see ringcast.conf(5).
 *
 * config_load() parses a file into a fresh struct config, applies defaults
 * (every one is in the key table, config_keys.c),
 * lets every stream override the `defaults` group, and validates the
 * result.  Every problem is reported as "FILE:LINE: message"; a config that
 * produced any error is never handed to the caller, so an invalid file can
 * never replace a running configuration.
 *
 * Every config_* module includes this header, so it has no config.c:
 * config_load() and config_load_string() are in config_load.c, the rest
 * of the API in config_api.c (and the key table in config_keys.c).
 */
#ifndef RINGCAST_CONFIG_H
#define RINGCAST_CONFIG_H

#include <stddef.h>

#define CONFIG_DEFAULT_PATH		"/etc/ringcast/ringcast.conf"
#define CONFIG_NAME_MAX			64	/* [A-Za-z0-9_-]{1,64} */
#define CONFIG_MAX_STREAMS		256	/* == STATE_MAX_STREAMS */
#define CONFIG_MAX_LISTEN		16	/* listen; listen_tls too */
#define CONFIG_MAX_LISTEN_ALL		(2 * CONFIG_MAX_LISTEN)
#define CONFIG_TLS_PEM_MAX		(1024 * 1024)	/* bytes of a PEM file */
#define CONFIG_MAX_BACKUP_URLS		8
#define CONFIG_MAX_WORKERS		64
#define CONFIG_URL_MAX			2048
#define CONFIG_MIN_RING_SIZE_BYTES	(188 * 1024)	/* ~192 KiB */
#define CONFIG_MAX_RING_SIZE_BYTES	(1024LL * 1024 * 1024)
#define CONFIG_MIN_SEGMENTS		2	/* hls.max_segments bounds */
#define CONFIG_MAX_SEGMENTS		1000
#define CONFIG_MAX_SECONDS		604800.0 /* sanity bound, any duration */
/* Two defaults of the key table (config_keys.c) that others use too. */
#define CONFIG_DEFAULT_USER_AGENT	"VLC/3.0.16 LibVLC/3.0.16"
#define CONFIG_DEFAULT_SEGMENT_DURATION	2.0	/* seconds */
#define CONFIG_TOKEN_MAX		256	/* == STATE_TOKEN_MAX, bytes */
#define CONFIG_MAX_EVENTS_HEARTBEAT	3600.0
#define CONFIG_MIN_EVENTS_BACKLOG	16	/* == EVRING_MIN_BACKLOG */
#define CONFIG_MAX_EVENTS_BACKLOG	65536	/* == EVRING_MAX_BACKLOG */
#define CONFIG_MAX_CORS_ORIGINS		32
#define CONFIG_MIN_HISTORY_INTERVAL	1.0	/* seconds */
#define CONFIG_DEFAULT_HISTORY_INTERVAL	10.0
#define CONFIG_MAX_HISTORY_INTERVAL	600.0
#define CONFIG_ORIGIN_MAX		127	/* bytes of one origin */
#define CONFIG_MAX_PARENTS		(1 + CONFIG_MAX_BACKUP_URLS)
#define CONFIG_MAX_PARENT_STREAMS	64	/* globs in parent_streams */
#define CONFIG_GLOB_MAX			128	/* bytes of one glob */
#define CONFIG_EDGE_ID_MAX		128	/* bytes of edge_id */
#define CONFIG_EDGE_HEADER		"X-Ringcast-Edge"	/* carries it */
#define CONFIG_MAX_ENGINES		16	/* acestream.engines */
#define CONFIG_MAX_MANAGED_ENGINES	16	/* acestream.max_engines */
#define CONFIG_ENGINE_DIR_MAX		1000	/* bytes of engine_dir */
#define CONFIG_ACE_ID_LEN		40	/* hex digits of a content id */
/* HDHomeRun tuner: a stream's number ("5", "5.1"), the tuners, the
 * name (== HDHR_TUNERS_MIN/MAX, STATE_HDHR_NAME_MAX - 1, ...) */
#define CONFIG_NUMBER_MAX		15	/* bytes of a GuideNumber */
#define CONFIG_HDHR_TUNERS_MIN		1
#define CONFIG_HDHR_TUNERS_MAX		999
#define CONFIG_HDHR_NAME_MAX		127	/* bytes of friendly_name */
#define CONFIG_PUBLIC_URL_MAX		255	/* bytes of public_url */
/* Channel lists (`sources`, config_sources.c). */
#define CONFIG_MAX_SOURCES		32
#define CONFIG_MAX_SOURCE_GLOBS		64	/* each of the four filters */
#define CONFIG_MIN_SOURCE_REFRESH	60.0	/* seconds */
#define CONFIG_MAX_SOURCE_EPG		8	/* guides (epg) of a source */
#define CONFIG_MAX_CHANNEL_OVERRIDES	4096	/* `channels` entries */
#define CONFIG_MAX_EPG_WINDOW		2678400	/* seconds (31 days) of
						   epg_past, epg_future */
/* Access control (config_access.c, users_file.c). */
#define CONFIG_MAX_USERS		4096	/* `users` entries */
#define CONFIG_MAX_USER_GLOBS		64	/* a user's allow */
#define CONFIG_TOKEN_DIGEST_BYTES	32	/* SHA-256 (digest.h) */
#define CONFIG_ACE_SUBJECT		"ace:"	/* allow globs of content
						   ids start with it */
#define CONFIG_LISTEN_INTERNAL		" internal"	/* listen flag */

enum stream_type {
	STREAM_TS = 0,
	STREAM_HLS = 1,
};

/*
 * Where a stream comes from: written in the file, or created on a
 * player's request (dynamic streams, see origin.h) for a key that the
 * file does not name: an AceStream content id, or (edge mode) a stream
 * of the parent.  A dynamic stream's name is its key.
 */
enum stream_origin {
	STREAM_ORIGIN_CONFIG = 0,
	STREAM_ORIGIN_ACE,
	STREAM_ORIGIN_PARENT,
	STREAM_ORIGIN_PARENT_ACE,	/* a content id, through the parent */
	STREAM_ORIGIN_LINEUP,		/* a channel of the sources' lineup */
	STREAM_ORIGIN_MAX,
};

enum log_target {
	LOG_TARGET_SYSLOG = 0,
	LOG_TARGET_STDERR,
	LOG_TARGET_FILE,
};

enum variant_choice {
	VARIANT_HIGHEST = 0,
	VARIANT_LOWEST,
	VARIANT_BANDWIDTH,
};

/* The `hls` group: in `defaults` and in every stream. */
struct hls_conf {
	int	 max_segments;
	int	 initial_segments;
	int	 window_size;
	double	 initial_buffer_seconds;
	int	 max_initial_segments;
	double	 buffer_ready_timeout;
	double	 first_segment_timeout;
	double	 fetch_interval;
	double	 client_timeout_factor;
};

/* Every key that `defaults` can hold; a stream starts from a copy. */
struct stream_opts {
	char		*user_agent;
	int		 on_demand;
	double		 idle_timeout;		/* seconds */
	double		 connect_timeout;
	double		 data_timeout;
	double		 retry_min;
	double		 retry_max;
	long long	 ring_size;		/* bytes */
	int		 max_clients;
	int		 tls_verify;
	char		*ca_file;		/* "" = system CAs */
	long long	 max_segment_bytes;	/* HLS */
	struct hls_conf	 hls;
};

struct stream_conf {
	char			 name[CONFIG_NAME_MAX + 1];
	enum stream_type	 type;
	char			*url;
	char			*backup_urls[CONFIG_MAX_BACKUP_URLS];
	int			 n_backup_urls;
	int			 loop;
	enum variant_choice	 variant;
	long			 variant_bandwidth;	/* with VARIANT_BANDWIDTH */
	double			 segment_duration;
	char			*title;			/* NULL in the file: name */
	char			*group;
	char			*number;		/* NULL in the file:
							 * its position, 1.. */
	struct stream_opts	 opts;
	int			 line;			/* where it is defined */
	/* Set only for streams made at run time (never from the file): */
	char			*request_header;	/* "Name: value" sent upstream */
	int			 not_found_ends;	/* 404 from every URL: gone */
	double			 start_timeout;		/* seconds to a new
							 * connection's first
							 * byte; 0: data_timeout */
	double			 prebuffer_timeout;	/* acestream: silence
							 * an engine session
							 * is kept through */
	int			 rebase_urls;		/* acestream */
	enum stream_origin	 origin;
	char			 key[CONFIG_NAME_MAX + 1];	/* dynamic: what
							 * it was made for */
};

/* The `acestream` group: content-id streams through a pool of engines. */
struct ace_conf {
	int			 enabled;		/* the group is present */
	char			*engines[CONFIG_MAX_ENGINES];	/* base URLs */
	int			 n_engines;
	int			 max_streams_per_engine;
	int			 max_streams;
	double			 start_timeout;
	double			 prebuffer_timeout;
	int			 rebase_urls;
	double			 segment_duration;
	double			 error_cache;		/* s an engine's refusal holds */
	int			 allow_url_input;	/* url=, magnet= taken */
	/* Managed engines (engine_command "": none). */
	char			*engine_command;	/* template, engine_cmd.h */
	char			*engine_ports;		/* "LO-HI" */
	int			 engine_port_lo, engine_port_hi;	/* parsed */
	char			*engine_dir;
	int			 min_engines, max_engines;
	double			 engine_idle_timeout;	/* s */
	double			 engine_start_timeout;	/* s */
	int			 max_waiting;	/* players waiting for one */
	struct stream_opts	 opts;			/* defaults + own keys */
	int			 line;
};

/* The `hdhomerun` group: the HDHomeRun tuner emulation. */
struct hdhr_conf {
	int			 enabled;
	int			 tuner_count;
	char			*friendly_name;
	char			*device_id;	/* "": made from the name */
};

/* One channel list (`sources`): a provider's extended M3U. */
struct source_conf {
	char			 name[CONFIG_NAME_MAX + 1];
	char			*m3u;		/* http(s) URL, file:// or path */
	double			 refresh;	/* seconds */
	char			*include_groups[CONFIG_MAX_SOURCE_GLOBS];
	int			 n_include_groups;
	char			*exclude_groups[CONFIG_MAX_SOURCE_GLOBS];
	int			 n_exclude_groups;
	char			*include_names[CONFIG_MAX_SOURCE_GLOBS];
	int			 n_include_names;
	char			*exclude_names[CONFIG_MAX_SOURCE_GLOBS];
	int			 n_exclude_names;
	char			*epg[CONFIG_MAX_SOURCE_EPG];	/* XMLTV
					   guides: URL, file:// or path */
	int			 n_epg;
	int			 max_streams;	/* its channels at once; 0: any */
	struct stream_opts	 opts;		/* defaults + its `defaults` */
	int			 line;
};

/* Who may watch (`access`). */
enum access_mode {
	ACCESS_OPEN = 0,	/* anyone: nothing is checked */
	ACCESS_USERS = 1,	/* a user's token, or the admin token */
};

/* What a user's new player at max_connections meets
 * (`users_over_limit`). */
enum over_limit {
	OVER_LIMIT_REFUSE = 0,		/* 429, Retry-After */
	OVER_LIMIT_CLOSE_OLDEST = 1,	/* the user's oldest player closed */
};
#define CONFIG_SIGNING_KEY_MIN	16	/* bytes of url_signing_key, at least */

/*
 * One user, of `users` or of users_file: the SHA-256 of the token (the
 * token itself is never kept), the connections allowed (0: no limit)
 * and the fnmatch globs of what the user may watch (stream names, and
 * CONFIG_ACE_SUBJECT + key for content ids).
 */
struct user_conf {
	char			 name[CONFIG_NAME_MAX + 1];
	unsigned char		 token_sha256[CONFIG_TOKEN_DIGEST_BYTES];
	int			 max_connections;
	char			*allow[CONFIG_MAX_USER_GLOBS];
	int			 n_allow;
	int			 line;
};

/* What a lineup channel that a refresh removed does while it plays. */
enum removed_channels {
	REMOVED_DRAIN = 0,	/* ends (reason removed) when its players leave */
	REMOVED_STOP = 1,	/* ends at once, reason removed */
};

/*
 * One entry of `channels`: the lineup channel whose tvg-id, else whose
 * name (the channel's URL name or its title, any ASCII case) is MATCH
 * gets the fields set here (NULL, or enabled -1: the list's).
 */
struct channel_override {
	char			*match;
	char			*name;		/* a stream name */
	char			*number;	/* "5", "5.1" */
	char			*group;
	char			*logo;
	int			 enabled;	/* 1, 0, or -1: unset */
	int			 line;
};

struct config {
	char			*path;
	char			*listen[CONFIG_MAX_LISTEN];	/* "host:port" */
	int			 n_listen;
	/* HTTPS: its addresses, the PEM files named and what they held
	 * when the config was loaded (config_tls.c; NULL without TLS). */
	char			*listen_tls[CONFIG_MAX_LISTEN];
	int			 n_listen_tls;
	char			*tls_cert;		/* "" = none */
	char			*tls_key;
	char			*tls_cert_pem;		/* NUL-terminated */
	char			*tls_key_pem;
	int			 listen_internal[CONFIG_MAX_LISTEN];	/* 1: the
					   address was marked " internal" */
	int			 workers;		/* 0 -> one per CPU, resolved */
	char			*user;			/* "" = no privilege drop */
	char			*pid_file;
	char			*control_socket;
	enum log_target		 log_target;
	char			*log_file;		/* with LOG_TARGET_FILE, else NULL */
	int			 log_level;		/* LOG_ERR..LOG_DEBUG (syslog.h) */
	char			*admin_token;		/* "" = admin API off */
	int			 max_clients;
	int			 max_clients_per_ip;	/* 0 = no limit */
	long long		 max_memory;		/* sum of rings; 0 = none */
	char			*events_webhook;	/* "" = off */
	char			*events_token;		/* GET /events bearer; "" = open */
	double			 events_heartbeat;	/* seconds */
	int			 events_backlog;	/* events kept */
	int			 ui;			/* GET / and /ui */
	double			 history_interval;	/* seconds a sample */
	/* Origins allowed to read player routes ("*": any; admin routes
	 * only ever an origin listed by name). */
	char			*cors_origins[CONFIG_MAX_CORS_ORIGINS];
	int			 n_cors_origins;
	/* Edge mode: origin ringcasts tried in order, the names they may
	 * serve us (fnmatch globs; none = nothing is proxied) and the
	 * identity we give them ("" = hostname:first listen port). */
	char			*parents[CONFIG_MAX_PARENTS];
	int			 n_parents;
	char			*parent_streams[CONFIG_MAX_PARENT_STREAMS];
	int			 n_parent_streams;
	char			*edge_id;
	struct stream_opts	 defaults;
	struct stream_conf	*streams;
	int			 n_streams;
	struct ace_conf		 ace;
	struct hdhr_conf	 hdhr;
	char			*public_url;		/* "" = from Host */
	/* Channel lists and where their lineup is kept. */
	struct source_conf	*sources;
	int			 n_sources;
	struct channel_override	*channels;	/* `channels` overrides */
	int			 n_channels;
	enum removed_channels	 removed_channels;
	char			*state_dir;
	/* The guide (/epg.xml): programmes from epg_past seconds ago to
	 * epg_future seconds ahead of the time it is built. */
	int			 epg_past;
	int			 epg_future;
	/* Who may watch (config_access.c). */
	enum access_mode	 access;
	struct user_conf	*users;
	int			 n_users;
	char			*users_file;		/* "" = none */
	enum over_limit		 users_over_limit;
	char			*url_signing_key;	/* "" = none */
};

/*
 * Parse and validate PATH.  On success store a new config in *OUT (free
 * with config_free), set ERRS to "" and return 0; `workers = 0` is already
 * resolved to the number of online CPUs.  On failure return -1, leave *OUT
 * untouched and fill ERRS with one "FILE:LINE: message\n" line per problem
 * (all of them, not only the first), truncated to whole lines within ERRSZ
 * bytes.  A file that cannot be opened gives "FILE: cannot open: ...\n".
 * ERRS may be NULL when ERRSZ is 0.
 */
int			 config_load(const char *path, struct config **out,
			    char *errs, size_t errsz);
/* Same, from a string; FILENAME is only used in messages. */
int			 config_load_string(const char *text,
			    const char *filename, struct config **out,
			    char *errs, size_t errsz);
void			 config_free(struct config *);
/* 1 when the certificate or key A and B loaded differ (config_tls.c). */
int			 config_tls_differ(const struct config *,
			    const struct config *);

const struct stream_conf *config_find_stream(const struct config *,
			    const char *name);
/* 1 when the two definitions differ in anything that needs a restart. */
int			 config_stream_changed(const struct stream_conf *,
			    const struct stream_conf *);
int			 config_name_valid(const char *);
/* 1 when A and B differ in `sources` (any key of any source, or their
 * order), in `channels`, in the guide's window or, with sources, in the
 * streams' numbers: the source process must start again. */
int			 config_sources_differ(const struct config *a,
			    const struct config *b);
/*
 * A stream made at run time (a dynamic stream): NAME (also its key), a TS
 * stream of URL with a deep copy of OPTS.  NULL when out of memory.  Free
 * with config_stream_destroy.
 */
struct stream_conf	*config_stream_make(enum stream_origin,
			    const char *name, const char *url,
			    const struct stream_opts *opts,
			    double segment_duration);
void			 config_stream_destroy(struct stream_conf *);
/* 1 when URL is one of the acestream engines of CFG. */
int			 config_ace_engine_known(const struct config *,
			    const char *url);
const char		*config_stream_type_name(enum stream_type);
/* 1 when NAME may be pulled from a parent: edge mode is on and NAME
 * matches one of parent_streams. */
int			 config_parent_allows(const struct config *,
			    const char *name);
/* A parent stream URL is BASE + CONFIG_PARENT_PATH + NAME (or, for a
 * content id, BASE + CONFIG_PARENT_ACE_PATH + "id=..." or "infohash=...").
 * Write BASE into OUT: 0, or -1 when URL is not NAME's parent URL. */
#define CONFIG_PARENT_PATH	"/stream/"
#define CONFIG_PARENT_ACE_PATH	"/ace/getstream?"	/* content ids: id=ID */
int			 config_parent_base(const char *url, const char *name,
			    char *out, size_t outsz);
/* 1 when A and B differ in who may watch (access, users, users_file,
 * the listen addresses' internal flags): the workers start again. */
int			 config_access_differ(const struct config *a,
			    const struct config *b);
/* Free the N users at U (their globs) and U. */
void			 config_users_free(struct user_conf *u, int n);
/*
 * 1 when the user U may watch SUBJECT: a stream name, or
 * CONFIG_ACE_SUBJECT and a content-id stream's key.  A glob that starts
 * with CONFIG_ACE_SUBJECT matches content ids only, any other glob
 * stream names only.
 */
int			 config_user_allows(const struct user_conf *u,
			    const char *subject);

/* The path in a "file://PATH" URL (relative or absolute), else NULL. */
const char		*config_url_file_path(const char *url);

#endif
