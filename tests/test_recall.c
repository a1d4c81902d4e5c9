/* End-to-end recall test: index the sample threads with the real
 * forum-index, run each query through the real forum-search, and check
 * that the set of posts found equals the set a plain substring scan of
 * the normalized post texts finds. Not a spot check: set equality.
 *
 * usage: test_recall FORUM-INDEX FORUM-SEARCH THREADS-DIR SCRATCH-DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsi_input.h"
#include "normalize.h"
#include "testutil.h"
#include "utf8.h"

/* snprintf that must not truncate. */
#define FORMAT(buf, ...) \
    CHECK(snprintf((buf), sizeof(buf), __VA_ARGS__) < (int)sizeof(buf))

/* Every query: two-character Chinese, names the dictionary splits,
 * Traditional, full-width, English, mixed, one character, multi-word. */
static const char *const queries[] = {
    "川普", "拜登", "和服", "李华", "关税", "芯片", "台积", "马斯",
    "马斯克", "孙正义", "黄仁勋", "奥特曼", "王小明", "特朗普", "斯克向",
    "馬斯克", "臺灣", "資訊", "軟體", "黃仁勳", "孫正義", "馬斯克說",
    "ＯｐｅｎＡＩ", "ＧＰＵ", "２０２５年",
    "openai", "GPU", "Trump", "deepseek", "Tesla", "nvidia", "ChatGPT",
    "OpenAI的", "用ChatGPT", "GPU价格", "5000亿美元", "AI",
    "一", "和", "楼",
    "四川普通话", "暖和服务", "马斯克向川普", "人工智能", "川普今天",
    "川普 马斯克", "openai 奥特曼", "😂", "台湾 芯片", "the",
};

typedef struct post {
    char *thread;
    int floor;
    fsi_normalized_t text, title;   /* title: the article's only. */
    fsi_normalized_t thread_title, author, board;
    int64_t date;                   /* The post's, else its thread's. */
} post_t;

static post_t *posts;
static size_t n_posts, cap_posts;

static void add_posts(const char *root, const char *rel)
{
    char path[4096];
    FORMAT(path, "%s/%s", root, rel);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *bytes = malloc((size_t)size + 1);
    CHECK(fread(bytes, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    char *text;
    size_t len;
    CHECK(fsi_text_to_utf8(&text, &len, path, bytes, (size_t)size, NULL,
                           NULL) == FORUM_OK);
    fsi_thread_t thread;
    fsi_thread_init(&thread);
    CHECK(fsi_thread_parse_text(&thread, path, text, len, NULL, NULL) ==
          FORUM_OK);
    for (size_t i = 0; i < thread.n_posts; i++) {
        if (n_posts == cap_posts) {
            cap_posts = cap_posts ? 2 * cap_posts : 256;
            posts = realloc(posts, cap_posts * sizeof *posts);
            CHECK(posts != NULL);
        }
        post_t *p = &posts[n_posts++];
        memset(p, 0, sizeof *p);
        p->thread = strdup(rel);
        *strrchr(p->thread, '.') = '\0';
        p->floor = thread.posts[i].floor;
        CHECK(fsi_normalize(&p->text, thread.posts[i].text,
                            thread.posts[i].text_len, 0) == FORUM_OK);
        const char *title = p->floor == 0 ? thread.title : "";
        CHECK(fsi_normalize(&p->title, title, strlen(title), 0) == FORUM_OK);
        CHECK(fsi_normalize(&p->thread_title, thread.title,
                            strlen(thread.title), 0) == FORUM_OK);
        const char *author = thread.posts[i].author;
        CHECK(fsi_normalize(&p->author, author, strlen(author), 0) ==
              FORUM_OK);
        char board[256];
        snprintf(board, sizeof board, "%.*s",
                 (int)(strchr(rel, '/') ? strchr(rel, '/') - rel : 0), rel);
        CHECK(fsi_normalize(&p->board, board, strlen(board), 0) == FORUM_OK);
        p->date = thread.posts[i].date != FSI_NO_DATE ? thread.posts[i].date
                                                      : thread.date;
    }
    fsi_thread_free(&thread);
    free(text);
    free(bytes);
}

static void load_dir(const char *root, const char *rel)
{
    char path[4096];
    FORMAT(path, "%s/%s", root, rel);
    DIR *dir = opendir(path);
    CHECK(dir != NULL);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char child[4096];
        FORMAT(child, "%s%s%s", rel, rel[0] ? "/" : "",
                 e->d_name);
        FORMAT(path, "%s/%s", root, child);
        struct stat st;
        CHECK(stat(path, &st) == 0);
        if (S_ISDIR(st.st_mode))
            load_dir(root, child);
        else if (strstr(e->d_name, ".txt"))
            add_posts(root, child);
    }
    closedir(dir);
}

/* The oracle: a plain scan. Latin/digit ends of a word must not touch
 * another letter or digit (words match whole words). */
static int is_word(const char *s, size_t len, size_t pos)
{
    return fsi_is_word_char(fsi_utf8_next(s, len, &pos));
}

static int prev_word(const char *s, size_t pos)
{
    if (pos == 0)
        return 0;
    size_t start = pos - 1;
    while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    return is_word(s, pos, start);
}

static int scan(const fsi_normalized_t *hay, const char *word, size_t n)
{
    int ws = is_word(word, n, 0), we = prev_word(word, n);
    for (const char *p = hay->text; (p = strstr(p, word)) != NULL; p++) {
        size_t at = (size_t)(p - hay->text);
        if (ws && prev_word(hay->text, at))
            continue;
        if (we && at + n < hay->len && is_word(hay->text, hay->len, at + n))
            continue;
        return 1;
    }
    return 0;
}

static int oracle_matches(const post_t *p, const char *query)
{
    char *copy = strdup(query), *save = NULL;
    int all = 1;
    for (char *w = strtok_r(copy, " ", &save); w && all;
         w = strtok_r(NULL, " ", &save)) {
        fsi_normalized_t n = FSI_NORMALIZED_INIT;
        CHECK(fsi_normalize(&n, w, strlen(w), 0) == FORUM_OK);
        all = scan(&p->text, n.text, n.len) || scan(&p->title, n.text, n.len);
        fsi_normalized_free(&n);
    }
    free(copy);
    return all;
}

/* ---- Operators and fields: each query with its own oracle -------- */

static int has(const post_t *p, const char *word)
{
    fsi_normalized_t n = FSI_NORMALIZED_INIT;
    CHECK(fsi_normalize(&n, word, strlen(word), 0) == FORUM_OK);
    int found = scan(&p->text, n.text, n.len) || scan(&p->title, n.text,
                                                      n.len);
    fsi_normalized_free(&n);
    return found;
}

static int title_has(const post_t *p, const char *word)
{
    fsi_normalized_t n = FSI_NORMALIZED_INIT;
    CHECK(fsi_normalize(&n, word, strlen(word), 0) == FORUM_OK);
    int found = scan(&p->thread_title, n.text, n.len);
    fsi_normalized_free(&n);
    return found;
}

static int field_is(const fsi_normalized_t *field, const char *value)
{
    fsi_normalized_t n = FSI_NORMALIZED_INIT;
    CHECK(fsi_normalize(&n, value, strlen(value), 0) == FORUM_OK);
    int same = strcmp(field->text, n.text) == 0;
    fsi_normalized_free(&n);
    return same;
}

#define DAY(y, m, d) days_from_civil(y, m, d)
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * 86400;
}

static int op_or(const post_t *p) { return has(p, "川普") || has(p, "拜登"); }
static int op_and(const post_t *p) { return has(p, "川普") && has(p, "关税"); }
static int op_not(const post_t *p) { return has(p, "川普") && !has(p, "马斯克"); }
static int op_group(const post_t *p)
{
    return (has(p, "川普") || has(p, "拜登")) && !has(p, "特朗普");
}
static int op_not_or(const post_t *p)
{
    return has(p, "关税") && !(has(p, "川普") || has(p, "台湾"));
}
static int op_phrase(const post_t *p) { return has(p, "川普今天"); }
static int op_phrase_space(const post_t *p) { return has(p, "mac mini"); }
static int op_long_not(const post_t *p)
{
    return has(p, "马斯克") && !has(p, "马斯克向川普");
}
static int f_author(const post_t *p) { return field_is(&p->author, "supernova13"); }
static int f_author_t(const post_t *p) { return field_is(&p->author, "旁观者XWY"); }
static int f_author_and(const post_t *p)
{
    return field_is(&p->author, "令胡冲") && has(p, "川普");
}
static int f_title(const post_t *p) { return title_has(p, "关税"); }
static int f_title_and(const post_t *p)
{
    return title_has(p, "关税") && has(p, "川普");
}
static int f_title_long(const post_t *p) { return title_has(p, "对等关税"); }
static int f_board(const post_t *p) { return field_is(&p->board, "taiwan"); }
static int f_board_or(const post_t *p)
{
    return has(p, "川普") && (field_is(&p->board, "taiwan") ||
                             field_is(&p->board, "life"));
}
static int f_floor0(const post_t *p) { return p->floor == 0 && has(p, "川普"); }
static int f_replies(const post_t *p) { return p->floor >= 1 && has(p, "川普"); }
static int f_floor_range(const post_t *p)
{
    return p->floor >= 2 && p->floor <= 10 && has(p, "马斯克");
}
static int f_floor_upto(const post_t *p) { return p->floor <= 3 && has(p, "AI"); }
static int f_date_range(const post_t *p)
{
    return p->date >= DAY(2025, 1, 1) && p->date < DAY(2025, 2, 1);
}
static int f_date_from(const post_t *p)
{
    return p->date >= DAY(2025, 4, 1) && has(p, "关税");
}
static int f_date_upto(const post_t *p)
{
    return p->date < DAY(2024, 1, 1) && has(p, "的");
}
static int f_date_year(const post_t *p)
{
    return p->date >= DAY(2024, 1, 1) && p->date < DAY(2025, 1, 1) &&
           has(p, "拜登");
}
static int f_not_floor(const post_t *p) { return has(p, "川普") && p->floor != 0; }
static int f_thread(const post_t *p)
{
    return strcmp(p->thread, "news/0001_musk-doge-exit") == 0;
}
static int f_mixed(const post_t *p)
{
    return (has(p, "奥特曼") || has(p, "孙正义")) && !field_is(&p->board,
                                                             "news") &&
           p->floor >= 1;
}

static const struct {
    const char *query;
    int (*oracle)(const post_t *);
} operators[] = {
    {"川普 OR 拜登", op_or},
    {"川普 关税", op_and},
    {"川普 AND 关税", op_and},
    {"川普 -马斯克", op_not},
    {"川普 NOT 马斯克", op_not},
    {"(川普 OR 拜登) -特朗普", op_group},
    {"关税 -(川普 OR 台湾)", op_not_or},
    {"\"川普今天\"", op_phrase},
    {"\"MAC  Mini\"", op_phrase_space},
    {"马斯克 -马斯克向川普", op_long_not},
    {"author:supernova13", f_author},
    {"author:SUPERNOVA13", f_author},
    {"author:ｓｕｐｅｒｎｏｖａ１３", f_author},
    {"author:旁观者xwy", f_author_t},
    {"author:令胡冲 川普", f_author_and},
    {"title:关税", f_title},
    {"title:關稅", f_title},
    {"title:关税 川普", f_title_and},
    {"title:对等关税", f_title_long},
    {"board:taiwan", f_board},
    {"川普 (board:taiwan OR board:life)", f_board_or},
    {"floor:0 川普", f_floor0},
    {"floor:1.. 川普", f_replies},
    {"floor:2..10 马斯克", f_floor_range},
    {"floor:..3 AI", f_floor_upto},
    {"date:2025-01-01..2025-01-31", f_date_range},
    {"date:2025-04.. 关税", f_date_from},
    {"date:..2023 的", f_date_upto},
    {"date:2024 拜登", f_date_year},
    {"川普 -floor:0", f_not_floor},
    {"thread:news/0001_musk-doge-exit", f_thread},
    {"(奥特曼 OR 孙正义) -board:news floor:1..", f_mixed},
};

/* Reads the thread and floor of each JSON line forum-search printed. */
static size_t search(const char *cli, const char *db, const char *query,
                     char ***keys_out)
{
    char command[8192];
    snprintf(command, sizeof command,
             "'%s' --posts --json --limit 100000 '%s' '%s'", cli, db, query);
    FILE *out = popen(command, "r");
    CHECK(out != NULL);
    char *line = NULL;
    size_t cap = 0, n = 0;
    char **keys = NULL;
    while (getline(&line, &cap, out) > 0) {
        char *t = strstr(line, "\"thread\":\"");
        char *f = strstr(line, "\"floor\":");
        CHECK(t && f);
        t += 10;
        char key[1024];
        FORMAT(key, "%.*s#%d", (int)(strchr(t, '"') - t), t,
                 atoi(f + 8));
        keys = realloc(keys, (n + 1) * sizeof *keys);
        keys[n++] = strdup(key);
    }
    free(line);
    int rc = pclose(out);
    CHECK(rc != -1);
    *keys_out = keys;
    return n;
}

/* forum-search --count --json: the numbers of posts and threads. */
static void count(const char *cli, const char *db, const char *query,
                  long *posts, long *threads)
{
    char command[8192], line[256];
    FORMAT(command, "'%s' --count --json '%s' '%s'", cli, db, query);
    FILE *out = popen(command, "r");
    CHECK(out != NULL);
    CHECK(fgets(line, sizeof line, out) != NULL);
    pclose(out);
    CHECK(sscanf(line, "{\"posts\":%ld,\"threads\":%ld}", posts, threads)
          == 2);
}

/* Distinct threads among "thread#floor" keys. */
static long distinct_threads(char **keys, size_t n)
{
    long distinct = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = (size_t)(strrchr(keys[i], '#') - keys[i]);
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strncmp(keys[i], keys[j], len + 1) == 0;
        distinct += !seen;
    }
    return distinct;
}

/* --count must agree with the oracle's set too. */
static int counts_agree(const char *cli, const char *db, const char *query,
                        char **expected, size_t n_expected)
{
    long posts_counted, threads_counted;
    count(cli, db, query, &posts_counted, &threads_counted);
    if (posts_counted == (long)n_expected &&
        threads_counted == distinct_threads(expected, n_expected))
        return 1;
    fprintf(stderr, "  --count says %ld posts in %ld threads\n",
            posts_counted, threads_counted);
    return 0;
}

static int compare_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts both and compares; prints the differences. */
static int compare_sets(char **found, size_t n_found, char **expected,
                        size_t n_expected)
{
    qsort(found, n_found, sizeof *found, compare_str);
    qsort(expected, n_expected, sizeof *expected, compare_str);
    int same = n_found == n_expected;
    for (size_t i = 0; same && i < n_found; i++)
        same = strcmp(found[i], expected[i]) == 0;
    for (size_t i = 0, j = 0; !same && (i < n_found || j < n_expected);) {
        int c = i == n_found ? 1 : j == n_expected ? -1
                : strcmp(found[i], expected[j]);
        if (c < 0)
            fprintf(stderr, "  extra:   %s\n", found[i++]);
        else if (c > 0)
            fprintf(stderr, "  missing: %s\n", expected[j++]);
        else
            i++, j++;
    }
    return same;
}

static void free_keys(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_recall INDEXER SEARCHER DIR SCRATCH\n");
        return 2;
    }
    const char *indexer = argv[1], *searcher = argv[2], *dir = argv[3];
    char db[4096], command[8192];
    FORMAT(db, "%s/recall.db", argv[4]);

    PHASE("index the samples with forum-index");
    FORMAT(command, "rm -rf '%s' && '%s' -q '%s' '%s'", db,
             indexer, db, dir);
    CHECK_EQ_INT(system(command), 0);
    load_dir(dir, "");
    fprintf(stderr, "%zu posts loaded for the oracle\n", n_posts);
    CHECK(n_posts > 500);

    size_t failures = 0, total_expected = 0;
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        test_phase = queries[q];
        char **found;
        size_t n_found = search(searcher, db, queries[q], &found);
        char **expected = calloc(n_posts, sizeof *expected);
        size_t n_expected = 0;
        for (size_t i = 0; i < n_posts; i++) {
            if (!oracle_matches(&posts[i], queries[q]))
                continue;
            char key[1024];
            FORMAT(key, "%s#%d", posts[i].thread,
                     posts[i].floor);
            expected[n_expected++] = strdup(key);
        }
        int same = compare_sets(found, n_found, expected, n_expected) &&
                   counts_agree(searcher, db, queries[q], expected,
                                n_expected);
        fprintf(stderr, "%-16s expected %3zu found %3zu %s\n", queries[q],
                n_expected, n_found, same ? "ok" : "MISMATCH");
        if (!same)
            failures++;
        CHECK(n_expected > 0); /* Every query must test something. */
        total_expected += n_expected;
        free_keys(found, n_found);
        free_keys(expected, n_expected);
    }
    fprintf(stderr, "recall check: %zu queries, %zu expected posts in all, "
            "%zu mismatches\n", sizeof queries / sizeof queries[0],
            total_expected, failures);
    size_t op_failures = 0;
    for (size_t q = 0; q < sizeof operators / sizeof operators[0]; q++) {
        test_phase = operators[q].query;
        char **found;
        size_t n_found = search(searcher, db, operators[q].query, &found);
        char **expected = calloc(n_posts, sizeof *expected);
        size_t n_expected = 0;
        for (size_t i = 0; i < n_posts; i++) {
            if (!operators[q].oracle(&posts[i]))
                continue;
            char key[1024];
            FORMAT(key, "%s#%d", posts[i].thread, posts[i].floor);
            expected[n_expected++] = strdup(key);
        }
        int same = compare_sets(found, n_found, expected, n_expected);
        same = same && counts_agree(searcher, db, operators[q].query,
                                    expected, n_expected);
        fprintf(stderr, "%-40s expected %3zu found %3zu %s\n",
                operators[q].query, n_expected, n_found,
                same ? "ok" : "MISMATCH");
        if (!same)
            op_failures++;
        CHECK(n_expected > 0);
        free_keys(found, n_found);
        free_keys(expected, n_expected);
    }
    fprintf(stderr, "operator check: %zu queries, %zu mismatches\n",
            sizeof operators / sizeof operators[0], op_failures);
    failures += op_failures;
    for (size_t i = 0; i < n_posts; i++) {
        free(posts[i].thread);
        fsi_normalized_free(&posts[i].text);
        fsi_normalized_free(&posts[i].title);
        fsi_normalized_free(&posts[i].thread_title);
        fsi_normalized_free(&posts[i].author);
        fsi_normalized_free(&posts[i].board);
    }
    free(posts);
    FORMAT(command, "rm -rf '%s'", db);
    CHECK_EQ_INT(system(command), 0);
    return failures ? 1 : 0;
}
