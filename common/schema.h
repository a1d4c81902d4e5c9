/* forumsearch — private: the index/query contract. Indexer and searcher
 * both include this; change FSI_ANALYZER_VERSION whenever the terms a
 * text produces change, so old databases are detected.
 *
 * Current schema (one Xapian document per post):
 *
 *   Terms (free text, no positions; wdf = occurrences, scaled by the
 *   post's length: FSI_LENGTH_NORMS):
 *     <ngram>          CJK unigram and bigram of the normalized text
 *     <word>           Latin/digit word, NFKC + case folded (never starts
 *                      with an upper-case ASCII letter, so no clash with
 *                      the prefixes below)
 *     <word><cjk>, <cjk><word>
 *                      junction: a word and the CJK character written
 *                      against it (linux允, 么psql), for mixed queries
 *     <cjk> <cjk>      junction: two CJK characters with one space
 *                      between them (会 显 in 不会 显示), for quoted
 *                      phrases with a space; no other term holds a
 *                      space, so it never meets the bigram 会显
 *     S<term>          the same analysis of the thread title (article only)
 *   Boolean terms (no unique post id term: a post of a floor its
 *   thread already has replaces that document, found by XT and the
 *   floor value; index.c, write_post):
 *     P<file>          the source file (root-qualified), for deletion
 *     XT<thread>       thread id
 *     A<author>        author, normalized
 *     B<board>         board, normalized
 *     K0 / K1          article / reply
 *   Values:
 *     0 FSI_SLOT_DATE    post date, else thread date (sortable_serialise)
 *     1 FSI_SLOT_FLOOR   floor (sortable_serialise)
 *     2 FSI_SLOT_THREAD  thread id (collapse key)
 *     3 FSI_SLOT_ORDER   thread id, NUL, sortable floor (thread order)
 *     4 FSI_SLOT_NUMBERED_FLOOR
 *                        the thread's number in its shard (4 bytes, big
 *                        endian), then the sortable floor: ranking
 *                        threads tells them apart by it, which costs a
 *                        fraction of reading and hashing the ORDER value
 *                        (results.c fold_numbered)
 *   Document data: the post record (docdata.h), packed by the shim
 *   (a zstd frame, with the shard's dictionary once it has one).
 *   Metadata:
 *     fs:analyzer      FSI_ANALYZER_VERSION at index time
 *     fs:icu           ICU version at index time
 *     fs:compacted     bytes on disk after the last compaction
 *     fs:threads       thread numbers this shard has handed out (decimal):
 *                      a thread new to the shard gets the next one, a
 *                      thread keeps the one its posts there have; never
 *                      reused, so two threads never share one
 *     T<thread>        the thread record (docdata.h)
 *     fs:zdict:<id>    the zstd dictionary post records are packed with
 *                      (id in 8 hex digits; xapian_shim.cc)
 *     F<root hash>:<file>  "mtime size" NUL <file>: an indexed file
 *   (Every key and id term is built by fsi_make_key(): over 240 bytes,
 *    a prefix of the value plus its hash.)
 */
#ifndef FORUMSEARCH_SCHEMA_H
#define FORUMSEARCH_SCHEMA_H

#include <stdint.h>

/* The longest CJK n-gram indexed: 2 (the default), or 3 to measure what
 * trigrams cost and buy (-DFSI_NGRAM_MAX=3; bench/README.md, levers). */
#ifndef FSI_NGRAM_MAX
#define FSI_NGRAM_MAX 2
#endif
/* The longest aligned n-gram indexed (ranking only): 2, or 3 to measure
 * what aligned 3-grams buy: 11 % of the postings, no change in the
 * relevance benchmark (bench/README.md, levers). */
#ifndef FSI_ALIGNED_MAX
#define FSI_ALIGNED_MAX 2
#endif
/* A query's CJK run of more than FSI_NGRAM_MAX characters becomes the
 * AND of its longest n-grams starting every FSI_QUERY_STEP characters
 * (and the last one). With bigrams, overlapping ones (step 1):
 * AND(AB, BC, CD) leaves few candidates for ABCD to verify. */
#ifndef FSI_QUERY_STEP
#if FSI_NGRAM_MAX == 3
#define FSI_QUERY_STEP 3
#else
#define FSI_QUERY_STEP 1
#endif
#endif
/* An n-gram that starts and ends on ICU word boundaries (川普 in
 * 川普今天, not in 四川普通话) adds FSI_ALIGNED_WDF to its n-gram's wdf,
 * so BM25 weighs the word above the accidental n-gram, at no cost in
 * terms. 0 builds the old scheme, an aligned term of its own (Z<ngram>,
 * boosted at query time), to measure what that costs and buys
 * (bench/README.md, levers). */
#ifndef FSI_ALIGNED_WDF
#define FSI_ALIGNED_WDF 2
#endif
#if FSI_ALIGNED_WDF && FSI_ALIGNED_MAX > FSI_NGRAM_MAX
#error "aligned n-grams longer than FSI_NGRAM_MAX need terms of their own"
#endif
/* A Latin/digit word written against a CJK character (Linux允许) is
 * also indexed with that character, as one junction term (linux允): a
 * query mixing scripts then has few candidates to verify. 0 builds
 * version 3, without them, to measure what they cost and buy
 * (bench/README.md, levers). */
#ifndef FSI_JUNCTIONS
#define FSI_JUNCTIONS 1
#endif
/* Two CJK characters with one space between them in the normalized
 * text (会 显 in 不会 显示, or 不会 and 显示 on two lines) are a junction
 * too: a quoted phrase with a space between CJK words then has the posts
 * with that very sequence as candidates, not every post with both
 * sides. 0 builds version 4, without them (bench/README.md, levers). */
#ifndef FSI_SPACE_JUNCTIONS
#define FSI_SPACE_JUNCTIONS FSI_JUNCTIONS
#endif
#if FSI_SPACE_JUNCTIONS && !FSI_JUNCTIONS
#error "FSI_SPACE_JUNCTIONS needs FSI_JUNCTIONS (no such analyzer version)"
#endif
/* BM25 (Xapian's BM25Weight and its defaults: k1 = 1, b = 0.5, a
 * normalized length of at least 0.5) weighs a term by its wdf and the
 * post's length. Version 6 folds the length into the wdf when the post
 * is written (FSI_LENGTH_NORMS): the wdf stored is
 *     FSI_NORM_SCALE * wdf / ((1 - b) + b * max(len / FSI_NORM_AVERAGE_LENGTH, 0.5))
 * rounded (at least 1), len being the post's length (the sum of its
 * terms' wdf, as Xapian counts it). The search then weighs with
 * k1 = FSI_NORM_SCALE and b = 0 (BM25 with the same k1 * K + wdf in the
 * denominator, every weight times (FSI_NORM_SCALE + 1) / 2), and needs
 * no post length: Xapian 1.4 looks each candidate's up in the length
 * list, and for a term in a few thousand posts that lookup was most of
 * the query (非常, 5,431 posts at 100 MiB: 5 of 7 ms). The average
 * length is fixed (198 at the bench's 100 MiB), not the database's
 * (it would change every stored wdf as the database grows). Rounding
 * moves a wdf by at most 1/64 in posts up to the average length, by
 * less than 4 % at four times it (bench/README.md, levers). 0 builds
 * version 5, lengths looked up. */
#ifndef FSI_LENGTH_NORMS
#define FSI_LENGTH_NORMS 1
#endif
#define FSI_NORM_SCALE 32
#define FSI_NORM_AVERAGE_LENGTH 200.0
#define FSI_BM25_K1 1.0
#define FSI_BM25_B 0.5
#define FSI_BM25_MIN_NORMLEN 0.5
#if FSI_LENGTH_NORMS && (FSI_NGRAM_MAX != 2 || !FSI_ALIGNED_WDF || !FSI_SPACE_JUNCTIONS)
#error "FSI_LENGTH_NORMS is version 6: build the older schemes with FSI_LENGTH_NORMS=0"
#endif
/* The k1 and b searches weigh with, and how much larger that makes every
 * weight than BM25Weight's defaults (constants meant on that scale, like
 * FSI_THREAD_MATCHES_BOOST, are multiplied by it). */
#if FSI_LENGTH_NORMS
#define FSI_SEARCH_K1 (FSI_BM25_K1 * FSI_NORM_SCALE)
#define FSI_SEARCH_B 0.0
#else
#define FSI_SEARCH_K1 FSI_BM25_K1
#define FSI_SEARCH_B FSI_BM25_B
#endif
#define FSI_WEIGHT_SCALE ((FSI_SEARCH_K1 + 1) / (FSI_BM25_K1 + 1))

/* Version 1: unigrams, bigrams, trigrams, aligned 2- and 3-grams;
 * version 2: unigrams, bigrams, aligned bigrams;
 * version 3: unigrams and bigrams, aligned ones weighing more;
 * version 4: and junctions of a word and a CJK character;
 * version 5: and junctions of two CJK characters across a space;
 * version 6: and each post's length folded into its wdf. */
#if FSI_NGRAM_MAX == 3
#define FSI_ANALYZER_VERSION "1"
#elif FSI_ALIGNED_WDF == 0
#define FSI_ANALYZER_VERSION "2"
#elif FSI_JUNCTIONS == 0
#define FSI_ANALYZER_VERSION "3"
#elif FSI_SPACE_JUNCTIONS == 0
#define FSI_ANALYZER_VERSION "4"
#elif FSI_LENGTH_NORMS == 0
#define FSI_ANALYZER_VERSION "5"
#else
#define FSI_ANALYZER_VERSION "6"
#endif

#define FSI_PREFIX_ALIGNED "Z"
#define FSI_PREFIX_TITLE "S"
#define FSI_PREFIX_FILE "P"
#define FSI_PREFIX_THREAD "XT"
#define FSI_PREFIX_AUTHOR "A"
#define FSI_PREFIX_BOARD "B"
#define FSI_TERM_ARTICLE "K0"
#define FSI_TERM_REPLY "K1"

enum {
    FSI_SLOT_DATE = 0,
    FSI_SLOT_FLOOR = 1,
    FSI_SLOT_THREAD = 2,
    FSI_SLOT_ORDER = 3,
    FSI_SLOT_NUMBERED_FLOOR = 4
};

#define FSI_META_ANALYZER "fs:analyzer"
#define FSI_META_ICU "fs:icu"
/* Bytes on disk right after the last compaction (every shard holds it). */
#define FSI_META_COMPACTED "fs:compacted"
/* Thread numbers handed out in the shard (FSI_SLOT_NUMBERED_FLOOR). */
#define FSI_META_THREADS "fs:threads"
/* The bytes of a thread number in FSI_SLOT_NUMBERED_FLOOR: big endian,
 * read and written by these two. */
#define FSI_THREAD_NUMBER_BYTES 4

static inline uint32_t fsi_thread_number_get(const char *bytes)
{
    const unsigned char *b = (const unsigned char *)bytes;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
           (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static inline void fsi_thread_number_put(uint32_t number, char *bytes)
{
    for (int i = 0; i < FSI_THREAD_NUMBER_BYTES; i++)
        bytes[i] = (char)(number >> (8 * (FSI_THREAD_NUMBER_BYTES - 1 - i)));
}
/* Compaction is due once the files are FSI_COMPACT_GROWTH times their
 * size after the last compaction. Not less: a compacted B-tree has full
 * blocks, so the first small run after a compaction copies and splits
 * every block it touches (20 threads added to a compacted 10 MiB index
 * grew it from 69 to 112 MB); new postings then land in half-full blocks,
 * so the files double when about a fifth as much text is added. */
#define FSI_COMPACT_GROWTH 2
#define FSI_META_THREAD "T"
#define FSI_META_FILE "F"

/* Side searches (which threads have a word in their title; in thread
 * scope, which posts have each part) fold their matches on a thread per
 * shard from this many postings of a term: the 7,486 titles with 一 at
 * 100 MiB took 5-15 ms on one. */
#define FSI_SIDE_PARALLEL_POSTINGS 1000

/* Title terms weigh more: a title match says what a thread is about. */
#define FSI_TITLE_BOOST 2.0
/* An aligned match (川普 the name, not 四川普通话) wins over BM25 noise. */
#define FSI_ALIGNED_BOOST 1.5
/* Collapsed results: every matching thread is ranked by its best post's
 * weight + FSI_THREAD_MATCHES_BOOST * ln(1 + its other matches). */
#define FSI_THREAD_MATCHES_BOOST 1.0
/* ... + FSI_TITLE_SHARE_BOOST * (the highest such weight among the
 * matching threads) * (share of the query's words in its title):
 * the thread a person means usually has the words in its title
 * (README "Ranking"; bench/relevance.sh). */
#define FSI_TITLE_SHARE_BOOST 2.0

#endif
