#ifndef LOGARCHIVE_CZLIB_SHIM_H
#define LOGARCHIVE_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2 and inflateInit2 are macros that Swift cannot call: typed wrappers. */

/* A gzip (not zlib) stream: windowBits 15 plus 16 asks zlib for the gzip header and trailer. */
static inline int logarchive_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/* Raw deflate, for block-parallel compression that writes its own gzip framing. */
static inline int logarchive_deflate_init_raw(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}

/* Accepts gzip and zlib streams (windowBits 15 plus 32 detects the header). */
static inline int logarchive_inflate_init_auto(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}

/* crc32_combine is a macro for crc32_combine64 when off_t is 64 bits: one typed name for Swift. */
static inline unsigned long logarchive_crc32_combine(unsigned long first, unsigned long second, long long secondLength) {
    return crc32_combine(first, second, (z_off_t)secondLength);
}

#endif
