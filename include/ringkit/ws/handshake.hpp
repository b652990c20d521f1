// The server side of the WebSocket opening handshake (RFC 6455 §4.2): checking
// an upgrade request, choosing a subprotocol and permessage-deflate parameters,
// and the 101 (or error) response. Pure functions over request values; the
// server's upgrade path writes the response and switches the connection over.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/core/base64.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/ws/deflate_negotiation.hpp"

namespace ringkit::ws {

namespace detail {

// SHA-1 (FIPS 180-4), for Sec-WebSocket-Accept only: there it is a protocol
// checksum proving the server read the key, not a security primitive.
class sha1 {
public:
    void update(std::string_view data) noexcept {
        for (unsigned char c : data) {
            block_[fill_++] = c;
            if (fill_ == 64) compress();
        }
        length_ += data.size();
    }

    std::array<std::uint8_t, 20> finish() noexcept {
        const std::uint64_t bits = length_ * 8;
        block_[fill_++] = 0x80;
        if (fill_ > 56) {
            while (fill_ < 64) block_[fill_++] = 0;
            compress();
        }
        while (fill_ < 56) block_[fill_++] = 0;
        for (int i = 7; i >= 0; --i) block_[fill_++] = static_cast<std::uint8_t>(bits >> (8 * i));
        compress();
        std::array<std::uint8_t, 20> out{};
        for (std::size_t i = 0; i < 20; ++i) out[i] = static_cast<std::uint8_t>(h_[i / 4] >> (24 - 8 * (i % 4)));
        return out;
    }

private:
    static constexpr std::uint32_t rotl(std::uint32_t x, int n) noexcept { return (x << n) | (x >> (32 - n)); }

    void compress() noexcept {
        std::uint32_t w[80];
        for (std::size_t i = 0; i < 16; ++i)
            w[i] = std::uint32_t{block_[4 * i]} << 24 | std::uint32_t{block_[4 * i + 1]} << 16 |
                   std::uint32_t{block_[4 * i + 2]} << 8 | std::uint32_t{block_[4 * i + 3]};
        for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f = 0, k = 0;
            if (i < 20) f = (b & c) | (~b & d), k = 0x5a827999;
            else if (i < 40) f = b ^ c ^ d, k = 0x6ed9eba1;
            else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
            else f = b ^ c ^ d, k = 0xca62c1d6;
            const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = t;
        }
        h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e;
        fill_ = 0;
    }

    std::uint32_t h_[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    std::uint8_t block_[64] = {};
    std::size_t fill_ = 0;
    std::uint64_t length_ = 0;
};

using ringkit::detail::base64_encode;  // core/base64.hpp
using ringkit::detail::base64_value;

// Sec-WebSocket-Key must be the base64 of 16 bytes (RFC 6455 §4.1): 22 data
// characters and "==", canonical, so the 4 unused low bits of the last data
// character are zero.
constexpr bool is_valid_key(std::string_view key) noexcept {
    if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
    for (std::size_t i = 0; i < 22; ++i)
        if (base64_value(key[i]) < 0) return false;
    return (base64_value(key[21]) & 0x0f) == 0;
}

}  // namespace detail

/// Base64(SHA-1(key + the RFC 6455 GUID)): the Sec-WebSocket-Accept answering
/// Sec-WebSocket-Key `key` (RFC 6455 §4.2.2).
inline std::string accept_key(std::string_view sec_websocket_key) {
    detail::sha1 h;
    h.update(sec_websocket_key);
    h.update("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    const auto digest = h.finish();
    return detail::base64_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

/// True when the request asks for a WebSocket: Upgrade lists the token
/// "websocket" and Connection the token "upgrade" (both case-insensitive lists).
/// Ring's upgrade-request?. Says nothing of whether the handshake is valid.
inline bool is_upgrade_request(const request& req) noexcept {
    auto upgrade = req.header("upgrade");
    auto connection = req.header("connection");
    return upgrade && connection && ringkit::detail::has_token(*upgrade, "websocket") &&
           ringkit::detail::has_token(*connection, "upgrade");
}

/// The subprotocols the client offers in Sec-WebSocket-Protocol, in its order
/// (repeated headers included), empty elements dropped. The views point into
/// `req`'s headers and live as long as they do. Ring's request-protocols.
inline std::vector<std::string_view> requested_protocols(const request& req) {
    std::vector<std::string_view> out;
    auto list = req.header("sec-websocket-protocol");
    if (!list) return out;
    std::string_view rest = *list;
    for (;;) {
        const auto comma = rest.find(',');
        if (auto item = ringkit::detail::trim_ows(rest.substr(0, comma)); !item.empty()) out.push_back(item);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

struct handshake_options {
    /// Subprotocols we speak, preferred first; the first one the client also
    /// offers is chosen (exact, case-sensitive match).
    std::vector<std::string> protocols;
    /// Empty: any origin. Called with the Origin header ("" when absent, as from
    /// most non-browser clients); false → 403.
    std::function<bool(std::string_view origin)> check_origin;
    /// permessage-deflate, off by default.
    deflate_options deflate;
};

/// The verdict on an upgrade request: either 101 with its headers, or the
/// status and reason to answer with instead.
struct handshake_result {
    int status = 101;        ///< 101, or 400 / 403 / 426 to answer instead
    std::string_view error;  ///< why (a string literal), for the error response's body and logs
    /// 101: Upgrade, Connection, Sec-WebSocket-Accept, [Sec-WebSocket-Protocol],
    /// [Sec-WebSocket-Extensions]. 426: Upgrade: websocket, Sec-WebSocket-Version: 13.
    header_list headers;
    std::string protocol;                   ///< the chosen subprotocol, "" if none
    std::optional<deflate_params> deflate;  ///< negotiated permessage-deflate, if any

    bool ok() const noexcept { return status == 101; }

    /// 101 with the headers and no body, or a text/plain error response with
    /// the status, the headers and `error` as its body.
    response to_response() const {
        if (ok()) return response(101, headers);
        auto res = response::text(std::string(error), status);
        for (auto& [name, value] : headers) res.headers.add(name, value);
        return res;
    }
};

/// Checks an opening handshake (RFC 6455 §4.2.1) and works out the answer:
///   no "Upgrade: websocket"                                  → 426 (+ Upgrade, Sec-WebSocket-Version)
///   not GET, HTTP/1.0, Connection without "upgrade"          → 400
///   Sec-WebSocket-Version missing → 400; not "13"            → 426 (+ Sec-WebSocket-Version: 13)
///   Sec-WebSocket-Key missing or not base64 of 16 bytes      → 400
///   check_origin refuses the Origin                          → 403
/// A subprotocol or deflate offer we cannot take is not an error: the answer
/// then simply does not name one.
inline handshake_result check_handshake(const request& req, const handshake_options& opt = {}) {
    handshake_result r;
    auto fail = [&](int status, std::string_view why) -> handshake_result& {
        r.status = status;
        r.error = why;
        if (status == 426) {
            r.headers.add("Upgrade", "websocket");
            r.headers.add("Sec-WebSocket-Version", "13");
        }
        return r;
    };

    auto upgrade = req.header("upgrade");
    if (!upgrade || !ringkit::detail::has_token(*upgrade, "websocket"))
        return fail(426, "this resource speaks WebSocket: send Upgrade: websocket");
    if (req.method_name != "GET") return fail(400, "a WebSocket handshake must be a GET request");
    if (req.protocol == "HTTP/1.0" || req.protocol == "HTTP/0.9")
        return fail(400, "a WebSocket handshake needs HTTP/1.1");
    auto connection = req.header("connection");
    if (!connection || !ringkit::detail::has_token(*connection, "upgrade"))
        return fail(400, "a WebSocket handshake needs Connection: Upgrade");
    // Version before key: a client of another version may format its key differently.
    auto version = req.header("sec-websocket-version");
    if (!version) return fail(400, "Sec-WebSocket-Version is missing");
    if (*version != "13") return fail(426, "unsupported Sec-WebSocket-Version (13 is spoken here)");
    auto key = req.header("sec-websocket-key");
    if (!key || !detail::is_valid_key(*key)) return fail(400, "Sec-WebSocket-Key must be the base64 of 16 bytes");
    if (opt.check_origin && !opt.check_origin(req.header("origin").value_or("")))
        return fail(403, "origin not allowed");

    r.headers.add("Upgrade", "websocket");
    r.headers.add("Connection", "Upgrade");
    r.headers.add("Sec-WebSocket-Accept", accept_key(*key));

    if (!opt.protocols.empty()) {
        const auto offered = requested_protocols(req);
        for (auto& ours : opt.protocols) {
            bool found = false;
            for (auto theirs : offered) found = found || theirs == ours;
            if (found) {
                r.protocol = ours;
                r.headers.add("Sec-WebSocket-Protocol", ours);
                break;
            }
        }
    }

    if (opt.deflate.enabled && deflate_available) {
        if (auto ext = req.header("sec-websocket-extensions")) {
            r.deflate = negotiate_deflate(*ext, opt.deflate);
            if (r.deflate) r.headers.add("Sec-WebSocket-Extensions", format_deflate_response(*r.deflate));
        }
    }
    return r;
}

}  // namespace ringkit::ws
