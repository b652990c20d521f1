// Byte-level helpers shared by the parsers: ASCII case folding and the RFC 9110
// character classes. Locale-free on purpose: HTTP is bytes, not text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ringkit::detail {

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/// tchar from RFC 9110 §5.6.2: the bytes a header name or method may contain.
constexpr bool is_tchar(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
    }
}

/// field-vchar / SP / HTAB / obs-text (RFC 9110 §5.5): everything but CTLs and DEL.
constexpr bool is_field_value_char(unsigned char c) noexcept { return c == '\t' || (c >= 0x20 && c != 0x7f); }

// The two classes as one table, so that a header's bytes cost a load each,
// with no branch per byte (parsers run them over every name and value).
inline constexpr unsigned char tchar_bit = 1, field_value_bit = 2;
inline constexpr auto char_classes = [] {
    struct table {
        unsigned char bits[256];
    } t{};
    for (int c = 0; c < 256; ++c)
        t.bits[c] =
            static_cast<unsigned char>((is_tchar(static_cast<unsigned char>(c)) ? tchar_bit : 0) |
                                       (is_field_value_char(static_cast<unsigned char>(c)) ? field_value_bit : 0));
    return t;
}();

// Whether every byte of `s` has `bit`: no early exit, one AND per byte.
constexpr bool all_in_class(std::string_view s, unsigned char bit) noexcept {
    unsigned char all = bit;
    for (unsigned char c : s) all &= char_classes.bits[c];
    return all != 0;
}

constexpr bool is_token(std::string_view s) noexcept { return !s.empty() && all_in_class(s, tchar_bit); }

constexpr bool is_field_value(std::string_view s) noexcept { return all_in_class(s, field_value_bit); }

constexpr std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// Whether a comma-separated header value (Connection, Upgrade, ...) lists `token`,
/// case-insensitively.
constexpr bool has_token(std::string_view list, std::string_view token) noexcept {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = trim_ows(list.substr(0, comma));
        if (iequals(item, token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

/// Apache's escaping for logged request data: '"' and '\' get a backslash,
/// control bytes and non-ASCII become \xhh.
inline void append_log_escaped(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
}

}  // namespace ringkit::detail
