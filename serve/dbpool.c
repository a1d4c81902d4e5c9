/* forum-serve — the pool of read-only database handles (dbpool.h). */
#include "dbpool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct serve_dbpool {
    pthread_mutex_t lock;
    pthread_cond_t returned;
    forum_db_t **handles;
    bool *borrowed;
    size_t n;
};

forum_status_t serve_dbpool_create(serve_dbpool_t **out, const char *path,
                                   size_t n, char **errmsg)
{
    *out = NULL;
    *errmsg = NULL;
    serve_dbpool_t *pool = calloc(1, sizeof *pool);
    if (pool == NULL || n == 0)
        goto oom;
    pool->handles = calloc(n, sizeof *pool->handles);
    pool->borrowed = calloc(n, sizeof *pool->borrowed);
    if (pool->handles == NULL || pool->borrowed == NULL)
        goto oom;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->returned, NULL);
    pool->n = n;
    for (size_t i = 0; i < n; i++) {
        char *message = NULL;
        forum_status_t status = forum_db_open(&pool->handles[i], path,
                                              FORUM_DB_READ, &message);
        if (status != FORUM_OK) {
            *errmsg = strdup(message ? message
                                     : forum_status_to_string(status));
            forum_free(message);
            serve_dbpool_destroy(pool);
            return status;
        }
    }
    *out = pool;
    return FORUM_OK;
oom:
    if (pool) {
        free(pool->handles);
        free(pool->borrowed);
        free(pool);
    }
    *errmsg = strdup("out of memory");
    return FORUM_ENOMEM;
}

forum_db_t *serve_dbpool_acquire(serve_dbpool_t *pool)
{
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        for (size_t i = 0; i < pool->n; i++)
            if (!pool->borrowed[i]) {
                pool->borrowed[i] = true;
                pthread_mutex_unlock(&pool->lock);
                return pool->handles[i];
            }
        pthread_cond_wait(&pool->returned, &pool->lock);
    }
}

void serve_dbpool_release(serve_dbpool_t *pool, forum_db_t *db)
{
    pthread_mutex_lock(&pool->lock);
    for (size_t i = 0; i < pool->n; i++)
        if (pool->handles[i] == db)
            pool->borrowed[i] = false;
    pthread_cond_signal(&pool->returned);
    pthread_mutex_unlock(&pool->lock);
}

const char *serve_dbpool_warning(serve_dbpool_t *pool)
{
    return forum_db_warning(pool->handles[0]);
}

void serve_dbpool_destroy(serve_dbpool_t *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->n; i++)
        forum_db_destroy(pool->handles[i]);
    pthread_cond_destroy(&pool->returned);
    pthread_mutex_destroy(&pool->lock);
    free(pool->handles);
    free(pool->borrowed);
    free(pool);
}
