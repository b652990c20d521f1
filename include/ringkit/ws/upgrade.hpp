// How a handler takes a connection over: the co_await WebSocket stream
// (ws::accept) and HTTP-Kit's as_channel (WebSocket or a plain HTTP response
// sent later). Both record the handler's choice in the request's
// upgrade_context (ws/upgrade_context.hpp), which the connection acts on; under
// anything else (a handler called directly in a test) there is no connection to
// take over.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/channel/channel.hpp"
#include "ringkit/ws/config.hpp"
#include "ringkit/ws/handshake.hpp"
#include "ringkit/ws/upgrade_context.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/any_io_executor.hpp>

namespace ringkit {
namespace ws {

/// Per-endpoint handshake choices, given the same way to the three APIs: the
/// last argument of ws::accept, as_channel and ws::listener_response.
struct accept_options {
    std::vector<std::string> protocols{};                         ///< subprotocols we speak, preferred first
    std::function<bool(std::string_view origin)> check_origin{};  ///< empty: any origin; false → 403
    std::optional<deflate_options> deflate{};                     ///< empty: server_options::websocket.deflate
};

namespace detail {
inline handshake_options handshake_for(const request& req, const accept_options& o) {
    handshake_options h;
    h.protocols = o.protocols;
    h.check_origin = o.check_origin;
    if (o.deflate) h.deflate = *o.deflate;
    else if (auto* ctx = ringkit::detail::upgrade_context_of(req)) h.deflate = ctx->ws_settings().deflate;
    return h;
}
}  // namespace detail

/// A WebSocket accepted inside a coroutine handler. Use it on the connection's
/// thread (where the handler runs); channel() gives the thread-safe handle for
/// everything else. Messages wait for receive(); pings are answered in the
/// background meanwhile, until 64 KiB of messages wait unreceived: then the
/// connection is not read until receive() catches up (that is the back-pressure
/// on a client that sends faster than the handler takes).
class stream {
public:
    stream() = default;
    explicit stream(ringkit::channel ch) : ch_(std::move(ch)) {}

    /// The next text or binary message; nullopt once the connection is closed
    /// (then close_status() says how).
    task<std::optional<message>> receive() {
        if (!ch_) return nothing();
        return ch_.core()->receive();  // its task, not one more coroutine frame around it
    }
    /// Queues `m`, first waiting while the send queue is past its high-water mark:
    /// `queued`, or `closed` when the connection closed first (never backpressured).
    task<send_status> send(message m) {
        if (!ch_) co_return send_status::closed;
        auto& core = *ch_.core();
        while (core.is_open() && core.buffered() >= core.high_water()) co_await core.wait_for_room();
        // Past the wait the mark is ignored: a send from another thread may have
        // taken the room meanwhile, and overshooting by one message is bounded.
        ringkit::detail::out_item item;
        item.what = m.is_text() ? ringkit::detail::out_item::kind::text : ringkit::detail::out_item::kind::binary;
        item.data = std::move(m.data);
        // Not in the co_return: clang 14's analyzer evaluates a co_return operand twice.
        const send_status st = core.push(std::move(item), false, true);
        co_return st;
    }
    task<send_status> send(std::string text) { return send(ws::text(std::move(text))); }
    /// Queues `m` without waiting, as channel::send does: past the high-water mark
    /// it is refused (`backpressured`).
    send_status try_send(message m) { return ch_.send(std::move(m)); }

    send_status ping(std::string data = {}) { return ch_.ping(std::move(data)); }
    /// Starts the close handshake (default: 1000, no reason); false when already closing or closed.
    bool close(std::uint16_t code = close_code::normal, std::string_view reason = {}) {
        return ch_.close(code, reason);
    }
    bool is_open() const noexcept { return ch_.is_open(); }
    std::optional<close_status> status() const { return ch_.status(); }
    std::size_t buffered_amount() const noexcept { return ch_.buffered_amount(); }
    const std::string& protocol() const noexcept { return ch_.protocol(); }
    /// The shared handle: for a channel_set, or to send from other threads.
    const ringkit::channel& channel() const noexcept { return ch_; }
    /// Whether the handshake succeeded.
    explicit operator bool() const noexcept { return static_cast<bool>(ch_); }
    /// What the handler returns: after a refused handshake the error answer (400,
    /// 403 or 426, Connection: close), which goes out through the handler's
    /// middleware as as_channel's does; else the 101 placeholder (the 101 itself
    /// is already sent). After a refusal the handler may answer otherwise, as
    /// as_channel's on_handshake_error may (any status but 101, Connection:
    /// close added); a handler that returns a 101 still gets the refusal sent.
    response answer() const { return refusal_ ? *refusal_ : response::upgraded(); }

private:
    friend task<stream> accept(request& req, accept_options options);
    static task<std::optional<message>> nothing() { co_return std::nullopt; }

    ringkit::channel ch_;
    std::shared_ptr<const response> refusal_;  // shared: a stream is cheap to copy
};

/// Accepts the WebSocket handshake of `req`: sends 101 and returns the open
/// stream. On a bad handshake the stream is empty (receive() gives nullopt at
/// once) and holds the 400/403/426 answer: `co_return ws.answer();`.
/// A handler that throws after the 101 gets its exception logged and the
/// WebSocket closed with 1011 (the close handshake still runs).
inline task<stream> accept(request& req, accept_options options = {}) {
    auto hs = check_handshake(req, detail::handshake_for(req, options));
    auto* ctx = ringkit::detail::upgrade_context_of(req);
    if (!ctx) co_return stream();
    if (!hs.ok()) {
        auto answer = hs.to_response();
        answer.headers.set("Connection", "close");  // as as_channel: the client may already be sending frames
        stream refused;
        refused.refusal_ = std::make_shared<const response>(answer);
        ctx->reject(std::move(answer));  // sent if the handler returns a 101 instead
        co_return refused;
    }
    auto core = ctx->make_core(true);
    core->protocol = hs.protocol;
    core->use_inbox();
    if (!co_await ctx->upgrade_now(std::move(hs), core)) co_return stream();
    co_return stream(ringkit::channel(std::move(core)));
}

}  // namespace ws

/// HTTP-Kit's as-channel callbacks. All run on the connection's thread. What
/// init and on_handshake_error throw is the handler's (a 500); for the others
/// see channel.hpp: logged, and the channel closed with 1011 (a 500 for an HTTP
/// channel's on_open).
struct channel_callbacks {
    std::function<void(channel&)> init{};                           ///< before the handshake
    std::function<void(channel&)> on_open{};                        ///< ready for send
    std::function<void(channel&, ws::message&&)> on_receive{};      ///< WebSocket messages, in order
    std::function<void(channel&, std::string_view)> on_ping{};      ///< after the automatic pong
    std::function<void(channel&, const close_status&)> on_close{};  ///< exactly once
    std::function<response(channel&)> on_handshake_error{};         ///< default: the 400/403/426 answer
};

namespace detail {
// as_channel, for as_channel itself and for Ring's listener_response (`api`:
// which one, for the server's metrics).
inline response open_channel(request& req, channel_callbacks cb, const ws::accept_options& options,
                             metrics::websocket_api api);
}  // namespace detail

/// HTTP-Kit's as-channel: on a WebSocket upgrade request, the 101 answer (return
/// it from the handler) and a channel that runs the callbacks; on any other
/// request, a channel whose first send is the response (long polling) or, with
/// close_after = false, its first chunk (streaming). Order as in HTTP-Kit:
/// init, on_close registered, the handshake, on_receive/on_ping registered, the
/// 101 sent, on_open. `options` (subprotocols, origin check, deflate) are
/// ws::accept's.
inline response as_channel(request& req, channel_callbacks cb, const ws::accept_options& options = {}) {
    return detail::open_channel(req, std::move(cb), options, metrics::websocket_api::channel);
}

inline response detail::open_channel(request& req, channel_callbacks cb, const ws::accept_options& options,
                                     metrics::websocket_api api) {
    auto* ctx = detail::upgrade_context_of(req);
    if (!ctx) return response::not_found();  // HTTP-Kit: nil under another adapter
    // HTTP-Kit's websocket?: the client asked for WebSocket, even if the rest of its handshake is bad.
    auto upgrade = req.header("upgrade");
    const bool websocket = upgrade && ringkit::detail::has_token(*upgrade, "websocket");
    auto core = ctx->make_core(websocket);
    channel ch(core);
    if (cb.init) cb.init(ch);
    if (cb.on_close) ch.on_close(std::move(cb.on_close));
    if (!websocket) {
        ctx->answer_later(core);
        core->opened(std::move(
            cb.on_open));  // where an exception from it is caught (unless on the worker pool: the handler's then)
        return response::upgraded();
    }
    auto hs = ws::check_handshake(req, ws::detail::handshake_for(req, options));
    if (!hs.ok()) {
        const close_status failed{
            .code = ws::close_code::protocol_error, .reason = std::string(hs.error), .by_server = true};
        // on_close runs even when on_handshake_error throws (the handler's exception: a 500).
        auto answer = [&] {
            try {
                return cb.on_handshake_error ? cb.on_handshake_error(ch) : hs.to_response();
            } catch (...) {
                core->finish(failed);
                throw;
            }
        }();
        answer.headers.set("Connection", "close");  // as HTTP-Kit: the client may already be sending frames
        core->finish(failed);
        return answer;
    }
    core->protocol = hs.protocol;
    if (cb.on_receive) ch.on_receive(std::move(cb.on_receive));
    if (cb.on_ping) ch.on_ping(std::move(cb.on_ping));
    auto answer = hs.to_response();
    ctx->upgrade_after(hs, std::move(core), std::move(cb.on_open), api);
    return answer;
}

}  // namespace ringkit
