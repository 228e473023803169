#ifndef LOGARCHIVE_CSTRINGSEARCH_SHIM_H
#define LOGARCHIVE_CSTRINGSEARCH_SHIM_H

#include <stddef.h>

/* glibc's memmem and memrchr are GNU extensions that Swift's Glibc module does not declare
   (no _GNU_SOURCE); search needs them to find a literal in a block and the start of its line. */
void *memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);
void *memrchr(const void *s, int c, size_t n);

static inline void *logarchive_memmem(const void *haystack, size_t haystack_length, const void *needle,
                                      size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length);
}

static inline void *logarchive_memrchr(const void *bytes, int byte, size_t length) {
    return memrchr(bytes, byte, length);
}

#endif
