"""Shared helpers of the benchmark harness (run with /usr/bin/python3).

Formats
-------
posts file   JSON Lines written by gen_corpus: {"id", "thread", "floor",
             "author", "text"}; "text" is the searchable text of the post.
queries.tsv  qid TAB category TAB query (the query as a user types it;
             space-separated words are ANDed, "double quotes" make a
             phrase that must occur as written).
truth.tsv    qid TAB count TAB post ids separated by spaces.
hits file    what a runner found: qid TAB post ids separated by spaces
             (every match, not only the top 10).
latency file qid TAB seconds, one line per timed run of a query (top 10).
records      the C normalizer's framing, binary safe:
             KEY TAB LENGTH LF, then LENGTH bytes, then LF.
"""

import json
import os
import re
import subprocess
import sys
import unicodedata

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------
# Posts and query files
# ---------------------------------------------------------------------------

def read_posts(path):
    """Returns a list of (post_id, text)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            out.append((o["id"], o["text"]))
    return out


def iter_posts(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            yield o["id"], o["text"]


def read_queries(path):
    """Returns a list of (qid, category, query)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            qid, cat, q = line.split("\t", 2)
            out.append((qid, cat, q))
    return out


def read_truth(path):
    """truth.tsv → {qid: set(ids)}."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0]:
                out[parts[0]] = set(parts[2].split()) if len(parts) > 2 \
                    else set()
    return out


def read_hits(path):
    """A runner's hits file → {qid: set(ids)}."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0]:
                out[parts[0]] = set(parts[1].split()) if len(parts) > 1 \
                    else set()
    return out


def write_hits(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for qid, ids in rows:
            f.write("%s\t%s\n" % (qid, " ".join(ids)))


def write_latency(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for qid, secs in rows:
            f.write("%s\t%.9f\n" % (qid, secs))


# ---------------------------------------------------------------------------
# Query syntax shared by the ground truth and the runners
# ---------------------------------------------------------------------------

_QTOK = re.compile(r'"([^"]*)"|(\S+)')


def query_words(query):
    """Splits a query into its ANDed parts: [(text, is_phrase)]."""
    out = []
    for m in _QTOK.finditer(query):
        if m.group(1) is not None:
            if m.group(1).strip():
                out.append((m.group(1).strip(), True))
        else:
            out.append((m.group(2), False))
    return out


# ---------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------

_WS = re.compile(r"\s+")


class PyNormalizer:
    """Prototype of forum_normalize(): ICU NFKC_Casefold, ICU
    Traditional-Simplified, white-space runs → one space. Needs python3-icu.
    Only for prototyping; the real ground truth uses the C helper."""

    name = "python-icu (prototype)"

    def __init__(self):
        import icu  # python3-icu
        self._nfkc = icu.Normalizer2.getInstance(
            None, "nfkc_cf", icu.UNormalizationMode2.COMPOSE)
        self._t2s = icu.Transliterator.createInstance(
            "Traditional-Simplified")

    def one(self, s):
        s = self._nfkc.normalize(s)
        s = self._t2s.transliterate(s)
        return _WS.sub(" ", s)

    def many(self, texts):
        return [self.one(t) for t in texts]


def encode_records(items):
    parts = []
    for key, text in items:
        b = text.encode("utf-8")
        parts.append(b"%s\t%d\n" % (key.encode("utf-8"), len(b)))
        parts.append(b)
        parts.append(b"\n")
    return b"".join(parts)


def decode_records(data):
    out = []
    i = 0
    n = len(data)
    while i < n:
        j = data.index(b"\n", i)
        key, length = data[i:j].rsplit(b"\t", 1)
        length = int(length)
        start = j + 1
        out.append((key.decode("utf-8"),
                    data[start:start + length].decode("utf-8", "replace")))
        i = start + length + 1
    return out


class CNormalizer:
    """forum_normalize() through bench/normalize_posts (linked against
    libforumsearch)."""

    def __init__(self, binary):
        if not os.access(binary, os.X_OK):
            raise FileNotFoundError(binary)
        self.binary = binary
        self.name = "forum_normalize() via %s" % os.path.basename(binary)

    def many(self, texts):
        data = encode_records(("%d" % i, t) for i, t in enumerate(texts))
        p = subprocess.run([self.binary], input=data, capture_output=True)
        if p.returncode != 0:
            raise RuntimeError("normalize_posts failed: %s"
                               % p.stderr.decode("utf-8", "replace"))
        recs = decode_records(p.stdout)
        if len(recs) != len(texts):
            raise RuntimeError("normalize_posts returned %d records for %d"
                               % (len(recs), len(texts)))
        return [t for _, t in recs]

    def one(self, s):
        return self.many([s])[0]


def get_normalizer(kind, binary=None):
    if kind == "python":
        return PyNormalizer()
    if kind == "c":
        return CNormalizer(binary or os.path.join(BENCH_DIR, "out",
                                                  "normalize_posts"))
    raise ValueError(kind)


# ---------------------------------------------------------------------------
# Matching (the ground-truth semantics)
# ---------------------------------------------------------------------------

def is_latin_alnum(ch):
    """A Latin letter or a decimal digit (after normalization)."""
    if ch.isascii():
        return ch.isalnum()
    cat = unicodedata.category(ch)
    if cat == "Nd":
        return True
    if cat[0] == "L":
        return "LATIN" in unicodedata.name(ch, "")
    return False


class Scanner:
    """Plain substring scan over normalized post texts."""

    SEP = "\x00"

    def __init__(self, ids, norm_texts):
        import bisect
        self._bisect = bisect.bisect_right
        self.ids = ids
        self.starts = []
        parts = []
        pos = 0
        for t in norm_texts:
            self.starts.append(pos)
            parts.append(t)
            pos += len(t) + 1
        self.big = self.SEP.join(parts) + self.SEP

    def word_posts(self, w):
        """Indexes of the posts containing w (with the Latin boundary
        rule)."""
        big = self.big
        need_left = is_latin_alnum(w[0])
        need_right = is_latin_alnum(w[-1])
        found = set()
        i = big.find(w)
        n = len(w)
        while i >= 0:
            ok = True
            if need_left and i > 0 and is_latin_alnum(big[i - 1]):
                ok = False
            if ok and need_right and is_latin_alnum(big[i + n]):
                ok = False
            if ok:
                found.add(self._bisect(self.starts, i) - 1)
            i = big.find(w, i + 1)
        return found

    def match(self, norm_words):
        result = None
        for w in sorted(norm_words, key=len, reverse=True):
            if not w:
                continue
            s = self.word_posts(w)
            result = s if result is None else (result & s)
            if not result:
                return set()
        return result or set()


def normalize_query_words(normalizer, query):
    return normalize_queries(normalizer, [query])[0]


def normalize_queries(normalizer, queries):
    """For each query, its normalized words (one normalizer call)."""
    words = [[w for w, _ in query_words(q)] for q in queries]
    flat = [w for ws in words for w in ws]
    norm = iter(normalizer.many(flat) if flat else [])
    out = []
    for ws in words:
        nws = [next(norm).strip(" ") for _ in ws]
        out.append([w for w in nws if w])
    return out


# ---------------------------------------------------------------------------
# Misc
# ---------------------------------------------------------------------------

def text_bytes(posts_path):
    n = 0
    for _, t in iter_posts(posts_path):
        n += len(t.encode("utf-8"))
    return n


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------
# The query protocol every Python runner follows
# ---------------------------------------------------------------------------

def measure_queries(queries, top10, everything, out_prefix, repeat=3):
    """Runs the query set against one engine, in process.

    top10(query) -> list of post ids (at most 10, best first): timed.
    everything(query) -> list of all matching post ids: not timed, used
    for recall and precision.
    One untimed warm-up pass over the whole set, then `repeat` timed
    passes. Writes OUT.latency, OUT.hits and OUT.errors (queries the engine
    rejected: they count as returning nothing)."""
    import time
    errors = {}

    def safe(fn, qid, q):
        try:
            return fn(q)
        except Exception as e:  # the engine rejected the query
            errors[qid] = "%s: %s" % (type(e).__name__, e)
            return []

    for qid, _, q in queries:
        safe(top10, qid, q)
    lat = []
    clock = time.perf_counter
    for _ in range(repeat):
        for qid, _, q in queries:
            if qid in errors:
                lat.append((qid, 0.0))
                continue
            t = clock()
            safe(top10, qid, q)
            lat.append((qid, clock() - t))
    hits = [(qid, safe(everything, qid, q)) for qid, _, q in queries]
    write_latency(out_prefix + ".latency", lat)
    write_hits(out_prefix + ".hits", hits)
    with open(out_prefix + ".errors", "w", encoding="utf-8") as f:
        for qid, msg in sorted(errors.items()):
            f.write("%s\t%s\n" % (qid, msg.replace("\n", " ")))
    return len(errors)


def runner_main(engine, index_fn, open_fn):
    """Command line shared by the Python runners:
        run_X.py index POSTS DBDIR
        run_X.py query DBDIR QUERIES OUT_PREFIX [REPEAT]
    index_fn(posts_iter, dbdir) indexes; its wall time is printed as JSON.
    open_fn(dbdir) -> (top10, everything, close)."""
    import time
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "index":
        t = time.perf_counter()
        n, nbytes = index_fn(iter_posts(a[1]), a[2])
        secs = time.perf_counter() - t
        print(json.dumps({"engine": engine, "posts": n, "text_bytes": nbytes,
                          "index_seconds": secs}))
    elif len(a) >= 4 and a[0] == "query":
        queries = read_queries(a[2])
        top10, everything, close = open_fn(a[1])
        repeat = int(a[4]) if len(a) > 4 else 3
        nerr = measure_queries(queries, top10, everything, a[3], repeat)
        close()
        print(json.dumps({"engine": engine, "queries": len(queries),
                          "rejected": nerr}))
    else:
        die("usage: %s index POSTS DBDIR | query DBDIR QUERIES OUT_PREFIX "
            "[REPEAT]" % os.path.basename(sys.argv[0]))
