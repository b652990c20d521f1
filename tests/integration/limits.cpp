// Every limit at exactly its value and one byte over: the first is served, the
// second gets its status (HTTP) or close code (WebSocket). A limit that is off
// by one in either direction fails one of the pair.
#include <doctest/doctest.h>

#include <string>

#include "integration/support.hpp"
#include "integration/websocket_protocol_support.hpp"
#include "ringkit/ws/deflate.hpp"  // compressed frames made by hand

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::wsp;

namespace {

constexpr std::size_t max_line = 1024, max_header = 4096, max_header_count = 20, max_body = 1000;

server_options http_limits() {
    server_options o;
    o.max_line = max_line;
    o.max_header = max_header;
    o.max_header_count = max_header_count;
    o.max_body = max_body;
    return o;
}

// The status a fresh connection gets for `request`; a rejected one must also be closed.
int status_of(test_server& srv, const std::string& request) {
    raw_client c(srv.port());
    c.send(request);  // the server may close before taking every byte of a rejected request
    auto r = c.read_response();
    if (r.status != 200) CHECK(c.closed_by_server());
    return r.status;
}

// Header lines ("Name: value\r\n") adding up to exactly `bytes` on the wire, each
// within max_line. The parser counts a field as name + value + 4: its wire size.
std::string header_bytes(std::size_t bytes) {
    std::string out;
    auto line = [&](std::size_t wire) {
        std::string name = "X-F" + std::to_string(out.size());
        out += name + ": " + std::string(wire - name.size() - 4, 'v') + "\r\n";
    };
    for (; bytes >= 1000; bytes -= 500) line(500);
    if (bytes > 0) line(bytes);
    return out;
}

std::string post(std::string_view body) {
    return "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           std::string(body);
}

std::string post_chunked(std::string_view body) {
    return "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, 300);
}

}  // namespace

TEST_SUITE("integration/limits") {

TEST_CASE("HTTP limits: exactly at each is served, one byte over is refused") {
    test_server srv(describe, http_limits());
    const std::size_t host = std::string_view("Host: x\r\n").size();

    SUBCASE("max_line, request target: 414") {
        CHECK(status_of(srv, get("/" + std::string(max_line - 1, 'a'))) == 200);
        CHECK(status_of(srv, get("/" + std::string(max_line, 'a'))) == 414);
    }
    SUBCASE("max_line, one header line (name + value): 431") {
        CHECK(status_of(srv, get("/", "X-Long: " + std::string(max_line - 6, 'v') + "\r\n")) == 200);
        CHECK(status_of(srv, get("/", "X-Long: " + std::string(max_line - 5, 'v') + "\r\n")) == 431);
    }
    SUBCASE("max_header, all header fields: 431") {
        const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n";
        CHECK(status_of(srv, head + header_bytes(max_header - host) + "\r\n") == 200);
        CHECK(status_of(srv, head + header_bytes(max_header - host + 1) + "\r\n") == 431);
    }
    SUBCASE("max_header_count: 431") {
        std::string fields;
        for (std::size_t i = 1; i < max_header_count; ++i) fields += "X-H" + std::to_string(i) + ": v\r\n";
        CHECK(status_of(srv, get("/", fields)) == 200);  // with Host: exactly max_header_count
        CHECK(status_of(srv, get("/", fields + "X-One-More: v\r\n")) == 431);
    }
    SUBCASE("max_body, Content-Length: 413") {
        CHECK(status_of(srv, post(std::string(max_body, 'b'))) == 200);
        CHECK(status_of(srv, post(std::string(max_body + 1, 'b'))) == 413);
    }
    SUBCASE("max_body, chunked: 413") {
        CHECK(status_of(srv, post_chunked(std::string(max_body, 'c'))) == 200);
        CHECK(status_of(srv, post_chunked(std::string(max_body + 1, 'c'))) == 413);
    }
    CHECK(wait_for_connections(srv));
}

TEST_CASE("max_connections: the last one allowed is served, the next gets 503") {
    server_options opts;
    opts.max_connections = 3;
    test_server srv(describe, opts);
    std::vector<std::unique_ptr<raw_client>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<raw_client>(srv.port()));
        REQUIRE(held.back()->send(get("/")));
        CHECK(held.back()->read_response().status == 200);  // kept alive: still counted
    }
    if (tls_mode()) {
        // No 503 a TLS client could read before its handshake: it is closed.
        CHECK_THROWS_AS(raw_client(srv.port()), std::runtime_error);
    } else {
        raw_client over(srv.port());
        CHECK(over.read_response().status == 503);
        CHECK(over.closed_by_server());
    }
    held.pop_back();
    REQUIRE(wait_until([&] { return srv.get().connections() == 2; }));
    CHECK(status_of(srv, get("/")) == 200);
}

TEST_CASE(
    "websocket.max_message: exactly websocket.max_message is echoed, one byte over closes with 1009, in every API") {
    server_options opts;
    opts.websocket.max_message = 4096;
    fixture fx(opts);
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        REQUIRE(c.send_text(std::string(opts.websocket.max_message, 'a')));
        expect_message(c, opcode::text, std::string(opts.websocket.max_message, 'a'));
        // Fragmented, the same bound holds for the whole message.
        REQUIRE(c.send_frame(opcode::binary, std::string(opts.websocket.max_message / 2, 'b'), false));
        REQUIRE(c.send_frame(opcode::continuation, std::string(opts.websocket.max_message / 2, 'b')));
        expect_message(c, opcode::binary, std::string(opts.websocket.max_message, 'b'));
        REQUIRE(c.send_frame(opcode::binary, std::string(opts.websocket.max_message / 2, 'c'), false));
        REQUIRE(c.send_frame(opcode::continuation, std::string(opts.websocket.max_message / 2 + 1, 'c')));
        expect_failed(c, 1009);
    }
    check_healthy(fx);
}

#if RINGKIT_WS_DEFLATE
TEST_CASE(
    "websocket.max_message counts inflated bytes: a compressed message inflating to exactly websocket.max_message "
    "passes, one more is 1009") {
    server_options opts;
    opts.websocket.max_message = 4096;
    opts.websocket.deflate.enabled = true;
    fixture fx(opts);
    const std::string offer = "Sec-WebSocket-Extensions: permessage-deflate\r\n";
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path, offer);
        ws::deflater out(ws::deflate_options{}, ws::deflate_params{});
        ws::inflater in(15, false);
        std::string packed;
        out.compress(std::string(opts.websocket.max_message, 'z'), packed);
        REQUIRE(packed.size() < 100);  // tiny on the wire: only the inflated size can trip the limit
        REQUIRE(c.send_frame(opcode::binary, packed, true, true));
        auto f = c.read_frame();
        REQUIRE(f);
        std::string echoed = f->payload;
        if (f->rsv1) {
            echoed.clear();
            REQUIRE(in.inflate(f->payload, echoed, true, 1 << 20) == ws::inflate_status::ok);
        }
        CHECK((echoed == std::string(opts.websocket.max_message, 'z')));
        packed.clear();
        out.compress(std::string(opts.websocket.max_message + 1, 'z'), packed);
        REQUIRE(c.send_frame(opcode::binary, packed, true, true));
        expect_failed(c, 1009);
    }
    check_healthy(fx);
}
#endif

}  // TEST_SUITE("integration/limits")
