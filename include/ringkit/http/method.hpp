// Request methods. The common ones get an enumerator so handlers can switch on
// them; every other method llhttp accepts (WebDAV and friends) is `other`, with
// its name in request::method_name.
#pragma once

#include <cstdint>
#include <string_view>

namespace ringkit {

enum class method : std::uint8_t { get, head, post, put, del, patch, options, trace, connect, other };

constexpr std::string_view to_string(method m) noexcept {
    switch (m) {
    case method::get: return "GET";
    case method::head: return "HEAD";
    case method::post: return "POST";
    case method::put: return "PUT";
    case method::del: return "DELETE";
    case method::patch: return "PATCH";
    case method::options: return "OPTIONS";
    case method::trace: return "TRACE";
    case method::connect: return "CONNECT";
    case method::other: break;
    }
    return "OTHER";
}

/// The method for a wire token, case-sensitively as RFC 9110 §9.1 requires.
constexpr method method_from_name(std::string_view name) noexcept {
    for (auto m : {method::get, method::head, method::post, method::put, method::del, method::patch, method::options,
                   method::trace, method::connect})
        if (to_string(m) == name) return m;
    return method::other;
}

}  // namespace ringkit
