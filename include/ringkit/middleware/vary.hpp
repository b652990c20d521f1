// The Vary response header (RFC 9110 §12.5.5), shared by the middleware that
// choose a response by a request header (compression by Accept-Encoding, CORS by
// Origin). A cache keys its stored responses on the fields Vary names, so each
// such middleware must add its field without dropping or repeating anyone else's.
#pragma once

#include <string>
#include <string_view>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/headers.hpp"

namespace ringkit {

/// Adds `field` to the response's Vary header unless it is listed already
/// (case-insensitively) or Vary is "*"; several Vary lines are joined into one.
inline void add_vary(header_list& headers, std::string_view field) {
    std::string joined;
    bool present = false;
    for (auto& [name, value] : headers) {
        if (!detail::iequals(name, "vary")) continue;
        present = true;
        if (detail::has_token(value, "*") || detail::has_token(value, field)) return;
        auto v = detail::trim_ows(value);
        if (v.empty()) continue;
        if (!joined.empty()) joined.append(", ");
        joined.append(v);
    }
    if (!present) {
        headers.add("Vary", std::string(field));
        return;
    }
    if (!joined.empty()) joined.append(", ");
    joined.append(field);
    headers.set("Vary", std::move(joined));
}

}  // namespace ringkit
