// Response compression: Ring's wrap-gzip, with deflate as well. The client says
// what it can decode in Accept-Encoding; a body worth compressing is encoded with
// zlib on its way out, and everything a cache or a client relies on follows:
// Content-Encoding, Vary, a Content-Length the server recomputes, a weak ETag.
//
// What is compressed: string bodies in one go; streamed bodies write by write,
// each flushed (Z_SYNC_FLUSH) so a live stream (SSE, progress output) stays live
// through the encoding; file bodies up to max_file_size are read and compressed,
// larger ones keep going out by sendfile(2) as they are (precompress big assets).
//
// Memory is bounded per response: one zlib deflater, about 256 KiB at the
// default window_bits 15 and mem_level 8 (zlib's formula: 2^(w+2) + 2^(m+9)),
// freed when the body is done, including when a stream throws.
//
// zlib is optional. Without RINGKIT_HAS_ZLIB (which the ringkit CMake target
// defines when it finds zlib) wrap_compress() is a pass-through: responses go out
// as the handler made them, which is always correct, only bigger. The
// Accept-Encoding parsing below is still there.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "ringkit/core/ascii.hpp"
#include "ringkit/core/config.hpp"
#include "ringkit/middleware/middleware.hpp"
#include "ringkit/middleware/vary.hpp"

// <zlib.h> only in impl/compress.ipp: with RINGKIT_SEPARATE_COMPILATION it stays
// out of the translation units that merely wrap a handler.
#if defined(RINGKIT_HAS_ZLIB) && RINGKIT_HAS_ZLIB
#define RINGKIT_COMPRESS 1
#else
#define RINGKIT_COMPRESS 0
#endif

namespace ringkit {

/// Whether this build compresses: false when ringkit was compiled without zlib.
inline constexpr bool compress_available = RINGKIT_COMPRESS != 0;

/// A content coding this middleware can answer with (RFC 9110 §8.4.1).
enum class content_coding { identity, gzip, deflate };

/// The token for Content-Encoding: "gzip", "deflate", or "identity".
constexpr std::string_view coding_name(content_coding c) noexcept {
    return c == content_coding::gzip ? "gzip" : c == content_coding::deflate ? "deflate" : "identity";
}

/// True for media types worth compressing (text/*, JSON, JavaScript, XML, SVG,
/// wasm, uncompressed fonts...), false for formats compressed already (other
/// images, audio, video, archives, woff) and for an empty type. Parameters ignored.
inline bool compressible_type(std::string_view content_type) noexcept {
    auto type = detail::trim_ows(content_type.substr(0, content_type.find(';')));
    auto starts = [&](std::string_view p) {
        return type.size() >= p.size() && detail::iequals(type.substr(0, p.size()), p);
    };
    auto ends = [&](std::string_view s) {
        return type.size() >= s.size() && detail::iequals(type.substr(type.size() - s.size()), s);
    };
    if (starts("text/")) return true;
    if (ends("+json") || ends("+xml")) return true;  // application/ld+json, image/svg+xml, application/atom+xml...
    for (std::string_view t :
         {"application/json", "application/javascript", "application/ecmascript", "application/x-javascript",
          "application/xml", "application/wasm", "application/graphql", "application/x-ndjson",
          "application/manifest+json", "application/vnd.ms-fontobject", "application/x-font-ttf", "font/ttf",
          "font/otf", "image/x-icon", "image/vnd.microsoft.icon", "image/bmp"})
        if (detail::iequals(type, t)) return true;
    return false;
}

/// The limits and choices of wrap_compress(); every field has a default.
struct compress_options {
    /// Bodies smaller than this go out as they are: below about a kilobyte the
    /// response fits one TCP segment either way (Express uses the same threshold).
    std::size_t min_size = 1024;
    /// zlib level 0..9. 6 is zlib's default and what Ring's wrap-gzip, Express and
    /// Go's gziphandler use: past it the output barely shrinks while CPU climbs;
    /// 1 (nginx's default) trades ~10% bigger output for about 3x less CPU.
    int level = 6;
    /// zlib window, 9..15 (base-2 log): 15 compresses best; smaller saves memory.
    int window_bits = 15;
    /// zlib memLevel, 1..9: 8 is zlib's default.
    int mem_level = 8;
    /// Also answer with "deflate" (the zlib format, RFC 9110 §8.4.1.2) when a
    /// client prefers it to gzip. gzip wins a tie.
    bool deflate = true;
    /// File bodies up to this size are read and compressed; bigger ones are sent
    /// as they are, by sendfile (reading them would hold the I/O thread).
    std::uint64_t max_file_size = 256ULL * 1024;
    /// Which Content-Types are worth compressing; a response without one is not
    /// compressed. Called on I/O threads, possibly at once: keep it thread-safe.
    std::function<bool(std::string_view content_type)> compressible = compressible_type;
};

namespace detail {

// An RFC 9110 §12.4.2 qvalue as thousandths: "1", "0.5", "0.125", "1.000"; -1 when malformed.
constexpr int parse_qvalue(std::string_view v) noexcept {
    if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
    if (v.size() > 1 && (v[1] != '.' || v.size() > 5)) return -1;
    int q = (v[0] - '0') * 1000, scale = 100;
    for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
        if (v[i] < '0' || v[i] > '9') return -1;
        q += (v[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

}  // namespace detail

/// The coding to answer with for an Accept-Encoding value (RFC 9110 §12.5.3):
/// the acceptable one with the highest q, gzip on a tie, identity when nothing
/// acceptable is left (the caller then sends the body as it is, never a 406) or
/// when the client ranks identity above the rest. No header at all means
/// identity: the RFC allows any coding then, but only clients that say so can be
/// trusted to decode. Malformed items are skipped.
inline content_coding choose_coding(std::optional<std::string_view> accept_encoding,
                                    bool allow_deflate = true) noexcept {
    if (!accept_encoding) return content_coding::identity;
    int q_gzip = -1, q_deflate = -1, q_identity = -1, q_any = -1;
    std::string_view list = *accept_encoding;
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        auto semi = item.find(';');
        auto coding = detail::trim_ows(item.substr(0, semi));
        int q = 1000;
        while (semi != std::string_view::npos && q >= 0) {
            item.remove_prefix(semi + 1);
            semi = item.find(';');
            auto param = detail::trim_ows(item.substr(0, semi));
            auto eq = param.find('=');
            if (eq != std::string_view::npos && detail::iequals(detail::trim_ows(param.substr(0, eq)), "q"))
                q = detail::parse_qvalue(detail::trim_ows(param.substr(eq + 1)));
        }
        if (q < 0 || coding.empty()) continue;
        // x-gzip is gzip (RFC 9110 §8.4.1.3). A coding named twice keeps its best q.
        if (detail::iequals(coding, "gzip") || detail::iequals(coding, "x-gzip")) q_gzip = std::max(q_gzip, q);
        else if (detail::iequals(coding, "deflate")) q_deflate = std::max(q_deflate, q);
        else if (detail::iequals(coding, "identity")) q_identity = std::max(q_identity, q);
        else if (coding == "*") q_any = std::max(q_any, q);
    }
    // "*" stands for every coding not named (§12.5.3); one not named at all is not acceptable.
    const int g = q_gzip >= 0 ? q_gzip : std::max(q_any, 0);
    const int d = !allow_deflate ? 0 : q_deflate >= 0 ? q_deflate : std::max(q_any, 0);
    const int best = std::max(g, d);
    if (best == 0 || q_identity > best) return content_coding::identity;
    return g >= d ? content_coding::gzip : content_coding::deflate;
}

#if RINGKIT_COMPRESS

namespace detail {

// Whether this response is one the middleware compresses for a client that asks:
// then it depends on Accept-Encoding, so it gets Vary either way.
inline bool worth_compressing(const response& res, const compress_options& o) {
    // 1xx (and 101 upgrades), 204 and 304 have no body; a 206's ranges count bytes
    // of the uncompressed representation.
    if (res.status < 200 || res.status == 204 || res.status == 206 || res.status == 304) return false;
    if (res.headers.contains("content-encoding") || res.headers.contains("content-range")) return false;
    // RFC 9111 §5.2.2.6: no-transform forbids intermediaries to change the content;
    // a response that says so is not ours to encode either.
    if (auto cc = res.headers.get("cache-control"); cc && detail::has_token(*cc, "no-transform")) return false;
    auto type = res.headers.get("content-type");
    if (!type || !o.compressible || !o.compressible(*type)) return false;
    if (auto* s = std::get_if<std::string>(&res.body)) return s->size() >= o.min_size;
    if (auto* f = std::get_if<file_body>(&res.body)) return f->length >= o.min_size && f->length <= o.max_file_size;
    return std::holds_alternative<stream_body>(res.body);
}

// Whether If-None-Match `list` names the strong tag `etag` ("x") in its weak
// form W/"x", the validator compress_response gave the encoded copy. A tag holds
// no '"', so a quoted match after "W/" is that whole tag.
inline bool names_weakened(std::string_view list, std::string_view etag) noexcept {
    for (auto at = list.find("W/"); at != std::string_view::npos; at = list.find("W/", at + 2))
        if (list.substr(at + 2, etag.size()) == etag) return true;
    return false;
}

// A 304 to a client whose cached copy is one this middleware encoded: it must
// carry that copy's validator (RFC 9111 §4.3.4: a strong "x" would update no
// stored response with W/"x") and its Vary (RFC 9110 §15.4.5).
inline void match_encoded_copy(const request& req, response& res, content_coding coding) {
    if (coding == content_coding::identity) return;
    auto etag = res.headers.get("etag");
    auto inm = req.header("if-none-match");
    if (!etag || !etag->starts_with('"') || !inm || !names_weakened(*inm, *etag)) return;
    res.headers.set("ETag", "W/" + std::string(*etag));
    add_vary(res.headers, "Accept-Encoding");
}

// Encodes `res` for `coding` when it is worth it (or gives a 304 its encoded
// copy's validator). Defined in impl/compress.ipp, the only code that needs zlib.
RINGKIT_DECL void compress_response(const request& req, response& res, content_coding coding,
                                    const compress_options& o);

}  // namespace detail

#endif  // RINGKIT_COMPRESS

/// Middleware that gzip- or deflate-encodes response bodies for clients whose
/// Accept-Encoding allows it, and adds Vary: Accept-Encoding to every response
/// it would compress for such a client. Skips small bodies, non-compressible
/// types, responses already encoded, 1xx/204/206/304 and Cache-Control:
/// no-transform; a 304 to a client whose If-None-Match names the weak ETag of an
/// encoded copy gets that ETag and Vary back. HEAD is answered like GET, so its headers (Content-Length
/// included) are the ones GET would send (RFC 9110 §9.3.2). Without zlib: a pass-through.
/// Throws std::invalid_argument for a level, window_bits or mem_level zlib cannot use.
inline auto wrap_compress(compress_options options = {}) {
#if RINGKIT_COMPRESS
    if (options.level < 0 || options.level > 9 || options.window_bits < 9 || options.window_bits > 15 ||
        options.mem_level < 1 || options.mem_level > 9)
        throw std::invalid_argument("wrap_compress: level 0..9, window_bits 9..15, mem_level 1..9");
    return [opts = std::make_shared<const compress_options>(std::move(options))](handler next) {
        return wrap(std::move(next), [opts](request& req, const handler& n) -> maybe_task {
            const auto coding = choose_coding(req.header("accept-encoding"), opts->deflate);
            return then(n.invoke(req), req, [opts, coding](request& r, response& res) {
                detail::compress_response(r, res, coding, *opts);
            });
        });
    };
#else
    (void)options;
    return [](handler next) { return next; };
#endif
}

}  // namespace ringkit

#if defined(RINGKIT_HEADER_ONLY)
#include "ringkit/middleware/impl/compress.ipp"
#endif
