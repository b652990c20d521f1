#include "ringkit/http/chunk_framing.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>

using ringkit::detail::chunk_framing_check;

namespace chunk_framing_test {

// The verdict on `framing` handed over in pieces of `step` bytes.
std::string verdict(std::string_view framing, std::size_t step, std::size_t max_line = 16) {
    chunk_framing_check check;
    for (std::size_t pos = 0; pos < framing.size(); pos += step) {
        const auto piece = framing.substr(pos, step);
        if (const char* why = check.scan(piece.data(), piece.data() + piece.size(), max_line)) return why;
    }
    return "ok";
}

TEST_CASE("chunk framing: CRLF line ends pass, however the bytes are cut") {
    for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{100}}) {
        CHECK(verdict("5;ext=1\r\n\r\n0\r\nTrailer: x\r\n\r\n", step) == "ok");
        CHECK(verdict("5\r", step) == "ok");  // the LF may come in the next read
    }
}

TEST_CASE("chunk framing: a lone CR, a bare LF or a long line is refused") {
    for (std::size_t step : {std::size_t{1}, std::size_t{4}, std::size_t{100}}) {
        CHECK(verdict("5\rX", step) == "CR without LF in chunked framing");
        CHECK(verdict("5\r\r\n", step) == "CR without LF in chunked framing");
        CHECK(verdict("5\n", step) == "LF without CR in chunked framing");
        CHECK(verdict("5\r\n\n", step) == "LF without CR in chunked framing");
        CHECK(verdict("1;aaaaaaaaaaaaaaa\r\n", step) == "chunk line too long");  // 17 bytes, limit 16
        CHECK(verdict("1;aaaaaaaaaaaaaa\r\n", step) == "ok");                    // 16 bytes
    }
}

TEST_CASE("chunk framing: reset starts a fresh body") {
    chunk_framing_check check;
    const std::string_view half = "5\r";
    CHECK(check.scan(half.data(), half.data() + half.size(), 4) == nullptr);
    check.reset();
    const std::string_view next = "abcd\r\n";
    CHECK(check.scan(next.data(), next.data() + next.size(), 4) == nullptr);
}

}  // namespace chunk_framing_test
