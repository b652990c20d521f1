// UTF-8 validation for WebSocket text messages and close reasons (RFC 6455 §8.1,
// RFC 3629). A message arrives in frames and a frame in reads, so the validator
// keeps the state of a multi-byte sequence split across calls, and it fails on the
// first byte that no valid continuation could follow (Autobahn 6.x checks that a
// server closes with 1007 as soon as the bad byte arrives, not at the message end).
//
// Speed: runs of ASCII are skipped 8 bytes at a time; everything else goes through
// a shift-based DFA, one table load and one shift per byte.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ringkit::ws {

namespace detail {

// DFA states. A state is stored as its bit offset (index * 6) in a row of the
// table below, so stepping is `next = (row[byte] >> state) & 63`.
enum utf8_state_index : unsigned {
    u8_accept,    // between characters
    u8_reject,    // sticky
    u8_need1,     // one continuation byte 80-BF left
    u8_need2,     // two left
    u8_after_e0,  // A0-BF, then one (no overlong 3-byte forms)
    u8_after_ed,  // 80-9F, then one (no surrogates D800-DFFF)
    u8_need3,     // three left
    u8_after_f0,  // 90-BF, then two (no overlong 4-byte forms)
    u8_after_f4,  // 80-8F, then two (nothing above U+10FFFF)
    u8_state_count
};
inline constexpr unsigned utf8_state_bits = 6;
inline constexpr std::uint64_t utf8_accept = std::uint64_t{u8_accept} * utf8_state_bits;
inline constexpr std::uint64_t utf8_reject = std::uint64_t{u8_reject} * utf8_state_bits;
// feed() relies on this order: a state above reject is inside a character.
static_assert(utf8_accept < utf8_reject && u8_reject < u8_need1 && u8_state_count * utf8_state_bits <= 64);

constexpr unsigned utf8_next(unsigned state, unsigned char b) noexcept {
    auto in = [b](unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    switch (state) {
    case u8_accept:
        if (b < 0x80) return u8_accept;
        if (in(0xc2, 0xdf)) return u8_need1;
        if (b == 0xe0) return u8_after_e0;
        if (b == 0xed) return u8_after_ed;
        if (in(0xe1, 0xef)) return u8_need2;
        if (b == 0xf0) return u8_after_f0;
        if (in(0xf1, 0xf3)) return u8_need3;
        if (b == 0xf4) return u8_after_f4;
        return u8_reject;  // stray continuation, C0/C1 (always overlong), F5-FF
    case u8_need1: return in(0x80, 0xbf) ? u8_accept : u8_reject;
    case u8_need2: return in(0x80, 0xbf) ? u8_need1 : u8_reject;
    case u8_after_e0: return in(0xa0, 0xbf) ? u8_need1 : u8_reject;
    case u8_after_ed: return in(0x80, 0x9f) ? u8_need1 : u8_reject;
    case u8_need3: return in(0x80, 0xbf) ? u8_need2 : u8_reject;
    case u8_after_f0: return in(0x90, 0xbf) ? u8_need2 : u8_reject;
    case u8_after_f4: return in(0x80, 0x8f) ? u8_need2 : u8_reject;
    default: return u8_reject;
    }
}

// One 64-bit row per byte value: bits [s*6, s*6+6) hold the offset of the state
// that byte leads to from state s.
inline constexpr std::array<std::uint64_t, 256> utf8_rows = [] {
    std::array<std::uint64_t, 256> rows{};
    for (unsigned b = 0; b < 256; ++b)
        for (unsigned s = 0; s < u8_state_count; ++s)
            rows[b] |= std::uint64_t{utf8_next(s, static_cast<unsigned char>(b))} * utf8_state_bits
                       << (s * utf8_state_bits);
    return rows;
}();

constexpr std::uint64_t utf8_step(std::uint64_t state, char c) noexcept {
    return (utf8_rows[static_cast<unsigned char>(c)] >> state) & 63;
}

/// The first byte at or after `p` that is not ASCII, or `end`.
inline const char* skip_ascii(const char* p, const char* end) noexcept {
    constexpr std::uint64_t high_bits = 0x8080808080808080ull;
    while (end - p >= 16) {
        std::uint64_t a = 0, b = 0;
        std::memcpy(&a, p, 8);
        std::memcpy(&b, p + 8, 8);
        if ((a | b) & high_bits) break;
        p += 16;
    }
    while (end - p >= 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, 8);
        if (std::uint64_t m = w & high_bits) {
            if constexpr (std::endian::native == std::endian::little) return p + (std::countr_zero(m) >> 3);
            else return p + (std::countl_zero(m) >> 3);
        }
        p += 8;
    }
    while (p != end && static_cast<unsigned char>(*p) < 0x80) ++p;
    return p;
}

}  // namespace detail

/// Incremental UTF-8 validation across fragments; fails as soon as a prefix can no
/// longer be valid UTF-8 (overlongs, surrogates D800-DFFF, > U+10FFFF, bad
/// continuation) — "fail fast" as Autobahn 6.x requires. One validator per message;
/// reset() between messages. Not thread-safe (a connection owns its own).
class utf8_validator {
public:
    /// Validates the next piece of the message. Returns false once the bytes seen so
    /// far cannot begin any valid UTF-8 string; that answer is sticky until reset().
    bool feed(std::string_view bytes) noexcept {
        const char* p = bytes.data();
        const char* const end = p + bytes.size();
        std::uint64_t s = state_;
        if (s == detail::utf8_reject) return false;
        while (p != end) {
            if (s == detail::utf8_accept && static_cast<unsigned char>(*p) < 0x80) {
                p = detail::skip_ascii(p, end);
                if (p == end) break;
            }
            // The rest of one character, then back to the ASCII path.
            do s = detail::utf8_step(s, *p++);
            while (s > detail::utf8_reject && p != end);
            if (s == detail::utf8_reject) break;
        }
        state_ = s;
        return s != detail::utf8_reject;
    }

    /// True when everything fed so far is valid and no multi-byte sequence is left
    /// open: the message may end here.
    bool complete() const noexcept { return state_ == detail::utf8_accept; }

    /// Whether no invalid byte has been seen (a sequence may still be open).
    bool ok() const noexcept { return state_ != detail::utf8_reject; }

    void reset() noexcept { state_ = detail::utf8_accept; }

private:
    std::uint64_t state_ = detail::utf8_accept;
};

/// One-shot check: `s` is complete, valid UTF-8.
inline bool is_valid_utf8(std::string_view s) noexcept {
    utf8_validator v;
    return v.feed(s) && v.complete();
}

namespace detail {

/// Length of the longest prefix of `s` that is complete, valid UTF-8 (for cutting a
/// string to fit a limit without splitting or emitting a bad sequence).
inline std::size_t utf8_valid_prefix(std::string_view s) noexcept {
    std::uint64_t st = utf8_accept;
    std::size_t good = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        st = utf8_step(st, s[i]);
        if (st == utf8_reject) break;
        if (st == utf8_accept) good = i + 1;
    }
    return good;
}

}  // namespace detail

}  // namespace ringkit::ws
