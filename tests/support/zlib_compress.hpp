// `in` compressed by zlib in one go, for tests that need encoded bodies: gzip
// (window_bits 15+16), zlib (15) or raw deflate (-15).
#pragma once

#include <zlib.h>

#include <doctest/doctest.h>

#include <string>

namespace ringkit::test {

inline std::string zlib_compress(const std::string& in, int window_bits) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

}  // namespace ringkit::test
