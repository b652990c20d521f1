// HTTPS and WSS: the handshake and what it agreed, refusals (old versions, weak
// ciphers, plain HTTP on the TLS port, a stalled handshake, client
// certificates), SNI, reloading certificates, and TLS's own endings
// (close_notify, a body cut off without it). Certificates are made at test time
// (support/tls_certs.hpp). The rest of the integration tests run over TLS as
// well, as the *_tls ctest entries.
#include <doctest/doctest.h>

#include <filesystem>

#include "integration/support.hpp"

#if RINGKIT_HAS_OPENSSL

namespace tls_tests {

using namespace ringkit;
using namespace ringkit::test;

server_options with_tls(server_options o = {}) {
    o.tls.certificates.push_back({test_certs().path("server.pem"), test_certs().path("server.key")});
    return o;
}

// What the handler saw of TLS, as text.
response tls_echo(request& req) {
    std::string out = std::string(req.scheme);
    if (req.tls) {
        out += " " + std::string(req.tls->version) + " " + std::string(req.tls->cipher) + " alpn=" + req.tls->alpn +
               " sni=" + req.tls->server_name + " peer=" + req.tls->peer_subject +
               (req.tls->peer_verified ? " verified" : "");
    }
    out += " body=" + std::to_string(req.body.size());
    return response::text(out);
}

std::string subject_of_server(const raw_client& c) {
    X509* cert = SSL_get0_peer_certificate(c.ssl());
    if (!cert) return {};
    char name[256];
    X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
    return name;
}

}  // namespace tls_tests

using namespace tls_tests;

TEST_SUITE("integration/tls") {

TEST_CASE("HTTPS: the handler sees https and what the handshake agreed, on a kept-alive connection") {
    test_server srv(tls_echo, with_tls());
    raw_client c(srv.port(), tls_client_options{});
    for (int i = 0; i < 3; ++i) {
        REQUIRE(c.send(get("/")));
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.body.starts_with("https TLSv1.3 TLS_"));
        CHECK(r.body.find("alpn=http/1.1 sni=localhost peer= body=0") != std::string::npos);
    }
    CHECK(std::string(SSL_get_version(c.ssl())) == "TLSv1.3");
    const unsigned char* alpn = nullptr;
    unsigned alpn_size = 0;
    SSL_get0_alpn_selected(c.ssl(), &alpn, &alpn_size);
    CHECK(std::string(reinterpret_cast<const char*>(alpn), alpn_size) == "http/1.1");
}

TEST_CASE("HTTPS: a large upload and a large response cross in records of every size") {
    test_server srv(
        [](request& req) {
            auto res = response::text(std::string(3 * 1024 * 1024 + 17, 'r'));
            res.headers.set("X-Got", std::to_string(req.body.size()));
            return res;
        },
        with_tls());
    raw_client c(srv.port(), tls_client_options{});
    std::string body(5 * 1024 * 1024 + 3, 'u');
    REQUIRE(
        c.send("POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
    REQUIRE(c.send_in_pieces(body, {1, 100, 16384, 70000}));
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.header("x-got") == std::to_string(body.size()));
    CHECK(r.body.size() == 3 * 1024 * 1024 + 17);
}

TEST_CASE("HTTPS: pipelined requests are answered in order") {
    test_server srv([](request& req) { return response::text(req.uri); }, with_tls());
    raw_client c(srv.port(), tls_client_options{});
    REQUIRE(c.send(get("/a") + get("/b") + get("/c")));
    CHECK(c.read_response().body == "/a");
    CHECK(c.read_response().body == "/b");
    CHECK(c.read_response().body == "/c");
}

TEST_CASE("a client resumes its session by ticket, TLS 1.3 and 1.2, without a full handshake") {
    test_server srv(tls_echo, with_tls());
    for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        CAPTURE(version);
        tls_client_options o;
        o.max_version = version;
        SSL_SESSION* session = nullptr;
        {
            raw_client first(srv.port(), o);
            REQUIRE(first.send(get("/")));
            CHECK(first.read_response().status == 200);  // TLS 1.3's tickets come after the handshake
            CHECK(SSL_session_reused(first.ssl()) == 0);
            session = SSL_get1_session(first.ssl());
        }
        o.resume = session;
        raw_client again(srv.port(), o);
        CHECK(SSL_session_reused(again.ssl()) == 1);
        REQUIRE(again.send(get("/")));
        CHECK(again.read_response().status == 200);
        SSL_SESSION_free(session);
    }
}

TEST_CASE("plain HTTP sent to the TLS port gets a 400 in clear text") {
    test_server srv(tls_echo, with_tls());
    raw_client c(srv.port());
    if (c.ssl()) return;  // the *_tls runs make every client speak TLS; this case is about plain bytes
    REQUIRE(c.send(get("/")));
    auto r = c.read_response();
    CHECK(r.status == 400);
    CHECK(r.body.find("plain HTTP") != std::string::npos);
    CHECK(r.header("connection") == "close");
    CHECK(c.closed_by_server());
}

TEST_CASE("a client that stalls mid-handshake is closed at header_timeout") {
    auto o = with_tls();
    o.header_timeout = std::chrono::milliseconds(200);
    test_server srv(tls_echo, o);
    raw_client c(srv.port());
    if (c.ssl()) return;  // a TLS client would finish its handshake
    // The start of a TLS record header, and then nothing.
    REQUIRE(c.send(std::string("\x16\x03\x01", 3)));
    CHECK(c.closed_by_server());
    CHECK(wait_for_connections(srv));
}

TEST_CASE("TLS 1.0 and 1.1 are refused; 1.2 and 1.3 are served") {
    test_server srv(tls_echo, with_tls());
    tls_client_options old;
    old.min_version = TLS1_VERSION;
    old.max_version = TLS1_1_VERSION;
    CHECK_THROWS_WITH_AS(raw_client(srv.port(), old), doctest::Contains("TLS handshake failed"), std::runtime_error);
    tls_client_options v12;
    v12.max_version = TLS1_2_VERSION;
    raw_client c(srv.port(), v12);
    CHECK(std::string(SSL_get_version(c.ssl())) == "TLSv1.2");
    REQUIRE(c.send(get("/")));
    CHECK(c.read_response().body.starts_with("https TLSv1.2 ECDHE-ECDSA-"));
    CHECK(wait_for_connections(srv, 1));
}

TEST_CASE("a TLS 1.2 cipher outside the configured list is refused") {
    test_server srv(tls_echo, with_tls());
    tls_client_options weak;
    weak.max_version = TLS1_2_VERSION;
    weak.ciphers = "ECDHE-ECDSA-AES128-SHA";  // CBC with SHA-1: not in Mozilla's intermediate list
    CHECK_THROWS_AS(raw_client(srv.port(), weak), std::runtime_error);
}

TEST_CASE("SNI chooses the certificate that names the host; unknown names get the default") {
    auto o = with_tls();
    o.tls.certificates.push_back({test_certs().path("other.pem"), test_certs().path("other.key")});
    test_server srv(tls_echo, o);
    tls_client_options other;
    other.server_name = "www.other.test";
    raw_client a(srv.port(), other);
    CHECK(subject_of_server(a) == "/CN=other.test");
    REQUIRE(a.send(get("/")));
    CHECK(a.read_response().body.find("sni=www.other.test") != std::string::npos);
    raw_client b(srv.port(), tls_client_options{});
    CHECK(subject_of_server(b) == "/CN=localhost");
}

TEST_CASE("an encrypted private key is opened with the password callback") {
    server_options o;
    o.tls.certificates.push_back(
        {test_certs().path("server.pem"), test_certs().path("server.enc.key"), [] { return std::string("secret"); }});
    test_server srv(tls_echo, o);
    raw_client c(srv.port(), tls_client_options{});
    REQUIRE(c.send(get("/")));
    CHECK(c.read_response().status == 200);

    server_options wrong;
    wrong.tls.certificates.push_back(
        {test_certs().path("server.pem"), test_certs().path("server.enc.key"), [] { return std::string("nope"); }});
    CHECK_THROWS_WITH_AS(test_server(tls_echo, wrong), doctest::Contains("server.enc.key"), std::runtime_error);
}

TEST_CASE("mutual TLS: the verified client's subject reaches the handler; without one, required refuses") {
    auto o = with_tls();
    o.tls.client_certs = client_certificate::required;
    o.tls.client_ca_file = test_certs().ca();
    test_server srv(tls_echo, o);
    tls_client_options alice;
    alice.cert_file = test_certs().path("client.pem");
    alice.key_file = test_certs().path("client.key");
    raw_client c(srv.port(), alice);
    REQUIRE(c.send(get("/")));
    CHECK(c.read_response().body.find("peer=CN=alice,O=ringkit tests verified") != std::string::npos);

    // TLS 1.3 clients learn of the refusal on their first read.
    auto refused = [&](tls_client_options opts) {
        try {
            raw_client x(srv.port(), opts);
            x.send(get("/"));
            x.read_response();
            return false;
        } catch (const std::runtime_error&) {
            return true;
        }
    };
    CHECK(refused(tls_client_options{}));
    tls_client_options mallory;
    mallory.cert_file = test_certs().path("stranger.pem");
    mallory.key_file = test_certs().path("stranger.key");
    CHECK(refused(mallory));
}

TEST_CASE("optional client certificates: a client without one is served, unverified") {
    auto o = with_tls();
    o.tls.client_certs = client_certificate::optional;
    o.tls.client_ca_file = test_certs().ca();
    test_server srv(tls_echo, o);
    raw_client c(srv.port(), tls_client_options{});
    REQUIRE(c.send(get("/")));
    auto body = c.read_response().body;
    CHECK(body.find("peer= body") != std::string::npos);
    CHECK(body.find("verified") == std::string::npos);
}

TEST_CASE("reload_tls: new connections get the new certificate, open ones keep theirs; a broken file changes nothing") {
    auto dir = std::filesystem::path(test_certs().dir) / "reload";
    std::filesystem::create_directories(dir);
    auto put = [&](const std::string& name) {
        std::filesystem::copy_file(test_certs().path(name + ".pem"), dir / "live.pem",
                                   std::filesystem::copy_options::overwrite_existing);
        std::filesystem::copy_file(test_certs().path(name + ".key"), dir / "live.key",
                                   std::filesystem::copy_options::overwrite_existing);
    };
    put("server");
    server_options o;
    o.tls.certificates.push_back({(dir / "live.pem").string(), (dir / "live.key").string()});
    test_server srv(tls_echo, o);
    tls_client_options any_name;
    any_name.server_name = "";  // the name check would refuse other.test's certificate
    raw_client before(srv.port(), any_name);
    CHECK(subject_of_server(before) == "/CN=localhost");

    put("other");
    srv.get().reload_tls();
    raw_client after(srv.port(), any_name);
    CHECK(subject_of_server(after) == "/CN=other.test");
    // The connection opened before goes on with its own certificate.
    REQUIRE(before.send(get("/")));
    CHECK(before.read_response().status == 200);

    std::filesystem::resize_file(dir / "live.key", 10);
    CHECK_THROWS_WITH_AS(srv.get().reload_tls(), doctest::Contains("live.key"), std::runtime_error);
    raw_client still(srv.port(), any_name);
    CHECK(subject_of_server(still) == "/CN=other.test");
}

TEST_CASE("close_notify ends a Connection: close response") {
    test_server srv(tls_echo, with_tls());
    raw_client c(srv.port(), tls_client_options{});
    REQUIRE(c.send(get("/", "Connection: close\r\n")));
    CHECK(c.read_response().status == 200);
    CHECK(c.closed_by_server());
    CHECK(c.clean_tls_close());
}

TEST_CASE("a body cut off by TCP's end without close_notify is never handled as complete") {
    std::atomic<int> calls{0};
    test_server srv(
        [&](request&) {
            ++calls;
            return response::text("no");
        },
        with_tls());
    raw_client c(srv.port(), tls_client_options{});
    REQUIRE(c.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n" + std::string(50, 'x')));
    c.shutdown_send_without_notify();
    CHECK(c.closed_by_server());
    CHECK(wait_for_connections(srv));
    CHECK(calls == 0);
}

TEST_CASE("one server on a TLS port and a plain port at once") {
    auto o = with_tls();
    o.plain_port = 0;
    test_server srv(tls_echo, o);
    REQUIRE(srv.get().plain_port() != 0);
    raw_client secure(srv.port(), tls_client_options{});
    REQUIRE(secure.send(get("/")));
    CHECK(secure.read_response().body.starts_with("https "));
    if (tls_mode()) return;
    raw_client plain(srv.get().plain_port());
    REQUIRE(plain.send(get("/")));
    CHECK(plain.read_response().body == "http body=0");
}

TEST_CASE("wrap_ssl_redirect: the plain port sends clients to https, the TLS port serves them") {
    auto o = with_tls();
    o.plain_port = 0;
    test_server srv(handler(tls_echo) | wrap_ssl_redirect(), o);
    raw_client secure(srv.port(), tls_client_options{});
    REQUIRE(secure.send(get("/form?x=1")));
    CHECK(secure.read_response().status == 200);
    if (tls_mode()) return;  // the plain port speaks plain HTTP
    raw_client plain(srv.get().plain_port());
    REQUIRE(plain.send("POST /form?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"));
    auto r = plain.read_response();
    CHECK(r.status == 308);
    CHECK(r.header("location") == "https://localhost/form?x=1");
}

}  // TEST_SUITE

#endif  // RINGKIT_HAS_OPENSSL
