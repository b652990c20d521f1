// Writes a response's status line and header block. The body is not copied here:
// the connection sends it as a second buffer of the same gather write.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "ringkit/core/ascii.hpp"
#include "ringkit/http/date.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/http/status.hpp"

namespace ringkit {

/// How the body after the head is delimited on the wire.
enum class body_framing { none, content_length, chunked, until_close };

/// What the serializer needs to know about the request being answered.
struct response_context {
    bool head = false;  ///< the request was HEAD: headers as for GET, no body
    bool http10 = false;
    bool keep_alive = true;                      ///< the connection would stay open after this response
    std::string_view server_header = "ringkit";  ///< empty: no Server header
};

struct head_info {
    body_framing framing = body_framing::none;
    std::uint64_t length = 0;  ///< for content_length
    bool keep_alive = true;    ///< the connection stays open after this response
    bool send_body = false;    ///< body bytes follow (false for HEAD, 204, 304...)
};

/// Whether the response can be put on the wire as it is: a final status (200..599;
/// an interim 1xx as the answer would desync the client, and 101 belongs to the
/// WebSocket upgrade path) and header names that are tokens with values free of
/// CR, LF and NUL (a handler echoing user input into a header must not be able to
/// split the response).
inline bool response_is_valid(const response& res) noexcept {
    if (res.status < 200 || res.status > 599) return false;
    for (auto& [name, value] : res.headers)
        if (!detail::is_token(name) || !detail::is_field_value(value)) return false;
    return true;
}

namespace detail {
inline void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}
inline bool is_decimal(std::string_view s) noexcept {
    if (s.empty() || s.size() > 19) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}
// Headers the server owns: a handler's values would contradict the framing it chose.
inline bool is_framing_header(std::string_view name) noexcept {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}
}  // namespace detail

/// Appends "HTTP/1.1 <status> <reason>\r\n<headers>\r\n" to `out` and says how
/// the body must follow. The response must satisfy response_is_valid().
inline head_info write_head(std::string& out, const response& res, const response_context& ctx) {
    head_info info;
    info.keep_alive = ctx.keep_alive;
    const int status = res.status;

    std::string_view user_length;
    bool has_date = false, has_server = false;
    for (auto& [name, value] : res.headers) {
        if (detail::iequals(name, "connection") && detail::has_token(value, "close")) info.keep_alive = false;
        else if (detail::iequals(name, "content-length")) user_length = value;
        else if (detail::iequals(name, "date")) has_date = true;
        else if (detail::iequals(name, "server")) has_server = true;
    }

    bool length_known = true;
    std::uint64_t length = 0;
    if (auto* s = std::get_if<std::string>(&res.body)) length = s->size();
    else if (auto* f = std::get_if<file_body>(&res.body)) length = f->length;
    else if (std::holds_alternative<stream_body>(res.body)) length_known = false;

    if (!status_allows_body(status)) {
        info.framing = body_framing::none;  // 304 keeps the handler's Content-Length below
    } else if (status == 205) {
        info.framing = body_framing::content_length;  // RFC 9110 §15.3.6: no content, length 0
        length = 0;
    } else if (length_known) {
        info.framing = body_framing::content_length;
        info.length = length;
    } else if (ctx.http10) {
        info.framing = body_framing::until_close;
        info.keep_alive = false;
    } else {
        info.framing = body_framing::chunked;
    }
    info.send_body = !ctx.head && info.framing != body_framing::none && status != 205;

    out.append("HTTP/1.1 ");  // RFC 9110 §2.5: our version, whatever the client's
    detail::append_number(out, static_cast<std::uint64_t>(status));
    out.push_back(' ');
    out.append(reason_phrase(status));
    out.append("\r\n");
    if (!has_server && !ctx.server_header.empty()) {
        out.append("Server: ");
        out.append(ctx.server_header);
        out.append("\r\n");
    }
    if (!has_date) {
        out.append("Date: ");
        out.append(detail::http_date());
        out.append("\r\n");
    }
    for (auto& [name, value] : res.headers) {
        if (detail::is_framing_header(name)) continue;
        out.append(name);
        out.append(": ");
        out.append(value);
        out.append("\r\n");
    }
    switch (info.framing) {
    case body_framing::content_length:
        out.append("Content-Length: ");
        // A HEAD handler with no body may announce the length GET would send.
        if (ctx.head && std::holds_alternative<std::monostate>(res.body) && detail::is_decimal(user_length))
            out.append(user_length);
        else detail::append_number(out, length);
        out.append("\r\n");
        break;
    case body_framing::chunked: out.append("Transfer-Encoding: chunked\r\n"); break;
    case body_framing::none:
        if (status == 304 && detail::is_decimal(user_length)) {
            out.append("Content-Length: ");
            out.append(user_length);
            out.append("\r\n");
        }
        break;
    case body_framing::until_close: break;
    }
    if (status == 101) out.append("Connection: Upgrade\r\n");  // the handler's Upgrade header says to what
    else if (!info.keep_alive) out.append("Connection: close\r\n");
    else if (ctx.http10) out.append("Connection: keep-alive\r\n");
    out.append("\r\n");
    return info;
}

}  // namespace ringkit
