// The client's keep-alive pool: idle connections per origin, and a count of the
// open ones (in use and idle) held under pool_options' limits.
//
// A request takes a place with acquire(): an idle connection of its origin that
// still looks healthy (nothing arrived while it sat idle, younger than
// idle_timeout), or an empty place to open one in, or it waits until another
// request gives one back (or its total timeout passes: total_timeout).
// release() gives the place back: with the connection idle again only when the
// caller says it is reusable; otherwise it is closed. A pool_lease does this on
// every path out of a request, exceptions included.
//
// One executor: the client runs every request on its own (client.hpp: its strand,
// or the io_context's with single_thread), so no lock.
// Idle expiry: one timer per pool, on that executor, armed for the connection idle
// the longest, closes each at its expiry even if the client is not used again;
// a completion handler, not a coroutine, so nothing is left behind when the
// pool goes (its destructor cancels the timer, and a handler already queued
// finds the pool gone through a weak reference).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "ringkit/client/connection.hpp"
#include "ringkit/client/options.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/core/wait_list.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang).
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

namespace ringkit::detail {

class connection_pool {
public:
    using clock = std::chrono::steady_clock;

    /// `ex`: the executor every call comes on (the client's), where the idle timer runs.
    connection_pool(pool_options o, const asio::any_io_executor& ex)
        : options_(o), idle_timer_(ex), alive_(std::make_shared<connection_pool*>(this)) {
        options_.max_per_origin = std::max<std::size_t>(options_.max_per_origin, 1);
        options_.max_total = std::max<std::size_t>(options_.max_total, 1);
    }
    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;
    // The timer's own destructor cancels its wait; a handler already queued finds alive_ gone.
    ~connection_pool() { alive_.reset(); }

    /// A place for one connection to `origin`: a healthy idle connection, or
    /// null for a place reserved to open one in. Waits while the limits are full.
    /// `fresh`: never an idle one (and those there are closed: a retry after the
    /// server closed one under a request does not trust its siblings).
    /// Waiting ends at `deadline` with std::system_error(client_error::total_timeout).
    task<std::unique_ptr<client_connection>> acquire(const std::string& origin, bool fresh = false,
                                                     clock::time_point deadline = clock::time_point::max()) {
        // Wakes the waiters at the deadline, so this one sees it passed. Its
        // handler touches the pool only when it fired; once this frame is gone
        // (the timer with it) it runs cancelled.
        std::optional<asio::steady_timer> alarm;
        for (std::unique_ptr<client_connection> c;;) {
            if (try_acquire(origin, fresh, c)) co_return std::move(c);
            if (clock::now() >= deadline) throw std::system_error(client_error::total_timeout, origin);
            if (!alarm && deadline != clock::time_point::max()) {
                alarm.emplace(co_await asio::this_coro::executor, deadline);
                alarm->async_wait([this](std::error_code ec) {
                    if (!ec) waiters_.notify_all();
                });
            }
            co_await waiters_.wait();
        }
    }

    /// acquire() when it need not wait (no coroutine): true with the place
    /// taken, `c` the idle connection or null; false while the limits are full.
    bool try_acquire(const std::string& origin, bool fresh, std::unique_ptr<client_connection>& c) {
        expire(clock::now());
        auto& o = origins_[origin];
        if (fresh) {
            while (!o.idle.empty()) {
                o.idle.pop_back();
                forget(o);
            }
        }
        while (!o.idle.empty()) {
            c = std::move(o.idle.back());  // the most recent: the likeliest to be alive
            o.idle.pop_back();
            if (c->idle_ok()) return true;
            c.reset();
            forget(o);  // the server closed it, or sent what nobody asked for
        }
        if (o.open < options_.max_per_origin && (total_ < options_.max_total || close_oldest_idle())) {
            ++o.open;
            ++total_;
            return true;
        }
        return false;
    }

    /// Gives back the place acquire() gave: `c` goes back idle when `reusable`,
    /// else it is closed (null: the place's connect failed).
    void release(const std::string& origin, std::unique_ptr<client_connection> c, bool reusable) {
        auto& o = origins_[origin];
        if (c && reusable) {
            c->idle_since = clock::now();
            o.idle.push_back(std::move(c));
            if (!timer_armed_) {
                try {
                    arm_idle_timer();
                } catch (...) {  // out of memory: the connection expires when the pool is next used
                    timer_armed_ = false;
                }
            }
        } else {
            c.reset();
            forget(o);
        }
        waiters_.notify_all();
    }

    /// Closes every idle connection now and stops the idle timer (until a
    /// connection goes idle again).
    void close_idle() {
        while (close_oldest_idle()) {}
        idle_timer_.cancel();
    }

    /// Connections open (in use and idle), to `origin` and in all.
    std::size_t open(const std::string& origin) const {
        auto it = origins_.find(origin);
        return it == origins_.end() ? 0 : it->second.open;
    }
    std::size_t open() const noexcept { return total_; }
    std::size_t idle(const std::string& origin) const {
        auto it = origins_.find(origin);
        return it == origins_.end() ? 0 : it->second.idle.size();
    }

private:
    struct per_origin {
        std::deque<std::unique_ptr<client_connection>> idle;  // oldest first
        std::size_t open = 0;
    };

    void forget(per_origin& o) noexcept {
        --o.open;
        --total_;
    }

    void expire(clock::time_point now) {
        for (auto it = origins_.begin(); it != origins_.end();) {
            auto& o = it->second;
            while (!o.idle.empty() && now - o.idle.front()->idle_since >= options_.idle_timeout) {
                o.idle.pop_front();
                forget(o);
            }
            it = o.open == 0 ? origins_.erase(it) : std::next(it);
        }
    }

    // At the expiry of the connection idle the longest (connections go idle in
    // time order, so a later one never expires first).
    void arm_idle_timer() {
        const per_origin* oldest = oldest_idle();
        if (!oldest) return;
        timer_armed_ = true;
        idle_timer_.expires_at(oldest->idle.front()->idle_since + options_.idle_timeout);
        idle_timer_.async_wait([alive = std::weak_ptr<connection_pool*>(alive_)](std::error_code ec) {
            const auto self = alive.lock();
            if (!self) return;
            auto& pool = **self;
            pool.timer_armed_ = false;
            if (ec) return;
            pool.expire(clock::now());
            pool.arm_idle_timer();
        });
    }

    per_origin* oldest_idle() {
        per_origin* oldest = nullptr;
        for (auto& [name, o] : origins_)
            if (!o.idle.empty() && (!oldest || o.idle.front()->idle_since < oldest->idle.front()->idle_since))
                oldest = &o;
        return oldest;
    }

    // Makes room under max_total: closes the idle connection idle the longest, of any origin.
    bool close_oldest_idle() {
        per_origin* oldest = oldest_idle();
        if (!oldest) return false;
        oldest->idle.pop_front();
        forget(*oldest);
        return true;
    }

    pool_options options_;
    std::unordered_map<std::string, per_origin> origins_;
    std::size_t total_ = 0;
    wait_list waiters_;
    asio::steady_timer idle_timer_;
    std::shared_ptr<connection_pool*> alive_;  // the timer's handler's way to know the pool is gone
    bool timer_armed_ = false;
};

/// One request's place in the pool, given back however the request ends.
class pool_lease {
public:
    pool_lease(connection_pool& pool, std::string origin) : pool_(pool), origin_(std::move(origin)) {}
    pool_lease(const pool_lease&) = delete;
    pool_lease& operator=(const pool_lease&) = delete;
    ~pool_lease() {
        if (held_) pool_.release(origin_, std::move(connection), reusable);
    }

    /// `fresh`: a new connection, never an idle one. Throws total_timeout at `deadline`.
    task<void> acquire(bool fresh, connection_pool::clock::time_point deadline) {
        connection = co_await pool_.acquire(origin_, fresh, deadline);
        reused = connection != nullptr;
        held_ = true;
    }
    /// acquire() when it need not wait; false (nothing held) when it must.
    bool try_acquire(bool fresh) {
        if (!pool_.try_acquire(origin_, fresh, connection)) return false;
        reused = connection != nullptr;
        held_ = true;
        return true;
    }

    std::unique_ptr<client_connection> connection;
    bool reused = false;    ///< the connection came from the pool
    bool reusable = false;  ///< set when the exchange ended so that it may go back

private:
    connection_pool& pool_;
    std::string origin_;
    bool held_ = false;
};

}  // namespace ringkit::detail
