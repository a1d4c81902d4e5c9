#!/usr/bin/python3
"""Runner: Groonga (libgroonga through ctypes, in process) with the
TokenBigram tokenizer and NormalizerAuto, one record per post.

Schema: table Posts (TABLE_HASH_KEY, key = post id) with a LongText column
`text`; lexicon Terms (TABLE_PAT_KEY, TokenBigram, NormalizerAuto) with an
index column WITH_POSITION. The posts are loaded first and the index column
is created afterwards (Groonga's "static index construction", its fastest
way to build an index); both are inside the timed part.

Queries use Groonga's query syntax: each word or phrase of the query is
quoted ("word"), space-separated words are ANDed (Groonga's default),
`select --cache no` so the query cache never answers, top 10 sorted by
-_score. See benchlib.runner_main.
"""

import ctypes
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

GRN_CTX_MORE = 0x01
DB_FILE = "groonga.db"

_lib = ctypes.CDLL("libgroonga.so.0")
_lib.grn_init.restype = ctypes.c_int
_lib.grn_ctx_open.restype = ctypes.c_void_p
_lib.grn_ctx_open.argtypes = [ctypes.c_int]
_lib.grn_db_create.restype = ctypes.c_void_p
_lib.grn_db_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                               ctypes.c_void_p]
_lib.grn_db_open.restype = ctypes.c_void_p
_lib.grn_db_open.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.grn_ctx_send.restype = ctypes.c_uint
_lib.grn_ctx_send.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                              ctypes.c_int]
_lib.grn_ctx_recv.restype = ctypes.c_int
_lib.grn_ctx_recv.argtypes = [ctypes.c_void_p,
                              ctypes.POINTER(ctypes.c_char_p),
                              ctypes.POINTER(ctypes.c_uint),
                              ctypes.POINTER(ctypes.c_int)]
_lib.grn_obj_close.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
_lib.grn_ctx_close.argtypes = [ctypes.c_void_p]


class Groonga:
    def __init__(self, path, create):
        rc = _lib.grn_init()
        if rc != 0:
            raise RuntimeError("grn_init: %d" % rc)
        self.ctx = _lib.grn_ctx_open(0)
        p = path.encode()
        self.db = (_lib.grn_db_create(self.ctx, p, None) if create
                   else _lib.grn_db_open(self.ctx, p))
        if not self.db:
            raise RuntimeError("cannot %s %s" % ("create" if create
                                                 else "open", path))
        self._buf = ctypes.c_char_p()
        self._len = ctypes.c_uint()
        self._flags = ctypes.c_int()

    def send(self, cmd):
        """Sends one command, returns the raw reply (bytes)."""
        b = cmd.encode("utf-8") if isinstance(cmd, str) else cmd
        _lib.grn_ctx_send(self.ctx, b, len(b), 0)
        out = []
        while True:
            _lib.grn_ctx_recv(self.ctx, ctypes.byref(self._buf),
                              ctypes.byref(self._len),
                              ctypes.byref(self._flags))
            if self._len.value:
                out.append(ctypes.string_at(self._buf, self._len.value))
            if not (self._flags.value & GRN_CTX_MORE):
                break
        return b"".join(out)

    def rc(self):
        # grn_rc is the first member of struct _grn_ctx.
        return ctypes.cast(self.ctx, ctypes.POINTER(ctypes.c_int))[0]

    def command(self, cmd):
        """Sends a command; returns its JSON body (None when empty).
        Raises when the context reports an error."""
        raw = self.send(cmd)
        rc = self.rc()
        if rc != 0:
            raise RuntimeError("groonga rc %d for %r: %r"
                               % (rc, cmd[:80], raw[:200]))
        if not raw:
            return None
        return json.loads(raw)

    def close(self):
        _lib.grn_obj_close(self.ctx, self.db)
        _lib.grn_ctx_close(self.ctx)


def index(posts, dbdir):
    os.makedirs(dbdir, exist_ok=True)
    g = Groonga(os.path.join(dbdir, DB_FILE), True)
    g.command("table_create Posts TABLE_HASH_KEY ShortText")
    g.command("column_create Posts text COLUMN_SCALAR LongText")
    n = nbytes = 0
    batch = []

    def flush():
        if batch:
            g.command("load --table Posts --input_type json")
            reply = g.command(json.dumps(batch, ensure_ascii=False))
            loaded = reply[0] if isinstance(reply, list) else reply
            if loaded != len(batch):
                raise RuntimeError("groonga loaded %r of %d records"
                                   % (loaded, len(batch)))
            batch.clear()

    for pid, text in posts:
        batch.append({"_key": pid, "text": text})
        n += 1
        nbytes += len(text.encode("utf-8"))
        if len(batch) >= 2000:
            flush()
    flush()
    g.command("table_create Terms TABLE_PAT_KEY ShortText "
              "--default_tokenizer TokenBigram --normalizer NormalizerAuto")
    g.command("column_create Terms posts_text COLUMN_INDEX|WITH_POSITION "
              "Posts text")
    g.close()
    return n, nbytes


def to_groonga_query(query):
    parts = []
    for w, _ in benchlib.query_words(query):
        parts.append('"%s"' % w.replace("\\", "\\\\").replace('"', '\\"'))
    return " ".join(parts)


def open_db(dbdir):
    g = Groonga(os.path.join(dbdir, DB_FILE), False)

    def run(q, k):
        args = {"table": "Posts", "match_columns": "text",
                "query": to_groonga_query(q), "output_columns": "_key",
                "limit": str(k), "cache": "no"}
        if k > 0:
            args["sort_keys"] = "-_score"
        reply = g.command("/d/select?" + urllib.parse.urlencode(args))
        rows = reply[0][2:]   # [[[count], [columns], row, row, ...]]
        return [r[0] for r in rows]

    return (lambda q: run(q, 10), lambda q: run(q, -1), g.close)


if __name__ == "__main__":
    benchlib.runner_main("groonga-bigram", index, open_db)
