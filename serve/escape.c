/* forum-serve — escaping for HTML and URLs (escape.h). */
#include "escape.h"

#include <stdint.h>

#include "../common/utf8.h"

void serve_html(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            switch (c) {
            case '&': fputs("&amp;", out); break;
            case '<': fputs("&lt;", out); break;
            case '>': fputs("&gt;", out); break;
            case '"': fputs("&quot;", out); break;
            case '\'': fputs("&#39;", out); break;
            case '\t': case '\n': case '\r': fputc(c, out); break;
            default:
                if (c < 0x20 || c == 0x7F)
                    fputs("\xEF\xBF\xBD", out);
                else
                    fputc(c, out);
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = fsi_utf8_decode(s + i, len - i, &cp);
        if (cp == FSI_UTF8_INVALID || (cp >= 0x80 && cp <= 0x9F))
            fputs("\xEF\xBF\xBD", out);
        else
            fwrite(s + i, 1, n, out);
        i += n;
    }
}

void serve_url_component(FILE *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            fputc(c, out);
        } else {
            fputc('%', out);
            fputc(hex[c >> 4], out);
            fputc(hex[c & 15], out);
        }
    }
}
