// Content types from file extensions (Ring's ring.util.mime-type and
// wrap-content-type): the static file and resource handlers label what they
// send with it, and wrap_content_type labels any response that forgot to.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/status.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

/// Extra or overriding extension → content type mappings, e.g. {{"tpl", "text/html"}}.
/// Keys are extensions without the dot, lower case.
using mime_map = std::map<std::string, std::string, std::less<>>;

namespace detail::mime {

struct entry {
    std::string_view ext, type;
};

// Sorted by extension (checked by a test) for binary search. Text types carry
// no charset, as in Ring: wrap_default_charset adds one where wanted.
inline constexpr entry table[] = {
    {"7z", "application/x-7z-compressed"},
    {"aac", "audio/aac"},
    {"apng", "image/apng"},
    {"atom", "application/atom+xml"},
    {"avi", "video/x-msvideo"},
    {"avif", "image/avif"},
    {"bin", "application/octet-stream"},
    {"bmp", "image/bmp"},
    {"bz2", "application/x-bzip2"},
    {"cjs", "text/javascript"},
    {"css", "text/css"},
    {"csv", "text/csv"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"eot", "application/vnd.ms-fontobject"},
    {"epub", "application/epub+zip"},
    {"flac", "audio/flac"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"heic", "image/heic"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ico", "image/x-icon"},
    {"ics", "text/calendar"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript"},  // RFC 9239: text/javascript is the one to use
    {"json", "application/json"},
    {"jsonld", "application/ld+json"},
    {"m4a", "audio/mp4"},
    {"map", "application/json"},  // source maps
    {"md", "text/markdown"},
    {"mjs", "text/javascript"},
    {"mkv", "video/x-matroska"},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"mpeg", "video/mpeg"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"opus", "audio/opus"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"rss", "application/rss+xml"},
    {"rtf", "application/rtf"},
    {"svg", "image/svg+xml"},
    {"svgz", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tgz", "application/gzip"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"toml", "application/toml"},
    {"ts", "video/mp2t"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"weba", "audio/webm"},
    {"webm", "video/webm"},
    {"webmanifest", "application/manifest+json"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"xml", "application/xml"},
    {"yaml", "application/yaml"},
    {"yml", "application/yaml"},
    {"zip", "application/zip"},
    {"zst", "application/zstd"},
};

// The extension of the last path segment, lower-cased; empty when it has none
// (a dotfile such as ".bashrc" has none, as in Ring).
inline std::string extension(std::string_view path) {
    auto slash = path.rfind('/');
    auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return {};
    std::string ext(name.substr(dot + 1));
    for (char& c : ext) c = ascii_lower(c);
    return ext;
}

}  // namespace detail::mime

/// The content type for a path's extension ("a/b.CSS" → "text/css"), looking in
/// `extra` first, then the built-in table; nullopt for an unknown or no extension.
inline std::optional<std::string_view> mime_type(std::string_view path, const mime_map& extra = {}) {
    auto ext = detail::mime::extension(path);
    if (ext.empty()) return std::nullopt;
    if (auto it = extra.find(ext); it != extra.end()) return std::string_view(it->second);
    const auto& t = detail::mime::table;
    auto it = std::lower_bound(std::begin(t), std::end(t), std::string_view(ext),
                               [](const detail::mime::entry& e, std::string_view k) { return e.ext < k; });
    if (it != std::end(t) && it->ext == ext) return it->type;
    return std::nullopt;
}

/// Options of wrap_content_type.
struct content_type_options {
    /// The type of a response whose uri has no known extension.
    std::string default_type = "application/octet-stream";
    /// Mappings that add to or override the built-in table.
    mime_map mime_types = {};
};

/// Ring's wrap-content-type: a response without Content-Type gets the type of
/// the request uri's extension, else `default_type`. Statuses that carry no
/// content (1xx, 204, 304) are left alone.
inline auto wrap_content_type(content_type_options opts = {}) {
    // Shared, so a request copies a pointer rather than the map.
    auto shared = std::make_shared<const content_type_options>(std::move(opts));
    return [shared](handler next) {
        return wrap(std::move(next), [shared](request& req, const handler& n) -> maybe_task {
            return then(n.invoke(req), req, [o = shared](request& r, response& res) {
                if (res.headers.contains("Content-Type") || !status_allows_body(res.status)) return;
                auto type = mime_type(r.uri, o->mime_types);
                res.headers.add("Content-Type", std::string(type.value_or(o->default_type)));
            });
        });
    };
}

}  // namespace ringkit
