"""Highlights are str indices: snippet[start:end] is the matched text,
whatever precedes it (CJK, emoji outside the BMP, combining marks,
full-width, Latin), in snippets and titles; and they are the CLI's byte
offsets converted exactly."""

import pytest

import forumsearch
from conftest import cli_json

# (post text, query, the text each highlight must slice, as written)
CASES = [
    ("马斯克向川普告别", "川普", ["川普"]),
    ("😀😃😄 川普 🇨🇳 川普😂", "川普", ["川普", "川普"]),
    ("emoji👍🏽first then 马斯克说 and more", "马斯克说", ["马斯克说"]),
    ("馬斯克說臺灣是中國的一部分", "马斯克说", ["馬斯克說"]),
    ("ＯｐｅｎＡＩ发布了新模型", "openai", ["ＯｐｅｎＡＩ"]),
    ("Café naïve résumé 咖啡 café", "café", ["Café", "café"]),
    ("e\u0301 combining then 和服 here", "和服", ["和服"]),
    ("𠮷野家的牛丼 𠮷野家", "野家", ["野家", "野家"]),
    ("mixed中文English混合text 中文", "中文", ["中文", "中文"]),
    ("ＧＰＵ价格又回到挖矿时代 gpu", "gpu", ["ＧＰＵ", "gpu"]),
]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("hl") / "db")
    with forumsearch.open(path, writable=True) as db:
        for i, (text, _, _) in enumerate(CASES):
            db.index_thread("hl/%d" % i, "标题%d %s" % (i, text[:12]),
                            [forumsearch.Post(0, text, author="作者")])
    return path


@pytest.mark.parametrize("index", range(len(CASES)))
def test_slices_are_the_match(db_path, index):
    text, query, marked = CASES[index]
    with forumsearch.open(db_path) as db:
        hits = list(db.search("thread:hl/%d %s" % (index, query)))
    assert len(hits) == 1
    hit = hits[0]
    assert hit.snippet == text  # short: the whole post
    assert [hit.snippet[s:e] for s, e in hit.highlights] == marked
    # The title holds the first 12 characters of the text.
    title_marks = [hit.title[s:e] for s, e in hit.title_highlights]
    assert title_marks == [m for m in marked
                           if m in hit.title][:len(title_marks)]
    for s, e in hit.title_highlights:
        assert forumsearch.normalize(hit.title[s:e]) == \
            forumsearch.normalize(query)


@pytest.mark.parametrize("index", range(len(CASES)))
def test_offsets_are_the_clis_bytes(db_path, index):
    text, query, _ = CASES[index]
    q = "thread:hl/%d %s" % (index, query)
    (want,) = cli_json(db_path, q)
    with forumsearch.open(db_path) as db:
        (hit,) = list(db.search(q))
    raw = hit.snippet.encode("utf-8")
    assert raw == want["snippet"].encode("utf-8")
    for (s, e), (bs, be) in zip(hit.highlights, want["highlights"]):
        assert hit.snippet[s:e].encode("utf-8") == raw[bs:be]
        assert len(hit.snippet[:s].encode("utf-8")) == bs
    assert len(hit.highlights) == len(want["highlights"])


def test_long_post_snippet_cut(tmp_db):
    text = ("前言" * 200) + "😀关键词😀" + ("后记" * 200) + "关键词"
    with forumsearch.open(tmp_db, writable=True) as db:
        db.index_thread("b/long", "长帖", [forumsearch.Post(0, text)])
        hit = next(iter(db.search("关键词")))
    assert "…" in hit.snippet
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["关键词"] * 2


def test_samples_highlights(samples_db):
    """Every highlight of every hit of a few sample queries slices text
    that normalizes to the query."""
    with forumsearch.open(samples_db) as db:
        for query in ("川普", "馬斯克", "openai", "显卡", "台积电"):
            n = 0
            for hit in db.search(query, posts=True, limit=1000):
                for s, e in hit.highlights:
                    assert forumsearch.normalize(hit.snippet[s:e]) == \
                        forumsearch.normalize(query), (query, hit.snippet)
                    n += 1
            assert n > 0, query
