// A user callback that throws, for each of the three WebSocket APIs and the
// HTTP channel: the client gets 1011 (or a 500), never the exception's text; the
// logger gets one line naming the callback; on_close runs once; the server
// goes on serving and stops. Found by the browser test: a listener's on_open
// that threw (nlohmann::json::dump on invalid UTF-8) left the client with a 101
// and then silence, and the same from on_close at stop ended the process.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>

#include "integration/channel_support.hpp"

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::chan;

namespace {

const std::string secret = "secret-detail-5c2e";

[[noreturn]] void fail() { throw std::runtime_error(secret); }

/// What the logger was told, once `n` lines have come.
std::vector<captured_log::entry> logged(const captured_log& log, std::size_t n = 1) {
    CHECK(wait_until([&] { return log.entries().size() >= n; }));
    return log.entries();
}

/// The one line a throwing callback leaves: its name, and the exception itself.
void check_one_line(const captured_log& log, std::string_view callback) {
    auto entries = logged(log);
    REQUIRE(entries.size() == 1);
    CAPTURE(entries[0].message);
    CHECK(entries[0].message.find(callback) != std::string::npos);
    CHECK(entries[0].had_exception);
    CHECK(entries[0].what.find(secret) != std::string::npos);
}

/// The server's close frame: 1011, without the exception's text; then the handshake.
void expect_1011(ws_client& c) {
    auto f = c.read_message_frame();
    REQUIRE(f);
    REQUIRE(f->op == ws::opcode::close);
    CHECK(f->close_code() == 1011);
    CHECK(f->close_reason().find(secret) == std::string::npos);
    c.send_close(f->close_code());
    CHECK(c.closed_by_server());
}

/// on_close ran once, for a close by the server with 1011.
void check_closed_1011(const close_log& closes) {
    REQUIRE(closes.wait_for(1));
    auto st = closes.at(0);
    CHECK(st.code == 1011);
    CHECK(st.by_server);
    std::this_thread::sleep_for(20ms);  // a second call would come right after the first
    CHECK(closes.count() == 1);
}

// A GET a throwing callback answers: the generic 500, nothing of the exception in it.
wire_response expect_generic_500(raw_client& c, const std::string& target) {
    REQUIRE(c.send(get(target)));
    auto r = c.read_response();
    CHECK(r.status == 500);
    CHECK(r.raw.find(secret) == std::string::npos);
    return r;
}

/// A listener's on_close, into a close_log.
auto ring_close(close_log& closes) {
    return [hook = closes.hook()](ws::socket& s, const close_status& st) {
        channel ch = s.channel();
        hook(ch, st);
    };
}

server_options logging_to(captured_log& log) {
    server_options opts;
    opts.logger = log.hook();
    return opts;
}

}  // namespace

TEST_SUITE("integration/callback_errors") {

// ---- as_channel -----------------------------------------------------------------

TEST_CASE("as_channel: a throwing on_open or on_receive closes with 1011, logs it, and on_close runs once") {
    captured_log log;
    close_log closes;
    std::string callback;
    channel_callbacks cb{.on_close = closes.hook()};
    SUBCASE("on_open") {
        callback = "on_open";
        cb.on_open = [](channel&) { fail(); };
    }
    SUBCASE("on_receive") {
        callback = "on_receive";
        cb.on_receive = [](channel&, ws::message&&) { fail(); };
    }
    SUBCASE("on_ping") {
        callback = "on_ping";
        cb.on_ping = [](channel&, std::string_view) { fail(); };
    }
    test_server srv(with_plain([&](request& req) { return as_channel(req, cb); }), logging_to(log));
    auto c = connect_ws(srv.port(), "/ws");
    if (callback == "on_receive") REQUIRE(c->send_text("hi"));
    if (callback == "on_ping") {
        REQUIRE(c->send_frame(ws::opcode::ping, "p"));
        auto pong = c->read_frame();  // answered before on_ping ran
        REQUIRE(pong);
        CHECK(pong->op == ws::opcode::pong);
    }
    expect_1011(*c);
    check_closed_1011(closes);
    check_one_line(log, callback);
    c.reset();
    check_healthy(srv);
}

TEST_CASE("as_channel: on_handshake_error that throws is the handler's 500, and on_close still runs once") {
    captured_log log;
    close_log closes;
    test_server srv(with_plain([&](request& req) {
                        return as_channel(req, {.on_close = closes.hook(),
                                                .on_handshake_error = [](channel&) -> response { fail(); }});
                    }),
                    logging_to(log));
    raw_client c(srv.port());
    // No Sec-WebSocket-Key: a bad handshake.
    REQUIRE(
        c.send("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n"));
    auto r = c.read_response();
    CHECK(r.status == 500);
    CHECK(r.raw.find(secret) == std::string::npos);
    REQUIRE(closes.wait_for(1));
    CHECK(closes.at(0).code == ws::close_code::protocol_error);
    std::this_thread::sleep_for(20ms);  // a second call would come right after the first
    CHECK(closes.count() == 1);
    check_one_line(log, "handler threw");
    c.close();
    check_healthy(srv);
}

TEST_CASE("as_channel: a throwing on_close is logged, after a client close and at server stop") {
    captured_log log;
    std::atomic<int> calls{0};
    test_server srv(with_plain([&](request& req) {
                        return as_channel(req, {.on_close = [&](channel&, const close_status&) {
                                              ++calls;
                                              fail();
                                          }});
                    }),
                    logging_to(log));
    auto c = connect_ws(srv.port(), "/ws");
    SUBCASE("the client closes") {
        client_close(*c, 1000);
        check_one_line(log, "on_close");
        c.reset();
        check_healthy(srv);
    }
    SUBCASE("the server stops") {
        // This used to call std::terminate on the I/O thread.
        auto stopping = std::async(std::launch::async, [&] { return srv.stop(2s); });
        CHECK(answer_close(*c) == 1001);
        REQUIRE(stopping.wait_for(io_timeout) == std::future_status::ready);
        CHECK(stopping.get());
        check_one_line(log, "on_close");
    }
    CHECK(calls.load() == 1);
}

TEST_CASE("as_channel: a throwing send completion closes with 1011") {
    captured_log log;
    close_log closes;
    test_server srv(
        with_plain([&](request& req) {
            return as_channel(
                req,
                {.on_open = [](channel& ch) { ch.send(ws::text("first"), false, [](std::error_code) { fail(); }); },
                 .on_close = closes.hook()});
        }),
        logging_to(log));
    auto c = connect_ws(srv.port(), "/ws");
    auto f = c->read_message_frame();
    REQUIRE(f);
    CHECK(f->payload == "first");  // written, then its completion threw
    expect_1011(*c);
    check_closed_1011(closes);
    check_one_line(log, "send completion");
    c.reset();
    check_healthy(srv);
}

// ---- Ring's listener --------------------------------------------------------------

TEST_CASE("Ring listener: on_open throwing nlohmann's type_error (the browser test's case) closes with 1011") {
    captured_log log;
    close_log closes;
    test_server srv(with_plain([&](request& req) {
                        return ws::listener_response(req,
                                                     {.on_open =
                                                          [](ws::socket& s) {
                                                              nlohmann::json j = {{"name", std::string("\xff\xfe")}};
                                                              s.send(j.dump());  // invalid UTF-8: throws
                                                          },
                                                      .on_close = ring_close(closes)});
                    }),
                    logging_to(log));
    auto c = connect_ws(srv.port(), "/ws");
    expect_1011(*c);
    check_closed_1011(closes);  // Ring's promise: on_open was called, so on_close is
    auto entries = logged(log);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].message.find("on_open") != std::string::npos);
    CHECK(entries[0].what.find("UTF-8") != std::string::npos);
    c.reset();
    check_healthy(srv);
}

TEST_CASE("Ring listener: a throwing on_message, on_ping or on_pong closes with 1011 and is logged by its name") {
    captured_log log;
    close_log closes;
    std::string callback;
    ws::listener l{.on_close = ring_close(closes)};
    SUBCASE("on_message") {
        callback = "on_message";
        l.on_message = [](ws::socket&, ws::message&&) { fail(); };
    }
    SUBCASE("on_ping") {
        callback = "on_ping";
        l.on_ping = [](ws::socket&, std::string_view) { fail(); };
    }
    SUBCASE("on_pong") {
        callback = "on_pong";
        l.on_pong = [](ws::socket&, std::string_view) { fail(); };
    }
    test_server srv(with_plain([&](request& req) { return ws::listener_response(req, l); }), logging_to(log));
    auto c = connect_ws(srv.port(), "/ws");
    if (callback == "on_message") REQUIRE(c->send_text("hi"));
    if (callback == "on_ping") REQUIRE(c->send_frame(ws::opcode::ping, "p"));
    if (callback == "on_pong") REQUIRE(c->send_frame(ws::opcode::pong, "p"));
    expect_1011(*c);
    check_closed_1011(closes);
    check_one_line(log, callback);
    c.reset();
    check_healthy(srv);
}

TEST_CASE("Ring listener: a throwing on_error is logged; the protocol error's close stands") {
    captured_log log;
    close_log closes;
    test_server srv(with_plain([&](request& req) {
                        return ws::listener_response(req, {.on_error = [](ws::socket&, std::error_code) { fail(); },
                                                           .on_close = ring_close(closes)});
                    }),
                    logging_to(log));
    auto c = connect_ws(srv.port(), "/ws");
    REQUIRE(c->send_frame(ws::opcode::text, "unmasked", true, false, false));  // a protocol error
    auto f = c->read_message_frame();
    REQUIRE(f);
    REQUIRE(f->op == ws::opcode::close);
    CHECK(f->close_code() == 1002);
    REQUIRE(closes.wait_for(1));
    CHECK(closes.at(0).code == 1002);
    check_one_line(log, "on_error");
    c.reset();
    check_healthy(srv);
}

TEST_CASE("Ring listener: a throwing on_close at server stop is logged and stop() returns") {
    captured_log log;
    test_server srv(with_plain([&](request& req) {
                        return ws::listener_response(req,
                                                     {.on_close = [](ws::socket&, const close_status&) { fail(); }});
                    }),
                    logging_to(log));
    auto c = connect_ws(srv.port(), "/ws");
    auto stopping = std::async(std::launch::async, [&] { return srv.stop(2s); });
    CHECK(answer_close(*c) == 1001);
    REQUIRE(stopping.wait_for(io_timeout) == std::future_status::ready);
    CHECK(stopping.get());
    check_one_line(log, "on_close");
}

// ---- ws::accept -------------------------------------------------------------------

TEST_CASE("ws::accept: a handler that throws after the 101 gets the WebSocket closed with 1011") {
    captured_log log;
    close_log closes;
    test_server srv(with_plain([&](request& req) -> task<response> {
                        auto ws = co_await ws::accept(req);
                        ws.channel().on_close(closes.hook());
                        auto m = co_await ws.receive();
                        if (m) fail();
                        co_return response::upgraded();
                    }),
                    logging_to(log));
    auto c = connect_ws(srv.port(), "/ws");
    REQUIRE(c->send_text("hi"));
    expect_1011(*c);
    check_closed_1011(closes);
    check_one_line(log, "ws::accept");
    c.reset();
    check_healthy(srv);
}

// ---- HTTP channels ----------------------------------------------------------------

TEST_CASE("HTTP channel: on_open that throws gets a generic 500 and the connection closes") {
    captured_log log;
    close_log closes;
    test_server srv(with_plain([&](request& req) {
                        return as_channel(req, {.on_open =
                                                    [&](channel& ch) {
                                                        if (req.uri == "/partial") ch.send("half", false);
                                                        fail();
                                                    },
                                                .on_close = closes.hook()});
                    }),
                    logging_to(log));
    raw_client c(srv.port());
    std::string target;
    SUBCASE("nothing queued") { target = "/poll"; }
    SUBCASE("a first chunk queued before the throw") { target = "/partial"; }
    auto r = expect_generic_500(c, target);
    CHECK(r.body == "Internal Server Error");
    CHECK(r.header("Connection") == "close");
    CHECK(c.closed_by_server());
    check_closed_1011(closes);
    check_one_line(log, "on_open");
    check_healthy(srv);
}

TEST_CASE("HTTP channel: a handler that throws after as_channel gets its 500, not a hang") {
    captured_log log;
    close_log closes;
    test_server srv(with_plain([&](request& req) -> response {
                        as_channel(req, {.on_close = closes.hook()});
                        fail();
                    }),
                    logging_to(log));
    raw_client c(srv.port());
    expect_generic_500(c, "/poll");
    check_closed_1011(closes);
    check_one_line(log, "handler threw");
    c.close();
    check_healthy(srv);
}

TEST_CASE("HTTP channel made on the worker pool: on_open's exception is the handler's, a 500") {
    captured_log log;
    close_log closes;
    test_server srv(with_plain(blocking([&](request& req) -> response {
                        return as_channel(req, {.on_open = [](channel&) { fail(); }, .on_close = closes.hook()});
                    })),
                    logging_to(log));
    raw_client c(srv.port());
    expect_generic_500(c, "/poll");
    check_closed_1011(closes);
    check_one_line(log, "handler threw");
    c.close();
    check_healthy(srv);
}

TEST_CASE("HTTP channel: close(1011) after the head cuts the body short and closes the connection") {
    channel_box box;
    test_server srv(with_plain([&](request& req) {
        return as_channel(req, {.on_open = [&](channel& ch) {
                              ch.send("data: 1\n\n", false);
                              box.add(ch);
                          }});
    }));
    raw_client c(srv.port());
    REQUIRE(c.send(get("/events")));
    auto ch = box.at(0);
    while (c.pending().find("data: 1") == std::string::npos) REQUIRE(c.receive_more());
    CHECK(ch.close(ws::close_code::internal_error));
    std::string rest = c.pending();
    rest += c.read_to_close();
    CHECK(rest.find("data: 1") != std::string::npos);
    CHECK(rest.find("0\r\n\r\n") == std::string::npos);  // no last chunk: the client sees a failure
    REQUIRE(wait_until([&] { return ch.status().has_value(); }));
    CHECK(ch.status()->code == 1011);
    check_healthy(srv);
}

}  // TEST_SUITE("integration/callback_errors")
