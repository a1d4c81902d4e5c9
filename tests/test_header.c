/* The public header compiles alone as C11 and is self-sufficient. */
#include <forumsearch.h>

int main(void)
{
    forum_snippet_options_t opts = FORUM_SNIPPET_OPTIONS_INIT;
    return opts.max_chars > 0 && forum_version_string()[0] ? 0 : 1;
}
