// tls_options into OpenSSL contexts: what a broken setting says, and which
// certificate SNI chooses. The handshakes themselves are integration/tls.cpp's.
#include "ringkit/tls/context.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

#include "support/tls_certs.hpp"

namespace tls_context_tests {

using namespace ringkit;
using ringkit::test::test_certs;

tls_options server_only() {
    tls_options o;
    o.certificates.push_back({test_certs().path("server.pem"), test_certs().path("server.key")});
    return o;
}

std::string refusal(const tls_options& o) {
    try {
        detail::tls_contexts contexts(o);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "accepted";
}

TEST_CASE("each broken setting is refused with the file or setting and OpenSSL's reason") {
    CHECK(refusal(server_only()) == "accepted");
    CHECK(refusal({}) == "TLS: no certificate");

    auto missing = server_only();
    missing.certificates[0].cert_file = "/nonexistent/cert.pem";
    CHECK(refusal(missing).starts_with("TLS: certificate chain /nonexistent/cert.pem: "));

    auto mismatched = server_only();
    mismatched.certificates[0].key_file = test_certs().path("other.key");
    CHECK(refusal(mismatched).find("other.key") != std::string::npos);

    auto ciphers = server_only();
    ciphers.ciphers = "NOT-A-CIPHER";
    CHECK(refusal(ciphers).starts_with("TLS: ciphers \"NOT-A-CIPHER\": "));

    auto groups = server_only();
    groups.groups = "nope";
    CHECK(refusal(groups).starts_with("TLS: groups \"nope\": "));

    auto no_ca = server_only();
    no_ca.client_certs = client_certificate::required;
    CHECK(refusal(no_ca).starts_with("TLS: client certificates: "));

    auto alpn = server_only();
    alpn.alpn = {""};
    CHECK(refusal(alpn).find("ALPN") != std::string::npos);
}

TEST_CASE("SNI: the first certificate naming the host, wildcards included; otherwise the default") {
    auto o = server_only();
    o.certificates.push_back({test_certs().path("other.pem"), test_certs().path("other.key")});
    detail::tls_contexts contexts(o);
    CHECK(contexts.for_name("other.test") != contexts.default_context());
    CHECK(contexts.for_name("a.other.test") == contexts.for_name("other.test"));
    CHECK(contexts.for_name("a.b.other.test") == contexts.default_context());  // a wildcard is one label
    CHECK(contexts.for_name("localhost") == contexts.default_context());
    CHECK(contexts.for_name("unknown.example") == contexts.default_context());
}

TEST_CASE("reload builds a new generation; whoever holds the old one keeps it") {
    detail::tls_context ctx(server_only());
    auto first = ctx.current();
    ctx.reload();
    CHECK(ctx.current() != first);
    CHECK(first->default_context() != nullptr);  // a connection holding the old one keeps it
}

}  // namespace tls_context_tests
