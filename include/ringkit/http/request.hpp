// The request value handed to handlers: the keys of a Ring request map as
// typed members, plus `ext`, where middleware adds typed data.
#pragma once

#include <cstdint>
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
    }
};

}  // namespace ringkit
