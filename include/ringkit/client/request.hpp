// What a client request is made of: a plain value the caller builds with
// designated initializers,
//
//     client.request({.method = rk::method::post, .url = "https://api.example/v1/items",
//                     .headers = {{"Accept", "application/json"}},
//                     .body = rk::request_body::json(item)});
//
// and the bodies it can carry (bytes, JSON, an urlencoded form, multipart), each with its
// Content-Type. The bytes on the wire are request_writer.hpp's.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"

namespace ringkit {

/// Name/value pairs, in order, repeats allowed: query parameters and form fields.
using field_list = std::vector<std::pair<std::string, std::string>>;

namespace detail {
/// application/x-www-form-urlencoded (WHATWG URL §5.2): unreserved bytes kept,
/// space as '+', every other byte %XX. For query strings and form bodies alike.
inline void form_encode(std::string_view in, std::string& out) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char ch : in) {
        const auto c = static_cast<unsigned char>(ch);
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '*';
        if (keep) {
            out.push_back(ch);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
}

/// "a=1&b=x+y": `params` form-encoded.
inline std::string form_encode(const field_list& params) {
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty()) out.push_back('&');
        form_encode(name, out);
        out.push_back('=');
        form_encode(value, out);
    }
    return out;
}
}  // namespace detail

/// One part of a multipart/form-data body (RFC 7578): a field, or a file's bytes
/// when it has a filename.
struct multipart_part {
    std::string name;
    std::string data;
    std::string filename{};      ///< set: the part is a file
    std::string content_type{};  ///< empty: none (a server reads text/plain)
    /// Set: the part's bytes are this file's, read from disk in chunks as the
    /// request is sent, never held whole (`data` is unused); `filename` defaults
    /// to its last component. Its size is taken when the body is built.
    std::filesystem::path path{};
};

/// A piece of a request body that is sent from a file: `size` bytes of `file`,
/// read in chunks as the request is written. A file shorter than `size` by then
/// fails the request (std::errc::io_error): its Content-Length was already sent.
struct file_piece {
    std::filesystem::path file;
    std::uint64_t size = 0;
};

/// A body piece: bytes in memory, or a file's.
struct body_piece {
    std::string bytes;
    std::optional<file_piece> file{};  ///< set: the piece is the file's bytes (`bytes` unused)
};

namespace detail {
// A name or filename inside a quoted Content-Disposition parameter: '"', CR and
// LF %-encoded, as browsers do (WHATWG HTML, "multipart/form-data encoding").
inline void append_disposition_value(std::string& out, std::string_view v) {
    for (char c : v) {
        if (c == '"') out += "%22";
        else if (c == '\r') out += "%0D";
        else if (c == '\n') out += "%0A";
        else out.push_back(c);
    }
}

// A boundary that none of the parts' bytes contain: random, and drawn again in the
// (astronomically unlikely) case one does.
inline std::string multipart_boundary(const std::vector<multipart_part>& parts) {
    static constexpr char hex[] = "0123456789abcdef";
    std::random_device random;
    for (;;) {
        std::string b = "ringkit-";
        for (int i = 0; i < 4; ++i) {
            const auto r = random();
            for (int k = 0; k < 8; ++k) b.push_back(hex[(r >> (4 * k)) & 15]);
        }
        bool unique = true;
        for (const auto& p : parts) unique = unique && p.data.find(b) == std::string::npos;
        if (unique) return b;
    }
}
}  // namespace detail

/// A request's body and its Content-Type.
struct request_body {
    std::string data;
    std::string content_type;
    /// Non-empty: the body is these pieces in order (files among them), and
    /// `data` is unused. Built by file() and by multipart() with file parts.
    std::vector<body_piece> pieces{};

    /// The body's length in bytes (its Content-Length).
    std::uint64_t size() const noexcept {
        if (pieces.empty()) return data.size();
        std::uint64_t n = 0;
        for (const auto& p : pieces) n += p.file ? p.file->size : p.bytes.size();
        return n;
    }

    /// A file's bytes, streamed from disk as the request is sent (fetch's
    /// --data-file). Its size is taken now: std::filesystem::filesystem_error
    /// (a std::system_error) when it cannot be read.
    static request_body file(const std::filesystem::path& path, std::string content_type = "application/octet-stream") {
        request_body b{{}, std::move(content_type)};
        b.pieces.push_back({.bytes = {}, .file = file_piece{path, std::filesystem::file_size(path)}});
        return b;
    }

    /// Bytes as they are.
    static request_body bytes(std::string data, std::string content_type = "application/octet-stream") {
        return {std::move(data), std::move(content_type)};
    }
    static request_body text(std::string data, std::string content_type = "text/plain; charset=utf-8") {
        return {std::move(data), std::move(content_type)};
    }
    /// A JSON value: anything with dump() (nlohmann::json), or JSON text already written.
    template <class Json>
    static request_body json(const Json& value) {
        if constexpr (requires { value.dump(); }) return {value.dump(), "application/json"};
        else return {std::string(value), "application/json"};
    }
    /// An HTML form's fields, urlencoded.
    static request_body form(const field_list& fields) {
        return {detail::form_encode(fields), "application/x-www-form-urlencoded"};
    }
    /// A multipart/form-data body (fields and files), with a boundary none of the
    /// in-memory parts contain (a part with a `path` is not read to check: the
    /// boundary is 128 random bits). std::invalid_argument for a Content-Type
    /// with CR or LF; std::filesystem::filesystem_error for a `path` that cannot
    /// be read.
    static request_body multipart(const std::vector<multipart_part>& parts) {
        const std::string boundary = detail::multipart_boundary(parts);
        request_body body{{}, "multipart/form-data; boundary=" + boundary};
        std::string out;
        for (const auto& p : parts) {
            out.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"");
            detail::append_disposition_value(out, p.name);
            out.push_back('"');
            const std::string filename =
                p.filename.empty() && !p.path.empty() ? p.path.filename().string() : p.filename;
            if (!filename.empty()) {
                out.append("; filename=\"");
                detail::append_disposition_value(out, filename);
                out.push_back('"');
            }
            out.append("\r\n");
            if (!p.content_type.empty()) {
                if (!detail::is_field_value(p.content_type))
                    throw std::invalid_argument("ringkit client: a multipart part's Content-Type is not a field value");
                out.append("Content-Type: ").append(p.content_type).append("\r\n");
            }
            out.append("\r\n");
            if (p.path.empty()) {
                out.append(p.data);
            } else {
                body.pieces.push_back({.bytes = std::exchange(out, {}), .file = {}});
                body.pieces.push_back({.bytes = {}, .file = file_piece{p.path, std::filesystem::file_size(p.path)}});
            }
            out.append("\r\n");
        }
        out.append("--").append(boundary).append("--\r\n");
        if (body.pieces.empty()) body.data = std::move(out);
        else body.pieces.push_back({.bytes = std::move(out), .file = {}});
        return body;
    }
};

/// Credentials for HTTP basic authentication (RFC 7617).
struct basic_auth {
    std::string user;
    std::string password;
};

/// One request. Only `url` is required.
struct client_request {
    ringkit::method method = ringkit::method::get;  ///< not method::other
    /// An absolute http or https URL; its userinfo ("user:pass@") is basic auth unless `auth` is set.
    std::string url;
    /// Sent as given, after Host and before the body's. Host, User-Agent,
    /// Authorization and Content-Type given here replace the client's own;
    /// Content-Length and Transfer-Encoding are the client's alone.
    header_list headers{};
    field_list query{};                  ///< appended to the URL's query, form-encoded
    std::optional<request_body> body{};  ///< none: no body (Content-Length: 0 for POST, PUT, PATCH)
    std::optional<basic_auth> auth{};    ///< dropped, with any Authorization header, when a redirect leaves the origin
    std::optional<int> max_redirects{};  ///< overrides client_options::max_redirects
    std::optional<std::chrono::milliseconds> timeout{};  ///< overrides client_options::total_timeout
    std::optional<bool> decompress{};                    ///< overrides client_options::decompress
};

}  // namespace ringkit
