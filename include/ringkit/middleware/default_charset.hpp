// Ring's wrap-default-charset (ring-headers): text types without a charset get
// one, so browsers need not guess the encoding of a file served as plain
// "text/html" (the mime table and the static file handlers leave it out).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "ringkit/core/ascii.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

namespace detail::charset {

// Ring's rule: text/* and application/xml. application/json is left alone on
// purpose: RFC 8259 §11 defines no charset parameter for it (JSON is UTF-8).
inline bool is_text_type(std::string_view type) noexcept {
    auto media = trim_ows(type.substr(0, type.find(';')));
    if (media.size() >= 5 && iequals(media.substr(0, 5), "text/")) return true;
    return iequals(media, "application/xml");
}

// Whether a parameter named charset is present (RFC 9110 §8.3.1: names are case-insensitive).
inline bool has_charset(std::string_view type) noexcept {
    for (auto semi = type.find(';'); semi != std::string_view::npos; semi = type.find(';')) {
        type.remove_prefix(semi + 1);
        auto param = trim_ows(type.substr(0, type.find(';')));
        if (param.size() >= 8 && iequals(param.substr(0, 8), "charset=")) return true;
    }
    return false;
}

}  // namespace detail::charset

/// Adds "; charset=<charset>" to a text/* or application/xml Content-Type that
/// names no charset. Other types, and responses without Content-Type, pass as they are.
inline auto wrap_default_charset(std::string charset = "utf-8") {
    return [charset = std::move(charset)](handler next) {
        return wrap(std::move(next), [charset](request& req, const handler& n) -> maybe_task {
            return then(n.invoke(req), req, [charset](request&, response& res) {
                auto type = res.headers.get("Content-Type");
                if (!type || !detail::charset::is_text_type(*type) || detail::charset::has_charset(*type)) return;
                res.headers.set("Content-Type", std::string(*type) + "; charset=" + charset);
            });
        });
    };
}

}  // namespace ringkit
