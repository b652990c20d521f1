// The WebSocket engine over loopback, the parts with a life cycle: pings
// (automatic and custom), the idle timeout and its auto-ping, permessage-deflate,
// and the close statuses each API reports (HTTP-Kit's as-channel on_close, the
// Ring listener's on_close and on_error, in HTTP-Kit's order). Frames and
// events are asserted, never timings.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "integration/websocket_protocol_support.hpp"
#include "ringkit/ws/deflate.hpp"  // compressed frames made by hand

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::wsp;

TEST_SUITE("integration/websocket_lifecycle") {

// ---- pings ------------------------------------------------------------------------

TEST_CASE("as_channel on_ping: the automatic pong is sent and on_ping is called") {
    fixture fx;
    ws_client c(fx.port());
    open(c, "/channel");
    REQUIRE(c.send_frame(opcode::ping, "abc"));
    auto f = c.read_frame();
    REQUIRE(f);
    CHECK(f->op == opcode::pong);
    CHECK(f->payload == "abc");
    CHECK(fx.log.wait_for("channel/ping abc"));
    close_cleanly(c);
    check_healthy(fx);
}

TEST_CASE("Ring listener with on_ping: no automatic pong, the listener's pong is what the client gets") {
    fixture fx;
    ws_client c(fx.port());
    open(c, "/listener-pong");
    REQUIRE(c.send_frame(opcode::ping, "abc"));
    REQUIRE(c.send_text("after"));
    auto f = c.read_frame();
    REQUIRE(f);
    CHECK(f->op == opcode::pong);
    CHECK(f->payload == "custom:abc");
    expect_message(c, opcode::text, "after");  // no second (automatic) pong in between
    close_cleanly(c);
    CHECK(fx.log.wait_for("listener/close 1000 "));
    CHECK(fx.log.has("listener/ping abc"));
    check_healthy(fx);
}

TEST_CASE("idle timeout: pings after half of it; a client that answers stays, one that does not gets 1001") {
    server_options opts;
    opts.websocket.idle_timeout = 400ms;
    fixture fx(opts);
    {
        ws_client c(fx.port());
        open(c, "/channel");
        // Four pings answered: well past the idle timeout, the connection is still up.
        for (int i = 0; i < 4; ++i) {
            auto f = c.read_frame();
            REQUIRE(f);
            REQUIRE(f->op == opcode::ping);
            REQUIRE(c.send_frame(opcode::pong, f->payload));
        }
        REQUIRE(c.send_text("still here"));
        expect_message(c, opcode::text, "still here");
        close_cleanly(c);
        CHECK(fx.log.wait_for("channel/close 1000 normal"));
    }
    {
        ws_client c(fx.port());
        open(c, "/channel");
        auto f = c.read_frame();
        REQUIRE(f);
        CHECK(f->op == opcode::ping);
        f = c.read_frame();  // not answered
        REQUIRE(f);
        CHECK(f->op == opcode::close);
        CHECK(f->close_code() == 1001);
        REQUIRE(c.send_close(1001));
        CHECK(c.closed_by_server());
        CHECK(fx.log.wait_for("channel/close 1001 server-close"));
    }
    check_healthy(fx);
}

// ---- the read buffer of a busy connection -------------------------------------------

TEST_CASE("busy, then quiet, then busy again: the read buffer a busy connection gets and gives back loses nothing") {
    // A connection that receives in quick succession reads into a small buffer
    // of its own (512 bytes), which it gives back after a second of quiet by
    // cancelling the pending read. Messages on both sides of both switches,
    // of sizes across that buffer's, arrive whole and in order.
    fixture fx;
    std::vector<std::unique_ptr<ws_client>> clients;
    for (auto& path : echo_paths) {
        clients.push_back(std::make_unique<ws_client>(fx.port()));
        open(*clients.back(), path);
    }
    std::mt19937 rng(7);
    auto burst = [&](ws_client& c) {
        for (std::size_t size : {1, 511, 512, 513, 1024, 3000, 40, 0, 70000}) {
            std::string m(size, '\0');
            for (auto& ch : m) ch = static_cast<char>('a' + rng() % 26);
            REQUIRE(c.send_text(m));
            expect_message(c, opcode::text, m);
        }
    };
    for (int round = 0; round < 2; ++round) {
        for (auto& c : clients) burst(*c);
        std::this_thread::sleep_for(1500ms);  // past the buffer's linger: given back
    }
    for (auto& c : clients) {
        // Several messages in one segment, the last split across reads.
        REQUIRE(c->send(client_frame(opcode::text, "one") + client_frame(opcode::text, std::string(600, 'x'))));
        expect_message(*c, opcode::text, "one");
        expect_message(*c, opcode::text, std::string(600, 'x'));
        close_cleanly(*c);
    }
    check_healthy(fx);
}

// ---- permessage-deflate -----------------------------------------------------------

#if RINGKIT_WS_DEFLATE

namespace {
std::string compress(ws::deflater& d, std::string_view in) {
    std::string out;
    d.compress(in, out);
    return out;
}
}  // namespace

TEST_CASE("permessage-deflate: compressed frames both ways, fragments, and its errors") {
    server_options opts;
    opts.websocket.deflate.enabled = true;
    opts.websocket.max_message = 64 * 1024;
    fixture fx(opts);
    const std::string offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    std::mt19937 rng(7692);
    for (auto& path : echo_paths) {
        CAPTURE(path);
        {
            ws_client c(fx.port());
            auto r = c.handshake(path, offer);
            REQUIRE(r.status == 101);
            REQUIRE(r.header("sec-websocket-extensions"));
            CHECK(r.header("sec-websocket-extensions")->starts_with("permessage-deflate"));
            ws::deflater out(ws::deflate_options{}, ws::deflate_params{});
            ws::inflater in(15, false);
            auto expect_compressed = [&](std::string_view payload) {
                auto f = c.read_frame();
                REQUIRE(f);
                CHECK(f->op == opcode::text);
                CHECK(f->rsv1);
                std::string plain;
                REQUIRE(in.inflate(f->payload, plain, true, 1 << 20) == ws::inflate_status::ok);
                CHECK((plain == payload));
            };
            for (int i = 0; i < 3; ++i) {
                auto payload = random_text(rng, 500) + std::string(2000, 'z');
                REQUIRE(c.send_frame(opcode::text, compress(out, payload), true, true));
                expect_compressed(payload);
            }
            // Small messages come back uncompressed; uncompressed ones are fine too.
            REQUIRE(c.send_frame(opcode::text, compress(out, "tiny"), true, true));
            expect_message(c, opcode::text, "tiny");
            auto plain = std::string(1000, 'q');
            REQUIRE(c.send_text(plain));
            expect_compressed(plain);
            // A compressed message in three fragments: RSV1 on the first only.
            auto payload = random_text(rng, 3000);
            auto packed = compress(out, payload);
            auto third = packed.size() / 3;
            REQUIRE(c.send_frame(opcode::text, packed.substr(0, third), false, true));
            REQUIRE(c.send_frame(opcode::continuation, packed.substr(third, third), false));
            REQUIRE(c.send_frame(opcode::continuation, packed.substr(2 * third)));
            expect_compressed(payload);
            close_cleanly(c);
        }
        {
            ws_client c(fx.port());
            open(c, path, offer);
            ws::deflater out(ws::deflate_options{}, ws::deflate_params{});
            auto packed = compress(out, std::string(1000, 'r'));
            REQUIRE(c.send_frame(opcode::text, packed.substr(0, 4), false, true));
            REQUIRE(c.send_frame(opcode::continuation, packed.substr(4), true, true));
            expect_failed(c, 1002);  // RSV1 on a continuation frame
        }
        {
            ws_client c(fx.port());
            open(c, path, offer);
            ws::deflater out(ws::deflate_options{}, ws::deflate_params{});
            auto bomb = compress(out, std::string(1 << 20, '\0'));  // 1 MiB of zeros in ~1 KiB
            CHECK(bomb.size() < 64 * 1024);
            REQUIRE(c.send_frame(opcode::binary, bomb, true, true));
            expect_failed(c, 1009);
        }
        {
            ws_client c(fx.port());
            open(c, path, offer);
            REQUIRE(c.send_frame(opcode::binary, "\xff\xff\xff\xff garbage", true, true));
            expect_failed(c, 1002);
        }
        {
            ws_client c(fx.port());
            open(c, path, offer);
            ws::deflater out(ws::deflate_options{}, ws::deflate_params{});
            REQUIRE(c.send_frame(opcode::text, compress(out, ""), true, true));  // empty: one 00 byte
            expect_message(c, opcode::text, "");
            REQUIRE(c.send_frame(opcode::text, compress(out, std::string(500, 'a') + "\xC3\x28"), true, true));
            expect_failed(c, 1007);  // checked after inflating
        }
    }
    // Not negotiated: RSV1 is a protocol error even on a deflate server.
    ws_client c(fx.port());
    open(c, "/channel");
    REQUIRE(c.send_frame(opcode::text, "x", true, true));
    expect_failed(c, 1002);
    check_healthy(fx);
}

TEST_CASE("permessage-deflate: negotiated parameters are used; offers we cannot take are left out") {
    server_options opts;
    opts.websocket.deflate.enabled = true;
    fixture fx(opts);
    {
        // A 10-bit window for our frames, and a client that resets its compressor.
        ws_client c(fx.port());
        auto r = c.handshake("/channel",
                             "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10; "
                             "client_no_context_takeover\r\n");
        REQUIRE(r.status == 101);
        auto ext = r.header("sec-websocket-extensions").value_or("");
        CHECK(ext.starts_with("permessage-deflate"));
        CHECK(ext.find("server_max_window_bits=10") != std::string::npos);
        CHECK(ext.find("client_no_context_takeover") != std::string::npos);
        ws::deflate_params mine;
        mine.server_no_context_takeover = true;  // the deflater's "server" is us, the client, here
        ws::deflater out(ws::deflate_options{}, mine);
        ws::inflater in(10, false);
        std::mt19937 rng(10);
        for (int i = 0; i < 4; ++i) {
            // Repeats further apart than 1 KiB: only a window of 10 bits must be assumed.
            auto chunk = random_text(rng, 700);
            auto payload = chunk + random_text(rng, 2000) + chunk + chunk;
            REQUIRE(c.send_frame(opcode::text, compress(out, payload), true, true));
            auto f = c.read_frame();
            REQUIRE(f);
            CHECK(f->rsv1);
            std::string plain;
            REQUIRE(in.inflate(f->payload, plain, true, 1 << 20) == ws::inflate_status::ok);
            CHECK((plain == payload));
        }
        close_cleanly(c);
    }
    for (std::string offer : {"x-webkit-deflate-frame", "permessage-deflate; server_max_window_bits=8",
                              "permessage-deflate; unknown_param", "permessage-deflate; client_max_window_bits=16"}) {
        CAPTURE(offer);
        ws_client c(fx.port());
        auto r = c.handshake("/stream", "Sec-WebSocket-Extensions: " + offer + "\r\n");
        REQUIRE(r.status == 101);
        CHECK(!r.header("sec-websocket-extensions"));
        REQUIRE(c.send_text(std::string(1000, 'u')));
        expect_message(c, opcode::text, std::string(1000, 'u'));  // uncompressed: nothing was agreed
        close_cleanly(c);
    }
    {
        // The first acceptable offer of several wins.
        ws_client c(fx.port());
        auto r = c.handshake("/stream",
                             "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=8, "
                             "permessage-deflate; server_no_context_takeover\r\n");
        REQUIRE(r.status == 101);
        CHECK(r.header("sec-websocket-extensions") == "permessage-deflate; server_no_context_takeover");
        close_cleanly(c);
    }
    check_healthy(fx);
    // A server without websocket.deflate agrees to nothing.
    fixture plain;
    ws_client c(plain.port());
    auto r = c.handshake("/listener", "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    REQUIRE(r.status == 101);
    CHECK(!r.header("sec-websocket-extensions"));
    close_cleanly(c);
    check_healthy(plain);
}

#endif

// ---- how closes are reported ----------------------------------------------------

namespace {
bool reportable(int code) {
    return ws::is_valid_close_code(static_cast<std::uint16_t>(code)) || code == 1005 || code == 1006;
}
}  // namespace

TEST_CASE("a protocol error while a write is held up: the close frame goes out after that write") {
    // The client sends 24 MiB without reading, then an unmasked frame. The
    // server's echo writes push back long before (echoes past the high-water
    // mark are dropped, reading goes on), so the 1002 close it queues waits
    // behind a write in flight; once the client reads, it must come. (ws::stream
    // stops reading instead: its handler waits in send, its inbox fills.)
    fixture fx;
    for (std::string path : {"/channel", "/listener"}) {
        CAPTURE(path);
        ws_client c(fx.port());
        open(c, path);
        int small = 64 * 1024;  // the server's writes fill this and push back
        ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        std::string big(3 << 20, 'x');
        std::string burst;
        for (int i = 0; i < 8; ++i) burst += client_frame(opcode::binary, big);
        burst += client_frame(opcode::text, "unmasked", true, false, false);
        REQUIRE(c.send(burst));
        for (;;) {
            auto f = c.read_frame();
            REQUIRE_MESSAGE(f, "the connection ended without a close frame");
            if (f->op == opcode::close) {
                CHECK(f->close_code() == 1002);
                break;
            }
            CHECK(f->op == opcode::binary);
        }
        CHECK(c.closed_by_server());
    }
    check_healthy(fx);
}

TEST_CASE("statuses reported to on_close: client close, TCP drop, protocol errors, server close") {
    fixture fx;
    struct scenario {
        std::string name;
        std::function<void(ws_client&)> run;
        std::string as_channel;  // "CODE NAME" as as_channel (and ws::accept) report it
        std::string listener;    // "CODE REASON" as the Ring listener gets it; "CODE *": any reason
    };
    const std::vector<scenario> scenarios = {
        {"client close 1000",
         [](ws_client& c) {
             REQUIRE(c.send_close(1000, "done"));
             REQUIRE(c.read_frame());
             CHECK(c.closed_by_server());
         },
         "1000 normal", "1000 done"},
        {"TCP dropped without a close frame",
         [](ws_client& c) {
             REQUIRE(c.send_text("x"));
             expect_message(c, opcode::text, "x");
             c.close();
         },
         "1006 abnormal", "1006 *"},
        {"protocol error",
         [](ws_client& c) {
             REQUIRE(c.send(frame_with_b0(0x80 | 0x20 | 0x1, "x")));
             expect_failed(c, 1002);
         },
         "1002 server-close", "1002 *"},
        {"invalid close code 999",
         [](ws_client& c) {
             REQUIRE(c.send_close(999));
             expect_failed(c, 1002);
         },
         "1002 server-close", "1002 *"},
        {"invalid UTF-8",
         [](ws_client& c) {
             REQUIRE(c.send_text("\xFF"));
             expect_failed(c, 1007);
         },
         "1007 server-close", "1007 *"},
        {"empty close",
         [](ws_client& c) {
             REQUIRE(c.send_frame(opcode::close, ""));
             REQUIRE(c.read_frame());
             CHECK(c.closed_by_server());
         },
         "1005 no-status-received", "1005 "},
        {"client close 4999",
         [](ws_client& c) {
             REQUIRE(c.send_close(4999, "app"));
             REQUIRE(c.read_frame());
             CHECK(c.closed_by_server());
         },
         "4999 unknown", "4999 app"},
    };
    for (std::string api : {"stream", "channel", "listener"})
        for (auto& sc : scenarios) {
            CAPTURE(api);
            CAPTURE(sc.name);
            fx.log.clear();
            {
                ws_client c(fx.port());
                open(c, "/" + api);
                sc.run(c);
            }
            const std::string prefix = api + "/close ";
            REQUIRE(wait_until([&] { return !fx.log.with_prefix(prefix).empty(); }));
            auto got = fx.log.with_prefix(prefix);
            REQUIRE(got.size() == 1);
            const auto& want = api == "listener" ? sc.listener : sc.as_channel;
            if (want.ends_with('*')) CHECK(got[0].starts_with(prefix + want.substr(0, want.size() - 1)));
            else CHECK(got[0] == prefix + want);
            auto code = std::stoi(got[0].substr(prefix.size()));
            CHECK_MESSAGE(reportable(code), got[0]);  // never 0, never a code no close frame may carry
            if (api == "listener" && code != 1000 && code != 1005 && code != 4999)
                CHECK(!fx.log.with_prefix("listener/error ").empty());  // errors and drops reach on_error
            CHECK(wait_for_connections(fx.srv, 0));
        }
    // A server-initiated close is the server's.
    fx.log.clear();
    ws_client c(fx.port());
    open(c, "/channel-server-close");
    REQUIRE(c.read_frame());
    REQUIRE(c.send_close(4001));
    CHECK(c.closed_by_server());
    CHECK(fx.log.wait_for("channel/close 4001 server-close"));
    check_healthy(fx);
}

TEST_CASE("Ring listener: HTTP-Kit's event order, subprotocol and close reason") {
    fixture fx;
    ws_client c(fx.port());
    auto r = c.handshake("/ring", "Sec-WebSocket-Protocol: test\r\n");
    REQUIRE(r.status == 101);
    CHECK(r.header("sec-websocket-protocol") == "test");
    expect_message(c, opcode::text, "hello");
    REQUIRE(c.send_text("world"));
    REQUIRE(c.send_frame(opcode::ping, "foo"));
    auto f = c.read_frame();
    REQUIRE(f);
    CHECK(f->op == opcode::pong);
    CHECK(f->payload == "foo");
    REQUIRE(c.send_frame(opcode::pong, "bar"));
    REQUIRE(c.send_close(1000, "normal closure"));
    f = c.read_frame();
    REQUIRE(f);
    CHECK(f->op == opcode::close);
    CHECK(f->close_code() == 1000);
    CHECK(c.closed_by_server());
    REQUIRE(fx.log.wait_for("server/close 1000 normal closure"));
    CHECK(fx.log.events() == std::vector<std::string>{"server/open", "server/message world", "server/ping foo",
                                                      "server/pong bar", "server/close 1000 normal closure"});
    check_healthy(fx);
}

TEST_CASE("Ring listener: on_error once on a protocol error") {
    fixture fx;
    ws_client c(fx.port());
    open(c, "/listener");
    REQUIRE(c.send(client_frame(opcode::text, "x", true, false, false)));  // unmasked
    expect_failed(c, 1002);
    REQUIRE(wait_until([&] { return !fx.log.with_prefix("listener/close 1002 ").empty(); }));
    auto errors = fx.log.with_prefix("listener/error ");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == "listener/error " + ws::make_error_code(ws::error::protocol_error).message());
    CHECK(fx.log.events().back().starts_with("listener/close 1002 "));  // on_error first, on_close last
    check_healthy(fx);
}

TEST_CASE("server stop: every API's WebSocket gets a 1001 close and reports 1001, never 0") {
    fixture fx;
    std::vector<std::unique_ptr<ws_client>> clients;
    for (auto& path : echo_paths) {
        clients.push_back(std::make_unique<ws_client>(fx.port()));
        open(*clients.back(), path);
        REQUIRE(clients.back()->send_text("up"));
        expect_message(*clients.back(), opcode::text, "up");
    }
    std::thread stopper([&] { fx.srv.stop(5s); });
    for (auto& c : clients) {
        auto f = c->read_frame();
        REQUIRE(f);
        CHECK(f->op == opcode::close);
        CHECK(f->close_code() == 1001);
        REQUIRE(c->send_close(1001));
        CHECK(c->closed_by_server());
    }
    stopper.join();
    CHECK(fx.log.with_prefix("stream/close ") == std::vector<std::string>{"stream/close 1001 server-close"});
    CHECK(fx.log.with_prefix("channel/close ") == std::vector<std::string>{"channel/close 1001 server-close"});
    auto closes = fx.log.with_prefix("listener/close ");
    REQUIRE(closes.size() == 1);
    CHECK(closes[0].starts_with("listener/close 1001 "));
}

}  // TEST_SUITE("integration/websocket_lifecycle")
