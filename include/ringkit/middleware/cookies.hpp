// Cookies, both ways: wrap_cookies() parses the request's Cookie header into
// request_cookies (Ring's wrap-cookies), and add_cookie() writes one Set-Cookie
// line per cookie onto a response. The parser is lenient the way browsers are
// (a bad pair is skipped, never the whole header: a client cannot make a
// request fail by sending junk it was given by another site on the same
// domain); the writer is strict (a name, path or domain that could smuggle a
// ';' or a line break into the header is refused with std::invalid_argument).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/url.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

/// The cookies a request carried, in header order; a name appears once (the
/// first occurrence wins: browsers send the most specific path first, RFC 6265 §5.4).
class request_cookies {
public:
    using value_type = std::pair<std::string, std::string>;

    /// The value of cookie `name`, if the request sent one.
    std::optional<std::string_view> get(std::string_view name) const noexcept {
        for (auto& [n, v] : items_)
            if (n == name) return std::string_view(v);
        return std::nullopt;
    }
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }

    /// Adds a cookie unless one of that name is already there; returns whether it was added.
    bool add(std::string name, std::string value) {
        if (contains(name)) return false;
        items_.emplace_back(std::move(name), std::move(value));
        return true;
    }

    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }
    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }

private:
    std::vector<value_type> items_;
};

/// How wrap_cookies() reads the Cookie header.
struct cookie_options {
    /// Percent-decode values (%XX; '+' stays '+'), as Ring does by default. A value
    /// with a malformed escape is kept as sent rather than dropped.
    bool decode = true;
    /// Cookies kept per request; later ones are ignored (browsers send at most ~180 per domain).
    std::size_t max_cookies = 200;
};

namespace detail {

// What a server accepts in a cookie value: RFC 6265 §4.1.1's cookie-octet plus
// space and comma, which browsers store and send back although servers should
// not set them (Go's net/http accepts the same set). No CTLs, DEL, DQUOTE, ';',
// '\\' or non-ASCII bytes.
constexpr bool is_lenient_cookie_value_char(unsigned char c) noexcept {
    return c >= 0x20 && c < 0x7f && c != '"' && c != ';' && c != '\\';
}

// cookie-octet, RFC 6265 §4.1.1: what add_cookie() writes without escaping.
constexpr bool is_cookie_octet(unsigned char c) noexcept {
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
           (c >= 0x5d && c <= 0x7e);
}

inline std::string percent_encode_cookie_value(std::string_view v) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(v.size());
    for (unsigned char c : v) {
        if (is_cookie_octet(c) && c != '%') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

// IMF-fixdate (RFC 9110 §5.6.7), the Expires format of RFC 6265 §4.1.1. Years
// are clamped to 1970..9999 so the format stays four digits.
inline std::string imf_fixdate(std::chrono::system_clock::time_point tp) {
    std::int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count();
    if (secs < 0) secs = 0;
    if (secs > 253402300799) secs = 253402300799;  // 9999-12-31T23:59:59Z
    const auto t = static_cast<std::time_t>(secs);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    static constexpr char days[] = "SunMonTueWedThuFriSat";
    static constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char buf[30];
    auto put2 = [](char* p, int v) {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    std::string_view(days + 3 * static_cast<std::size_t>(tm.tm_wday), 3).copy(buf, 3);
    buf[3] = ',';
    buf[4] = ' ';
    put2(buf + 5, tm.tm_mday);
    buf[7] = ' ';
    std::string_view(months + 3 * static_cast<std::size_t>(tm.tm_mon), 3).copy(buf + 8, 3);
    buf[11] = ' ';
    const int year = tm.tm_year + 1900;
    put2(buf + 12, year / 100);
    put2(buf + 14, year % 100);
    buf[16] = ' ';
    put2(buf + 17, tm.tm_hour);
    buf[19] = ':';
    put2(buf + 20, tm.tm_min);
    buf[22] = ':';
    put2(buf + 23, tm.tm_sec);
    std::string_view(" GMT").copy(buf + 25, 4);
    return std::string(buf, 29);
}

inline bool has_prefix_icase(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace detail

namespace detail {
// Calls fn(name, raw value) for each well-formed pair of a Cookie header until
// fn returns false. Pairs without '=', with a name that is not a token, or with
// a value holding a forbidden byte are skipped; "quoted" values are unquoted.
template <class F>
void for_each_cookie(std::string_view header, F fn) {
    while (!header.empty()) {
        const auto semi = header.find(';');
        auto pair = trim_ows(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        const auto name = trim_ows(pair.substr(0, eq));
        auto value = trim_ows(pair.substr(eq + 1));
        if (!is_token(name)) continue;
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        bool ok = true;
        for (unsigned char c : value) ok = ok && is_lenient_cookie_value_char(c);
        if (ok && !fn(name, value)) return;
    }
}

inline std::string decode_cookie_value(std::string_view raw, bool decode) {
    if (decode && raw.find('%') != std::string_view::npos)
        if (auto d = percent_decode(raw)) return std::move(*d);
    return std::string(raw);
}
}  // namespace detail

/// Parses a Cookie header value ("a=1; b=2", RFC 6265 §4.2.1, with repeated
/// headers joined by ';'). Pairs without '=', with a name that is not a token,
/// or with a value holding a forbidden byte are skipped; "quoted" values are
/// unquoted. Never throws for any input (beyond std::bad_alloc).
inline request_cookies parse_cookies(std::string_view header, const cookie_options& opt = {}) {
    request_cookies out;
    if (opt.max_cookies == 0) return out;
    detail::for_each_cookie(header, [&](std::string_view name, std::string_view value) {
        if (!out.contains(name)) out.add(std::string(name), detail::decode_cookie_value(value, opt.decode));
        return out.size() < opt.max_cookies;
    });
    return out;
}

/// The value of the first well-formed cookie `name` in a Cookie header, without
/// building the whole set (and without the max_cookies cut-off).
inline std::optional<std::string> find_cookie(std::string_view header, std::string_view name, bool decode = true) {
    std::optional<std::string> found;
    detail::for_each_cookie(header, [&](std::string_view n, std::string_view value) {
        if (n == name) found = detail::decode_cookie_value(value, decode);
        return !found;
    });
    return found;
}

/// Parses the request's cookies into req.ext, for cookies_of(req).
inline auto wrap_cookies(cookie_options opt = {}) {
    return [opt](handler next) {
        return wrap(std::move(next), [opt](request& req, const handler& n) -> maybe_task {
            auto header = req.header("cookie");
            req.ext.emplace<request_cookies>(header ? parse_cookies(*header, opt) : request_cookies());
            return n.invoke(req);
        });
    };
}

/// The cookies wrap_cookies() parsed; throws std::logic_error without it.
inline const request_cookies& cookies_of(const request& req) {
    if (auto* c = req.ext.find<request_cookies>()) return *c;
    throw std::logic_error("ringkit: cookies_of() needs rk::wrap_cookies() in the middleware stack");
}

/// The SameSite attribute (RFC 6265bis §5.4.7); `unset` leaves it out (browsers then use Lax).
enum class same_site_policy { unset, strict, lax, none };

/// A cookie to set: its value and every Set-Cookie attribute (RFC 6265 §4.1,
/// RFC 6265bis SameSite, CHIPS Partitioned). Unset optionals are left out.
struct set_cookie {
    /// Any bytes: those outside cookie-octet (and '%') are percent-encoded, which
    /// wrap_cookies() decodes again.
    std::string value{};
    std::optional<std::string> path{};
    std::optional<std::string> domain{};
    std::optional<std::chrono::system_clock::time_point> expires{};
    /// Negative values are written as 0 (delete now).
    std::optional<std::chrono::seconds> max_age{};
    bool secure = false;
    bool http_only = false;
    same_site_policy same_site = same_site_policy::unset;
    /// CHIPS: a cookie keyed by the top-level site; requires secure.
    bool partitioned = false;
};

/// The Set-Cookie header value for cookie `name`. Throws std::invalid_argument
/// for a name that is not a token, a path or domain with bytes that would break
/// the header, and combinations browsers silently drop: SameSite=None or
/// Partitioned without Secure, a "__Secure-" name without Secure, a "__Host-"
/// name without Secure, with a Domain, or with a Path other than "/".
inline std::string format_set_cookie(std::string_view name, const set_cookie& c) {
    auto refuse = [&](const char* why) {
        throw std::invalid_argument("ringkit: cannot set cookie '" + detail::percent_encode_cookie_value(name) +
                                    "': " + why);
    };
    if (!detail::is_token(name)) refuse("the name must be an RFC 9110 token");
    if (c.path) {
        if (c.path->empty()) refuse("empty Path");
        for (unsigned char ch : *c.path)  // path-value: any CHAR except CTLs or ';' (RFC 6265 §4.1.1)
            if (ch < 0x20 || ch >= 0x7f || ch == ';') refuse("Path holds a control, non-ASCII or ';' byte");
    }
    if (c.domain) {
        auto d = std::string_view(*c.domain);
        if (!d.empty() && d.front() == '.') d.remove_prefix(1);
        if (d.empty()) refuse("empty Domain");
        for (unsigned char ch : d)
            if (!(ch == '.' || ch == '-' || (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')))
                refuse("Domain must be a host name (letters, digits, '-', '.')");
    }
    if (c.same_site == same_site_policy::none && !c.secure) refuse("SameSite=None requires Secure");
    if (c.partitioned && !c.secure) refuse("Partitioned requires Secure");
    if (detail::has_prefix_icase(name, "__Secure-") && !c.secure) refuse("a __Secure- cookie requires Secure");
    if (detail::has_prefix_icase(name, "__Host-") && (!c.secure || c.domain || c.path != "/"))
        refuse("a __Host- cookie requires Secure, Path=/ and no Domain");

    std::string out(name);
    out += '=';
    out += detail::percent_encode_cookie_value(c.value);
    if (c.path) out.append("; Path=").append(*c.path);
    if (c.domain) out.append("; Domain=").append(*c.domain);
    if (c.expires) out.append("; Expires=").append(detail::imf_fixdate(*c.expires));
    if (c.max_age) out.append("; Max-Age=").append(std::to_string(c.max_age->count() < 0 ? 0 : c.max_age->count()));
    if (c.secure) out += "; Secure";
    if (c.http_only) out += "; HttpOnly";
    switch (c.same_site) {
    case same_site_policy::strict: out += "; SameSite=Strict"; break;
    case same_site_policy::lax: out += "; SameSite=Lax"; break;
    case same_site_policy::none: out += "; SameSite=None"; break;
    case same_site_policy::unset: break;
    }
    if (c.partitioned) out += "; Partitioned";
    return out;
}

/// Adds one Set-Cookie line to `res` (earlier ones stay); throws like format_set_cookie().
inline response& add_cookie(response& res, std::string_view name, const set_cookie& c) {
    res.headers.add("Set-Cookie", format_set_cookie(name, c));
    return res;
}

/// Tells the browser to delete cookie `name`: an empty value that expired in
/// 1970 (Max-Age=0 too). Path and Domain must match the ones it was set with.
inline response& expire_cookie(response& res, std::string_view name, set_cookie attributes = {}) {
    attributes.value.clear();
    attributes.max_age = std::chrono::seconds(0);
    attributes.expires = std::chrono::system_clock::time_point{};
    return add_cookie(res, name, attributes);
}

}  // namespace ringkit
