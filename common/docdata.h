/* forumsearch — private: what is stored with each post and thread.
 *
 * Post document data: a version byte, then length-prefixed fields
 * (thread id, author, text, and for the article the title) and the
 * floor and date. Thread-level fields
 * (title, board, source, path) live once per thread in the metadata
 * record T<thread>, not in every post.
 * Field lengths are LEB128 varints; dates are zigzag varints.
 */
#ifndef FORUMSEARCH_DOCDATA_H
#define FORUMSEARCH_DOCDATA_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "forumsearch.h"

typedef struct fsi_str {
    const char *s;
    size_t len;
} fsi_str_t;

typedef struct fsi_post_record {
    fsi_str_t thread_id, author, text;
    fsi_str_t title;  /* Articles only: searched with the article text. */
    fsi_str_t board;
    int floor;
    int64_t date;         /* The post's own date, or FSI_NO_DATE. */
    int64_t thread_date;  /* The thread's, for posts without one. */
} fsi_post_record_t;

typedef struct fsi_thread_record {
    fsi_str_t title, board, source, path;
    int64_t date;
} fsi_thread_record_t;

/* Xapian refuses terms and metadata keys over 245 bytes; longer ones are
 * built as a prefix of the value plus a hash of all of it. The indexer
 * and the searcher must both build keys and id terms with this. */
#define FSI_MAX_KEY 240
/* FNV-1a, 64 bits. */
uint64_t fsi_hash64(const char *s, size_t len);
/* Sets out to prefix + value, shortened as above when too long. */
void fsi_make_key(fsi_buf_t *out, const char *prefix, const char *value,
                  size_t len);

void fsi_post_record_encode(fsi_buf_t *out, const fsi_post_record_t *rec);
/* Decodes in place: the strings point into data. FORUM_EIO if corrupt. */
forum_status_t fsi_post_record_decode(fsi_post_record_t *rec,
                                      const char *data, size_t len);

void fsi_thread_record_encode(fsi_buf_t *out, const fsi_thread_record_t *rec);
forum_status_t fsi_thread_record_decode(fsi_thread_record_t *rec,
                                        const char *data, size_t len);

#endif
