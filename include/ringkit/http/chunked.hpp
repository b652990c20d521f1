// Chunked transfer coding on the way out (RFC 9112 §7.1): the one place that
// knows how a chunk and the last chunk look on the wire. The connection writes
// every streamed body through here: a stream_body's writes and an HTTP channel's
// sends after the first.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>

namespace ringkit {

/// The bytes around one chunk's data: "<size in hex>\r\n" before, "\r\n" after.
class chunk_frame {
public:
    /// The most bytes a frame adds around a chunk's data.
    static constexpr std::size_t max_overhead = 2 * sizeof(std::size_t) + 4;

    /// The frame of a chunk of `size` bytes; size 0 is not a chunk (it would end the body).
    explicit chunk_frame(std::size_t size) noexcept {
        auto r = std::to_chars(head_.data(), head_.data() + head_.size() - 2, size, 16);
        *r.ptr++ = '\r';
        *r.ptr++ = '\n';
        head_size_ = static_cast<std::size_t>(r.ptr - head_.data());
    }
    std::string_view head() const noexcept { return {head_.data(), head_size_}; }
    static constexpr std::string_view tail() noexcept { return "\r\n"; }

private:
    std::array<char, 2 * sizeof(std::size_t) + 2> head_{};
    std::size_t head_size_ = 0;
};

/// The last chunk with no trailer: what ends a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

/// Appends `bytes` to `out` as one chunk; nothing for no bytes (an empty chunk
/// would end the body).
inline void append_chunk(std::string& out, std::string_view bytes) {
    if (bytes.empty()) return;
    chunk_frame frame(bytes.size());
    out.append(frame.head());
    out.append(bytes);
    out.append(chunk_frame::tail());
}

}  // namespace ringkit
