// Ring's wrap-multipart-params: a multipart/form-data body (RFC 7578, framed as
// RFC 2046 §5.1.1 says) split into its text fields and its uploaded files, so a
// handler reads `multipart_of(req).file("avatar")` instead of scanning bytes.
//
// The server has received the whole body already (at most server_options::max_body):
// in req.body, or, past server_options::spool_threshold, in an anonymous temp file
// (req.body_file) that is mapped read-only here for the parse and unmapped after.
// Either way it is parsed in one pass: a field is copied once into memory; a
// file is copied once, into memory up to memory_threshold or into a temp file
// above it (written on the calling thread: the size is bounded by max_body, and a
// handler that cannot afford the write should raise memory_threshold or run the
// stack on the worker pool; from a spooled body the copy is copy_file_range(2),
// file to file inside the kernel, where the file systems allow it). Temp files belong to the multipart_form stored on
// the request and are unlinked when its last copy goes, i.e. when the server clears the request; copy an upload
// elsewhere (or link(2) it) to keep it.
//
// What a client gets for bad input (every limit is a multipart_options field):
//   no or invalid boundary, no delimiter, no close delimiter     400
//   part headers malformed, no Content-Disposition: form-data, no name   400
//   more than max_parts parts                                    413
//   a part's content over max_part_size                          413
//   a part's header section over max_part_header_bytes            413
//   the temp file cannot be written                              500
//   the spooled body cannot be mapped                            500
//
// Text fields also go into rk::params (form and merged lists, nested()) when
// wrap_params runs first, i.e. is outside: `app | wrap_multipart() | wrap_params()`,
// the order Ring's site-defaults use.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/handler.hpp"
#include "ringkit/middleware/media_type.hpp"
#include "ringkit/middleware/middleware.hpp"
#include "ringkit/middleware/params.hpp"

namespace ringkit {

struct multipart_options {
    /// A file part up to this many bytes stays in memory; a larger one goes to a temp file.
    std::size_t memory_threshold = 64UL * 1024;
    /// Parts in one body (fields and files together).
    std::size_t max_parts = 100;
    /// Content bytes of any one part.
    std::size_t max_part_size = 8UL * 1024 * 1024;
    /// Bytes of one part's header lines, each with its CRLF (the empty line after them not counted).
    std::size_t max_part_header_bytes = 8UL * 1024;
    /// Where temp files go; empty means $TMPDIR, or /tmp when that is unset or empty.
    std::string temp_dir = {};
};

/// A file on disk that is unlinked when this object is destroyed.
class temp_file {
public:
    explicit temp_file(std::string path) : path_(std::move(path)) {}
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() { ::unlink(path_.c_str()); }
    /// The absolute path (when the temp directory is absolute) of the file.
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

/// One uploaded file: a part whose Content-Disposition has a filename.
struct uploaded_file {
    std::string name;                       ///< the form field's name
    std::string filename;                   ///< as the client sent it (untrusted: may hold a path, may be empty)
    std::string content_type;               ///< the part's Content-Type, "text/plain" when it had none (RFC 7578 §4.4)
    std::uint64_t size = 0;                 ///< content bytes
    std::string data;                       ///< the bytes, when in memory
    std::shared_ptr<const temp_file> file;  ///< the temp file, when over memory_threshold

    bool in_memory() const noexcept { return !file; }
    /// The temp file's path, or "" when the bytes are in memory.
    std::string_view path() const noexcept { return file ? std::string_view(file->path()) : std::string_view(); }
    /// The content, read back from the temp file when there is one (empty if it cannot be read).
    std::string bytes() const {
        if (!file) return data;
        std::ifstream in(file->path(), std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
};

/// What wrap_multipart stores on every request (empty when the body was not
/// multipart/form-data); read it with multipart_of(req).
struct multipart_form {
    param_list fields;                 ///< parts without a filename, in order, as name/value
    std::vector<uploaded_file> files;  ///< parts with a filename, in order

    /// The first file sent under field `name`, or nullptr.
    const uploaded_file* file(std::string_view name) const noexcept {
        for (auto& f : files)
            if (f.name == name) return &f;
        return nullptr;
    }
};

/// The form wrap_multipart stored; throws std::logic_error when it is not in the stack.
inline const multipart_form& multipart_of(const request& req) { return req.ext.get<multipart_form>(); }

namespace detail {

struct multipart_error {
    int status;
    std::string message;
};

/// RFC 2046 §5.1.1: 1 to 70 bchars, the last not a space.
inline bool valid_boundary(std::string_view b) noexcept {
    if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
    for (unsigned char c : b) {
        const bool ok = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
                        std::string_view("'()+_,-./:=? ").find(static_cast<char>(c)) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

/// Copies `length` bytes at `offset` of `from` into `to` inside the kernel; false
/// when copy_file_range cannot (old kernel, file systems it will not span) before
/// a byte was copied, so the caller can write the bytes itself. errno on failure.
inline bool copy_file_range_all(int from, std::uint64_t offset, std::uint64_t length, int to, bool& copied_some) {
    auto in = static_cast<off_t>(offset);
    while (length > 0) {
        const auto n = ::copy_file_range(from, &in, to, nullptr, static_cast<std::size_t>(length), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;  // the source is shorter than it should be
            return false;
        }
        copied_some = true;
        length -= static_cast<std::uint64_t>(n);
    }
    return true;
}

/// Writes `data` to a new 0600 file in `dir` (mkostemp creates it 0600 and
/// exclusively, so no other user can read or pre-create it); nullptr on failure,
/// leaving nothing behind. When `source_fd` is not -1, `data` is a view of that
/// file at `source_offset`, and the bytes are copied file to file when the
/// kernel can.
inline std::shared_ptr<const temp_file> write_temp_file(const std::string& dir, std::string_view data,
                                                        int source_fd = -1, std::uint64_t source_offset = 0) {
    std::string path = dir + (dir.ends_with('/') ? "" : "/") + "ringkit-upload-XXXXXX";
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return nullptr;
    auto file = std::make_shared<const temp_file>(std::move(path));
    if (source_fd >= 0) {
        bool copied_some = false;
        if (copy_file_range_all(source_fd, source_offset, data.size(), fd, copied_some)) data = {};
        else if (copied_some) {
            ::close(fd);
            return nullptr;  // a real I/O error half way
        }
        // else EXDEV, ENOSYS, EINVAL, EOPNOTSUPP...: the file systems say no; write below.
    }
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            return nullptr;  // ~temp_file unlinks it
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::close(fd) != 0) return nullptr;
    return file;
}

/// One part's Content-Disposition and Content-Type, from its header section.
struct part_head {
    std::string name;
    std::optional<std::string> filename;
    std::string content_type = "text/plain";
};

inline std::optional<part_head> parse_part_head(std::string_view headers) {
    part_head head;
    bool disposition = false;
    while (!headers.empty()) {
        const auto eol = headers.find("\r\n");
        const auto line = headers.substr(0, eol);
        headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
        const auto colon = line.find(':');
        // A line without a colon, a folded line (leading space) or a bare CR/LF is refused.
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return std::nullopt;
        const auto name = line.substr(0, colon);
        const auto value = trim_ows(line.substr(colon + 1));
        if (!is_field_value(value)) return std::nullopt;
        if (iequals(name, "content-disposition")) {
            if (disposition) return std::nullopt;  // two of them: which one is meant?
            disposition = true;
            const auto semi = value.find(';');
            if (!iequals(trim_ows(value.substr(0, semi)), "form-data")) return std::nullopt;
            // The parameters have media-type syntax; filename*= (RFC 5987) is ignored,
            // as RFC 7578 §4.2 tells senders not to use it.
            const media_type params{
                {}, {}, semi == std::string_view::npos ? std::string_view() : value.substr(semi + 1)};
            auto field = params.param("name");
            if (!field) return std::nullopt;
            head.name = std::move(*field);
            head.filename = params.param("filename");
        } else if (iequals(name, "content-type")) {
            if (!value.empty()) head.content_type = std::string(value);
        }
    }
    if (!disposition) return std::nullopt;
    return head;
}

/// Where the next delimiter line "CRLF--boundary" starts at or after `from`, and
/// where the part after it begins (npos after the close delimiter). A match
/// followed by anything but padding and CRLF, or "--", is data, not a delimiter.
struct delimiter_at {
    std::size_t at = std::string_view::npos;
    std::size_t next = std::string_view::npos;
};

inline delimiter_at find_delimiter(std::string_view body, std::string_view dash_boundary, std::size_t from,
                                   bool at_start) {
    for (std::size_t pos = from;; ++pos) {
        std::size_t line = 0;
        if (at_start && pos == 0 && body.starts_with(dash_boundary)) {
            line = 0;  // the first delimiter may open the body, with no CRLF before it
        } else {
            pos = body.find(dash_boundary, pos);
            if (pos == std::string_view::npos) return {};
            // The CRLF must be the part's own: not a header section's blank line.
            if (pos < from + 2 || body[pos - 2] != '\r' || body[pos - 1] != '\n') continue;
            line = pos - 2;
        }
        auto i = pos + dash_boundary.size();
        if (body.substr(i, 2) == "--") return {line, std::string_view::npos};
        while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;  // transport padding
        if (body.substr(i, 2) == "\r\n") return {line, i + 2};
    }
}

/// Parses a multipart/form-data body into `form`. `body_fd`, when not -1, is a
/// file whose bytes from offset 0 are `body` (a spooled body, mapped).
inline std::optional<multipart_error> parse_multipart(std::string_view body, std::string_view boundary,
                                                      const multipart_options& opt, multipart_form& form,
                                                      int body_fd = -1) {
    const std::string dash_boundary = "--" + std::string(boundary);
    auto d = find_delimiter(body, dash_boundary, 0, true);
    if (d.at == std::string_view::npos) return multipart_error{400, "Malformed multipart body: no boundary delimiter"};
    std::string temp_dir = {};
    std::size_t parts = 0;
    for (std::size_t cur = d.next; cur != std::string_view::npos; cur = d.next) {
        if (++parts > opt.max_parts) return multipart_error{413, "Too many parts in the multipart body"};
        std::string_view headers;
        std::size_t content = 0;
        if (body.substr(cur, 2) == "\r\n") {
            content = cur + 2;  // no header lines at all
        } else {
            // Room for the lines and the empty line's CRLF: "\r\n\r\n" ends inside when they fit.
            const auto window = body.substr(cur, opt.max_part_header_bytes + 2);
            const auto end = window.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (window.size() == opt.max_part_header_bytes + 2)
                    return multipart_error{413, "Multipart part headers too large"};
                return multipart_error{400, "Malformed multipart body: unterminated part headers"};
            }
            headers = window.substr(0, end);
            content = cur + end + 4;
        }
        auto head = parse_part_head(headers);
        if (!head)
            return multipart_error{
                400, "Malformed multipart part headers (Content-Disposition: form-data; name=... required)"};
        // The CRLF before a delimiter belongs to it (RFC 2046), so an empty part's
        // delimiter starts right at `content`.
        d = find_delimiter(body, dash_boundary, content, false);
        if (d.at == std::string_view::npos) return multipart_error{400, "Malformed multipart body: no close delimiter"};
        const auto data = body.substr(content, d.at - content);
        if (data.size() > opt.max_part_size) return multipart_error{413, "Multipart part too large"};
        if (!head->filename) {
            form.fields.add(std::move(head->name), std::string(data));
            continue;
        }
        uploaded_file f{
            std::move(head->name), std::move(*head->filename), std::move(head->content_type), data.size(), {}, {}};
        if (data.size() <= opt.memory_threshold) {
            f.data = std::string(data);
        } else {
            if (temp_dir.empty()) {
                // NOLINTNEXTLINE(concurrency-mt-unsafe): races only with setenv, which ringkit never calls
                const char* env = opt.temp_dir.empty() ? std::getenv("TMPDIR") : nullptr;
                temp_dir = !opt.temp_dir.empty() ? opt.temp_dir : (env && *env) ? env : "/tmp";
            }
            f.file = write_temp_file(temp_dir, data, body_fd, content);
            if (!f.file) return multipart_error{500, "Could not store the uploaded file"};
        }
        form.files.push_back(std::move(f));
    }
    return std::nullopt;  // what follows the close delimiter is the epilogue, ignored
}

/// A spooled request body mapped read-only (MAP_PRIVATE) for as long as this
/// lives; an empty body needs no mapping.
class mapped_body {
public:
    explicit mapped_body(const spooled_body& f) {
        if (f.size == 0) {
            ok_ = true;
            return;
        }
        if (f.size > SIZE_MAX || !f.fd) return;
        void* p = ::mmap(nullptr, static_cast<std::size_t>(f.size), PROT_READ, MAP_PRIVATE, *f.fd, 0);
        if (p == MAP_FAILED) return;
        ::madvise(p, static_cast<std::size_t>(f.size), MADV_SEQUENTIAL);  // a hint: read-ahead, drop behind
        addr_ = p;
        size_ = static_cast<std::size_t>(f.size);
        ok_ = true;
    }
    mapped_body(const mapped_body&) = delete;
    mapped_body& operator=(const mapped_body&) = delete;
    ~mapped_body() {
        if (addr_) ::munmap(addr_, size_);
    }
    bool ok() const noexcept { return ok_; }
    std::string_view view() const noexcept { return {static_cast<const char*>(addr_), size_}; }

private:
    void* addr_ = nullptr;
    std::size_t size_ = 0;
    bool ok_ = false;
};

}  // namespace detail

/// Parses a multipart/form-data body (boundary from the Content-Type, quoted or
/// not) into a multipart_form on the request, adding its text fields to params
/// when wrap_params ran first; answers 400/413/500 as the table at the top says.
/// Other requests get an empty form and are passed on untouched.
inline auto wrap_multipart(const multipart_options& options = {}) {
    return [options](handler next) {
        return wrap(std::move(next), [options](request& req, const handler& n) -> maybe_task {
            if (req.ext.contains<multipart_form>()) return n.invoke(req);
            multipart_form form;
            const auto type = content_type_of(req);
            if (type && type->is("multipart", "form-data")) {
                const auto boundary = type->param("boundary");
                if (!boundary || !detail::valid_boundary(*boundary))
                    return response::text("Malformed multipart body: missing or invalid boundary", 400);
                std::optional<detail::multipart_error> err;
                if (req.body_file) {
                    const detail::mapped_body mapped(*req.body_file);
                    if (!mapped.ok()) return response::text("Could not read the spooled request body", 500);
                    err = detail::parse_multipart(mapped.view(), *boundary, options, form, *req.body_file->fd);
                } else {
                    err = detail::parse_multipart(req.body, *boundary, options, form);
                }
                if (err) return response::text(std::move(err->message), err->status);
                if (auto* p = req.ext.find<params>())
                    for (auto& [name, value] : form.fields)
                        if (!p->add(name, value, true))
                            return response::text("Parameter nested too deeply in the multipart body", 400);
            }
            req.ext.emplace<multipart_form>(std::move(form));
            return n.invoke(req);
        });
    };
}

}  // namespace ringkit
