/* forumsearch — private: limits that bound the work done on hostile
 * input. Each one is reported when it bites. */
#ifndef FORUMSEARCH_LIMITS_H
#define FORUMSEARCH_LIMITS_H

#define FSI_MAX_POST_BYTES (1 << 20)  /* Post text; the rest is dropped. */
#define FSI_MAX_TITLE_BYTES 1024
#define FSI_MAX_AUTHOR_BYTES 128      /* Longer lines are not authors. */
#define FSI_MAX_FLOOR 1000000
#define FSI_MAX_FILE_BYTES (256 << 20) /* Larger files are skipped. */
/* A batch (one commit) ends at whichever comes first: Xapian holds a
 * batch's postings in memory, about 20 bytes per byte of text. */
#define FSI_BATCH_POSTS 10000
#ifndef FSI_BATCH_TEXT_BYTES
#define FSI_BATCH_TEXT_BYTES (4 << 20)
#endif
#define FSI_MAX_QUOTES 32             /* Inline quotes per post weighed. */

#endif
