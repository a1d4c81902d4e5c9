#!/usr/bin/python3
"""Runner: SQLite FTS5 with the trigram tokenizer (case-insensitive), one
row per post, inserted in one transaction.

FTS5's trigram index cannot serve a string shorter than 3 characters (a
MATCH for it finds nothing). Such words of a query are answered by a
`text LIKE '%word%'` condition on the same table instead (a full scan,
ASCII case folding only); words of 3+ characters are FTS5 phrases
("word"), ANDed, ranked by bm25 (ORDER BY rank). See benchlib.runner_main.
"""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

DB_FILE = "fts5.db"


def index(posts, dbdir):
    os.makedirs(dbdir, exist_ok=True)
    path = os.path.join(dbdir, DB_FILE)
    if os.path.exists(path):
        os.unlink(path)
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE posts USING fts5(pid UNINDEXED, text, "
                "tokenize='trigram')")
    n = nbytes = 0

    def rows():
        nonlocal n, nbytes
        for pid, text in posts:
            n += 1
            nbytes += len(text.encode("utf-8"))
            yield pid, text

    with con:
        con.executemany("INSERT INTO posts(pid, text) VALUES (?, ?)", rows())
    con.close()
    return n, nbytes


def build_sql(query, limit):
    match, likes = [], []
    for w, _ in benchlib.query_words(query):
        if len(w) >= 3:
            match.append('"%s"' % w.replace('"', '""'))
        else:
            likes.append("%" + w.replace("\\", "\\\\").replace("%", "\\%")
                         .replace("_", "\\_") + "%")
    where, params = [], []
    if match:
        where.append("posts MATCH ?")
        params.append(" AND ".join(match))
    for pat in likes:
        where.append("text LIKE ? ESCAPE '\\'")
        params.append(pat)
    if not where:
        return None, None
    sql = "SELECT pid FROM posts WHERE " + " AND ".join(where)
    if match:
        sql += " ORDER BY rank"
    if limit:
        sql += " LIMIT %d" % limit
    return sql, params


def open_db(dbdir):
    con = sqlite3.connect(os.path.join(dbdir, DB_FILE))

    def run(q, k):
        sql, params = build_sql(q, k)
        if sql is None:
            return []
        return [r[0] for r in con.execute(sql, params)]

    return (lambda q: run(q, 10), lambda q: run(q, 0), con.close)


if __name__ == "__main__":
    benchlib.runner_main("sqlite-fts5-trigram", index, open_db)
