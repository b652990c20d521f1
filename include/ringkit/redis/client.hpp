// redis::client: Redis commands from coroutines, over one hiredis connection
// driven by the caller's executor (redis/events.hpp).
//
//     rk::redis::client redis(io.get_executor(), {.host = "127.0.0.1", .port = 6379});
//     co_await redis.command("SET", "k", "v");
//     rk::redis::reply r = co_await redis.command("GET", "k");   // r.str == "v"
//
// Commands from any number of coroutines are pipelined: hiredis appends each to
// its output buffer and Redis answers in order. The connection, its reconnection
// and its deadlines are redis/connection.hpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/redis/connection.hpp"
#include "ringkit/redis/reply.hpp"

#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>

namespace ringkit::redis {

/// A Redis client on one executor (an io_context's, or a strand). Commands may be
/// started from any thread; each runs on that executor, and its completion goes to
/// the caller's own executor. It connects at once and keeps reconnecting with
/// back-off while it lives. Failures are std::system_error in redis::category()
/// (error.hpp): a command never waits longer than options::command_timeout.
/// Destroying the client fails its commands in flight with error::closed.
class client {
public:
    client(asio::any_io_executor ex, options o = {})
        : conn_(std::make_shared<detail::connection>(std::move(ex), std::move(o))) {
        asio::dispatch(executor(), [c = conn_] { c->start(); });
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client() {
        auto ex = conn_->executor();
        asio::dispatch(ex, [c = std::move(conn_)] { c->close(); });
    }

    const asio::any_io_executor& executor() const noexcept { return conn_->executor(); }

    /// Times the connection was made again after Redis was lost (a count from
    /// any thread; a metrics callback may hold the counter past the client:
    /// `reg.add_counter_fn("app_redis_reconnects_total", "...", [n = c.reconnect_counter()] { return double(*n); })`).
    std::uint64_t reconnects() const noexcept { return conn_->reconnects()->load(std::memory_order_relaxed); }
    detail::connection::reconnect_count reconnect_counter() const noexcept { return conn_->reconnects(); }

    /// Sends one command; its arguments are strings or numbers, each sent as one
    /// bulk string (nothing is quoted or split). Completes with the reply, or with
    /// error::server_error and Redis's message.
    template <class... Args>
    task<reply> command(const Args&... args) {
        return async_command({to_arg(args)...}, asio::use_awaitable);
    }

    /// The same with any Asio completion token: signature void(std::exception_ptr, reply).
    template <class Token>
    auto async_command(std::vector<std::string> argv, Token&& token) {
        return asio::async_initiate<Token, void(std::exception_ptr, reply)>(
            [c = conn_](auto handler, std::vector<std::string> args) {
                using H = std::decay_t<decltype(handler)>;
                asio::dispatch(c->executor(), [c, h = std::move(handler), args = std::move(args)]() mutable {
                    c->send(std::move(args), std::make_unique<detail::pending<H>>(std::move(h), c->executor()));
                });
            },
            token, std::move(argv));
    }

    /// pipeline() with any Asio completion token: signature void(std::exception_ptr, std::vector<reply>).
    template <class Token>
    auto async_pipeline(std::vector<std::vector<std::string>> commands, Token&& token) {
        return asio::async_initiate<Token, void(std::exception_ptr, std::vector<reply>)>(
            [c = conn_](auto handler, std::vector<std::vector<std::string>> cmds) {
                asio::dispatch(c->executor(), [c, h = std::move(handler), cmds = std::move(cmds)]() mutable {
                    start_pipeline(c, std::move(h), cmds);
                });
            },
            token, std::move(commands));
    }

    /// Several commands written in one go; their replies in order. When one fails,
    /// the others still run and the call fails with the first error.
    task<std::vector<reply>> pipeline(std::vector<std::vector<std::string>> commands) {
        return async_pipeline(std::move(commands), asio::use_awaitable);
    }

private:
    // Runs on the connection's executor.
    template <class Handler>
    static void start_pipeline(const std::shared_ptr<detail::connection>& c, Handler h,
                               const std::vector<std::vector<std::string>>& cmds) {
        struct gather {
            Handler handler;
            asio::any_io_executor io_ex;
            std::vector<reply> out;
            detail::fault error;  // the first command's that failed
            std::size_t left = 0;
        };
        auto g = std::make_shared<gather>(
            gather{std::move(h), c->executor(), std::vector<reply>(cmds.size()), {}, cmds.size()});
        if (cmds.empty()) return detail::post_completion(std::move(g->handler), g->io_ex, {}, std::move(g->out));
        // Each reply is gathered where it arrives, on the connection's executor;
        // only the whole result is posted to the caller.
        struct one final : detail::pending_base {
            one(std::shared_ptr<gather> all, std::size_t index) : g(std::move(all)), i(index) {}
            void complete(detail::fault f, reply r) override {
                if (f && !g->error) g->error = std::move(f);
                g->out[i] = std::move(r);
                if (--g->left == 0)
                    detail::post_completion(std::move(g->handler), g->io_ex, std::move(g->error), std::move(g->out));
            }
            std::shared_ptr<gather> g;
            std::size_t i;
        };
        for (std::size_t i = 0; i < cmds.size(); ++i) c->send(cmds[i], std::make_unique<one>(g, i));
    }

    static std::string to_arg(std::string_view s) { return std::string(s); }
    template <class N, class = std::enable_if_t<std::is_arithmetic_v<N>>>
    static std::string to_arg(N n) {
        return std::to_string(n);
    }

    std::shared_ptr<detail::connection> conn_;
};

}  // namespace ringkit::redis
