/* forum-serve — the HTML pages (page.h). Labels are Chinese, like the
 * forums this serves; floors read as the forums write them ("3 楼",
 * "楼主" for the article). */
#include "page.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cliutil.h"
#include "escape.h"

#include "../common/utf8.h"

static const char style_css[] =
    ":root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--dim:#666;"
    "--line:#ddd;--link:#0645ad;--mark:#ffe58a;--err:#b00020}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--bg:#151515;"
    "--dim:#a0a0a0;--line:#333;--link:#8ab4f8;--mark:#6b5a00;"
    "--err:#ff8a80}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:46rem;padding:.75rem 1rem 2rem;"
    "font:16px/1.6 system-ui,-apple-system,\"PingFang SC\","
    "\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;color:var(--fg);"
    "background:var(--bg);overflow-wrap:anywhere}\n"
    "a{color:var(--link)}\n"
    "h1{font-size:1.25rem;margin:.25rem 0 .5rem}\n"
    "h1 a{color:inherit;text-decoration:none}\n"
    "form.search{display:flex;flex-wrap:wrap;gap:.5rem;"
    "align-items:center;margin-bottom:1rem}\n"
    "form.search input[type=search]{flex:1 1 14rem;min-width:0;"
    "font-size:1.05rem;padding:.45rem .6rem;border:1px solid var(--line);"
    "border-radius:.4rem;background:var(--bg);color:var(--fg)}\n"
    "form.search button{font-size:1rem;padding:.45rem 1rem;"
    "border-radius:.4rem;border:1px solid var(--line)}\n"
    ".opts{display:flex;flex-wrap:wrap;gap:.25rem 1rem;width:100%;"
    "font-size:.9rem;color:var(--dim)}\n"
    ".summary{color:var(--dim);font-size:.9rem}\n"
    "ol.hits{list-style:none;padding:0;margin:0}\n"
    "ol.hits li{padding:.6rem 0;border-bottom:1px solid var(--line)}\n"
    "ol.hits h2{font-size:1.05rem;margin:0;font-weight:600}\n"
    ".board{color:var(--dim);font-weight:normal;font-size:.85rem}\n"
    ".meta{margin:.1rem 0;color:var(--dim);font-size:.85rem}\n"
    ".snippet{margin:.2rem 0 0}\n"
    ".also{margin:.1rem 0 0 1.5rem;font-size:.95em}\n"
    "mark{background:var(--mark);color:inherit;padding:0 .05em;"
    "border-radius:.15em}\n"
    ".error{color:var(--err)}\n"
    ".query-error code{white-space:pre-wrap}\n"
    ".query-error mark{background:var(--err);color:var(--bg)}\n"
    "nav.pager{display:flex;justify-content:space-between;gap:1rem;"
    "margin:1rem 0}\n"
    "nav.pager a{padding:.4rem .2rem}\n"
    ".help{font-size:.9rem;color:var(--dim)}\n"
    ".help code{color:var(--fg)}\n"
    "table.help td{padding:.1rem .75rem .1rem 0;vertical-align:top}\n"
    "h2.thread-title{font-size:1.2rem;margin:.5rem 0 .25rem}\n"
    "section.post{padding:.6rem .5rem;border-bottom:1px solid var(--line);"
    "scroll-margin-top:.5rem}\n"
    "section.post:target{background:color-mix(in srgb,var(--mark) 25%,"
    "transparent);border-left:3px solid var(--mark)}\n"
    "section.post .text{white-space:pre-wrap;margin:.2rem 0 0}\n"
    ".meta a{color:inherit}\n";

void serve_page_style(serve_reply_t *reply)
{
    serve_reply_open(reply, 200, SERVE_TYPE_CSS);
    if (reply->body)
        fputs(style_css, reply->body);
    reply->cacheable = true;
}

static void html_str(FILE *out, const char *s)
{
    serve_html(out, s, strlen(s));
}

static void page_begin(FILE *out, const char *q, size_t q_len)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n"
          "<meta name=\"referrer\" content=\"no-referrer\">\n<title>",
          out);
    if (q && q_len) {
        serve_html(out, q, q_len);
        fputs(" - ", out);
    }
    fputs("论坛搜索</title>\n"
          "<link rel=\"stylesheet\" href=\"style.css\">\n"
          "</head>\n<body>\n"
          "<header><h1><a href=\"./\">论坛搜索</a></h1></header>\n", out);
}

static void page_end(FILE *out)
{
    fputs("</body>\n</html>\n", out);
}

static void search_form(FILE *out, const serve_search_t *search)
{
    fputs("<form class=\"search\" method=\"get\" action=\"./\" "
          "role=\"search\">\n<input type=\"search\" name=\"q\" value=\"",
          out);
    if (search && search->q)
        serve_html(out, search->q, search->q_len);
    fprintf(out, "\" aria-label=\"查询\" placeholder=\"川普 OR 拜登, "
            "author:名字, date:2025-1 …\" maxlength=\"%d\">\n"
            "<button type=\"submit\">搜索</button>\n<div class=\"opts\">\n"
            "<label>排序 <select name=\"sort\">", SERVE_MAX_Q_BYTES);
    static const char *const sorts[][2] = {
        {"relevance", "相关度"}, {"date", "最新"}, {"floor", "楼层顺序"}};
    forum_sort_t sort = search ? search->options.sort : FORUM_SORT_RELEVANCE;
    for (int i = 0; i < 3; i++)
        fprintf(out, "<option value=\"%s\"%s>%s</option>", sorts[i][0],
                (int)sort == i ? " selected" : "", sorts[i][1]);
    fprintf(out, "</select></label>\n<label><input type=\"checkbox\" "
            "name=\"posts\" value=\"1\"%s> 列出每一帖（不按主题合并）"
            "</label>\n<label><input type=\"checkbox\" name=\"scope\" "
            "value=\"thread\"%s> 按主题匹配（各词可在同一主题的不同帖中）"
            "</label>\n</div>\n</form>\n",
            search && !search->options.collapse_threads ? " checked" : "",
            search && search->options.scope == FORUM_SCOPE_THREAD
                ? " checked" : "");
}

/* The query language in brief, shown under an empty form. */
static void search_help(FILE *out)
{
    static const char *const rows[][2] = {
        {"川普 openai", "同时含有两个词的帖子"},
        {"\"马斯克 川普\"", "整段原文（含空格）"},
        {"川普 OR 拜登", "含有其一"},
        {"-特朗普", "不含"},
        {"author:supernova13", "某位作者的帖子"},
        {"title:关税", "标题含有“关税”的主题"},
        {"board:news", "某个版块"},
        {"floor:0", "只看主楼；floor:1.. 只看回复"},
        {"date:2025-1", "2025 年 1 月；date:2025-01-01..2025-01-31"},
    };
    fputs("<table class=\"help\">\n", out);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        fputs("<tr><td><code>", out);
        html_str(out, rows[i][0]);
        fputs("</code></td><td>", out);
        html_str(out, rows[i][1]);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n<p class=\"help\">中文按原文子串匹配；繁体与简体、"
          "全角与半角、大小写视为相同。</p>\n", out);
}

/* Writes text with the byte ranges marks in <mark>. */
static void marked_text(FILE *out, const char *text, size_t len,
                        const forum_span_t *marks, size_t n_marks)
{
    size_t pos = 0;
    for (size_t i = 0; i < n_marks; i++) {
        if (marks[i].start < pos || marks[i].end > len)
            continue; /* Never out of order or range; never trusted. */
        serve_html(out, text + pos, marks[i].start - pos);
        fputs("<mark>", out);
        serve_html(out, text + marks[i].start,
                   marks[i].end - marks[i].start);
        fputs("</mark>", out);
        pos = marks[i].end;
    }
    serve_html(out, text + pos, len - pos);
}

static void marked(FILE *out, const forum_snippet_t *snip)
{
    marked_text(out, snip->text, snip->len, snip->marks, snip->n_marks);
}

/* "2025-05-30 02:10 UTC" in a <time>, or nothing for an unknown date. */
static void date_html(FILE *out, int64_t when, const char *before)
{
    char date[32];
    cli_format_date(date, when);
    if (!date[0])
        return;
    date[10] = ' ';
    date[16] = '\0';
    fprintf(out, "%s<time datetime=\"%.10sT%sZ\">%s UTC</time>", before,
            date, date + 11, date);
}

static void floor_html(FILE *out, int floor)
{
    if (floor == 0)
        fputs("楼主", out);
    else
        fprintf(out, "%d 楼", floor);
}

/* A link back to this page with the same search and another offset
 * (the & of the query string escaped for the attribute). */
static void search_link(FILE *out, const serve_search_t *search,
                        size_t offset)
{
    fputs("?q=", out);
    serve_url_component(out, search->q, search->q_len);
    static const char *const sorts[] = {"relevance", "date", "floor"};
    if (search->options.sort != FORUM_SORT_RELEVANCE)
        fprintf(out, "&amp;sort=%s", sorts[search->options.sort]);
    if (!search->options.collapse_threads)
        fputs("&amp;posts=1", out);
    if (search->options.scope == FORUM_SCOPE_THREAD)
        fputs("&amp;scope=thread", out);
    if (search->options.limit != SERVE_PAGE_HITS)
        fprintf(out, "&amp;limit=%zu", search->options.limit);
    if (offset)
        fprintf(out, "&amp;offset=%zu", offset);
}

/* Thread scope: the thread's posts that hold the words the hit's own
 * post lacks, each under the snippet. */
static void also_html(FILE *out, forum_results_t *results,
                      const forum_hit_t *hit,
                      const forum_snippet_options_t *options)
{
    for (size_t i = 0; i < hit->n_also; i++) {
        const forum_hit_t *post = &hit->also[i];
        forum_snippet_t *snip = NULL;
        if (forum_results_snippet(results, post, options, &snip) != FORUM_OK)
            continue; /* Out of memory: one post fewer. */
        fputs("<p class=\"also\">", out);
        floor_html(out, post->floor);
        if (post->author[0]) {
            fputs(" · ", out);
            html_str(out, post->author);
        }
        fputs(": ", out);
        marked(out, snip);
        fputs("</p>\n", out);
        forum_snippet_destroy(snip);
    }
}

static void hit_html(FILE *out, const serve_search_t *search,
                     forum_results_t *results, const forum_hit_t *hit,
                     const forum_snippet_t *title,
                     const forum_snippet_t *snip,
                     const forum_snippet_options_t *options)
{
    fputs("<li>\n<h2><a href=\"thread?id=", out);
    serve_url_component(out, hit->thread_id, strlen(hit->thread_id));
    fputs("&amp;q=", out);
    serve_url_component(out, search->q, search->q_len);
    fprintf(out, "#f%d\">", hit->floor);
    if (hit->title[0])
        marked(out, title);
    else
        html_str(out, hit->thread_id);
    fputs("</a>", out);
    if (hit->board[0]) {
        fputs(" <span class=\"board\">[", out);
        html_str(out, hit->board);
        fputs("]</span>", out);
    }
    fputs("</h2>\n<p class=\"meta\">", out);
    floor_html(out, hit->floor);
    if (hit->author[0]) {
        fputs(" · ", out);
        html_str(out, hit->author);
    }
    date_html(out, hit->date, " · ");
    if (search->options.collapse_threads && hit->thread_matches > 1)
        fprintf(out, " · 本主题 %llu 帖匹配",
                (unsigned long long)hit->thread_matches);
    fputs("</p>\n<p class=\"snippet\">", out);
    marked(out, snip);
    fputs("</p>\n", out);
    also_html(out, results, hit, options);
    fputs("</li>\n", out);
}

/* The query with the character at column (1-based; one past the end
 * means the end) marked, for a query error. */
static void query_at_column(FILE *out, const char *q, size_t q_len,
                            size_t column)
{
    size_t pos = 0, chars = 1;
    while (pos < q_len && chars < column) {
        uint32_t cp;
        pos += fsi_utf8_decode(q + pos, q_len - pos, &cp);
        chars++;
    }
    serve_html(out, q, pos);
    if (pos == q_len) {
        fputs("<mark>&#9251;</mark>", out); /* ␣: the end. */
        return;
    }
    uint32_t cp;
    size_t n = fsi_utf8_decode(q + pos, q_len - pos, &cp);
    fputs("<mark>", out);
    serve_html(out, q + pos, n);
    fputs("</mark>", out);
    serve_html(out, q + pos + n, q_len - pos - n);
}

static void pager(FILE *out, const serve_search_t *search, uint64_t total)
{
    size_t limit = search->options.limit, offset = search->options.offset;
    bool prev = offset > 0 && limit > 0;
    bool next = limit > 0 && offset + limit < total &&
                offset + limit < SERVE_MAX_WINDOW;
    if (!prev && !next)
        return;
    fputs("<nav class=\"pager\">", out);
    if (prev) {
        fputs("<a rel=\"prev\" href=\"", out);
        search_link(out, search, offset > limit ? offset - limit : 0);
        fputs("\">« 上一页</a>", out);
    } else {
        fputs("<span></span>", out);
    }
    if (next) {
        fputs("<a rel=\"next\" href=\"", out);
        search_link(out, search, offset + limit);
        fputs("\">下一页 »</a>", out);
    }
    fputs("</nav>\n", out);
}

void serve_page_message(serve_reply_t *reply, int status,
                        const char *message)
{
    serve_reply_open(reply, status, SERVE_TYPE_HTML);
    if (reply->body == NULL)
        return;
    page_begin(reply->body, NULL, 0);
    search_form(reply->body, NULL);
    fputs("<p class=\"error\">", reply->body);
    html_str(reply->body, message);
    fputs("</p>\n", reply->body);
    page_end(reply->body);
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

void serve_page_search(serve_reply_t *reply, serve_dbpool_t *pool,
                       const serve_params_t *params)
{
    serve_search_t search;
    serve_error_t err;
    if (serve_search_from_params(&search, params, false, &err) != 0) {
        serve_page_message(reply, err.http_status, err.message);
        return;
    }
    if (search.q == NULL || blank(search.q, search.q_len)) {
        serve_reply_open(reply, 200, SERVE_TYPE_HTML);
        if (reply->body == NULL)
            return;
        page_begin(reply->body, NULL, 0);
        search_form(reply->body, &search);
        search_help(reply->body);
        page_end(reply->body);
        return;
    }

    forum_db_t *db = serve_dbpool_acquire(pool);
    forum_query_t *query = NULL;
    forum_results_t *results = NULL;
    forum_status_t status = forum_query_create(&query, db, search.q,
                                               search.q_len,
                                               &search.options);
    if (status == FORUM_OK)
        status = forum_query_run(query, &results);
    serve_reply_open(reply, serve_status_for(status), SERVE_TYPE_HTML);
    FILE *out = reply->body;
    if (out == NULL)
        goto out;
    page_begin(out, search.q, search.q_len);
    search_form(out, &search);
    if (status == FORUM_EQUERY) {
        fputs("<p class=\"error\">查询有误：", out);
        html_str(out, forum_db_last_error(db));
        fputs("</p>\n<p class=\"query-error\"><code>", out);
        query_at_column(out, search.q, search.q_len,
                        forum_db_last_error_column(db));
        fputs("</code></p>\n", out);
        page_end(out);
        goto out;
    }
    if (status != FORUM_OK) {
        fprintf(stderr, "forum-serve: error: %s\n",
                forum_db_last_error(db));
        fputs("<p class=\"error\">搜索暂时不可用，请稍后再试。</p>\n", out);
        page_end(out);
        if (reply->status == 503)
            reply->retry_after = 1;
        goto out;
    }
    uint64_t posts, threads;
    forum_results_counts(results, &posts, &threads);
    fputs("<p class=\"summary\">", out);
    if (posts == 0 && search.options.scope == FORUM_SCOPE_POST) {
        /* The words may be in different posts of one thread. */
        fputs("没有哪一帖包含全部查询词。<a href=\"./", out);
        serve_search_t wider = search;
        wider.options.scope = FORUM_SCOPE_THREAD;
        wider.options.offset = 0;
        search_link(out, &wider, 0);
        fputs("\">按主题匹配</a>", out);
    } else if (posts == 0)
        fputs("没有找到匹配的帖子。", out);
    else if (search.options.collapse_threads)
        fprintf(out, "%llu 个主题中有 %llu 帖匹配",
                (unsigned long long)threads, (unsigned long long)posts);
    else
        fprintf(out, "%llu 帖匹配", (unsigned long long)posts);
    uint64_t total = search.options.collapse_threads ? threads : posts;
    if (search.options.offset < total && search.options.limit > 0) {
        uint64_t last = search.options.offset + search.options.limit;
        fprintf(out, " · 第 %zu–%llu 条", search.options.offset + 1,
                (unsigned long long)(last < total ? last : total));
    }
    fputs("</p>\n", out);
    fprintf(out, "<ol class=\"hits\" start=\"%zu\">\n",
            search.options.offset + 1);
    const forum_snippet_options_t snippet_options =
        FORUM_SNIPPET_OPTIONS_INIT;
    const forum_hit_t *hit;
    while ((status = forum_results_next(results, &hit)) == FORUM_OK) {
        forum_snippet_t *snip = NULL, *title = NULL;
        status = forum_results_snippet(results, hit, &snippet_options,
                                       &snip);
        if (status == FORUM_OK)
            status = forum_results_title(results, hit, &title);
        if (status == FORUM_OK)
            hit_html(out, &search, results, hit, title, snip,
                     &snippet_options);
        forum_snippet_destroy(title);
        forum_snippet_destroy(snip);
        if (status != FORUM_OK)
            break;
    }
    fputs("</ol>\n", out);
    if (status != FORUM_ITER_DONE) {
        fprintf(stderr, "forum-serve: error: %s\n",
                forum_db_last_error(db));
        reply->status = 500;
        fputs("<p class=\"error\">部分结果无法显示。</p>\n", out);
    }
    pager(out, &search, total);
    page_end(out);
out:
    forum_query_destroy(query);
    serve_dbpool_release(pool, db);
}

void serve_page_thread(serve_reply_t *reply, serve_dbpool_t *pool,
                       const serve_params_t *params)
{
    serve_thread_t request;
    serve_error_t err;
    if (serve_thread_from_params(&request, params, false, &err) != 0) {
        serve_page_message(reply, err.http_status, err.message);
        return;
    }
    forum_db_t *db = serve_dbpool_acquire(pool);
    forum_query_t *query = NULL;
    forum_thread_t *thread = NULL;
    /* The query only marks words here; one that does not parse (edited
     * by hand) leaves the thread unmarked rather than hidden. */
    if (request.q && forum_query_create(&query, db, request.q,
                                        request.q_len, NULL) != FORUM_OK)
        query = NULL;
    forum_status_t status = forum_db_thread_open(&thread, db, request.id,
                                                 query);
    if (status != FORUM_OK) {
        if (status == FORUM_ENOTFOUND) {
            serve_page_message(reply, 404, "没有这个主题。");
        } else {
            fprintf(stderr, "forum-serve: error: %s\n",
                    forum_db_last_error(db));
            serve_page_message(reply, serve_status_for(status),
                               "主题暂时无法显示，请稍后再试。");
            reply->retry_after = reply->status == 503 ? 1 : 0;
        }
        goto out;
    }
    const forum_thread_info_t *info = forum_thread_info(thread);
    serve_reply_open(reply, 200, SERVE_TYPE_HTML);
    FILE *out = reply->body;
    if (out == NULL)
        goto out;
    const char *title = info->title[0] ? info->title : info->thread_id;
    page_begin(out, title, strlen(title));
    serve_search_t search = {request.q, request.q_len,
                             FORUM_SEARCH_OPTIONS_INIT};
    search_form(out, &search);
    if (request.q) {
        fputs("<p><a href=\"./?q=", out);
        serve_url_component(out, request.q, request.q_len);
        fputs("\">« 返回搜索结果</a></p>\n", out);
    }
    fputs("<h2 class=\"thread-title\">", out);
    if (info->title[0])
        marked_text(out, info->title, strlen(info->title), info->title_marks,
                    info->n_title_marks);
    else
        html_str(out, info->thread_id);
    fputs("</h2>\n<p class=\"meta\">", out);
    if (info->board[0]) {
        fputs("[", out);
        html_str(out, info->board);
        fputs("] · ", out);
    }
    if (info->source[0]) {
        html_str(out, info->source);
        fputs(" · ", out);
    }
    fprintf(out, "%zu 帖", info->n_posts);
    date_html(out, info->date, " · 最新回复 ");
    fputs("</p>\n", out);
    const forum_post_t *post;
    while ((status = forum_thread_next_post(thread, &post)) == FORUM_OK) {
        fprintf(out, "<section class=\"post\" id=\"f%d\">\n"
                "<p class=\"meta\"><a href=\"#f%d\">", post->floor,
                post->floor);
        floor_html(out, post->floor);
        fputs("</a>", out);
        if (post->author[0]) {
            fputs(" · ", out);
            html_str(out, post->author);
        }
        date_html(out, post->date, " · ");
        fputs("</p>\n<div class=\"text\">", out);
        marked_text(out, post->text, post->text_len, post->marks,
                    post->n_marks);
        fputs("</div>\n</section>\n", out);
    }
    page_end(out);
out:
    forum_thread_destroy(thread);
    forum_query_destroy(query);
    serve_dbpool_release(pool, db);
}
