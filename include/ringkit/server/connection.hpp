// One HTTP/1.1 connection, as one coroutine from accept to close.
//
// session() reads top to bottom: parse what has arrived, answer each complete
// request in order, read more. Responses are corked: a pipelined batch goes out
// in one gather write, flushed before the connection waits to read again.
// Deadlines are one watchdog beside the session: each phase (idle, headers,
// body, write) sets `deadline_`; when it passes the watchdog cancels the
// pending operation, and if the session does not end within linger_timeout
// it closes the stream outright.
//
// Between requests an idle client's connection parks (server/parked.hpp): the
// coroutine ends, freeing this object, its read buffer, parser and request; the
// socket waits in a small state that makes a new connection when bytes come.
//
// Every answer goes out through one response writer (start_response,
// write_body, end_response, stays_open): an ordinary response, a streamed body
// and an HTTP channel's sends alike; chunk framing is http/chunked.hpp's. What
// happens once a handler takes the connection over (a WebSocket, an HTTP
// channel) is server/handover.hpp's.
//
// The connection is a template on its stream: a TCP socket, a TLS stream
// (tls/stream.hpp, whose handshake run() does first), or in tests a scripted
// in-memory stream (tests/support/test_stream.hpp).
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/connection_list.hpp"
#include "ringkit/core/config.hpp"
#include "ringkit/core/exception.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/channel/channel.hpp"
#include "ringkit/http/handler.hpp"
#include "ringkit/http/parser.hpp"
#include "ringkit/http/serializer.hpp"
#include "ringkit/server/handover.hpp"
#include "ringkit/server/options.hpp"
#include "ringkit/server/parked.hpp"
#include "ringkit/server/response_writer.hpp"
#include "ringkit/ws/config.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/any_io_executor.hpp>
#include <asio/basic_stream_socket.hpp>
#include <asio/basic_waitable_timer.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/socket_base.hpp>
#include <asio/wait_traits.hpp>
#include <asio/write.hpp>

namespace ringkit {

class worker_pool;

namespace detail {

/// What every connection of a server shares (read-only while it runs); its
/// logger (server_options::logger) outlives every channel callback.
struct connection_config {
    parser_limits limits;
    std::string server_header = "ringkit";
    std::chrono::milliseconds header_timeout{10'000}, read_timeout{30'000}, idle_timeout{60'000}, write_timeout{30'000},
        linger_timeout{2'000}, body_rate_grace{5'000};
    std::size_t min_body_rate = 240;
    worker_pool* workers = nullptr;
    ringkit::logger logger;
    ws::config ws;
    const ::ringkit::metrics::server_metrics* metrics = nullptr;

    static connection_config from(const server_options& o) {
        connection_config c;
        c.limits = {o.max_line, o.max_header, o.max_header_count, o.max_body, o.spool_threshold, o.spool_dir};
        c.server_header = o.server_header;
        c.header_timeout = o.header_timeout;
        c.read_timeout = o.read_timeout;
        c.idle_timeout = o.idle_timeout;
        c.write_timeout = o.write_timeout;
        c.linger_timeout = o.linger_timeout;
        c.min_body_rate = o.min_body_rate;
        c.body_rate_grace = o.body_rate_grace;
        c.logger = o.logger;
        c.ws = o.websocket;
        c.metrics = o.metrics;
        return c;
    }

    void log(std::string_view message, const std::exception_ptr& error = nullptr) const { logger.log(message, error); }
};

/// The sockets a server serves: bound to their io_context's executor, smaller
/// and faster than behind the type-erased any_io_executor.
using tcp_socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;

/// Who is on the other end; fixed for the connection's life.
struct peer_info {
    std::string remote_addr;
    std::string local_addr;
    std::uint16_t server_port = 0;
};

}  // namespace detail

template <class Stream>
class connection final : public detail::connection_base {
    using clock = std::chrono::steady_clock;
    using phase = metrics::timeout_phase;
    friend class detail::handover<Stream>;
    friend class detail::response_writer<Stream>;

public:
    // What a parked connection (server/parked.hpp) keeps to make one again.
    using stream_type = Stream;
    using config_type = detail::connection_config;
    using peer_type = detail::peer_info;
    using handler_type = handler;

    connection(Stream stream, const detail::connection_config& config, const handler& app, detail::peer_info peer)
        : stream_(std::move(stream)), config_(config), app_(app),
          parser_(std::make_unique<request_parser>(config.limits)), peer_(std::move(peer)), in_(new char[in_size]),
          timer_(stream_.get_executor()),
          tick_(std::max(
              std::chrono::milliseconds(1),
              std::min({config.header_timeout, config.read_timeout, config.idle_timeout, config.write_timeout}) / 2)) {
        req_.remote_addr = peer_.remote_addr;
        req_.server_port = peer_.server_port;
        req_.workers = config.workers;
        req_.logger = config.logger;
        req_.upgrade = handover_.context();
        parser_->bind(req_);
        if constexpr (requires { stream_.non_blocking(true); }) {
            std::error_code ec;  // synchronous writes must say would_block, never wait
            stream_.non_blocking(true, ec);
        }
    }

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() = default;

    /// The HTTP part of the connection's life; returns once the stream is closed
    /// or handed to a callback-style WebSocket, which then takes `registration`
    /// (the connection's place in its thread's list) with it. With a
    /// registration, an idle connection parks (see session()): the stream and
    /// the registration go to a detail::parked state (server/parked.hpp), and
    /// run() returns; a new connection resumes there when bytes come.
    task<void> run(detail::registration* registration = nullptr) {
        if constexpr (can_park) may_park_ = registration != nullptr;
        watch();
        std::exception_ptr error;
        try {
            if (co_await handshake()) co_await session();
        } catch (...) {
            error = std::current_exception();
        }
        // The watchdog's handler holds `this`: let it run once more and bow out.
        // (Parked on our own list, this frame would leak if the io_context were
        // destroyed with that handler queued: server::stop runs what is queued first.)
        ended_ = true;
        timer_.cancel();
        co_await watchdog_done_.wait();
        // A WebSocket the handler's 101 announced gets the socket now: it needs none
        // of this connection's frames or buffers, so an idle one holds only its own state.
        handover_.finish(registration, error != nullptr);
        if constexpr (can_park) {
            if (parking_ && !error && !stopping_) {  // a stop since: close instead
                closed_ = true;                      // the stream is the parked state's now
                detail::parked<connection>::start(std::move(stream_), *registration, config_, app_, std::move(peer_),
                                                  deadline_);
            }
        }
        close_stream();
        if (error) std::rethrow_exception(error);
    }

    void request_stop() override {
        stopping_ = true;
        if (!handover_.request_stop() && idle_) cancel_stream();  // nobody is waiting for an answer: go now
    }
    void force_close() override {
        handover_.force_close([this] { close_stream(); });
    }

    Stream& stream() noexcept { return stream_; }

    /// A connection made again from a parked one: it had been idle since `t`.
    void resumed(clock::time_point t) noexcept { idle_since_ = t; }

private:
    // ---- the session ------------------------------------------------------

    // TLS first, under header_timeout (a client stalling mid-handshake is closed
    // at the deadline). Plain HTTP sent to the TLS port gets a 400 in clear text,
    // as nginx answers it, instead of a handshake failure the client cannot read.
    task<bool> handshake() {
        if constexpr (requires { stream_.async_handshake(detail::use_tuple); }) {
            set_deadline(clock::now() + config_.header_timeout, phase::tls_handshake);
            auto [ec] = co_await stream_.async_handshake(detail::use_tuple);
            set_deadline(clock::time_point::max());
            if (ec) {
                if (Stream::is_plain_http(ec) && !timed_out_) co_await answer_plain_http();
                co_return false;
            }
            req_.tls = stream_.info();
        }
        co_return true;
    }

    task<void> answer_plain_http() {
        auto res = response::text("The plain HTTP request was sent to the HTTPS port", 400);
        write_head(out_, res,
                   {.head = false, .http10 = false, .keep_alive = false, .server_header = config_.server_header});
        out_.append(res.body_string());
        set_deadline(clock::now() + config_.write_timeout, phase::write);
        auto [ec, n] = co_await asio::async_write(raw(), asio::buffer(out_), detail::use_tuple);
        out_.clear();
        if (const auto* m = config_.metrics) {
            m->server_error(400);
            m->sent(n);
        }
        if (!ec) co_await linger();
    }

    task<void> session() {
        for (;;) {
            auto [event, used] = parser_->feed({in_.get() + in_begin_, in_end_ - in_begin_});
            in_begin_ += used;
            switch (event) {
            case parse_event::need_more: {
                in_begin_ = in_end_ = 0;  // llhttp consumed everything
                if (!flushed_now() && !co_await finish_flush()) co_return;
                if (stopping_ && !parser_->in_message()) co_return;
                arm_read_deadline();
                if constexpr (can_park) {
                    if (idle_ && idle_client_) {
                        // Park now, unless the next request is already here.
                        std::error_code ec;
                        auto n = stream_.read_some(asio::buffer(in_.get(), in_size), ec);
                        if (ec == asio::error::would_block || ec == asio::error::try_again) {
                            parking_ = true;
                            co_return;
                        }
                        idle_ = false;
                        if (ec) co_return;
                        in_end_ = n;
                        if (const auto* m = config_.metrics) {
                            m->received(n);
                            started_ = clock::now();
                        }
                        break;
                    }
                }
                auto [ec, n] = co_await stream_.async_read_some(asio::buffer(in_.get(), in_size), detail::use_tuple);
                const bool fresh = idle_;  // these bytes begin a request
                idle_ = false;
                if (ec) {
                    // The watchdog cancelled an idle read to park (run() does it).
                    parking_ = park_ && ec == asio::error::operation_aborted && !timed_out_ && !stopping_;
                    if (timed_out_ && parser_->in_message()) co_await answer_error(408);
                    co_return;
                }
                park_ = false;  // the bytes came before the cancel: no parking
                in_end_ = n;
                if (const auto* m = config_.metrics) {
                    m->received(n);
                    if (fresh) started_ = clock::now();
                }
                break;
            }
            case parse_event::expect_continue:
                out_.append("HTTP/1.1 100 Continue\r\n\r\n");
                if (!co_await flush()) co_return;
                break;
            case parse_event::error: co_await answer_error(parser_->error_status()); co_return;
            case parse_event::message_complete: {
                head_deadline_ = body_start_ = clock::time_point::max();  // the next request gets its own
                answered_ = true;
                // Plain statements, not ?: around co_await: GCC 12 destroys such temporaries twice.
                response res;
                if (app_.is_sync()) res = call_sync();
                else if (app_.is_mixed() && call_mixed(res)) {
                }  // answered without a coroutine
                else
                    res = co_await call_async();
                if (handover_.pending() != detail::takeover::none) {
                    // The handler handed the connection to a channel (ws::accept, as_channel).
                    if (!co_await handover_.take_over(std::move(res), handler_threw_)) co_return;
                    break;
                }
                if (co_await writer_.respond(std::move(res)) != detail::answered::keep_alive) {
                    // Requests pipelined after the last answered one are dropped;
                    // lingering keeps the client from losing that answer to a reset.
                    if (in_begin_ < in_end_ || parser_->in_message()) co_await linger();
                    co_return;
                }
                // What middleware attached (an upload's temp files, a session) and a
                // spooled body end with their request, not when the next one arrives.
                req_.ext.clear();
                req_.body_file.reset();
                break;
            }
            }
        }
    }

    response call_sync() {
        prepare_call();
        try {
            return app_.call_sync(req_);
        } catch (...) {
            return handler_failed(std::current_exception());
        }
    }

    // A sometimes-coroutine handler: true when it answered at once (into `res`);
    // otherwise its task waits in work_ for call_async().
    bool call_mixed(response& res) {
        prepare_call();
        try {
            auto r = app_.call_mixed(req_);
            if (auto* done = std::get_if<response>(&r)) {
                res = std::move(*done);
                return true;
            }
            work_.emplace(std::move(std::get<task<response>>(r)));
            return false;
        } catch (...) {
            res = handler_failed(std::current_exception());
            return true;
        }
    }

    task<response> call_async() {
        prepare_call();
        auto work = std::exchange(work_, std::nullopt);
        // Answers already corked must not wait for a handler that may take long
        // (a long poll): they go out before it starts.
        if (!flushed_now() && !co_await finish_flush()) co_return response::text("Internal Server Error", 500);
        std::exception_ptr error;
        try {
            if (work) co_return co_await std::move(*work);
            co_return co_await app_.call_async(req_);
        } catch (...) {
            error = std::current_exception();
        }
        co_return handler_failed(error);
    }

    void prepare_call() {
        handler_threw_ = false;
        if (req_.server_name.empty()) req_.server_name = peer_.local_addr;
        // Middleware may rewrite these (wrap_forwarded); each request starts from the connection's own.
        req_.remote_addr = peer_.remote_addr;
        req_.scheme = req_.tls ? "https" : "http";
        set_deadline(clock::time_point::max());  // a handler may take as long as it likes
    }

    response handler_failed(const std::exception_ptr& error) {
        handler_threw_ = true;  // take_over() must not serve a channel the handler left half made
        req_.log(handover_.pending() == detail::takeover::websocket
                     ? "handler threw after ws::accept; closing the WebSocket with 1011"
                     : "handler threw; sent 500",
                 error);
        auto res = response::text("Internal Server Error", 500);  // never the exception's text
        // The id the log line carries, so the client can quote it (wrap_request_id set it).
        if (!req_.request_id.empty()) res.headers.add("X-Request-Id", req_.request_id);
        return res;
    }

    // An error the parser found: answer it (after any corked responses) and close.
    task<void> answer_error(int status) {
        if (const auto* m = config_.metrics) m->server_error(status);
        auto res = response::text(std::string(reason_phrase(status)), status);
        if (status == 505) res.body = std::string("HTTP Version Not Supported");
        write_head(out_, res,
                   {.head = false, .http10 = false, .keep_alive = false, .server_header = config_.server_header});
        out_.append(res.body_string());
        if (co_await flush()) co_await linger();
    }

    // Closing right after an error response while the client is still sending
    // makes the kernel reset the connection, and the client may lose the response.
    // So: half-close, then read and discard for a little while (nginx's lingering close).
    task<void> linger() {
        std::error_code ec;
        stream_.shutdown(asio::socket_base::shutdown_send, ec);  // TLS: close_notify, then FIN
        if (ec) co_return;
        set_deadline(clock::now() + config_.linger_timeout, phase::linger);
        // Up to linger_timeout, and a byte cap well past what a client has in
        // flight when it sees our answer (a 1 MiB upload refused early on
        // loopback reset the client before it read the 413 at 256 KiB).
        std::size_t drained = 0;
        while (drained < 8UL * 1024 * 1024) {
            // Under TLS too the bytes are dropped unread: no need to decrypt them.
            auto [rec, n] = co_await raw().async_read_some(asio::buffer(in_.get(), in_size), detail::use_tuple);
            if (rec) break;
            drained += n;
        }
    }

    // ---- I/O with deadlines -------------------------------------------------

    void arm_read_deadline() {
        idle_ = !parser_->in_message();
        const auto now = clock::now();
        if (idle_) {
            head_deadline_ = clock::time_point::max();
            if constexpr (can_park) {
                // After an answer, a client looks idle whose request came park_after()
                // or more after the one before, or which has sent one request so far.
                if (answered_) {
                    idle_client_ = may_park_ && idle_since_ <= now - park_after();
                    idle_since_ = now;
                }
            }
            set_deadline(now + config_.idle_timeout, phase::idle);
        } else if (parser_->headers_done()) {
            // Each read gets read_timeout, and the body as a whole must keep up
            // min_body_rate: otherwise a byte every read_timeout holds it for ever.
            head_deadline_ = clock::time_point::max();
            auto deadline = now + config_.read_timeout;
            auto which = phase::body;
            if (config_.min_body_rate) {
                if (body_start_ == clock::time_point::max()) body_start_ = now;
                auto earned = std::chrono::milliseconds(parser_->body_received() * 1000 / config_.min_body_rate);
                if (const auto rate = body_start_ + config_.body_rate_grace + earned; rate < deadline) {
                    deadline = rate;
                    which = phase::body_rate;
                }
            }
            set_deadline(deadline, which);
        } else {
            // header_timeout runs from the head's first bytes, not from each read:
            // a client trickling a byte at a time must not hold the connection for ever.
            if (head_deadline_ == clock::time_point::max()) head_deadline_ = now + config_.header_timeout;
            set_deadline(head_deadline_, phase::header);
        }
    }

    // Writes every byte of `buffers` (up to 4). write_timeout bounds a wait for
    // the socket to take more bytes, not the whole transfer: a slow reader that
    // keeps reading is not cut off. A socket gets a synchronous non-blocking write
    // first: most responses fit the send buffer, and completing inline saves a
    // trip through the reactor.
    template <class Buffers>
    task<bool> write(const Buffers& buffers, bool try_now = true) {
        std::array<asio::const_buffer, 4> storage;
        std::size_t count = 0;
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it)
            if (asio::const_buffer b(*it); b.size() > 0) storage[count++] = b;
        std::span<asio::const_buffer> pending(storage.data(), count);
        auto advance = [&](std::size_t n) {
            while (n > 0) {
                auto take = std::min(n, pending.front().size());
                pending.front() += take;
                n -= take;
                if (pending.front().size() == 0) pending = pending.subspan(1);
            }
        };
        if constexpr (requires { stream_.non_blocking(true); }) {
            if (try_now) {
                std::error_code ec;  // the constructor put the socket in non-blocking mode
                advance(count_sent(stream_.write_some(pending, ec)));
                if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return false;
            }
        }
        while (!pending.empty()) {
            set_deadline(clock::now() + config_.write_timeout, phase::write);
            auto [ec, n] = co_await stream_.async_write_some(pending, detail::use_tuple);
            if (ec) co_return false;
            advance(count_sent(n));
        }
        set_deadline(clock::time_point::max());  // between writes a stream's producer takes its time
        co_return true;
    }

    task<bool> flush() {
        if (flushed_now()) co_return true;
        co_return co_await finish_flush();  // a statement, not `||` around co_await (GCC 12)
    }

    // The rest of a flush once flushed_now() could not finish it: straight to
    // the asynchronous write, without a second synchronous attempt.
    task<bool> finish_flush() {
        if (out_.empty()) co_return true;
        bool ok = co_await write(asio::buffer(out_), false);
        out_.clear();
        co_return ok;
    }

    // The common case of flush() without a coroutine frame: a socket that takes
    // out_ whole right now. False when flush() has to finish the job (or report
    // the error).
    bool flushed_now() {
        if (out_.empty()) return true;
        if constexpr (requires { stream_.non_blocking(true); }) {
            std::error_code ec;
            auto n = count_sent(stream_.write_some(asio::buffer(out_), ec));
            if (ec) return false;
            out_.erase(0, n);
            return out_.empty();
        }
        return false;
    }

    // The watchdog wakes at least every tick_ (half the shortest timeout), so a
    // deadline can be moved later, or up to tick_ earlier, without touching the
    // timer: the hot path pays one clock read per phase. Only an earlier deadline
    // than that (linger, the grace after a timeout) re-arms it.
    // `p` says what passes the deadline, for ringkit_http_timeouts_total.
    void set_deadline(clock::time_point t, metrics::timeout_phase p = metrics::timeout_phase::none) {
        deadline_ = t;
        phase_ = p;
        if (t < timer_.expiry()) timer_.cancel();
    }

    // Bytes written, counted when the server has metrics; returns `n`.
    std::size_t count_sent(std::size_t n) const {
        if (const auto* m = config_.metrics) m->sent(n);
        return n;
    }

    //
    // The watchdog is a timer handler that re-arms itself, not a coroutine run
    // beside the session: that pair (`session() || watchdog()`) cost about 3 KB
    // of coroutine frames and parallel-group state per connection.
    void watch() {
        if (ended_) {
            watchdog_done_.notify_all();
            return;
        }
        auto now = clock::now();
        auto next = now + tick_;
        if constexpr (can_park) {
            // A busy client gone quiet: in its idle read since idle_since_, it
            // parks once that is park_after() ago (checked at the next wake-up,
            // at most tick_ away, so the hot path never touches the timer).
            if (idle_ && may_park_ && !park_ && !stopping_ && deadline_ > now) {
                const auto park_at = idle_since_ + park_after();
                if (park_at <= now) {
                    park_ = true;
                    cancel_stream();
                } else {
                    next = std::min(next, park_at);
                }
            }
        }
        if (deadline_ <= now) {
            if (!timed_out_) {
                // Stop the overdue operation; the session still gets to say 408.
                timed_out_ = true;
                if (const auto* m = config_.metrics) m->timed_out(phase_);
                cancel_stream();
                deadline_ = now + config_.linger_timeout;
            } else {
                close_stream();
                deadline_ = clock::time_point::max();
            }
        }
        timer_.expires_at(std::min(deadline_, next));
        timer_.async_wait([this](std::error_code) { watch(); });
    }

    // Parking: a socket that can wait for readiness, and no TLS (a tls_stream
    // may hold bytes OpenSSL already decrypted; an idle TLS connection keeps
    // its whole state for now). An idle client parks as soon as it is answered
    // (session()); a busy one, whose next request comes within milliseconds,
    // never pays for a new connection and coroutine per request: it parks only
    // once its idle read has waited park_after().
    static constexpr bool can_park = requires(Stream & s) { s.async_wait(Stream::wait_read, detail::use_tuple); }
    &&!requires(Stream & s) { s.async_handshake(detail::use_tuple); };
    std::chrono::milliseconds park_after() const noexcept { return std::min(tick_, std::chrono::milliseconds(1'000)); }

    // Once the socket turned readable with no request being read: 1 when bytes
    // wait (a pipelined request, left where it is), would_block when nothing
    // does after all, another error when the client is gone.
    static constexpr bool can_peek = requires(Stream & s, std::error_code& e) { s.peek_some(e); }
    || requires(Stream& s) { s.native_handle(); };
    std::size_t peek(std::error_code& ec) {
        if constexpr (requires { stream_.peek_some(ec); }) {
            return stream_.peek_some(ec);
        } else {
            char probe = 0;
            auto n = ::recv(stream_.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n > 0) ec = {};
            else if (n == 0) ec = asio::error::eof;
            else if (errno == EAGAIN || errno == EWOULDBLOCK) ec = asio::error::would_block;
            else ec = {errno, std::system_category()};
            return n > 0 ? 1 : 0;
        }
    }

    // The socket under a TLS stream; the stream itself otherwise.
    auto& raw() noexcept {
        if constexpr (requires { stream_.next_layer(); }) return stream_.next_layer();
        else return stream_;
    }

    void cancel_stream() noexcept {
        std::error_code ec;
        stream_.cancel(ec);
    }
    void close_stream() noexcept {
        if (closed_) return;
        closed_ = true;
        std::error_code ec;
        stream_.shutdown(asio::socket_base::shutdown_both, ec);
        stream_.close(ec);
    }

    Stream stream_;
    const detail::connection_config& config_;
    const handler& app_;
    std::unique_ptr<request_parser> parser_;  // on the heap: a WebSocket gives it back
    detail::peer_info peer_;
    request req_;
    // On the heap, so a WebSocket can give it back: an idle one holds no read buffer.
    static constexpr std::size_t in_size = 16UL * 1024;
    std::unique_ptr<char[]> in_;
    std::size_t in_begin_ = 0, in_end_ = 0;
    std::string out_;
    asio::basic_waitable_timer<clock, asio::wait_traits<clock>, typename Stream::executor_type> timer_;
    std::chrono::milliseconds tick_;
    clock::time_point deadline_ = clock::time_point::max();
    clock::time_point head_deadline_ = clock::time_point::max();   ///< header_timeout of the head being read
    clock::time_point body_start_ = clock::time_point::max();      ///< when its body was first awaited
    metrics::timeout_phase phase_ = metrics::timeout_phase::none;  ///< what deadline_ bounds
    clock::time_point started_{};  ///< when the request being read began (with metrics only)
    bool idle_ = false, stopping_ = false, timed_out_ = false, closed_ = false, ended_ = false;
    clock::time_point idle_since_ = clock::time_point::min();  ///< when the last idle read after an answer began
    // run() had a registration; a request was answered; the client looks idle;
    // the watchdog asked to park; parking.
    bool may_park_ = false, answered_ = false, idle_client_ = false, park_ = false, parking_ = false;
    bool handler_threw_ = false;       // the current request's handler threw (see take_over)
    detail::wait_list watchdog_done_;  // run() waiting for the watchdog's last call

    std::optional<task<response>> work_;  // a mixed handler's task, for call_async
    // After everything they use: they go first; the hand-over ends what it started.
    detail::response_writer<Stream> writer_{*this};
    detail::handover<Stream> handover_{*this};
};

#if defined(RINGKIT_SEPARATE_COMPILATION)
// Compiled once, in server.ipp: a test that drives a connection<tcp_socket>
// does not compile the whole engine again.
extern template class connection<detail::tcp_socket>;
#endif

}  // namespace ringkit
