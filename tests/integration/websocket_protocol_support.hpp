// Helpers for the WebSocket protocol tests (websocket_protocol.cpp,
// websocket_lifecycle.cpp): a server whose routes use each of the three APIs
// (ws::accept, as_channel, the Ring listener) and log what their callbacks
// see, and the client's side of frames, failures and close handshakes.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "integration/ws_support.hpp"

namespace ringkit::test::wsp {

using ws::opcode;

// ---- what the server's callbacks saw --------------------------------------

class event_log {
public:
    void add(std::string e) {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(e));
    }
    std::vector<std::string> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    bool has(std::string_view e) const {
        std::lock_guard lock(mutex_);
        return std::find(events_.begin(), events_.end(), e) != events_.end();
    }
    /// The events that start with `prefix`, in order.
    std::vector<std::string> with_prefix(std::string_view prefix) const {
        std::vector<std::string> out;
        for (auto& e : events())
            if (e.starts_with(prefix)) out.push_back(e);
        return out;
    }
    bool wait_for(std::string_view e) const {
        return wait_until([&] { return has(e); });
    }
    void clear() {
        std::lock_guard lock(mutex_);
        events_.clear();
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> events_;
};

inline std::string close_event(std::string_view api, const close_status& st) {
    return std::string(api) + "/close " + std::to_string(st.code) + " " + std::string(st.name());
}

// ---- the routes -----------------------------------------------------------

// ws::accept: echo until closed, then report how it closed.
inline task<response> stream_echo(request& req, event_log& log, ws::accept_options opts) {
    auto ws = co_await ws::accept(req, std::move(opts));
    if (!ws) co_return response::upgraded();  // a 101 anyway: the connection still sends the refusal
    while (auto msg = co_await ws.receive()) co_await ws.send(std::move(*msg));
    if (auto st = ws.status()) log.add(close_event("stream", *st));
    co_return response::upgraded();
}

// ws::accept: a message "N:payload" is answered with payload N times. The braced
// ws::message temporary inside co_await is deliberate: GCC 12 miscompiled it while
// message was an aggregate (see ws/message.hpp).
inline task<response> stream_replies(request& req) {
    auto ws = co_await ws::accept(req);
    while (auto msg = co_await ws.receive()) {
        auto colon = msg->data.find(':');
        int n = std::stoi(msg->data.substr(0, colon));
        for (int i = 0; i < n; ++i) co_await ws.send(ws::message{msg->kind, msg->data.substr(colon + 1)});
    }
    co_return response::upgraded();
}

inline response channel_echo(request& req, event_log& log, ws::accept_options opts = {}) {
    return as_channel(
        req,
        {
            .on_receive = [](channel& ch, ws::message&& m) { ch.send(std::move(m)); },
            .on_ping = [&log](channel&, std::string_view d) { log.add("channel/ping " + std::string(d)); },
            .on_close = [&log](channel&, const close_status& st) { log.add(close_event("channel", st)); },
        },
        std::move(opts));
}

inline response channel_server_close(request& req, event_log& log) {
    return as_channel(req,
                      {
                          .on_open = [](channel& ch) { ch.close(4001, "bye"); },
                          .on_close = [&log](channel&, const close_status& st) { log.add(close_event("channel", st)); },
                      });
}

// The Ring listener, every event logged as "<prefix>/...": echoing, or (echo
// false) greeting with "hello" on open. "close-me" makes it close with 4002.
inline ws::listener logging_listener(event_log& log, std::string prefix, bool echo) {
    return {
        .on_open =
            [&log, prefix, echo](ws::socket& s) {
                log.add(prefix + "/open");
                if (!echo) s.send("hello");
            },
        .on_message =
            [&log, prefix, echo](ws::socket& s, ws::message&& m) {
                log.add(prefix + "/message " +
                        (m.is_binary()        ? "<binary>"
                         : m.data.size() > 64 ? "<long text>"
                                              : m.data));
                if (m.data == "close-me") s.close(4002, "asked");
                else if (echo) s.send(std::move(m));
            },
        .on_pong = [&log, prefix](ws::socket&, std::string_view d) { log.add(prefix + "/pong " + std::string(d)); },
        .on_error = [&log, prefix](ws::socket&, std::error_code ec) { log.add(prefix + "/error " + ec.message()); },
        .on_close =
            [&log, prefix](ws::socket&, const close_status& st) {
                log.add(prefix + "/close " + std::to_string(st.code) + " " + st.reason);
            },
    };
}

inline handler make_app(event_log& log) {
    return [&log](request& req) -> maybe_task {
        const auto& p = req.uri;
        if (p == "/plain") return response::text("ok");
        if (p == "/stream") return stream_echo(req, log, {});
        if (p == "/stream-proto") return stream_echo(req, log, {.protocols = {"chat", "superchat"}});
        if (p == "/stream-replies") return stream_replies(req);
        if (p == "/channel") return channel_echo(req, log);
        if (p == "/channel-origin")
            return channel_echo(req, log,
                                {.check_origin = [](std::string_view o) { return o == "http://good.example"; }});
        if (p == "/channel-server-close") return channel_server_close(req, log);
        if (p == "/listener") return ws::listener_response(req, logging_listener(log, "listener", true));
        if (p == "/listener-pong") {
            // on_ping set: answering is the listener's job, and it answers its own way.
            auto l = logging_listener(log, "listener", true);
            l.on_ping = [&log](ws::socket& s, std::string_view d) {
                log.add("listener/ping " + std::string(d));
                s.pong("custom:" + std::string(d));
            };
            return ws::listener_response(req, std::move(l));
        }
        if (p == "/ring") {
            // HTTP-Kit's test-ring-websocket-handlers: subprotocol "test", the listener pongs itself.
            auto l = logging_listener(log, "server", false);
            l.on_ping = [&log](ws::socket& s, std::string_view d) {
                log.add("server/ping " + std::string(d));
                s.pong(std::string(d));
            };
            return ws::listener_response(req, std::move(l), {.protocols = {"test"}});
        }
        return response::not_found();
    };
}

// The three echo routes, one per API.
inline const std::vector<std::string> echo_paths = {"/stream", "/channel", "/listener"};

struct fixture {
    event_log log;
    test_server srv;
    explicit fixture(server_options opts = {}) : srv(make_app(log), std::move(opts)) {}
    std::uint16_t port() const { return srv.port(); }
};

// ---- client-side helpers ---------------------------------------------------

inline void open(ws_client& c, std::string_view path, std::string_view extra = {}) {
    auto r = c.handshake(path, extra);
    REQUIRE_MESSAGE(r.status == 101, "handshake on ", path, " answered ", r.status, ": ", r.body);
}

/// The next frame is a data frame of kind `op` carrying `payload` (FIN set).
inline void expect_message(ws_client& c, opcode op, std::string_view payload) {
    auto f = c.read_frame();
    REQUIRE_MESSAGE(f, "the connection closed instead of a ", payload.size(), "-byte message");
    CHECK(f->op == op);
    CHECK(f->fin);
    CHECK(!f->rsv1);
    CHECK(f->payload.size() == payload.size());
    CHECK_MESSAGE((f->payload == payload), "the message differs from the one expected");
}

/// The server sends a close frame with `code` and then closes TCP, unanswered.
inline void expect_failed(ws_client& c, int code) {
    auto f = c.read_frame();
    REQUIRE_MESSAGE(f, "TCP closed without a close frame");
    CHECK(f->op == opcode::close);
    CHECK(f->close_code() == code);
    CHECK(ws::is_valid_utf8(f->close_reason()));
    CHECK(c.closed_by_server());
}

/// A clean close from the client: our close, the echo, then TCP closes.
inline void close_cleanly(ws_client& c) {
    REQUIRE(c.send_close(1000));
    auto f = c.read_frame();
    REQUIRE(f);
    CHECK(f->op == opcode::close);
    CHECK(f->close_code() == 1000);
    CHECK(c.closed_by_server());
}

/// After a case: plain HTTP still works and no connection is left behind.
inline void check_healthy(fixture& fx) {
    raw_client c(fx.port());
    REQUIRE(c.send(get("/plain")));
    CHECK(c.read_response().status == 200);
    c.close();
    CHECK(wait_for_connections(fx.srv, 0));
}

inline std::string random_text(std::mt19937& rng, std::size_t n) {
    std::string s(n, '\0');
    std::uniform_int_distribution<int> d(0x20, 0x7e);
    for (auto& ch : s) ch = static_cast<char>(d(rng));
    return s;
}

inline std::string all_bytes(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + 3);
    return s;
}

/// A client frame whose first byte (FIN, RSV, opcode) is given as is.
inline std::string frame_with_b0(unsigned char b0, std::string_view payload) {
    auto f = client_frame(opcode::text, payload);
    f[0] = static_cast<char>(b0);
    return f;
}

/// A masked text frame (zero mask key) whose 7-bit length field is `len7` and,
/// for 126 and 127, whose extended length is `length`: non-minimal forms, top
/// bits, lengths the payload does not have. `payload` follows as is.
inline std::string frame_with_length(std::uint8_t len7, std::uint64_t length, std::string_view payload = {}) {
    std::string f;
    f.push_back(static_cast<char>(0x81));
    f.push_back(static_cast<char>(0x80 | len7));
    const int bytes = len7 == 127 ? 8 : len7 == 126 ? 2 : 0;
    for (int i = bytes - 1; i >= 0; --i) f.push_back(static_cast<char>(length >> (8 * i)));
    f.append("\0\0\0\0", 4);  // a zero mask leaves the payload as it is
    f.append(payload);
    return f;
}

}  // namespace ringkit::test::wsp
