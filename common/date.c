/* forumsearch — dates: ISO 8601 and the Chinese scraped form (date.h). */
#include "date.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

#define SECONDS_PER_DAY 86400
#define SECONDS_PER_HOUR 3600

/* A read position in the (trimmed) input. */
typedef struct cursor {
    const char *p;
    const char *end;
} cursor_t;

/* How much of a date was written: the period it names. */
typedef enum precision {
    PREC_YEAR, PREC_MONTH, PREC_DAY, PREC_HOUR, PREC_MINUTE, PREC_SECOND
} precision_t;

/* A wall-clock time before any zone is applied. */
typedef struct civil_time {
    int year, month, day, hour, minute, second;
    precision_t precision; /* The smallest unit written. */
} civil_time_t;

/* How a zone name maps to an offset from UTC. */
typedef enum zone_kind {
    ZONE_FIXED,      /* Always `offset` seconds east of UTC. */
    ZONE_US_RULES    /* `offset` in winter, one hour more under US DST. */
} zone_kind_t;

typedef struct zone_name {
    const char *name;
    zone_kind_t kind;
    int offset;
} zone_name_t;

/* Every zone written as a name. CST is China Standard Time here, not US
 * Central: the forums we read are Chinese, and guessing US Central for
 * them would be wrong far more often than right. */
static const zone_name_t zone_names[] = {
    {"PT", ZONE_US_RULES, -8 * SECONDS_PER_HOUR},
    {"美西时间", ZONE_US_RULES, -8 * SECONDS_PER_HOUR},
    {"PST", ZONE_FIXED, -8 * SECONDS_PER_HOUR},
    {"PDT", ZONE_FIXED, -7 * SECONDS_PER_HOUR},
    {"ET", ZONE_US_RULES, -5 * SECONDS_PER_HOUR},
    {"美东时间", ZONE_US_RULES, -5 * SECONDS_PER_HOUR},
    {"EST", ZONE_FIXED, -5 * SECONDS_PER_HOUR},
    {"EDT", ZONE_FIXED, -4 * SECONDS_PER_HOUR},
    {"CST", ZONE_FIXED, 8 * SECONDS_PER_HOUR},
    {"北京时间", ZONE_FIXED, 8 * SECONDS_PER_HOUR},
};

/* ------------------------------------------------------------------ */
/* Calendar arithmetic                                                */
/* ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil, valid for every year an int64_t can hold). */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5
                          + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4
                         - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* The inverse of days_from_civil(). */
static void civil_from_days(int64_t days, int64_t *year, int *month,
                            int *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460
                           + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4
                                        - year_of_era / 100);
    int64_t month_index = (5 * day_of_year + 2) / 153;
    *day = (int)(day_of_year - (153 * month_index + 2) / 5 + 1);
    *month = (int)(month_index < 10 ? month_index + 3 : month_index - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

static bool is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap_year(year))
        return 29;
    return days[month - 1];
}

/* 0 = Sunday. 1970-01-01 was a Thursday. */
static int weekday_of_days(int64_t days)
{
    int64_t weekday = (days + 4) % 7;
    return (int)(weekday < 0 ? weekday + 7 : weekday);
}

/* The day number of the nth (1-based) Sunday of a month. */
static int64_t nth_sunday(int year, int month, int n)
{
    int64_t first = days_from_civil(year, month, 1);
    int64_t first_sunday = first + (7 - weekday_of_days(first)) % 7;
    return first_sunday + 7 * (n - 1);
}

static int64_t last_sunday(int year, int month)
{
    int64_t last = days_from_civil(year, month,
                                   days_in_month(year, month));
    return last - weekday_of_days(last);
}

/* Whether US daylight saving time is in effect at a local wall-clock
 * time (seconds since the epoch as if the wall clock were UTC). The
 * switch happens at 2:00 local time. An hour that does not exist (the
 * spring gap) counts as DST, and the hour that happens twice in autumn
 * is read as its first, DST, occurrence. Before 1967 the US had no
 * uniform rule; we then assume standard time. */
static bool us_dst_in_effect(int year, int64_t local)
{
    int64_t start, end;
    if (year >= 2007) {
        start = nth_sunday(year, 3, 2);
        end = nth_sunday(year, 11, 1);
    } else if (year >= 1987) {
        start = nth_sunday(year, 4, 1);
        end = last_sunday(year, 10);
    } else if (year >= 1967) {
        start = last_sunday(year, 4);
        end = last_sunday(year, 10);
        /* The energy-crisis years started early (15 U.S.C. 260a note). */
        if (year == 1974)
            start = days_from_civil(1974, 1, 6);
        else if (year == 1975)
            start = days_from_civil(1975, 2, 23);
    } else {
        return false;
    }
    int64_t switch_time = 2 * SECONDS_PER_HOUR;
    return local >= start * SECONDS_PER_DAY + switch_time
           && local < end * SECONDS_PER_DAY + switch_time;
}

static int64_t local_seconds(const civil_time_t *t)
{
    return days_from_civil(t->year, t->month, t->day) * SECONDS_PER_DAY
           + (int64_t)t->hour * SECONDS_PER_HOUR + t->minute * 60
           + t->second;
}

static bool civil_time_is_valid(const civil_time_t *t)
{
    /* A leap second (:60) is valid ISO 8601; it lands on the next
     * minute, as timegm() would put it. */
    return t->year >= 0 && t->year <= 9999 && t->month >= 1
           && t->month <= 12 && t->day >= 1
           && t->day <= days_in_month(t->year, t->month) && t->hour >= 0
           && t->hour <= 23 && t->minute >= 0 && t->minute <= 59
           && t->second >= 0 && t->second <= 60;
}

/* ------------------------------------------------------------------ */
/* Lexing                                                             */
/* ------------------------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
           || c == '\v';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool at_end(const cursor_t *c)
{
    return c->p == c->end;
}

static void skip_spaces(cursor_t *c)
{
    while (c->p < c->end && is_space(*c->p))
        c->p++;
}

/* Consumes the literal `text` (UTF-8 bytes) if it comes next. */
static bool eat(cursor_t *c, const char *text)
{
    size_t n = strlen(text);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, text, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool eat_char(cursor_t *c, char ch)
{
    if (c->p == c->end || *c->p != ch)
        return false;
    c->p++;
    return true;
}

/* Consumes `name` (upper-case ASCII) if it comes next, in any case. */
static bool eat_name(cursor_t *c, const char *name)
{
    size_t n = strlen(name);
    if ((size_t)(c->end - c->p) < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_upper(c->p[i]) != name[i])
            return false;
    c->p += n;
    return true;
}

/* Whether the rest of the input is exactly `name`, ASCII letters
 * compared without case. */
static bool rest_equals_name(const cursor_t *c, const char *name)
{
    cursor_t probe = *c;
    return eat_name(&probe, name) && at_end(&probe);
}

static int count_digits(const cursor_t *c)
{
    int n = 0;
    while (c->p + n < c->end && is_digit(c->p[n]))
        n++;
    return n;
}

/* Reads between min_digits and max_digits decimal digits. On failure
 * nothing is consumed. */
static bool read_number(cursor_t *c, int min_digits, int max_digits,
                        int *out)
{
    const char *p = c->p;
    int value = 0, n = 0;
    while (p < c->end && n < max_digits && is_digit(*p)) {
        value = value * 10 + (*p - '0');
        p++;
        n++;
    }
    /* More digits than allowed is a different, unknown format. */
    if (n < min_digits || (p < c->end && is_digit(*p)))
        return false;
    c->p = p;
    *out = value;
    return true;
}

/* ------------------------------------------------------------------ */
/* Zones                                                              */
/* ------------------------------------------------------------------ */

/* "+08:00", "+0800", "+08", "-5": seconds east of UTC. */
static bool read_numeric_offset(cursor_t *c, int *out)
{
    int sign;
    if (eat_char(c, '+'))
        sign = 1;
    else if (eat_char(c, '-'))
        sign = -1;
    else
        return false;
    int digits = count_digits(c);
    int hours = 0, minutes = 0;
    if (digits == 4) {
        /* "+0800": read_number() would refuse the run as too long. */
        hours = (c->p[0] - '0') * 10 + (c->p[1] - '0');
        minutes = (c->p[2] - '0') * 10 + (c->p[3] - '0');
        c->p += 4;
    } else if (digits == 1 || digits == 2) {
        read_number(c, 1, 2, &hours);
        if (eat_char(c, ':') && !read_number(c, 2, 2, &minutes))
            return false;
    } else {
        return false;
    }
    if (hours > 14 || minutes > 59)
        return false;
    *out = sign * (hours * SECONDS_PER_HOUR + minutes * 60);
    return true;
}

/* Reads the zone that ends the input and converts the wall-clock time
 * `local` to UTC. */
static bool apply_zone(cursor_t *c, const civil_time_t *t, int64_t *out)
{
    int64_t local = local_seconds(t);
    int offset = 0;

    if (at_end(c)) {
        *out = local;
        return true;
    }
    if (rest_equals_name(c, "Z")) {
        c->p = c->end;
        *out = local;
        return true;
    }
    if (eat_name(c, "UTC") || eat_name(c, "GMT")) {
        if (!at_end(c) && !read_numeric_offset(c, &offset))
            return false;
        *out = local - offset;
        return at_end(c);
    }
    if (*c->p == '+' || *c->p == '-') {
        if (!read_numeric_offset(c, &offset) || !at_end(c))
            return false;
        *out = local - offset;
        return true;
    }
    for (size_t i = 0; i < sizeof zone_names / sizeof zone_names[0]; i++) {
        const zone_name_t *zone = &zone_names[i];
        if (!rest_equals_name(c, zone->name))
            continue;
        offset = zone->offset;
        if (zone->kind == ZONE_US_RULES && us_dst_in_effect(t->year, local))
            offset += SECONDS_PER_HOUR;
        c->p = c->end;
        *out = local - offset;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* ISO 8601                                                           */
/* ------------------------------------------------------------------ */

/* "13:40", "13:40:20", "13:40:20.123" (the fraction is ignored). */
static bool read_clock_time(cursor_t *c, civil_time_t *t)
{
    if (!read_number(c, 1, 2, &t->hour) || !eat_char(c, ':')
        || !read_number(c, 2, 2, &t->minute))
        return false;
    t->precision = PREC_MINUTE;
    if (!eat_char(c, ':'))
        return true;
    if (!read_number(c, 2, 2, &t->second))
        return false;
    t->precision = PREC_SECOND;
    if (eat_char(c, '.') || eat_char(c, ',')) {
        if (at_end(c) || !is_digit(*c->p))
            return false;
        while (!at_end(c) && is_digit(*c->p))
            c->p++;
    }
    return true;
}

/* "2025", "2025-01", "2025-01-22", then optionally a time and zone.
 * Month, day and hour may have one digit ("2025-1-5 6:43"): scraped
 * pages write them that way and they cannot be misread. */
static bool parse_iso(cursor_t *c, civil_time_t *t, int64_t *out)
{
    if (!read_number(c, 4, 4, &t->year))
        return false;
    bool full_date = false;
    t->precision = PREC_YEAR;
    if (eat_char(c, '-')) {
        if (!read_number(c, 1, 2, &t->month))
            return false;
        t->precision = PREC_MONTH;
        if (eat_char(c, '-')) {
            if (!read_number(c, 1, 2, &t->day))
                return false;
            t->precision = PREC_DAY;
            full_date = true;
        }
    }
    if (!civil_time_is_valid(t))
        return false;
    if (at_end(c))
        return apply_zone(c, t, out);
    if (!full_date)
        return false;
    if (!eat_char(c, 'T') && !eat_char(c, 't')) {
        if (!is_space(*c->p))
            return false;
        skip_spaces(c);
    }
    if (!read_clock_time(c, t) || !civil_time_is_valid(t))
        return false;
    skip_spaces(c);
    return apply_zone(c, t, out);
}

/* ------------------------------------------------------------------ */
/* The Chinese scraped form                                           */
/* ------------------------------------------------------------------ */

/* "6点43分", "6点43分20秒", "6点", "6时43分", "06:43", each optionally
 * after 上午 (morning) or 下午 (afternoon). */
static bool read_chinese_time(cursor_t *c, civil_time_t *t)
{
    int half_day = 0; /* 0 = none, 1 = 上午, 2 = 下午. */
    if (eat(c, "上午"))
        half_day = 1;
    else if (eat(c, "下午"))
        half_day = 2;
    skip_spaces(c);

    const char *start = c->p;
    if (!read_clock_time(c, t)) {
        c->p = start;
        t->minute = 0;
        t->second = 0;
        if (!read_number(c, 1, 2, &t->hour))
            return false;
        if (!eat(c, "点") && !eat(c, "时"))
            return false;
        t->precision = PREC_HOUR;
        if (read_number(c, 1, 2, &t->minute)) {
            if (!eat(c, "分"))
                return false;
            t->precision = PREC_MINUTE;
            if (read_number(c, 1, 2, &t->second)) {
                if (!eat(c, "秒"))
                    return false;
                t->precision = PREC_SECOND;
            }
        }
    }
    /* 上午 is 0..11 o'clock and 下午 is 12 (noon) and 1..11; "上午12点"
     * could be noon or midnight, so we refuse to guess. */
    if (half_day == 1 && t->hour > 11)
        return false;
    if (half_day == 2) {
        if (t->hour < 1 || t->hour > 12)
            return false;
        if (t->hour != 12)
            t->hour += 12;
    }
    return true;
}

/* "2025年1月23日", optionally followed by a time and zone. "2025年" and
 * "2025年1月" alone mean the start of that year or month. */
static bool parse_chinese(cursor_t *c, civil_time_t *t, int64_t *out)
{
    if (!read_number(c, 4, 4, &t->year) || !eat(c, "年"))
        return false;
    skip_spaces(c);
    bool full_date = false;
    t->precision = PREC_YEAR;
    if (read_number(c, 1, 2, &t->month)) {
        if (!eat(c, "月"))
            return false;
        t->precision = PREC_MONTH;
        skip_spaces(c);
        if (read_number(c, 1, 2, &t->day)) {
            if (!eat(c, "日") && !eat(c, "号"))
                return false;
            t->precision = PREC_DAY;
            full_date = true;
        }
    }
    skip_spaces(c);
    if (at_end(c))
        return civil_time_is_valid(t) && apply_zone(c, t, out);
    if (!full_date || !read_chinese_time(c, t) || !civil_time_is_valid(t))
        return false;
    skip_spaces(c);
    return apply_zone(c, t, out);
}

/* ------------------------------------------------------------------ */
/* Public (library-private) entry points                              */
/* ------------------------------------------------------------------ */

/* Parses the trimmed input into *out; *t tells how much was written. */
static bool parse_date(cursor_t c, civil_time_t *t, int64_t *out)
{
    /* Both forms start with a four-digit year; the byte after it tells
     * which form this is. A missing month or day is the first one. */
    *t = (civil_time_t){0, 1, 1, 0, 0, 0, PREC_YEAR};
    cursor_t probe = c;
    int year;
    if (!read_number(&probe, 4, 4, &year))
        return false;
    bool ok = eat(&probe, "年") ? parse_chinese(&c, t, out)
                                 : parse_iso(&c, t, out);
    return ok && at_end(&c);
}

static cursor_t trimmed(const char *s, size_t len)
{
    cursor_t c = {s, s + len};
    skip_spaces(&c);
    while (c.end > c.p && is_space(c.end[-1]))
        c.end--;
    return c;
}

forum_status_t fsi_date_parse(int64_t *out, const char *s, size_t len)
{
    if (s == NULL)
        return FORUM_EINVAL;
    civil_time_t t;
    int64_t result;
    if (!parse_date(trimmed(s, len), &t, &result))
        return FORUM_EINVAL;
    *out = result;
    return FORUM_OK;
}

/* ------------------------------------------------------------------ */
/* Periods, and what is wrong with a date that does not parse         */
/* ------------------------------------------------------------------ */

/* The last second of the period that starts at `first`. Years, months
 * and days are written without a zone (a zone needs a time), so they are
 * UTC periods; hours, minutes and seconds have fixed lengths. */
static int64_t period_last(const civil_time_t *t, int64_t first)
{
    int64_t next;
    switch (t->precision) {
    case PREC_YEAR:
        next = days_from_civil((int64_t)t->year + 1, 1, 1) * SECONDS_PER_DAY;
        break;
    case PREC_MONTH:
        next = (t->month == 12
                    ? days_from_civil((int64_t)t->year + 1, 1, 1)
                    : days_from_civil(t->year, t->month + 1, 1))
               * SECONDS_PER_DAY;
        break;
    case PREC_DAY:
        next = first + SECONDS_PER_DAY;
        break;
    case PREC_HOUR:
        next = first + SECONDS_PER_HOUR;
        break;
    case PREC_MINUTE:
        next = first + 60;
        break;
    default:
        next = first + 1;
        break;
    }
    return next - 1;
}

static void set_error(fsi_date_error_t *err, const cursor_t *c,
                      const char *s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_error(fsi_date_error_t *err, const cursor_t *c,
                      const char *s, const char *fmt, ...)
{
    err->offset = (size_t)(c->p - s);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

/* Bytes of the UTF-8 character at c (at least 1, never past the end). */
static int char_bytes(const cursor_t *c)
{
    return (int)fsi_utf8_seq_len(c->p, (size_t)(c->end - c->p), 0);
}

/* Reads a run of digits for a month, day, ... and checks its range. */
static bool diagnose_number(cursor_t *c, const char *s, const char *what,
                            int lo, int hi, int *out,
                            fsi_date_error_t *err)
{
    int digits = count_digits(c);
    if (digits == 0) {
        if (at_end(c))
            set_error(err, c, s, "the %s is missing", what);
        else
            set_error(err, c, s, "\"%.*s\" where the %s should be",
                      char_bytes(c), c->p, what);
        return false;
    }
    if (digits > 2) {
        set_error(err, c, s, "a %s has one or two digits", what);
        return false;
    }
    cursor_t at = *c;
    read_number(c, 1, 2, out);
    if (*out < lo || *out > hi) {
        set_error(err, &at, s, "there is no %s %d", what, *out);
        return false;
    }
    return true;
}

/* Explains why a date (trimmed, in c) does not parse: the year, month
 * and day are checked one by one; past them the time or zone is blamed. */
static void diagnose(cursor_t c, const char *s, fsi_date_error_t *err)
{
    static const char forms[] =
        " (dates are YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by "
        "THH:MM or THH:MM:SS and a zone)";
    if (at_end(&c)) {
        set_error(err, &c, s, "the date is empty");
        return;
    }
    int digits = count_digits(&c), year = 0, month = 0, day = 0;
    if (digits != 4) {
        set_error(err, &c, s, "a date starts with a four-digit year%s",
                  forms);
        return;
    }
    read_number(&c, 4, 4, &year);
    bool chinese = eat(&c, "年");
    if (chinese) {
        skip_spaces(&c);
        if (at_end(&c))
            goto blame_time;
    } else if (!eat_char(&c, '-')) {
        set_error(err, &c, s, "\"%.*s\" after the year%s", char_bytes(&c),
                  c.p, forms);
        return;
    }
    if (!diagnose_number(&c, s, "month", 1, 12, &month, err))
        return;
    if (chinese) {
        if (!eat(&c, "月")) {
            set_error(err, &c, s, "月 should follow the month");
            return;
        }
        skip_spaces(&c);
        if (at_end(&c) || !is_digit(*c.p))
            goto blame_time;
    } else if (at_end(&c)) {
        goto blame_time;
    } else if (!eat_char(&c, '-')) {
        if (*c.p == 'T' || *c.p == 't' || is_space(*c.p))
            set_error(err, &c, s, "a time needs a whole date (YYYY-MM-DD)");
        else
            set_error(err, &c, s, "\"%.*s\" after the month%s",
                      char_bytes(&c), c.p, forms);
        return;
    }
    if (!diagnose_number(&c, s, "day", 1, 31, &day, err))
        return;
    if (day > days_in_month(year, month)) {
        /* Point at the day: back over its digits. */
        const char *p = c.p;
        while (p > s && is_digit(p[-1]))
            p--;
        cursor_t at = {p, c.end};
        set_error(err, &at, s, "%04d-%02d has %d days", year, month,
                  days_in_month(year, month));
        return;
    }
    if (chinese && !eat(&c, "日") && !eat(&c, "号")) {
        set_error(err, &c, s, "日 should follow the day");
        return;
    }
    if (!chinese && !at_end(&c) && *c.p != 'T' && *c.p != 't' &&
        !is_space(*c.p)) {
        set_error(err, &c, s, "\"%.*s\" after the day%s", char_bytes(&c),
                  c.p, forms);
        return;
    }
blame_time:
    if (!chinese && !at_end(&c) && (*c.p == 'T' || *c.p == 't'))
        c.p++;
    skip_spaces(&c);
    if (at_end(&c))
        set_error(err, &c, s, "the time is missing");
    else
        set_error(err, &c, s, "bad time or zone \"%.*s\"%s",
                  fsi_utf8_clip(c.p, (size_t)(c.end - c.p), 40), c.p, forms);
}

forum_status_t fsi_date_parse_period(int64_t *first, int64_t *last,
                                     const char *s, size_t len,
                                     fsi_date_error_t *err)
{
    fsi_date_error_t ignored;
    if (err == NULL)
        err = &ignored;
    err->offset = 0;
    err->message[0] = '\0';
    if (s == NULL) {
        snprintf(err->message, sizeof err->message, "no date");
        return FORUM_EINVAL;
    }
    cursor_t c = trimmed(s, len);
    civil_time_t t;
    int64_t start;
    if (!parse_date(c, &t, &start)) {
        diagnose(c, s, err);
        return FORUM_EINVAL;
    }
    *first = start;
    *last = period_last(&t, start);
    return FORUM_OK;
}

void fsi_date_format(char out[32], int64_t t)
{
    /* Floor division: times before 1970 have a negative remainder. */
    int64_t days = t / SECONDS_PER_DAY;
    int64_t seconds = t % SECONDS_PER_DAY;
    if (seconds < 0) {
        seconds += SECONDS_PER_DAY;
        days--;
    }
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    int hour = (int)(seconds / SECONDS_PER_HOUR);
    int minute = (int)(seconds / 60 % 60);
    int second = (int)(seconds % 60);
    snprintf(out, 32, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)year,
             month, day, hour, minute, second);
}
