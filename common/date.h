/* forumsearch — private: dates found in thread files and JSON Lines.
 *
 * Everything is computed with our own calendar arithmetic (proleptic
 * Gregorian, Unix seconds), so the results never depend on the process's
 * locale, TZ variable or C library.
 */
#ifndef FORUMSEARCH_DATE_H
#define FORUMSEARCH_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "forumsearch.h"

/* Parses the date in s[0..len) into Unix seconds. Accepted, with ASCII
 * white space allowed around the whole:
 *
 *   2025   2025-01   2025-01-22
 *   2025-01-22 13:40   2025-01-22T13:40:20   2025-01-22T13:40:20.123
 *   any of the timed forms followed by a zone (optionally after spaces):
 *     Z, +08:00, +0800, +08, -05:00, UTC, GMT, UTC+8, GMT-05:00,
 *     PT PST PDT 美西时间 (US Pacific), ET EST EDT 美东时间 (US Eastern),
 *     CST 北京时间 (China, +08:00)
 *   2025年1月23日   2025年1月23日 6点43分 PT   2025年1月23日 下午6点43分20秒
 *   2025年1月23日 06:43
 *
 * No zone means UTC. PT and ET follow the US daylight-saving rules of
 * the year in question (since 2007: 2nd Sunday of March 2:00 to 1st
 * Sunday of November 2:00, local time); PST/EST and PDT/EDT are fixed
 * offsets. Missing month/day/time parts are the first of their range.
 *
 * Returns FORUM_OK, or FORUM_EINVAL (and leaves *out alone) for anything
 * else, including impossible dates such as 2025-02-29. */
forum_status_t fsi_date_parse(int64_t *out, const char *s, size_t len);

/* Where and why a date does not parse. */
typedef struct fsi_date_error {
    size_t offset;       /* Byte offset into the text given. */
    char message[200];   /* "there is no month 13", ... */
} fsi_date_error_t;

/* Parses a date as the period it names, for searching: the forms of
 * fsi_date_parse(), where 2025 is the whole year, 2025-1 (or 2025-01,
 * 2025年1月) all of January, 2025-1-5 that day, 2025-01-05T13:40 that
 * minute, 13:40:20 that second. *first and *last are its first and last
 * second (inclusive). On failure returns FORUM_EINVAL and, when err is
 * not NULL, says what is wrong and where: the month of 2025-13, the day
 * of 2025-02-30, the "x" of 2025-1-1x. */
forum_status_t fsi_date_parse_period(int64_t *first, int64_t *last,
                                     const char *s, size_t len,
                                     fsi_date_error_t *err);

/* Writes t as "2025-01-23T14:43:00Z" (UTC, NUL-terminated). Any int64_t
 * is accepted; years beyond 9999 simply get more digits. */
void fsi_date_format(char out[32], int64_t t);

#endif
