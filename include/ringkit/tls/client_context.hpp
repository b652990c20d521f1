// client_tls_options made into one OpenSSL client context, shared by every
// connection a client opens (immutable once built, so any thread may start
// handshakes with it). tls_stream's client constructor takes it and the host
// to check.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "ringkit/tls/client_options.hpp"
#include "ringkit/tls/context.hpp"

namespace ringkit::detail {

class tls_client_context {
public:
    /// Throws std::runtime_error with OpenSSL's reason when the CA file (or the
    /// system store) cannot be loaded or a setting is refused.
    explicit tls_client_context(const client_tls_options& o)
        : ctx_(SSL_CTX_new(TLS_client_method())), insecure_(o.insecure) {
        if (!ctx_) throw std::bad_alloc();
        SSL_CTX* h = ctx_.get();
        ERR_clear_error();
        configure_for_stream(h, o.min_version);
        std::string wire;
        for (const auto& p : o.alpn) {
            if (p.empty() || p.size() > 255) throw std::runtime_error("TLS: an ALPN protocol name is 1 to 255 bytes");
            wire += static_cast<char>(p.size());
            wire += p;
        }
        // SSL_CTX_set_alpn_protos returns 0 on success, unlike the rest of OpenSSL.
        if (!wire.empty() && SSL_CTX_set_alpn_protos(h, reinterpret_cast<const unsigned char*>(wire.data()),
                                                     static_cast<unsigned>(wire.size())) != 0)
            fail("ALPN");
        if (insecure_) {
            SSL_CTX_set_verify(h, SSL_VERIFY_NONE, nullptr);
            return;
        }
        if (!o.ca_file.empty()) {
            if (SSL_CTX_load_verify_locations(h, o.ca_file.c_str(), nullptr) != 1) fail("CA file " + o.ca_file);
        } else if (SSL_CTX_set_default_verify_paths(h) != 1) {
            fail("the system's CA store");
        }
        SSL_CTX_set_verify(h, SSL_VERIFY_PEER, nullptr);
    }

    SSL_CTX* native_handle() const noexcept { return ctx_.get(); }
    /// No verification: streams made with this context check neither chain nor host.
    bool insecure() const noexcept { return insecure_; }

private:
    struct ctx_free {
        void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
    };

    [[noreturn]] static void fail(const std::string& what) {
        std::string why = "refused";
        if (auto code = ERR_get_error()) {
            std::array<char, 256> text{};
            ERR_error_string_n(code, text.data(), text.size());
            why = text.data();
        }
        ERR_clear_error();
        throw std::runtime_error("TLS: " + what + ": " + why);
    }

    std::unique_ptr<SSL_CTX, ctx_free> ctx_;
    bool insecure_;
};

}  // namespace ringkit::detail
