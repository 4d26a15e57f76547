// Linked into the release bundle only (scripts/dist-build.sh): keeps the executable's glibc floor
// at 2.34 although it is built on Debian 12 (glibc 2.36). Three references from the static
// runtime libraries would otherwise need newer symbol versions:
//   hypot, hypotf     GLIBC_2.35 (Foundation's CGFloat, Swift's Glibc overlay): bound to the
//                     GLIBC_2.2.5 versions (the same function, before 2.35's accuracy fix) through
//                     --wrap and .symver
//   _dl_find_object   GLIBC_2.35 (libgcc_eh's unwinder): the same answer from dl_iterate_phdr
//   arc4random        GLIBC_2.36 (libstdc++'s std::random_device): getrandom(2)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

// The floor this file achieves, for `vstack version` (found with dlsym: only the bundle has it);
// scripts/dist.sh fails when the bundle's symbol versions say otherwise.
__attribute__((used, visibility("default"))) const char vstack_glibc_floor[] = "2.34";

__asm__(".symver vstack_hypot_2_2_5, hypot@GLIBC_2.2.5");
__asm__(".symver vstack_hypotf_2_2_5, hypotf@GLIBC_2.2.5");
double vstack_hypot_2_2_5(double x, double y);
float vstack_hypotf_2_2_5(float x, float y);
double __wrap_hypot(double x, double y) { return vstack_hypot_2_2_5(x, y); }
float __wrap_hypotf(float x, float y) { return vstack_hypotf_2_2_5(x, y); }

uint32_t arc4random(void) {
    uint32_t value;
    while (getrandom(&value, sizeof value, 0) != (ssize_t)sizeof value) {
        if (errno != EINTR && errno != EAGAIN) break;
    }
    return value;
}

struct vstack_find { uintptr_t pc; struct dl_find_object *result; int found; };

static int vstack_find_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct vstack_find *f = data;
    uintptr_t low = UINTPTR_MAX, high = 0;
    int contains = 0;
    const void *eh_frame = NULL;
    for (size_t i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + p->p_vaddr;
        if (p->p_type == PT_LOAD) {
            if (start < low) low = start;
            if (start + p->p_memsz > high) high = start + p->p_memsz;
            if (f->pc >= start && f->pc < start + p->p_memsz) contains = 1;
        } else if (p->p_type == PT_GNU_EH_FRAME) {
            eh_frame = (const void *)start;
        }
    }
    if (!contains) return 0;
    f->result->dlfo_flags = 0;
    f->result->dlfo_map_start = (void *)low;
    f->result->dlfo_map_end = (void *)high;
    f->result->dlfo_link_map = NULL;
    f->result->dlfo_eh_frame = (void *)eh_frame;
    f->found = 1;
    return 1;
}

int _dl_find_object(void *pc, struct dl_find_object *result) {
    struct vstack_find f = { (uintptr_t)pc, result, 0 };
    dl_iterate_phdr(vstack_find_object, &f);
    return f.found ? 0 : -1;
}
