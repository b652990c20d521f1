// rk::client over HTTPS against ringkit's TLS server, with the test CA
// (support/tls_certs.hpp): verification on by default, the host name checked
// (a DNS name, an IP literal), SNI sent for names only, a custom CA file, and
// `insecure`.
#include <doctest/doctest.h>

#include <string>

#include "integration/client_support.hpp"

#if RINGKIT_HAS_OPENSSL

namespace client_tls_tests {

using ringkit::client_error;
using ringkit::client_options;
using ringkit::request;
using ringkit::response;
using ringkit::server_options;
using ringkit::test::test_certs;
using ringkit::test::test_server;
using ringkit::test::client_support::client_rig;

server_options serving(const std::string& name) {
    server_options o;
    o.tls.certificates.push_back({test_certs().path(name + ".pem"), test_certs().path(name + ".key")});
    return o;
}

response sni(request& req) { return response::text("sni=" + (req.tls ? req.tls->server_name : std::string("?"))); }

client_options trusting(std::string ca_file) {
    client_options o;
    o.tls.ca_file = std::move(ca_file);
    return o;
}

TEST_SUITE("integration/client TLS") {

TEST_CASE("a certificate the CA file verifies, for the name or the IP address asked") {
    test_server srv(sni, serving("server"));
    client_rig rig(trusting(test_certs().ca()));
    const auto port = std::to_string(srv.port());
    CHECK(rig.fetch("https://localhost:" + port + "/").body == "sni=localhost");
    CHECK(rig.fetch("https://127.0.0.1:" + port + "/").body == "sni=");  // no SNI for an IP literal
    CHECK(rig.get().open_connections() == 2);                            // two origins: localhost and 127.0.0.1
}

TEST_CASE("verification fails without the CA: the system's store does not know it") {
    test_server srv(sni, serving("server"));
    client_rig rig;  // the system's CA store
    auto e = rig.error_of({.url = "https://localhost:" + std::to_string(srv.port()) + "/"});
    CHECK(e.code() == client_error::tls_verification_failed);
    CHECK(std::string(e.what()).find("local issuer") != std::string::npos);  // OpenSSL's reason
    CHECK(rig.get().open_connections() == 0);
}

TEST_CASE("verification fails when the certificate names another host") {
    test_server srv(sni, serving("other"));  // other.test and *.other.test
    client_rig rig(trusting(test_certs().ca()));
    auto e = rig.error_of({.url = "https://localhost:" + std::to_string(srv.port()) + "/"});
    CHECK(e.code() == client_error::tls_verification_failed);
    CHECK(std::string(e.what()).find("mismatch") != std::string::npos);
    auto ip = rig.error_of({.url = "https://127.0.0.1:" + std::to_string(srv.port()) + "/"});
    CHECK(ip.code() == client_error::tls_verification_failed);
}

TEST_CASE("verification fails for a certificate of another CA") {
    test_server srv(sni, serving("stranger"));
    client_rig rig(trusting(test_certs().ca()));
    CHECK(rig.error_code_of({.url = "https://localhost:" + std::to_string(srv.port()) + "/"}) ==
          client_error::tls_verification_failed);
}

TEST_CASE("insecure skips every check") {
    test_server srv(sni, serving("other"));
    client_options o;
    o.tls.insecure = true;
    client_rig rig(o);
    CHECK(rig.fetch("https://localhost:" + std::to_string(srv.port()) + "/").body == "sni=localhost");
}

TEST_CASE("a missing CA file is an error when the client is made") {
    asio::io_context io;
    CHECK_THROWS_AS(ringkit::client(io, trusting("/nonexistent/ca.pem")), std::runtime_error);
}

TEST_CASE("https to a plain HTTP port fails the handshake, not verification") {
    test_server srv(sni);
    client_rig rig(trusting(test_certs().ca()));
    auto ec = rig.error_code_of({.url = "https://localhost:" + std::to_string(srv.port()) + "/"});
    CHECK(ec);
    CHECK(ec != client_error::tls_verification_failed);
}
}

}  // namespace client_tls_tests

#endif
