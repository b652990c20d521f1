// redis::io_thread: an io_context and the one thread that runs it, for the Redis
// connections of an object that outlives no server (redis_store, hub): the
// server's io_contexts come and go with start() and stop(), which such an
// object, made before the server, cannot follow, while a client must be closed
// on its executor before that executor's io_context goes.
#pragma once

#include <thread>

#include "ringkit/core/asio.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

namespace ringkit::redis {

/// Runs its io_context on its own thread from construction to destruction.
/// Declare it before the clients that use its executor: they are destroyed
/// first, and the close each queues runs before the thread ends. Never destroy
/// it from its own thread (nothing it runs should own it).
class io_thread {
public:
    io_thread() : thread_([this] { io_.run(); }) {}
    io_thread(const io_thread&) = delete;
    io_thread& operator=(const io_thread&) = delete;
    ~io_thread() {
        guard_.reset();
        // Queued after whatever the clients' destructors queued, so that runs first.
        asio::post(io_, [this] { io_.stop(); });
        thread_.join();
    }

    asio::any_io_executor executor() { return io_.get_executor(); }

private:
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
    std::thread thread_;
};

}  // namespace ringkit::redis
