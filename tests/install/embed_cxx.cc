// A C++ embedder that also uses Xapian itself, linked with the installed
// libforumsearch (tests/install_test.sh builds it shared and static).
// It instantiates templates and typeinfo the library's Xapian shim has its
// own copies of, now local to libforumsearch.a: the copies must not clash
// (the archive carries no COMDAT groups that the link could discard under
// the library's code), and exceptions must still be caught on each side.
//   usage: embed_cxx DB SAMPLES-DIR QUERY
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <xapian.h>

#include <forumsearch.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: embed_cxx DB SAMPLES-DIR QUERY\n");
        return 2;
    }
    // Same instances as the shim: vector<string>::_M_realloc_insert<string>,
    // vector<Xapian::Query>::_M_realloc_insert<const Query &>, typeinfo of
    // Xapian's errors.
    std::vector<std::string> words;
    for (int i = 0; i < 64; i++)
        words.push_back(std::string(static_cast<size_t>(i), 'x'));
    std::vector<Xapian::Query> queries;
    const Xapian::Query one("one");
    for (int i = 0; i < 64; i++)
        queries.push_back(one);
    bool caught = false;
    try {
        Xapian::Database missing(std::string(argv[1]) + "/missing");
    } catch (const Xapian::DatabaseOpeningError &) {
        caught = true;
    }
    if (!caught) {
        std::fprintf(stderr, "embed_cxx: Xapian's error not caught\n");
        return 1;
    }

    // The library catches its own: a missing database is FORUM_ENOTFOUND.
    char *errmsg = nullptr;
    forum_db_t *db = nullptr;
    std::string missing = std::string(argv[1]) + "/missing";
    forum_status_t st = forum_db_open(&db, missing.c_str(), FORUM_DB_READ,
                                      &errmsg);
    forum_free(errmsg);
    errmsg = nullptr;
    if (st != FORUM_ENOTFOUND) {
        std::fprintf(stderr, "embed_cxx: missing database: %s\n",
                     forum_status_to_string(st));
        return 1;
    }
    forum_db_destroy(db);
    db = nullptr;

    st = forum_db_open(&db, argv[1], FORUM_DB_WRITE, &errmsg);
    if (st != FORUM_OK) {
        std::fprintf(stderr, "embed_cxx: open: %s\n", errmsg);
        forum_free(errmsg);
        return 1;
    }
    forum_index_stats_t stats;
    st = forum_db_index_path(db, argv[2], nullptr, &stats);
    forum_query_t *query = nullptr;
    if (st == FORUM_OK)
        st = forum_query_create(&query, db, argv[3], std::strlen(argv[3]),
                                nullptr);
    forum_results_t *results = nullptr;
    if (st == FORUM_OK)
        st = forum_query_run(query, &results);
    unsigned hits = 0;
    const forum_hit_t *hit = nullptr;
    while (st == FORUM_OK && (st = forum_results_next(results, &hit)) == FORUM_OK)
        hits++;
    if (st != FORUM_ITER_DONE)
        std::fprintf(stderr, "embed_cxx: %s\n", forum_db_last_error(db));
    forum_query_destroy(query);
    forum_db_close(db);
    forum_db_destroy(db);
    if (st != FORUM_ITER_DONE || hits == 0 || words.size() != 64 ||
        queries.size() != 64)
        return 1;
    std::printf("embed_cxx: %llu posts indexed, %u hits\n",
                static_cast<unsigned long long>(stats.posts), hits);
    return 0;
}
