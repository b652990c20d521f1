// Connection reuse: keep-alive, HTTP/1.0, Connection: close, and pipelining.
#include <doctest/doctest.h>

#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace {

// "/r/<id>" answers "<id>", so the order of pipelined answers can be checked.
response echo_id(request& req) { return response::text("id=" + req.uri.substr(req.uri.rfind('/') + 1)); }

}  // namespace

TEST_SUITE("integration/keep-alive") {

TEST_CASE("several requests on one HTTP/1.1 connection") {
    test_server srv(echo_id);
    raw_client c(srv.port());
    for (int i = 0; i < 5; ++i) {
        REQUIRE(c.send(get("/r/" + std::to_string(i))));
        auto r = c.read_response();
        CHECK(r.version == "HTTP/1.1");
        CHECK(r.status == 200);
        CHECK(r.reason == "OK");
        CHECK(r.body == "id=" + std::to_string(i));
        CHECK(r.header("content-length") == std::to_string(r.body.size()));
        CHECK(r.count("connection") == 0);  // 1.1 keeps alive without saying so
        CHECK(r.header("content-type") == "text/plain; charset=utf-8");
        CHECK(r.header("server") == "ringkit");
        CHECK(r.count("date") == 1);
    }
    CHECK(c.pending().empty());
}

TEST_CASE("HTTP/1.0 closes after the response unless it asks for keep-alive") {
    test_server srv(echo_id);
    SUBCASE("no Connection header: close") {
        raw_client c(srv.port());
        REQUIRE(c.send("GET /r/1 HTTP/1.0\r\n\r\n"));
        auto r = c.read_response();
        CHECK(r.version == "HTTP/1.1");  // RFC 9110 §2.5: the server's own version
        CHECK(r.status == 200);
        CHECK(r.body == "id=1");
        CHECK(r.header("connection") == "close");
        CHECK(c.closed_by_server());
    }
    SUBCASE("Connection: keep-alive: the response says so and the connection stays") {
        raw_client c(srv.port());
        for (int i = 0; i < 3; ++i) {
            REQUIRE(c.send("GET /r/" + std::to_string(i) + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
            auto r = c.read_response();
            CHECK(r.status == 200);
            CHECK(r.body == "id=" + std::to_string(i));
            CHECK(r.header("connection") == "keep-alive");
        }
        REQUIRE(c.send("GET /r/last HTTP/1.0\r\n\r\n"));
        auto r = c.read_response();
        CHECK(r.body == "id=last");
        CHECK(r.header("connection") == "close");
        CHECK(c.closed_by_server());
    }
}

TEST_CASE("Connection: close on HTTP/1.1 closes after the response") {
    test_server srv(echo_id);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/r/1")));
    CHECK(c.read_response().body == "id=1");
    REQUIRE(c.send(get("/r/2", "Connection: close\r\n")));
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "id=2");
    CHECK(r.header("connection") == "close");
    CHECK(c.closed_by_server());
}

TEST_CASE("a handler's Connection: close ends the connection") {
    test_server srv([](request&) {
        auto r = response::text("bye");
        r.headers.add("Connection", "close");
        return r;
    });
    raw_client c(srv.port());
    REQUIRE(c.send(get("/") + get("/second")));
    auto r = c.read_response();
    CHECK(r.body == "bye");
    CHECK(r.count("connection") == 1);
    CHECK(r.header("connection") == "close");
    CHECK(c.closed_by_server());  // the pipelined second request is not answered
}

TEST_CASE("100 pipelined requests are answered completely and in order") {
    test_server srv(echo_id, {.threads = 2});
    std::string batch;
    for (int i = 0; i < 100; ++i)
        batch += get("/r/" + std::to_string(i), "X-Pad: " + std::string(i % 17, 'p') + "\r\n");

    auto check_all = [](raw_client& c) {
        for (int i = 0; i < 100; ++i) {
            auto r = c.read_response();
            REQUIRE(r.status == 200);
            REQUIRE(r.body == "id=" + std::to_string(i));
        }
        CHECK(c.pending().empty());
    };
    SUBCASE("in one write") {
        raw_client c(srv.port());
        REQUIRE(c.send(batch));
        check_all(c);
    }
    SUBCASE("split at odd byte boundaries") {
        raw_client c(srv.port());
        REQUIRE(c.send_in_pieces(batch, {1, 7, 13}));
        check_all(c);
    }
    SUBCASE("split into 1-byte writes") {
        raw_client c(srv.port());
        REQUIRE(c.send_in_pieces(batch, {1}));
        check_all(c);
    }
}

TEST_CASE("a pipelined Connection: close is answered, then the connection closes") {
    test_server srv(echo_id);
    raw_client c(srv.port());
    std::string batch = get("/r/1") + get("/r/2") + get("/r/3", "Connection: close\r\n") + get("/r/4") + get("/r/5");
    REQUIRE(c.send(batch));
    for (int i = 1; i <= 3; ++i) {
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.body == "id=" + std::to_string(i));
        CHECK(r.count("connection") == (i == 3 ? 1u : 0u));
    }
    CHECK(c.closed_by_server());  // /r/4 and /r/5 are not answered
}

TEST_CASE("a request sent one byte at a time") {
    test_server srv(describe);
    raw_client c(srv.port());
    std::string req = "POST /one/byte?x=1 HTTP/1.1\r\nHost: localhost\r\nX-Slow: yes\r\nContent-Length: 5\r\n\r\nhello";
    REQUIRE(c.send_in_pieces(req, {1}));
    auto r = c.read_response();
    REQUIRE(r.status == 200);
    auto j = nlohmann::json::parse(r.body);
    CHECK(j["uri"] == "/one/byte");
    CHECK(j["query"] == "x=1");
    CHECK(j["headers"]["x-slow"] == "yes");
    CHECK(j["body"] == "hello");
}

TEST_CASE("two pipelined requests get two responses") {
    test_server srv(echo_id);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/r/a") + get("/r/b")));
    CHECK(c.read_response().body == "id=a");
    CHECK(c.read_response().body == "id=b");
    CHECK(c.pending().empty());
}

TEST_CASE("pipelined responses larger than the cork buffer stay whole and in order") {
    // Sizes from a few bytes to 40 KB: small answers are gathered, big ones written at once.
    test_server srv([](request& req) {
        auto id = std::stoul(req.uri.substr(3));
        std::string body = "id=" + std::to_string(id) + ":";
        body.append(id * 997 % 40'000, static_cast<char>('a' + id % 26));
        return response::text(std::move(body));
    });
    raw_client c(srv.port());
    std::string batch;
    for (int i = 0; i < 60; ++i) batch += get("/r/" + std::to_string(i));
    REQUIRE(c.send(batch));
    for (unsigned long i = 0; i < 60; ++i) {
        auto r = c.read_response();
        REQUIRE(r.status == 200);
        std::string expect = "id=" + std::to_string(i) + ":";
        expect.append(i * 997 % 40'000, static_cast<char>('a' + i % 26));
        REQUIRE(r.body == expect);
    }
    CHECK(c.pending().empty());
}

TEST_CASE("a client that half-closes after its requests still gets every answer") {
    test_server srv(echo_id);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/r/1") + get("/r/2") + get("/r/3")));
    c.shutdown_send();
    for (int i = 1; i <= 3; ++i) CHECK(c.read_response().body == "id=" + std::to_string(i));
    CHECK(c.closed_by_server());
}

TEST_CASE("an Upgrade request answered normally leaves the connection speaking HTTP/1.1") {
    test_server srv(echo_id);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/r/up", "Connection: Upgrade\r\nUpgrade: something/1\r\n") + get("/r/after")));
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "id=up");
    CHECK(c.read_response().body == "id=after");
    // With a body, too.
    REQUIRE(
        c.send("POST /r/body HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Length: 3\r\n\r\nabc" +
               get("/r/last")));
    CHECK(c.read_response().body == "id=body");
    CHECK(c.read_response().body == "id=last");
    CHECK(c.pending().empty());
}

}  // TEST_SUITE("integration/keep-alive")
