"""Database handles and result sets over libforumsearch's C API."""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import POINTER, byref, c_size_t, c_uint, c_uint64, c_void_p
from typing import (Any, Callable, Iterable, Iterator, List, Mapping,
                    Optional, Tuple, Union)

from . import _lib, _text
from ._types import (AlsoPost, DateLike, Diagnostic, Hit, IndexStats, Post,
                     Text,
                     Thread, ThreadPost, date_from_unix, date_to_unix)
from .errors import (CancelledError, ClosedError, Error,
                     InvalidArgumentError, error_for)

lib = _lib.lib
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
ProgressFn = Callable[[int, int], Any]
DiagnosticFn = Callable[[Diagnostic], Any]

_SCOPES = {"post": _lib.SCOPE_POST, "thread": _lib.SCOPE_THREAD}
_SORTS = {"relevance": _lib.SORT_RELEVANCE, "date": _lib.SORT_DATE,
          "floor": _lib.SORT_FLOOR}


def _bytes(value: Text, what: str, allow_nul: bool = False) -> bytes:
    """UTF-8 bytes of a str (bytes pass as they are: the library checks
    them). A NUL would cut a C string short, so it is refused there."""
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str):
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError as e:
            raise InvalidArgumentError("%s: cannot be encoded as UTF-8 (%s)"
                                       % (what, e.reason)) from None
    else:
        raise TypeError("%s: str or bytes, not %s"
                        % (what, type(value).__name__))
    if not allow_nul and b"\0" in raw:
        raise InvalidArgumentError("%s holds a NUL character" % what)
    return raw


def _optional_bytes(value: Optional[Text], what: str) -> Optional[bytes]:
    return None if value is None else _bytes(value, what)


def _count(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s: an int, not %s" % (what, type(value).__name__))
    if value < 0:
        raise InvalidArgumentError("%s must be 0 or more, not %d"
                                   % (what, value))
    return value


def _str(raw: Optional[bytes]) -> str:
    return "" if raw is None else _text.decode(raw)


def _errmsg(ptr: c_void_p) -> Optional[str]:
    """Takes a message the library allocated (char **errmsg)."""
    if not ptr.value:
        return None
    try:
        return _text.decode(ctypes.string_at(ptr.value))
    finally:
        lib.forum_free(ptr)


class _Callbacks:
    """The C callbacks of one indexing call. A Python exception cannot
    cross the C library: it is kept, the run is cancelled at the next
    step (the progress callback returns nonzero), and the exception is
    raised again when the call returns."""

    def __init__(self, progress: Optional[ProgressFn],
                 diagnostics: Optional[DiagnosticFn]) -> None:
        self.progress = progress
        self.diagnostics = diagnostics
        self.exception: Optional[BaseException] = None
        # The ctypes function objects must live as long as the call.
        self.c_progress = _lib.PROGRESS_FN(self._on_progress)
        self.c_diag = _lib.DIAG_FN(self._on_diag)

    def _on_progress(self, _payload, done: int, total: int) -> int:
        if self.exception is not None:
            return 1
        if self.progress is None:
            return 0
        try:
            return 1 if self.progress(done, total) else 0
        except BaseException as e:  # noqa: B902 (KeyboardInterrupt too)
            self.exception = e
            return 1

    def _on_diag(self, _payload, path: bytes, line: int, severity: int,
                 message: bytes) -> None:
        if self.exception is not None or self.diagnostics is None:
            return
        try:
            self.diagnostics(Diagnostic(_str(path), line,
                                        severity == _lib.ERROR,
                                        _str(message)))
        except BaseException as e:  # noqa: B902
            self.exception = e

    def options(self, force: bool = False,
                commit_every: Optional[int] = None) -> _lib.IndexOptions:
        opts = _lib.IndexOptions()
        lib.forum_index_options_init(byref(opts), _lib.INDEX_OPTIONS_VERSION)
        opts.force = bool(force)
        if commit_every is not None:
            opts.commit_every_files = _count(commit_every, "commit_every")
        opts.diag = self.c_diag
        opts.progress = self.c_progress
        return opts


class Database:
    """An open forumsearch database (``forum_db_t``): made by
    :func:`forumsearch.open`.

    A context manager: leaving the ``with`` block normally closes the
    database, committing a writer's changes; leaving it by an exception
    discards what was not committed (as ``forum_db_destroy()``).

    Threads: one handle may be used from several Python threads. The C
    library serializes every call on a handle (and on its result sets),
    so they run one at a time; open one handle per thread to search in
    parallel. The GIL is released during each C call. A progress or
    diagnostics callback must not use the database it reports on.
    """

    def __init__(self, path: PathLike, writable: bool = False,
                 wait: bool = False) -> None:
        self.path = os.fsdecode(path)
        self.writable = bool(writable)
        self._ptr: Optional[int] = None
        self._cond = threading.Condition()
        self._calls = 0
        self._callback_thread: Optional[int] = None
        # Queries freed by the thread running a callback: the C handle's
        # lock is held by that very call, so they are freed after it.
        self._deferred: List[int] = []
        mode = (_lib.DB_READ if not writable else
                _lib.DB_WRITE_WAIT if wait else _lib.DB_WRITE)
        handle, err = c_void_p(), c_void_p()
        status = lib.forum_db_open(byref(handle), os.fsencode(path), mode,
                                   byref(err))
        message = _errmsg(err)
        if status != _lib.OK:
            raise error_for(status, message)
        self._ptr = handle.value

    # -- Lifetime --------------------------------------------------------

    def _acquire(self, required: bool = True) -> Optional[int]:
        """The C handle for one call, or ClosedError once discarded."""
        with self._cond:
            if self._callback_thread == threading.get_ident():
                raise Error("a progress or diagnostics callback cannot use "
                            "the database it reports on")
            if self._ptr is None:
                if not required:
                    return None
                raise ClosedError("%s: database handle is closed"
                                  % self.path)
            self._calls += 1
            return self._ptr

    def _release(self) -> None:
        with self._cond:
            self._calls -= 1
            self._cond.notify_all()

    def _fail(self, ptr: Optional[int], status: int) -> Error:
        """The exception for a failed call on ptr (read on the calling
        thread: the library keeps the last error per thread)."""
        if ptr is None:
            return error_for(status)
        message = _str(lib.forum_db_last_error(ptr))
        column = (lib.forum_db_last_error_column(ptr)
                  if status == _lib.EQUERY else 0)
        return error_for(status, message, column)

    def _call(self, fn: Callable[..., int], *args: Any) -> None:
        ptr = self._acquire()
        try:
            status = fn(ptr, *args)
            if status != _lib.OK:
                raise self._fail(ptr, status)
        finally:
            self._release()

    def close(self) -> None:
        """Commits (a writer's changes) and releases the database: its
        files and the writer's lock. Calls that need the database raise
        :class:`ClosedError` afterwards; result sets made before stay
        readable. Closing twice is harmless."""
        ptr = self._acquire(required=False)
        if ptr is None:
            return
        try:
            status = lib.forum_db_close(ptr)
            if status not in (_lib.OK, _lib.ECLOSED):
                raise self._fail(ptr, status)
        finally:
            self._release()

    def discard(self) -> None:
        """Frees the handle without committing: changes since the last
        :meth:`commit` are lost (``forum_db_destroy()``). Waits for calls
        other threads are making on it to finish."""
        with self._cond:
            if self._callback_thread == threading.get_ident():
                raise Error("a callback cannot discard the database it "
                            "reports on")
            while self._calls:
                self._cond.wait()
            ptr, self._ptr = self._ptr, None
        if ptr is not None:
            lib.forum_db_destroy(ptr)

    def _destroy_query(self, query: int) -> None:
        """forum_query_destroy(), later when this thread is inside a
        callback of this handle (it holds the handle's lock)."""
        with self._cond:
            if self._callback_thread == threading.get_ident():
                self._deferred.append(query)
                return
        lib.forum_query_destroy(query)

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.close()
            finally:
                self.discard()
        else:
            self.discard()

    def __del__(self) -> None:
        ptr = getattr(self, "_ptr", None)
        self._ptr = None
        if ptr is not None and lib is not None:  # not at interpreter exit
            lib.forum_db_destroy(ptr)

    def __repr__(self) -> str:
        state = "closed" if self._ptr is None else (
            "writable" if self.writable else "read-only")
        return "<forumsearch.Database %r %s>" % (self.path, state)

    # -- Facts -----------------------------------------------------------

    @property
    def warning(self) -> str:
        """A warning from opening ("" if none), e.g. that the database was
        indexed with another ICU version."""
        ptr = self._acquire()
        try:
            return _str(lib.forum_db_warning(ptr))
        finally:
            self._release()

    def post_count(self) -> int:
        """Posts in the database (a writer counts its pending changes)."""
        n = c_uint64()
        self._call(lib.forum_db_post_count, byref(n))
        return n.value

    def shard_count(self) -> int:
        """How many shards the database has."""
        n = c_uint()
        self._call(lib.forum_db_shard_count, byref(n))
        return n.value

    # -- Searching -------------------------------------------------------

    def search(self, query: Text, limit: int = 10, offset: int = 0,
               posts: bool = False, sort: str = "relevance",
               exact_counts: bool = True, snippet_chars: int = 120,
               snippet_fragments: int = 3,
               scope: str = "post") -> "Results":
        """Runs ``query`` (README "Query syntax"); returns its
        :class:`Results`, which hold the counts and yield :class:`Hit`
        objects one at a time.

        ``posts=False`` gives one hit per thread (its best post, with
        ``thread_matches``), as ``forum-search`` does; ``posts=True`` one
        per post. ``sort`` is "relevance", "date" (newest first) or
        "floor" (thread order). ``limit`` and ``offset`` page through one
        total order. ``exact_counts=False`` makes the counts estimates
        and common words cheaper. ``scope="thread"`` finds the threads
        whose posts together hold the query (README "Thread scope"): one
        hit per thread, with the posts that hold the other words in
        :attr:`Hit.also`; ``scope="post"`` (the default) needs one post
        to hold it all.

        Raises :class:`QueryError` for a malformed query (message and
        column as ``forum-search`` prints them), :class:`ClosedError`
        after :meth:`close`, other :class:`Error` subclasses for the
        rest.
        """
        if sort not in _SORTS:
            raise InvalidArgumentError("sort must be relevance, date or "
                                       "floor, not %r" % (sort,))
        if scope not in _SCOPES:
            raise InvalidArgumentError("scope must be post or thread, not "
                                       "%r" % (scope,))
        opts = _lib.SearchOptions()
        lib.forum_search_options_init(byref(opts), _lib.SEARCH_OPTIONS_VERSION)
        opts.sort = _SORTS[sort]
        opts.collapse_threads = not posts
        opts.limit = _count(limit, "limit")
        opts.offset = _count(offset, "offset")
        opts.exact_counts = bool(exact_counts)
        opts.scope = _SCOPES[scope]
        snippet = _lib.SnippetOptions(_lib.SNIPPET_OPTIONS_VERSION,
                                      _count(snippet_chars, "snippet_chars"),
                                      _count(snippet_fragments,
                                             "snippet_fragments"))
        raw = _bytes(query, "query", allow_nul=True)
        query_ptr, results_ptr = c_void_p(), c_void_p()
        ptr = self._acquire()
        try:
            status = lib.forum_query_create(byref(query_ptr), ptr, raw,
                                            len(raw), byref(opts))
            if status == _lib.OK:
                status = lib.forum_query_run(query_ptr, byref(results_ptr))
            if status != _lib.OK:
                error = self._fail(ptr, status)
                lib.forum_query_destroy(query_ptr)
                raise error
        finally:
            self._release()
        return Results(self, query_ptr.value, results_ptr.value,
                       _text.decode(raw), collapsed=not posts,
                       snippet=snippet)

    def thread(self, id: Text, query: Optional[Text] = None) -> Thread:
        """Reads every post of the thread ``id`` (a :attr:`Hit.thread`),
        in floor order, from one revision of the database. With
        ``query``, its words are marked in every post's whole text and in
        the title (filters such as ``author:`` select nothing here).

        Raises :class:`NotFoundError` when no post has that id,
        :class:`QueryError` for a malformed query, and :class:`Error`
        when the library predates reading threads.
        """
        if _lib.thread_open is None:
            raise Error("libforumsearch %s cannot read threads (no "
                        "forum_db_thread_open()); it needs a newer library"
                        % lib.forum_version_string().decode())
        raw_id = _bytes(id, "id")
        raw_query = None if query is None else _bytes(query, "query",
                                                      allow_nul=True)
        query_ptr, thread_ptr = c_void_p(), c_void_p()
        ptr = self._acquire()
        try:
            status = _lib.OK
            if raw_query is not None:
                status = lib.forum_query_create(byref(query_ptr), ptr,
                                                raw_query, len(raw_query),
                                                None)
            if status == _lib.OK:
                status = _lib.thread_open(byref(thread_ptr), ptr, raw_id,
                                          query_ptr)
            if status != _lib.OK:
                raise self._fail(ptr, status)
        finally:
            if query_ptr.value:
                lib.forum_query_destroy(query_ptr)
            self._release()
        try:
            return self._read_thread(thread_ptr)
        finally:
            _lib.thread_destroy(thread_ptr)

    @staticmethod
    def _read_thread(thread_ptr: c_void_p) -> Thread:
        info = _lib.thread_info(thread_ptr).contents
        title = _str(info.title)
        posts = []
        post = POINTER(_lib.ThreadPost)()
        while _lib.thread_next_post(thread_ptr, byref(post)) == _lib.OK:
            p = post.contents
            text = _text.decode(ctypes.string_at(p.text, p.text_len))
            marks = [(p.marks[i].start, p.marks[i].end)
                     for i in range(p.n_marks)]
            posts.append(ThreadPost(p.floor, _str(p.author),
                                    date_from_unix(p.date), text,
                                    _text.spans_to_str(text, marks), p.index))
        title_marks = [(info.title_marks[i].start, info.title_marks[i].end)
                       for i in range(info.n_title_marks)]
        return Thread(_str(info.thread_id), title, _str(info.board),
                      _str(info.source), _str(info.path),
                      date_from_unix(info.date),
                      _text.spans_to_str(title, title_marks), posts)

    def count(self, query: Text, posts: bool = False,
              scope: str = "post") -> Tuple[int, int]:
        """(matching posts, distinct threads among them), exact."""
        with self.search(query, limit=0, posts=posts, scope=scope) as results:
            return results.posts, results.threads

    # -- Indexing --------------------------------------------------------

    def _index(self, fn: Callable[..., int], args: Tuple[Any, ...],
               progress: Optional[ProgressFn],
               diagnostics: Optional[DiagnosticFn], force: bool = False,
               commit_every: Optional[int] = None) -> IndexStats:
        callbacks = _Callbacks(progress, diagnostics)
        opts = callbacks.options(force, commit_every)
        stats = _lib.IndexStats()
        ptr = self._acquire()
        try:
            with self._cond:
                self._callback_thread = threading.get_ident()
            try:
                status = fn(ptr, *args, byref(opts), byref(stats))
            finally:
                with self._cond:
                    self._callback_thread = None
                    deferred, self._deferred = self._deferred, []
                for query in deferred:
                    lib.forum_query_destroy(query)
            result = IndexStats._from_c(stats)
            if callbacks.exception is not None:
                raise callbacks.exception
            if status != _lib.OK:
                error = self._fail(ptr, status)
                if isinstance(error, CancelledError):
                    error.stats = result
                raise error
            return result
        finally:
            self._release()

    def index_path(self, path: PathLike,
                   progress: Optional[ProgressFn] = None,
                   diagnostics: Optional[DiagnosticFn] = None,
                   force: bool = False,
                   commit_every: Optional[int] = None) -> IndexStats:
        """Indexes every thread file under ``path`` (a directory, or one
        file), incrementally, committing in batches of whole files
        (``commit_every`` files, default 200) and at the end.

        ``progress(done, total)`` is called after each file; a true return
        value cancels the run (:class:`CancelledError`, the files indexed
        so far committed). An exception raised by ``progress`` or
        ``diagnostics`` cancels the run the same way and is raised again
        here. ``diagnostics(Diagnostic)`` receives each problem found in a
        file (they do not make the call fail). Returns the stats.
        """
        return self._index(lib.forum_db_index_path, (os.fsencode(path),),
                           progress, diagnostics, force, commit_every)

    def index_buffer(self, name: Text, data: Union[bytes, str],
                     diagnostics: Optional[DiagnosticFn] = None
                     ) -> IndexStats:
        """Indexes one thread file held in memory (its bytes), as the
        file ``name`` (relative, below the root: "board/thread.txt" or
        "board/x.jsonl"). Pending until :meth:`commit`."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        return self._index(lib.forum_db_index_buffer,
                           (_bytes(name, "name"), raw, len(raw)), None,
                           diagnostics)

    def index_thread(self, id: Text, title: Text,
                     posts: Iterable[Union[Post, Mapping[str, Any]]],
                     board: Optional[Text] = None,
                     source: Optional[Text] = None, date: DateLike = None,
                     diagnostics: Optional[DiagnosticFn] = None
                     ) -> IndexStats:
        """Indexes one thread given as data, without a file: what a
        scraper has in hand. Replaces every post the thread id had.

        ``id`` is the thread id ("board/123": relative, below the root);
        ``board`` defaults to its first component; ``posts`` are
        :class:`Post` objects or mappings with ``floor``, ``text`` and
        optionally ``author`` and ``date`` (a datetime, naive meaning UTC,
        or Unix seconds). Bad input (no title, no posts, a floor twice,
        invalid UTF-8 in bytes given, ...) raises
        :class:`InvalidArgumentError` with the library's message and
        changes nothing. Pending until :meth:`commit`.
        """
        items = [p if isinstance(p, Post) else Post(**p) for p in posts]
        array = (_lib.PostInput * max(len(items), 1))()
        keep = []  # The bytes the C structures point into.
        for i, post in enumerate(items):
            text = _bytes(post.text, "posts[%d].text" % i, allow_nul=True)
            author = _optional_bytes(post.author, "posts[%d].author" % i)
            keep += [text, author]
            floor = post.floor
            if isinstance(floor, bool) or not isinstance(floor, int):
                raise TypeError("posts[%d].floor: an int, not %s"
                                % (i, type(floor).__name__))
            if not -2 ** 31 <= floor < 2 ** 31:
                raise InvalidArgumentError(
                    "posts[%d]: floor %d is out of range" % (i, floor))
            array[i] = _lib.PostInput(
                floor, author, date_to_unix(post.date, "posts[%d].date" % i),
                text, len(text))
        thread = _lib.ThreadInput(
            _lib.THREAD_INPUT_VERSION, _bytes(id, "id"),
            _optional_bytes(title, "title"), _optional_bytes(board, "board"),
            _optional_bytes(source, "source"), date_to_unix(date, "date"),
            array, len(items))
        return self._index(lib.forum_db_index_thread, (byref(thread),),
                           None, diagnostics)

    def remove_thread(self, id: Text) -> int:
        """Deletes every post of a thread; returns how many went."""
        n = c_uint64()
        self._call(lib.forum_db_remove, _lib.REMOVE_THREAD,
                   _bytes(id, "id"), byref(n))
        return n.value

    def remove_file(self, name: Text) -> int:
        """Deletes the posts indexed from one file (root-relative name, as
        :meth:`index_buffer` names it); returns how many went."""
        n = c_uint64()
        self._call(lib.forum_db_remove, _lib.REMOVE_FILE,
                   _bytes(name, "name"), byref(n))
        return n.value

    def commit(self) -> None:
        """Makes every change so far durable and visible to readers."""
        self._call(lib.forum_db_commit)

    def compact(self) -> None:
        """Rewrites the database compactly (a writer only)."""
        self._call(lib.forum_db_compact)


class Results:
    """The result set of one :meth:`Database.search`: the counts at once,
    the hits one at a time (iterating reads the next hit from the C
    result set and makes its snippet; nothing is loaded ahead).

    ``posts`` and ``threads`` are the numbers of matching posts and of
    distinct threads among them (the whole result, not the page).
    Iterate once; :meth:`close` (or the end of a ``with`` block, or
    garbage collection) frees the C query and its result set. A result
    set holds what it shows: a writer committing meanwhile, or closing
    the database, does not disturb it. Safe to share between threads
    (each hit is read whole under a lock).
    """

    def __init__(self, db: Database, query_ptr: int, results_ptr: int,
                 query: str, collapsed: bool,
                 snippet: _lib.SnippetOptions) -> None:
        self.database = db
        self.query = query
        self._query_ptr: Optional[int] = query_ptr
        self._results_ptr = results_ptr
        self._collapsed = collapsed
        self._snippet = snippet
        self._lock = threading.Lock()
        self._done = False
        posts, threads = c_uint64(), c_uint64()
        lib.forum_results_counts(results_ptr, byref(posts), byref(threads))
        self.posts: int = posts.value
        self.threads: int = threads.value

    @property
    def counts(self) -> Tuple[int, int]:
        """(posts, threads)."""
        return self.posts, self.threads

    @property
    def description(self) -> str:
        """The parsed query, e.g. ``AND("川普", "openai")``."""
        with self._lock:
            if self._query_ptr is None:
                raise ClosedError("result set is closed")
            return _str(lib.forum_query_describe(self._query_ptr))

    def __iter__(self) -> Iterator[Hit]:
        return self

    def __next__(self) -> Hit:
        with self._lock:
            if self._done or self._query_ptr is None:
                raise StopIteration
            ptr = self.database._acquire(required=False)
            try:
                hit = POINTER(_lib.Hit)()
                status = lib.forum_results_next(self._results_ptr,
                                                byref(hit))
                if status == _lib.ITER_DONE:
                    self._done = True
                    raise StopIteration
                if status == _lib.OK:
                    snippet, status = self._snippet_of(hit, False)
                if status == _lib.OK:
                    title, status = self._snippet_of(hit, True)
                also = []
                for i in range(hit.contents.n_also if status == _lib.OK
                               else 0):
                    post = ctypes.pointer(hit.contents.also[i])
                    post_snippet, status = self._snippet_of(post, False)
                    if status != _lib.OK:
                        break
                    also.append(self._also(post.contents, post_snippet))
                if status != _lib.OK:
                    self._done = True
                    raise self.database._fail(ptr, status)
                return self._hit(hit.contents, snippet, title, also)
            finally:
                if ptr is not None:
                    self.database._release()

    def _snippet_of(self, hit, of_title: bool):
        out = POINTER(_lib.Snippet)()
        if of_title:
            status = lib.forum_results_title(self._results_ptr, hit,
                                             byref(out))
        else:
            status = lib.forum_results_snippet(self._results_ptr, hit,
                                               byref(self._snippet),
                                               byref(out))
        if status != _lib.OK:
            return None, status
        try:
            s = out.contents
            text = _text.decode(ctypes.string_at(s.text, s.len))
            spans = [(s.marks[i].start, s.marks[i].end)
                     for i in range(s.n_marks)]
            return (text, _text.spans_to_str(text, spans)), _lib.OK
        finally:
            lib.forum_snippet_destroy(out)

    @staticmethod
    def _also(p: _lib.Hit, snippet) -> AlsoPost:
        return AlsoPost(
            floor=p.floor, author=_str(p.author), date=date_from_unix(p.date),
            snippet=snippet[0], highlights=snippet[1],
            text=_text.decode(ctypes.string_at(p.text, p.text_len)))

    def _hit(self, h: _lib.Hit, snippet, title, also) -> Hit:
        return Hit(
            rank=h.rank + 1, thread=_str(h.thread_id), title=title[0],
            board=_str(h.board), floor=h.floor, author=_str(h.author),
            date=date_from_unix(h.date), source=_str(h.source),
            path=_str(h.path), score=h.score,
            thread_matches=h.thread_matches if self._collapsed else None,
            snippet=snippet[0], highlights=snippet[1],
            title_highlights=title[1],
            text=_text.decode(ctypes.string_at(h.text, h.text_len)),
            also=also)

    def close(self) -> None:
        """Frees the C query and result set (the hits already made stay)."""
        with self._lock:
            ptr, self._query_ptr = self._query_ptr, None
        if ptr is not None:
            self.database._destroy_query(ptr)

    def __enter__(self) -> "Results":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        ptr = getattr(self, "_query_ptr", None)
        if ptr is not None:
            self._query_ptr = None
            self.database._destroy_query(ptr)

    def __repr__(self) -> str:
        return "<forumsearch.Results %r: %d posts in %d threads>" % (
            self.query, self.posts, self.threads)


def open(path: PathLike, writable: bool = False,
         wait: bool = False) -> Database:
    """Opens the database at ``path``; use it in a ``with`` block.

    ``writable=True`` creates the database when missing and takes the
    writer's lock: a second writer raises :class:`LockedError`, unless
    ``wait=True``, which waits for the other writer to finish.
    """
    return Database(path, writable=writable, wait=wait)


def create(path: PathLike, shards: int = 0) -> None:
    """Creates an empty database of ``shards`` shards (0: one per CPU) at
    ``path``, which must not exist or be an empty directory."""
    err = c_void_p()
    status = lib.forum_db_create(os.fsencode(path), _count(shards, "shards"),
                                 byref(err))
    message = _errmsg(err)
    if status != _lib.OK:
        raise error_for(status, message)


def normalize(text: Text) -> str:
    """``text`` as the index sees it: NFKC, case folded, Traditional to
    Simplified, runs of white space as one space."""
    raw = _bytes(text, "text", allow_nul=True)
    out, n = c_void_p(), c_size_t()
    status = lib.forum_normalize(byref(out), byref(n), raw, len(raw))
    if status != _lib.OK:
        raise error_for(status)
    try:
        return _text.decode(ctypes.string_at(out.value, n.value))
    finally:
        lib.forum_free(out)
