// HTTP-Kit's channel: a handle on a connection that a handler keeps open and
// pushes to, a WebSocket or a plain HTTP response sent later (long polling,
// streaming). The handle is a shared pointer to the channel's state; copy it
// anywhere, send from any thread.
//
// Promises:
// - Sends are queued in order and written by the connection's own thread; a
//   send from another thread is posted there. The queue is bounded by bytes
//   (config::high_water): past it, send() is refused at once (send_status::
//   backpressured) and co_await-style sends wait. A closed channel refuses
//   every send (closed).
// - on_close fires exactly once, on the connection's thread, even when it is
//   registered after the channel closed (then at registration, on the caller's thread).
// - Callbacks run on the connection's thread; a callback that blocks stalls
//   every connection of that thread (hand blocking work to ringkit::blocking).
// - An exception escaping a callback the connection's thread runs (on_open,
//   on_receive, on_ping, on_pong, on_error, on_close, a send's completion) stops
//   there: the server's logger gets it with the callback's name, never the
//   client, and the channel closes with 1011 (WebSocket; on_close then runs as
//   usual, status 1011 by the server) or, on an HTTP channel, with a 500 when
//   nothing was sent yet, else by closing the connection. One from on_close is
//   logged. A callback run on the caller's own thread throws to that caller:
//   on_close registered after the close, on_error for a send refused there.
// - A callback may replace any callback, its own included, while it runs: the
//   running one lives until it returns, and the new one gets the next event.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <forward_list>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/exception.hpp"
#include "ringkit/core/logger.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/core/wait_list.hpp"
#include "ringkit/channel/out_item.hpp"
#include "ringkit/channel/status.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/metrics/channel_metrics.hpp"
#include "ringkit/ws/close.hpp"
#include "ringkit/ws/deflate_options.hpp"
#include "ringkit/ws/error.hpp"
#include "ringkit/ws/message.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>

namespace ringkit {

class channel;

namespace detail {

/// The connection side of a channel, called on the connection's thread.
class channel_transport {
public:
    /// Items were queued, or a close was asked for.
    virtual void wake() = 0;
    /// receive() took messages from a full inbox: reading may go on.
    virtual void resume_reading() {}

protected:
    ~channel_transport() = default;
};

class channel_core : public std::enable_shared_from_this<channel_core> {
public:
    struct callbacks {
        std::function<void(channel&, ws::message&&)> on_receive{};
        std::function<void(channel&, std::string_view)> on_ping{};
        std::function<void(channel&, std::string_view)> on_pong{};
        std::function<void(channel&, std::error_code)> on_error{};
        std::function<void(channel&, const close_status&)> on_close{};
    };

    channel_core(asio::any_io_executor ex, bool websocket, std::size_t high_water, const ringkit::logger* log = nullptr)
        : executor_(std::move(ex)), log_(log), high_water_(high_water), websocket_(websocket) {}

    const asio::any_io_executor& executor() const noexcept { return executor_; }
    bool websocket() const noexcept { return websocket_; }
    bool is_open() const noexcept { return state_.load(std::memory_order_acquire) == state::open; }
    bool is_closed() const noexcept { return state_.load(std::memory_order_acquire) == state::closed; }
    std::size_t buffered() const noexcept { return buffered_.load(std::memory_order_relaxed); }
    std::size_t high_water() const noexcept { return high_water_; }

    // ---- any thread -------------------------------------------------------

    /// Queues `item` (and a close after it when `close_after`). `force` ignores
    /// the high-water mark: control frames, and sends that already waited for room.
    send_status push(out_item item, bool close_after = false, bool force = false) {
        std::function<void(std::error_code)> refused;
        send_status result = send_status::queued;
        channel_transport* to_wake = nullptr;
        {
            std::lock_guard lock(mutex_);
            if (state_.load(std::memory_order_relaxed) != state::open) {
                result = send_status::closed;
                refused = std::move(item.done);
            } else if (!force && buffered_.load(std::memory_order_relaxed) >= high_water_) {
                result = send_status::backpressured;
                refused = std::move(item.done);
                if (counts) counts->backpressured.inc();
            } else {
                add_buffered_locked(item.size());
                queue_.push_back(std::move(item));
                queued_.store(true, std::memory_order_relaxed);
                if (close_after) queue_close_locked(ws::close_code::normal, {});
                to_wake = claim_wake_locked();
            }
        }
        if (refused) refused(result.error());
        if (to_wake) wake(to_wake);
        return result;
    }

    /// Starts our side of the close. False when already closing or closed.
    bool close(std::uint16_t code, std::string_view reason) {
        channel_transport* to_wake = nullptr;
        {
            std::lock_guard lock(mutex_);
            if (state_.load(std::memory_order_relaxed) != state::open) return false;
            queue_close_locked(code, reason);
            to_wake = claim_wake_locked();
        }
        if (to_wake) wake(to_wake);
        return true;
    }

    /// Waits until the queue is below its high-water mark or the channel is no longer open.
    task<void> wait_for_room() {
        co_await asio::async_initiate<const asio::use_awaitable_t<>, void()>(
            [this](auto handler) {
                std::unique_lock lock(mutex_);
                if (state_.load(std::memory_order_relaxed) != state::open ||
                    buffered_.load(std::memory_order_relaxed) < high_water_) {
                    lock.unlock();
                    auto ex = asio::get_associated_executor(handler);
                    asio::post(ex, std::move(handler));
                } else {
                    room_waiters_.add(std::move(handler));
                }
            },
            asio::use_awaitable);
    }

    void set_on_receive(std::function<void(channel&, ws::message&&)> f) { set(&callbacks::on_receive, std::move(f)); }
    void set_on_ping(std::function<void(channel&, std::string_view)> f) { set(&callbacks::on_ping, std::move(f)); }
    void set_on_pong(std::function<void(channel&, std::string_view)> f) { set(&callbacks::on_pong, std::move(f)); }
    void set_on_error(std::function<void(channel&, std::error_code)> f) { set(&callbacks::on_error, std::move(f)); }
    inline void set_on_close(std::function<void(channel&, const close_status&)> f);

    /// The close status once closed.
    std::optional<close_status> status() const {
        std::lock_guard lock(mutex_);
        if (state_.load(std::memory_order_relaxed) != state::closed) return std::nullopt;
        return status_;
    }

    /// The negotiated subprotocol; fixed before the channel is handed out.
    std::string protocol;
    /// The permessage-deflate agreed with the client (and the server's options),
    /// fixed before the channel is handed out: a broadcast compresses a message
    /// once for all channels that agreed the same parameters without context
    /// takeover (channel_set.hpp).
    struct compression {
        ws::deflate_params params;
        const ws::deflate_options* options;
    };
    std::optional<compression> deflate;
    /// The server's WebSocket metrics (null: none, as for the WebSocket client),
    /// fixed before anything is queued: the bytes this channel buffers and the
    /// sends it refuses as backpressured count there; the session counts the rest.
    const metrics::websocket_counts* counts = nullptr;
    /// Runs as_channel's on_open (the connection calls it once the 101 is out, or
    /// at once for an HTTP channel). It is kept by whoever waits for that moment,
    /// not here: a channel is never opened twice.
    inline void opened(std::function<void(channel&)> on_open);

    // ---- the connection's thread ------------------------------------------

    /// The connection starts serving the channel; anything queued so far is sent.
    void attach(channel_transport* t) {
        {
            std::lock_guard lock(mutex_);
            transport_ = t;
        }
        t->wake();
    }

    /// False when nothing is queued, as far as the connection's thread can know
    /// without the lock: an item queued from another thread since then comes
    /// with a wake. A writer asks this first, so that writing a batch costs one
    /// lock, not two.
    bool maybe_queued() const noexcept { return queued_.load(std::memory_order_relaxed); }

    /// Moves every queued item into `into`; false when there were none.
    bool take(std::vector<out_item>& into) {
        std::lock_guard lock(mutex_);
        wake_posted_ = false;
        if (queue_.empty()) return false;
        queued_.store(false, std::memory_order_relaxed);
        if (into.empty()) {
            into.swap(queue_);
        } else {
            for (auto& item : queue_) into.push_back(std::move(item));
            queue_.clear();
        }
        return true;
    }

    /// `bytes` of queued items were written: room may have opened for waiters.
    void written(std::size_t bytes) {
        auto before = buffered_.fetch_sub(bytes, std::memory_order_relaxed);
        // Once closed, finish() has taken the rest out of the gauge (and written() runs on
        // the thread that finishes, so this sees it).
        if (counts && !is_closed()) counts->buffered.add(-static_cast<std::int64_t>(bytes));
        if (before >= high_water_ && before - bytes < high_water_) {
            std::lock_guard lock(mutex_);
            room_waiters_.notify_all();
        }
    }

    /// A message for the handler: to on_receive, or to the inbox receive() reads.
    inline void deliver(ws::message&& m);
    /// Whether the reader should stop reading until receive() takes from the inbox:
    /// past inbox_limit bytes of messages nobody has received yet. Below it the
    /// reader goes on, so pings are answered while a handler is busy elsewhere.
    bool inbox_full() const noexcept { return inbox_ && !callbacks_.on_receive && inbox_->bytes >= inbox_limit; }
    /// Messages without an on_receive wait for receive() (ws::stream); otherwise
    /// (a send-only as_channel) they are dropped, as HTTP-Kit does.
    void use_inbox() { inbox_ = std::make_unique<inbox>(); }
    static constexpr std::size_t inbox_limit = 64UL * 1024;
    /// The next message; nullopt once the channel is closed. Owning thread only.
    inline task<std::optional<ws::message>> receive();

    inline void ping_received(std::string_view data);
    inline void pong_received(std::string_view data);
    inline void report_error(std::error_code ec);

    /// The channel is closed for good: unsent items are dropped (their completions
    /// get an error), waiters wake, and on_close runs once.
    inline void finish(close_status st);

    /// Runs a queued item's completion, if it has one (ec: why it was not written).
    void complete(out_item& item, std::error_code ec) {
        if (item.done) run_callback("send completion", item.done, ec);
    }

    /// Called by the transport on its last act (the channel no longer reaches a connection).
    void detach() {
        std::lock_guard lock(mutex_);
        transport_ = nullptr;
    }

private:
    enum class state : std::uint8_t { open, closing, closed };

    // Every user callback runs through here: the one place an exception from
    // one is caught. A try block costs nothing until something throws.
    template <class F, class... Args>
    void run_callback(std::string_view which, F& f, Args&&... args) {
        try {
            f(std::forward<Args>(args)...);
        } catch (...) {
            // On the caller's own thread (a send refused there) the stack is theirs.
            if (!running_in(executor_)) throw;
            callback_threw(which, std::current_exception());
        }
    }

    // Runs the function in `slot` where it is stored (no copy per message).
    // The function may replace its own slot (`ch.on_receive(g)` inside
    // on_receive) or get the channel finished while it runs: set_here() and
    // finish() then retire what they replace, and it is destroyed here, once the
    // outermost callback has returned. Connection's thread only.
    template <class F, class... Args>
    void run_slot(std::string_view which, F callbacks::*slot, Args&&... args);

    // Keeps `old` alive until the running callbacks return (see run_slot); under the lock.
    void retire_locked(callbacks&& old) {
        if (running_in(executor_) && running_ > 0) retired_.push_front(std::move(old));
    }

    // The client gets 1011 (or a 500) and never the exception's text, which
    // goes to the logger: as a handler's exception does.
    void callback_threw(std::string_view which, const std::exception_ptr& error) {
        std::string message = websocket_ ? "WebSocket " : "HTTP channel ";
        message.append(which).append(" threw");
        if (close(ws::close_code::internal_error, "internal error"))
            message.append(websocket_ ? "; closing with 1011" : "; closing (500 if nothing was sent)");
        if (log_) log_->log(message, error);
        else ringkit::logger().log(message, error);  // outside a server: stderr
    }

    void queue_close_locked(std::uint16_t code, std::string_view reason) {
        state_.store(state::closing, std::memory_order_release);
        out_item c;
        c.what = websocket_ ? out_item::kind::close : out_item::kind::http_end;
        c.close_code = code;
        if (websocket_ && code != ws::close_code::no_status) ws::append_close_payload(c.data, code, reason);
        add_buffered_locked(c.size());  // the writer subtracts what it writes
        queue_.push_back(std::move(c));
        queued_.store(true, std::memory_order_relaxed);
    }

    // The gauge follows buffered_: what is added here, written() and finish() take away.
    void add_buffered_locked(std::size_t bytes) {
        buffered_.fetch_add(bytes, std::memory_order_relaxed);
        if (counts) counts->buffered.add(static_cast<std::int64_t>(bytes));
    }

    // After queueing, under the lock: the transport to wake, unless a wake is
    // already on its way (or no connection serves the channel yet).
    channel_transport* claim_wake_locked() {
        if (wake_posted_ || !transport_) return nullptr;
        wake_posted_ = true;
        return transport_;
    }
    // Gets the queue written: now on the connection's own thread (where `t`
    // cannot have gone since the lock), else posted there.
    void wake(channel_transport* t) {
        if (running_in(executor_)) {
            t->wake();
        } else {
            asio::post(executor_, [self = shared_from_this()] { self->wake_now(); });
        }
    }
    void wake_now() {
        if (auto* t = transport()) t->wake();
    }
    channel_transport* transport() {
        std::lock_guard lock(mutex_);
        return transport_;
    }

    // The connection's thread reads callbacks without a lock, so they are only
    // ever written there (a registration from elsewhere is posted), and under
    // the lock, for report_error() on another thread.
    template <class F>
    void set(F callbacks::*slot, F f) {
        if (is_closed()) return;  // its thread (and executor) may be gone
        if (running_in(executor_)) return set_here(slot, std::move(f));
        asio::post(executor_, [self = shared_from_this(), slot, f = std::move(f)]() mutable {
            self->set_here(slot, std::move(f));
        });
    }
    template <class F>
    void set_here(F callbacks::*slot, F f) {
        std::lock_guard lock(mutex_);
        if (state_.load(std::memory_order_relaxed) == state::closed) return;
        if (running_ > 0) {
            callbacks old;
            old.*slot = std::move(callbacks_.*slot);
            retire_locked(std::move(old));
        }
        callbacks_.*slot = std::move(f);
    }

    asio::any_io_executor executor_;
    const ringkit::logger* log_;  // the server's: it outlives every callback a connection runs
    const std::size_t high_water_;
    std::atomic<std::size_t> buffered_{0};
    mutable std::mutex mutex_;
    std::vector<out_item> queue_;
    channel_transport* transport_ = nullptr;
    callbacks callbacks_;
    // What a running callback replaced (see run_slot); the connection's thread only.
    std::forward_list<callbacks> retired_;
    close_status status_;
    wait_list room_waiters_;  // coroutines in wait_for_room(), any thread; under mutex_
    // The owning thread's side: no lock.
    struct inbox {
        std::vector<ws::message> messages;
        std::size_t bytes = 0;
        wait_list ready;  // receive() waiting for a message
    };
    std::unique_ptr<inbox> inbox_;  // ws::stream's only: a callback channel does without
    // The small members last, together: one word, not four, in every channel.
    std::uint16_t running_ = 0;  // callbacks on the stack (see run_slot): a few at most
    const bool websocket_;
    std::atomic<state> state_{state::open};
    bool wake_posted_ = false;  // under mutex_
    // Whether queue_ has items: written under mutex_, read without it (maybe_queued).
    std::atomic<bool> queued_{false};

public:
    /// Pings are answered by the server (false: the Ring listener's on_ping must pong).
    /// This and ring_names: set before the channel opens, read on its thread.
    bool auto_pong : 1 = true;
    /// The Ring listener's: its on_message is on_receive here; logs use its name.
    bool ring_names : 1 = false;
};

}  // namespace detail

/// The handle on a channel (HTTP-Kit's `ch`). Cheap to copy; all copies are the
/// same channel. An empty handle acts as a closed channel.
class channel {
public:
    channel() = default;
    explicit channel(std::shared_ptr<detail::channel_core> core) : core_(std::move(core)) {}

    bool is_open() const noexcept { return core_ && core_->is_open(); }
    bool is_websocket() const noexcept { return core_ && core_->websocket(); }
    /// Bytes queued but not yet handed to the socket.
    std::size_t buffered_amount() const noexcept { return core_ ? core_->buffered() : 0; }
    /// The WebSocket subprotocol agreed in the handshake ("" if none).
    const std::string& protocol() const noexcept {
        static const std::string none;
        return core_ ? core_->protocol : none;
    }
    /// How it closed, once it has.
    std::optional<close_status> status() const { return core_ ? core_->status() : close_status{}; }

    /// HTTP-Kit's send!: WebSocket: `data` as one text frame; HTTP: the body of a
    /// 200 response (first send) or the next chunk. `close_after` defaults to true
    /// for HTTP (the response is complete) and false for WebSocket. Never waits:
    /// past the high-water mark the send is refused (`backpressured`), and a
    /// closed channel refuses every send (`closed`).
    send_status send(std::string data, std::optional<bool> close_after = std::nullopt) const {
        return send(ws::text(std::move(data)), close_after);
    }
    /// A text or binary WebSocket message (on an HTTP channel its bytes are body
    /// bytes). `done` runs once the bytes are handed to the socket, or with why
    /// they never will be (ws::error::closed, backpressured, connection_lost): on
    /// the connection's thread, or on the caller's when the send is refused at once.
    send_status send(ws::message m, std::optional<bool> close_after = std::nullopt,
                     std::function<void(std::error_code)> done = {}) const {
        if (!core_) return send_status::closed;
        detail::out_item item;
        item.data = std::move(m.data);
        item.done = std::move(done);
        if (core_->websocket()) item.what = m.is_text() ? detail::out_item::kind::text : detail::out_item::kind::binary;
        else item.what = detail::out_item::kind::http_body;
        return core_->push(std::move(item), close_after.value_or(!core_->websocket()));
    }
    /// HTTP: the whole response as the first send (status, headers, body); later
    /// sends are chunks. WebSocket: the response's body as a text message.
    send_status send(response r, std::optional<bool> close_after = std::nullopt) const {
        if (!core_) return send_status::closed;
        detail::out_item item;
        if (core_->websocket()) {
            item.data = std::string(r.body_string());
        } else {
            item.what = detail::out_item::kind::http_head;
            item.head = std::make_unique<response>(std::move(r));
        }
        return core_->push(std::move(item), close_after.value_or(!core_->websocket()));
    }

    /// Closes from our side: a close frame (WebSocket) or the end of the response
    /// (HTTP; with 1011, internal error, the response fails: a 500 if nothing was
    /// sent, else the connection closes with the body cut short). False when the
    /// channel was already closing or closed. The default, the same in the three
    /// APIs, is 1000 with no reason (as HTTP-Kit and a browser's close()).
    bool close(std::uint16_t code = ws::close_code::normal, std::string_view reason = {}) const {
        return core_ && core_->close(code, reason);
    }
    /// Control frames skip the high-water mark: `queued`, or `closed`. A payload
    /// over 125 bytes (RFC 6455's limit) or an HTTP channel: std::invalid_argument.
    send_status ping(std::string data = {}) const { return control(detail::out_item::kind::ping, std::move(data)); }
    send_status pong(std::string data = {}) const { return control(detail::out_item::kind::pong, std::move(data)); }

    /// Callbacks (HTTP-Kit's on-receive, on-ping, on-close; plus on_pong and
    /// on_error for the Ring listener). Each replaces the one set before.
    void on_receive(std::function<void(channel&, ws::message&&)> f) const {
        if (core_) core_->set_on_receive(std::move(f));
    }
    void on_ping(std::function<void(channel&, std::string_view)> f) const {
        if (core_) core_->set_on_ping(std::move(f));
    }
    void on_pong(std::function<void(channel&, std::string_view)> f) const {
        if (core_) core_->set_on_pong(std::move(f));
    }
    void on_error(std::function<void(channel&, std::error_code)> f) const {
        if (core_) core_->set_on_error(std::move(f));
    }
    void on_close(std::function<void(channel&, const close_status&)> f) const {
        if (core_) core_->set_on_close(std::move(f));
    }

    /// The executor of the connection's thread (callbacks run there).
    asio::any_io_executor get_executor() const { return core_ ? core_->executor() : asio::any_io_executor(); }

    explicit operator bool() const noexcept { return core_ != nullptr; }
    friend bool operator==(const channel& a, const channel& b) noexcept { return a.core_ == b.core_; }
    const std::shared_ptr<detail::channel_core>& core() const noexcept { return core_; }

private:
    send_status control(detail::out_item::kind k, std::string data) const {
        if (!core_) return send_status::closed;
        if (!core_->websocket()) throw std::invalid_argument("ringkit: ping or pong on an HTTP channel");
        if (data.size() > 125) throw std::invalid_argument("ringkit: a ping or pong carries at most 125 bytes");
        detail::out_item item;
        item.what = k;
        item.data = std::move(data);
        return core_->push(std::move(item), false, true);
    }

    std::shared_ptr<detail::channel_core> core_;
};

namespace detail {

// Defined here, where channel is complete.
template <class F, class... Args>
void channel_core::run_slot(std::string_view which, F callbacks::*slot, Args&&... args) {
    if (!(callbacks_.*slot)) return;
    channel ch(shared_from_this());  // `this` outlives the retired functions' captures
    struct depth_guard {
        channel_core& core;
        explicit depth_guard(channel_core& c) noexcept : core(c) {}
        depth_guard(const depth_guard&) = delete;
        depth_guard& operator=(const depth_guard&) = delete;
        depth_guard(depth_guard&&) = delete;
        depth_guard& operator=(depth_guard&&) = delete;
        ~depth_guard() {
            if (--core.running_ == 0) core.retired_.clear();
        }
    } guard(*this);
    ++running_;
    run_callback(which, callbacks_.*slot, ch, std::forward<Args>(args)...);
}

inline void channel_core::set_on_close(std::function<void(channel&, const close_status&)> f) {
    std::unique_lock lock(mutex_);
    if (state_.load(std::memory_order_relaxed) != state::closed) {
        callbacks_.on_close = std::move(f);
        return;
    }
    auto st = status_;
    lock.unlock();
    if (f) {
        // Here, on the caller's thread, and not through run_callback: what it
        // throws is the caller's, like any call it makes.
        channel ch(shared_from_this());
        f(ch, st);
    }
}

inline void channel_core::opened(std::function<void(channel&)> on_open) {
    if (on_open) {
        channel ch(shared_from_this());
        run_callback("on_open", on_open, ch);
    }
}

inline void channel_core::deliver(ws::message&& m) {
    if (callbacks_.on_receive)
        return run_slot(ring_names ? "on_message" : "on_receive", &callbacks::on_receive, std::move(m));
    if (!inbox_) return;
    inbox_->bytes += m.data.size() + 1;  // + 1: empty messages count too
    inbox_->messages.push_back(std::move(m));
    // The receiver runs now, on this stack: an echo goes out before the reader
    // reads on, and a message's memory is freed as soon as the handler is done.
    inbox_->ready.dispatch_all();
}

inline task<std::optional<ws::message>> channel_core::receive() {
    if (!running_in(executor_))
        throw std::logic_error("ringkit: receive() must be called on the channel's connection thread");
    if (!inbox_) throw std::logic_error("ringkit: receive() on a channel without an inbox (it has on_receive)");
    auto& in = *inbox_;
    while (in.messages.empty()) {
        if (is_closed()) co_return std::nullopt;
        co_await in.ready.wait();
    }
    auto m = std::move(in.messages.front());
    in.messages.erase(in.messages.begin());
    const bool was_full = inbox_full();
    in.bytes -= m.data.size() + 1;
    if (in.messages.empty() && in.messages.capacity() > 4) in.messages.shrink_to_fit();  // bounded leftovers when idle
    if (was_full && !inbox_full()) {
        // Posted: the reader must not run inside the receiver's call.
        asio::post(executor_, [self = shared_from_this()] {
            if (auto* t = self->transport()) t->resume_reading();
        });
    }
    co_return m;
}

inline void channel_core::ping_received(std::string_view data) { run_slot("on_ping", &callbacks::on_ping, data); }

inline void channel_core::pong_received(std::string_view data) { run_slot("on_pong", &callbacks::on_pong, data); }

inline void channel_core::report_error(std::error_code ec) {
    if (running_in(executor_)) return run_slot("on_error", &callbacks::on_error, ec);
    // A send refused on another thread, while the connection's thread may be
    // replacing or clearing the callbacks: a copy, taken under the lock.
    std::function<void(channel&, std::error_code)> on_error;
    {
        std::lock_guard lock(mutex_);
        on_error = callbacks_.on_error;
    }
    if (on_error) {
        channel ch(shared_from_this());
        run_callback("on_error", on_error, ch, ec);
    }
}

inline void channel_core::finish(close_status st) {
    std::vector<out_item> dropped;
    std::function<void(channel&, const close_status&)> on_close;
    {
        std::lock_guard lock(mutex_);
        if (state_.load(std::memory_order_relaxed) == state::closed) return;
        st.websocket = websocket_;
        status_ = st;
        state_.store(state::closed, std::memory_order_release);
        dropped.swap(queue_);
        const auto left = buffered_.exchange(0, std::memory_order_relaxed);
        if (counts) counts->buffered.add(-static_cast<std::int64_t>(left));
        on_close = std::move(callbacks_.on_close);
        // Callbacks often capture the channel: break the cycle (one may be running).
        retire_locked(std::move(callbacks_));
        callbacks_ = {};
        transport_ = nullptr;
        room_waiters_.notify_all();
    }
    if (inbox_) inbox_->ready.notify_all();
    for (auto& item : dropped) complete(item, ws::error::closed);
    if (on_close) {
        channel ch(shared_from_this());
        run_callback("on_close", on_close, ch, std::as_const(st));
    }
}

}  // namespace detail
}  // namespace ringkit
