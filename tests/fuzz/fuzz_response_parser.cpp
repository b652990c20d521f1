// libFuzzer target for ringkit::response_parser (client/response_parser.hpp), driven
// the way the client's I/O shell drives it, and for client/url.hpp through the
// Location header of the responses it parses.
//
// Input layout:  [split byte] [options byte] [response bytes...]
//   split byte    how the bytes arrive: all at once, fixed-size reads (1..64),
//                 varied reads (1..256) from a small PRNG, or one byte at a time
//   options byte  bits 0-1: the request's method (GET, HEAD, POST, CONNECT)
//                 bit 2:    the request asked to upgrade (a 101 is its answer)
//                 bit 3:    the connection ends after the last byte (finish())
//                 bit 7:    small client_limits from bits 4-6, so every limit is
//                           reachable by short inputs
//
// Each run first parses a canned response on the same parser, so what is fuzzed is
// a parser reused on a kept-alive connection, as the pool reuses it.
//
// Invariants (FUZZ_CHECK traps): feed() never uses more than it is given and
// need_more means every byte was used; no loop of events that use no bytes; one
// head, before any body, with a status of 100..599 where a 1xx is only a 101 asked
// for, HTTP/1.0 or 1.1, a reason without control bytes, lower-case token names and
// trimmed field values, no more fields than the limit; no body for HEAD, 204, 304,
// or a tunnel; the pieces add up to body_received(), which never passes max_body
// and equals Content-Length at the end; reusable() only with keep-alive, no bytes
// left over and no upgrade; errors are client_error codes, final, never reusable.
// response_head_scan gives the same verdict for the head read whole and byte by
// byte (its memchr path against its byte path).
// A Location is resolved against the request's URL: the result, if any, is an
// absolute http(s)/ws(s) URL whose target starts with '/', has no fragment, no
// space or control byte, and parses back to itself.
//
// Then the same bytes again, all at once (byte by byte when the first run took
// them all at once): the same events, the same head and the same body, except the
// two things response_parser documents as depending on the cuts (which of two
// faults is met first, how much body precedes body_too_large): errors are compared
// as "error", and a body cut short by an error is not compared.
#include "ringkit/client/response_parser.hpp"
#include "fuzz_check.hpp"
#include "fuzz_reads.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ringkit/client/error.hpp"
#include "ringkit/client/response_head_scan.hpp"
#include "ringkit/client/url.hpp"
#include "ringkit/core/ascii.hpp"

namespace {

namespace rk = ringkit;

struct options {
    rk::method m = rk::method::get;
    bool upgrade = false;
    bool eof = false;
    bool small_limits = false;
    rk::client_limits limits;
};

options options_from(std::uint8_t b) {
    options o;
    constexpr rk::method methods[] = {rk::method::get, rk::method::head, rk::method::post, rk::method::connect};
    o.m = methods[b & 0x3];
    o.upgrade = (b & 0x4) != 0;
    o.eof = (b & 0x8) != 0;
    o.small_limits = (b & 0x80) != 0;
    if (o.small_limits) {
        const unsigned k = (b >> 4) & 0x7;
        o.limits.max_status_line = 16 + 8 * k;       // 16 .. 72
        o.limits.max_header_bytes = 32 + 32 * k;     // 32 .. 256
        o.limits.max_header_count = 1 + k;           // 1 .. 8
        o.limits.max_chunk_line = 4 + 4 * k;         // 4 .. 32
        o.limits.max_body = k == 0 ? 0 : 4ULL << k;  // 0, 8 .. 512
    }
    return o;
}

using fuzz::reads;

bool clean_url_bytes(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
    return true;
}

// A Location resolved as a redirect would be.
void check_location(std::string_view location) {
    std::error_code ec;
    const auto base = rk::parse_url("http://u:p@example.com:8080/a/b/c?q=1", ec);
    FUZZ_CHECK(!ec);
    const auto next = rk::resolve_location(base, location, ec);
    if (ec) {
        FUZZ_CHECK(ec == rk::client_error::bad_url || ec == rk::client_error::unsupported_scheme);
        FUZZ_CHECK(next == rk::parsed_url{});
        return;
    }
    FUZZ_CHECK(rk::default_port(next.scheme) != 0);
    FUZZ_CHECK(!next.host.empty() && next.port != 0);
    FUZZ_CHECK(!next.target.empty() && next.target.front() == '/');
    FUZZ_CHECK(next.target.find('#') == std::string::npos);
    FUZZ_CHECK(clean_url_bytes(next.target) && clean_url_bytes(next.host));
    for (char c : next.host) FUZZ_CHECK(c < 'A' || c > 'Z');
    // What it says of itself parses back to it (less the userinfo, which str() leaves out).
    auto again = rk::parse_url(next.str(), ec);
    FUZZ_CHECK(!ec);
    again.userinfo = next.userinfo;
    FUZZ_CHECK(again == next);
}

void check_head(const rk::response_head& h, const options& o) {
    FUZZ_CHECK(h.status >= 100 && h.status <= 599);
    FUZZ_CHECK(h.status >= 200 || (h.status == 101 && o.upgrade));
    FUZZ_CHECK(h.version_minor == 0 || h.version_minor == 1);
    for (char c : h.reason) FUZZ_CHECK(c == '\t' || static_cast<unsigned char>(c) >= 0x20);
    FUZZ_CHECK(h.headers.size() <= o.limits.max_header_count);
    for (auto [name, value] : h.headers) {
        FUZZ_CHECK(rk::detail::is_token(name));
        for (char c : name) FUZZ_CHECK(c < 'A' || c > 'Z');
        FUZZ_CHECK(rk::detail::is_field_value(value));
        FUZZ_CHECK(rk::detail::trim_ows(value).size() == value.size());
    }
    FUZZ_CHECK(!(h.content_length && h.chunked));
    if (h.content_length) FUZZ_CHECK(*h.content_length <= o.limits.max_body);
    if (auto location = h.headers.get("location")) check_location(*location);
}

// Every response ends with: no body for these, whatever the framing said.
bool bodiless(const rk::response_head& h, const options& o) {
    return o.m == rk::method::head || h.status == 204 || h.status == 304 || h.status == 101 ||
           (o.m == rk::method::connect && h.status / 100 == 2);
}

// A response the limits allow: a chunked one under the defaults, the smallest there is under small ones.
void warm_up(rk::response_parser& p, bool small_limits) {
    p.begin(rk::method::get);
    std::string_view canned = small_limits
                                  ? "HTTP/1.1 204\r\n\r\n"
                                  : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    for (int i = 0; i < 8; ++i) {
        const auto [event, used] = p.feed(canned);
        canned.remove_prefix(used);
        if (event == rk::response_event::complete) break;
    }
    FUZZ_CHECK(p.reusable());
}

std::vector<std::string> drive(std::string_view input, reads plan, const options& o) {
    rk::response_parser p(o.limits);
    warm_up(p, o.small_limits);
    p.begin(o.m, o.upgrade);
    std::vector<std::string> log;
    std::string buf, body;
    std::size_t begin = 0, delivered = 0;
    int stalls = 0;
    bool head_seen = false;
    auto on_error = [&] {
        const auto ec = p.error();
        FUZZ_CHECK(ec && ec.category() == rk::client_category());
        FUZZ_CHECK(!p.reusable() && !p.in_response());
        FUZZ_CHECK(p.feed("HTTP/1.1 200 OK\r\n\r\n").event == rk::response_event::error);
        FUZZ_CHECK(p.finish().event == rk::response_event::error);
        log.push_back("error");  // the body so far is not compared: see the file's comment
        return log;
    };
    for (;;) {
        const std::string_view avail(buf.data() + begin, buf.size() - begin);
        const auto [event, used] = p.feed(avail);
        FUZZ_CHECK(used <= avail.size());
        begin += used;
        stalls = used == 0 && event != rk::response_event::need_more ? stalls + 1 : 0;
        FUZZ_CHECK(stalls < 3);  // a shell loops on these without reading
        switch (event) {
        case rk::response_event::need_more:
            FUZZ_CHECK(begin == buf.size());
            buf.clear();
            begin = 0;
            if (delivered == input.size()) {
                if (!o.eof) {
                    log.push_back(p.in_response() ? "waiting" : "idle");
                    return log;
                }
                const auto end = p.finish();
                if (end.event == rk::response_event::error) {
                    FUZZ_CHECK(p.error() == rk::client_error::closed_early);
                    return on_error();
                }
                FUZZ_CHECK(end.event == rk::response_event::complete);
                FUZZ_CHECK(head_seen && !p.reusable() && !p.head().content_length && !p.head().chunked);
                FUZZ_CHECK(p.body_received() == body.size());
                log.push_back(body);
                log.push_back("complete at close");
                return log;
            }
            {
                const std::size_t n = plan.next(input.size() - delivered);
                buf.append(input.substr(delivered, n));
                delivered += n;
            }
            break;
        case rk::response_event::head: {
            FUZZ_CHECK(!head_seen);
            head_seen = true;
            FUZZ_CHECK(p.started() && p.in_response());
            const auto& h = p.head();
            check_head(h, o);
            std::string line = std::to_string(h.status) + ' ' + h.reason + (h.keep_alive ? " keep-alive" : " close");
            for (auto [name, value] : h.headers) line.append("\n").append(name).append(": ").append(value);
            log.push_back(line);
            break;
        }
        case rk::response_event::body:
            FUZZ_CHECK(head_seen && !bodiless(p.head(), o));
            FUZZ_CHECK(!p.body().empty());
            FUZZ_CHECK(p.body().data() >= buf.data() && p.body().data() + p.body().size() <= buf.data() + buf.size());
            body.append(p.body());
            FUZZ_CHECK(p.body_received() == body.size());
            FUZZ_CHECK(p.body_received() <= o.limits.max_body);
            break;
        case rk::response_event::complete: {
            FUZZ_CHECK(head_seen && !p.in_response());
            const auto& h = p.head();
            FUZZ_CHECK(p.body_received() == body.size());
            if (bodiless(h, o)) FUZZ_CHECK(body.empty());
            if (h.content_length) FUZZ_CHECK(body.size() == *h.content_length);
            FUZZ_CHECK(p.upgraded() == (h.status == 101 || (o.m == rk::method::connect && h.status / 100 == 2)));
            if (p.reusable()) FUZZ_CHECK(h.keep_alive && begin == buf.size() && !p.upgraded());
            log.push_back(body);
            const bool rest = begin < buf.size() || delivered < input.size();
            if (p.upgraded()) {
                FUZZ_CHECK(!p.reusable());
                log.push_back("upgraded");
            } else if (rest) {
                FUZZ_CHECK(!p.reusable() || begin == buf.size());
                const auto again = p.feed(begin < buf.size() ? avail.substr(used) : input.substr(delivered));
                FUZZ_CHECK(again.event == rk::response_event::error);
                FUZZ_CHECK(p.error() == rk::client_error::unexpected_bytes);
                log.push_back("extra bytes");
            } else {
                log.push_back(p.reusable() ? "reusable" : "not reusable");
            }
            FUZZ_CHECK(p.finish().event != rk::response_event::complete);
            return log;
        }
        case rk::response_event::error: FUZZ_CHECK(used == 0); return on_error();
        }
    }
}

// response_head_scan alone: all at once (whole lines take the memchr path), and a
// byte at a time (never): the same verdict, fault for fault, offset for offset.
struct scan_verdict {
    bool ok = true, done = false;
    std::size_t end = 0;
    rk::client_error error = rk::client_error::bad_status_line;
    bool operator==(const scan_verdict&) const = default;
};

scan_verdict scan_head(std::string_view in, std::size_t step, const rk::client_limits& limits) {
    rk::detail::response_head_scan h(limits.max_status_line, limits.max_header_bytes);
    scan_verdict v;
    while (v.end < in.size() && !h.done()) {
        const auto piece = in.substr(v.end, step);
        std::size_t body_start = 0;
        if (!h.scan(piece, body_start)) {
            v.ok = false;
            v.error = h.error();
            v.end = 0;
            return v;
        }
        FUZZ_CHECK(body_start == piece.size() || (h.done() && body_start < piece.size()));
        v.end += body_start;
    }
    v.done = h.done();
    return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const reads plan(data[0]);
    const auto o = options_from(data[1]);
    const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
    FUZZ_CHECK(scan_head(input, input.size(), o.limits) == scan_head(input, 1, o.limits));
    const auto first = drive(input, plan, o);
    const auto second = drive(input, reads(plan.all_at_once() ? 0xc0 : 0), o);
    FUZZ_CHECK(first == second);
    return 0;
}
