/* SPDX-License-Identifier: MIT */
/**
 * @file forumsearch.h
 * @brief libforumsearch: full-text search for forum threads (C API).
 *
 * One Xapian document per post; Chinese text is searched by exact
 * substring (a query finds every post whose normalized text contains it),
 * ranked by BM25 with boosts for titles and for matches that fall on
 * word boundaries.
 *
 * Conventions:
 * - Every fallible call returns a forum_status_t; FORUM_OK is 0.
 * - Text is UTF-8 given as (pointer, length); it need not be
 *   NUL-terminated. Offsets are byte offsets into the text you passed.
 * - A `T **out` result is the caller's and is freed with forum_T_destroy();
 *   `const` pointers returned by the library are borrowed from their parent
 *   handle and stay valid until the call noted in the function's comment.
 * - Destructors accept NULL and never fail.
 * - Ownership: a result set belongs to the query that ran it, a query to
 *   the database handle it was made from. forum_query_destroy() frees
 *   the query's result sets; forum_db_destroy() may come before or after
 *   forum_query_destroy() (see both). Snippets are the caller's alone.
 * - Threads: a database handle may be shared across threads. Every call
 *   on it, and on the queries and result sets made from it, takes that
 *   handle's lock: calls on one handle are serialized, one at a time
 *   (a long search holds the others up). Open one handle per thread to
 *   search in parallel. forum_db_last_error() is kept per thread. No
 *   thread may use a handle once it is destroyed (a database handle's
 *   queries may, see forum_db_destroy()), nor destroy one another thread
 *   is using. A forum_tokenizer_t is used by one thread at a time;
 *   forum_normalize() may be called from any thread.
 */
#ifndef FORUMSEARCH_H
#define FORUMSEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define FORUM_BEGIN_DECLS extern "C" {
#define FORUM_END_DECLS }
#else
#define FORUM_BEGIN_DECLS
#define FORUM_END_DECLS
#endif

#if defined(__GNUC__)
#define FORUM_API __attribute__((visibility("default")))
#else
#define FORUM_API
#endif

#define FORUM_VERSION_MAJOR 0
#define FORUM_VERSION_MINOR 1
#define FORUM_VERSION_PATCH 0
/** The version as one number, major*10000 + minor*100 + patch (0.1.0 is
 *  100; 1.2.3 is 10203): compare it with forum_version_number(), the
 *  version of the library running. */
#define FORUM_VERSION_NUMBER                                                \
    (FORUM_VERSION_MAJOR * 10000 + FORUM_VERSION_MINOR * 100 +              \
     FORUM_VERSION_PATCH)
#define FORUM_CHECK_VERSION(major, minor, patch)                            \
    (FORUM_VERSION_MAJOR > (major) ||                                       \
     (FORUM_VERSION_MAJOR == (major) && FORUM_VERSION_MINOR > (minor)) ||   \
     (FORUM_VERSION_MAJOR == (major) && FORUM_VERSION_MINOR == (minor) &&   \
      FORUM_VERSION_PATCH >= (patch)))

FORUM_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Status                                                             */
/* ------------------------------------------------------------------ */

/** Result of every fallible call. */
typedef enum forum_status {
    FORUM_OK = 0,
    FORUM_ITER_DONE,  /**< An iterator has no more items (not an error). */
    FORUM_ENOTFOUND,  /**< No database (or document) at that place. */
    FORUM_ELOCKED,    /**< Another process is writing the database. */
    FORUM_EMODIFIED,  /**< The database changed under a reader; retry. */
    FORUM_EQUERY,     /**< The query string is malformed. */
    FORUM_EPARSE,     /**< An input file could not be parsed at all. */
    FORUM_ENOMEM,     /**< Out of memory. */
    FORUM_EIO,        /**< File system error or a corrupt database. */
    FORUM_EINVAL,     /**< A bad argument. */
    FORUM_EINTERNAL,  /**< A bug, or an error from a library we use. */
    FORUM_ECANCELLED, /**< The caller's progress callback asked to stop. */
    FORUM_ECLOSED,    /**< The database handle was closed
                           (forum_db_close(), forum_db_destroy()). */
    FORUM_EUNAVAILABLE, /**< A remote shard cannot be reached or did not
                             answer in time; the message names it. */
    FORUM_STATUS_LAST
} forum_status_t;

/** A short English description of a status ("database is locked").
 *  Never NULL; the string is static. */
FORUM_API const char *forum_status_to_string(forum_status_t status);

/** "0.1.0". Static string. */
FORUM_API const char *forum_version_string(void);

/** The library's version as FORUM_VERSION_NUMBER counts it (100 for
 *  0.1.0): the library running, which may be newer than the header a
 *  program was compiled with. */
FORUM_API unsigned forum_version_number(void);

/** Versions of the libraries in use: "Xapian 1.4.22, ICU 72.1, zstd 1.5.4".
 *  Static. */
FORUM_API const char *forum_dependency_versions(void);

/** Frees memory the library allocated for the caller (error messages,
 *  normalized text). Accepts NULL. */
FORUM_API void forum_free(void *ptr);

/* ------------------------------------------------------------------ */
/* Opaque types                                                       */
/* ------------------------------------------------------------------ */

typedef struct forum_db forum_db_t;
typedef struct forum_query forum_query_t;
typedef struct forum_results forum_results_t;
typedef struct forum_tokenizer forum_tokenizer_t;

/* ------------------------------------------------------------------ */
/* Diagnostics about input files                                      */
/* ------------------------------------------------------------------ */

typedef enum forum_severity {
    FORUM_WARNING = 0, /**< Something odd; nothing was lost. */
    FORUM_ERROR = 1    /**< Part of the input (a post or a file) was skipped. */
} forum_severity_t;

/**
 * Receives one problem found in an input file. @p path is the file as the
 * caller named it, @p line is 1-based (0 when the whole file is meant).
 * The strings are valid only during the call.
 */
typedef void (*forum_diag_fn)(void *payload, const char *path, size_t line,
                              forum_severity_t severity, const char *message);

/* ------------------------------------------------------------------ */
/* Options                                                            */
/* ------------------------------------------------------------------ */

#define FORUM_INDEX_OPTIONS_VERSION 2

/** Options for forum_db_index_path() and forum_db_index_buffer(). */
typedef struct forum_index_options {
    unsigned int version;      /**< FORUM_INDEX_OPTIONS_VERSION. */
    /** Commit after this many files (0 = only at the end). */
    unsigned int commit_every_files;
    /** Re-index files even when their size and mtime are unchanged. */
    bool force;
    /** Where problems with input files go (NULL: dropped). */
    forum_diag_fn diag;
    void *diag_payload;
    /** Called after each file: files done, files in total (0 if unknown).
     *  Returning nonzero cancels the run: the files indexed so far are
     *  committed (whole files only), files that vanished are not looked
     *  for, and the call returns FORUM_ECANCELLED. */
    int (*progress)(void *payload, uint64_t done, uint64_t total);
    void *progress_payload;
} forum_index_options_t;

#define FORUM_INDEX_OPTIONS_INIT {FORUM_INDEX_OPTIONS_VERSION, 200, false, \
                                  NULL, NULL, NULL, NULL}

/** Fills @p opts with the defaults. Returns FORUM_EINVAL for an unknown
 *  @p version. */
FORUM_API forum_status_t forum_index_options_init(forum_index_options_t *opts,
                                                  unsigned int version);

/** What one indexing run did. */
typedef struct forum_index_stats {
    uint64_t files_seen;      /**< Thread files found under the paths. */
    uint64_t files_indexed;   /**< Parsed and (re)written. */
    uint64_t files_unchanged; /**< Skipped because size+mtime matched. */
    uint64_t files_skipped;   /**< Unreadable or unparseable. */
    uint64_t files_removed;   /**< Gone from disk; their posts deleted. */
    uint64_t threads;         /**< Threads written. */
    uint64_t posts;           /**< Posts (documents) written. */
    uint64_t text_bytes;      /**< Bytes of post text analysed. */
    uint64_t warnings;        /**< Diagnostics of FORUM_WARNING. */
    uint64_t errors;          /**< Diagnostics of FORUM_ERROR. */
    /** Files indexed before that could not be read this time (under a
     *  directory that cannot be listed, or unreadable): their posts are
     *  kept as they were, and each is also counted as an error. */
    uint64_t files_kept;
} forum_index_stats_t;

/** Orders of hits. Each is one total order: what it leaves equal (scores,
 *  dates) is ordered by thread id, then floor (byte order), so a page
 *  (offset, limit) is always the same slice of one list, whatever the
 *  limit and offset. */
typedef enum forum_sort {
    FORUM_SORT_RELEVANCE = 0, /**< Best match first (see forum_hit_t.score). */
    FORUM_SORT_DATE,          /**< Newest first; posts without a date last. */
    FORUM_SORT_FLOOR          /**< Thread order: by thread id, then floor. */
} forum_sort_t;

/** What one hit is, and what the query's words must be found in. */
typedef enum forum_scope {
    /** A post matches when it holds the whole query (the article counts
     *  its thread title); hits are posts, or their threads when
     *  collapsing. */
    FORUM_SCOPE_POST = 0,
    /** A thread matches when its posts together hold the query: each
     *  word, phrase or title: part may be in a different post. The
     *  filters of the top level (author:, board:, thread:, floor:,
     *  date: ANDed with the rest) keep their per-post meaning: only the
     *  posts that pass them count. Other filters (under OR or NOT) hold
     *  for a thread when one of those posts passes them. A query of
     *  filters only is searched in post scope. Hits are threads (never
     *  more than one per thread, whatever collapse_threads says), each
     *  showing its best post and, in forum_hit_t.also, the best post of
     *  each other word. At most 64 words and filters. */
    FORUM_SCOPE_THREAD = 1
} forum_scope_t;

/** 2 added forum_search_options_t.scope; version 1 structs are still
 *  accepted (scope is then FORUM_SCOPE_POST). */
#define FORUM_SEARCH_OPTIONS_VERSION 2

/** Options for forum_query_create(). */
typedef struct forum_search_options {
    unsigned int version;  /**< FORUM_SEARCH_OPTIONS_VERSION. */
    forum_sort_t sort;
    /** One hit per thread (its first post in the sort order) instead of
     *  one per post. */
    bool collapse_threads;
    size_t offset;         /**< Hits to skip. */
    size_t limit;          /**< Hits to return at most. */
    /** Count every match exactly (forum_results_counts()). When false,
     *  the counts are estimates and a search only does the work its page
     *  of hits needs, which is faster for common words; except threads
     *  ranked by relevance, which always look at every match (a thread's
     *  score counts its matching posts). */
    bool exact_counts;
    /** FORUM_SCOPE_POST (the default) or FORUM_SCOPE_THREAD. @since 2 */
    forum_scope_t scope;
} forum_search_options_t;

#define FORUM_SEARCH_OPTIONS_INIT {FORUM_SEARCH_OPTIONS_VERSION, \
                                   FORUM_SORT_RELEVANCE, true, 0, 10, true, \
                                   FORUM_SCOPE_POST}

/** Fills @p opts with the defaults. FORUM_EINVAL for an unknown version. */
FORUM_API forum_status_t forum_search_options_init(
    forum_search_options_t *opts, unsigned int version);

/* ------------------------------------------------------------------ */
/* Database                                                           */
/* ------------------------------------------------------------------ */

typedef enum forum_db_mode {
    FORUM_DB_READ = 0,       /**< Search only. */
    FORUM_DB_WRITE = 1,      /**< Create if missing; index and search. */
    FORUM_DB_WRITE_WAIT = 2  /**< As WRITE, but wait for another writer. */
} forum_db_mode_t;

/**
 * Opens the database at @p path.
 *
 * @param[out] out     the new handle, freed with forum_db_destroy().
 * @param path         a directory (created for the write modes).
 * @param mode         see forum_db_mode_t.
 * @param[out] errmsg  optional; on failure a message the caller frees
 *                     with forum_free(), else set to NULL.
 * @return FORUM_OK; FORUM_ENOTFOUND (no database there: nothing or an
 *         empty directory in read mode, a file, a directory holding other
 *         things; @p errmsg names the path and says which); FORUM_ELOCKED
 *         (another writer, FORUM_DB_WRITE); FORUM_EIO (corrupt or
 *         unreadable); FORUM_ENOMEM; FORUM_EINVAL.
 */
FORUM_API forum_status_t forum_db_open(forum_db_t **out, const char *path,
                                       forum_db_mode_t mode, char **errmsg);

/** forum_db_open_with() options. */
#define FORUM_OPEN_OPTIONS_VERSION 1

typedef struct forum_open_options {
    unsigned int version;  /**< FORUM_OPEN_OPTIONS_VERSION. */
    /** How long to wait for a remote shard, in milliseconds: to connect,
     *  and for each of its replies. 0: Xapian's default, 10000. */
    unsigned int remote_timeout_ms;
    /** Remote shards that cannot be reached are left out instead of
     *  failing the open or the search: results then come from the other
     *  shards (counts and ranks as if the missing shards were empty) and
     *  forum_results_missing_shards() names what is missing. At least
     *  one shard must answer. */
    bool partial;
} forum_open_options_t;

#define FORUM_OPEN_OPTIONS_INIT {FORUM_OPEN_OPTIONS_VERSION, 0, false}

/**
 * forum_db_open() with options. A database's XAPIANDB stub may list
 * remote shards ("remote HOST:PORT" or "remote tcp HOST PORT", each
 * served by Xapian's xapian-tcpsrv) along with local ones ("auto PATH");
 * such a database is searched as one, with the results of one database
 * holding the same threads. It can only be opened FORUM_DB_READ: a
 * remote shard is indexed on its own machine.
 *
 * @param opts  NULL for FORUM_OPEN_OPTIONS_INIT.
 * @return as forum_db_open(), and FORUM_EUNAVAILABLE (a remote shard
 *         is unreachable and @p opts does not ask for partial results;
 *         @p errmsg names it, "shard K of N (remote HOST:PORT)");
 *         FORUM_EINVAL also for a write mode on a stub with remote
 *         shards, or an unknown options version.
 */
FORUM_API forum_status_t forum_db_open_with(forum_db_t **out,
                                            const char *path,
                                            forum_db_mode_t mode,
                                            const forum_open_options_t *opts,
                                            char **errmsg);

/** How many shards the database has (see forum_db_create()).
 *  @return FORUM_OK; FORUM_ECLOSED; FORUM_EINVAL. */
FORUM_API forum_status_t forum_db_shard_count(forum_db_t *db,
                                              unsigned *out);

/** The most shards forum_db_create() makes. */
#define FORUM_MAX_SHARDS 64

/**
 * Creates an empty database at @p path (which must not exist, or be an
 * empty directory) split into @p shards shards: glass databases that
 * forum_db_index_path() fills in parallel, one thread per shard, and that
 * searches read as one. A thread always lives in shard
 * FNV-1a-64(thread id) mod @p shards. 0 means one shard per online CPU.
 * forum_db_open() in a write mode creates a database of one shard.
 * @param[out] errmsg  as forum_db_open().
 * @return FORUM_OK; FORUM_EINVAL (exists, or too many shards);
 *         FORUM_EIO; FORUM_ENOMEM.
 */
FORUM_API forum_status_t forum_db_create(const char *path, unsigned shards,
                                         char **errmsg);

/**
 * Commits pending changes (write modes) and releases the database: its
 * files and the writer's lock. The handle stays, closed: every call that
 * needs the database fails with FORUM_ECLOSED from then on (post counts,
 * commit, compact, indexing, forum_query_create(), forum_query_run() of
 * queries made before, closing again), with a message naming the path.
 * Result sets made before stay readable (they hold what they show);
 * forum_db_last_error() and forum_db_warning() keep working. The handle
 * must still be passed to forum_db_destroy().
 * @return FORUM_OK; FORUM_EIO when the final commit failed (the database
 *         then holds the last successful commit; the handle is closed
 *         all the same); FORUM_ECLOSED.
 */
FORUM_API forum_status_t forum_db_close(forum_db_t *db);

/**
 * Frees the handle. Changes not committed by forum_db_commit() or
 * forum_db_close() are discarded, and a writer's lock is released.
 *
 * Queries may outlive it (like SQLite's sqlite3_close_v2()): the handle
 * is then closed at once, and its memory goes with the last of its
 * queries to be destroyed. Meanwhile those queries' runs fail with
 * FORUM_ECLOSED and their result sets stay readable, from any thread.
 * Either way, @p db itself must not be used after this call, by any
 * thread (not even forum_db_last_error()).
 */
FORUM_API void forum_db_destroy(forum_db_t *db);

/** A warning found when opening @p db ("" if none), e.g. that it was
 *  indexed with another ICU version. Borrowed, valid until destroy. */
FORUM_API const char *forum_db_warning(const forum_db_t *db);

/** The message of the calling thread's last call that returned a status
 *  on @p db, or on a query or result set made from it: "" when that call
 *  succeeded. Each thread reads its own. Borrowed: valid until this
 *  thread's next such call, or forum_db_destroy(). */
FORUM_API const char *forum_db_last_error(const forum_db_t *db);

/** Makes all changes so far durable and visible to readers.
 *  @return FORUM_OK, FORUM_EIO, FORUM_EINVAL (read-only handle),
 *          FORUM_ECLOSED. */
FORUM_API forum_status_t forum_db_commit(forum_db_t *db);

/**
 * Rewrites the database compactly (Xapian's compaction: about half the
 * size after a full build) and switches to the new copy atomically;
 * searches running meanwhile are not disturbed. Needs a write handle and
 * time and disk space proportional to the database.
 * @return FORUM_OK; FORUM_EIO; FORUM_EINVAL (read-only handle, or a
 *         database laid out before compaction existed); FORUM_ECLOSED.
 */
FORUM_API forum_status_t forum_db_compact(forum_db_t *db);

/**
 * Whether forum_db_compact() is due: the database's files are twice
 * their size after its last compaction (changes land in half-full
 * blocks), or it was never compacted and holds posts (a first build). forum-index compacts when it is due, so an
 * embedder that indexes can follow the same rule: index, commit, then
 * compact if due. Measures the files on disk; cheap.
 * @param[out] due  false on any failure.
 * @return FORUM_OK; FORUM_EIO (the files cannot be measured);
 *         FORUM_EINVAL (NULL argument); FORUM_ECLOSED.
 */
FORUM_API forum_status_t forum_db_compaction_due(forum_db_t *db, bool *due);

/** Number of posts in the database: a reader counts the newest
 *  committed revision, a writer its uncommitted changes too.
 *  FORUM_OK, FORUM_EIO, FORUM_EMODIFIED (a writer kept committing),
 *  FORUM_ECLOSED. */
FORUM_API forum_status_t forum_db_post_count(forum_db_t *db,
                                             uint64_t *out);

/* ------------------------------------------------------------------ */
/* Indexing                                                           */
/* ------------------------------------------------------------------ */

/**
 * Indexes every thread file under @p path (a directory, searched
 * recursively, or one file). Thread ids are paths relative to @p path
 * without the extension; the board is the first directory below @p path.
 * `*.jsonl` files hold one thread per line; other regular files are read
 * as scraped thread text. Files that vanished since the last run under the
 * same @p path have their posts deleted.
 *
 * Problems with individual files are reported through opts->diag and
 * counted in @p stats; they do not make the call fail.
 *
 * @param opts   NULL for the defaults.
 * @param[out] stats  optional; filled in even when the call fails.
 * @return FORUM_OK; FORUM_ENOTFOUND (@p path does not exist); FORUM_EIO;
 *         FORUM_ENOMEM; FORUM_EINVAL (read-only handle).
 */
FORUM_API forum_status_t forum_db_index_path(forum_db_t *db, const char *path,
                                             const forum_index_options_t *opts,
                                             forum_index_stats_t *stats);

/**
 * Indexes one thread file held in memory, as if it were the file @p name
 * under an indexed root: a relative path such as "board/thread.txt" or
 * "board/threads.jsonl" that stays below the root (no "..", "." or empty
 * components, not absolute). Replaces the posts previously indexed from
 * @p name. The changes are pending until forum_db_commit() or
 * forum_db_close(), like any other.
 *
 * A call that fails changes nothing when the input is at fault: a buffer
 * with no posts (empty, only blank lines, unparseable) leaves the posts
 * indexed under @p name as they were. A database failure part way (disk
 * full, out of memory) may leave the handle's pending changes partial:
 * forum_db_destroy() without a commit discards them.
 * @return as forum_db_index_path(); FORUM_EPARSE when nothing in the
 *         buffer could be indexed; FORUM_EINVAL for a bad @p name. Every
 *         failure leaves a message in forum_db_last_error().
 */
FORUM_API forum_status_t forum_db_index_buffer(
    forum_db_t *db, const char *name, const char *bytes, size_t len,
    const forum_index_options_t *opts, forum_index_stats_t *stats);

/** One post of a thread handed over in memory (forum_db_index_thread()).
 *  The strings are the caller's and only read during the call. */
typedef struct forum_post_input {
    int floor;            /**< 0 = the article, 1..1000000 = replies. */
    const char *author;   /**< UTF-8, NUL-terminated; NULL or "" unknown. */
    int64_t date;         /**< Unix seconds (years 1 to 9999), or
                               INT64_MIN when unknown. */
    const char *text;     /**< The post text, UTF-8, @p text_len bytes
                               (no NUL byte among them). */
    size_t text_len;
} forum_post_input_t;

#define FORUM_THREAD_INPUT_VERSION 1

/** A whole thread handed over in memory: what a scraper has in hand. */
typedef struct forum_thread_input {
    unsigned int version;  /**< FORUM_THREAD_INPUT_VERSION. */
    /** The thread id, as a path relative to an indexed root would give
     *  it ("board/123"): not empty, not absolute, no "", "." or ".."
     *  components. */
    const char *id;
    const char *title;     /**< Required, not empty; over 1 KiB is cut
                                (a warning through opts->diag). */
    /** NULL: the first component of @p id when it has a '/', else "". */
    const char *board;
    const char *source;    /**< Site or source line; NULL or "". */
    int64_t date;          /**< Thread date for posts without one, or
                                INT64_MIN. */
    const forum_post_input_t *posts; /**< Any order; floors distinct. */
    size_t n_posts;        /**< At least 1. */
} forum_thread_input_t;

/**
 * Indexes one thread given as data, without a file: the same posts as
 * forum_db_index_buffer() of an equivalent thread file named
 * "ID.txt", and recorded as that file (forum_hit_t.path is "ID.txt";
 * forum_db_remove() of FORUM_REMOVE_FILE "ID.txt" or FORUM_REMOVE_THREAD
 * "ID" removes it). Every post previously indexed under the thread id,
 * from any file, is replaced: floors missing from @p thread are gone.
 * A post text over 1 MiB is cut, with a warning through opts->diag. The
 * changes are pending until forum_db_commit() or forum_db_close().
 *
 * A call that fails on its input changes nothing and leaves a message
 * naming the field (and post) at fault: no id or a bad one, no title,
 * no posts, a floor out of range or given twice, a string that is not
 * valid UTF-8 or holds a NUL byte, a date out of range, an unknown
 * @p version. A database failure part way (disk full, out of memory) may
 * leave the handle's pending changes partial, as forum_db_index_buffer().
 * Progress callbacks are not called (one thread is one step).
 *
 * @param opts   NULL for the defaults; only diag is used.
 * @param[out] stats  optional: threads 1, posts and text_bytes written,
 *                    warnings; filled in even when the call fails.
 * @return FORUM_OK; FORUM_EINVAL (bad input, read-only handle; the
 *         message says which); FORUM_ECLOSED; FORUM_EIO; FORUM_ENOMEM.
 *         Every failure leaves a message in forum_db_last_error().
 *         Threads: like every call on @p db, under its lock.
 */
FORUM_API forum_status_t forum_db_index_thread(
    forum_db_t *db, const forum_thread_input_t *thread,
    const forum_index_options_t *opts, forum_index_stats_t *stats);

/** What forum_db_remove() removes. */
typedef enum forum_remove_kind {
    /** The posts indexed from one file: @p key is its path relative to
     *  the indexed root (as forum_db_index_buffer() names it). A later
     *  forum_db_index_path() of a root that still holds the file indexes
     *  it again. */
    FORUM_REMOVE_FILE = 0,
    /** Every post of one thread: @p key is its thread id. */
    FORUM_REMOVE_THREAD = 1
} forum_remove_kind_t;

/**
 * Deletes posts (pending until commit, like indexing). Removing what is
 * not there is not an error: @p posts_removed says 0.
 * @param[out] posts_removed  optional: how many posts went.
 * @return FORUM_OK; FORUM_EINVAL (read-only handle, bad @p key or
 *         @p kind); FORUM_EIO; FORUM_ENOMEM.
 */
FORUM_API forum_status_t forum_db_remove(forum_db_t *db,
                                         forum_remove_kind_t kind,
                                         const char *key,
                                         uint64_t *posts_removed);

/* ------------------------------------------------------------------ */
/* Query and results                                                  */
/* ------------------------------------------------------------------ */

/** One result. Borrowed from its forum_results_t: valid until the next
 *  forum_results_next() on it, or until it is freed (by
 *  forum_results_destroy() or with its query). */
typedef struct forum_hit {
    const char *thread_id;
    const char *title;
    const char *board;
    const char *author;
    const char *source;     /**< Site / source line of the thread. */
    const char *path;       /**< File the post came from, relative. */
    const char *text;       /**< The post text as written. */
    size_t text_len;
    int floor;              /**< 0 = the article, N = reply N. */
    int64_t date;           /**< Unix seconds: the post's date, else its
                                 thread's; INT64_MIN when unknown. */
    /** Higher is better; 0 when sorted by date or floor. BM25 with the
     *  boosts (README "Ranking"); collapsed or in thread scope, the
     *  thread's score: plus ln(1 + the thread's other matching posts)
     *  and its title's share of the query's words times twice the best
     *  such weight of the search. */
    double score;
    /** Collapsed: the posts of this thread that matched (exact with
     *  exact_counts). Not collapsed: 1. */
    uint64_t thread_matches;
    uint32_t rank;          /**< 0-based rank in the whole result list. */
    /** Thread scope: the thread's other posts shown with this one, in
     *  floor order: for each part of the query this post lacks, the
     *  best post that has it. NULL and 0 otherwise, and in these
     *  posts themselves (whose rank, score and thread_matches are the
     *  hit's). Borrowed like the hit; forum_results_snippet() takes
     *  them as it takes the hit. */
    const struct forum_hit *also;
    size_t n_also;
} forum_hit_t;

/** A highlighted excerpt of a post. */
typedef struct forum_span {
    size_t start, end;      /**< Byte range in forum_snippet_t.text. */
} forum_span_t;

typedef struct forum_snippet {
    const char *text;       /**< UTF-8, NUL-terminated; "…" where cut. */
    size_t len;
    const forum_span_t *marks; /**< Matched ranges, ascending, disjoint. */
    size_t n_marks;
} forum_snippet_t;

/**
 * Parses @p query (see README "Query syntax") for @p db.
 *
 * @param[out] out  freed with forum_query_destroy(), before or after
 *                  @p db (see forum_db_destroy()); NULL on failure.
 * @param opts      NULL for the defaults; copied.
 * @return FORUM_OK; FORUM_EQUERY when the query is malformed: then
 *         forum_db_last_error() reads "column N: what is wrong" and
 *         forum_db_last_error_column() gives N (1-based, in characters);
 *         FORUM_EINVAL for options it could only misread (an unknown
 *         version or sort: the message names it); FORUM_ECLOSED;
 *         FORUM_ENOMEM.
 */
FORUM_API forum_status_t forum_query_create(forum_query_t **out,
                                            forum_db_t *db, const char *query,
                                            size_t len,
                                            const forum_search_options_t *opts);

/** Column (1-based, in characters) of the calling thread's last call on
 *  @p db, when it failed with FORUM_EQUERY; else 0. */
FORUM_API size_t forum_db_last_error_column(const forum_db_t *db);

/** The parsed query as text, e.g. `AND("川普", "openai")`. Borrowed from
 *  the query. */
FORUM_API const char *forum_query_describe(const forum_query_t *query);

/** Frees the query and every result set it produced that is still
 *  alive. When its database handle was destroyed already and this was
 *  its last query, frees the handle too. */
FORUM_API void forum_query_destroy(forum_query_t *query);

/**
 * Runs the query. Reopens the database first and retries a bounded number
 * of times if a writer commits meanwhile.
 *
 * Each run makes a new result set, independent of the query's others:
 * running again does not touch them. A result set holds everything it
 * shows (the page's posts and their thread records are read during the
 * run, from one revision of the database), so reading it never goes back
 * to the database: a writer committing meanwhile, or forum_db_close(),
 * does not disturb it.
 *
 * @param[out] out  owned by @p query: freed by forum_results_destroy() or
 *                  with the query; NULL on failure.
 * @return FORUM_OK; FORUM_EMODIFIED (the database kept changing);
 *         FORUM_EIO; FORUM_ENOMEM; FORUM_EINTERNAL; FORUM_ECLOSED (the
 *         database handle was closed or destroyed); FORUM_EUNAVAILABLE
 *         (a remote shard failed or timed out, and the handle was not
 *         opened for partial results). Details in forum_db_last_error().
 */
FORUM_API forum_status_t forum_query_run(forum_query_t *query,
                                         forum_results_t **out);

/** How many shards the result set is missing: remote shards that could
 *  not be reached, left out because the handle was opened with
 *  forum_open_options_t.partial. 0 when every shard answered. */
FORUM_API size_t forum_results_missing_shards(const forum_results_t *results);

/** The @p i th missing shard's name, "shard K of N (remote HOST:PORT)",
 *  owned by @p results; NULL when @p i is out of range. */
FORUM_API const char *forum_results_missing_shard(
    const forum_results_t *results, size_t i);

/** Numbers of matching posts, and of the distinct threads among them,
 *  whether or not hits are collapsed: exact, or estimates when the search
 *  options turned exact_counts off (threads then at most posts). */
FORUM_API void forum_results_counts(const forum_results_t *results,
                                    uint64_t *posts_out,
                                    uint64_t *threads_out);

/**
 * Typical usage:
 * @code
 *   forum_results_t *res;
 *   const forum_hit_t *hit;
 *   forum_status_t st = forum_query_run(query, &res);
 *   while (st == FORUM_OK && (st = forum_results_next(res, &hit)) == FORUM_OK)
 *       printf("%s #%d %s\n", hit->title, hit->floor, hit->author);
 *   if (st != FORUM_ITER_DONE) fprintf(stderr, "%s\n", forum_db_last_error(db));
 * @endcode
 * @return FORUM_OK with @p out set; FORUM_ITER_DONE after the last hit;
 *         FORUM_EIO (a corrupt document) / FORUM_ENOMEM. Works on a
 *         closed handle too.
 */
FORUM_API forum_status_t forum_results_next(forum_results_t *results,
                                            const forum_hit_t **out);

/** Frees a result set early (else its query frees it; not after that).
 *  Accepts NULL. */
FORUM_API void forum_results_destroy(forum_results_t *results);

#define FORUM_SNIPPET_OPTIONS_VERSION 1

typedef struct forum_snippet_options {
    unsigned int version;    /**< FORUM_SNIPPET_OPTIONS_VERSION. */
    size_t max_chars;        /**< Characters of post text at most. */
    size_t max_fragments;    /**< Separate excerpts at most. */
} forum_snippet_options_t;

#define FORUM_SNIPPET_OPTIONS_INIT {FORUM_SNIPPET_OPTIONS_VERSION, 120, 3}

/**
 * Highlights @p hit (the current hit of @p results) for the query.
 * @param opts  NULL for the defaults.
 * @param[out] out  the caller's, freed with forum_snippet_destroy(); it
 *                  may outlive @p results. NULL on failure.
 * @return FORUM_OK, FORUM_ENOMEM, FORUM_EINVAL (bad options: the message
 *         says which).
 */
FORUM_API forum_status_t forum_results_snippet(
    forum_results_t *results, const forum_hit_t *hit,
    const forum_snippet_options_t *opts, forum_snippet_t **out);

/**
 * The thread title of @p hit, whole, with the query's matches marked (an
 * article can match by its title alone; title: words are marked too).
 * @param[out] out  the caller's, freed with forum_snippet_destroy().
 * @return FORUM_OK, FORUM_ENOMEM, FORUM_EINVAL.
 */
FORUM_API forum_status_t forum_results_title(forum_results_t *results,
                                             const forum_hit_t *hit,
                                             forum_snippet_t **out);

FORUM_API void forum_snippet_destroy(forum_snippet_t *snippet);

/* ------------------------------------------------------------------ */
/* Explaining a query                                                 */
/* ------------------------------------------------------------------ */

/** Formats of forum_db_explain() and forum_db_stats(). */
typedef enum forum_report_format {
    FORUM_REPORT_TEXT = 0,  /**< Lines for a person (UTF-8). */
    FORUM_REPORT_JSON = 1   /**< One JSON object (below). */
} forum_report_format_t;

/**
 * How @p query is understood and run on @p db: the parsed tree; the
 * Xapian query; each word (field, column, as typed, normalized: T->S,
 * width, case) with the index terms it looks up (n-grams, Latin
 * words) and how many posts hold each; how many posts
 * Xapian returned as candidates and how many the text check kept (or
 * that no check was needed); the matching posts and threads; and the
 * time of each stage (parse and compile, candidates, search). It runs
 * the search (twice: once for the candidates alone).
 *
 * The JSON form: {"query", "parsed", "xapian", "words":[{"field",
 * "column", "typed", "normalized", "terms":[{"term", "kind" ("ngram" or
 * "word"), "posts"}]}], "candidates", "text_check" (bool),
 * "posts", "threads", "times_ms":{"parse", "candidates", "search"}}.
 * Field values other than text and title (author:, board:, thread:) have
 * no terms listed; floor: and date: appear in "parsed" only.
 *
 * @param[out] out  NUL-terminated, the caller's: free with forum_free().
 *                  NULL on failure.
 * @param opts      as forum_query_create() (NULL: the defaults).
 * @return as forum_query_create() (FORUM_EQUERY for a malformed query,
 *         with its column in forum_db_last_error_column()) and
 *         forum_query_run(); FORUM_EINVAL for a NULL argument or an
 *         unknown format. Takes @p db's lock like every call on it.
 */
FORUM_API forum_status_t forum_db_explain(char **out, forum_db_t *db,
                                          const char *query, size_t len,
                                          const forum_search_options_t *opts,
                                          forum_report_format_t format);

/**
 * What @p db holds: threads, posts, authors, boards (each with its posts
 * and threads), the range of post dates, size on disk (total and by
 * Xapian table), shards, generation (compactions + 1), the analyzer and
 * ICU versions it was indexed with and this build's, when a file of it
 * was last written, and whether a writer holds its lock now (asked
 * without taking it). Names of boards are as indexed (normalized).
 *
 * The JSON form: {"path", "posts", "threads", "authors", "boards":
 * [{"board", "posts", "threads"}], "first_date", "last_date" (ISO 8601
 * or null; bounds Xapian keeps, which deletions may leave loose),
 * "size_bytes", "tables":{"postlist", "termlist", "docdata", "position",
 * "spelling", "synonym", "other"}, "shards", "generation",
 * "analyzer", "analyzer_current", "icu", "icu_current", "last_written"
 * (ISO 8601 or null), "writer_lock" (bool)}.
 *
 * Counting reads every post's thread value: time grows with the size
 * of the database (0.44 s for 102,149 posts, 211 MB, on the project's
 * 2-core machine).
 * @param[out] out  NUL-terminated, the caller's: free with forum_free().
 * @return FORUM_OK; FORUM_EIO; FORUM_ENOMEM; FORUM_ECLOSED; FORUM_EINVAL
 *         (NULL argument, unknown format). Takes @p db's lock.
 */
FORUM_API forum_status_t forum_db_stats(char **out, forum_db_t *db,
                                        forum_report_format_t format);

/** Receives one value of a field and the number of posts that have it;
 *  the value is valid during the call only. A nonzero return stops the
 *  walk. */
typedef int (*forum_value_fn)(void *payload, const char *value, size_t len,
                              uint64_t posts);

/**
 * Lists the values of @p field ("author" or "board") in @p db that start
 * with @p starting_with (NULL or "" for all), in byte order, as indexed:
 * normalized (case folded, Traditional->Simplified, NFKC), which is also
 * how author:/board: compare them, so each value found works in a query.
 * Reads the term list only: cheap, for shell completion and menus.
 * Names longer than 240 bytes appear shortened with a hash, as indexed.
 * @return FORUM_OK; FORUM_ECANCELLED (the callback stopped it);
 *         FORUM_EINVAL (another field, NULL argument); FORUM_EIO;
 *         FORUM_ENOMEM; FORUM_ECLOSED. The callback runs under @p db's
 *         lock: it must not call the library on @p db.
 */
FORUM_API forum_status_t forum_db_field_values(forum_db_t *db,
                                               const char *field,
                                               const char *starting_with,
                                               forum_value_fn cb,
                                               void *payload);

/* ------------------------------------------------------------------ */
/* Reading a thread                                                   */
/* ------------------------------------------------------------------ */

/** A whole thread read from the database, in floor order. */
typedef struct forum_thread forum_thread_t;

/** What a thread is. Borrowed from its forum_thread_t: valid until
 *  forum_thread_destroy(). */
typedef struct forum_thread_info {
    const char *thread_id;
    const char *title;
    const char *board;
    const char *source;     /**< Site / source line. */
    const char *path;       /**< File it came from, relative. */
    int64_t date;           /**< The thread's date (its last reply, when
                                 the file says); INT64_MIN when unknown. */
    size_t n_posts;
    /** The query's matches in title (see forum_db_thread_open()). */
    const forum_span_t *title_marks;
    size_t n_title_marks;
} forum_thread_info_t;

/** One post of a thread. Borrowed from its forum_thread_t: valid until
 *  forum_thread_destroy() (not only until the next post). */
typedef struct forum_post {
    int floor;              /**< 0 = the article, N = reply N. */
    const char *author;
    int64_t date;           /**< The post's date, else its thread's;
                                 INT64_MIN when unknown. */
    const char *text;       /**< The whole post as written, NUL-ended. */
    size_t text_len;
    /** The query's matches in text: byte ranges, ascending, disjoint
     *  (none without a query). */
    const forum_span_t *marks;
    size_t n_marks;
    size_t index;           /**< 0-based position in the thread. */
} forum_post_t;

/**
 * Reads every post of the thread @p thread_id (a forum_hit_t's
 * thread_id, as written, not normalized) in floor order, from one
 * revision of the database, with its title, board, source and path.
 *
 * With @p query (made from @p db by forum_query_create()), the matches
 * of its words are marked in every post's whole text and in the title,
 * as forum_results_snippet() and forum_results_title() mark them;
 * filters (author:, floor: ...) select nothing here: every post is read.
 * NULL: no marks.
 *
 * Everything is read during this call: the thread never goes back to
 * the database, so it may outlive @p db and @p query, and a writer
 * committing meanwhile does not disturb it.
 *
 * Threads: the call takes @p db's lock like every call on it. The
 * forum_thread_t belongs to the caller and is used by one thread at a
 * time (any thread).
 *
 * Typical usage:
 * @code
 *   forum_thread_t *th;
 *   const forum_post_t *post;
 *   forum_status_t st = forum_db_thread_open(&th, db, id, NULL);
 *   if (st == FORUM_OK) {
 *       printf("%s\n", forum_thread_info(th)->title);
 *       while ((st = forum_thread_next_post(th, &post)) == FORUM_OK)
 *           printf("#%d %s: %s\n", post->floor, post->author, post->text);
 *   }
 *   forum_thread_destroy(th);
 * @endcode
 *
 * @param[out] out  the caller's, freed with forum_thread_destroy(); NULL
 *                  on failure.
 * @return FORUM_OK; FORUM_ENOTFOUND (no post has that thread id: the
 *         message names it); FORUM_EINVAL (NULL or empty @p thread_id,
 *         @p query from another database handle); FORUM_EIO (a corrupt
 *         document, or the database failed); FORUM_EMODIFIED (a writer
 *         kept committing); FORUM_ENOMEM; FORUM_ECLOSED. Details in
 *         forum_db_last_error().
 */
FORUM_API forum_status_t forum_db_thread_open(forum_thread_t **out,
                                              forum_db_t *db,
                                              const char *thread_id,
                                              const forum_query_t *query);

/** The thread's title, board, ... Borrowed: valid until
 *  forum_thread_destroy(). Never NULL for a thread from
 *  forum_db_thread_open(). */
FORUM_API const forum_thread_info_t *forum_thread_info(
    const forum_thread_t *thread);

/**
 * The next post, in floor order (the first one at the first call).
 * @param[out] out  borrowed, valid until forum_thread_destroy().
 * @return FORUM_OK; FORUM_ITER_DONE after the last post; FORUM_EINVAL
 *         (NULL argument). Never touches the database.
 */
FORUM_API forum_status_t forum_thread_next_post(forum_thread_t *thread,
                                                const forum_post_t **out);

/** Starts the iteration over (the next post is the first again). */
FORUM_API void forum_thread_rewind(forum_thread_t *thread);

/** Frees the thread and its posts. Accepts NULL. */
FORUM_API void forum_thread_destroy(forum_thread_t *thread);

/* ------------------------------------------------------------------ */
/* Text analysis                                                      */
/* ------------------------------------------------------------------ */

/**
 * Normalizes text the way the index does: NFKC, case folding,
 * Traditional→Simplified, runs of white space collapsed to one space,
 * invalid UTF-8 replaced by U+FFFD.
 * @param[out] out      NUL-terminated; free with forum_free().
 * @param[out] out_len  its length in bytes.
 * @return FORUM_OK, FORUM_ENOMEM, FORUM_EINTERNAL (ICU unusable).
 */
FORUM_API forum_status_t forum_normalize(char **out, size_t *out_len,
                                         const char *text, size_t len);

/** Kinds of token passed to a forum_token_fn. */
typedef enum forum_token_kind {
    FORUM_TOKEN_WORD = 0,   /**< A Latin/digit word (case-folded). */
    FORUM_TOKEN_NGRAM,      /**< A CJK 1- or 2-gram. */
    FORUM_TOKEN_ALIGNED,    /**< A CJK bigram that starts and ends on
                                 ICU word boundaries, after its NGRAM
                                 token (ranking: the index weighs it in
                                 the n-gram's term). */
    FORUM_TOKEN_JUNCTION    /**< A word and the CJK character written
                                 against it (linux允 in Linux允许,
                                 么psql in 那么psql), after the WORD
                                 token; or two CJK characters and the
                                 one space between them (会 显 in
                                 不会 显示), after the n-grams of the
                                 first one's run. In queries a filter,
                                 no weight. */
} forum_token_kind_t;

/**
 * Receives one token: the normalized token text (valid during the call
 * only) and the byte range of the original text it came from. A nonzero
 * return stops tokenization: forum_tokenize() then returns
 * FORUM_ECANCELLED and hands the value back through its @p stopped_with.
 */
typedef int (*forum_token_fn)(void *payload, forum_token_kind_t kind,
                              const char *token, size_t token_len,
                              size_t start, size_t end);

/** Flags for forum_tokenize(). */
#define FORUM_TOKENIZE_DOCUMENT 0x0 /**< Every token the indexer sees. */
/** The terms a query needs: each Latin word (with its JUNCTIONs); for
 *  a CJK run of n characters the one n-gram when n <= 2 (plus its
 *  ALIGNED form when n is 2), else every bigram of the run (and its
 *  JUNCTION with a CJK character after one space). */
#define FORUM_TOKENIZE_QUERY 0x1

/** Creates a tokenizer (it owns an ICU break iterator).
 *  @return FORUM_OK, FORUM_ENOMEM, FORUM_EINTERNAL. */
FORUM_API forum_status_t forum_tokenizer_create(forum_tokenizer_t **out);

FORUM_API void forum_tokenizer_destroy(forum_tokenizer_t *tok);

/**
 * Splits @p text into the tokens the index uses. Invalid UTF-8 is never
 * an error.
 * @param[out] stopped_with  optional: the callback's nonzero return when
 *                           it stopped the run, else 0.
 * @return FORUM_OK (every token delivered); FORUM_ECANCELLED (the
 *         callback returned nonzero); FORUM_ENOMEM; FORUM_EINTERNAL;
 *         FORUM_EINVAL. Statuses and the callback's values never mix.
 */
FORUM_API forum_status_t forum_tokenize(forum_tokenizer_t *tok,
                                        const char *text, size_t len,
                                        int flags, forum_token_fn cb,
                                        void *payload, int *stopped_with);

FORUM_END_DECLS

#endif /* FORUMSEARCH_H */
