// Everything a redis::client may be told, with its default.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ringkit::redis {

struct options {
    std::string host = "127.0.0.1";  ///< a name is resolved asynchronously, never on the I/O thread's stack
    std::uint16_t port = 6379;
    std::string username;  ///< Redis 6 ACL user for AUTH; empty: `AUTH password` (requirepass)
    std::string password;  ///< empty: no AUTH
    int db = 0;            ///< SELECTed on every connection when not 0
    /// Resolving, connecting, AUTH and SELECT together (error::connect_timeout).
    std::chrono::milliseconds connect_timeout{2'000};
    /// The longest a command waits for its reply (error::timeout). Redis answers in
    /// order, so a late reply holds every command behind it: the connection is
    /// dropped and remade, and the commands waiting on it fail.
    std::chrono::milliseconds command_timeout{2'000};
    /// Reconnection back-off: the first retry after `reconnect_min`, each next one
    /// twice as late, up to `reconnect_max`; a successful connection resets it.
    std::chrono::milliseconds reconnect_min{100};
    std::chrono::milliseconds reconnect_max{5'000};
};

}  // namespace ringkit::redis
