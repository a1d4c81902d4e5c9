/* forumsearch — the JSON form of a search hit and of a count, shared by
 * forum-search --json and forum-serve so that both write the same bytes.
 * Not part of the library API. */
#ifndef FORUMSEARCH_HIT_JSON_H
#define FORUMSEARCH_HIT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <forumsearch.h>

/* Writes one hit as a JSON object, without a trailing newline:
 * {"rank":1,"thread":..,"title":..,"board":..,"floor":0,"author":..,
 *  "date":"2025-01-23T14:43:00Z" or null,"source":..,"path":..,
 *  "score":..,["thread_matches":N,]"snippet":..,"highlights":[[s,e]..],
 *  "title_highlights":[[s,e]..]}
 * Highlight offsets are bytes into "snippet" and "title".
 * `thread_matches` is written when `collapsed` (one hit per thread).
 * `title` and `snippet` come from forum_results_title() and
 * forum_results_snippet() for the same hit. Returns 0, or -1 if `out`
 * reports a write error. */
int cli_hit_json(FILE *out, const forum_hit_t *hit,
                 const forum_snippet_t *title,
                 const forum_snippet_t *snippet, bool collapsed);

/* The same object without its closing brace, for a caller that adds
 * members (cli_also_json(), the missing shards) and then closes it. */
int cli_hit_json_open(FILE *out, const forum_hit_t *hit,
                      const forum_snippet_t *title,
                      const forum_snippet_t *snippet, bool collapsed);

/* Thread scope: writes ,"also":[{"floor":N,"author":..,"date":..,
 * "snippet":..,"highlights":[[s,e]..]}..], the posts shown with a hit
 * for the words its own post lacks (hit->also, snippets made with
 * options from results); nothing when the hit has none. Returns 0, or
 * -1 on a write error. */
int cli_also_json(FILE *out, forum_results_t *results, const forum_hit_t *hit,
                  const forum_snippet_options_t *options);

/* Writes {"posts":P,"threads":T} without a trailing newline. Returns 0,
 * or -1 on a write error. */
int cli_counts_json(FILE *out, uint64_t posts, uint64_t threads);

/* Writes a snippet's marks as "name":[[start,end],...]. */
void cli_json_marks(FILE *out, const char *name,
                    const forum_snippet_t *snippet);

/* Writes "name":"value", (a JSON member and a comma). */
void cli_json_member(FILE *out, const char *name, const char *value);

/* Writes a thread read by forum_db_thread_open() as one JSON object,
 * without a trailing newline:
 * {"thread":..,"title":..,"title_highlights":[[s,e]..],"board":..,
 *  "source":..,"path":..,"date":.. or null,"n_posts":N,
 *  "posts":[{"floor":0,"author":..,"date":.. or null,"text":..,
 *            "highlights":[[s,e]..]},..]}
 * with the posts whose floor lies in [first_floor, last_floor] (all:
 * INT_MIN, INT_MAX); highlights are byte offsets into "text" and
 * "title". The thread is rewound before and after. Returns 0, or -1 on
 * a write error. */
int cli_thread_json(FILE *out, forum_thread_t *thread, int first_floor,
                    int last_floor);

#endif
