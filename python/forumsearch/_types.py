"""The plain data the package hands out and takes in."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Union

from . import _lib

UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)

#: A date as the package accepts it: an aware ``datetime`` (a naive one is
#: taken as UTC, as the JSON Lines format takes a date without a zone),
#: Unix seconds, or None for "unknown".
DateLike = Union[_dt.datetime, _dt.date, int, float, None]
Text = Union[str, bytes]


def date_from_unix(seconds: int) -> Optional[_dt.datetime]:
    """Unix seconds as an aware UTC datetime; None for the library's
    "unknown" and for what datetime cannot show (as the CLI prints
    ``null`` for a date it cannot format)."""
    if seconds == _lib.NO_DATE:
        return None
    try:
        return _EPOCH + _dt.timedelta(seconds=seconds)
    except OverflowError:
        return None


def date_to_unix(value: DateLike, what: str) -> int:
    """The library's int64 for a date argument (INT64_MIN for None)."""
    if value is None:
        return _lib.NO_DATE
    if isinstance(value, bool):
        raise TypeError("%s: a date, not a bool" % what)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int((value - _EPOCH) // _dt.timedelta(seconds=1))
    if isinstance(value, _dt.date):
        return date_to_unix(_dt.datetime(value.year, value.month, value.day,
                                         tzinfo=UTC), what)
    raise TypeError("%s: a datetime, date, Unix seconds or None, not %s"
                    % (what, type(value).__name__))


@dataclass(frozen=True)
class Hit:
    """One search result: the fields of ``forum-search --json``.

    ``highlights`` are ``(start, end)`` indices into ``snippet`` (Python
    ``str`` indices, so ``snippet[start:end]`` is the matched text) and
    ``title_highlights`` the same into ``title``. ``date`` is an aware
    UTC ``datetime``, or None when unknown. ``rank`` counts from 1 over
    the whole result list (an offset shifts it). ``thread_matches`` is
    the number of matching posts of the thread when hits are collapsed by
    thread, None with ``posts=True``. ``text`` is the whole post text.
    In thread scope (``scope="thread"``), ``also`` holds the thread's
    other posts shown with this one, in floor order: for each word this
    post lacks, the best post that has it (``"also"`` in
    ``forum-search --json``); otherwise it is empty.
    """
    rank: int
    thread: str
    title: str
    board: str
    floor: int
    author: str
    date: Optional[_dt.datetime]
    source: str
    path: str
    score: float
    thread_matches: Optional[int]
    snippet: str
    highlights: List[Tuple[int, int]]
    title_highlights: List[Tuple[int, int]]
    text: str = field(repr=False)
    also: List["AlsoPost"] = field(default_factory=list)

    def marked(self, open: str = "[", close: str = "]") -> str:
        """The snippet with every highlight wrapped in open/close."""
        out, pos = [], 0
        for start, end in self.highlights:
            out += [self.snippet[pos:start], open, self.snippet[start:end],
                    close]
            pos = end
        out.append(self.snippet[pos:])
        return "".join(out)


@dataclass
class AlsoPost:
    """A post shown with a thread-scope :class:`Hit`: its floor, author,
    date, snippet with ``highlights`` (``str`` indices) and whole text."""
    floor: int
    author: str
    date: Optional[_dt.datetime]
    snippet: str
    highlights: List[Tuple[int, int]]
    text: str = field(repr=False)


@dataclass
class Post:
    """One post of a thread given as data (:meth:`Database.index_thread`):
    floor 0 is the article, 1 to 1,000,000 the replies."""
    floor: int
    text: Text
    author: Optional[Text] = None
    date: DateLike = None


@dataclass(frozen=True)
class IndexStats:
    """What an indexing call did (``forum_index_stats_t``)."""
    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_skipped: int = 0
    files_removed: int = 0
    threads: int = 0
    posts: int = 0
    text_bytes: int = 0
    warnings: int = 0
    errors: int = 0
    files_kept: int = 0

    @classmethod
    def _from_c(cls, c: _lib.IndexStats) -> "IndexStats":
        return cls(**{name: getattr(c, name) for name, _ in c._fields_})


@dataclass(frozen=True)
class Diagnostic:
    """A problem found in an input file: ``path:line: message``."""
    path: str
    line: int
    is_error: bool
    message: str

    def __str__(self) -> str:
        kind = "error" if self.is_error else "warning"
        where = "%s:%d" % (self.path, self.line) if self.line else self.path
        return "%s: %s: %s" % (where, kind, self.message)


@dataclass(frozen=True)
class ThreadPost:
    """One post of a :class:`Thread`, in floor order. ``highlights`` are
    ``(start, end)`` str indices into ``text`` (the whole post) of the
    query's matches, empty without a query."""
    floor: int
    author: str
    date: Optional[_dt.datetime]
    text: str = field(repr=False)
    highlights: List[Tuple[int, int]]
    index: int


@dataclass(frozen=True)
class Thread:
    """A whole thread read with :meth:`Database.thread`: every post, from
    one revision of the database. ``date`` is the thread's (its last
    reply, when the file says); ``title_highlights`` the query's matches
    in ``title``."""
    thread: str
    title: str
    board: str
    source: str
    path: str
    date: Optional[_dt.datetime]
    title_highlights: List[Tuple[int, int]]
    posts: List[ThreadPost]
