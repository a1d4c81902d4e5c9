/* forumsearch — tests for common/date.c (fsi_date_parse/format).
 *
 * Expected values were computed independently with Python's datetime and
 * zoneinfo (America/Los_Angeles, America/New_York).
 */
#include "date.h"
#include "testutil.h"

#include <stdint.h>
#include <string.h>

typedef struct good_case {
    const char *input;
    int64_t want;
} good_case_t;

static const good_case_t good_cases[] = {
    /* ISO 8601, date only and partial dates. */
    {"2025-01-22", 1737504000},
    {"2025-01", 1735689600},
    {"2025", 1735689600},
    {"1970-01-01", 0},
    {"2025-1-5", 1736035200},
    {"  2025-01-22\n", 1737504000},
    /* ISO 8601 with a time. */
    {"2025-01-22 13:40:20", 1737553220},
    {"2025-01-22T13:40:20", 1737553220},
    {"2025-01-22t13:40:20", 1737553220},
    {"2025-01-22T13:40:20Z", 1737553220},
    {"2025-01-22T13:40:20z", 1737553220},
    {"2025-01-22T13:40:20.123456Z", 1737553220},
    {"2025-01-22T13:40:20,5", 1737553220},
    {"2025-01-22 13:40", 1737553200},
    {"2025-01-22  13:40:20", 1737553220},
    {"2025-1-22 6:43", 1737528180},
    /* Numeric offsets. */
    {"2025-01-22T13:40:20-05:00", 1737571220},
    {"2025-01-22T13:40:20-0500", 1737571220},
    {"2025-01-22T13:40:20-05", 1737571220},
    {"2025-01-22 13:40:20 -0500", 1737571220},
    {"2025-01-22T13:40:20+05:30", 1737533420},
    {"2025-01-22T13:40:20+00:00", 1737553220},
    {"2025-01-22T13:40:20 UTC", 1737553220},
    {"2025-01-22T13:40:20 GMT", 1737553220},
    {"2025-01-22T13:40:20 utc", 1737553220},
    {"2025-01-22T13:40:20 GMT-5", 1737571220},
    {"2025-01-22T13:40:20 UTC+05:30", 1737533420},
    /* Named zones. */
    {"2025-01-23 06:43 PT", 1737643380},
    {"2025-01-23 06:43 PST", 1737643380},
    {"2025-01-23 06:43 pst", 1737643380},
    {"2025-01-23 06:43 PDT", 1737643380 - 3600},
    {"2025-01-23 18:43:00 CST", 1737628980},
    {"2025-01-23 18:43:00 北京时间", 1737628980},
    {"2024-12-01 09:30 ET", 1733063400},
    {"2024-12-01 09:30 EST", 1733063400},
    {"2024-07-01 09:30 ET", 1719840600},
    {"2024-07-01 09:30 EDT", 1719840600},
    {"2024-07-01 09:30 EST", 1719840600 + 3600},
    {"2024-07-01 09:30 美东时间", 1719840600},
    /* US DST edges for PT (2007+ rules). */
    {"2025-07-04 12:00 PT", 1751655600},
    {"2025-03-09 01:59 PT", 1741514340},
    {"2025-03-09 03:00 PT", 1741514400},
    {"2025-11-02 00:59 PT", 1762070340},
    {"2025-11-02 01:30 PT", 1762072200},  /* First (PDT) occurrence. */
    {"2025-11-02 02:00 PT", 1762077600},
    {"2025-07-04 12:00 美西时间", 1751655600},
    /* Older US rules. */
    {"2006-04-02 03:00 PT", 1143972000},
    {"2006-03-15 12:00 PT", 1142452800},
    {"2006-10-29 01:00 PT", 1162108800},
    {"2006-10-29 03:00 PT", 1162119600},
    {"1980-04-27 03:00 PT", 325677600},
    {"1980-04-26 12:00 PT", 325627200},
    {"1974-02-01 12:00 PT", 128977200},
    {"1975-03-01 12:00 PT", 162932400},
    /* The Chinese scraped form. */
    {"2025年1月23日 6点43分 PT", 1737643380},
    {"2025年1月23日 6点43分", 1737643380 - 8 * 3600},
    {"2025年01月23日 06点43分", 1737643380 - 8 * 3600},
    {"2025年1月23日", 1737590400},
    {"2025年1月23号", 1737590400},
    {"2025年 1月 23日", 1737590400},
    {"2025年1月", 1735689600},
    {"2025年", 1735689600},
    {"2025年1月23日 6点", 1737612000},
    {"2025年1月23日 6时43分", 1737614580},
    {"2025年1月23日 6点43分20秒", 1737614600},
    {"2025年1月23日 06:43", 1737614580},
    {"2025年1月23日 06:43:20 PT", 1737643400},
    {"2025年1月23日 上午6点43分", 1737614580},
    {"2025年1月23日 上午0点10分", 1737591000},
    {"2025年1月23日 下午6点43分 PT", 1737643380 + 12 * 3600},
    {"2025年1月23日 下午12点", 1737633600},
    {"2025年1月23日 下午 1点", 1737637200},
    {"2025年1月23日 6点43分 北京时间", 1737614580 - 8 * 3600},
    {"2025年1月23日6点43分", 1737614580},
    /* Calendar edges. */
    {"2024-02-29T23:59:59", 1709251199},
    {"2000-02-29", 951782400},
    {"1969-12-31T23:59:59Z", -1},
    {"0001-01-01", -62135596800},
    {"0000-01-01", -62167219200},
    {"9999-12-31T23:59:59Z", 253402300799},
    {"1900-03-01", -2203891200},
    {"2016-12-31T23:59:60Z", 1483228800},  /* A leap second. */
};

static const char *const bad_cases[] = {
    "",
    "   ",
    "yesterday",
    "25-01-22",
    "20250122",
    "202501",
    "2025-13-01",
    "2025-00-10",
    "2025-02-29",
    "2023-02-29",
    "1900-02-29",
    "2025-04-31",
    "2025-01-32",
    "2025-01-00",
    "2025-01-22 24:00",
    "2025-01-22 13:60",
    "2025-01-22 13:40:61",
    "2025-01-22 13",
    "2025-01-22 13:4",
    "2025-01-22 13:40:2",
    "2025-01-22T",
    "2025-01-22 13:40:20.",
    "2025-01-22 13:40:20 XYZ",
    "2025-01-22 13:40:20 P",
    "2025-01-22 13:40:20 PTX",
    "2025-01-22 13:40:20+",
    "2025-01-22 13:40:20+15:00",
    "2025-01-22 13:40:20+08:60",
    "2025-01-22 13:40:20+08:",
    "2025-01-22 13:40:20+080",
    "2025-01-22 13:40:20+08000",
    "2025-01-22 13:40:20 UTC+",
    "2025-01-22 13:40:20 Z Z",
    "2025-01-22Z",
    "2025-01 13:40",
    "2025 13:40",
    "2025-",
    "2025-01-",
    "2025-01-22 extra",
    "2025/01/22",
    "12025-01-01",
    "-2025-01-01",
    "2025年13月1日",
    "2025年2月30日",
    "2025年1月23",
    "2025年1月23日 6点43",
    "2025年1月23日 6点43分20",
    "2025年1月23日 25点",
    "2025年1月23日 上午12点",
    "2025年1月23日 下午0点",
    "2025年1月23日 下午13点",
    "2025年1月 6点43分",
    "2025年1月23日 6点43分 火星时间",
    "2025年1月23日 PT",
    "年1月23日",
};

static void test_good_dates(void)
{
    PHASE("good dates");
    for (size_t i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
        const good_case_t *c = &good_cases[i];
        int64_t got = 12345;
        forum_status_t status = fsi_date_parse(&got, c->input,
                                               strlen(c->input));
        if (status != FORUM_OK)
            TEST_FAIL("\"%s\": status %d", c->input, (int)status);
        if (got != c->want)
            TEST_FAIL("\"%s\": got %lld, want %lld", c->input,
                      (long long)got, (long long)c->want);
    }
}

static void test_bad_dates(void)
{
    PHASE("bad dates");
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const char *input = bad_cases[i];
        int64_t got = 12345;
        forum_status_t status = fsi_date_parse(&got, input, strlen(input));
        if (status != FORUM_EINVAL)
            TEST_FAIL("\"%s\": status %d, got %lld", input, (int)status,
                      (long long)got);
        CHECK_EQ_INT(got, 12345);
    }
}

/* The length bounds the input: bytes after it are never read. */
static void test_length_is_respected(void)
{
    PHASE("length");
    int64_t got = 0;
    const char text[] = "2025-01-22T13:40:20Zgarbage";
    CHECK_EQ_INT(fsi_date_parse(&got, text, 20), FORUM_OK);
    CHECK_EQ_INT(got, 1737553220);
    CHECK_EQ_INT(fsi_date_parse(&got, text, 10), FORUM_OK);
    CHECK_EQ_INT(got, 1737504000);
    CHECK_EQ_INT(fsi_date_parse(&got, text, 8), FORUM_EINVAL);
    CHECK_EQ_INT(fsi_date_parse(&got, text, sizeof text - 1), FORUM_EINVAL);

    /* Not NUL-terminated at all. */
    char exact[10];
    memcpy(exact, "2025-01-22", 10);
    CHECK_EQ_INT(fsi_date_parse(&got, exact, sizeof exact), FORUM_OK);
    CHECK_EQ_INT(got, 1737504000);

    /* An embedded NUL is not a terminator. */
    CHECK_EQ_INT(fsi_date_parse(&got, "2025-01-22\0", 11), FORUM_EINVAL);
    CHECK_EQ_INT(fsi_date_parse(&got, NULL, 0), FORUM_EINVAL);
}

typedef struct format_case {
    int64_t t;
    const char *want;
} format_case_t;

static void test_format(void)
{
    PHASE("format");
    static const format_case_t cases[] = {
        {0, "1970-01-01T00:00:00Z"},
        {1737643380, "2025-01-23T14:43:00Z"},
        {-1, "1969-12-31T23:59:59Z"},
        {951782400, "2000-02-29T00:00:00Z"},
        {-62135596800, "0001-01-01T00:00:00Z"},
        {253402300799, "9999-12-31T23:59:59Z"},
        {253402300800, "10000-01-01T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        fsi_date_format(out, cases[i].t);
        CHECK_EQ_STR(out, cases[i].want);
    }

    /* The extremes must not overflow or write past 32 bytes. */
    char out[32];
    fsi_date_format(out, INT64_MIN);
    CHECK(strlen(out) < 32 && out[strlen(out) - 1] == 'Z');
    fsi_date_format(out, INT64_MAX);
    CHECK(strlen(out) < 32 && out[strlen(out) - 1] == 'Z');
}

/* Every second of a range survives format → parse unchanged. */
static void test_round_trip(void)
{
    PHASE("round trip");
    for (int64_t t = -5000000000; t < 5000000000; t += 7777777) {
        char text[32];
        int64_t back = 0;
        fsi_date_format(text, t);
        CHECK_EQ_INT(fsi_date_parse(&back, text, strlen(text)), FORUM_OK);
        CHECK_EQ_INT(back, t);
    }
}

/* Dates as the periods they name, for date: in queries. */
static const struct {
    const char *input;
    int64_t first, last;
} period_cases[] = {
    {"2025", 1735689600, 1767225599},
    {"2025-1", 1735689600, 1738367999},
    {"2025-01", 1735689600, 1738367999},
    {"2025-12", 1764547200, 1767225599},
    {"2024-2", 1706745600, 1709251199},           /* A leap February. */
    {"2025-5-30", 1748563200, 1748649599},
    {"2025-05-30", 1748563200, 1748649599},
    {"2025-01-1", 1735689600, 1735775999},
    {"2025-1-01", 1735689600, 1735775999},
    {"2025-01-22T13:40", 1737553200, 1737553259}, /* A minute. */
    {"2025-01-22T13:40:20", 1737553220, 1737553220},
    {"2025-01-22T13:40:20.5Z", 1737553220, 1737553220},
    {"2025-01-22T13:40+08:00", 1737524400, 1737524459},
    {"2025年", 1735689600, 1767225599},
    {"2025年1月", 1735689600, 1738367999},
    {"2025年5月30日", 1748563200, 1748649599},
    {"2025年1月23日 6点 PT", 1737640800, 1737644399}, /* An hour. */
    {"9999", 253370764800, 253402300799},
    {" 2025-1 ", 1735689600, 1738367999},
};

/* What is wrong, and the byte where it is. */
static const struct {
    const char *input;
    size_t offset;
    const char *message;
} period_errors[] = {
    {"2025-13", 5, "there is no month 13"},
    {"2025-0", 5, "there is no month 0"},
    {"2025-02-30", 8, "2025-02 has 28 days"},
    {"2024-2-30", 7, "2024-02 has 29 days"},
    {"2025-04-31", 8, "2025-04 has 30 days"},
    {"2025-1-32", 7, "there is no day 32"},
    {"2025-1-0", 7, "there is no day 0"},
    {"2025-1-1x", 8, "\"x\" after the day (dates are YYYY, YYYY-MM or "
                     "YYYY-MM-DD, optionally followed by THH:MM or "
                     "THH:MM:SS and a zone)"},
    {"2025-1x", 6, "\"x\" after the month (dates are YYYY, YYYY-MM or "
                   "YYYY-MM-DD, optionally followed by THH:MM or "
                   "THH:MM:SS and a zone)"},
    {"2025x", 4, "\"x\" after the year (dates are YYYY, YYYY-MM or "
                 "YYYY-MM-DD, optionally followed by THH:MM or "
                 "THH:MM:SS and a zone)"},
    {"2025-", 5, "the month is missing"},
    {"2025-1-", 7, "the day is missing"},
    {"2025-x", 5, "\"x\" where the month should be"},
    {"2025-123", 5, "a month has one or two digits"},
    {"2025-1-123", 7, "a day has one or two digits"},
    {"25-1-1", 0, "a date starts with a four-digit year (dates are YYYY, "
                  "YYYY-MM or YYYY-MM-DD, optionally followed by THH:MM or "
                  "THH:MM:SS and a zone)"},
    {"", 0, "the date is empty"},
    {"2025-1T13:40", 6, "a time needs a whole date (YYYY-MM-DD)"},
    {"2025-01-22T25:00", 11, "bad time or zone \"25:00\" (dates are YYYY, "
                             "YYYY-MM or YYYY-MM-DD, optionally followed by "
                             "THH:MM or THH:MM:SS and a zone)"},
    {"2025-01-22T13:40 XYZ", 11, "bad time or zone \"13:40 XYZ\" (dates are "
                                 "YYYY, YYYY-MM or YYYY-MM-DD, optionally "
                                 "followed by THH:MM or THH:MM:SS and a "
                                 "zone)"},
    {"2025年13月", 7, "there is no month 13"},
    {"2025年2月30日", 11, "2025-02 has 28 days"},
    {"2025年1月23", 13, "日 should follow the day"},
    {"2025年 1x", 9, "月 should follow the month"},
};

static void test_periods(void)
{
    PHASE("periods");
    for (size_t i = 0; i < sizeof period_cases / sizeof period_cases[0];
         i++) {
        int64_t first = 1, last = 2;
        fsi_date_error_t err;
        const char *in = period_cases[i].input;
        if (fsi_date_parse_period(&first, &last, in, strlen(in), &err) !=
            FORUM_OK)
            TEST_FAIL("\"%s\": %s", in, err.message);
        if (first != period_cases[i].first || last != period_cases[i].last)
            TEST_FAIL("\"%s\": got %lld..%lld, want %lld..%lld", in,
                      (long long)first, (long long)last,
                      (long long)period_cases[i].first,
                      (long long)period_cases[i].last);
        /* The first second is what fsi_date_parse() reads. */
        int64_t t;
        CHECK_EQ_INT(fsi_date_parse(&t, in, strlen(in)), FORUM_OK);
        CHECK_EQ_INT(t, first);
    }

    PHASE("period errors: message and offset");
    for (size_t i = 0; i < sizeof period_errors / sizeof period_errors[0];
         i++) {
        int64_t first = 1, last = 2;
        fsi_date_error_t err;
        const char *in = period_errors[i].input;
        test_phase = in;
        CHECK_EQ_INT(fsi_date_parse_period(&first, &last, in, strlen(in),
                                           &err), FORUM_EINVAL);
        CHECK_EQ_INT(first, 1);
        CHECK_EQ_INT(last, 2);
        CHECK_EQ_STR(err.message, period_errors[i].message);
        CHECK_EQ_INT(err.offset, period_errors[i].offset);
    }
    /* Every bad date of fsi_date_parse() is bad here too, with a reason
     * and an offset inside the text. */
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        int64_t first, last;
        fsi_date_error_t err;
        const char *in = bad_cases[i];
        test_phase = in;
        CHECK_EQ_INT(fsi_date_parse_period(&first, &last, in, strlen(in),
                                           &err), FORUM_EINVAL);
        CHECK(err.message[0] != '\0');
        CHECK(err.offset <= strlen(in));
    }
    int64_t first, last;
    CHECK_EQ_INT(fsi_date_parse_period(&first, &last, "2025-13", 7, NULL),
                 FORUM_EINVAL);
    CHECK_EQ_INT(fsi_date_parse_period(&first, &last, NULL, 0, NULL),
                 FORUM_EINVAL);
}

int main(void)
{
    test_good_dates();
    test_periods();
    test_bad_dates();
    test_length_is_respected();
    test_format();
    test_round_trip();
    fprintf(stderr, "test_date: all passed\n");
    return 0;
}
