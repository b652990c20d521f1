// ring-ssl's wrap-ssl-redirect: a request that did not come over https is
// answered with a redirect to the same URL on https, and the handler is not
// called. GET and HEAD get 301, as in ring-ssl. Other methods get 308, which keeps
// the method and body as 307 does (ring-ssl's choice), but is permanent, as a site
// served only over https is. Put it outside wrap_forwarded_scheme when a proxy
// ends TLS in front of the server, so req.scheme says what the client used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

struct ssl_redirect_options {
    std::uint16_t ssl_port = 443;  ///< the https port put in the Location (443 is left out)
    int status = 301;              ///< for GET and HEAD
    int other_status = 308;        ///< for every other method (the method and body are kept)
};

/// Redirects every request that is not https to the same host, path and query on https.
inline auto wrap_ssl_redirect(ssl_redirect_options options = {}) {
    return before([options](request& req) -> std::optional<response> {
        if (req.scheme == "https") return std::nullopt;
        std::string location = "https://";
        // An IPv6 literal host needs its brackets back (RFC 3986 §3.2.2).
        if (req.server_name.find(':') != std::string::npos) location += "[" + req.server_name + "]";
        else location += req.server_name;
        if (options.ssl_port != 443) location += ":" + std::to_string(options.ssl_port);
        location += req.uri;
        if (req.query_string) location += "?" + *req.query_string;
        bool safe = req.request_method == method::get || req.request_method == method::head;
        return response::redirect(std::move(location), safe ? options.status : options.other_status);
    });
}

}  // namespace ringkit
