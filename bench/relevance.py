#!/usr/bin/python3
"""relevance.py: the known-item relevance benchmark (run by relevance.sh).

    relevance.py queries POSTS OUTDIR [--seed S] [--normalize-bin BIN]
    relevance.py index ENGINE POSTS DBDIR
    relevance.py query ENGINE DBDIR QUERIES OUT_PREFIX [REPEAT]
    relevance.py report RUN_DIR RESULTS.md

A known-item query is what someone types to find a thread they remember:
a few words of its title (as written, or in the other script), a title
word and a word one of its replies said, or an author and a word of one
of their posts. Each query has one answer, its thread, and only
unambiguous queries are kept (see draw_queries). An engine's answer is
its ranked list of threads (posts collapsed by thread, best first); the
figures are MRR@10 (1/rank of the thread when it is in the top 10, else
0, averaged) and success@1 (the thread first).

Peers, one document per post as in the recall benchmark, plus what a
fair known-item setup gives them: the thread title on every post (so a
title word and a reply word find the reply), the author as a filter
field, and results collapsed by thread. Title weights: see WEIGHTS.
"""

import json
import os
import random
import re
import sqlite3
import sys
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

# Title weights tried for each peer (the best one is the peer's figure;
# every one is reported). Xapian: the title's wdf multiplier at index
# time (the title is indexed into the free text, on every post of the
# thread, with this wdf increment; BM25 saturates wdf, so 5 is already
# most of what a weight can do). FTS5: the title column's weight in
# bm25(). Groonga: the title column's weight in match_columns
# ("title * W || text").
WEIGHTS = {"xapian": [1, 5, 10], "fts5": [1, 5, 10], "groonga": [1, 5, 10]}

CATEGORIES = [
    ("title", "2 or 3 words of the title, as written"),
    ("title-other", "the same in the other script (Simplified ↔ "
     "Traditional)"),
    ("title+reply", "a title word and a word of one of its replies"),
    ("author+word", "author:NAME and a word of their post there"),
]
PER_CATEGORY = {"title": 150, "title-other": 80, "title+reply": 100,
                "author+word": 60}
STOP = {"and", "or", "not", "the", "for", "with", "from", "into", "that",
        "this"}

# ---------------------------------------------------------------------------
# Drawing the queries
# ---------------------------------------------------------------------------


def is_han(ch):
    return "CJK" in unicodedata.name(ch, "")


class Words:
    """ICU word segmentation (the same rules as forumsearch's analyzer
    uses for its word terms, zh dictionary)."""

    def __init__(self):
        import icu
        self.icu = icu
        self.bi = icu.BreakIterator.createWordInstance(icu.Locale("zh"))
        self.nfkc = icu.Normalizer2.getInstance(
            None, "nfkc_cf", icu.UNormalizationMode2.COMPOSE)
        self.s2t = icu.Transliterator.createInstance("Simplified-Traditional")
        self.t2s = icu.Transliterator.createInstance("Traditional-Simplified")

    def words(self, text):
        """The words a person would type: Han words of 2+ characters,
        Latin words of 3+ letters (case-folded, half-width)."""
        text = self.nfkc.normalize(text)
        self.bi.setText(text)
        out = []
        start = self.bi.first()
        for end in self.bi:
            w = text[start:end]
            start = end
            if len(w) >= 2 and all(is_han(c) for c in w):
                out.append(w)
            elif (len(w) >= 3 and w.isascii() and w.isalpha() and
                  w not in STOP):
                out.append(w)
        return out

    def other_script(self, w):
        s = self.t2s.transliterate(w)
        return self.s2t.transliterate(w) if s == w else s


def load_threads(posts_path):
    threads = {}
    for line in open(posts_path, encoding="utf-8"):
        o = json.loads(line)
        t = threads.setdefault(o["thread"], {"title": o["title"],
                                             "posts": []})
        t["posts"].append((o["floor"], o["author"], o["text"]))
    return threads


def draw_queries(posts_path, outdir, seed, normalizer):
    """Writes OUTDIR/relevance.tsv: qid TAB category TAB query TAB thread.

    Unambiguous means, on the normalized texts (forum_normalize(), the
    ground truth's normalizer):
      title, title-other: no other thread's title holds every word;
      title+reply: no other thread has the title word in its title and
        the reply word in any of its posts (and the reply word is not in
        the thread's own title);
      author+word: no other thread has a post by that author with the
        word.
    """
    rng = random.Random(seed)
    W = Words()
    threads = load_threads(posts_path)
    ids = sorted(threads)
    titles = [threads[t]["title"] for t in ids]
    norm_titles = normalizer.many(titles)
    texts = [[p[2] for p in threads[t]["posts"]] for t in ids]
    flat = [x for ts in texts for x in ts]
    norm_flat = iter(normalizer.many(flat))
    norm_posts = [[next(norm_flat) for _ in ts] for ts in texts]
    big_posts = ["\x00".join(ps) for ps in norm_posts]

    cache = {}

    def norm(w):
        if w not in cache:
            cache[w] = normalizer.one(w).strip()
        return cache[w]

    def has(text, nw):
        if not nw[0].isascii():
            return nw in text
        return re.search(r"(?<![0-9a-z])%s(?![0-9a-z])" % re.escape(nw),
                         text) is not None

    queries = []

    def add(cat, words, i, author=None):
        q = " ".join(words)
        if author:
            q = "author:%s %s" % (author, q)
        queries.append((cat, q, ids[i]))

    order = list(range(len(ids)))
    # Titles: 2 or 3 distinct words, the same and the other script.
    rng.shuffle(order)
    n_title = n_other = 0
    for i in order:
        if n_title >= PER_CATEGORY["title"]:
            break
        ws = list(dict.fromkeys(W.words(titles[i])))
        if len(ws) < 2:
            continue
        k = 3 if len(ws) >= 3 and rng.random() < 0.3 else 2
        pick = rng.sample(ws, k)
        nws = [norm(w) for w in pick]
        if any(all(has(norm_titles[j], nw) for nw in nws)
               for j in range(len(ids)) if j != i):
            continue
        add("title", pick, i)
        n_title += 1
        other = [W.other_script(w) for w in pick]
        if (n_other < PER_CATEGORY["title-other"] and other != pick and
                [norm(w) for w in other] == nws):
            add("title-other", other, i)
            n_other += 1
    # A title word and a word of a reply.
    rng.shuffle(order)
    n = 0
    for i in order:
        if n >= PER_CATEGORY["title+reply"]:
            break
        tws = W.words(titles[i])
        replies = [k for k, p in enumerate(threads[ids[i]]["posts"])
                   if p[0] > 0]
        if not tws or not replies:
            continue
        a = rng.choice(tws)
        rws = [w for w in W.words(texts[i][rng.choice(replies)])
               if len(w) >= 2]
        if not rws:
            continue
        b = rng.choice(rws)
        na, nb = norm(a), norm(b)
        if has(norm_titles[i], nb) or na == nb:
            continue
        if any(has(norm_titles[j], na) and has(big_posts[j], nb)
               for j in range(len(ids)) if j != i):
            continue
        add("title+reply", [a, b], i)
        n += 1
    # An author and a word of one of their posts in the thread.
    rng.shuffle(order)
    n = 0
    # Authors as forumsearch compares them (normalized).
    keys = [(j, k, p[1]) for j, t in enumerate(ids)
            for k, p in enumerate(threads[t]["posts"]) if p[1]]
    norm_names = normalizer.many([name for _, _, name in keys])
    by_author, author_key = {}, {}
    for (j, k, name), nn in zip(keys, norm_names):
        by_author.setdefault(nn, []).append((j, k))
        author_key[name] = nn
    for i in order:
        if n >= PER_CATEGORY["author+word"]:
            break
        posts = [(k, p) for k, p in enumerate(threads[ids[i]]["posts"])
                 if p[1] and re.fullmatch(r"\w+", p[1])]
        if not posts:
            continue
        k, p = rng.choice(posts)
        ws = W.words(p[2])
        if not ws:
            continue
        w = rng.choice(ws)
        nw = norm(w)
        if any(j != i and has(norm_posts[j][kk], nw)
               for j, kk in by_author[author_key[p[1]]]):
            continue
        add("author+word", [w], i, author=p[1])
        n += 1

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "relevance.tsv"), "w",
              encoding="utf-8") as f:
        for n, (cat, q, t) in enumerate(queries):
            f.write("r%03d\t%s\t%s\t%s\n" % (n + 1, cat, q, t))
    with open(os.path.join(outdir, "queries.tsv"), "w",
              encoding="utf-8") as f:
        for n, (cat, q, t) in enumerate(queries):
            f.write("r%03d\t%s\t%s\n" % (n + 1, cat, q))
    return len(queries)


def read_relevance(path):
    out = []
    for line in open(path, encoding="utf-8"):
        qid, cat, q, t = line.rstrip("\n").split("\t")
        out.append((qid, cat, q, t))
    return out


def split_query(q):
    """(author or None, [words])."""
    author, words = None, []
    for w in q.split():
        if w.startswith("author:"):
            author = w[len("author:"):]
        else:
            words.append(w)
    return author, words


def thread_of(pid):
    return pid.rsplit("#", 1)[0]


def collapse(pids, k):
    """Thread ids of a ranked list of post ids, first occurrence, top k."""
    out = []
    for p in pids:
        t = thread_of(p)
        if t not in out:
            out.append(t)
            if len(out) == k:
                break
    return out


# ---------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------


def iter_full_posts(path):
    for line in open(path, encoding="utf-8"):
        o = json.loads(line)
        body = o["text"]
        if o["floor"] == 0 and body.startswith(o["title"] + "\n"):
            body = body[len(o["title"]) + 1:]
        yield o["id"], o["thread"], o["author"], o["title"], body


def xapian_index(posts, dbdir, weight):
    import xapian
    db = xapian.WritableDatabase(dbdir, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_flags(xapian.TermGenerator.FLAG_CJK_NGRAM)
    for pid, thread, author, title, body in iter_full_posts(posts):
        doc = xapian.Document()
        doc.set_data(pid)
        doc.add_boolean_term("Q" + pid)
        if author:
            doc.add_boolean_term("A" + author.lower())
        doc.add_value(0, thread)
        tg.set_document(doc)
        tg.index_text(title, weight)
        tg.increase_termpos()
        tg.index_text(body)
        db.add_document(doc)
    db.commit()
    db.close()


def xapian_open(dbdir):
    import xapian
    db = xapian.Database(dbdir)
    qp = xapian.QueryParser()
    qp.set_database(db)
    qp.set_default_op(xapian.Query.OP_AND)
    flags = xapian.QueryParser.FLAG_DEFAULT | \
        xapian.QueryParser.FLAG_CJK_NGRAM
    enq = xapian.Enquire(db)
    enq.set_collapse_key(0)

    def run(q):
        author, words = split_query(q)
        # Each word parsed alone and ANDed: Xapian 1.4's QueryParser
        # fails on a Han word between two Latin words ("a 特殊 b").
        query = xapian.Query(xapian.Query.OP_AND,
                             [qp.parse_query(w, flags) for w in words])
        if author:
            query = xapian.Query(xapian.Query.OP_FILTER, query,
                                 xapian.Query("A" + author.lower()))
        enq.set_query(query)
        return [thread_of(m.document.get_data().decode("utf-8"))
                for m in enq.get_mset(0, 10)]
    return run, db.close


def fts5_index(posts, dbdir):
    os.makedirs(dbdir, exist_ok=True)
    path = os.path.join(dbdir, "fts5.db")
    if os.path.exists(path):
        os.unlink(path)
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE posts USING fts5(pid UNINDEXED, "
                "thread UNINDEXED, author UNINDEXED, title, text, "
                "tokenize='trigram')")
    with con:
        con.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?)",
                        iter_full_posts(posts))
    con.close()


def fts5_open(dbdir, weight):
    con = sqlite3.connect(os.path.join(dbdir, "fts5.db"))

    def run(q):
        author, words = split_query(q)
        match, where, params = [], [], []
        for w in words:
            if len(w) >= 3:
                match.append('"%s"' % w.replace('"', '""'))
            else:
                # Trigrams cannot find 1-2 characters: a scan of both
                # columns (no bm25 for these words).
                pat = "%" + w.replace("\\", "\\\\").replace(
                    "%", "\\%").replace("_", "\\_") + "%"
                where.append("(title LIKE ? ESCAPE '\\' OR "
                             "text LIKE ? ESCAPE '\\')")
                params += [pat, pat]
        if match:
            where.insert(0, "posts MATCH ?")
            params.insert(0, " AND ".join(match))
        if author:
            where.append("author = ?")
            params.append(author)
        sql = "SELECT thread FROM posts WHERE " + " AND ".join(where)
        if match:
            sql += " ORDER BY bm25(posts, 0, 0, 0, %g, 1)" % weight
        threads = []
        for (t,) in con.execute(sql, params):
            if t not in threads:
                threads.append(t)
                if len(threads) == 10:
                    break
        return threads
    return run, con.close


def groonga_index(posts, dbdir):
    import run_groonga
    os.makedirs(dbdir, exist_ok=True)
    g = run_groonga.Groonga(os.path.join(dbdir, "groonga.db"), True)
    g.command("table_create Posts TABLE_HASH_KEY ShortText")
    for col in ("thread", "author"):
        g.command("column_create Posts %s COLUMN_SCALAR ShortText" % col)
    for col in ("title", "text"):
        g.command("column_create Posts %s COLUMN_SCALAR LongText" % col)
    batch = []

    def flush():
        if batch:
            g.command("load --table Posts --input_type json")
            g.command(json.dumps(batch, ensure_ascii=False))
            batch.clear()
    for pid, thread, author, title, body in iter_full_posts(posts):
        batch.append({"_key": pid, "thread": thread, "author": author,
                      "title": title, "text": body})
        if len(batch) >= 2000:
            flush()
    flush()
    g.command("table_create Terms TABLE_PAT_KEY ShortText "
              "--default_tokenizer TokenBigram --normalizer NormalizerAuto")
    g.command("column_create Terms posts_title COLUMN_INDEX|WITH_POSITION "
              "Posts title")
    g.command("column_create Terms posts_text COLUMN_INDEX|WITH_POSITION "
              "Posts text")
    g.close()


def groonga_open(dbdir, weight):
    import urllib.parse
    import run_groonga
    g = run_groonga.Groonga(os.path.join(dbdir, "groonga.db"), False)

    def run(q):
        author, words = split_query(q)
        args = {"table": "Posts",
                "match_columns": "title * %d || text" % weight,
                "query": " ".join('"%s"' % w.replace("\\", "\\\\")
                                  .replace('"', '\\"') for w in words),
                "output_columns": "thread", "cache": "no",
                "sort_keys": "-_score,_id", "limit": "200"}
        if author:
            args["filter"] = 'author == "%s"' % author.replace(
                "\\", "\\\\").replace('"', '\\"')
        reply = g.command("/d/select?" + urllib.parse.urlencode(args))
        threads = []
        for (t,) in reply[0][2:]:
            if t not in threads:
                threads.append(t)
                if len(threads) == 10:
                    break
        return threads
    return run, g.close


def peer_runs(engine, dbdir):
    """[(config label, run, close)] for every weight of the engine."""
    out = []
    for w in WEIGHTS[engine]:
        if engine == "xapian":
            run, close = xapian_open("%s-w%d" % (dbdir, w))
        elif engine == "fts5":
            run, close = fts5_open(dbdir, w)
        else:
            run, close = groonga_open(dbdir, w)
        out.append(("title ×%d" % w, run, close))
    return out


def query_peer(engine, dbdir, queries_path, out_prefix, repeat):
    """Writes OUT_PREFIX.<config>.ranked (qid TAB threads) and .latency
    for each weight."""
    queries = read_relevance(queries_path)
    summary = []
    for label, run, close in peer_runs(engine, dbdir):
        tag = label.split("×")[1]
        for _, _, q, _ in queries:
            run(q)
        lat = []
        for _ in range(repeat):
            for qid, _, q, _ in queries:
                t = time.perf_counter()
                run(q)
                lat.append((qid, time.perf_counter() - t))
        with open("%s.w%s.ranked" % (out_prefix, tag), "w",
                  encoding="utf-8") as f:
            for qid, _, q, _ in queries:
                f.write("%s\t%s\n" % (qid, " ".join(run(q))))
        benchlib.write_latency("%s.w%s.latency" % (out_prefix, tag), lat)
        close()
        summary.append(label)
    print(json.dumps({"engine": engine, "configs": summary}))


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def scores(queries, ranked):
    """{category or 'all': (n, mrr, s1, missed)}."""
    acc = {}
    for qid, cat, _, target in queries:
        got = ranked.get(qid, [])[:10]
        rr = 1.0 / (got.index(target) + 1) if target in got else 0.0
        for key in (cat, "all"):
            a = acc.setdefault(key, [0, 0.0, 0, 0])
            a[0] += 1
            a[1] += rr
            a[2] += rr == 1.0
            a[3] += rr == 0.0
    return {k: (a[0], a[1] / a[0], a[2] / a[0], a[3])
            for k, a in acc.items()}


def read_ranked(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        out[parts[0]] = parts[1].split() if len(parts) > 1 else []
    return out


def pct(lat, p):
    xs = sorted(x for _, x in lat)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


def read_latency(path):
    out = []
    for line in open(path, encoding="utf-8"):
        qid, s = line.split("\t")
        out.append((qid, float(s)))
    return out


def report(rundir, results):
    meta = json.load(open(os.path.join(rundir, "meta.json")))
    queries = read_relevance(meta["relevance"])
    rows = []  # (label, file prefix)
    for name, label in meta["systems"]:
        rows.append((label, os.path.join(rundir, name)))
    table = []
    for label, prefix in rows:
        if not os.path.exists(prefix + ".ranked"):
            continue
        s = scores(queries, read_ranked(prefix + ".ranked"))
        lat = read_latency(prefix + ".latency") \
            if os.path.exists(prefix + ".latency") else []
        table.append((label, s, lat, prefix))
    cats = [c for c, _ in CATEGORIES]
    n_by = {c: sum(1 for q in queries if q[1] == c) for c in cats}
    L = []
    L.append("## Relevance: known-item queries")
    L.append("")
    L.append("Generated by `bench/relevance.sh %s` on %s. %d queries drawn "
             "from the corpus `bench/gen_corpus --mb %s --seed %s` "
             "(%d threads, %d posts), query seed %s. Each query has one "
             "answer, the thread it was drawn from, and was kept only when "
             "no other thread answers it too (bench/relevance.py, "
             "draw_queries). MRR@10: 1/rank of that thread among the "
             "top 10 threads (0 when absent), averaged; S@1: share of "
             "queries where it is first; miss: not in the top 10."
             % (meta["size"], time.strftime("%Y-%m-%d %H:%M UTC",
                                              time.gmtime()),
                len(queries), meta["size"], meta["seed"], meta["threads"],
                meta["posts"], meta["qseed"]))
    L.append("")
    L.append("| category | queries | what |")
    L.append("|---|---|---|")
    for c, what in CATEGORIES:
        L.append("| %s | %d | %s |" % (c, n_by[c], what))
    L.append("")
    L.append("| system | MRR@10 | S@1 | miss | " +
             " | ".join("MRR %s" % c for c in cats) +
             " | p50 ms | p99 ms |")
    L.append("|---|---|---|---|" + "---|" * len(cats) + "---|---|")
    for label, s, lat, _ in table:
        a = s["all"]
        L.append("| %s | %.3f | %.3f | %d | %s | %s | %s |" % (
            label, a[1], a[2], a[3],
            " | ".join("%.3f" % s[c][1] if c in s else "–" for c in cats),
            "%.3f" % (pct(lat, 50) * 1e3) if lat else "–",
            "%.3f" % (pct(lat, 99) * 1e3) if lat else "–"))
    L.append("")
    lat_rows = []
    for name, label in meta["systems"]:
        path = os.path.join(rundir, name.rsplit("-", 1)[0] +
                            "-recallset.latency")
        if name.startswith("fs") and name.endswith("-post") and \
                os.path.exists(path):
            lat = read_latency(path)
            lat_rows.append("| %s | %.3f | %.3f |" % (
                label.split(",")[0], pct(lat, 50) * 1e3, pct(lat, 99) * 1e3))
    if lat_rows:
        L.append("What ranking costs: p50/p99 above are the known-item "
                 "queries, threads collapsed (what forum-search does by "
                 "default), top 10, in process, warm, %s timed passes. "
                 "Below, `fs_latency` on the recall benchmark's query set "
                 "(bench/queries, seed 5: posts not collapsed, top 10), "
                 "same databases, same run:" % meta.get("repeat", 3))
        L.append("")
        L.append("| build | p50 ms | p99 ms |")
        L.append("|---|---|---|")
        L.extend(lat_rows)
        L.append("")
    L.extend(meta.get("notes", []))
    L.append("")
    # A few misses of each forumsearch row, to read.
    for label, s, lat, prefix in table:
        if not label.startswith("forumsearch") or "before" in label:
            continue
        ranked = read_ranked(prefix + ".ranked")
        missed = [(qid, cat, q, t) for qid, cat, q, t in queries
                  if ranked.get(qid, [])[:1] != [t]]
        if not missed:
            continue
        L.append("Not first in %s (%d): %s" % (label, len(missed), "; ".join(
            "`%s` (%s, rank %s)" % (q, cat, ranked.get(qid, []).index(t) + 1
                                    if t in ranked.get(qid, []) else ">10")
            for qid, cat, q, t in missed[:12])) +
            (" …" if len(missed) > 12 else ""))
        L.append("")
    section = "\n".join(L).rstrip() + "\n"
    begin, end = "<!-- relevance:begin -->", "<!-- relevance:end -->"
    old = open(results, encoding="utf-8").read() \
        if os.path.exists(results) else "# Benchmark results\n"
    block = "%s\n%s%s" % (begin, section, end)
    if begin in old and end in old:
        new = old[:old.index(begin)] + block + old[old.index(end) +
                                                   len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    open(results, "w", encoding="utf-8").write(new)
    sys.stdout.write(section)


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "queries":
        seed, nbin = 7, None
        rest = a[3:]
        while rest:
            if rest[0] == "--seed":
                seed = int(rest[1])
            elif rest[0] == "--normalize-bin":
                nbin = rest[1]
            rest = rest[2:]
        n = draw_queries(a[1], a[2], seed,
                         benchlib.get_normalizer("c", nbin))
        print("relevance: %d queries" % n, file=sys.stderr)
    elif len(a) == 4 and a[0] == "index":
        engine, posts, dbdir = a[1], a[2], a[3]
        if engine == "xapian":
            for w in WEIGHTS["xapian"]:
                xapian_index(posts, "%s-w%d" % (dbdir, w), w)
        elif engine == "fts5":
            fts5_index(posts, dbdir)
        elif engine == "groonga":
            groonga_index(posts, dbdir)
        else:
            benchlib.die("relevance.py: unknown engine %s" % engine)
    elif len(a) >= 5 and a[0] == "query":
        query_peer(a[1], a[2], a[3], a[4], int(a[5]) if len(a) > 5 else 3)
    elif len(a) == 3 and a[0] == "report":
        report(a[1], a[2])
    else:
        benchlib.die(__doc__)


if __name__ == "__main__":
    main()
