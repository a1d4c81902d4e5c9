/* forumsearch — private: readers of thread files (text, JSON Lines) and
 * the charset step in front of them. */
#ifndef FORUMSEARCH_FSI_INPUT_H
#define FORUMSEARCH_FSI_INPUT_H

#include "forumsearch.h"
#include "thread.h"

/* Turns raw file bytes into valid UTF-8: strips a BOM, decodes UTF-16/32
 * by BOM, detects GB18030/Big5 etc. with ICU when the bytes are not valid
 * UTF-8 and converts. Invalid UTF-8 that is not another charset has its
 * bad bytes replaced with U+FFFD (maximal-subpart rule). CRLF and lone CR
 * become LF; NUL bytes are removed. Reports what it did through diag (a
 * warning). *out is malloc'd, NUL-terminated, owned by the caller.
 * FORUM_EINVAL for bytes == NULL with len > 0; FORUM_ENOMEM. */
forum_status_t fsi_text_to_utf8(char **out, size_t *out_len, const char *path,
                                const char *bytes, size_t len,
                                fsi_diag_fn diag, void *diag_payload);

/* Parses one scraped thread (the format of shared/seed). `out` must be
 * fsi_thread_init()ed; on any return it holds what could be parsed and
 * must be freed by the caller. FORUM_EPARSE when nothing usable was
 * found (empty file), FORUM_ENOMEM. */
forum_status_t fsi_thread_parse_text(fsi_thread_t *out, const char *path,
                                     const char *text, size_t len,
                                     fsi_diag_fn diag, void *diag_payload);

/* Receives one thread of a JSON Lines file; the callee may steal fields
 * (set them NULL); the caller frees the rest. Nonzero stops the parse and
 * is returned. */
typedef int (*fsi_thread_fn)(void *payload, fsi_thread_t *thread);

/* Parses JSON Lines, one thread per line (schema in README). A bad line
 * is reported (path:line: message) and skipped; the rest continues.
 * Returns FORUM_OK when at least one thread was delivered, FORUM_EPARSE
 * when none was, FORUM_EINVAL for text == NULL with len > 0, or the
 * callback's nonzero value unchanged. */
forum_status_t fsi_jsonl_parse(const char *path, const char *text, size_t len,
                               fsi_thread_fn on_thread, void *payload,
                               fsi_diag_fn diag, void *diag_payload);

#endif
