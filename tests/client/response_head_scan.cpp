#include "ringkit/client/response_head_scan.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

using ringkit::client_error;
using ringkit::detail::response_head_scan;

namespace response_head_scan_test {

struct verdict {
    bool ok = true;
    bool done = false;
    std::size_t head_size = 0;  // bytes up to the end of the head, when done
    client_error error = client_error::bad_status_line;
    bool operator==(const verdict&) const = default;
};

verdict scan(std::string_view in, std::size_t step, std::size_t max_status_line = 64,
             std::size_t max_header_bytes = 64) {
    response_head_scan h(max_status_line, max_header_bytes);
    verdict v;
    std::size_t pos = 0;
    while (pos < in.size() && !h.done()) {
        const auto piece = in.substr(pos, step);
        std::size_t body_start = 0;
        if (!h.scan(piece, body_start)) {
            v.ok = false;
            v.error = h.error();
            return v;
        }
        pos += body_start;
    }
    v.done = h.done();
    v.head_size = v.done ? pos : 0;
    return v;
}

// The verdict, checked to be the same for every size of read.
verdict judged(std::string_view in, std::size_t max_status_line = 64, std::size_t max_header_bytes = 64) {
    const auto whole = scan(in, in.size() + 1, max_status_line, max_header_bytes);
    for (std::size_t step = 1; step < 8; ++step)
        CHECK_MESSAGE(scan(in, step, max_status_line, max_header_bytes) == whole, in);
    return whole;
}

client_error fault(std::string_view in, std::size_t max_status_line = 64, std::size_t max_header_bytes = 64) {
    const auto v = judged(in, max_status_line, max_header_bytes);
    CHECK_MESSAGE(!v.ok, in);
    return v.error;
}

TEST_CASE("a well-formed head ends at its empty line, body bytes unscanned") {
    const std::string_view head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
    const auto v = judged(std::string(head) + "\n\r");  // body bytes that would be faults in a head
    CHECK(v.ok);
    CHECK(v.done);
    CHECK(v.head_size == head.size());
    CHECK(judged("HTTP/1.0 404 \r\n\r\n").done);
    CHECK(judged("HTTP/1.1 599\r\n\r\n").done);
    CHECK(judged("HTTP/1.1 100 Continue\r\n\r\n").done);
    CHECK(!judged("HTTP/1.1 200 OK\r\nA: b\r\n").done);  // still going
}

TEST_CASE("status lines outside the grammar") {
    for (std::string_view bad :
         {"HTTP/1.2 200 OK\r\n", "HTTP/2 200\r\n", "HTTP/1.1 200OK\r\n", "HTTP/1.1 20\r\n", "HTTP/1.1 600 x\r\n",
          "HTTP/1.1 000 x\r\n", "HTTP/1.1 200 a\x00b\r\n", "HTTP/1.1 200 \x1b\r\n", "\r\n", "hTTP/1.1 200 OK\r\n"})
        CHECK_MESSAGE(fault(bad) == client_error::bad_status_line, bad);
}

TEST_CASE("line ends, obs-fold and the two limits") {
    CHECK(fault("HTTP/1.1 200 OK\n") == client_error::bad_line_ending);
    CHECK(fault("HTTP/1.1 200 OK\r\r\n") == client_error::bad_line_ending);
    CHECK(fault("HTTP/1.1 200 OK\r\nA: b\n") == client_error::bad_line_ending);
    CHECK(fault("HTTP/1.1 200 OK\r\nA: b\r\n\n") == client_error::bad_line_ending);
    CHECK(fault("HTTP/1.1 200 OK\r\nA: b\r\n\rx") == client_error::bad_line_ending);
    CHECK(fault("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n") == client_error::bad_header);
    CHECK(fault("HTTP/1.1 200 OK\r\nA: b\r\n\tc\r\n") == client_error::bad_header);
    CHECK(judged("HTTP/1.1 200 OK\r\n\r\n", 15).done);  // 15 bytes, line end not counted
    CHECK(fault("HTTP/1.1 200 OK!\r\n\r\n", 15) == client_error::status_line_too_long);
    CHECK(judged("HTTP/1.1 200 OK\r\nAB: 123\r\n\r\n", 64, 11).done);  // 9 + 2 bytes
    CHECK(fault("HTTP/1.1 200 OK\r\nAB: 1234\r\n\r\n", 64, 11) == client_error::headers_too_large);
}

TEST_CASE("reset starts a new head") {
    response_head_scan h(64, 64);
    std::size_t body_start = 0;
    CHECK(h.scan("HTTP/1.1 100 Continue\r\n\r\n", body_start));
    CHECK(h.done());
    h.reset();
    CHECK(!h.done());
    CHECK(h.scan("HTTP/1.1 200 OK\r\n\r\n", body_start));
    CHECK(h.done());
    CHECK(body_start == 19);
}

}  // namespace response_head_scan_test
