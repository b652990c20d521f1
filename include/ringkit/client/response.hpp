// What a client request gives back: a response whole, its body in memory
// (bounded by client_limits::max_body).
#pragma once

#include <string>

#include "ringkit/http/headers.hpp"

namespace ringkit {

/// A response as rk::client returns it: a plain value, the caller's to keep.
struct client_response {
    int status = 0;
    std::string reason;
    int version_minor = 1;  ///< HTTP/1.0 or HTTP/1.1
    /// Names lower-cased, values trimmed, repeats kept in order: headers.get("content-type").
    request_headers headers;
    /// Decoded from chunked framing, and from gzip or deflate when the request
    /// asked to decompress (headers then without Content-Encoding and Content-Length).
    std::string body;
    std::string url;    ///< the URL that answered, after redirects (without userinfo)
    int redirects = 0;  ///< how many redirects were followed to get here
};

}  // namespace ringkit
