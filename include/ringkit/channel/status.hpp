// What became of a channel and of a send: the two result types the three
// WebSocket APIs (ws::accept, as_channel, the Ring listener) share, so a close
// callback and a send mean the same thing in each.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "ringkit/ws/close.hpp"
#include "ringkit/ws/error.hpp"

namespace ringkit {

/// Why a channel closed.
struct close_status {
    /// WebSocket: the code of the peer's close frame (1005 when it carried none),
    /// ours when the server closed first (1001 at server stop), 1006 when the TCP
    /// connection ended without a close handshake. HTTP: 1000 when the response
    /// was finished, 1006 when the client went away first.
    int code = ws::close_code::abnormal;
    std::string reason;
    bool by_server = false;  ///< the server closed first (close(), send(..., true), stop, a protocol error)
    bool websocket = true;

    /// HTTP-Kit's on-close keyword: "server-close", "client-close" (HTTP), else the
    /// code's name ("normal", "going-away", "abnormal", ...).
    std::string_view name() const noexcept {
        if (by_server) return "server-close";
        if (!websocket) return "client-close";
        return ws::close_code_name(code);
    }
};

/// What a send did with the data: the one result of every send in the three
/// APIs (channel::send, ws::stream::send and try_send, ws::socket::send, and
/// their ping and pong). Tests true iff queued, so HTTP-Kit's `if (ch.send(x))`
/// reads as before; compare with the values for why not.
class send_status {
public:
    enum value : std::uint8_t {
        queued,         ///< in the queue; it will be written in order
        backpressured,  ///< not queued: the queue is past its high-water mark
        closed,         ///< not queued: the channel is closed or closing
    };
    // Implicit, so `send_status st = send_status::closed` and `st == send_status::queued` read naturally.
    constexpr send_status(value v) noexcept : v_(v) {}  // NOLINT(google-explicit-constructor)

    constexpr explicit operator bool() const noexcept { return v_ == queued; }
    constexpr value get() const noexcept { return v_; }
    /// As a send's completion reports it: none when queued, else ws::error::backpressured or closed.
    std::error_code error() const noexcept {
        if (v_ == queued) return {};
        return v_ == backpressured ? ws::error::backpressured : ws::error::closed;
    }
    friend constexpr bool operator==(send_status, send_status) noexcept = default;

private:
    value v_;
};

}  // namespace ringkit
