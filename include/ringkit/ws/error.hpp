// Errors a channel reports to on_error callbacks and send completions, as
// std::error_code values in their own category.
#pragma once

#include <string>
#include <system_error>

namespace ringkit::ws {

enum class error {
    closed = 1,       ///< the channel was already closed (or closed before the bytes went out)
    backpressured,    ///< the send queue is past its high-water mark; nothing was queued
    protocol_error,   ///< the peer broke RFC 6455 (closed with 1002)
    invalid_utf8,     ///< a text message or close reason was not UTF-8 (closed with 1007)
    message_too_big,  ///< a message passed websocket.max_message (closed with 1009)
    connection_lost,  ///< the TCP connection failed or ended without a close handshake
};

namespace detail {
class error_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "ringkit.ws"; }
    std::string message(int e) const override {
        switch (static_cast<error>(e)) {
        case error::closed: return "channel closed";
        case error::backpressured: return "send queue full (back-pressure)";
        case error::protocol_error: return "WebSocket protocol error";
        case error::invalid_utf8: return "invalid UTF-8 in a text message";
        case error::message_too_big: return "message too big";
        case error::connection_lost: return "connection lost";
        }
        return "unknown error";
    }
};
}  // namespace detail

inline const std::error_category& error_category() noexcept {
    static const detail::error_category_impl instance;
    return instance;
}
inline std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace ringkit::ws

template <>
struct std::is_error_code_enum<ringkit::ws::error> : std::true_type {};
