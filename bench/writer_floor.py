#!/usr/bin/python3
"""bench/writer_floor.py FSDB OUTDIR: the floor of forumsearch's indexing.

Times Xapian's writer alone on forumsearch's own documents: every
document of every shard of FSDB (a database forum-index built) is read
into memory first, untimed (its terms with their wdf, its values, its
data, and the shard's metadata), then written into a new shard under
OUTDIR the way forum-index writes (a transaction per batch of 10,000
documents or 4 MiB of data, metadata along with them), and the new shard
is compacted, as forum-index does after a first build. The shards are
written at the same time, one process each, as forum-index does with
one shard per core. What is left when forumsearch's own work (reading
and parsing the threads, normalizing, ICU, making the terms) is taken
away: the time forumsearch cannot get under with these terms on Xapian.

Prints, per shard and in all: the wall and CPU seconds of the writes and
of the compaction. Needs python3-xapian.
"""
import multiprocessing
import os
import resource
import shutil
import sys
import time

import xapian

BATCH_DOCS = 10000             # FSI_BATCH_POSTS
BATCH_BYTES = 4 << 20          # FSI_BATCH_TEXT_BYTES (here: data bytes)
SENTINEL = "\x00floor"


def shard_paths(fsdb):
    """The shard directories a forumsearch stub lists, or fsdb itself."""
    stub = os.path.join(fsdb, "XAPIANDB")
    if not os.path.isfile(stub):
        return [fsdb]
    paths = []
    with open(stub) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0] == "auto":
                paths.append(os.path.join(fsdb, parts[1]))
    return paths


def load(path):
    """Every document of the shard, fully in memory, and its metadata."""
    db = xapian.Database(path)
    docs = []
    for post in db.postlist(""):
        doc = db.get_document(post.docid)
        # Changing a document makes Xapian read all of its terms, values
        # and data into the object, so writing it later reads nothing.
        doc.add_term(SENTINEL)
        doc.remove_term(SENTINEL)
        values = [(v.num, v.value) for v in doc.values()]
        if values:
            doc.add_value(values[0][0], values[0][1])
        doc.set_data(doc.get_data())
        docs.append(doc)
    meta = [(k, db.get_metadata(k)) for k in db.metadata_keys()]
    return docs, meta


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def write_shard(args):
    src, out, ready, go = args
    docs, meta = load(src)
    ready.wait()
    go.wait()
    t0, c0 = time.monotonic(), cpu()
    db = xapian.WritableDatabase(out, xapian.DB_CREATE)
    db.begin_transaction(True)
    in_batch = data_bytes = 0
    m = 0
    for i, doc in enumerate(docs):
        db.add_document(doc)
        in_batch += 1
        data_bytes += len(doc.get_data())
        # The metadata (thread records, file stamps) along with the posts.
        while m < len(meta) and m * len(docs) <= i * len(meta):
            db.set_metadata(meta[m][0], meta[m][1])
            m += 1
        if in_batch >= BATCH_DOCS or data_bytes >= BATCH_BYTES:
            db.commit_transaction()
            db.begin_transaction(True)
            in_batch = data_bytes = 0
    for key, value in meta[m:]:
        db.set_metadata(key, value)
    db.commit_transaction()
    db.close()
    t1, c1 = time.monotonic(), cpu()
    xapian.Database(out).compact(out + ".compact")
    t2, c2 = time.monotonic(), cpu()
    return (src, len(docs), t1 - t0, c1 - c0, t2 - t1, c2 - c1)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench/writer_floor.py FSDB OUTDIR")
    fsdb, outdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    shards = shard_paths(fsdb)
    ctx = multiprocessing.get_context("fork")
    manager = ctx.Manager()
    ready = manager.Barrier(len(shards) + 1)
    go = manager.Barrier(len(shards) + 1)
    with ctx.Pool(len(shards)) as pool:
        jobs = pool.map_async(write_shard, [
            (s, os.path.join(outdir, "s%d" % k), ready, go)
            for k, s in enumerate(shards)])
        ready.wait()  # Every shard loaded: start the clock together.
        start = time.monotonic()
        go.wait()
        rows = jobs.get()
        wall = time.monotonic() - start
    print("| shard | documents | write wall s | write CPU s | compact wall s | compact CPU s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for src, n, ww, wc, cw, cc in rows:
        print("| %s | %d | %.1f | %.1f | %.1f | %.1f |" % (
            os.path.relpath(src, fsdb), n, ww, wc, cw, cc))
    print("all shards: %.1f s wall (writes and compaction, the slowest "
          "shard), %.1f s CPU" % (
              wall, sum(r[3] + r[5] for r in rows)))


if __name__ == "__main__":
    main()
