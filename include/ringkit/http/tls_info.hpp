// What a TLS connection agreed, as the handler sees it on request::tls.
#pragma once

#include <string>
#include <string_view>

namespace ringkit {

/// Fixed once the handshake is done; every request of the connection shares it.
struct tls_info {
    std::string_view version;  ///< "TLSv1.2" or "TLSv1.3" (static strings of OpenSSL's)
    std::string_view cipher;   ///< e.g. "TLS_AES_128_GCM_SHA256"
    std::string alpn;          ///< the protocol agreed by ALPN; empty when the client offered none
    std::string server_name;   ///< what the client asked for by SNI; empty when it sent none
    /// The client certificate's subject (RFC 2253, e.g. "CN=alice,O=Example"),
    /// when the client sent one; empty otherwise.
    std::string peer_subject;
    /// True when the client sent a certificate and the server's client CA verified it.
    bool peer_verified = false;
};

}  // namespace ringkit
