// The default session store: sessions in this process's memory, gone when it
// exits. Keys are 192 random bits from the kernel's CSPRNG, so they cannot be
// guessed; a session idle longer than idle_timeout is invisible and pruned; at
// most max_sessions are kept (the least recently used one makes room), so
// clients minting sessions cannot grow memory without bound. The other side of
// that cap: a client minting sessions as fast as it can (every GET of a page
// that calls anti_forgery_token() makes one) pushes the least recently used real
// sessions out once the cap is reached. Size max_sessions for your traffic,
// rate-limit anonymous clients in front, or use cookie_store, whose sessions
// take no server memory.
//
// A memory_store is a handle: copies share one map, so it can be passed by value
// (`rk::wrap_session(rk::memory_store{})`) and also kept to inspect. Safe to use
// from every I/O thread at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "ringkit/middleware/session.hpp"

namespace ringkit {

/// Limits of a memory_store.
struct memory_store_options {
    /// A session not read or written for this long is gone.
    std::chrono::seconds idle_timeout = std::chrono::hours(2);
    /// Sessions kept at most; beyond it the least recently used is dropped.
    std::size_t max_sessions = 100'000;
    /// The clock expiry is measured on; tests inject one. steady_clock when empty.
    std::function<std::chrono::steady_clock::time_point()> clock{};
};

/// Sessions in memory with idle expiry (see the top of memory_store.hpp).
class memory_store : public session_store {
public:
    explicit memory_store(memory_store_options opt = {}) : state_(std::make_shared<state>(std::move(opt))) {}

    std::optional<nlohmann::json> read(std::string_view key) override {
        std::lock_guard lock(state_->mutex);
        auto* e = state_->find_live(key);
        if (!e) return std::nullopt;
        return e->data;
    }

    std::string write(std::string_view key, const nlohmann::json& data) override {
        std::lock_guard lock(state_->mutex);
        if (auto* e = key.empty() ? nullptr : state_->find_live(key)) {
            e->data = data;
            return std::string(key);
        }
        // A key that is unknown here (expired, erased, or made up by a client) is
        // never taken over: the session gets a fresh one.
        std::string fresh;
        do fresh = detail::random_token(24);
        while (state_->entries.contains(fresh));
        state_->insert(fresh, data);
        return fresh;
    }

    void erase(std::string_view key) override {
        std::lock_guard lock(state_->mutex);
        state_->remove(std::string(key));
    }

    /// Live sessions (expired ones are pruned first).
    std::size_t size() const {
        std::lock_guard lock(state_->mutex);
        state_->prune();
        return state_->entries.size();
    }

private:
    struct entry {
        nlohmann::json data;
        std::chrono::steady_clock::time_point last_used;
        std::list<std::string>::iterator in_order;
    };

    struct state {
        explicit state(memory_store_options o) : opt(std::move(o)) {}

        std::chrono::steady_clock::time_point now() const {
            return opt.clock ? opt.clock() : std::chrono::steady_clock::now();
        }
        bool expired(const entry& e, std::chrono::steady_clock::time_point t) const {
            return t - e.last_used >= opt.idle_timeout;
        }

        // Most recently used keys first, so the expired ones gather at the back and
        // pruning costs O(1) per session over its life.
        void prune() {
            const auto t = now();
            while (!order.empty() && expired(entries.find(order.back())->second, t)) remove(order.back());
        }

        entry* find_live(std::string_view key) {
            prune();
            auto it = entries.find(std::string(key));
            if (it == entries.end()) return nullptr;
            it->second.last_used = now();
            order.splice(order.begin(), order, it->second.in_order);
            return &it->second;
        }

        void insert(const std::string& key, const nlohmann::json& data) {
            order.push_front(key);
            entries.emplace(key, entry{data, now(), order.begin()});
            while (entries.size() > opt.max_sessions && !order.empty()) remove(order.back());
        }

        void remove(const std::string& key) {
            auto it = entries.find(key);
            if (it == entries.end()) return;
            order.erase(it->second.in_order);
            entries.erase(it);
        }

        memory_store_options opt;
        mutable std::mutex mutex;
        std::unordered_map<std::string, entry> entries;
        std::list<std::string> order;
    };

    std::shared_ptr<state> state_;
};

}  // namespace ringkit
