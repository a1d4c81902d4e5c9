"""A smoke test of the package without pytest, for interpreters other than
Debian's (the package needs Python 3.7 or later). Run by hand:

  for py in ~/.pyenv/versions/3.*/bin/python3; do
    FORUMSEARCH_LIBRARY=BUILD/common/libforumsearch.so PYTHONPATH=python \
      "$py" tests/python/smoke.py
  done
"""
import os
import shutil
import sys
import tempfile

import forumsearch as fs

d = tempfile.mkdtemp()
with fs.open(os.path.join(d, "db"), writable=True) as db:
    db.index_thread("b/1", "标题 川普", [fs.Post(0, "😀 正文 川普", author="甲"), fs.Post(1, "回复 川普")])
    db.commit()
    r = db.search("川普", posts=True)
    hits = list(r)
    assert (r.posts, r.threads) == (2, 1), r
    assert [h.snippet[s:e] for h in hits for s, e in h.highlights] == ["川普", "川普"]
    try:
        db.search('"x')
    except fs.QueryError as e:
        assert e.column == 1
    t = db.thread("b/1", "川普")
    assert len(t.posts) == 2
shutil.rmtree(d)
print(sys.version.split()[0], "ok")
