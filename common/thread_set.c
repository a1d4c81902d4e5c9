/* forumsearch — a set of thread ids: open addressing, FNV-1a. */
#include "thread_set.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int same_id(const char *slot, const char *id, size_t len)
{
    return strlen(slot) == len && memcmp(slot, id, len) == 0;
}

/* Doubles the table, keeping it at most half full. */
static int grow(fsi_thread_set_t *set)
{
    size_t cap = set->cap ? set->cap * 2 : 64;
    char **slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < set->cap; i++) {
        if (set->slots[i] == NULL)
            continue;
        size_t j = hash_bytes(set->slots[i], strlen(set->slots[i])) &
                   (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = set->slots[i];
    }
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
    return 0;
}

int fsi_thread_set_add(fsi_thread_set_t *set, const char *id, size_t len)
{
    if (2 * (set->n + 1) > set->cap && grow(set) != 0)
        return -1;
    size_t j = hash_bytes(id, len) & (set->cap - 1);
    for (; set->slots[j]; j = (j + 1) & (set->cap - 1))
        if (same_id(set->slots[j], id, len))
            return 0;
    if ((set->slots[j] = strndup(id, len)) == NULL)
        return -1;
    set->n++;
    return 0;
}

int fsi_thread_set_has(const fsi_thread_set_t *set, const char *id,
                       size_t len)
{
    if (set->cap == 0)
        return 0;
    size_t j = hash_bytes(id, len) & (set->cap - 1);
    for (; set->slots[j]; j = (j + 1) & (set->cap - 1))
        if (same_id(set->slots[j], id, len))
            return 1;
    return 0;
}

void fsi_thread_set_clear(fsi_thread_set_t *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof *set);
}
