// The WebSocket client: ws::connect opens a connection to a ws:// URL, runs the
// opening handshake (ws/client_handshake.hpp) and hands the connection to the
// same session the server runs after its 101 (ws/session.hpp), in the
// client's role: every frame we write masked with a fresh key from the kernel's
// CSPRNG, masked frames from the server refused (1002), permessage-deflate with
// the agreed parameters from our side. What comes back is the server's own
// vocabulary: a ws::stream (co_await receive/send), or a Ring listener's callbacks.
//
//   resolve + connect (open_transport) ─▶ GET + Upgrade ─▶ response_parser ─▶ 101 checked
//       ─▶ ws_session<…, role::client> with the bytes that came after the 101 ─▶ channel
//
// Threads: a connection lives on the thread of the io_context it was opened on
// (which one thread runs), as a server's connections do; its channel is the
// thread-safe handle. wss:// is not here yet: open_transport is the one place
// that will take TLS.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/channel/channel.hpp"
#include "ringkit/client/error.hpp"
#include "ringkit/client/response_parser.hpp"
#include "ringkit/client/url.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/base64.hpp"
#include "ringkit/core/logger.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"
#include "ringkit/ws/client_handshake.hpp"
#include "ringkit/ws/config.hpp"
#include "ringkit/ws/frame.hpp"
#include "ringkit/ws/listener.hpp"
#include "ringkit/ws/session.hpp"
#include "ringkit/ws/upgrade.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/buffer.hpp>
#include <asio/connect.hpp>
#include <asio/error.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/write.hpp>

namespace ringkit::ws {

/// How ws::connect connects. The limits are the server's (ws::config), applied
/// the same way from this side.
struct connect_options {
    std::vector<std::string> protocols{};  ///< subprotocols offered, preferred first
    /// More request headers (Origin, Authorization, cookies...); the handshake's
    /// own may not be among them (std::invalid_argument). A URL's userinfo becomes
    /// Authorization: Basic unless one is given here.
    header_list headers{};
    /// max_message (→ 1009), high_water, idle_timeout and auto_ping, close_timeout;
    /// permessage-deflate is offered when config.deflate.enabled (see
    /// client_handshake_options for what its fields ask).
    ws::config config{};
    std::chrono::milliseconds handshake_timeout{
        10'000};                                      ///< resolve, connect and the 101: else handshake_error::timeout
    std::chrono::milliseconds write_timeout{30'000};  ///< a write making no progress this long drops the connection
    client_limits limits{};                           ///< the 101's head
    /// Where exceptions from the channel's callbacks are logged (null: stderr). Outlives the connection.
    const ringkit::logger* logger = nullptr;
};

namespace detail {

using client_socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;

// A client channel's state, with the limits its session and a channel_set read
// for as long as the channel lives (a server's live in the server).
struct client_core final : ringkit::detail::channel_core {
    client_core(asio::any_io_executor ex, const connect_options& o)
        : channel_core(std::move(ex), true, o.config.high_water, o.logger), settings(o.config) {}
    ws::config settings;
};

// The handshake's one deadline: when it passes, `on_expiry` (set per phase)
// cancels what is pending, and expired() tells the failure from any other.
class connect_deadline {
public:
    connect_deadline(const asio::io_context::executor_type& ex, std::chrono::milliseconds timeout)
        : state_(std::make_shared<state>()), timer_(ex, timeout) {
        timer_.async_wait([s = state_](std::error_code ec) {
            if (ec || !s->on_expiry) return;  // the handshake is over: its frame may be gone
            s->expired = true;
            auto f = std::move(s->on_expiry);
            f();
        });
    }
    connect_deadline(const connect_deadline&) = delete;
    connect_deadline& operator=(const connect_deadline&) = delete;
    ~connect_deadline() { state_->on_expiry = nullptr; }  // the timer's own destructor cancels its wait

    void on_expiry(std::function<void()> f) { state_->on_expiry = std::move(f); }
    bool expired() const noexcept { return state_->expired; }
    void disarm() {
        state_->on_expiry = nullptr;
        timer_.cancel();
    }
    // The error to report for `ec`: the timeout if that is what cut it short.
    std::error_code why(std::error_code ec) const noexcept { return expired() ? handshake_error::timeout : ec; }

private:
    struct state {
        std::function<void()> on_expiry;
        bool expired = false;
    };
    std::shared_ptr<state> state_;
    asio::steady_timer timer_;
};

[[noreturn]] inline void fail(std::error_code ec, const std::string& what) { throw std::system_error(ec, what); }

// The one place that opens the connection: resolve and connect, for ws:// a
// plain TCP socket. (For wss:// it will be client/connect.hpp's TLS stream.)
inline task<client_socket> open_transport(const asio::io_context::executor_type& ex, const parsed_url& u,
                                          connect_deadline& deadline) {
    asio::ip::tcp::resolver resolver(ex);
    client_socket conn(ex);
    deadline.on_expiry([&] {
        resolver.cancel();
        std::error_code ignored;
        conn.close(ignored);
    });
    const std::string where = u.host + ':' + std::to_string(u.port);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(std::string(u.host_name()), std::to_string(u.port), ringkit::detail::use_tuple);
    if (rec) fail(deadline.why(rec), "ringkit: resolving " + where);
    // Each address in turn, but none once the deadline has closed the socket.
    auto [cec, endpoint] = co_await asio::async_connect(
        conn, endpoints, [&](const std::error_code&, const asio::ip::tcp::endpoint&) { return !deadline.expired(); },
        ringkit::detail::use_tuple);
    if (cec) fail(deadline.why(cec), "ringkit: connecting to " + where);
    deadline.on_expiry(nullptr);  // the socket leaves this frame
    std::error_code ignored;
    conn.set_option(asio::ip::tcp::no_delay(true), ignored);
    co_return conn;
}

// Connects and hands the connection to a client session; the channel's state,
// opened (`on_open` run, `inbox` for ws::stream). Throws std::system_error.
inline task<std::shared_ptr<ringkit::detail::channel_core>> open_channel(
    std::string_view url, const connect_options& o, bool inbox, std::function<void(ringkit::channel&)> on_open) {
    std::error_code ec;
    const parsed_url u = parse_url(url, ec);
    if (ec) fail(ec, "ringkit: ws::connect");
    if (u.scheme != "ws")
        fail(client_error::unsupported_scheme, u.scheme == "wss" ? "ringkit: ws::connect: wss:// is not supported yet"
                                                                 : "ringkit: ws::connect needs ws://");
    const auto any = co_await asio::this_coro::executor;
    const auto* io = any.target<asio::io_context::executor_type>();
    if (!io) throw std::invalid_argument("ringkit: ws::connect must run on an io_context's executor");

    client_handshake_options ho{.protocols = o.protocols, .headers = o.headers, .deflate = o.config.deflate};
    bool authorization = false;
    for (const auto& [name, value] : ho.headers)
        authorization = authorization || ringkit::detail::iequals(name, "authorization");
    if (u.userinfo && !authorization)
        ho.headers.add("Authorization",
                       "Basic " + ringkit::detail::base64_encode(u.userinfo->user + ':' + u.userinfo->password));
    ws::client_handshake hs;
    const std::string request = hs.request(u.authority(), u.target, ho);

    connect_deadline deadline(*io, o.handshake_timeout);
    client_socket conn = co_await open_transport(*io, u, deadline);
    deadline.on_expiry([&] {
        std::error_code ignored;
        conn.close(ignored);
    });
    auto [wec, written] = co_await asio::async_write(conn, asio::buffer(request), ringkit::detail::use_tuple);
    if (wec) fail(deadline.why(wec), "ringkit: ws::connect: sending the handshake");

    // The answer's head; what follows it in the same read is the WebSocket's.
    response_parser parser(o.limits);
    parser.begin(method::get, /*upgrade_expected*/ true);
    std::string buffer(4096, '\0');
    std::string leftover;
    for (bool head = false; !head;) {
        auto [rec, n] = co_await conn.async_read_some(asio::buffer(buffer), ringkit::detail::use_tuple);
        if (rec == asio::error::eof && !deadline.expired()) {
            parser.finish();
            fail(parser.error() ? parser.error() : make_error_code(client_error::closed_early),
                 "ringkit: ws::connect: reading the handshake's answer");
        }
        if (rec) fail(deadline.why(rec), "ringkit: ws::connect: reading the handshake's answer");
        const std::string_view data(buffer.data(), n);
        const auto r = parser.feed(data);
        if (r.event == response_event::error) fail(parser.error(), "ringkit: ws::connect: the handshake's answer");
        if (r.event == response_event::head) {
            head = true;
            leftover.assign(data.substr(r.consumed));
        }
    }
    deadline.disarm();
    const auto& answer = parser.head();
    if (auto bad = hs.check(answer.status, answer.headers, ho))
        fail(bad, "ringkit: ws::connect: HTTP " + std::to_string(answer.status) + " from " + u.str());

    auto core = std::make_shared<client_core>(any, o);
    core->protocol = hs.protocol();
    if (hs.deflate()) {
        const auto ours = swap_sides(*hs.deflate());
        // zlib cannot compress within an 8-bit window: such a client sends its
        // messages uncompressed (RSV1 clear), which RFC 7692 always allows.
        if (ours.server_max_window_bits < 9) core->settings.deflate.min_size = std::numeric_limits<std::size_t>::max();
        core->deflate = ringkit::detail::channel_core::compression{ours, &core->settings.deflate};
    }
    if (inbox) core->use_inbox();
    // The session reads and writes without waiting first, as on a server's sockets.
    conn.non_blocking(true, ec);
    if (ec) fail(ec, "ringkit: ws::connect");
    auto session = ringkit::detail::ws_session<client_socket, std::chrono::steady_clock, role::client>::create(
        std::move(conn), core->settings, o.write_timeout, core);
    session->start(std::move(leftover), std::move(on_open));
    co_return core;
}

inline task<void> connect_listener(std::string url, listener l, connect_options o) {
    auto on_error = l.on_error;
    std::error_code failed;
    try {
        co_await open_channel(url, o, false, listener_opener(std::move(l)));
        co_return;
    } catch (const std::system_error& e) {
        failed = e.code();
    } catch (const std::invalid_argument&) {
        failed = std::make_error_code(std::errc::invalid_argument);
    }
    if (on_error) {
        ws::socket none{ringkit::channel{}};
        on_error(none, failed);
    }
}

}  // namespace detail

/// Opens a WebSocket to `url` (ws://host[:port]/path) and returns the open
/// stream: the same type ws::accept gives a handler, used the same way on this
/// coroutine's thread (its channel() from any). Must run on an io_context's
/// executor, which one thread runs. Throws std::system_error: a client_error
/// (bad_url, unsupported_scheme, a malformed answer, closed_early), a
/// handshake_error (the server refused: not_switching, with the status in
/// what(); a bad answer; timeout) or the socket's error (connection refused);
/// std::invalid_argument for a request header it cannot send. Close the stream
/// (and let the close finish) before the io_context is destroyed.
inline task<stream> connect(std::string url, connect_options options = {}) {
    auto core = co_await detail::open_channel(url, options, true, {});
    co_return stream(ringkit::channel(std::move(core)));
}

/// Ring's listener on a client connection: connects to `url` on `ex` (an
/// io_context's, one thread) and calls `l` there as a server calls a handler's
/// listener: on_open, on_message, on_ping/on_pong, on_error, and on_close exactly
/// once iff on_open ran. When the connection or the handshake fails, on_open
/// never runs: on_error gets the error (as ws::connect would throw it) with a
/// socket that is already closed. Returns at once.
inline void connect(const asio::any_io_executor& ex, std::string url, listener l, connect_options options = {}) {
    asio::co_spawn(ex, detail::connect_listener(std::move(url), std::move(l), std::move(options)), asio::detached);
}

}  // namespace ringkit::ws
