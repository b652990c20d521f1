// redis_store: sessions in Redis, so that every instance behind a load balancer
// sees a login made on any of them. Same promises as memory_store: keys are 192
// random bits from the kernel's CSPRNG, a key Redis does not know is never
// adopted (SET ... XX, else a fresh key with SET ... NX), and a session idle
// longer than `ttl` is gone: its TTL is set on every write (SET ... EX) and
// refreshed on every read (GETEX ... EX, Redis 6.2 or later).
//
//     rk::redis_store_options o;
//     o.redis.host = "10.0.0.5";
//     auto app = handler | rk::wrap_session(rk::redis_store(o));
//
// Asynchronous only: wrap_session() awaits read_async/write_async/erase_async on
// the request's I/O thread, which goes on serving other connections meanwhile.
// The synchronous read/write/erase throw std::logic_error rather than block it.
// Redis down or slow: those coroutines throw std::system_error in
// redis::category() within redis::options' connect and command timeouts (at once
// while the client waits to reconnect), and wrap_session() answers 503.
//
// Threads: the store owns one redis::client on one thread of its own, and every
// I/O thread's commands are pipelined on that one connection (a command hops to
// that thread and its reply back to the caller's). Not a client per I/O thread:
// the server's io_contexts are created and destroyed by server::start()/stop(),
// which a store made before the server cannot follow, and a client must be
// closed on its executor before that executor's io_context goes. One connection
// per instance also keeps Redis's connection count at one per instance, and
// pipelining makes one connection enough for Redis, which runs commands on one
// thread anyway.
//
// A redis_store is a handle: copies share the connection and its thread, which
// end when the last copy goes (commands then in flight fail with redis::error::closed).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "ringkit/core/task.hpp"
#include "ringkit/middleware/session.hpp"
#include "ringkit/redis/client.hpp"
#include "ringkit/redis/io_thread.hpp"
#include "ringkit/redis/options.hpp"

namespace ringkit {

/// Where a redis_store keeps its sessions, and for how long.
struct redis_store_options {
    /// The Redis to connect to, its timeouts and reconnection back-off.
    redis::options redis{};
    /// A session not read or written for this long is gone (its key's TTL).
    std::chrono::seconds ttl = std::chrono::hours(2);
    /// Prepended to every session key, so sessions share a Redis with other data.
    std::string prefix = "ringkit:session:";
};

/// Sessions in Redis with idle expiry (see the top of redis/session_store.hpp).
/// Thread-safe; its coroutines may run on any executor and resume on it.
class redis_store : public session_store {
public:
    /// Starts the store's thread and its connection (which is made in the
    /// background: a Redis that is down now is retried with back-off).
    explicit redis_store(redis_store_options opt = {}) : state_(std::make_shared<state>(std::move(opt))) {}

    /// Never: a Redis round trip must not block an I/O thread. Use wrap_session().
    std::optional<nlohmann::json> read(std::string_view /*key*/) override { throw synchronous_use(); }
    std::string write(std::string_view /*key*/, const nlohmann::json& /*data*/) override { throw synchronous_use(); }
    void erase(std::string_view /*key*/) override { throw synchronous_use(); }

    bool asynchronous() const noexcept override { return true; }

    /// The session under `key`, its TTL refreshed; nullopt when unknown, expired,
    /// or not a key this store could have made.
    task<std::optional<nlohmann::json>> read_async(std::string key) override {
        auto st = state_;
        if (!well_formed(key)) co_return std::nullopt;
        auto r = co_await st->client.command("GETEX", redis_key(key), "EX", st->opt.ttl.count());
        if (r.is_nil()) co_return std::nullopt;
        auto data = nlohmann::json::parse(r.str, nullptr, false);
        if (data.is_discarded()) co_return std::nullopt;
        co_return data;
    }

    /// Stores `data` under `key` when Redis still has that key, under a fresh one
    /// otherwise (an expired, erased or made-up key is never taken over); the key used.
    task<std::string> write_async(std::string key, nlohmann::json data) override {
        auto st = state_;
        const auto value = data.dump();
        if (well_formed(key)) {
            auto r = co_await st->client.command("SET", redis_key(key), value, "EX", st->opt.ttl.count(), "XX");
            if (!r.is_nil()) co_return key;
        }
        // NX: a fresh key can only collide with a live one by a CSPRNG failure;
        // even then it is never overwritten.
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto fresh = detail::random_token(key_bytes);
            auto r = co_await st->client.command("SET", redis_key(fresh), value, "EX", st->opt.ttl.count(), "NX");
            if (!r.is_nil()) co_return fresh;
        }
        throw std::runtime_error("ringkit: redis_store: three fresh session keys were all taken");
    }

    /// Deletes the session under `key`; unknown keys are ignored.
    task<void> erase_async(std::string key) override {
        auto st = state_;
        if (well_formed(key)) co_await st->client.command("DEL", redis_key(key));
    }

    /// The Redis key that holds the session `key` (the prefix and the key).
    std::string redis_key(std::string_view key) const { return state_->opt.prefix + std::string(key); }

private:
    // 192 bits, as memory_store's.
    static constexpr std::size_t key_bytes = 24;

    // What this store's keys look like (32 base64url characters): anything else
    // a client sends is unknown without a round trip.
    static bool well_formed(std::string_view key) noexcept {
        if (key.size() != (key_bytes / 3) * 4) return false;
        for (char c : key)
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                return false;
        return true;
    }

    static std::logic_error synchronous_use() {
        return std::logic_error(
            "ringkit: redis_store is asynchronous (it never blocks an I/O thread): use it through wrap_session(), or "
            "co_await read_async/write_async/erase_async");
    }

    struct state {
        explicit state(redis_store_options o) : opt(std::move(o)), client(thread.executor(), opt.redis) {}
        redis_store_options opt;
        redis::io_thread thread;  // before the client: it outlives it
        redis::client client;
    };

    std::shared_ptr<state> state_;
};

}  // namespace ringkit
