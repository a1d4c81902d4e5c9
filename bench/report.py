#!/usr/bin/python3
"""report.py: turn one benchmark run into bench/RESULTS.md.

    report.py RUN_DIR OUT.md

RUN_DIR holds what run.sh left there:
  meta.json                size, seed, paths of posts/queries/truth,
                           normalizer kind, engines in order
  ENGINE.index.out         the runner's JSON line (peers) or the indexer's
                           output (forumsearch)
  ENGINE.index.time        `/usr/bin/time -v` of the indexing process
  ENGINE.index.du          `du -sk` of the index directory
  ENGINE.query.out         the query runner's JSON line
  ENGINE.latency / .hits / .errors   see benchlib
"""

import json
import os
import platform
import re
import subprocess
import sys
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

LABELS = {
    "forumsearch": "forumsearch",
    "xapian": "Xapian FLAG_CJK_NGRAM",
    "fts5": "SQLite FTS5 trigram",
    "groonga": "Groonga TokenBigram",
}

MiB = 1024 * 1024


def parse_time_v(path):
    out = {}
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return out
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["rss_kb"] = int(m.group(1))
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): "
                  r"(?:(\d+):)?(\d+):([\d.]+)", text)
    if m:
        h = int(m.group(1) or 0)
        out["wall"] = h * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Exit status: (\d+)", text)
    if m:
        out["exit"] = int(m.group(1))
    return out


def last_json_line(path):
    try:
        lines = open(path, encoding="utf-8", errors="replace").read() \
            .strip().split("\n")
    except OSError:
        return {}
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return {}


def percentile(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def machine():
    info = {"nproc": os.cpu_count()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if "cpu" not in info:
        try:
            out = subprocess.run(["lscpu"], capture_output=True,
                                 text=True).stdout
            m = re.search(r"Model name:\s*(.+)", out)
            info["cpu"] = m.group(1).strip() if m else platform.processor()
        except OSError:
            info["cpu"] = platform.processor()
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                info["ram_gib"] = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    try:
        info["os"] = "Debian " + open("/etc/debian_version").read().strip()
    except OSError:
        info["os"] = platform.platform()
    info["kernel"] = platform.release()
    return info


def versions():
    v = {}
    try:
        import xapian
        v["Xapian"] = xapian.version_string()
    except ImportError:
        pass
    import sqlite3
    v["SQLite"] = sqlite3.sqlite_version
    try:
        import ctypes
        lib = ctypes.CDLL("libgroonga.so.0")
        lib.grn_get_version.restype = ctypes.c_char_p
        v["Groonga"] = lib.grn_get_version().decode()
    except OSError:
        pass
    return v


class Explainer:
    """Guesses why an engine missed a post or returned an extra one."""

    def __init__(self, raw, norm, meta):
        self.raw = raw      # id -> raw text
        self.norm = norm    # id -> normalized text
        self.meta = meta    # id -> (thread title, author)

    @staticmethod
    def _fold(s):
        return s.casefold()

    @staticmethod
    def _nfkc(s):
        return unicodedata.normalize("NFKC", s).casefold()

    JOINERS = "_'’.:"

    def _joined(self, pid, w):
        """True when every whole-word occurrence of the Latin-edged word w
        in the normalized post continues through a joiner (`_`, `'`, …)
        into more letters: one word for ICU (`grep_color`, `process's`)."""
        text = self.norm.get(pid, "")
        if not text or not (benchlib.is_latin_alnum(w[0]) or
                            benchlib.is_latin_alnum(w[-1])):
            return False
        found = False
        i = text.find(w)
        lat = benchlib.is_latin_alnum
        while i >= 0:
            j = i + len(w)
            if (lat(w[0]) and i > 0 and lat(text[i - 1])) or \
                    (lat(w[-1]) and j < len(text) and lat(text[j])):
                i = text.find(w, i + 1)      # not a whole-word occurrence
                continue
            found = True
            # `_` always joins (ICU ExtendNumLet); ' . : only between
            # letters or digits (MidLetter, MidNumLet).
            before = i >= 1 and (text[i - 1] == "_" or (
                i >= 2 and text[i - 1] in self.JOINERS and
                lat(text[i - 2])))
            after = j < len(text) and (text[j] == "_" or (
                j + 1 < len(text) and text[j] in self.JOINERS and
                lat(text[j + 1])))
            if not (before or after):
                return False
            i = text.find(w, i + 1)
        return found

    def missed(self, pid, raw_words, norm_words, normalizes=False):
        """normalizes: the engine uses forum_normalize() itself, so a
        miss cannot be a matter of normalization."""
        text = self.raw.get(pid, "")
        if not normalizes:
            for rw in raw_words:
                if self._fold(rw) in self._fold(text):
                    continue
                if self._nfkc(rw) in self._nfkc(text):
                    return "needs NFKC (full-width/compatibility form)"
                return "needs Traditional→Simplified folding"
        for w in norm_words:
            if self._joined(pid, w):
                return "Latin word joined to another by _ ' . or : " \
                    "(one word for ICU, two for the truth)"
        return "tokenization (the text has the string, the engine's " \
               "terms do not find it)"

    def extra(self, pid, norm_words):
        text = self.norm.get(pid, "")
        meta = self.meta.get(pid, ("", ""))
        for w in norm_words:
            if w not in text:
                if any(w in self._nfkc(m) for m in meta):
                    return "matched the thread title or the author, " \
                        "not the post text"
                return "not a substring (terms matched apart/out of order)"
            scan = benchlib.Scanner([pid], [text])
            if not scan.word_posts(w):
                return "inside a longer Latin word"
        return "?"


def fmt(x, digits=2):
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    if isinstance(x, float):
        if abs(x) >= 100:
            return "%.0f" % x
        return ("%." + str(digits) + "f") % x
    return str(x)


def main():
    if len(sys.argv) != 3:
        benchlib.die("usage: report.py RUN_DIR OUT.md")
    run_dir, out_md = sys.argv[1], sys.argv[2]
    meta = json.load(open(os.path.join(run_dir, "meta.json")))
    queries = benchlib.read_queries(meta["queries"])
    truth = benchlib.read_truth(meta["truth"])
    cats = []
    for _, c, _ in queries:
        if c not in cats:
            cats.append(c)
    qcat = {qid: c for qid, c, _ in queries}
    qtext = {qid: q for qid, _, q in queries}
    text_bytes = meta["text_bytes"]

    # Normalized texts for the explanations (same normalizer as the truth).
    posts = benchlib.read_posts(meta["posts"])
    raw = dict(posts)
    norm = benchlib.get_normalizer(meta["normalizer"],
                                   meta.get("normalize_bin"))
    norm_texts = norm.many([t for _, t in posts])
    normd = {pid: t for (pid, _), t in zip(posts, norm_texts)}
    meta_of = {}
    with open(meta["posts"], encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            meta_of[o["id"]] = (o.get("title", ""), o.get("author", ""))
    explain = Explainer(raw, normd, meta_of)
    qwords_raw = {qid: [w for w, _ in benchlib.query_words(q)]
                  for qid, _, q in queries}
    qwords_norm = dict(zip([qid for qid, _, _ in queries],
                           benchlib.normalize_queries(
                               norm, [q for _, _, q in queries])))

    rows = {}
    for eng in meta["engines"]:
        r = {"label": LABELS.get(eng, eng)}
        idx_json = last_json_line(os.path.join(run_dir, eng + ".index.out"))
        tv = parse_time_v(os.path.join(run_dir, eng + ".index.time"))
        if tv.get("exit", 0) != 0:
            r["failed"] = "indexing exited with status %d" % tv["exit"]
        secs = idx_json.get("index_seconds", tv.get("wall"))
        r["index_secs"] = secs
        r["index_how"] = "in-process" if "index_seconds" in idx_json \
            else "wall clock of the CLI"
        r["mbps"] = text_bytes / MiB / secs if secs else None
        try:
            du_kb = int(open(os.path.join(run_dir, eng + ".index.du"))
                        .read().split()[0])
            r["size_ratio"] = du_kb * 1024 / text_bytes
            r["index_mib"] = du_kb / 1024
        except (OSError, ValueError, IndexError):
            r["size_ratio"] = None
        try:
            du_kb = int(open(os.path.join(run_dir, eng + ".index.compact.du"))
                        .read().split()[0])
            r["compact_ratio"] = du_kb * 1024 / text_bytes
        except (OSError, ValueError, IndexError):
            r["compact_ratio"] = None
        for kind in ("tables", "compact.tables"):
            try:
                r[kind] = {ln.split()[0]: int(ln.split()[1]) for ln in
                           open(os.path.join(run_dir, "%s.index.%s"
                                             % (eng, kind)))
                           if ln.strip()}
            except (OSError, ValueError, IndexError):
                r[kind] = None
        r["rss_mib"] = tv.get("rss_kb", 0) / 1024 if "rss_kb" in tv else None
        lat_path = os.path.join(run_dir, eng + ".latency")
        hits_path = os.path.join(run_dir, eng + ".hits")
        if not os.path.exists(hits_path):
            r.setdefault("failed", "no query results")
            rows[eng] = r
            continue
        errors = {}
        try:
            for line in open(os.path.join(run_dir, eng + ".errors"),
                             encoding="utf-8"):
                qid, _, msg = line.rstrip("\n").partition("\t")
                if qid:
                    errors[qid] = msg
        except OSError:
            pass
        lats = []
        for line in open(lat_path, encoding="utf-8"):
            qid, s = line.split("\t")
            if qid not in errors:
                lats.append(float(s))
        r["p50_ms"] = percentile(lats, 50) * 1000
        r["p99_ms"] = percentile(lats, 99) * 1000
        r["mean_ms"] = (sum(lats) / len(lats) * 1000) if lats else None
        # forumsearch also times what forum-search does by default
        # (threads by relevance, exact counts): ENGINE.cli.latency.
        cli_lats = []
        try:
            for line in open(os.path.join(run_dir, eng + ".cli.latency"),
                             encoding="utf-8"):
                qid, s = line.split("\t")
                if qid not in errors:
                    cli_lats.append(float(s))
        except OSError:
            pass
        if cli_lats:
            r["cli_p50_ms"] = percentile(cli_lats, 50) * 1000
            r["cli_p99_ms"] = percentile(cli_lats, 99) * 1000
            r["cli_max_ms"] = max(cli_lats) * 1000
        hits = benchlib.read_hits(hits_path)
        recalls, precs, exact = [], [], 0
        per_cat = {c: [] for c in cats}
        tp_all = hit_all = truth_all = 0
        misses = []
        extras = []
        for qid, _, _ in queries:
            t = truth.get(qid, set())
            h = hits.get(qid, set())
            tp = len(t & h)
            tp_all += tp
            hit_all += len(h)
            truth_all += len(t)
            rec = tp / len(t) if t else 1.0
            recalls.append(rec)
            per_cat[qcat[qid]].append(rec)
            if h:
                precs.append(tp / len(h))
            if h == t:
                exact += 1
            if t - h:
                misses.append(qid)
            if h - t:
                extras.append(qid)
        r["recall"] = sum(recalls) / len(recalls)
        r["precision"] = sum(precs) / len(precs) if precs else None
        r["micro_recall"] = tp_all / truth_all if truth_all else None
        r["micro_precision"] = tp_all / hit_all if hit_all else None
        r["exact"] = exact
        r["n_queries"] = len(queries)
        r["empty"] = sum(1 for qid, _, _ in queries if not hits.get(qid))
        r["rejected"] = len(errors)
        r["cat_recall"] = {c: (sum(v) / len(v) if v else None)
                           for c, v in per_cat.items()}

        # Samples of misses and false positives, spread over categories.
        def spread(qids, k):
            by = {}
            for q in qids:
                by.setdefault(qcat[q], []).append(q)
            out = []
            while len(out) < k and any(by.values()):
                for c in cats:
                    if by.get(c):
                        out.append(by[c].pop(0))
                        if len(out) >= k:
                            break
            return out

        miss_rows = []
        reason_totals = {}
        for qid in misses:
            t, h = truth[qid], hits.get(qid, set())
            reasons = {}
            for pid in sorted(t - h):
                if qid in errors:
                    why = "query rejected: " + errors[qid][:80]
                else:
                    why = explain.missed(pid, qwords_raw[qid],
                                         qwords_norm[qid],
                                         eng == "forumsearch")
                reasons[why] = reasons.get(why, 0) + 1
            for k, v in reasons.items():
                reason_totals[k] = reason_totals.get(k, 0) + v
            r.setdefault("miss_reasons", {})[qid] = reasons
        for qid in spread(misses, 10):
            t, h = truth[qid], hits.get(qid, set())
            miss_rows.append((qid, qcat[qid], qtext[qid], len(t),
                              len(t & h), r["miss_reasons"][qid]))
        extra_rows = []
        extra_totals = {}
        for qid in extras:
            t, h = truth[qid], hits.get(qid, set())
            reasons = {}
            for pid in sorted(h - t)[:200]:
                why = explain.extra(pid, qwords_norm[qid])
                reasons[why] = reasons.get(why, 0) + 1
            for k, v in reasons.items():
                extra_totals[k] = extra_totals.get(k, 0) + v
            r.setdefault("extra_reasons", {})[qid] = reasons
        for qid in spread(extras, 6):
            t, h = truth[qid], hits.get(qid, set())
            extra_rows.append((qid, qcat[qid], qtext[qid], len(t), len(h),
                               len(h - t), r["extra_reasons"][qid]))
        r["miss_rows"] = miss_rows
        r["extra_rows"] = extra_rows
        r["miss_totals"] = reason_totals
        r["extra_totals"] = extra_totals
        r["n_miss_q"] = len(misses)
        r["n_extra_q"] = len(extras)
        qo = last_json_line(os.path.join(run_dir, eng + ".query.out"))
        r["query_out"] = qo
        rows[eng] = r

    write_md(out_md, meta, rows, cats, queries)


def write_md(out_md, meta, rows, cats, queries):
    m = machine()
    v = versions()
    engines = meta["engines"]
    fs = rows.get("forumsearch")
    fs_ok = fs is not None and "failed" not in fs and fs.get("recall") \
        is not None
    L = []
    L.append("# Benchmark results")
    L.append("")
    L.append("Generated by `bench/run.sh %s` on %s. One run; quote the "
             "ratios, not the absolute times (the machine is shared and "
             "noisy)." % (meta["size_arg"],
                          time.strftime("%Y-%m-%d %H:%M %Z")))
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append("- CPU: %s, nproc = %s" % (m.get("cpu", "?"), m["nproc"]))
    L.append("- RAM: %.1f GiB" % m.get("ram_gib", 0))
    L.append("- OS: %s, Linux %s" % (m.get("os", "?"), m["kernel"]))
    vv = ", ".join("%s %s" % kv for kv in v.items())
    if fs and fs.get("query_out", {}).get("version"):
        vv = "forumsearch %s (%s), " % (
            fs["query_out"]["version"],
            fs["query_out"].get("dependencies", "")) + vv
    L.append("- Versions: %s" % vv)
    L.append("")
    L.append("## Corpus and queries")
    L.append("")
    L.append("- Corpus: `bench/gen_corpus --mb %s --seed %s`: %d threads, "
             "%d posts, %.2f MiB of post text (%d bytes), %.2f MiB of "
             "thread files. Text from Debian's manpages-zh (zh_CN, zh_TW) "
             "and manpages (English); see bench/README.md."
             % (meta["size_arg"], meta["seed"], meta["threads"],
                meta["posts_count"], meta["text_bytes"] / MiB,
                meta["text_bytes"], meta["file_bytes"] / MiB))
    counts = {}
    for _, c, _ in queries:
        counts[c] = counts.get(c, 0) + 1
    L.append("- Queries: %d (%s), ground truth by a substring scan of the "
             "post texts normalized with %s."
             % (len(queries), ", ".join("%s %d" % (c, counts[c])
                                          for c in cats),
                meta.get("normalizer_name", meta["normalizer"])))
    L.append("- Latency: in process, warm (one untimed pass over the whole "
             "set first), top 10, %s timed passes; p50/p99 over all timed "
             "runs. Recall/precision: a separate pass that fetches every "
             "match, compared as sets of post ids (thread id + floor)."
             % meta.get("repeat", 3))
    L.append("")
    L.append("## Results")
    L.append("")
    hdr = ["metric"] + [rows[e]["label"] for e in engines]
    L.append("| " + " | ".join(hdr) + " |")
    L.append("|" + "---|" * len(hdr))

    def line(name, key, digits=2, scale=1.0):
        vals = []
        for e in engines:
            x = rows[e].get(key)
            if isinstance(x, (int, float)) and x is not None:
                x = x * scale
            vals.append(fmt(x, digits))
        L.append("| " + name + " | " + " | ".join(vals) + " |")

    line("indexing MiB/s (post text)", "mbps")
    line("index size ÷ text size", "size_ratio")
    line("… after xapian-compact (Xapian-based only)", "compact_ratio")
    line("peak RSS while indexing (MiB)", "rss_mib", 1)
    line("query latency p50 (ms)", "p50_ms", 3)
    line("query latency p99 (ms)", "p99_ms", 3)
    line("forum-search default (threads, exact counts) p50 (ms)",
         "cli_p50_ms", 3)
    line("… p99 (ms)", "cli_p99_ms", 3)
    line("… slowest query (ms)", "cli_max_ms", 3)
    line("recall (mean over queries)", "recall", 3)
    line("precision (mean over queries with hits)", "precision", 3)
    line("recall (all query–post pairs)", "micro_recall", 3)
    line("precision (all returned pairs)", "micro_precision", 3)
    vals = []
    for e in engines:
        r = rows[e]
        vals.append("%s/%s" % (r.get("exact", "–"), r.get("n_queries", "–")))
    L.append("| queries answered exactly | " + " | ".join(vals) + " |")
    vals = [str(rows[e].get("empty", "–")) for e in engines]
    L.append("| queries with no result | " + " | ".join(vals) + " |")
    vals = [str(rows[e].get("rejected", "–")) for e in engines]
    L.append("| queries rejected by the engine | " + " | ".join(vals) + " |")
    L.append("")
    failed = [e for e in engines if "failed" in rows[e]]
    for e in failed:
        L.append("**%s failed: %s** (see bench/out/run-*/%s.*)."
                 % (rows[e]["label"], rows[e]["failed"], e))
    if failed:
        L.append("")

    if fs_ok:
        L.append("### Ratios to forumsearch")
        L.append("")
        L.append("Engine ÷ forumsearch (for latency, size and RSS below 1 "
                 "means the peer is better; for speed, recall and precision "
                 "above 1 means the peer is better).")
        L.append("")
        hdr = ["metric"] + [rows[e]["label"] for e in engines
                            if e != "forumsearch"]
        L.append("| " + " | ".join(hdr) + " |")
        L.append("|" + "---|" * len(hdr))
        for name, key in (("indexing MiB/s", "mbps"),
                          ("index size ÷ text", "size_ratio"),
                          ("peak RSS", "rss_mib"),
                          ("latency p50", "p50_ms"),
                          ("latency p99", "p99_ms"),
                          ("recall", "recall"),
                          ("precision", "precision")):
            vals = []
            for e in engines:
                if e == "forumsearch":
                    continue
                a, b = rows[e].get(key), fs.get(key)
                vals.append("%.2f×" % (a / b) if a is not None and b
                            else "–")
            L.append("| %s | %s |" % (name, " | ".join(vals)))
        L.append("")
    else:
        L.append("No forumsearch figures in this run, so no ratios.")
        L.append("")

    L.append("### Recall by query category")
    L.append("")
    hdr = ["category", "queries"] + [rows[e]["label"] for e in engines]
    L.append("| " + " | ".join(hdr) + " |")
    L.append("|" + "---|" * len(hdr))
    counts = {}
    for _, c, _ in queries:
        counts[c] = counts.get(c, 0) + 1
    for c in cats:
        vals = [fmt(rows[e].get("cat_recall", {}).get(c), 3)
                for e in engines]
        L.append("| %s | %d | %s |" % (c, counts[c], " | ".join(vals)))
    L.append("")

    xe = [e for e in engines if rows[e].get("tables")]
    if xe:
        L.append("### Where the bytes go (Xapian tables, MiB: as built → "
                 "after xapian-compact)")
        L.append("")
        names = []
        for e in xe:
            for k in rows[e]["tables"]:
                if k not in names:
                    names.append(k)
        hdr = ["table"] + [rows[e]["label"] for e in xe]
        L.append("| " + " | ".join(hdr) + " |")
        L.append("|" + "---|" * len(hdr))
        for k in names:
            vals = []
            for e in xe:
                a = rows[e]["tables"].get(k)
                b = (rows[e].get("compact.tables") or {}).get(k)
                vals.append("–" if a is None else
                            "%.1f → %s" % (a / MiB, "–" if b is None
                                           else "%.1f" % (b / MiB)))
            L.append("| %s | %s |" % (k, " | ".join(vals)))
        L.append("")

    L.append("### How each engine was run")
    L.append("")
    L.append("- **forumsearch**: `build/indexer/forum-index DB CORPUS_DIR` "
             "(indexing time = wall clock of the CLI, parsing the thread "
             "files included); queries by `bench/fs_latency` (C, public "
             "API: forum_db_open, forum_query_create, forum_query_run, "
             "forum_results_next), posts not collapsed by thread.")
    L.append("- **Xapian FLAG_CJK_NGRAM** (`bench/run_xapian.py`): "
             "TermGenerator and QueryParser with FLAG_CJK_NGRAM, no "
             "stemmer, default operator AND, raw post text (Xapian folds "
             "case but does no NFKC or Traditional→Simplified).")
    L.append("- **SQLite FTS5 trigram** (`bench/run_fts5.py`): "
             "`fts5(pid UNINDEXED, text, tokenize='trigram')`; words of 3+ "
             "characters are FTS5 phrases ANDed and ranked by bm25; words "
             "shorter than 3 characters cannot use the trigram index and "
             "are answered with `text LIKE '%w%'` (a full scan, counted in "
             "the latency).")
    L.append("- **Groonga TokenBigram** (`bench/run_groonga.py`, "
             "libgroonga in process): NormalizerAuto, index column "
             "WITH_POSITION built after loading, `select --cache no`, each "
             "word quoted, AND.")
    L.append("- Peers index in process from the posts file (timed from the "
             "first post to the final commit); peak RSS is the whole "
             "indexing process (the Python runners start at about 10–20 "
             "MiB). Index size is `du -sk` of the index directory "
             "(allocated blocks).")
    L.append("")

    L.append("## What each engine missed, and why")
    L.append("")
    L.append("Reasons are guessed per missed post: *needs Traditional→"
             "Simplified* or *needs NFKC* when the raw post text does not "
             "contain the query even case-folded (only forumsearch's "
             "normalization makes it match); *tokenization* when it does "
             "and the engine still misses it. Extra results are classified "
             "as *not a substring* (the terms were there but not together) "
             "or *inside a longer Latin word* (the truth requires whole "
             "Latin words).")
    L.append("")
    for e in engines:
        r = rows[e]
        L.append("### %s" % r["label"])
        L.append("")
        if "failed" in r and r.get("recall") is None:
            L.append("Not run: %s." % r["failed"])
            L.append("")
            continue
        L.append("%d of %d queries missed posts; %d returned posts that "
                 "are not in the truth." % (r["n_miss_q"], r["n_queries"],
                                            r["n_extra_q"]))
        if r["miss_totals"]:
            L.append("")
            L.append("Missed posts by reason: " + "; ".join(
                "%s: %d" % kv for kv in sorted(r["miss_totals"].items(),
                                               key=lambda kv: -kv[1])) + ".")
        if r["extra_totals"]:
            L.append("")
            L.append("Extra posts by reason: " + "; ".join(
                "%s: %d" % kv for kv in sorted(r["extra_totals"].items(),
                                               key=lambda kv: -kv[1])) + ".")
        if r["miss_rows"]:
            L.append("")
            L.append("| query | category | truth | found | why missed |")
            L.append("|---|---|---|---|---|")
            for qid, cat, q, nt, ntp, reasons in r["miss_rows"]:
                why = "; ".join("%s (%d)" % kv for kv in reasons.items())
                L.append("| `%s` | %s | %d | %d | %s |"
                         % (q.replace("|", "\\|"), cat, nt, ntp, why))
        if r["extra_rows"]:
            L.append("")
            L.append("| query | category | truth | returned | extra | why |")
            L.append("|---|---|---|---|---|---|")
            for qid, cat, q, nt, nh, nx, reasons in r["extra_rows"]:
                why = "; ".join("%s (%d)" % kv for kv in reasons.items())
                L.append("| `%s` | %s | %d | %d | %d | %s |"
                         % (q.replace("|", "\\|"), cat, nt, nh, nx, why))
        L.append("")
    # Sections that other commands write (bench/relevance.sh,
    # bench/rss_series.sh, the shard and server measurements) sit between
    # "<!-- NAME:begin -->" and "<!-- NAME:end -->" markers: kept, in
    # their order.
    kept = ""
    if os.path.exists(out_md):
        old = open(out_md, encoding="utf-8").read()
        for m in re.finditer(r"<!-- ([a-z0-9-]+):begin -->.*?"
                             r"<!-- \1:end -->", old, re.S):
            kept += "\n" + m.group(0) + "\n"
    with open(out_md, "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n" + kept)
    print("report: wrote %s" % out_md, file=sys.stderr)


if __name__ == "__main__":
    main()
