#ifndef LOGARCHIVE_CCURL_SHIM_H
#define LOGARCHIVE_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them, so each
   argument type gets a typed wrapper. */

static inline CURLcode logarchive_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode logarchive_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode logarchive_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode logarchive_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode logarchive_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*logarchive_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode logarchive_curl_setopt_callback(CURL *handle, CURLoption option, logarchive_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

typedef int (*logarchive_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);

static inline CURLcode logarchive_curl_setopt_seek(CURL *handle, logarchive_curl_seek_callback value) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, value);
}

static inline CURLcode logarchive_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode logarchive_curl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/* curl_share_setopt is variadic too. */

typedef void (*logarchive_curl_lock_callback)(CURL *handle, curl_lock_data data, curl_lock_access access, void *userdata);
typedef void (*logarchive_curl_unlock_callback)(CURL *handle, curl_lock_data data, void *userdata);

static inline CURLSHcode logarchive_curl_share_setopt_long(CURLSH *share, CURLSHoption option, long value) {
    return curl_share_setopt(share, option, value);
}

static inline CURLSHcode logarchive_curl_share_setopt_pointer(CURLSH *share, CURLSHoption option, void *value) {
    return curl_share_setopt(share, option, value);
}

static inline CURLSHcode logarchive_curl_share_setopt_lock(CURLSH *share, logarchive_curl_lock_callback value) {
    return curl_share_setopt(share, CURLSHOPT_LOCKFUNC, value);
}

static inline CURLSHcode logarchive_curl_share_setopt_unlock(CURLSH *share, logarchive_curl_unlock_callback value) {
    return curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, value);
}

#endif
