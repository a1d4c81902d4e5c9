/* forumsearch — private: what is stored with each post and thread.
 *
 * Post record (the document data of each post; the shim stores it
 * packed with zstd and hands it back as encoded here), in this order: a
 * version byte (1), the thread id, the floor, the post's date, the
 * author, the text, the title (the article only; empty in replies), the
 * board and the thread's date.
 *
 * Thread record (the metadata value T<thread>, schema.h), once per
 * thread: a version byte (1), the title, the board, the source (or the
 * site when there is no source line), the file the thread came from and
 * the thread's date.
 *
 * Strings are a LEB128 varint length and the bytes; the floor is a
 * varint; dates are zigzag varints (FSI_NO_DATE included).
 */
#ifndef FORUMSEARCH_DOCDATA_H
#define FORUMSEARCH_DOCDATA_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hash.h"
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
 * built as a prefix of the value plus "#" and the fsi_hash64() of all
 * of it in 16 hex digits. The indexer and the searcher must both build
 * keys and id terms with this. */
#define FSI_MAX_KEY 240
/* Sets out to prefix + value, shortened as above when too long. */
void fsi_make_key(fsi_buf_t *out, const char *prefix, const char *value,
                  size_t len);

void fsi_post_record_encode(fsi_buf_t *out, const fsi_post_record_t *rec);
/* Decodes in place: the strings point into data (not NUL-terminated).
 * FORUM_EIO if the version is unknown or the record is cut short. */
forum_status_t fsi_post_record_decode(fsi_post_record_t *rec,
                                      const char *data, size_t len);

void fsi_thread_record_encode(fsi_buf_t *out, const fsi_thread_record_t *rec);
/* As fsi_post_record_decode(). */
forum_status_t fsi_thread_record_decode(fsi_thread_record_t *rec,
                                        const char *data, size_t len);

#endif
