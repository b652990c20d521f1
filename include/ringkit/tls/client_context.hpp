// client_tls_options made into one OpenSSL client context, shared by every
// connection a client opens (immutable once built, so any thread may start
// handshakes with it). tls_stream's client constructor takes it and the host
// to check. shared_client_context: one per set of options for the whole process,
// for connections that have no client object to hold one (ws::connect).
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

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

/// The context for `o`, built once and shared by every caller with the same
/// options: OpenSSL 3 takes tens of milliseconds to load the system's CA store,
/// more than a handshake. A CA file is read again once its modification time
/// changes; the system's store is read once per process. Any thread. Throws as
/// tls_client_context's constructor does (and caches nothing then).
inline std::shared_ptr<const tls_client_context> shared_client_context(const client_tls_options& o) {
    struct entry {
        client_tls_options options;
        std::filesystem::file_time_type modified;
        std::shared_ptr<const tls_client_context> context;
    };
    auto same = [](const client_tls_options& a, const client_tls_options& b) {
        return a.ca_file == b.ca_file && a.insecure == b.insecure && a.min_version == b.min_version && a.alpn == b.alpn;
    };
    std::error_code ec;
    const auto modified =
        o.ca_file.empty() ? std::filesystem::file_time_type{} : std::filesystem::last_write_time(o.ca_file, ec);
    static std::mutex mutex;
    // Never destroyed: OpenSSL's own cleanup at exit may come first, and an
    // SSL_CTX freed after it is freed into a torn-down library.
    static auto* cache = new std::vector<entry>();
    constexpr std::size_t most = 8;  // distinct option sets a program uses at once
    std::lock_guard lock(mutex);
    for (auto it = cache->begin(); it != cache->end(); ++it) {
        if (!same(it->options, o)) continue;
        if (it->modified == modified) return it->context;
        cache->erase(it);
        break;
    }
    auto context = std::make_shared<const tls_client_context>(o);
    if (cache->size() == most) cache->erase(cache->begin());
    cache->push_back({o, modified, context});
    return context;
}

}  // namespace ringkit::detail
