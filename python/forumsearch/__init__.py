"""forumsearch: full-text search of forum threads, from Python.

A thin layer over the installed C library libforumsearch (through
ctypes: no compiled extension, so one copy serves every Python 3 on the
system). Chinese text is searched by exact substring; Traditional,
Simplified, full-width and case variants find each other.

Searching::

    import forumsearch

    with forumsearch.open("forum.db") as db:
        results = db.search("川普 -特朗普", limit=10)
        print(results.posts, "posts in", results.threads, "threads")
        for hit in results:            # one hit at a time
            print(hit.rank, hit.title, hit.floor, hit.author, hit.date)
            for start, end in hit.highlights:
                print("  ", hit.snippet[start:end])   # str indices

Reading a whole thread, the query's words marked::

    thread = db.thread(hit.thread, "川普")
    for post in thread.posts:          # floor order
        print(post.floor, post.author, post.text)

Indexing (a writer; a second writer raises LockedError)::

    with forumsearch.open("forum.db", writable=True) as db:
        db.index_path("threads/", progress=lambda done, total: None)
        db.index_thread("news/1", "标题", [
            forumsearch.Post(0, "正文", author="楼主"),
            forumsearch.Post(1, "回复", author="路人", date=1737600000)])
        db.commit()                    # also done when the block ends

Errors: a malformed query raises QueryError (``message`` and ``column``
as ``forum-search`` prints them); every other failure of the library
raises a subclass of Error carrying the library's message: NotFoundError,
LockedError, ModifiedError, ParseError, OutOfMemoryError,
DatabaseIOError, InvalidArgumentError, InternalError, CancelledError,
ClosedError.

Ownership and threads follow the C API (``<forumsearch.h>``): a Database
may be shared by Python threads, and its calls then run one at a time
(the C library serializes them; open one Database per thread to search
in parallel); a Results object holds its C query and result set until
it is closed or collected, and keeps working after the database is
closed.

The library is found through FORUMSEARCH_LIBRARY (a path), else the copy
installed next to this package by ``cmake --install``, else the dynamic
linker's path (``ctypes.util.find_library``).
"""

from __future__ import annotations

from . import _lib
from ._db import Database, Results, create, normalize, open
from ._types import (AlsoPost, Diagnostic, Hit, IndexStats, Post, Thread,
                     ThreadPost)
from .errors import (CancelledError, ClosedError, DatabaseIOError, Error,
                     InternalError, InvalidArgumentError, LockedError,
                     ModifiedError, NotFoundError, OutOfMemoryError,
                     ParseError, QueryError, UnavailableError)

__all__ = [
    "open", "create", "normalize", "Database", "Results", "Hit", "AlsoPost",
    "Post",
    "IndexStats", "Diagnostic", "Thread", "ThreadPost", "Error", "QueryError", "NotFoundError",
    "LockedError", "ModifiedError", "ParseError", "OutOfMemoryError",
    "DatabaseIOError", "InvalidArgumentError", "InternalError",
    "CancelledError", "ClosedError", "UnavailableError", "library_version",
    "library_path",
]

#: The version of the library in use ("0.1.0").
library_version: str = _lib.lib.forum_version_string().decode()
#: Where it was loaded from.
library_path: str = _lib.lib.path
__version__ = library_version
