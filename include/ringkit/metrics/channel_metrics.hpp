// The server's channel metrics (issue 19): WebSocket sessions open by API,
// messages in and out, close codes, bytes buffered and back-pressure events,
// and HTTP channels open. server_metrics holds one (server_metrics::channels()).
//
// Who counts where: the WebSocket session (ws/session.hpp) counts its opening,
// its messages and its end on its I/O thread; channel_core (channel/channel.hpp)
// counts the bytes it queues and the sends it refuses as back-pressured on the
// thread that sends, under the channel's mutex it already holds; the hand-over
// (server/handover.hpp) counts HTTP channels. Each reaches the handles through
// a pointer to the `websocket_counts` below, which only the server sets (the
// WebSocket client's sessions have none and count nothing): every count is a
// thread's own shard cell (shards.hpp), no lock and no shared read-modify-write.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ringkit/metrics/counter.hpp"
#include "ringkit/metrics/gauge.hpp"
#include "ringkit/metrics/registry.hpp"

namespace ringkit::metrics {

/// Which of the three APIs took a WebSocket over.
enum class websocket_api : std::uint8_t { accept, channel, listener };

/// How a WebSocket that ended without a close handshake ended (its code is 1006).
enum class websocket_abort : std::uint8_t {
    lost,     ///< the TCP connection ended or failed under it (EOF, reset, a failed write)
    timeout,  ///< the peer did not answer our close frame in time, or a write stalled
    stopped,  ///< server stop forced it (the peer did not finish the close handshake)
};

/// What one server WebSocket counts into; channel_core and the session hold a
/// pointer to it (null: nothing counted). Handles only: cheap, and shared by
/// every WebSocket of the server.
struct websocket_counts {
    /// The close codes with a series of their own (RFC 6455 §7.4.1); any other
    /// code (1012-1014, 3000-4999) counts as "other".
    static constexpr std::array<std::uint16_t, 11> codes{1000, 1001, 1002, 1003, 1005, 1006,
                                                         1007, 1008, 1009, 1010, 1011};

    std::array<gauge, 3> open{};                     ///< by websocket_api
    counter received{};                              ///< messages read whole (not frames)
    counter sent{};                                  ///< text and binary messages written to the socket
    gauge buffered{};                                ///< bytes queued, not yet written
    counter backpressured{};                         ///< sends refused for the high-water mark
    std::array<counter, codes.size() + 1> closes{};  ///< by codes' index; the last: other
    std::array<counter, 3> aborts{};                 ///< by websocket_abort

    /// A session ended with `code` (1006 without a close handshake, then `how`).
    void closed(int code, websocket_abort how) const {
        std::size_t i = 0;
        while (i < codes.size() && codes[i] != code) ++i;
        closes[i].inc();
        if (code == 1006) aborts[static_cast<std::size_t>(how)].inc();
    }
};

/// Registers in `reg` (all at 0 until counted):
///  - `ringkit_websocket_sessions_open{api="accept|channel|listener"}` (gauge);
///  - `ringkit_websocket_messages_total{direction="in|out"}`;
///  - `ringkit_websocket_closes_total{code="1000"...,"other"}`: every ended session
///    by its close code (as its close_status has it); 1006 when no close handshake ended it,
///    `ringkit_websocket_aborts_total{cause="lost|timeout|stopped"}` says how;
///  - `ringkit_websocket_buffered_bytes` (gauge), `ringkit_websocket_backpressured_total`;
///  - `ringkit_http_channels_open` (gauge).
/// Throws std::invalid_argument when `reg` has them already.
class channel_metrics {
public:
    explicit channel_metrics(registry& reg)
        : http_open_(reg.add_gauge("ringkit_http_channels_open",
                                   "HTTP channels (as_channel on a plain request: long poll, streaming, SSE) open now.")
                         .get()) {
        const auto open = reg.add_gauge("ringkit_websocket_sessions_open", "WebSocket sessions open now, by API.",
                                        {label{"api", {"accept", "channel", "listener"}, {}}});
        counts_.open = {open.at({"accept"}), open.at({"channel"}), open.at({"listener"})};
        const auto messages = reg.add_counter("ringkit_websocket_messages_total",
                                              "WebSocket messages (not frames) received (in) and written (out).",
                                              {label{"direction", {"in", "out"}, {}}});
        counts_.received = messages.at({"in"});
        counts_.sent = messages.at({"out"});
        std::vector<std::string> code_names;
        for (auto c : websocket_counts::codes) code_names.push_back(std::to_string(c));
        const auto closes =
            reg.add_counter("ringkit_websocket_closes_total",
                            "WebSocket sessions ended, by close code (1006: no close handshake; see aborts).",
                            {label{"code", code_names, "other"}});
        for (std::size_t i = 0; i < code_names.size(); ++i) counts_.closes[i] = closes.at({code_names[i]});
        counts_.closes.back() = closes.at({"other"});
        const auto aborts = reg.add_counter("ringkit_websocket_aborts_total",
                                            "WebSocket sessions ended without a close handshake (code 1006), by cause.",
                                            {label{"cause", {"lost", "timeout", "stopped"}, {}}});
        counts_.aborts = {aborts.at({"lost"}), aborts.at({"timeout"}), aborts.at({"stopped"})};
        counts_.buffered =
            reg.add_gauge("ringkit_websocket_buffered_bytes", "Bytes WebSocket sends queued, not yet written.").get();
        counts_.backpressured = reg.add_counter("ringkit_websocket_backpressured_total",
                                                "WebSocket sends refused past the high-water mark (backpressured).")
                                    .get();
    }

    /// What every WebSocket of the server counts into.
    const websocket_counts& websocket() const noexcept { return counts_; }

    /// An HTTP channel starts serving its request, and ends: on its I/O thread.
    void http_channel_opened() const { http_open_.inc(); }
    void http_channel_closed() const { http_open_.dec(); }

private:
    websocket_counts counts_;
    gauge http_open_;
};

}  // namespace ringkit::metrics
