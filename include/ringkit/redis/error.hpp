// The Redis client's faults as std::error_code values in their own category,
// "ringkit.redis", so a caller can tell "Redis is down" from "Redis is slow"
// from "Redis said no" without reading text.
#pragma once

#include <string>
#include <system_error>

namespace ringkit::redis {

enum class error {
    unavailable = 1,  ///< not connected (Redis down or the connection lost): the command was not sent
    connect_failed,   ///< the TCP connection, AUTH or SELECT failed
    connect_timeout,  ///< no connection within options::connect_timeout
    timeout,          ///< no reply within options::command_timeout; the connection is dropped and remade
    disconnected,     ///< the connection ended with the command sent and no reply: it may or may not have run
    server_error,     ///< Redis answered with an error reply (what() carries its text)
    closed,           ///< the client was destroyed or closed before the reply came
};

namespace detail {
class error_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "ringkit.redis"; }
    std::string message(int e) const override {
        switch (static_cast<error>(e)) {
        case error::unavailable: return "Redis is not connected";
        case error::connect_failed: return "connecting to Redis failed";
        case error::connect_timeout: return "connecting to Redis timed out";
        case error::timeout: return "Redis did not reply in time";
        case error::disconnected: return "the Redis connection ended before the reply";
        case error::server_error: return "Redis replied with an error";
        case error::closed: return "the Redis client was closed";
        }
        return "unknown Redis error";
    }
};
}  // namespace detail

/// The "ringkit.redis" category; one object for the program's life, usable from any thread.
inline const std::error_category& category() noexcept {
    static const detail::error_category instance;
    return instance;
}
inline std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace ringkit::redis

template <>
struct std::is_error_code_enum<ringkit::redis::error> : std::true_type {};
