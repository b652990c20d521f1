// How response values go on the wire: Date and Server, framing headers the
// server owns, statuses without a body, file bodies and streamed bodies.
#include <doctest/doctest.h>

#include <cstdlib>
#include <random>

#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace {

// A temporary file removed when it goes out of scope.
struct scratch_file {
    std::string path;
    explicit scratch_file(std::string_view content) {
        char name[] = "/tmp/ringkit-integ-XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        path = name;
        while (!content.empty()) {
            auto n = ::write(fd, content.data(), content.size());
            REQUIRE(n > 0);
            content.remove_prefix(static_cast<std::size_t>(n));
        }
        ::close(fd);
    }
    ~scratch_file() { ::unlink(path.c_str()); }
};

}  // namespace

TEST_SUITE("integration/responses") {

TEST_CASE("a handler-set Date header is kept") {
    test_server srv([](request&) { return response(200, {{"Date", "Tue, 01 Jan 2030 00:00:00 GMT"}}, "x"); });
    raw_client c(srv.port());
    REQUIRE(c.send(get("/")));
    auto r = c.read_response();
    CHECK(r.count("date") == 1);
    CHECK(r.header("date") == "Tue, 01 Jan 2030 00:00:00 GMT");
}

TEST_CASE("the Date header the server adds is an IMF-fixdate") {
    test_server srv([](request&) { return response::text("x"); });
    raw_client c(srv.port());
    REQUIRE(c.send(get("/")));
    auto date = c.read_response().header("date");
    REQUIRE(date);
    CHECK(date->size() == 29);
    CHECK(date->ends_with(" GMT"));
    CHECK((*date)[3] == ',');
}

TEST_CASE("the Server header: default, custom, disabled, the handler's own") {
    auto app = [](request& req) {
        if (req.uri == "/own") return response(200, {{"Server", "mine"}}, "x");
        return response::text("x");
    };
    auto fetch = [](test_server& srv, std::string_view target) {
        raw_client c(srv.port());
        c.send(get(target));
        return c.read_response();
    };
    SUBCASE("default") {
        test_server srv(app);
        auto r = fetch(srv, "/");
        CHECK(r.header("server") == "ringkit");
        CHECK(r.count("server") == 1);
        auto own = fetch(srv, "/own");
        CHECK(own.header("server") == "mine");
        CHECK(own.count("server") == 1);
    }
    SUBCASE("custom") {
        test_server srv(app, {.server_header = "custom/1.0"});
        CHECK(fetch(srv, "/").header("server") == "custom/1.0");
        CHECK(fetch(srv, "/own").header("server") == "mine");
    }
    SUBCASE("empty disables it") {
        test_server srv(app, {.server_header = ""});
        CHECK(fetch(srv, "/").count("server") == 0);
        CHECK(fetch(srv, "/own").header("server") == "mine");
    }
    SUBCASE("error responses carry it too") {
        test_server srv(app, {.server_header = "custom/1.0"});
        raw_client c(srv.port());
        c.send("GET / HTTP/1.1\r\n\r\n");
        auto r = c.read_response();
        CHECK(r.status == 400);
        CHECK(r.header("server") == "custom/1.0");
    }
}

TEST_CASE("204 and 304 never send a body; 205 sends Content-Length: 0") {
    test_server srv([](request& req) {
        int status = std::stoi(req.uri.substr(1));
        auto r = response::text("this body must not be sent", status);
        if (status == 304) r.headers.add("Content-Length", "26");  // the representation's length
        if (status == 204) r.headers.add("Transfer-Encoding", "chunked");
        return r;
    });
    raw_client c(srv.port());
    // A pipelined GET after each proves no body bytes followed.
    REQUIRE(c.send(get("/204") + get("/200") + get("/304") + get("/200") + get("/205") + get("/200")));

    auto r204 = c.read_response();
    CHECK(r204.status == 204);
    CHECK(r204.reason == "No Content");
    CHECK(r204.count("content-length") == 0);
    CHECK(r204.count("transfer-encoding") == 0);
    CHECK(r204.raw.ends_with("\r\n\r\n"));
    CHECK(c.read_response().body == "this body must not be sent");

    auto r304 = c.read_response();
    CHECK(r304.status == 304);
    CHECK(r304.header("content-length") == "26");
    CHECK(r304.count("content-length") == 1);
    CHECK(r304.raw.ends_with("\r\n\r\n"));
    CHECK(c.read_response().status == 200);

    auto r205 = c.read_response();
    CHECK(r205.status == 205);
    CHECK(r205.header("content-length") == "0");
    CHECK(r205.count("content-length") == 1);
    CHECK(r205.body.empty());
    CHECK(c.read_response().body == "this body must not be sent");
    CHECK(c.pending().empty());
}

TEST_CASE("a wrong handler-supplied Content-Length or Transfer-Encoding is corrected") {
    test_server srv([](request& req) {
        auto r = response::text("hello");
        if (req.uri == "/cl") r.headers.add("Content-Length", "999");
        if (req.uri == "/cl-small") r.headers.add("content-length", "2");
        if (req.uri == "/te") r.headers.add("Transfer-Encoding", "chunked");
        return r;
    });
    raw_client c(srv.port());
    for (auto target : {"/cl", "/cl-small", "/te"}) {
        CAPTURE(target);
        REQUIRE(c.send(get(target)));
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.count("content-length") == 1);
        CHECK(r.header("content-length") == "5");
        CHECK(r.count("transfer-encoding") == 0);
        CHECK(r.body == "hello");
    }
    // Still in sync: the next response parses.
    REQUIRE(c.send(get("/")));
    CHECK(c.read_response().body == "hello");
    CHECK(c.pending().empty());
}

TEST_CASE("a file body (sendfile) arrives intact") {
    std::string content(3 * 1024 * 1024 + 123, '\0');
    std::mt19937 rng(7);
    for (auto& ch : content) ch = static_cast<char>(rng() & 0xff);
    scratch_file file(content);
    test_server srv([&](request& req) {
        if (req.uri == "/missing") return response::file(file.path + ".missing");
        return response::file(file.path, "application/x-test");
    });
    raw_client c(srv.port());
    REQUIRE(c.send(get("/f")));
    auto r = c.read_response();
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == "application/x-test");
    CHECK(r.header("content-length") == std::to_string(content.size()));
    CHECK(r.body.size() == content.size());
    CHECK(r.body == content);

    // HEAD: the length, no bytes; then the connection still works.
    REQUIRE(c.send("HEAD /f HTTP/1.1\r\nHost: x\r\n\r\n" + get("/missing") + get("/f")));
    auto head = c.read_response(true);
    CHECK(head.header("content-length") == std::to_string(content.size()));
    CHECK(c.read_response().status == 404);
    CHECK(c.read_response().body == content);
    CHECK(c.pending().empty());

    // HTTP/1.0
    raw_client c10(srv.port());
    REQUIRE(c10.send("GET /f HTTP/1.0\r\n\r\n"));
    auto r10 = c10.read_response();
    CHECK(r10.body == content);
    CHECK(c10.closed_by_server());
}

TEST_CASE("a streamed response") {
    const std::vector<std::string> pieces{"alpha", "", "beta", std::string(100'000, 'g'), "omega"};
    std::string whole;
    for (auto& p : pieces) whole += p;
    test_server srv([&](request&) {
        return response::stream([&](body_writer& w) -> task<void> {
            for (auto& p : pieces) {
                co_await w.write(p);
                co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
            }
        });
    });
    SUBCASE("HTTP/1.1: chunked and complete, then the connection is reused") {
        raw_client c(srv.port());
        REQUIRE(c.send(get("/s") + get("/s")));
        for (int i = 0; i < 2; ++i) {
            auto r = c.read_response();
            CHECK(r.status == 200);
            CHECK(r.chunked);
            CHECK(r.header("transfer-encoding") == "chunked");
            CHECK(r.count("content-length") == 0);
            CHECK(r.header("content-type") == "text/plain; charset=utf-8");
            CHECK(r.body == whole);
            CHECK(r.raw.ends_with("\r\n0\r\n\r\n"));
            CHECK(r.raw.find("5\r\nalpha\r\n4\r\nbeta\r\n") != std::string::npos);
        }
        CHECK(c.pending().empty());
    }
    SUBCASE("HTTP/1.0: close-delimited") {
        raw_client c(srv.port());
        REQUIRE(c.send("GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.close_delimited);
        CHECK(r.count("transfer-encoding") == 0);
        CHECK(r.count("content-length") == 0);
        CHECK(r.header("connection") == "close");
        CHECK(r.body == whole);
    }
    SUBCASE("HEAD: headers only") {
        raw_client c(srv.port());
        REQUIRE(c.send("HEAD /s HTTP/1.1\r\nHost: x\r\n\r\n" + get("/s")));
        auto head = c.read_response(true);
        CHECK(head.header("transfer-encoding") == "chunked");
        CHECK(c.read_response().body == whole);
    }
}

TEST_CASE("a stream that throws after the head ends the connection without a terminating chunk") {
    captured_log log;
    server_options opts;
    opts.logger = log.hook();
    test_server srv(
        [](request&) {
            return response::stream([](body_writer& w) -> task<void> {
                co_await w.write("partial");
                throw std::runtime_error("producer failed");
            });
        },
        opts);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/")));
    auto bytes = c.read_to_close();
    CHECK(bytes.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(bytes.find("7\r\npartial\r\n") != std::string::npos);
    CHECK(!bytes.ends_with("0\r\n\r\n"));
    srv.stop(1s);
    auto entries = log.entries();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].what == "producer failed");
}

}  // TEST_SUITE("integration/responses")
