// redis::detail::connection: one hiredis connection and its life, on one
// executor, shared by redis::client (commands) and redis::subscriber (pub/sub):
// resolve ─▶ connect ─▶ AUTH, SELECT ─▶ ready ─▶ (lost) ─▶ back-off ─▶ resolve ...
// While it is being made, commands wait behind AUTH and SELECT; while it is down
// (between attempts), a command fails at once with error::unavailable instead of
// waiting for a Redis that may not come back.
#pragma once

#include <hiredis/async.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/core/asio.hpp"
#include "ringkit/redis/error.hpp"
#include "ringkit/redis/events.hpp"
#include "ringkit/redis/options.hpp"
#include "ringkit/redis/reply.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

namespace ringkit::redis::detail {

/// Why a command failed, as plain values: what crosses from the connection's
/// thread to the caller's. The exception is made on the caller's side, so no
/// exception object (and no reference count in uninstrumented libstdc++, which
/// TSan cannot see) is ever shared between threads.
struct fault {
    std::error_code code;  // empty: success
    std::string what;
    explicit operator bool() const noexcept { return static_cast<bool>(code); }
    std::exception_ptr exception() const {
        if (!code) return nullptr;
        // system_error(code, "") would say ": <message>".
        return std::make_exception_ptr(what.empty() ? std::system_error(code) : std::system_error(code, what));
    }
};

inline fault failure(error e, std::string what = {}) { return {make_error_code(e), std::move(what)}; }

/// A command's completion, type-erased: hiredis keeps a void* per command.
struct pending_base {
    virtual ~pending_base() = default;
    virtual void complete(fault f, reply r) = 0;
};

/// Calls `handler(exception_ptr, value)` on the handler's own executor, never
/// from inside hiredis's callback: the caller may destroy the client, or send
/// more commands, from its continuation.
template <class Handler, class T>
void post_completion(Handler handler, const asio::any_io_executor& io_ex, fault f, T value) {
    auto ex = asio::get_associated_executor(handler, io_ex);
    asio::post(ex, [h = std::move(handler), f = std::move(f), v = std::move(value)]() mutable {
        std::move(h)(f.exception(), std::move(v));
    });
}

template <class Handler>
struct pending final : pending_base {
    pending(Handler h, asio::any_io_executor io) : handler(std::move(h)), io_ex(std::move(io)) {}
    void complete(fault f, reply r) override { post_completion(std::move(handler), io_ex, std::move(f), std::move(r)); }
    Handler handler;
    asio::any_io_executor io_ex;
};

/// The connection and its state machine. Lives on the executor: every member runs
/// there. Held by shared_ptr so that timers and resolves in flight outlive the
/// client object that started them.
class connection : public std::enable_shared_from_this<connection> {
public:
    connection(asio::any_io_executor ex, options o)
        : ex_(std::move(ex)), opt_(std::move(o)), timer_(ex_), retry_(ex_), backoff_(opt_.reconnect_min) {}
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() {
        // Only when the executor is gone without running close() (the io_context
        // destroyed first): complete nothing, free what hiredis holds.
        dying_ = true;
        if (ac_ != nullptr) redisAsyncFree(ac_);
    }

    enum class state { down, connecting, ready, closed };
    /// How many times the connection was made again after it was lost (the
    /// first connection is not one). Any thread may read it, past the connection
    /// too (a metrics callback); only the executor writes it, so its count is a
    /// load and a store.
    using reconnect_count = std::shared_ptr<const std::atomic<std::uint64_t>>;
    reconnect_count reconnects() const noexcept { return reconnects_; }
    state current() const noexcept { return state_; }
    const asio::any_io_executor& executor() const noexcept { return ex_; }

    void start() { connect(); }

    /// Called each time the connection becomes ready (after AUTH and SELECT), and
    /// each time an attempt or a connection ends, with why. The subscriber's hooks.
    std::function<void()> on_ready;
    std::function<void(error)> on_lost;

    /// Sends a command whose callback hiredis keeps (SUBSCRIBE and friends): no
    /// reply deadline, since replies come when publishers publish. False when not ready.
    bool send_raw(const std::vector<std::string>& argv, redisCallbackFn* fn, void* privdata) {
        if (state_ != state::ready || ac_ == nullptr) return false;
        auto [args, lens] = arguments(argv);
        return redisAsyncCommandArgv(ac_, fn, privdata, static_cast<int>(args.size()), args.data(), lens.data()) ==
               REDIS_OK;
    }

    /// For a reply that comes through a send_raw() callback (SUBSCRIBE's
    /// confirmation), which the connection cannot see: the caller says when it
    /// sent one and when it came, in order. One missing past command_timeout drops
    /// the connection (error::timeout), as for a command: a paused Redis is found.
    void expect_reply() {
        raw_deadlines_.push_back(std::chrono::steady_clock::now() + opt_.command_timeout);
        if (raw_deadlines_.size() == 1) arm_timer();
    }
    void got_reply() {
        if (!raw_deadlines_.empty()) raw_deadlines_.pop_front();
    }

    void send(std::vector<std::string> argv, std::unique_ptr<pending_base> p) {
        if (state_ == state::down || state_ == state::closed) {
            p->complete(failure(state_ == state::closed ? error::closed : error::unavailable), {});
        } else if (ac_ == nullptr) {  // resolving: sent once the connection is opened
            resolving_.push_back({std::move(argv), std::move(p)});
        } else {
            issue(argv, std::move(p));
        }
    }

    void close() {
        if (state_ == state::closed) return;
        state_ = state::closed;
        timer_.cancel();
        retry_.cancel();
        fail_queued(error::closed);
        drop(error::closed);
    }

private:
    struct queued {
        std::vector<std::string> argv;
        std::unique_ptr<pending_base> user;
    };

    void fail_queued(error why) {
        auto q = std::move(resolving_);
        resolving_.clear();
        for (auto& c : q) c.user->complete(failure(why), {});
    }

    struct command_ctx {
        connection* self;
        std::unique_ptr<pending_base> user;  // null: one of ours (AUTH, SELECT)
    };

    static std::pair<std::vector<const char*>, std::vector<std::size_t>> arguments(
        const std::vector<std::string>& argv) {
        std::pair<std::vector<const char*>, std::vector<std::size_t>> out;
        out.first.reserve(argv.size());
        out.second.reserve(argv.size());
        for (const auto& a : argv) {
            out.first.push_back(a.data());
            out.second.push_back(a.size());
        }
        return out;
    }

    void issue(const std::vector<std::string>& argv, std::unique_ptr<pending_base> user) {
        auto [args, lens] = arguments(argv);
        auto* ctx = new command_ctx{this, std::move(user)};
        if (redisAsyncCommandArgv(ac_, &connection::on_reply, ctx, static_cast<int>(args.size()), args.data(),
                                  lens.data()) != REDIS_OK) {
            auto owned = std::unique_ptr<command_ctx>(ctx);
            if (owned->user) owned->user->complete(failure(error::unavailable), {});
            return;
        }
        deadlines_.push_back(std::chrono::steady_clock::now() + opt_.command_timeout);
        if (deadlines_.size() == 1) arm_timer();
    }

    static void on_reply(redisAsyncContext* /*ac*/, void* r, void* privdata) {
        auto ctx = std::unique_ptr<command_ctx>(static_cast<command_ctx*>(privdata));
        connection& self = *ctx->self;
        if (!self.deadlines_.empty()) self.deadlines_.pop_front();
        if (self.dying_) return;
        const auto* rep = static_cast<const redisReply*>(r);
        if (!ctx->user) {
            self.on_setup_reply(rep);
            return;
        }
        if (rep == nullptr) ctx->user->complete(failure(self.fail_code_), {});
        else if (rep->type == REDIS_REPLY_ERROR)
            ctx->user->complete(failure(error::server_error, std::string(rep->str, rep->len)), {});
        else ctx->user->complete({}, reply::from(*rep));
    }

    // --- the connection's life ---

    void connect() {
        state_ = state::connecting;
        fail_code_ = error::connect_failed;
        const unsigned attempt = ++attempt_;
        connect_deadline_ = std::chrono::steady_clock::now() + opt_.connect_timeout;
        arm_timer();
        auto resolver = std::make_shared<asio::ip::tcp::resolver>(ex_);
        resolver->async_resolve(opt_.host, std::to_string(opt_.port),
                                [self = shared_from_this(), resolver, attempt](std::error_code ec, auto results) {
                                    if (attempt != self->attempt_ || self->state_ != state::connecting) return;
                                    if (ec || results.empty()) return self->lost(attempt);
                                    self->open(results.begin()->endpoint().address().to_string());
                                });
    }

    void open(const std::string& ip) {
        ac_ = redisAsyncConnect(ip.c_str(), opt_.port);
        if (ac_ == nullptr || ac_->err != 0) {
            if (ac_ != nullptr) redisAsyncFree(ac_);
            ac_ = nullptr;
            return lost(attempt_);
        }
        ac_->data = this;
        asio_events::attach(ex_, ac_);
        // A failed connect reaches the first callback, a lost connection the second;
        // either way hiredis frees the context right after.
        redisAsyncSetConnectCallback(ac_, [](const redisAsyncContext* c, int status) {
            if (status != REDIS_OK) static_cast<connection*>(c->data)->forget_context();
        });
        redisAsyncSetDisconnectCallback(
            ac_, [](const redisAsyncContext* c, int) { static_cast<connection*>(c->data)->forget_context(); });
        // Written before any user command, so Redis runs them first. PING confirms
        // the connection when there is nothing else to send.
        if (!opt_.password.empty()) {
            if (opt_.username.empty()) setup({"AUTH", opt_.password});
            else setup({"AUTH", opt_.username, opt_.password});
        }
        if (opt_.db != 0) setup({"SELECT", std::to_string(opt_.db)});
        if (setup_left_ == 0) setup({"PING"});
        auto q = std::move(resolving_);
        resolving_.clear();
        for (auto& c : q) issue(c.argv, std::move(c.user));
    }

    void setup(const std::vector<std::string>& argv) {
        issue(argv, nullptr);
        ++setup_left_;
    }

    void on_setup_reply(const redisReply* r) {
        if (r == nullptr) return;  // the context is going; forget_context() follows
        if (r->type == REDIS_REPLY_ERROR) return drop(error::connect_failed);
        if (--setup_left_ == 0 && state_ == state::connecting) {
            state_ = state::ready;
            if (std::exchange(was_ready_, true))
                reconnects_->store(reconnects_->load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
            backoff_ = opt_.reconnect_min;
            fail_code_ = error::disconnected;
            arm_timer();
            if (on_ready) on_ready();
        }
    }

    /// hiredis is freeing the context (its error, or our drop()): never touch it again.
    void forget_context() {
        ac_ = nullptr;
        setup_left_ = 0;
        deadlines_.clear();
        raw_deadlines_.clear();
        if (!dying_) asio::post(ex_, [self = shared_from_this(), a = attempt_] { self->lost(a); });
    }

    /// Frees the context now; hiredis completes every command still waiting with a
    /// null reply, which becomes `why`.
    void drop(error why) {
        if (ac_ == nullptr) return;
        fail_code_ = why;
        redisAsyncFree(ac_);  // runs forget_context() when the connection was up
        forget_context();
    }

    /// The attempt `attempt` ended: wait, then try again.
    void lost(unsigned attempt) {
        if (attempt != attempt_ || state_ == state::closed || state_ == state::down) return;
        fail_queued(fail_code_);
        state_ = state::down;
        if (on_lost) on_lost(fail_code_);
        retry_.expires_after(backoff_);
        backoff_ = std::min(backoff_ * 2, opt_.reconnect_max);
        retry_.async_wait([self = shared_from_this()](std::error_code ec) {
            if (!ec && self->state_ == state::down) self->connect();
        });
    }

    /// One timer for the connect deadline and the oldest reply deadlines.
    void arm_timer() {
        auto at = std::chrono::steady_clock::time_point::max();
        if (state_ == state::connecting) at = connect_deadline_;
        if (!deadlines_.empty()) at = std::min(at, deadlines_.front());
        if (!raw_deadlines_.empty()) at = std::min(at, raw_deadlines_.front());
        if (at == std::chrono::steady_clock::time_point::max()) return;
        timer_.expires_at(at);
        timer_.async_wait([self = shared_from_this()](std::error_code ec) {
            if (!ec) self->on_timer();
        });
    }

    void on_timer() {
        if (state_ == state::closed) return;
        const auto now = std::chrono::steady_clock::now();
        if (state_ == state::connecting && now >= connect_deadline_) {
            fail_code_ = error::connect_timeout;
            if (ac_ != nullptr) return drop(error::connect_timeout);
            return lost(attempt_);  // still resolving: its late answer is ignored
        }
        if (!deadlines_.empty() && now >= deadlines_.front()) return drop(error::timeout);
        if (!raw_deadlines_.empty() && now >= raw_deadlines_.front()) return drop(error::timeout);
        arm_timer();
    }

    asio::any_io_executor ex_;
    options opt_;
    asio::steady_timer timer_;
    asio::steady_timer retry_;
    std::chrono::milliseconds backoff_;
    redisAsyncContext* ac_ = nullptr;
    state state_ = state::down;
    error fail_code_ = error::connect_failed;
    int setup_left_ = 0;
    unsigned attempt_ = 0;  // a resolve or retry from an earlier attempt finds it changed
    bool dying_ = false;
    bool was_ready_ = false;  // the next ready is a reconnection
    std::shared_ptr<std::atomic<std::uint64_t>> reconnects_ = std::make_shared<std::atomic<std::uint64_t>>(0);
    std::chrono::steady_clock::time_point connect_deadline_{};
    std::deque<std::chrono::steady_clock::time_point> deadlines_;      // in send order, as replies come
    std::deque<std::chrono::steady_clock::time_point> raw_deadlines_;  // expect_reply()'s
    std::vector<queued> resolving_;                                    // commands sent while the host resolves
};

}  // namespace ringkit::redis::detail
