// A keep-alive HTTP connection parked between requests: what an idle connection
// holds once its connection object, coroutine frames, read buffer, parser and
// request are gone. Its socket, its place in the thread's list (registration),
// who it is talking to and its idle deadline; a readiness wait on the socket and
// a timer. Completion handlers, no coroutine, as ws_session.
//
// A connection parks itself (connection::run) when it waits for the next
// request with nothing buffered, no request begun and nothing left to write,
// and its client looks idle (connection::session: right after the answer) or
// its idle read has waited a while (the watchdog). When the socket turns readable (a request, the
// client's FIN or a reset) a fresh connection takes the socket and the
// registration back, in a new coroutine, and reads what came. The idle deadline
// closes it here as it would have there; stop() reaches it through the list.
//
// Reference-counted like ws_session: each pending handler and the coroutine that
// resumes the connection hold a handle; the last one out deletes it (so an
// io_context destroyed with its handlers queued frees it too).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <system_error>
#include <utility>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/connection_list.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/metrics/server_metrics.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang).
#include <asio/basic_waitable_timer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/socket_base.hpp>
#include <asio/wait_traits.hpp>

namespace ringkit::detail {

/// `Conn` is the connection<Stream> that parks here and resumes from here; it
/// names its stream, shared configuration and peer types.
template <class Conn>
class parked final : public connection_base {
    using stream_type = typename Conn::stream_type;
    using config_type = typename Conn::config_type;
    using peer_type = typename Conn::peer_type;
    using handler_type = typename Conn::handler_type;
    using clock = std::chrono::steady_clock;

public:
    parked(const parked&) = delete;
    parked& operator=(const parked&) = delete;

    /// Takes the stream and `registered` (the connection's place in its thread's
    /// list and in the server's count) and waits for the socket, until `deadline`.
    static void start(stream_type stream, registration& registered, const config_type& config, const handler_type& app,
                      peer_type peer, clock::time_point deadline) {
        auto* p = new parked(std::move(stream), config, app, std::move(peer));
        p->registration_ = std::move(registered);
        p->registration_.move_to(*p);
        p->timer_.expires_at(deadline);
        p->timer_.async_wait([h = handle(p)](std::error_code ec) { h->expired(ec); });
        p->stream_.async_wait(stream_type::wait_read, [h = handle(p)](std::error_code ec) { h->readable(ec); });
    }

    // Nobody is waiting for an answer: close now. While the connection is being
    // resumed, it gets the stop instead, and ends without reading a request.
    void request_stop() override {
        stopping_ = true;
        if (state_ == state::waiting) close();
    }
    void force_close() override { close(); }

private:
    class handle {
    public:
        explicit handle(parked* p) noexcept : p_(p) { ++p_->refs_; }
        handle(handle&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
        handle(const handle&) = delete;
        handle& operator=(const handle&) = delete;
        handle& operator=(handle&&) = delete;
        ~handle() { reset(); }
        parked* operator->() const noexcept { return p_; }
        void reset() noexcept {
            if (p_ && --p_->refs_ == 0) delete p_;
            p_ = nullptr;
        }

    private:
        parked* p_;
    };

    enum class state : std::uint8_t { waiting, resuming, closed };

    parked(stream_type stream, const config_type& config, const handler_type& app, peer_type peer)
        : stream_(std::move(stream)), config_(config), app_(app), peer_(std::move(peer)),
          timer_(stream_.get_executor()) {}
    ~parked() = default;

    void readable(std::error_code ec) {
        if (state_ != state::waiting) return;
        if (ec) return close();
        state_ = state::resuming;
        timer_.cancel();
        asio::co_spawn(stream_.get_executor(), resume(handle(this)), asio::detached);
    }

    void expired(std::error_code ec) {
        if (ec || state_ != state::waiting) return;
        // idle_timeout, as the connection would have, and counted as its watchdog would
        if (const auto* m = config_.metrics) m->timed_out(metrics::timeout_phase::idle);
        close();
    }

    // A connection again: the socket and the registration go to it, and this
    // state is freed before the connection runs.
    static task<void> resume(handle self) {
        Conn conn(std::move(self->stream_), self->config_, self->app_, std::move(self->peer_));
        registration registered = std::move(self->registration_);
        registered.move_to(conn);
        conn.resumed(self->timer_.expiry() - self->config_.idle_timeout);
        if (self->stopping_) conn.request_stop();
        const auto& config = self->config_;
        self.reset();
        try {
            co_await conn.run(&registered);
        } catch (...) {
            config.log("connection failed", std::current_exception());
        }
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        if (state_ == state::waiting) state_ = state::closed;
        std::error_code ec;
        stream_.shutdown(asio::socket_base::shutdown_both, ec);
        stream_.close(ec);  // the readiness wait ends (aborted), and with it this state
        timer_.cancel();
    }

    stream_type stream_;
    registration registration_;
    const config_type& config_;
    const handler_type& app_;
    peer_type peer_;
    asio::basic_waitable_timer<clock, asio::wait_traits<clock>, typename stream_type::executor_type> timer_;
    unsigned refs_ = 0;
    state state_ = state::waiting;
    bool stopping_ = false, closed_ = false;
};

}  // namespace ringkit::detail
