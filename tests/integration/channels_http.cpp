// HTTP channels over loopback (HTTP-Kit's as-channel on a plain request): long
// polls answered from other threads, streaming (chunked and HTTP/1.0), SSE,
// pipelining and HEAD behind a channel; and graceful stop with WebSockets and
// long polls open. Ports server_test.clj and HttpServerProtocolTest cases.
#include <doctest/doctest.h>

#include <sys/ioctl.h>

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/channel_support.hpp"

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::chan;

TEST_SUITE("integration/channels-http") {

// ---- HTTP channels ----------------------------------------------------------------

namespace {

// "/poll": as_channel on a plain request; the test answers through the channel.
struct http_channels {
    channel_box box;
    close_log closes;
    handler app() {
        return with_plain([this](request& req) {
            return as_channel(req, {.on_open = [this](channel& ch) { box.add(ch); }, .on_close = closes.hook()});
        });
    }
};

/// Runs `f(ch)` on a thread of its own and waits for it.
template <class F>
void from_thread(channel ch, F f) {
    std::thread([&] { f(ch); }).join();
}

}  // namespace

TEST_CASE(
    "HTTP channel: a long poll answered later from another thread; keep-alive goes on; the held channel stays closed") {
    http_channels hc;
    test_server srv(hc.app());
    raw_client c(srv.port());
    REQUIRE(c.send(get("/poll")));
    auto ch = hc.box.at(0);
    CHECK_FALSE(ch.is_websocket());
    // HTTP-Kit test-channel-reuse-async: [true false false false].
    std::vector<send_status> sends;
    from_thread(ch, [&](channel& held) { sends.push_back(held.send(response::text("later"))); });
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "later");
    CHECK(r.header("content-length") == "5");
    CHECK_FALSE(r.chunked);
    REQUIRE(hc.closes.wait_for(1));
    CHECK(hc.closes.at(0).name() == "server-close");
    CHECK(hc.closes.at(0).code == 1000);

    REQUIRE(c.send(get("/plain")));  // the same connection
    CHECK(c.read_response().body == "plain");
    from_thread(ch, [&](channel& held) {
        for (int i = 0; i < 3; ++i) sends.push_back(held.send("again"));
    });
    CHECK(sends ==
          std::vector<send_status>{send_status::queued, send_status::closed, send_status::closed, send_status::closed});

    REQUIRE(c.send(get("/poll")));  // close() before any send: an empty 200
    auto empty = hc.box.at(1);
    CHECK(empty.close());
    CHECK_FALSE(empty.close());
    auto e = c.read_response();
    CHECK(e.status == 200);
    CHECK(e.header("content-length") == "0");
    CHECK(e.body.empty());

    REQUIRE(c.send(get("/poll")));  // a new channel on the same connection
    auto ch2 = hc.box.at(2);
    CHECK_FALSE(ch2 == ch);
    CHECK_FALSE(ch.send("old"));
    CHECK(ch2.send(response::text("second")));
    CHECK(c.read_response().body == "second");
    CHECK(hc.closes.wait_for(3));
    c.close();
    check_healthy(srv);
}

TEST_CASE("HTTP channel: an answer that ends the connection still closes the channel as server-close") {
    http_channels hc;
    test_server srv(hc.app());
    raw_client c(srv.port());
    SUBCASE("HTTP/1.0") { REQUIRE(c.send("GET /poll HTTP/1.0\r\n\r\n")); }
    SUBCASE("Connection: close") { REQUIRE(c.send(get("/poll", "Connection: close\r\n"))); }
    auto ch = hc.box.at(0);
    from_thread(ch, [](channel& s) { CHECK(s.send(response::text("bye"))); });
    auto r = c.read_response();
    CHECK(r.body == "bye");
    CHECK(r.header("connection") == "close");
    CHECK(c.closed_by_server());
    REQUIRE(hc.closes.wait_for(1));
    CHECK(hc.closes.at(0).name() == "server-close");
    CHECK(hc.closes.at(0).code == 1000);
    c.close();
    check_healthy(srv);
}

TEST_CASE("HTTP channel streaming: send(x, false) then send(\"\", true) is one chunked body") {
    http_channels hc;
    test_server srv(hc.app());
    raw_client c(srv.port());

    SUBCASE("HTTP/1.1: chunked, then keep-alive") {
        REQUIRE(c.send(get("/poll")));
        auto ch = hc.box.at(0);
        std::string expected;
        int ok = 0;
        from_thread(ch, [&](channel& s) {
            if (s.send(response(200, {{"X-Stream", "yes"}}), false)) ++ok;
            for (int i = 0; i < 50; ++i) {
                auto part = "part " + std::to_string(i) + ";";
                expected += part;
                if (s.send(part, false)) ++ok;
            }
            if (s.send("", true)) ++ok;
        });
        CHECK(ok == 52);
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.chunked);
        CHECK(r.count("content-length") == 0);
        CHECK(r.header("x-stream") == "yes");
        CHECK(r.body == expected);
        REQUIRE(hc.closes.wait_for(1));
        CHECK(hc.closes.at(0).name() == "server-close");
        REQUIRE(c.send(get("/plain")));
        CHECK(c.read_response().body == "plain");
    }
    SUBCASE("HTTP/1.0: the body ends with the connection") {
        REQUIRE(c.send("GET /poll HTTP/1.0\r\n\r\n"));
        auto ch = hc.box.at(0);
        from_thread(ch, [&](channel& s) {
            CHECK(s.send("alpha", false));
            CHECK(s.send("beta", false));
            CHECK(s.send("", true));
        });
        auto r = c.read_response();
        CHECK(r.status == 200);
        CHECK(r.close_delimited);
        CHECK(r.count("transfer-encoding") == 0);
        CHECK(r.count("content-length") == 0);
        CHECK(r.body == "alphabeta");
    }
    SUBCASE("8 threads streaming at once: one head, every chunk once") {
        REQUIRE(c.send(get("/poll")));
        auto ch = hc.box.at(0);
        std::latch go(8);
        std::vector<std::thread> writers;
        for (int t = 0; t < 8; ++t)
            writers.emplace_back([&go, ch, t]() mutable {
                go.arrive_and_wait();
                ch.send("[" + std::to_string(t) + "]", false);
            });
        for (auto& w : writers) w.join();
        CHECK(ch.send("", true));
        auto r = c.read_response();
        CHECK(r.chunked);
        CHECK(r.raw.find("HTTP/1.1") == 0);
        CHECK(r.raw.find("HTTP/1.1", 1) == std::string::npos);
        CHECK(r.body.size() == 8 * 3);
        for (int t = 0; t < 8; ++t) CHECK(r.body.find("[" + std::to_string(t) + "]") != std::string::npos);
        REQUIRE(c.send(get("/plain")));
        CHECK(c.read_response().body == "plain");
    }
    c.close();
    check_healthy(srv);
}

TEST_CASE("HTTP channel streaming to a slow reader: sends made while a write waits are not lost") {
    constexpr std::size_t size = 64 * kib;
    constexpr int first = 128;  // 8 MiB: more than the socket buffers hold, so a write waits
    http_channels hc;
    server_options opts;
    opts.websocket.high_water = 64 * 1024 * kib;  // nothing refused: this is about wake-ups
    test_server srv(hc.app(), opts);
    raw_client c(srv.port());
    ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small_rcvbuf, sizeof small_rcvbuf);
    REQUIRE(c.send(get("/poll")));
    auto ch = hc.box.at(0);
    std::string expected;
    for (int i = 0; i < first; ++i) {
        expected += payload(static_cast<std::size_t>(i), size);
        REQUIRE(ch.send(payload(static_cast<std::size_t>(i), size), false));
    }
    // The client's buffer fills: the server is in a write that waits for the socket.
    REQUIRE(wait_until([&] {
        int n = 0;
        ::ioctl(c.fd(), FIONREAD, &n);
        return n >= small_rcvbuf / 2;
    }));
    std::thread([&, ch]() mutable {
        CHECK(ch.send("tail", false));
        CHECK(ch.send("", true));
    }).join();
    expected += "tail";
    auto r = c.read_response();
    CHECK(r.chunked);
    CHECK(r.body.size() == expected.size());
    CHECK(r.body == expected);
    REQUIRE(c.send(get("/plain")));
    CHECK(c.read_response().body == "plain");
    c.close();
    check_healthy(srv);
}

TEST_CASE("HTTP channel: a client that leaves during a long poll closes it as client-close (1006)") {
    http_channels hc;
    test_server srv(hc.app());
    raw_client c(srv.port());
    REQUIRE(c.send(get("/poll")));
    auto ch = hc.box.at(0);
    c.close();
    REQUIRE(hc.closes.wait_for(1));
    auto st = hc.closes.at(0);
    CHECK(st.name() == "client-close");
    CHECK(st.code == 1006);
    CHECK_FALSE(st.by_server);
    CHECK_FALSE(st.websocket);
    CHECK_FALSE(ch.send("too late"));
    CHECK(hc.closes.count() == 1);
    check_healthy(srv);
}

TEST_CASE("HTTP channel: a request pipelined behind a long poll is answered after it") {
    http_channels hc;
    test_server srv(hc.app());
    raw_client c(srv.port());
    SUBCASE("in the same write") { REQUIRE(c.send(get("/poll") + get("/plain"))); }
    SUBCASE("while the poll waits") {
        REQUIRE(c.send(get("/poll")));
        hc.box.at(0);
        REQUIRE(c.send(get("/plain")));
    }
    auto ch = hc.box.at(0);
    from_thread(ch, [](channel& s) { CHECK(s.send(response::text("polled"))); });
    CHECK(c.read_response().body == "polled");
    CHECK(c.read_response().body == "plain");
    CHECK(c.pending().empty());
    CHECK(hc.box.size() == 1);
    c.close();
    check_healthy(srv);
}

TEST_CASE("HTTP channel answering HEAD: the head only, and the connection goes on") {
    http_channels hc;
    test_server srv(hc.app());
    raw_client c(srv.port());
    REQUIRE(c.send("HEAD /poll HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    auto ch = hc.box.at(0);
    SUBCASE("a whole response") { CHECK(ch.send(response::text("body"))); }
    SUBCASE("a streaming send is the last one") { CHECK(ch.send("body", false)); }
    auto r = c.read_response(true);
    CHECK(r.status == 200);
    CHECK(r.count("transfer-encoding") == 0);
    REQUIRE(hc.closes.wait_for(1));
    CHECK_FALSE(ch.send("more", false));
    REQUIRE(c.send(get("/plain")));  // no body bytes came before this answer
    auto p = c.read_response();
    CHECK(p.body == "plain");
    c.close();
    check_healthy(srv);
}

namespace {

// A send's completion results, in order (completions run on the connection's thread).
struct completions {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::error_code>> seen;
    std::function<void(std::error_code)> hook(std::string name) {
        return [this, name](std::error_code ec) {
            std::lock_guard lock(mutex);
            seen.emplace_back(name, ec);
        };
    }
    std::vector<std::pair<std::string, std::error_code>> get() {
        std::lock_guard lock(mutex);
        return seen;
    }
};

}  // namespace

TEST_CASE("HTTP channel: a send's completion runs once its bytes are written; a refused one says why") {
    completions done;
    close_log closes;
    SUBCASE("streamed, then a send after the end") {
        test_server srv(with_plain([&](request& req) {
            return as_channel(req, {.on_open =
                                        [&](channel& ch) {
                                            ch.send(ws::text("one"), false, done.hook("one"));
                                            ch.send(ws::text("two"), true, done.hook("two"));
                                            ch.send(ws::text("late"), false, done.hook("late"));
                                        },
                                    .on_close = closes.hook()});
        }));
        raw_client c(srv.port());
        REQUIRE(c.send(get("/poll")));
        auto r = c.read_response();
        CHECK(r.chunked);
        CHECK(r.body == "onetwo");
        REQUIRE(closes.wait_for(1));
        auto seen = done.get();
        REQUIRE(seen.size() == 3);
        CHECK(seen[0] == std::pair<std::string, std::error_code>("late", ws::error::closed));  // refused at once
        CHECK(seen[1] == std::pair<std::string, std::error_code>("one", std::error_code()));
        CHECK(seen[2] == std::pair<std::string, std::error_code>("two", std::error_code()));
    }
    SUBCASE("queued before on_open threw: never written, the client gets a 500") {
        test_server srv(with_plain([&](request& req) {
                            return as_channel(req, {.on_open =
                                                        [&](channel& ch) {
                                                            ch.send(ws::text("queued"), false, done.hook("queued"));
                                                            throw std::runtime_error("on_open failed");
                                                        },
                                                    .on_close = closes.hook()});
                        }),
                        {.logger = [](std::string_view, std::exception_ptr) {}});
        raw_client c(srv.port());
        REQUIRE(c.send(get("/poll")));
        CHECK(c.read_response().status == 500);
        REQUIRE(closes.wait_for(1));
        auto seen = done.get();
        REQUIRE(seen.size() == 1);
        CHECK(seen[0] == std::pair<std::string, std::error_code>("queued", ws::error::closed));
    }
}

TEST_CASE("Server-Sent Events over an HTTP channel: sse::response() then sse::event()") {
    http_channels hc;
    test_server srv(hc.app());
    raw_client c(srv.port());
    REQUIRE(c.send(get("/events")));
    auto ch = hc.box.at(0);
    from_thread(ch, [](channel& s) {
        CHECK(s.send(sse::response(), false));
        CHECK(s.send(sse::event("one"), false));
        CHECK(s.send(sse::event("two\nlines", {.event = "update", .id = "7"}), false));
        CHECK(s.send(sse::event("crlf\r\nend\rcr", {.event = "bad\nname", .id = {}, .retry_ms = 1500}), false));
        CHECK(s.send(sse::comment("keep"), false));
        CHECK(s.close());  // the end of the stream
    });
    auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.chunked);
    CHECK(r.header("content-type") == "text/event-stream");
    CHECK(r.header("cache-control") == "no-cache");
    CHECK(r.body ==
          "data: one\n\n"
          "event: update\nid: 7\ndata: two\ndata: lines\n\n"
          "event: badname\nretry: 1500\ndata: crlf\ndata: end\ndata: cr\n\n"
          ": keep\n");
    REQUIRE(hc.closes.wait_for(1));
    CHECK(hc.closes.at(0).name() == "server-close");
    c.close();
    check_healthy(srv);
}

// ---- graceful stop ------------------------------------------------------------------

namespace {

// One WebSocket per API, each reporting how it closed.
struct three_apis {
    std::promise<close_status> accepted;  // ws::accept, blocked in receive()
    close_log channel_closes;             // as_channel's on_close
    std::promise<int> listener_code;      // the Ring listener's on_close
    std::atomic<int> opened{0};

    handler app() {
        return with_plain([this](request& req) -> maybe_task {
            if (req.uri == "/accept") {
                return [](request& r, three_apis& self) -> task<response> {
                    auto ws = co_await ws::accept(r);
                    ++self.opened;
                    while (co_await ws.receive()) {}
                    self.accepted.set_value(ws.status().value_or(close_status{.code = -1, .reason = "no status"}));
                    co_return response::upgraded();
                }(req, *this);
            }
            if (req.uri == "/channel")
                return as_channel(req, {.on_open = [this](channel&) { ++opened; }, .on_close = channel_closes.hook()});
            return ws::listener_response(
                req, {.on_open = [this](ws::socket&) { ++opened; },
                      .on_close = [this](ws::socket&, const close_status& st) { listener_code.set_value(st.code); }});
        });
    }
};

}  // namespace

TEST_CASE("stop(2s) with open WebSockets: each gets close 1001, on_close says 1001 by the server, stop is graceful") {
    three_apis apis;
    server_options opts;
    opts.threads = 2;
    test_server srv(apis.app(), opts);
    std::vector<std::unique_ptr<ws_client>> cs;
    for (auto path : {"/accept", "/channel", "/listener"}) cs.push_back(connect_ws(srv.port(), path));
    REQUIRE(wait_until([&] { return apis.opened.load() == 3; }));
    auto accepted = apis.accepted.get_future();
    auto listener = apis.listener_code.get_future();

    auto stopped = std::async(std::launch::async, [&] { return srv.stop(2s); });
    for (auto& c : cs) CHECK(answer_close(*c) == 1001);
    REQUIRE(stopped.wait_for(io_timeout) == std::future_status::ready);
    CHECK(stopped.get() == true);
    CHECK(srv.get().connections() == 0);

    REQUIRE(accepted.wait_for(io_timeout) == std::future_status::ready);
    auto st = accepted.get();
    CHECK(st.code == 1001);
    CHECK(st.by_server);
    REQUIRE(apis.channel_closes.count() == 1);
    CHECK(apis.channel_closes.at(0).code == 1001);
    CHECK(apis.channel_closes.at(0).by_server);
    REQUIRE(listener.wait_for(io_timeout) == std::future_status::ready);
    CHECK(listener.get() == 1001);
}

TEST_CASE("stop(2s) while a long poll waits: its answer says Connection: close, then stop is graceful") {
    http_channels hc;
    server_options opts;
    opts.threads = 1;  // the witness shares the thread: once it is closed, stop has reached the poll too
    test_server srv(hc.app(), opts);
    raw_client witness(srv.port());
    REQUIRE(witness.send(get("/plain")));
    REQUIRE(witness.read_response().status == 200);
    raw_client c(srv.port());
    REQUIRE(c.send(get("/poll")));
    auto ch = hc.box.at(0);

    auto stopped = std::async(std::launch::async, [&] { return srv.stop(2s); });
    CHECK(witness.closed_by_server());
    from_thread(ch, [](channel& s) { CHECK(s.send(response::text("last"))); });
    auto r = c.read_response();
    CHECK(r.body == "last");
    CHECK(r.header("connection") == "close");
    CHECK(c.closed_by_server());
    c.close();
    REQUIRE(stopped.wait_for(io_timeout) == std::future_status::ready);
    CHECK(stopped.get() == true);
    REQUIRE(hc.closes.count() == 1);
    CHECK(hc.closes.at(0).name() == "server-close");
}

TEST_CASE("stop(300ms) with a client that never answers the close returns false and nothing hangs") {
    three_apis apis;
    http_channels hc;
    server_options opts;
    opts.websocket.close_timeout = 30s;  // the stop deadline, not the close timeout, ends it
    handler polls = hc.app(), sockets = apis.app();
    test_server srv([&](request& req) -> maybe_task { return (req.uri == "/poll" ? polls : sockets).call_mixed(req); },
                    opts);
    auto ws = connect_ws(srv.port(), "/accept");
    raw_client poll(srv.port());  // and a long poll nobody answers
    REQUIRE(poll.send(get("/poll")));
    auto held = hc.box.at(0);
    REQUIRE(wait_until([&] { return apis.opened.load() == 1; }));
    auto accepted = apis.accepted.get_future();

    auto stopped = std::async(std::launch::async, [&] { return srv.stop(300ms); });
    auto f = ws->read_message_frame();  // read, never answered
    REQUIRE(f);
    CHECK(f->op == ws::opcode::close);
    CHECK(f->close_code() == 1001);
    REQUIRE(stopped.wait_for(io_timeout) == std::future_status::ready);
    CHECK(stopped.get() == false);
    CHECK(srv.get().connections() == 0);
    CHECK(ws->closed_by_server());
    CHECK(poll.closed_by_server());

    // The handler blocked in receive() ended, and the held channels are closed.
    REQUIRE(accepted.wait_for(io_timeout) == std::future_status::ready);
    auto st = accepted.get();
    CHECK(st.code == 1001);
    CHECK(st.by_server);
    REQUIRE(hc.closes.wait_for(1));
    CHECK(hc.closes.at(0).name() == "client-close");
    CHECK_FALSE(held.send("after stop"));
}

}  // TEST_SUITE("integration/channels-http")
