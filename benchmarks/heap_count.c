// LD_PRELOAD shim for benchmarks/ws_idle_heap.sh: counts live heap allocations by
// malloc_usable_size; SIGUSR2 writes "usable_size live_count" lines (and "-1 bytes" for
// blocks of 8 KiB or more) to $MALLOC_COUNT_OUT. Build: cc -O2 -shared -fPIC -o heap_count.so heap_count.c
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#define NB 8192
static _Atomic long live[NB + 1];
static _Atomic long big_bytes;
extern void* __libc_malloc(size_t);
extern void __libc_free(void*);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);
static void add(void* p, int sign) {
  if (!p) return;
  size_t u = malloc_usable_size(p);
  if (u < NB) atomic_fetch_add(&live[u], sign);
  else { atomic_fetch_add(&live[NB], sign); atomic_fetch_add(&big_bytes, sign * (long)u); }
}
void* malloc(size_t n) { void* p = __libc_malloc(n); add(p, 1); return p; }
void free(void* p) { add(p, -1); __libc_free(p); }
void* calloc(size_t a, size_t b) { void* p = __libc_calloc(a, b); add(p, 1); return p; }
void* realloc(void* q, size_t n) { add(q, -1); void* p = __libc_realloc(q, n); if (p) add(p, 1); else add(q, 1); return p; }
void* memalign(size_t a, size_t n) { void* p = __libc_memalign(a, n); add(p, 1); return p; }
void* aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void** r, size_t a, size_t n) { void* p = memalign(a, n); if (!p) return 12; *r = p; return 0; }
static void dump(int sig) {
  (void)sig;
  const char* path = getenv("MALLOC_COUNT_OUT");
  int fd = open(path ? path : "/tmp/malloc_count.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  char buf[64];
  for (int i = 0; i <= NB; ++i) {
    long c = atomic_load(&live[i]);
    if (!c) continue;
    int n = snprintf(buf, sizeof buf, "%d %ld\n", i == NB ? -1 : i, i == NB ? atomic_load(&big_bytes) : c);
    write(fd, buf, n);
  }
  close(fd);
}
__attribute__((constructor)) static void init(void) { signal(SIGUSR2, dump); }
