// Static files from a directory (Ring's wrap-file and file-response; nginx's
// static module is the model for the details). The path a request names is
// untrusted, so it is percent-decoded first and then refused if it could
// leave the root: `..` and `.` segments (however encoded), NULs and
// backslashes are 400 and never reach open(2); a symlink whose target is
// outside the root is 404 unless allowed. Files go out as file_body, so the
// server sends them with sendfile(2), whole or as one byte range.
//
// Choices where the RFCs leave room:
//  - A directory asked for without a trailing slash ("/dir", or a mount's own
//    path "/static") is redirected (301) to "/dir/", as nginx does, so
//    relative links inside its index page resolve; a directory without an
//    index file is 404 (there are no listings).
//  - The ETag is strong and made of the modification time and size, as
//    nginx's: "<mtime seconds hex>-<size hex>".
//  - Several ranges in one Range header get the whole file (range.hpp).
//  - Dotfiles (".git", ".env") are 404 unless allowed.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/http/path_info.hpp"
#include "ringkit/http/url.hpp"
#include "ringkit/middleware/conditional.hpp"
#include "ringkit/middleware/middleware.hpp"
#include "ringkit/middleware/mime.hpp"
#include "ringkit/middleware/range.hpp"

namespace ringkit {

/// Options of file_handler and wrap_file.
struct file_options {
    /// Tried in order when the path names a directory.
    std::vector<std::string> index_files = {"index.html"};
    /// Serve names starting with '.' (".well-known/..."); "." and ".." are refused regardless.
    bool allow_dotfiles = false;
    /// Follow symlinks whose target lies outside the root (those inside it are always followed).
    bool follow_symlinks = false;
    /// "/dir" → 301 "/dir/" when dir is a directory; false: 404.
    bool redirect_directories = true;
    /// Cache-Control value for files served (e.g. "public, max-age=3600"); empty: none.
    std::string cache_control = {};
    /// Send an ETag (and answer If-None-Match / If-Match / If-Range with it).
    bool etag = true;
    /// Send Last-Modified (and answer If-Modified-Since / If-Unmodified-Since / If-Range with it).
    bool last_modified = true;
    /// Answer Range requests with 206 / 416 and say Accept-Ranges: bytes.
    bool ranges = true;
    /// Content type of files with no known extension.
    std::string default_type = "application/octet-stream";
    /// Extension mappings that add to or override the built-in table (mime.hpp).
    mime_map mime_types = {};
};

namespace detail::files {

/// A request path made safe: its decoded segments, none of them empty, "." or "..".
struct checked_path {
    int refused = 0;  ///< 0, or the status that refuses the path (400, 404)
    std::vector<std::string> segments;
    bool trailing_slash = false;  ///< the path ended with '/' (names a directory)
};

/// Decodes and checks the path a request names (its path_info). Refusals:
/// malformed escapes, NUL, backslash, "." or ".." segments → 400 (RFC 3986
/// §5.2.4: a client removes dot-segments itself, so only a crafted request
/// has them); dotfiles → 404 unless `allow_dotfiles`.
inline checked_path check_path(std::string_view raw, bool allow_dotfiles) {
    checked_path out;
    if (raw.empty() || raw.front() != '/') {
        out.refused = 400;
        return out;
    }
    auto decoded = percent_decode(raw);  // '+' is a plus in a path
    if (!decoded || decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos) {
        out.refused = 400;
        return out;
    }
    std::string_view rest = *decoded;
    out.trailing_slash = rest.back() == '/';
    while (!rest.empty()) {  // an encoded "%2f" is a separator too: "..%2f" is refused as ".."
        auto slash = rest.find('/');
        auto seg = rest.substr(0, slash);
        rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
        if (seg.empty()) continue;
        if (seg == "." || seg == "..") {
            out.refused = 400;
            return out;
        }
        if (seg.front() == '.' && !allow_dotfiles) out.refused = 404;
        out.segments.emplace_back(seg);
    }
    return out;
}

/// What answer() needs to know about the representation it serves.
struct representation {
    std::uint64_t size = 0;
    std::string etag;  ///< with quotes; empty: none
    std::optional<std::time_t> last_modified;
    std::string content_type;
};

/// Answers a GET or HEAD of a representation: 412 or 304 when the request's
/// preconditions say so (RFC 9110 §13.2.2), else 200, 206 or 416 by its Range
/// (only for GET, §14.2) and If-Range. `body(first, length)` makes the bytes.
template <class MakeBody>
response answer(const request& req, const representation& rep, bool ranges, std::string_view cache_control,
                MakeBody body) {
    header_list h;
    if (!rep.etag.empty()) h.add("ETag", rep.etag);
    if (rep.last_modified) h.add("Last-Modified", format_http_date(*rep.last_modified));
    if (!cache_control.empty()) h.add("Cache-Control", std::string(cache_control));
    validators v;
    if (!rep.etag.empty()) v.etag = rep.etag;
    v.last_modified = rep.last_modified;

    if (precondition_failed(req, v)) return response::text("Precondition Failed", 412);
    if (is_not_modified(req, v)) return response(304, std::move(h));
    if (ranges) h.add("Accept-Ranges", "bytes");

    byte_range br;
    auto range = req.header("range");
    if (ranges && range && req.request_method == method::get && if_range_allows(req, v))
        br = parse_range(*range, rep.size);
    if (br.what == byte_range::kind::unsatisfiable) {
        h.add("Content-Range", br.content_range(rep.size));
        h.add("Content-Type", "text/plain; charset=utf-8");
        return response(416, std::move(h), std::string("Range Not Satisfiable"));
    }
    h.add("Content-Type", rep.content_type);
    if (br.what == byte_range::kind::partial) {
        h.add("Content-Range", br.content_range(rep.size));
        return response(206, std::move(h), body(br.first, br.length));
    }
    return response(200, std::move(h), body(0, rep.size));
}

/// file_options plus the root, resolved once.
struct config {
    std::string root;       ///< as given
    std::string root_real;  ///< realpath(root) when it existed at construction
    file_options opts;

    config(std::string r, file_options o) : root(std::move(r)), opts(std::move(o)) {
        if (char* p = ::realpath(root.c_str(), nullptr)) {
            root_real = p;
            std::free(p);
        }
    }
    std::string real_root() const {
        if (!root_real.empty()) return root_real;
        char* p = ::realpath(root.c_str(), nullptr);  // the root appeared later
        if (!p) return {};
        std::string s = p;
        std::free(p);
        return s;
    }
};

inline std::shared_ptr<const int> own(int fd) {
    return std::shared_ptr<const int>(new int(fd), [](const int* p) {
        ::close(*p);
        delete p;
    });
}

// Where an open descriptor really is. /proc/self/fd names the file that was
// opened, so no rename between a check and the open can fool it; without
// /proc, realpath(2) of the name that was opened is the fallback.
inline std::string real_path(int fd, const std::string& opened) {
    char link[40];
    (void)std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);  // at most 26 bytes
    std::string buf(PATH_MAX, '\0');
    auto n = ::readlink(link, buf.data(), buf.size());
    if (n > 0 && static_cast<std::size_t>(n) < buf.size()) {
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }
    char* p = ::realpath(opened.c_str(), nullptr);
    if (!p) return {};
    std::string s = p;
    std::free(p);
    return s;
}

inline bool is_inside(std::string_view root, std::string_view path) noexcept {
    if (!path.starts_with(root)) return false;
    return path.size() == root.size() || root.back() == '/' || path[root.size()] == '/';
}

// Opens `path` (without blocking on a FIFO) and checks where it led. On failure
// `err` is the errno, or ENOENT for a symlink out of the root (to the client it
// does not exist).
inline std::shared_ptr<const int> open_checked(const config& c, const std::string& root, const std::string& path,
                                               struct stat& st, int& err) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    err = errno;
    if (fd < 0) return nullptr;
    auto owned = own(fd);
    err = ENOENT;
    if (!c.opts.follow_symlinks && !is_inside(root, real_path(fd, path))) return nullptr;
    err = ::fstat(fd, &st) == 0 ? 0 : errno;
    if (err != 0) return nullptr;
    return owned;
}

/// 301 to the request's uri with a '/' appended (query kept), for a directory.
inline response slash_redirect(const request& req) {
    // One leading slash: "//host/dir/" would be a protocol-relative URL (an open redirect).
    std::string_view uri = req.uri;
    while (uri.starts_with("/")) uri.remove_prefix(1);
    std::string location = "/" + std::string(uri) + "/";
    if (req.query_string) location += "?" + *req.query_string;
    return response(301, {{"Location", std::move(location)}});
}

/// The outcome of looking for a file: a response, or the status that refuses it
/// (wrap_file hands those requests to the next handler instead).
struct outcome {
    int refused = 0;
    response res;
};

inline outcome failed(const request& req, const std::string& path, int err) {
    if (file_error_status(err) == 404) return {404, {}};
    return {0, file_error(path, err, req.logger)};
}

inline outcome serve(request& req, const config& c) {
    const auto& o = c.opts;
    if (req.request_method != method::get && req.request_method != method::head) return {405, {}};
    auto checked = check_path(path_info(req), o.allow_dotfiles);
    if (checked.refused) return {checked.refused, {}};
    std::string root = c.real_root();
    if (root.empty()) return {404, {}};

    std::string path = root;
    for (auto& seg : checked.segments) path.append("/").append(seg);
    struct stat st {};
    int err = 0;
    auto fd = open_checked(c, root, path, st, err);
    // Only a missing file is 404 (and left to wrap_file's next handler); one that
    // exists but cannot be opened is answered here, and logged (response::file's rules).
    if (!fd) return failed(req, path, err);
    std::string_view name = checked.segments.empty() ? std::string_view() : std::string_view(checked.segments.back());
    if (S_ISDIR(st.st_mode)) {
        // The uri, not path_info, decides: a mount's own path ("/static") has path_info "/",
        // and relative links in its index need the browser to be at "/static/".
        if (!req.uri.ends_with('/')) {
            if (!o.redirect_directories) return {404, {}};
            return {0, slash_redirect(req)};
        }
        std::shared_ptr<const int> index;
        std::string candidate = path + '/';
        const auto dir_size = candidate.size();
        for (auto& file : o.index_files) {
            struct stat ist {};
            candidate.resize(dir_size);
            candidate += file;
            auto ifd = open_checked(c, root, candidate, ist, err);
            if (!ifd && file_error_status(err) != 404) return failed(req, candidate, err);
            if (ifd && S_ISREG(ist.st_mode)) {
                index = std::move(ifd);
                st = ist;
                name = file;
                break;
            }
        }
        if (!index) return {404, {}};
        fd = std::move(index);
    } else if (!S_ISREG(st.st_mode) || checked.trailing_slash) {
        return {404, {}};  // a FIFO, device or socket; or "file.txt/"
    }

    representation rep;
    rep.size = static_cast<std::uint64_t>(st.st_size);
    if (o.etag) {
        char tag[48];
        (void)std::snprintf(tag, sizeof tag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_mtime),
                            static_cast<unsigned long long>(st.st_size));  // at most 36 bytes
        rep.etag = tag;
    }
    if (o.last_modified) rep.last_modified = st.st_mtime;
    rep.content_type = std::string(mime_type(name, o.mime_types).value_or(o.default_type));
    auto res = answer(req, rep, o.ranges, o.cache_control, [&](std::uint64_t first, std::uint64_t length) {
        return response::body_type(file_body{fd, first, length});
    });
    return {0, std::move(res)};
}

inline response refusal(int status) {
    switch (status) {
    case 400: return response::text("Bad Request", 400);
    case 405: {
        auto r = response::text("Method Not Allowed", 405);
        r.headers.add("Allow", "GET, HEAD");
        return r;
    }
    default: return response::not_found();
    }
}

}  // namespace detail::files

/// A handler serving the file that path_info(req) names under `root` (GET and
/// HEAD; other methods get 405 with Allow). Missing files, dotfiles and
/// symlinks out of the root are 404; paths that try to leave the root are 400.
/// A file that is there but cannot be opened gets response::file's answer (403,
/// 503 or 500), told to req.logger. Conditional requests get 304 / 412, Range
/// requests 206 / 416.
inline handler file_handler(std::string root, file_options opts = {}) {
    auto c = std::make_shared<const detail::files::config>(std::move(root), std::move(opts));
    return [c](request& req) -> response {
        auto out = detail::files::serve(req, *c);
        return out.refused ? detail::files::refusal(out.refused) : std::move(out.res);
    };
}

/// Ring's wrap-file: a GET or HEAD naming a file under `root` is answered
/// with it (as file_handler would), and so is one naming a file that cannot be
/// opened (403, 503, 500); every other request, including ones whose path is
/// refused, goes to the next handler.
inline auto wrap_file(std::string root, file_options opts = {}) {
    auto c = std::make_shared<const detail::files::config>(std::move(root), std::move(opts));
    return [c](handler next) {
        return wrap(std::move(next), [c](request& req, const handler& n) -> maybe_task {
            auto out = detail::files::serve(req, *c);
            if (out.refused) return n.invoke(req);
            return std::move(out.res);
        });
    };
}

}  // namespace ringkit
