#include "ringkit/http/chunked.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using ringkit::append_chunk;
using ringkit::chunk_frame;
using ringkit::last_chunk;

TEST_CASE("a chunk is its size in hex, CRLF, the bytes, CRLF") {
    CHECK(chunk_frame(1).head() == "1\r\n");
    CHECK(chunk_frame(255).head() == "ff\r\n");
    CHECK(chunk_frame(4096).head() == "1000\r\n");
    CHECK(chunk_frame(SIZE_MAX).head() == std::string(2 * sizeof(std::size_t), 'f') + "\r\n");
    CHECK(chunk_frame::tail() == "\r\n");
    std::string out;
    append_chunk(out, "hello");
    append_chunk(out, std::string(26, 'x'));
    CHECK(out == "5\r\nhello\r\n1a\r\n" + std::string(26, 'x') + "\r\n");
}

TEST_CASE("no bytes make no chunk: an empty chunk would end the body") {
    std::string out;
    append_chunk(out, "");
    CHECK(out.empty());
    CHECK(last_chunk == "0\r\n\r\n");
}
