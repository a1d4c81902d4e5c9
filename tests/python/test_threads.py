"""One Database shared by several Python threads (the C header: every
call on a handle is serialized, so sharing is safe), one Database per
thread, a Results object iterated by several threads at once, and a
writer indexing while readers search. Results must equal the serial
ones."""

import threading

import pytest

import forumsearch
from conftest import SAMPLES
from test_search import QUERIES, as_cli

N_THREADS = 6


def serial_answers(db, queries):
    return {q: [as_cli(h, False) for h in db.search(q, posts=True, limit=50)]
            for q in queries}


def run_threads(target, n=N_THREADS):
    errors = []

    def guarded(i):
        try:
            target(i)
        except BaseException as e:  # noqa: B902
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]


@pytest.fixture(scope="module")
def expected(samples_db):
    with forumsearch.open(samples_db) as db:
        return serial_answers(db, QUERIES)


def test_shared_handle(samples_db, expected):
    with forumsearch.open(samples_db) as db:
        def work(i):
            for round in range(3):
                for q in QUERIES[i::2]:
                    got = [as_cli(h, False)
                           for h in db.search(q, posts=True, limit=50)]
                    assert got == expected[q], q
                # Errors are per thread: each sees its own.
                with pytest.raises(forumsearch.QueryError) as info:
                    db.search('"%d' % i)
                assert info.value.column == 1
        run_threads(work)


def test_handle_per_thread(samples_db, expected):
    def work(i):
        with forumsearch.open(samples_db) as db:
            for q in QUERIES[i % 3::3]:
                got = [as_cli(h, False)
                       for h in db.search(q, posts=True, limit=50)]
                assert got == expected[q], q
    run_threads(work)


def test_shared_results(samples_db):
    with forumsearch.open(samples_db) as db:
        want = [h.rank for h in db.search("floor:0..", posts=True,
                                           limit=400)]
        results = db.search("floor:0..", posts=True, limit=400)
        seen = [[] for _ in range(N_THREADS)]

        def work(i):
            for hit in results:
                seen[i].append(hit.rank)
        run_threads(work)
    ranks = sorted(r for part in seen for r in part)
    assert ranks == want and len(ranks) == 400
    assert all(part == sorted(part) for part in seen)


def test_writer_and_readers(tmp_path):
    path = str(tmp_path / "db")
    stop = threading.Event()
    with forumsearch.open(path, writable=True) as db:
        db.index_thread("a/0", "t", [forumsearch.Post(0, "起点 川普")])
        db.commit()

        def work(i):
            if i == 0:
                try:
                    db.index_path(SAMPLES)
                    for k in range(1, 30):
                        db.index_thread("a/%d" % k, "t",
                                        [forumsearch.Post(0, "川普 %d" % k)])
                    db.commit()
                finally:
                    stop.set()
            else:
                while not stop.is_set():
                    posts, threads = db.count("川普")
                    assert posts >= 1 and threads >= 1
                    assert len(list(db.search("川普", limit=5))) <= 5
        run_threads(work, 4)
        assert db.count("board:a") == (30, 30)
