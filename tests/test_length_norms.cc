/* forumsearch — tests for the lengths folded into the wdf (schema.h,
 * FSI_LENGTH_NORMS).
 *
 * Documents are written through the shim, as the indexer writes them,
 * and read back with Xapian itself. The oracle is Xapian's own BM25:
 * the same documents written raw into a second database whose average
 * length is exactly FSI_NORM_AVERAGE_LENGTH, weighed by BM25Weight with
 * its defaults, must rank alike and weigh the same (up to the rounding
 * of the stored wdf) as the folded database weighed with k1 = 32, b = 0.
 */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include <xapian.h>

#include "forumsearch.h"
#include "schema.h"
#include "testutil.h"
#include "xapian_shim.h"

namespace {

char scratch[] = "/tmp/forumsearch-norms-XXXXXX";

struct post {
    const char *name;
    std::vector<std::pair<std::string, unsigned>> terms; /* term, wdf */
};

/* Lengths 10, 100, 200, 400 and 290: 1,000 in 5 posts, the average
 * FSI_NORM_AVERAGE_LENGTH (200). "q" has wdf 0 (quoted text). */
const std::vector<post> posts = {
    {"short", {{"t", 1}, {"pad", 9}, {"q", 0}}},
    {"twice", {{"t", 2}, {"pad", 98}}},
    {"average", {{"t", 1}, {"pad", 199}}},
    {"long", {{"t", 3}, {"pad", 397}}},
    {"longer", {{"t", 1}, {"pad", 289}}},
};

std::string db_path(const char *name)
{
    return std::string(scratch) + "/" + name;
}

/* Writes the posts through the shim; returns their docids in order. */
std::vector<uint32_t> write_folded(const char *name,
                                   const std::vector<post> &which)
{
    fsi_xdb_t *w = nullptr;
    char *err = nullptr;
    CHECK_EQ_INT(fsi_xdb_open(&w, db_path(name).c_str(), FORUM_DB_WRITE,
                              &err),
                 FORUM_OK);
    std::vector<uint32_t> ids;
    for (const post &p : which) {
        fsi_xdoc_t *doc = fsi_xdoc_new();
        CHECK(doc != nullptr);
        std::string id = std::string("XT") + p.name;
        fsi_xdoc_add_boolean_term(doc, id.data(), id.size());
        /* One call per occurrence, as the analyzer makes them. */
        for (const auto &t : p.terms)
            for (unsigned k = 0; k < (t.second ? t.second : 1); k++)
                fsi_xdoc_add_term(doc, t.first.data(), t.first.size(),
                                  t.second ? 1 : 0);
        fsi_xdoc_set_data(doc, p.name, std::string(p.name).size());
        CHECK_EQ_INT(fsi_xdoc_status(doc), FORUM_OK);
        uint32_t docid = 0;
        CHECK_EQ_INT(fsi_xdb_add_document(w, doc, &docid), FORUM_OK);
        fsi_xdoc_destroy(doc);
        ids.push_back(docid);
    }
    CHECK_EQ_INT(fsi_xdb_commit(w), FORUM_OK);
    CHECK_EQ_INT(fsi_xdb_close(w), FORUM_OK);
    fsi_xdb_destroy(w);
    return ids;
}

Xapian::termcount wdf_of(const Xapian::Database &db, Xapian::docid did,
                         const std::string &term)
{
    Xapian::TermIterator t = db.termlist_begin(did);
    t.skip_to(term);
    if (t == db.termlist_end(did) || *t != term)
        TEST_FAIL("document %u has no term %s", did, term.c_str());
    return t.get_wdf();
}

/* Both databases have the posts as documents 1 to 5, in order (the
 * shim's document data is packed, so the docid names a post). */

/* The matches of a search for "t" with this weight, best first. */
std::vector<std::pair<Xapian::docid, double>> search_t(
    const Xapian::Database &db, const Xapian::Weight &weight)
{
    Xapian::Enquire enquire(db);
    enquire.set_query(Xapian::Query("t"));
    enquire.set_weighting_scheme(weight);
    std::vector<std::pair<Xapian::docid, double>> out;
    Xapian::MSet mset = enquire.get_mset(0, 100);
    for (auto m = mset.begin(); m != mset.end(); ++m)
        out.emplace_back(*m, m.get_weight());
    return out;
}

void test_stored_wdf()
{
    PHASE("the stored wdf: 32 * wdf / (0.5 + 0.5 * max(len / 200, 0.5))");
    std::vector<uint32_t> ids = write_folded("folded", posts);
    Xapian::Database db(db_path("folded"));
    /* len 10: K = 0.75 (the normalized length at least 0.5). */
    CHECK_EQ_INT(wdf_of(db, ids[0], "t"), 43);    /* 42.67 */
    CHECK_EQ_INT(wdf_of(db, ids[0], "pad"), 384); /* 384 */
    CHECK_EQ_INT(wdf_of(db, ids[0], "q"), 0);     /* no weight stays none */
    CHECK_EQ_INT(wdf_of(db, ids[0], "XTshort"), 0);
    /* len 100: still K = 0.75. */
    CHECK_EQ_INT(wdf_of(db, ids[1], "t"), 85); /* 85.33 */
    /* len 200, the average: K = 1, the wdf times 32 exactly. */
    CHECK_EQ_INT(wdf_of(db, ids[2], "t"), 32);
    CHECK_EQ_INT(wdf_of(db, ids[2], "pad"), 6368);
    /* len 400: K = 1.5. */
    CHECK_EQ_INT(wdf_of(db, ids[3], "t"), 64);
    /* len 290: K = 1.225. */
    CHECK_EQ_INT(wdf_of(db, ids[4], "t"), 26); /* 26.12 */

    PHASE("a very long post: the wdf shrinks, and is at least 1");
    /* len 30,000: K = 75.5 > 32. */
    std::vector<uint32_t> huge =
        write_folded("huge", {{"huge", {{"t", 1}, {"pad", 29999}}}});
    Xapian::Database hdb(db_path("huge"));
    CHECK_EQ_INT(wdf_of(hdb, huge[0], "t"), 1);       /* 0.42 */
    CHECK_EQ_INT(wdf_of(hdb, huge[0], "pad"), 12715); /* 12714.8 */
}

void test_replaced_once()
{
    PHASE("a replaced post is folded once, not again");
    fsi_xdb_t *w = nullptr;
    char *err = nullptr;
    CHECK_EQ_INT(fsi_xdb_open(&w, db_path("folded").c_str(), FORUM_DB_WRITE,
                              &err),
                 FORUM_OK);
    fsi_xdoc_t *doc = fsi_xdoc_new();
    CHECK(doc != nullptr);
    fsi_xdoc_add_boolean_term(doc, "XTaverage", 9);
    fsi_xdoc_add_term(doc, "t", 1, 1);
    for (int k = 0; k < 199; k++)
        fsi_xdoc_add_term(doc, "pad", 3, 1);
    fsi_xdoc_set_data(doc, "average", 7);
    CHECK_EQ_INT(fsi_xdb_replace_document(w, 3, doc), FORUM_OK);
    fsi_xdoc_destroy(doc);
    CHECK_EQ_INT(fsi_xdb_commit(w), FORUM_OK);
    CHECK_EQ_INT(fsi_xdb_close(w), FORUM_OK);
    fsi_xdb_destroy(w);
    Xapian::Database db(db_path("folded"));
    CHECK_EQ_INT(wdf_of(db, 3, "t"), 32);
    CHECK_EQ_INT(db.get_doccount(), posts.size());
}

void test_same_as_bm25()
{
    PHASE("ranked and weighed as Xapian's BM25 with lengths looked up");
    {
        Xapian::WritableDatabase raw(db_path("raw"), Xapian::DB_CREATE);
        for (const post &p : posts) {
            Xapian::Document doc;
            for (const auto &t : p.terms)
                doc.add_term(t.first, t.second);
            doc.set_data(p.name);
            raw.add_document(doc);
        }
        raw.commit();
    }
    Xapian::Database raw(db_path("raw"));
    CHECK(raw.get_avlength() == FSI_NORM_AVERAGE_LENGTH);
    Xapian::Database folded(db_path("folded"));
    Xapian::BM25Weight looked_up(FSI_BM25_K1, 0, 1, FSI_BM25_B,
                                 FSI_BM25_MIN_NORMLEN);
    Xapian::BM25Weight in_wdf(FSI_SEARCH_K1, 0, 1, FSI_SEARCH_B,
                              FSI_BM25_MIN_NORMLEN);
    auto want = search_t(raw, looked_up);
    auto got = search_t(folded, in_wdf);
    CHECK_EQ_INT(want.size(), posts.size());
    CHECK_EQ_INT(got.size(), want.size());
    CHECK(FSI_WEIGHT_SCALE == 16.5);
    for (size_t i = 0; i < want.size(); i++) {
        CHECK_EQ_INT(got[i].first, want[i].first);
        double w = got[i].second / FSI_WEIGHT_SCALE, ref = want[i].second;
        if (std::fabs(w - ref) > ref / 200)
            TEST_FAIL("%s: weight %.6f, BM25 %.6f",
                      posts[want[i].first - 1].name, w, ref);
    }
}

} // namespace

int main()
{
    if (mkdtemp(scratch) == nullptr) {
        perror("mkdtemp");
        return 1;
    }
    test_stored_wdf();
    test_replaced_once();
    test_same_as_bm25();
    std::string rm = std::string("rm -rf '") + scratch + "'";
    if (std::system(rm.c_str()) != 0)
        return 1;
    return 0;
}
