"""Indexing from Python: index_path with progress and diagnostics
(cancelling by return value and by exception), threads given as data
(the same posts as the equivalent file indexed by forum-index; replacing;
bad input changes nothing), commits seen by forum-search, the writer's
lock, and every other error as an Error subclass."""

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import forumsearch
from conftest import SAMPLES, cli_count, cli_json, index_with_cli
from test_search import as_cli

UTC = dt.timezone.utc


def sample_files():
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(SAMPLES)
                  for f in fs if f.endswith(".txt"))


def test_index_path_progress_and_stats(tmp_db, samples_db):
    calls = []
    with forumsearch.open(tmp_db, writable=True) as db:
        stats = db.index_path(SAMPLES, progress=lambda d, t:
                              calls.append((d, t)))
    n = len(sample_files())
    assert calls == [(i, n) for i in range(1, n + 1)]
    assert stats.files_seen == n and stats.files_indexed == n
    assert stats.posts == cli_count(samples_db, "floor:0..", "--posts")[0]
    # Committed: another process sees the same as forum-index made.
    for q in ("川普", "floor:1.. 显卡"):
        assert cli_json(tmp_db, q, "-n", "100") == \
            cli_json(samples_db, q, "-n", "100")
    with forumsearch.open(tmp_db, writable=True) as db:
        again = db.index_path(SAMPLES)
    assert again.files_unchanged == n and again.files_indexed == 0


def test_progress_true_cancels(tmp_db):
    with forumsearch.open(tmp_db, writable=True) as db:
        with pytest.raises(forumsearch.CancelledError) as info:
            db.index_path(SAMPLES, progress=lambda done, total: done >= 3)
        assert "cancelled" in info.value.message
        assert info.value.stats.files_indexed == 3
        assert db.count("floor:0")[0] == 3
    # The three files were committed.
    assert cli_count(tmp_db, "floor:0")[0] == 3


class Boom(Exception):
    pass


def test_progress_exception_cancels_and_is_raised(tmp_db):
    seen = []

    def progress(done, total):
        seen.append(done)
        if done == 2:
            raise Boom("stop here")

    with forumsearch.open(tmp_db, writable=True) as db:
        with pytest.raises(Boom, match="stop here"):
            db.index_path(SAMPLES, progress=progress)
        assert seen == [1, 2]  # not called again after the exception
        assert db.count("floor:0")[0] == 2
        # The handle still works.
        stats = db.index_path(SAMPLES)
        assert stats.files_indexed == len(sample_files()) - 2


def test_keyboard_interrupt_in_progress(tmp_db):
    def progress(done, total):
        raise KeyboardInterrupt

    with forumsearch.open(tmp_db, writable=True) as db:
        with pytest.raises(KeyboardInterrupt):
            db.index_path(SAMPLES, progress=progress)


def test_diagnostics(tmp_path):
    tree = tmp_path / "tree" / "b"
    tree.mkdir(parents=True)
    (tree / "empty.txt").write_text("")
    (tree / "bad.txt").write_bytes(b"\xff\xfe title \xc0\n\n\xffbody\n")
    shutil.copy(os.path.join(SAMPLES, "news", "0001_musk-doge-exit.txt"),
                tree / "good.txt")
    got = []
    with forumsearch.open(str(tmp_path / "db"), writable=True) as db:
        stats = db.index_path(str(tmp_path / "tree"), diagnostics=got.append)
    assert stats.errors >= 1 and stats.files_skipped >= 1
    assert any(d.is_error and d.path.endswith("empty.txt") for d in got)
    assert all(isinstance(d, forumsearch.Diagnostic) for d in got)
    first = next(d for d in got if d.is_error)
    assert str(first) == "%s: error: %s" % (first.path, first.message)
    # An exception in the diagnostics callback cancels and is raised.
    with forumsearch.open(str(tmp_path / "db2"), writable=True) as db:
        def diagnostics(d):
            raise Boom(d.message)
        with pytest.raises(Boom):
            db.index_path(str(tmp_path / "tree"), diagnostics=diagnostics)


def test_callback_cannot_reenter(tmp_db):
    with forumsearch.open(tmp_db, writable=True) as db:
        def progress(done, total):
            db.search("川普")
        with pytest.raises(forumsearch.Error, match="callback"):
            db.index_path(SAMPLES, progress=progress)
        assert db.post_count() > 0  # usable afterwards
        # A result set dropped inside a callback is freed after the call
        # (the callback's thread holds the handle's lock).
        kept = [db.search("川普")]
        db.index_path(SAMPLES, force=True,
                      progress=lambda done, total: kept.clear())
        assert not kept and db.count("川普")[0] > 0


# A thread file and the same thread as data.
THREAD_FILE = textwrap.dedent("""\
    王小明的川普观察

    某论坛
    Mouluntan
    最新回复:2025年1月23日 6点43分 PT
      返回列表
    10 阅读
    3 评论
    来源

    文章正文 川普今天发言。

    第二段 OpenAI 的消息。

    旁观者XWY
    1 楼
    楼主说得对,川普这次是认真的。
    s
    supernova13
    2 楼
    OpenAI's model agrees 😀 with 馬斯克說
    """)

THREAD_DATE = dt.datetime(2025, 1, 23, 14, 43, tzinfo=UTC)
THREAD_POSTS = [
    forumsearch.Post(2, "OpenAI's model agrees 😀 with 馬斯克說",
                     author="supernova13"),
    forumsearch.Post(0, "文章正文 川普今天发言。\n第二段 OpenAI 的消息。"),
    dict(floor=1, text="楼主说得对,川普这次是认真的。", author="旁观者XWY"),
]


def add_thread(db, **changes):
    args = dict(id="news/t", title="王小明的川普观察", posts=THREAD_POSTS,
                source="来源", date=THREAD_DATE)
    args.update(changes)
    return db.index_thread(**args)


def test_thread_equals_file(tmp_path):
    tree = tmp_path / "tree" / "news"
    tree.mkdir(parents=True)
    (tree / "t.txt").write_text(THREAD_FILE, encoding="utf-8")
    by_file = str(tmp_path / "file.db")
    index_with_cli(by_file, str(tmp_path / "tree"))
    by_data = str(tmp_path / "data.db")
    with forumsearch.open(by_data, writable=True) as db:
        stats = add_thread(db)
        assert (stats.threads, stats.posts) == (1, 3)
    for query in ("thread:news/t", "川普", "openai 馬斯克", "title:观察",
                  "author:supernova13 board:news", "date:2025-01-23"):
        for options in ([], ["--posts"], ["--posts", "--sort", "floor"]):
            assert cli_json(by_data, query, *options) == \
                cli_json(by_file, query, *options), (query, options)
    # And through the package.
    with forumsearch.open(by_data) as a, forumsearch.open(by_file) as b:
        pa = [as_cli(h, False) for h in a.search("thread:news/t", posts=True,
                                                  sort="floor")]
        pb = [as_cli(h, False) for h in b.search("thread:news/t", posts=True,
                                                  sort="floor")]
    assert pa == pb and len(pa) == 3


def test_thread_replaces_and_dates(tmp_db):
    with forumsearch.open(tmp_db, writable=True) as db:
        add_thread(db)
        assert db.count("thread:news/t", posts=True) == (3, 1)
        naive = dt.datetime(2024, 2, 3, 4, 5, 6)
        db.index_thread("news/t", "新标题", [
            forumsearch.Post(0, "新的正文 拜登", author="甲", date=naive),
            forumsearch.Post(7, b"bytes text \xe6\x8b\x9c\xe7\x99\xbb",
                             author=b"\xe4\xb9\x99", date=dt.date(2024, 2, 4))],
            board="elsewhere")
        db.commit()
        hits = list(db.search("thread:news/t", posts=True, sort="floor"))
    assert [(h.floor, h.author, h.board, h.title) for h in hits] == [
        (0, "甲", "elsewhere", "新标题"), (7, "乙", "elsewhere", "新标题")]
    assert hits[0].date == naive.replace(tzinfo=UTC)
    assert hits[1].date == dt.datetime(2024, 2, 4, tzinfo=UTC)
    assert cli_count(tmp_db, "川普")[0] == 0
    assert cli_count(tmp_db, "拜登 board:elsewhere", "--posts")[0] == 2


BAD_THREADS = [
    (dict(title=None), "no title"),
    (dict(title="  "), "no title"),
    (dict(posts=[]), "no posts"),
    (dict(id="../evil"), 'thread id "../evil"'),
    (dict(id="/abs"), 'thread id "/abs"'),
    (dict(id="a//b"), "empty path component"),
    (dict(posts=[forumsearch.Post(1, "a"), forumsearch.Post(1, "b")]),
     "floor 1 is given twice (posts[0] and posts[1])"),
    (dict(posts=[forumsearch.Post(-1, "a")]), "floor -1 is out of range"),
    (dict(posts=[forumsearch.Post(0, b"bad \xff utf-8")]),
     "posts[0]: text is not valid UTF-8"),
    (dict(posts=[forumsearch.Post(0, "nul\0byte")]),
     "posts[0]: text holds a NUL byte"),
    (dict(title=b"\xe5\xb7"), "title is not valid UTF-8"),
    (dict(board=b"\xc0\xaf"), "board is not valid UTF-8"),
    (dict(posts=[forumsearch.Post(0, "t", author=b"\x80")]),
     "author is not valid UTF-8"),
    (dict(date=10 ** 12), "date 1000000000000 is out of range"),
]


@pytest.mark.parametrize("changes,says", BAD_THREADS)
def test_bad_thread_changes_nothing(tmp_db, changes, says):
    with forumsearch.open(tmp_db, writable=True) as db:
        add_thread(db)
        db.commit()
        before = [as_cli(h, False) for h in db.search("floor:0..", posts=True,
                                                      limit=100)]
        with pytest.raises(forumsearch.InvalidArgumentError) as info:
            add_thread(db, **changes)
        assert says in info.value.message
        assert info.value.status == forumsearch.InvalidArgumentError.STATUS
        after = [as_cli(h, False) for h in db.search("floor:0..", posts=True,
                                                     limit=100)]
        assert after == before


def test_bad_thread_python_side(tmp_db):
    with forumsearch.open(tmp_db, writable=True) as db:
        with pytest.raises(forumsearch.InvalidArgumentError, match="NUL"):
            add_thread(db, id="a\0b")
        with pytest.raises(forumsearch.InvalidArgumentError,
                           match="UTF-8"):
            add_thread(db, title="lone \ud800 surrogate")
        with pytest.raises(TypeError):
            add_thread(db, posts=[forumsearch.Post("1", "x")])
        with pytest.raises(TypeError):
            add_thread(db, date="2025-01-01")
        assert db.post_count() == 0


def test_index_buffer_and_remove(tmp_db):
    with forumsearch.open(tmp_db, writable=True) as db:
        stats = db.index_buffer("news/t.txt", THREAD_FILE)
        assert stats.posts == 3
        with pytest.raises(forumsearch.ParseError):
            db.index_buffer("news/t.txt", b"\n\n")
        with pytest.raises(forumsearch.InvalidArgumentError,
                           match="below|root|\\.\\."):
            db.index_buffer("../t.txt", THREAD_FILE)
        assert db.remove_file("news/t.txt") == 3
        add_thread(db)
        assert db.remove_thread("news/t") == 3
        assert db.post_count() == 0


def test_discard_on_exception(tmp_db):
    with forumsearch.open(tmp_db, writable=True) as db:
        add_thread(db, id="keep/1")
    with pytest.raises(Boom):
        with forumsearch.open(tmp_db, writable=True) as db:
            add_thread(db, id="lost/1")
            raise Boom
    assert cli_count(tmp_db, "board:keep") == (3, 1)
    assert cli_count(tmp_db, "board:lost") == (0, 0)


HOLD_WRITER = """
import sys, forumsearch
db = forumsearch.open(sys.argv[1], writable=True)
print("locked", flush=True)
sys.stdin.read()
db.close()
"""


def test_writer_lock(tmp_db):
    forumsearch.open(tmp_db, writable=True).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, tmp_db],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"locked\n"
        with pytest.raises(forumsearch.LockedError) as info:
            forumsearch.open(tmp_db, writable=True)
        assert info.value.message
        with forumsearch.open(tmp_db) as reader:  # readers are welcome
            assert reader.post_count() == 0
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert holder.returncode == 0
    # wait=True: blocks until the writer goes, then gets the lock.
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, tmp_db],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout.readline() == b"locked\n"
    import threading
    threading.Timer(0.5, holder.stdin.close).start()
    with forumsearch.open(tmp_db, writable=True, wait=True) as db:
        add_thread(db)
    holder.wait(timeout=30)


def test_errors(tmp_path, samples_db):
    with pytest.raises(forumsearch.NotFoundError) as info:
        forumsearch.open(str(tmp_path / "none"))
    assert "none" in info.value.message
    with forumsearch.open(samples_db) as db:
        with pytest.raises(forumsearch.InvalidArgumentError,
                           match="read-only"):
            db.index_thread("x/1", "t", [forumsearch.Post(0, "x")])
        with pytest.raises(forumsearch.InvalidArgumentError, match="sort"):
            db.search("川普", sort="size")
        with pytest.raises(forumsearch.InvalidArgumentError, match="limit"):
            db.search("川普", limit=-1)
        with pytest.raises(forumsearch.InvalidArgumentError):
            db.commit()
        kept = db.search("川普")
    # Closed: ClosedError with the library's message; results made
    # before stay readable.
    with pytest.raises(forumsearch.ClosedError):
        db.search("川普")
    with pytest.raises(forumsearch.ClosedError):
        db.post_count()
    assert len(list(kept)) == 10
    db2 = forumsearch.open(samples_db)
    db2.close()
    with pytest.raises(forumsearch.ClosedError) as info:
        db2.search("川普")
    assert samples_db in info.value.message  # the library's message
    db2.close()
    # Not a database, and a corrupt one.
    (tmp_path / "file").write_text("x")
    with pytest.raises(forumsearch.NotFoundError):
        forumsearch.open(str(tmp_path / "file"))
    with pytest.raises(forumsearch.InvalidArgumentError):
        forumsearch.create(str(tmp_path / "file"), 2)
    forumsearch.create(str(tmp_path / "sharded"), 3)
    with forumsearch.open(str(tmp_path / "sharded"), writable=True) as db:
        assert db.shard_count() == 3
        add_thread(db)
        assert db.count("川普") == (2, 1)
    # Every status has its class, each an Error.
    for cls in (forumsearch.NotFoundError, forumsearch.LockedError,
                forumsearch.ModifiedError, forumsearch.QueryError,
                forumsearch.ParseError, forumsearch.OutOfMemoryError,
                forumsearch.DatabaseIOError,
                forumsearch.InvalidArgumentError,
                forumsearch.InternalError, forumsearch.CancelledError,
                forumsearch.ClosedError):
        assert issubclass(cls, forumsearch.Error) and cls.STATUS


def test_corrupt_database(tmp_path):
    path = str(tmp_path / "db")
    with forumsearch.open(path, writable=True) as db:
        add_thread(db)
    damaged = 0
    for top, _, names in os.walk(path):
        for name in names:
            if name.endswith(".glass") or name == "iamglass":
                with open(os.path.join(top, name), "r+b") as f:
                    f.write(b"\xde\xad\xbe\xef" * 64)
                damaged += 1
    assert damaged
    with pytest.raises(forumsearch.DatabaseIOError) as info:
        with forumsearch.open(path) as db:
            list(db.search("川普"))
    assert "Corrupt" in info.value.message


def test_compact_and_estimates(tmp_db):
    with forumsearch.open(tmp_db, writable=True) as db:
        db.index_path(SAMPLES)
        before = [as_cli(h, True) for h in db.search("川普 OR 显卡",
                                                     limit=100)]
        db.compact()
        after = [as_cli(h, True) for h in db.search("川普 OR 显卡",
                                                    limit=100)]
        assert after == before and len(after) > 5
        posts, threads = db.search("川普", exact_counts=False).counts
        assert 0 < threads <= posts
    with forumsearch.open(tmp_db) as db:
        with pytest.raises(forumsearch.InvalidArgumentError):
            db.compact()
        assert db.warning == ""
