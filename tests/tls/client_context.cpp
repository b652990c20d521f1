// client_tls_options into the client's OpenSSL context: verification on by
// default, a CA file, insecure, the lowest version. The handshakes themselves
// (a good certificate, another CA, another name) are integration/client_tls.cpp's.
#include "ringkit/tls/client_context.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "support/tls_certs.hpp"

namespace tls_client_context_tests {

using ringkit::client_tls_options;
using ringkit::detail::tls_client_context;

TEST_SUITE("tls/client_context") {

TEST_CASE("verification is on by default, against the system's store") {
    tls_client_context c(client_tls_options{});
    CHECK_FALSE(c.insecure());
    CHECK(SSL_CTX_get_verify_mode(c.native_handle()) == SSL_VERIFY_PEER);
    CHECK(SSL_CTX_get_min_proto_version(c.native_handle()) == TLS1_2_VERSION);
}

TEST_CASE("a CA file instead of the system's store; a missing one says which") {
    client_tls_options o;
    o.ca_file = ringkit::test::test_certs().ca();
    tls_client_context c(o);
    CHECK(SSL_CTX_get_verify_mode(c.native_handle()) == SSL_VERIFY_PEER);
    o.ca_file = "/nonexistent/ca.pem";
    try {
        tls_client_context broken(o);
        FAIL("a missing CA file was accepted");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
    }
}

TEST_CASE("insecure verifies nothing; TLS 1.3 only when asked") {
    client_tls_options o;
    o.insecure = true;
    o.min_version = ringkit::tls_version::tls1_3;
    tls_client_context c(o);
    CHECK(c.insecure());
    CHECK(SSL_CTX_get_verify_mode(c.native_handle()) == SSL_VERIFY_NONE);
    CHECK(SSL_CTX_get_min_proto_version(c.native_handle()) == TLS1_3_VERSION);
}

TEST_CASE("an ALPN name over 255 bytes is refused") {
    client_tls_options o;
    o.alpn = {std::string(256, 'x')};
    CHECK_THROWS_AS(tls_client_context{o}, std::runtime_error);
}

TEST_CASE("shared_client_context: one context per set of options, a CA file read again once it changes") {
    using ringkit::detail::shared_client_context;
    const auto dir = std::filesystem::temp_directory_path() / ("ringkit-shared-ctx-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto ca = (dir / "ca.pem").string();
    std::filesystem::copy_file(ringkit::test::test_certs().ca(), ca, std::filesystem::copy_options::overwrite_existing);
    client_tls_options o;
    o.ca_file = ca;
    const auto first = shared_client_context(o);
    CHECK(shared_client_context(o) == first);
    client_tls_options insecure = o;
    insecure.insecure = true;
    const auto other = shared_client_context(insecure);
    CHECK(other != first);
    CHECK(other->insecure());
    CHECK(shared_client_context(o) == first);

    // A new modification time (set, not waited for): the file is loaded again.
    std::filesystem::last_write_time(ca, std::filesystem::last_write_time(ca) + std::chrono::seconds(5));
    const auto reloaded = shared_client_context(o);
    CHECK(reloaded != first);
    CHECK(shared_client_context(o) == reloaded);

    std::filesystem::remove_all(dir);
    CHECK_THROWS_AS(shared_client_context(o), std::runtime_error);  // gone: loaded again, and refused
    CHECK_THROWS_AS(shared_client_context(o), std::runtime_error);  // nothing cached for it
}
}

}  // namespace tls_client_context_tests
