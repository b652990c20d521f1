// Ring's WebSocket API (ring.websocket, Ring 1.11+): the handler returns a
// response carrying a listener, and the listener's callbacks get a socket.
// Built on the channel: the socket is a channel handle, the listener its callbacks.
//
// Promises (Ring's, kept): on_close is called iff on_open was, exactly once, and
// always with a valid RFC 6455 code (1006 when the connection dropped, 1001 at
// server stop, never 0). on_error is called for protocol errors, a lost
// connection and failed sends. Without on_ping, pings are answered for you;
// with it, answering is yours (socket.pong).
//
// What differs from Ring is the vocabulary the three APIs share: on_close gets
// the close_status (code, reason, who closed) as as_channel's does, sends return
// a send_status, close() defaults to 1000 with no reason, options are the last
// argument (accept_options), as for ws::accept and as_channel.
//
// A callback that throws (on the connection's thread): the server's logger gets
// the exception and the callback's name, the client a close with 1011, and
// on_close runs as usual (code 1011), so the promise above holds when on_open
// throws too. An exception from on_close is logged. On another thread (on_error
// for a send refused there) it is the caller's. See channel.hpp.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/channel/channel.hpp"
#include "ringkit/ws/upgrade.hpp"

namespace ringkit::ws {

/// Ring's Socket and AsyncSocket. Valid from on_open to on_close; any thread.
class socket {
public:
    explicit socket(ringkit::channel ch) : ch_(std::move(ch)) {}

    bool is_open() const noexcept { return ch_.is_open(); }
    /// Queues a message, as channel::send does, and says what happened; a refusal
    /// (closed, or past the high-water mark) also goes to the listener's on_error
    /// (Ring's way), on the caller's thread.
    send_status send(message m) { return reported(ch_.send(std::move(m))); }
    send_status send(std::string text) { return send(ws::text(std::move(text))); }
    /// Ring's send-async: `on_success` once the message is handed to the socket,
    /// `on_failure` if it is refused or the connection closes first. Both run on
    /// the connection's thread, except a refusal, which is reported at once (and
    /// not to on_error: on_failure is its report). Returns what send() does.
    send_status send_async(message m, std::function<void()> on_success,
                           std::function<void(std::error_code)> on_failure) {
        return ch_.send(std::move(m), std::nullopt,
                        [ok = std::move(on_success), bad = std::move(on_failure)](std::error_code ec) {
                            if (!ec) {
                                if (ok) ok();
                            } else if (bad) {
                                bad(ec);
                            }
                        });
    }
    send_status ping(std::string data = {}) { return reported(ch_.ping(std::move(data))); }
    send_status pong(std::string data = {}) { return reported(ch_.pong(std::move(data))); }
    /// Ring's close. The default is the one of all three APIs: 1000 with no
    /// reason (Ring's own says "Normal Closure"). False when already closing or closed.
    bool close(std::uint16_t code = close_code::normal, std::string_view reason = {}) {
        return ch_.close(code, reason);
    }
    const std::string& protocol() const noexcept { return ch_.protocol(); }
    /// The channel underneath: for a channel_set, or HTTP-Kit style sends.
    const ringkit::channel& channel() const noexcept { return ch_; }

private:
    send_status reported(send_status st) {
        if (!st && ch_.core()) ch_.core()->report_error(st.error());
        return st;
    }
    ringkit::channel ch_;
};

/// Ring's listener map; every callback is optional.
struct listener {
    std::function<void(socket&)> on_open{};
    std::function<void(socket&, message&&)> on_message{};
    std::function<void(socket&, std::string_view)> on_ping{};  ///< set: you answer pings (socket.pong)
    std::function<void(socket&, std::string_view)> on_pong{};
    std::function<void(socket&, std::error_code)> on_error{};
    /// How it closed: Ring's code and reason, and who closed first (`by_server`).
    std::function<void(socket&, const close_status&)> on_close{};
};

namespace detail {
// The channel's on_open that makes it `l`'s socket: `l`'s callbacks registered
// (in Ring's names), then `l.on_open`. The server's listener_response and the
// client's ws::connect both open a channel with it.
inline std::function<void(ringkit::channel&)> listener_opener(listener l) {
    return [l](ringkit::channel& ch) mutable {
        auto& core = *ch.core();
        core.auto_pong = !l.on_ping;
        core.ring_names = true;
        // Each callback holds the listener's function and builds the socket view.
        if (l.on_message)
            ch.on_receive([f = std::move(l.on_message)](ringkit::channel& c, message&& m) {
                socket s(c);
                f(s, std::move(m));
            });
        if (l.on_ping)
            ch.on_ping([f = std::move(l.on_ping)](ringkit::channel& c, std::string_view d) {
                socket s(c);
                f(s, d);
            });
        if (l.on_pong)
            ch.on_pong([f = std::move(l.on_pong)](ringkit::channel& c, std::string_view d) {
                socket s(c);
                f(s, d);
            });
        if (l.on_error)
            ch.on_error([f = std::move(l.on_error)](ringkit::channel& c, std::error_code ec) {
                socket s(c);
                f(s, ec);
            });
        if (l.on_close)
            ch.on_close([f = std::move(l.on_close)](ringkit::channel& c, const close_status& st) {
                socket s(c);
                f(s, st);
            });
        if (l.on_open) {
            socket s(ch);
            l.on_open(s);
        }
    };
}
}  // namespace detail

/// Ring's websocket response: the 101 answer to `req` (return it from the handler)
/// with `l` listening on the socket. A bad handshake (a plain request included)
/// gives the 400/403/426 answer, Connection: close, and no callbacks.
inline response listener_response(request& req, listener l, const accept_options& options = {}) {
    if (auto up = req.header("upgrade");
        ringkit::detail::upgrade_context_of(req) && !(up && ringkit::detail::has_token(*up, "websocket"))) {
        // Not a WebSocket request: 426, not the HTTP channel as_channel would make of it.
        auto answer = check_handshake(req).to_response();
        answer.headers.set("Connection", "close");
        return answer;
    }
    channel_callbacks cb;
    cb.on_open = detail::listener_opener(std::move(l));
    return ringkit::detail::open_channel(req, std::move(cb), options, metrics::websocket_api::listener);
}

}  // namespace ringkit::ws
