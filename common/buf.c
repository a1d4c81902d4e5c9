/* forumsearch — growable byte buffer (see buf.h). */
#include "buf.h"

#include <assert.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fsi_buf_reserve(fsi_buf_t *buf, size_t extra)
{
    if (buf->failed)
        return -1;
    assert(buf->cap == 0 || buf->len < buf->cap);
    if (buf->len + extra + 1 <= buf->cap)
        return 0;
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < buf->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            buf->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *grown = realloc(buf->data, cap);
    if (grown == NULL) {
        buf->failed = 1;
        return -1;
    }
    buf->data = grown;
    buf->cap = cap;
    return 0;
}

void fsi_buf_append(fsi_buf_t *buf, const char *data, size_t len)
{
    assert(data != NULL || len == 0);
    if (fsi_buf_reserve(buf, len) != 0)
        return;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

void fsi_buf_append_str(fsi_buf_t *buf, const char *str)
{
    fsi_buf_append(buf, str, strlen(str));
}

void fsi_buf_append_char(fsi_buf_t *buf, char c)
{
    fsi_buf_append(buf, &c, 1);
}

void fsi_buf_printf(fsi_buf_t *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || fsi_buf_reserve(buf, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
}

char *fsi_buf_steal(fsi_buf_t *buf, size_t *len_out)
{
    char *data = NULL;
    if (!buf->failed) {
        if (buf->data == NULL)
            buf->data = calloc(1, 1);
        data = buf->data;
        if (len_out)
            *len_out = data ? buf->len : 0;
    } else {
        free(buf->data);
    }
    buf->data = NULL;
    buf->len = buf->cap = 0;
    buf->failed = 0;
    return data;
}

void fsi_buf_free(fsi_buf_t *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    buf->failed = 0;
}
