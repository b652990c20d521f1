// The Content-Type of a request body, taken apart: "type/subtype; name=value".
// The body middleware (params, multipart, json) decide from it whether a body is
// theirs, and multipart needs its boundary parameter, which may be quoted.
// Matching is by bytes and case-insensitive, as RFC 9110 §8.3.1 says.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/request.hpp"

namespace ringkit {

/// A parsed media type. The views point into the header text it was parsed from.
struct media_type {
    std::string_view type;     ///< e.g. "multipart" (case as sent)
    std::string_view subtype;  ///< e.g. "form-data" (case as sent)
    std::string_view params;   ///< everything after the first ';', unparsed

    /// Whether this is type/subtype, case-insensitively ("*" matches any subtype).
    bool is(std::string_view t, std::string_view s) const noexcept {
        return detail::iequals(type, t) && (s == "*" || detail::iequals(subtype, s));
    }

    /// The value of parameter `name` (case-insensitive), unquoted (RFC 9110
    /// §5.6.6: a quoted-string may hold `\"` and `\\`). nullopt when absent or
    /// when the parameter list is malformed up to it.
    std::optional<std::string> param(std::string_view name) const {
        std::string_view rest = params;
        while (true) {
            rest = detail::trim_ows(rest);
            while (!rest.empty() && rest.front() == ';') rest = detail::trim_ows(rest.substr(1));
            if (rest.empty()) return std::nullopt;
            const auto eq = rest.find_first_of("=;");
            if (eq == std::string_view::npos || rest[eq] == ';') return std::nullopt;
            const auto key = detail::trim_ows(rest.substr(0, eq));
            rest = detail::trim_ows(rest.substr(eq + 1));
            std::string value;
            if (!rest.empty() && rest.front() == '"') {
                std::size_t i = 1;
                for (; i < rest.size() && rest[i] != '"'; ++i) {
                    if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
                    value.push_back(rest[i]);
                }
                if (i == rest.size()) return std::nullopt;  // unterminated quote
                rest.remove_prefix(i + 1);
                const auto semi = rest.find(';');
                rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi);
            } else {
                const auto semi = rest.find(';');
                value = detail::trim_ows(rest.substr(0, semi));
                rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi);
            }
            if (detail::iequals(key, name)) return value;
        }
    }
};

/// Parses "type/subtype *( OWS ; OWS parameter )"; nullopt when there is no
/// "token/token" at the front.
inline std::optional<media_type> parse_media_type(std::string_view text) noexcept {
    const auto semi = text.find(';');
    const auto essence = detail::trim_ows(text.substr(0, semi));
    const auto slash = essence.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    media_type m{essence.substr(0, slash), essence.substr(slash + 1), {}};
    if (!detail::is_token(m.type) || !detail::is_token(m.subtype)) return std::nullopt;
    if (semi != std::string_view::npos) m.params = text.substr(semi + 1);
    return m;
}

/// The request's Content-Type, parsed; nullopt when absent or malformed.
inline std::optional<media_type> content_type_of(const request& req) noexcept {
    auto h = req.header("content-type");
    if (!h) return std::nullopt;
    return parse_media_type(*h);
}

}  // namespace ringkit
