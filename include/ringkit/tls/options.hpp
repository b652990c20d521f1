// What a server's TLS is made of (server_options::tls): the certificates, the
// versions and ciphers it accepts, and whether it asks clients for a certificate.
// Plain values, no OpenSSL: tls/context.hpp turns them into OpenSSL contexts.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace ringkit {

/// A certificate chain and its private key, both PEM files.
struct tls_certificate {
    std::string cert_file;  ///< the leaf first, then the intermediates
    std::string key_file;
    /// For an encrypted key: returns its passphrase. Empty: the key is not encrypted.
    std::function<std::string()> password{};
};

/// Whether clients are asked for a certificate (mutual TLS).
enum class client_certificate {
    none,      ///< not asked
    optional,  ///< asked; a client without one is served (tls_info::peer_verified false)
    required,  ///< a client without a certificate the CA file verifies fails the handshake
};

/// The lowest TLS version a server accepts. SSL 3.0, TLS 1.0 and 1.1 are never offered.
enum class tls_version { tls1_2, tls1_3 };

/// Mozilla's "intermediate" configuration (version 5.7): TLS 1.2 with forward
/// secrecy and AEAD ciphers only, TLS 1.3's suites as OpenSSL orders them.
inline constexpr const char* mozilla_intermediate_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/// server_options::tls. TLS is on when `certificates` is not empty: the server's
/// `port` then speaks HTTPS and WSS (and `plain_port`, if set, plain HTTP).
struct tls_options {
    /// The first is the default; the others are chosen by the name the client
    /// asks for (SNI) when it matches one of their names (subjectAltName DNS
    /// entries, wildcards included, or the common name).
    std::vector<tls_certificate> certificates{};
    tls_version min_version = tls_version::tls1_2;
    /// TLS 1.2 cipher list (OpenSSL syntax); TLS 1.3 suites in `ciphersuites`.
    std::string ciphers = mozilla_intermediate_ciphers;
    std::string ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
    std::string groups = "X25519:prime256v1:secp384r1";  ///< key exchange groups, preferred first
    /// ALPN protocols the server speaks, preferred first. A client that offers
    /// ALPN but none of these is refused (RFC 7301 §3.2); one that offers none is served.
    std::vector<std::string> alpn = {"http/1.1"};
    client_certificate client_certs = client_certificate::none;
    std::string client_ca_file{};  ///< PEM CAs that verify client certificates (with client_certs)
    std::size_t verify_depth = 4;  ///< longest client chain accepted

    bool enabled() const noexcept { return !certificates.empty(); }
};

}  // namespace ringkit
