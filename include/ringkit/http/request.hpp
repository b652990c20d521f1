// The request value handed to handlers: the keys of a Ring request map as
// typed members, plus `ext`, where middleware adds typed data.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ringkit/core/logger.hpp"
#include "ringkit/core/type_map.hpp"
#include "ringkit/http/headers.hpp"
#include "ringkit/http/method.hpp"
#include "ringkit/http/tls_info.hpp"
#include "ringkit/http/url.hpp"

namespace ringkit {

class worker_pool;
namespace detail {
class upgrade_context;  // ws/upgrade_context.hpp
}

/// A request body the parser wrote to an anonymous temp file instead of memory
/// (a multipart/form-data body past server_options::spool_threshold). The file
/// has no name (O_TMPFILE, or unlinked at once), so it is gone from the disk when
/// the last copy of `fd` closes it, and even when the process dies.
struct spooled_body {
    std::shared_ptr<const int> fd;  ///< read-only use: pread(2) or mmap(2); closes on last copy
    std::uint64_t size = 0;         ///< body bytes in the file, from offset 0
};

struct request {
    /// Port of the listening socket that accepted the connection (never the Host header's).
    std::uint16_t server_port = 0;
    /// Host from the Host header (or an absolute-form target), without port; the
    /// local address when the request names none.
    std::string server_name;
    /// The TCP peer's address. Forwarded-for headers are a middleware's business.
    std::string remote_addr;
    /// The path of the request target, still percent-encoded; "*" for `OPTIONS *`.
    std::string uri;
    /// What followed '?' in the target, if there was a '?'.
    std::optional<std::string> query_string;
    /// "https" on a TLS connection (middleware such as wrap_forwarded may rewrite it).
    std::string_view scheme = "http";
    /// What the TLS handshake agreed; null on a plain connection.
    std::shared_ptr<const tls_info> tls;
    method request_method = method::get;
    /// The method as sent, e.g. "GET" or "PROPFIND".
    std::string_view method_name = "GET";
    /// "HTTP/1.1" or "HTTP/1.0".
    std::string_view protocol = "HTTP/1.1";
    request_headers headers;
    /// The whole request body (already de-chunked), at most server_options::max_body bytes;
    /// empty when the body was spooled to `body_file` instead.
    std::string body;
    /// The body, when it was spooled to disk (a multipart/form-data body over
    /// server_options::spool_threshold); wrap_multipart reads it from there. The
    /// server drops it (closing the file) once the response is sent.
    std::optional<spooled_body> body_file;
    /// Typed data added by middleware: `req.ext.get<cookies>()`.
    type_map ext;
    /// The template of the route that matched, as the outermost router set it
    /// ("/users/:id"; a mount's prefix for what a mounted handler answers); empty
    /// when no router matched. A bounded value, unlike `uri`: what the server's
    /// metrics label a request with. Points into the router, which outlives it.
    std::string_view route;
    /// The id that ties this request's access-log line, its response and the errors
    /// logged about it together: set by wrap_request_id (from X-Request-Id or made
    /// up), empty without it. A field rather than an `ext` slot because the server
    /// reads it too (request::log), and server/ knows no middleware.
    std::string request_id;

    std::optional<std::string_view> header(std::string_view name) const noexcept { return headers.get(name); }

    /// The decoded value of a query parameter.
    std::optional<std::string> query(std::string_view name) const {
        if (!query_string) return std::nullopt;
        return query_param(*query_string, name);
    }

    /// The server's pool for blocking work (see ringkit::blocking); null outside a server.
    worker_pool* workers = nullptr;
    /// The server's logger (server_options::logger), for middleware to report what it
    /// catches; stderr outside a server. Kept by clear().
    ringkit::logger logger{};
    /// How a handler may take the connection serving this request over (ws::accept,
    /// as_channel): a handle on a context the connection shares, not on the
    /// connection itself. Empty outside a server.
    std::shared_ptr<detail::upgrade_context> upgrade;

    /// Tells `logger` about this request: the message as it is, or prefixed with
    /// "request ID: " when the request has a request_id, so that an error can be
    /// found beside the access-log line and the answer that carry the same id.
    void log(std::string_view message, const std::exception_ptr& error = nullptr) const {
        log_to(logger, message, error);
    }
    /// As log(), to another logger (a middleware's own, e.g. exception_options::logger).
    void log_to(const ringkit::logger& to, std::string_view message, const std::exception_ptr& error = nullptr) const {
        if (request_id.empty()) return to.log(message, error);
        std::string line;
        line.reserve(8 + request_id.size() + 2 + message.size());
        line += "request ";
        line += request_id;
        line += ": ";
        line += message;
        to.log(line, error);
    }

    /// Forgets everything but the memory, so a connection can reuse one request;
    /// memory an unusually large request needed is given back.
    void clear() {
        constexpr std::size_t keep = 64UL * 1024;
        if (body.capacity() > keep) std::string().swap(body);
        if (uri.capacity() > keep) std::string().swap(uri);
        headers.shrink(keep);
        server_name.clear();
        uri.clear();
        query_string.reset();
        request_method = method::get;
        method_name = "GET";
        protocol = "HTTP/1.1";
        headers.clear();
        body.clear();
        body_file.reset();
        ext.clear();
        route = {};
        request_id.clear();
    }
};

}  // namespace ringkit
