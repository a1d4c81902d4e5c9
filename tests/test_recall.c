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
    fsi_normalized_t text, title;
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

static int compare_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
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
        qsort(found, n_found, sizeof *found, compare_str);
        qsort(expected, n_expected, sizeof *expected, compare_str);
        int same = n_found == n_expected;
        for (size_t i = 0; same && i < n_found; i++)
            same = strcmp(found[i], expected[i]) == 0;
        fprintf(stderr, "%-16s expected %3zu found %3zu %s\n", queries[q],
                n_expected, n_found, same ? "ok" : "MISMATCH");
        if (!same) {
            failures++;
            for (size_t i = 0, j = 0; i < n_found || j < n_expected;) {
                int c = i == n_found ? 1 : j == n_expected ? -1
                        : strcmp(found[i], expected[j]);
                if (c < 0)
                    fprintf(stderr, "  extra:   %s\n", found[i++]);
                else if (c > 0)
                    fprintf(stderr, "  missing: %s\n", expected[j++]);
                else
                    i++, j++;
            }
        }
        CHECK(n_expected > 0); /* Every query must test something. */
        total_expected += n_expected;
        for (size_t i = 0; i < n_found; i++)
            free(found[i]);
        for (size_t i = 0; i < n_expected; i++)
            free(expected[i]);
        free(found);
        free(expected);
    }
    fprintf(stderr, "recall check: %zu queries, %zu expected posts in all, "
            "%zu mismatches\n", sizeof queries / sizeof queries[0],
            total_expected, failures);
    for (size_t i = 0; i < n_posts; i++) {
        free(posts[i].thread);
        fsi_normalized_free(&posts[i].text);
        fsi_normalized_free(&posts[i].title);
    }
    free(posts);
    FORMAT(command, "rm -rf '%s'", db);
    CHECK_EQ_INT(system(command), 0);
    return failures ? 1 : 0;
}
