/* forumsearch — tests for thread numbers (schema.h,
 * FSI_SLOT_NUMBERED_FLOOR): threads ranked by relevance are told apart
 * by their number in their shard instead of their ORDER value.
 *
 * Two oracles, neither of them the code under test:
 * - Xapian itself reads every shard and checks what the numbers must be:
 *   one per thread, never one for two threads, below the count the
 *   shard keeps (fs:threads), the floor the same as value 1.
 * - The searches of a database whose numbers were stripped (as one
 *   written before them: every match then goes by its ORDER value, the
 *   path the numbers replace) must give the same threads, floors,
 *   scores and counts as a clean index of the same tree; and so must a
 *   database where old posts without numbers and new ones with them mix,
 *   within one thread too.
 * Each with one shard and with two, sequentially and side by side.
 */
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <xapian.h>

#include "forumsearch.h"
#include "testutil.h"

namespace {

const unsigned number_slot = 4;       /* FSI_SLOT_NUMBERED_FLOOR */
const char *const count_key = "fs:threads"; /* FSI_META_THREADS */

char scratch[] = "/tmp/forumsearch-numbers-XXXXXX";

std::string at(const std::string &rel)
{
    return std::string(scratch) + "/" + rel;
}

/* Writes text to path unless it holds that already: an unchanged file
 * keeps its stamp, so the indexer leaves its posts as they are. */
void write_file(const std::string &path, const std::string &text)
{
    std::ifstream in(path, std::ios::binary);
    std::string old((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
    if (in.is_open() && old == text)
        return;
    std::string dir = path.substr(0, path.rfind('/'));
    std::string cmd = "mkdir -p '" + dir + "'";
    CHECK(std::system(cmd.c_str()) == 0);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    CHECK(out.good());
}

/* Post texts: few words, so queries match many posts with equal
 * weights, and the first floor of the best must win each tie. */
const char *const texts[] = {
    "今天天气不错，我们去上海", "上海的天气今天不错", "川普说关税",
    "关税今天又涨了", "天气天气天气", "我们今天去北京", "上海北京都不错",
};

struct thread_spec {
    std::string id, title, board;
    int first_floor, floors, text_seed;
};

std::string jsonl(const std::vector<thread_spec> &threads)
{
    std::string out;
    for (const thread_spec &t : threads) {
        out += "{\"id\":\"" + t.id + "\",\"board\":\"" + t.board +
               "\",\"title\":\"" + t.title + "\",\"posts\":[";
        for (int f = 0; f < t.floors; f++) {
            int floor = t.first_floor + f;
            out += std::string(f ? "," : "") + "{\"floor\":" +
                   std::to_string(floor) + ",\"author\":\"楼主" +
                   std::to_string(floor % 3) + "\",\"text\":\"" +
                   texts[(t.text_seed + floor * floor) % 7] + "\"}";
        }
        out += "]}\n";
    }
    return out;
}

thread_spec thread(int n, int first_floor, int floors)
{
    return {"b" + std::to_string(n % 3) + "/t" + std::to_string(n),
            n % 2 ? "上海天气" : "关税新闻", n % 2 ? "生活" : "新闻",
            first_floor, floors, n};
}

/* The tree: threads in several files; t5 split over two files (floors
 * 0-2 and 3-5, the same title: either file may be indexed first), t7
 * twice in one file. */
void write_tree(const std::string &root, int version)
{
    std::vector<thread_spec> a, b, c;
    for (int n = 0; n < 12; n++)
        a.push_back(thread(n, 0, 1 + n % 5));
    a.push_back(thread(7, 0, 2));
    /* From version 5 b's part of t5 also has floor 2, which a's has
     * (the same text, so either file may win). */
    b.push_back(version < 5 ? thread(5, 3, 3 + version) : thread(5, 2, 4));
    for (int n = 12; n < 20 + 4 * version; n++)
        b.push_back(thread(n, 0, 1 + (n * 7) % 6));
    write_file(root + "/论坛 a/x-1.y/all_threads.jsonl", jsonl(a));
    write_file(root + "/b b/新闻.旧/更多 帖子.jsonl", jsonl(b));
    for (int v = 2; v <= version; v++) {
        c.clear();
        for (int n = 100 * v; n < 100 * v + 5; n++)
            c.push_back(thread(n, 0, 2 + n % 3));
        write_file(root + "/c_c/深/层-" + std::to_string(v) + "/v" +
                       std::to_string(v) + ".jsonl",
                   jsonl(c));
    }
}

void index_tree(const std::string &db_path, const std::string &root,
                unsigned shards)
{
    struct stat st;
    if (stat(db_path.c_str(), &st) != 0)
        CHECK_EQ_INT(forum_db_create(db_path.c_str(), shards, nullptr),
                     FORUM_OK);
    forum_db_t *db = nullptr;
    CHECK_EQ_INT(forum_db_open(&db, db_path.c_str(), FORUM_DB_WRITE, nullptr),
                 FORUM_OK);
    forum_index_stats_t stats;
    CHECK_EQ_INT(forum_db_index_path(db, root.c_str(), nullptr, &stats),
                 FORUM_OK);
    CHECK_EQ_INT(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);
}

std::vector<std::string> shard_paths(const std::string &db_path)
{
    std::vector<std::string> paths;
    std::ifstream stub(db_path + "/XAPIANDB");
    std::string kind, rel;
    while (stub >> kind >> rel)
        if (kind == "auto")
            paths.push_back(db_path + "/" + rel);
    CHECK(!paths.empty());
    return paths;
}

/* What the numbers must be, read by Xapian; returns how many posts have
 * one. must_have, must_lack: threads whose posts must all have one, or
 * none. */
size_t check_numbers(const std::string &db_path,
                     const std::set<std::string> &must_have = {},
                     const std::set<std::string> &must_lack = {})
{
    size_t numbered = 0;
    for (const std::string &path : shard_paths(db_path)) {
        Xapian::Database shard(path);
        std::string count = shard.get_metadata(count_key);
        std::map<std::string, uint32_t> number_of;
        std::map<uint32_t, std::string> thread_of;
        for (auto it = shard.postlist_begin(""); it != shard.postlist_end("");
             ++it) {
            Xapian::Document doc = shard.get_document(*it);
            std::string value = doc.get_value(number_slot);
            std::string thread = doc.get_value(2);
            if (value.empty()) {
                if (must_have.count(thread))
                    TEST_FAIL("%s: a post of %s has no number", path.c_str(),
                              thread.c_str());
                continue;
            }
            if (must_lack.count(thread))
                TEST_FAIL("%s: a post of %s has a number", path.c_str(),
                          thread.c_str());
            numbered++;
            CHECK(value.size() > 4);
            uint32_t number = 0;
            for (int i = 0; i < 4; i++)
                number = number << 8 | static_cast<unsigned char>(value[i]);
            CHECK(value.substr(4) == doc.get_value(1));
            auto seen = number_of.emplace(thread, number);
            if (seen.first->second != number)
                TEST_FAIL("%s: thread %s has numbers %u and %u", path.c_str(),
                          thread.c_str(), seen.first->second, number);
            auto owner = thread_of.emplace(number, thread);
            if (owner.first->second != thread)
                TEST_FAIL("%s: number %u is threads %s and %s", path.c_str(),
                          number, owner.first->second.c_str(), thread.c_str());
            /* A count made unreadable (below) stays as it is. */
            if (count != "12x")
                CHECK(!count.empty() &&
                      count.find_first_not_of("0123456789") ==
                          std::string::npos &&
                      number < std::stoull(count));
        }
    }
    return numbered;
}

/* One document per floor of a thread (value 3, thread and floor). */
void check_one_post_per_floor(const std::string &db_path)
{
    for (const std::string &path : shard_paths(db_path)) {
        Xapian::Database shard(path);
        std::set<std::string> seen;
        for (auto it = shard.postlist_begin(""); it != shard.postlist_end("");
             ++it)
            if (!seen.insert(shard.get_document(*it).get_value(3)).second)
                TEST_FAIL("%s: two posts of %s", path.c_str(),
                          shard.get_document(*it).get_value(3).c_str());
    }
}

/* Sets value 4 of every post of thread to value (damage). */
void damage_numbers(const std::string &db_path, const std::string &thread,
                    const std::string &value)
{
    size_t damaged = 0;
    for (const std::string &path : shard_paths(db_path)) {
        Xapian::WritableDatabase shard(path, Xapian::DB_OPEN);
        for (auto it = shard.postlist_begin(""); it != shard.postlist_end("");
             ++it) {
            Xapian::Document doc = shard.get_document(*it);
            if (doc.get_value(2) != thread)
                continue;
            doc.add_value(number_slot, value);
            shard.replace_document(*it, doc);
            damaged++;
        }
        shard.commit();
    }
    CHECK(damaged > 0);
}

/* Makes the database one written before thread numbers: no value 4, no
 * count. */
void strip_numbers(const std::string &db_path)
{
    for (const std::string &path : shard_paths(db_path)) {
        Xapian::WritableDatabase shard(path, Xapian::DB_OPEN);
        for (auto it = shard.postlist_begin(""); it != shard.postlist_end("");
             ++it) {
            Xapian::Document doc = shard.get_document(*it);
            doc.remove_value(number_slot);
            shard.replace_document(*it, doc);
        }
        shard.set_metadata(count_key, "");
        shard.commit();
    }
}

typedef std::tuple<std::string, int, double, uint64_t> hit_t;

struct answer {
    std::vector<hit_t> hits;
    uint64_t posts = 0, threads = 0;
    bool operator==(const answer &o) const
    {
        return hits == o.hits && posts == o.posts && threads == o.threads;
    }
};

answer search(const std::string &db_path, const char *text, size_t offset)
{
    forum_db_t *db = nullptr;
    CHECK_EQ_INT(forum_db_open(&db, db_path.c_str(), FORUM_DB_READ, nullptr),
                 FORUM_OK);
    forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
    opts.offset = offset;
    opts.limit = 1000;
    forum_query_t *q = nullptr;
    CHECK_EQ_INT(forum_query_create(&q, db, text, std::string(text).size(),
                                    &opts),
                 FORUM_OK);
    forum_results_t *res = nullptr;
    CHECK_EQ_INT(forum_query_run(q, &res), FORUM_OK);
    answer a;
    forum_results_counts(res, &a.posts, &a.threads);
    const forum_hit_t *hit;
    forum_status_t st;
    while ((st = forum_results_next(res, &hit)) == FORUM_OK)
        a.hits.emplace_back(hit->thread_id, hit->floor, hit->score,
                            hit->thread_matches);
    CHECK_EQ_INT(st, FORUM_ITER_DONE);
    forum_query_destroy(q);
    forum_db_destroy(db);
    return a;
}

const char *const queries[] = {"天气", "今天", "上海", "关税", "不错",
                               "天气今天", "今天 -北京", "上海 OR 关税"};

/* Every query, by relevance with threads ranked, both ways of searching
 * shards (one after the other; side by side), pages from 0 and 3. */
void check_same(const std::string &db, const std::string &clean)
{
    for (const char *par : {"", "0"}) {
        CHECK(setenv("FORUMSEARCH_PARALLEL_POSTINGS", par, 1) == 0);
        for (const char *q : queries)
            for (size_t offset : {0, 3}) {
                answer got = search(db, q, offset), want =
                                                         search(clean, q,
                                                                offset);
                if (!(got == want))
                    TEST_FAIL("%s (offset %zu, side by side: %s): %zu hits "
                              "%llu posts %llu threads, clean %zu %llu %llu",
                              q, offset, *par ? "always" : "by size",
                              got.hits.size(), (unsigned long long)got.posts,
                              (unsigned long long)got.threads,
                              want.hits.size(),
                              (unsigned long long)want.posts,
                              (unsigned long long)want.threads);
                CHECK(!got.hits.empty());
            }
    }
    CHECK(unsetenv("FORUMSEARCH_PARALLEL_POSTINGS") == 0);
}

void clean_index(const std::string &name, const std::string &root,
                 unsigned shards)
{
    std::string cmd = "rm -rf '" + at(name) + "'";
    CHECK(std::system(cmd.c_str()) == 0);
    index_tree(at(name), root, shards);
}

void run(unsigned shards)
{
    std::string tag = std::to_string(shards);
    std::string root = at("tree" + tag), db = at("db" + tag);

    PHASE(shards == 1 ? "one shard: numbered from the first run"
                      : "two shards: numbered from the first run");
    write_tree(root, 1);
    index_tree(db, root, shards);
    size_t posts = check_numbers(db, {"b2/t5", "b1/t7"});
    CHECK(posts > 60);
    clean_index("clean" + tag, root, shards);
    check_same(db, at("clean" + tag));

    PHASE("stripped of its numbers, it ranks by ORDER value alike");
    strip_numbers(db);
    CHECK_EQ_INT(check_numbers(db), 0);
    check_same(db, at("clean" + tag));

    PHASE("new posts get numbers beside old ones, in one thread too");
    write_tree(root, 2); /* b's file changes (t5's later floors too). */
    index_tree(db, root, shards);
    check_numbers(db, {"b0/t12", "b2/t200"}, {"b0/t0", "b1/t7"});
    clean_index("clean" + tag, root, shards);
    check_same(db, at("clean" + tag));
    clean_index("clean" + tag, root, shards);
    check_same(db, at("clean" + tag));

    PHASE("an unreadable count gives no numbers, not guessed ones");
    for (const std::string &path : shard_paths(db)) {
        Xapian::WritableDatabase shard(path, Xapian::DB_OPEN);
        shard.set_metadata(count_key, "12x");
        shard.commit();
    }
    write_tree(root, 3); /* b changes again, c/v3.jsonl is new. */
    index_tree(db, root, shards);
    CHECK(check_numbers(db, {"b2/t200"}, {"b0/t12", "b0/t300", "b2/t5"}) >
          0);
    for (const std::string &path : shard_paths(db))
        CHECK(Xapian::Database(path).get_metadata(count_key) == "12x");
    clean_index("clean" + tag, root, shards);
    check_same(db, at("clean" + tag));

    PHASE("numbers survive compaction, and the count goes on");
    {
        forum_db_t *h = nullptr;
        CHECK_EQ_INT(forum_db_open(&h, at("clean" + tag).c_str(),
                                   FORUM_DB_WRITE, nullptr),
                     FORUM_OK);
        CHECK_EQ_INT(forum_db_compact(h), FORUM_OK);
        forum_db_destroy(h);
    }
    check_numbers(at("clean" + tag));
    std::vector<unsigned long long> counts;
    for (const std::string &path : shard_paths(at("clean" + tag)))
        counts.push_back(
            std::stoull(Xapian::Database(path).get_metadata(count_key)));
    write_tree(root, 4);
    index_tree(at("clean" + tag), root, shards);
    check_numbers(at("clean" + tag), {"b2/t5", "b1/t7", "b0/t402"});
    unsigned long long grew = 0;
    std::vector<std::string> paths = shard_paths(at("clean" + tag));
    for (size_t k = 0; k < paths.size(); k++) {
        unsigned long long now =
            std::stoull(Xapian::Database(paths[k]).get_metadata(count_key));
        CHECK(now >= counts[k]);
        grew += now - counts[k];
    }
    CHECK(grew > 0);

    PHASE("damaged numbers: too short, or a floor too long, go by ORDER");
    std::string damaged = at("clean" + tag);
    damage_numbers(damaged, "b1/t1", "abc");
    damage_numbers(damaged, "b0/t3", std::string("\0\0\0\7", 4) +
                                        std::string(12, 'x'));
    /* t5's first floors (in the unchanged file) too short: the next run
     * must still find their floors, and replace floor 2. */
    damage_numbers(damaged, "b2/t5", "ab");
    clean_index("again" + tag, root, shards);
    check_same(damaged, at("again" + tag));
    write_tree(root, 5); /* b changes, and writes t5's floor 2 too */
    index_tree(damaged, root, shards);
    check_one_post_per_floor(damaged);
    clean_index("again" + tag, root, shards);
    check_same(damaged, at("again" + tag));
}

} // namespace

int main()
{
    CHECK(mkdtemp(scratch) != nullptr);
    run(1);
    run(2);
    std::string cmd = std::string("rm -rf '") + scratch + "'";
    CHECK(std::system(cmd.c_str()) == 0);
    fprintf(stderr, "test_thread_numbers: ok\n");
    return 0;
}
