/* libFuzzer target: bytes -> fsi_query_parse, and fsi_qnode_describe
 * when it parses. Checks (query_parse.h): an error has a column within
 * the query and a message, and no tree; a tree has at most
 * FSI_MAX_QUERY_NODES nodes, sensible kinds, kids and ranges, columns
 * within the query, and a description. */
#include <stdint.h>
#include <string.h>

#include "query_parse.h"
#include "utf8.h"
#include "fuzz_util.h"

typedef struct walk {
    size_t nodes;
    size_t max_column;
} walk_t;

static void check_node(const fsi_qnode_t *n, walk_t *w, int depth)
{
    FUZZ_CHECK(n != NULL);
    FUZZ_CHECK(depth <= FSI_MAX_QUERY_NODES);
    w->nodes++;
    FUZZ_CHECK(n->column >= 1 && n->column <= w->max_column);
    switch (n->kind) {
    case FSI_Q_TEXT:
    case FSI_Q_TITLE:
    case FSI_Q_AUTHOR:
    case FSI_Q_BOARD:
    case FSI_Q_THREAD:
        FUZZ_CHECK(n->text != NULL && n->text[n->text_len] == '\0');
        FUZZ_CHECK(n->n_kids == 0);
        break;
    case FSI_Q_FLOOR:
    case FSI_Q_DATE:
        FUZZ_CHECK(n->lo <= n->hi);
        FUZZ_CHECK(n->n_kids == 0);
        if (n->kind == FSI_Q_FLOOR)
            FUZZ_CHECK(n->lo == INT64_MIN || n->lo >= 0);
        break;
    case FSI_Q_NOT:
        FUZZ_CHECK(n->n_kids == 1);
        break;
    case FSI_Q_AND:
    case FSI_Q_OR:
        FUZZ_CHECK(n->n_kids >= 1);
        break;
    default:
        FUZZ_CHECK(!"unknown node kind");
    }
    FUZZ_CHECK(n->n_kids == 0 || n->kids != NULL);
    for (size_t i = 0; i < n->n_kids; i++)
        check_node(n->kids[i], w, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *query = (const char *)data;
    /* Columns count characters the way the parser decodes them. */
    size_t chars = 0;
    for (size_t pos = 0; pos < size; chars++)
        fsi_utf8_next(query, size, &pos);

    fsi_qnode_t *tree = NULL;
    fsi_qerror_t err;
    forum_status_t st = fsi_query_parse(&tree, query, size, &err);
    if (st != FORUM_OK) {
        FUZZ_CHECK(st == FORUM_EQUERY);
        FUZZ_CHECK(tree == NULL);
        FUZZ_CHECK(err.column >= 1 && err.column <= chars + 1);
        FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        FUZZ_CHECK(err.message[0] != '\0');
        FUZZ_CHECK(fuzz_utf8_valid(err.message, strlen(err.message)) ||
                   !fuzz_utf8_valid(query, size));
        return 0;
    }
    FUZZ_CHECK(size <= FSI_MAX_QUERY_BYTES);
    walk_t w = {0, chars + 1};
    check_node(tree, &w, 0);
    FUZZ_CHECK(w.nodes <= FSI_MAX_QUERY_NODES);
    char *text = fsi_qnode_describe(tree);
    FUZZ_CHECK(text != NULL && text[0] != '\0');
    fsi_qnode_free(tree);
    free(text);
    return 0;
}
