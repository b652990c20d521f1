// The hand-over: what a connection does once a handler took it over (see
// ws/upgrade_context.hpp for how a handler asks). A refused upgrade is answered
// and the connection closed; a WebSocket gets its 101 and the stream moves to a
// ws_session with what the client sent after its handshake; an HTTP channel's
// sends are written as the answer to the request, through the connection's
// response writer, while the socket is watched so a client that leaves closes
// the channel.
//
// It is a part of connection<Stream> (server/connection.hpp), kept apart because
// it is a concept of its own: it holds the hand-over's state, and uses the
// connection's stream, buffers and writer, on the connection's thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/channel/channel.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/connection_list.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/core/wait_list.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/http/serializer.hpp"
#include "ringkit/metrics/channel_metrics.hpp"
#include "ringkit/metrics/server_metrics.hpp"
#include "ringkit/server/response_writer.hpp"
#include "ringkit/ws/session.hpp"
#include "ringkit/ws/upgrade_context.hpp"

namespace ringkit {

template <class Stream>
class connection;

namespace detail {

template <class Stream>
class handover final : private channel_transport, private upgrade_target {
    using owner = connection<Stream>;
    using ws_handle = typename ws_session<Stream>::handle;

public:
    explicit handover(owner& c)
        : c_(c), context_(std::make_shared<upgrade_context>(
                     static_cast<upgrade_target&>(*this), c.config_.ws, c.config_.logger,
                     c.config_.metrics ? &c.config_.metrics->channels().websocket() : nullptr)) {}
    handover(const handover&) = delete;
    handover& operator=(const handover&) = delete;
    ~handover() {
        context_->detach();             // a request kept past us finds no connection
        if (ws_) ws_->on_end(nullptr);  // the session may outlive us (destroyed unfinished at stop)
    }

    /// The handle every request of the connection carries (request::upgrade).
    const std::shared_ptr<upgrade_context>& context() const noexcept { return context_; }
    /// What the current request's handler chose so far.
    takeover pending() const noexcept { return context_->pending(); }

    /// After the handler of a taken-over request returned `res` (`handler_threw`:
    /// it threw, and `res` is the 500). Returns whether the connection goes on with
    /// HTTP (only after an HTTP channel's response, or middleware's answer instead
    /// of a 101).
    task<bool> take_over(response res, bool handler_threw) {
        auto claim = context_->take();
        switch (claim.how) {
        case takeover::rejected: {
            // The handler's answer (ws.answer(), through its middleware), unless it returned a 101 anyway.
            auto answer = res.status == 101 ? std::move(*claim.rejection) : std::move(res);
            answer.headers.set("Connection", "close");  // the client may already be sending frames
            co_await c_.writer_.respond(std::move(answer));
            co_return false;
        }
        case takeover::websocket:
            if (!ws_) co_return false;  // the 101 could not be written: no session to wait for
            // The stream's owner is gone: 1011, as for a callback that throws.
            if (handler_threw) ws_->close(ws::close_code::internal_error, "internal error");
            while (!ws_done_) co_await ws_done_list_.wait();
            co_return false;
        case takeover::websocket_after: {
            // Kept in a member, not passed by value to upgrade_after: with GCC 12 that
            // lost the channel (tests/integration/channels.cpp hung in its finish()).
            after_ = {std::move(claim.core), std::move(claim.on_open), claim.api};
            const bool open = co_await upgrade_after(std::move(res));
            co_return open;
        }
        case takeover::http_channel: {
            bool open = false;
            if (handler_threw) {  // the 500 answers the request; the channel never served it
                claim.core->finish(
                    {.code = ws::close_code::internal_error, .reason = "handler threw", .by_server = true});
                open = co_await respond(std::move(res));
            } else {
                channel_ = std::move(claim.core);
                open = co_await serve_channel();
            }
            co_return open;
        }
        case takeover::none: break;
        }
        co_return false;
    }

    /// Once the HTTP session's frames are gone (connection::run): a WebSocket the
    /// handler's 101 announced starts now, with `registration`; after a failure
    /// (`failed`) it never will.
    void finish(registration* registration, bool failed) {
        if (!websocket_after_) return;
        if (failed) {
            after_.core->finish({.code = ws::close_code::abnormal, .reason = "connection failed", .by_server = true});
            return;
        }
        start_websocket(std::move(after_.core), std::move(leftover_), registration, nullptr, after_.api,
                        std::move(after_.on_open));
    }

    /// connection_base's stop, for a WebSocket running beside its handler. False
    /// when there is none.
    bool request_stop() {
        if (ws_) ws_->request_stop();
        return static_cast<bool>(ws_);
    }
    /// connection_base's close: `close_stream` closes the connection's stream
    /// after the WebSocket's and before an HTTP channel waiting for a send wakes
    /// (so it sees the stream closed).
    template <class F>
    void force_close(F close_stream) {
        if (ws_) ws_->force_close();
        close_stream();
        channel_wake_.notify_all();
    }

private:
    // ---- WebSocket ----------------------------------------------------------

    // ws::accept: the 101 now, and the session beside the handler, which goes on
    // running; take_over() waits for the session to end.
    asio::any_io_executor executor() override { return c_.stream_.get_executor(); }

    task<bool> upgrade_now(ws::handshake_result handshake, std::shared_ptr<channel_core> core) override {
        if (!co_await write_101(handshake.to_response())) {
            core->finish({.code = ws::close_code::abnormal, .reason = "handshake write failed", .by_server = false});
            co_return false;
        }
        ws_ = start_websocket(
            std::move(core), take_leftover(), nullptr,
            [this] {
                ws_done_ = true;
                ws_done_list_.notify_all();
            },
            metrics::websocket_api::accept);
        co_return true;
    }

    // as_channel: the handler's answer is the 101, unless middleware answered instead.
    task<bool> upgrade_after(response res) {
        auto& claim = after_;
        if (res.status != 101) {
            // Middleware answered instead (it may refuse an upgrade): no WebSocket.
            claim.core->finish({.code = ws::close_code::abnormal, .reason = "upgrade not sent", .by_server = true});
            const bool open = co_await respond(std::move(res));
            co_return open;
        }
        if (!response_is_valid(response(200, res.headers))) {
            claim.core->finish({.code = ws::close_code::abnormal, .reason = "invalid 101", .by_server = true});
            const bool open = co_await respond(response::text("Internal Server Error", 500));
            co_return open;
        }
        if (!co_await write_101(res)) {
            claim.core->finish(
                {.code = ws::close_code::abnormal, .reason = "handshake write failed", .by_server = false});
            co_return false;
        }
        // finish() starts it once the HTTP session's frames are gone.
        websocket_after_ = true;
        leftover_ = take_leftover();
        co_return false;
    }

    // An ordinary answer instead of the hand-over: whether the connection stays open.
    task<bool> respond(response res) {
        const auto sent = co_await c_.writer_.respond(std::move(res));
        co_return sent == answered::keep_alive;
    }

    task<bool> write_101(const response& res) {
        write_head(c_.out_, res, c_.writer_.context());
        co_return co_await c_.flush();
    }

    // The stream goes to a WebSocket session, with the connection's place in its
    // thread's list when `registration` is given.
    ws_handle start_websocket(std::shared_ptr<channel_core> core, std::string leftover, registration* registration,
                              std::function<void()> on_end, metrics::websocket_api api,
                              std::function<void(channel&)> on_open = {}) {
        auto ws =
            ws_session<Stream>::create(std::move(c_.stream_), c_.config_.ws, c_.config_.write_timeout, std::move(core));
        c_.closed_ = true;  // the stream is the session's now
        if (registration) ws->adopt(std::move(*registration));
        ws->on_end(std::move(on_end));
        ws->counted_as(api);
        ws->start(std::move(leftover), std::move(on_open));
        if (c_.stopping_) ws->request_stop();  // stop() came while the handler was upgrading
        return ws;
    }

    // What the client sent after its handshake belongs to the WebSocket; the
    // HTTP read buffer is given back.
    std::string take_leftover() {
        std::string rest(c_.in_.get() + c_.in_begin_, c_.in_end_ - c_.in_begin_);
        c_.in_begin_ = c_.in_end_ = 0;
        c_.in_.reset();
        c_.parser_.reset();  // no more HTTP on this connection
        std::string().swap(c_.out_);
        return rest;
    }

    // ---- HTTP channel -------------------------------------------------------

    // HTTP-Kit's as-channel on a plain request: its first send is the response, or
    // with close_after = false the head and first chunk of a streamed one; later
    // sends are chunks. All of it through the connection's response writer.
    task<bool> serve_channel() {
        auto core = channel_;  // the frame's own reference: wake() may come while channel_ is reset
        // Answers to earlier pipelined requests must not wait for this one.
        if (!co_await c_.flush()) {
            core->finish({.code = ws::close_code::abnormal, .reason = "client gone", .by_server = false});
            co_return false;
        }
        core->attach(this);
        const open_http_channel counted(c_.config_.metrics);
        const bool head_only = c_.req_.request_method == method::head;
        std::optional<head_info> head;  // once the head is out
        bool keep_alive = true, finished = false;
        std::uint16_t end_code = ws::close_code::normal;
        std::vector<out_item> items;
        // Taken items that will not be written: their bytes leave the count, their completions fail.
        auto refuse = [&](std::size_t from, ws::error why) {
            for (std::size_t j = from; j < items.size(); ++j) {
                core->written(items[j].size());
                core->complete(items[j], why);
            }
        };
        while (!finished) {
            items.clear();
            core->take(items);
            if (!head && std::any_of(items.begin(), items.end(), failed_end)) {
                // A callback threw before anything was sent: a 500, whatever it queued first.
                refuse(0, ws::error::closed);
                keep_alive = false;
                auto failed = response::text("Internal Server Error", 500);
                failed.headers.set("Connection", "close");
                co_await c_.writer_.respond(std::move(failed));
                end_code = ws::close_code::internal_error;
                break;
            }
            for (std::size_t i = 0; i < items.size() && !finished; ++i) {
                auto& item = items[i];
                const bool ends = item.what == out_item::kind::http_end;
                const bool last =
                    ends || head_only || (i + 1 < items.size() && items[i + 1].what == out_item::kind::http_end);
                bool ok = true;
                if (!head) {
                    response res = item.head ? std::move(*item.head) : response(200);
                    if (!item.head && !ends) res.body = std::move(item.data);
                    if (last) {  // the whole answer at once: an ordinary response
                        auto sent = co_await c_.writer_.respond(std::move(res));
                        ok = sent != answered::failed;  // an answer that ends the connection is no failure
                        keep_alive = sent == answered::keep_alive;
                        finished = true;
                    } else if (!c_.writer_.make_sendable(res, "channel sent an invalid response")) {
                        co_await c_.writer_.respond(std::move(res));
                        ok = false;  // the channel's later sends have no response to join
                    } else {
                        // A streamed response: its first send is the first chunk.
                        std::string first(res.body_string());
                        res.body = stream_body{};
                        head = c_.writer_.start_response(res);
                        ok = co_await c_.writer_.write_body(*head, first);
                    }
                } else if (failed_end(item)) {
                    // After the head the only honest signal is a body cut short.
                    keep_alive = false;
                    finished = true;
                    end_code = ws::close_code::internal_error;
                } else if (ends) {
                    c_.writer_.end_response(*head);
                    ok = co_await c_.flush();
                    keep_alive = c_.writer_.stays_open(*head);
                    finished = true;
                } else {
                    // Not ?: inside the co_await: GCC 12 destroys such temporaries twice.
                    std::string_view bytes = item.data;
                    if (item.head) bytes = item.head->body_string();
                    ok = co_await c_.writer_.write_body(*head, bytes);
                }
                if (!ok) {
                    refuse(i, ws::error::connection_lost);
                    core->finish({.code = ws::close_code::abnormal, .reason = "client gone", .by_server = false});
                    channel_.reset();
                    co_return false;
                }
                core->written(item.size());
                core->complete(item, {});
                if (finished) refuse(i + 1, ws::error::closed);  // sent after the response's end
            }
            if (finished) break;
            if (!co_await wait_channel()) {
                core->finish({.code = ws::close_code::abnormal, .reason = "client gone", .by_server = false});
                channel_.reset();
                co_return false;
            }
        }
        core->finish({.code = end_code, .reason = {}, .by_server = true});
        channel_.reset();
        client_sent_more_ = false;
        co_return keep_alive;
    }

    // An HTTP channel serving its request, in the server's metrics while it lives.
    class open_http_channel {
    public:
        explicit open_http_channel(const metrics::server_metrics* m) : m_(m ? &m->channels() : nullptr) {
            if (m_) m_->http_channel_opened();
        }
        open_http_channel(const open_http_channel&) = delete;
        open_http_channel& operator=(const open_http_channel&) = delete;
        ~open_http_channel() {
            if (m_) m_->http_channel_closed();
        }

    private:
        const metrics::channel_metrics* m_;
    };

    // The end an HTTP channel gets when one of its callbacks threw (channel.hpp).
    static bool failed_end(const out_item& item) noexcept {
        return item.what == out_item::kind::http_end && item.close_code == ws::close_code::internal_error;
    }

    // Waits for the channel's next send, or for the client to leave. False: gone.
    task<bool> wait_channel() {
        if (c_.closed_) co_return false;
        if (std::exchange(channel_woken_, false)) co_return true;  // a send came while we were writing
        if constexpr (owner::can_peek && requires { c_.stream_.async_wait(Stream::wait_read, use_tuple); }) {
            if (!client_sent_more_) {
                watching_ = true;
                auto [ec] = co_await c_.stream_.async_wait(Stream::wait_read, use_tuple);
                watching_ = false;
                if (c_.closed_) co_return false;
                if (!ec) {
                    // Readable: the client left, or pipelined its next request.
                    std::error_code peek_error;
                    if (c_.peek(peek_error) > 0) client_sent_more_ = true;  // it waits until this answer is done
                    else if (peek_error != asio::error::would_block) co_return false;
                }
                co_return true;
            }
        }
        co_await channel_wake_.wait();
        co_return !c_.closed_;
    }

    // A send on the HTTP channel: stop waiting for the socket. Outside
    // wait_channel (a write of earlier items is waiting) the flag keeps it.
    void wake() override {
        if (watching_) return c_.cancel_stream();
        channel_woken_ = true;
        channel_wake_.notify_all();
    }

    owner& c_;
    std::shared_ptr<upgrade_context> context_;
    // ws::accept's session, which the handler's coroutine talks to.
    ws_handle ws_;
    wait_list ws_done_list_;  // take_over() waiting for it to end
    // as_channel's WebSocket, started by finish().
    struct {
        std::shared_ptr<channel_core> core;
        std::function<void(channel&)> on_open;
        metrics::websocket_api api = metrics::websocket_api::channel;
    } after_;
    std::string leftover_;  // what the client sent after its handshake
    // The HTTP channel being served.
    std::shared_ptr<channel_core> channel_;
    wait_list channel_wake_;
    // Together, not each beside its part: no padding in every connection.
    bool ws_done_ = false;          // ws_ has ended
    bool websocket_after_ = false;  // as_channel's WebSocket waits for finish()
    bool watching_ = false, client_sent_more_ = false, channel_woken_ = false;
};

}  // namespace detail
}  // namespace ringkit
