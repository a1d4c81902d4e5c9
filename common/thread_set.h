/* forumsearch — private: a set of thread ids, for counting the distinct
 * threads among matching posts. */
#ifndef FORUMSEARCH_THREAD_SET_H
#define FORUMSEARCH_THREAD_SET_H

#include <stddef.h>

typedef struct fsi_thread_set {
    char **slots;   /* Open addressing; NULL is free. */
    size_t cap, n;
} fsi_thread_set_t;

#define FSI_THREAD_SET_INIT {NULL, 0, 0}

/* Adds id (not NUL-terminated) unless present. -1 when out of memory. */
int fsi_thread_set_add(fsi_thread_set_t *set, const char *id, size_t len);
int fsi_thread_set_has(const fsi_thread_set_t *set, const char *id,
                       size_t len);
/* Empties the set and frees its memory. */
void fsi_thread_set_clear(fsi_thread_set_t *set);

#endif
