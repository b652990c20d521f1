// libFuzzer target for the WebSocket handshake (ringkit/ws/handshake.hpp) and the
// permessage-deflate negotiation (ringkit/ws/deflate.hpp) on arbitrary header text.
//
// Input layout:  [options byte] [text...]
//   options bits 0..2  our server_max_window_bits 8 + (0..7)  (8 must clamp to 9)
//   options bits 3..5  our client_max_window_bits 8 + (0..7)
//   options bit 6      server_no_context_takeover, bit 7 client_no_context_takeover
//   text               first line: a Sec-WebSocket-Extensions value; every line
//                      "name:value" also becomes a request header
//
// Invariants (__builtin_trap() when broken):
//   - negotiate_deflate: the agreed windows are in range (server 9..ours, client
//     8..15, at most ours when limited), our no_context_takeover wishes hold, and
//     format_deflate_response() reads back through negotiate_deflate to the same
//     parameters and the same text; an unrelated extension in front changes nothing;
//   - requested_protocols: non-empty, trimmed items without commas, in text order;
//   - check_handshake: 101 only for a valid GET upgrade with version 13 and a
//     canonical key, with Sec-WebSocket-Accept = accept_key(key), a protocol that is
//     ours and offered, and the extensions header the negotiation gives; otherwise
//     400/403/426 with a reason, 426 naming version 13.
#include "ringkit/ws/handshake.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace ws = ringkit::ws;

void check_negotiation(std::string_view offer, const ws::deflate_options& opt) {
    const auto p = ws::negotiate_deflate(offer, opt);
    // An element before the offer ends at its comma and changes nothing.
    FUZZ_CHECK(ws::negotiate_deflate("x-unrelated; a=\"b,c\", " + std::string(offer), opt) == p);
    if (!p) return;
    FUZZ_CHECK(p->server_max_window_bits >= 9 && p->server_max_window_bits <= 15);
    FUZZ_CHECK(p->server_max_window_bits <= ws::detail::clamp_bits(opt.server_max_window_bits, 9));
    FUZZ_CHECK(p->client_max_window_bits >= 8 && p->client_max_window_bits <= 15);
    FUZZ_CHECK(p->client_max_window_bits == 15 ||
               p->client_max_window_bits <= ws::detail::clamp_bits(opt.client_max_window_bits, 9));
    if (opt.server_no_context_takeover) FUZZ_CHECK(p->server_no_context_takeover);
    if (opt.client_no_context_takeover) FUZZ_CHECK(p->client_no_context_takeover);

    const std::string answer = ws::format_deflate_response(*p);
    ws::deflate_options any;
    any.enabled = true;
    const auto back = ws::negotiate_deflate(answer, any);
    FUZZ_CHECK(back);
    FUZZ_CHECK(back->server_max_window_bits == p->server_max_window_bits);
    FUZZ_CHECK(back->client_max_window_bits == p->client_max_window_bits);
    FUZZ_CHECK(back->server_no_context_takeover == p->server_no_context_takeover);
    FUZZ_CHECK(back->client_no_context_takeover == p->client_no_context_takeover);
    FUZZ_CHECK(ws::format_deflate_response(*back) == answer);
}

void check_protocols(const ringkit::request& req) {
    const auto list = ws::requested_protocols(req);
    const auto header = req.header("sec-websocket-protocol");
    FUZZ_CHECK(header || list.empty());
    std::size_t from = 0;
    for (auto item : list) {
        FUZZ_CHECK(!item.empty());
        FUZZ_CHECK(item.find(',') == std::string_view::npos);
        FUZZ_CHECK(item.front() != ' ' && item.front() != '\t' && item.back() != ' ' && item.back() != '\t');
        const auto at = header->find(item, from);
        FUZZ_CHECK(at != std::string_view::npos);
        from = at + item.size();
    }
}

void verify_handshake(const ringkit::request& req, const ws::handshake_options& opt) {
    const auto r = ws::check_handshake(req, opt);
    FUZZ_CHECK(r.status == 101 || r.status == 400 || r.status == 403 || r.status == 426);
    const auto res = r.to_response();
    FUZZ_CHECK(res.status == r.status);
    if (!r.ok()) {
        FUZZ_CHECK(!r.error.empty());
        FUZZ_CHECK(res.body_string() == r.error);
        FUZZ_CHECK(!r.headers.contains("Sec-WebSocket-Accept"));
        if (r.status == 426) FUZZ_CHECK(r.headers.get("Sec-WebSocket-Version") == "13");
        return;
    }
    FUZZ_CHECK(ws::is_upgrade_request(req));
    FUZZ_CHECK(req.method_name == "GET");
    FUZZ_CHECK(req.header("sec-websocket-version") == "13");
    const auto key = req.header("sec-websocket-key");
    FUZZ_CHECK(key && ws::detail::is_valid_key(*key));
    FUZZ_CHECK(r.headers.get("Sec-WebSocket-Accept") == ws::accept_key(*key));
    FUZZ_CHECK(r.headers.get("Sec-WebSocket-Accept")->size() == 28);
    if (!r.protocol.empty()) {
        bool ours = false, offered = false;
        for (auto& p : opt.protocols) ours = ours || p == r.protocol;
        for (auto p : ws::requested_protocols(req)) offered = offered || p == r.protocol;
        FUZZ_CHECK(ours && offered);
        FUZZ_CHECK(r.headers.get("Sec-WebSocket-Protocol") == r.protocol);
    } else {
        FUZZ_CHECK(!r.headers.contains("Sec-WebSocket-Protocol"));
    }
    const auto ext = req.header("sec-websocket-extensions");
    const auto expected = ext ? ws::negotiate_deflate(*ext, opt.deflate) : std::nullopt;
    FUZZ_CHECK(r.deflate == expected);
    if (expected) FUZZ_CHECK(r.headers.get("Sec-WebSocket-Extensions") == ws::format_deflate_response(*expected));
    else FUZZ_CHECK(!r.headers.contains("Sec-WebSocket-Extensions"));
    FUZZ_CHECK(res.headers.size() == r.headers.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    ws::deflate_options opt;
    opt.enabled = true;
    opt.server_max_window_bits = 8 + (data[0] & 7);
    opt.client_max_window_bits = 8 + ((data[0] >> 3) & 7);
    opt.server_no_context_takeover = (data[0] & 0x40) != 0;
    opt.client_no_context_takeover = (data[0] & 0x80) != 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    const auto eol = text.find('\n');
    check_negotiation(text.substr(0, eol), opt);

    ringkit::request req;
    for (std::string_view rest = text; !rest.empty();) {
        const auto end = rest.find('\n');
        const auto line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        // The parser lets only tokens through as names.
        const auto name = line.substr(0, colon);
        if (ringkit::detail::is_token(name)) req.headers.add(name, line.substr(colon + 1));
    }
    if (text.size() > 3 && text[0] == 'P') req.method_name = "POST";
    check_protocols(req);
    ws::handshake_options hopt;
    hopt.protocols = {"chat", "v2.chat", "mqtt"};
    hopt.deflate = opt;
    if (data[0] & 1) hopt.check_origin = [](std::string_view origin) { return origin.size() % 2 == 0; };
    verify_handshake(req, hopt);
    return 0;
}
