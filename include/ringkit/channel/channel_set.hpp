// The set of open channels HTTP-Kit's docs keep in an atom, made thread-safe,
// with a broadcast that encodes a WebSocket frame once and shares its bytes
// among all receivers.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ringkit/channel/channel.hpp"
#include "ringkit/ws/frame.hpp"
#include "ringkit/ws/message.hpp"

namespace ringkit {

class channel_set {
public:
    /// Adds `ch` (a second add of the same channel does nothing).
    void add(const channel& ch) {
        if (!ch) return;
        std::lock_guard lock(mutex_);
        members_.emplace(ch.core().get(), ch);
    }
    /// The channel of a ws::socket or ws::stream (anything with .channel()).
    template <class T>
    requires requires(const T& t) {
        { t.channel() } -> std::convertible_to<const channel&>;
    }
    void add(const T& member) { add(member.channel()); }
    template <class T>
    requires requires(const T& t) {
        { t.channel() } -> std::convertible_to<const channel&>;
    }
    bool remove(const T& member) { return remove(member.channel()); }

    /// Removes `ch`; false when it was not a member.
    bool remove(const channel& ch) {
        std::lock_guard lock(mutex_);
        return members_.erase(ch.core().get()) > 0;
    }
    bool contains(const channel& ch) const {
        std::lock_guard lock(mutex_);
        return members_.contains(ch.core().get());
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return members_.size();
    }
    /// The members now (closed ones included until removed or broadcast to).
    std::vector<channel> snapshot() const {
        std::lock_guard lock(mutex_);
        std::vector<channel> out;
        out.reserve(members_.size());
        for (auto& [key, ch] : members_) out.push_back(ch);
        return out;
    }

    /// Queues `m` on every open WebSocket member; members found closed are
    /// removed. Returns how many queued it (a member past its high-water mark
    /// misses this message: one slow client never holds up the others).
    std::size_t broadcast(const ws::message& m) {
        // One frame for everyone: header and payload in one shared buffer.
        const auto op = m.is_text() ? ws::opcode::text : ws::opcode::binary;
        char head[ws::max_header_size];
        const auto head_len = ws::encode_header(head, op, m.data.size());
        auto frame = std::make_shared<std::string>();
        frame->reserve(head_len + m.data.size());
        frame->append(head, head_len);
        frame->append(m.data);
        std::shared_ptr<const std::string> bytes = std::move(frame);

        std::size_t queued = 0;
        std::vector<detail::channel_core*> gone;
        for (auto& ch : snapshot()) {  // sends outside the lock: on_close may remove members
            auto& core = ch.core();
            if (!core->websocket()) continue;
            detail::out_item item;
            item.what = m.is_text() ? detail::out_item::kind::text : detail::out_item::kind::binary;
            item.shared = bytes;
            item.shared_head = static_cast<std::uint8_t>(head_len);
            auto st = core->push(std::move(item));
            if (st == send_status::queued) ++queued;
            else if (st == send_status::closed) gone.push_back(core.get());
        }
        if (!gone.empty()) {
            std::lock_guard lock(mutex_);
            for (auto* c : gone) members_.erase(c);
        }
        return queued;
    }

private:
    mutable std::mutex mutex_;
    std::unordered_map<const detail::channel_core*, channel> members_;
};

}  // namespace ringkit
