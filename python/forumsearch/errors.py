"""The exceptions of :mod:`forumsearch`: one class per ``forum_status_t``.

Every failure of the library raises a subclass of :class:`Error` carrying
the library's own message (``forum_db_last_error()``) and its status; a
malformed query raises :class:`QueryError` with the column the message
names, as ``forum-search`` prints them.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

from . import _lib


class Error(Exception):
    """A failure reported by libforumsearch.

    ``message`` is the library's message, ``status`` the ``forum_status_t``
    value (see the ``STATUS`` attribute of each subclass).
    """

    STATUS: Optional[int] = None

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = self.STATUS if status is None else status

    def __str__(self) -> str:
        return self.message


class NotFoundError(Error):
    """No database at that place (FORUM_ENOTFOUND)."""
    STATUS = _lib.ENOTFOUND


class LockedError(Error):
    """Another process is writing the database (FORUM_ELOCKED)."""
    STATUS = _lib.ELOCKED


class ModifiedError(Error):
    """The database kept changing under a search (FORUM_EMODIFIED)."""
    STATUS = _lib.EMODIFIED


class QueryError(Error, ValueError):
    """A malformed query (FORUM_EQUERY).

    ``message`` reads as ``forum-search`` prints it after "bad query: "
    (e.g. ``column 4: unbalanced quote``); ``column`` is that column,
    1-based, in characters of the query string (so ``query[column - 1]``
    is where the problem was found).
    """
    STATUS = _lib.EQUERY

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column


class ParseError(Error):
    """Nothing in the input could be indexed (FORUM_EPARSE)."""
    STATUS = _lib.EPARSE


class OutOfMemoryError(Error, MemoryError):
    """The library ran out of memory (FORUM_ENOMEM)."""
    STATUS = _lib.ENOMEM


class DatabaseIOError(Error, OSError):
    """A file system error or a corrupt database (FORUM_EIO)."""
    STATUS = _lib.EIO


class InvalidArgumentError(Error, ValueError):
    """A bad argument or bad input data (FORUM_EINVAL)."""
    STATUS = _lib.EINVAL


class InternalError(Error):
    """A bug, or an error of a library forumsearch uses (FORUM_EINTERNAL)."""
    STATUS = _lib.EINTERNAL


class CancelledError(Error):
    """The progress callback stopped an indexing run (FORUM_ECANCELLED).

    The files indexed before are committed; ``stats`` says what was done.
    """
    STATUS = _lib.ECANCELLED
    stats = None


class ClosedError(Error):
    """The database handle was closed (FORUM_ECLOSED)."""
    STATUS = _lib.ECLOSED


class UnavailableError(Error):
    """A remote shard cannot be reached or did not answer in time
    (FORUM_EUNAVAILABLE); the message names it."""
    STATUS = _lib.EUNAVAILABLE


_BY_STATUS: Dict[int, Type[Error]] = {
    cls.STATUS: cls for cls in (
        NotFoundError, LockedError, ModifiedError, QueryError, ParseError,
        OutOfMemoryError, DatabaseIOError, InvalidArgumentError,
        InternalError, CancelledError, ClosedError, UnavailableError)}


def status_text(status: int) -> str:
    """The library's short description of a status."""
    return _lib.lib.forum_status_to_string(status).decode("utf-8", "replace")


def error_for(status: int, message: Optional[str] = None,
              column: int = 0) -> Error:
    """The exception for a failed call: its class by status, the message
    (or the status's description when the library gave none)."""
    if not message:
        message = status_text(status)
    cls = _BY_STATUS.get(status, Error)
    if cls is QueryError:
        return QueryError(message, column)
    return cls(message, status)
