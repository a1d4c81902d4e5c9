/* forumsearch — the Xapian shim: the only C++ file.
 *
 * Thin and mechanical: convert C arguments, call Xapian, and turn every
 * exception into a status plus a message kept on the handle. Every
 * extern "C" function catches everything; nothing may unwind into C.
 */
#include "xapian_shim.h"
#include "fsi_limits.h"
#include "hash.h"
#include "remote.h"
#include "schema.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include <xapian.h>
#include <zdict.h>
#include <zstd.h>

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

    /* Remote shards (see "Remote shards" below). */
    bool remote = false;        /* A shard served by xapian-tcpsrv. */
    std::string label;          /* "remote HOST:PORT" or the path. */
    std::string host;           /* A remote shard's HOST and PORT. */
    unsigned port = 0;
    bool missing = false;       /* Unreachable, left out (partial). */
    unsigned timeout_ms = FSI_REMOTE_TIMEOUT_MS;
    bool partial = false;       /* Search without unreachable shards. */
    /* The shards `reader` searches, in its order: Xapian numbers their
     * documents round robin. */
    std::vector<size_t> present;

    /* Post records are stored packed with zstd (see "Packed records"). A
     * writer packs with its shard's dictionary once it has one; until
     * then without, keeping a sample of what it writes to train one. */
    ZSTD_CCtx *pack_ctx = nullptr;
    ZSTD_CDict *pack_dict = nullptr;
    bool dict_uncommitted = false; /* Trained in the open transaction. */
    bool dict_failed = false;      /* The sample trained none. */
    std::string samples;
    std::vector<size_t> sample_sizes;
    /* Readers: the dictionaries met so far (any shard's), found
     * without a lock by the threads of a search (a shard each): the
     * first n_unpack_dicts slots are filled, and stay, until the handle
     * goes; more than fit wait in the map, under the lock. */
    struct dict_slot {
        unsigned id;
        ZSTD_DDict *dict;
    } unpack_slots[16];
    std::atomic<size_t> n_unpack_dicts{0};
    std::map<unsigned, ZSTD_DDict *> unpack_dicts;
    std::mutex unpack_lock;

    ~fsi_xdb()
    {
        ZSTD_freeCCtx(pack_ctx);
        ZSTD_freeCDict(pack_dict);
        for (size_t i = 0; i < n_unpack_dicts; i++)
            ZSTD_freeDDict(unpack_slots[i].dict);
        for (auto &entry : unpack_dicts)
            ZSTD_freeDDict(entry.second);
    }
};

/* A post's weighted terms and their wdf, counted here and given to its
 * Xapian::Document once each, folded (fold_length): a hash lookup per
 * occurrence instead of a std::map insertion in the document, and no
 * allocation once a document has been reused a few times (fsi_xdoc_clear
 * keeps the room). */
class term_counts {
  public:
    void add(const char *term, size_t len, Xapian::termcount inc)
    {
        if (2 * (entries_.size() + 1) > slots_.size())
            grow();
        size_t at = find(term, len, fsi_hash64(term, len));
        if (slots_[at] != 0) {
            entries_[slots_[at] - 1].wdf += inc;
            return;
        }
        entries_.push_back(entry{bytes_.size(), len, inc, at});
        bytes_.append(term, len);
        slots_[at] = static_cast<uint32_t>(entries_.size());
    }
    template <typename F> void each(F f) const
    {
        for (const entry &e : entries_)
            f(bytes_.data() + e.off, e.len, e.wdf);
    }
    void clear()
    {
        for (const entry &e : entries_)
            slots_[e.slot] = 0;
        entries_.clear();
        bytes_.clear();
    }

  private:
    struct entry {
        size_t off, len;
        Xapian::termcount wdf;
        size_t slot;
    };
    size_t find(const char *term, size_t len, uint64_t h) const
    {
        size_t mask = slots_.size() - 1, at = h & mask;
        while (slots_[at] != 0) {
            const entry &e = entries_[slots_[at] - 1];
            if (e.len == len && memcmp(bytes_.data() + e.off, term, len) == 0)
                break;
            at = (at + 1) & mask;
        }
        return at;
    }
    void grow()
    {
        slots_.assign(slots_.empty() ? 256 : 2 * slots_.size(), 0);
        for (size_t i = 0; i < entries_.size(); i++) {
            entry &e = entries_[i];
            e.slot = find(bytes_.data() + e.off, e.len,
                          fsi_hash64(bytes_.data() + e.off, e.len));
            slots_[e.slot] = static_cast<uint32_t>(i + 1);
        }
    }
    std::string bytes_;
    std::vector<entry> entries_;
    std::vector<uint32_t> slots_;
};

struct fsi_xdoc {
    Xapian::Document doc;
    term_counts weighted;
    forum_status_t status = FORUM_OK;
};

/* A query as its parts, kept to build it again with each term scaled by
 * its IDF in the whole database (see GlobalBM25). Plain data, read-only
 * once made: each thread of a parallel search builds its own
 * Xapian::Query from it (Xapian's are reference counted without locks). */
struct query_recipe {
    enum kind_t { TERM, MATCH_ALL, COMBINE, SCALE, VALUE } kind = TERM;
    Xapian::Query::op op = Xapian::Query::OP_AND; /* COMBINE, VALUE. */
    std::string term, lo, hi;   /* TERM; VALUE's limits. */
    unsigned wqf_or_slot = 0;   /* TERM's wqf; VALUE's slot. */
    double factor = 1;          /* SCALE. */
    std::vector<std::shared_ptr<const query_recipe>> kids;
};

struct fsi_xquery {
    Xapian::Query query; /* As made: for the remote backend. */
    std::shared_ptr<const query_recipe> recipe;
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
        /* Ours say what is wrong in full (a stub with remote shards
         * opened for writing); the class name adds nothing. */
        if (message) *message = e.get_msg();
        return FORUM_EINVAL;
    } catch (const Xapian::NetworkError &e) {
        /* Our messages name the shard; Xapian's context repeats it. */
        if (message) {
            *message = e.get_msg();
            if (e.get_error_string())
                *message += std::string(" (") + e.get_error_string() + ")";
        }
        return FORUM_EUNAVAILABLE;
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

Xapian::Query value_query(const query_recipe &r)
{
    if (r.op == Xapian::Query::OP_VALUE_RANGE)
        return Xapian::Query(r.op, r.wqf_or_slot, r.lo, r.hi);
    return Xapian::Query(r.op, r.wqf_or_slot,
                         r.op == Xapian::Query::OP_VALUE_GE ? r.lo : r.hi);
}

/* ---- Ranking with the whole database's statistics -------------------
 *
 * BM25 exactly as Xapian's BM25Weight computes it with k2 = 0, k3 = 1,
 * min_normlen = 0.5 and schema.h's k1 and b (k1 = 32 and b = 0: the
 * post's length is in its wdf), except that a term's IDF is not taken
 * from the database being searched: each query term comes scaled by its
 * IDF in the whole database (term_idfs(), build_query()), and the
 * average length (of version 5, which looks lengths up) is the whole
 * database's too.
 * So one shard searched alone weighs every post as a search of all the
 * shards does, and the shards can be searched side by side (below) with
 * one order. The weights are the very doubles BM25Weight gives: it
 * multiplies log(tw) by the term's factor, and here the factor arrives
 * as that factor times log(tw), the same two numbers multiplied; so a
 * search that is not side by side uses BM25Weight itself (so do remote
 * shards: the remote backend cannot run a weight of ours). forum-search
 * --json answers all 255 bench queries at 100 MiB byte for byte alike
 * either way. */
const double bm25_k1 = FSI_SEARCH_K1, bm25_k3 = 1, bm25_b = FSI_SEARCH_B,
             bm25_min_normlen = FSI_BM25_MIN_NORMLEN;

/* The weight of searches that are not side by side. */
Xapian::BM25Weight post_weight()
{
    return Xapian::BM25Weight(bm25_k1, 0, bm25_k3, bm25_b,
                              bm25_min_normlen);
}

class GlobalBM25 : public Xapian::Weight {
  public:
    explicit GlobalBM25(double inverse_average_length)
        : inverse_average_length_(inverse_average_length)
    {
        need_stat(WDF);
        need_stat(WDF_MAX);
        need_stat(WQF);
        if (bm25_b != 0) {
            need_stat(DOC_LENGTH);
            need_stat(DOC_LENGTH_MIN);
        }
    }
    GlobalBM25 *clone() const override
    {
        return new GlobalBM25(inverse_average_length_);
    }
    void init(double factor) override
    {
        termweight_ = factor;
        double wqf = get_wqf();
        termweight_ *= (bm25_k3 + 1) * wqf / (bm25_k3 + wqf);
        termweight_ *= (bm25_k1 + 1);
    }
    double get_sumpart(Xapian::termcount wdf, Xapian::termcount len,
                       Xapian::termcount) const override
    {
        double normlen = std::max(len * inverse_average_length_,
                                  bm25_min_normlen);
        double wdf_double(wdf);
        double denom = bm25_k1 * (normlen * bm25_b + (1 - bm25_b)) +
                       wdf_double;
        return termweight_ * (wdf_double / denom);
    }
    double get_maxpart() const override
    {
        double normlen_lb = std::max(
            std::max(get_wdf_upper_bound(), get_doclength_lower_bound()) *
                inverse_average_length_,
            bm25_min_normlen);
        double denom = bm25_k1 * (normlen_lb * bm25_b + (1 - bm25_b));
        double wdf_max(get_wdf_upper_bound());
        denom += wdf_max;
        return termweight_ * (wdf_max / denom);
    }
    double get_sumextra(Xapian::termcount, Xapian::termcount) const override
    {
        return 0;
    }
    double get_maxextra() const override { return 0; }

  private:
    double inverse_average_length_;
    double termweight_ = 0;
};

/* Each term's IDF, and how many posts have it. */
struct term_stats {
    double idf;
    Xapian::doccount termfreq;
};
typedef std::map<std::string, term_stats> idf_table;

/* BM25Weight's term weight before its factor: log(tw), tw raised to at
 * least 1.5 for terms in more than about a third of the posts. */
void add_idf(Xapian::Database &db, Xapian::doccount n,
             const std::string &term, bool match_all, idf_table &idfs)
{
    if (idfs.count(term))
        return;
    Xapian::doccount tf = match_all ? n : db.get_termfreq(term);
    double tw = (n - tf + 0.5) / (tf + 0.5);
    if (tw < 2)
        tw = tw * 0.5 + 1;
    /* Not idfs[term] = ...: operator[] instantiates the global
     * std::piecewise_construct, which the static library would export
     * (check_symbols). */
    idfs.emplace(term, term_stats{std::log(tw), tf});
}

void term_idfs(Xapian::Database &db, Xapian::doccount n,
               const query_recipe &r, idf_table &idfs)
{
    if (r.kind == query_recipe::TERM || r.kind == query_recipe::MATCH_ALL)
        add_idf(db, n, r.term, r.kind == query_recipe::MATCH_ALL, idfs);
    for (const auto &kid : r.kids)
        term_idfs(db, n, *kid, idfs);
}

Xapian::Query build_query(const query_recipe &r, const idf_table &idfs)
{
    switch (r.kind) {
    case query_recipe::TERM:
        return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                             Xapian::Query(r.term, r.wqf_or_slot),
                             idfs.at(r.term).idf);
    case query_recipe::MATCH_ALL:
        return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                             Xapian::Query::MatchAll, idfs.at(r.term).idf);
    case query_recipe::SCALE:
        return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                             build_query(*r.kids[0], idfs), r.factor);
    case query_recipe::VALUE:
        return value_query(r);
    case query_recipe::COMBINE:
        break;
    }
    std::vector<Xapian::Query> parts;
    for (const auto &kid : r.kids)
        parts.push_back(build_query(*kid, idfs));
    return Xapian::Query(r.op, parts.begin(), parts.end());
}

/* ---- Packed records ------------------------------------------------
 *
 * Each post record (docdata.h) is stored as a zstd frame, with a
 * dictionary trained on the shard's first posts: a post is a few
 * hundred bytes, too little for zlib (Xapian's own compression of
 * document data) to find repeats in, while a dictionary holds what
 * posts share. Measured on 60,000 records of the 100 MiB bench corpus:
 * zlib keeps 86 % of the bytes, zstd with a 110 KB dictionary 58 %, and
 * unpacks a record in 1.5 µs against zlib's 5.3 µs. Xapian stores a
 * frame as it is (it compresses only what gets smaller).
 *
 * The dictionary is metadata, "fs:zdict:" and its id in 8 hex digits,
 * committed in the transaction of the first documents packed with it;
 * frames name their dictionary's id, so a reader of many shards (or of
 * shards merged by xapian-compact) finds it whichever shard it is in.
 * Data that is not a zstd frame is returned as it is. */

const int pack_level = 3;
/* Train once this much was written without a dictionary: about 5,000
 * posts, 0.5 s of training. Smaller shards stay without one. */
const size_t dict_sample_bytes = 2u << 20;
const size_t dict_capacity = 110 * 1024;
const char dict_key_prefix[] = "fs:zdict:";

std::string dict_key(unsigned id)
{
    char key[32];
    std::snprintf(key, sizeof key, "%s%08x", dict_key_prefix, id);
    return key;
}

bool is_frame(const std::string &data)
{
    static const unsigned char magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    return data.size() >= 4 && std::memcmp(data.data(), magic, 4) == 0;
}

/* A writer's dictionary: the one its shard has, if any. */
void load_pack_dict(fsi_xdb_t *db)
{
    for (Xapian::TermIterator it = db->writer->metadata_keys_begin(
             dict_key_prefix);
         it != db->writer->metadata_keys_end(dict_key_prefix); ++it) {
        std::string dict = db->writer->get_metadata(*it);
        db->pack_dict = ZSTD_createCDict(dict.data(), dict.size(),
                                         pack_level);
        if (db->pack_dict == nullptr)
            throw Xapian::DatabaseCorruptError("the record dictionary " +
                                               *it + " does not load");
        return;
    }
}

void train_pack_dict(fsi_xdb_t *db)
{
    std::string dict(dict_capacity, '\0');
    size_t len = ZDICT_trainFromBuffer(
        &dict[0], dict.size(), db->samples.data(), db->sample_sizes.data(),
        static_cast<unsigned>(db->sample_sizes.size()));
    db->samples.clear();
    db->samples.shrink_to_fit();
    db->sample_sizes.clear();
    db->sample_sizes.shrink_to_fit();
    if (ZDICT_isError(len)) { /* Too few or too alike: pack without. */
        db->dict_failed = true;
        return;
    }
    dict.resize(len);
    db->pack_dict = ZSTD_createCDict(dict.data(), dict.size(), pack_level);
    if (db->pack_dict == nullptr)
        throw std::bad_alloc();
    db->writer->set_metadata(dict_key(ZDICT_getDictID(dict.data(),
                                                       dict.size())),
                             dict);
    db->dict_uncommitted = true;
}

/* The transaction that stored the dictionary was thrown away: so was
 * the dictionary, and what comes next is packed without until another
 * is trained. */
void forget_uncommitted_dict(fsi_xdb_t *db)
{
    if (!db->dict_uncommitted)
        return;
    ZSTD_freeCDict(db->pack_dict);
    db->pack_dict = nullptr;
    db->dict_uncommitted = false;
}

/* Gives doc its weighted terms, the post's length folded into their
 * wdf (schema.h, FSI_LENGTH_NORMS): the weights of BM25 with
 * b = FSI_BM25_B, from a search that never looks a length up. Terms
 * without weight (quoted text) keep wdf 0. */
void fold_length(fsi_xdoc_t *doc)
{
    double len = 0;
    doc->weighted.each([&](const char *, size_t, Xapian::termcount wdf) {
        len += wdf;
    });
    double normlen = std::max(len / FSI_NORM_AVERAGE_LENGTH,
                              FSI_BM25_MIN_NORMLEN);
    double k = (1 - FSI_BM25_B) + FSI_BM25_B * normlen;
    doc->weighted.each([&](const char *term, size_t n,
                           Xapian::termcount wdf) {
        if (FSI_LENGTH_NORMS && wdf != 0) {
            double scaled = std::round(FSI_NORM_SCALE * wdf / k);
            wdf = scaled < 1 ? 1 : static_cast<Xapian::termcount>(scaled);
        }
        doc->doc.add_term(std::string(term, n), wdf);
    });
    doc->weighted.clear();
}

/* Replaces doc's data by its packed form. */
void pack(fsi_xdb_t *db, Xapian::Document &doc)
{
    std::string data = doc.get_data();
    if (is_frame(data)) /* Packed already (a record never starts so). */
        return;
    if (db->pack_dict == nullptr && !db->dict_failed) {
        db->samples += data;
        db->sample_sizes.push_back(data.size());
        if (db->samples.size() >= dict_sample_bytes)
            train_pack_dict(db);
    }
    if (db->pack_ctx == nullptr) {
        db->pack_ctx = ZSTD_createCCtx();
        if (db->pack_ctx == nullptr)
            throw std::bad_alloc();
    }
    std::string packed(ZSTD_compressBound(data.size()), '\0');
    size_t len = db->pack_dict
        ? ZSTD_compress_usingCDict(db->pack_ctx, &packed[0], packed.size(),
                                   data.data(), data.size(), db->pack_dict)
        : ZSTD_compressCCtx(db->pack_ctx, &packed[0], packed.size(),
                            data.data(), data.size(), pack_level);
    if (ZSTD_isError(len))
        throw Xapian::InternalError(std::string("packing a record: ") +
                                    ZSTD_getErrorName(len));
    packed.resize(len);
    doc.set_data(packed);
}

/* The dictionary with this id, from whichever shard has it; nullptr
 * when none has. */
/* Set on the threads of a search of shards side by side: each may read
 * its own shard only (the others are being searched), so the
 * dictionaries are loaded before they start (preload_dicts()). */
thread_local bool unpack_cached_only = false;

/* The cached dictionary with this id, or nullptr. Lock-free for the
 * first slots; the rest need db->unpack_lock held. */
ZSTD_DDict *cached_dict(const fsi_xdb_t *db, unsigned id, bool locked)
{
    size_t filled = db->n_unpack_dicts.load(std::memory_order_acquire);
    for (size_t i = 0; i < filled; i++)
        if (db->unpack_slots[i].id == id)
            return db->unpack_slots[i].dict;
    if (!locked)
        return nullptr;
    auto found = db->unpack_dicts.find(id);
    return found != db->unpack_dicts.end() ? found->second : nullptr;
}

/* Caches a dictionary read from a shard (db->unpack_lock held). */
ZSTD_DDict *remember_dict(fsi_xdb_t *db, unsigned id, const std::string &dict)
{
    ZSTD_DDict *loaded = ZSTD_createDDict(dict.data(), dict.size());
    if (loaded == nullptr)
        throw std::bad_alloc();
    size_t filled = db->n_unpack_dicts.load(std::memory_order_relaxed);
    size_t cap = sizeof db->unpack_slots / sizeof db->unpack_slots[0];
    if (filled < cap) {
        db->unpack_slots[filled] = {id, loaded};
        db->n_unpack_dicts.store(filled + 1, std::memory_order_release);
    } else {
        db->unpack_dicts.emplace(id, loaded);
    }
    return loaded;
}

/* The dictionary with this id, from whichever shard has it; nullptr
 * when none has. */
ZSTD_DDict *unpack_dict(fsi_xdb_t *db, unsigned id)
{
    ZSTD_DDict *dict = cached_dict(db, id, false);
    if (dict != nullptr)
        return dict;
    std::lock_guard<std::mutex> hold(db->unpack_lock);
    if ((dict = cached_dict(db, id, true)) != nullptr || unpack_cached_only)
        return dict;
    std::string key = dict_key(id), bytes;
    if (db->shards.empty()) {
        bytes = db->reader->get_metadata(key);
    } else {
        for (fsi_xdb_t *shard : db->shards)
            if (!shard->missing && bytes.empty())
                bytes = shard->reader->get_metadata(key);
    }
    return bytes.empty() ? nullptr : remember_dict(db, id, bytes);
}

/* Every shard's dictionaries into db's cache, before the threads of a
 * search side by side start. */
void preload_dicts(fsi_xdb_t *db)
{
    std::lock_guard<std::mutex> hold(db->unpack_lock);
    for (fsi_xdb_t *shard : db->shards) {
        Xapian::Database &r = *shard->reader;
        for (Xapian::TermIterator it = r.metadata_keys_begin(dict_key_prefix);
             it != r.metadata_keys_end(dict_key_prefix); ++it) {
            unsigned id = static_cast<unsigned>(std::strtoul(
                (*it).c_str() + sizeof dict_key_prefix - 1, nullptr, 16));
            if (cached_dict(db, id, true) == nullptr)
                remember_dict(db, id, r.get_metadata(*it));
        }
    }
}

/* One per thread: a context is 100 KB and costs more to make than a
 * record does to unpack. */
struct unpack_context {
    ZSTD_DCtx *ctx = ZSTD_createDCtx();
    ~unpack_context() { ZSTD_freeDCtx(ctx); }
};

/* A document's data as the indexer gave it (into out, reused). */
void unpack(fsi_xdb_t *db, const std::string &stored, std::string &out)
{
    if (!is_frame(stored)) {
        out = stored;
        return;
    }
    unsigned long long size =
        ZSTD_getFrameContentSize(stored.data(), stored.size());
    /* A record holds a post of at most FSI_MAX_POST_BYTES and a title;
     * anything far larger is damage, not a post. */
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
        size > 16u * FSI_MAX_POST_BYTES)
        throw Xapian::DatabaseCorruptError("a post record is damaged");
    unsigned id = ZSTD_getDictID_fromFrame(stored.data(), stored.size());
    ZSTD_DDict *dict = id ? unpack_dict(db, id) : nullptr;
    if (id && dict == nullptr)
        throw Xapian::DatabaseCorruptError(
            "a post record needs the dictionary " + dict_key(id) +
            ", which no shard has");
    static thread_local unpack_context context;
    if (context.ctx == nullptr)
        throw std::bad_alloc();
    out.resize(size);
    size_t len = dict ? ZSTD_decompress_usingDDict(context.ctx, &out[0],
                                                   out.size(), stored.data(),
                                                   stored.size(), dict)
                      : ZSTD_decompressDCtx(context.ctx, &out[0], out.size(),
                                            stored.data(), stored.size());
    if (ZSTD_isError(len) || len != size)
        throw Xapian::DatabaseCorruptError("a post record is damaged");
}

class CallbackDecider : public Xapian::MatchDecider {
  public:
    CallbackDecider(fsi_xdb_t *db, fsi_decider_fn fn, void *payload)
        : db_(db), fn_(fn), payload_(payload) {}
    bool operator()(const Xapian::Document &doc) const override
    {
        unpack(db_, doc.get_data(), data_);
        return fn_(payload_, data_.data(), data_.size()) != 0;
    }

  private:
    fsi_xdb_t *db_;
    fsi_decider_fn fn_;
    void *payload_;
    mutable std::string data_;
};

} // namespace

/* What fold() gets: the match, and the values it asked for, read once.
 * An error reading them is kept for the spy to throw: fold() is C, and
 * no exception may cross it. */
struct fsi_xmatch {
    const Xapian::Document *doc;
    double weight;
    const fsi_xsearch_t *opts;
    bool one_shard;
    std::string key, thread;
    std::exception_ptr error;
};

uint64_t fsi_xmatch_docid(const fsi_xmatch_t *match)
{
    return match->doc->get_docid();
}

double fsi_xmatch_weight(const fsi_xmatch_t *match)
{
    return match->weight;
}

const char *fsi_xmatch_key(fsi_xmatch_t *match, size_t *len)
{
    try {
        match->key = match->doc->get_value(match->opts->tie_slot);
        *len = match->key.size();
        return match->key.data();
    } catch (...) {
        match->error = std::current_exception();
        return nullptr;
    }
}

int fsi_xmatch_thread(fsi_xmatch_t *match, uint32_t *number,
                      const char **floor, size_t *floor_len)
{
    if (!match->one_shard || match->opts->thread_slot < 0)
        return 0;
    try {
        match->thread = match->doc->get_value(
            static_cast<Xapian::valueno>(match->opts->thread_slot));
    } catch (...) {
        match->error = std::current_exception();
        return -1;
    }
    const std::string &v = match->thread;
    if (v.size() <= FSI_THREAD_NUMBER_BYTES)
        return 0;
    *number = fsi_thread_number_get(v.data());
    *floor = v.data() + FSI_THREAD_NUMBER_BYTES;
    *floor_len = v.size() - FSI_THREAD_NUMBER_BYTES;
    return 1;
}

namespace {

/* Hands every match to fsi_xsearch_t's fold() with payload (fold_payload,
 * or a part's). The docid is the match's in its own shard: a MatchSpy
 * sees no other (resolve_folded() finds the page's). Thread numbers are
 * a shard's own, so they are offered only when every match comes from
 * one shard (one_shard). */
class FoldingSpy : public Xapian::MatchSpy {
  public:
    FoldingSpy(const fsi_xsearch_t *opts, void *payload, bool one_shard)
        : opts_(opts), payload_(payload), one_shard_(one_shard) {}
    void operator()(const Xapian::Document &doc, double wt) override
    {
        fsi_xmatch match{&doc, wt, opts_, one_shard_, {}, {}, nullptr};
        if (opts_->fold(payload_, &match) != 0) {
            if (match.error)
                std::rethrow_exception(match.error);
            throw std::bad_alloc();
        }
    }

  private:
    const fsi_xsearch_t *opts_;
    void *payload_;
    bool one_shard_;
};

/* The spies a search asks for: the exact count of each count_slot value
 * (exact counts only), and the folding of every match into its thread
 * (fold_payload, when folding). Attached to an Enquire, which keeps
 * pointers to them: they live as long as its get_mset(). */
struct match_spies {
    match_spies(const fsi_xsearch_t *opts, void *fold_payload, bool folding,
                bool one_shard, Xapian::Enquire &enquire)
        : counting(opts->count_slot >= 0 && opts->exact_counts),
          counts(static_cast<Xapian::valueno>(
              counting ? opts->count_slot : 0)),
          folder(opts, fold_payload, one_shard)
    {
        if (counting)
            enquire.add_matchspy(&counts);
        if (folding)
            enquire.add_matchspy(&folder);
    }
    bool counting;
    Xapian::ValueCountMatchSpy counts;
    FoldingSpy folder;
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
    try {
        if (db->in_transaction) {
            /* Over either way: Xapian ends it even when the commit fails. */
            db->in_transaction = false;
            db->writer->commit_transaction();
        } else {
            db->writer->commit();
        }
    } catch (...) {
        forget_uncommitted_dict(db);
        throw;
    }
    db->dict_uncommitted = false;
    open_transaction(db);
}

/* One line of a XAPIANDB stub: a local shard or a remote one. */
struct stub_entry {
    bool remote = false;
    std::string path;      /* Local: the shard's directory. */
    std::string host;      /* Remote: where xapian-tcpsrv listens. */
    unsigned port = 0;
    std::string label;     /* How messages name it. */
};

stub_entry parse_remote(const std::string &spec, const std::string &where);

/* The shards a XAPIANDB stub in dir lists: "auto g1/s0" (relative to
 * dir, or absolute), and remote shards in Xapian's stub syntax,
 * "remote HOST:PORT", or "remote tcp HOST PORT". Empty when the stub
 * names one local database (opened as Xapian does). */
std::vector<stub_entry> stub_shards(const std::string &dir)
{
    std::vector<stub_entry> shards;
    std::ifstream stub(dir + "/XAPIANDB");
    std::string line;
    unsigned line_no = 0;
    while (std::getline(stub, line)) {
        line_no++;
        if (line.empty() || line[0] == '#')
            continue;
        char where[64];
        std::snprintf(where, sizeof where, "/XAPIANDB line %u: ", line_no);
        stub_entry entry;
        if (line.compare(0, 5, "auto ") == 0) {
            std::string path = line.substr(5);
            entry.path = path[0] == '/' ? path : dir + "/" + path;
            entry.label = entry.path;
        } else if (line.compare(0, 7, "remote ") == 0) {
            entry = parse_remote(line.substr(7), dir + where);
        } else {
            throw Xapian::DatabaseOpeningError(
                dir + where + "not \"auto PATH\", \"remote HOST:PORT\" "
                "or \"remote tcp HOST PORT\"");
        }
        shards.push_back(entry);
    }
    if (shards.size() < 2 && (shards.empty() || !shards[0].remote))
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

fsi_xdb_t *open_remote_shard(const fsi_xdb_t *db, const stub_entry &entry,
                             size_t k, size_t n);
void build_union(fsi_xdb_t *db);

/* Opens each shard on its own (the indexer writes them one by one, and
 * metadata lives in the shard of its thread: Xapian reads metadata from
 * the first shard only), and a reader over all of them for searching. */
void open_shards(fsi_xdb_t *db, const std::vector<stub_entry> &entries,
                 int mode)
{
    for (const stub_entry &entry : entries)
        if (entry.remote && mode != FORUM_DB_READ)
            throw Xapian::InvalidArgumentError(
                "the stub lists a remote shard (" + entry.label + "): a "
                "remote shard is indexed on its own machine, by forum-index "
                "on that shard's database; a stub with remote shards is for "
                "searching only");
    for (size_t k = 0; k < entries.size(); k++) {
        if (entries[k].remote) {
            db->shards.push_back(open_remote_shard(db, entries[k], k,
                                                   entries.size()));
            continue;
        }
        const std::string &path = entries[k].path;
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
        shard->label = path;
        db->shards.push_back(shard);
    }
    build_union(db);
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
    return fsi_xdb_open_with(out, path, mode, nullptr, errmsg);
}

forum_status_t fsi_xdb_open_with(fsi_xdb_t **out, const char *path, int mode,
                                 const fsi_xopen_t *opts, char **errmsg)
{
    *out = nullptr;
    if (errmsg)
        *errmsg = nullptr;
    fsi_xdb_t *db = nullptr;
    try {
        db = new fsi_xdb_t;
        db->path = path;
        if (opts) {
            db->timeout_ms = opts->remote_timeout_ms;
            db->partial = opts->partial != 0;
        }
        std::vector<stub_entry> shards = stub_shards(path);
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
            load_pack_dict(db);
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
            forget_uncommitted_dict(db);
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
            fresh.timeout_ms = db->timeout_ms;
            fresh.partial = db->partial;
            open_shards(&fresh, stub_shards(db->path), FORUM_DB_READ);
            close_shards(db);
            db->shards.swap(fresh.shards);
            db->reader = fresh.reader;
            db->present.swap(fresh.present);
            fresh.reader = nullptr;
            return;
        }
        Xapian::Database *fresh = new Xapian::Database(db->path);
        delete db->reader;
        db->reader = fresh;
    }
}

} /* extern "C" */

namespace {

/* How often a read meets DatabaseModifiedError before it gives up. A
 * glass reader keeps its revision only until a writer has committed the
 * next one and reuses the blocks that this one freed; each attempt
 * starts from the newest revision, so it fails again only when a writer
 * commits and writes on while it runs. */
const int read_attempts = 5;

/* Runs body (a read returning a status) on db's current revision, and
 * again on the newest after DatabaseModifiedError. body must be safe to
 * run twice: it collects, and callers hand the results on afterwards. */
template <class Body>
forum_status_t read_retrying(fsi_xdb_t *db, Body body)
{
    for (int attempt = 1;; attempt++) {
        try {
            return body();
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt == read_attempts)
                return fail(db);
            try {
                refresh(db);
            } catch (...) {
                return fail(db);
            }
        } catch (...) {
            return fail(db);
        }
    }
}

} // namespace

extern "C" {

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
    return read_retrying(db, [&] {
        *out = db->reader->get_doccount();
        return FORUM_OK;
    });
}

forum_status_t fsi_xdb_get_metadata(fsi_xdb_t *db, const char *key,
                                    size_t key_len, char **value,
                                    size_t *value_len)
{
    *value = nullptr;
    return read_retrying(db, [&] {
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
    });
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
    std::vector<std::string> keys;
    /* A stale reader would throw from inside Xapian's metadata key list
     * constructor, which then leaks its cursor (glass_metadata.cc, 1.4
     * and master): start from the newest revision instead. */
    try {
        refresh(db); /* a writer's reopen() does nothing */
    } catch (...) {
        return fail(db);
    }
    /* Collect first: the callback may change metadata. */
    forum_status_t status = read_retrying(db, [&] {
        std::string p(prefix, prefix_len);
        keys.clear();
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
        return FORUM_OK;
    });
    if (status != FORUM_OK)
        return status;
    try {
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

forum_status_t fsi_xdb_add_document(fsi_xdb_t *db, fsi_xdoc_t *doc,
                                    uint32_t *docid)
{
    try {
        if (db->writer == nullptr)
            return FORUM_EINVAL;
        open_transaction(db);
        fold_length(doc);
        pack(db, doc->doc);
        *docid = db->writer->add_document(doc->doc);
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_replace_document(fsi_xdb_t *db, uint32_t docid,
                                        fsi_xdoc_t *doc)
{
    try {
        if (db->writer == nullptr)
            return FORUM_EINVAL;
        open_transaction(db);
        fold_length(doc);
        pack(db, doc->doc);
        db->writer->replace_document(docid, doc->doc);
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_term_values(fsi_xdb_t *db, const char *term,
                                   size_t len, unsigned slot,
                                   int (*cb)(void *, uint32_t, const char *,
                                             size_t),
                                   void *payload)
{
    std::vector<std::pair<Xapian::docid, std::string>> values;
    /* Collect first: the callback may delete these documents. */
    forum_status_t status = read_retrying(db, [&] {
        std::string t(term, len);
        values.clear();
        for (auto it = db->reader->postlist_begin(t);
             it != db->reader->postlist_end(t); ++it)
            values.emplace_back(
                *it, db->reader->get_document(*it).get_value(slot));
        return FORUM_OK;
    });
    if (status != FORUM_OK)
        return status;
    try {
        for (const auto &v : values)
            if (cb(payload, v.first, v.second.data(), v.second.size()) != 0)
                break;
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

forum_status_t fsi_xdb_termfreq(fsi_xdb_t *db, const char *term, size_t len,
                                uint64_t *out)
{
    return read_retrying(db, [&] {
        *out = db->reader->get_termfreq(std::string(term, len));
        return FORUM_OK;
    });
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

void fsi_xdoc_clear(fsi_xdoc_t *doc)
{
    doc->weighted.clear();
    doc->status = FORUM_OK;
    DOC_GUARD(doc, doc->doc = Xapian::Document());
}

void fsi_xdoc_add_term(fsi_xdoc_t *doc, const char *term, size_t len,
                       unsigned wdf_inc)
{
    DOC_GUARD(doc, doc->weighted.add(term, len, wdf_inc));
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

double fsi_sortable_unserialise(const char *value, size_t len)
{
    try {
        return Xapian::sortable_unserialise(std::string(value, len));
    } catch (...) {
        return 0;
    }
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
        std::shared_ptr<query_recipe> recipe(new query_recipe);
        recipe->kind = query_recipe::TERM;
        recipe->term.assign(term, len);
        recipe->wqf_or_slot = wqf;
        return new fsi_xquery_t{Xapian::Query(recipe->term, wqf), recipe};
    } catch (...) {
        return nullptr;
    }
}

fsi_xquery_t *fsi_xq_match_all(void)
{
    try {
        std::shared_ptr<query_recipe> recipe(new query_recipe);
        recipe->kind = query_recipe::MATCH_ALL;
        return new fsi_xquery_t{Xapian::Query::MatchAll, recipe};
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
        std::shared_ptr<query_recipe> recipe(new query_recipe);
        recipe->kind = query_recipe::COMBINE;
        recipe->op = xop;
        bool complete = true;
        for (size_t i = 0; i < n; i++) {
            if (subs[i] == nullptr) {
                complete = false;
            } else {
                parts.push_back(subs[i]->query);
                recipe->kids.push_back(subs[i]->recipe);
            }
        }
        if (complete)
            result = new fsi_xquery_t{
                Xapian::Query(xop, parts.begin(), parts.end()), recipe};
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
        if (q) {
            std::shared_ptr<query_recipe> recipe(new query_recipe);
            recipe->kind = query_recipe::SCALE;
            recipe->factor = factor;
            recipe->kids.push_back(q->recipe);
            result = new fsi_xquery_t{
                Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q->query,
                              factor), recipe};
        }
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
        if (!lo && !hi)
            return fsi_xq_match_all();
        std::shared_ptr<query_recipe> recipe(new query_recipe);
        recipe->kind = query_recipe::VALUE;
        recipe->op = lo && hi ? Xapian::Query::OP_VALUE_RANGE
                   : lo       ? Xapian::Query::OP_VALUE_GE
                              : Xapian::Query::OP_VALUE_LE;
        recipe->wqf_or_slot = slot;
        if (lo)
            recipe->lo.assign(lo, lo_len);
        if (hi)
            recipe->hi.assign(hi, hi_len);
        return new fsi_xquery_t{value_query(*recipe), recipe};
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

namespace {
bool has_remote(const fsi_xdb_t *db);
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
 * the page. Hits get no document yet. With fold() (and no remote shard,
 * whose matches a MatchSpy does not see), every match goes to fold()
 * and none is listed: returns true then. */
namespace {

/* ---- Shards searched side by side ------------------------------------
 *
 * Xapian searches the shards of a union one after the other. With
 * GlobalBM25 each shard alone weighs its posts as the union does, so
 * they can be searched on a thread each and merged: by weight, then the
 * tie value, as Xapian orders them (a page), or by folding each shard's
 * matches into a table of its own and joining the tables (threads
 * ranked). Only where that is the same answer and it pays: local shards,
 * relevance order, a decider only with a payload per shard (it keeps
 * scratch memory), and a term in at least parallel_postings() posts; a
 * thread costs tens of microseconds to start, a posting about 0.1. */
const Xapian::doccount default_parallel_postings = 10000;

/* The search's threshold, or the default; FORUMSEARCH_PARALLEL_POSTINGS
 * overrides both (tests set 0 to search every sharded query side by
 * side). */
Xapian::doccount parallel_postings(const fsi_xsearch_t *opts)
{
    const char *env = std::getenv("FORUMSEARCH_PARALLEL_POSTINGS");
    if (env == nullptr || *env == '\0')
        return opts->parallel_postings ? opts->parallel_postings
                                       : default_parallel_postings;
    return static_cast<Xapian::doccount>(std::strtoul(env, nullptr, 10));
}

Xapian::doccount largest_termfreq(const idf_table &idfs)
{
    Xapian::doccount most = 0;
    for (const auto &entry : idfs)
        most = std::max(most, entry.second.termfreq);
    return most;
}

/* What one shard found, its docids already the union's. */
struct shard_found {
    struct hit {
        Xapian::docid docid;
        double weight;
        std::string key;
    };
    std::vector<hit> hits;
    Xapian::doccount matches = 0;
    bool exact = true;
    std::vector<std::string> values; /* count_slot's, sorted. */
    Xapian::doccount spied = 0;
    std::exception_ptr error;
};

void search_shard(fsi_xdb_t *db, size_t k, const query_recipe &recipe,
                  const idf_table &idfs, double inverse_average_length,
                  const fsi_xsearch_t *opts, void *fold_payload,
                  void *decider_payload, shard_found &found)
{
    unpack_cached_only = true;
    try {
        Xapian::Database &shard = *db->shards[k]->reader;
        Xapian::Enquire enquire(shard);
        enquire.set_query(build_query(recipe, idfs));
        GlobalBM25 weight(inverse_average_length);
        enquire.set_weighting_scheme(weight);
        bool folding = fold_payload != nullptr;
        Xapian::MultiValueKeyMaker keymaker;
        if (!folding)
            set_order(enquire, opts, keymaker);
        match_spies spies(opts, fold_payload, folding, true, enquire);
        Xapian::doccount all = shard.get_doccount();
        CallbackDecider decider(db, opts->decider, decider_payload);
        Xapian::MSet mset = enquire.get_mset(
            0,
            folding ? 0
                    : clamp_count(opts->limit > SIZE_MAX - opts->offset
                                      ? SIZE_MAX
                                      : opts->offset + opts->limit),
            opts->exact_counts || folding ? all : 0, nullptr,
            opts->decider ? &decider : nullptr);
        found.matches = mset.get_matches_estimated();
        found.exact =
            mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
        if (spies.counting) {
            found.spied = spies.counts.get_total();
            for (Xapian::TermIterator it = spies.counts.values_begin();
                 it != spies.counts.values_end(); ++it)
                found.values.push_back(*it);
        }
        Xapian::docid n = static_cast<Xapian::docid>(db->shards.size());
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it)
            found.hits.push_back({(*it - 1) * n +
                                      static_cast<Xapian::docid>(k) + 1,
                                  it.get_weight(), it.get_sort_key()});
    } catch (...) {
        found.error = std::current_exception();
    }
    unpack_cached_only = false;
}

/* Distinct values of sorted lists. */
uint64_t count_distinct(std::vector<shard_found> &found)
{
    std::vector<std::string> all;
    for (shard_found &f : found)
        all.insert(all.end(), f.values.begin(), f.values.end());
    std::sort(all.begin(), all.end());
    return static_cast<uint64_t>(
        std::unique(all.begin(), all.end()) - all.begin());
}

/* The search on a thread per shard, when side by side pays and gives
 * the union's answer (above); false when it does not apply. Sets
 * *folded as rank_matches() returns. */
bool rank_side_by_side(fsi_xdb_t *db, const fsi_xquery_t *q,
                       const fsi_xsearch_t *opts, fsi_xresult_t *out,
                       bool *folded)
{
    size_t n = db->shards.size();
    bool folding = opts->arrange && opts->fold && opts->fold_part &&
                   opts->fold_join;
    /* A page with a decider: each shard would verify candidates until
     * it had a page of its own, up to n times the union's work. */
    if (n < 2 || db->present.size() != n ||
        (opts->decider &&
         (!opts->decider_part || !(opts->exact_counts || folding))) ||
        opts->primary_slot >= 0 || opts->collapse_slot >= 0 ||
        (opts->arrange && !folding))
        return false;
    idf_table idfs;
    term_idfs(*db->reader, db->reader->get_doccount(), *q->recipe, idfs);
    if (largest_termfreq(idfs) < parallel_postings(opts))
        return false;
    /* Version 6 (b = 0) needs no lengths; version 5 the average. */
    double avlen = bm25_b != 0 ? db->reader->get_avlength() : 0;
    double inverse_average_length = avlen != 0 ? 1 / avlen : 0;
    std::vector<void *> parts(n, nullptr);
    for (size_t k = 0; folding && k < n; k++)
        if ((parts[k] = opts->fold_part(opts->payload,
                                        static_cast<unsigned>(k),
                                        static_cast<unsigned>(n))) ==
            nullptr)
            throw std::bad_alloc();
    if (opts->decider)
        preload_dicts(db);
    std::vector<void *> deciders(n, nullptr);
    for (size_t k = 0; opts->decider && k < n; k++)
        if ((deciders[k] = opts->decider_part(opts->payload,
                                              static_cast<unsigned>(k),
                                              static_cast<unsigned>(n))) ==
            nullptr)
            throw std::bad_alloc();
    std::vector<shard_found> found(n);
    std::vector<std::thread> threads;
    try {
        for (size_t k = 1; k < n; k++)
            threads.emplace_back(search_shard, db, k, std::cref(*q->recipe),
                                 std::cref(idfs), inverse_average_length,
                                 opts, parts[k], deciders[k],
                                 std::ref(found[k]));
    } catch (...) {
        /* No thread: this one searches those shards itself. */
        for (size_t k = threads.size() + 1; k < n; k++)
            search_shard(db, k, *q->recipe, idfs, inverse_average_length,
                         opts, parts[k], deciders[k], found[k]);
    }
    search_shard(db, 0, *q->recipe, idfs, inverse_average_length, opts,
                 parts[0], deciders[0], found[0]);
    for (std::thread &t : threads)
        t.join();
    for (shard_found &f : found)
        if (f.error)
            std::rethrow_exception(f.error);

    bool exact = true;
    uint64_t matches = 0, spied = 0;
    std::vector<shard_found::hit *> page;
    for (shard_found &f : found) {
        matches += f.matches;
        spied += f.spied;
        exact = exact && f.exact;
        for (shard_found::hit &h : f.hits)
            page.push_back(&h);
    }
    out->matches = out->uncollapsed = matches;
    out->counts_final = !opts->exact_counts || exact;
    if (opts->count_slot >= 0 && opts->exact_counts) {
        out->counted = 1;
        out->counted_docs = spied;
        out->counted_values = count_distinct(found);
    }
    std::sort(page.begin(), page.end(),
              [](const shard_found::hit *a, const shard_found::hit *b) {
                  if (a->weight != b->weight)
                      return a->weight > b->weight;
                  return a->key < b->key;
              });
    size_t from = std::min(opts->offset, page.size());
    size_t to = from + std::min(opts->limit, page.size() - from);
    out->hits = static_cast<fsi_xhit_t *>(
        std::calloc(to > from ? to - from : 1, sizeof(fsi_xhit_t)));
    if (out->hits == nullptr)
        throw std::bad_alloc();
    for (size_t i = from; i < to; i++) {
        fsi_xhit_t *hit = &out->hits[out->n_hits++];
        hit->docid = page[i]->docid;
        hit->weight = page[i]->weight;
    }
    if (folding && opts->fold_join(opts->payload) != 0)
        throw std::bad_alloc();
    *folded = folding;
    return true;
}

} // namespace

static bool rank_matches(fsi_xdb_t *db, const fsi_xquery_t *q,
                         const fsi_xsearch_t *opts, fsi_xresult_t *out)
{
    bool remote = has_remote(db);
    bool folded = false;
    if (!remote && db->shards.size() >= 2 &&
        rank_side_by_side(db, q, opts, out, &folded))
        return folded;
    /* One after the other: Xapian's BM25Weight gives the same weights. */
    Xapian::Enquire enquire(*db->reader);
    enquire.set_query(q->query);
    enquire.set_weighting_scheme(post_weight());
    bool folding = opts->arrange && opts->fold && !remote;
    if (opts->collapse_slot >= 0)
        enquire.set_collapse_key(static_cast<Xapian::valueno>(
            opts->collapse_slot));
    Xapian::MultiValueKeyMaker keymaker;
    if (!folding) /* Else by relevance alone: nothing is listed. */
        set_order(enquire, opts, keymaker);
    match_spies spies(opts, opts->fold_payload, folding,
                      db->shards.size() <= 1, enquire);
    /* Counts are shown to users (posts per thread, totals), so ask for
     * exact ones: Xapian then visits every match. */
    Xapian::doccount all = db->reader->get_doccount();
    CallbackDecider decider(db, opts->decider, opts->decider_payload);
    Xapian::MSet mset = enquire.get_mset(
        opts->arrange ? 0 : clamp_count(opts->offset),
        folding ? 0 : opts->arrange ? all : clamp_count(opts->limit),
        opts->exact_counts || folding ? all : 0, nullptr,
        opts->decider ? &decider : nullptr);
    keep_counts(mset, opts, out);
    if (spies.counting)
        keep_spied_counts(spies.counts, out);
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
    return folding;
}

/* The docids of folded hits (their shards' own) in the database of
 * every shard: Xapian numbers n shards' documents round robin, so the
 * candidates are n, told apart by the tie value. */
static void resolve_folded(fsi_xdb_t *db, const fsi_xsearch_t *opts,
                           fsi_xresult_t *out)
{
    Xapian::docid n = db->shards.empty()
        ? 1 : static_cast<Xapian::docid>(db->present.size());
    if (n == 1)
        return;
    for (size_t i = 0; i < out->n_hits; i++) {
        fsi_xhit_t *hit = &out->hits[i];
        Xapian::docid local = static_cast<Xapian::docid>(hit->docid);
        bool found = false;
        for (Xapian::docid k = 0; k < n && !found; k++) {
            Xapian::docid global = (local - 1) * n + k + 1;
            /* Not checked to exist: one that does not has no value. */
            std::string key =
                db->reader->get_document(global, Xapian::DOC_ASSUME_VALID)
                    .get_value(opts->tie_slot);
            found = key.size() == hit->key_len &&
                    std::memcmp(key.data(), hit->key, key.size()) == 0;
            if (found)
                hit->docid = global;
        }
        if (!found)
            throw Xapian::DatabaseCorruptError(
                "a match's document is in no shard");
    }
}

/* Reads each hit's document data and the metadata it names, from the
 * revision the hits were ranked in, so a result set never goes back to
 * the database. */
static void read_page(fsi_xdb_t *db, const fsi_xsearch_t *opts,
                      fsi_xresult_t *out, Xapian::MSet *listed)
{
    /* Over remote shards (listed: the candidates' MSet), ask for the
     * page's documents all at once: Xapian pipelines the requests made
     * through an MSet, where get_document() waits for each reply. They
     * are asked for in the MSet's order, the order it reads replies. */
    std::vector<Xapian::doccount> ranks(out->n_hits, 0);
    if (listed) {
        std::map<Xapian::docid, size_t> page;
        /* Not page[docid] = i: operator[] instantiates the global
         * std::piecewise_construct, which the static library would export
         * (check_symbols). A page's docids are distinct. */
        for (size_t i = 0; i < out->n_hits; i++)
            page.emplace(out->hits[i].docid, i);
        for (Xapian::MSetIterator it = listed->begin(); it != listed->end();
             ++it) {
            auto found = page.find(*it);
            if (found != page.end())
                ranks[found->second] = it.get_rank();
        }
        std::vector<Xapian::doccount> order(ranks);
        std::sort(order.begin(), order.end());
        for (Xapian::doccount rank : order) {
            Xapian::MSetIterator from = (*listed)[rank], to = from;
            listed->fetch(from, ++to);
        }
    }
    char key[256];
    for (size_t i = 0; i < out->n_hits; i++) {
        fsi_xhit_t *hit = &out->hits[i];
        std::string data;
        unpack(db, listed ? (*listed)[ranks[i]].get_document().get_data()
                          : db->reader->get_document(hit->docid).get_data(),
               data);
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
            home = db->shards[db->present[(hit->docid - 1) %
                                          db->present.size()]]->reader;
        std::string meta = home->get_metadata(std::string(key, key_len));
        hit->meta = dup_string(meta);
        if (hit->meta == nullptr)
            throw std::bad_alloc();
        hit->meta_len = meta.size();
    }
}

static bool ranks_client_side(const fsi_xdb_t *db, const fsi_xsearch_t *opts);
static void rank_candidates(fsi_xdb_t *db, const fsi_xquery_t *q,
                            const fsi_xsearch_t *opts, fsi_xresult_t *out,
                            Xapian::MSet &listed);
static void note_missing(const fsi_xdb_t *db, fsi_xresult_t *out);
static forum_status_t shard_lost(fsi_xdb_t *db, const Xapian::NetworkError &e);

static void search_once(fsi_xdb_t *db, const fsi_xquery_t *q,
                        const fsi_xsearch_t *opts, fsi_xresult_t *out)
{
    if (opts->restart)
        opts->restart(opts->payload);
    refresh(db);
    Xapian::MSet listed;
    bool client_side = ranks_client_side(db, opts);
    bool folded = false;
    if (client_side)
        rank_candidates(db, q, opts, out, listed);
    else
        folded = rank_matches(db, q, opts, out);
    if (opts->arrange && opts->arrange(opts->payload, out) != 0)
        throw std::bad_alloc();
    if (folded)
        resolve_folded(db, opts, out);
    read_page(db, opts, out, client_side ? &listed : nullptr);
    note_missing(db, out);
}

forum_status_t fsi_xdb_search(fsi_xdb_t *db, const fsi_xquery_t *q,
                              const fsi_xsearch_t *opts, fsi_xresult_t *out)
{
    std::memset(out, 0, sizeof *out);
    for (int attempt = 0;; attempt++) {
        try {
            search_once(db, q, opts, out);
            return FORUM_OK;
        } catch (const Xapian::DatabaseModifiedError &) {
            fsi_xresult_free(out);
            if (attempt + 1 < read_attempts)
                continue;
            return fail(db);
        } catch (const Xapian::NetworkError &e) {
            /* A remote shard went away: named, or dropped (partial) and
             * the search runs again on the others. Each retry drops a
             * shard, so this ends. */
            fsi_xresult_free(out);
            forum_status_t status = shard_lost(db, e);
            if (status != FORUM_OK)
                return status;
            attempt--;
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
    for (size_t i = 0; i < result->n_missing; i++)
        std::free(result->missing[i]);
    std::free(result->missing);
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
    std::vector<std::pair<std::string, Xapian::doccount>> terms;
    /* Collect first, so a retried walk calls cb once per term. */
    forum_status_t status = read_retrying(db, [&] {
        std::string p(prefix, prefix_len);
        terms.clear();
        for (Xapian::TermIterator it = db->reader->allterms_begin(p);
             it != db->reader->allterms_end(p); ++it)
            terms.emplace_back(*it, it.get_termfreq());
        return FORUM_OK;
    });
    if (status != FORUM_OK)
        return status;
    for (const auto &t : terms)
        if (cb(payload, t.first.data(), t.first.size(), t.second))
            break;
    return FORUM_OK;
}

forum_status_t fsi_xdb_value_bounds(fsi_xdb_t *db, unsigned slot,
                                    double *lo, double *hi, int *any)
{
    return read_retrying(db, [&] {
        std::string l = db->reader->get_value_lower_bound(slot);
        std::string h = db->reader->get_value_upper_bound(slot);
        *any = !l.empty() && !h.empty();
        *lo = *any ? Xapian::sortable_unserialise(l) : 0;
        *hi = *any ? Xapian::sortable_unserialise(h) : 0;
        return FORUM_OK;
    });
}

} /* extern "C" */

/* ==== Remote shards ====================================================
 *
 * A stub may list shards served by xapian-tcpsrv ("remote HOST:PORT").
 * Xapian searches them with the local ones as one database (statistics
 * are gathered from every shard, so weights are those of one database),
 * but its remote backend refuses a MatchDecider and a KeyMaker, and its
 * collapse counts and MatchSpy totals come back wrong. So when a search needs any of them
 * (candidates to verify against their stored text, the date order with
 * its tie-break, threads collapsed, exact counts), Xapian lists every
 * candidate with the values that order them, the client reads the
 * candidates' stored data and verifies them, and remote.c collapses,
 * orders, counts and cuts the page as the local path would. Searches
 * that need none (posts of exact terms without exact counts, by
 * relevance or thread order) run as on local shards, on the servers.
 */

namespace {

std::string shard_name(size_t k, size_t n, const std::string &label)
{
    char head[64];
    std::snprintf(head, sizeof head, "shard %zu of %zu (", k + 1, n);
    return head + label + ")";
}

/* "HOST:PORT", "[V6ADDR]:PORT" (Xapian's syntax) or "tcp HOST PORT". */
stub_entry parse_remote(const std::string &spec, const std::string &where)
{
    stub_entry entry;
    entry.remote = true;
    std::string port;
    if (spec.compare(0, 4, "tcp ") == 0) {
        size_t space = spec.find(' ', 4);
        if (space != std::string::npos) {
            entry.host = spec.substr(4, space - 4);
            port = spec.substr(space + 1);
        }
    } else if (!spec.empty() && spec[0] != ':') {
        size_t colon = spec.rfind(':');
        if (colon != std::string::npos) {
            entry.host = spec.substr(0, colon);
            port = spec.substr(colon + 1);
        }
        if (entry.host.size() > 2 && entry.host[0] == '[' &&
            entry.host.back() == ']')
            entry.host = entry.host.substr(1, entry.host.size() - 2);
    }
    char *end = nullptr;
    unsigned long number = port.empty() ? 0 : std::strtoul(port.c_str(),
                                                           &end, 10);
    if (entry.host.empty() || number == 0 || number > 65535 || *end != '\0')
        throw Xapian::DatabaseOpeningError(
            where + "\"remote " + spec + "\": want remote HOST:PORT or "
            "remote tcp HOST PORT (a TCP port served by xapian-tcpsrv)");
    entry.port = static_cast<unsigned>(number);
    char label[32];
    std::snprintf(label, sizeof label, ":%u", entry.port);
    entry.label = "remote " + entry.host + label;
    return entry;
}

/* Connects to a remote shard. Unreachable, it fails the open, or with
 * partial it stays in the list as missing (an empty database stands in
 * for it, so per-shard loops need no special case). */
fsi_xdb_t *open_remote_shard(const fsi_xdb_t *db, const stub_entry &entry,
                             size_t k, size_t n)
{
    fsi_xdb_t *shard = new fsi_xdb_t;
    shard->remote = true;
    shard->label = entry.label;
    shard->path = entry.label;
    shard->host = entry.host;
    shard->port = entry.port;
    try {
        shard->reader = new Xapian::Database(Xapian::Remote::open(
            entry.host, entry.port, db->timeout_ms, db->timeout_ms));
    } catch (const Xapian::NetworkError &e) {
        if (!db->partial) {
            delete shard;
            throw Xapian::NetworkError(shard_name(k, n, entry.label) +
                                           " is unreachable: " + e.get_msg(),
                                       e.get_context(),
                                       e.get_error_string());
        }
        shard->missing = true;
        shard->error = e.get_msg();
        shard->reader = new Xapian::Database();
    } catch (...) {
        delete shard;
        throw;
    }
    return shard;
}

/* The reader over every shard that is not missing. */
void build_union(fsi_xdb_t *db)
{
    Xapian::Database *all = new Xapian::Database();
    std::vector<size_t> present;
    try {
        for (size_t k = 0; k < db->shards.size(); k++) {
            if (db->shards[k]->missing)
                continue;
            all->add_database(*db->shards[k]->reader);
            present.push_back(k);
        }
    } catch (...) {
        delete all;
        throw;
    }
    if (present.empty()) {
        delete all;
        throw Xapian::NetworkError("every shard is unreachable");
    }
    delete db->reader;
    db->reader = all;
    db->present.swap(present);
}

bool has_remote(const fsi_xdb_t *db)
{
    for (size_t k : db->present)
        if (db->shards[k]->remote)
            return true;
    return false;
}

} // namespace

extern "C" {

static bool ranks_client_side(const fsi_xdb_t *db, const fsi_xsearch_t *opts)
{
    bool keymaker = opts->primary_slot >= 0 &&
                    static_cast<unsigned>(opts->primary_slot) !=
                        opts->tie_slot;
    /* Collapsing and spying too: over the remote backend, Xapian 1.4's
     * collapse counts come back short and a MatchSpy's total long
     * (measured on the samples: 12 posts for 70 matches in 12 threads
     * collapsed; 76 for 70 with a ValueCountMatchSpy). */
    bool spying = opts->count_slot >= 0 && opts->exact_counts;
    return (opts->decider || keymaker || opts->collapse_slot >= 0 ||
            spying) && has_remote(db);
}

/* Every candidate in an order Xapian can make remotely, with the values
 * that order them: by relevance then the tie value (the sort key), or by
 * the primary value (the sort key) with the tie value carried as a
 * collapse key that collapses nothing (it is unique to each post).
 * Candidates the decider refuses are dropped; their data is read in
 * batches (MSet::fetch() pipelines the requests to the servers). */
static void rank_candidates(fsi_xdb_t *db, const fsi_xquery_t *q,
                            const fsi_xsearch_t *opts, fsi_xresult_t *out,
                            Xapian::MSet &listed)
{
    Xapian::Enquire enquire(*db->reader);
    enquire.set_query(q->query);
    enquire.set_weighting_scheme(post_weight());
    bool by_value = opts->primary_slot >= 0;
    bool two_keys = by_value && static_cast<unsigned>(opts->primary_slot) !=
                                    opts->tie_slot;
    if (!by_value)
        enquire.set_sort_by_relevance_then_value(opts->tie_slot, false);
    else
        enquire.set_sort_by_value(
            static_cast<Xapian::valueno>(opts->primary_slot),
            opts->primary_descending != 0);
    if (two_keys)
        enquire.set_collapse_key(opts->tie_slot, 0xFFFFFFFFu);
    Xapian::doccount all = db->reader->get_doccount();
    Xapian::MSet mset = enquire.get_mset(0, all, all);

    std::vector<fsi_xcand_t> cands;
    cands.reserve(mset.size());
    std::string arena, data;
    std::vector<size_t> tie_at, primary_at;
    const Xapian::doccount batch = 512;
    for (Xapian::doccount i = 0; i < mset.size(); i += batch) {
        Xapian::MSetIterator begin = mset[i];
        Xapian::MSetIterator end = i + batch < mset.size() ? mset[i + batch]
                                                           : mset.end();
        if (opts->decider)
            mset.fetch(begin, end);
        for (Xapian::MSetIterator it = begin; it != end; ++it) {
            if (opts->decider) {
                unpack(db, it.get_document().get_data(), data);
                if (!opts->decider(opts->decider_payload, data.data(),
                                   data.size()))
                    continue;
            }
            fsi_xcand_t c;
            std::memset(&c, 0, sizeof c);
            c.docid = *it;
            c.weight = it.get_weight();
            std::string tie = two_keys ? it.get_collapse_key()
                                       : it.get_sort_key();
            tie_at.push_back(arena.size());
            c.tie_len = tie.size();
            arena += tie;
            primary_at.push_back(arena.size());
            if (two_keys) {
                std::string primary = it.get_sort_key();
                c.primary_len = primary.size();
                arena += primary;
            }
            cands.push_back(c);
        }
    }
    /* The arena is complete: point into it. */
    for (size_t i = 0; i < cands.size(); i++) {
        cands[i].tie = arena.data() + tie_at[i];
        cands[i].primary = two_keys ? arena.data() + primary_at[i]
                                    : cands[i].tie;
        if (!two_keys)
            cands[i].primary_len = cands[i].tie_len;
    }
    enum fsi_rank_by by = !by_value ? FSI_RANK_RELEVANCE
                          : opts->primary_descending ? FSI_RANK_VALUE_DESC
                                                     : FSI_RANK_VALUE_ASC;
    if (fsi_remote_rank(out, cands.data(), cands.size(), by, opts) != 0)
        throw std::bad_alloc();
    listed = mset;
}

/* The result names the shards it could not search. */
static void note_missing(const fsi_xdb_t *db, fsi_xresult_t *out)
{
    size_t n = db->shards.size() - db->present.size();
    if (n == 0)
        return;
    out->missing = static_cast<char **>(std::calloc(n, sizeof(char *)));
    if (out->missing == nullptr)
        throw std::bad_alloc();
    for (size_t k = 0; k < db->shards.size(); k++) {
        if (!db->shards[k]->missing)
            continue;
        char *name = dup_string(shard_name(k, db->shards.size(),
                                           db->shards[k]->label));
        if (name == nullptr)
            throw std::bad_alloc();
        out->missing[out->n_missing++] = name;
    }
}

/* A remote shard failed during a search (Xapian names it in the
 * error's context, "remote:tcp(HOST:PORT)"). Partial: it is dropped
 * and FORUM_OK says to search again; else FORUM_EUNAVAILABLE, naming
 * it. */
static forum_status_t shard_lost(fsi_xdb_t *db, const Xapian::NetworkError &e)
{
    try {
        size_t lost = db->shards.size();
        for (size_t k : db->present) {
            const fsi_xdb_t *shard = db->shards[k];
            char port[16];
            std::snprintf(port, sizeof port, ":%u)", shard->port);
            if (shard->remote &&
                e.get_context() == "remote:tcp(" + shard->host + port)
                lost = k;
        }
        /* A connection closed under us says nothing of where: ask each
         * remote shard (a dead one fails at once, a hung one after the
         * timeout). */
        for (size_t i = 0; lost == db->shards.size() &&
                           i < db->present.size(); i++) {
            fsi_xdb_t *shard = db->shards[db->present[i]];
            if (!shard->remote)
                continue;
            try {
                shard->reader->keep_alive();
            } catch (const Xapian::NetworkError &) {
                lost = db->present[i];
            }
        }
        std::string why = e.get_msg();
        if (e.get_error_string())
            why += std::string(" (") + e.get_error_string() + ")";
        if (lost == db->shards.size()) {
            db->error = "a remote shard failed: " + why + " (" +
                        e.get_context() + ")";
            return FORUM_EUNAVAILABLE;
        }
        fsi_xdb_t *shard = db->shards[lost];
        if (!db->partial || db->present.size() < 2) {
            db->error = shard_name(lost, db->shards.size(), shard->label) +
                        " is unreachable: " + why;
            return FORUM_EUNAVAILABLE;
        }
        shard->missing = true;
        shard->error = why;
        delete shard->reader;
        shard->reader = new Xapian::Database();
        build_union(db);
        return FORUM_OK;
    } catch (...) {
        return fail(db);
    }
}

} /* extern "C" */
