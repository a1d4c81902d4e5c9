"""db.thread(id, query): a whole thread equals forum-search --thread ID
--json DB [QUERY] (every field, highlights converted from the CLI's
bytes by encoding), for every sample thread with and without a query;
unknown ids, bad queries and closed handles raise Errors; threads given
as data read back as given."""

import json
import os

import pytest

import forumsearch
from conftest import SAMPLES, run_search
from test_search import byte_spans


def thread_ids():
    ids = []
    for top, _, names in os.walk(SAMPLES):
        for name in names:
            if name.endswith(".txt"):
                rel = os.path.relpath(os.path.join(top, name), SAMPLES)
                ids.append(rel[:-len(".txt")])
    return sorted(ids)


def as_cli(thread):
    def date(d):
        return d.strftime("%Y-%m-%dT%H:%M:%SZ") if d else None
    return {
        "thread": thread.thread, "title": thread.title,
        "title_highlights": byte_spans(thread.title,
                                       thread.title_highlights),
        "board": thread.board, "source": thread.source, "path": thread.path,
        "date": date(thread.date), "n_posts": len(thread.posts),
        "posts": [{"floor": p.floor, "author": p.author, "date": date(p.date),
                   "text": p.text,
                   "highlights": byte_spans(p.text, p.highlights)}
                  for p in thread.posts]}


@pytest.fixture(scope="module")
def db(samples_db):
    with forumsearch.open(samples_db) as handle:
        yield handle


@pytest.mark.parametrize("thread_id", thread_ids())
def test_thread_equals_cli(db, samples_db, thread_id):
    for query in (None, "川普", "openai 台积电", "馬斯克"):
        args = ["--thread", thread_id, "--json"] + ([query] if query else [])
        out, _, _ = run_search(samples_db, *args, check_exit=(0,))
        want = json.loads(out)
        thread = db.thread(thread_id, query)
        assert as_cli(thread) == want, (thread_id, query)
        assert [p.index for p in thread.posts] == \
            list(range(len(thread.posts)))
        for post in thread.posts:
            for s, e in post.highlights:
                assert forumsearch.normalize(post.text[s:e]) in \
                    forumsearch.normalize(query or "").split(), post.text


def test_thread_errors(db, samples_db):
    with pytest.raises(forumsearch.NotFoundError) as info:
        db.thread("news/nope")
    assert "news/nope" in info.value.message
    with pytest.raises(forumsearch.InvalidArgumentError):
        db.thread("")
    with pytest.raises(forumsearch.QueryError) as info:
        db.thread("news/0001_musk-doge-exit", '"open')
    assert info.value.column == 1
    closed = forumsearch.open(samples_db)
    closed.close()
    with pytest.raises(forumsearch.ClosedError):
        closed.thread("news/0001_musk-doge-exit")


def test_thread_from_data_reads_back(tmp_db):
    posts = [forumsearch.Post(3, "三楼 😀 川普", author="丙", date=1700000000),
             forumsearch.Post(0, "正文", author="甲"),
             forumsearch.Post(1, "一楼", author="乙")]
    with forumsearch.open(tmp_db, writable=True) as db:
        db.index_thread("b/x", "标题 川普", posts, source="来源",
                        date=1600000000)
        thread = db.thread("b/x", "川普")
    assert (thread.thread, thread.title, thread.board, thread.source,
            thread.path) == ("b/x", "标题 川普", "b", "来源", "b/x.txt")
    assert [(p.floor, p.author, p.text) for p in thread.posts] == [
        (0, "甲", "正文"), (1, "乙", "一楼"), (3, "丙", "三楼 😀 川普")]
    assert thread.posts[2].date.timestamp() == 1700000000
    assert thread.posts[0].date.timestamp() == 1600000000  # the thread's
    assert [thread.posts[2].text[s:e] for s, e in
            thread.posts[2].highlights] == ["川普"]
    assert [thread.title[s:e] for s, e in thread.title_highlights] == ["川普"]
