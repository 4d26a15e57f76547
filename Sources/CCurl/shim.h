// System library CCurl: libcurl (Debian libcurl4-openssl-dev), found with pkg-config.
// curl_easy_setopt and curl_easy_getinfo are C variadics, which Swift cannot call: typed wrappers here.
#pragma once
#include <curl/curl.h>

static inline CURLcode vstack_curl_set_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode vstack_curl_set_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode vstack_curl_set_pointer(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode vstack_curl_set_slist(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }

typedef size_t (*vstack_curl_data_callback)(char *data, size_t size, size_t count, void *user);
typedef int (*vstack_curl_progress_callback)(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode vstack_curl_set_write(CURL *c, vstack_curl_data_callback f) { return curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode vstack_curl_set_header(CURL *c, vstack_curl_data_callback f) { return curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode vstack_curl_set_progress(CURL *c, vstack_curl_progress_callback f) { return curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, f); }

static inline CURLcode vstack_curl_get_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode vstack_curl_get_offset(CURL *c, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(c, i, v); }

// CURLVERSION_NOW is a macro naming the newest struct layout this header knows.
static inline const curl_version_info_data *vstack_curl_version_info(void) { return curl_version_info(CURLVERSION_NOW); }
