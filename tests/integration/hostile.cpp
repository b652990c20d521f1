// Hostile clients and faults: slowloris on headers and bodies, clients that stop
// reading, connect-and-reset floods, half-open connections, a full fd table,
// handlers that throw or never finish. After each, the server answers a plain
// request and every descriptor the attack made it open is closed again (counted
// in /proc/self/fd, with the server running and after it is gone).
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "integration/metrics_support.hpp"
#include "integration/support.hpp"
#include "integration/ws_support.hpp"
#include "ringkit/metrics/server_metrics.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace {

// Descriptors open before the server existed must be all that is open once it is gone.
struct fd_guard {
    std::size_t before = open_fds();
    ~fd_guard() { CHECK(open_fds() == before); }
};

// Descriptors of the running, idle server once each I/O thread has served a
// connection (asio opens a thread's reactor descriptors on first use).
std::size_t idle_fds(test_server& srv) {
    for (unsigned i = 0; i < 2 * srv.get().options().threads; ++i) {
        raw_client c(srv.port());
        REQUIRE(c.send(get("/")));
        REQUIRE(c.read_response().status == 200);
    }
    REQUIRE(wait_for_connections(srv));
    return open_fds();
}

// The server answers a plain request, then holds no connection and exactly the
// descriptors it had when idle (its sockets close asynchronously: wait for it).
void check_recovered(test_server& srv, std::size_t idle_fds) {
    {
        raw_client c(srv.port());
        REQUIRE(c.send(get("/")));
        CHECK(c.read_response().status == 200);
    }
    CHECK(wait_for_connections(srv));
    CHECK_MESSAGE(wait_until([&] { return open_fds() == idle_fds; }), "fds now ", open_fds(), ", idle ", idle_fds);
}

bool readable(raw_client& c) { return c.readable_now(); }

response hello(request&) { return response::text("hello"); }

// "/ws" is an as_channel (WebSocket or HTTP) whose close status fulfils `closed`;
// everything else gets hello.
handler channel_reporting_close(std::promise<close_status>& closed) {
    return [&closed](request& req) -> maybe_task {
        if (req.uri != "/ws") return hello(req);
        return as_channel(req, {.on_close = [&closed](channel&, const close_status& st) { closed.set_value(st); }});
    };
}

}  // namespace

TEST_SUITE("integration/hostile") {

TEST_CASE("slowloris on headers: 100 connections trickling a header get 408; others are served meanwhile") {
    fd_guard guard;
    raise_fd_limit();
    server_options opts;
    opts.header_timeout = 500ms;
    test_server srv(hello, opts);
    const auto idle = idle_fds(srv);
    std::vector<std::unique_ptr<raw_client>> slow;
    for (int i = 0; i < 100; ++i) {
        slow.push_back(std::make_unique<raw_client>(srv.port()));
        REQUIRE(slow.back()->send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "));
    }
    // A byte each every 50 ms, to every connection the server has not answered yet.
    bool served_meanwhile = false;
    for (int round = 0; round < 200; ++round) {
        std::size_t waiting = 0;
        for (auto& c : slow)
            if (!readable(*c)) {
                ++waiting;
                c->send("a");
            }
        if (round == 2) {
            raw_client ok(srv.port());
            REQUIRE(ok.send(get("/")));
            served_meanwhile = ok.read_response().status == 200;
        }
        if (waiting == 0) break;
        std::this_thread::sleep_for(50ms);
    }
    CHECK(served_meanwhile);
    for (auto& c : slow) {
        CHECK(c->read_response().status == 408);
        CHECK(c->closed_by_server());
    }
    slow.clear();
    check_recovered(srv, idle);
}

TEST_CASE("slowloris on bodies: a body below min_body_rate gets 408; a slow body above it is served") {
    fd_guard guard;
    server_options opts;
    opts.min_body_rate = 1000;  // bytes per second, after...
    opts.body_rate_grace = 1s;  // ...this long; read_timeout keeps its 30 s default
    test_server srv([](request& req) { return response::text(std::to_string(req.body.size())); }, opts);
    const auto idle = idle_fds(srv);
    const std::string head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n";

    // 20 bytes a second: each read is well within read_timeout, the body as a whole is not.
    std::vector<std::unique_ptr<raw_client>> slow;
    for (int i = 0; i < 20; ++i) {
        slow.push_back(std::make_unique<raw_client>(srv.port()));
        REQUIRE(slow.back()->send(head));
    }
    // 10,000 bytes a second in steps of 1,000: slow, but ten times the minimum.
    raw_client steady(srv.port());
    REQUIRE(steady.send(head));
    int steps = 0;
    for (int round = 0; round < 400; ++round) {
        std::size_t waiting = 0;
        for (auto& c : slow)
            if (!readable(*c)) {
                ++waiting;
                c->send("b");
            }
        if (round % 2 == 0 && steps < 10) {
            REQUIRE(steady.send(std::string(1000, 's')));
            ++steps;
        }
        if (waiting == 0 && steps == 10) break;
        std::this_thread::sleep_for(50ms);
    }
    auto r = steady.read_response();
    CHECK(r.status == 200);
    CHECK(r.body == "10000");
    for (auto& c : slow) {
        CHECK(c->read_response().status == 408);
        CHECK(c->closed_by_server());
    }
    slow.clear();
    steady.close();
    check_recovered(srv, idle);
}

TEST_CASE("clients that stop reading mid-response: others are served, producers stay bounded, all are closed") {
    fd_guard guard;
    server_options opts;
    opts.write_timeout = 2s;  // long enough for all ten to be stuck at once, even on a loaded machine
    opts.threads = 2;
    const std::string big(24 * 1024 * 1024, 'w');  // more than the socket buffers of one connection hold
    std::atomic<int> started{0}, producers_done{0};
    std::atomic<std::size_t> most_produced{0};
    {
        test_server srv(
            [&](request& req) {
                if (req.uri != "/") ++started;
                if (req.uri == "/string") return response::bytes(big, "application/octet-stream");
                if (req.uri == "/stream")
                    return response::stream([&](body_writer& out) -> task<void> {
                        // Writes until the connection is gone: a write suspends while the
                        // client does not read, so what is produced is bounded by the buffers.
                        const std::string piece(64 * 1024, 's');
                        std::size_t sent = 0;
                        try {
                            for (int i = 0; i < 16 * 1024; ++i) {  // 1 GiB at most
                                co_await out.write(piece);
                                sent += piece.size();
                            }
                        } catch (const std::system_error&) {}
                        auto seen = most_produced.load();
                        while (sent > seen && !most_produced.compare_exchange_weak(seen, sent)) {}
                        ++producers_done;
                    });
                return response::text("hello");
            },
            opts);
        const auto idle = idle_fds(srv);
        std::vector<std::unique_ptr<raw_client>> stuck;
        for (int i = 0; i < 10; ++i) {
            stuck.push_back(std::make_unique<raw_client>(srv.port()));
            REQUIRE(stuck.back()->send(get(i % 2 ? "/string" : "/stream")));
        }
        REQUIRE(wait_until([&] { return started.load() == 10; }));
        {
            raw_client ok(srv.port());
            REQUIRE(ok.send(get("/")));
            CHECK(ok.read_response().body == "hello");
        }
        // Nobody reads: write_timeout ends every stuck connection and its producer.
        CHECK(wait_for_connections(srv));
        CHECK(wait_until([&] { return producers_done.load() == 5; }));
        CHECK(most_produced.load() < big.size());
        MESSAGE("most bytes a stream produced for a client that never read: " << most_produced.load());
        for (auto& c : stuck) {  // each was cut short: what reached its buffers, then the end
            std::string got;
            CHECK_NOTHROW(got = c->read_to_close());
            CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
            CHECK(got.size() < big.size());
        }
        stuck.clear();
        check_recovered(srv, idle);
    }
}

TEST_CASE("1,000 clients that connect and reset: at once, mid-request, and before reading the answer") {
    fd_guard guard;
    raise_fd_limit();
    server_options opts;
    opts.threads = 2;
    test_server srv(hello, opts);
    const auto idle = idle_fds(srv);
    for (int batch = 0; batch < 10; ++batch) {
        std::vector<std::unique_ptr<raw_client>> cs;
        for (int i = 0; i < 100; ++i) {
            cs.push_back(std::make_unique<raw_client>(srv.port()));
            switch (i % 3) {
            case 0: break;                                                            // reset at once
            case 1: REQUIRE(cs.back()->send("GET /half HTTP/1.1\r\nHost:")); break;   // mid-request
            case 2: REQUIRE(cs.back()->send(get("/") + get("/") + get("/"))); break;  // answers unread
            }
        }
        for (auto& c : cs) c->reset();
    }
    CHECK(wait_for_connections(srv));
    check_recovered(srv, idle);
}

TEST_CASE("half-open connections") {
    fd_guard guard;
    server_options opts;
    opts.header_timeout = 60s;  // none of these may need a timeout to end
    opts.idle_timeout = 60s;
    std::promise<close_status> closed;
    auto closed_status = closed.get_future();
    test_server srv(channel_reporting_close(closed), opts);
    const auto idle = idle_fds(srv);

    SUBCASE("a request cut short by the client's FIN is not waited for") {
        raw_client c(srv.port(), 5s);
        REQUIRE(c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part"));
        c.shutdown_send();
        std::string rest;
        CHECK_NOTHROW(rest = c.read_to_close());  // within 5 s, not header_timeout's 60
        CHECK(rest.empty());
    }
    SUBCASE("a WebSocket client that half-closes without a close frame: 1006, and TCP closes") {
        ws_client c(srv.port(), 5s);
        REQUIRE(c.handshake("/ws").status == 101);
        REQUIRE(c.send_frame(ws::opcode::text, "partial", false));  // inside a fragmented message
        c.shutdown_send();
        REQUIRE(closed_status.wait_for(io_timeout) == std::future_status::ready);
        CHECK(closed_status.get().code == 1006);
        CHECK_NOTHROW(c.read_to_close());
    }
    CHECK(wait_for_connections(srv));
    check_recovered(srv, idle);
}

TEST_CASE("a WebSocket client that goes silent mid-frame is closed by websocket.idle_timeout") {
    fd_guard guard;
    server_options opts;
    opts.websocket.idle_timeout = 500ms;
    opts.websocket.close_timeout = 500ms;
    std::promise<close_status> closed;
    auto closed_status = closed.get_future();
    test_server srv(channel_reporting_close(closed), opts);
    const auto idle = idle_fds(srv);
    {
        ws_client c(srv.port());
        REQUIRE(c.handshake("/ws").status == 101);
        auto frame = client_frame(ws::opcode::text, std::string(1000, 'x'));
        REQUIRE(c.send(std::string_view(frame).substr(0, 5)));  // half a header, then nothing, not even pongs
        REQUIRE(closed_status.wait_for(io_timeout) == std::future_status::ready);
        CHECK(closed_status.get().code == 1001);
        CHECK_NOTHROW(c.read_to_close());  // a ping, the close frame, then TCP closes
    }
    check_recovered(srv, idle);
}

TEST_CASE("a full fd table: the acceptor backs off, logs once, and serves the waiting clients when fds free up") {
    if (tls_mode()) return;  // its clients are raw sockets that speak plain HTTP: the accept path is the same
    fd_guard guard;
    captured_log log;
    counted_options m;
    auto& reg = m.reg;
    auto& opts = m.opts;
    opts.logger = log.hook();
    test_server srv(hello, opts);
    const auto idle = idle_fds(srv);

    // The clients' sockets exist before the table is full: connecting takes no new fd.
    std::vector<int> socks;
    for (int i = 0; i < 3; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        socks.push_back(fd);
    }
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit low = saved;
    low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 4096);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    // No doctest assertion until the table is free again: the sanitizers' runtimes
    // need descriptors of their own to check and report one.
    std::vector<int> filler;
    for (int i = 0; i < 8192; ++i) {
        int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) break;
        filler.push_back(fd);
    }
    const int fill_errno = errno;
    const auto start = std::chrono::steady_clock::now();
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(srv.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int connect_errno = 0;
    for (int fd : socks)  // completes from the listen backlog; the server cannot accept it yet
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) connect_errno = errno;
    auto failed_accepts = [&] {
        std::size_t n = 0;
        for (auto& e : log.entries()) n += e.message.starts_with("accept failed");
        return n;
    };
    const bool refused = wait_until([&] { return failed_accepts() > 0; });
    std::this_thread::sleep_for(500ms);  // the acceptor keeps retrying meanwhile
    for (int fd : filler) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved);
    REQUIRE_MESSAGE(fill_errno == EMFILE, "could not fill the fd table: ", std::strerror(fill_errno));
    REQUIRE_MESSAGE(connect_errno == 0, "connect: ", std::strerror(connect_errno));
    REQUIRE(refused);

    // The clients that waited in the backlog are served.
    for (int fd : socks) {
        std::string req = get("/");
        REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    }
    for (int fd : socks) {
        char buf[512];
        pollfd p{fd, POLLIN, 0};
        REQUIRE(::poll(&p, 1, static_cast<int>(io_timeout.count())) == 1);
        auto n = ::recv(fd, buf, sizeof buf, 0);
        REQUIRE(n > 0);
        CHECK(std::string_view(buf, static_cast<std::size_t>(n)).starts_with("HTTP/1.1 200 OK\r\n"));
        ::close(fd);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;

    // One line when accepting failed and one when it recovered, however many retries
    // came between; and the retries were paced, not a busy loop.
    CHECK(failed_accepts() == 1);
    // Each failed accept(2) is counted as refused for "emfile" (the clients themselves
    // waited and were served): at least the one logged.
    const std::string text = reg.expose();
    const std::string emfile = "\nringkit_connections_refused_total{reason=\"emfile\"} ";
    const auto at = text.find(emfile);
    REQUIRE(at != std::string::npos);
    CHECK(std::stoul(text.substr(at + emfile.size())) >= 1);
    std::size_t retries = 0;
    for (auto& e : log.entries())
        if (e.message.starts_with("accepting again after ")) retries += std::stoul(e.message.substr(22));
    CHECK(retries >= 1);
    CHECK(retries <= static_cast<std::size_t>(elapsed / 50ms) + 2);
    MESSAGE("failed accepts while the table was full: "
            << retries << " in " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
    check_recovered(srv, idle);
}

TEST_CASE("handlers that throw or never finish: stop(timeout) still ends the server and frees everything") {
    fd_guard guard;
    std::atomic<int> live_frames{0};
    struct frame_counter {  // lives in a handler's coroutine frame: gone when the frame is
        std::atomic<int>& n;
        explicit frame_counter(std::atomic<int>& c) : n(c) { ++n; }
        ~frame_counter() { --n; }
    };
    auto forever = [](asio::any_io_executor ex) -> task<void> {
        asio::steady_timer t(ex, 1h);
        co_await t.async_wait(asio::use_awaitable);
    };
    server_options opts;
    opts.threads = 2;
    opts.logger = [](std::string_view, std::exception_ptr) {};  // the throws are expected
    auto srv = std::make_unique<test_server>(
        [&](request& req) -> task<response> {
            frame_counter alive(live_frames);
            auto ex = co_await asio::this_coro::executor;
            if (req.uri == "/throw") throw std::runtime_error("handler failed");
            if (req.uri == "/hang") co_await forever(ex);
            if (req.uri == "/ws-hang") {
                auto ws = co_await ws::accept(req);
                if (ws) co_await forever(ex);  // accepted, then never receives nor returns
                co_return response::upgraded();
            }
            if (req.uri == "/stream-hang")
                co_return response::stream([&live_frames, forever](body_writer& out) -> task<void> {
                    frame_counter in_stream(live_frames);
                    co_await out.write("first and last chunk");
                    co_await forever(co_await asio::this_coro::executor);
                });
            co_return response::text("hello");
        },
        opts);
    std::vector<std::unique_ptr<raw_client>> cs;
    for (int i = 0; i < 12; ++i) {
        cs.push_back(std::make_unique<raw_client>(srv->port()));
        switch (i % 4) {
        case 0:
            REQUIRE(cs.back()->send(get("/throw")));
            CHECK(cs.back()->read_response().status == 500);
            break;
        case 1: REQUIRE(cs.back()->send(get("/hang"))); break;
        case 2: REQUIRE(cs.back()->send(upgrade_request("/ws-hang"))); break;
        case 3: REQUIRE(cs.back()->send(get("/stream-hang"))); break;
        }
    }
    REQUIRE(wait_until([&] { return live_frames.load() == 9; }));  // 3 hanging handlers, 3 WebSocket ones, 3 streams
    CHECK(srv->stop(200ms) == false);
    CHECK(srv->state() == server_state::stopped);
    for (auto& c : cs) CHECK_NOTHROW(c->read_to_close());  // every connection was closed
    CHECK(live_frames.load() == 0);                        // every suspended coroutine frame was destroyed
    srv.reset();
}

}  // TEST_SUITE("integration/hostile")
