/*
 * iso8601.c - ISO 8601 dates and times to and from milliseconds since
 * the epoch, for EXT-X-PROGRAM-DATE-TIME (m3u8.c).
 *
 * The input comes from upstream playlists, so it is read by hand, digit
 * by digit with fixed widths, instead of with strptime() or mktime():
 * no locale, no time zone database, no TZ variable, and every field is
 * range-checked (a 31st of November is an error, not the 1st of
 * December).  Days are counted with Howard Hinnant's civil-calendar
 * algorithms, exact over the proleptic Gregorian calendar.
 *
 * Pure: calls nothing outside libc; unit-tested
 * (tests/unit/test_iso8601.c) and fuzzed (tests/fuzz/fuzz_m3u8.c).
 */
#include <stdio.h>

#include "iso8601.h"

#define ISO8601_MS_PER_DAY	86400000LL
#define ISO8601_YEAR_MIN	1970
#define ISO8601_YEAR_MAX	9999

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		 era;
	unsigned	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* N digits at *P into *OUT, advancing *P. */
static int
fixed_digits(const char **p, int n, int *out)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* "Z", "+HH", "+HHMM", "+HH:MM" (or '-'), or nothing: offset in ms. */
static int
parse_zone(const char *p, int64_t *off_ms)
{
	int	 sign, hh, mm = 0;

	*off_ms = 0;
	if (*p == '\0')
		return 0;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (fixed_digits(&p, 2, &hh) == -1)
		return -1;
	if (*p == ':') {
		p++;
		if (fixed_digits(&p, 2, &mm) == -1)
			return -1;
	} else if (*p != '\0' && fixed_digits(&p, 2, &mm) == -1)
		return -1;
	if (*p != '\0' || hh > 23 || mm > 59)
		return -1;
	*off_ms = sign * ((int64_t)hh * 3600000 + (int64_t)mm * 60000);
	return 0;
}

int
iso8601_parse(const char *s, int64_t *ms)
{
	const char	*p = s;
	int		 y, mo, d, h, mi, sec, frac = 0, nfrac = 0;
	int64_t		 off, v;

	if (fixed_digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    fixed_digits(&p, 2, &mo) == -1 || *p++ != '-' ||
	    fixed_digits(&p, 2, &d) == -1)
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (fixed_digits(&p, 2, &h) == -1 || *p++ != ':' ||
	    fixed_digits(&p, 2, &mi) == -1 || *p++ != ':' ||
	    fixed_digits(&p, 2, &sec) == -1)
		return -1;
	if (*p == '.' || *p == ',') {
		if (!is_digit(*++p))
			return -1;
		for (; is_digit(*p); p++)
			if (nfrac++ < 3)
				frac = frac * 10 + (*p - '0');
		for (; nfrac < 3; nfrac++)
			frac *= 10;
	}
	if (parse_zone(p, &off) == -1)
		return -1;
	if (y < ISO8601_YEAR_MIN || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -1;
	v = days_from_civil(y, mo, d) * ISO8601_MS_PER_DAY +
	    ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac - off;
	if (v < 0)
		return -1;
	*ms = v;
	return 0;
}

int
iso8601_format(int64_t ms, char *out, size_t outsz)
{
	int64_t	 days, rem;
	int	 y, m, d, n;

	if (ms < 0 || out == NULL || outsz < 25)
		return -1;
	days = ms / ISO8601_MS_PER_DAY;
	rem = ms % ISO8601_MS_PER_DAY;
	civil_from_days(days, &y, &m, &d);
	if (y > ISO8601_YEAR_MAX)
		return -1;
	n = snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    y, m, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000));
	return n > 0 && (size_t)n < outsz ? n : -1;
}
