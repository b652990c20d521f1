// Percent-decoding and query-string lookup (RFC 3986 §2.1, WHATWG urlencoded).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ringkit {

namespace detail {
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace detail

/// Decodes %XX escapes (and '+' as space when `plus_is_space`, as in forms and
/// query strings). Returns nullopt for a malformed escape, so callers can answer 400.
inline std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space = false) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (in.size() - i < 3) return std::nullopt;
            int hi = detail::hex_value(in[i + 1]), lo = detail::hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

/// The decoded value of the first `name` parameter in a query string
/// ("a=1&b=2"). A key without '=' has the empty value; empty pairs ("a=1&&b=2")
/// are skipped, as wrap_params skips them, so "&=x" gives "" the value "x".
/// Malformed escapes in the matching pair make it absent: the params middleware
/// reports those as 400.
inline std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        auto eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        if (key && *key == name && !pair.empty())
            return eq == std::string_view::npos ? std::optional<std::string>(std::string())
                                                : percent_decode(pair.substr(eq + 1), true);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

}  // namespace ringkit
