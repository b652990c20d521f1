// Deadlines: a client too slow with its headers or body gets 408; an idle
// keep-alive connection is closed without a word. The timeouts are short so the
// tests are quick; what is asserted is the behaviour, never how fast it came.
#include <doctest/doctest.h>

#include <thread>

#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

TEST_SUITE("integration/timeouts") {

TEST_CASE("slow headers on a fresh connection: 408, then close") {
    server_options opts;
    opts.header_timeout = 300ms;  // idle_timeout keeps its long default
    test_server srv(describe, opts);
    raw_client c(srv.port());
    REQUIRE(c.send("GET /slow HTTP/1.1\r\nHost: x\r\nX-Half: "));
    auto r = c.read_response();
    CHECK(r.status == 408);
    CHECK(r.header("connection") == "close");
    CHECK(c.closed_by_server());
}

TEST_CASE("slow headers on a kept-alive connection: 408, then close") {
    server_options opts;
    opts.header_timeout = 300ms;
    test_server srv(describe, opts);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/first")));
    CHECK(c.read_response().status == 200);
    REQUIRE(c.send("GET /second HTTP/1.1\r\nHost: x\r\n"));
    auto r = c.read_response();
    CHECK(r.status == 408);
    CHECK(c.closed_by_server());
}

TEST_CASE("headers trickled a byte at a time still get 408 (header_timeout runs from the first byte)") {
    server_options opts;
    opts.header_timeout = 500ms;
    test_server srv(describe, opts);
    raw_client c(srv.port());
    // An endless header section, one byte per 20 ms: every read makes progress,
    // but the head as a whole is overdue. Stop once the server has answered.
    std::string trickle = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 1000; ++i) trickle += "X-" + std::to_string(i) + ": v\r\n";
    bool answered = false;
    for (std::size_t i = 0; i < trickle.size() && !answered; ++i) {
        if (!c.send(trickle.substr(i, 1))) break;  // the server closed
        std::this_thread::sleep_for(20ms);
        pollfd p{c.fd(), POLLIN, 0};
        answered = ::poll(&p, 1, 0) > 0;
    }
    REQUIRE_MESSAGE(answered, "the server never answered a head trickled for ~", trickle.size() * 20 / 1000, " s");
    auto r = c.read_response();
    CHECK(r.status == 408);
    CHECK(c.closed_by_server());
}

TEST_CASE("slow body: 408, then close") {
    server_options opts;
    opts.read_timeout = 300ms;
    test_server srv(describe, opts);
    raw_client c(srv.port());
    REQUIRE(c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    auto r = c.read_response();
    CHECK(r.status == 408);
    CHECK(c.closed_by_server());
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout, with no response bytes") {
    server_options opts;
    opts.idle_timeout = 300ms;
    test_server srv(describe, opts);
    SUBCASE("after a request") {
        raw_client c(srv.port());
        REQUIRE(c.send(get("/")));
        CHECK(c.read_response().status == 200);
        CHECK(c.closed_by_server());
    }
    SUBCASE("before any request") {
        raw_client c(srv.port());
        CHECK(c.closed_by_server());
    }
}

TEST_CASE("a client that stops reading is disconnected after write_timeout") {
    server_options opts;
    opts.write_timeout = 300ms;
    const std::size_t size = 32 * 1024 * 1024;  // far more than the socket buffers hold
    const std::string big(size, 'w');
    test_server srv([&](request&) { return response::bytes(big, "application/octet-stream"); }, opts);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/big")));
    // Wait, without reading, until the server has taken the connection and then given up on it.
    REQUIRE(wait_until([&] { return srv.get().connections() == 1; }));
    CHECK(wait_for_connections(srv));
    // What had reached the buffers can still be read; then the stream ends short.
    std::string got;
    try {
        got = c.read_to_close();
    } catch (const std::runtime_error& e) {
        FAIL_CHECK(e.what());
    }
    CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(got.size() < size);
}

TEST_CASE("a slow reader that keeps making progress is not cut off by write_timeout") {
    // write_timeout bounds a wait for progress, not the whole transfer: this
    // response takes several write_timeouts to read, but every read moves it on.
    server_options opts;
    opts.write_timeout = 2s;  // a loaded machine can starve a TSan build's I/O thread for a second
    const std::size_t size = 40 * 1024 * 1024;
    const std::string big(size, 's');
    test_server srv([&](request&) { return response::bytes(big, "application/octet-stream"); }, opts);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/big")));
    const auto start = std::chrono::steady_clock::now();
    // Read in steps of about 256 KiB with a pause well under write_timeout between them,
    // until the transfer has lasted longer than write_timeout; then read the rest at full speed.
    // (Much smaller steps would not free enough of the socket's send buffer for the
    // kernel to report it writable within write_timeout: no progress the server can see.)
    bool open = true;
    while (open && std::chrono::steady_clock::now() - start < 2 * opts.write_timeout) {
        std::this_thread::sleep_for(50ms);
        for (auto step = c.pending().size() + 256 * 1024; open && c.pending().size() < step;) open = c.receive_more();
    }
    std::string got = c.pending();
    REQUIRE_MESSAGE(got.size() < size, "the body was read before write_timeout passed; the test proves nothing");
    auto head_end = got.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    const std::size_t total = head_end + 4 + size;
    while (c.pending().size() < total && c.receive_more()) {}  // SO_RCVTIMEO bounds each read
    got = c.pending();
    CHECK(got.size() == total);
}

}  // TEST_SUITE("integration/timeouts")
