/* forumsearch — private: a growable byte buffer. */
#ifndef FORUMSEARCH_BUF_H
#define FORUMSEARCH_BUF_H

#include <stddef.h>

typedef struct fsi_buf {
    char *data;   /* Always NUL-terminated once anything was appended. */
    size_t len;
    size_t cap;
    int failed;   /* Set once an allocation failed; appends then no-op. */
} fsi_buf_t;

#define FSI_BUF_INIT {NULL, 0, 0, 0}

int fsi_buf_reserve(fsi_buf_t *buf, size_t extra);
void fsi_buf_append(fsi_buf_t *buf, const char *data, size_t len);
void fsi_buf_append_str(fsi_buf_t *buf, const char *str);
void fsi_buf_append_char(fsi_buf_t *buf, char c);
void fsi_buf_printf(fsi_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (NULL if an allocation failed) and
 * resets the buffer. */
char *fsi_buf_steal(fsi_buf_t *buf, size_t *len_out);
void fsi_buf_free(fsi_buf_t *buf);

#endif
