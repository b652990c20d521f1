#include "ringkit/http/sse.hpp"

#include <doctest/doctest.h>

using namespace ringkit;

TEST_CASE("sse::event writes each line of data as a data field") {
    CHECK(sse::event("hello") == "data: hello\n\n");
    CHECK(sse::event("a\nb\r\nc") == "data: a\ndata: b\ndata: c\n\n");
    CHECK(sse::event("") == "data: \n\n");
    CHECK(sse::event("x", {.event = "tick", .id = "7", .retry_ms = 1000}) ==
          "event: tick\nid: 7\nretry: 1000\ndata: x\n\n");
}

TEST_CASE("sse fields cannot be split by line breaks") {
    CHECK(sse::event("x", {.event = "a\nb", .id = "1\r2"}) == "event: ab\nid: 12\ndata: x\n\n");
}

TEST_CASE("sse::response and comments") {
    auto r = sse::response();
    CHECK(r.status == 200);
    CHECK(r.headers.get("content-type") == "text/event-stream");
    CHECK(sse::comment("keep-alive") == ": keep-alive\n");
}
