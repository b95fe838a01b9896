/*
 * config_channels.c - the `channels` list (per-channel overrides of the
 * lineup: name, number, group, logo, enabled, chosen by `match`) and
 * `removed_channels` (what a channel a refresh removed does).
 *
 * Its own walk because an override is a group in a list whose keys are
 * neither a stream's nor a source's.  The values are checked here as
 * a stream's would be (a name as a stream name, a number as a
 * GuideNumber); which channel `match` finds is the source process's
 * business (lineup overrides), so a match that finds nothing is not an
 * error (the provider may add the channel later).
 *
 * Calls: libconfig, the config_* modules below it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_channels.h"
#include "config_check.h"
#include "config_keys.h"

#define OVERRIDE_TEXT_MAX	1024	/* bytes of match, group, logo */

/* The keys of an override, with which field each fills. */
static char **
override_field(struct channel_override *o, const char *key)
{
	if (strcmp(key, "match") == 0)
		return &o->match;
	if (strcmp(key, "name") == 0)
		return &o->name;
	if (strcmp(key, "number") == 0)
		return &o->number;
	if (strcmp(key, "group") == 0)
		return &o->group;
	if (strcmp(key, "logo") == 0)
		return &o->logo;
	return NULL;
}

/* 1 when V is a GuideNumber: digits, or digits "." digits. */
static int
override_number_valid(const char *v)
{
	size_t a, b = 0;

	a = strspn(v, "0123456789");
	if (v[a] == '.')
		b = strspn(v + a + 1, "0123456789");
	return a > 0 && a + (b > 0 ? b + 1 : 0) <= CONFIG_NUMBER_MAX &&
	    (v[a] == '\0' || (b > 0 && v[a + 1 + b] == '\0'));
}

static void
override_string(struct config_ctx *c, struct channel_override *o,
    const config_setting_t *s, char **field)
{
	const char *key = config_setting_name(s), *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerror_type(c, s, "a string");
		return;
	}
	v = config_setting_get_string(s);
	if (strcmp(key, "name") == 0 && !config_name_valid(v)) {
		cerror(c, s, "invalid channel name '%s': use 1 to %d of A-Z a-z "
		    "0-9 _ -", v, CONFIG_NAME_MAX);
		return;
	}
	if (strcmp(key, "number") == 0 && !override_number_valid(v)) {
		cerror(c, s, "number must be digits, or digits.digits (a "
		    "channel number: \"5\", \"5.1\"), not '%s'", v);
		return;
	}
	if ((strcmp(key, "match") == 0 && v[0] == '\0') ||
	    strlen(v) > OVERRIDE_TEXT_MAX || config_has_ctrl(v, 0)) {
		cerror(c, s, "%s must be %s%d bytes without control "
		    "characters", key, strcmp(key, "match") == 0 ? "1 to " :
		    "at most ", OVERRIDE_TEXT_MAX);
		return;
	}
	free(*field);
	*field = config_strdup(c, s, v);
	(void)o;
}

static void
override_parse(struct config_ctx *c, struct channel_override *o,
    const config_setting_t *g)
{
	const config_setting_t *s;
	char **field;
	int i;

	o->line = (int)config_setting_source_line(g);
	o->enabled = -1;
	if (!config_setting_is_group(g)) {
		cerror(c, g, "a channel override must be a group { match = "
		    "...; ... }, not %s",
		    config_type_name(config_setting_type(g)));
		return;
	}
	for (i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if ((field = override_field(o, config_setting_name(s))) != NULL)
			override_string(c, o, s, field);
		else if (strcmp(config_setting_name(s), "enabled") != 0)
			cerror_unknown(c, s);
		else if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			cerror_type(c, s, "a boolean (true or false)");
		else
			o->enabled = config_setting_get_bool(s) ? 1 : 0;
	}
	if (config_setting_get_member(g, "match") == NULL)
		cerror(c, g, "a channel override needs match (the channel's "
		    "tvg-id or name)");
}

/* Two overrides giving the same name, or matching the same text. */
static void
override_duplicates(struct config_ctx *c, const struct config *cfg,
    const config_setting_t *list)
{
	const struct channel_override *a, *b;
	int i, j;

	for (i = 1; i < cfg->n_channels; i++) {
		a = &cfg->channels[i];
		for (j = 0; j < i; j++) {
			b = &cfg->channels[j];
			if (a->match != NULL && b->match != NULL &&
			    strcasecmp(a->match, b->match) == 0)
				cerror(c, config_setting_get_elem(list,
				    (unsigned)i), "channel override for '%s' "
				    "given twice (first at line %d)", a->match,
				    b->line);
			else if (a->name != NULL && b->name != NULL &&
			    strcmp(a->name, b->name) == 0)
				cerror(c, config_setting_get_elem(list,
				    (unsigned)i), "two channels renamed '%s' "
				    "(first at line %d)", a->name, b->line);
		}
	}
}

void
config_channels_walk(struct config_ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	static const struct config_group_list gl = {
		"a list ( { match = ...; ... }, ... )", "channel overrides",
		NULL, CONFIG_MAX_CHANNEL_OVERRIDES,
		sizeof(struct channel_override) };
	int i, n;

	if ((cfg->channels = config_check_group_list(c, s, &gl, &n)) == NULL)
		return;
	cfg->n_channels = n;
	for (i = 0; i < n; i++)
		override_parse(c, &cfg->channels[i],
		    config_setting_get_elem(s, (unsigned)i));
	override_duplicates(c, cfg, s);
}

void
config_removed_walk(struct config_ctx *c, struct config *cfg,
    const config_setting_t *s)
{
	const struct keydef *k = keytab_find(&config_global_keys,
	    "removed_channels");
	int mode;

	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    keydef_word(k, config_setting_get_string(s), &mode) == -1) {
		cerror(c, s, "removed_channels must be \"drain\" (a removed "
		    "channel ends when its players leave) or \"stop\" (at "
		    "once)");
		return;
	}
	cfg->removed_channels = (enum removed_channels)mode;
}

int
config_channels_differ(const struct config *a, const struct config *b)
{
	const struct channel_override *x, *y;
	int i;

	if (a->n_channels != b->n_channels)
		return 1;
	for (i = 0; i < a->n_channels; i++) {
		x = &a->channels[i];
		y = &b->channels[i];
		if (config_strings_differ(x->match, y->match) ||
		    config_strings_differ(x->name, y->name) ||
		    config_strings_differ(x->number, y->number) ||
		    config_strings_differ(x->group, y->group) ||
		    config_strings_differ(x->logo, y->logo) ||
		    x->enabled != y->enabled)
			return 1;
	}
	return 0;
}
