// Closing edge cases found in review: each failed before its fix.
#include "integration/channel_support.hpp"

#include <doctest/doctest.h>

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::chan;

TEST_CASE("a ws::accept handler that never receives can still close: the session ends") {
    close_log closes;
    test_server srv(with_plain([&](request& req) -> task<response> {
        auto ws = co_await ws::accept(req);
        ws.channel().on_close(closes.hook());
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_after(50ms);  // the client's message arrives meanwhile and waits in the inbox
        co_await t.async_wait(asio::use_awaitable);
        ws.close(4002, "done");
        co_return response::upgraded();  // never receive()s
    }));
    auto c = connect_ws(srv.port(), "/ws");
    REQUIRE(c->send_binary(std::string(70 * 1024, 'x')));  // past the inbox limit: the reader pauses
    CHECK(answer_close(*c) == 4002);
    REQUIRE(closes.wait_for(1));
    CHECK(closes.at(0).code == 4002);
    CHECK(closes.at(0).by_server);
    c.reset();
    check_healthy(srv);
}

TEST_CASE("messages in flight after our close frame are no protocol error") {
    std::atomic<int> errors{0};
    close_log closes;
    test_server srv(with_plain([&](request& req) {
        return ws::listener_response(req, {
                                              .on_open = [](ws::socket& s) { s.close(1000, "bye"); },
                                              .on_error = [&](ws::socket&, std::error_code) { ++errors; },
                                          });
    }));
    auto c = connect_ws(srv.port(), "/ws");
    // Sent before the client has seen our close: a fragmented message and a whole one.
    REQUIRE(c->send_frame(ws::opcode::text, "part", false));
    REQUIRE(c->send_frame(ws::opcode::continuation, " end"));
    REQUIRE(c->send_text("another"));
    CHECK(answer_close(*c) == 1000);
    CHECK(errors.load() == 0);
    c.reset();
    check_healthy(srv);
}

TEST_CASE("buffered_amount never goes below zero around close frames") {
    channel_box box;
    test_server srv(
        with_plain([&](request& req) { return as_channel(req, {.on_open = [&](channel& ch) { box.add(ch); }}); }));
    auto c = connect_ws(srv.port(), "/ws");
    auto ch = box.at(0);
    CHECK(ch.close(1000, "bye"));
    auto f = c->read_message_frame();
    REQUIRE(f);
    CHECK(f->op == ws::opcode::close);
    CHECK(ch.buffered_amount() < 1024);  // an underflow would be near 2^64
    c->send_close(1000);
    CHECK(c->closed_by_server());
    c.reset();
    check_healthy(srv);
}

TEST_CASE("answers to pipelined requests do not wait behind a long poll") {
    channel_box box;
    test_server srv(with_plain([&](request& req) -> response {
        if (req.uri == "/poll") return as_channel(req, {.on_open = [&](channel& ch) { box.add(ch); }});
        return response::text("quick");
    }));
    raw_client c(srv.port());
    REQUIRE(c.send(get("/a") + get("/poll")));
    auto first = c.read_response();  // before the channel ever sends
    CHECK(first.body == "quick");
    box.at(0).send("late");
    CHECK(c.read_response().body == "late");
    c.close();
    check_healthy(srv);
}

namespace websocket_closing_vocab {

// Each API closes on "close" (with the given code and reason, or its default
// when "close-default") and reports its close_status to `closes`.
handler three_apis(close_log& closes) {
    return [&closes](request& req) -> task<response> {
        if (req.uri == "/stream") {
            auto ws = co_await ws::accept(req);
            while (auto m = co_await ws.receive()) {
                if (m->data == "close") ws.close(4001, "bye");
                else if (m->data == "close-default") ws.close();
            }
            channel ch = ws.channel();
            if (auto st = ws.status()) closes.hook()(ch, *st);
            co_return ws.answer();
        }
        if (req.uri == "/channel")
            co_return as_channel(req, {.on_receive =
                                           [](channel& ch, ws::message&& m) {
                                               if (m.data == "close") ch.close(4001, "bye");
                                               else if (m.data == "close-default") ch.close();
                                           },
                                       .on_close = closes.hook()});
        co_return ws::listener_response(req, {.on_message =
                                                  [](ws::socket& s, ws::message&& m) {
                                                      if (m.data == "close") s.close(4001, "bye");
                                                      else if (m.data == "close-default") s.close();
                                                  },
                                              .on_close =
                                                  [hook = closes.hook()](ws::socket& s, const close_status& st) {
                                                      channel ch = s.channel();
                                                      hook(ch, st);
                                                  }});
    };
}

}  // namespace websocket_closing_vocab

TEST_CASE("every API's close callback sees the whole close_status, and close() has one default") {
    close_log closes;
    test_server srv(with_plain(websocket_closing_vocab::three_apis(closes)));
    std::size_t n = 0;
    for (std::string path : {"/stream", "/channel", "/listener"}) {
        CAPTURE(path);
        {  // the server closes
            auto c = connect_ws(srv.port(), path);
            REQUIRE(c->send_text("close"));
            auto f = c->read_message_frame();
            REQUIRE(f);
            CHECK(f->close_code() == 4001);
            CHECK(f->close_reason() == "bye");
            REQUIRE(c->send_close(4001, "bye"));
            CHECK(c->closed_by_server());
            REQUIRE(closes.wait_for(++n));
            auto st = closes.at(n - 1);
            CHECK(st.code == 4001);
            CHECK(st.reason == "bye");
            CHECK(st.by_server);
        }
        {  // the client closes
            auto c = connect_ws(srv.port(), path);
            client_close(*c, 4999, "app");
            REQUIRE(closes.wait_for(++n));
            auto st = closes.at(n - 1);
            CHECK(st.code == 4999);
            CHECK(st.reason == "app");
            CHECK_FALSE(st.by_server);
        }
        {  // close() with no arguments: 1000 and no reason, from each API
            auto c = connect_ws(srv.port(), path);
            REQUIRE(c->send_text("close-default"));
            auto f = c->read_message_frame();
            REQUIRE(f);
            CHECK(f->op == ws::opcode::close);
            CHECK(f->payload == std::string("\x03\xe8", 2));
            REQUIRE(c->send_close(1000));
            CHECK(c->closed_by_server());
            REQUIRE(closes.wait_for(++n));
            CHECK(closes.at(n - 1).reason.empty());
        }
    }
    check_healthy(srv);
}
