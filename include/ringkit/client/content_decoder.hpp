// Content-Encoding for the client (client_options::decompress): which codings
// it decodes, gzip (RFC 1952, several members allowed) and deflate (RFC 9110
// §8.4.1.2: the zlib format, or the raw deflate some servers send instead, told
// apart by the first two bytes), and the decoder, bytes in and bounded pieces
// out, with no socket. The zlib plumbing is permessage-deflate's (ws/deflate.hpp).
//
// A decoded body is counted against the caller's limit as it is decoded, in
// bounded steps, so a decompression bomb stops at the limit (body_too_large)
// without ever holding more than the limit and one step.
// zlib is optional: without RINGKIT_HAS_ZLIB, decoding_available is false and
// the client refuses `decompress` at request time (decompression_unavailable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "ringkit/client/error.hpp"
#include "ringkit/core/ascii.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/ws/deflate.hpp"

namespace ringkit::detail {

/// This build can decode gzip and deflate (it has zlib).
inline constexpr bool decoding_available = RINGKIT_WS_DEFLATE != 0;

enum class content_coding_kind : std::uint8_t { gzip, deflate };

/// The coding to undo for a Content-Encoding value: gzip (or x-gzip) or deflate.
/// nullopt for no coding, identity, or anything else (br, or codings stacked):
/// such a body is handed out as it came, its headers untouched.
inline std::optional<content_coding_kind> decodable_coding(std::optional<std::string_view> value) noexcept {
    if (!value) return std::nullopt;
    const auto v = trim_ows(*value);
    if (iequals(v, "gzip") || iequals(v, "x-gzip")) return content_coding_kind::gzip;
    if (iequals(v, "deflate")) return content_coding_kind::deflate;
    return std::nullopt;
}

/// `h` without the headers named in `drop`; repeats of the others kept apart, in order.
inline request_headers headers_without(const request_headers& h, std::initializer_list<std::string_view> drop) {
    request_headers out;
    for (const auto [name, value] : h) {
        bool keep = true;
        for (auto d : drop) keep = keep && !iequals(name, d);
        if (!keep) continue;
        out.begin_field();
        out.append_field(name);
        out.begin_value();
        out.append_value(value);
        out.end_value();
    }
    return out;
}

#if RINGKIT_WS_DEFLATE

/// Decodes one response body. feed() gives it the next encoded bytes (a view it
/// keeps until drained() says they are used); decode() appends at most `most`
/// decoded bytes per call. Not thread-safe.
class content_decoder {
public:
    explicit content_decoder(content_coding_kind coding) : coding_(coding) {}

    /// The next encoded bytes; the previous ones must be drained().
    void feed(std::string_view in) noexcept {
        next_ = in.data();
        left_ = in.size();
    }
    /// Every byte fed was used and no decoded byte is held back.
    bool drained() const noexcept { return left_ == 0 && (!z_ || z_->avail_in == 0) && !full_; }

    /// Appends up to `most` decoded bytes to `out`; bad_content_encoding for
    /// data that is not the coding (or bytes after a deflate stream's end).
    std::error_code decode(std::string& out, std::size_t most) {
        if (failed_) return client_error::bad_content_encoding;
        if (!z_ && left_ == 0) return {};
        if (!z_) start();
        const std::size_t old = out.size();
        out.resize(old + most);
        z_->next_out = ws::detail::zbytes(out.data() + old);
        z_->avail_out = static_cast<uInt>(most);
        std::error_code ec;
        while (z_->avail_out != 0) {
            ws::detail::refill(*z_, next_, left_);
            if (z_->avail_in == 0 && !full_) break;
            if (ended_) {
                // Another gzip member (RFC 1952 §2.2); a deflate stream has one end.
                if (coding_ != content_coding_kind::gzip) {
                    ec = client_error::bad_content_encoding;
                    break;
                }
                inflateReset(z_.get());
                ended_ = false;
            }
            const int rc = ::inflate(z_.get(), Z_NO_FLUSH);
            if (rc == Z_MEM_ERROR) throw std::bad_alloc();
            full_ = z_->avail_out == 0;  // zlib may hold more output
            if (rc == Z_STREAM_END) {
                ended_ = true;
                full_ = false;
                continue;
            }
            if (rc == Z_BUF_ERROR) break;  // no progress possible: more input needed
            if (rc != Z_OK) {
                ec = client_error::bad_content_encoding;
                break;
            }
        }
        out.resize(old + (most - z_->avail_out));
        if (ec) failed_ = true;
        return ec;
    }

    /// The body ended: it must have ended a whole stream (an empty body too).
    std::error_code finish() const noexcept {
        if (failed_ || (z_ && !ended_)) return client_error::bad_content_encoding;
        return {};
    }

private:
    void start() {
        int bits = 15 + 16;  // gzip's wrapper
        if (coding_ == content_coding_kind::deflate) {
            // RFC 1950 §2.2: CM 8 in the low nibble, and the two bytes a multiple of 31.
            const auto b0 = static_cast<unsigned char>(next_[0]);
            const auto b1 = left_ > 1 ? static_cast<unsigned char>(next_[1]) : 0U;
            const bool zlib = (b0 & 0x0f) == 8 && (left_ < 2 || ((b0 << 8) | b1) % 31 == 0);
            bits = zlib ? 15 : -15;
        }
        std::unique_ptr<z_stream, ws::detail::inflate_end> z(new z_stream{});
        ws::detail::check_init(inflateInit2(z.get(), bits));
        z_ = std::move(z);
    }

    std::unique_ptr<z_stream, ws::detail::inflate_end> z_;
    const char* next_ = nullptr;
    std::size_t left_ = 0;
    content_coding_kind coding_;
    bool ended_ = false;  // a stream (or gzip member) ended
    bool full_ = false;   // the last inflate() filled its output: more may be waiting
    bool failed_ = false;
};

#else  // no zlib: the type exists so the client compiles; it refuses decompress first.

class content_decoder {
public:
    explicit content_decoder(content_coding_kind) noexcept {}
    void feed(std::string_view) noexcept {}
    bool drained() const noexcept { return true; }
    std::error_code decode(std::string&, std::size_t) { return client_error::decompression_unavailable; }
    std::error_code finish() const noexcept { return client_error::decompression_unavailable; }
};

#endif

}  // namespace ringkit::detail
