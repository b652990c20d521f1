// A session store that keeps the whole session in the cookie, sealed with
// AES-256-GCM (OpenSSL's EVP interface; no crypto is written here). The server
// keeps nothing, so sessions survive restarts and work across processes that
// share the key. Sealed means encrypted and authenticated: a client can neither
// read nor change its session, and a tampered, truncated or foreign cookie reads
// as no session at all (never an error).
//
// Each cookie carries the time it was sealed, authenticated with it, and read()
// refuses one older than max_age (7 days by default): a stolen or logged-out
// cookie stops working by then even though the key still opens it.
//
// What it cannot do: revoke a session server-side before max_age (ending a
// session expires the cookie, but a copy taken earlier stays valid until it is
// max_age old; lower max_age or use memory_store where that matters), or hold
// more than a cookie's ~4 KB.
//
// Only with OpenSSL's libcrypto (RINGKIT_HAS_OPENSSL, set by CMake when found).
// What calls OpenSSL is in impl/cookie_store.ipp, so that with
// RINGKIT_SEPARATE_COMPILATION its headers stay out of the program's own TUs.
#pragma once

#if defined(RINGKIT_HAS_OPENSSL) && RINGKIT_HAS_OPENSSL

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringkit/core/config.hpp"
#include "ringkit/middleware/session.hpp"

namespace ringkit {

/// An AES-256 key: 32 bytes.
using cookie_key = std::array<unsigned char, 32>;

/// A new key from the kernel's CSPRNG. Keep it (cookie_key_to_text) and reuse
/// it: a new key on every start logs everyone out.
inline cookie_key random_cookie_key() {
    cookie_key k;
    detail::random_bytes(k.data(), k.size());
    return k;
}

/// A key as 43 base64url characters, for a config file or an environment variable.
inline std::string cookie_key_to_text(const cookie_key& k) {
    return detail::base64url_encode(std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
}

/// The key cookie_key_to_text() wrote; nullopt for anything else.
RINGKIT_DECL std::optional<cookie_key> cookie_key_from_text(std::string_view text);

/// Settings of a cookie_store.
struct cookie_store_options {
    /// Keys that still open cookies but never seal new ones: rotate keys by
    /// moving the old one here; sessions move to the new key as they are saved.
    std::vector<cookie_key> old_keys{};
    /// Largest sealed value written. Browsers drop cookies whose name and value
    /// pass 4096 bytes; a larger session makes write() throw std::length_error.
    std::size_t max_cookie_bytes = 4000;
    /// Authenticated with every cookie: a value sealed for another purpose (or
    /// another app sharing the key) does not open here.
    std::string context = "ringkit-session";
    /// A cookie sealed longer ago than this reads as no session; std::nullopt
    /// for no server-side limit (a copy of a cookie then works for as long as
    /// the key does). The time is re-sealed on every write(), so the limit
    /// slides: it counts from the last time the session *changed* and was
    /// saved, not from the last request (wrap_session() saves only changed
    /// sessions), so a user who only reads for longer than this is logged out.
    /// 7 days, like a "remember me for a week": short enough to bound a stolen
    /// or logged-out cookie, long enough that ordinary use rarely hits it (Django
    /// uses 2 weeks for the same check). Keep session_options::max_age, the
    /// browser's lifetime for the cookie, at or below it. A cookie sealed more
    /// than 5 minutes in the future (clock skew between servers sharing the key)
    /// is refused too.
    std::optional<std::chrono::seconds> max_age = std::chrono::days(7);
    /// The wall clock seal times are taken from and max_age is measured on;
    /// tests inject one. system_clock when empty. (Wall time, not steady_clock:
    /// the time must mean the same in every process sharing the key and after a
    /// restart.)
    std::function<std::chrono::system_clock::time_point()> clock{};
};

/// Sessions sealed into the cookie with AES-256-GCM (see the top of cookie_store.hpp).
class cookie_store : public session_store {
public:
    explicit cookie_store(const cookie_key& key, cookie_store_options opt = {})
        : state_(std::make_shared<state>(key, std::move(opt))) {}

    RINGKIT_DECL std::optional<nlohmann::json> read(std::string_view sealed) override;

    /// Seals `data` with the current time into a new cookie value (the old value
    /// is not needed); the new value's max_age counts from now.
    /// Throws std::length_error when it would pass max_cookie_bytes.
    RINGKIT_DECL std::string write(std::string_view key, const nlohmann::json& data) override;

    /// Nothing is kept server-side; the session middleware expires the cookie.
    void erase(std::string_view /*key*/) override {}

private:
    // Layout: version byte, sealing time (seconds since the Unix epoch, 64-bit
    // two's complement, big-endian), 96-bit nonce, ciphertext, 128-bit tag (NIST
    // SP 800-38D sizes). The version and time are in clear but authenticated:
    // the AAD is those 9 header bytes followed by the context. Nonces are
    // random: safe for about 2^32 seals per key. Version 1 (no time) is not read.
    static constexpr char version = 2;
    static constexpr std::size_t time_size = 8, header_size = 1 + time_size;
    static constexpr std::size_t nonce_size = 12, tag_size = 16, overhead = header_size + nonce_size + tag_size;
    // How far in the future a seal time may be (clocks of servers sharing a key
    // disagree a little); beyond it the cookie was not sealed by a sane clock.
    static constexpr std::chrono::seconds max_clock_skew = std::chrono::minutes(5);

    struct state {
        state(const cookie_key& k, cookie_store_options o) : key(k), opt(std::move(o)) {}
        RINGKIT_DECL ~state();
        state(const state&) = delete;
        state& operator=(const state&) = delete;
        cookie_key key;
        cookie_store_options opt;
    };

    static const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

    std::int64_t now_seconds() const {
        auto t = state_->opt.clock ? state_->opt.clock() : std::chrono::system_clock::now();
        return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    }
    static std::int64_t sealed_at(std::string_view raw) {
        std::uint64_t v = 0;
        for (std::size_t i = 1; i < header_size; ++i) v = (v << 8) | static_cast<unsigned char>(raw[i]);
        return static_cast<std::int64_t>(v);
    }
    // Whether a cookie sealed at `at` may still be opened.
    bool fresh(std::int64_t at) const {
        const auto& max_age = state_->opt.max_age;
        if (!max_age) return true;
        if (max_age->count() <= 0) return false;
        const std::int64_t now = now_seconds();
        // Compared as differences so that no sum of client-chosen times overflows.
        if (at > now && static_cast<std::uint64_t>(at) - static_cast<std::uint64_t>(now) >
                            static_cast<std::uint64_t>(max_clock_skew.count()))
            return false;
        return at > now || static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(at) <
                               static_cast<std::uint64_t>(max_age->count());
    }
    std::string aad_of(std::string_view raw) const {
        return std::string(raw.substr(0, header_size)) + state_->opt.context;
    }

    RINGKIT_DECL std::string seal(std::string_view plain) const;
    // The plaintext when `raw` was sealed with `key` and the same context and has
    // not been changed by one bit; nullopt otherwise.
    RINGKIT_DECL std::optional<std::string> open(const cookie_key& key, std::string_view raw) const;

    std::shared_ptr<const state> state_;
};

}  // namespace ringkit

#if defined(RINGKIT_HEADER_ONLY)
#include "ringkit/middleware/impl/cookie_store.ipp"
#endif

#endif  // RINGKIT_HAS_OPENSSL
