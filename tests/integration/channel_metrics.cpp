// The server's channel metrics (metrics/channel_metrics.hpp) over real
// sockets: WebSocket sessions open by API while held and back to 0 after,
// messages in and out, close codes and how a session without a close handshake
// ended, bytes buffered and back-pressure, HTTP channels open.
#include "ringkit/metrics/channel_metrics.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <string>

#include "integration/metrics_support.hpp"
#include "integration/ws_support.hpp"
#include "ringkit/metrics/server_metrics.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace channel_metrics_tests {

std::string open_series(const char* api) { return std::string("ringkit_websocket_sessions_open{api=\"") + api + "\"}"; }

// One echo endpoint per API.
handler echo_app() {
    return [](request& req) -> task<response> {
        if (req.uri == "/accept") {
            auto ws = co_await ws::accept(req);
            while (auto m = co_await ws.receive()) co_await ws.send(std::move(*m));
            co_return ws.answer();
        }
        if (req.uri == "/channel")
            co_return as_channel(req, {.on_receive = [](channel& ch, ws::message&& m) { ch.send(std::move(m)); }});
        co_return ws::listener_response(req,
                                        {.on_message = [](ws::socket& s, ws::message&& m) { s.send(std::move(m)); }});
    };
}

// An as_channel WebSocket that sends more than loopback's socket buffers take
// to a client that does not read, so most of it stays buffered, then sends
// twice more, refused past the high-water mark.
constexpr std::size_t big = 32UL * 1024 * 1024;
handler flooding_app() {
    return [](request& req) {
        return as_channel(req, {.on_open = [](channel& ch) {
                              CHECK(ch.send(ws::binary(std::string(big, 'x'))));
                              CHECK(ch.send("more") == send_status::backpressured);
                              CHECK(ch.send("more") == send_status::backpressured);
                          }});
    };
}

// A server that counts, with its registry.
struct counted {
    metrics::registry reg;
    metrics::server_metrics m{reg};
    server_options with(server_options o = {}) {
        o.metrics = &m;
        return o;
    }
    std::string operator[](const std::string& series) const { return sample(reg, series); }
    // Whether `series` gets to `value` (counted on the server's threads).
    bool reaches(const std::string& series, const std::string& value) const {
        const bool got = wait_until([&] { return sample(reg, series) == value; });
        if (!got) MESSAGE(reg.expose());
        return got;
    }
    // One session has ended, with 1006 for `cause`, and nothing stays buffered.
    void check_one_abort(const std::string& cause) const {
        REQUIRE(reaches("ringkit_websocket_closes_total{code=\"1006\"}", "1"));
        // Counted how it closed, then it leaves the open gauge.
        REQUIRE(reaches("ringkit_websocket_sessions_open{api=\"channel\"}", "0"));
        for (const std::string any : {"lost", "timeout", "stopped"})
            CHECK((*this)["ringkit_websocket_aborts_total{cause=\"" + any + "\"}"] == (any == cause ? "1" : "0"));
        CHECK((*this)["ringkit_websocket_buffered_bytes"] == "0");
    }
};

}  // namespace channel_metrics_tests

TEST_SUITE("integration/channel_metrics") {

TEST_CASE("sessions open by API while held, 0 after; messages in and out; close codes") {
    using channel_metrics_tests::open_series;
    channel_metrics_tests::counted c;
    test_server srv(channel_metrics_tests::echo_app(), c.with());

    CHECK(c[open_series("accept")] == "0");
    CHECK(c["ringkit_websocket_messages_total{direction=\"in\"}"] == "0");
    {
        ws_client a(srv.port()), ch(srv.port()), l(srv.port());
        const std::pair<ws_client*, const char*> clients[] = {{&a, "/accept"}, {&ch, "/channel"}, {&l, "/listener"}};
        for (const auto& one : clients) {
            auto* client = one.first;
            REQUIRE(client->handshake(one.second).status == 101);
            REQUIRE(client->send_text("hi"));
            auto echo = client->read_message_frame();  // the session runs: it is counted
            REQUIRE(echo);
            CHECK(echo->payload == "hi");
        }
        CHECK(c[open_series("accept")] == "1");
        CHECK(c[open_series("channel")] == "1");
        CHECK(c[open_series("listener")] == "1");
        CHECK(c["ringkit_websocket_messages_total{direction=\"in\"}"] == "3");
        // Counted once written: the client may read the last echo first.
        REQUIRE(c.reaches("ringkit_websocket_messages_total{direction=\"out\"}", "3"));

        for (auto* client : {&a, &ch, &l}) {
            REQUIRE(client->send_close(1000));
            auto echo = client->read_frame();
            REQUIRE(echo);
            CHECK(echo->close_code() == 1000);
        }
    }
    REQUIRE(c.reaches(open_series("accept"), "0"));
    REQUIRE(c.reaches(open_series("channel"), "0"));
    REQUIRE(c.reaches(open_series("listener"), "0"));
    CHECK(c["ringkit_websocket_closes_total{code=\"1000\"}"] == "3");
    CHECK(c["ringkit_websocket_closes_total{code=\"1006\"}"] == "0");
    CHECK(c["ringkit_websocket_closes_total{code=\"other\"}"] == "0");
    CHECK(c["ringkit_websocket_buffered_bytes"] == "0");

    {  // a private code counts as "other"
        ws_client a(srv.port());
        REQUIRE(a.handshake("/channel").status == 101);
        REQUIRE(a.send_close(4000, "app"));
        auto echo = a.read_frame();
        REQUIRE(echo);
        CHECK(echo->close_code() == 4000);
    }
    REQUIRE(c.reaches("ringkit_websocket_closes_total{code=\"other\"}", "1"));
    REQUIRE(c.reaches(open_series("channel"), "0"));
}

TEST_CASE("a client that drops TCP: 1006, lost; bytes buffered while it does not read; back-pressure") {
    using channel_metrics_tests::big;
    channel_metrics_tests::counted c;
    test_server srv(channel_metrics_tests::flooding_app(), c.with());
    {
        ws_client a(srv.port());
        REQUIRE(a.handshake("/").status == 101);
        REQUIRE(c.reaches("ringkit_websocket_backpressured_total", "2"));
        // The whole message counts until its last byte is out.
        CHECK(c["ringkit_websocket_buffered_bytes"] == std::to_string(big));
        CHECK(c["ringkit_websocket_sessions_open{api=\"channel\"}"] == "1");
    }  // closed without a close frame, unread
    c.check_one_abort("lost");
    CHECK(c["ringkit_websocket_messages_total{direction=\"out\"}"] == "0");
}

TEST_CASE("a write that stalls past write_timeout before any close frame: 1006, timeout") {
    channel_metrics_tests::counted c;
    server_options o;
    o.write_timeout = std::chrono::milliseconds(100);
    test_server srv(channel_metrics_tests::flooding_app(), c.with(o));
    ws_client a(srv.port());
    REQUIRE(a.handshake("/").status == 101);
    REQUIRE(c.reaches("ringkit_websocket_backpressured_total", "2"));  // on_open ran: the session is open
    c.check_one_abort("timeout");
}

TEST_CASE("a peer that never answers our close frame: the close frame's code, not 1006") {
    channel_metrics_tests::counted c;
    server_options o;
    o.websocket.close_timeout = std::chrono::milliseconds(50);
    test_server srv([](request& req) { return as_channel(req, {.on_open = [](channel& ch) { ch.close(); }}); },
                    c.with(o));
    ws_client a(srv.port());
    REQUIRE(a.handshake("/").status == 101);
    auto closing = a.read_frame();  // our close, which the client leaves unanswered
    REQUIRE(closing);
    CHECK(closing->close_code() == 1000);
    // close_status keeps the code the first event settled (ws/close_state.hpp): so do the metrics.
    REQUIRE(c.reaches("ringkit_websocket_closes_total{code=\"1000\"}", "1"));
    CHECK(c["ringkit_websocket_closes_total{code=\"1006\"}"] == "0");
    CHECK(c["ringkit_websocket_aborts_total{cause=\"timeout\"}"] == "0");
    REQUIRE(c.reaches("ringkit_websocket_sessions_open{api=\"channel\"}", "0"));
}

TEST_CASE("HTTP channels open while held, 0 once answered") {
    channel_metrics_tests::counted c;
    std::mutex mutex;
    channel held;
    test_server srv(
        [&](request& req) {
            return as_channel(req, {.on_open = [&](channel& ch) {
                                  std::lock_guard lock(mutex);
                                  held = ch;
                              }});
        },
        c.with());
    raw_client a(srv.port());
    REQUIRE(a.send(get("/poll")));
    REQUIRE(c.reaches("ringkit_http_channels_open", "1"));
    {
        std::lock_guard lock(mutex);
        REQUIRE(held.send("done"));
    }
    auto r = a.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "done");
    REQUIRE(c.reaches("ringkit_http_channels_open", "0"));
    CHECK(c["ringkit_websocket_sessions_open{api=\"channel\"}"] == "0");  // no WebSocket here
}

}  // TEST_SUITE
