// base64 (RFC 4648): the standard alphabet with padding for the WebSocket
// handshake (§4), and base64url without padding for session keys, sealed
// cookies and anti-forgery tokens (§5), which travel in cookies, URLs and forms.
// One encoder serves both; the url decoder is strict so a byte string has
// exactly one text form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringkit::detail {

inline constexpr std::string_view base64_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `in` in `alphabet`, '='-padded to a multiple of 4 when `pad`.
inline std::string base64_encode(std::string_view in, std::string_view alphabet = base64_alphabet, bool pad = true) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return std::uint32_t{static_cast<unsigned char>(in[k])}; };
    for (; i + 3 <= in.size(); i += 3) {
        const std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        for (int s = 18; s >= 0; s -= 6) out.push_back(alphabet[(v >> s) & 63]);
    }
    if (const std::size_t rest = in.size() - i) {
        const std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
        out.push_back(alphabet[v >> 18]);
        out.push_back(alphabet[(v >> 12) & 63]);
        if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
        if (pad) out.append(rest == 2 ? 1 : 2, '=');
    }
    return out;
}

/// base64url without padding (RFC 4648 §5).
inline std::string base64url_encode(std::string_view in) { return base64_encode(in, base64url_alphabet, false); }

/// The 6-bit value of a base64 character (c62 and c63 pick the alphabet); -1 for any other.
constexpr int base64_value(char c, char c62 = '+', char c63 = '/') noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == c62) return 62;
    if (c == c63) return 63;
    return -1;
}

/// The inverse of base64url_encode; nullopt for any other text (padding, other
/// alphabets, an impossible length, or non-zero bits after the last byte), so one
/// byte string has exactly one encoding.
inline std::optional<std::string> base64url_decode(std::string_view in) {
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (char c : in) {
        const int v = base64_value(c, '-', '_');
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace ringkit::detail
