// What a handler may ask of the connection serving its request: take it over
// as a WebSocket (ws::accept, as_channel, Ring's listener) or answer it later
// through an HTTP channel (as_channel on a plain request).
//
// The request carries a handle on this context, not on the connection: the
// APIs record the handler's choice here as a value, and the connection reads it
// once the handler returns (server/handover.hpp acts on it). The one thing that
// cannot wait is ws::accept's 101, which goes out while the handler runs on; the
// connection lends the context that one operation, and takes it back when it
// ends, so a request kept past its connection finds no connection, as a request
// made outside a server.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <utility>

#include "ringkit/core/logger.hpp"
#include "ringkit/channel/channel.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/metrics/channel_metrics.hpp"
#include "ringkit/ws/config.hpp"
#include "ringkit/ws/handshake.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/any_io_executor.hpp>

namespace ringkit::detail {

/// How a handler took its request's connection over.
enum class takeover : std::uint8_t {
    none,             ///< an ordinary response
    rejected,         ///< a refused ws::accept: send `rejection`, then close
    websocket,        ///< ws::accept: the 101 is out and the session runs beside the handler
    websocket_after,  ///< as_channel: the handler's 101 starts the session for `core`
    http_channel,     ///< as_channel on a plain request: `core` sends the response later
};

/// The handler's choice, as the connection takes it once the handler returned.
/// (The agreed permessage-deflate travels in the channel: channel_core::deflate.)
struct takeover_claim {
    takeover how = takeover::none;
    std::shared_ptr<channel_core> core{};     ///< websocket_after, http_channel
    std::unique_ptr<response> rejection;      ///< rejected (a pointer: most connections never need one)
    std::function<void(channel&)> on_open{};  ///< websocket_after: as_channel's, once the 101 is out
    metrics::websocket_api api = metrics::websocket_api::accept;  ///< websocket_after: as_channel or Ring's listener
};

/// The connection, as its upgrade_context sees it (asked, not copied into every
/// connection's context). Connection's thread only.
class upgrade_target {
public:
    /// ws::accept's hand-over: sends the 101 for `handshake` and starts the
    /// WebSocket session for `core` beside the handler. False when the connection
    /// failed (then `core` is finished).
    virtual task<bool> upgrade_now(ws::handshake_result handshake, std::shared_ptr<channel_core> core) = 0;
    /// The connection's thread.
    virtual asio::any_io_executor executor() = 0;

protected:
    ~upgrade_target() = default;
};

/// One per connection, shared with every request it serves (request::upgrade).
/// Used on the connection's thread only. A request is taken over at most once:
/// a second claim throws std::logic_error.
class upgrade_context {
public:
    /// `ws`, `log` and `counts` (the server's WebSocket metrics, if any) belong to
    /// the server and outlive every connection; `target` serves until detach().
    upgrade_context(upgrade_target& target, const ws::config& ws, const ringkit::logger& log,
                    const metrics::websocket_counts* counts = nullptr)
        : target_(&target), ws_(&ws), log_(&log), counts_(counts) {}

    // ---- for ws::accept and as_channel --------------------------------------

    /// False once the connection has ended: nothing left to take over.
    bool connected() const noexcept { return target_ != nullptr; }
    const ws::config& ws_settings() const noexcept { return *ws_; }
    /// The shared state of a channel on this connection (its thread, its high-water
    /// mark, the server's logger for exceptions from its callbacks). Connected only.
    std::shared_ptr<channel_core> make_core(bool websocket) const {
        auto core = std::make_shared<channel_core>(target_->executor(), websocket, ws_->high_water, log_);
        if (websocket) core->counts = counts_;
        return core;
    }

    task<bool> upgrade_now(ws::handshake_result handshake, std::shared_ptr<channel_core> core) {
        claim(takeover::websocket);
        agree(handshake, *core);
        return target_->upgrade_now(std::move(handshake), std::move(core));
    }
    void upgrade_after(const ws::handshake_result& handshake, std::shared_ptr<channel_core> core,
                       std::function<void(channel&)> on_open, metrics::websocket_api api) {
        claim(takeover::websocket_after);
        agree(handshake, *core);
        claim_.core = std::move(core);
        claim_.on_open = std::move(on_open);
        claim_.api = api;
    }
    void answer_later(std::shared_ptr<channel_core> core) {
        claim(takeover::http_channel);
        claim_.core = std::move(core);
    }
    void reject(response r) {
        claim(takeover::rejected);
        claim_.rejection = std::make_unique<response>(std::move(r));
    }

    // ---- for the connection -------------------------------------------------

    /// What the handler of the current request chose so far.
    takeover pending() const noexcept { return claim_.how; }
    /// The choice, leaving none for the next request.
    takeover_claim take() noexcept { return std::exchange(claim_, takeover_claim{}); }
    /// The connection ends: requests kept past it find no connection.
    void detach() noexcept {
        target_ = nullptr;
        claim_ = {};
    }

private:
    // The permessage-deflate agreed goes with the channel (a broadcast compresses
    // for it, channel_set.hpp) and the session takes it from there.
    void agree(const ws::handshake_result& handshake, channel_core& core) const {
        if (handshake.deflate) core.deflate = channel_core::compression{*handshake.deflate, &ws_->deflate};
    }

    void claim(takeover how) {
        if (claim_.how != takeover::none) throw std::logic_error("ringkit: a request can be taken over only once");
        claim_.how = how;
    }

    upgrade_target* target_;  // null once the connection has ended
    const ws::config* ws_;
    const ringkit::logger* log_;
    const metrics::websocket_counts* counts_;
    takeover_claim claim_;
};

/// The context of the connection serving `req`; null outside a server, or once
/// that connection has ended.
inline upgrade_context* upgrade_context_of(const request& req) noexcept {
    return req.upgrade && req.upgrade->connected() ? req.upgrade.get() : nullptr;
}

}  // namespace ringkit::detail
