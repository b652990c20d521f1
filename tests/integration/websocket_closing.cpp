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
    client c(srv.port());
    REQUIRE(c.send(get("/a") + get("/poll")));
    auto first = c.read_response();  // before the channel ever sends
    CHECK(first.body == "quick");
    box.at(0).send("late");
    CHECK(c.read_response().body == "late");
    c.close();
    check_healthy(srv);
}
