// One WebSocket connection after its 101: the RFC 6455 engine between a socket
// and a channel.
//
// No coroutine: the session is an object driven by completion handlers, so an
// idle WebSocket costs its own state, one pending readiness wait and one timer
// wait, and no coroutine frames. It owns the socket: a callback-style WebSocket
// (as_channel, the Ring listener) outlives the HTTP connection that upgraded,
// whose frames and buffers are freed (connection.hpp).
//
// Reading: the socket is read only when readable, into one buffer per thread
// (a busy connection: into a small buffer of its own, see pad_); frames are
// decoded in place, messages reassembled, inflated, checked and handed to the
// channel, pings answered, the close handshake run. A partial frame header
// (≤ 14 bytes) is all that stays behind between reads, and a message being
// reassembled lives in its own string, released once delivered.
//
// Writing: the channel wakes the session, which writes the queue at once with a
// non-blocking gather write; only when the socket pushes back does an
// asynchronous write finish the job.
//
// Ending: whatever ends the session (an error, the close handshake, a lost
// connection) sets `over_`; every entry point (a completion handler, a wake)
// settles at its end: once no read is on the stack and no write in flight, the
// last queued frames (our close) go out, the channel is finished and the socket
// closed. The session is reference-counted (`handle`): its owner, each pending
// operation and its own run hold one, and the last one out deletes it.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/core/asio.hpp"
#include "ringkit/server/connection_list.hpp"
#include "ringkit/channel/channel.hpp"
#include "ringkit/ws/close.hpp"
#include "ringkit/ws/config.hpp"
#include "ringkit/ws/deflate.hpp"
#include "ringkit/ws/frame.hpp"
#include "ringkit/ws/utf8.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/basic_waitable_timer.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/socket_base.hpp>
#include <asio/wait_traits.hpp>

namespace ringkit::detail {

template <class Stream>
class ws_session final : public connection_base, public channel_transport {
    using clock = std::chrono::steady_clock;
    using timer_type = asio::basic_waitable_timer<clock, asio::wait_traits<clock>, typename Stream::executor_type>;

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

    static handle create(Stream stream, const ws::config& config, std::chrono::milliseconds write_timeout,
                         std::shared_ptr<channel_core> core, std::optional<ws::deflate_params> deflate) {
        return handle(new ws_session(std::move(stream), config, write_timeout, std::move(core), deflate));
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

    /// Serves the WebSocket; `leftover` is what the client sent after its handshake.
    void start(std::string leftover) {
        handle keep(this);
        self_ = handle(this);  // released when the session ends
        pending_ = std::move(leftover);
        core_->attach(this);
        core_->opened();
        watch();
        read_loop();
        settle();
    }

    /// Server stop: a close frame with 1001, then the usual handshake.
    void request_stop() override { close(ws::close_code::going_away, "server shutting down"); }

    /// Starts our side of the close handshake (nothing if it has begun).
    void close(std::uint16_t code, std::string_view reason) {
        handle keep(this);
        core_->close(code, reason);
        settle();
    }

    /// Server stop, when the peer did not finish the handshake in time.
    void force_close() override {
        handle keep(this);
        abort("server stopped");
        settle();
    }

    // The channel has items: write them now if the socket takes them.
    void wake() override {
        // Not while a write is in flight or on the stack (a completion that
        // sends): that write takes up whatever is queued when it finishes.
        if (writing_ || in_write_ || over_) return;
        handle keep(this);
        {
            write_scope scope(in_write_);
            if (fill_batch() && !write_now()) write_async();
        }
        settle();
    }

    // receive() made room in a full inbox: read on.
    void resume_reading() override {
        if (!paused_) return;
        handle keep(this);
        unpause();
        read_loop();
        settle();
    }

private:
    ws_session(Stream stream, const ws::config& config, std::chrono::milliseconds write_timeout,
               std::shared_ptr<channel_core> core, std::optional<ws::deflate_params> deflate)
        : stream_(std::move(stream)), timer_(stream_.get_executor()), config_(config), write_timeout_(write_timeout),
          core_(std::move(core)), deflate_(deflate), last_rx_(clock::now()) {
        rules_.require_mask = true;
        rules_.allow_rsv1 = deflate_.has_value();
    }
    ~ws_session() { core_->detach(); }

    // ---- reading ------------------------------------------------------------

    static std::span<char> thread_buffer() {
        static thread_local std::unique_ptr<char[]> buffer(new char[buffer_size]);
        return {buffer.get(), buffer_size};
    }

    // Reads and consumes until the socket has nothing more (then a readiness
    // wait is pending), the inbox is full, or the session is over.
    void read_loop() {
        if (in_read_ || read_waiting_ || ended_) return;
        in_read_ = true;
        // A peer that keeps the socket full must not starve the thread's other
        // connections: after this many full reads, the rest waits its turn.
        int budget = 16;
        while (!over_ && !paused_) {
            if (close_sent_ && close_received_) {
                over_ = true;
            } else if (!pending_.empty()) {
                // Bytes saved while the inbox was full (or sent with the handshake).
                std::string data = std::move(pending_);
                pending_.clear();
                consume(data.data(), data.size());
            } else if (budget-- == 0) {
                read_waiting_ = true;
                asio::post(stream_.get_executor(), [h = handle(this)] {
                    h->read_waiting_ = false;
                    h->read_loop();
                    h->settle();
                });
                break;
            } else if (!read_some()) {
                break;
            }
        }
        in_read_ = false;
    }

    // One read. False when a wait for more bytes is pending now, or the
    // connection is gone.
    bool read_some() {
        if constexpr (requires { stream_.async_wait(Stream::wait_read, [](std::error_code) {}); }) {
            auto buf = thread_buffer();
            std::error_code ec;
            std::size_t n = 0;
            if (!drained_) n = stream_.read_some(asio::buffer(buf.data(), buf.size()), ec);
            if (drained_ || ec == asio::error::would_block || ec == asio::error::try_again) {
                drained_ = false;
                read_waiting_ = true;
                if (pad_) {
                    read_into_pad();
                    return false;
                }
                stream_.async_wait(Stream::wait_read, [h = handle(this)](std::error_code wec) {
                    h->read_waiting_ = false;
                    if (wec && !h->over_) h->lost(wec == asio::error::operation_aborted ? "closed" : "read error");
                    if (!wec && clock::now() - h->last_rx_ < pad_linger) h->use_pad(pad_min);  // busy: see pad_
                    h->read_loop();
                    h->settle();
                });
                return false;
            }
            if (ec) {
                read_failed(ec);
                return false;
            }
            // A short read emptied the socket: the next wait will see new bytes.
            drained_ = n < buf.size();
            last_rx_ = clock::now();
            consume(buf.data(), n);
            return true;
        } else {
            // Streams without readiness waits (tests): a buffer of the read's own.
            auto buf = std::make_unique<std::array<char, 4096>>();
            // Taken before the call: its arguments are evaluated in no set order,
            // and the completion handler's capture empties `buf`.
            const auto space = asio::buffer(*buf);
            read_waiting_ = true;
            stream_.async_read_some(space, [h = handle(this), buf = std::move(buf)](std::error_code ec, std::size_t n) {
                h->read_waiting_ = false;
                if (ec) h->read_failed(ec);
                else h->consume_completed(buf->data(), n);
                h->read_loop();
                h->settle();
            });
            return false;
        }
    }

    // A busy connection reads into its landing pad (see pad_).
    void read_into_pad() {
        stream_.async_read_some(asio::buffer(pad_.get(), pad_size_),
                                [h = handle(this)](std::error_code ec, std::size_t n) {
                                    h->read_waiting_ = false;
                                    h->pad_reading_ = false;
                                    bool full = false;
                                    if (ec && ec == asio::error::operation_aborted && h->drop_pad_) {
                                        // The timer took the pad back from a connection gone quiet.
                                    } else if (ec) {
                                        h->read_failed(ec);
                                    } else {
                                        full = n == h->pad_size_;
                                        h->drained_ = !full;
                                        h->consume_completed(h->pad_.get(), n);
                                    }
                                    if (std::exchange(h->drop_pad_, false)) h->pad_.reset();
                                    else if (full && h->pad_size_ < pad_max)
                                        h->use_pad(h->pad_size_ * 4);  // large messages: fewer reads
                                    h->read_loop();
                                    h->settle();
                                });
        pad_reading_ = true;
        rearm(last_rx_ + pad_linger);  // when to give the pad back
    }

    // The bytes of an asynchronous read, consumed outside read_loop().
    void consume_completed(char* data, std::size_t n) {
        last_rx_ = clock::now();
        in_read_ = true;
        consume(data, n);
        in_read_ = false;
    }

    void read_failed(std::error_code ec) {
        if (!over_) lost(ec == asio::error::eof ? "the client closed TCP without a close frame" : "read error");
    }

    void use_pad(std::uint32_t size) {
        pad_.reset(new char[size]);
        pad_size_ = size;
    }

    void unpause() {
        paused_ = false;
        // The reactor may have seen (and, with no wait pending, dropped) the
        // socket's readiness meanwhile: read before waiting again.
        drained_ = false;
    }

    // Decodes frames from [p, p+n). Stops early (keeping the rest in pending_)
    // when the inbox is full, and ignores the rest after a fatal error or the
    // peer's close frame (our answer may still wait behind earlier writes).
    void consume(char* p, std::size_t n) {
        ping_outstanding_ = false;  // any bytes prove the peer alive
        while (n > 0 && !over_ && !failed_ && !close_received_) {
            if (paused_) {
                pending_.assign(p, n);
                return;
            }
            if (in_header_) {
                std::size_t used = read_header(p, n);
                p += used;
                n -= used;
                if (!in_header_ && payload_left_ == 0) frame_complete();
                continue;
            }
            auto take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, n));
            ws::apply_mask({p, take}, header_.mask_key, payload_done_);
            payload(std::string_view(p, take));
            payload_done_ += take;
            payload_left_ -= take;
            p += take;
            n -= take;
            if (payload_left_ == 0 && !failed_) frame_complete();
        }
    }

    // Returns the bytes of [p, p+n) used for the header in progress.
    std::size_t read_header(const char* p, std::size_t n) {
        const char* why = "bad frame";
        ws::header_status st{};
        std::size_t used = 0;
        if (head_len_ == 0) {
            st = ws::decode_header({p, n}, header_, rules_, &why);
            used = st == ws::header_status::ok ? header_.size : n;
            if (st == ws::header_status::need_more) {
                std::copy_n(p, n, head_buf_.begin());  // n < 14 here
                head_len_ = n;
            }
        } else {
            auto add = std::min(n, head_buf_.size() - head_len_);
            std::copy_n(p, add, head_buf_.begin() + static_cast<std::ptrdiff_t>(head_len_));
            st = ws::decode_header({head_buf_.data(), head_len_ + add}, header_, rules_, &why);
            if (st == ws::header_status::ok) {
                used = header_.size - head_len_;
                head_len_ = 0;
            } else {
                used = add;
                head_len_ += add;
            }
        }
        if (st == ws::header_status::protocol_error) {
            fail(ws::close_code::protocol_error, ws::error::protocol_error, why);
        } else if (st == ws::header_status::ok) {
            start_frame();
        }
        return used;
    }

    // A header is complete: check it against the message in progress.
    void start_frame() {
        using ws::opcode;
        payload_left_ = header_.length;
        payload_done_ = 0;
        in_header_ = false;
        if (ws::is_control(header_.op)) {
            control_.clear();
            return;
        }
        if (header_.op == opcode::continuation) {
            if (!in_message_)
                return fail(ws::close_code::protocol_error, ws::error::protocol_error,
                            "continuation without a message");
            if (header_.rsv1)
                return fail(ws::close_code::protocol_error, ws::error::protocol_error, "RSV1 on a continuation frame");
        } else {
            if (in_message_)
                return fail(ws::close_code::protocol_error, ws::error::protocol_error,
                            "new message inside a fragmented one");
            in_message_ = true;
            message_kind_ = header_.op == opcode::text ? ws::message_kind::text : ws::message_kind::binary;
            compressed_ = header_.rsv1;
            wire_size_ = 0;
        }
        wire_size_ += header_.length;
        if (wire_size_ > config_.max_message || message_.size() > config_.max_message)
            fail(ws::close_code::too_big, ws::error::message_too_big, "message too big");
    }

    void payload(std::string_view bytes) {
        if (ws::is_control(header_.op)) {
            control_.append(bytes);
            return;
        }
        if (close_sent_) return;  // closing: data is no longer delivered
        std::size_t before = message_.size();
        if (compressed_) {
            if (!inflater_)
                inflater_ = std::make_unique<ws::inflater>(deflate_->client_max_window_bits,
                                                           deflate_->client_no_context_takeover);
            if (!inflate(bytes, false)) return;
        } else {
            message_.append(bytes);
        }
        if (message_kind_ == ws::message_kind::text && !utf8_.feed(std::string_view(message_).substr(before)))
            fail(ws::close_code::invalid_payload, ws::error::invalid_utf8, "invalid UTF-8");
    }

    bool inflate(std::string_view bytes, bool last) {
        switch (inflater_->inflate(bytes, message_, last, config_.max_message)) {
        case ws::inflate_status::ok: return true;
        case ws::inflate_status::too_big:
            fail(ws::close_code::too_big, ws::error::message_too_big, "message too big");
            return false;
        case ws::inflate_status::error:
            fail(ws::close_code::protocol_error, ws::error::protocol_error, "bad compressed data");
            return false;
        }
        return false;
    }

    void frame_complete() {
        in_header_ = true;
        switch (header_.op) {
        case ws::opcode::ping:
            if (core_->auto_pong && !close_sent_) queue_pong(control_);
            core_->ping_received(control_);
            return;
        case ws::opcode::pong: core_->pong_received(control_); return;
        case ws::opcode::close: return close_frame();
        default: break;
        }
        if (!header_.fin) return;
        in_message_ = false;
        if (close_sent_) {  // closing: the message is not delivered, but it did end
            message_ = std::string();
            utf8_.reset();
            return;
        }
        if (compressed_) {
            std::size_t before = message_.size();
            if (!inflate({}, true)) return;
            if (message_kind_ == ws::message_kind::text && !utf8_.feed(std::string_view(message_).substr(before)))
                return fail(ws::close_code::invalid_payload, ws::error::invalid_utf8, "invalid UTF-8");
        }
        if (message_kind_ == ws::message_kind::text && !utf8_.complete())
            return fail(ws::close_code::invalid_payload, ws::error::invalid_utf8, "invalid UTF-8");
        utf8_.reset();
        ws::message m{message_kind_, std::move(message_)};
        message_ = std::string();  // an idle connection keeps no message memory
        core_->deliver(std::move(m));
        if (core_->inbox_full() && !close_written_) paused_ = true;
    }

    // RFC 6455 §5.5.3 lets us answer only the most recent of several pings.
    // At most one automatic pong waits in the queue: pings that come while it
    // waits (the peer is not reading) leave only the latest payload behind,
    // answered once that pong is written. A ping flood, even of empty pings
    // that weigh nothing against the high-water mark, cannot grow the queue.
    void queue_pong(std::string_view data) {
        if (pong_queued_) {
            owed_pong_.assign(data);
            pong_owed_ = true;
            return;
        }
        pong_owed_ = false;
        out_item pong;
        pong.what = out_item::kind::pong;
        pong.data.assign(data);
        pong_queued_ = true;  // before the push, which may write it (and clear this) at once
        if (core_->push(std::move(pong), false, true) != send_status::queued) pong_queued_ = false;
    }

    void close_frame() {
        ws::close_payload cp;
        switch (ws::parse_close_payload(control_, cp)) {
        case ws::close_parse::protocol_error:
            return fail(ws::close_code::protocol_error, ws::error::protocol_error, "bad close frame");
        case ws::close_parse::invalid_utf8:
            return fail(ws::close_code::invalid_payload, ws::error::invalid_utf8, "invalid UTF-8 in close reason");
        case ws::close_parse::ok: break;
        }
        close_received_ = true;
        if (!close_sent_) {
            // The peer closed first: echo its code (RFC 6455 §5.5.1) and report it.
            status_ = {.code = cp.code, .reason = std::string(cp.reason), .by_server = false};
            core_->close(cp.code == ws::close_code::no_status ? ws::close_code::no_status : cp.code, {});
        }
    }

    // ---- failure and the end --------------------------------------------------

    // Fail the WebSocket connection (RFC 6455 §7.1.7): close frame with `code`,
    // stop reading, and end once it is written.
    void fail(std::uint16_t code, ws::error err, std::string_view why) {
        if (failed_) return;
        failed_ = true;
        if (!close_sent_) {
            status_ = {.code = code, .reason = std::string(why), .by_server = true};
            core_->close(code, why);
        }
        core_->report_error(err);  // after the close: the code stands even if on_error throws
        close_received_ = true;    // nothing more is read
        over_ = true;
    }

    // The connection ended without a finished close handshake.
    void lost(std::string_view why) {
        if (over_) return;
        over_ = true;
        if (!status_) {  // a close frame, ours or the peer's, already said how it ends
            status_ = {.code = ws::close_code::abnormal, .reason = std::string(why), .by_server = false};
            core_->report_error(ws::error::connection_lost);
        }
    }

    // Ends without writing anything more (timeouts, a forced stop).
    void abort(std::string_view why) {
        if (!status_) status_ = {.code = ws::close_code::abnormal, .reason = std::string(why), .by_server = true};
        over_ = true;
        aborted_ = true;
        std::error_code ec;
        stream_.cancel(ec);  // a write in flight ends now
    }

    // Every entry point's last step: once the session is over, and no read is
    // on the stack and no write in flight, end it.
    void settle() {
        if (!over_ || ended_ || ending_ || in_read_ || in_write_ || writing_) return;
        ending_ = true;
        // A close we queued (an echo, or after a protocol error) still goes out;
        // write_timeout bounds the wait.
        writable_ = true;
        if (!aborted_) {
            write_scope scope(in_write_);
            while (!close_written_ && !write_failed_ && fill_batch()) {
                if (!write_now()) {
                    write_async();
                    ending_ = false;
                    return;  // the write's completion settles again
                }
            }
        }
        ended_ = true;
        if (!status_) status_ = {.code = ws::close_code::abnormal, .reason = "connection ended", .by_server = false};
        core_->finish(*status_);
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

    // ---- timing ---------------------------------------------------------------

    // The session's deadlines (idle ping and close, close handshake, write
    // stall) share one timer, armed for the earliest.
    void watch() {
        if (ended_ || in_watch_) return;
        in_watch_ = true;
        auto next = on_deadline(clock::now());
        in_watch_ = false;
        if (ended_ || next == clock::time_point::max()) return;
        if (timer_armed_) {  // one wait at a time: an earlier deadline cancels it, and its handler re-arms
            if (next < timer_.expiry()) timer_.cancel();
            return;
        }
        timer_armed_ = true;
        timer_.expires_at(next);
        timer_.async_wait([h = handle(this)](std::error_code) {
            h->timer_armed_ = false;
            h->watch();
            h->settle();
        });
    }

    // A deadline earlier than the armed one (or none) is now due at `t`.
    void rearm(clock::time_point t) {
        if (in_watch_ || ended_) return;  // watch() arms for next_deadline() as it returns
        if (!timer_armed_) watch();
        else if (t < timer_.expiry()) timer_.cancel();
    }

    // Does what is due at `now`; returns when it wants to be called next.
    clock::time_point on_deadline(clock::time_point now) {
        if (close_sent_ && now >= close_deadline_ && !over_) {
            abort("the peer did not answer our close frame");
            return clock::time_point::max();
        }
        if (writing_ && now - write_progress_ >= write_timeout_) {
            abort("write timeout");
            return clock::time_point::max();
        }
        if (pad_due() && now - last_rx_ >= pad_linger) {
            // Gone quiet: back to readiness waits, without the pad. Cancelling
            // stops the pending read (no write is in flight to be caught by it).
            drop_pad_ = true;
            std::error_code ec;
            stream_.cancel(ec);
        }
        if (idle_applies()) {
            if (now >= idle_close_at()) {
                core_->close(ws::close_code::going_away, "idle timeout");
            } else if (config_.auto_ping && !ping_outstanding_ && now - last_rx_ >= config_.idle_timeout / 2) {
                // The peer always gets a ping, and half the timeout to answer it,
                // before an idle close, even if this thread was late getting here.
                ping_outstanding_ = true;
                ping_sent_ = now;
                out_item ping;
                ping.what = out_item::kind::ping;
                core_->push(std::move(ping), false, true);
            }
        }
        return next_deadline();
    }

    clock::time_point next_deadline() const {
        auto next = clock::time_point::max();
        if (close_sent_ && !over_) next = std::min(next, close_deadline_);
        if (writing_) next = std::min(next, write_progress_ + write_timeout_);
        if (pad_due()) next = std::min(next, last_rx_ + pad_linger);
        if (idle_applies()) {
            if (config_.auto_ping && !ping_outstanding_) next = std::min(next, last_rx_ + config_.idle_timeout / 2);
            else next = std::min(next, idle_close_at());
        }
        return next;
    }

    // Idle pings and the idle close, until a close is asked for (it may wait
    // behind a write in flight: write_timeout bounds that).
    bool idle_applies() const noexcept {
        return config_.idle_timeout.count() > 0 && !close_sent_ && !over_ && core_->is_open();
    }

    // The pad can be taken back only from a pending read (cancelled), and only
    // while no write is in flight (the cancel would stop it too); otherwise its
    // deadline waits, or the timer would fire again and again.
    bool pad_due() const noexcept { return pad_ && pad_reading_ && !drop_pad_ && !writing_; }

    // Without auto-ping: idle_timeout after the last bytes. With it: also at
    // least half of it after the ping that went unanswered.
    clock::time_point idle_close_at() const {
        auto at = last_rx_ + config_.idle_timeout;
        if (config_.auto_ping) {
            if (!ping_outstanding_) return clock::time_point::max();
            at = std::max(at, ping_sent_ + config_.idle_timeout / 2);
        }
        return at;
    }

    // ---- writing --------------------------------------------------------------
    //
    // The batch is the queue's items taken at once, each with its frame header
    // encoded beside it, written as one gather write from a cursor (item, byte).
    // `in_write_` marks the write machinery on the stack: a send from a
    // completion it runs is queued, and the running loop takes it up.

    struct write_scope {
        bool& flag;
        explicit write_scope(bool& f) : flag(f) { flag = true; }
        write_scope(const write_scope&) = delete;
        write_scope& operator=(const write_scope&) = delete;
        ~write_scope() { flag = false; }
    };

    // Takes queued items and encodes their headers. False: nothing to write.
    bool fill_batch() {
        if (close_written_) {
            // Past our close frame nothing more may be sent.
            std::vector<out_item> late;
            core_->take(late);
            refuse(late, ws::error::closed);
            return false;
        }
        if (over_ && !writable_) return false;  // settle() sends what is queued (our close frame)
        if (!core_->take(batch_)) return false;
        std::size_t stop = batch_.size();
        for (std::size_t i = 0; i < stop; ++i) {
            auto& item = batch_[i];
            item.accounted = item.size();
            encode(item);
            if (item.what == out_item::kind::close) stop = i + 1;  // nothing after a close frame
        }
        if (stop < batch_.size()) {
            std::vector<out_item> late(std::make_move_iterator(batch_.begin() + static_cast<std::ptrdiff_t>(stop)),
                                       std::make_move_iterator(batch_.end()));
            batch_.resize(stop);
            refuse(late, ws::error::closed);
        }
        at_item_ = 0;
        at_byte_ = 0;
        return true;
    }

    // Items that will not be written: their bytes leave the count, their completions fail.
    void refuse(std::vector<out_item>& items, std::error_code why) {
        for (auto& item : items) {
            core_->written(item.accounted ? item.accounted : item.size());
            core_->complete(item, why);
        }
    }

    void encode(out_item& item) {
        using k = out_item::kind;
        switch (item.what) {
        case k::text:
        case k::binary: {
            auto op = item.what == k::text ? ws::opcode::text : ws::opcode::binary;
            bool rsv1 = false;
            if (deflate_ && item.payload().size() >= config_.deflate.min_size) {
                if (!deflater_) deflater_ = std::make_unique<ws::deflater>(config_.deflate, *deflate_);
                std::string packed;
                deflater_->compress(item.payload(), packed);
                item.data = std::move(packed);
                item.shared.reset();
                item.shared_head = 0;
                rsv1 = true;
            }
            if (item.shared && item.shared_head) return;  // the shared frame has its header
            item.frame_head_len = static_cast<std::uint8_t>(
                ws::encode_header(item.frame_head.data(), op, item.payload().size(), true, rsv1));
            break;
        }
        case k::ping:
            item.frame_head_len = static_cast<std::uint8_t>(
                ws::encode_header(item.frame_head.data(), ws::opcode::ping, item.data.size()));
            break;
        case k::pong:
            item.frame_head_len = static_cast<std::uint8_t>(
                ws::encode_header(item.frame_head.data(), ws::opcode::pong, item.data.size()));
            break;
        case k::close:
            item.frame_head_len = static_cast<std::uint8_t>(
                ws::encode_header(item.frame_head.data(), ws::opcode::close, item.data.size()));
            if (!close_sent_) {
                close_sent_ = true;
                close_deadline_ = clock::now() + config_.close_timeout;
                if (!status_) {
                    ws::close_payload ours;
                    ws::parse_close_payload(item.data, ours);
                    status_ = {.code = item.close_code, .reason = std::string(ours.reason), .by_server = true};
                }
                rearm(close_deadline_);
            }
            break;
        default: return;  // HTTP items never reach a WebSocket
        }
    }

    // An item's bytes on the wire: its header, then its payload (a shared
    // broadcast frame carries its own header).
    static std::array<std::string_view, 2> wire(const out_item& item) {
        if (item.shared && item.shared_head) return {std::string_view(*item.shared), {}};
        return {std::string_view(item.frame_head.data(), item.frame_head_len), item.payload()};
    }

    // Up to N buffers for one gather write; copyable, so an asynchronous write
    // keeps its own.
    template <std::size_t N>
    struct buffer_list {
        // Only the first `count` entries are ever built: a write of one small
        // frame should not start by zeroing a kilobyte of buffer slots.
        union {
            asio::const_buffer items[N];
        };
        std::size_t count = 0;

        buffer_list() noexcept {
        }  // NOLINT(modernize-use-equals-default): = default is deleted, const_buffer's constructor is not trivial
        buffer_list(const buffer_list& o) noexcept { copy_items(o); }
        buffer_list(buffer_list&& o) noexcept { copy_items(o); }  // the items are views: moving is copying
        buffer_list& operator=(const buffer_list&) = delete;
        buffer_list& operator=(buffer_list&&) = delete;
        ~buffer_list() = default;
        void push(const void* data, std::size_t size) noexcept { new (&items[count++]) asio::const_buffer(data, size); }
        const asio::const_buffer* begin() const noexcept { return items; }
        const asio::const_buffer* end() const noexcept { return items + count; }

    private:
        void copy_items(const buffer_list& o) noexcept {
            for (; count < o.count; ++count) new (&items[count]) asio::const_buffer(o.items[count]);
        }
    };

    // The unwritten rest of the batch (its first N pieces).
    template <std::size_t N>
    buffer_list<N> gather() const {
        buffer_list<N> out;
        std::size_t skip = at_byte_;
        for (std::size_t i = at_item_; i < batch_.size() && out.count < N; ++i, skip = 0) {
            for (auto part : wire(batch_[i])) {
                if (skip >= part.size()) {
                    skip -= part.size();
                    continue;
                }
                part.remove_prefix(skip);
                skip = 0;
                out.push(part.data(), part.size());
                if (out.count == N) break;
            }
        }
        return out;
    }

    // `n` more bytes went out. True when the whole batch has.
    bool advance(std::size_t n) {
        while (at_item_ < batch_.size()) {
            auto [head, payload] = wire(batch_[at_item_]);
            auto left = head.size() + payload.size() - at_byte_;
            if (n < left) {
                at_byte_ += n;
                return false;
            }
            n -= left;
            ++at_item_;
            at_byte_ = 0;
        }
        return true;
    }

    // Non-blocking gather writes of the batch and of what is queued meanwhile;
    // true when all of it went out, or the write failed. Under a write_scope.
    bool write_now() {
        if constexpr (requires { stream_.non_blocking(true); }) {
            for (;;) {
                std::error_code ec;
                auto n = stream_.write_some(gather<64>(), ec);  // Asio gathers at most 64 per call
                if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
                    write_failed();
                    return true;
                }
                if (!advance(n)) return false;
                batch_done();
                if (!fill_batch()) return true;
            }
        }
        return false;
    }

    // The socket pushed back: the rest of the batch (and what is queued
    // meanwhile) goes out as it takes it.
    void write_async() {
        writing_ = true;
        write_progress_ = clock::now();
        rearm(write_progress_ + write_timeout_);
        write_more();
    }

    void write_more() {
        stream_.async_write_some(gather<16>(), [h = handle(this)](std::error_code ec, std::size_t n) {
            h->written(ec, n);
            h->settle();
        });
    }

    void written(std::error_code ec, std::size_t n) {
        write_scope scope(in_write_);
        if (ec) {
            write_failed();
        } else {
            write_progress_ = clock::now();
            if (!advance(n)) return write_more();
            batch_done();
            if (!write_failed_ && fill_batch() && !write_now()) return write_more();
        }
        writing_ = false;
        if (pad_due()) rearm(last_rx_ + pad_linger);
    }

    // Everything in the batch is written: account for it, run completions.
    void batch_done() {
        std::size_t total = 0;
        bool any_done = false, pong_written = false;
        for (auto& item : batch_) {
            total += item.accounted;
            if (item.what == out_item::kind::close) close_written_ = true;
            pong_written |= item.what == out_item::kind::pong;
            any_done |= static_cast<bool>(item.done);
        }
        core_->written(total);
        if (any_done) {
            // Completions may send: the batch must be out of the way first.
            auto finished = std::move(batch_);
            batch_.clear();
            for (auto& item : finished) core_->complete(item, {});
        }
        batch_.clear();
        if (batch_.capacity() > 64) std::vector<out_item>().swap(batch_);
        if (pong_written) {
            pong_queued_ = false;
            if (pong_owed_ && !close_sent_) {
                std::string data = std::move(owed_pong_);
                owed_pong_.clear();
                queue_pong(data);  // the write loop that called us takes it up
            }
        }
        if (close_written_ && paused_) {
            // Messages are no longer delivered: stop pausing (and leave this stack first).
            unpause();
            asio::post(stream_.get_executor(), [h = handle(this)] {
                h->read_loop();
                h->settle();
            });
        }
        if (close_written_ && close_received_) over_ = true;  // the handshake is complete
    }

    void write_failed() {
        write_failed_ = true;
        refuse(batch_, ws::error::connection_lost);
        batch_.clear();
        if (!status_) status_ = {.code = ws::close_code::abnormal, .reason = "write failed", .by_server = false};
        over_ = true;
        close_written_ = true;  // nothing more can be sent
    }

    static constexpr std::size_t buffer_size = 64UL * 1024;
    static constexpr std::uint32_t pad_min = 512, pad_max = 32 * 1024;
    static constexpr std::chrono::milliseconds pad_linger{1000};

    Stream stream_;
    timer_type timer_;
    const ws::config& config_;
    std::chrono::milliseconds write_timeout_;
    std::shared_ptr<channel_core> core_;
    std::optional<ws::deflate_params> deflate_;
    ws::decode_rules rules_;
    std::optional<close_status> status_;  // how it ends, once known

    // reading
    ws::frame_header header_;
    std::array<char, ws::max_header_size> head_buf_{};
    std::size_t head_len_ = 0;
    std::uint64_t payload_left_ = 0, payload_done_ = 0, wire_size_ = 0;
    std::string control_, message_, pending_, owed_pong_;
    ws::message_kind message_kind_ = ws::message_kind::text;
    ws::utf8_validator utf8_;
    std::unique_ptr<ws::inflater> inflater_;
    // Asio re-arms epoll (an epoll_ctl call) for every readiness wait, which
    // costs a busy connection more than a read does. So a connection that
    // receives again within pad_linger of its last bytes gets a buffer of its
    // own and asynchronous reads into it (no re-arming): 512 bytes, growing
    // (up to 32 KiB) while reads fill it; the timer takes it back once the
    // connection has been quiet for pad_linger. Idle connections hold no read buffer.
    std::unique_ptr<char[]> pad_;
    std::uint32_t pad_size_ = 0;
    clock::time_point last_rx_, close_deadline_, write_progress_, ping_sent_;

    // writing
    std::vector<out_item> batch_;
    std::size_t at_item_ = 0, at_byte_ = 0;  // how far the batch is written
    std::unique_ptr<ws::deflater> deflater_;

    // life
    registration registration_;
    std::function<void()> on_end_;
    handle self_;  // held from start() until the session ends
    std::uint32_t refs_ = 0;

    bool in_header_ = true, in_message_ = false, compressed_ = false, paused_ = false, drained_ = false;
    bool over_ = false, failed_ = false, close_sent_ = false, close_received_ = false, close_written_ = false;
    bool writing_ = false, in_write_ = false, write_failed_ = false, writable_ = false, ping_outstanding_ = false;
    bool pong_queued_ = false;   // an automatic pong is queued, not yet written
    bool pong_owed_ = false;     // a ping came meanwhile; owed_pong_ holds its payload
    bool read_waiting_ = false;  // a readiness wait, a read (or a yield) is pending
    bool drop_pad_ = false;      // the pending read was cancelled to give back pad_
    bool pad_reading_ = false;   // a read into pad_ is pending
    bool aborted_ = false;       // ended by a timeout or a forced stop: nothing more is written
    bool in_read_ = false, in_watch_ = false, timer_armed_ = false, ending_ = false, ended_ = false;
};

}  // namespace ringkit::detail
