#!/usr/bin/python3
"""Runner: Xapian's own CJK n-grams (TermGenerator/QueryParser with
FLAG_CJK_NGRAM), one document per post, no stemming, default flush
threshold, AND as the default operator. See benchlib.runner_main."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import xapian  # noqa: E402  (python3-xapian)


def index(posts, dbdir):
    db = xapian.WritableDatabase(dbdir, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_flags(xapian.TermGenerator.FLAG_CJK_NGRAM)
    n = nbytes = 0
    for pid, text in posts:
        doc = xapian.Document()
        doc.set_data(pid)
        doc.add_boolean_term("Q" + pid)
        tg.set_document(doc)
        tg.index_text(text)
        db.add_document(doc)
        n += 1
        nbytes += len(text.encode("utf-8"))
    db.commit()
    db.close()
    return n, nbytes


def open_db(dbdir):
    db = xapian.Database(dbdir)
    qp = xapian.QueryParser()
    qp.set_database(db)
    qp.set_default_op(xapian.Query.OP_AND)
    flags = xapian.QueryParser.FLAG_DEFAULT | \
        xapian.QueryParser.FLAG_CJK_NGRAM
    enq = xapian.Enquire(db)
    total = db.get_doccount()

    def run(q, k):
        enq.set_query(qp.parse_query(q, flags))
        return [m.document.get_data().decode("utf-8")
                for m in enq.get_mset(0, k)]

    return (lambda q: run(q, 10), lambda q: run(q, total), db.close)


if __name__ == "__main__":
    benchlib.runner_main("xapian-ngram", index, open_db)
