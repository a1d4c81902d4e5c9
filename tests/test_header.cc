// The public header must compile on its own as C++ too (it is included
// by C++ programs that embed the library).
#include <forumsearch.h>

#include <cstdio>

int main()
{
    forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
    forum_index_options_t index_opts = FORUM_INDEX_OPTIONS_INIT;
    static_assert(FORUM_CHECK_VERSION(0, 1, 0), "version macro");
    std::printf("%s %u %u\n", forum_version_string(), opts.version,
                index_opts.version);
    return forum_status_to_string(FORUM_OK)[0] == 's' ? 0 : 1;
}
