// The one doctest main shared by every test binary.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>

int main(int argc, char** argv) {
    // The tests' TLS clients write through OpenSSL's socket BIO (write(2)): a
    // server that already closed must fail that write, not kill the test binary.
    (void)std::signal(SIGPIPE, SIG_IGN);
    return doctest::Context(argc, argv).run();
}
