// The definitions behind server.hpp: the server's state (server_impl), its
// accept loop and the serving of each socket by a connection. Included at the
// end of server.hpp in header-only builds, and by <ringkit/src.hpp> once under
// RINGKIT_SEPARATE_COMPILATION.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ringkit/core/connection_list.hpp"
#include "ringkit/metrics/server_metrics.hpp"
#include "ringkit/server/connection.hpp"
#include "ringkit/server/server.hpp"
#include "ringkit/server/worker_pool.hpp"
#if RINGKIT_HAS_OPENSSL
#include "ringkit/tls/context.hpp"
#include "ringkit/tls/stream.hpp"
#endif

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

namespace ringkit {
namespace detail {

class server_impl {
    using tcp = asio::ip::tcp;

public:
    server_impl(handler app, server_options options)
        : app_(std::move(app)), options_(std::move(options)), config_(connection_config::from(options_)) {}
    server_impl(const server_impl&) = delete;
    server_impl& operator=(const server_impl&) = delete;
    ~server_impl() {
        try {
            if (state() == server_state::running) stop(std::chrono::milliseconds(0));
            else if (state() == server_state::stopping) join();
        } catch (...) {
            // Stopping failed (destroyed on one of its own threads, or out of
            // memory): threads that still use *this must not outlive it, so end
            // here, as the noexcept destructor always did, but on purpose.
            std::terminate();
        }
    }

    void start() {
        // Under the lock: stop() and state() on other threads see either nothing
        // started or everything, never a half-built thread list.
        std::lock_guard lock(mutex_);
        if (state_ != server_state::created) throw std::logic_error("ringkit: server already started");
        unsigned n = options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
        unsigned w =
            options_.worker_threads ? options_.worker_threads : std::max(1u, std::thread::hardware_concurrency());
        workers_ = std::make_unique<worker_pool>(w, options_.queue_size,
                                                 options_.metrics ? &options_.metrics->workers() : nullptr);
        config_.workers = workers_.get();
        const bool tls = options_.tls.enabled();
        if (tls) {
#if RINGKIT_HAS_OPENSSL
            tls_ = std::make_unique<tls_context>(options_.tls);  // throws, naming the file, when one is broken
#else
            throw std::runtime_error("ringkit: TLS needs a build with OpenSSL (apt-get install libssl-dev)");
#endif
        }
        for (unsigned i = 0; i < n; ++i) threads_.push_back(std::make_unique<io_thread>());
        port_ = listen(options_.port, tls, n);
        if (tls && options_.plain_port) plain_port_ = listen(*options_.plain_port, false, n);
        state_ = server_state::running;
        for (unsigned i = 0; i < n; ++i) {
            auto& t = *threads_[i];
            for (auto& l : t.listeners) asio::co_spawn(t.ctx, accept_loop(t, l), asio::detached);
            t.thread = std::thread([&t] { t.ctx.run(); });
        }
    }

    void reload_tls() {
#if RINGKIT_HAS_OPENSSL
        std::lock_guard lock(mutex_);
        if (tls_) return tls_->reload();
#endif
        throw std::logic_error("ringkit: reload_tls() on a server without TLS");
    }

    void run() {
        start();
        join();
    }

    void join() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return state_ == server_state::stopped || state_ == server_state::created; });
    }

    bool stop(std::chrono::milliseconds timeout) {
        {
            std::lock_guard lock(mutex_);
            if (state_ != server_state::running) return false;
            // Joining the thread (or pool) we run on would never return.
            bool on_own_thread = workers_->running_in_this_thread();
            for (auto& t : threads_) on_own_thread |= t->ctx.get_executor().running_in_this_thread();
            if (on_own_thread) throw std::logic_error("ringkit: server::stop() called from one of its own threads");
            state_ = server_state::stopping;
            changed_.notify_all();
        }
        for (auto& t : threads_)
            asio::post(t->ctx, [&t = *t] {
                std::error_code ec;
                for (auto& l : t.listeners) l.acceptor.close(ec);
                t.connections.for_each([](connection_base& c) { c.request_stop(); });
            });
        bool graceful = wait_for_connections(std::chrono::steady_clock::now() + timeout);
        if (!graceful) {
            for (auto& t : threads_)
                asio::post(t->ctx, [&t = *t] { t.connections.for_each([](connection_base& c) { c.force_close(); }); });
            // Closed sockets end their sessions promptly; a handler that never
            // returns is destroyed with its io_context below.
            wait_for_connections(std::chrono::steady_clock::now() + std::chrono::seconds(1));
        }
        for (auto& t : threads_) {
            t->guard.reset();
            t->ctx.stop();
        }
        for (auto& t : threads_)
            if (t->thread.joinable()) t->thread.join();
        for (auto& t : threads_) finish_queued(t->ctx);
        workers_->join();
        threads_.clear();  // destroys any coroutine still suspended, on this thread
        std::lock_guard lock(mutex_);
        state_ = server_state::stopped;
        changed_.notify_all();  // under the lock: a woken join() may destroy *this
        return graceful;
    }

    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t plain_port() const noexcept { return plain_port_; }
    server_state state() const {
        std::lock_guard lock(mutex_);
        return state_;
    }
    std::size_t connections() const noexcept { return live_.load(); }
    const server_options& options() const noexcept { return options_; }

private:
    struct listening {
        tcp::acceptor acceptor;
        bool tls;
        tcp::endpoint local{};  // where it listens: each connection's local end, unless a wildcard
    };

    struct io_thread {
        // Declared first so it outlives ctx: destroying ctx destroys unfinished
        // connection frames, which unregister themselves from this list.
        connection_list connections;
        asio::io_context ctx{1};
        asio::executor_work_guard<asio::io_context::executor_type> guard{ctx.get_executor()};
        std::list<listening> listeners;  // stable addresses: each has an accept loop
        std::thread thread;
    };

    // Binds `port` (0: any free one) on the first thread, or with reuse_port on
    // every thread; returns the port bound.
    std::uint16_t listen(std::uint16_t port, bool tls, unsigned threads) {
        auto endpoint = tcp::endpoint(asio::ip::make_address(options_.ip), port);
        for (unsigned i = 0; i < (options_.reuse_port ? threads : 1u); ++i) {
            auto& t = *threads_[i];
            auto& acceptor = t.listeners.emplace_back(listening{tcp::acceptor(t.ctx), tls}).acceptor;
            acceptor.open(endpoint.protocol());
            acceptor.set_option(tcp::acceptor::reuse_address(true));
            if (options_.reuse_port) {
                int one = 1;
                if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
                    throw std::system_error(errno, std::system_category(), "SO_REUSEPORT");
            }
            acceptor.bind(endpoint);
            acceptor.listen(options_.backlog);
            if (i == 0) endpoint.port(acceptor.local_endpoint().port());  // every reuse_port acceptor shares it
            t.listeners.back().local = endpoint;
        }
        return endpoint.port();
    }

    task<void> accept_loop(io_thread& self, listening& l) {
        std::size_t next = 0, failures = 0;
        for (;;) {
            // Without reuse_port one acceptor feeds every thread in turn.
            auto& target = options_.reuse_port ? self : *threads_[next++ % threads_.size()];
            // The peer's address as accept(2) gives it (no getpeername per connection).
            tcp::endpoint remote;
            auto [ec, socket] = co_await l.acceptor.async_accept(target.ctx, remote, use_tuple);
            if (ec == asio::error::operation_aborted || !l.acceptor.is_open()) co_return;
            if (ec) {
                // EMFILE, ENFILE, ENOBUFS: the connection waits in the backlog until
                // descriptors are free again. Retrying at once would spin on a full fd
                // table, so pause; log the first failure and the recovery, not each retry.
                // (By value: Asio 1.22's system category maps no errno to std::errc.)
                if (const auto* m = options_.metrics; m && ec.category() == asio::error::get_system_category() &&
                                                      (ec.value() == EMFILE || ec.value() == ENFILE))
                    m->refused_emfile();
                if (failures++ == 0)
                    config_.log("accept failed, retrying every " + std::to_string(accept_retry.count()) +
                                " ms: " + ec.message());
                asio::steady_timer pause(self.ctx, accept_retry);
                co_await pause.async_wait(use_tuple);
                continue;
            }
            if (failures) {
                config_.log("accepting again after " + std::to_string(failures) + " failed accepts");
                failures = 0;
            }
#if RINGKIT_HAS_OPENSSL
            if (l.tls) {
                // The certificates of now: a reload later leaves this connection's alone.
                asio::co_spawn(target.ctx,
                               serve(target, tls_stream(std::move(socket), tls_->current()), remote, l.local),
                               asio::detached);
                continue;
            }
#endif
            asio::co_spawn(target.ctx, serve(target, std::move(socket), remote, l.local), asio::detached);
        }
    }
    static constexpr std::chrono::milliseconds accept_retry{50};

    // `listened`: the listener's address; the connection's own is asked only of a wildcard one.
    template <class Stream>
    task<void> serve(io_thread& self, Stream stream, tcp::endpoint remote, tcp::endpoint listened) {
        auto& socket = raw_socket(stream);
        std::error_code ec;
        socket.set_option(tcp::no_delay(true), ec);
        auto local = listened.address().is_unspecified() ? socket.local_endpoint(ec) : listened;
        if (const auto* m = options_.metrics) m->accepted();
        if (live_.fetch_add(1) >= options_.max_connections) {
            if (const auto* m = options_.metrics) m->refused_max_connections();
            // A TLS client could not read a 503 sent before its handshake: it is only closed.
            if constexpr (std::is_same_v<Stream, tcp_socket>) co_await refuse(socket);
            socket.close(ec);
            connection_ended();
            co_return;
        }
        peer_info peer{remote.address().to_string(), local.address().to_string(), local.port()};
        connection<Stream> conn(std::move(stream), config_, app_, std::move(peer));
        // However this frame ends (even destroyed unfinished at stop), the
        // connection leaves the list and the count, unless a WebSocket or the
        // connection's parked state (server/parked.hpp) took them.
        registration registered(self.connections, conn, &server_impl::ended, this);
        if (state() != server_state::running) conn.request_stop();
        try {
            co_await conn.run(&registered);
        } catch (...) {
            config_.log("connection failed", std::current_exception());
        }
    }

    static task<void> refuse(tcp_socket& socket) {
        static constexpr std::string_view busy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(busy), use_tuple);
    }

    static tcp_socket& raw_socket(tcp_socket& s) noexcept { return s; }
#if RINGKIT_HAS_OPENSSL
    static tcp_socket& raw_socket(tls_stream& s) noexcept { return s.next_layer(); }
#endif

    static void ended(void* self) noexcept { static_cast<server_impl*>(self)->connection_ended(); }
    void connection_ended() noexcept {
        if (const auto* m = options_.metrics) m->ended();
        if (live_.fetch_sub(1) == 1) {
            std::lock_guard lock(mutex_);
            changed_.notify_all();
        }
    }

    // What a stopped thread left queued (a force_close that waited behind a
    // blocking handler, a wake-up on its way to a waiting coroutine) runs here,
    // on the stopping thread, before the io_context is destroyed. Destroying it
    // unrun would strand every coroutine whose wake-up it was: one parked on a
    // channel's wait list belongs to no io_context operation, so nothing would
    // ever free it. Bounded, in case a handler keeps posting work.
    static void finish_queued(asio::io_context& ctx) {
        ctx.restart();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (std::chrono::steady_clock::now() < deadline && ctx.poll_one() != 0) {}
    }

    bool wait_for_connections(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        return changed_.wait_until(lock, deadline, [&] { return live_.load() == 0; });
    }

    handler app_;
    server_options options_;
    connection_config config_;
    std::unique_ptr<worker_pool> workers_;
    std::vector<std::unique_ptr<io_thread>> threads_;
#if RINGKIT_HAS_OPENSSL
    std::unique_ptr<tls_context> tls_;
#endif
    std::uint16_t port_ = 0, plain_port_ = 0;
    std::atomic<std::size_t> live_{0};
    server_state state_ = server_state::created;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
};

}  // namespace detail

#if defined(RINGKIT_SEPARATE_COMPILATION)
// The one connection type the server serves with, compiled here once; every
// other translation unit sees connection.hpp's extern template.
template class connection<detail::tcp_socket>;
#if RINGKIT_HAS_OPENSSL
template class connection<detail::tls_stream>;
#endif
#endif

RINGKIT_DECL server::server(handler app, server_options options)
    : impl_(std::make_unique<detail::server_impl>(std::move(app), std::move(options))) {}
RINGKIT_DECL server::~server() = default;

RINGKIT_DECL void server::start() { impl_->start(); }
RINGKIT_DECL void server::run() { impl_->run(); }
RINGKIT_DECL void server::join() { impl_->join(); }
RINGKIT_DECL bool server::stop(std::chrono::milliseconds timeout) { return impl_->stop(timeout); }
RINGKIT_DECL std::uint16_t server::port() const noexcept { return impl_->port(); }
RINGKIT_DECL std::uint16_t server::plain_port() const noexcept { return impl_->plain_port(); }
RINGKIT_DECL void server::reload_tls() { impl_->reload_tls(); }
RINGKIT_DECL server_state server::state() const { return impl_->state(); }
RINGKIT_DECL std::size_t server::connections() const noexcept { return impl_->connections(); }
RINGKIT_DECL const server_options& server::options() const noexcept { return impl_->options(); }

RINGKIT_DECL void run_until_signal(server& s, std::chrono::milliseconds grace, const std::function<void()>& ready) {
    asio::io_context signals_ctx;
    asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
    // SIGHUP reloads the certificates (as nginx does); without TLS it keeps its default meaning.
    if (s.options().tls.enabled()) signals.add(SIGHUP);
    std::function<void(std::error_code, int)> on_signal = [&](std::error_code ec, int signal) {
        if (ec) return;
        if (signal != SIGHUP) return (void)s.stop(grace);
        try {
            s.reload_tls();
            s.options().logger.log("SIGHUP: TLS certificates reloaded");
        } catch (...) {
            s.options().logger.log("SIGHUP: TLS reload failed, the old certificates stay", std::current_exception());
        }
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);
    if (s.state() == server_state::created) s.start();
    if (ready) ready();
    signals_ctx.run();
}

}  // namespace ringkit
