/*
 * hdhr_id.c - the HDHomeRun DeviceID's check digit.
 *
 * libhdhomerun's hdhomerun_discover_validate_device_id() (LGPL; the rule
 * is public, the code here is our own) XORs the eight hex digits, the
 * 1st, 3rd, 5th and 7th (from the left) through a permutation table
 * first; an id is valid when the result is 0.  The last digit enters as
 * itself, so for any first seven exactly one last digit is valid: the
 * check digit is the XOR of the others.  Here, below the documents
 * (src/proto/hdhr.c), so that the configuration's device_id is refused
 * with its line when its check digit is wrong.
 */
#include <string.h>

#include "hdhr_id.h"

/* The permutation of the odd digits (libhdhomerun's lookup table). */
static const uint8_t hdhr_check_table[16] = {
	0xA, 0x5, 0xF, 0x6, 0x7, 0xC, 0x1, 0xB,
	0x9, 0x2, 0x8, 0xD, 0x4, 0x3, 0xE, 0x0,
};

/* The XOR of ID's first seven digits as the rule takes them. */
static unsigned
hdhr_check_of(uint32_t id)
{
	unsigned x = 0;
	int digit;

	for (digit = 0; digit < 7; digit++) {	/* from the left */
		unsigned v = (id >> (28 - 4 * digit)) & 0xF;

		x ^= digit % 2 == 0 ? hdhr_check_table[v] : v;
	}
	return x;
}

int
hdhr_device_id_valid(uint32_t id)
{
	return (hdhr_check_of(id) ^ (id & 0xF)) == 0;
}

uint32_t
hdhr_device_id_make(uint32_t seed)
{
	uint32_t x = seed;

	/* A 32-bit mixer (Wellons' lowbias32): every seed bit moves many
	 * digits, so near seeds give far ids. */
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	x = 0x10000000U | (x & 0x0FFFFFF0U);
	return x | hdhr_check_of(x);
}

int
hdhr_device_id_parse(const char *text, uint32_t *id)
{
	uint32_t v = 0;
	int i;

	if (text == NULL || strlen(text) != HDHR_DEVICE_ID_LEN)
		return -1;
	for (i = 0; i < HDHR_DEVICE_ID_LEN; i++) {
		char c = text[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	if (v == 0 || v == HDHR_DEVICE_ID_WILDCARD || !hdhr_device_id_valid(v))
		return -1;
	*id = v;
	return 0;
}
