/*
 * hdhr.c - HDHomeRun tuner emulation: discover.json, lineup_status.json,
 * lineup.json, device.xml and the DeviceID.
 *
 * A media server that knows HDHomeRun tuners finds one (SSDP, or an
 * address typed in), reads discover.json for what it is and where its
 * lineup is, lineup.json for the channels and their stream URLs, and
 * lineup_status.json to know that no scan is running.  Everything here
 * is a document built from what the caller passes: the channels'
 * numbers, names and stream names, the base URL players reach.
 *
 * The DeviceID carries a check digit (its rule is in
 * src/parse/hdhr_id.c, where the configuration's device_id is checked
 * too).  libhdhomerun's
 * hdhomerun_discover_validate_device_id() (LGPL; the rule is public, the
 * code here is our own) XORs the eight hex digits, the 1st, 3rd, 5th and
 * 7th (from the left) through a permutation table first; an id is valid
 * when the result is 0.  The last digit enters as itself, so for any
 * first seven exactly one last digit is valid: the check digit is the
 * XOR of the others.
 *
 * Strings from the configuration or a provider's list end up in JSON and
 * XML; both must stay well-formed, so every string goes through utf8.c
 * (a byte that is not UTF-8 becomes U+FFFD) and is escaped (json.h's
 * escaping, XML's five entities; control characters, which XML 1.0
 * forbids, are dropped).
 */
#include <stdio.h>
#include <string.h>

#include "hdhr.h"
#include "json.h"
#include "utf8.h"
#include "util.h"

#define HDHR_REPLACEMENT	0xFFFDu
#define HDHR_UDN_NAMESPACE	"ringcast-hdhr:"

void
hdhr_device_id_format(uint32_t id, char out[HDHR_DEVICE_ID_LEN + 1])
{
	snprintf(out, HDHR_DEVICE_ID_LEN + 1, "%08X", (unsigned)id);
}

void
hdhr_udn(uint32_t id, char out[HDHR_UDN_LEN + 1])
{
	char hex[HDHR_DEVICE_ID_LEN + 1];
	uint64_t hi, lo;

	hdhr_device_id_format(id, hex);
	hi = fnv1a64(FNV1A64_BASIS, HDHR_UDN_NAMESPACE,
	    strlen(HDHR_UDN_NAMESPACE));
	hi = fnv1a64(hi, hex, HDHR_DEVICE_ID_LEN);
	lo = fnv1a64(hi, "udn", 3);
	/* RFC 9562: version 8 (made by its own rule), variant 10. */
	hi = (hi & ~0xF000ULL) | 0x8000ULL;
	lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
	snprintf(out, HDHR_UDN_LEN + 1,
	    "uuid:%08llx-%04llx-%04llx-%04llx-%012llx",
	    (unsigned long long)(hi >> 32),
	    (unsigned long long)((hi >> 16) & 0xFFFF),
	    (unsigned long long)(hi & 0xFFFF),
	    (unsigned long long)(lo >> 48),
	    (unsigned long long)(lo & 0xFFFFFFFFFFFFULL));
}

/* ---- text --------------------------------------------------------------- */

/* S made valid UTF-8 into T (reset first): bytes that are not become
 * U+FFFD, control characters (and U+FFFE, U+FFFF) are dropped. */
static const char *
hdhr_text(struct buf *t, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0, i = 0, d, e;
	uint32_t cp;
	char enc[UTF8_SEQ_MAX];

	buf_reset(t);
	while (i < len) {
		if ((d = utf8_decode(s + i, len - i, &cp)) == 0) {
			cp = HDHR_REPLACEMENT;
			d = 1;
		}
		i += d;
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
		    cp == 0xFFFE || cp == 0xFFFF)
			continue;
		e = utf8_encode(cp, enc);
		buf_append(t, enc, e);
	}
	return buf_str(t);
}

/* "KEY":"S", S made valid UTF-8 through T. */
static void
hdhr_kv(struct buf *b, struct buf *t, const char *key, const char *s)
{
	json_kv_str(b, key, hdhr_text(t, s));
}

/* S made valid UTF-8 and escaped for XML text or attributes. */
static void
hdhr_xml(struct buf *b, struct buf *t, const char *s)
{
	const char *p = hdhr_text(t, s);
	size_t i, start = 0;

	for (i = 0; p[i] != '\0'; i++) {
		const char *ent;

		switch (p[i]) {
		case '&':	ent = "&amp;"; break;
		case '<':	ent = "&lt;"; break;
		case '>':	ent = "&gt;"; break;
		case '"':	ent = "&quot;"; break;
		case '\'':	ent = "&apos;"; break;
		default:	continue;
		}
		buf_append(b, p + start, i - start);
		buf_puts(b, ent);
		start = i + 1;
	}
	buf_append(b, p + start, i - start);
}

/* BASE without its trailing '/'s: its length. */
static size_t
hdhr_base_len(const char *base)
{
	size_t n = base != NULL ? strlen(base) : 0;

	while (n > 0 && base[n - 1] == '/')
		n--;
	return n;
}

/* BASE (its trailing '/'s dropped) and PATH into U. */
static const char *
hdhr_url(struct buf *u, const char *base, const char *path)
{
	buf_reset(u);
	buf_append(u, base != NULL ? base : "", hdhr_base_len(base));
	buf_puts(u, path);
	return buf_str(u);
}

static int
hdhr_tuners(int n)
{
	return n < HDHR_TUNERS_MIN ? HDHR_TUNERS_MIN :
	    n > HDHR_TUNERS_MAX ? HDHR_TUNERS_MAX : n;
}

int
hdhr_host_valid(const char *host)
{
	size_t n;

	if (host == NULL || (n = strlen(host)) == 0 || n > HDHR_HOST_MAX)
		return 0;
	return strspn(host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:[]") == n;
}

/* ---- documents ---------------------------------------------------------- */

int
hdhr_discover_json(struct buf *b, const struct hdhr_device *d)
{
	struct buf t, u;
	char id[HDHR_DEVICE_ID_LEN + 1];

	buf_init(&t);
	buf_init(&u);
	hdhr_device_id_format(d->device_id, id);
	buf_puts(b, "{");
	hdhr_kv(b, &t, "FriendlyName", d->friendly_name != NULL &&
	    d->friendly_name[0] != '\0' ? d->friendly_name :
	    HDHR_FRIENDLY_NAME);
	json_kv_str(b, "Manufacturer", HDHR_MANUFACTURER);
	json_kv_str(b, "ModelNumber", HDHR_MODEL_NUMBER);
	json_kv_str(b, "FirmwareName", HDHR_FIRMWARE_NAME);
	json_kv_str(b, "FirmwareVersion", HDHR_FIRMWARE_VERSION);
	json_kv_str(b, "DeviceID", id);
	hdhr_kv(b, &t, "DeviceAuth", d->device_auth);
	hdhr_kv(b, &t, "BaseURL", hdhr_url(&u, d->base_url, ""));
	hdhr_kv(b, &t, "LineupURL", hdhr_url(&u, d->base_url,
	    "/lineup.json"));
	json_kv_int(b, "TunerCount", hdhr_tuners(d->tuner_count));
	buf_puts(b, "}");
	buf_free(&t);
	buf_free(&u);
	return b->failed || t.failed || u.failed ? -1 : 0;
}

int
hdhr_lineup_status_json(struct buf *b)
{
	buf_puts(b, "{");
	json_kv_int(b, "ScanInProgress", 0);
	json_kv_int(b, "ScanPossible", 1);
	json_kv_str(b, "Source", HDHR_SOURCE);
	json_key(b, "SourceList");
	buf_puts(b, "[");
	json_str(b, HDHR_SOURCE);
	buf_puts(b, "]}");
	return b->failed ? -1 : 0;
}

/* S percent-encoded but for RFC 3986's unreserved characters. */
static void
hdhr_pct(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3];

	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			buf_append(b, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		buf_append(b, esc, 3);
	}
}

int
hdhr_lineup_json(struct buf *b, const char *base_url,
    const struct hdhr_channel *ch, size_t n)
{
	struct buf t, u;
	size_t i;

	buf_init(&t);
	buf_init(&u);
	buf_puts(b, "[");
	for (i = 0; i < n; i++) {
		buf_puts(b, i > 0 ? ",{" : "{");
		hdhr_kv(b, &t, "GuideNumber", ch[i].number);
		hdhr_kv(b, &t, "GuideName", ch[i].name);
		hdhr_url(&u, base_url, HDHR_STREAM_PATH);
		hdhr_pct(&u, ch[i].stream);
		hdhr_kv(b, &t, "URL", buf_str(&u));
		buf_puts(b, "}");
	}
	buf_puts(b, "]");
	buf_free(&t);
	buf_free(&u);
	return b->failed || t.failed || u.failed ? -1 : 0;
}

/* <TAG>S</TAG>, S escaped, on a line of its own at INDENT tabs. */
static void
hdhr_elem(struct buf *b, struct buf *t, int indent, const char *tag,
    const char *s)
{
	buf_printf(b, "%.*s<%s>", indent, "\t\t\t\t", tag);
	hdhr_xml(b, t, s);
	buf_printf(b, "</%s>\n", tag);
}

int
hdhr_device_xml(struct buf *b, const struct hdhr_device *d)
{
	struct buf t, u;
	char id[HDHR_DEVICE_ID_LEN + 1], udn[HDHR_UDN_LEN + 1];

	buf_init(&t);
	buf_init(&u);
	hdhr_device_id_format(d->device_id, id);
	hdhr_udn(d->device_id, udn);
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n"
	    "\t<specVersion>\n\t\t<major>1</major>\n\t\t<minor>0</minor>\n"
	    "\t</specVersion>\n");
	hdhr_elem(b, &t, 1, "URLBase", hdhr_url(&u, d->base_url, ""));
	buf_puts(b, "\t<device>\n");
	hdhr_elem(b, &t, 2, "deviceType", HDHR_DEVICE_TYPE);
	hdhr_elem(b, &t, 2, "friendlyName", d->friendly_name != NULL &&
	    d->friendly_name[0] != '\0' ? d->friendly_name :
	    HDHR_FRIENDLY_NAME);
	hdhr_elem(b, &t, 2, "manufacturer", HDHR_MANUFACTURER);
	hdhr_elem(b, &t, 2, "modelName", HDHR_MODEL_NAME);
	hdhr_elem(b, &t, 2, "modelNumber", HDHR_MODEL_NUMBER);
	hdhr_elem(b, &t, 2, "serialNumber", id);
	hdhr_elem(b, &t, 2, "UDN", udn);
	buf_puts(b, "\t</device>\n</root>\n");
	buf_free(&t);
	buf_free(&u);
	return b->failed || t.failed || u.failed ? -1 : 0;
}
