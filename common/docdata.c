/* forumsearch — encoding of stored post and thread records. */
#include "docdata.h"

#include <assert.h>

#include "utf8.h"

#define POST_RECORD_VERSION 1
#define THREAD_RECORD_VERSION 1

void fsi_make_key(fsi_buf_t *out, const char *prefix, const char *value,
                  size_t len)
{
    out->len = 0;
    fsi_buf_append_str(out, prefix);
    if (out->len + len <= FSI_MAX_KEY) {
        fsi_buf_append(out, value, len);
        return;
    }
    /* Room for "#" and 16 hex digits; cut on a character boundary, so
     * the key stays valid UTF-8. */
    assert(out->len + 17 < FSI_MAX_KEY);
    size_t keep = FSI_MAX_KEY - out->len - 17;
    fsi_buf_append(out, value, (size_t)fsi_utf8_clip(value, len, keep));
    fsi_buf_printf(out, "#%016llx", (unsigned long long)fsi_hash64(value, len));
}

static void put_varint(fsi_buf_t *out, uint64_t v)
{
    char bytes[10];
    size_t n = 0;
    do {
        bytes[n++] = (char)((v & 0x7F) | (v >= 0x80 ? 0x80 : 0));
        v >>= 7;
    } while (v);
    fsi_buf_append(out, bytes, n);
}

static void put_signed(fsi_buf_t *out, int64_t v)
{
    put_varint(out, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_str(fsi_buf_t *out, fsi_str_t s)
{
    put_varint(out, s.len);
    fsi_buf_append(out, s.s, s.len);
}

typedef struct reader {
    const unsigned char *p, *end;
    int bad;
} reader_t;

static uint64_t get_varint(reader_t *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end) {
            r->bad = 1;
            return 0;
        }
        unsigned char b = *r->p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static int64_t get_signed(reader_t *r)
{
    uint64_t v = get_varint(r);
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static fsi_str_t get_str(reader_t *r)
{
    fsi_str_t s = {"", 0};
    uint64_t len = get_varint(r);
    if (r->bad || len > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        return s;
    }
    s.s = (const char *)r->p;
    s.len = (size_t)len;
    r->p += len;
    return s;
}

void fsi_post_record_encode(fsi_buf_t *out, const fsi_post_record_t *rec)
{
    fsi_buf_append_char(out, POST_RECORD_VERSION);
    put_str(out, rec->thread_id);
    put_varint(out, (uint64_t)rec->floor);
    put_signed(out, rec->date);
    put_str(out, rec->author);
    put_str(out, rec->text);
    put_str(out, rec->title);
    put_str(out, rec->board);
    put_signed(out, rec->thread_date);
}

forum_status_t fsi_post_record_decode(fsi_post_record_t *rec,
                                      const char *data, size_t len)
{
    reader_t r = {(const unsigned char *)data,
                  (const unsigned char *)data + len, 0};
    if (len == 0 || *r.p++ != POST_RECORD_VERSION)
        return FORUM_EIO;
    rec->thread_id = get_str(&r);
    rec->floor = (int)get_varint(&r);
    rec->date = get_signed(&r);
    rec->author = get_str(&r);
    rec->text = get_str(&r);
    rec->title = get_str(&r);
    rec->board = get_str(&r);
    rec->thread_date = get_signed(&r);
    return r.bad ? FORUM_EIO : FORUM_OK;
}

void fsi_thread_record_encode(fsi_buf_t *out, const fsi_thread_record_t *rec)
{
    fsi_buf_append_char(out, THREAD_RECORD_VERSION);
    put_str(out, rec->title);
    put_str(out, rec->board);
    put_str(out, rec->source);
    put_str(out, rec->path);
    put_signed(out, rec->date);
}

forum_status_t fsi_thread_record_decode(fsi_thread_record_t *rec,
                                        const char *data, size_t len)
{
    reader_t r = {(const unsigned char *)data,
                  (const unsigned char *)data + len, 0};
    if (len == 0 || *r.p++ != THREAD_RECORD_VERSION)
        return FORUM_EIO;
    rec->title = get_str(&r);
    rec->board = get_str(&r);
    rec->source = get_str(&r);
    rec->path = get_str(&r);
    rec->date = get_signed(&r);
    return r.bad ? FORUM_EIO : FORUM_OK;
}
