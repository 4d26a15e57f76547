// System library CTiff: libtiff-4 (Debian libtiff-dev), found with pkg-config.
// TIFFGetField/TIFFSetField are C variadics, which Swift cannot call: typed wrappers here.
#pragma once
#include <tiffio.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static inline int vstack_tiff_get_u16(TIFF *t, uint32_t tag, uint16_t *v) { return TIFFGetField(t, tag, v); }
static inline int vstack_tiff_get_u32(TIFF *t, uint32_t tag, uint32_t *v) { return TIFFGetField(t, tag, v); }
static inline int vstack_tiff_get_float(TIFF *t, uint32_t tag, float *v) { return TIFFGetField(t, tag, v); }
static inline int vstack_tiff_get_string(TIFF *t, uint32_t tag, const char **v) { return TIFFGetField(t, tag, v); }
static inline int vstack_tiff_get_u16_defaulted(TIFF *t, uint32_t tag, uint16_t *v) { return TIFFGetFieldDefaulted(t, tag, v); }
/// SubIFDs: the count and the array of offsets (owned by libtiff).
static inline int vstack_tiff_get_subifds(TIFF *t, uint16_t *n, uint64_t **offsets) { return TIFFGetField(t, TIFFTAG_SUBIFD, n, offsets); }

static inline int vstack_tiff_set_u16(TIFF *t, uint32_t tag, uint16_t v) { return TIFFSetField(t, tag, (int)v); }
static inline int vstack_tiff_set_u32(TIFF *t, uint32_t tag, uint32_t v) { return TIFFSetField(t, tag, v); }
static inline int vstack_tiff_set_string(TIFF *t, uint32_t tag, const char *v) { return TIFFSetField(t, tag, v); }

/// Error and warning handlers that keep the last message in `user_data` (a
/// 512-byte buffer owned by the caller) instead of printing to stderr.
static inline int vstack_tiff_keep_message(TIFF *t, void *user_data, const char *module, const char *fmt, va_list ap) {
    (void)t;
    char *buf = (char *)user_data;
    if (!buf) return 1;
    int n = 0;
    if (module && *module) n = snprintf(buf, 512, "%s: ", module);
    if (n < 0 || n >= 512) n = 0;
    vsnprintf(buf + n, 512 - (size_t)n, fmt, ap);
    return 1;
}
static inline int vstack_tiff_ignore_message(TIFF *t, void *user_data, const char *module, const char *fmt, va_list ap) {
    (void)t; (void)user_data; (void)module; (void)fmt; (void)ap;
    return 1;
}
/// Options that route errors into `buffer` and drop warnings (libtiff warns about
/// every private tag tifffile and ImageJ write).
static inline TIFFOpenOptions *vstack_tiff_options(char *buffer) {
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    if (!o) return o;
    TIFFOpenOptionsSetErrorHandlerExtR(o, vstack_tiff_keep_message, buffer);
    TIFFOpenOptionsSetWarningHandlerExtR(o, vstack_tiff_ignore_message, NULL);
    return o;
}
