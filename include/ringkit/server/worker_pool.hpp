// A bounded pool for handlers that block (file system, a synchronous database
// client...). Like HTTP-Kit's worker queue, it refuses work when full instead
// of queueing without bound: the handler then answers 503 at once.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/handler.hpp"
#include "ringkit/metrics/worker_pool_metrics.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>

namespace ringkit {

class worker_pool {
public:
    /// `threads` workers; at most `threads + queue_size` jobs admitted at once.
    /// With `metrics` (the server's), the pool is read at each scrape while it
    /// lives, and counts its refusals there.
    worker_pool(std::size_t threads, std::size_t queue_size, const metrics::worker_pool_metrics* metrics = nullptr)
        : pool_(threads), threads_(threads), capacity_(threads + queue_size), metrics_(metrics) {
        if (metrics_) metrics_->attach(this, [this] { return sample(); });
    }
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;
    ~worker_pool() {
        if (metrics_) metrics_->detach(this);
        join();
    }

    /// Runs fn() on a worker and resumes the calling coroutine on its own executor
    /// with the result; nullopt, without running fn, when the pool is full.
    /// An exception from fn is rethrown in the caller.
    template <class F, class R = std::invoke_result_t<F&>>
    task<std::optional<R>> run(F fn) {
        if (admitted_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
            admitted_.fetch_sub(1, std::memory_order_relaxed);
            if (metrics_) metrics_->rejected();
            co_return std::nullopt;
        }
        auto outcome = co_await asio::async_initiate<const decltype(asio::use_awaitable)&,
                                                     void(std::exception_ptr, std::optional<R>)>(
            [this, &fn](auto handler) {
                auto ex = asio::get_associated_executor(handler);
                asio::post(pool_, [this, &fn, ex, h = std::move(handler)]() mutable {
                    std::optional<R> result;
                    std::exception_ptr error;
                    try {
                        result.emplace(fn());
                    } catch (...) {
                        error = std::current_exception();
                    }
                    admitted_.fetch_sub(1, std::memory_order_relaxed);
                    // Moved, not copied: this thread keeps no reference to the exception,
                    // so it is freed where it is consumed (libstdc++'s uninstrumented
                    // exception_ptr refcount otherwise shows as a race under TSan).
                    asio::post(ex, [h = std::move(h), e = std::move(error), r = std::move(result)]() mutable {
                        std::move(h)(std::move(e), std::move(r));
                    });
                });
            },
            asio::use_awaitable);
        co_return outcome;
    }

    std::size_t in_flight() const noexcept { return admitted_.load(std::memory_order_relaxed); }
    /// Now: the jobs admitted fill the workers first, the rest wait. A job is
    /// admitted just before it is handed to a worker, and leaves just after
    /// its function returned, so a free worker is about to take a waiting one.
    metrics::worker_pool_metrics::sample sample() const noexcept {
        const std::size_t admitted = in_flight(), busy = std::min(admitted, threads_);
        return {threads_, busy, admitted - busy};
    }
    bool running_in_this_thread() noexcept { return pool_.get_executor().running_in_this_thread(); }
    void join() { pool_.join(); }

private:
    asio::thread_pool pool_;
    std::size_t threads_;
    std::size_t capacity_;
    const metrics::worker_pool_metrics* metrics_;
    std::atomic<std::size_t> admitted_{0};
};

/// Wraps a plain, blocking handler so it runs on the server's worker pool and
/// leaves the I/O thread free. When the pool's queue is full the request gets
/// 503 at once. Outside a server (no pool) the handler runs inline.
template <sync_handler_fn F>
handler blocking(F fn) {
    return handler([fn = std::move(fn)](request& req) -> task<response> {
        if (!req.workers) co_return fn(req);
        auto result = co_await req.workers->run([&]() -> response { return fn(req); });
        if (!result) co_return response::text("Service Unavailable", 503);
        co_return std::move(*result);
    });
}

}  // namespace ringkit
