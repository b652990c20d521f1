// libFuzzer target for ringkit::detail::head_scan, the RFC 9112 head grammar
// checked ahead of llhttp.
//
// Input layout (that of fuzz_request_parser, whose corpus it shares):
//   [split byte] [limit byte] [head bytes...]
//   split byte   the size of the reads the bytes arrive in: 1..256
//   limit byte   the head limit: 16..4096 bytes (small, so 431 is reachable)
//
// The same bytes are scanned three ways: all at once (where whole lines take the
// memchr path), a byte at a time (always the byte path), and in reads of the
// chosen size (lines split across reads). The verdicts must be identical: the
// same fault with the same status and reason, or the head ending at the same
// offset, or still going.
#include "ringkit/http/head_scan.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace {

struct verdict {
    bool ok = true;
    bool done = false;
    std::size_t end = 0;  // offset just after the head, when done
    int status = 0;
    const char* why = "";
};

verdict scan(std::string_view in, std::size_t step, std::size_t limit) {
    ringkit::detail::head_scan h;
    verdict v;
    std::size_t pos = 0;
    while (pos < in.size() && !h.done()) {
        std::size_t body_start = 0;
        const auto piece = in.substr(pos, step);
        if (const auto fault = h.scan(piece, limit, body_start)) {
            v.ok = false;
            v.status = fault.status;
            v.why = fault.why;
            FUZZ_CHECK(v.status == 400 || v.status == 431);
            return v;
        }
        FUZZ_CHECK(body_start <= piece.size());
        FUZZ_CHECK(body_start == piece.size() || h.done());
        pos += body_start;
    }
    v.done = h.done();
    v.end = pos;
    return v;
}

bool same(const verdict& a, const verdict& b) {
    return a.ok == b.ok && a.done == b.done && a.end == b.end && a.status == b.status && std::strcmp(a.why, b.why) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t step = std::size_t{data[0]} + 1;
    const std::size_t limit = std::size_t{16} << (data[1] % 9);
    const std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);
    const auto whole = scan(in, in.size() + 1, limit);
    FUZZ_CHECK(same(whole, scan(in, 1, limit)));
    FUZZ_CHECK(same(whole, scan(in, step, limit)));
    return 0;
}
