#ifndef LOGARCHIVE_CLIBDEFLATE_SHIM_H
#define LOGARCHIVE_CLIBDEFLATE_SHIM_H
/* libdeflate's API is plain functions Swift calls directly: no wrappers are needed. It compresses
 * whole buffers only; Compression/ParallelGzipEncoder makes one gzip stream of its blocks. */
#include <libdeflate.h>
#endif
