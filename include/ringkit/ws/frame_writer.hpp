// The sending half of RFC 6455 without a socket: queue items in, buffers out.
//
// The session moves what the channel queued into the writer's batch; the writer
// frames each item (its header encoded beside it, the payload compressed when
// permessage-deflate was agreed) and hands out the unwritten rest as buffers for
// one gather write, from a cursor (item, byte) that advance() moves as the socket
// takes bytes. It reports a close frame among the items it takes; what that means
// for the connection is the close state machine's business (close_state.hpp).
// Nothing is ever written after a close frame: later items come back as late.
//
// The role is a template parameter, so a server's writer has no masking code
// at all: a client's (RFC 6455 §5.3) masks each frame's payload in place, with a
// fresh key from the kernel's CSPRNG (core/random.hpp), as it frames it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/channel/out_item.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/random.hpp"
#include "ringkit/ws/close.hpp"
#include "ringkit/ws/deflate.hpp"
#include "ringkit/ws/frame.hpp"

// After core/asio.hpp, which configures Asio.
#include <asio/buffer.hpp>

namespace ringkit::ws {

/// Up to N buffers for one gather write; copyable, so an asynchronous write keeps its own.
template <std::size_t N>
struct buffer_list {
    // Only the first `count` entries are ever built: a write of one small frame
    // should not start by zeroing a kilobyte of buffer slots.
    union {
        asio::const_buffer items[N];
    };
    std::size_t count = 0;

    // = default is deleted: const_buffer's constructor is not trivial.
    buffer_list() noexcept {}  // NOLINT(modernize-use-equals-default)
    buffer_list(const buffer_list& o) noexcept { copy_items(o); }
    buffer_list(buffer_list&& o) noexcept { copy_items(o); }  // the items are views: moving is copying
    buffer_list& operator=(const buffer_list&) = delete;
    buffer_list& operator=(buffer_list&&) = delete;
    ~buffer_list() = default;
    void push(const void* data, std::size_t size) noexcept { new (&items[count++]) asio::const_buffer(data, size); }
    const asio::const_buffer* begin() const noexcept { return items; }
    const asio::const_buffer* end() const noexcept { return items + count; }

private:
    void copy_items(const buffer_list& o) noexcept {
        for (; count < o.count; ++count) new (&items[count]) asio::const_buffer(o.items[count]);
    }
};

template <role Role>
class basic_frame_writer {
public:
    using item = ringkit::detail::out_item;

    /// A close frame the writer took: the connection's close has begun.
    struct close_taken {
        std::uint16_t code = 0;
        std::string reason;
    };

    /// `deflate`: the parameters agreed, if any, as this end uses them (server_*:
    /// what we compress, client_*: the peer; a client swaps them, swap_sides());
    /// `options` says which messages are worth compressing.
    basic_frame_writer(const deflate_options& options, std::optional<deflate_params> deflate)
        : options_(options), deflate_(deflate) {}

    /// Takes what `source` moves in (a `bool(std::vector<item>&)`: false when it had
    /// nothing; the channel's take(), which swaps an empty vector for its queue, so
    /// the batch's memory goes round between the two) and frames each item. Items
    /// after a close frame (and every item once one was taken) are never written:
    /// `late` (a `void(std::vector<item>&)`) gets them, and only runs when there are
    /// some, so the common case builds no second vector. Returns the close frame
    /// among them, if any.
    template <class Source, class Late>
    std::optional<close_taken> take_from(Source&& source, Late&& late) {
        std::optional<close_taken> closing;
        if (closed_) {
            std::vector<item> after;
            if (source(after)) late(after);
            return closing;
        }
        const std::size_t first = batch_.size();
        if (first == 0) {
            if (!source(batch_)) return closing;
        } else {
            std::vector<item> more;
            if (!source(more)) return closing;
            for (auto& i : more) batch_.push_back(std::move(i));
        }
        std::size_t stop = batch_.size();
        frames_.reserve(stop);
        for (std::size_t i = first; i < stop; ++i) {
            auto& f = frames_.emplace_back();
            f.accounted = batch_[i].size();
            if (batch_[i].what == item::kind::close) {  // read before a client's encode() masks it
                closed_ = true;
                close_payload ours;
                parse_close_payload(batch_[i].data, ours);
                closing = close_taken{batch_[i].close_code, std::string(ours.reason)};
                stop = i + 1;
            }
            encode(batch_[i], f);
        }
        if (stop < batch_.size()) {
            std::vector<item> after(std::make_move_iterator(batch_.begin() + static_cast<std::ptrdiff_t>(stop)),
                                    std::make_move_iterator(batch_.end()));
            batch_.resize(stop);
            late(after);
        }
        return closing;
    }

    /// take_from() a vector of items (left empty); the late ones appended to `late`.
    std::optional<close_taken> take(std::vector<item>& queue, std::vector<item>& late) {
        return take_from(
            [&queue](std::vector<item>& into) {
                if (queue.empty()) return false;
                into.swap(queue);  // `into` is the empty batch, or a fresh vector
                return true;
            },
            [&late](std::vector<item>& after) {
                for (auto& i : after) late.push_back(std::move(i));
            });
    }

    /// Nothing taken is left unwritten.
    bool empty() const noexcept { return at_item_ == batch_.size(); }
    /// A close frame was taken: nothing more will be.
    bool closed() const noexcept { return closed_; }

    /// The unwritten rest of the batch, its first N pieces.
    template <std::size_t N>
    buffer_list<N> gather() const {
        buffer_list<N> out;
        std::size_t skip = at_byte_;
        for (std::size_t i = at_item_; i < batch_.size() && out.count < N; ++i, skip = 0) {
            for (auto part : wire(i)) {
                if (skip >= part.size()) {
                    skip -= part.size();
                    continue;
                }
                part.remove_prefix(skip);
                skip = 0;
                out.push(part.data(), part.size());
                if (out.count == N) break;
            }
        }
        return out;
    }

    /// `n` more bytes went out. True when the whole batch has.
    bool advance(std::size_t n) noexcept {
        while (at_item_ < batch_.size()) {
            auto [head, payload] = wire(at_item_);
            auto left = head.size() + payload.size() - at_byte_;
            if (n < left) {
                at_byte_ += n;
                return false;
            }
            n -= left;
            ++at_item_;
            at_byte_ = 0;
        }
        return true;
    }

    /// The batch, once written (empty()): its items, for their completions.
    std::vector<item>& batch() noexcept { return batch_; }
    /// What the batch's items weighed against the queue's high-water mark.
    std::size_t accounted() const noexcept {
        std::size_t total = 0;
        for (const auto& f : frames_) total += f.accounted;
        return total;
    }
    /// Starts a new batch (the old one written, or dropped), keeping its memory
    /// unless a burst made it large.
    void reset() noexcept {
        batch_.clear();
        frames_.clear();
        if (batch_.capacity() > 64) std::vector<item>().swap(batch_);
        if (frames_.capacity() > 64) std::vector<frame>().swap(frames_);
        at_item_ = 0;
        at_byte_ = 0;
    }

private:
    struct frame {
        std::size_t accounted = 0;  // size() as queued: what leaves the high-water count once written
        std::array<char, max_header_size> head;
        std::uint8_t head_len = 0;
        // `head` not zeroed: one frame is made per item of every batch, and encode() writes it.
        frame() noexcept {}  // NOLINT(modernize-use-equals-default,cppcoreguidelines-pro-type-member-init)
    };

    void encode(item& it, frame& f) {
        using k = item::kind;
        opcode op{};
        bool rsv1 = false;
        switch (it.what) {
        case k::text:
        case k::binary:
            op = it.what == k::text ? opcode::text : opcode::binary;
            if constexpr (Role == role::server) {
                // A broadcast frame goes out as it is, unless this connection compresses
                // with a context of its own (the broadcast compressed it once for the
                // connections without one).
                if (it.shared && it.shared_head && (it.compressed || !worth_compressing(it))) return;
            } else if (it.shared) {
                // A broadcast's frame is unmasked: a client masks a copy of its payload.
                it.data.assign(it.payload());
                rsv1 = it.compressed;
                it.shared.reset();
                it.shared_head = 0;
            }
            if (!rsv1 && worth_compressing(it)) {
                if (!deflater_) deflater_ = std::make_unique<deflater>(options_, *deflate_);
                std::string packed;
                deflater_->compress(it.payload(), packed);
                it.data = std::move(packed);
                it.shared.reset();
                it.shared_head = 0;
                rsv1 = true;
            }
            break;
        case k::ping: op = opcode::ping; break;
        case k::pong: op = opcode::pong; break;
        case k::close: op = opcode::close; break;
        default: return;  // HTTP items never reach a WebSocket
        }
        if constexpr (Role == role::server) {
            f.head_len = static_cast<std::uint8_t>(encode_header(f.head.data(), op, it.payload().size(), true, rsv1));
        } else {
            const std::uint32_t key = ringkit::detail::random_mask_key();
            apply_mask(it.data, key, 0);  // the item's own bytes (a broadcast's were copied above)
            f.head_len = static_cast<std::uint8_t>(encode_header(f.head.data(), op, it.data.size(), true, rsv1, key));
        }
    }

    bool worth_compressing(const item& it) const noexcept {
        return deflate_ && it.payload().size() >= options_.min_size;
    }

    // An item's bytes on the wire: its header, then its payload (a shared
    // broadcast frame carries its own header).
    std::array<std::string_view, 2> wire(std::size_t i) const noexcept {
        const auto& it = batch_[i];
        if (it.shared && it.shared_head) return {std::string_view(*it.shared), {}};
        return {std::string_view(frames_[i].head.data(), frames_[i].head_len), it.payload()};
    }

    const deflate_options& options_;
    std::optional<deflate_params> deflate_;
    std::unique_ptr<deflater> deflater_;
    std::vector<item> batch_;
    std::vector<frame> frames_;  // beside batch_, one per item
    // How far the batch is written; the item index beside closed_ (32 bits: a batch
    // is a queue taken at once), so every session saves a word.
    std::size_t at_byte_ = 0;
    std::uint32_t at_item_ = 0;
    bool closed_ = false;
};

/// A server's writer: frames go out unmasked.
using frame_writer = basic_frame_writer<role::server>;
/// A client's writer: every frame masked with a fresh key.
using client_frame_writer = basic_frame_writer<role::client>;

}  // namespace ringkit::ws
