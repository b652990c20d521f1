// tls_options made into OpenSSL contexts: one SSL_CTX per certificate, chosen
// by SNI, every one with the same versions, ciphers, ALPN and client checks.
//
// tls_contexts is one generation of them, immutable once built; tls_context is
// what the server holds: the current generation, replaced whole by reload(). A
// connection keeps the generation it started with (a shared_ptr), so a reload
// never changes a handshake under way and an open connection keeps its
// certificate. A generation that fails to build throws with the file and
// OpenSSL's reason, and the old one stays.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/core/asio.hpp"
#include "ringkit/tls/options.hpp"

// After core/asio.hpp, which configures Asio.
#include <asio/ssl/context.hpp>

namespace ringkit::detail {

/// What every context tls_stream runs on needs, the server's and the client's.
inline void configure_for_stream(SSL_CTX* h, tls_version min_version) {
    // SSL 3.0, TLS 1.0 and 1.1 are never offered; renegotiation is off (a
    // client-driven CPU drain and a source of past bugs), so is compression (CRIME).
    SSL_CTX_set_min_proto_version(h, min_version == tls_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_options(h, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    // tls/stream.hpp writes one record at a time from a buffer that may move,
    // and an idle connection must not keep OpenSSL's record buffers.
    SSL_CTX_set_mode(h, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    // One recv takes whatever has arrived, several records at once, instead of
    // a record's 5-byte header and then its body: a request costs one recv
    // fewer, a handshake's last flight three fewer. Bytes read ahead wait in
    // OpenSSL's buffer, where the socket never reports them: tls_stream waits
    // for the socket only after a read that OpenSSL ended for want of bytes.
    // The buffer is still freed once empty.
    SSL_CTX_set_read_ahead(h, 1);
}

class tls_contexts {
public:
    /// Throws std::runtime_error saying which file or setting OpenSSL refused, and why.
    explicit tls_contexts(const tls_options& options) {
        if (options.certificates.empty()) throw std::runtime_error("TLS: no certificate");
        for (const auto& p : options.alpn) {
            if (p.empty() || p.size() > 255) throw std::runtime_error("TLS: an ALPN protocol name is 1 to 255 bytes");
            alpn_wire_ += static_cast<char>(p.size());
            alpn_wire_ += p;
        }
        for (const auto& cert : options.certificates) contexts_.push_back(make_context(options, cert));
        SSL_CTX_set_tlsext_servername_callback(default_context(), &tls_contexts::on_server_name);
        SSL_CTX_set_tlsext_servername_arg(default_context(), this);
    }
    tls_contexts(const tls_contexts&) = delete;
    tls_contexts& operator=(const tls_contexts&) = delete;
    ~tls_contexts() = default;

    SSL_CTX* default_context() const noexcept { return contexts_.front().native_handle(); }

    /// The context whose certificate names `host` (the first that does), or the default.
    SSL_CTX* for_name(std::string_view host) const noexcept {
        for (std::size_t i = 1; i < contexts_.size(); ++i) {
            SSL_CTX* ctx = contexts_[i].native_handle();
            if (X509* leaf = SSL_CTX_get0_certificate(ctx);
                leaf && X509_check_host(leaf, host.data(), host.size(), 0, nullptr) == 1)
                return ctx;
        }
        return default_context();
    }

private:
    // asio::ssl::context is non-const only in its member functions; the handles stay put.
    mutable std::vector<asio::ssl::context> contexts_;
    std::string alpn_wire_;  // the ALPN list as the protocol spells it: length-prefixed names

    [[noreturn]] static void fail(const std::string& what, std::error_code ec = {}) {
        std::string why = ec ? ec.message() : std::string();
        if (!ec) {
            if (auto code = ERR_get_error()) {
                std::array<char, 256> text{};
                ERR_error_string_n(code, text.data(), text.size());
                why = text.data();
            } else {
                why = "refused";
            }
        }
        ERR_clear_error();
        throw std::runtime_error("TLS: " + what + ": " + why);
    }

    asio::ssl::context make_context(const tls_options& o, const tls_certificate& cert) {
        asio::ssl::context ctx(asio::ssl::context::tls_server);
        SSL_CTX* h = ctx.native_handle();
        ERR_clear_error();
        configure_for_stream(h, o.min_version);
        if (SSL_CTX_set_cipher_list(h, o.ciphers.c_str()) != 1) fail("ciphers \"" + o.ciphers + "\"");
        if (SSL_CTX_set_ciphersuites(h, o.ciphersuites.c_str()) != 1) fail("ciphersuites \"" + o.ciphersuites + "\"");
        if (SSL_CTX_set1_groups_list(h, o.groups.c_str()) != 1) fail("groups \"" + o.groups + "\"");
        SSL_CTX_set_dh_auto(h, 1);
        // Sessions resume by ticket only (stateless, as nginx by default): a server-side
        // session cache would keep every client's session for minutes after it left.
        // The id context lets tickets resume across the contexts of one generation,
        // and with client certificates.
        SSL_CTX_set_session_cache_mode(h, SSL_SESS_CACHE_OFF);
        static constexpr unsigned char session_id[] = "ringkit";
        SSL_CTX_set_session_id_context(h, session_id, sizeof session_id - 1);

        std::error_code ec;
        if (cert.password)
            ctx.set_password_callback(
                [f = cert.password](std::size_t, asio::ssl::context::password_purpose) { return f(); });
        ctx.use_certificate_chain_file(cert.cert_file, ec);
        if (ec) fail("certificate chain " + cert.cert_file, ec);
        ctx.use_private_key_file(cert.key_file, asio::ssl::context::pem, ec);
        if (ec) fail("private key " + cert.key_file, ec);
        if (SSL_CTX_check_private_key(h) != 1)
            fail("private key " + cert.key_file + " does not match " + cert.cert_file);

        if (!alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(h, &tls_contexts::on_alpn, &alpn_wire_);

        if (o.client_certs != client_certificate::none) {
            if (o.client_ca_file.empty())
                fail("client certificates", std::make_error_code(std::errc::invalid_argument));
            ctx.load_verify_file(o.client_ca_file, ec);
            if (ec) fail("client CA file " + o.client_ca_file, ec);
            // The CA names the server sends, so a client knows which certificate to offer.
            STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.client_ca_file.c_str());
            if (!names) fail("client CA file " + o.client_ca_file);
            SSL_CTX_set_client_CA_list(h, names);
            int mode = SSL_VERIFY_PEER;
            if (o.client_certs == client_certificate::required) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
            SSL_CTX_set_verify(h, mode, nullptr);
            SSL_CTX_set_verify_depth(h, static_cast<int>(o.verify_depth));
        }
        return ctx;
    }

    static int on_server_name(SSL* ssl, int* /*alert*/, void* self) {
        const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        if (!name) return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
        SSL_CTX* chosen = static_cast<const tls_contexts*>(self)->for_name(name);
        if (chosen != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, chosen);
        return SSL_TLSEXT_ERR_OK;
    }

    // The first of our protocols the client offers; none in common: refuse
    // (no_application_protocol), RFC 7301 §3.2.
    static int on_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_size, const unsigned char* in,
                       unsigned in_size, void* wire) {
        const auto& ours = *static_cast<const std::string*>(wire);
        unsigned char* chosen = nullptr;
        if (SSL_select_next_proto(&chosen, out_size, reinterpret_cast<const unsigned char*>(ours.data()),
                                  static_cast<unsigned>(ours.size()), in, in_size) != OPENSSL_NPN_NEGOTIATED)
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        *out = chosen;
        return SSL_TLSEXT_ERR_OK;
    }
};

/// The server's TLS: the current generation of contexts, reloadable from any thread.
class tls_context {
public:
    explicit tls_context(tls_options options)
        : options_(std::move(options)), current_(std::make_shared<const tls_contexts>(options_)) {}

    std::shared_ptr<const tls_contexts> current() const {
        std::lock_guard lock(mutex_);
        return current_;
    }

    /// Builds the files again; throws (keeping the old generation) when one is broken.
    void reload() {
        auto next = std::make_shared<const tls_contexts>(options_);
        std::lock_guard lock(mutex_);
        current_ = std::move(next);
    }

private:
    const tls_options options_;
    mutable std::mutex mutex_;
    std::shared_ptr<const tls_contexts> current_;
};

}  // namespace ringkit::detail
