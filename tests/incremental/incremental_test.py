#!/usr/bin/python3
"""Property test of incremental indexing.

Random thread trees (nested boards, names with - . _ spaces and CJK,
names that are prefixes of others) go through random edits: files and
whole directories appear, change, move and vanish; JSON Lines files grow,
shrink, lose threads and repeat ids. After every step the database that
`forum-index` updated incrementally must equal, document by document and
metadata key by metadata key, a clean index of the same tree. The same
holds after `--compact`, and after runs killed with SIGKILL at random
points (at least --kills of them, default 20, land while the writer
runs; each is followed by a run that completes). The incremental database
is split into shards (`-j`, 3 by default) and the clean one is not, so the
shards are checked against one database at every step too.

The oracle is a clean run of the same binary plus Xapian's own Python
bindings to read both databases: nothing of ours is used to compare.

usage: incremental_test.py FORUM-INDEX WORKDIR [--seed N] [--steps N]
                           [--kills N] [--shards N]
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import xapian

NAMES = ["a", "a-b", "a.b", "a b", "a_b", "ab", "a0", "b", "新闻", "新闻-国际",
         "新闻.旧", "科技 数码", "x", "x-1", "x.y", "zz_top", "生活"]
FILE_STEMS = ["x", "x-1", "x.1", "x 1", "x_1", "帖子", "帖子-2", "t", "t.t",
              "长-title_名.v2", "0001_musk", "0001"]
WORDS = ["川普", "拜登", "马斯克", "關稅", "关税", "四川普通话", "和服", "暖和服务",
         "OpenAI", "ＧＰＵ", "显卡", "价格", "婚礼", "王小明", "李华", "上海",
         "北京", "今天", "天气", "不错", "lol", "DeepSeek", "模型", "测试"]
THREAD_NUMBER_SLOT = 4           # schema.h FSI_SLOT_NUMBERED_FLOOR
THREAD_COUNT_KEY = b"fs:threads"  # schema.h FSI_META_THREADS
AUTHORS = ["楼主甲", "kingofLiu", "supernova13", "吃瓜群众A", "老王", "Jenny_W"]


def text_line(rng):
    return "".join(rng.choice(WORDS) + rng.choice(["", ",", "。", " "])
                   for _ in range(rng.randint(3, 12)))


def thread_text(rng):
    lines = [text_line(rng)[:30], "", "某论坛", "Forum",
             "最新回复:2025年1月23日 6点43分 PT", "  返回列表",
             "%d 阅读" % rng.randint(1, 9999), "0 评论", "来源", ""]
    for _ in range(rng.randint(1, 3)):
        lines += [text_line(rng), ""]
    for floor in range(1, rng.randint(1, 6)):
        lines += [rng.choice(AUTHORS), "%d 楼" % floor, text_line(rng)]
    return "\n".join(lines) + "\n"


def jsonl_text(rng, ids):
    out = []
    for tid in ids:
        posts = [{"floor": f, "author": rng.choice(AUTHORS),
                  "date": "2025-02-%02d 08:00:00" % rng.randint(1, 28),
                  "text": text_line(rng)}
                 for f in range(rng.randint(1, 4))]
        out.append(json.dumps({"id": tid, "board": rng.choice(NAMES),
                               "title": text_line(rng)[:20],
                               "posts": posts}, ensure_ascii=False))
    return "\n".join(out) + "\n"


class Tree:
    """The thread tree on disk, edited at random."""

    def __init__(self, root, rng):
        self.root, self.rng = root, rng
        self.clock = 1_700_000_000
        os.makedirs(root, exist_ok=True)

    def files(self):
        found = []
        for d, dirs, names in os.walk(self.root):
            for n in names:
                found.append(os.path.relpath(os.path.join(d, n), self.root))
        return sorted(found)

    def dirs(self):
        found = []
        for d, dirs, _ in os.walk(self.root):
            for n in dirs:
                found.append(os.path.relpath(os.path.join(d, n), self.root))
        return sorted(found)

    def write(self, rel, content):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
        # Every write gets a new mtime, as a real edit a second later would.
        self.clock += 1
        os.utime(path, (self.clock, self.clock))

    def random_dir(self, depth=None):
        depth = depth if depth is not None else self.rng.randint(1, 4)
        return "/".join(self.rng.choice(NAMES) for _ in range(depth))

    def add_file(self):
        rel = self.random_dir() + "/" + self.rng.choice(FILE_STEMS)
        if self.rng.random() < 0.25:
            # Ids are unique to their file (a repeated id inside one file
            # is tested below; the same id in two files is documented as
            # "the later one wins", which depends on the order of runs).
            tag = "%s/%08x" % (self.rng.choice(NAMES), self.rng.getrandbits(32))
            ids = ["j/%s/%d" % (tag, n) for n in range(self.rng.randint(1, 5))]
            self.write(rel + ".jsonl", jsonl_text(self.rng, ids))
        else:
            self.write(rel + ".txt", thread_text(self.rng))

    def modify_file(self):
        files = self.files()
        if not files:
            return self.add_file()
        rel = self.rng.choice(files)
        if rel.endswith(".jsonl"):
            with open(os.path.join(self.root, rel), encoding="utf-8") as f:
                ids = [json.loads(line)["id"] for line in f if line.strip()]
            roll = self.rng.random()
            if roll < 0.4 and len(ids) > 1:  # loses a thread
                ids.pop(self.rng.randrange(len(ids)))
            elif roll < 0.6 and ids:         # repeats an id
                ids.append(self.rng.choice(ids))
            elif roll < 0.8 and ids:
                ids.append("%s-%d" % (ids[0], self.rng.randint(1, 1000)))
            self.write(rel, jsonl_text(self.rng, ids))
        else:
            self.write(rel, thread_text(self.rng))

    def delete_file(self):
        files = self.files()
        if files:
            os.remove(os.path.join(self.root, self.rng.choice(files)))

    def rename_file(self):
        files = self.files()
        if not files:
            return
        rel = self.rng.choice(files)
        ext = os.path.splitext(rel)[1]
        target = self.random_dir() + "/" + self.rng.choice(FILE_STEMS) + ext
        dst = os.path.join(self.root, target)
        if os.path.isdir(dst):
            return
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.replace(os.path.join(self.root, rel), dst)

    def rename_dir(self):
        dirs = self.dirs()
        if not dirs:
            return
        src = self.rng.choice(dirs)
        target = self.random_dir(self.rng.randint(1, 3))
        dst = os.path.join(self.root, target)
        if os.path.exists(dst) or (target + "/").startswith(src + "/"):
            return
        os.makedirs(os.path.dirname(dst) or self.root, exist_ok=True)
        os.rename(os.path.join(self.root, src), dst)

    def delete_dir(self):
        dirs = self.dirs()
        if dirs:
            shutil.rmtree(os.path.join(self.root, self.rng.choice(dirs)))

    def random_edit(self):
        edit = self.rng.choices(
            [self.add_file, self.modify_file, self.delete_file,
             self.rename_file, self.rename_dir, self.delete_dir],
            weights=[5, 4, 2, 2, 1, 1])[0]
        edit()
        return edit.__name__


def run_index(index, db, src, *extra, check=True):
    proc = subprocess.run([index, "-q", *extra, db, src],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # 1 = some input skipped (a damaged file is fine here); more is not.
    if check and proc.returncode not in (0, 1):
        sys.exit("forum-index %s %s: exit %d\n%s" % (db, src, proc.returncode,
                                                     proc.stderr.decode()))
    return proc


def shard_paths(db_path):
    """The databases a XAPIANDB stub lists (Xapian reads metadata from
    the first one only, so each is read on its own)."""
    with open(os.path.join(db_path, "XAPIANDB")) as stub:
        return [os.path.join(db_path, line.split(None, 1)[1].strip())
                for line in stub if line.startswith("auto ")]


def dump(db_path):
    """Every document, keyed by its thread id and floor (value 3, the
    thread order: one post per floor of a thread), and all metadata."""
    db = xapian.Database(db_path)
    docs = {}
    for posting in db.postlist(""):
        doc = db.get_document(posting.docid)
        terms = [(t.term, t.wdf) for t in doc.termlist()]
        post_id = doc.get_value(3)
        if not post_id:
            sys.exit("%s: document %d has no thread and floor" %
                     (db_path, posting.docid))
        # Value 4 holds the thread's number in its shard: numbers depend
        # on the order threads were first indexed, so they are checked
        # for what they must be (check_thread_numbers), not for equality.
        values = [(v.num, v.value) for v in doc.values()
                  if v.num != THREAD_NUMBER_SLOT]
        if post_id in docs:
            sys.exit("%s: two documents with %r" % (db_path, post_id))
        docs[post_id] = (tuple(terms), tuple(values), doc.get_data())
    meta = {}
    for path in shard_paths(db_path):
        shard = xapian.Database(path)
        for k in shard.metadata_keys():
            if k in (b"fs:compacted", THREAD_COUNT_KEY):
                # The size after the last compaction: bookkeeping of when
                # to compact next, not content (a clean build compacts
                # every time, the incremental database when it has grown).
                # The thread numbers a shard handed out: its own.
                continue
            value = shard.get_metadata(k)
            if meta.get(k, value) != value:
                sys.exit("%s: metadata %r differs between shards" %
                         (db_path, k))
            meta[k] = value
    # Term statistics must agree too (a deleted post leaves none behind).
    stats = {t.term: t.termfreq for t in db.allterms()}
    return docs, meta, stats


def check_thread_numbers(step, db_path):
    """In each shard, every post has its thread's number and its floor in
    value 4: one number per thread, never two threads with one, below the
    count of numbers the shard handed out (metadata fs:threads)."""
    for path in shard_paths(db_path) or [db_path]:
        shard = xapian.Database(path)
        handed_out = shard.get_metadata(THREAD_COUNT_KEY)
        number_of, thread_of = {}, {}
        for posting in shard.postlist(""):
            doc = shard.get_document(posting.docid)
            value = doc.get_value(THREAD_NUMBER_SLOT)
            thread = doc.get_value(2)
            where = "step %s: %s: document %d (thread %r)" % (
                step, path, posting.docid, thread)
            if len(value) <= 4:
                sys.exit("%s has no thread number: %r" % (where, value))
            number = int.from_bytes(value[:4], "big")
            if value[4:] != doc.get_value(1):
                sys.exit("%s: floor %r in value 4, %r in value 1" %
                         (where, value[4:], doc.get_value(1)))
            if number_of.setdefault(thread, number) != number:
                sys.exit("%s: numbers %d and %d" %
                         (where, number_of[thread], number))
            if thread_of.setdefault(number, thread) != thread:
                sys.exit("%s: number %d is also thread %r's" %
                         (where, number, thread_of[number]))
            if not handed_out.isdigit() or number >= int(handed_out):
                sys.exit("%s: number %d, but fs:threads is %r" %
                         (where, number, handed_out))


def compare(step, inc_db, clean_db):
    check_thread_numbers(step, inc_db)
    check_thread_numbers(step, clean_db)
    inc, clean = dump(inc_db), dump(clean_db)
    if inc == clean:
        return
    (idocs, imeta, istats), (cdocs, cmeta, cstats) = inc, clean
    lines = ["step %s: incremental index differs from a clean one" % step]
    for key in sorted(set(idocs) | set(cdocs)):
        if key not in cdocs:
            lines.append("  extra post %s" % key.decode(errors="replace"))
        elif key not in idocs:
            lines.append("  missing post %s" % key.decode(errors="replace"))
        elif idocs[key] != cdocs[key]:
            lines.append("  post %s differs" % key.decode(errors="replace"))
    for key in sorted(set(imeta) | set(cmeta)):
        if imeta.get(key) != cmeta.get(key):
            lines.append("  metadata %r: %r vs clean %r" %
                         (key, imeta.get(key), cmeta.get(key)))
    if not lines[1:]:
        diff = [t for t in set(istats) | set(cstats)
                if istats.get(t) != cstats.get(t)]
        lines.append("  term frequencies differ: %r" % diff[:10])
    sys.exit("\n".join(lines[:40]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("index")
    ap.add_argument("work")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--shards", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print("seed %d (rerun with --seed %d)" % (args.seed, args.seed))
    shutil.rmtree(args.work, ignore_errors=True)
    src, inc_db = os.path.join(args.work, "src"), os.path.join(args.work, "inc")
    tree = Tree(src, rng)
    subprocess.run([args.index, "-q", "-j", str(args.shards), inc_db, src],
                   check=False)
    if len(shard_paths(inc_db)) != max(args.shards, 1) and args.shards > 1:
        sys.exit("%s: %d shards, asked for %d" %
                 (inc_db, len(shard_paths(inc_db)), args.shards))
    for _ in range(12):
        tree.add_file()

    def clean_compare(step):
        clean = os.path.join(args.work, "clean")
        shutil.rmtree(clean, ignore_errors=True)
        run_index(args.index, clean, src, "-j", "1")
        compare(step, inc_db, clean)

    for step in range(args.steps):
        edits = [tree.random_edit() for _ in range(rng.randint(1, 4))]
        compact = rng.random() < 0.1
        run_index(args.index, inc_db, src, *(["--compact"] if compact else []))
        clean_compare("%d (%s%s)" % (step, ",".join(edits),
                                     ", compacted" if compact else ""))
    print("%d steps of random edits: incremental == clean" % args.steps)

    # Killed runs: a bigger tree, a commit after every file, SIGKILL at a
    # random moment; the next complete run must converge.
    for _ in range(150):
        tree.add_file()
    run_index(args.index, inc_db, src)
    started = time.monotonic()
    run_index(args.index, inc_db, src, "--force", "--commit-every", "1")
    full_run = time.monotonic() - started
    # Runs go on until args.kills of them were killed while the writer ran
    # (a loaded machine starts some late, and a run that ends before its
    # kill does not count), at most 3 * args.kills runs.
    kills = runs = 0
    while kills < args.kills and runs < 3 * args.kills:
        runs += 1
        for _ in range(rng.randint(1, 6)):
            tree.random_edit()
        started = time.monotonic()
        proc = subprocess.Popen([args.index, "-q", "--commit-every", "1",
                                 "--force", inc_db, src],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.6 * full_run))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        else:
            full_run = min(full_run, time.monotonic() - started)
        proc.wait()
        # A killed writer leaves its lock behind only while it runs.
        run_index(args.index, inc_db, src,
                  *(["--compact"] if rng.random() < 0.15 else []))
        clean_compare("kill run %d" % runs)
    print("%d runs, %d killed mid-run: incremental == clean after each" %
          (runs, kills))
    if kills < args.kills:
        sys.exit("only %d of %d runs were killed mid-run; the kill loop "
                 "must kill at least %d" % (kills, runs, args.kills))
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
