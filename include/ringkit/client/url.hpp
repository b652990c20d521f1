// The URLs a client requests: an absolute http, https, ws or wss URL taken apart
// into what a connection needs (scheme, host, port, the request target, basic-auth
// credentials), origins compared for redirects, and a redirect's Location resolved
// against the URL it answered (RFC 3986 §5.2, with dot-segment removal).
//
// Strict on purpose, since a URL decides where bytes go: spaces and control bytes
// anywhere, a host that is not a plain name or an IPv6 literal, a bad port or a
// malformed %-escape are client_error::bad_url, never a guess. Bytes above 0x7f in
// the path or query are %-encoded (a UTF-8 path typed by a person); in a host they
// are refused (no IDN). Pure functions of their arguments: any thread, no state.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "ringkit/client/error.hpp"
#include "ringkit/core/ascii.hpp"
#include "ringkit/http/url.hpp"

namespace ringkit {

/// Credentials from a URL's userinfo ("user:password@host"), %-decoded.
struct url_userinfo {
    std::string user;
    std::string password;
    bool operator==(const url_userinfo&) const = default;
};

/// An absolute URL as a client requests it.
struct parsed_url {
    std::string scheme;  ///< lower case: "http", "https", "ws" or "wss"
    std::string host;    ///< lower case; an IPv6 literal keeps its brackets: "[::1]"
    std::uint16_t port = 0;
    std::string target;  ///< path and query as the request line carries them: "/" for an empty path; no fragment
    std::optional<url_userinfo> userinfo;  ///< for basic auth; never part of origin() or str()

    /// https or wss: the connection needs TLS.
    bool secure() const noexcept { return scheme == "https" || scheme == "wss"; }
    /// The host without an IPv6 literal's brackets: what a resolver, SNI and a certificate check take.
    std::string_view host_name() const noexcept {
        std::string_view h = host;
        if (h.size() >= 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
        return h;
    }
    /// host, with ":port" unless the port is the scheme's default: a Host header's value.
    std::string authority() const;
    /// scheme://host:port, the port always written: equal strings are the same origin.
    std::string origin() const { return scheme + "://" + host + ':' + std::to_string(port); }
    /// The URL again without userinfo: scheme://authority target.
    std::string str() const { return scheme + "://" + authority() + target; }

    bool operator==(const parsed_url&) const = default;
};

/// 80 for http and ws, 443 for https and wss, 0 for any other scheme (lower case).
constexpr std::uint16_t default_port(std::string_view scheme) noexcept {
    if (scheme == "http" || scheme == "ws") return 80;
    if (scheme == "https" || scheme == "wss") return 443;
    return 0;
}

inline std::string parsed_url::authority() const {
    return port == default_port(scheme) ? host : host + ':' + std::to_string(port);
}

/// Whether two URLs have the same origin (scheme, host and port): a redirect that
/// leaves it must not carry the Authorization header along.
inline bool same_origin(const parsed_url& a, const parsed_url& b) noexcept {
    return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

namespace detail {

/// A URI reference's five parts (RFC 3986 Appendix B); absent differs from empty.
struct uri_parts {
    std::optional<std::string_view> scheme, authority;
    std::string_view path;
    std::optional<std::string_view> query, fragment;
};

// RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
constexpr bool is_scheme(std::string_view s) noexcept {
    if (s.empty() || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) return false;
    for (char c : s) {
        const bool alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        if (!alpha && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
    }
    return true;
}

constexpr uri_parts split_reference(std::string_view s) noexcept {
    uri_parts p;
    // A colon before any of "/?#" ends a scheme only if what precedes it is one;
    // otherwise the reference is a (malformed) relative path, taken as such.
    if (auto colon = s.find_first_of(":/?#");
        colon != std::string_view::npos && s[colon] == ':' && is_scheme(s.substr(0, colon))) {
        p.scheme = s.substr(0, colon);
        s.remove_prefix(colon + 1);
    }
    if (s.starts_with("//")) {
        const auto end = s.find_first_of("/?#", 2);
        p.authority = s.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2);
        s.remove_prefix(end == std::string_view::npos ? s.size() : end);
    }
    if (auto hash = s.find('#'); hash != std::string_view::npos) {
        p.fragment = s.substr(hash + 1);
        s = s.substr(0, hash);
    }
    if (auto q = s.find('?'); q != std::string_view::npos) {
        p.query = s.substr(q + 1);
        s = s.substr(0, q);
    }
    p.path = s;
    return p;
}

// RFC 3986 §5.2.3.
inline std::string merge_paths(const uri_parts& base, std::string_view ref_path) {
    if (base.authority && base.path.empty()) return '/' + std::string(ref_path);
    const auto slash = base.path.rfind('/');
    if (slash == std::string_view::npos) return std::string(ref_path);
    return std::string(base.path.substr(0, slash + 1)).append(ref_path);
}

// The host of an authority: a reg-name of letters, digits, '-', '.', '_' (no
// %-escapes, no sub-delims: nothing a Host header or a resolver could misread), or
// an IPv6 literal in brackets. Lower-cased into `out`; false if malformed.
inline bool parse_host(std::string_view h, std::string& out) {
    if (h.empty()) return false;
    if (h.front() == '[') {
        // RFC 4291 text, as inet_pton reads it; IPvFuture and zone identifiers are refused.
        const auto literal = h.substr(1, h.size() - 2);
        if (h.size() < 4 || h.back() != ']' || literal.size() >= INET6_ADDRSTRLEN) return false;
        char text[INET6_ADDRSTRLEN] = {};
        literal.copy(text, literal.size());
        in6_addr address{};
        if (::inet_pton(AF_INET6, text, &address) != 1) return false;
    } else {
        for (char c : h)
            if (!(c >= '0' && c <= '9') && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && c != '-' && c != '.' &&
                c != '_')
                return false;
    }
    out.clear();
    for (char c : h) out.push_back(ascii_lower(c));
    return true;
}

// Path or query bytes as they go on the wire: well-formed %-escapes kept, bytes
// above 0x7f %-encoded. False on a malformed escape.
inline bool append_target_bytes(std::string& out, std::string_view in) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c == '%' && (in.size() - i < 3 || hex_value(in[i + 1]) < 0 || hex_value(in[i + 2]) < 0)) return false;
        if (c >= 0x80) {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return true;
}

}  // namespace detail

/// RFC 3986 §5.2.4: "." and ".." segments removed from a path ("/a/b/../c" is "/a/c").
inline std::string remove_dot_segments(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    auto drop_last_segment = [&out] {
        const auto slash = out.rfind('/');
        out.resize(slash == std::string::npos ? 0 : slash);
    };
    while (!in.empty()) {
        if (in.starts_with("../")) {
            in.remove_prefix(3);
        } else if (in.starts_with("./") || in.starts_with("/./")) {
            in.remove_prefix(2);
        } else if (in == "/.") {
            in = "/";
        } else if (in.starts_with("/../")) {
            in.remove_prefix(3);
            drop_last_segment();
        } else if (in == "/..") {
            in = "/";
            drop_last_segment();
        } else if (in == "." || in == "..") {
            in = {};
        } else {
            const auto end = in.find('/', 1);
            const auto segment = in.substr(0, end);
            out.append(segment);
            in.remove_prefix(segment.size());
        }
    }
    return out;
}

/// RFC 3986 §5.2.2 (strict): `reference` resolved against the absolute URI `base`,
/// recomposed (§5.3) with the reference's fragment. Nullopt if `base` has no scheme.
/// Any scheme: this is the RFC's algorithm, not a check that the result can be requested.
inline std::optional<std::string> resolve_reference(std::string_view base, std::string_view reference) {
    const auto b = detail::split_reference(base);
    if (!b.scheme) return std::nullopt;
    const auto r = detail::split_reference(reference);
    std::string_view scheme = *b.scheme;
    std::optional<std::string_view> authority = b.authority, query = r.query;
    std::string path;
    if (r.scheme) {
        scheme = *r.scheme;
        authority = r.authority;
        path = remove_dot_segments(r.path);
    } else if (r.authority) {
        authority = r.authority;
        path = remove_dot_segments(r.path);
    } else if (r.path.empty()) {
        path = b.path;
        if (!r.query) query = b.query;
    } else {
        path = remove_dot_segments(r.path.front() == '/' ? std::string(r.path) : detail::merge_paths(b, r.path));
    }
    std::string out(scheme);
    out.push_back(':');
    if (authority) out.append("//").append(*authority);
    out.append(path);
    if (query) out.append("?").append(*query);
    if (r.fragment) out.append("#").append(*r.fragment);
    return out;
}

/// Parses an absolute http, https, ws or wss URL. On failure sets `ec`
/// (client_error::bad_url, or unsupported_scheme for a well-formed other scheme)
/// and returns an empty value; on success clears `ec`. The path has its dot
/// segments removed; the fragment is dropped.
inline parsed_url parse_url(std::string_view text, std::error_code& ec) {
    ec = client_error::bad_url;
    for (char c : text)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return {};
    const auto parts = detail::split_reference(text);
    if (!parts.scheme) return {};
    parsed_url u;
    for (char c : *parts.scheme) u.scheme.push_back(detail::ascii_lower(c));
    if (default_port(u.scheme) == 0) {
        ec = client_error::unsupported_scheme;
        return {};
    }
    if (!parts.authority) return {};

    std::string_view authority = *parts.authority;
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto info = authority.substr(0, at);
        const auto colon = info.find(':');
        auto user = percent_decode(info.substr(0, colon));
        auto password = colon == std::string_view::npos ? std::optional<std::string>(std::string())
                                                        : percent_decode(info.substr(colon + 1));
        if (!user || !password) return {};
        u.userinfo = url_userinfo{std::move(*user), std::move(*password)};
        authority.remove_prefix(at + 1);
    }
    // The port follows the last ':' outside an IPv6 literal's brackets.
    std::string_view host = authority, port;
    const auto bracket = authority.rfind(']');
    if (const auto colon = authority.rfind(':');
        colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (!detail::parse_host(host, u.host)) return {};
    u.port = default_port(u.scheme);
    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (err != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return {};
        u.port = static_cast<std::uint16_t>(value);
    }

    const std::string path = remove_dot_segments(parts.path);
    if (path.empty() || path.front() != '/') u.target.push_back('/');
    if (!detail::append_target_bytes(u.target, path)) return {};
    if (parts.query) {
        u.target.push_back('?');
        if (!detail::append_target_bytes(u.target, *parts.query)) return {};
    }
    ec.clear();
    return u;
}

/// A redirect's Location (absolute, or relative to `base`, the URL it answered)
/// as the URL to request next; errors as parse_url's. The result carries no
/// userinfo unless the Location has its own: whether credentials follow a redirect
/// is the caller's choice (same_origin), not the URL's.
inline parsed_url resolve_location(const parsed_url& base, std::string_view location, std::error_code& ec) {
    const auto target = resolve_reference(base.str(), location);
    if (!target) {  // base.str() always has a scheme; kept for the contract
        ec = client_error::bad_url;
        return {};
    }
    return parse_url(*target, ec);
}

}  // namespace ringkit
