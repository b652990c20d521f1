// One WebSocket connection after its 101, for either end: the engine that the
// server's hand-over (server/handover.hpp) and the client's ws::connect
// (client/ws_connect.hpp) both start. The glue of a socket, a timer and a
// lifetime around the socket-free parts of RFC 6455, between the socket and a
// channel; it knows nothing of servers beyond answering stop() (connection_base).
//
//   socket ─▶ message_reader (ws/message_reader.hpp) ─▶ events ─▶ channel
//   channel queue ─▶ frame_writer (ws/frame_writer.hpp) ─▶ gather write ─▶ socket
//   close_machine (ws/close_state.hpp): how far the closing is; deadlines (ws/deadlines.hpp)
//
// No coroutine: the session is an object driven by completion handlers, so an
// idle WebSocket costs its own state, one pending readiness wait and one timer
// wait, and no coroutine frames. It owns the socket: a callback-style WebSocket
// (as_channel, the Ring listener) outlives the HTTP connection that upgraded.
//
// Every entry point (a completion, a wake from the channel, a stop) runs inside
// run(): it does its own small job and then pump(), the one place that reads,
// writes and ends, in that order, until the socket has nothing more for it. A
// user callback that sends or closes while pump() delivers a message only
// queues: the pump around it writes the queue when the read is done, as one
// gather write with whatever else is queued (uWebSockets' cork).
//
// Reading: the socket is read only when readable, into one buffer per thread (a
// busy connection: into a small buffer of its own, see pad_). Writing: a
// non-blocking gather write at once; only when the socket pushes back does an
// asynchronous write finish the job. The session is reference-counted
// (`handle`): its owner, each pending operation and its own run hold one.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/channel/channel.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/connection_list.hpp"
#include "ringkit/metrics/channel_metrics.hpp"
#include "ringkit/ws/close.hpp"
#include "ringkit/ws/close_state.hpp"
#include "ringkit/ws/config.hpp"
#include "ringkit/ws/deadlines.hpp"
#include "ringkit/ws/frame_writer.hpp"
#include "ringkit/ws/message_reader.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/basic_waitable_timer.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/socket_base.hpp>
#include <asio/wait_traits.hpp>

namespace ringkit::detail {

/// `Stream`: a TCP socket or a tls_stream (tls/stream.hpp), or the tests'
/// scripted stream. `Clock`: the session's time; tests pass a clock they step by
/// hand. `Role`: the server's session, or the WebSocket client's, which masks
/// what it writes and refuses masked frames; chosen at compile time, so the
/// server's has no code of the client's.
template <class Stream, class Clock = std::chrono::steady_clock, ws::role Role = ws::role::server>
class ws_session final : public connection_base, public channel_transport {
    using clock = Clock;
    using time_point = typename Clock::time_point;
    using timer_type = asio::basic_waitable_timer<clock, asio::wait_traits<clock>, typename Stream::executor_type>;
    using item = out_item;

public:
    /// A counted reference to a session (single-threaded: the session's own thread).
    class handle {
    public:
        handle() = default;
        explicit handle(ws_session* s) noexcept : s_(s) {
            if (s_) ++s_->refs_;
        }
        handle(const handle& o) noexcept : handle(o.s_) {}
        handle(handle&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
        handle& operator=(const handle& o) noexcept {
            handle copy(o);
            std::swap(s_, copy.s_);
            return *this;
        }
        handle& operator=(handle&& o) noexcept {
            handle taken(std::move(o));
            std::swap(s_, taken.s_);
            return *this;
        }
        ~handle() {
            if (s_ && --s_->refs_ == 0) delete s_;
        }
        ws_session* operator->() const noexcept { return s_; }
        explicit operator bool() const noexcept { return s_ != nullptr; }

    private:
        ws_session* s_ = nullptr;
    };

    /// The permessage-deflate agreed, if any, is the channel's (channel_core::deflate,
    /// as this end uses it: a client's swapped, ws::swap_sides). `config` outlives the session.
    static handle create(Stream stream, const ws::config& config, std::chrono::milliseconds write_timeout,
                         std::shared_ptr<channel_core> core) {
        return handle(new ws_session(std::move(stream), config, write_timeout, std::move(core)));
    }

    ws_session(const ws_session&) = delete;
    ws_session& operator=(const ws_session&) = delete;

    /// Takes the upgrading connection's place in its thread's list and count.
    void adopt(registration r) noexcept {
        registration_ = std::move(r);
        registration_.move_to(*this);
    }

    /// Called once the session has ended (the HTTP connection of a ws::accept waits for it).
    void on_end(std::function<void()> f) { on_end_ = std::move(f); }

    /// Which API took the WebSocket over, for the server's metrics (before start()).
    void counted_as(metrics::websocket_api api) noexcept { api_ = api; }

    /// Serves the WebSocket (`leftover`: sent after the handshake; `on_open`: as_channel's).
    void start(std::string leftover, std::function<void(channel&)> on_open = {}) {
        self_ = handle(this);                                                         // released when the session ends
        if (const auto* c = counts()) c->open[static_cast<std::size_t>(api_)].inc();  // finish() takes it back
        pending_ = std::move(leftover);
        run([&] {
            core_->attach(this);
            core_->opened(std::move(on_open));
        });
    }

    /// Server stop: a close frame with 1001, then the usual handshake.
    void request_stop() override { close(ws::close_code::going_away, "server shutting down"); }

    /// Starts our side of the close handshake (nothing if it has begun).
    void close(std::uint16_t code, std::string_view reason) {
        run([&] { core_->close(code, reason); });
    }

    /// Server stop, when the peer did not finish the handshake in time.
    void force_close() override {
        run([&] { abort("server stopped", ws::close_cause::stopped); });
    }

    /// The channel has items, or a close: pump() writes them.
    void wake() override {
        run([] {});
    }

    /// receive() made room in a full inbox: read on.
    void resume_reading() override {
        run([&] { unpause(); });
    }

private:
    ws_session(Stream stream, const ws::config& config, std::chrono::milliseconds write_timeout,
               std::shared_ptr<channel_core> core)
        : stream_(std::move(stream)), timer_(stream_.get_executor()), core_(std::move(core)),
          reader_(config.max_message, agreed(*core_), Role == ws::role::server),
          writer_(config.deflate, agreed(*core_)), deadlines_(config, write_timeout, clock::now()) {}
    static std::optional<ws::deflate_params> agreed(const channel_core& core) {
        return core.deflate ? std::optional(core.deflate->params) : std::nullopt;
    }
    ~ws_session() { core_->detach(); }

    // The server's metrics, if it has them (the channel's: set by the hand-over).
    // The client's sessions count nothing, and have no code for it.
    const metrics::websocket_counts* counts() const noexcept {
        if constexpr (Role == ws::role::server) return core_->counts;
        else return nullptr;
    }

    // ---- the pump -----------------------------------------------------------

    // Every entry point: its job, then pump(), unless a pump is already on the
    // stack (a user callback it runs): that one takes up whatever `f` queued.
    template <class F>
    void run(F&& f) {
        if (busy_ || ended_) {  // the pump on the stack holds the session
            if (!ended_) f();
            return;
        }
        handle keep(this);
        busy_ = true;
        f();
        pump();
        busy_ = false;
    }

    void pump() {
        // A peer that keeps the socket full must not starve the thread's other
        // connections: after this many reads, the rest waits its turn.
        int budget = 16;
        for (;;) {
            flush();
            if (finish_if_done()) return;
            if (!can_read()) break;
            if (budget-- == 0) {
                yield();
                break;
            }
            // No bytes were read: nothing new to write (sends from other threads wake us).
            if (!read_once()) {
                if (finish_if_done()) return;
                break;
            }
        }
        arm_timer();
    }

    // ---- reading ------------------------------------------------------------

    static std::span<char> thread_buffer() {
        static thread_local std::unique_ptr<char[]> buffer(new char[buffer_size]);
        return {buffer.get(), buffer_size};
    }

    bool can_read() noexcept {
        if (paused_ && !closing_.delivering()) unpause();  // messages are dropped now: no inbox to wait for
        return !paused_ && !read_pending_ && closing_.reading();
    }

    // One read. False when a wait for more bytes is pending now, or the
    // connection is gone.
    bool read_once() {
        if (!pending_.empty()) {
            // Bytes saved while the inbox was full (or sent with the handshake).
            std::string data = std::move(pending_);
            pending_.clear();
            consume(data.data(), data.size());
            return true;
        }
        std::error_code ec;
        std::size_t n = 0;
        auto buf = thread_buffer();
        if (!drained_) n = stream_.read_some(asio::buffer(buf.data(), buf.size()), ec);
        if (drained_ || ec == asio::error::would_block || ec == asio::error::try_again) {
            drained_ = false;
            read_pending_ = true;
            if (pad_) {
                read_into_pad();
            } else {
                wait_readable();
            }
            return false;
        }
        if (ec) {
            read_failed(ec);
            return false;
        }
        // A short read emptied the socket: the next wait will see new bytes.
        drained_ = n < buf.size();
        consume_received(buf.data(), n);
        return true;
    }

    void wait_readable() {
        stream_.async_wait(Stream::wait_read, [h = handle(this)](std::error_code ec) {
            h->run([&] {
                h->read_pending_ = false;
                if (ec) return h->read_failed(ec);
                if (clock::now() - h->deadlines_.last_received() < pad_linger) h->use_pad(pad_min);  // busy: see pad_
            });
        });
    }

    // A busy connection reads into its landing pad (see pad_).
    void read_into_pad() {
        pad_reading_ = true;
        stream_.async_read_some(asio::buffer(pad_.get(), pad_size_),
                                [h = handle(this)](std::error_code ec, std::size_t n) {
                                    h->run([&] {
                                        h->read_pending_ = h->pad_reading_ = false;
                                        bool full = false;
                                        if (ec == asio::error::operation_aborted && h->drop_pad_) {
                                            // The timer took the pad back from a connection gone quiet.
                                        } else if (ec) {
                                            h->read_failed(ec);
                                        } else {
                                            full = n == h->pad_size_;
                                            h->drained_ = !full;
                                            h->consume_received(h->pad_.get(), n);
                                        }
                                        if (std::exchange(h->drop_pad_, false)) {
                                            h->pad_.reset();
                                        } else if (full && h->pad_size_ < pad_max) {
                                            h->use_pad(h->pad_size_ * 4);  // large messages: fewer reads
                                        }
                                    });
                                });
    }

    void yield() {
        read_pending_ = true;
        asio::post(stream_.get_executor(), [h = handle(this)] { h->run([&] { h->read_pending_ = false; }); });
    }

    void use_pad(std::uint32_t size) {
        pad_.reset(new char[size]);
        pad_size_ = size;
    }

    void unpause() noexcept {
        if (!paused_) return;
        paused_ = false;
        // The reactor may have seen (and, with no wait pending, dropped) the
        // socket's readiness meanwhile: read before waiting again.
        drained_ = false;
    }

    void read_failed(std::error_code ec) {
        if (closing_.ended()) return;
        constexpr const char* peer_left = Role == ws::role::server ? "the client closed TCP without a close frame"
                                                                   : "the server closed TCP without a close frame";
        const char* why = ec == asio::error::eof                 ? peer_left
                          : ec == asio::error::operation_aborted ? "closed"
                                                                 : "read error";
        if (closing_.lost(why)) core_->report_error(ws::error::connection_lost);
    }

    void consume_received(char* data, std::size_t n) {
        deadlines_.received(clock::now());
        consume(data, n);
    }

    // Hands [p, p+n) to the reader and acts on what it reports. Stops early
    // (keeping the rest in pending_) when the inbox is full.
    void consume(char* p, std::size_t n) {
        while (n > 0 && closing_.reading()) {
            if (paused_) {
                pending_.assign(p, n);
                return;
            }
            auto [ev, used] = reader_.read({p, n});
            p += used;
            n -= used;
            switch (ev) {
            case ws::read_event::need_more: break;
            case ws::read_event::message: deliver(); break;
            case ws::read_event::ping:
                if (core_->auto_pong && delivering()) {
                    // Several pings in one read: the earlier pong goes out now, unless
                    // the socket is pushing back (then only the latest is answered).
                    if (pong_queued_ && !writing_) flush();
                    queue_pong(reader_.control());
                }
                core_->ping_received(reader_.control());
                break;
            case ws::read_event::pong: core_->pong_received(reader_.control()); break;
            case ws::read_event::close: peer_closed(); break;
            case ws::read_event::failed: failed(); break;
            }
        }
    }

    // Messages are delivered while open: not once a close of ours is queued,
    // even one the writer has not taken yet (a callback's close()).
    bool delivering() const noexcept { return closing_.delivering() && core_->is_open(); }

    void deliver() {
        auto m = reader_.take_message();
        if (const auto* c = counts()) c->received.inc();
        if (!delivering()) return;
        core_->deliver(std::move(m));
        if (core_->inbox_full()) paused_ = true;
    }

    void peer_closed() {
        const auto& theirs = reader_.peer_close();
        // Echo its code (RFC 6455 §5.5.1), unless a close of ours is queued already.
        if (closing_.peer_closed(theirs.code, theirs.reason)) core_->close(theirs.code, {});
        deadlines_.closing();
    }

    // Fail the WebSocket connection (RFC 6455 §7.1.7): a close frame with the
    // reader's code, nothing more read, and the end once it is written.
    void failed() {
        const auto& f = reader_.failure();
        if (closing_.fail(f.code, f.why)) core_->close(f.code, f.why);
        deadlines_.closing();
        core_->report_error(f.reason);  // after the close: the code stands even if on_error throws
    }

    // RFC 6455 §5.5.3 lets us answer only the most recent of several pings.
    // At most one automatic pong waits in the queue: pings that come while it
    // waits (the peer is not reading) leave only the latest payload behind,
    // answered once that pong is written. A ping flood, even of empty pings
    // that weigh nothing against the high-water mark, cannot grow the queue.
    void queue_pong(std::string_view data) {
        if (pong_queued_) {
            if (!owed_pong_) owed_pong_ = std::make_unique<std::string>();
            owed_pong_->assign(data);
            return;
        }
        owed_pong_.reset();
        item pong;
        pong.what = item::kind::pong;
        pong.data.assign(data);
        pong_queued_ = core_->push(std::move(pong), false, true) == send_status::queued;
    }

    // ---- writing --------------------------------------------------------------

    // Writes the queue now, as far as the socket takes it; the rest goes out by
    // an asynchronous write. Completions it runs may queue more: taken too.
    void flush() {
        if (writing_ || !closing_.writable()) return;
        for (;;) {
            take_queue();
            if (writer_.empty()) return;
            std::error_code ec;
            auto n = stream_.write_some(writer_.template gather<write_gather>(), ec);
            if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return write_failed();
            if (!writer_.advance(n)) return write_async();
            batch_written();
        }
    }

    void take_queue() {
        if (!core_->maybe_queued()) return;
        std::optional<std::vector<item>> late;  // rare: no vector to build and destroy per batch
        auto ours = writer_.take_from([this](std::vector<item>& into) { return core_->take(into); },
                                      [&late](std::vector<item>& after) { late.emplace(std::move(after)); });
        if (ours) {
            closing_.close_queued(ours->code, ours->reason);
            reader_.discard_messages();
            deadlines_.closing();
        }
        if (late) refuse(*late, ws::error::closed);  // after the close is noted, as its completions may look
    }

    // Items that will not be written: their bytes leave the count, their completions fail.
    void refuse(std::vector<item>& items, std::error_code why) {
        for (auto& it : items) {
            core_->written(it.size());
            core_->complete(it, why);
        }
        items.clear();
    }

    // The socket pushed back: the rest of the batch goes out as it takes it.
    void write_async() {
        writing_ = true;
        deadlines_.write_progress(clock::now());
        stream_.async_write_some(
            writer_.template gather<write_gather>(),
            [h = handle(this)](std::error_code ec, std::size_t n) { h->run([&] { h->written(ec, n); }); });
    }

    void written(std::error_code ec, std::size_t n) {
        writing_ = false;
        deadlines_.write_idle();
        if (ec) return write_failed();
        if (!writer_.advance(n)) return write_async();
        batch_written();  // pump() flushes what is queued meanwhile
    }

    // The whole batch is out: account for it, note a close, run completions.
    void batch_written() {
        auto& batch = writer_.batch();
        bool any_done = false, pong_written = false, close_written = false;
        std::uint64_t messages = 0;
        for (auto& it : batch) {
            any_done |= static_cast<bool>(it.done);
            pong_written |= it.what == item::kind::pong;
            close_written |= it.what == item::kind::close;
            messages += it.what == item::kind::text || it.what == item::kind::binary;
        }
        if (const auto* c = counts(); c && messages > 0) c->sent.inc(messages);
        core_->written(writer_.accounted());
        if (close_written) {
            closing_.close_written();
            deadlines_.close_sent(clock::now());
        }
        if (any_done) {
            // Completions may send: the batch must be out of the way first.
            auto finished = std::move(batch);
            writer_.reset();
            for (auto& it : finished) core_->complete(it, {});
        } else {
            writer_.reset();
        }
        if (pong_written) {
            pong_queued_ = false;
            if (owed_pong_ && closing_.delivering()) {
                auto data = std::move(owed_pong_);
                queue_pong(*data);  // flush() takes it up
            }
        }
    }

    void write_failed() {
        refuse(writer_.batch(), ws::error::connection_lost);
        writer_.reset();
        closing_.lost("write failed");
    }

    // ---- the end --------------------------------------------------------------

    // Ends without writing anything more (timeouts, a forced stop).
    void abort(std::string_view why, ws::close_cause cause = ws::close_cause::timeout) {
        closing_.abort(why, cause);
        std::error_code ec;
        stream_.cancel(ec);  // a write in flight ends now
    }

    // Once the close is over and no write is in flight: the channel is
    // finished, the socket closed, and the session let go.
    bool finish_if_done() {
        if (ended_) return true;
        if (!closing_.ended() || writing_) return false;
        finish();
        return true;
    }

    void finish() {
        ended_ = true;
        auto outcome = closing_.outcome();
        if (const auto* c = counts()) {
            c->closed(outcome.code, aborted_by(closing_.cause()));
            c->open[static_cast<std::size_t>(api_)].dec();
        }
        // The outcome says whether this end closed first; close_status, whether the server did.
        const bool by_server = Role == ws::role::server ? outcome.by_server : !outcome.by_server;
        core_->finish({.code = outcome.code, .reason = std::move(outcome.reason), .by_server = by_server});
        std::error_code ec;
        stream_.shutdown(asio::socket_base::shutdown_both, ec);
        stream_.close(ec);  // a pending read wait completes, and lets go of the session
        timer_.cancel();
        if (auto f = std::move(on_end_)) f();
        // Let go in a handler of its own: the session (and its place in the
        // thread's connection list) never disappears inside another's call,
        // such as stop() walking that list.
        asio::post(stream_.get_executor(), [h = std::move(self_)] {});
    }

    static metrics::websocket_abort aborted_by(ws::close_cause cause) noexcept {
        switch (cause) {
        case ws::close_cause::timeout: return metrics::websocket_abort::timeout;
        case ws::close_cause::stopped: return metrics::websocket_abort::stopped;
        default: return metrics::websocket_abort::lost;  // lost (a close frame never gives 1006)
        }
    }

    // ---- timing ---------------------------------------------------------------

    // The deadlines (ws/deadlines.hpp) and the pad's share one timer, armed for
    // the earliest; an earlier one cancels the wait, whose handler re-arms.
    void arm_timer() {
        if (ended_) return;
        auto next = deadlines_.next();
        if (pad_due()) next = std::min(next, deadlines_.last_received() + pad_linger);
        if (next == time_point::max()) return;
        if (timer_armed_) {
            if (next < timer_.expiry()) timer_.cancel();
            return;
        }
        timer_armed_ = true;
        timer_.expires_at(next);
        timer_.async_wait([h = handle(this)](std::error_code) {
            h->run([&] {
                h->timer_armed_ = false;
                h->on_timer(clock::now());
            });
        });
    }

    void on_timer(time_point now) {
        for (;;) {
            switch (deadlines_.due(now)) {
            case ws::deadline::none: break;
            case ws::deadline::close_timeout: return abort("the peer did not answer our close frame");
            case ws::deadline::write_timeout: return abort("write timeout");
            case ws::deadline::idle_close:
                core_->close(ws::close_code::going_away, "idle timeout");
                deadlines_.closing();
                continue;
            case ws::deadline::ping: {
                item ping;
                ping.what = item::kind::ping;
                core_->push(std::move(ping), false, true);
                continue;
            }
            }
            break;
        }
        if (pad_due() && now - deadlines_.last_received() >= pad_linger) {
            // Gone quiet: back to readiness waits, without the pad. Cancelling
            // stops the pending read (no write is in flight to be caught by it).
            drop_pad_ = true;
            std::error_code ec;
            stream_.cancel(ec);
        }
    }

    // The pad can be taken back only from a pending read (cancelled), and only
    // while no write is in flight (the cancel would stop it too).
    bool pad_due() const noexcept { return pad_ && pad_reading_ && !drop_pad_ && !writing_; }

    static constexpr std::size_t buffer_size = 64UL * 1024;
    // Buffers per write, the same for the first (synchronous) attempt and the
    // asynchronous rest: a TLS stream that could not finish a record needs the
    // retry to offer at least its bytes again. Asio gathers at most 64 per call.
    static constexpr std::size_t write_gather = 64;
    static constexpr std::uint32_t pad_min = 512, pad_max = 32 * 1024;
    static constexpr std::chrono::milliseconds pad_linger{1000};

    Stream stream_;
    timer_type timer_;
    std::shared_ptr<channel_core> core_;
    ws::message_reader reader_;
    ws::basic_frame_writer<Role> writer_;
    ws::close_machine closing_;
    ws::basic_deadlines<clock> deadlines_;
    std::string pending_;
    std::unique_ptr<std::string> owed_pong_;  // a ping's, while our pong waited (a ping flood's only)
    // Asio re-arms epoll (an epoll_ctl call) for every readiness wait, which
    // costs a busy connection more than a read does. So a connection that
    // receives again within pad_linger of its last bytes gets a buffer of its
    // own and asynchronous reads into it (no re-arming): 512 bytes, growing
    // (up to 32 KiB) while reads fill it; the timer takes it back once the
    // connection has been quiet for pad_linger. Idle connections hold no read buffer.
    std::unique_ptr<char[]> pad_;
    std::uint32_t pad_size_ = 0;

    registration registration_;
    std::function<void()> on_end_;
    handle self_;  // held from start() until the session ends
    std::uint32_t refs_ = 0;

    bool busy_ = false;          // a pump is on the stack (run())
    bool ended_ = false;         // finished: the channel closed, the socket too
    bool read_pending_ = false;  // a readiness wait, a read into the pad, or a yield is pending
    bool drained_ = false;       // the last read emptied the socket: wait before reading again
    bool paused_ = false;        // the inbox is full: no reading until receive() takes from it
    bool writing_ = false;       // an asynchronous write is in flight
    bool timer_armed_ = false;
    bool pad_reading_ = false;                                     // the pending read is into pad_
    bool drop_pad_ = false;                                        // that read was cancelled to give back pad_
    bool pong_queued_ = false;                                     // an automatic pong is queued, not yet written
    metrics::websocket_api api_ = metrics::websocket_api::accept;  // counted_as()
};

}  // namespace ringkit::detail
