// The client's faults as std::error_code values in their own category,
// "ringkit.client": one code per way a response, a URL or a request's life can
// go wrong, so a caller (and the pool) can tell them apart without reading text.
// Every code means the connection it happened on is not reused.
#pragma once

#include <string>
#include <system_error>

namespace ringkit {

enum class client_error {
    // Framing: where the response's end can no longer be trusted.
    content_length_with_transfer_encoding = 1,  ///< both framings in one response (RFC 9112 §6.3)
    conflicting_content_length,                 ///< more than one Content-Length
    bad_content_length,                         ///< a Content-Length that is not a number
    bad_transfer_encoding,                      ///< Transfer-Encoding where it cannot be trusted (an HTTP/1.0 response)
    bad_chunk_size,                             ///< a chunk-size line that is not hex, overflows or is too long
    bad_line_ending,                            ///< a CR without LF or an LF without CR in the head or chunk framing
    // The head.
    bad_status_line,                 ///< not `HTTP/1.0|1.1 SP 3DIGIT [SP reason]`, or a status outside 100..599
    status_line_too_long,            ///< past client_limits::max_status_line
    bad_header,                      ///< a malformed header line (bad name, control byte, obsolete line folding)
    headers_too_large,               ///< the header section past client_limits::max_header_bytes
    too_many_headers,                ///< past client_limits::max_header_count fields
    unexpected_switching_protocols,  ///< a 101 to a request that did not ask to upgrade
    // The body and the connection.
    body_too_large,    ///< past client_limits::max_body (decoded bytes; chunked counts)
    closed_early,      ///< the connection ended before the response did
    unexpected_bytes,  ///< bytes from the server when no response was due (after one, or before a request)
    // The request's life.
    too_many_redirects,       ///< more redirects than the request allowed
    connect_timeout,          ///< no connection within the connect timeout
    read_timeout,             ///< no byte from the server within the idle read timeout
    total_timeout,            ///< the whole request took longer than its total timeout
    tls_verification_failed,  ///< the server's certificate or host name did not verify
    bad_url,                  ///< not an absolute URL ringkit can request
    unsupported_scheme,       ///< a scheme other than http, https, ws, wss
    // Content-Encoding (client_options::decompress).
    bad_content_encoding,       ///< a gzip or deflate body that does not decode (corrupt or cut short)
    decompression_unavailable,  ///< decompress asked of a build without zlib
};

namespace detail {
class client_error_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "ringkit.client"; }
    std::string message(int e) const override {
        switch (static_cast<client_error>(e)) {
        case client_error::content_length_with_transfer_encoding:
            return "response has both Content-Length and Transfer-Encoding";
        case client_error::conflicting_content_length: return "response has more than one Content-Length";
        case client_error::bad_content_length: return "response has an invalid Content-Length";
        case client_error::bad_transfer_encoding: return "response has a Transfer-Encoding that cannot be trusted";
        case client_error::bad_chunk_size: return "response has an invalid chunk size line";
        case client_error::bad_line_ending: return "response has a CR without LF or an LF without CR";
        case client_error::bad_status_line: return "response has an invalid status line";
        case client_error::status_line_too_long: return "response status line too long";
        case client_error::bad_header: return "response has an invalid header line";
        case client_error::headers_too_large: return "response headers too large";
        case client_error::too_many_headers: return "response has too many header fields";
        case client_error::unexpected_switching_protocols: return "unexpected 101 Switching Protocols";
        case client_error::body_too_large: return "response body too large";
        case client_error::closed_early: return "connection closed before the response ended";
        case client_error::unexpected_bytes: return "unexpected bytes from the server";
        case client_error::too_many_redirects: return "too many redirects";
        case client_error::connect_timeout: return "connect timed out";
        case client_error::read_timeout: return "read timed out";
        case client_error::total_timeout: return "request timed out";
        case client_error::tls_verification_failed: return "TLS certificate verification failed";
        case client_error::bad_url: return "invalid URL";
        case client_error::unsupported_scheme: return "unsupported URL scheme";
        case client_error::bad_content_encoding: return "response body does not decode as its Content-Encoding";
        case client_error::decompression_unavailable: return "decompression asked, but ringkit was built without zlib";
        }
        return "unknown client error";
    }
};
}  // namespace detail

/// The "ringkit.client" category; one object for the program's life, usable from any thread.
inline const std::error_category& client_category() noexcept {
    static const detail::client_error_category instance;
    return instance;
}
inline std::error_code make_error_code(client_error e) noexcept { return {static_cast<int>(e), client_category()}; }

}  // namespace ringkit

template <>
struct std::is_error_code_enum<ringkit::client_error> : std::true_type {};
