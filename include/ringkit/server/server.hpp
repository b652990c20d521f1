// The server: acceptor(s), I/O threads, graceful stop.
//
// Threads: `threads` I/O threads, each running its own io_context. A connection
// is accepted onto one of them (round robin) and lives there until it closes, so
// nothing on the request path takes a lock. With reuse_port every thread has its
// own SO_REUSEPORT acceptor and the kernel spreads connections instead.
//
// Lifecycle: start() binds and returns (port() is then valid); run() = start() +
// join(). stop(timeout) from any other thread: stop accepting, close idle
// connections, let in-flight requests finish, force-close what is left at the
// deadline, and return once every thread has ended.
//
// Everything behind the class is in impl/server.ipp (a pimpl), so that under
// RINGKIT_SEPARATE_COMPILATION a program's translation units see only this
// declaration, not the connection, the parser (llhttp) or zlib.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "ringkit/core/config.hpp"
#include "ringkit/http/handler.hpp"
#include "ringkit/server/options.hpp"
#include "ringkit/server/worker_pool.hpp"

namespace ringkit {

enum class server_state { created, running, stopping, stopped };

constexpr std::string_view to_string(server_state s) noexcept {
    switch (s) {
    case server_state::created: return "created";
    case server_state::running: return "running";
    case server_state::stopping: return "stopping";
    case server_state::stopped: return "stopped";
    }
    return "unknown";
}

namespace detail {
class server_impl;
}  // namespace detail

class server {
public:
    RINGKIT_DECL server(handler app, server_options options = {});
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    /// Stops a running server at once (stop(0)) and waits for one that is stopping.
    RINGKIT_DECL ~server();

    /// Binds, listens and starts the I/O threads. Throws std::system_error when
    /// the address cannot be bound.
    RINGKIT_DECL void start();

    /// start(), then block until the server has stopped.
    RINGKIT_DECL void run();

    /// Blocks until the server has stopped (by stop() from another thread);
    /// returns at once if it was never started.
    RINGKIT_DECL void join();

    /// Graceful stop; see the header comment. Returns true when every connection
    /// ended by itself before the deadline. Call it from outside the server's I/O
    /// threads (a handler that wants to stop the server starts a thread for it).
    RINGKIT_DECL bool stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(100));

    /// The bound port (useful with options.port = 0); HTTPS when options.tls is
    /// set. Valid after start().
    RINGKIT_DECL std::uint16_t port() const noexcept;
    /// With TLS and options.plain_port: the port bound for plain HTTP; 0 otherwise.
    RINGKIT_DECL std::uint16_t plain_port() const noexcept;

    /// Reads the TLS certificate and key files again: new connections get them,
    /// open ones keep theirs. A broken file throws std::runtime_error saying which
    /// and why, and the certificates in use stay. Any thread; std::logic_error
    /// without TLS. run_until_signal calls it on SIGHUP.
    RINGKIT_DECL void reload_tls();
    RINGKIT_DECL server_state state() const;
    /// Open connections across all threads.
    RINGKIT_DECL std::size_t connections() const noexcept;
    RINGKIT_DECL const server_options& options() const noexcept;

private:
    std::unique_ptr<detail::server_impl> impl_;
};

/// Runs `s` until SIGINT or SIGTERM, then stops it gracefully within `grace`.
/// With TLS, SIGHUP reloads the certificates (reload_tls), reporting to the logger.
/// Starts `s` if it is not running yet (start()'s exceptions pass through), then
/// calls `ready`: announce the server there (its port), not before, and no signal
/// sent after the announcement can find its default action (SIGHUP's is to end).
RINGKIT_DECL void run_until_signal(server& s, std::chrono::milliseconds grace = std::chrono::seconds(5),
                                   const std::function<void()>& ready = {});

}  // namespace ringkit

#if defined(RINGKIT_HEADER_ONLY)
#include "ringkit/server/impl/server.ipp"
#endif
