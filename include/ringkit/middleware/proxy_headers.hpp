// Behind a reverse proxy the TCP peer is the proxy, not the client: the client's
// address and scheme arrive in headers the proxy adds (X-Forwarded-For/-Proto, or
// RFC 7239 Forwarded). Anyone can send those headers, so they are believed only
// from trusted proxies, and only the part trusted proxies wrote: the list is
// walked from the right, over trusted addresses, and the first untrusted one is
// the client (a client can prepend what it likes; it cannot append after its proxy).
// Ring's wrap-forwarded-remote-addr + wrap-forwarded-scheme, with the trust check
// they leave to the deployment. It should be the outermost wrap, so every other
// one (logging, HSTS, secure cookies) sees the client.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

/// Which header the proxies write. Only that one is read: a proxy that sets
/// X-Forwarded-For passes a client's own Forwarded header through untouched,
/// so reading both would let the client choose.
enum class forwarded_header : std::uint8_t {
    x_forwarded,  ///< X-Forwarded-For and X-Forwarded-Proto (nginx, HAProxy, cloud load balancers)
    forwarded,    ///< RFC 7239 Forwarded: for=...;proto=...
};

struct proxy_options {
    /// The proxies whose headers are believed, as CIDRs ("10.0.0.0/8", "::1/128")
    /// or single addresses. An IPv4 range also matches IPv4-mapped IPv6 peers.
    std::vector<std::string> trusted = {"127.0.0.1/32", "::1/128"};
    forwarded_header header = forwarded_header::x_forwarded;
    /// At most this many addresses are walked; a longer chain of trusted ones is ignored.
    std::size_t max_hops = 16;
};

/// What the TCP connection said before wrap_forwarded rewrote the request: the
/// proxy's address and the scheme it spoke. Present when the peer was a trusted proxy.
struct proxy_peer {
    std::string remote_addr;
    std::string_view scheme;
};

/// The TCP peer's address: the proxy's when wrap_forwarded used its headers,
/// else remote_addr.
inline std::string_view peer_addr(const request& req) noexcept {
    if (auto* p = req.ext.find<proxy_peer>()) return p->remote_addr;
    return req.remote_addr;
}

namespace detail {

/// An IPv4 or IPv6 address as 16 bytes; IPv4 is kept IPv4-mapped (::ffff:a.b.c.d)
/// so one comparison serves both families.
struct ip_address {
    std::array<unsigned char, 16> bytes{};

    bool is_v4() const noexcept {
        for (int i = 0; i < 10; ++i)
            if (bytes[i] != 0) return false;
        return bytes[10] == 0xff && bytes[11] == 0xff;
    }

    /// Canonical text: dotted quad for IPv4 (also when it came IPv4-mapped), RFC 5952 IPv6.
    std::string text() const {
        char buf[INET6_ADDRSTRLEN] = {};
        if (is_v4()) ::inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
        else ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
        return buf;
    }
};

/// A bare IPv4 or IPv6 address (no brackets, port or zone), or nothing.
inline std::optional<ip_address> parse_ip(std::string_view s) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (s.empty() || s.size() >= sizeof buf) return std::nullopt;
    s.copy(buf, s.size());
    buf[s.size()] = '\0';
    ip_address a;
    if (s.find(':') == std::string_view::npos) {
        a.bytes[10] = a.bytes[11] = 0xff;
        if (::inet_pton(AF_INET, buf, a.bytes.data() + 12) != 1) return std::nullopt;
    } else if (::inet_pton(AF_INET6, buf, a.bytes.data()) != 1) {
        return std::nullopt;
    }
    return a;
}

/// An address as proxies write a node: "1.2.3.4", "1.2.3.4:80", "::1", "[::1]",
/// "[::1]:80" (RFC 7239 §6). Anything else (a hostname, "unknown", an obfuscated
/// "_id", a zone) is nothing.
inline std::optional<ip_address> parse_node(std::string_view s) {
    auto digits = [](std::string_view p) {
        if (p.empty() || p.size() > 5) return false;
        for (char c : p)
            if (c < '0' || c > '9') return false;
        return true;
    };
    if (!s.empty() && s.front() == '[') {
        auto close = s.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        auto rest = s.substr(close + 1);
        if (!rest.empty() && (rest.front() != ':' || !digits(rest.substr(1)))) return std::nullopt;
        auto inner = s.substr(1, close - 1);
        if (inner.find(':') == std::string_view::npos) return std::nullopt;  // brackets are for IPv6
        return parse_ip(inner);
    }
    auto colon = s.find(':');
    if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
        if (!digits(s.substr(colon + 1))) return std::nullopt;  // IPv4 with a port
        s = s.substr(0, colon);
    }
    return parse_ip(s);
}

struct cidr {
    ip_address net;
    unsigned prefix = 128;  // in IPv6 bits: an IPv4 /8 is /104

    bool contains(const ip_address& a) const noexcept {
        unsigned bits = prefix;
        for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
            auto mask = static_cast<unsigned char>(bits >= 8 ? 0xff : (0xff00u >> bits) & 0xff);
            if ((a.bytes[i] & mask) != (net.bytes[i] & mask)) return false;
        }
        return true;
    }
};

/// "10.0.0.0/8", "::1/128" or a single address; throws std::invalid_argument
/// (a configuration mistake, found when the middleware is built).
inline cidr parse_cidr(std::string_view s) {
    auto bad = [&] { return std::invalid_argument("ringkit: not an address or CIDR: " + std::string(s)); };
    auto slash = s.find('/');
    auto addr = parse_ip(s.substr(0, slash));
    if (!addr) throw bad();
    cidr c{*addr, 128};
    unsigned width = addr->is_v4() ? 32 : 128;
    if (slash != std::string_view::npos) {
        auto p = s.substr(slash + 1);
        if (p.empty() || p.size() > 3) throw bad();
        unsigned v = 0;
        for (char ch : p) {
            if (ch < '0' || ch > '9') throw bad();
            v = v * 10 + static_cast<unsigned>(ch - '0');
        }
        if (v > width) throw bad();
        c.prefix = v + (128 - width);
    }
    return c;
}

struct proxy_state {
    std::vector<cidr> trusted;
    forwarded_header header{};
    std::size_t max_hops = 0;

    bool is_trusted(const ip_address& a) const noexcept {
        for (auto& c : trusted)
            if (c.contains(a)) return true;
        return false;
    }
};

/// "http" or "https" as static strings (request::scheme is a view), else nothing.
inline std::optional<std::string_view> known_scheme(std::string_view s) noexcept {
    if (iequals(s, "https")) return std::string_view("https");
    if (iequals(s, "http")) return std::string_view("http");
    return std::nullopt;
}

/// One element of a Forwarded header: its for= and proto= values, unquoted.
struct forwarded_element {
    std::string for_;
    std::string proto;
};

/// Parses an RFC 7239 §4 Forwarded value: elements split by ',', pairs by ';',
/// values a token or a quoted-string. Nothing when it is malformed: quoting can
/// hide a comma, so no part of a malformed value can be trusted.
inline std::optional<std::vector<forwarded_element>> parse_forwarded(std::string_view v) {
    std::vector<forwarded_element> out(1);
    std::size_t i = 0;
    auto skip_ows = [&] {
        while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    };
    for (;;) {
        skip_ows();
        std::size_t name_start = i;
        while (i < v.size() && is_tchar(static_cast<unsigned char>(v[i]))) ++i;
        auto name = v.substr(name_start, i - name_start);
        if (name.empty() || i >= v.size() || v[i] != '=') return std::nullopt;
        ++i;
        std::string value;
        if (i < v.size() && v[i] == '"') {
            for (++i;; ++i) {
                if (i >= v.size()) return std::nullopt;
                if (v[i] == '"') break;
                if (v[i] == '\\' && ++i >= v.size()) return std::nullopt;
                if (!is_field_value_char(static_cast<unsigned char>(v[i]))) return std::nullopt;
                value.push_back(v[i]);
            }
            ++i;
        } else {
            std::size_t start = i;
            while (i < v.size() && is_tchar(static_cast<unsigned char>(v[i]))) ++i;
            if (i == start) return std::nullopt;
            value.assign(v.substr(start, i - start));
        }
        if (iequals(name, "for")) out.back().for_ = std::move(value);
        else if (iequals(name, "proto")) out.back().proto = std::move(value);
        skip_ows();
        if (i == v.size()) return out;
        if (v[i] == ',') out.emplace_back();
        else if (v[i] != ';') return std::nullopt;
        ++i;
    }
}

/// The client as trusted hops describe it: walking right to left over trusted
/// addresses, the first untrusted one; the left-most one when all are trusted.
/// The walk stops at anything that is not an address, and then the last good
/// one stands (none: the peer stays). `node(i)` parses the i-th from the right.
struct picked_hop {
    std::size_t index;  // from the right
    ip_address addr;
};
template <class Node>
std::optional<picked_hop> pick_client(const proxy_state& s, std::size_t count, Node node) {
    std::optional<picked_hop> picked;
    for (std::size_t i = 0; i < count && i < s.max_hops; ++i) {
        auto a = node(i);
        if (!a) return picked;
        picked = picked_hop{i, *a};
        if (!s.is_trusted(*a)) return picked;
    }
    if (count > s.max_hops) return std::nullopt;  // a trusted chain longer than we walk
    return picked;
}

inline void apply_x_forwarded(const proxy_state& s, request& req) {
    if (auto xff = req.header("x-forwarded-for")) {
        std::vector<std::string_view> hops;  // right to left
        std::string_view rest = *xff;
        while (hops.size() <= s.max_hops) {
            auto comma = rest.rfind(',');
            hops.push_back(trim_ows(comma == std::string_view::npos ? rest : rest.substr(comma + 1)));
            if (comma == std::string_view::npos) break;
            rest = rest.substr(0, comma);
        }
        if (auto client = pick_client(s, hops.size(), [&](std::size_t i) { return parse_node(hops[i]); }))
            req.remote_addr = client->addr.text();
    }
    // One value only: a list means proxies disagree, and its left part is the client's.
    if (auto proto = req.header("x-forwarded-proto"))
        if (auto scheme = known_scheme(trim_ows(*proto))) req.scheme = *scheme;
}

inline void apply_forwarded(const proxy_state& s, request& req) {
    auto value = req.header("forwarded");
    if (!value) return;
    auto elements = parse_forwarded(*value);
    if (!elements) return;
    auto n = elements->size();
    auto client = pick_client(s, n, [&](std::size_t i) { return parse_node((*elements)[n - 1 - i].for_); });
    if (!client) return;
    req.remote_addr = client->addr.text();
    // The proto the client's own hop was made with is in the element that names it.
    if (auto scheme = known_scheme((*elements)[n - 1 - client->index].proto)) req.scheme = *scheme;
}

}  // namespace detail

/// Middleware: when the TCP peer is a trusted proxy, sets remote_addr and scheme
/// from the proxy's headers and keeps the peer in a proxy_peer; from any other
/// peer the headers are ignored. Malformed headers are ignored, never an error.
/// Throws std::invalid_argument when a trusted entry is not an address or CIDR.
inline auto wrap_forwarded(const proxy_options& options = {}) {
    auto state = std::make_shared<detail::proxy_state>();
    for (auto& t : options.trusted) state->trusted.push_back(detail::parse_cidr(t));
    state->header = options.header;
    state->max_hops = options.max_hops;
    return [state](handler next) {
        return wrap(std::move(next), [state](request& req, const handler& n) -> maybe_task {
            auto peer = detail::parse_ip(req.remote_addr);
            if (peer && state->is_trusted(*peer)) {
                req.ext.emplace<proxy_peer>(req.remote_addr, req.scheme);
                if (state->header == forwarded_header::x_forwarded) detail::apply_x_forwarded(*state, req);
                else detail::apply_forwarded(*state, req);
            }
            return n.invoke(req);
        });
    };
}

}  // namespace ringkit
