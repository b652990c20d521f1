// The RFC 6455 engine over loopback, spoken to in raw frames: the opening
// handshake, the message size limit, fragmentation and control frames, every
// way a client can break the protocol, the close handshake, and messages of
// every size and shape, through each of the three APIs (ws::accept, as_channel,
// the Ring listener). Ports HTTP-Kit's ws_test.clj; pings, timeouts,
// compression and close statuses are in websocket_lifecycle.cpp. Frames are
// asserted, never timings; after each case the server still answers HTTP and
// holds no connection.
#include <doctest/doctest.h>

#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "integration/websocket_protocol_support.hpp"

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::wsp;

TEST_SUITE("integration/websocket_protocol") {

// ---- the opening handshake ---------------------------------------------------

namespace {

struct handshake_case {
    std::string name;
    std::string request;
    int status;
};

std::string handshake_request(std::string_view path, std::string_view method, std::string_view version,
                              std::string_view headers) {
    std::string r(method);
    r.append(" ").append(path).append(" ").append(version).append("\r\nHost: localhost\r\n").append(headers);
    return r.append("\r\n");
}

}  // namespace

TEST_CASE("handshake: tokens are case-insensitive and the accept key is RFC 6455's") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        REQUIRE(
            c.send(handshake_request(path, "GET", "HTTP/1.1",
                                     "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")));
        auto r = c.read_response(true);
        REQUIRE(r.status == 101);
        CHECK(r.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 §1.3
        CHECK(iequal(r.header("upgrade").value_or(""), "websocket"));
        CHECK(iequal(r.header("connection").value_or(""), "upgrade"));
        CHECK(!r.header("sec-websocket-protocol"));
        CHECK(!r.header("sec-websocket-extensions"));
        REQUIRE(c.send_text("hi"));
        expect_message(c, opcode::text, "hi");
        close_cleanly(c);
    }
    // RFC 6455 §1.2's other example key.
    ws_client c(fx.port());
    REQUIRE(c.send(handshake_request("/stream", "GET", "HTTP/1.1",
                                     "upgrade: websocket\r\nconnection: upgrade\r\n"
                                     "sec-websocket-key: x3JJHMbDL1EzLkh9GBhXDw==\r\nsec-websocket-version: 13\r\n")));
    auto r = c.read_response(true);
    REQUIRE(r.status == 101);
    CHECK(r.header("sec-websocket-accept") == "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    close_cleanly(c);
    check_healthy(fx);
}

TEST_CASE("handshake: bad requests get 400 or 426 and the connection closes") {
    fixture fx;
    const std::string key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const std::string good = "Upgrade: websocket\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n";
    const std::string up_conn = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    auto with_key = [&](std::string_view k) {
        return up_conn + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + std::string(k) + "\r\n";
    };
    // Cases with "Upgrade: websocket": as_channel takes them as WebSocket requests too.
    std::vector<handshake_case> cases = {
        {"POST", handshake_request("{}", "POST", "HTTP/1.1", good + "Content-Length: 0\r\n"), 400},
        {"HTTP/1.0", handshake_request("{}", "GET", "HTTP/1.0", good), 400},
        {"no Connection",
         handshake_request("{}", "GET", "HTTP/1.1", "Upgrade: websocket\r\n" + key + "Sec-WebSocket-Version: 13\r\n"),
         400},
        {"Connection without upgrade",
         handshake_request("{}", "GET", "HTTP/1.1",
                           "Upgrade: websocket\r\nConnection: keep-alive\r\n" + key + "Sec-WebSocket-Version: 13\r\n"),
         400},
        {"no version", handshake_request("{}", "GET", "HTTP/1.1", up_conn + key), 400},
        {"version 8", handshake_request("{}", "GET", "HTTP/1.1", up_conn + key + "Sec-WebSocket-Version: 8\r\n"), 426},
        {"no key", handshake_request("{}", "GET", "HTTP/1.1", up_conn + "Sec-WebSocket-Version: 13\r\n"), 400},
        {"non-base64 key", handshake_request("{}", "GET", "HTTP/1.1", with_key("dGhlIHNhbXBsZSBub25j!Q==")), 400},
        {"non-canonical key", handshake_request("{}", "GET", "HTTP/1.1", with_key("dGhlIHNhbXBsZSBub25jZR==")), 400},
        {"15-byte key", handshake_request("{}", "GET", "HTTP/1.1", with_key("dGhlIHNhbXBsZSBub25j")), 400},
        {"17-byte key", handshake_request("{}", "GET", "HTTP/1.1", with_key("dGhlIHNhbXBsZSBub25jZTE=")), 400},
        {"empty key", handshake_request("{}", "GET", "HTTP/1.1", with_key("")), 400},
    };
    // Without "Upgrade: websocket" as_channel serves a plain HTTP channel instead.
    std::vector<handshake_case> not_websocket = {
        {"plain GET", get("{}"), 426},
        {"no Upgrade",
         handshake_request("{}", "GET", "HTTP/1.1", "Connection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n"),
         426},
        {"Upgrade: h2c",
         handshake_request("{}", "GET", "HTTP/1.1",
                           "Upgrade: h2c\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n"),
         426},
    };
    auto run = [&](const handshake_case& hc, const std::string& path) {
        CAPTURE(hc.name);
        CAPTURE(path);
        auto bytes = hc.request;
        bytes.replace(bytes.find("{}"), 2, path);
        raw_client c(fx.port());
        REQUIRE(c.send(bytes));
        auto r = c.read_response();
        CHECK(r.status == hc.status);
        CHECK(!r.header("sec-websocket-accept"));
        if (hc.status == 426) {
            CHECK(r.header("sec-websocket-version") == "13");
            CHECK(iequal(r.header("upgrade").value_or(""), "websocket"));
        }
        CHECK(iequal(r.header("connection").value_or(""), "close"));
        CHECK(c.closed_by_server());
    };
    for (auto& path : echo_paths)
        for (auto& hc : cases) run(hc, path);
    for (const std::string path : {"/stream", "/listener"})
        for (auto& hc : not_websocket) run(hc, path);
    CHECK(fx.log.with_prefix("listener/").empty());  // a refused handshake calls no listener callback
    check_healthy(fx);
}

TEST_CASE("handshake: a refused upgrade with a body and a pipelined request behind it: one answer, then close") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        raw_client c(fx.port());
        REQUIRE(c.send(handshake_request(path, "GET", "HTTP/1.1",
                                         "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                         "Content-Length: 4\r\n") +
                       "body" + get("/plain")));
        CHECK(c.read_response().status == 400);
        CHECK(c.closed_by_server());  // the pipelined GET is never answered
    }
    check_healthy(fx);
}

namespace websocket_protocol_refusal {

// Each API behind a middleware that marks its answer and records the status
// the handler returned: a refusal is the handler's answer in all three.
struct refusal_server {
    std::mutex mutex;
    std::vector<int> statuses;
    test_server srv{handler([this](request& req) -> task<response> {
        response r = co_await route(req);
        r.headers.set("X-Middleware", "saw " + std::to_string(r.status));
        std::lock_guard lock(mutex);
        statuses.push_back(r.status);
        co_return r;
    })};

    static task<response> route(request& req) {
        if (req.uri == "/stream") {
            auto ws = co_await ws::accept(req);
            while (auto m = co_await ws.receive()) co_await ws.send(std::move(*m));
            co_return ws.answer();
        }
        if (req.uri == "/channel") co_return as_channel(req, {});
        co_return ws::listener_response(req, {});
    }
};

}  // namespace websocket_protocol_refusal

TEST_CASE("handshake: a refusal is the same answer from the three APIs, and goes through the handler's middleware") {
    websocket_protocol_refusal::refusal_server rs;
    auto answer = [&](const std::string& path, std::string_view version_header) {
        std::string bytes = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n";
        if (!version_header.empty())
            bytes += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                     std::string(version_header);
        raw_client c(rs.srv.port());
        REQUIRE(c.send(bytes + "\r\n"));
        auto r = c.read_response();
        CHECK(c.closed_by_server());
        return r;
    };
    // A bad version: a WebSocket request to all three.
    auto stream = answer("/stream", "Sec-WebSocket-Version: 8\r\n");
    CHECK(stream.status == 426);
    CHECK(stream.header("x-middleware") == "saw 426");
    CHECK(stream.header("sec-websocket-version") == "13");
    CHECK(stream.count("connection") == 1);
    CHECK(iequal(stream.header("connection").value_or(""), "close"));
    CHECK(answer("/channel", "Sec-WebSocket-Version: 8\r\n").head_without_date() == stream.head_without_date());
    CHECK(answer("/listener", "Sec-WebSocket-Version: 8\r\n").body == stream.body);
    CHECK(answer("/listener", "Sec-WebSocket-Version: 8\r\n").head_without_date() == stream.head_without_date());
    // A plain GET: as_channel makes it an HTTP channel (HTTP-Kit's), the other two refuse alike.
    auto plain = answer("/stream", "");
    CHECK(plain.status == 426);
    CHECK(plain.header("x-middleware") == "saw 426");
    CHECK(answer("/listener", "").head_without_date() == plain.head_without_date());
    std::lock_guard lock(rs.mutex);
    CHECK(rs.statuses == std::vector<int>{426, 426, 426, 426, 426, 426});
}

TEST_CASE("handshake: the subprotocol is ours, chosen from the client's offer; none when nothing matches") {
    fixture fx;
    {
        ws_client c(fx.port());
        auto r = c.handshake("/stream-proto", "Sec-WebSocket-Protocol: superchat, chat\r\n");
        REQUIRE(r.status == 101);
        CHECK(r.header("sec-websocket-protocol") == "chat");  // our preference wins
        CHECK(r.count("sec-websocket-protocol") == 1);
        close_cleanly(c);
    }
    {
        ws_client c(fx.port());
        auto r = c.handshake("/stream-proto", "Sec-WebSocket-Protocol: v1\r\nSec-WebSocket-Protocol: superchat\r\n");
        REQUIRE(r.status == 101);
        CHECK(r.header("sec-websocket-protocol") == "superchat");
        close_cleanly(c);
    }
    for (std::string offer : {"Sec-WebSocket-Protocol: mqtt, CHAT\r\n", ""}) {
        CAPTURE(offer);
        ws_client c(fx.port());
        auto r = c.handshake("/stream-proto", offer);
        REQUIRE(r.status == 101);
        CHECK(!r.header("sec-websocket-protocol"));
        close_cleanly(c);
    }
    check_healthy(fx);
}

TEST_CASE("handshake: the origin hook refuses with 403") {
    fixture fx;
    for (std::string origin : {"Origin: http://evil.example\r\n", ""}) {
        CAPTURE(origin);
        raw_client c(fx.port());
        REQUIRE(c.send(upgrade_request("/channel-origin", origin)));
        auto r = c.read_response();
        CHECK(r.status == 403);
        CHECK(!r.header("sec-websocket-accept"));
        CHECK(c.closed_by_server());
    }
    ws_client c(fx.port());
    open(c, "/channel-origin", "Origin: http://good.example\r\n");
    REQUIRE(c.send_text("welcome"));
    expect_message(c, opcode::text, "welcome");
    close_cleanly(c);
    check_healthy(fx);
}

TEST_CASE("handshake: frames in the same TCP segment as the upgrade request are delivered") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        REQUIRE(
            c.send(upgrade_request(path) + client_frame(opcode::text, "early") + client_frame(opcode::binary, "bird")));
        REQUIRE(c.read_response(true).status == 101);
        expect_message(c, opcode::text, "early");
        expect_message(c, opcode::binary, "bird");
        close_cleanly(c);
    }
    check_healthy(fx);
}

// ---- message size limit (websocket.max_message) ---------------------------------------------

TEST_CASE("websocket.max_message 100: a 100-byte message passes, 101 bytes close with 1009") {
    server_options opts;
    opts.websocket.max_message = 100;
    fixture fx(opts);
    for (auto& path : echo_paths)
        for (auto op : {opcode::text, opcode::binary}) {
            CAPTURE(path);
            CAPTURE(static_cast<int>(op));
            ws_client c(fx.port());
            open(c, path);
            REQUIRE(c.send_frame(op, std::string(100, 'a')));
            expect_message(c, op, std::string(100, 'a'));
            REQUIRE(c.send_frame(op, std::string(101, 'b')));
            expect_failed(c, 1009);
        }
    check_healthy(fx);
}

TEST_CASE("websocket.max_message 200 counts fragments: 100+100 passes; 100+101 and 126+75 close with 1009") {
    server_options opts;
    opts.websocket.max_message = 200;
    fixture fx(opts);
    for (auto& path : echo_paths)
        for (auto op : {opcode::text, opcode::binary}) {
            CAPTURE(path);
            CAPTURE(static_cast<int>(op));
            {
                ws_client c(fx.port());
                open(c, path);
                REQUIRE(c.send_frame(op, std::string(100, 'a'), false));
                REQUIRE(c.send_frame(opcode::continuation, std::string(100, 'b')));
                expect_message(c, op, std::string(100, 'a') + std::string(100, 'b'));
                close_cleanly(c);
            }
            for (auto [first, second] : {std::pair{100, 101}, std::pair{126, 75}}) {
                ws_client c(fx.port());
                open(c, path);
                REQUIRE(c.send_frame(op, std::string(static_cast<std::size_t>(first), 'a'), false));
                REQUIRE(c.send_frame(opcode::continuation, std::string(static_cast<std::size_t>(second), 'b')));
                expect_failed(c, 1009);
            }
        }
    check_healthy(fx);
}

TEST_CASE("websocket.max_message: a frame header announcing more is refused before its payload comes") {
    server_options opts;
    opts.websocket.max_message = 64 * 1024;
    fixture fx(opts);
    for (auto& path : echo_paths) {
        CAPTURE(path);
        for (std::uint64_t claim : {std::uint64_t{65537}, std::uint64_t{1} << 30, (std::uint64_t{1} << 63) - 1}) {
            CAPTURE(claim);
            ws_client c(fx.port());
            open(c, path);
            REQUIRE(c.send(frame_with_length(127, claim, "only a few bytes")));
            expect_failed(c, 1009);
        }
    }
    check_healthy(fx);
}

TEST_CASE("websocket.max_message 10: a 125-byte ping is still answered") {
    server_options opts;
    opts.websocket.max_message = 10;
    fixture fx(opts);
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        const auto data = all_bytes(125);
        REQUIRE(c.send_frame(opcode::ping, data));
        auto f = c.read_frame();
        REQUIRE(f);
        CHECK(f->op == opcode::pong);
        CHECK((f->payload == data));
        REQUIRE(c.send_text("0123456789"));
        expect_message(c, opcode::text, "0123456789");
        REQUIRE(c.send_text("0123456789!"));
        expect_failed(c, 1009);
    }
    check_healthy(fx);
}

// ---- fragmentation and control frames ------------------------------------------

TEST_CASE("control frames between fragments: the pong comes first, then the whole message") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        REQUIRE(c.send_frame(opcode::text, "hel", false));
        REQUIRE(c.send_frame(opcode::ping, "ping"));
        REQUIRE(c.send_frame(opcode::pong, "pong"));  // unsolicited: ignored
        REQUIRE(c.send_frame(opcode::continuation, "lo"));
        auto f = c.read_frame();
        REQUIRE(f);
        CHECK(f->op == opcode::pong);
        CHECK(f->payload == "ping");
        expect_message(c, opcode::text, "hello");
        close_cleanly(c);
    }
    check_healthy(fx);
}

TEST_CASE("a close in the middle of a fragmented message closes; the partial message is never delivered") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        REQUIRE(c.send_frame(opcode::binary, "part", false));
        close_cleanly(c);  // the first frame back is the close echo, not the fragment
    }
    check_healthy(fx);
}

TEST_CASE("after the client's close frame, nothing it sends is delivered") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        REQUIRE(c.send(client_frame(opcode::close, close_payload(1000)) + client_frame(opcode::text, "ghost") +
                       client_frame(opcode::ping, "ghost")));
        auto f = c.read_frame();
        REQUIRE(f);
        CHECK(f->op == opcode::close);
        CHECK(c.closed_by_server());  // no echo, no pong
    }
    CHECK(!fx.log.has("listener/message ghost"));
    check_healthy(fx);
}

TEST_CASE("after the client's close frame, nothing is delivered even while our writes are blocked") {
    fixture fx;
    ws_client c(fx.port());
    // Echoes the client does not read fill both socket buffers (the client's kept
    // small, else loopback autotuning takes megabytes) and the send queue, so the
    // server's close answer has to wait behind them.
    int rcvbuf = 256 * 1024;
    ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    open(c, "/listener");
    const std::string mib(1 << 20, 'm');
    for (int i = 0; i < 8; ++i) REQUIRE(c.send_text(mib));
    REQUIRE(fx.log.wait_for("listener/error " + ws::make_error_code(ws::error::backpressured).message()));
    REQUIRE(c.send(client_frame(opcode::close, close_payload(1000)) + client_frame(opcode::text, "ghost")));
    for (;;) {
        auto f = c.read_frame();
        REQUIRE(f);
        if (f->op == opcode::close) break;
        CHECK(f->payload.size() == mib.size());
    }
    CHECK(c.closed_by_server());
    REQUIRE(fx.log.wait_for("listener/close 1000 "));
    CHECK(!fx.log.has("listener/message ghost"));
    check_healthy(fx);
}

TEST_CASE("after the server's close frame, messages are no longer delivered") {
    fixture fx;
    ws_client c(fx.port());
    open(c, "/listener");
    REQUIRE(c.send_text("close-me"));  // the listener closes with 4002
    auto f = c.read_frame();
    REQUIRE(f);
    CHECK(f->op == opcode::close);
    CHECK(f->close_code() == 4002);
    CHECK(f->close_reason() == "asked");
    REQUIRE(c.send_text("too late"));
    REQUIRE(c.send_close(4002));
    CHECK(c.closed_by_server());
    REQUIRE(fx.log.wait_for("listener/close 4002 asked"));
    CHECK(!fx.log.has("listener/message too late"));
    check_healthy(fx);
}

TEST_CASE("protocol violations: a close frame with the right code, then TCP closes") {
    fixture fx;
    struct violation {
        std::string name;
        std::vector<std::string> frames;
        int code;
    };
    auto frame = [](opcode op, std::string_view p, bool fin = true) { return client_frame(op, p, fin); };
    std::vector<violation> cases = {
        {"RSV1 without deflate", {frame_with_b0(0x80 | 0x40 | 0x1, "x")}, 1002},
        {"RSV2", {frame_with_b0(0x80 | 0x20 | 0x1, "x")}, 1002},
        {"RSV3", {frame_with_b0(0x80 | 0x10 | 0x2, "x")}, 1002},
        {"opcode 3", {frame(static_cast<opcode>(3), "x")}, 1002},
        {"opcode 11", {frame(static_cast<opcode>(11), "x")}, 1002},
        {"fragmented ping", {frame(opcode::ping, "x", false)}, 1002},
        {"126-byte ping", {frame(opcode::ping, std::string(126, 'p'))}, 1002},
        {"lone continuation", {frame(opcode::continuation, "x")}, 1002},
        {"new message inside a fragmented one", {frame(opcode::text, "a", false), frame(opcode::text, "b")}, 1002},
        {"invalid UTF-8", {frame(opcode::text, "\xC3\x28")}, 1007},
        {"invalid UTF-8 across fragments, no final fragment",
         {frame(opcode::text, "ok \xC3", false), frame(opcode::continuation, "\x28", false)},
         1007},
        {"truncated UTF-8 at the message end", {frame(opcode::text, "ok \xE2\x82")}, 1007},
        {"invalid UTF-8 in a close reason", {frame(opcode::close, close_payload(1000, "\xC3\x28"))}, 1007},
        {"1-byte close payload", {frame(opcode::close, std::string(1, '\x03'))}, 1002},
        {"unmasked frame", {client_frame(opcode::text, "plain", true, false, false)}, 1002},
        {"16-bit length under 126", {frame_with_length(126, 5, "short")}, 1002},
        {"64-bit length under 65536", {frame_with_length(127, 200, std::string(200, 'x'))}, 1002},
        {"64-bit length with the top bit set", {frame_with_length(127, std::uint64_t{1} << 63)}, 1002},
    };
    for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000})
        cases.push_back({"close code " + std::to_string(code), {frame(opcode::close, close_payload(code))}, 1002});
    for (auto& path : echo_paths)
        for (auto& v : cases) {
            CAPTURE(path);
            CAPTURE(v.name);
            ws_client c(fx.port());
            open(c, path);
            std::string bytes;
            for (auto& f : v.frames) bytes += f;
            REQUIRE(c.send(bytes));
            expect_failed(c, v.code);
        }
    check_healthy(fx);
}

// ---- the close handshake ----------------------------------------------------------

TEST_CASE("valid close codes are echoed and TCP closes; an empty close gets an empty close") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        for (int code : {1000, 1001, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999}) {
            CAPTURE(code);
            ws_client c(fx.port());
            open(c, path);
            REQUIRE(c.send_close(code, "see you"));
            auto f = c.read_frame();
            REQUIRE(f);
            CHECK(f->op == opcode::close);
            CHECK(f->close_code() == code);
            CHECK(c.closed_by_server());
        }
        for (std::string reason : {std::string(123, 'r'), std::string("\xE2\x82\xAC ok")}) {
            ws_client c(fx.port());
            open(c, path);
            REQUIRE(c.send_close(1000, reason));  // the longest reason, and a multi-byte one
            auto f = c.read_frame();
            REQUIRE(f);
            CHECK(f->close_code() == 1000);
            CHECK(c.closed_by_server());
        }
        ws_client c(fx.port());
        open(c, path);
        REQUIRE(c.send_frame(opcode::close, ""));
        auto f = c.read_frame();
        REQUIRE(f);
        CHECK(f->op == opcode::close);
        CHECK(f->payload.empty());
        CHECK(c.closed_by_server());
    }
    check_healthy(fx);
}

TEST_CASE("a server-initiated close: the client sees the code and reason, answers, and TCP closes") {
    fixture fx;
    ws_client c(fx.port());
    open(c, "/channel-server-close");
    auto f = c.read_frame();
    REQUIRE(f);
    CHECK(f->op == opcode::close);
    CHECK(f->close_code() == 4001);
    CHECK(f->close_reason() == "bye");
    REQUIRE(c.send_close(4001));
    CHECK(c.closed_by_server());
    CHECK(fx.log.wait_for("channel/close 4001 server-close"));
    check_healthy(fx);
}

TEST_CASE("a client that never answers our close is dropped after websocket.close_timeout") {
    server_options opts;
    opts.websocket.close_timeout = 200ms;
    fixture fx(opts);
    ws_client c(fx.port());
    open(c, "/channel-server-close");
    auto f = c.read_frame();
    REQUIRE(f);
    CHECK(f->op == opcode::close);
    CHECK(c.closed_by_server());  // and no answer was sent
    CHECK(fx.log.wait_for("channel/close 4001 server-close"));
    check_healthy(fx);
}

// ---- messages: sizes, fragments, segments, order -----------------------------------

TEST_CASE("random messages up to 1 MiB, each answered several times") {
    fixture fx;
    std::mt19937 rng(6455);
    ws_client c(fx.port());
    open(c, "/stream-replies");
    std::vector<std::size_t> sizes = {0, 1, 125, 126, 65535, 65536, 1 << 20};
    std::uniform_int_distribution<std::size_t> any_size(0, 1 << 20);
    for (int i = 0; i < 6; ++i) sizes.push_back(any_size(rng));
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        CAPTURE(sizes[i]);
        const bool text = i % 2 == 0;
        auto payload = text ? random_text(rng, sizes[i]) : all_bytes(sizes[i]);
        const int replies = 1 + static_cast<int>(i % 3);
        REQUIRE(c.send_frame(text ? opcode::text : opcode::binary, std::to_string(replies) + ":" + payload));
        for (int r = 0; r < replies; ++r) expect_message(c, text ? opcode::text : opcode::binary, payload);
    }
    close_cleanly(c);
    // One reply each through every API, a message at a time (as_channel's and the
    // listener's sends do not wait for room: a pipelined 1 MiB would be refused).
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client e(fx.port());
        open(e, path);
        for (std::size_t size : {std::size_t{1} << 20, any_size(rng), any_size(rng)}) {
            CAPTURE(size);
            auto payload = random_text(rng, size);
            REQUIRE(e.send_text(payload));
            expect_message(e, opcode::text, payload);
        }
        close_cleanly(e);
    }
    check_healthy(fx);
}

TEST_CASE("fragmented messages are reassembled") {
    fixture fx;
    std::mt19937 rng(47);
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        for (int round = 0; round < 5; ++round) {
            auto payload = random_text(rng, 1000 + static_cast<std::size_t>(round) * 40000);
            std::string bytes;
            std::uniform_int_distribution<std::size_t> piece(0, payload.size() / 3);
            std::size_t at = 0;
            bool first = true;
            while (at < payload.size()) {
                auto n = std::min(piece(rng), payload.size() - at);
                bool fin = at + n == payload.size();
                bytes += client_frame(first ? opcode::text : opcode::continuation,
                                      std::string_view(payload).substr(at, n), fin);
                at += n;
                first = false;
            }
            REQUIRE(c.send(bytes));
            expect_message(c, opcode::text, payload);
        }
        close_cleanly(c);
    }
    check_healthy(fx);
}

TEST_CASE("UTF-8 split inside a character across fragments and reads is valid; empty messages too") {
    fixture fx;
    // U+00E9, U+20AC, U+1F600: 2-, 3- and 4-byte characters.
    const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80!";
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        // Every split point, each half a fragment of its own.
        for (std::size_t cut = 1; cut < text.size(); ++cut) {
            REQUIRE(c.send(client_frame(opcode::text, text.substr(0, cut), false) +
                           client_frame(opcode::continuation, text.substr(cut))));
            expect_message(c, opcode::text, text);
        }
        // One byte per fragment, and the bytes in one-byte TCP writes.
        std::string bytes;
        for (std::size_t i = 0; i < text.size(); ++i)
            bytes +=
                client_frame(i == 0 ? opcode::text : opcode::continuation, text.substr(i, 1), i + 1 == text.size());
        REQUIRE(c.send_in_pieces(bytes, {1}));
        expect_message(c, opcode::text, text);
        // Empty: a frame, and a message of empty fragments.
        REQUIRE(c.send_text(""));
        expect_message(c, opcode::text, "");
        REQUIRE(c.send(client_frame(opcode::binary, "", false) + client_frame(opcode::continuation, "", false) +
                       client_frame(opcode::continuation, "")));
        expect_message(c, opcode::binary, "");
        close_cleanly(c);
    }
    check_healthy(fx);
}

TEST_CASE("frames split across TCP segments: byte by byte and odd sizes (HTTP-Kit #47, #80)") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        // The handshake itself trickles in too, with a frame behind it.
        REQUIRE(c.send_in_pieces(upgrade_request(path) + client_frame(opcode::text, "slow"), {1}));
        REQUIRE(c.read_response(true).status == 101);
        expect_message(c, opcode::text, "slow");
        const auto medium = all_bytes(300), large = all_bytes(70000);
        REQUIRE(c.send_in_pieces(client_frame(opcode::binary, medium), {1}));
        expect_message(c, opcode::binary, medium);
        REQUIRE(c.send_in_pieces(client_frame(opcode::binary, large) + client_frame(opcode::ping, "p"),
                                 {3, 1, 7, 2, 13, 1024}));
        expect_message(c, opcode::binary, large);
        auto f = c.read_frame();
        REQUIRE(f);
        CHECK(f->op == opcode::pong);
        REQUIRE(c.send_in_pieces(client_frame(opcode::close, close_payload(1000)), {1}));
        f = c.read_frame();
        REQUIRE(f);
        CHECK(f->op == opcode::close);
        CHECK(c.closed_by_server());
    }
    check_healthy(fx);
}

TEST_CASE("pipelined messages are answered in order; binary stays binary") {
    fixture fx;
    for (auto& path : echo_paths) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        std::string bytes;
        for (int i = 0; i < 10; ++i)
            bytes += i % 2 ? client_frame(opcode::binary, all_bytes(static_cast<std::size_t>(i) * 100))
                           : client_frame(opcode::text, "message " + std::to_string(i));
        REQUIRE(c.send(bytes));
        for (int i = 0; i < 10; ++i) {
            if (i % 2) expect_message(c, opcode::binary, all_bytes(static_cast<std::size_t>(i) * 100));
            else expect_message(c, opcode::text, "message " + std::to_string(i));
        }
        close_cleanly(c);
    }
    check_healthy(fx);
}

}  // TEST_SUITE("integration/websocket_protocol")
