// permessage-deflate (RFC 7692): agreeing on it in the handshake, and compressing
// and decompressing message payloads with zlib.
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

#include "ringkit/core/ascii.hpp"

#if defined(RINGKIT_HAS_ZLIB) && RINGKIT_HAS_ZLIB
#include <zlib.h>
#define RINGKIT_WS_DEFLATE 1
#else
#define RINGKIT_WS_DEFLATE 0
#endif

namespace ringkit::ws {

/// Whether this build can compress: false when ringkit was compiled without zlib.
inline constexpr bool deflate_available = RINGKIT_WS_DEFLATE != 0;

/// What the server is willing to agree to. Window sizes are base-2 logarithms.
struct deflate_options {
    bool enabled = false;
    int server_max_window_bits = 15;         ///< 9..15 (never 8: zlib cannot deflate with an 8-bit window)
    int client_max_window_bits = 15;         ///< 9..15: the most we ask clients for when they allow it
    bool server_no_context_takeover = false; ///< forget our compression context after each message (less memory)
    bool client_no_context_takeover = false; ///< ask clients to do the same (we then reset our inflater too)
    int level = 6, mem_level = 8;            ///< zlib compression level (0..9) and memLevel (1..9)
    std::size_t min_size = 64;               ///< messages smaller than this are sent uncompressed (RSV1 clear)
};

/// What was agreed for one connection.
struct deflate_params {
    int server_max_window_bits = 15;          ///< the window we compress with, 9..15
    int client_max_window_bits = 15;          ///< the most the client compresses with, 8..15
    bool server_no_context_takeover = false;  ///< we reset our compressor after each message
    bool client_no_context_takeover = false;  ///< the client resets its compressor after each message
    /// The offer named server_max_window_bits, so the answer must name it too, even
    /// at 15 (RFC 7692 §7.1.2.1).
    bool echo_server_max_window_bits = false;

    friend bool operator==(const deflate_params&, const deflate_params&) = default;
};

namespace detail {

// A permessage-deflate offer as read from Sec-WebSocket-Extensions.
// Window bits: 0 absent, -1 present without a value, else 8..15.
struct deflate_offer {
    int server_max_window_bits = 0;
    int client_max_window_bits = 0;
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
};

// "8".."15" without leading zeros (RFC 7692 §7.1.2), else 0.
constexpr int parse_window_bits(std::string_view v) noexcept {
    if (v.size() == 1 && v[0] >= '8' && v[0] <= '9') return v[0] - '0';
    if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return 10 + (v[1] - '0');
    return 0;
}

constexpr int clamp_bits(int bits, int lo) noexcept { return bits < lo ? lo : bits > 15 ? 15 : bits; }

// Reads Sec-WebSocket-Extensions (RFC 6455 §9.1) one list element at a time:
//   extension = token *( OWS ";" OWS token [ OWS "=" OWS ( token / quoted-string ) ] )
// Elements are separated by commas; empty elements are skipped. A malformed
// element is reported as such and skipped up to the next comma outside quotes.
class extension_reader {
public:
    explicit constexpr extension_reader(std::string_view list) noexcept : s_(list) {}

    // One parameter; `value` is the unescaped value when it fits in a few bytes
    // (every value this module understands does), `long_value` otherwise.
    struct param {
        std::string_view name;
        bool has_value = false;
        bool long_value = false;
        char buf[4] = {};
        std::size_t size = 0;
        constexpr std::string_view value() const noexcept { return {buf, size}; }
    };

    // Moves to the next non-empty element and reads its name; false at the end.
    constexpr bool next(std::string_view& name) noexcept {
        for (;;) {
            skip_ows();
            if (i_ >= s_.size()) return false;
            if (s_[i_] == ',') {
                ++i_;
                continue;
            }
            name = token();
            malformed_ = name.empty();
            if (malformed_) skip_element();
            return true;
        }
    }

    // The element's next parameter; false when the element ends (then malformed()
    // says whether it ended well, and the reader stands after its comma).
    constexpr bool next_param(param& p) noexcept {
        if (malformed_) return false;
        skip_ows();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ',') {
            ++i_;
            return false;
        }
        if (s_[i_] != ';') return fail();
        ++i_;
        skip_ows();
        p = param{};
        p.name = token();
        if (p.name.empty()) return fail();
        skip_ows();
        if (i_ < s_.size() && s_[i_] == '=') {
            ++i_;
            skip_ows();
            p.has_value = true;
            if (i_ < s_.size() && s_[i_] == '"') {
                if (!quoted(p)) return fail();
            } else {
                auto v = token();
                if (v.empty()) return fail();
                put(p, v);
            }
        }
        return true;
    }

    constexpr bool malformed() const noexcept { return malformed_; }

private:
    constexpr void skip_ows() noexcept {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    }
    constexpr std::string_view token() noexcept {
        auto start = i_;
        while (i_ < s_.size() && ringkit::detail::is_tchar(static_cast<unsigned char>(s_[i_]))) ++i_;
        return s_.substr(start, i_ - start);
    }
    static constexpr void put(param& p, std::string_view v) noexcept {
        for (char c : v) put(p, c);
    }
    static constexpr void put(param& p, char c) noexcept {
        if (p.size < sizeof p.buf) p.buf[p.size++] = c;
        else p.long_value = true;
    }
    // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4);
    // after unescaping the value must be a token (RFC 6455 §9.1). The whole
    // string is read either way, so a bad value resumes after its closing quote.
    constexpr bool quoted(param& p) noexcept {
        ++i_;
        bool token = true;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (c == '\\') {
                if (i_ >= s_.size()) break;
                c = s_[i_++];
            }
            if (!ringkit::detail::is_tchar(static_cast<unsigned char>(c))) token = false;
            put(p, c);
        }
        if (i_ >= s_.size()) return false;  // unterminated: the rest of the list is inside it
        ++i_;
        return token && p.size != 0;
    }
    constexpr bool fail() noexcept {
        malformed_ = true;
        skip_element();
        return false;
    }
    // Past the next comma that is not inside a quoted-string.
    constexpr void skip_element() noexcept {
        bool in_quotes = false;
        for (; i_ < s_.size(); ++i_) {
            char c = s_[i_];
            if (in_quotes && c == '\\') ++i_;
            else if (c == '"') in_quotes = !in_quotes;
            else if (c == ',' && !in_quotes) {
                ++i_;
                return;
            }
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
    bool malformed_ = false;
};

// Reads the parameters of a permessage-deflate element; nullopt when one is
// unknown, repeated or has a bad value (RFC 7692 §5: such an offer is declined).
constexpr std::optional<deflate_offer> read_deflate_offer(extension_reader& r) noexcept {
    deflate_offer o;
    bool valid = true;
    extension_reader::param p;
    while (r.next_param(p)) {
        if (!valid) continue;  // read on to the end of the element
        const int bits = p.has_value && !p.long_value ? parse_window_bits(p.value()) : 0;
        if (ringkit::detail::iequals(p.name, "server_no_context_takeover")) {
            valid = !o.server_no_context_takeover && !p.has_value;
            o.server_no_context_takeover = true;
        } else if (ringkit::detail::iequals(p.name, "client_no_context_takeover")) {
            valid = !o.client_no_context_takeover && !p.has_value;
            o.client_no_context_takeover = true;
        } else if (ringkit::detail::iequals(p.name, "server_max_window_bits")) {
            valid = o.server_max_window_bits == 0 && bits != 0;  // a value is required here
            o.server_max_window_bits = bits;
        } else if (ringkit::detail::iequals(p.name, "client_max_window_bits")) {
            valid = o.client_max_window_bits == 0 && (!p.has_value || bits != 0);
            o.client_max_window_bits = p.has_value ? bits : -1;
        } else {
            valid = false;
        }
    }
    if (!valid || r.malformed()) return std::nullopt;
    return o;
}

}  // namespace detail

/// Picks the first acceptable permessage-deflate offer in a Sec-WebSocket-Extensions
/// value (RFC 7692 §5, §7.1). Offers with unknown, repeated or invalid parameters
/// are skipped, as is one that would hold us to an 8-bit window; other extensions
/// are ignored. nullopt → no compression (always when !opt.enabled or without
/// zlib). The result is what format_deflate_response() puts in the answer.
inline std::optional<deflate_params> negotiate_deflate(std::string_view extensions, const deflate_options& opt) {
    if (!deflate_available || !opt.enabled) return std::nullopt;
    detail::extension_reader r(extensions);
    std::string_view name;
    while (r.next(name)) {
        if (r.malformed() || !ringkit::detail::iequals(name, "permessage-deflate")) {
            detail::extension_reader::param p;
            while (r.next_param(p)) {}
            continue;
        }
        auto offer = detail::read_deflate_offer(r);
        if (!offer) continue;

        deflate_params out;
        out.server_max_window_bits = detail::clamp_bits(opt.server_max_window_bits, 9);
        if (offer->server_max_window_bits > 0) {
            // §7.1.2.1: we must answer with the same or a smaller value; 8 we cannot honour.
            if (offer->server_max_window_bits < out.server_max_window_bits)
                out.server_max_window_bits = offer->server_max_window_bits;
            if (out.server_max_window_bits < 9) continue;
            out.echo_server_max_window_bits = true;
        }
        // §7.1.2.2: without the parameter in the offer the answer must not limit the client.
        const int ours = detail::clamp_bits(opt.client_max_window_bits, 9);
        if (offer->client_max_window_bits == -1) out.client_max_window_bits = ours;
        else if (offer->client_max_window_bits > 0)
            out.client_max_window_bits = offer->client_max_window_bits < ours ? offer->client_max_window_bits : ours;
        out.server_no_context_takeover = offer->server_no_context_takeover || opt.server_no_context_takeover;
        out.client_no_context_takeover = offer->client_no_context_takeover || opt.client_no_context_takeover;
        return out;
    }
    return std::nullopt;
}

/// The Sec-WebSocket-Extensions value that accepts `p`, e.g.
/// "permessage-deflate; server_max_window_bits=12".
inline std::string format_deflate_response(const deflate_params& p) {
    std::string s = "permessage-deflate";
    if (p.server_no_context_takeover) s += "; server_no_context_takeover";
    if (p.client_no_context_takeover) s += "; client_no_context_takeover";
    if (p.server_max_window_bits < 15 || p.echo_server_max_window_bits)
        s += "; server_max_window_bits=" + std::to_string(p.server_max_window_bits);
    if (p.client_max_window_bits < 15) s += "; client_max_window_bits=" + std::to_string(p.client_max_window_bits);
    return s;
}

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
inline unsigned char* zbytes(const char* p) noexcept {
    return reinterpret_cast<unsigned char*>(const_cast<char*>(p));
}
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
        : min_size_(opt.min_size),
          level_(static_cast<std::int8_t>(opt.level < -1 ? -1 : opt.level > 9 ? 9 : opt.level)),
          mem_level_(static_cast<std::int8_t>(opt.mem_level < 1 ? 1 : opt.mem_level > 9 ? 9 : opt.mem_level)),
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
