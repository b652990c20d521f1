// Files compiled into the program (Ring's wrap-resource, which serves from the
// classpath): a table of path → bytes, for an app that ships as one binary.
// Paths are checked as for files (file.hpp), although a table lookup cannot
// leave its table anyway, so the two handlers answer the same requests alike;
// Content-Type, ETag (a hash of the bytes), 304 / 412 and Range work the same.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ringkit/middleware/file.hpp"

namespace ringkit {

/// One file compiled in: its path below the resource root ("css/app.css"; a
/// leading '/' is ignored) and its bytes, which must outlive the handler
/// (string literals, `#embed` or xxd arrays do).
struct resource {
    std::string_view path;
    std::string_view content;
    /// Overrides the type from the extension when not empty.
    std::string_view content_type = {};
};

/// Options of resource_handler and wrap_resource.
struct resource_options {
    /// Tried in order when the path names a directory ("" or ending in '/').
    std::vector<std::string> index_files = {"index.html"};
    /// "/dir" → 301 "/dir/" when "dir/<index>" is a resource; false: 404.
    bool redirect_directories = true;
    /// Cache-Control value for resources served; empty: none.
    std::string cache_control = {};
    /// Send an ETag made from a hash of the bytes.
    bool etag = true;
    /// Last-Modified for every resource (e.g. the build time); none by default.
    std::optional<std::time_t> last_modified = {};
    /// Answer Range requests with 206 / 416.
    bool ranges = true;
    /// Content type of resources with no known extension.
    std::string default_type = "application/octet-stream";
    /// Extension mappings that add to or override the built-in table (mime.hpp).
    mime_map mime_types = {};
};

namespace detail::resources {

// FNV-1a: not for security, only to tell versions of the bytes apart.
inline std::string etag_of(std::string_view bytes) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char tag[24];
    (void)std::snprintf(tag, sizeof tag, "\"%016llx\"", static_cast<unsigned long long>(h));  // 19 bytes
    return tag;
}

struct entry {
    std::string_view content;
    files::representation rep;  // everything but the Range is known in advance
};

struct table {
    std::unordered_map<std::string, entry> by_path;
    resource_options opts;

    table(std::span<const resource> items, resource_options o) : opts(std::move(o)) {
        for (auto& r : items) {
            auto path = r.path;
            while (path.starts_with("/")) path.remove_prefix(1);
            entry e{r.content, {}};
            e.rep.size = r.content.size();
            if (opts.etag) e.rep.etag = etag_of(r.content);
            e.rep.last_modified = opts.last_modified;
            e.rep.content_type = r.content_type.empty()
                                     ? std::string(mime_type(path, opts.mime_types).value_or(opts.default_type))
                                     : std::string(r.content_type);
            by_path.insert_or_assign(std::string(path), std::move(e));
        }
    }

    const entry* find(const std::string& key) const {
        auto it = by_path.find(key);
        return it == by_path.end() ? nullptr : &it->second;
    }
    const entry* find_index(const std::string& dir) const {
        std::string key = dir.empty() ? std::string() : dir + '/';
        const auto dir_size = key.size();
        for (auto& file : opts.index_files) {
            key.resize(dir_size);
            key += file;
            if (auto* e = find(key)) return e;
        }
        return nullptr;
    }
};

inline files::outcome serve(request& req, const table& t) {
    if (req.request_method != method::get && req.request_method != method::head) return {405, {}};
    auto checked = files::check_path(path_info(req), true);  // dotfiles in the table were put there on purpose
    if (checked.refused) return {checked.refused, {}};
    std::string key;
    for (auto& seg : checked.segments) {
        if (!key.empty()) key.push_back('/');
        key.append(seg);
    }
    const bool dir_form = checked.trailing_slash || key.empty();
    const entry* e = dir_form ? nullptr : t.find(key);
    if (!e) {
        const entry* index = t.find_index(key);
        // As for files, the uri decides: a mount's own path ("/static") has path_info "/".
        if (index && !req.uri.ends_with('/'))
            return t.opts.redirect_directories ? files::outcome{0, files::slash_redirect(req)}
                                               : files::outcome{404, {}};
        if (dir_form) e = index;
    }
    if (!e) return {404, {}};
    auto content = e->content;
    return {0, files::answer(req, e->rep, t.opts.ranges, t.opts.cache_control,
                             [content](std::uint64_t first, std::uint64_t length) {
                                 return std::string(content.substr(first, length));
                             })};
}

}  // namespace detail::resources

/// A handler serving the resource that path_info(req) names from `items` (GET
/// and HEAD; others 405). The bytes are copied into each response.
inline handler resource_handler(std::span<const resource> items, resource_options opts = {}) {
    auto t = std::make_shared<const detail::resources::table>(items, std::move(opts));
    return [t](request& req) -> response {
        auto out = detail::resources::serve(req, *t);
        return out.refused ? detail::files::refusal(out.refused) : std::move(out.res);
    };
}
inline handler resource_handler(std::initializer_list<resource> items, resource_options opts = {}) {
    return resource_handler(std::span<const resource>(items.begin(), items.size()), std::move(opts));
}

/// Ring's wrap-resource: a GET or HEAD naming a resource in `items` is answered
/// with it; every other request goes to the next handler.
inline auto wrap_resource(std::span<const resource> items, resource_options opts = {}) {
    auto t = std::make_shared<const detail::resources::table>(items, std::move(opts));
    return [t](handler next) {
        return wrap(std::move(next), [t](request& req, const handler& n) -> maybe_task {
            auto out = detail::resources::serve(req, *t);
            if (out.refused) return n.invoke(req);
            return std::move(out.res);
        });
    };
}
inline auto wrap_resource(std::initializer_list<resource> items, resource_options opts = {}) {
    return wrap_resource(std::span<const resource>(items.begin(), items.size()), std::move(opts));
}

}  // namespace ringkit
