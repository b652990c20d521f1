// WebSocket channels over loopback: the co_await stream, sends from other
// threads, back-pressure and memory, on_close and close(), channel_set
// broadcast. Ports HTTP-Kit's channel tests (ws_test.clj, AsyncChannelCloseTest).
//
// Every test ends by checking the server still answers a plain request and
// that no connection is left behind (check_healthy).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/channel_support.hpp"

using namespace ringkit;
using namespace ringkit::test;
using namespace ringkit::test::chan;

TEST_SUITE("integration/channels") {

// ---- the co_await stream ------------------------------------------------------

TEST_CASE("ws::accept echoes; receive() is nullopt once closed and status() says how") {
    std::promise<close_status> ended;
    test_server srv(with_plain([&](request& req) -> task<response> {
        auto ws = co_await ws::accept(req);
        while (auto m = co_await ws.receive()) {
            if (m->data == "close-me") ws.close(4001, "done");
            else co_await ws.send(std::move(*m));
        }
        ended.set_value(ws.status().value_or(close_status{.code = -1, .reason = "no status"}));
        co_return response::upgraded();
    }));
    auto c = connect_ws(srv.port(), "/ws");
    REQUIRE(c->send_text("hello"));
    auto f = c->read_frame();
    REQUIRE(f);
    CHECK(f->op == ws::opcode::text);
    CHECK(f->payload == "hello");
    REQUIRE(c->send_binary(std::string("\0\1\2", 3)));
    f = c->read_frame();
    REQUIRE(f);
    CHECK(f->op == ws::opcode::binary);
    CHECK(f->payload == std::string("\0\1\2", 3));
    auto done = ended.get_future();

    SUBCASE("the client closes") {
        client_close(*c, 1000, "bye");
        REQUIRE(done.wait_for(io_timeout) == std::future_status::ready);
        auto st = done.get();
        CHECK(st.code == 1000);
        CHECK(st.reason == "bye");
        CHECK_FALSE(st.by_server);
        CHECK(st.name() == "normal");
    }
    SUBCASE("the server closes") {
        REQUIRE(c->send_text("close-me"));
        CHECK(answer_close(*c) == 4001);
        REQUIRE(done.wait_for(io_timeout) == std::future_status::ready);
        auto st = done.get();
        CHECK(st.code == 4001);
        CHECK(st.reason == "done");
        CHECK(st.by_server);
        CHECK(st.name() == "server-close");
    }
    c.reset();
    check_healthy(srv);
}

TEST_CASE("ws::accept: send() waits past websocket.high_water and resumes when the client reads") {
    constexpr std::size_t high_water = 64 * kib, size = 16 * kib;
    constexpr int total = 1024;  // 16 MiB: far more than the socket buffers hold
    std::atomic<int> sent{0}, waits{0};
    std::promise<channel> handed;
    std::promise<close_status> ended;
    server_options opts;
    opts.threads = 1;
    opts.websocket.high_water = high_water;
    test_server srv(with_plain([&](request& req) -> task<response> {
                        auto ws = co_await ws::accept(req);
                        handed.set_value(ws.channel());
                        for (int i = 0; i < total; ++i) {
                            if (ws.buffered_amount() >= high_water) ++waits;  // this send is going to wait
                            if (!co_await ws.send(ws::binary(payload(static_cast<std::size_t>(i), size)))) break;
                            ++sent;
                        }
                        while (co_await ws.receive()) {}
                        ended.set_value(ws.status().value_or(close_status{.code = -1, .reason = "no status"}));
                        co_return response::upgraded();
                    }),
                    opts);
    auto done = ended.get_future();
    auto c = connect_ws(srv.port(), "/ws", small_rcvbuf);
    auto ch = handed.get_future().get();
    // The client reads nothing: the queue fills up to the mark and the handler parks.
    REQUIRE(wait_until([&] { return ch.buffered_amount() >= high_water; }));
    {
        // A round trip through the same (only) I/O thread: a handler that did
        // not wait would have run through all its sends before this is answered.
        raw_client other(srv.port());
        REQUIRE(other.send(get("/plain")));
        CHECK(other.read_response().body == "plain");
    }
    CHECK(sent.load() < total);
    CHECK(waits.load() >= 1);
    CHECK(ch.buffered_amount() <= high_water + size);

    SUBCASE("the client reads: every send goes through, in order") {
        for (int i = 0; i < total; ++i) {
            auto f = c->read_message_frame();
            REQUIRE(f);
            REQUIRE(f->payload == payload(static_cast<std::size_t>(i), size));
        }
        CHECK(wait_until([&] { return sent.load() == total; }));
        client_close(*c);
        REQUIRE(done.wait_for(io_timeout) == std::future_status::ready);
        CHECK(done.get().code == 1000);
    }
    SUBCASE("the client leaves: the waiting send() returns false and the handler ends") {
        c.reset();  // TCP goes, no close frame
        REQUIRE(done.wait_for(io_timeout) == std::future_status::ready);
        CHECK(done.get().code == 1006);
        CHECK(sent.load() < total);  // the handler left the loop on a failed send
        CHECK(ch.buffered_amount() == 0);
    }
    c.reset();
    check_healthy(srv);
}

// Below 64 KiB of unreceived messages the session keeps reading, so a ping
// behind a message the handler has not taken yet still gets its pong.
TEST_CASE("ws::accept: a ping is answered while a message waits for receive()") {
    std::atomic<bool> release{false};
    std::promise<std::string> got;
    test_server srv(with_plain([&](request& req) -> task<response> {
        auto ws = co_await ws::accept(req);
        asio::steady_timer t(co_await asio::this_coro::executor);
        for (int i = 0; i < 1000 && !release; ++i) {  // busy elsewhere: no receive() pending
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        auto m = co_await ws.receive();
        got.set_value(m ? m->data : "<none>");
        while (co_await ws.receive()) {}
        co_return response::upgraded();
    }));
    struct on_exit {
        std::atomic<bool>& flag;
        ~on_exit() { flag = true; }  // however the test leaves, the handler goes on
    } releaser{release};
    auto c = connect_ws(srv.port(), "/ws");
    REQUIRE(c->send_text("waits in the inbox"));
    REQUIRE(c->send_frame(ws::opcode::ping, "are you there"));
    auto f = c->read_frame();
    release = true;
    REQUIRE(f);
    CHECK(f->op == ws::opcode::pong);
    CHECK(f->payload == "are you there");
    auto first = got.get_future();
    REQUIRE(first.wait_for(io_timeout) == std::future_status::ready);
    CHECK(first.get() == "waits in the inbox");
    client_close(*c);
    c.reset();
    check_healthy(srv);
}

// ---- sends from other threads -------------------------------------------------

TEST_CASE("a channel outlives its handler: 1,000 sends from another thread arrive in order; sends after close fail") {
    channel_box box;
    test_server srv(with_plain([&](request& req) -> maybe_task {
        if (req.uri == "/accept") {
            return [](request& r, channel_box& b) -> task<response> {
                auto ws = co_await ws::accept(r);
                b.add(ws.channel());
                co_return response::upgraded();  // the stream goes; the channel stays
            }(req, box);
        }
        return as_channel(req, {.on_open = [&](channel& ch) { box.add(ch); }});
    }));
    std::string path;
    SUBCASE("ws::accept") { path = "/accept"; }
    SUBCASE("as_channel") { path = "/as-channel"; }
    auto c = connect_ws(srv.port(), path);
    auto ch = box.at(0);

    constexpr int n = 1000;
    std::vector<char> ok(n, 0);
    std::thread([&ok, ch]() mutable {
        for (int i = 0; i < n; ++i) ok[static_cast<std::size_t>(i)] = ch.send("m" + std::to_string(i)) ? 1 : 0;
    }).join();
    CHECK(std::count(ok.begin(), ok.end(), 1) == n);
    for (int i = 0; i < n; ++i) {
        auto f = c->read_message_frame();
        REQUIRE(f);
        REQUIRE(f->payload == "m" + std::to_string(i));
    }
    client_close(*c);
    REQUIRE(wait_until([&] { return ch.status().has_value(); }));
    CHECK(ch.status()->code == 1000);

    bool closed_again = true;
    send_status late = send_status::queued, st = send_status::queued;
    std::thread([&, ch]() mutable {
        late = ch.send("late");
        st = ch.send(ws::binary("late"));
        closed_again = ch.close();
    }).join();
    CHECK(late == send_status::closed);
    CHECK(st == send_status::closed);
    CHECK_FALSE(closed_again);
    CHECK_FALSE(ch.is_open());
    c.reset();
    check_healthy(srv);
}

TEST_CASE(
    "large messages sent from many threads at once are never interleaved (HTTP-Kit test-message-are-not-interleaved)") {
    constexpr int threads = 8, per_thread = 16;
    auto size_of = [](int t, int m) { return static_cast<std::size_t>(10'000 + (t * per_thread + m) * 1'537); };
    channel_box box;
    server_options opts;
    opts.websocket.high_water = 256 * 1024 * kib;  // room for all of it: this test is about framing
    test_server srv(
        with_plain([&](request& req) { return as_channel(req, {.on_open = [&](channel& ch) { box.add(ch); }}); }),
        opts);
    auto c = connect_ws(srv.port(), "/ws");
    auto ch = box.at(0);

    std::latch start(threads);
    std::atomic<int> refused{0};
    std::vector<std::thread> producers;
    for (int t = 0; t < threads; ++t)
        producers.emplace_back([&, t, ch]() mutable {
            start.arrive_and_wait();
            for (int m = 0; m < per_thread; ++m) {
                auto id = static_cast<std::size_t>(t * per_thread + m);
                if (!ch.send(ws::binary(payload(id, size_of(t, m))))) ++refused;
            }
        });
    for (auto& p : producers) p.join();
    CHECK(refused.load() == 0);

    std::vector<int> next(threads, 0);  // each thread's messages keep their order
    for (int k = 0; k < threads * per_thread; ++k) {
        auto f = c->read_message_frame();
        REQUIRE(f);
        CHECK(f->fin);
        CHECK(f->op == ws::opcode::binary);
        auto id = static_cast<int>(std::stoul(f->payload));
        int t = id / per_thread, m = id % per_thread;
        REQUIRE(t < threads);
        CHECK(m == next[static_cast<std::size_t>(t)]);
        next[static_cast<std::size_t>(t)] = m + 1;
        REQUIRE(f->payload == payload(static_cast<std::size_t>(id), size_of(t, m)));  // whole and intact
    }
    for (int t = 0; t < threads; ++t) CHECK(next[static_cast<std::size_t>(t)] == per_thread);
    client_close(*c);
    c.reset();
    check_healthy(srv);
}

// ---- back-pressure ------------------------------------------------------------

TEST_CASE("fire-and-forget sends fail past the high-water mark; other clients on the thread are not stalled") {
    constexpr std::size_t high_water = 64 * kib, size = 16 * kib;
    channel_box box;
    server_options opts;
    opts.threads = 1;  // the stalled client and the echo client share the thread
    opts.websocket.high_water = high_water;
    test_server srv(with_plain([&](request& req) {
                        if (req.uri == "/echo")
                            return as_channel(
                                req, {.on_receive = [](channel& ch, ws::message&& m) { ch.send(std::move(m)); }});
                        return as_channel(req, {.on_open = [&](channel& ch) { box.add(ch); }});
                    }),
                    opts);
    auto slow = connect_ws(srv.port(), "/sink", small_rcvbuf);
    auto ch = box.at(0);

    std::size_t accepted = 0, most_buffered = 0;
    send_status refused = send_status::queued;
    std::thread([&, ch]() mutable {
        for (;;) {
            auto st = ch.send(ws::binary(payload(accepted, size)));
            most_buffered = std::max(most_buffered, ch.buffered_amount());
            if (st != send_status::queued) {
                refused = st;
                break;
            }
            if (++accepted > 100'000) break;  // never: the kernel would have to hold 1.6 GB
        }
    }).join();
    CHECK(refused == send_status::backpressured);
    CHECK(accepted > 0);
    CHECK(most_buffered <= high_water + size);  // memory is bounded by the mark, not by the producer

    // Meanwhile a client on the same I/O thread gets its echoes.
    {
        auto fast = connect_ws(srv.port(), "/echo");
        for (int i = 0; i < 20; ++i) {
            REQUIRE(fast->send_text("ping " + std::to_string(i)));
            auto f = fast->read_message_frame();
            REQUIRE(f);
            CHECK(f->payload == "ping " + std::to_string(i));
        }
        client_close(*fast);
    }
    CHECK(ch.buffered_amount() <= high_water + size);

    // The slow client gets exactly what was accepted, in order; then sends work again.
    for (std::size_t i = 0; i < accepted; ++i) {
        auto f = slow->read_message_frame();
        REQUIRE(f);
        REQUIRE(f->payload == payload(i, size));
    }
    CHECK(wait_until([&] { return ch.buffered_amount() == 0; }));
    CHECK(ch.send("again"));
    auto f = slow->read_message_frame();
    REQUIRE(f);
    CHECK(f->payload == "again");
    client_close(*slow);
    slow.reset();
    check_healthy(srv);
}

TEST_CASE("websocket.high_water bounds memory: 50 clients that never read, producers on 5 threads") {
    constexpr std::size_t high_water = 64 * kib, size = 16 * kib;
    constexpr int clients = 50, producers = 5;
    channel_box box;
    server_options opts;
    opts.threads = 2;
    opts.websocket.high_water = high_water;
    test_server srv(
        with_plain([&](request& req) { return as_channel(req, {.on_open = [&](channel& ch) { box.add(ch); }}); }),
        opts);
    std::vector<std::unique_ptr<ws_client>> sinks;
    for (int i = 0; i < clients; ++i) sinks.push_back(connect_ws(srv.port(), "/sink", small_rcvbuf));
    std::vector<channel> chans;
    for (int i = 0; i < clients; ++i) chans.push_back(box.at(static_cast<std::size_t>(i)));

    std::atomic<std::size_t> most_total{0}, most_one{0};
    std::atomic<int> wrong_refusals{0};
    auto total_buffered = [&] {
        std::size_t sum = 0;
        for (auto& ch : chans) sum += ch.buffered_amount();
        return sum;
    };
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
        threads.emplace_back([&, p] {
            // Each producer owns every 5th channel and sends until each of its own refuses.
            std::vector<channel> mine;
            for (int i = p; i < clients; i += producers) mine.push_back(chans[static_cast<std::size_t>(i)]);
            std::vector<bool> full(mine.size(), false);
            for (std::size_t left = mine.size(), i = 0; left > 0; i = (i + 1) % mine.size()) {
                if (full[i]) continue;
                auto st = mine[i].send(ws::binary(std::string(size, 'x')));
                std::size_t one = mine[i].buffered_amount(), sum = total_buffered();
                std::size_t seen = most_one.load();
                while (one > seen && !most_one.compare_exchange_weak(seen, one)) {}
                seen = most_total.load();
                while (sum > seen && !most_total.compare_exchange_weak(seen, sum)) {}
                if (st != send_status::queued) {
                    if (st != send_status::backpressured) ++wrong_refusals;
                    full[i] = true;
                    --left;
                }
            }
        });
    for (auto& t : threads) t.join();
    CHECK(wrong_refusals.load() == 0);
    CHECK(most_one.load() <= high_water + size);
    CHECK(most_total.load() <= clients * (high_water + size));
    MESSAGE("most buffered in one channel: " << most_one.load() << ", across all: " << most_total.load());

    sinks.clear();  // the clients go away without a close handshake
    CHECK(wait_until(
        [&] { return std::all_of(chans.begin(), chans.end(), [](auto& ch) { return ch.status().has_value(); }); }));
    CHECK(total_buffered() == 0);  // a closed channel drops its queue
    for (auto& ch : chans) CHECK(ch.status()->code == 1006);
    check_healthy(srv);
}

// ---- on_close and close() -------------------------------------------------------

TEST_CASE("on_close runs exactly once; close() is idempotent") {
    channel_box box;
    close_log closes;
    test_server srv(with_plain([&](request& req) {
        return as_channel(req, {.on_open = [&](channel& ch) { box.add(ch); }, .on_close = closes.hook()});
    }));

    SUBCASE("the client closes") {
        auto c = connect_ws(srv.port(), "/ws");
        client_close(*c, 1000, "bye");
        REQUIRE(closes.wait_for(1));
        auto st = closes.at(0);
        CHECK(st.code == 1000);
        CHECK(st.reason == "bye");
        CHECK(st.name() == "normal");
        c.reset();
        CHECK(wait_for_connections(srv, 0));
        CHECK(closes.count() == 1);
    }
    SUBCASE("send(x, true): the message, then our close; on_close once, as server-close") {
        auto c = connect_ws(srv.port(), "/ws");
        auto ch = box.at(0);
        CHECK(ch.send("last words", true));
        CHECK_FALSE(ch.send("after"));  // closing already
        auto f = c->read_message_frame();
        REQUIRE(f);
        CHECK(f->payload == "last words");
        CHECK(answer_close(*c) == 1000);
        REQUIRE(closes.wait_for(1));
        CHECK(closes.at(0).name() == "server-close");
        CHECK(closes.at(0).code == 1000);
        c.reset();
        CHECK(wait_for_connections(srv, 0));
        CHECK(closes.count() == 1);
    }
    SUBCASE("registered after the close: it runs at registration, once") {
        auto c = connect_ws(srv.port(), "/ws");
        auto ch = box.at(0);
        client_close(*c, 1001);
        REQUIRE(wait_until([&] { return ch.status().has_value(); }));
        int calls = 0, code = 0;
        ch.on_close([&](channel&, const close_status& st) {
            ++calls;
            code = st.code;
        });
        CHECK(calls == 1);  // at once, on this thread
        CHECK(code == 1001);
        c.reset();
        CHECK(wait_for_connections(srv, 0));
        CHECK(calls == 1);
    }
    SUBCASE("close() and a registration racing on two threads: once, and the second close() is false") {
        for (int round = 0; round < 30; ++round) {
            CAPTURE(round);
            auto c = connect_ws(srv.port(), "/ws");
            auto ch = box.at(static_cast<std::size_t>(round));
            auto calls = std::make_shared<std::atomic<int>>(0);
            bool first = false, second = true;
            std::latch go(2);
            std::thread closer([&, ch]() mutable {
                go.arrive_and_wait();
                first = ch.close();
                second = ch.close();
            });
            std::thread registrar([&, ch]() mutable {
                go.arrive_and_wait();
                ch.on_close([calls](channel&, const close_status&) { ++*calls; });
            });
            closer.join();
            registrar.join();
            CHECK(first);
            CHECK_FALSE(second);
            CHECK(answer_close(*c) == 1000);
            c.reset();
            REQUIRE(wait_until([&] { return calls->load() >= 1; }));
            CHECK(wait_for_connections(srv, 0));
            CHECK(calls->load() == 1);
            CHECK_FALSE(ch.close());
        }
    }
    check_healthy(srv);
}

// ---- channel_set ------------------------------------------------------------------

TEST_CASE(
    "Ring listener: sends refused on another thread report on_error there while the connection finishes the close") {
    // The connection's thread clears the callbacks when the channel closes; the
    // refusing thread reads on_error meanwhile (a data race before: TSan's case).
    std::promise<ws::socket> opened;
    std::atomic<int> refused{0};
    test_server srv(with_plain([&](request& req) {
        return ws::listener_response(req, {.on_open = [&](ws::socket& s) { opened.set_value(s); },
                                           .on_error =
                                               [&](ws::socket&, std::error_code ec) {
                                                   if (ec == ws::error::closed) ++refused;
                                               }});
    }));
    auto c = connect_ws(srv.port(), "/ws");
    auto opened_socket = opened.get_future();
    REQUIRE(opened_socket.wait_for(io_timeout) == std::future_status::ready);
    auto s = opened_socket.get();
    s.close();  // closing: every send is refused from here on
    auto f = c->read_frame();
    REQUIRE(f);
    CHECK(f->op == ws::opcode::close);
    std::atomic<bool> done{false};
    std::latch sending(1);
    std::thread sender([&] {
        s.send("refused");
        sending.count_down();
        while (!done) s.send("refused");
    });
    sending.wait();
    CHECK(refused.load() >= 1);  // on this thread, before the close completes
    REQUIRE(c->send_close(1000));
    CHECK(c->closed_by_server());
    REQUIRE(wait_until([&] { return !s.is_open() && s.channel().status().has_value(); }));
    done = true;
    sender.join();
    check_healthy(srv);
}

TEST_CASE("channel_set: add, remove, contains") {
    channel_set room;
    channel_box box;
    test_server srv(
        with_plain([&](request& req) { return as_channel(req, {.on_open = [&](channel& ch) { box.add(ch); }}); }));
    auto a = connect_ws(srv.port(), "/ws");
    auto b = connect_ws(srv.port(), "/ws");
    auto ca = box.at(0), cb = box.at(1);
    room.add(ca);
    room.add(ca);         // twice: still one member
    room.add(channel());  // an empty handle is not a member
    CHECK(room.size() == 1);
    CHECK(room.contains(ca));
    CHECK_FALSE(room.contains(cb));
    room.add(cb);
    CHECK(room.size() == 2);
    CHECK(room.broadcast(ws::text("both")) == 2);
    CHECK(a->read_message_frame()->payload == "both");
    CHECK(b->read_message_frame()->payload == "both");
    CHECK(room.remove(ca));
    CHECK_FALSE(room.remove(ca));
    CHECK_FALSE(room.contains(ca));
    CHECK(room.broadcast(ws::binary("b only")) == 1);
    auto f = b->read_message_frame();
    REQUIRE(f);
    CHECK(f->op == ws::opcode::binary);
    CHECK(f->payload == "b only");
    client_close(*a);
    client_close(*b);
    a.reset();
    b.reset();
    check_healthy(srv);
}

TEST_CASE("channel_set broadcast reaches 1,000 WebSocket clients exactly once; closed members are dropped") {
    constexpr int n = 1000;
    if (raise_fd_limit() < 2 * n + 100) {
        MESSAGE("skipped: the open-file limit is below " << 2 * n + 100);
        return;
    }
    channel_set room;
    server_options opts;
    opts.threads = 2;
    test_server srv(
        with_plain([&](request& req) { return as_channel(req, {.on_open = [&](channel& ch) { room.add(ch); }}); }),
        opts);
    std::vector<std::unique_ptr<ws_client>> clients;
    for (int i = 0; i < n; ++i) clients.push_back(connect_ws(srv.port(), "/room"));
    REQUIRE(wait_until([&] { return room.size() == n; }));

    CHECK(room.broadcast(ws::text("hello")) == n);
    CHECK(room.broadcast(ws::text("again")) == n);
    int wrong = 0;
    for (auto& c : clients) {  // each gets each message once: "hello" then "again", nothing between
        auto f1 = c->read_message_frame();
        auto f2 = c->read_message_frame();
        wrong += !(f1 && f1->payload == "hello" && f2 && f2->payload == "again");
    }
    CHECK(wrong == 0);

    // Ten clients leave; the set learns it on the next broadcast.
    for (int i = 0; i < 10; ++i) client_close(*clients[static_cast<std::size_t>(i)]);
    auto members = room.snapshot();
    REQUIRE(wait_until(
        [&] { return std::count_if(members.begin(), members.end(), [](auto& ch) { return !ch.is_open(); }) == 10; }));
    CHECK(room.size() == n);  // closed members stay until a broadcast finds them
    CHECK(room.broadcast(ws::text("third")) == n - 10);
    CHECK(room.size() == n - 10);
    wrong = 0;
    for (std::size_t i = 10; i < clients.size(); ++i) {
        auto f = clients[i]->read_message_frame();
        wrong += !(f && f->payload == "third");
    }
    CHECK(wrong == 0);
    clients.clear();
    check_healthy(srv);
}

TEST_CASE("channel_set: a member past its high-water mark misses messages, the others get every one") {
    constexpr std::size_t high_water = 64 * kib, size = 16 * kib;
    constexpr int fast_n = 5;
    channel_set room;
    channel_box box;
    server_options opts;
    opts.websocket.high_water = high_water;
    test_server srv(with_plain([&](request& req) {
                        return as_channel(req, {.on_open = [&](channel& ch) {
                                              room.add(ch);
                                              box.add(ch);
                                          }});
                    }),
                    opts);
    auto slow = connect_ws(srv.port(), "/room", small_rcvbuf);
    auto slow_ch = box.at(0);
    std::vector<std::unique_ptr<ws_client>> fast;
    for (int i = 0; i < fast_n; ++i) fast.push_back(connect_ws(srv.port(), "/room"));
    REQUIRE(wait_until([&] { return room.size() == fast_n + 1; }));

    // Broadcast until the slow member has refused a few, each fast client reading as it goes.
    int sent = 0, missed = 0;
    while (missed < 3 && sent < 20'000) {
        auto got = room.broadcast(ws::binary(payload(static_cast<std::size_t>(sent), size)));
        REQUIRE(got >= fast_n);
        missed += got == fast_n;
        for (auto& c : fast) {
            auto f = c->read_message_frame();
            REQUIRE(f);
            REQUIRE(f->payload == payload(static_cast<std::size_t>(sent), size));
        }
        ++sent;
    }
    REQUIRE(missed == 3);
    CHECK(room.size() == fast_n + 1);  // a slow member is not dropped

    // The slow client gets what was queued for it: in order, with gaps.
    int last = -1;
    for (int k = 0; k < sent - missed; ++k) {
        auto f = slow->read_message_frame();
        REQUIRE(f);
        auto id = static_cast<int>(std::stoul(f->payload));
        CHECK(id > last);
        REQUIRE(f->payload == payload(static_cast<std::size_t>(id), size));
        last = id;
    }
    // Caught up, it gets the next broadcast; the fast ones have left and are dropped.
    for (auto& c : fast) client_close(*c);
    fast.clear();
    REQUIRE(wait_until([&] { return slow_ch.buffered_amount() == 0; }));
    CHECK(room.broadcast(ws::text("after")) == 1);
    CHECK(room.size() == 1);
    auto f = slow->read_message_frame();
    REQUIRE(f);
    CHECK(f->payload == "after");
    client_close(*slow);
    slow.reset();
    check_healthy(srv);
}

}  // TEST_SUITE("integration/channels")
