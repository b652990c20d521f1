// libFuzzer target for ringkit::request_parser, driven the way a connection drives it.
//
// Input layout:  [split byte] [limits byte] [request bytes...]
//   split byte   how the request bytes arrive: all at once, fixed-size reads, varied
//                read sizes from a small PRNG, or one byte at a time (split reads
//                are where incremental parsers go wrong)
//   limits byte  high bit set: small parser_limits derived from the other bits, so
//                the 413/414/431 paths are reachable by short inputs
//
// The loop mirrors connection::session(): feed what has arrived, advance by
// `consumed`; on message_complete / expect_continue carry on with the rest; on
// need_more deliver the next read (every byte must have been consumed); stop on
// error or when the input is exhausted. Invariants are checked with __builtin_trap().
//
// Then the same bytes again, all at once (byte by byte when the first run took
// them all at once), with nothing spooled: a pipelined stream gives the same
// events and the same requests (method, target, headers, body, keep-alive) however
// its reads are cut, and a body spooled to a temp file (small limits spool
// multipart/form-data bodies past 8 bytes) holds exactly the bytes an in-memory
// one would. Only the status of a failure may differ, since a request with two
// faults may meet either first depending on where a read ends.
#include "ringkit/http/parser.hpp"
#include "fuzz_check.hpp"
#include "fuzz_reads.hpp"

#include <cstddef>
#include <cstdint>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/request.hpp"

namespace {

bool known_error_status(int s) {
    switch (s) {
    case 400:
    case 413:
    case 414:
    case 417:
    case 431:
    case 501:
    case 505: return true;
    default: return false;
    }
}

ringkit::parser_limits limits_from(std::uint8_t b) {
    ringkit::parser_limits l;
    if (!(b & 0x80)) return l;                                         // the defaults
    l.max_line = std::size_t{16} << (b & 0x3);                         // 16 .. 128
    l.max_header = std::size_t{64} << ((b >> 2) & 0x3);                // 64 .. 512
    l.max_header_count = 1 + ((b >> 4) & 0x3) * 3;                     // 1, 4, 7, 10
    l.max_body = (b & 0x40) ? 0 : std::size_t{8} << ((b >> 4) & 0x3);  // 0 or 8 .. 64
    l.spool_threshold = 8;  // multipart bodies of 9..64 bytes go to a temp file
    return l;
}

using fuzz::reads;

void check_complete_request(const ringkit::request& r, const ringkit::parser_limits& limits) {
    FUZZ_CHECK(!r.uri.empty());
    // After split_target: an origin path ("/..." , also for absolute-form) or "*".
    FUZZ_CHECK(r.uri == "*" || r.uri.front() == '/');
    FUZZ_CHECK(r.uri.find('?') == std::string::npos && r.uri.find('#') == std::string::npos);
    FUZZ_CHECK(r.uri.size() <= limits.max_line);
    FUZZ_CHECK(r.protocol == "HTTP/1.1" || r.protocol == "HTTP/1.0");
    FUZZ_CHECK(ringkit::detail::is_token(r.method_name));
    FUZZ_CHECK(r.request_method != ringkit::method::connect);
    FUZZ_CHECK(r.body.size() <= limits.max_body);
    FUZZ_CHECK(r.headers.size() <= limits.max_header_count);
    for (auto [name, value] : r.headers) {
        FUZZ_CHECK(ringkit::detail::is_token(name));
        for (char c : name) FUZZ_CHECK(c < 'A' || c > 'Z');
        FUZZ_CHECK(ringkit::detail::is_field_value(value));
        FUZZ_CHECK(ringkit::detail::trim_ows(value).size() == value.size());
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host was refused.
    if (r.protocol == "HTTP/1.1") FUZZ_CHECK(r.headers.contains("host"));
    // Only "100-continue" is understood (417 otherwise); repeated Expect lines are
    // joined into a list, each element of which must be 100-continue.
    if (auto expect = r.header("expect")) {
        std::string_view list = *expect;
        for (;;) {
            auto comma = list.find(',');
            FUZZ_CHECK(ringkit::detail::iequals(ringkit::detail::trim_ows(list.substr(0, comma)), "100-continue"));
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
}

// What a run saw, event by event, for comparing two runs over the same bytes.
std::string describe(const ringkit::request& r, const ringkit::request_parser& p) {
    std::string out = "request ";
    out.append(r.method_name).append(" ").append(r.uri);
    if (r.query_string) out.append("?").append(*r.query_string);
    out.append(" ").append(r.protocol).append(" host=").append(r.server_name);
    for (auto [name, value] : r.headers) out.append("\n").append(name).append(": ").append(value);
    out.append(p.keep_alive() ? "\nkeep-alive" : "\nclose").append(p.upgrade() ? " upgrade" : "");
    std::string body = r.body;
    if (r.body_file) {
        FUZZ_CHECK(r.body.empty());
        body.resize(r.body_file->size);
        FUZZ_CHECK(::pread(*r.body_file->fd, body.data(), body.size(), 0) == static_cast<ssize_t>(body.size()));
        char extra;
        FUZZ_CHECK(::pread(*r.body_file->fd, &extra, 1, static_cast<off_t>(body.size())) == 0);
    }
    return out.append("\n\n").append(body);
}

std::vector<std::string> drive(std::string_view input, reads plan, const ringkit::parser_limits& limits) {
    ringkit::request_parser parser(limits);
    ringkit::request req;
    parser.bind(req);
    std::vector<std::string> log;

    // The connection's input buffer: bytes read but not yet consumed.
    std::string buf;
    std::size_t begin = 0, delivered = 0;
    int stalls = 0;  // consecutive events that consumed nothing
    for (;;) {
        const std::string_view avail(buf.data() + begin, buf.size() - begin);
        const auto [event, used] = parser.feed(avail);
        FUZZ_CHECK(used <= avail.size());
        begin += used;
        stalls = used == 0 && event != ringkit::parse_event::need_more ? stalls + 1 : 0;
        // A connection loops on these events without reading: no progress forever would hang it.
        FUZZ_CHECK(stalls < 4);

        switch (event) {
        case ringkit::parse_event::need_more:
            FUZZ_CHECK(begin == buf.size());  // the connection drops its buffer here
            buf.clear();
            begin = 0;
            if (delivered == input.size()) {
                log.push_back(parser.in_message() ? parser.headers_done() ? "in body" : "in head" : "idle");
                return log;
            }
            {
                const std::size_t n = plan.next(input.size() - delivered);
                buf.append(input.substr(delivered, n));
                delivered += n;
            }
            break;
        case ringkit::parse_event::expect_continue:
            FUZZ_CHECK(parser.headers_done());
            FUZZ_CHECK(parser.in_message());
            FUZZ_CHECK(!req.uri.empty());
            FUZZ_CHECK(req.protocol == "HTTP/1.1");
            log.push_back("100-continue " + req.uri);
            break;
        case ringkit::parse_event::message_complete:
            FUZZ_CHECK(!parser.in_message());
            check_complete_request(req, limits);
            log.push_back(describe(req, parser));
            break;
        case ringkit::parse_event::error: {
            FUZZ_CHECK(used == 0);
            FUZZ_CHECK(known_error_status(parser.error_status()));
            FUZZ_CHECK(!parser.error_message().empty());
            // An error is final: more bytes do not revive the parser.
            const auto again = parser.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            FUZZ_CHECK(again.event == ringkit::parse_event::error && again.consumed == 0);
            FUZZ_CHECK(parser.error_status() != 0);
            log.push_back("error");
            return log;
        }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const reads plan(data[0]);
    const auto limits = limits_from(data[1]);
    const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
    const auto first = drive(input, plan, limits);

    auto in_memory = limits;
    in_memory.spool_threshold = 0;
    const auto second = drive(input, reads(plan.all_at_once() ? 0xc0 : 0), in_memory);
    FUZZ_CHECK(first == second);
    return 0;
}
