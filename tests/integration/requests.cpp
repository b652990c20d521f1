// What a handler sees of a request sent as raw bytes: bodies (Content-Length and
// chunked), Expect: 100-continue, HEAD, absolute-form targets, the Ring keys.
#include <doctest/doctest.h>

#include <random>

#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace {

response echo_body(request& req) { return response::bytes(req.body, "application/octet-stream"); }

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

}  // namespace

TEST_SUITE("integration/requests") {

TEST_CASE("a Content-Length body is echoed") {
    test_server srv(echo_body);
    raw_client c(srv.port());
    REQUIRE(c.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"));
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "hello world");
    CHECK(r.header("content-type") == "application/octet-stream");
}

TEST_CASE("chunked request bodies") {
    test_server srv(echo_body);
    raw_client c(srv.port());
    const std::string head = "POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    SUBCASE("several chunks with extensions, one write") {
        REQUIRE(c.send(head + "5;name=value\r\nhello\r\n1;a;b=\"q\"\r\n \r\n6\r\nworld!\r\n0\r\n\r\n"));
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.body == "hello world!");
        CHECK(r.header("content-length") == "12");
    }
    SUBCASE("split across writes at awkward places") {
        std::string req = head + "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n";
        REQUIRE(c.send_in_pieces(req, {1, 7, 13}));
        CHECK(c.read_response().body == "hello 0123456789");
    }
    SUBCASE("with a trailer, followed by a pipelined request") {
        REQUIRE(c.send(head + "3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n" +
                       "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"));
        CHECK(c.read_response().body == "abc");
        CHECK(c.read_response().body == "xyz");
    }
    SUBCASE("empty chunked body") {
        REQUIRE(c.send(head + "0\r\n\r\n"));
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.body.empty());
        CHECK(r.header("content-length") == "0");
    }
    // The connection is still good afterwards.
    REQUIRE(c.send(head + "2\r\nok\r\n0\r\n\r\n"));
    CHECK(c.read_response().body == "ok");
}

TEST_CASE("a 4 MiB chunked body arrives intact") {
    test_server srv(echo_body);
    raw_client c(srv.port());
    auto body = random_bytes(4 * 1024 * 1024, 42);
    REQUIRE(c.send("PUT /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, 65'521)));
    auto r = c.read_response();
    REQUIRE(r.status == 200);
    CHECK(r.body.size() == body.size());
    CHECK(r.body == body);
}

TEST_CASE("Expect: 100-continue") {
    test_server srv(echo_body, {.max_body = 1000});
    raw_client c(srv.port());
    SUBCASE("100 Continue comes before the client sends its body") {
        REQUIRE(c.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
        auto interim = c.read_response();
        CHECK(interim.raw == "HTTP/1.1 100 Continue\r\n\r\n");
        CHECK(c.pending().empty());
        REQUIRE(c.send("hello"));
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.body == "hello");
        // And again on the same connection, chunked this time.
        REQUIRE(c.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n"));
        CHECK(c.read_response().raw == "HTTP/1.1 100 Continue\r\n\r\n");
        REQUIRE(c.send("3\r\nabc\r\n0\r\n\r\n"));
        CHECK(c.read_response().body == "abc");
    }
    SUBCASE("a too-large Content-Length gets 413 without 100 Continue") {
        REQUIRE(c.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n"));
        auto r = c.read_response();
        CHECK(r.status == 413);
        CHECK(r.header("connection") == "close");
        CHECK(c.closed_by_server());
    }
    SUBCASE("no body: no 100 Continue, just the response") {
        REQUIRE(c.send("GET /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"));
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.body.empty());
    }
    SUBCASE("an expectation other than 100-continue gets 417") {
        REQUIRE(c.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx"));
        auto r = c.read_response();
        CHECK(r.status == 417);
        CHECK(c.closed_by_server());
    }
}

TEST_CASE("HEAD gets GET's headers and no body") {
    test_server srv([](request&) { return response::text("twelve bytes"); });
    raw_client c(srv.port());
    // The GET after the HEAD proves no body bytes followed the HEAD's headers.
    REQUIRE(c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + get("/")));
    auto head = c.read_response(true);
    auto full = c.read_response();
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("content-length") == "12");
    CHECK(full.body == "twelve bytes");
    CHECK(head.head_without_date() == full.head_without_date());
    CHECK(c.pending().empty());
}

TEST_CASE("HEAD with a handler that announces the length it would send") {
    test_server srv([](request& req) {
        if (req.request_method == method::head) return response(200, {{"Content-Length", "1234"}});
        return response::text(std::string(1234, 'x'));
    });
    raw_client c(srv.port());
    REQUIRE(c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + get("/")));
    auto head = c.read_response(true);
    CHECK(head.header("content-length") == "1234");
    CHECK(head.count("content-length") == 1);
    CHECK(c.read_response().body.size() == 1234);
}

TEST_CASE("an absolute-form target") {
    test_server srv(describe);
    raw_client c(srv.port());
    REQUIRE(c.send("GET http://example.com/p?q=1 HTTP/1.1\r\nHost: other.org\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r.status == 200);
    auto j = nlohmann::json::parse(r.body);
    CHECK(j["uri"] == "/p");
    CHECK(j["query"] == "q=1");
    CHECK(j["server_name"] == "example.com");

    REQUIRE(c.send("GET http://example.com:8080 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"));
    j = nlohmann::json::parse(c.read_response().body);
    CHECK(j["uri"] == "/");
    CHECK(j["query"].is_null());
    CHECK(j["server_name"] == "example.com");
}

TEST_CASE("the Ring keys: remote_addr, server_port, server_name, protocol") {
    test_server srv(describe);
    raw_client c(srv.port());
    REQUIRE(c.send("GET /ring?a=b&c HTTP/1.1\r\nHost: my.host:9999\r\n\r\n"));
    auto j = nlohmann::json::parse(c.read_response().body);
    CHECK(j["remote_addr"] == "127.0.0.1");
    CHECK(j["server_port"] == srv.port());  // the real port, not the Host header's
    CHECK(j["server_name"] == "my.host");
    CHECK(j["protocol"] == "HTTP/1.1");
    CHECK(j["method"] == "GET");
    CHECK(j["uri"] == "/ring");
    CHECK(j["query"] == "a=b&c");

    REQUIRE(c.send("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"));
    CHECK(nlohmann::json::parse(c.read_response().body)["server_name"] == "[::1]");
    REQUIRE(c.send("GET / HTTP/1.1\r\nHost: localhost:\r\n\r\n"));
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(nlohmann::json::parse(r.body)["server_name"] == "localhost");

    raw_client c10(srv.port());
    REQUIRE(c10.send("GET / HTTP/1.0\r\n\r\n"));
    j = nlohmann::json::parse(c10.read_response().body);
    CHECK(j["protocol"] == "HTTP/1.0");
    CHECK(j["server_name"] == "127.0.0.1");  // no Host: the local address
}

TEST_CASE("repeated request headers are joined") {
    test_server srv(describe);
    raw_client c(srv.port());
    REQUIRE(c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Dup: a\r\ncookie: c1=1\r\nx-dup: b\r\nCookie: c2=2\r\n\r\n"));
    auto j = nlohmann::json::parse(c.read_response().body);
    CHECK(j["headers"]["x-dup"] == "a,b");
    CHECK(j["headers"]["cookie"] == "c1=1;c2=2");
    CHECK(j["headers"]["host"] == "x");
}

}  // TEST_SUITE("integration/requests")
