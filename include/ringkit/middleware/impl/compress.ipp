// The zlib side of middleware/compress.hpp: deflating string, file and streamed
// bodies. Included at the end of that header when ringkit is header-only, and
// compiled once by <ringkit/src.hpp> with RINGKIT_SEPARATE_COMPILATION.
#pragma once

#include "ringkit/middleware/compress.hpp"

#if RINGKIT_COMPRESS

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ringkit::detail {

struct zlib_params {
    content_coding coding = content_coding::gzip;
    int level = 6, window_bits = 15, mem_level = 8;
};

struct deflater_deleter {
    void operator()(z_stream* z) const noexcept {
        deflateEnd(z);
        delete z;
    }
};
using deflater = std::unique_ptr<z_stream, deflater_deleter>;

inline deflater make_deflater(const zlib_params& p) {
    auto z = std::make_unique<z_stream>();  // zeroed: zlib's own allocator
    // +16 asks zlib for the gzip wrapper (RFC 1952) instead of the zlib one (RFC 1950).
    const int bits = p.coding == content_coding::gzip ? p.window_bits + 16 : p.window_bits;
    const int rc = deflateInit2(z.get(), p.level, Z_DEFLATED, bits, p.mem_level, Z_DEFAULT_STRATEGY);
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    if (rc != Z_OK) throw std::invalid_argument("wrap_compress: zlib refused the level, window_bits or mem_level");
    return deflater(z.release());
}

// Deflates `in` with `flush` (on its last piece) and appends the output to `out`.
// zlib counts in uInt, so huge inputs and outputs go in pieces of at most 1 GiB.
inline void deflate_into(z_stream& z, std::string_view in, int flush, std::string& out, std::size_t hint = 0) {
    constexpr std::size_t piece_max = std::size_t{1} << 30;
    std::size_t used = out.size();
    out.resize(used + std::max<std::size_t>(hint, 4096));
    do {
        const std::size_t piece = std::min(in.size(), piece_max);
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(piece);
        const int mode = piece == in.size() ? flush : Z_NO_FLUSH;
        for (;;) {
            if (out.size() - used < 64) out.resize(out.size() + std::max<std::size_t>(out.size() / 2, 4096));
            const std::size_t room = std::min(out.size() - used, piece_max);
            z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
            z.avail_out = static_cast<uInt>(room);
            const int rc = deflate(&z, mode);
            used += room - z.avail_out;
            if (rc == Z_STREAM_ERROR) throw std::runtime_error("zlib deflate failed");
            // Room left over means zlib has taken all it was given and flushed what was asked.
            if (z.avail_in == 0 && z.avail_out != 0) break;
        }
        in.remove_prefix(piece);
    } while (!in.empty());
    out.resize(used);
}

inline std::string compress_all(std::string_view in, const zlib_params& p) {
    auto z = make_deflater(p);
    std::string out;
    deflate_into(*z, in, Z_FINISH, out,
                 deflateBound(z.get(), static_cast<uLong>(std::min<std::size_t>(in.size(), 1u << 30))));
    return out;
}

// Compresses what a streaming handler writes, each write flushed so the client
// can decode everything written so far.
class compressing_writer final : public body_writer {
public:
    compressing_writer(body_writer& out, deflater z) : out_(out), z_(std::move(z)) {}

    task<void> write(std::string_view bytes) override {
        if (bytes.empty()) co_return;  // a sync-flush marker would carry nothing
        buffer_.clear();
        deflate_into(*z_, bytes, Z_SYNC_FLUSH, buffer_);
        co_await out_.write(buffer_);
    }

    /// The end of the deflate stream (and the gzip trailer: CRC-32 and length).
    task<void> finish() {
        buffer_.clear();
        deflate_into(*z_, {}, Z_FINISH, buffer_);
        co_await out_.write(buffer_);
    }

private:
    body_writer& out_;
    deflater z_;
    std::string buffer_;
};

// Arguments by value: the coroutine must not point into the std::function it runs in.
inline task<void> compressed_stream(std::function<task<void>(body_writer&)> produce, zlib_params p, body_writer& out) {
    compressing_writer writer(out, make_deflater(p));
    co_await produce(writer);
    co_await writer.finish();
}

// The bytes of a file body, or nothing when they cannot all be read.
inline std::optional<std::string> read_file_body(const file_body& f) {
    if (!f.fd) return std::nullopt;
    std::string bytes(static_cast<std::size_t>(f.length), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        auto n = ::pread(*f.fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(f.offset + done));
        if (n <= 0) return std::nullopt;
        done += static_cast<std::size_t>(n);
    }
    return bytes;
}

RINGKIT_DECL void compress_response(const request& req, response& res, content_coding coding,
                                    const compress_options& o) {
    if (res.status == 304) return match_encoded_copy(req, res, coding);
    if (!worth_compressing(res, o)) return;
    add_vary(res.headers, "Accept-Encoding");
    if (coding == content_coding::identity) return;
    const zlib_params p{coding, o.level, o.window_bits, o.mem_level};
    if (auto* st = std::get_if<stream_body>(&res.body)) {
        res.body = stream_body{
            [produce = std::move(st->produce), p](body_writer& out) { return compressed_stream(produce, p, out); }};
    } else {
        std::optional<std::string> file_bytes;
        if (auto* f = std::get_if<file_body>(&res.body)) {
            file_bytes = read_file_body(*f);
            if (!file_bytes) return;  // the server's own read will report it
        }
        std::string_view plain = file_bytes ? std::string_view(*file_bytes) : std::get<std::string>(res.body);
        auto packed = compress_all(plain, p);
        if (packed.size() >= plain.size()) return;  // incompressible after all: no gain
        res.body = std::move(packed);
    }
    res.headers.set("Content-Encoding", std::string(coding_name(coding)));
    res.headers.erase("Content-Length");  // the server counts the new body
    // Byte ranges of the encoded body are not what a later Range request would get.
    res.headers.erase("Accept-Ranges");
    // RFC 9110 §8.8.1: a strong validator promises identical bytes, which these
    // are not any more; the weak one still says "the same content".
    if (auto etag = res.headers.get("etag"); etag && etag->starts_with('"'))
        res.headers.set("ETag", "W/" + std::string(*etag));
}

}  // namespace ringkit::detail

#endif  // RINGKIT_COMPRESS
