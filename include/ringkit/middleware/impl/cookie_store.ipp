// The OpenSSL side of middleware/cookie_store.hpp: AES-256-GCM sealing and
// opening, and wiping secrets. Included at the end of that header when ringkit
// is header-only, and compiled once by <ringkit/src.hpp> with
// RINGKIT_SEPARATE_COMPILATION.
#pragma once

#include "ringkit/middleware/cookie_store.hpp"

#if defined(RINGKIT_HAS_OPENSSL) && RINGKIT_HAS_OPENSSL

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ringkit {

namespace detail {
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
inline cipher_ctx new_cipher_ctx() {
    cipher_ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    if (!ctx) throw std::bad_alloc();
    return ctx;
}
}  // namespace detail

RINGKIT_DECL std::optional<cookie_key> cookie_key_from_text(std::string_view text) {
    auto raw = detail::base64url_decode(text);
    if (!raw || raw->size() != cookie_key{}.size()) return std::nullopt;
    std::string& bytes = *raw;
    cookie_key k;
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(bytes[i]);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return k;
}

RINGKIT_DECL cookie_store::state::~state() {
    OPENSSL_cleanse(key.data(), key.size());
    for (auto& k : opt.old_keys) OPENSSL_cleanse(k.data(), k.size());
}

RINGKIT_DECL std::optional<nlohmann::json> cookie_store::read(std::string_view sealed) {
    // Longer than anything we write: not ours, and not worth decoding.
    if (sealed.size() > state_->opt.max_cookie_bytes) return std::nullopt;
    auto raw = detail::base64url_decode(sealed);
    if (!raw || raw->size() < overhead || (*raw)[0] != version) return std::nullopt;
    // Checked before the tag, which also covers the time: a changed time
    // fails there, so deciding on it first only skips work.
    if (!fresh(sealed_at(*raw))) return std::nullopt;
    std::optional<std::string> plain = open(state_->key, *raw);
    for (std::size_t i = 0; !plain && i < state_->opt.old_keys.size(); ++i) plain = open(state_->opt.old_keys[i], *raw);
    if (!plain) return std::nullopt;
    std::string& text = *plain;
    auto data = nlohmann::json::parse(text, nullptr, false);
    OPENSSL_cleanse(text.data(), text.size());
    if (data.is_discarded() || !data.is_object()) return std::nullopt;
    return data;
}

RINGKIT_DECL std::string cookie_store::write(std::string_view /*key*/, const nlohmann::json& data) {
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

RINGKIT_DECL std::string cookie_store::seal(std::string_view plain) const {
    std::string out(overhead + plain.size(), '\0');
    out[0] = version;
    auto t = static_cast<std::uint64_t>(now_seconds());
    for (std::size_t i = header_size - 1; i >= 1; --i, t >>= 8) out[i] = static_cast<char>(t & 0xff);
    auto* nonce = reinterpret_cast<unsigned char*>(out.data() + header_size);
    auto* cipher = nonce + nonce_size;
    detail::random_bytes(nonce, nonce_size);
    auto ctx = detail::new_cipher_ctx();
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

RINGKIT_DECL std::optional<std::string> cookie_store::open(const cookie_key& key, std::string_view raw) const {
    const auto* nonce = bytes(raw) + header_size;
    const auto* cipher = nonce + nonce_size;
    const std::size_t cipher_size = raw.size() - overhead;
    std::string tag(raw.substr(raw.size() - tag_size));
    std::string plain(cipher_size, '\0');
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    auto ctx = detail::new_cipher_ctx();
    const auto aad = aad_of(raw);
    int len = 0, fin = 0;
    const bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce) == 1 &&
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

}  // namespace ringkit

#endif  // RINGKIT_HAS_OPENSSL
