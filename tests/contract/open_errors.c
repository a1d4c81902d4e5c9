/* Contract: forum_db_open() on something that is not a database says
 * so in our words, naming the path (issue 17), in every mode, and creates
 * nothing there:
 * - a plain file;
 * - a directory holding other things;
 * - a directory that does not exist (read mode), an empty one (read
 *   mode).
 * A write mode creates a database in an empty or missing directory.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/stat.h>
#include <unistd.h>

#include "contract.h"

static void expect_refused(const char *path, forum_db_mode_t mode,
                           const char *what)
{
    forum_db_t *db = (forum_db_t *)&db;
    char *err = NULL;
    EXPECT_STATUS(forum_db_open(&db, path, mode, &err), FORUM_ENOTFOUND);
    EXPECT(db == NULL);
    EXPECT(err != NULL);
    EXPECT_HAS(err, path);
    EXPECT_HAS(err, what);
    /* Not Xapian's words. */
    EXPECT(strstr(err, "No databases listed") == NULL);
    EXPECT(strstr(err, "Couldn't detect") == NULL);
    forum_free(err);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    EXPECT(f != NULL);
    fputs(text, f);
    EXPECT(fclose(f) == 0);
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    const char *root = argv[1];
    const forum_db_mode_t modes[] = {FORUM_DB_READ, FORUM_DB_WRITE,
                                     FORUM_DB_WRITE_WAIT};
    char file[4200], dir[4200], inside[4300], missing[4200], empty[4200];
    snprintf(file, sizeof file, "%s/thread.txt", root);
    write_file(file, "标题\n\n正文。\n");
    snprintf(dir, sizeof dir, "%s/threads", root);
    EXPECT(mkdir(dir, 0755) == 0);
    snprintf(inside, sizeof inside, "%s/one.txt", dir);
    write_file(inside, "标题\n\n正文。\n");

    for (size_t i = 0; i < 3; i++) {
        expect_refused(file, modes[i], "is a file");
        expect_refused(dir, modes[i], "not a forumsearch database");
    }
    /* Nothing was created in either. */
    struct stat st;
    EXPECT(stat(file, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0);
    snprintf(inside, sizeof inside, "%s/XAPIANDB", dir);
    EXPECT(access(inside, F_OK) != 0);

    snprintf(missing, sizeof missing, "%s/missing", root);
    expect_refused(missing, FORUM_DB_READ, "no database here");
    EXPECT(access(missing, F_OK) != 0);
    snprintf(empty, sizeof empty, "%s/empty", root);
    EXPECT(mkdir(empty, 0755) == 0);
    expect_refused(empty, FORUM_DB_READ, "no database here");

    /* The write modes make a database in both. */
    forum_db_t *db = contract_open(missing, FORUM_DB_WRITE);
    forum_db_destroy(db);
    db = contract_open(empty, FORUM_DB_WRITE);
    forum_db_destroy(db);
    db = contract_open(empty, FORUM_DB_READ);
    forum_db_destroy(db);

    /* A bad argument also says what is wrong. */
    char *err = NULL;
    EXPECT_STATUS(forum_db_open(&db, NULL, FORUM_DB_READ, &err),
                  FORUM_EINVAL);
    EXPECT_HAS(err, "path");
    forum_free(err);
    fprintf(stderr, "open_errors: ok\n");
    return 0;
}
