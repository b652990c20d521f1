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
#pragma once

#if defined(RINGKIT_HAS_OPENSSL) && RINGKIT_HAS_OPENSSL

#include <openssl/crypto.h>
#include <openssl/evp.h>

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
inline std::optional<cookie_key> cookie_key_from_text(std::string_view text) {
    auto raw = detail::base64url_decode(text);
    if (!raw || raw->size() != cookie_key{}.size()) return std::nullopt;
    std::string& bytes = *raw;
    cookie_key k;
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(bytes[i]);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return k;
}

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

    std::optional<nlohmann::json> read(std::string_view sealed) override {
        // Longer than anything we write: not ours, and not worth decoding.
        if (sealed.size() > state_->opt.max_cookie_bytes) return std::nullopt;
        auto raw = detail::base64url_decode(sealed);
        if (!raw || raw->size() < overhead || (*raw)[0] != version) return std::nullopt;
        // Checked before the tag, which also covers the time: a changed time
        // fails there, so deciding on it first only skips work.
        if (!fresh(sealed_at(*raw))) return std::nullopt;
        std::optional<std::string> plain = open(state_->key, *raw);
        for (std::size_t i = 0; !plain && i < state_->opt.old_keys.size(); ++i)
            plain = open(state_->opt.old_keys[i], *raw);
        if (!plain) return std::nullopt;
        std::string& text = *plain;
        auto data = nlohmann::json::parse(text, nullptr, false);
        OPENSSL_cleanse(text.data(), text.size());
        if (data.is_discarded() || !data.is_object()) return std::nullopt;
        return data;
    }

    /// Seals `data` with the current time into a new cookie value (the old value
    /// is not needed); the new value's max_age counts from now.
    /// Throws std::length_error when it would pass max_cookie_bytes.
    std::string write(std::string_view /*key*/, const nlohmann::json& data) override {
        std::string plain = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        const std::size_t sealed_size = ((overhead + plain.size()) * 4 + 2) / 3;
        if (sealed_size > state_->opt.max_cookie_bytes) {
            OPENSSL_cleanse(plain.data(), plain.size());
            throw std::length_error("ringkit: cookie_store session of " + std::to_string(plain.size()) +
                                    " bytes seals to " + std::to_string(sealed_size) + " > max_cookie_bytes (" +
                                    std::to_string(state_->opt.max_cookie_bytes) +
                                    "); keep less in the session or use memory_store");
        }
        auto out = detail::base64url_encode(seal(plain));
        OPENSSL_cleanse(plain.data(), plain.size());
        return out;
    }

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
        ~state() {
            OPENSSL_cleanse(key.data(), key.size());
            for (auto& k : opt.old_keys) OPENSSL_cleanse(k.data(), k.size());
        }
        state(const state&) = delete;
        state& operator=(const state&) = delete;
        cookie_key key;
        cookie_store_options opt;
    };

    using ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
    static ctx_ptr new_ctx() {
        ctx_ptr ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
        if (!ctx) throw std::bad_alloc();
        return ctx;
    }
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

    std::string seal(std::string_view plain) const {
        std::string out(overhead + plain.size(), '\0');
        out[0] = version;
        auto t = static_cast<std::uint64_t>(now_seconds());
        for (std::size_t i = header_size - 1; i >= 1; --i, t >>= 8) out[i] = static_cast<char>(t & 0xff);
        auto* nonce = reinterpret_cast<unsigned char*>(out.data() + header_size);
        auto* cipher = nonce + nonce_size;
        detail::random_bytes(nonce, nonce_size);
        auto ctx = new_ctx();
        const auto aad = aad_of(out);
        int len = 0, fin = 0;
        if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, state_->key.data(), nonce) != 1 ||
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
            EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes(plain), static_cast<int>(plain.size())) != 1 ||
            EVP_EncryptFinal_ex(ctx.get(), cipher + len, &fin) != 1 ||
            static_cast<std::size_t>(len) + static_cast<std::size_t>(fin) != plain.size() ||
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_size, cipher + plain.size()) != 1)
            throw std::runtime_error("ringkit: cookie_store: AES-256-GCM encryption failed");
        return out;
    }

    // The plaintext when `raw` was sealed with `key` and the same context and has
    // not been changed by one bit; nullopt otherwise.
    std::optional<std::string> open(const cookie_key& key, std::string_view raw) const {
        const auto* nonce = bytes(raw) + header_size;
        const auto* cipher = nonce + nonce_size;
        const std::size_t cipher_size = raw.size() - overhead;
        std::string tag(raw.substr(raw.size() - tag_size));
        std::string plain(cipher_size, '\0');
        auto* out = reinterpret_cast<unsigned char*>(plain.data());
        auto ctx = new_ctx();
        const auto aad = aad_of(raw);
        int len = 0, fin = 0;
        const bool ok =
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out, &len, cipher, static_cast<int>(cipher_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_size, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), out + len, &fin) == 1;  // checks the tag
        if (!ok) {
            OPENSSL_cleanse(plain.data(), plain.size());
            return std::nullopt;
        }
        plain.resize(static_cast<std::size_t>(len) + static_cast<std::size_t>(fin));
        return plain;
    }

    std::shared_ptr<const state> state_;
};

}  // namespace ringkit

#endif  // RINGKIT_HAS_OPENSSL
