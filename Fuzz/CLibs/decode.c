// The decode driver for `make asan-c`: c-blosc and libtiff, both built with
// -fsanitize=address (Fuzz/CLibs/build.sh), called the way vstack calls them
// (Sources/Codecs/Blosc*.swift, Sources/Formats/Tiff/TiffHandle.swift) on every
// file of the directories given:
//
//     decode --blosc PATH... --tiff PATH...   # files, or directories of them
//     decode --stream < RECORDS                 # what Fuzz/CLibs/run.py sends
//
// A record is a kind byte ('b' blosc, 't' tiff), a 40-character name (the
// input's sha1), an 8-byte little-endian length and the input.
// Each input is read into a heap buffer of exactly its size, so a read past its
// end is an AddressSanitizer report. Any report ends the run with a nonzero exit
// and names the input. Inputs the Swift side refuses before calling the library
// (a blosc frame longer than its buffer, a header claiming a huge size) are
// refused here too: those are not the library's to check.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include <blosc.h>
#include <tiffio.h>

#define MAX_DECODED (64u << 20)   // bytes a decode may allocate (vstack: a chunk under 2 GiB; here, small inputs)
#define MAX_PAGES 64
#define MAX_READS 48              // tiles or strips per page

static const char *current = "(none)";
static unsigned long inputs, calls, failures;

static void on_report(const char *report) {
    (void)report;
    fprintf(stderr, "asan-c: the report above came from input %s\n", current);
}

static unsigned char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(n > 0 ? (size_t)n : 1);
    if (!p || (n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n)) { perror(path); exit(2); }
    fclose(f);
    *size = (size_t)n;
    return p;
}

static void count(long long result, long long expected) {
    calls++;
    if (result != expected) failures++;
}

// ---- blosc: Blosc.header / decompress / decompressItems, and readRange's getitem.

static void blosc_one(const unsigned char *src, size_t n) {
    if (n < BLOSC_MIN_HEADER_LENGTH) return;
    size_t nbytes = 0, cbytes = 0, blocksize = 0, typesize = 0;
    int flags = 0;
    blosc_cbuffer_sizes(src, &nbytes, &cbytes, &blocksize);
    blosc_cbuffer_metainfo(src, &typesize, &flags);
    size_t validated = 0;
    count(blosc_cbuffer_validate(src, n, &validated), 0);
    // vstack's checks before any decode.
    if (cbytes < BLOSC_MIN_HEADER_LENGTH || cbytes > n || typesize == 0) return;
    if (nbytes > (size_t)INT32_MAX - BLOSC_MAX_OVERHEAD || nbytes > MAX_DECODED) return;
    unsigned char *dst = malloc(nbytes ? nbytes : 1);
    if (nbytes) count(blosc_decompress_ctx(src, dst, nbytes, 1), (long long)nbytes);
    free(dst);
    // Item reads: the first item, a few from the middle, the last (Blosc.decompressItems).
    size_t items = nbytes / typesize;
    if (items == 0) return;
    size_t starts[3] = {0, items / 2, items - 1}, counts[3] = {1, items / 2 < 7 ? items - items / 2 : 7, 1};
    for (int i = 0; i < 3; i++) {
        size_t len = counts[i] * typesize;
        unsigned char *out = malloc(len);
        count(blosc_getitem(src, (int)starts[i], (int)counts[i], out), (long long)len);
        free(out);
    }
    // Blosc.readRange: the frame assembled in a buffer of exactly cbytes (the
    // header, the block table and the blocks read), then getitem on it.
    unsigned char *frame = malloc(cbytes);
    memcpy(frame, src, cbytes);
    unsigned char *out = malloc(typesize);
    count(blosc_getitem(frame, (int)(items - 1), 1, out), (long long)typesize);
    free(out);
    free(frame);
}

// ---- libtiff: TiffHandle's client I/O over a buffer, its tag reads, strip and tile decodes.

typedef struct { const unsigned char *data; size_t size; uint64_t pos; } Mem;

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n) {
    Mem *m = h;
    if (m->pos >= m->size || n <= 0) return 0;
    size_t k = m->size - m->pos < (size_t)n ? m->size - m->pos : (size_t)n;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (tmsize_t)k;
}
static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n) { (void)h; (void)buf; (void)n; return -1; }
static toff_t mem_seek(thandle_t h, toff_t off, int whence) {
    Mem *m = h;
    uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
    m->pos = base + off;
    return m->pos;
}
static int mem_close(thandle_t h) { (void)h; return 0; }
static toff_t mem_size(thandle_t h) { return ((Mem *)h)->size; }
// The mapped variant: libtiff reads strips and tiles straight from the input buffer.
static int mem_map(thandle_t h, void **base, toff_t *size) {
    Mem *m = h;
    *base = (void *)m->data;
    *size = m->size;
    return 1;
}
static int mem_nomap(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void mem_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

static int quiet(TIFF *t, void *user, const char *module, const char *fmt, va_list ap) {
    (void)t; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

static void tiff_page(TIFF *tif) {
    uint32_t w = 0, h = 0;
    uint16_t u16 = 0, compression = 1, photometric = 0;
    float f = 0;
    const char *s = NULL;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &u16);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &u16);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &u16);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &u16);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PREDICTOR, &u16);
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    TIFFGetField(tif, TIFFTAG_XRESOLUTION, &f);
    TIFFGetField(tif, TIFFTAG_YRESOLUTION, &f);
    TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &u16);
    if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &s) == 1 && s) (void)strlen(s);
    if (compression == COMPRESSION_JPEG && photometric == PHOTOMETRIC_YCBCR)
        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    int tiled = TIFFIsTiled(tif);
    uint32_t units = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
    uint64_t size = tiled ? TIFFTileSize64(tif) : TIFFStripSize64(tif);
    if (size > 0 && size <= MAX_DECODED) {
        unsigned char *buf = malloc(size);
        for (uint32_t i = 0; i < units && i < MAX_READS; i++) {
            uint32_t u = i + 1 == MAX_READS ? units - 1 : i;   // the last one too
            tmsize_t r = tiled ? TIFFReadEncodedTile(tif, u, buf, (tmsize_t)size) : TIFFReadEncodedStrip(tif, u, buf, (tmsize_t)size);
            count(r >= 0, 1);
        }
        free(buf);
    }
    // libtiff's RGBA path (not used by vstack, but it is libtiff's other decoder
    // of every photometric), on small pages.
    char emsg[1024];
    if (w > 0 && h > 0 && (uint64_t)w * h <= (1u << 20) && TIFFRGBAImageOK(tif, emsg)) {
        uint32_t *raster = malloc((size_t)w * h * 4);
        count(TIFFReadRGBAImageOriented(tif, w, h, raster, ORIENTATION_TOPLEFT, 0), 1);
        free(raster);
    }
}

static void tiff_one(const unsigned char *data, size_t n, int mapped) {
    Mem m = {data, n, 0};
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(o, quiet, NULL);
    TIFFOpenOptionsSetWarningHandlerExtR(o, quiet, NULL);
    TIFF *tif = TIFFClientOpenExt(current, mapped ? "r" : "rm", &m, mem_read, mem_write, mem_seek, mem_close,
                                  mem_size, mapped ? mem_map : mem_nomap, mem_unmap, o);
    TIFFOpenOptionsFree(o);
    count(tif != NULL, 1);
    if (!tif) return;
    uint64_t subifds[8];
    int nsub = 0;
    for (int page = 0; page < MAX_PAGES; page++) {
        tiff_page(tif);
        uint16_t k = 0;
        uint64_t *offsets = NULL;
        if (TIFFGetField(tif, TIFFTAG_SUBIFD, &k, &offsets) == 1 && offsets)
            for (int i = 0; i < k && nsub < 8; i++) subifds[nsub++] = offsets[i];
        if (!TIFFReadDirectory(tif)) break;
    }
    // SubIFD levels, as TiffArray opens them.
    for (int i = 0; i < nsub; i++)
        if (TIFFSetSubDirectory(tif, subifds[i])) tiff_page(tif);
    TIFFClose(tif);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static void one(const char *name, unsigned char *data, size_t n, int tiff) {
    current = name;
    inputs++;
    if (tiff) { tiff_one(data, n, 0); tiff_one(data, n, 1); }
    else blosc_one(data, n);
    current = "(none)";
}

static void each_file(const char *dir, int tiff) {
    struct dirent **names;
    int k = scandir(dir, &names, NULL, by_name);
    if (k < 0) {   // a file
        size_t n;
        unsigned char *data = slurp(dir, &n);
        one(dir, data, n, tiff);
        free(data);
        return;
    }
    for (int i = 0; i < k; i++) {
        if (names[i]->d_name[0] != '.') {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            size_t n;
            unsigned char *data = slurp(path, &n);
            one(path, data, n, tiff);
            free(data);
        }
        free(names[i]);
    }
    free(names);
}

static void stream(FILE *in) {
    char kind, name[41] = {0};
    unsigned char len[8];
    while (fread(&kind, 1, 1, in) == 1) {
        if (fread(name, 1, 40, in) != 40 || fread(len, 1, 8, in) != 8) { fprintf(stderr, "decode: short record\n"); exit(2); }
        uint64_t n = 0;
        for (int i = 7; i >= 0; i--) n = n << 8 | len[i];
        unsigned char *data = malloc(n ? n : 1);
        if (!data || fread(data, 1, n, in) != n) { fprintf(stderr, "decode: short record %s\n", name); exit(2); }
        one(name, data, n, kind == 't');
        free(data);
    }
}

int main(int argc, char **argv) {
    __asan_set_error_report_callback(on_report);
    int tiff = -1;
    if (argc == 2 && !strcmp(argv[1], "--stream")) {
        stream(stdin);
        argc = 0;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--blosc")) tiff = 0;
        else if (!strcmp(argv[i], "--tiff")) tiff = 1;
        else if (tiff < 0) { fprintf(stderr, "usage: decode --blosc PATH... --tiff PATH... | --stream\n"); return 2; }
        else each_file(argv[i], tiff);
    }
    printf("asan-c: %lu inputs, %lu library calls (%lu refused the input), no AddressSanitizer report\n",
           inputs, calls, failures);
    return 0;
}
