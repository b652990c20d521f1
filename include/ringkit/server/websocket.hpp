// One WebSocket connection after its 101: the RFC 6455 engine between a stream
// and a channel.
//
// The reader is a coroutine that owns the connection's remaining life: it reads
// frames, answers pings, reassembles, inflates and checks messages, hands them
// to the channel, and runs the close handshake. Writing needs no coroutine of
// its own while the socket keeps up: the channel wakes the session, which
// writes the queue at once with a non-blocking gather write; only when the
// socket pushes back does a writer coroutine finish the job.
//
// Memory: an idle WebSocket holds no read buffer. Sockets are read only when
// readable, into one buffer per thread; a partial frame header (≤ 14 bytes)
// is all that stays behind, and a message being reassembled lives in its own
// string, released once delivered.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/core/wait_list.hpp"
#include "ringkit/ws/channel.hpp"
#include "ringkit/ws/close.hpp"
#include "ringkit/ws/config.hpp"
#include "ringkit/ws/deflate.hpp"
#include "ringkit/ws/frame.hpp"
#include "ringkit/ws/utf8.hpp"

namespace ringkit::detail {

template <class Stream>
class ws_session final : public channel_transport {
    using clock = std::chrono::steady_clock;

public:
    /// `timer` is the connection's watchdog timer: the session cancels it when
    /// it needs an earlier next_deadline() than the one being waited for.
    ws_session(Stream& stream, asio::steady_timer& timer, const ws::config& config,
               std::chrono::milliseconds write_timeout, std::shared_ptr<channel_core> core,
               std::optional<ws::deflate_params> deflate)
        : stream_(stream), timer_(timer), config_(config), write_timeout_(write_timeout), core_(std::move(core)),
          deflate_(deflate), last_rx_(clock::now()) {
        rules_.require_mask = true;
        rules_.allow_rsv1 = deflate_.has_value();
    }
    ws_session(const ws_session&) = delete;
    ws_session& operator=(const ws_session&) = delete;
    ~ws_session() { core_->detach(); }

    /// Serves the WebSocket until it is over; `leftover` is what the client sent
    /// after its handshake. The caller closes the stream afterwards.
    task<void> run(std::string leftover) {
        pending_ = std::move(leftover);
        core_->attach(this);
        core_->opened();
        while (!over_) {
            if (!pending_.empty()) {
                // Bytes saved while the inbox was full (or sent with the handshake).
                std::string data = std::move(pending_);
                pending_.clear();
                consume(data.data(), data.size());
            } else if (!co_await read_more()) {
                break;
            }
            if (paused_ && !over_ && !close_written_) {
                co_await core_->wait_inbox_room();
                paused_ = false;
                // The reactor may have seen (and, with no wait pending, dropped)
                // the socket's readiness meanwhile: read before waiting again.
                drained_ = false;
            }
            if (close_sent_ && close_received_) over_ = true;
        }
        co_await end();
    }

    /// Called by the watchdog when a deadline passes; does what is due and
    /// returns when it wants to be called next.
    clock::time_point on_deadline(clock::time_point now) {
        if (close_sent_ && now >= close_deadline_ && !over_) {
            abort("the peer did not answer our close frame");
            return clock::time_point::max();
        }
        if (writing_ && now - write_progress_ >= write_timeout_) {
            abort("write timeout");
            return clock::time_point::max();
        }
        if (config_.idle_timeout.count() > 0 && !close_sent_ && !over_) {
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
        if (config_.idle_timeout.count() > 0 && !close_sent_ && !over_) {
            if (config_.auto_ping && !ping_outstanding_) next = std::min(next, last_rx_ + config_.idle_timeout / 2);
            else next = std::min(next, idle_close_at());
        }
        return next;
    }

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

    /// Server stop: a close frame with 1001, then the usual handshake.
    void request_stop() { core_->close(ws::close_code::going_away, "server shutting down"); }

    // The channel has items: write them now if the socket takes them.
    void wake() override {
        // Not while a write is in progress, or inside one (a completion that sends):
        // that write takes up whatever is queued when it finishes.
        if (writing_ || in_write_ || over_) return;
        if (!fill_batch()) return;
        if (write_now()) return;
        writing_ = true;
        write_progress_ = clock::now();
        rearm(write_progress_ + write_timeout_);
        asio::co_spawn(stream_.get_executor(), write_rest(), asio::detached);
    }

private:
    // ---- reading ------------------------------------------------------------

    static std::span<char> thread_buffer() {
        static thread_local std::unique_ptr<char[]> buffer(new char[buffer_size]);
        return {buffer.get(), buffer_size};
    }

    // Reads what the socket has and consumes it. False when the connection is gone.
    task<bool> read_more() {
        if constexpr (requires { stream_.async_wait(Stream::wait_read, detail::use_tuple); }) {
            auto buf = thread_buffer();
            std::error_code ec;
            std::size_t n = 0;
            if (!drained_) n = stream_.read_some(asio::buffer(buf.data(), buf.size()), ec);
            if (drained_ || ec == asio::error::would_block || ec == asio::error::try_again) {
                drained_ = false;
                auto [wec] = co_await stream_.async_wait(Stream::wait_read, detail::use_tuple);
                if (wec && !over_) lost(wec == asio::error::operation_aborted ? "closed" : "read error");
                co_return !over_;
            }
            if (ec) {
                lost(ec == asio::error::eof ? "the client closed TCP without a close frame" : "read error");
                co_return false;
            }
            // A short read emptied the socket: the next wait will see new bytes.
            drained_ = n < buf.size();
            last_rx_ = clock::now();
            consume(buf.data(), n);
            co_return !over_;
        } else {
            std::string buf(4096, '\0');  // streams without readiness waits (tests)
            auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buf), detail::use_tuple);
            if (ec) {
                if (!over_) lost("read error");
                co_return false;
            }
            last_rx_ = clock::now();
            consume(buf.data(), n);
            co_return !over_;
        }
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
        ws::header_status st;
        std::size_t used;
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
            if (!in_message_) return fail(ws::close_code::protocol_error, ws::error::protocol_error, "continuation without a message");
            if (header_.rsv1) return fail(ws::close_code::protocol_error, ws::error::protocol_error, "RSV1 on a continuation frame");
        } else {
            if (in_message_) return fail(ws::close_code::protocol_error, ws::error::protocol_error, "new message inside a fragmented one");
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
            if (!inflater_) inflater_ = std::make_unique<ws::inflater>(deflate_->client_max_window_bits,
                                                                     deflate_->client_no_context_takeover);
            if (!inflate(bytes, false)) return;
        } else {
            message_.append(bytes);
        }
        if (message_kind_ == ws::message_kind::text &&
            !utf8_.feed(std::string_view(message_).substr(before)))
            fail(ws::close_code::invalid_payload, ws::error::invalid_utf8, "invalid UTF-8");
    }

    bool inflate(std::string_view bytes, bool last) {
        switch (inflater_->inflate(bytes, message_, last, config_.max_message)) {
        case ws::inflate_status::ok: return true;
        case ws::inflate_status::too_big: fail(ws::close_code::too_big, ws::error::message_too_big, "message too big"); return false;
        case ws::inflate_status::error: fail(ws::close_code::protocol_error, ws::error::protocol_error, "bad compressed data"); return false;
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
            if (message_kind_ == ws::message_kind::text &&
                !utf8_.feed(std::string_view(message_).substr(before)))
                return fail(ws::close_code::invalid_payload, ws::error::invalid_utf8, "invalid UTF-8");
        }
        if (message_kind_ == ws::message_kind::text && !utf8_.complete())
            return fail(ws::close_code::invalid_payload, ws::error::invalid_utf8, "invalid UTF-8");
        utf8_.reset();
        ws::message m{message_kind_, std::move(message_)};
        message_ = std::string();  // an idle connection keeps no message memory
        core_->deliver(std::move(m));
        if (core_->inbox_full()) paused_ = true;
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
        core_->report_error(err);
        if (!close_sent_) {
            status_ = {.code = code, .reason = std::string(why), .by_server = true};
            core_->close(code, why);
        }
        close_received_ = true;  // nothing more is read
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
        wake_reader();
    }

    void abort(std::string_view why) {
        if (!status_) status_ = {.code = ws::close_code::abnormal, .reason = std::string(why), .by_server = true};
        over_ = true;
        std::error_code ec;
        stream_.cancel(ec);  // wakes the reader and any writer
        wake_reader();
    }

    // A reader paused for a full inbox must see that the session is over (or
    // that, our close being out, messages are no longer delivered).
    void wake_reader() { core_->wake_reader(); }

    // Waits for the last writes (a close frame) to go out, then reports the close.
    task<void> end() {
        over_ = true;
        // A close we queued (an echo, or after a protocol error) still goes out,
        // behind whatever write is in progress; write_timeout bounds the wait.
        writable_ = true;
        for (;;) {
            while (writing_) co_await writer_done_.wait();
            if (close_written_ || write_failed_ || !fill_batch()) break;
            if (write_now()) continue;
            writing_ = true;
            write_progress_ = clock::now();
            rearm(write_progress_ + write_timeout_);
            asio::co_spawn(stream_.get_executor(), write_rest(), asio::detached);
        }
        if (!status_) status_ = {.code = ws::close_code::abnormal, .reason = "connection ended", .by_server = false};
        core_->finish(*status_);
    }

    // ---- writing --------------------------------------------------------------

    // Takes queued items and lays them out as one gather write. False: nothing to write.
    bool fill_batch() {
        if (close_written_ || (over_ && !writable_)) {
            // Past our close frame nothing more may be sent.
            std::vector<out_item> late;
            core_->take(late);
            for (auto& item : late) {
                core_->written(item.size());
                if (item.done) item.done(ws::error::closed);
            }
            return false;
        }
        if (!core_->take(batch_)) return false;
        heads_.clear();
        heads_.reserve(batch_.size() * ws::max_header_size);
        accounted_.clear();
        buffers_.clear();
        // Headers first, so their storage is final before buffers point into it.
        std::vector<std::size_t> head_at;
        head_at.reserve(batch_.size());
        std::size_t stop = batch_.size();
        for (std::size_t i = 0; i < batch_.size(); ++i) {
            auto& item = batch_[i];
            accounted_.push_back(item.size());
            head_at.push_back(heads_.size());
            if (i >= stop) continue;
            encode(item);
            if (item.what == out_item::kind::close) stop = i + 1;  // nothing after a close frame
        }
        for (std::size_t i = 0; i < stop; ++i) {
            auto& item = batch_[i];
            if (item.shared && item.shared_head) {
                buffers_.push_back(asio::buffer(*item.shared));
            } else {
                auto end = i + 1 < batch_.size() ? head_at[i + 1] : heads_.size();
                buffers_.push_back(asio::buffer(heads_.data() + head_at[i], end - head_at[i]));
                if (!item.payload().empty()) buffers_.push_back(asio::buffer(item.payload()));
            }
        }
        // Items after a close frame are refused.
        for (std::size_t i = stop; i < batch_.size(); ++i) {
            core_->written(accounted_[i]);
            if (batch_[i].done) batch_[i].done(ws::error::closed);
        }
        batch_.resize(stop);
        accounted_.resize(stop);
        first_ = 0;
        return true;
    }

    void encode(out_item& item) {
        using k = out_item::kind;
        char head[ws::max_header_size];
        std::size_t len = 0;
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
            len = ws::encode_header(head, op, item.payload().size(), true, rsv1);
            break;
        }
        case k::ping: len = ws::encode_header(head, ws::opcode::ping, item.data.size()); break;
        case k::pong: len = ws::encode_header(head, ws::opcode::pong, item.data.size()); break;
        case k::close:
            len = ws::encode_header(head, ws::opcode::close, item.data.size());
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
        heads_.append(head, len);
    }

    // One non-blocking gather write of the batch; true when all of it went out
    // (then anything queued meanwhile is written too).
    bool write_now() {
        if constexpr (requires { stream_.non_blocking(true); }) {
            in_write_ = true;
            struct reset {
                bool& flag;
                ~reset() { flag = false; }
            } guard{in_write_};
            for (;;) {
                std::error_code ec;
                auto n = stream_.write_some(pending_buffers(), ec);
                if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
                    write_failed();
                    return true;
                }
                advance(n);
                if (first_ < buffers_.size()) return false;
                batch_done();
                if (!fill_batch()) return true;
            }
        }
        return false;
    }

    task<void> write_rest() {
        for (;;) {
            while (first_ < buffers_.size()) {
                auto [ec, n] = co_await stream_.async_write_some(pending_buffers(), detail::use_tuple);
                if (ec) {
                    write_failed();
                    break;
                }
                write_progress_ = clock::now();
                advance(n);
            }
            if (first_ >= buffers_.size()) batch_done();
            if (write_failed_ || !fill_batch()) break;
        }
        writing_ = false;
        writer_done_.notify_all();
    }

    std::span<const asio::const_buffer> pending_buffers() const {
        // Asio gathers at most 64 buffers per call; the rest go in the next one.
        auto n = std::min<std::size_t>(buffers_.size() - first_, 64);
        return {buffers_.data() + first_, n};
    }

    void advance(std::size_t n) {
        while (n > 0 && first_ < buffers_.size()) {
            auto take = std::min(n, buffers_[first_].size());
            buffers_[first_] += take;
            n -= take;
            if (buffers_[first_].size() == 0) ++first_;
        }
    }

    // Everything in the batch is written: account for it, run completions.
    void batch_done() {
        std::size_t total = 0;
        for (auto a : accounted_) total += a;
        core_->written(total);
        buffers_.clear();
        first_ = 0;
        bool any_done = false, pong_written = false;
        for (auto& item : batch_) {
            if (item.what == out_item::kind::close) close_written_ = true;
            pong_written |= item.what == out_item::kind::pong;
            any_done |= static_cast<bool>(item.done);
        }
        if (any_done) {
            // Completions may send: the batch must be out of the way first.
            auto finished = std::move(batch_);
            batch_.clear();
            for (auto& item : finished)
                if (item.done) item.done({});
        }
        batch_.clear();
        if (batch_.capacity() > 64) {
            std::vector<out_item>().swap(batch_);
            std::vector<asio::const_buffer>().swap(buffers_);
        }
        if (pong_written) {
            pong_queued_ = false;
            if (pong_owed_ && !close_sent_) {
                std::string data = std::move(owed_pong_);
                owed_pong_.clear();
                queue_pong(data);  // the write loop that called us takes it up
            }
        }
        if (close_written_) wake_reader();  // messages are no longer delivered: stop pausing
        if (close_written_ && close_received_) {
            // The handshake is complete: wake the reader to end the session.
            over_ = true;
            std::error_code ec;
            stream_.cancel(ec);
        }
    }

    void write_failed() {
        write_failed_ = true;
        for (auto& item : batch_)
            if (item.done) item.done(ws::error::connection_lost);
        std::size_t total = 0;
        for (auto a : accounted_) total += a;
        core_->written(total);
        batch_.clear();
        buffers_.clear();
        first_ = 0;
        if (!status_) status_ = {.code = ws::close_code::abnormal, .reason = "write failed", .by_server = false};
        over_ = true;
        close_written_ = true;  // nothing more can be sent
        std::error_code ec;
        stream_.cancel(ec);
        wake_reader();
    }

    void rearm(clock::time_point t) {
        if (t < timer_.expiry()) timer_.cancel();
    }

    static constexpr std::size_t buffer_size = 64 * 1024;

    Stream& stream_;
    asio::steady_timer& timer_;
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
    clock::time_point last_rx_, close_deadline_, write_progress_, ping_sent_;

    // writing
    std::vector<out_item> batch_;
    std::vector<std::size_t> accounted_;
    std::vector<asio::const_buffer> buffers_;
    std::size_t first_ = 0;
    std::string heads_;
    std::unique_ptr<ws::deflater> deflater_;
    wait_list writer_done_;

    bool in_header_ = true, in_message_ = false, compressed_ = false, paused_ = false, drained_ = false;
    bool over_ = false, failed_ = false, close_sent_ = false, close_received_ = false, close_written_ = false;
    bool writing_ = false, in_write_ = false, write_failed_ = false, writable_ = false, ping_outstanding_ = false;
    bool pong_queued_ = false;  // an automatic pong is queued, not yet written
    bool pong_owed_ = false;    // a ping came meanwhile; owed_pong_ holds its payload
};

}  // namespace ringkit::detail
