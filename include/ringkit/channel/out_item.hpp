// One entry of a channel's send queue: what a send asked for, in queue order,
// before any writer has framed it. The WebSocket session frames the WebSocket
// kinds (ws/frame_writer.hpp); the HTTP connection writes the HTTP kinds as a
// response, its chunks and its end. A channel only ever queues the kinds of its
// own protocol.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "ringkit/http/response.hpp"

namespace ringkit::detail {

struct out_item {
    enum class kind : std::uint8_t { text, binary, ping, pong, close, http_head, http_body, http_end };
    kind what = kind::text;
    std::string data;                           ///< payload, or body bytes
    std::shared_ptr<const std::string> shared;  ///< broadcast: bytes shared by every receiver
    std::uint8_t shared_head = 0;               ///< shared holds a whole unmasked frame; its header is this long
    bool compressed = false;         ///< that frame is compressed for this channel's deflate parameters: send as it is
    std::uint16_t close_code = 0;    ///< kind::close, kind::http_end
    std::unique_ptr<response> head;  ///< kind::http_head
    std::function<void(std::error_code)> done;  ///< called once written, or with an error when dropped

    std::string_view payload() const noexcept {
        if (!shared) return data;
        return std::string_view(*shared).substr(shared_head);
    }
    /// What the item weighs against the queue's high-water mark while it waits.
    std::size_t size() const noexcept { return shared ? shared->size() : data.size(); }
};

}  // namespace ringkit::detail
