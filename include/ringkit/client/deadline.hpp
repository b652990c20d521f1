// The client's one timer per connection attempt or connection: armed for the
// operation under way, it cancels that operation when the deadline passes, and
// the operation's code then asks fired() which timeout it was.
//
// Re-arming costs a timer queue update and a cancelled wait, twice a request
// (its write, then its read). So a wait already under way is kept for the next
// arm when it expires at most max_early before that arm's deadline (1% of the
// time left, at most 10 ms): a deadline may fire that much early, never late.
// release() leaves the wait for such an arm (a write's, for the read that
// follows); disarm() ends it, so that no wait keeps an idle connection's
// io_context running.
//
// The timer's handler may run after its owner is gone (a cancelled wait is still
// delivered, and one that expired is queued before anyone can stop it), so it
// holds a small shared state, never the owner: the owner forgets its target when
// it disarms or dies, and a late handler finds nothing to cancel.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <system_error>

#include "ringkit/core/asio.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang).
#include <asio/steady_timer.hpp>

namespace ringkit::detail {

class io_deadline {
public:
    using clock = std::chrono::steady_clock;

    explicit io_deadline(const asio::any_io_executor& ex) : timer_(ex), state_(std::make_shared<state>()) {}
    io_deadline(const io_deadline&) = delete;
    io_deadline& operator=(const io_deadline&) = delete;
    // The timer's own destructor cancels its wait; a handler on its way finds no target.
    ~io_deadline() { forget(); }

    /// At `when` (or up to max_early before it), cancel(ec) is called on
    /// `target` (a socket, a stream, a resolver), unless disarm(), release() or
    /// arm() comes first. `target` must outlive the arming (disarm() or
    /// release() before it goes). A deadline already past fires now.
    template <class Target>
    void arm(clock::time_point when, Target& target) {
        auto& s = *state_;
        s.target = &target;
        s.cancel = [](void* t) {
            auto& target = *static_cast<Target*>(t);
            std::error_code ec;
            if constexpr (requires { target.cancel(ec); }) target.cancel(ec);
            else target.cancel();  // a resolver's cancel has no error_code
        };
        s.fired = false;
        if (s.waiting && s.wait_until <= when && when - s.wait_until <= max_early(when)) return;
        s.waiting = true;
        s.wait_until = when;
        const auto generation = ++s.generation;
        timer_.expires_at(when);
        timer_.async_wait([st = state_, generation](std::error_code ec) {
            // Cancelled: replaced by arm() or ended by disarm(), which said so
            // in the state. Expired: unless replaced or ended since.
            if (ec || st->generation != generation) return;
            st->waiting = false;
            if (!st->target) return;
            st->fired = true;
            st->cancel(st->target);
        });
    }
    /// Stops the timer; a handler already on its way does nothing. fired() keeps its answer.
    void disarm() {
        forget();
        timer_.cancel();
    }
    /// The operation ended, and another is to be armed soon: the target is
    /// forgotten (a handler on its way does nothing), the wait kept for it.
    void release() noexcept { state_->target = nullptr; }
    /// The deadline passed while armed (the operation was cancelled for it).
    bool fired() const noexcept { return state_->fired; }

private:
    static clock::duration max_early(clock::time_point when) {
        const auto left = when - clock::now();
        return std::clamp<clock::duration>(left / 100, clock::duration::zero(), std::chrono::milliseconds(10));
    }

    void forget() noexcept {
        ++state_->generation;
        state_->target = nullptr;
        state_->waiting = false;
    }

    struct state {
        void* target = nullptr;
        void (*cancel)(void*) = nullptr;
        std::uint64_t generation = 0;  // of the wait under way
        clock::time_point wait_until{};
        bool waiting = false;  // a wait is under way, until wait_until
        bool fired = false;
    };
    asio::steady_timer timer_;
    std::shared_ptr<state> state_;
};

}  // namespace ringkit::detail
