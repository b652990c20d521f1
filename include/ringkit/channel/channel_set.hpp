// The set of open channels HTTP-Kit's docs keep in an atom, made thread-safe,
// with a broadcast that encodes a WebSocket frame once (compressed: once per
// permessage-deflate parameter set) and shares its bytes among all receivers.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ringkit/channel/channel.hpp"
#include "ringkit/core/config.hpp"
#include "ringkit/ws/deflate_options.hpp"
#include "ringkit/ws/frame.hpp"
#include "ringkit/ws/message.hpp"

namespace ringkit {

namespace detail {
// One message compressed with a fresh context (no takeover). Defined in
// impl/channel_set.ipp, the only part of the broadcast that needs zlib.
RINGKIT_DECL void deflate_message(const ws::deflate_options& options, const ws::deflate_params& params,
                                  std::string_view in, std::string& out);
}  // namespace detail

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
    ///
    /// The frame is encoded once and its bytes shared by all receivers. With
    /// permessage-deflate, members that agreed no server context takeover share
    /// one compressed frame per parameter set (uWebSockets' shared compressor);
    /// members with a context of their own compress it themselves.
    std::size_t broadcast(const ws::message& m) {
        const auto op = m.is_text() ? ws::opcode::text : ws::opcode::binary;
        frame plain = encode(op, m.data, false);
        std::vector<std::pair<const detail::channel_core::compression*, frame>> packed;  // one per parameter set

        std::size_t queued = 0;
        std::vector<detail::channel_core*> gone;
        for (auto& ch : snapshot()) {  // sends outside the lock: on_close may remove members
            auto& core = ch.core();
            if (!core->websocket()) continue;
            detail::out_item item;
            item.what = m.is_text() ? detail::out_item::kind::text : detail::out_item::kind::binary;
            const frame* f = &plain;
            if (const auto& d = core->deflate; d && shares_compressor(*d, m.data.size())) {
                f = &compressed_for(packed, *d, op, m.data);
                item.compressed = true;
            }
            item.shared = f->bytes;
            item.shared_head = f->head_len;
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
    struct frame {
        std::shared_ptr<const std::string> bytes;  // header and payload
        std::uint8_t head_len = 0;
    };

    static frame encode(ws::opcode op, std::string_view payload, bool rsv1) {
        char head[ws::max_header_size];
        const auto head_len = ws::encode_header(head, op, payload.size(), true, rsv1);
        auto bytes = std::make_shared<std::string>();
        bytes->reserve(head_len + payload.size());
        bytes->append(head, head_len);
        bytes->append(payload);
        return {std::move(bytes), static_cast<std::uint8_t>(head_len)};
    }

    // Without server context takeover a compressed message depends only on the
    // parameters, so one compression serves every such member.
    static bool shares_compressor(const detail::channel_core::compression& d, std::size_t size) {
        return d.params.server_no_context_takeover && size >= d.options->min_size;
    }

    static bool same_compressor(const detail::channel_core::compression& a,
                                const detail::channel_core::compression& b) {
        return a.params.server_max_window_bits == b.params.server_max_window_bits &&
               a.options->level == b.options->level && a.options->mem_level == b.options->mem_level;
    }

    static const frame& compressed_for(std::vector<std::pair<const detail::channel_core::compression*, frame>>& packed,
                                       const detail::channel_core::compression& d, ws::opcode op,
                                       std::string_view payload) {
        for (auto& [key, f] : packed)
            if (same_compressor(*key, d)) return f;
        std::string out;
        detail::deflate_message(*d.options, d.params, payload, out);
        packed.emplace_back(&d, encode(op, out, true));
        return packed.back().second;
    }

    mutable std::mutex mutex_;
    std::unordered_map<const detail::channel_core*, channel> members_;
};

}  // namespace ringkit

#if defined(RINGKIT_HEADER_ONLY)
#include "ringkit/channel/impl/channel_set.ipp"
#endif
