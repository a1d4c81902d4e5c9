/* The query language: query string -> tree as text, and every error
 * with its message and column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_parse.h"
#include "testutil.h"

static const struct {
    const char *query, *tree;
} good[] = {
    {"川普", "\"川普\""},
    {"川普 马斯克", "AND(\"川普\", \"马斯克\")"},
    {"川普 AND 马斯克", "AND(\"川普\", \"马斯克\")"},
    {"a OR b c", "OR(\"a\", AND(\"b\", \"c\"))"},
    {"a b OR c", "OR(AND(\"a\", \"b\"), \"c\")"},
    {"(a OR b) c", "AND(OR(\"a\", \"b\"), \"c\")"},
    {"-a b", "AND(NOT(\"a\"), \"b\")"},
    {"NOT a", "NOT(\"a\")"},
    {"gpt-4", "\"gpt-4\""},
    {"\"马斯克 川普\"", "\"马斯克 川普\""},
    {"“马斯克 川普”", "\"马斯克 川普\""},
    {"-\"a b\"", "NOT(\"a b\")"},
    {"-(a OR b)", "NOT(OR(\"a\", \"b\"))"},
    {"author:令胡冲", "author:\"令胡冲\""},
    {"author:\"Sam Altman\"", "author:\"Sam Altman\""},
    {"title:关税 board:news", "AND(title:\"关税\", board:\"news\")"},
    {"thread:news/0001_x", "thread:\"news/0001_x\""},
    {"floor:0", "floor:0..0"},
    {"floor:1..", "floor:1.."},
    {"floor:2..10", "floor:2..10"},
    {"floor:..3", "floor:..3"},
    {"date:2025-01-01..2025-01-31",
     "date:1735689600..1738367999"},
    {"date:2025-01..", "date:1735689600.."},
    {"date:..2024", "date:..1735689599"},
    {"date:2024", "date:1704067200..1735689599"},
    {"　川普　", "\"川普\""}, /* Ideographic spaces. */
    {"a | b", "OR(\"a\", \"b\")"},
    /* Dates name a whole year, month or day, padded or not, at either
     * end of a range. */
    {"date:2025-5-30", "date:1748563200..1748649599"},
    {"date:2025-05-30", "date:1748563200..1748649599"},
    {"date:2025-1", "date:1735689600..1738367999"},
    {"date:2025-01-1", "date:1735689600..1735775999"},
    {"date:2025-1..2025-2", "date:1735689600..1740787199"},
    {"date:2025-1-1..2025-1-31", "date:1735689600..1738367999"},
    {"date:..2025-1", "date:..1738367999"},
    {"date:2025-12-1..", "date:1764547200.."},
    {"date:2025-01-22T13:40", "date:1737553200..1737553259"},
    {"date:2025年1月", "date:1735689600..1738367999"},
    {"date:\"2025年1月23日 6点 PT\"", "date:1737640800..1737644399"},
    /* | is OR wherever it is written, also full-width. */
    {"川普|拜登", "OR(\"川普\", \"拜登\")"},
    {"川普｜拜登", "OR(\"川普\", \"拜登\")"},
    {"a|b c", "OR(\"a\", AND(\"b\", \"c\"))"},
    {"(川普|拜登)-特朗普", "AND(OR(\"川普\", \"拜登\"), NOT(\"特朗普\"))"},
    {"board:news|board:tech", "OR(board:\"news\", board:\"tech\")"},
    {"board:news | tech", "OR(board:\"news\", \"tech\")"},
    {"\"a|b\"", "\"a|b\""},
    /* Operators are upper case: and, or, not are words to search for. */
    {"川普 or 拜登", "AND(\"川普\", \"or\", \"拜登\")"},
    {"rock and roll", "AND(\"rock\", \"and\", \"roll\")"},
    {"not 川普", "AND(\"not\", \"川普\")"},
    /* A range typed with spaces around its .. is still the range. */
    {"floor:1 .. 3", "floor:1..3"},
    {"floor:1 ..3", "floor:1..3"},
    {"floor:1 ..", "floor:1.."},
    {"floor:.. 3", "floor:..3"},
    {"floor:1 .. 3 川普", "AND(floor:1..3, \"川普\")"},
    {"floor:1.. 川普", "AND(floor:1.., \"川普\")"},
    {"date:2025-1 .. 2025-3", "date:1735689600..1743465599"},
    {"(floor:1 .. 3)", "floor:1..3"},
};

static const struct {
    const char *query;
    size_t column;
    const char *message;
} bad[] = {
    {"", 1, "empty query"},
    {"   ", 1, "empty query"},
    {"\"川普", 1, "unbalanced quote: no closing \""},
    {"川普 “马斯克", 4, "unbalanced quote: no closing ”"},
    {"(川普", 1, "unbalanced parenthesis: no closing )"},
    {"川普)", 3, "unbalanced parenthesis: ) without ("},
    {"()", 1, "empty parentheses"},
    {"foo:bar", 1, "unknown field \"foo\" (fields: author, title, board, "
                   "thread, floor, date; quote the word to search for it)"},
    {"author:", 1, "field \"author\" needs a value"},
    {"floor:x", 7, "floor \"x\" is not a number"},
    {"floor:5..2", 7, "empty floor range: 5..2"},
    {"floor:..", 7, "empty floor range"},
    {"date:2025-13", 11, "bad date \"2025-13\": there is no month 13"},
    {"date:2025-02-30", 14, "bad date \"2025-02-30\": 2025-02 has 28 days"},
    {"date:2025-1-1x", 14, "bad date \"2025-1-1x\": \"x\" after the day "
                           "(dates are YYYY, YYYY-MM or YYYY-MM-DD, "
                           "optionally followed by THH:MM or THH:MM:SS and "
                           "a zone)"},
    {"date:2025-1..2025-13", 19, "bad date \"2025-13\": there is no month "
                                 "13"},
    {"date:2025-1 .. 2025-13", 21, "bad date \"2025-13\": there is no "
                                   "month 13"},
    {"date:yesterday", 6, "bad date \"yesterday\": a date starts with a "
                          "four-digit year (dates are YYYY, YYYY-MM or "
                          "YYYY-MM-DD, optionally followed by THH:MM or "
                          "THH:MM:SS and a zone)"},
    {"date:2025-1-1x \"", 14, "bad date \"2025-1-1x\": \"x\" after the "
                             "day (dates are YYYY, YYYY-MM or YYYY-MM-DD, "
                             "optionally followed by THH:MM or THH:MM:SS "
                             "and a zone)"},
    /* Quotes around nothing. */
    {"\"\"", 1, "empty phrase: put the text to search for between the "
               "quotes"},
    {"川普 “”", 4, "empty phrase: put the text to search for between the "
                  "quotes"},
    {"\" 　\"", 1, "empty phrase: put the text to search for between the "
                  "quotes"},
    /* | needs a term on each side. */
    {"川普||拜登", 3, "OR needs a term after it"},
    {"|川普", 1, "OR needs a term before it"},
    {"川普|", 3, "OR needs a term after it"},
    {"a -|b", 3, "- needs a term right after it (quote \"-\" to search "
                 "for it)"},
    {"(a -)", 4, "- needs a term right after it (quote \"-\" to search "
                 "for it)"},
    {"board:news|tech", 12, "\"tech\" after \"board:news|\" would be "
                            "searched as a word: write "
                            "board:news|board:tech for either, or put "
                            "spaces around | to search for the word"},
    /* floor:1.. 3 could be floor:1.. and the word 3, or floor:1..3. */
    {"floor:1.. 3", 11, "a range has no spaces: write floor:1..3 for a "
                        "range, or quote \"3\" to search for it"},
    {"date:2025-01.. 2025-03", 16, "a range has no spaces: write "
                                   "date:2025-01..2025-03 for a range, or "
                                   "quote \"2025-03\" to search for it"},
    {"floor:1 .. x", 12, "floor \"x\" is not a number"},
    {"floor:3 .. 1", 7, "empty floor range: 3 .. 1"},
    {"date:2025-02..2025-01", 6, "empty date range: 2025-02..2025-01"},
    {"OR a", 1, "OR needs a term before it"},
    {"a OR", 3, "OR needs a term after it"},
    {"a AND", 3, "AND needs a term after it"},
    {"NOT", 1, "NOT needs a term after it"},
    {"川普 -", 4, "- needs a term right after it (quote \"-\" to search "
                 "for it)"},
    {"- 川普", 1, "- needs a term right after it (quote \"-\" to search "
                 "for it)"},
    {"((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))",
     33, "parentheses nested deeper than 32"},
};

int main(void)
{
    PHASE("queries that parse");
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        fsi_qnode_t *tree;
        fsi_qerror_t err;
        forum_status_t st = fsi_query_parse(&tree, good[i].query,
                                            strlen(good[i].query), &err);
        if (st != FORUM_OK)
            TEST_FAIL("%s: column %zu: %s", good[i].query, err.column,
                      err.message);
        char *text = fsi_qnode_describe(tree);
        CHECK_EQ_STR(text, good[i].tree);
        free(text);
        fsi_qnode_free(tree);
    }

    PHASE("malformed queries: message and column");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fsi_qnode_t *tree = NULL;
        fsi_qerror_t err;
        forum_status_t st = fsi_query_parse(&tree, bad[i].query,
                                            strlen(bad[i].query), &err);
        if (st != FORUM_EQUERY)
            TEST_FAIL("%s: parsed, expected an error", bad[i].query);
        CHECK(tree == NULL);
        CHECK_EQ_STR(err.message, bad[i].message);
        CHECK_EQ_INT(err.column, bad[i].column);
    }

    PHASE("limits: length and number of parts");
    char long_query[FSI_MAX_QUERY_BYTES + 2];
    memset(long_query, 'a', sizeof long_query - 1);
    long_query[sizeof long_query - 1] = '\0';
    fsi_qnode_t *tree;
    fsi_qerror_t err;
    CHECK_EQ_INT(fsi_query_parse(&tree, long_query, strlen(long_query), &err),
                 FORUM_EQUERY);
    char many[4000] = "";
    for (int i = 0; i < 300; i++)
        strcat(many, "a ");
    CHECK_EQ_INT(fsi_query_parse(&tree, many, strlen(many), &err),
                 FORUM_EQUERY);
    CHECK(strstr(err.message, "more than") != NULL);

    PHASE("messages quote long values cut on a character boundary");
    char floor_query[512] = "floor:";
    for (int i = 0; i < 100; i++)
        strcat(floor_query, "川");
    CHECK_EQ_INT(fsi_query_parse(&tree, floor_query, strlen(floor_query),
                                 &err), FORUM_EQUERY);
    CHECK_EQ_STR(err.message, "floor \"川川川川川川川川川川川川川\" is not a number");

    PHASE("bytes that are not UTF-8 are text, not a crash");
    CHECK_EQ_INT(fsi_query_parse(&tree, "\xFF\xFE(", 3, &err), FORUM_EQUERY);
    CHECK_EQ_INT(err.column, 4); /* After "(": a term was expected. */
    CHECK_EQ_INT(fsi_query_parse(&tree, "\xFF\xFE", 2, &err), FORUM_OK);
    fsi_qnode_free(tree);
    fprintf(stderr, "test_query_parse: all passed\n");
    return 0;
}
