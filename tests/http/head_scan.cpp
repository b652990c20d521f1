#include "ringkit/http/head_scan.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <string_view>

using ringkit::detail::head_scan;

namespace head_scan_test {

struct verdict {
    bool ok = true;
    bool done = false;
    std::size_t head_size = 0;  // bytes up to the end of the head, when done
    int status = 0;
    std::string why;
};

// Feeds `in` in pieces of `step` bytes, as reads arrive, until a fault or the head's end.
verdict scan(std::string_view in, std::size_t step, std::size_t limit = 1024) {
    head_scan h;
    verdict v;
    for (std::size_t pos = 0; pos < in.size() && !h.done();) {
        const auto piece = in.substr(pos, step);
        std::size_t body_start = 0;
        if (const auto fault = h.scan(piece, limit, body_start)) {
            v.ok = false;
            v.status = fault.status;
            v.why = fault.why;
            return v;
        }
        pos += body_start;
    }
    v.done = h.done();
    if (v.done) {
        // Scan again, all at once, for where the head ends.
        head_scan whole;
        std::size_t body_start = 0;
        whole.scan(in, limit, body_start);
        v.head_size = body_start;
    }
    return v;
}

}  // namespace head_scan_test

using head_scan_test::scan;

TEST_CASE("a head that arrives whole, split or a byte at a time gets one verdict") {
    const std::string_view heads[] = {
        "GET / HTTP/1.1\r\nHost: h\r\n\r\nbody\r\x01",
        "\r\n\r\nGET /a?b=c HTTP/1.0\r\nA: 1\r\nB: two words\r\n\r\n",
        "GET / HTTP/1.1\nHost: h\n\n",  // bare LF line ends are llhttp's to judge
        "GET / HTTP/1.1\r\nHost: h\rX\r\n\r\n",
        "GET / HTTP/1.1\r\n Folded: x\r\n\r\n",
        "GET / HTTP/1.1\r\nA: 1\r\n\tfolded\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "GET / HTTP/1.x\r\n\r\n",
        "GET /\x7f HTTP/1.1\r\n\r\n",
        "GET /\tx HTTP/1.1\r\n\r\n",
        "GET /\r HTTP/1.1\r\n\r\n",
        "GET / a HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\r\n\r\n",
        " GET / HTTP/1.1\r\n\r\n",
    };
    for (const std::string_view in : heads) {
        CAPTURE(in);
        const auto whole = scan(in, in.size());
        for (const std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
            CAPTURE(step);
            const auto split = scan(in, step);
            CHECK(split.ok == whole.ok);
            CHECK(split.done == whole.done);
            CHECK(split.status == whole.status);
            CHECK(split.why == whole.why);
        }
    }
}

TEST_CASE("each fault is named, whole or a byte at a time") {
    struct fault {
        std::string_view in;
        int status;
        std::string_view why;
    };
    const fault faults[] = {
        {"GET / HTTP/1.1\r\nHost: h\rX\r\n\r\n", 400, "CR without LF"},
        {"GET / HTTP/1.1\r\n Folded: x\r\n\r\n", 400, "obsolete line folding"},
        {"GET  / HTTP/1.1\r\n\r\n", 400, "extra space in request line"},
        {"GET / HTTP/1.1 x\r\n\r\n", 400, "request line has more than three parts"},
        {"GET / HTTP/1.x\r\n\r\n", 400, "malformed HTTP version"},
        {"GET /\x01 HTTP/1.1\r\n\r\n", 400, "control byte in request line"},
        {"GET /\r\n\r\n", 400, "malformed request line"},
    };
    for (const auto& f : faults) {
        CAPTURE(f.in);
        for (const std::size_t step : {std::size_t{1}, f.in.size()}) {
            CAPTURE(step);
            const auto v = scan(f.in, step);
            CHECK_FALSE(v.ok);
            CHECK(v.status == f.status);
            CHECK(v.why == f.why);
        }
    }
}

TEST_CASE("the head ends at its empty line; the body is never scanned") {
    using namespace std::string_view_literals;
    const auto in = "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n\r\x00\n \t"sv;  // a body no head could be
    for (const std::size_t step : {std::size_t{1}, std::size_t{3}, in.size()}) {
        const auto v = scan(in, step);
        CHECK(v.ok);
        CHECK(v.done);
        CHECK(v.head_size == in.find("\r\n\r\n") + 4);
    }
}

TEST_CASE("the limit counts every head byte, empty lines before the request too") {
    const std::string head = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
    for (const std::size_t step : {std::size_t{1}, head.size()}) {
        CAPTURE(step);
        CHECK(scan(head, step, head.size()).done);
        const auto over = scan(head, step, head.size() - 1);
        CHECK(over.status == 431);
        CHECK(over.why == "request head too large");
    }
}

TEST_CASE("a long header line split over many reads is taken as it comes") {
    std::string head = "GET / HTTP/1.1\r\nX: " + std::string(5000, 'a') + "\r\n\r\n";
    for (const std::size_t step : {std::size_t{1}, std::size_t{100}, std::size_t{4096}}) {
        CAPTURE(step);
        const auto v = scan(head, step, 8192);
        CHECK(v.done);
        CHECK(v.head_size == head.size());
    }
}
