"""Loading libforumsearch and declaring its C API to ctypes.

The structures here mirror ``<forumsearch.h>`` field for field; the
library's version is checked when it is loaded. Nothing in this module is
public: use the names exported by :mod:`forumsearch`.

Where the library comes from, first match wins:

1. ``FORUMSEARCH_LIBRARY``: the path of a ``libforumsearch.so`` (a build
   tree, a test, another installation);
2. the library installed next to this package by ``cmake --install``
   (``_install_paths.py``, written at install time, holds the relative
   way from the package to the library directory, so a moved prefix
   still works);
3. ``ctypes.util.find_library("forumsearch")``: the dynamic linker's
   search path (``ldconfig``, ``LD_LIBRARY_PATH``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char_p, c_double,
                    c_int, c_int64, c_size_t, c_uint, c_uint32, c_uint64,
                    c_void_p)
from typing import List

# The oldest library this package can drive: forum_db_index_thread()
# appeared in 0.1.0 (FORUM_VERSION_NUMBER 100).
MIN_VERSION_NUMBER = 100

# forum_status_t
OK = 0
ITER_DONE = 1
ENOTFOUND = 2
ELOCKED = 3
EMODIFIED = 4
EQUERY = 5
EPARSE = 6
ENOMEM = 7
EIO = 8
EINVAL = 9
EINTERNAL = 10
ECANCELLED = 11
ECLOSED = 12
EUNAVAILABLE = 13

# forum_db_mode_t, forum_sort_t, forum_remove_kind_t, forum_severity_t
DB_READ, DB_WRITE, DB_WRITE_WAIT = 0, 1, 2
SORT_RELEVANCE, SORT_DATE, SORT_FLOOR = 0, 1, 2
SCOPE_POST, SCOPE_THREAD = 0, 1
REMOVE_FILE, REMOVE_THREAD = 0, 1
WARNING, ERROR = 0, 1

INDEX_OPTIONS_VERSION = 2
SEARCH_OPTIONS_VERSION = 2
SNIPPET_OPTIONS_VERSION = 1
THREAD_INPUT_VERSION = 1

NO_DATE = -(2 ** 63)  # INT64_MIN: "unknown" in forum_hit_t.date

DIAG_FN = CFUNCTYPE(None, c_void_p, c_char_p, c_size_t, c_int, c_char_p)
PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint64)


class IndexOptions(Structure):
    _fields_ = [("version", c_uint), ("commit_every_files", c_uint),
                ("force", c_bool), ("diag", DIAG_FN),
                ("diag_payload", c_void_p), ("progress", PROGRESS_FN),
                ("progress_payload", c_void_p)]


class IndexStats(Structure):
    _fields_ = [(name, c_uint64) for name in (
        "files_seen", "files_indexed", "files_unchanged", "files_skipped",
        "files_removed", "threads", "posts", "text_bytes", "warnings",
        "errors", "files_kept")]


class SearchOptions(Structure):
    _fields_ = [("version", c_uint), ("sort", c_int),
                ("collapse_threads", c_bool), ("offset", c_size_t),
                ("limit", c_size_t), ("exact_counts", c_bool),
                ("scope", c_int)]


class Hit(Structure):
    pass


# Thread scope: also points at the hit's other posts (forum_hit_t).
Hit._fields_ = [("thread_id", c_char_p), ("title", c_char_p),
                ("board", c_char_p), ("author", c_char_p),
                ("source", c_char_p), ("path", c_char_p),
                ("text", c_void_p), ("text_len", c_size_t),
                ("floor", c_int), ("date", c_int64), ("score", c_double),
                ("thread_matches", c_uint64), ("rank", c_uint32),
                ("also", POINTER(Hit)), ("n_also", c_size_t)]


class Span(Structure):
    _fields_ = [("start", c_size_t), ("end", c_size_t)]


class Snippet(Structure):
    _fields_ = [("text", c_void_p), ("len", c_size_t),
                ("marks", POINTER(Span)), ("n_marks", c_size_t)]


class SnippetOptions(Structure):
    _fields_ = [("version", c_uint), ("max_chars", c_size_t),
                ("max_fragments", c_size_t)]


class PostInput(Structure):
    _fields_ = [("floor", c_int), ("author", c_char_p), ("date", c_int64),
                ("text", c_char_p), ("text_len", c_size_t)]


class ThreadInput(Structure):
    _fields_ = [("version", c_uint), ("id", c_char_p), ("title", c_char_p),
                ("board", c_char_p), ("source", c_char_p),
                ("date", c_int64), ("posts", POINTER(PostInput)),
                ("n_posts", c_size_t)]


class ThreadInfo(Structure):
    _fields_ = [("thread_id", c_char_p), ("title", c_char_p),
                ("board", c_char_p), ("source", c_char_p),
                ("path", c_char_p), ("date", c_int64),
                ("n_posts", c_size_t), ("title_marks", POINTER(Span)),
                ("n_title_marks", c_size_t)]


class ThreadPost(Structure):
    _fields_ = [("floor", c_int), ("author", c_char_p), ("date", c_int64),
                ("text", c_void_p), ("text_len", c_size_t),
                ("marks", POINTER(Span)), ("n_marks", c_size_t),
                ("index", c_size_t)]


db_p = c_void_p
status_t = c_int

# name: (restype, argtypes); every function the package calls.
_PROTOTYPES = {
    "forum_status_to_string": (c_char_p, [status_t]),
    "forum_version_string": (c_char_p, []),
    "forum_version_number": (c_uint, []),
    "forum_dependency_versions": (c_char_p, []),
    "forum_free": (None, [c_void_p]),
    "forum_index_options_init": (status_t, [POINTER(IndexOptions), c_uint]),
    "forum_search_options_init": (status_t, [POINTER(SearchOptions), c_uint]),
    "forum_db_open": (status_t, [POINTER(db_p), c_char_p, c_int,
                                 POINTER(c_void_p)]),
    "forum_db_create": (status_t, [c_char_p, c_uint, POINTER(c_void_p)]),
    "forum_db_shard_count": (status_t, [db_p, POINTER(c_uint)]),
    "forum_db_close": (status_t, [db_p]),
    "forum_db_destroy": (None, [db_p]),
    "forum_db_warning": (c_char_p, [db_p]),
    "forum_db_last_error": (c_char_p, [db_p]),
    "forum_db_last_error_column": (c_size_t, [db_p]),
    "forum_db_commit": (status_t, [db_p]),
    "forum_db_compact": (status_t, [db_p]),
    "forum_db_post_count": (status_t, [db_p, POINTER(c_uint64)]),
    "forum_db_index_path": (status_t, [db_p, c_char_p,
                                       POINTER(IndexOptions),
                                       POINTER(IndexStats)]),
    "forum_db_index_buffer": (status_t, [db_p, c_char_p, c_char_p, c_size_t,
                                         POINTER(IndexOptions),
                                         POINTER(IndexStats)]),
    "forum_db_index_thread": (status_t, [db_p, POINTER(ThreadInput),
                                         POINTER(IndexOptions),
                                         POINTER(IndexStats)]),
    "forum_db_remove": (status_t, [db_p, c_int, c_char_p,
                                   POINTER(c_uint64)]),
    "forum_query_create": (status_t, [POINTER(c_void_p), db_p, c_char_p,
                                      c_size_t, POINTER(SearchOptions)]),
    "forum_query_describe": (c_char_p, [c_void_p]),
    "forum_query_destroy": (None, [c_void_p]),
    "forum_query_run": (status_t, [c_void_p, POINTER(c_void_p)]),
    "forum_results_counts": (None, [c_void_p, POINTER(c_uint64),
                                    POINTER(c_uint64)]),
    "forum_results_next": (status_t, [c_void_p, POINTER(POINTER(Hit))]),
    "forum_results_destroy": (None, [c_void_p]),
    "forum_results_snippet": (status_t, [c_void_p, POINTER(Hit),
                                         POINTER(SnippetOptions),
                                         POINTER(POINTER(Snippet))]),
    "forum_results_title": (status_t, [c_void_p, POINTER(Hit),
                                       POINTER(POINTER(Snippet))]),
    "forum_snippet_destroy": (None, [POINTER(Snippet)]),
    "forum_normalize": (status_t, [POINTER(c_void_p), POINTER(c_size_t),
                                   c_char_p, c_size_t]),
}


class LibraryNotFound(OSError):
    """libforumsearch could not be found or is too old."""


def _candidates() -> List[str]:
    found = []
    env = os.environ.get("FORUMSEARCH_LIBRARY")
    if env:
        return [env]  # An explicit choice is not second-guessed.
    try:
        from . import _install_paths  # type: ignore[attr-defined]
        here = os.path.dirname(os.path.abspath(__file__))
        found.append(os.path.normpath(os.path.join(
            here, _install_paths.LIBDIR_FROM_PACKAGE,
            _install_paths.LIBRARY_NAME)))
    except ImportError:
        pass  # Not installed by cmake: a source tree or a copy.
    name = ctypes.util.find_library("forumsearch")
    if name:
        found.append(name)
    return found


def _load() -> ctypes.CDLL:
    tried = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        break
    else:
        raise LibraryNotFound(
            "libforumsearch not found (tried: %s); install it, or set "
            "FORUMSEARCH_LIBRARY to the path of libforumsearch.so"
            % ("; ".join(tried) or "FORUMSEARCH_LIBRARY unset, "
               "no installed copy, find_library found nothing"))
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise LibraryNotFound(
                "%s lacks %s(): libforumsearch %s is too old for this "
                "package" % (path, name, _version_of(lib))) from None
        fn.restype = restype
        fn.argtypes = argtypes
    if lib.forum_version_number() < MIN_VERSION_NUMBER:
        raise LibraryNotFound("%s is libforumsearch %s; this package needs "
                              "%d or later" % (path, _version_of(lib),
                                               MIN_VERSION_NUMBER))
    lib.path = path
    return lib


def _version_of(lib: ctypes.CDLL) -> str:
    try:
        fn = lib.forum_version_string
        fn.restype = c_char_p
        return fn().decode()
    except (AttributeError, OSError):
        return "(unknown version)"


lib = _load()


def optional(name: str, restype, argtypes):
    """A function newer libraries have, or None when this one lacks it."""
    fn = getattr(lib, name, None)
    if fn is not None:
        fn.restype = restype
        fn.argtypes = argtypes
    return fn


# Reading a whole thread (forum_db_thread_open(), libforumsearch with
# the thread reader): None when the library predates it.
thread_open = optional("forum_db_thread_open", c_int,
                       [POINTER(c_void_p), c_void_p, c_char_p, c_void_p])
thread_info = optional("forum_thread_info", POINTER(ThreadInfo), [c_void_p])
thread_next_post = optional("forum_thread_next_post", c_int,
                            [c_void_p, POINTER(POINTER(ThreadPost))])
thread_destroy = optional("forum_thread_destroy", None, [c_void_p])
