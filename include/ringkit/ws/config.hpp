// The WebSocket limits and timeouts a server applies to every connection it
// upgrades, whichever of the three APIs takes it over: server_options::websocket.
#pragma once

#include <chrono>
#include <cstddef>

#include "ringkit/ws/deflate_options.hpp"

namespace ringkit::ws {

/// Every field has a finite default; HTTP-Kit's max-ws is max_message. Read by
/// the server at start; changing it later does nothing.
struct config {
    std::size_t max_message = 4UL * 1024 * 1024;  ///< bytes of one message (after inflating) → close 1009
    /// Queued outgoing bytes per socket past which a send is refused (`backpressured`)
    /// or, for `co_await ws.send`, waits: one client that stops reading costs about this much.
    std::size_t high_water = 1024UL * 1024;
    std::chrono::milliseconds idle_timeout{120'000};  ///< nothing received this long → close 1001; 0: never
    bool auto_ping = true;                            ///< ping after half of idle_timeout without traffic
    std::chrono::milliseconds close_timeout{5'000};   ///< wait for the peer's close frame, then drop TCP
    deflate_options deflate{};                        ///< permessage-deflate; off unless .enabled
};

}  // namespace ringkit::ws
