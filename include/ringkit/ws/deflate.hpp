// permessage-deflate (RFC 7692): compressing and decompressing message payloads
// with zlib. What may be agreed is in deflate_options.hpp, the agreeing in
// deflate_negotiation.hpp; both are included here, and neither needs <zlib.h>.
//
// Memory is the cost that matters: a zlib deflater with a 15-bit window and
// memLevel 8 holds about 256 KiB, an inflater about 40 KiB. Both are allocated
// on first use, so a connection that did not negotiate deflate, or negotiated it
// and never sent a message, pays one pointer each.
//
// zlib is optional. Without RINGKIT_HAS_ZLIB (which the ringkit::ringkit CMake
// target defines when it finds zlib) this header compiles to a stub:
// deflate_available is false and negotiate_deflate() never agrees to anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ringkit/ws/deflate_negotiation.hpp"
#include "ringkit/ws/deflate_options.hpp"

#if RINGKIT_WS_DEFLATE
#include <zlib.h>
#endif

namespace ringkit::ws {

enum class inflate_status { ok, too_big, error };

#if RINGKIT_WS_DEFLATE

namespace detail {
struct inflate_end {
    void operator()(z_stream* z) const noexcept {
        inflateEnd(z);
        delete z;
    }
};
struct deflate_end {
    void operator()(z_stream* z) const noexcept {
        deflateEnd(z);
        delete z;
    }
};
inline unsigned char* zbytes(const char* p) noexcept { return reinterpret_cast<unsigned char*>(const_cast<char*>(p)); }
// A failed init leaves state null, which the deleters' *End() calls accept.
inline void check_init(int rc) {
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    if (rc != Z_OK) throw std::runtime_error("ringkit::ws: zlib initialisation failed");
}
// zlib counts in uInt: inputs are handed over in pieces no larger than this.
inline constexpr std::size_t max_chunk = std::size_t{1} << 30;

// Gives zlib the next piece of the input once it has used the last one: avail_in
// is a uInt, so a long input goes in max_chunk pieces.
inline void refill(z_stream& z, const char*& next, std::size_t& left) noexcept {
    if (z.avail_in != 0 || left == 0) return;
    const std::size_t n = left < max_chunk ? left : max_chunk;
    z.next_in = zbytes(next);
    z.avail_in = static_cast<uInt>(n);
    next += n;
    left -= n;
}
}  // namespace detail

/// Decompresses the client's messages: one per connection, fed every frame of
/// every compressed message in order. Not thread-safe; movable.
/// With a window under 15 bits zlib checks back-references against the output it
/// still holds, which within one call can reach past the window: a client overstepping
/// its agreed window is then sometimes decoded instead of refused (never read out
/// of bounds), depending on how its bytes arrive.
class inflater {
public:
    /// `window_bits` as agreed (client_max_window_bits); `no_context_takeover`
    /// when the client resets its compressor per message (we then reset too,
    /// which keeps the window small in practice but frees nothing).
    explicit inflater(int window_bits = 15, bool no_context_takeover = false) noexcept
        // 9 at least: old zlib clients asked for 8 silently compress with 9.
        : window_bits_(static_cast<std::uint8_t>(detail::clamp_bits(window_bits, 9))),
          no_context_takeover_(no_context_takeover) {}

    /// Decompresses one frame's payload of a compressed message, appending to
    /// `out`; `last` on the message's final frame (the 00 00 FF FF tail of RFC
    /// 7692 §7.2.2 is then appended here). More than `max_size` bytes in `out` →
    /// too_big, found while inflating in bounded steps, so a deflate bomb never
    /// grows `out` past max_size + 1. Invalid data, data after a final block, or a
    /// message that does not end on a block boundary → error. After too_big or
    /// error the inflater stays failed: the connection is to be failed (1009 for too_big).
    inflate_status inflate(std::string_view in, std::string& out, bool last, std::size_t max_size) {
        if (failed_) return inflate_status::error;
        if (!z_) start();
        auto status = feed(in, out, max_size);
        if (status == inflate_status::ok && last) status = finish_message(out, max_size);
        if (status != inflate_status::ok) failed_ = true;
        return status;
    }

    /// Whether the zlib state has been allocated (for tests and memory accounting).
    bool allocated() const noexcept { return z_ != nullptr; }

private:
    static constexpr std::size_t step = 16UL * 1024;  // most output bytes per inflate() call

    void start() {
        std::unique_ptr<z_stream, detail::inflate_end> z(new z_stream{});
        detail::check_init(inflateInit2(z.get(), -static_cast<int>(window_bits_)));
        z_ = std::move(z);
        boundary_ = true;
    }

    inflate_status feed(std::string_view in, std::string& out, std::size_t max_size) {
        if (in.empty()) return inflate_status::ok;
        if (ended_) return inflate_status::error;  // bytes after a BFINAL block
        const char* next = in.data();
        std::size_t left = in.size();
        // Output space per call: 4x the input to start (resize() zero-fills it),
        // doubling up to `step` while a message keeps expanding.
        std::size_t grow = in.size() < step / 4 ? (in.size() < 64 ? 256 : in.size() * 4) : step;
        z_->avail_in = 0;
        for (;;) {
            detail::refill(*z_, next, left);
            if (out.size() > max_size) return inflate_status::too_big;
            const std::size_t room = max_size - out.size();
            const std::size_t n = room < grow ? room + 1 : grow;
            if (grow < step) grow = grow * 2 < step ? grow * 2 : step;
            const std::size_t old = out.size();
            out.resize(old + n);
            z_->next_out = detail::zbytes(out.data() + old);
            z_->avail_out = static_cast<uInt>(n);
            const int rc = ::inflate(z_.get(), Z_SYNC_FLUSH);
            out.resize(old + (n - z_->avail_out));
            if (rc == Z_MEM_ERROR) throw std::bad_alloc();
            if (out.size() > max_size && (rc == Z_OK || rc == Z_STREAM_END)) return inflate_status::too_big;
            if (rc == Z_STREAM_END) {
                ended_ = true;
                if (z_->avail_in != 0 || left != 0) return inflate_status::error;
                break;
            }
            const bool drained = z_->avail_in == 0 && left == 0;
            if (rc == Z_BUF_ERROR && drained) break;  // nothing was pending after all
            if (rc != Z_OK) return inflate_status::error;
            // Done when the input is used up and the call did not fill its buffer.
            if (drained && z_->avail_out != 0) break;
        }
        // Bit 128 of data_type: inflate() stopped between blocks (zlib.h).
        boundary_ = ended_ || (z_->data_type & 128) != 0;
        return inflate_status::ok;
    }

    inflate_status finish_message(std::string& out, std::size_t max_size) {
        // A message ends with an empty stored block whose last 4 bytes the sender
        // removed (§7.2.1). Already at a boundary (an empty payload, or a sender
        // that kept the tail): the tail would start a bogus block, so skip it.
        if (!boundary_) {
            static constexpr char tail[4] = {0x00, 0x00, static_cast<char>(0xff), static_cast<char>(0xff)};
            auto status = feed(std::string_view(tail, 4), out, max_size);
            if (status != inflate_status::ok) return status;
            if (!boundary_) return inflate_status::error;  // the payload ended inside a block
        }
        if (ended_) {
            // A BFINAL block ended the stream (§7.2.3.4): a new stream follows, which
            // may still refer back to this message unless context takeover is off.
            std::string window;
            uInt len = 0;
            if (!no_context_takeover_) {
                window.resize(std::size_t{1} << window_bits_);
                inflateGetDictionary(z_.get(), detail::zbytes(window.data()), &len);
            }
            inflateReset(z_.get());
            if (len != 0) inflateSetDictionary(z_.get(), detail::zbytes(window.data()), len);
        } else if (no_context_takeover_) {
            inflateReset(z_.get());
        }
        ended_ = false;
        boundary_ = true;
        return inflate_status::ok;
    }

    std::unique_ptr<z_stream, detail::inflate_end> z_;
    std::uint8_t window_bits_;
    bool no_context_takeover_;
    bool boundary_ = true;  // the stream stands between blocks
    bool ended_ = false;    // a block with BFINAL set ended the stream in this message
    bool failed_ = false;
};

/// Compresses our messages: one per connection. Not thread-safe; movable.
class deflater {
public:
    deflater(const deflate_options& opt, const deflate_params& params) noexcept
        : min_size_(opt.min_size), level_(static_cast<std::int8_t>(opt.level < -1  ? -1
                                                                   : opt.level > 9 ? 9
                                                                                   : opt.level)),
          mem_level_(static_cast<std::int8_t>(opt.mem_level < 1   ? 1
                                              : opt.mem_level > 9 ? 9
                                                                  : opt.mem_level)),
          window_bits_(static_cast<std::int8_t>(detail::clamp_bits(params.server_max_window_bits, 9))),
          no_context_takeover_(params.server_no_context_takeover) {}

    /// Whether a message of `size` bytes is worth compressing (options.min_size).
    bool worth_compressing(std::size_t size) const noexcept { return size >= min_size_; }

    /// Compresses a whole message into `out` (cleared first), without the
    /// 00 00 FF FF tail (§7.2.1); never empty (an empty message is the single
    /// byte 00, §7.2.3.6). With context takeover later messages refer back to
    /// this one, so the result must be sent (RSV1 set), never swapped for the
    /// uncompressed bytes.
    void compress(std::string_view in, std::string& out) {
        out.clear();
        if (!z_) start();
        const char* next = in.data();
        std::size_t left = in.size();
        std::size_t chunk = deflateBound(z_.get(), static_cast<uLong>(in.size())) + 16;
        z_->avail_in = 0;
        for (;;) {
            detail::refill(*z_, next, left);
            const std::size_t old = out.size();
            out.resize(old + chunk);
            z_->next_out = detail::zbytes(out.data() + old);
            z_->avail_out = static_cast<uInt>(chunk);
            const int rc = ::deflate(z_.get(), left != 0 ? Z_NO_FLUSH : Z_SYNC_FLUSH);
            out.resize(old + (chunk - z_->avail_out));
            // Z_BUF_ERROR: nothing to do (an empty message right after a flush).
            if (rc == Z_BUF_ERROR) break;
            if (rc == Z_MEM_ERROR) throw std::bad_alloc();
            if (rc != Z_OK) throw std::runtime_error("ringkit::ws::deflater: deflate() failed");
            if (left == 0 && z_->avail_in == 0 && z_->avail_out != 0) break;  // flushed
            chunk = out.size() < 4096 ? 4096 : out.size();
        }
        if (out.size() >= 4 && std::string_view(out).substr(out.size() - 4) == std::string_view("\0\0\xff\xff", 4))
            out.resize(out.size() - 4);
        // zlib emits nothing for an empty message right after a flush: send the
        // header byte of an empty stored block instead.
        if (out.empty()) out.push_back('\0');
        if (no_context_takeover_) deflateReset(z_.get());
    }

    /// Whether the zlib state has been allocated (for tests and memory accounting).
    bool allocated() const noexcept { return z_ != nullptr; }

private:
    void start() {
        std::unique_ptr<z_stream, detail::deflate_end> z(new z_stream{});
        detail::check_init(
            deflateInit2(z.get(), level_, Z_DEFLATED, -static_cast<int>(window_bits_), mem_level_, Z_DEFAULT_STRATEGY));
        z_ = std::move(z);
    }

    std::unique_ptr<z_stream, detail::deflate_end> z_;
    std::size_t min_size_;
    std::int8_t level_, mem_level_, window_bits_;
    bool no_context_takeover_;
};

#else  // no zlib: the types exist so code compiles; negotiate_deflate() never agrees.

class inflater {
public:
    explicit inflater(int = 15, bool = false) noexcept {}
    /// Always error: this build has no zlib (deflate_available is false).
    inflate_status inflate(std::string_view, std::string&, bool, std::size_t) { return inflate_status::error; }
    bool allocated() const noexcept { return false; }
};

class deflater {
public:
    deflater(const deflate_options&, const deflate_params&) noexcept {}
    bool worth_compressing(std::size_t) const noexcept { return false; }
    /// Throws: this build has no zlib (deflate_available is false).
    [[noreturn]] void compress(std::string_view, std::string&) {
        throw std::logic_error("ringkit was built without zlib: permessage-deflate is unavailable");
    }
    bool allocated() const noexcept { return false; }
};

#endif

}  // namespace ringkit::ws
