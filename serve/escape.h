/* forum-serve — escaping text for HTML and URLs. Pure functions, fuzzed
 * with the request parameters (tests/fuzz/fuzz_serve_params.c). */
#ifndef FORUM_SERVE_ESCAPE_H
#define FORUM_SERVE_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0, len) as HTML text or attribute value: & < > " ' become
 * entities; C0 controls other than tab, newline and CR, DEL, C1
 * controls and invalid UTF-8 become U+FFFD, so the page is valid
 * UTF-8 whatever a post holds. */
void serve_html(FILE *out, const char *s, size_t len);

/* Writes s[0, len) percent-encoded for a query string value: only
 * A-Z a-z 0-9 - . _ ~ stay as they are. */
void serve_url_component(FILE *out, const char *s, size_t len);

#endif
