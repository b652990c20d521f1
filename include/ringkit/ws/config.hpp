// The WebSocket limits and timeouts a server applies to every connection it
// upgrades (server_options carries them; see there for the defaults' reasons).
#pragma once

#include <chrono>
#include <cstddef>

#include "ringkit/ws/deflate_options.hpp"

namespace ringkit::ws {

struct config {
    std::size_t max_message = 4UL * 1024 * 1024;      ///< bytes of one message, after inflating → close 1009
    std::size_t high_water = 1024UL * 1024;           ///< queued outgoing bytes past which sends back off
    std::chrono::milliseconds idle_timeout{120'000};  ///< nothing received this long → close 1001; 0: never
    bool auto_ping = true;                            ///< ping after half the idle timeout without traffic
    std::chrono::milliseconds close_timeout{5'000};   ///< wait for the peer's close frame, then drop TCP
    deflate_options deflate{};                        ///< permessage-deflate, off unless enabled
};

}  // namespace ringkit::ws
