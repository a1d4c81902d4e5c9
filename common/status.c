/* forumsearch — status strings, versions, and the library allocator. */
#include <stdio.h>
#include <stdlib.h>

#include <unicode/uversion.h>
#include <zstd.h>

#include "forumsearch.h"
#include "xapian_shim.h"

const char *forum_status_to_string(forum_status_t status)
{
    switch (status) {
    case FORUM_OK: return "success";
    case FORUM_ITER_DONE: return "no more results";
    case FORUM_ENOTFOUND: return "not found";
    case FORUM_ELOCKED: return "database is locked by another writer";
    case FORUM_EMODIFIED: return "database was modified during the search";
    case FORUM_EQUERY: return "malformed query";
    case FORUM_EPARSE: return "input could not be parsed";
    case FORUM_ENOMEM: return "out of memory";
    case FORUM_EIO: return "input/output error or corrupt database";
    case FORUM_EINVAL: return "invalid argument";
    case FORUM_EINTERNAL: return "internal error";
    case FORUM_ECLOSED: return "database handle is closed";
    case FORUM_ECANCELLED: return "cancelled";
    case FORUM_EUNAVAILABLE: return "a remote shard is unavailable";
    case FORUM_STATUS_LAST: break;
    }
    return "unknown status";
}

const char *forum_version_string(void)
{
    return FORUMSEARCH_VERSION;
}

/* From CMake's project(VERSION), like the string: not from the header, so
 * a test can tell the two apart. */
unsigned forum_version_number(void)
{
    return FORUMSEARCH_VERSION_NUMBER;
}

const char *forum_dependency_versions(void)
{
    static char versions[64];
    /* Racing threads write identical bytes, so no lock is needed. */
    if (versions[0] == '\0')
        snprintf(versions, sizeof versions, "Xapian %s, ICU %s, zstd %s",
                 fsi_xapian_version(), U_ICU_VERSION, ZSTD_versionString());
    return versions;
}

void forum_free(void *ptr)
{
    free(ptr);
}
