// LD_PRELOAD'ed into wrk by tls_run.sh for the full-handshake rows. wrk reconnects a
// closed connection with SSL_shutdown + SSL_clear on the same SSL object, and
// SSL_clear keeps the session after a clean shutdown, so the next SSL_connect resumes
// it (a TLS 1.3 PSK handshake: no certificate, no signature): without this, 98% of
// wrk's "Connection: close" handshakes against nginx were resumptions. This SSL_clear
// drops the session after OpenSSL's, so every connection makes a full handshake; and
// SSL_connect counts the handshakes that completed and those that resumed anyway,
// printed at exit as "wrk_no_resume: handshakes=N resumed=M" (to stderr).
//   gcc -O2 -shared -fPIC -o wrk_no_resume.so wrk_no_resume.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <openssl/ssl.h>
#include <stdio.h>

static unsigned long handshakes, resumed;

int SSL_clear(SSL* s) {
    static int (*real)(SSL*);
    if (!real) real = (int (*)(SSL*))dlsym(RTLD_NEXT, "SSL_clear");
    int r = real(s);
    SSL_set_session(s, NULL);
    return r;
}

int SSL_connect(SSL* s) {
    static int (*real)(SSL*);
    if (!real) real = (int (*)(SSL*))dlsym(RTLD_NEXT, "SSL_connect");
    int r = real(s);
    if (r == 1) {
        ++handshakes;
        if (SSL_session_reused(s)) ++resumed;
    }
    return r;
}

__attribute__((destructor)) static void report(void) {
    fprintf(stderr, "wrk_no_resume: handshakes=%lu resumed=%lu\n", handshakes, resumed);
}
