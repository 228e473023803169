#ifndef LOGARCHIVE_CZLIB_SHIM_H
#define LOGARCHIVE_CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro that Swift cannot call: a typed wrapper. zlib only inflates here; libdeflate
   compresses (ParallelGzipEncoder). */

/* Accepts gzip and zlib streams (windowBits 15 plus 32 detects the header). */
static inline int logarchive_inflate_init_auto(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}

/* crc32_combine is a macro for crc32_combine64 when off_t is 64 bits: one typed name for Swift. */
static inline unsigned long logarchive_crc32_combine(unsigned long first, unsigned long second, long long secondLength) {
    return crc32_combine(first, second, (z_off_t)secondLength);
}

#endif
