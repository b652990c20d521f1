// Everything an rk::client may be told, with its default: timeouts, redirects,
// the keep-alive pool's limits, what a response may hold, and TLS.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ringkit/client/response_parser.hpp"
#include "ringkit/tls/client_options.hpp"
#include "ringkit/version.hpp"

namespace ringkit {

/// The keep-alive pool: connections (in use and idle) per origin and in all,
/// and how long an idle one is kept.
struct pool_options {
    std::size_t max_per_origin = 8;  ///< a request past it waits for one of that origin's to end
    std::size_t max_total = 64;      ///< past it, the oldest idle connection is closed, or the request waits
    /// An idle connection older than this is closed (by the pool's one timer),
    /// below the idle timeouts servers commonly use (nginx 75 s, ringkit 60 s).
    std::chrono::milliseconds idle_timeout{30'000};
};

/// rk::client's options. Every timeout is a client_error of its own.
struct client_options {
    /// Resolving, connecting and the TLS handshake together (connect_timeout).
    std::chrono::milliseconds connect_timeout{10'000};
    /// Longest wait for any progress once connected: a write, or the next bytes of the response (read_timeout).
    std::chrono::milliseconds read_timeout{30'000};
    /// A request's whole life, redirects included (total_timeout); zero: no limit
    /// but the others. client_request::timeout overrides it per request.
    std::chrono::milliseconds total_timeout{0};
    /// Redirects followed before too_many_redirects; 0: a 3xx is returned as it came.
    int max_redirects = 5;
    std::string user_agent = "ringkit/" RINGKIT_VERSION_STRING;  ///< empty: no User-Agent header
    /// Sends `Accept-Encoding: gzip, deflate` and decodes a gzip or deflate body
    /// (buffered and streamed; the headers handed out then lose Content-Encoding
    /// and Content-Length). A body in another coding is handed out as it came.
    /// The body limits count decoded bytes. Needs zlib: without it, every request
    /// fails with decompression_unavailable. client_request::decompress overrides it.
    bool decompress = false;
    /// A streamed body's limit (client::stream()), in place of limits.max_body,
    /// which bounds the bodies held in memory; the default is none.
    std::uint64_t max_stream_body = UINT64_MAX;
    /// The io_context is run by one thread only: requests run on its executor
    /// without the client's strand, and a coroutine on that thread makes its
    /// requests with no hop at all. Any thread may still ask (the future and
    /// callback forms, a coroutine of another io_context). False: a strand, for
    /// an io_context that several threads run.
    bool single_thread = false;
    client_limits limits{};
    pool_options pool{};
    client_tls_options tls{};
};

}  // namespace ringkit
