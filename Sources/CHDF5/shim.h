// System library CHDF5: libhdf5 (Debian libhdf5-dev, serial build), found with pkg-config.
// HDF5's type and property ids (H5T_NATIVE_UINT16, H5P_DEFAULT, …) are macros over
// global variables or casts, which Swift cannot import: small wrappers here, plus a
// dataset walk and string-attribute reads that need C callbacks or variable-length strings.
// libhdf5 in Debian is not thread-safe: callers hold one process-wide lock around all of it.
#pragma once
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static inline hid_t vstack_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t vstack_h5s_all(void) { return H5S_ALL; }
static inline unsigned vstack_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline void vstack_h5_silence(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
/// Dataset access properties with libhdf5's chunk cache off (0 bytes): unfiltered chunks
/// are then read from the file straight into the caller's buffer (see HDF5Array.openDataset).
static inline hid_t vstack_h5p_dapl_uncached(void) {
    hid_t p = H5Pcreate(H5P_DATASET_ACCESS);
    if (p >= 0 && H5Pset_chunk_cache(p, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT) < 0) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

static inline hid_t vstack_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t vstack_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t vstack_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t vstack_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t vstack_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t vstack_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t vstack_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t vstack_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t vstack_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t vstack_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }

/// The last error on HDF5's default stack, innermost description (the one that says why), into buf.
static inline herr_t vstack_h5_error_walk(unsigned n, const H5E_error2_t *err, void *data) {
    char *buf = (char *)data;
    if (n == 0 && err && err->desc) {
        strncpy(buf, err->desc, 511);
        buf[511] = 0;
    }
    return 0;
}
/// Copies the first (innermost-reported) error message into `buf` (512 bytes) and clears the stack.
static inline void vstack_h5_last_error(char *buf) {
    buf[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, vstack_h5_error_walk, buf);
    H5Eclear2(H5E_DEFAULT);
}

/// The datasets under a group, found by following hard links (depth and count bounded).
typedef struct {
    char *buf;      // "path\0path\0…", malloc'd
    size_t len, cap;
    int count, depth, limit;
    char prefix[4096];
} vstack_h5_walk;

static inline void vstack_h5_walk_add(vstack_h5_walk *w, const char *path) {
    size_t n = strlen(path) + 1;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        while (cap < w->len + n) cap *= 2;
        char *b = (char *)realloc(w->buf, cap);
        if (!b) return;
        w->buf = b; w->cap = cap;
    }
    memcpy(w->buf + w->len, path, n);
    w->len += n;
    w->count += 1;
}

static inline herr_t vstack_h5_walk_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    vstack_h5_walk *w = (vstack_h5_walk *)data;
    if (w->count >= w->limit) return 1;
    if (!info || info->type != H5L_TYPE_HARD) return 0;
    hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
    if (obj < 0) { H5Eclear2(H5E_DEFAULT); return 0; }
    size_t plen = strlen(w->prefix);
    size_t nlen = strlen(name);
    if (plen + 1 + nlen + 1 < sizeof(w->prefix)) {
        w->prefix[plen] = '/';
        memcpy(w->prefix + plen + 1, name, nlen + 1);
        H5I_type_t t = H5Iget_type(obj);
        if (t == H5I_DATASET) {
            vstack_h5_walk_add(w, w->prefix);
        } else if (t == H5I_GROUP && w->depth < 32) {
            w->depth += 1;
            H5Literate(obj, H5_INDEX_NAME, H5_ITER_INC, NULL, vstack_h5_walk_link, w);
            w->depth -= 1;
        }
        w->prefix[plen] = 0;
    }
    H5Oclose(obj);
    return w->count >= w->limit ? 1 : 0;
}

/// Lists the datasets under `group` as NUL-separated absolute paths in `*out` (free with free());
/// returns how many, at most `limit`, or -1.
static inline int vstack_h5_list_datasets(hid_t group, int limit, char **out, size_t *outLen) {
    vstack_h5_walk w;
    memset(&w, 0, sizeof w);
    w.limit = limit;
    herr_t r = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, vstack_h5_walk_link, &w);
    *out = w.buf;
    *outLen = w.len;
    if (r < 0) { H5Eclear2(H5E_DEFAULT); }
    return w.count;
}

/// Reads `n` variable-length strings of `attr` into `buf` (NUL-separated); the count, or -1.
static inline int vstack_h5_read_vlen_strings(hid_t attr, hid_t ftype, hid_t space, hssize_t n, char *buf, size_t cap) {
    int result = -1;
    size_t used = 0;
    char **strs = (char **)calloc((size_t)n, sizeof(char *));
    hid_t mtype = H5Tcopy(H5T_C_S1);
    H5Tset_size(mtype, H5T_VARIABLE);
    H5Tset_cset(mtype, H5Tget_cset(ftype));
    if (strs && H5Aread(attr, mtype, strs) >= 0) {
        result = 0;
        for (hssize_t i = 0; i < n; i++) {
            const char *s = strs[i] ? strs[i] : "";
            size_t l = strlen(s);
            if (used + l + 1 > cap) { result = -1; break; }
            memcpy(buf + used, s, l + 1);
            used += l + 1;
            result += 1;
        }
        H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, strs);
    }
    H5Tclose(mtype);
    free(strs);
    return result;
}

/// The same in a child process: variable-length strings live in the file's global heap, where
/// libhdf5 1.10 loops forever on some corrupt heaps and copies sizes a corrupt heap claims
/// (a crash no check through the API can prevent). The child reads and sends the strings
/// through a pipe; if it crashes or takes longer than `timeout_ms`, it is killed and the
/// attribute counts as unreadable (-2). Called with HDF5Library's lock held, so the child's
/// copy of libhdf5 is in a consistent state.
static inline int vstack_h5_read_vlen_strings_isolated(hid_t attr, hid_t ftype, hid_t space, hssize_t n, char *buf,
                                                       size_t cap, int timeout_ms) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) { close(fds[0]); close(fds[1]); return -1; }
    if (pid == 0) {
        close(fds[0]);
        int r = vstack_h5_read_vlen_strings(attr, ftype, space, n, buf, cap);
        size_t len = 0;
        for (int i = 0; i < r; i++) len += strlen(buf + len) + 1;
        int header[2] = { r, (int)len };
        ssize_t w = write(fds[1], header, sizeof header);
        size_t done = 0;
        while (w >= 0 && done < len) {
            ssize_t k = write(fds[1], buf + done, len - done);
            if (k <= 0) break;
            done += (size_t)k;
        }
        _exit(0);
    }
    close(fds[1]);
    char *got = (char *)malloc(cap + sizeof(int) * 2);
    size_t have = 0;
    int ok = got != NULL;
    int elapsed = 0;
    while (ok) {
        struct pollfd p = { fds[0], POLLIN, 0 };
        int ready = poll(&p, 1, 50);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) { elapsed += 50; if (elapsed >= timeout_ms) { ok = 0; } continue; }
        if (ready < 0) { ok = 0; break; }
        ssize_t k = read(fds[0], got + have, cap + sizeof(int) * 2 - have);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        have += (size_t)k;
        if (have >= cap + sizeof(int) * 2) break;
    }
    close(fds[0]);
    int status = 0;
    if (!ok) kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    int result = -2;
    if (ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 && have >= sizeof(int) * 2) {
        int header[2];
        memcpy(header, got, sizeof header);
        if (header[0] >= 0 && header[1] >= 0 && (size_t)header[1] <= cap && have == sizeof header + (size_t)header[1]) {
            memcpy(buf, got + sizeof header, (size_t)header[1]);
            result = header[0];
        } else if (header[0] < 0) {
            result = -1;
        }
    }
    free(got);
    return result;
}

/// Reads the string attribute `name` of `obj` (a scalar or 1-D array of fixed- or
/// variable-length strings) into `buf` as NUL-separated strings; returns the count, -1 when
/// there is none, or -2 when reading it crashed or hung libhdf5 (a corrupt global heap).
static inline int vstack_h5_read_strings(hid_t obj, const char *name, char *buf, size_t cap) {
    if (H5Aexists(obj, name) <= 0) { H5Eclear2(H5E_DEFAULT); return -1; }
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) { H5Eclear2(H5E_DEFAULT); return -1; }
    int result = -1;
    hid_t ftype = H5Aget_type(attr);
    hid_t space = H5Aget_space(attr);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    if (ftype >= 0 && space >= 0 && H5Tget_class(ftype) == H5T_STRING && n > 0 && n <= 64) {
        size_t used = 0;
        if (H5Tis_variable_str(ftype) > 0) {
            result = vstack_h5_read_vlen_strings_isolated(attr, ftype, space, n, buf, cap, 2000);
        } else {
            size_t size = H5Tget_size(ftype);
            if (size > 0 && size <= 4096) {
                char *raw = (char *)calloc((size_t)n, size);
                hid_t mtype = H5Tcopy(ftype);
                if (raw && H5Aread(attr, mtype, raw) >= 0) {
                    result = 0;
                    for (hssize_t i = 0; i < n; i++) {
                        const char *s = raw + (size_t)i * size;
                        size_t l = strnlen(s, size);
                        if (used + l + 1 > cap) { result = -1; break; }
                        memcpy(buf + used, s, l);
                        buf[used + l] = 0;
                        used += l + 1;
                        result += 1;
                    }
                }
                H5Tclose(mtype);
                free(raw);
            }
        }
    }
    if (space >= 0) H5Sclose(space);
    if (ftype >= 0) H5Tclose(ftype);
    H5Aclose(attr);
    H5Eclear2(H5E_DEFAULT);
    return result;
}

/// Reads the numeric attribute `name` (at most `cap` values) as doubles; returns the count, or -1.
static inline int vstack_h5_read_doubles(hid_t obj, const char *name, double *out, int cap) {
    if (H5Aexists(obj, name) <= 0) { H5Eclear2(H5E_DEFAULT); return -1; }
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) { H5Eclear2(H5E_DEFAULT); return -1; }
    int result = -1;
    hid_t ftype = H5Aget_type(attr);
    hid_t space = H5Aget_space(attr);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5T_class_t c = H5Tget_class(ftype);
    if ((c == H5T_FLOAT || c == H5T_INTEGER) && n > 0 && n <= cap) {
        if (H5Aread(attr, H5T_NATIVE_DOUBLE, out) >= 0) result = (int)n;
    }
    if (space >= 0) H5Sclose(space);
    if (ftype >= 0) H5Tclose(ftype);
    H5Aclose(attr);
    H5Eclear2(H5E_DEFAULT);
    return result;
}

/// The names of the filters in a dataset creation plist, comma-separated, into buf (512 bytes).
static inline void vstack_h5_filters(hid_t dcpl, char *buf) {
    buf[0] = 0;
    int n = H5Pget_nfilters(dcpl);
    size_t used = 0;
    for (int i = 0; i < n && i < 16; i++) {
        unsigned flags = 0, cd[16];
        size_t ncd = 16;
        char name[128] = {0};
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        char *semi = strchr(name, ';');
        if (semi) *semi = 0;
        char item[192];
        snprintf(item, sizeof item, "%s%s (id %d)", i ? ", " : "", name[0] ? name : "unnamed", (int)id);
        size_t l = strlen(item);
        if (used + l + 1 > 512) break;
        memcpy(buf + used, item, l + 1);
        used += l;
    }
    H5Eclear2(H5E_DEFAULT);
}

/// The dataset's filter ids in pipeline (write) order; returns the count (at most `cap`), -1 on error.
static inline int vstack_h5_filter_ids(hid_t dcpl, int *ids, int cap) {
    int n = H5Pget_nfilters(dcpl);
    if (n < 0 || n > cap) { H5Eclear2(H5E_DEFAULT); return -1; }
    for (int i = 0; i < n; i++) {
        unsigned flags = 0, cd[16];
        size_t ncd = 16;
        char name[8];
        ids[i] = (int)H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        if (ids[i] < 0) { H5Eclear2(H5E_DEFAULT); return -1; }
    }
    return n;
}

/// The stored (filtered) size of the chunk that starts at `offset`: 0 when it was never
/// written, -1 on error.
static inline long long vstack_h5_chunk_storage_size(hid_t did, const hsize_t *offset) {
    unsigned mask = 0;
    haddr_t addr = HADDR_UNDEF;
    hsize_t size = 0;
    if (H5Dget_chunk_info_by_coord(did, offset, &mask, &addr, &size) < 0) { H5Eclear2(H5E_DEFAULT); return -1; }
    if (addr == HADDR_UNDEF) return 0;
    return (long long)size;
}

/// The chunk's stored bytes as they are in the file (H5Dread_chunk); `*mask` says which
/// filters were skipped when it was written. 0, or -1 on error.
static inline int vstack_h5_read_chunk_raw(hid_t did, const hsize_t *offset, unsigned *mask, void *buf) {
    uint32_t m = 0;
    herr_t r = H5Dread_chunk(did, H5P_DEFAULT, offset, &m, buf);
    *mask = m;
    if (r < 0) { H5Eclear2(H5E_DEFAULT); return -1; }
    return 0;
}

/// 1 when the file type is an integer or float stored big-endian, 0 little-endian, -1 other.
static inline int vstack_h5_type_big_endian(hid_t did) {
    hid_t t = H5Dget_type(did);
    if (t < 0) { H5Eclear2(H5E_DEFAULT); return -1; }
    int result = -1;
    H5T_class_t c = H5Tget_class(t);
    if (c == H5T_INTEGER || c == H5T_FLOAT) {
        H5T_order_t o = H5Tget_order(t);
        result = o == H5T_ORDER_BE ? 1 : o == H5T_ORDER_LE ? 0 : -1;
    }
    H5Tclose(t);
    return result;
}

/// 1 when every filter of the dataset is available to this libhdf5, else 0 (and the missing one's id in *missing).
static inline int vstack_h5_filters_available(hid_t dcpl, int *missing) {
    int n = H5Pget_nfilters(dcpl);
    for (int i = 0; i < n && i < 16; i++) {
        unsigned flags = 0, cd[16];
        size_t ncd = 16;
        char name[128];
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        if (H5Zfilter_avail(id) <= 0) { *missing = (int)id; H5Eclear2(H5E_DEFAULT); return 0; }
    }
    H5Eclear2(H5E_DEFAULT);
    return 1;
}
