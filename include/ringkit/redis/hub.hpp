// redis::hub: broadcast by topic across every instance that shares a Redis
// (Socket.IO's Redis adapter, Phoenix.PubSub's Redis adapter).
//
//     rk::redis::hub rooms(opts);
//     co_await rooms.join("room:1", ch);                 // this instance now hears "room:1"
//     co_await rooms.publish("room:1", rk::ws::text("hi"));   // every member, every instance
//
// Each topic is a Redis pub/sub channel (`prefix + topic`) and, on each
// instance, a channel_set of its members: a message comes from Redis once per
// instance and channel_set encodes its frame once for all of them, never once
// per socket. A message travels as its kind (one byte) and its bytes, unchanged.
//
// Order: every publish of a hub goes out on one connection, in the order the
// calls were made on one thread, and Redis delivers a channel's messages in the
// order it received them, so one publisher's messages to a topic arrive in order
// at every member.
//
// Redis unreachable: publish() fails (std::system_error in redis::category())
// and stats().failed counts it: the caller decides to retry, tell its client, or
// drop it, and nothing is dropped in silence. Messages published by others while
// this instance's subscriber was reconnecting are lost for its members (Redis
// pub/sub keeps nothing); its topics are subscribed again once Redis is back.
//
// Threads: one Redis connection for publishing and one for subscribing, on one
// thread of the hub's own (redis/io_thread.hpp); every method may be called from
// any thread. Members are delivered to from that thread through channel sends
// (which post to each connection's own thread).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "ringkit/channel/channel.hpp"
#include "ringkit/channel/channel_set.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/metrics/registry.hpp"
#include "ringkit/redis/client.hpp"
#include "ringkit/redis/io_thread.hpp"
#include "ringkit/redis/options.hpp"
#include "ringkit/redis/subscriber.hpp"
#include "ringkit/ws/message.hpp"

namespace ringkit::redis {

struct hub_options {
    /// The Redis every instance shares, its timeouts and reconnection back-off.
    options redis{};
    /// Prepended to each topic to make its Redis channel.
    std::string prefix = "ringkit:hub:";
    /// The largest message publish() accepts (std::length_error beyond it).
    std::size_t max_message_size = std::size_t{64} * 1024;
};

/// What a hub has done since it was made (each a running count).
struct hub_stats {
    std::uint64_t published = 0;  ///< publish() calls that Redis accepted
    std::uint64_t failed = 0;     ///< publish() calls that failed: Redis unreachable, slow or refusing
    std::uint64_t too_large = 0;  ///< publish() calls refused for max_message_size
    std::uint64_t received = 0;   ///< messages that came from Redis
    std::uint64_t delivered = 0;  ///< sends queued to members (a message times its members)
};

/// Topics across instances (see the top of redis/hub.hpp). Not copyable; it
/// must outlive the calls made on it, and its members' channels may close at any
/// time (they are dropped at the next message).
class hub {
public:
    explicit hub(hub_options o = {})
        : state_(std::make_shared<state>()), opt_(std::move(o)), pub_(thread_.executor(), opt_.redis),
          sub_(thread_.executor(), opt_.redis,
               [s = state_, n = opt_.prefix.size()](const std::string& channel, const std::string& payload) {
                   s->deliver(channel.substr(n), payload);
               }) {}
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;
    /// Closes both connections (calls in flight fail with error::closed), then ends the thread.
    ~hub() = default;

    /// Makes `ch` a member of `topic` on this instance. Completes once Redis has
    /// confirmed this instance's subscription to the topic; throws
    /// std::system_error in redis::category() when Redis is unreachable, and the
    /// membership and subscription stay: the topic is subscribed when Redis is back.
    task<void> join(std::string topic, channel ch) {
        state_->add(topic, ch);
        co_await sub_.subscribe(opt_.prefix + topic);
    }

    /// Takes `ch` out of `topic` here (a closed member goes by itself at the next
    /// message). The topic stays subscribed: unsubscribing would race a join.
    void leave(const std::string& topic, const channel& ch) { state_->remove(topic, ch); }

    /// The hub's thread: where a callback with no coroutine of its own (on_open,
    /// on_receive) can co_spawn join() or publish().
    asio::any_io_executor executor() { return thread_.executor(); }

    /// Sends `m` to every member of `topic` on every instance, this one included.
    /// Completes with how many instances Redis handed it to; throws
    /// std::length_error past max_message_size, and std::system_error in
    /// redis::category() when Redis is unreachable or does not answer in time
    /// (stats().failed): then no instance received it.
    task<std::size_t> publish(std::string topic, ws::message m) {
        if (m.data.size() > opt_.max_message_size) {
            state_->counts->too_large.fetch_add(1, std::memory_order_relaxed);
            throw std::length_error("ringkit: hub message over max_message_size");
        }
        std::string payload;
        payload.reserve(1 + m.data.size());
        payload.push_back(m.is_binary() ? 'b' : 't');
        payload.append(m.data);
        reply r;
        try {
            r = co_await pub_.command("PUBLISH", opt_.prefix + topic, payload);
        } catch (...) {
            state_->counts->failed.fetch_add(1, std::memory_order_relaxed);
            throw;
        }
        state_->counts->published.fetch_add(1, std::memory_order_relaxed);
        co_return static_cast<std::size_t>(r.integer);
    }

    /// The counts so far (each read on its own, relaxed).
    hub_stats stats() const { return state_->counts->stats(); }

    /// Registers the hub's counts in `reg`, read at each scrape:
    /// `ringkit_hub_published_total`, `ringkit_hub_publish_failures_total`
    /// (Redis unreachable, slow or refusing), `ringkit_hub_too_large_total`,
    /// `ringkit_hub_received_total` (messages from Redis),
    /// `ringkit_hub_delivered_total` (sends queued to members), and the
    /// reconnections of its two Redis connections,
    /// `ringkit_hub_publisher_reconnects_total` and
    /// `ringkit_hub_subscriber_reconnects_total`. The callbacks hold the counts,
    /// not the hub: a scrape after the hub is gone reads their last values.
    /// One hub per registry (a second throws std::invalid_argument, as a taken name does).
    void register_metrics(metrics::registry& reg) const {
        const auto n = state_->counts;
        auto add = [&](const char* name, const char* help, const std::atomic<std::uint64_t> hub_counts::*which) {
            reg.add_counter_fn(
                name, help, [n, which] { return static_cast<double>(((*n).*which).load(std::memory_order_relaxed)); });
        };
        add("ringkit_hub_published_total", "Hub publishes Redis accepted.", &hub_counts::published);
        add("ringkit_hub_publish_failures_total", "Hub publishes that failed: Redis unreachable, slow or refusing.",
            &hub_counts::failed);
        add("ringkit_hub_too_large_total", "Hub publishes refused for max_message_size.", &hub_counts::too_large);
        add("ringkit_hub_received_total", "Hub messages that came from Redis.", &hub_counts::received);
        add("ringkit_hub_delivered_total", "Hub sends queued to members (a message times its members).",
            &hub_counts::delivered);
        reg.add_counter_fn(
            "ringkit_hub_publisher_reconnects_total",
            "Times the hub's publishing connection to Redis was made again after it was lost.",
            [r = pub_.reconnect_counter()] { return static_cast<double>(r->load(std::memory_order_relaxed)); });
        reg.add_counter_fn(
            "ringkit_hub_subscriber_reconnects_total",
            "Times the hub's subscribing connection to Redis was made again (its topics subscribed again).",
            [r = sub_.reconnect_counter()] { return static_cast<double>(r->load(std::memory_order_relaxed)); });
    }

    /// Members of `topic` on this instance.
    std::size_t members(const std::string& topic) const { return state_->size(topic); }

private:
    // The running counts, apart from the topics: a metrics callback holds them
    // (register_metrics), maybe past the hub, and must not keep members' channels.
    struct hub_counts {
        std::atomic<std::uint64_t> published{0}, failed{0}, too_large{0}, received{0}, delivered{0};
        hub_stats stats() const {
            return {published.load(std::memory_order_relaxed), failed.load(std::memory_order_relaxed),
                    too_large.load(std::memory_order_relaxed), received.load(std::memory_order_relaxed),
                    delivered.load(std::memory_order_relaxed)};
        }
    };

    // Shared with the subscriber's handler, which may run while the hub is going.
    struct state {
        std::mutex mutex;
        std::map<std::string, std::shared_ptr<channel_set>, std::less<>> topics;
        std::shared_ptr<hub_counts> counts = std::make_shared<hub_counts>();

        void add(const std::string& topic, const channel& ch) {
            std::lock_guard lock(mutex);
            auto& set = topics[topic];
            if (!set) set = std::make_shared<channel_set>();
            set->add(ch);
        }
        void remove(const std::string& topic, const channel& ch) {
            std::lock_guard lock(mutex);
            if (auto it = topics.find(topic); it != topics.end()) it->second->remove(ch);
        }
        std::size_t size(const std::string& topic) {
            std::lock_guard lock(mutex);
            auto it = topics.find(topic);
            return it == topics.end() ? 0 : it->second->size();
        }
        void deliver(std::string_view topic, const std::string& payload) {
            counts->received.fetch_add(1, std::memory_order_relaxed);
            if (payload.empty()) return;
            std::shared_ptr<channel_set> set;
            {
                std::lock_guard lock(mutex);
                auto it = topics.find(topic);
                if (it == topics.end()) return;
                set = it->second;
            }
            auto m = payload[0] == 'b' ? ws::binary(payload.substr(1)) : ws::text(payload.substr(1));
            counts->delivered.fetch_add(set->broadcast(m), std::memory_order_relaxed);
        }
    };

    std::shared_ptr<state> state_;
    hub_options opt_;
    io_thread thread_;  // before the connections: it outlives them
    client pub_;
    subscriber sub_;
};

}  // namespace ringkit::redis
