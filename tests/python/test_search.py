"""Search through the package equals forum-search --json: every field of
every hit and the counts, on the query-language list (queries.txt) in
each output mode and sort, and pages; malformed queries raise
QueryError with the CLI's message and column."""

import os
import re

import pytest

import forumsearch
from conftest import cli_count, cli_json, run_search

HERE = os.path.dirname(os.path.abspath(__file__))


def read_list(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f
                if line.strip() and not line.startswith("#")]


QUERIES = read_list("queries.txt")
BAD_QUERIES = read_list("bad_queries.txt")


def byte_spans(text, spans):
    """str index ranges as UTF-8 byte ranges, computed by encoding the
    prefixes (not the package's own conversion)."""
    return [[len(text[:s].encode("utf-8")), len(text[:e].encode("utf-8"))]
            for s, e in spans]


def as_cli(hit, collapsed):
    """A Hit as forum-search --json prints it."""
    out = {
        "rank": hit.rank, "thread": hit.thread, "title": hit.title,
        "board": hit.board, "floor": hit.floor, "author": hit.author,
        "date": (hit.date.strftime("%Y-%m-%dT%H:%M:%SZ")
                 if hit.date else None),
        "source": hit.source, "path": hit.path,
        "score": float("%.6g" % hit.score),
        "snippet": hit.snippet,
        "highlights": byte_spans(hit.snippet, hit.highlights),
        "title_highlights": byte_spans(hit.title, hit.title_highlights),
    }
    if collapsed:
        out["thread_matches"] = hit.thread_matches
    if hit.also:
        out["also"] = [{
            "floor": p.floor, "author": p.author,
            "date": (p.date.strftime("%Y-%m-%dT%H:%M:%SZ")
                     if p.date else None),
            "snippet": p.snippet,
            "highlights": byte_spans(p.snippet, p.highlights)}
            for p in hit.also]
    return out


MODES = [
    ([], dict()),
    (["--posts"], dict(posts=True)),
    (["--sort", "date"], dict(sort="date")),
    (["--posts", "--sort", "floor"], dict(posts=True, sort="floor")),
    (["--scope", "thread"], dict(scope="thread")),
    (["--scope", "thread", "--sort", "date"], dict(scope="thread",
                                                   sort="date")),
]


@pytest.fixture(scope="module")
def db(samples_db):
    with forumsearch.open(samples_db) as handle:
        yield handle


@pytest.mark.parametrize("query", QUERIES)
def test_hits_equal_cli(db, samples_db, query):
    for cli_options, kwargs in MODES:
        want = cli_json(samples_db, query, "-n", "1000", *cli_options)
        results = db.search(query, limit=1000, **kwargs)
        got = [as_cli(hit, not kwargs.get("posts")) for hit in results]
        assert got == want, (query, cli_options)
        posts = kwargs.get("posts", False)
        count_options = ["--posts"] if posts else []
        if "scope" in kwargs:
            count_options += ["--scope", kwargs["scope"]]
        assert (results.posts, results.threads) == cli_count(
            samples_db, query, *count_options), query


def test_thread_scope_shows_the_other_posts(db):
    """王小明 is in the title of life/0003, 婚礼 in its reply 2: no post
    holds both, the thread does; the hit shows the other post."""
    assert db.count("王小明 婚礼")[0] == 0 or all(
        h.thread != "life/0003_wang-xiaoming-wedding"
        for h in db.search("王小明 婚礼", limit=100))
    hits = [h for h in db.search("王小明 婚礼", scope="thread", limit=100)
            if h.thread == "life/0003_wang-xiaoming-wedding"]
    assert len(hits) == 1
    shown = [hits[0]] + hits[0].also
    assert any("王小明" in p.snippet or "王小明" in hits[0].title
               for p in shown)
    assert any(p.snippet[s:e] == "婚礼" for p in shown
               for s, e in p.highlights)
    assert db.count("王小明 婚礼", scope="thread")[1] >= 1
    with pytest.raises(forumsearch.InvalidArgumentError):
        db.search("川普", scope="threads")


def test_query_list_finds_things(db):
    """The list is not vacuous: most queries match, in several threads."""
    found = sum(1 for q in QUERIES if db.count(q)[0] > 0)
    assert found >= len(QUERIES) - 3, found


@pytest.mark.parametrize("limit,offset", [(1, 0), (3, 2), (5, 7), (0, 0),
                                          (10, 1000)])
def test_pages_equal_cli(db, samples_db, limit, offset):
    for query in ("川普", "显卡 OR 台积电", "floor:1.."):
        want = cli_json(samples_db, query, "-n", str(limit), "-o",
                        str(offset), "--posts")
        got = [as_cli(h, False) for h in
               db.search(query, limit=limit, offset=offset, posts=True)]
        assert got == want, (query, limit, offset)


def test_snippet_chars_equal_cli(db, samples_db):
    want = cli_json(samples_db, "川普", "--snippet-chars", "30", "-n", "50")
    got = [as_cli(h, True) for h in
           db.search("川普", limit=50, snippet_chars=30)]
    assert got == want


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_query_raises_like_cli(db, samples_db, query):
    _, err, code = run_search(samples_db, query, check_exit=(5,))
    match = re.fullmatch(r"forum-search: bad query: (column (\d+): .*)\n",
                         err)
    assert match, err
    with pytest.raises(forumsearch.QueryError) as info:
        db.search(query)
    assert info.value.message == match.group(1)
    assert str(info.value) == match.group(1)
    assert info.value.column == int(match.group(2))
    assert 1 <= info.value.column <= len(query) + 1
    assert isinstance(info.value, forumsearch.Error)
    assert info.value.status == forumsearch.QueryError.STATUS


def test_query_error_column_counts_characters(db):
    """Columns are str positions, also after CJK and emoji."""
    for prefix in ("", "川普 ", "😂😂 ", "ＯｐｅｎＡＩ 馬斯克 "):
        query = prefix + '"unclosed'
        with pytest.raises(forumsearch.QueryError) as info:
            db.search(query)
        assert query[info.value.column - 1] == '"', (query, info.value)


def test_results_are_lazy_and_counted(db):
    results = db.search("川普", limit=5, posts=True)
    assert results.posts > 5 and results.threads > 1
    first = next(results)
    assert first.rank == 1
    rest = list(results)
    assert [h.rank for h in rest] == [2, 3, 4, 5]
    assert list(results) == []  # iterated once
    assert results.description == '"川普"'
    results.close()
    results.close()
    assert list(results) == []


def test_hit_fields(db):
    hit = next(iter(db.search("thread:news/0001_musk-doge-exit floor:0")))
    assert hit.thread == "news/0001_musk-doge-exit"
    assert hit.board == "news" and hit.floor == 0
    assert hit.path == "news/0001_musk-doge-exit.txt"
    assert hit.date.tzinfo is not None and hit.date.utcoffset().seconds == 0
    assert hit.title in hit.text or hit.text
    assert isinstance(hit.score, float)
    assert hit.thread_matches == 1
