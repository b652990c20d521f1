// The client's Content-Encoding decoder: gzip (one member or several) and
// deflate (zlib or raw), fed in any cuts and read out in bounded pieces; corrupt,
// cut or trailing data is bad_content_encoding; which codings it takes; the
// headers it removes.
#include "ringkit/client/content_decoder.hpp"

#include <doctest/doctest.h>

#include "support/zlib_compress.hpp"

#include <cstddef>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace content_decoder_tests {

using ringkit::client_error;
using ringkit::detail::content_coding_kind;
using ringkit::detail::content_decoder;

using ringkit::test::zlib_compress;

std::string text(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; s.size() < n; ++i) s += std::to_string(i * 7919 % 1000) + " ";
    s.resize(n);
    return s;
}

struct decoded {
    std::string out;
    std::error_code error;
    std::size_t largest = 0;
};

// Feeds `in` in pieces of `cut` bytes (0: whole), reading at most `most` bytes per
// decode(), stopping past `limit` decoded bytes; then finish().
decoded decode(content_coding_kind coding, const std::string& in, std::size_t cut, std::size_t most = 1000,
               std::size_t limit = SIZE_MAX) {
    content_decoder d(coding);
    decoded r;
    for (std::size_t at = 0; at < in.size();) {
        const std::size_t n = cut == 0 ? in.size() : std::min(cut, in.size() - at);
        d.feed(std::string_view(in).substr(at, n));
        at += n;
        while (!d.drained()) {
            std::string piece;
            if ((r.error = d.decode(piece, most))) return r;
            CHECK(piece.size() <= most);
            r.largest = std::max(r.largest, piece.size());
            r.out += piece;
            if (r.out.size() > limit) {
                r.error = client_error::body_too_large;
                return r;
            }
        }
    }
    r.error = d.finish();
    return r;
}

TEST_SUITE("client/content_decoder") {

TEST_CASE("gzip, zlib-wrapped deflate and raw deflate decode whole, in any cuts, in bounded pieces") {
    const auto plain = text(50'000);
    for (auto [coding, window_bits] :
         {std::pair{content_coding_kind::gzip, 15 + 16}, std::pair{content_coding_kind::deflate, 15},
          std::pair{content_coding_kind::deflate, -15}}) {
        const int bits = window_bits;  // clang 14: a structured binding cannot be captured (CAPTURE's lambda)
        CAPTURE(bits);
        const auto z = zlib_compress(plain, bits);
        for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{4096}}) {
            CAPTURE(cut);
            auto r = decode(coding, z, cut);
            CHECK(r.error == std::error_code());
            CHECK(r.out == plain);
            CHECK(r.largest <= 1000);
        }
    }
}

TEST_CASE("gzip members one after another are one body (RFC 1952 §2.2)") {
    const auto a = text(3000), b = text(5000);
    auto r = decode(content_coding_kind::gzip, zlib_compress(a, 31) + zlib_compress(b, 31), 5);
    CHECK(r.error == std::error_code());
    CHECK(r.out == a + b);
}

TEST_CASE("corrupt data, a cut stream, bytes after a deflate stream: bad_content_encoding") {
    const auto plain = text(20'000);
    auto gz = zlib_compress(plain, 31);
    auto corrupt = gz;
    corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x5a);
    CHECK(decode(content_coding_kind::gzip, corrupt, 0).error == client_error::bad_content_encoding);
    CHECK(decode(content_coding_kind::gzip, gz.substr(0, gz.size() - 4), 3).error ==
          client_error::bad_content_encoding);
    CHECK(decode(content_coding_kind::gzip, "not gzip at all", 0).error == client_error::bad_content_encoding);
    CHECK(decode(content_coding_kind::deflate, zlib_compress(plain, 15) + "x", 0).error ==
          client_error::bad_content_encoding);
    // An empty body is no stream to check.
    CHECK(decode(content_coding_kind::gzip, "", 0).error == std::error_code());
}

TEST_CASE("a bomb is stopped near the limit, never decoded whole") {
    const auto z = zlib_compress(std::string(32UL * 1024 * 1024, 'a'), 31);
    CHECK(z.size() < 64UL * 1024);
    auto r = decode(content_coding_kind::gzip, z, 4096, 16 * 1024, 100'000);
    CHECK(r.error == client_error::body_too_large);
    CHECK(r.out.size() <= 100'000 + 16 * 1024);
}

TEST_CASE("which codings are decoded; the headers a decoded body loses") {
    using ringkit::detail::decodable_coding;
    CHECK(decodable_coding("gzip") == content_coding_kind::gzip);
    CHECK(decodable_coding(" X-GZIP ") == content_coding_kind::gzip);
    CHECK(decodable_coding("Deflate") == content_coding_kind::deflate);
    CHECK_FALSE(decodable_coding(std::nullopt));
    CHECK_FALSE(decodable_coding("identity"));
    CHECK_FALSE(decodable_coding("br"));
    CHECK_FALSE(decodable_coding("gzip, br"));  // stacked: handed out as it came

    ringkit::request_headers h;
    for (auto [n, v] : {std::pair{"Set-Cookie", "a=1"}, std::pair{"Content-Encoding", "gzip"},
                        std::pair{"Set-Cookie", "b=2"}, std::pair{"Content-Length", "10"}}) {
        h.begin_field();
        h.append_field(n);
        h.begin_value();
        h.append_value(v);
        h.end_value();
    }
    auto kept = ringkit::detail::headers_without(h, {"content-encoding", "content-length"});
    REQUIRE(kept.size() == 2);
    CHECK(kept.at(0) == std::pair<std::string_view, std::string_view>{"set-cookie", "a=1"});
    CHECK(kept.at(1) == std::pair<std::string_view, std::string_view>{"set-cookie", "b=2"});
    CHECK(ringkit::detail::decoding_available);
}

}  // TEST_SUITE

}  // namespace content_decoder_tests
