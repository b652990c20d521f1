// LD_PRELOAD'ed into a server by tls_counts.sh: counts the libc socket calls it
// makes (and those that failed with EAGAIN), without slowing them down as
// `strace -c` does. strace stops the server at every system call, which gives the
// client time to answer and so changes how often a read finds the socket empty:
// the very thing being counted. SIGUSR2 appends a snapshot ("name calls eagain"
// lines, then "--") to the file named by $COUNT_CALLS_OUT; two snapshots around a
// load give its counts. Only calls through libc are seen (Asio's and OpenSSL's are).
//   gcc -O2 -shared -fPIC -o count_calls.so count_calls.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum { RECV, RECVFROM, RECVMSG, SEND, SENDTO, SENDMSG, EPOLL_CTL, EPOLL_WAIT, ACCEPT, ACCEPT4, IOCTL,
       GETPEERNAME, GETSOCKNAME, SHUTDOWN, CLOSE, SETSOCKOPT, GETPID, KINDS };
static const char* names[KINDS] = {"recv", "recvfrom", "recvmsg", "send", "sendto", "sendmsg",
                                   "epoll_ctl", "epoll_wait", "accept", "accept4", "ioctl",
                                   "getpeername", "getsockname", "shutdown", "close", "setsockopt", "getpid"};
static unsigned long calls[KINDS], again[KINDS];

#define REAL(f) \
    static __typeof__(f)* real_##f; \
    if (!real_##f) real_##f = (__typeof__(f)*)dlsym(RTLD_NEXT, #f)
#define COUNTED(kind, call) \
    __typeof__(call) r = call; \
    int e = errno; \
    __atomic_add_fetch(&calls[kind], 1, __ATOMIC_RELAXED); \
    if (r < 0 && (e == EAGAIN || e == EWOULDBLOCK)) __atomic_add_fetch(&again[kind], 1, __ATOMIC_RELAXED); \
    errno = e; \
    return r

ssize_t recv(int fd, void* b, size_t n, int fl) {
    REAL(recv);
    COUNTED(RECV, real_recv(fd, b, n, fl));
}
ssize_t recvfrom(int fd, void* b, size_t n, int fl, struct sockaddr* a, socklen_t* l) {
    REAL(recvfrom);
    COUNTED(RECVFROM, real_recvfrom(fd, b, n, fl, a, l));
}
ssize_t recvmsg(int fd, struct msghdr* m, int fl) {
    REAL(recvmsg);
    COUNTED(RECVMSG, real_recvmsg(fd, m, fl));
}
ssize_t send(int fd, const void* b, size_t n, int fl) {
    REAL(send);
    COUNTED(SEND, real_send(fd, b, n, fl));
}
ssize_t sendto(int fd, const void* b, size_t n, int fl, const struct sockaddr* a, socklen_t l) {
    REAL(sendto);
    COUNTED(SENDTO, real_sendto(fd, b, n, fl, a, l));
}
ssize_t sendmsg(int fd, const struct msghdr* m, int fl) {
    REAL(sendmsg);
    COUNTED(SENDMSG, real_sendmsg(fd, m, fl));
}
int epoll_ctl(int ep, int op, int fd, struct epoll_event* ev) {
    REAL(epoll_ctl);
    COUNTED(EPOLL_CTL, real_epoll_ctl(ep, op, fd, ev));
}
int epoll_wait(int ep, struct epoll_event* ev, int n, int t) {
    REAL(epoll_wait);
    COUNTED(EPOLL_WAIT, real_epoll_wait(ep, ev, n, t));
}
int accept(int fd, struct sockaddr* a, socklen_t* l) {
    REAL(accept);
    COUNTED(ACCEPT, real_accept(fd, a, l));
}
int accept4(int fd, struct sockaddr* a, socklen_t* l, int fl) {
    REAL(accept4);
    COUNTED(ACCEPT4, real_accept4(fd, a, l, fl));
}
int ioctl(int fd, unsigned long req, ...) {
    REAL(ioctl);
    va_list ap;
    va_start(ap, req);
    void* p = va_arg(ap, void*);
    va_end(ap);
    COUNTED(IOCTL, real_ioctl(fd, req, p));
}
int getpeername(int fd, struct sockaddr* a, socklen_t* l) {
    REAL(getpeername);
    COUNTED(GETPEERNAME, real_getpeername(fd, a, l));
}
int getsockname(int fd, struct sockaddr* a, socklen_t* l) {
    REAL(getsockname);
    COUNTED(GETSOCKNAME, real_getsockname(fd, a, l));
}
int shutdown(int fd, int how) {
    REAL(shutdown);
    COUNTED(SHUTDOWN, real_shutdown(fd, how));
}
int close(int fd) {
    REAL(close);
    COUNTED(CLOSE, real_close(fd));
}
int setsockopt(int fd, int level, int name, const void* v, socklen_t l) {
    REAL(setsockopt);
    COUNTED(SETSOCKOPT, real_setsockopt(fd, level, name, v, l));
}
pid_t getpid(void) {  // OpenSSL's fork check: 9 per handshake, in every server on OpenSSL 3.0
    REAL(getpid);
    __atomic_add_fetch(&calls[GETPID], 1, __ATOMIC_RELAXED);
    return real_getpid();
}

static void snapshot(int sig) {
    (void)sig;
    const char* path = getenv("COUNT_CALLS_OUT");
    if (!path) return;
    char text[2048];
    int len = 0;
    for (int i = 0; i < KINDS; ++i)
        len += snprintf(text + len, sizeof text - (size_t)len, "%s %lu %lu\n", names[i],
                        __atomic_load_n(&calls[i], __ATOMIC_RELAXED), __atomic_load_n(&again[i], __ATOMIC_RELAXED));
    len += snprintf(text + len, sizeof text - (size_t)len, "--\n");
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) return;
    (void)!write(fd, text, (size_t)len);
    REAL(close);
    real_close(fd);  // not counted
}

__attribute__((constructor)) static void install(void) { signal(SIGUSR2, snapshot); }
