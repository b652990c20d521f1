// What a client's TLS is made of (client_options::tls): whom it trusts, and
// whether it checks at all. Plain values, no OpenSSL: tls/client_context.hpp
// turns them into an OpenSSL context.
#pragma once

#include <string>
#include <vector>

#include "ringkit/tls/options.hpp"

namespace ringkit {

/// How a client verifies the servers it speaks TLS to. The defaults verify: the
/// certificate chain against the system's CA store, and the URL's host (a name
/// against the certificate's DNS names, an IP literal against its IP addresses).
struct client_tls_options {
    /// PEM file of the CAs to trust instead of the system's store (a private CA).
    std::string ca_file{};
    /// Skips every check (chain and host): anyone on the path can read and change
    /// the traffic. For tests and for hosts you reach on a trusted network only.
    bool insecure = false;
    tls_version min_version = tls_version::tls1_2;  ///< TLS 1.0 and 1.1 are never offered
    std::vector<std::string> alpn = {"http/1.1"};   ///< offered, preferred first; empty: no ALPN
};

}  // namespace ringkit
