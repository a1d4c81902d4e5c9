"""Nothing leaks: 10,000 searches (each a C query, result set, hits and
two snippets, freed when the Results object goes) and 300
open/search/close cycles keep the resident set flat. Also under
explicit close() and with results dropped half-read."""

import gc
import os

import pytest

import forumsearch

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("FORUMSEARCH_TEST_SANITIZED")),
    reason="under ASan, freed memory is held in quarantine: RSS says "
           "nothing about leaks (the C tests run LeakSanitizer)")

QUERIES = ["川普", "显卡 OR 台积电", "openai", "floor:1.. 拜登",
           '"马斯克向川普"', "date:2025 -关税", "author:码农老李", "board:tech"]


def rss_kib():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def search_many(db, n):
    for i in range(n):
        query = QUERIES[i % len(QUERIES)]
        results = db.search(query, limit=10, posts=bool(i & 1))
        if i % 3 == 0:
            list(results)              # read every hit
        elif i % 3 == 1:
            next(iter(results), None)  # read one, drop the rest
            results.close()
        # else: never iterated, freed by the garbage collector
        if i % 97 == 0:
            try:
                db.search('"bad')
            except forumsearch.QueryError:
                pass


def test_rss_flat_over_10000_searches(samples_db):
    with forumsearch.open(samples_db) as db:
        search_many(db, 1500)          # warm up: caches, allocator pools
        gc.collect()
        before = rss_kib()
        search_many(db, 10000)
        gc.collect()
        after = rss_kib()
    growth = after - before
    print("RSS %d KiB -> %d KiB over 10,000 searches (%+d KiB)"
          % (before, after, growth))
    # A leak of one hit's text (~100 bytes) per search would be ~1 MiB;
    # one result set per search several MiB.
    assert growth < 1024, growth


def test_rss_flat_over_open_close_cycles(samples_db):
    def cycle(n):
        for i in range(n):
            with forumsearch.open(samples_db) as db:
                list(db.search(QUERIES[i % len(QUERIES)], limit=3))
    cycle(100)
    gc.collect()
    before = rss_kib()
    cycle(300)
    gc.collect()
    after = rss_kib()
    print("RSS %d KiB -> %d KiB over 300 open/search/close cycles (%+d KiB)"
          % (before, after, after - before))
    assert after - before < 1024, after - before
