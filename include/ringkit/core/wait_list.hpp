// Coroutines waiting for something another party will announce: a message
// arriving, room in a send queue, a session ending. Asio 1.22 has no
// any_completion_handler, so a waiting coroutine's handler is kept behind a
// small virtual interface; notify_all() posts every handler to its own
// executor, so a waiter never runs inside the notifier's call stack and may
// live on any thread.
//
// Not thread-safe by itself: whoever shares a wait_list across threads guards it.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang): what this
// header uses of Asio beyond the coroutine basics core/asio.hpp provides.
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>

namespace ringkit::detail {

class wait_list {
public:
    wait_list() = default;
    wait_list(const wait_list&) = delete;
    wait_list& operator=(const wait_list&) = delete;
    ~wait_list() { notify_all(); }  // a waiter must never be destroyed unresumed by us

    /// Suspends until the next notify_all(). Only for a list used on one thread:
    /// across threads, check the condition and add() inside one async_initiate,
    /// under the lock that guards the list.
    task<void> wait() {
        co_await asio::async_initiate<const asio::use_awaitable_t<>, void()>(
            [this](auto handler) {
                waiters_.push_back(std::make_unique<waiter<decltype(handler)>>(std::move(handler)));
            },
            asio::use_awaitable);
    }

    /// Registers the completion handler of an operation started with async_initiate.
    template <class Handler>
    void add(Handler handler) {
        waiters_.push_back(std::make_unique<waiter<Handler>>(std::move(handler)));
    }

    void notify_all() {
        auto woken = take();
        for (auto& w : woken) w->post();
        recycle(woken);
    }

    /// Like notify_all(), but a waiter whose executor is the caller's runs now,
    /// inside this call, until it next suspends (asio::dispatch). Saves a trip
    /// through the scheduler on a hot path; the caller must be ready for the
    /// waiter's code to run (and, say, send) before this returns.
    void dispatch_all() {
        auto woken = take();
        for (auto& w : woken) w->dispatch();
        recycle(woken);
    }

    bool empty() const noexcept { return waiters_.empty(); }

private:
    struct waiter_base {
        virtual ~waiter_base() = default;
        virtual void post() = 0;
        virtual void dispatch() = 0;
    };
    template <class Handler>
    struct waiter final : waiter_base {
        explicit waiter(Handler h) : handler(std::move(h)) {}
        void post() override {
            auto ex = asio::get_associated_executor(handler);
            asio::post(ex, std::move(handler));
        }
        void dispatch() override {
            auto ex = asio::get_associated_executor(handler);
            asio::dispatch(ex, std::move(handler));
        }
        Handler handler;
    };
    using list = std::vector<std::unique_ptr<waiter_base>>;

    // The waiters to wake move aside first: a woken waiter may wait again, or
    // notify this list again. Their vector comes back for the next round, so a
    // wait/notify cycle does not reallocate it.
    list take() { return std::exchange(waiters_, list()); }
    void recycle(list& woken) {
        woken.clear();
        if (waiters_.empty()) waiters_.swap(woken);
    }

    list waiters_;
};

}  // namespace ringkit::detail
