/* forumsearch — the Xapian shim: the only C++ file.
 *
 * Thin and mechanical: convert C arguments, call Xapian, and turn every
 * exception into a status plus a message kept on the handle. Every
 * extern "C" function catches everything; nothing may unwind into C.
 */
#include "xapian_shim.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <new>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <xapian.h>

struct fsi_xdb {
    Xapian::Database *reader = nullptr;       /* Set in every mode. */
    Xapian::WritableDatabase *writer = nullptr; /* Write modes only. */
    /* A writer always has a transaction open (see open_transaction()),
     * so that destroying it discards what was not committed. */
    bool in_transaction = false;
    std::string path;
    std::string error;
    /* A sharded database: one handle per shard, owned, each with its own
     * writer (write modes) or reader; `reader` then searches them all.
     * Empty when the database is one shard. */
    std::vector<fsi_xdb_t *> shards;
};

struct fsi_xdoc {
    Xapian::Document doc;
    forum_status_t status = FORUM_OK;
};

struct fsi_xquery {
    Xapian::Query query;
};

namespace {

/* Maps the exception being handled to a status, most-derived first,
 * and keeps its description for the caller. */
forum_status_t status_from_exception(std::string *message)
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        if (message) *message = e.get_description();
        return FORUM_ELOCKED;
    } catch (const Xapian::DatabaseModifiedError &e) {
        if (message) *message = e.get_description();
        return FORUM_EMODIFIED;
    } catch (const Xapian::DatabaseNotFoundError &e) {
        if (message) *message = e.get_description();
        return FORUM_ENOTFOUND;
    } catch (const Xapian::DatabaseVersionError &e) {
        if (message) *message = e.get_description();
        return FORUM_EIO;
    } catch (const Xapian::DatabaseCorruptError &e) {
        if (message) *message = e.get_description();
        return FORUM_EIO;
    } catch (const Xapian::DatabaseOpeningError &e) {
        if (message) *message = e.get_description();
        return FORUM_EIO;
    } catch (const Xapian::DatabaseError &e) {
        if (message) *message = e.get_description();
        return FORUM_EIO;
    } catch (const Xapian::QueryParserError &e) {
        if (message) *message = e.get_description();
        return FORUM_EQUERY;
    } catch (const Xapian::DocNotFoundError &e) {
        if (message) *message = e.get_description();
        return FORUM_ENOTFOUND;
    } catch (const Xapian::InvalidArgumentError &e) {
        if (message) *message = e.get_description();
        return FORUM_EINVAL;
    } catch (const Xapian::Error &e) {
        if (message) *message = e.get_description();
        return FORUM_EINTERNAL;
    } catch (const std::bad_alloc &) {
        if (message) *message = "out of memory";
        return FORUM_ENOMEM;
    } catch (const std::exception &e) {
        if (message) *message = e.what();
        return FORUM_EINTERNAL;
    } catch (...) {
        if (message) *message = "unknown C++ exception";
        return FORUM_EINTERNAL;
    }
}

forum_status_t fail(fsi_xdb_t *db)
{
    /* Assigning the message may itself throw bad_alloc. */
    try {
        return status_from_exception(&db->error);
    } catch (...) {
        return FORUM_ENOMEM;
    }
}

char *dup_string(const std::string &s);

/* For calls without a handle yet: maps the exception being handled and
 * hands its message to the caller (malloc'd) when errmsg is given. */
forum_status_t fail_to_message(char **errmsg)
{
    std::string message;
    forum_status_t status;
    try {
        status = status_from_exception(&message);
    } catch (...) {
        status = FORUM_ENOMEM;
    }
    if (errmsg)
        *errmsg = dup_string(message);
    return status;
}

char *dup_string(const std::string &s)
{
    char *out = static_cast<char *>(std::malloc(s.size() + 1));
    if (out) {
        std::memcpy(out, s.data(), s.size());
        out[s.size()] = '\0';
    }
    return out;
}

class CallbackDecider : public Xapian::MatchDecider {
  public:
    CallbackDecider(fsi_decider_fn fn, void *payload)
        : fn_(fn), payload_(payload) {}
    bool operator()(const Xapian::Document &doc) const override
    {
        std::string data = doc.get_data();
        return fn_(payload_, data.data(), data.size()) != 0;
    }

  private:
    fsi_decider_fn fn_;
    void *payload_;
};

/* Xapian's WritableDatabase commits pending changes when it is closed
 * or destroyed, unless a transaction is open: then it cancels it. So a
 * writer keeps one open at all times, and forum_db_destroy() discards
 * what forum_db_commit() or forum_db_close() did not commit. Inside a
 * transaction Xapian flushes to disk by size as usual but never
 * publishes, so memory stays bounded. */
void open_transaction(fsi_xdb_t *db)
{
    if (db->writer && !db->in_transaction) {
        db->writer->begin_transaction(true);
        db->in_transaction = true;
    }
}

/* Makes every change so far durable and visible, then opens the next
 * transaction. */
void commit_and_continue(fsi_xdb_t *db)
{
    if (db->in_transaction) {
        /* Over either way: Xapian ends it even when the commit fails. */
        db->in_transaction = false;
        db->writer->commit_transaction();
    } else {
        db->writer->commit();
    }
    open_transaction(db);
}

/* The shards a XAPIANDB stub in dir lists ("auto g1/s0", …), as paths;
 * empty unless there are several (one is opened as Xapian does). */
std::vector<std::string> stub_shards(const std::string &dir)
{
    std::vector<std::string> shards;
    std::ifstream stub(dir + "/XAPIANDB");
    std::string line;
    while (std::getline(stub, line))
        if (line.compare(0, 5, "auto ") == 0)
            shards.push_back(dir + "/" + line.substr(5));
    if (shards.size() < 2)
        shards.clear();
    return shards;
}

/* A sharded handle's calls that change or commit apply to every shard;
 * the first failure's message becomes the handle's. */
template <typename Call>
forum_status_t on_every_shard(fsi_xdb_t *db, Call call)
{
    for (fsi_xdb_t *shard : db->shards) {
        forum_status_t status = call(shard);
        if (status != FORUM_OK) {
            db->error = shard->error;
            return status;
        }
    }
    return FORUM_OK;
}

/* Opens each shard on its own (the indexer writes them one by one, and
 * metadata lives in the shard of its thread: Xapian reads metadata from
 * the first shard only), and a reader over all of them for searching. */
void open_shards(fsi_xdb_t *db, const std::vector<std::string> &paths,
                 int mode)
{
    for (const std::string &path : paths) {
        fsi_xdb_t *shard = nullptr;
        char *message = nullptr;
        forum_status_t status = fsi_xdb_open(&shard, path.c_str(), mode,
                                             &message);
        if (status != FORUM_OK) {
            std::string what = message ? message : "cannot open a shard";
            std::free(message);
            if (status == FORUM_ELOCKED)
                throw Xapian::DatabaseLockError(what);
            throw Xapian::DatabaseOpeningError(what);
        }
        db->shards.push_back(shard);
    }
    db->reader = new Xapian::Database();
    for (fsi_xdb_t *shard : db->shards)
        db->reader->add_database(*shard->reader);
}

void close_shards(fsi_xdb_t *db)
{
    delete db->reader;
    db->reader = nullptr;
    for (fsi_xdb_t *shard : db->shards)
        fsi_xdb_destroy(shard);
    db->shards.clear();
}

} // namespace

extern "C" {

const char *fsi_xapian_version(void)
{
    return Xapian::version_string();
}

forum_status_t fsi_xdb_open(fsi_xdb_t **out, const char *path, int mode,
                            char **errmsg)
{
    *out = nullptr;
    if (errmsg)
        *errmsg = nullptr;
    fsi_xdb_t *db = nullptr;
    try {
        db = new fsi_xdb_t;
        db->path = path;
        std::vector<std::string> shards = stub_shards(path);
        if (!shards.empty()) {
            open_shards(db, shards, mode);
        } else if (mode == FORUM_DB_READ) {
            db->reader = new Xapian::Database(path);
        } else {
            int flags = Xapian::DB_CREATE_OR_OPEN;
            if (mode == FORUM_DB_WRITE_WAIT)
                flags |= Xapian::DB_RETRY_LOCK;
            db->writer = new Xapian::WritableDatabase(path, flags);
            db->reader = db->writer;
            open_transaction(db);
        }
        *out = db;
        return FORUM_OK;
    } catch (...) {
        forum_status_t status = fail_to_message(errmsg);
        if (db) {
            if (!db->shards.empty() || db->writer == nullptr)
                close_shards(db);
            delete db;
        }
        return status;
    }
}

forum_status_t fsi_xdb_create_empty(const char *path, char **errmsg)
{
    if (errmsg)
        *errmsg = nullptr;
    try {
        Xapian::WritableDatabase created(path, Xapian::DB_CREATE);
        created.commit();
        created.close();
        return FORUM_OK;
    } catch (...) {
        return fail_to_message(errmsg);
    }
}

forum_status_t fsi_xdb_compact(fsi_xdb_t *db, const char *out_path)
{
    try {
        if (!db->shards.empty()) {
            /* out_path/s0, s1, …: the layout the stub lists. */
            if (mkdir(out_path, 0777) != 0 && errno != EEXIST)
                throw Xapian::DatabaseCreateError(
                    std::string(out_path) + ": " + std::strerror(errno));
            unsigned k = 0;
            return on_every_shard(db, [&](fsi_xdb_t *shard) {
                /* Not std::to_string: its digit table is a global
                 * symbol the static library would export. */
                char to[4200];
                std::snprintf(to, sizeof to, "%s/s%u", out_path, k++);
                return fsi_xdb_compact(shard, to);
            });
        }
        db->reader->compact(out_path);
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

void fsi_xdb_destroy(fsi_xdb_t *db)
{
    if (db == nullptr)
        return;
    try {
        /* Pending changes are discarded, as documented: close() cancels
         * the open transaction (without one, close() and the destructor
         * would both commit). */
        if (!db->shards.empty()) {
            close_shards(db);
        } else if (db->writer) {
            try {
                db->writer->close();
            } catch (...) {
            }
            delete db->writer;
        } else {
            delete db->reader;
        }
    } catch (...) {
    }
    delete db;
}

const char *fsi_xdb_error(const fsi_xdb_t *db)
{
    return db->error.c_str();
}

forum_status_t fsi_xdb_commit(fsi_xdb_t *db)
{
    try {
        if (!db->shards.empty())
            return on_every_shard(db, fsi_xdb_commit);
        if (db->writer == nullptr)
            return FORUM_EINVAL;
        commit_and_continue(db);
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_begin_batch(fsi_xdb_t *db)
{
    try {
        if (!db->shards.empty())
            return on_every_shard(db, fsi_xdb_begin_batch);
        if (db->writer == nullptr)
            return FORUM_EINVAL;
        /* What was pending before is committed first, as Xapian's own
         * begin_transaction() does; the batch is the next transaction. */
        commit_and_continue(db);
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_end_batch(fsi_xdb_t *db, int commit)
{
    try {
        if (!db->shards.empty())
            return on_every_shard(db, [commit](fsi_xdb_t *shard) {
                return fsi_xdb_end_batch(shard, commit);
            });
        if (db->writer == nullptr)
            return FORUM_EINVAL;
        if (commit) {
            commit_and_continue(db);
        } else if (db->in_transaction) {
            db->in_transaction = false;
            db->writer->cancel_transaction();
            open_transaction(db);
        }
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_close(fsi_xdb_t *db)
{
    try {
        if (!db->shards.empty()) {
            forum_status_t status = on_every_shard(db, fsi_xdb_close);
            db->reader->close();
            return status;
        }
        if (db->writer && db->in_transaction) {
            db->in_transaction = false;
            db->writer->commit_transaction();
        } else if (db->writer) {
            db->writer->commit();
        }
        db->reader->close();
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

/* Brings a reader up to date. After a compaction the stub names a new
 * generation and the old one's files are gone: reopen() cannot follow
 * that, so open the database afresh from its path. */
static void refresh(fsi_xdb_t *db)
{
    try {
        db->reader->reopen();
    } catch (const Xapian::DatabaseOpeningError &) {
        /* A compaction switched generations: open the new one. */
        if (db->writer || (!db->shards.empty() && db->shards[0]->writer))
            throw;
        if (!db->shards.empty()) {
            fsi_xdb_t fresh;
            fresh.path = db->path;
            open_shards(&fresh, stub_shards(db->path), FORUM_DB_READ);
            close_shards(db);
            db->shards.swap(fresh.shards);
            db->reader = fresh.reader;
            fresh.reader = nullptr;
            return;
        }
        Xapian::Database *fresh = new Xapian::Database(db->path);
        delete db->reader;
        db->reader = fresh;
    }
}

forum_status_t fsi_xdb_reopen(fsi_xdb_t *db)
{
    try {
        refresh(db);
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_doccount(fsi_xdb_t *db, uint64_t *out)
{
    try {
        *out = db->reader->get_doccount();
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_get_metadata(fsi_xdb_t *db, const char *key,
                                    size_t key_len, char **value,
                                    size_t *value_len)
{
    *value = nullptr;
    try {
        std::string k(key, key_len), v;
        if (db->shards.empty())
            v = db->reader->get_metadata(k);
        /* A key lives in one shard (a thread's record) or in all. */
        for (size_t i = 0; v.empty() && i < db->shards.size(); i++)
            v = db->shards[i]->reader->get_metadata(k);
        *value = dup_string(v);
        if (*value == nullptr)
            return FORUM_ENOMEM;
        if (value_len)
            *value_len = v.size();
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_set_metadata(fsi_xdb_t *db, const char *key,
                                    size_t key_len, const char *value,
                                    size_t value_len)
{
    try {
        if (!db->shards.empty())
            return on_every_shard(db, [&](fsi_xdb_t *shard) {
                return fsi_xdb_set_metadata(shard, key, key_len, value,
                                            value_len);
            });
        if (db->writer == nullptr)
            return FORUM_EINVAL;
        open_transaction(db);
        db->writer->set_metadata(std::string(key, key_len),
                                 std::string(value, value_len));
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_metadata_keys(fsi_xdb_t *db, const char *prefix,
                                     size_t prefix_len,
                                     int (*cb)(void *, const char *, size_t),
                                     void *payload)
{
    try {
        std::string p(prefix, prefix_len);
        /* Collect first: the callback may change metadata. */
        std::vector<std::string> keys;
        if (db->shards.empty()) {
            for (auto it = db->reader->metadata_keys_begin(p);
                 it != db->reader->metadata_keys_end(p); ++it)
                keys.push_back(*it);
        } else {
            std::set<std::string> all;
            for (fsi_xdb_t *shard : db->shards)
                for (auto it = shard->reader->metadata_keys_begin(p);
                     it != shard->reader->metadata_keys_end(p); ++it)
                    all.insert(*it);
            keys.assign(all.begin(), all.end());
        }
        for (const std::string &k : keys)
            if (cb(payload, k.data(), k.size()) != 0)
                break;
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_delete_by_term(fsi_xdb_t *db, const char *term,
                                      size_t len)
{
    try {
        if (db->writer == nullptr)
            return FORUM_EINVAL;
        open_transaction(db);
        db->writer->delete_document(std::string(term, len));
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_replace_by_term(fsi_xdb_t *db, const char *term,
                                       size_t len, fsi_xdoc_t *doc)
{
    try {
        if (db->writer == nullptr)
            return FORUM_EINVAL;
        open_transaction(db);
        db->writer->replace_document(std::string(term, len), doc->doc);
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_term_values(fsi_xdb_t *db, const char *term,
                                   size_t len, unsigned slot,
                                   int (*cb)(void *, const char *, size_t),
                                   void *payload)
{
    try {
        std::string t(term, len);
        /* Collect first: the callback may delete these documents. */
        std::vector<std::string> values;
        for (auto it = db->reader->postlist_begin(t);
             it != db->reader->postlist_end(t); ++it)
            values.push_back(db->reader->get_document(*it).get_value(slot));
        for (const std::string &v : values)
            if (cb(payload, v.data(), v.size()) != 0)
                break;
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_termfreq(fsi_xdb_t *db, const char *term, size_t len,
                                uint64_t *out)
{
    try {
        *out = db->reader->get_termfreq(std::string(term, len));
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

unsigned fsi_xdb_shard_count(const fsi_xdb_t *db)
{
    return db->shards.empty() ? 1 : (unsigned)db->shards.size();
}

fsi_xdb_t *fsi_xdb_shard(fsi_xdb_t *db, unsigned k)
{
    return db->shards.empty() ? db : db->shards[k];
}

fsi_xdoc_t *fsi_xdoc_new(void)
{
    try {
        return new fsi_xdoc_t;
    } catch (...) {
        return nullptr;
    }
}

void fsi_xdoc_destroy(fsi_xdoc_t *doc)
{
    try {
        delete doc;
    } catch (...) {
    }
}

/* Document builders remember the first failure instead of returning it,
 * so building a post is a straight run of calls and one check. */
#define DOC_GUARD(doc, body)                                      \
    do {                                                          \
        if ((doc)->status != FORUM_OK)                            \
            return;                                               \
        try {                                                     \
            body;                                                 \
        } catch (...) {                                           \
            try {                                                 \
                (doc)->status = status_from_exception(nullptr);   \
            } catch (...) {                                       \
                (doc)->status = FORUM_ENOMEM;                     \
            }                                                     \
        }                                                         \
    } while (0)

void fsi_xdoc_add_term(fsi_xdoc_t *doc, const char *term, size_t len,
                       unsigned wdf_inc)
{
    DOC_GUARD(doc, doc->doc.add_term(std::string(term, len), wdf_inc));
}

void fsi_xdoc_add_boolean_term(fsi_xdoc_t *doc, const char *term, size_t len)
{
    DOC_GUARD(doc, doc->doc.add_boolean_term(std::string(term, len)));
}

void fsi_xdoc_set_value(fsi_xdoc_t *doc, unsigned slot, const char *value,
                        size_t len)
{
    DOC_GUARD(doc, doc->doc.add_value(slot, std::string(value, len)));
}

void fsi_xdoc_set_data(fsi_xdoc_t *doc, const char *data, size_t len)
{
    DOC_GUARD(doc, doc->doc.set_data(std::string(data, len)));
}

forum_status_t fsi_xdoc_status(const fsi_xdoc_t *doc)
{
    return doc->status;
}

size_t fsi_sortable_serialise(double value, char out[16])
{
    try {
        std::string s = Xapian::sortable_serialise(value);
        std::memcpy(out, s.data(), s.size());
        return s.size();
    } catch (...) {
        return 0;
    }
}

fsi_xquery_t *fsi_xq_term(const char *term, size_t len, unsigned wqf)
{
    try {
        return new fsi_xquery_t{Xapian::Query(std::string(term, len), wqf)};
    } catch (...) {
        return nullptr;
    }
}

fsi_xquery_t *fsi_xq_match_all(void)
{
    try {
        return new fsi_xquery_t{Xapian::Query::MatchAll};
    } catch (...) {
        return nullptr;
    }
}

fsi_xquery_t *fsi_xq_combine(enum fsi_xq_op op, fsi_xquery_t **subs, size_t n)
{
    fsi_xquery_t *result = nullptr;
    try {
        Xapian::Query::op xop = Xapian::Query::OP_AND;
        switch (op) {
        case FSI_XQ_AND: xop = Xapian::Query::OP_AND; break;
        case FSI_XQ_OR: xop = Xapian::Query::OP_OR; break;
        case FSI_XQ_AND_NOT: xop = Xapian::Query::OP_AND_NOT; break;
        case FSI_XQ_AND_MAYBE: xop = Xapian::Query::OP_AND_MAYBE; break;
        case FSI_XQ_FILTER: xop = Xapian::Query::OP_FILTER; break;
        }
        std::vector<Xapian::Query> parts;
        bool complete = true;
        for (size_t i = 0; i < n; i++) {
            if (subs[i] == nullptr)
                complete = false;
            else
                parts.push_back(subs[i]->query);
        }
        if (complete)
            result = new fsi_xquery_t{
                Xapian::Query(xop, parts.begin(), parts.end())};
    } catch (...) {
        result = nullptr;
    }
    for (size_t i = 0; i < n; i++)
        delete subs[i];
    return result;
}

fsi_xquery_t *fsi_xq_scale(fsi_xquery_t *q, double factor)
{
    fsi_xquery_t *result = nullptr;
    try {
        if (q)
            result = new fsi_xquery_t{
                Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q->query,
                              factor)};
    } catch (...) {
        result = nullptr;
    }
    delete q;
    return result;
}

fsi_xquery_t *fsi_xq_value_range(unsigned slot, const char *lo, size_t lo_len,
                                 const char *hi, size_t hi_len)
{
    try {
        if (lo && hi)
            return new fsi_xquery_t{Xapian::Query(
                Xapian::Query::OP_VALUE_RANGE, slot, std::string(lo, lo_len),
                std::string(hi, hi_len))};
        if (lo)
            return new fsi_xquery_t{Xapian::Query(Xapian::Query::OP_VALUE_GE,
                                                  slot,
                                                  std::string(lo, lo_len))};
        if (hi)
            return new fsi_xquery_t{Xapian::Query(Xapian::Query::OP_VALUE_LE,
                                                  slot,
                                                  std::string(hi, hi_len))};
        return new fsi_xquery_t{Xapian::Query::MatchAll};
    } catch (...) {
        return nullptr;
    }
}

void fsi_xq_destroy(fsi_xquery_t *q)
{
    delete q;
}

char *fsi_xq_describe(const fsi_xquery_t *q)
{
    try {
        return dup_string(q->query.get_description());
    } catch (...) {
        return nullptr;
    }
}

/* Xapian counts documents in 32 bits: larger pages are clamped. */
static Xapian::doccount clamp_count(size_t n)
{
    return n > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<Xapian::doccount>(n);
}

/* The search's order (see fsi_xsearch_t), made by keymaker when it is
 * not relevance first. */
static void set_order(Xapian::Enquire &enquire, const fsi_xsearch_t *opts,
                      Xapian::MultiValueKeyMaker &keymaker)
{
    if (opts->primary_slot < 0) {
        enquire.set_sort_by_relevance_then_value(opts->tie_slot, false);
    } else if (static_cast<unsigned>(opts->primary_slot) == opts->tie_slot) {
        enquire.set_sort_by_value(opts->tie_slot,
                                  opts->primary_descending != 0);
    } else {
        keymaker.add_value(static_cast<Xapian::valueno>(opts->primary_slot),
                           opts->primary_descending != 0);
        keymaker.add_value(opts->tie_slot, false);
        enquire.set_sort_by_key(&keymaker, false);
    }
}

static void keep_counts(const Xapian::MSet &mset, const fsi_xsearch_t *opts,
                        fsi_xresult_t *out)
{
    out->matches = mset.get_matches_estimated();
    out->uncollapsed = mset.get_uncollapsed_matches_estimated();
    /* With collapsing, Xapian's counts can stay estimates even when asked
     * to check every document (seen with AND_NOT and boolean queries). */
    bool exact = mset.get_matches_lower_bound() ==
                     mset.get_matches_upper_bound() &&
                 mset.get_uncollapsed_matches_lower_bound() ==
                     mset.get_uncollapsed_matches_upper_bound();
    out->counts_final = !opts->exact_counts || exact;
}

/* Counts what Xapian cannot: the distinct values of a slot (threads)
 * among all the matches. Xapian's matcher shows a MatchSpy every match
 * when asked to check them all. */
static void keep_spied_counts(const Xapian::ValueCountMatchSpy &spy,
                              fsi_xresult_t *out)
{
    uint64_t values = 0;
    for (Xapian::TermIterator it = spy.values_begin(); it != spy.values_end();
         ++it)
        values++;
    out->counted = 1;
    out->counted_docs = spy.get_total();
    out->counted_values = values;
}

/* Ranks the matches: the page, or every match when arrange() will choose
 * the page. Hits get no document yet. */
static void rank_matches(fsi_xdb_t *db, const fsi_xquery_t *q,
                         const fsi_xsearch_t *opts, fsi_xresult_t *out)
{
    Xapian::Enquire enquire(*db->reader);
    enquire.set_query(q->query);
    if (opts->collapse_slot >= 0)
        enquire.set_collapse_key(static_cast<Xapian::valueno>(
            opts->collapse_slot));
    Xapian::MultiValueKeyMaker keymaker;
    set_order(enquire, opts, keymaker);
    bool counting = opts->count_slot >= 0 && opts->exact_counts;
    Xapian::ValueCountMatchSpy spy(
        static_cast<Xapian::valueno>(counting ? opts->count_slot : 0));
    if (counting)
        enquire.add_matchspy(&spy);
    /* Counts are shown to users (posts per thread, totals), so ask for
     * exact ones: Xapian then visits every match. */
    Xapian::doccount all = db->reader->get_doccount();
    CallbackDecider decider(opts->decider, opts->decider_payload);
    Xapian::MSet mset = enquire.get_mset(
        opts->arrange ? 0 : clamp_count(opts->offset),
        opts->arrange ? all : clamp_count(opts->limit),
        opts->exact_counts ? all : 0, nullptr,
        opts->decider ? &decider : nullptr);
    keep_counts(mset, opts, out);
    if (counting)
        keep_spied_counts(spy, out);
    out->hits = static_cast<fsi_xhit_t *>(
        std::calloc(mset.size() ? mset.size() : 1, sizeof(fsi_xhit_t)));
    if (out->hits == nullptr)
        throw std::bad_alloc();
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
        fsi_xhit_t *hit = &out->hits[out->n_hits++];
        hit->docid = *it;
        hit->weight = it.get_weight();
        hit->collapse_count = it.get_collapse_count();
        if (opts->arrange) {
            std::string key = it.get_sort_key();
            hit->key = dup_string(key);
            if (hit->key == nullptr)
                throw std::bad_alloc();
            hit->key_len = key.size();
        }
    }
}

/* Reads each hit's document data and the metadata it names, from the
 * revision the hits were ranked in, so a result set never goes back to
 * the database. */
static void read_page(fsi_xdb_t *db, const fsi_xsearch_t *opts,
                      fsi_xresult_t *out)
{
    char key[256];
    for (size_t i = 0; i < out->n_hits; i++) {
        fsi_xhit_t *hit = &out->hits[i];
        std::string data = db->reader->get_document(hit->docid).get_data();
        hit->data = dup_string(data);
        if (hit->data == nullptr)
            throw std::bad_alloc();
        hit->data_len = data.size();
        size_t key_len = opts->meta_key
            ? opts->meta_key(opts->payload, hit->data, hit->data_len, key,
                             sizeof key)
            : 0;
        if (key_len == 0)
            continue;
        /* A thread's record lives in its posts' shard; Xapian numbers
         * the documents of n shards round robin. */
        Xapian::Database *home = db->reader;
        if (!db->shards.empty())
            home = db->shards[(hit->docid - 1) % db->shards.size()]->reader;
        std::string meta = home->get_metadata(std::string(key, key_len));
        hit->meta = dup_string(meta);
        if (hit->meta == nullptr)
            throw std::bad_alloc();
        hit->meta_len = meta.size();
    }
}

static void search_once(fsi_xdb_t *db, const fsi_xquery_t *q,
                        const fsi_xsearch_t *opts, fsi_xresult_t *out)
{
    if (opts->restart)
        opts->restart(opts->payload);
    refresh(db);
    rank_matches(db, q, opts, out);
    if (opts->arrange && opts->arrange(opts->payload, out) != 0)
        throw std::bad_alloc();
    read_page(db, opts, out);
}

forum_status_t fsi_xdb_search(fsi_xdb_t *db, const fsi_xquery_t *q,
                              const fsi_xsearch_t *opts, fsi_xresult_t *out)
{
    std::memset(out, 0, sizeof *out);
    const int attempts = 5;
    for (int attempt = 0;; attempt++) {
        try {
            search_once(db, q, opts, out);
            return FORUM_OK;
        } catch (const Xapian::DatabaseModifiedError &) {
            fsi_xresult_free(out);
            if (attempt + 1 < attempts)
                continue;
            return fail(db);
        } catch (...) {
            fsi_xresult_free(out);
            return fail(db);
        }
    }
}

void fsi_xhit_free(fsi_xhit_t *hit)
{
    std::free(hit->key);
    std::free(hit->data);
    std::free(hit->meta);
    hit->key = hit->data = hit->meta = nullptr;
}

void fsi_xresult_free(fsi_xresult_t *result)
{
    if (result->hits) {
        for (size_t i = 0; i < result->n_hits; i++)
            fsi_xhit_free(&result->hits[i]);
        std::free(result->hits);
    }
    std::memset(result, 0, sizeof *result);
}

} /* extern "C" */

/* ---- Database statistics (forum_db_stats) ------------------------- */

extern "C" {

forum_status_t fsi_xdb_prefix_terms(fsi_xdb_t *db, const char *prefix,
                                    size_t prefix_len,
                                    int (*cb)(void *payload, const char *term,
                                              size_t term_len,
                                              uint64_t termfreq),
                                    void *payload)
{
    try {
        std::string p(prefix, prefix_len);
        for (Xapian::TermIterator it = db->reader->allterms_begin(p);
             it != db->reader->allterms_end(p); ++it) {
            std::string term = *it;
            if (cb(payload, term.data(), term.size(), it.get_termfreq()))
                break;
        }
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_value_bounds(fsi_xdb_t *db, unsigned slot,
                                    double *lo, double *hi, int *any)
{
    try {
        std::string l = db->reader->get_value_lower_bound(slot);
        std::string h = db->reader->get_value_upper_bound(slot);
        *any = !l.empty() && !h.empty();
        *lo = *any ? Xapian::sortable_unserialise(l) : 0;
        *hi = *any ? Xapian::sortable_unserialise(h) : 0;
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

} /* extern "C" */
