// redis::subscriber: Redis pub/sub on a connection of its own (a subscribed
// connection can carry nothing else), whose channels survive reconnections.
//
//     rk::redis::subscriber sub(ex, opts, [](const std::string& channel, const std::string& message) { ... });
//     co_await sub.subscribe("room:1");   // completes once Redis confirms
//
// Publishing is an ordinary command: redis::client's `PUBLISH channel message`.
#pragma once

#include <hiredis/async.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/redis/connection.hpp"

#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>

namespace ringkit::redis {

namespace detail {

/// The subscriber's channels and waiters, on the connection's executor.
class subscription_state : public std::enable_shared_from_this<subscription_state> {
public:
    using message_handler = std::function<void(const std::string& channel, const std::string& message)>;

    subscription_state(std::shared_ptr<connection> c, message_handler h)
        : conn_(std::move(c)), handler_(std::move(h)) {}

    void hook() {
        std::weak_ptr<subscription_state> weak = shared_from_this();
        conn_->on_ready = [weak] {
            if (auto self = weak.lock()) self->resubscribe();
        };
        conn_->on_lost = [weak](error why) {
            if (auto self = weak.lock()) self->fail_waiters(why);
        };
    }

    const std::shared_ptr<connection>& conn() const { return conn_; }

    void subscribe(const std::string& channel, std::unique_ptr<pending_base> waiter) {
        const bool fresh = channels_.insert(channel).second;
        switch (conn_->current()) {
        case connection::state::closed: return waiter->complete(failure(error::closed), {});
        case connection::state::down: return waiter->complete(failure(error::unavailable), {});
        case connection::state::connecting: break;  // resubscribe() sends it
        case connection::state::ready:
            if (!fresh) return waiter->complete({}, {});
            send("SUBSCRIBE", channel);
            break;
        }
        waiters_[channel].push_back(std::move(waiter));
    }

    void unsubscribe(const std::string& channel) {
        if (channels_.erase(channel) == 0) return;
        if (conn_->current() == connection::state::ready) send("UNSUBSCRIBE", channel);
    }

    void close() {
        fail_waiters(error::closed);
        conn_->close();
    }

private:
    void send(const char* verb, const std::string& channel) {
        const bool subscribing = verb == std::string_view("SUBSCRIBE");
        if (conn_->send_raw({verb, channel}, &subscription_state::on_message, this) && subscribing)
            conn_->expect_reply();  // each SUBSCRIBE is confirmed, in order
    }

    void resubscribe() {
        for (const auto& c : channels_) send("SUBSCRIBE", c);
    }

    void fail_waiters(error why) {
        auto w = std::move(waiters_);
        waiters_.clear();
        for (auto& [channel, list] : w)
            for (auto& p : list) p->complete(failure(why), {});
    }

    // hiredis calls this for every reply on a subscribed channel: the confirmation
    // ["subscribe", channel, count], each ["message", channel, payload], and a null
    // when the context goes (the connection's own hooks handle that).
    static void on_message(redisAsyncContext* /*ac*/, void* r, void* privdata) {
        const auto* rep = static_cast<const redisReply*>(r);
        if (rep == nullptr || rep->type != REDIS_REPLY_ARRAY || rep->elements < 3) return;
        auto& self = *static_cast<subscription_state*>(privdata);
        const std::string kind(rep->element[0]->str, rep->element[0]->len);
        std::string channel(rep->element[1]->str, rep->element[1]->len);
        if (kind == "message") {
            if (self.channels_.contains(channel))
                self.handler_(channel, std::string(rep->element[2]->str, rep->element[2]->len));
        } else if (kind == "subscribe") {
            self.conn_->got_reply();
            auto it = self.waiters_.find(channel);
            if (it == self.waiters_.end()) return;
            auto list = std::move(it->second);
            self.waiters_.erase(it);
            for (auto& p : list) p->complete({}, {});
        }
    }

    std::shared_ptr<connection> conn_;
    message_handler handler_;
    std::set<std::string> channels_;  // what is subscribed again after a reconnection
    std::map<std::string, std::vector<std::unique_ptr<pending_base>>> waiters_;
};

}  // namespace detail

/// A pub/sub subscriber on one executor. Its message handler runs on that
/// executor, once per message, in the order Redis delivers them (one publisher's
/// messages to one channel in order); it must not block. The channels are
/// subscribed again after every reconnection; messages published while the
/// connection was down are lost (Redis pub/sub keeps nothing), which is what a
/// caller learns from error::unavailable on subscribe or from its own counters.
/// Methods may be called from any thread.
class subscriber {
public:
    using message_handler = detail::subscription_state::message_handler;

    subscriber(asio::any_io_executor ex, options o, message_handler on_message)
        : state_(std::make_shared<detail::subscription_state>(
              std::make_shared<detail::connection>(std::move(ex), std::move(o)), std::move(on_message))) {
        asio::dispatch(state_->conn()->executor(), [s = state_] {
            s->hook();
            s->conn()->start();
        });
    }
    subscriber(const subscriber&) = delete;
    subscriber& operator=(const subscriber&) = delete;
    ~subscriber() {
        auto ex = state_->conn()->executor();
        asio::dispatch(ex, [s = std::move(state_)] { s->close(); });
    }

    /// subscribe() with any Asio completion token: signature void(std::exception_ptr).
    template <class Token>
    auto async_subscribe(std::string channel, Token&& token) {
        return asio::async_initiate<Token, void(std::exception_ptr)>(
            [s = state_](auto handler, std::string ch) {
                asio::dispatch(s->conn()->executor(), [s, h = std::move(handler), ch = std::move(ch)]() mutable {
                    // Bound to the caller's executor, where pending<> then posts it.
                    auto ex = asio::get_associated_executor(h, s->conn()->executor());
                    auto done = asio::bind_executor(
                        ex, [h = std::move(h)](std::exception_ptr e, reply&&) mutable { std::move(h)(e); });
                    s->subscribe(
                        ch, std::make_unique<detail::pending<decltype(done)>>(std::move(done), s->conn()->executor()));
                });
            },
            token, std::move(channel));
    }

    /// Subscribes to `channel`, now and after every reconnection. Completes when
    /// Redis confirms it; fails with error::unavailable while Redis is down (the
    /// channel stays registered and is subscribed once it is back).
    task<void> subscribe(std::string channel) { return async_subscribe(std::move(channel), asio::use_awaitable); }

    /// Times the connection was made again after Redis was lost (its channels
    /// were subscribed again then); as redis::client's.
    std::uint64_t reconnects() const noexcept { return state_->conn()->reconnects()->load(std::memory_order_relaxed); }
    detail::connection::reconnect_count reconnect_counter() const noexcept { return state_->conn()->reconnects(); }

    /// Stops delivering `channel`'s messages (at once, even before Redis confirms).
    void unsubscribe(std::string channel) {
        asio::dispatch(state_->conn()->executor(), [s = state_, ch = std::move(channel)] { s->unsubscribe(ch); });
    }

private:
    std::shared_ptr<detail::subscription_state> state_;
};

}  // namespace ringkit::redis
